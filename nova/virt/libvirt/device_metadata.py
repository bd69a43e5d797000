"""Tagged devices of a libvirt guest, with the addresses libvirt gave them.

``from_domain_xml`` reads a defined domain's XML and returns the entries of
meta_data.json's ``devices`` list (device role tagging, API 2.32 / 2.42) for
the devices a user tagged:

- a NIC whose MAC is a VIF of the instance with a ``tag`` (or a VLAN):
  ``{"type": "nic", "bus": "pci", "address": "0000:00:03.0", "mac": ...,
  "tags": [...]}`` plus ``vlan`` and ``vf_trusted`` when the port has them;
- a disk whose target is a block device mapping with a ``tag``:
  ``{"type": "disk", "bus": "pci" | "scsi" | "ide" | "usb" | "xen",
  "address": ..., "serial": <volume id>, "tags": [...]}``.

PCI addresses read ``dddd:bb:ss.f``; drive addresses ``bus:unit`` on IDE and
``controller:bus:target:unit`` on SCSI. A device on a bus the format has no
name for (SATA) is left out, as upstream does.
"""

from xml.etree import ElementTree


def _hex(value):
    return int(value, 16) if value and value.lower().startswith("0x") else int(value or 0)


def _address(element, target_bus=None):
    """(bus name, address) of a device element's <address>, or (None, None)."""
    addr = element.find("address")
    if addr is None:
        return None, None
    kind = addr.get("type")
    if kind == "pci":
        return "pci", "%04x:%02x:%02x.%x" % tuple(
            _hex(addr.get(k)) for k in ("domain", "bus", "slot", "function"))
    if kind == "drive":
        parts = [str(int(addr.get(k) or 0)) for k in ("controller", "bus", "target", "unit")]
        if target_bus == "ide":
            return "ide", "%s:%s" % (parts[1], parts[3])
        if target_bus == "scsi":
            return "scsi", ":".join(parts)
        return None, None
    if kind == "usb":
        return "usb", "%s:%s" % (addr.get("bus") or "0", addr.get("port") or "0")
    if kind == "xen":
        return "xen", addr.get("device") or ""
    return None, None


def _vif_extras(vif):
    extras = {}
    vlan = (vif.get("details") or {}).get("vlan")
    if vlan:
        extras["vlan"] = int(vlan)
    profile = vif.get("profile") or {}
    if "trusted" in profile:
        value = profile["trusted"]
        extras["vf_trusted"] = value if isinstance(value, bool) else \
            str(value).lower() in ("true", "1", "yes")
    return extras


def _bdm_value(bdm, key):
    return bdm.get(key) if isinstance(bdm, dict) else getattr(bdm, key, None)


def from_domain_xml(xml, network_info=None, bdms=()):
    """The ``devices`` entries (list of dicts) of the tagged devices in ``xml``."""
    root = ElementTree.fromstring(xml) if isinstance(xml, str) else xml
    vifs = {}
    for vif in network_info or []:
        if vif.get("address"):
            vifs[vif["address"].lower()] = vif
    tagged_bdms = {}
    for bdm in bdms or ():
        name = _bdm_value(bdm, "device_name")
        if _bdm_value(bdm, "tag") and name:
            tagged_bdms[name.rsplit("/", 1)[-1]] = bdm
    devices = []
    for element in root.findall("devices/*"):
        if element.tag == "interface":
            mac = element.find("mac")
            vif = vifs.get(mac.get("address", "").lower()) if mac is not None else None
            if vif is None:
                continue
            extras = _vif_extras(vif)
            if not vif.get("tag") and "vlan" not in extras:
                continue
            bus, address = _address(element)
            if bus is None:
                continue
            device = {"type": "nic", "bus": bus, "address": address,
                      "mac": vif["address"], "tags": [vif["tag"]] if vif.get("tag") else []}
            device.update(extras)
            devices.append(device)
        elif element.tag == "disk":
            target = element.find("target")
            if target is None:
                continue
            bdm = tagged_bdms.get(target.get("dev"))
            if bdm is None:
                continue
            bus, address = _address(element, target.get("bus"))
            if bus is None:
                continue
            devices.append({"type": "disk", "bus": bus, "address": address,
                            "serial": _bdm_value(bdm, "volume_id") or "",
                            "tags": [_bdm_value(bdm, "tag")]})
    return devices
