"""InstanceMetadata: what an instance reads about itself, in both formats.

One object gathers, once, everything an instance exposes (identity, keys,
user metadata, user data, devices, network information, password) as plain
data; the metadata API serves it path by path and the config drive writes
the same content as files. Nothing here reads a database: the loader
(``nova.api.metadata.lookup``) hands the objects in, so a cached
InstanceMetadata answers without any query and can be pickled.

Formats:

* EC2: ``/<version>/meta-data/...`` and ``/<version>/user-data`` for the
  versions in ``EC2_VERSIONS`` and ``latest``; each version shows the keys it
  introduced (see ``_ec2_meta_data``).
* OpenStack: ``/openstack/<version>/<file>`` for ``OPENSTACK_VERSIONS`` and
  ``latest``; the files and the keys of meta_data.json follow the version
  that introduced them (``OPENSTACK_FILES`` and ``_openstack_meta_data``).
"""

import base64
import binascii
import os

from oslo_serialization import jsonutils

import nova.conf
from nova.api.metadata import netdata
from nova.api.metadata import password
from nova.api.metadata import vendordata

CONF = nova.conf.CONF

# EC2-compatible versions, oldest first.
EC2_VERSIONS = ("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
                "2008-02-01", "2008-09-01", "2009-04-04")

# OpenStack metadata versions, oldest first, and what each introduced.
FOLSOM = "2012-08-10"       # meta_data.json, user_data
GRIZZLY = "2013-04-04"      # password, random_seed
HAVANA = "2013-10-17"       # vendor_data.json
LIBERTY = "2015-10-15"      # network_data.json, project_id
NEWTON_ONE = "2016-06-30"   # devices (with tags)
NEWTON_TWO = "2016-10-06"   # vendor_data2.json
OCATA = "2017-02-22"        # vlan of tagged network devices
ROCKY = "2018-08-27"        # vf_trusted of tagged network devices
VICTORIA = "2020-10-14"     # dedicated_cpus
EPOXY = "2025-04-04"        # no new key here yet (the version is listed and served)
OPENSTACK_VERSIONS = (FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA,
                      ROCKY, VICTORIA, EPOXY)
LATEST = "latest"

MD_JSON = "meta_data.json"
UD_NAME = "user_data"
PASS_NAME = "password"
VD_JSON = "vendor_data.json"
VD2_JSON = "vendor_data2.json"
NW_JSON = "network_data.json"

# File name -> the OpenStack version that introduced it.
OPENSTACK_FILES = ((MD_JSON, FOLSOM), (UD_NAME, FOLSOM), (PASS_NAME, GRIZZLY),
                   (VD_JSON, HAVANA), (NW_JSON, LIBERTY), (VD2_JSON, NEWTON_TWO))


class InvalidMetadataPath(Exception):
    """No such path in this instance's metadata (404)."""


class NotAllowed(Exception):
    """The path exists but not for this method (405)."""


