"""The standard diagnostics of one guest (GET /servers/{id}/diagnostics, 2.48+).

A driver's ``get_instance_diagnostics`` returns a :class:`Diagnostics`; the
compute manager sends ``to_dict()`` back over RPC and the API shows that
dict as it is. Every field is optional: a hypervisor that cannot tell leaves
it None (lists stay empty), as the API reference allows.
"""

# The fields of Diagnostics, in the order the API reference lists them.
FIELDS = ("state", "driver", "hypervisor", "hypervisor_os", "uptime", "config_drive",
          "num_cpus", "num_nics", "num_disks", "cpu_details", "nic_details",
          "disk_details", "memory_details")

# Power states as the diagnostics name them (nova.compute.power_state values).
STATES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed",
          7: "suspended"}


class CpuDiagnostics:
    """One virtual CPU: ``id`` (int), ``time`` (ns of CPU time used) and
    ``utilisation`` (percent, or None when unknown)."""

    def __init__(self, id=None, time=None, utilisation=None):
        self.id = id
        self.time = time
        self.utilisation = utilisation

    def to_dict(self):
        return {"id": self.id, "time": self.time, "utilisation": self.utilisation}


class NicDiagnostics:
    """One virtual NIC: its MAC address and the guest's traffic counters
    (octets, errors, dropped packets, packets and rate, received and sent)."""

    COUNTERS = ("rx_octets", "rx_errors", "rx_drop", "rx_packets", "rx_rate",
                "tx_octets", "tx_errors", "tx_drop", "tx_packets", "tx_rate")

    def __init__(self, mac_address=None, **counters):
        unknown = set(counters) - set(self.COUNTERS)
        if unknown:
            raise TypeError("unknown NIC counters: %s" % ", ".join(sorted(unknown)))
        self.mac_address = mac_address
        for name in self.COUNTERS:
            setattr(self, name, counters.get(name))

    def to_dict(self):
        result = {"mac_address": self.mac_address}
        result.update((name, getattr(self, name)) for name in self.COUNTERS)
        return result


class DiskDiagnostics:
    """One virtual disk: bytes and requests read and written, and errors."""

    COUNTERS = ("read_bytes", "read_requests", "write_bytes", "write_requests",
                "errors_count")

    def __init__(self, **counters):
        unknown = set(counters) - set(self.COUNTERS)
        if unknown:
            raise TypeError("unknown disk counters: %s" % ", ".join(sorted(unknown)))
        for name in self.COUNTERS:
            setattr(self, name, counters.get(name))

    def to_dict(self):
        return {name: getattr(self, name) for name in self.COUNTERS}


class Diagnostics:
    """What a hypervisor reports about one guest, in the 2.48 standard format.

    :param state: the guest's power state as a word (``STATES``: 'running',
        'paused', 'shutdown', ...).
    :param driver: the virt driver ('libvirt', 'fake', ...).
    :param hypervisor: the hypervisor under the driver ('kvm', 'qemu', ...).
    :param hypervisor_os: the host's operating system ('linux', ...).
    :param uptime: seconds since the guest started (int).
    :param config_drive: whether the guest has a config drive (bool).
    :param memory_details: ``{"maximum": MiB, "used": MiB}``.

    ``num_cpus``, ``num_nics`` and ``num_disks`` follow the details added
    with ``add_cpu``, ``add_nic`` and ``add_disk``.
    """

    def __init__(self, state=None, driver=None, hypervisor=None, hypervisor_os=None,
                 uptime=None, config_drive=None, memory_details=None):
        self.state = state
        self.driver = driver
        self.hypervisor = hypervisor
        self.hypervisor_os = hypervisor_os
        self.uptime = uptime
        self.config_drive = config_drive
        self.memory_details = dict(memory_details or {"maximum": None, "used": None})
        self.cpu_details = []
        self.nic_details = []
        self.disk_details = []

    @property
    def num_cpus(self):
        return len(self.cpu_details)

    @property
    def num_nics(self):
        return len(self.nic_details)

    @property
    def num_disks(self):
        return len(self.disk_details)

    def add_cpu(self, **fields):
        self.cpu_details.append(CpuDiagnostics(**fields))

    def add_nic(self, **fields):
        self.nic_details.append(NicDiagnostics(**fields))

    def add_disk(self, **fields):
        self.disk_details.append(DiskDiagnostics(**fields))

    def to_dict(self):
        """The body of GET /servers/{id}/diagnostics at 2.48 (every FIELD)."""
        result = {}
        for name in FIELDS:
            value = getattr(self, name)
            if name.endswith("_details") and isinstance(value, list):
                value = [item.to_dict() for item in value]
            result[name] = value
        return result
