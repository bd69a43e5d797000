"""What nova-all prepares for its users: flavors, a first image, a clouds.yaml entry.

Seeding runs on the first start only (a marker file under state_path records
it) and never replaces what exists: a flavor whose id or name is taken, or an
image of the same name, is left as it is. The clouds.yaml entry is rewritten
on every start (the endpoints may have moved) and merged into the file: other
clouds and top-level keys stay untouched.
"""

import os
import struct
import tempfile

from oslo_log import log as logging
import yaml

from nova import context as nova_context
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

MARKER = "aio-seeded"

# The sizes devstack creates: (flavorid, name, vcpus, ram MiB, root disk GiB).
FLAVORS = (
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("4", "m1.large", 4, 8192, 80),
    ("5", "m1.xlarge", 8, 16384, 160),
    ("42", "m1.nano", 1, 128, 1),
    ("84", "m1.micro", 1, 192, 1),
)

# The user and project of noauth2 that Placement, the image store and the
# compute API all treat as an administrator.
NOAUTH_TOKEN = "admin:admin"

IMAGE_SIZE = 2 * 1024 * 1024


def admin_context():
    return nova_context.RequestContext(user_id="admin", project_id="admin", is_admin=True,
                                       roles=["admin", "member", "reader"])


def seed_flavors(ctxt):
    """Create the FLAVORS that do not exist yet; the names of those created."""
    created = []
    for flavorid, name, vcpus, ram, disk in FLAVORS:
        if _flavor_exists(ctxt, flavorid, name):
            continue
        flavor = objects.Flavor(context=ctxt, flavorid=flavorid, name=name, vcpus=vcpus,
                                memory_mb=ram, root_gb=disk, ephemeral_gb=0, swap=0,
                                is_public=True)
        try:
            flavor.create()
        except (exception.FlavorExists, exception.FlavorIdExists):
            continue
        created.append(name)
    return created


def _flavor_exists(ctxt, flavorid, name):
    for lookup, key in ((objects.Flavor.get_by_flavor_id, flavorid),
                        (objects.Flavor.get_by_name, name)):
        try:
            lookup(ctxt, key)
            return True
        except exception.FlavorNotFound:
            pass
    return False


def boot_disk(size=IMAGE_SIZE):
    """A raw disk of ``size`` bytes: an MBR with one bootable Linux partition."""
    sector = bytearray(512)
    # A boot loader that halts: cli; hlt; jmp $-1.
    sector[0:4] = b"\xfa\xf4\xeb\xfd"
    start, count = 2048 if size > 2048 * 512 else 1, size // 512
    count = count - start
    entry = struct.pack("<B3sB3sII", 0x80, b"\x00\x02\x00", 0x83, b"\xfe\xff\xff",
                        start, max(count, 0))
    sector[446:462] = entry
    sector[510:512] = b"\x55\xaa"
    return bytes(sector) + b"\0" * (size - 512)


def seed_image(ctxt, name, image_api=None):
    """Create the image ``name`` unless one of that name exists; its id either way."""
    from nova.image import api as image_api_mod
    image_api = image_api or image_api_mod.API()
    existing = image_api.get_all(ctxt, filters={"name": name})
    if existing:
        return existing[0]["id"], False
    image = image_api.create(ctxt, {
        "name": name, "disk_format": "raw", "container_format": "bare",
        "visibility": "public", "min_disk": 0, "min_ram": 0,
        "properties": {"description": "A 2 MiB raw disk with a boot sector, made by "
                                      "nova-all for the fake virt driver."},
    }, data=boot_disk())
    return image["id"], True


def seed(state_path, image_name, with_image=True):
    """First-start seeding (idempotent); a summary dict, or None when already done."""
    marker = os.path.join(state_path, MARKER)
    if os.path.exists(marker):
        return None
    ctxt = admin_context()
    result = {"flavors": seed_flavors(ctxt), "image": None}
    if with_image:
        image_id, created = seed_image(ctxt, image_name)
        result["image"] = (image_id, created)
    with open(marker, "w") as out:
        out.write("flavors and image created by nova-all\n")
    LOG.info("Seeded flavors %s and image %s", result["flavors"], result["image"])
    return result


def cloud_entry(compute, image=None, placement=None, identity=None, token=NOAUTH_TOKEN):
    """The clouds.yaml entry for the endpoints given (URLs, or None to leave out).

    ``admin_token`` sends ``token`` to every service: the noauth2 compute API,
    image store and Placement all read it as user ``admin`` of project
    ``admin``. Each service's endpoint comes from its ``*_endpoint_override``;
    there is no Keystone (``identity`` is nova-all's stand-in, see all_identity).
    """
    entry = {
        "auth_type": "admin_token",
        "auth": {"endpoint": compute, "token": token},
        "region_name": "RegionOne",
        "identity_api_version": "3",
        "compute_endpoint_override": compute,
    }
    if image:
        entry["image_endpoint_override"] = image
    if placement:
        entry["placement_endpoint_override"] = placement
    if identity:
        entry["identity_endpoint_override"] = identity
    return entry


def write_clouds_yaml(path, name, entry):
    """Merge ``{name: entry}`` into the clouds.yaml at ``path``; the absolute path."""
    path = os.path.abspath(os.path.expanduser(path))
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    document = {}
    if os.path.exists(path):
        with open(path) as current:
            document = yaml.safe_load(current) or {}
        if not isinstance(document, dict):
            raise ValueError("%s does not hold a YAML mapping" % path)
    clouds = document.get("clouds")
    if not isinstance(clouds, dict):
        clouds = document["clouds"] = {}
    clouds[name] = entry
    fd, tmp = tempfile.mkstemp(prefix=".clouds-", suffix=".yaml", dir=directory)
    try:
        with os.fdopen(fd, "w") as out:
            yaml.safe_dump(document, out, default_flow_style=False, sort_keys=False)
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