def _ec2_id(prefix, value):
    """An EC2-style id (``i-0000002a``) of an integer or a UUID."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).replace("-", ""), 16) & 0xFFFFFFFF
        except ValueError:
            number = binascii.crc32(str(value).encode())
    return "%s-%08x" % (prefix, number)


def _os_version_at_least(required, version):
    return version == LATEST or version >= required


def _ec2_version_at_least(required, version):
    if version == LATEST:
        return True
    return EC2_VERSIONS.index(version) >= EC2_VERSIONS.index(required)


class InstanceMetadata:
    """The metadata of one instance, as plain data gathered once.

    ``instance`` is an Instance with metadata, system_metadata, info_cache,
    keypairs and flavor loaded; ``bdms`` its block device mappings;
    ``extra_md`` keys added to meta_data.json (the config drive's admin_pass);
    ``device_metadata`` the tagged devices as the virt driver placed them
    (entries of meta_data.json's ``devices``, with their bus addresses), by
    default what the driver recorded on the instance (``instance.device_metadata``).
    The dynamic vendordata is asked for once per object, when first read.
    """

    def __init__(self, instance, bdms=(), address=None, extra_md=None, network_info=None,
                 device_metadata=None):
        self.uuid = instance.uuid
        self.instance_id = instance.id if instance.obj_attr_is_set("id") else None
        self.name = instance.display_name
        self.hostname = instance.hostname or ""
        self.launch_index = instance.launch_index or 0
        self.availability_zone = instance.availability_zone or CONF.default_availability_zone
        self.project_id = instance.project_id
        self.user_id = instance.user_id
        self.reservation_id = instance.reservation_id or ""
        self.image_ref = instance.image_ref or ""
        self.kernel_id = instance.kernel_id or None
        self.ramdisk_id = instance.ramdisk_id or None
        self.root_device_name = instance.root_device_name or "/dev/vda"
        self.key_name = instance.key_name
        self.key_data = instance.key_data
        self.keys = [{"name": kp.name, "type": kp.type, "data": kp.public_key}
                     for kp in (instance.keypairs or [])]
        if not self.keys and self.key_name:
            self.keys = [{"name": self.key_name, "type": "ssh", "data": self.key_data}]
        self.meta = dict(instance.metadata or {})
        self.system_metadata = dict(instance.system_metadata or {})
        self.flavor_name = instance.flavor.name if instance.flavor else None
        self.user_data = base64.b64decode(instance.user_data) if instance.user_data else None
        if network_info is None:
            network_info = instance.get_network_info()
        self.network_info = jsonutils.loads(jsonutils.dumps(list(network_info or [])))
        self.address = address
        self.bdms = [{"tag": b.tag, "volume_id": b.volume_id, "device_name": b.device_name,
                      "source_type": b.source_type, "destination_type": b.destination_type,
                      "boot_index": b.boot_index}
                     for b in bdms]
        self._vendor_data2 = None
        self.extra_md = dict(extra_md or {})
        if device_metadata is None:
            device_metadata = _recorded_devices(instance)
        self.device_metadata = None if device_metadata is None else \
            jsonutils.loads(jsonutils.dumps(list(device_metadata)))

    # -- derived values --------------------------------------------------------

    @property
    def fqdn(self):
        if CONF.api.dhcp_domain:
            return "%s.%s" % (self.hostname, CONF.api.dhcp_domain)
        return self.hostname

    @property
    def password(self):
        return password.extract_password(self.system_metadata)

    def _fixed_ipv4(self):
        for vif in self.network_info:
            for subnet in (vif.get("network") or {}).get("subnets", []):
                for ip in subnet.get("ips", []):
                    if ip.get("version") == 4 or (ip.get("version") is None and
                                                  ":" not in ip.get("address", "")):
                        return ip["address"]
        return ""

    def _floating_ipv4(self):
        for vif in self.network_info:
            for subnet in (vif.get("network") or {}).get("subnets", []):
                for ip in subnet.get("ips", []):
                    for fip in ip.get("floating_ips") or []:
                        return fip["address"]
        return ""

    def _block_device_mapping(self):
        mapping = {"ami": "vda", "root": self.root_device_name}
        ebs = 0
        for bdm in self.bdms:
            if bdm["destination_type"] == "volume" and bdm["boot_index"] not in (0,) and \
                    bdm["device_name"]:
                mapping["ebs%d" % ebs] = bdm["device_name"]
                ebs += 1
            elif bdm["destination_type"] == "local" and bdm["source_type"] == "blank" and \
                    bdm["device_name"]:
                key = "swap" if "swap" in (bdm.get("tag") or "") else "ephemeral%d" % ebs
                mapping[key] = bdm["device_name"]
        return mapping

    def _devices(self, version):
        """Tagged devices: those the driver placed (with their addresses), then
        the tagged disks and NICs it did not describe, derived from the block
        device mappings and the network info."""
        devices = []
        described_serials, described_macs = set(), set()
        macs = {(vif.get("address") or "").lower() for vif in self.network_info}
        for entry in self.device_metadata or ():
            device = dict(entry)
            if device.get("type") == "nic" and device.get("mac") and \
                    device["mac"].lower() not in macs:
                continue  # described at boot, detached since
            if not _os_version_at_least(OCATA, version):
                device.pop("vlan", None)
            if not _os_version_at_least(ROCKY, version):
                device.pop("vf_trusted", None)
            if device.get("type") == "nic" and device.get("mac"):
                described_macs.add(device["mac"].lower())
            if device.get("type") == "disk" and device.get("serial"):
                described_serials.add(device["serial"])
            devices.append(device)
        for bdm in self.bdms:
            if not bdm["tag"] or (bdm["volume_id"] and
                                  bdm["volume_id"] in described_serials):
                continue
            device = {"type": "disk", "bus": "virtio", "serial": bdm["volume_id"] or "",
                      "path": bdm["device_name"] or "", "tags": [bdm["tag"]]}
            devices.append(device)
        for vif in self.network_info:
            tag = vif.get("tag")
            if not tag or (vif.get("address") or "").lower() in described_macs:
                continue
            device = {"type": "nic", "bus": "pci", "mac": vif.get("address"), "tags": [tag]}
            details = vif.get("details") or {}
            if _os_version_at_least(OCATA, version) and details.get("vlan"):
                device["vlan"] = int(details["vlan"])
            if _os_version_at_least(ROCKY, version) and "trusted" in (vif.get("profile") or {}):
                device["vf_trusted"] = bool(vif["profile"]["trusted"])
            devices.append(device)
        return devices

    def _dedicated_cpus(self):
        """The guest CPUs pinned to host CPUs.

        Pinning is recorded in an instance NUMA topology by a driver that pins
        (libvirt with hw:cpu_policy=dedicated); no driver here does yet, so
        the list is empty.
        """
        return []

    # -- OpenStack format ------------------------------------------------------

    def _openstack_meta_data(self, version):
        data = {"uuid": self.uuid, "meta": dict(self.meta), "hostname": self.fqdn,
                "name": self.name, "launch_index": self.launch_index,
                "availability_zone": self.availability_zone}
        if self.key_name:
            data["public_keys"] = {self.key_name: self.key_data}
            data["keys"] = [dict(k) for k in self.keys]
        if _os_version_at_least(GRIZZLY, version):
            data["random_seed"] = base64.b64encode(os.urandom(512)).decode()
        if _os_version_at_least(LIBERTY, version):
            data["project_id"] = self.project_id
        if _os_version_at_least(NEWTON_ONE, version):
            data["devices"] = self._devices(version)
        if _os_version_at_least(VICTORIA, version):
            data["dedicated_cpus"] = self._dedicated_cpus()
        data.update(self.extra_md)
        return data

    def openstack_files(self, version):
        """The file names version ``version`` of the OpenStack format has here."""
        names = []
        for name, since in OPENSTACK_FILES:
            if not _os_version_at_least(since, version):
                continue
            if name == UD_NAME and self.user_data is None:
                continue
            names.append(name)
        return names

    def openstack_file(self, version, name, for_config_drive=False):
        """The content of one OpenStack file: bytes for user data, else text."""
        if name not in self.openstack_files(version):
            raise InvalidMetadataPath(name)
        if name == MD_JSON:
            return jsonutils.dumps(self._openstack_meta_data(version))
        if name == UD_NAME:
            return self.user_data
        if name == PASS_NAME:
            return self.password
        if name == VD_JSON:
            return jsonutils.dumps(vendordata.static_data())
        if name == VD2_JSON:
            if self._vendor_data2 is None:
                self._vendor_data2 = vendordata.dynamic_data(self)
            return jsonutils.dumps(self._vendor_data2)
        if name == NW_JSON:
            return jsonutils.dumps(netdata.network_data(self.network_info))
        raise InvalidMetadataPath(name)

    # -- EC2 format ------------------------------------------------------------

    def _ec2_meta_data(self, version):
        hostname = self.fqdn
        data = {"ami-id": _ec2_id("ami", self.image_ref) or "",
                "ami-launch-index": self.launch_index,
                "ami-manifest-path": "FIXME",
                "instance-id": _ec2_id("i", self.instance_id if self.instance_id is not None
                                       else self.uuid),
                "hostname": hostname,
                "local-ipv4": self._fixed_ipv4() or (self.address or ""),
                "reservation-id": self.reservation_id,
                "security-groups": ["default"]}
        if self.key_name:
            data["public-keys"] = {"0": {"_name": "0=" + self.key_name,
                                         "openssh-key": self.key_data}}
        if _ec2_version_at_least("2007-01-19", version):
            data["local-hostname"] = hostname
            data["public-hostname"] = hostname
            data["public-ipv4"] = self._floating_ipv4()
        if _ec2_version_at_least("2007-08-29", version):
            data["instance-type"] = self.flavor_name or ""
        if _ec2_version_at_least("2007-12-15", version):
            data["block-device-mapping"] = self._block_device_mapping()
            if self.kernel_id:
                data["kernel-id"] = _ec2_id("aki", self.kernel_id)
            if self.ramdisk_id:
                data["ramdisk-id"] = _ec2_id("ari", self.ramdisk_id)
        if _ec2_version_at_least("2008-02-01", version):
            data["placement"] = {"availability-zone": self.availability_zone}
        if _ec2_version_at_least("2008-09-01", version):
            data["instance-action"] = "none"
        return data

    def ec2_tree(self, version):
        tree = {"meta-data": self._ec2_meta_data(version)}
        if self.user_data is not None:
            tree["user-data"] = self.user_data
        return tree

    def ec2_meta_data_json(self, version):
        """The EC2 meta-data tree as one JSON document (the config drive's meta-data.json)."""
        def plain(value):
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items() if k != "_name"}
            return value
        return jsonutils.dumps(plain(self._ec2_meta_data(version)))

    # -- config drive ----------------------------------------------------------

    def config_drive_files(self):
        """``(path, bytes)`` of every file a config drive holds, from the same content.

        ``ec2/<version>/meta-data.json`` (and ``user-data``) for the EC2
        versions not in ``[api] config_drive_skip_versions`` and latest;
        ``openstack/<version>/`` files for every OpenStack version and latest,
        without the password (a guest posts it to the metadata API only).
        """
        skip = set((CONF.api.config_drive_skip_versions or "").split())
        for version in [v for v in EC2_VERSIONS if v not in skip] + [LATEST]:
            yield ("ec2/%s/meta-data.json" % version,
                   self.ec2_meta_data_json(version).encode())
            if self.user_data is not None:
                yield "ec2/%s/user-data" % version, self.user_data
        for version in OPENSTACK_VERSIONS + (LATEST,):
            for name in self.openstack_files(version):
                if name == PASS_NAME:
                    continue
                data = self.openstack_file(version, name)
                yield ("openstack/%s/%s" % (version, name),
                       data if isinstance(data, bytes) else data.encode())

    # -- one path --------------------------------------------------------------

    def lookup(self, path):
        """Content for a request path: bytes, str or a listing (str).

        InvalidMetadataPath when the path does not exist for this instance.
        """
        parts = [p for p in path.split("/") if p]
        if not parts:
            return "\n".join(EC2_VERSIONS + (LATEST,))
        if parts[0] == "openstack":
            return self._lookup_openstack(parts[1:])
        return self._lookup_ec2(parts)

    def _lookup_openstack(self, parts):
        if not parts:
            return "\n".join(OPENSTACK_VERSIONS + (LATEST,))
        version = parts[0]
        if version not in OPENSTACK_VERSIONS and version != LATEST:
            raise InvalidMetadataPath(version)
        if len(parts) == 1:
            return "\n".join(self.openstack_files(version))
        if len(parts) > 2:
            raise InvalidMetadataPath("/".join(parts))
        return self.openstack_file(version, parts[1])

    def _lookup_ec2(self, parts):
        version = parts[0]
        if version not in EC2_VERSIONS and version != LATEST:
            raise InvalidMetadataPath(version)
        node = self.ec2_tree(version)
        for part in parts[1:]:
            if not isinstance(node, dict) or part not in node or part == "_name":
                raise InvalidMetadataPath(part)
            node = node[part]
        return _ec2_format(node)


def _recorded_devices(instance):
    """The device metadata a virt driver recorded on ``instance``, or None."""
    try:
        if not instance.obj_attr_is_set("device_metadata"):
            return None
        return instance.device_metadata
    except (AttributeError, NotImplementedError):
        return None


def _ec2_format(node):
    if isinstance(node, dict):
        lines = []
        for key in sorted(node):
            if key == "_name":
                continue
            value = node[key]
            if isinstance(value, dict):
                lines.append(value.get("_name") or key + "/")
            else:
                lines.append(key)
        return "\n".join(lines)
    if isinstance(node, (list, tuple)):
        return "\n".join(str(v) for v in node)
    if isinstance(node, bytes):
        return node
    return str(node)
