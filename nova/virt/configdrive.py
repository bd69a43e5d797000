"""Config drives: the instance's metadata as a small file system attached to the guest.

``ConfigDriveBuilder`` writes the files of an ``InstanceMetadata``
(``openstack/<version>/...`` and ``ec2/<version>/...``, see
``InstanceMetadata.config_drive_files``) into an image labelled
``config-2``: ISO 9660 with Rock Ridge and Joliet names (pycdlib, no external
tool), or VFAT (``mkfs.vfat`` and ``mcopy`` from dosfstools/mtools, no root).
``[DEFAULT] config_drive_format`` chooses. Which instances get one is
``required_by()``. Attaching the image is the virt driver's business.
"""

import io
import os
import shutil
import tempfile

from oslo_concurrency import processutils
from oslo_log import log as logging
import pycdlib

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

LABEL = "config-2"
# Size of a VFAT config drive: 64 MiB, as upstream.
VFAT_SIZE_BYTES = 64 * 1024 * 1024
MANDATORY = "mandatory"


class ConfigDriveError(exception.NovaException):
    msg_fmt = "The config drive could not be built: %(reason)s"


def _truthy(value):
    return str(value).strip().lower() in ("true", "1", "yes", "on", "t", "y")


def required_by(instance, image_meta=None):
    """Whether ``instance`` gets a config drive.

    When ``[DEFAULT] force_config_drive`` is set, when the create request
    asked for one (``instance.config_drive``), or when its image says
    ``img_config_drive=mandatory``.
    """
    if CONF.force_config_drive:
        return True
    if instance.obj_attr_is_set("config_drive") and instance.config_drive and \
            _truthy(instance.config_drive):
        return True
    properties = {}
    if image_meta is not None:
        if isinstance(image_meta, dict):
            properties = image_meta.get("properties") or {}
        elif image_meta.obj_attr_is_set("properties"):
            properties = image_meta.properties.to_dict()
    return properties.get("img_config_drive") == MANDATORY


def update_instance(instance, image_meta=None):
    """Record on the instance (config_drive = 'True') that it has one; not saved."""
    if required_by(instance, image_meta):
        instance.config_drive = "True"


class ConfigDriveBuilder:
    """Collects files and writes them as a config drive image.

    ``with ConfigDriveBuilder(instance_md=md) as builder: builder.make_drive(path)``
    """

    def __init__(self, instance_md=None):
        self.files = {}
        if instance_md is not None:
            for path, data in instance_md.config_drive_files():
                self.add_file(path, data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.files = {}

    def add_file(self, path, data):
        path = path.strip("/")
        if not path or ".." in path.split("/"):
            raise ConfigDriveError(reason="invalid path %r" % path)
        self.files[path] = data if isinstance(data, bytes) else data.encode()

    def make_drive(self, path, fmt=None):
        fmt = fmt or CONF.config_drive_format
        if fmt == "iso9660":
            self._make_iso9660(path)
        elif fmt == "vfat":
            self._make_vfat(path)
        else:
            raise ConfigDriveError(reason="unknown format %s" % fmt)
        LOG.debug("Wrote a %s config drive of %d files to %s", fmt, len(self.files), path)

    # -- ISO 9660 --------------------------------------------------------------

    def _make_iso9660(self, path):
        iso = pycdlib.PyCdlib()
        iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=LABEL,
                app_ident_str="nova config drive")
        directories = {"": "/"}
        counter = {"d": 0, "f": 0}

        def directory(rel):
            if rel in directories:
                return directories[rel]
            parent_rel, _sep, name = rel.rpartition("/")
            parent = directory(parent_rel)
            counter["d"] += 1
            iso_path = "%s/D%06d" % (parent.rstrip("/"), counter["d"])
            iso.add_directory(iso_path, rr_name=name,
                              joliet_path="/" + rel)
            directories[rel] = iso_path
            return iso_path

        try:
            for rel in sorted(self.files):
                data = self.files[rel]
                parent_rel, _sep, name = rel.rpartition("/")
                parent = directory(parent_rel)
                counter["f"] += 1
                iso_path = "%s/F%06d.;1" % (parent.rstrip("/"), counter["f"])
                iso.add_fp(io.BytesIO(data), len(data), iso_path, rr_name=name,
                           joliet_path="/" + rel)
            iso.write(path)
        except pycdlib.pycdlibexception.PyCdlibException as exc:
            raise ConfigDriveError(reason=str(exc))
        finally:
            iso.close()

    # -- VFAT ------------------------------------------------------------------

    def _make_vfat(self, path):
        for tool in ("mkfs.vfat", "mcopy"):
            if shutil.which(tool) is None:
                raise ConfigDriveError(reason="%s is not installed (dosfstools, mtools)"
                                       % tool)
        with open(path, "wb") as handle:
            handle.truncate(VFAT_SIZE_BYTES)
        staging = tempfile.mkdtemp(prefix="configdrive-")
        try:
            for rel, data in self.files.items():
                target = os.path.join(staging, *rel.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as handle:
                    handle.write(data)
            try:
                processutils.execute("mkfs.vfat", "-n", LABEL.upper(), path)
                entries = [os.path.join(staging, e) for e in sorted(os.listdir(staging))]
                processutils.execute("mcopy", "-s", "-o", "-i", path, *entries, "::/",
                                     env_variables={"MTOOLS_SKIP_CHECK": "1"})
            except processutils.ProcessExecutionError as exc:
                raise ConfigDriveError(reason=exc.stderr or str(exc))
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def read_iso9660(path, target_dir):
    """Extract a config drive ISO into ``target_dir`` by its Rock Ridge names; the label."""
    iso = pycdlib.PyCdlib()
    iso.open(path)
    try:
        label = iso.pvd.volume_identifier.decode().strip()
        for dirpath, _dirs, files in iso.walk(rr_path="/"):
            local_dir = os.path.join(target_dir, dirpath.lstrip("/"))
            os.makedirs(local_dir, exist_ok=True)
            for name in files:
                rr_path = dirpath.rstrip("/") + "/" + name
                iso.get_file_from_iso(os.path.join(local_dir, name), rr_path=rr_path)
    finally:
        iso.close()
    return label
