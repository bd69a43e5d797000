"""Guest configuration: a small object model that renders libvirt domain XML.

Each class holds the settings of one element and renders it with
``format_dom()`` (an ElementTree element); ``GuestConfig.to_xml()`` gives
the whole ``<domain>`` document.
"""

from xml.etree import ElementTree

NOVA_NS = "http://openstack.org/xmlns/libvirt/nova/1.1"


def _sub(parent, tag, text=None, **attrs):
    el = ElementTree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()
                                              if v is not None})
    if text is not None:
        el.text = str(text)
    return el


class GuestCPU:
    """<cpu>: ``mode`` host-model / host-passthrough / custom (with ``model``)."""

    def __init__(self, mode, model=None, sockets=None, cores=None, threads=None):
        self.mode, self.model = mode, model
        self.sockets, self.cores, self.threads = sockets, cores, threads

    def format_dom(self):
        cpu = ElementTree.Element("cpu", mode=self.mode)
        if self.mode == "custom" and self.model:
            cpu.set("match", "exact")
            _sub(cpu, "model", self.model, fallback="allow")
        if self.sockets:
            _sub(cpu, "topology", sockets=self.sockets, cores=self.cores or 1,
                 threads=self.threads or 1)
        return cpu


class GuestDisk:
    """<disk type='file' device='disk'>: a file with ``driver_format`` on ``target_dev``."""

    def __init__(self, source_path, target_dev, driver_format="qcow2", target_bus="virtio",
                 device="disk", cache="none", readonly=False):
        self.source_path, self.target_dev = source_path, target_dev
        self.driver_format, self.target_bus = driver_format, target_bus
        self.device, self.cache, self.readonly = device, cache, readonly

    def format_dom(self):
        disk = ElementTree.Element("disk", type="file", device=self.device)
        _sub(disk, "driver", name="qemu", type=self.driver_format, cache=self.cache)
        _sub(disk, "source", file=self.source_path)
        _sub(disk, "target", dev=self.target_dev, bus=self.target_bus)
        if self.readonly:
            _sub(disk, "readonly")
        return disk


class GuestInterface:
    """<interface>: ``net_type`` 'bridge' (with ``source_dev``) or 'ethernet' (a tap)."""

    def __init__(self, mac_address, net_type="bridge", source_dev=None, target_dev=None,
                 model="virtio", mtu=None, virtualport=None, interface_id=None):
        self.mac_address, self.net_type = mac_address, net_type
        self.source_dev, self.target_dev = source_dev, target_dev
        self.model, self.mtu = model, mtu
        self.virtualport, self.interface_id = virtualport, interface_id

    def format_dom(self):
        iface = ElementTree.Element("interface", type=self.net_type)
        _sub(iface, "mac", address=self.mac_address)
        if self.net_type == "bridge":
            _sub(iface, "source", bridge=self.source_dev)
        if self.virtualport:
            port = _sub(iface, "virtualport", type=self.virtualport)
            if self.interface_id:
                _sub(port, "parameters", interfaceid=self.interface_id)
        if self.target_dev:
            _sub(iface, "target", dev=self.target_dev)
        if self.model:
            _sub(iface, "model", type=self.model)
        if self.mtu:
            _sub(iface, "mtu", size=self.mtu)
        return iface


class GuestSerial:
    """<serial type='pty'> whose output libvirt also writes to ``log_path``."""

    def __init__(self, log_path=None, port=0):
        self.log_path, self.port = log_path, port

    def format_dom(self):
        serial = ElementTree.Element("serial", type="pty")
        if self.log_path:
            _sub(serial, "log", file=self.log_path, append="on")
        _sub(serial, "target", port=self.port)
        return serial


class GuestGraphics:
    """<graphics>: ``kind`` 'vnc' or 'spice', an automatic port on ``listen``."""

    def __init__(self, kind, listen, keymap=None):
        self.kind, self.listen, self.keymap = kind, listen, keymap

    def format_dom(self):
        return ElementTree.Element("graphics", {k: v for k, v in (
            ("type", self.kind), ("autoport", "yes"), ("listen", self.listen),
            ("keymap", self.keymap)) if v is not None})


class NovaInstanceMeta:
    """The <nova:instance> metadata: who and what the domain is, in nova's terms."""

    def __init__(self, name, creation_time, flavor, owner_user=None, owner_project=None,
                 root_image=None, package="0.1.0"):
        self.name, self.creation_time, self.flavor = name, creation_time, flavor
        self.owner_user, self.owner_project = owner_user, owner_project
        self.root_image, self.package = root_image, package

    def format_dom(self):
        q = "{%s}%%s" % NOVA_NS
        meta = ElementTree.Element(q % "instance")
        ElementTree.SubElement(meta, q % "package", version=self.package)
        ElementTree.SubElement(meta, q % "name").text = self.name
        ElementTree.SubElement(meta, q % "creationTime").text = self.creation_time
        flavor = self.flavor
        fl = ElementTree.SubElement(meta, q % "flavor", name=flavor.name)
        for tag, value in (("memory", flavor.memory_mb), ("disk", flavor.root_gb),
                           ("swap", flavor.swap), ("ephemeral", flavor.ephemeral_gb),
                           ("vcpus", flavor.vcpus)):
            ElementTree.SubElement(fl, q % tag).text = str(value or 0)
        owner = ElementTree.SubElement(meta, q % "owner")
        if self.owner_user:
            ElementTree.SubElement(owner, q % "user", uuid=self.owner_user[0]).text = \
                self.owner_user[1]
        if self.owner_project:
            ElementTree.SubElement(owner, q % "project", uuid=self.owner_project[0]).text = \
                self.owner_project[1]
        if self.root_image:
            ElementTree.SubElement(meta, q % "root", type="image", uuid=self.root_image)
        return meta


class GuestConfig:
    """A whole <domain>."""

    def __init__(self, virt_type, name, uuid, memory_mb, vcpus):
        self.virt_type, self.name, self.uuid = virt_type, name, uuid
        self.memory_mb, self.vcpus = memory_mb, vcpus
        self.cpu = None
        self.os_type = "hvm"
        self.machine_type = None
        self.os_kernel = self.os_initrd = self.os_cmdline = None
        self.boot_dev = ["hd"]
        self.features = ["acpi", "apic"]
        self.devices = []
        self.metadata = []
        self.on_crash = "destroy"

    def format_dom(self):
        domain = ElementTree.Element("domain", type=self.virt_type)
        _sub(domain, "name", self.name)
        _sub(domain, "uuid", self.uuid)
        if self.metadata:
            meta = _sub(domain, "metadata")
            for item in self.metadata:
                meta.append(item.format_dom())
        _sub(domain, "memory", self.memory_mb * 1024, unit="KiB")
        _sub(domain, "vcpu", self.vcpus)
        os_el = _sub(domain, "os")
        _sub(os_el, "type", self.os_type, machine=self.machine_type)
        if self.os_kernel:
            _sub(os_el, "kernel", self.os_kernel)
            if self.os_initrd:
                _sub(os_el, "initrd", self.os_initrd)
            if self.os_cmdline:
                _sub(os_el, "cmdline", self.os_cmdline)
        else:
            for dev in self.boot_dev:
                _sub(os_el, "boot", dev=dev)
        if self.features:
            features = _sub(domain, "features")
            for feature in self.features:
                _sub(features, feature)
        if self.cpu is not None:
            domain.append(self.cpu.format_dom())
        _sub(domain, "on_poweroff", "destroy")
        _sub(domain, "on_reboot", "restart")
        _sub(domain, "on_crash", self.on_crash)
        devices = _sub(domain, "devices")
        for device in self.devices:
            devices.append(device.format_dom())
        return domain

    def to_xml(self):
        ElementTree.register_namespace("nova", NOVA_NS)
        return ElementTree.tostring(self.format_dom(), encoding="unicode")
