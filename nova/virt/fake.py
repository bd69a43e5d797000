"""An in-memory hypervisor: the driver of the all-in-one and the tests.

It keeps its "instances" in a dict and reports a fixed-size node whose
usage follows them, so everything above the driver runs unchanged.
"""

import json
import time

from oslo_log import log as logging

import nova.conf
from nova.virt import driver

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class FakeInstance:
    def __init__(self, name, uuid, state, vcpus=1, memory_mb=512, root_gb=1):
        self.name = name
        self.uuid = uuid
        self.state = state
        self.vcpus = vcpus
        self.memory_mb = memory_mb
        self.root_gb = root_gb


class FakeDriver(driver.ComputeDriver):
    """One node (named after the host) with fixed resources, instances in memory."""

    capabilities = dict(driver.ComputeDriver.capabilities,
                        supports_evacuate=True, supports_migrate_to_same_host=True,
                        supports_attach_interface=True, supports_device_tagging=True,
                        supports_multiattach=True)

    # The node's size; tests and deployments may change them per class.
    vcpus = 8
    memory_mb = 16384
    local_gb = 1024
    hypervisor_type = "fake"
    hypervisor_version = 1000

    def __init__(self, virtapi=None, read_only=False):
        super().__init__(virtapi)
        self.instances = {}
        self._nodes = None
        self._host = None
        self._started = None

    def init_host(self, host):
        self._host = host
        self._nodes = [host]
        self._started = time.time()
        LOG.info("Fake hypervisor ready on %s", host)

    def cleanup_host(self, host):
        self._started = None

    def get_host_uptime(self):
        if self._started is None:
            raise RuntimeError("the fake hypervisor has not been started")
        seconds = int(time.time() - self._started)
        hours, rest = divmod(seconds, 3600)
        minutes = rest // 60
        return (" %s up %d:%02d,  %d users,  load average: 0.00, 0.00, 0.00"
                % (time.strftime("%H:%M:%S"), hours, minutes, 0))

    def get_available_nodes(self, refresh=False):
        if self._nodes is None:
            return [self._host or CONF.host]
        return list(self._nodes)

    def set_nodes(self, nodes):
        """Replace the node list (a fake that manages several nodes)."""
        self._nodes = list(nodes)

    def get_available_resource(self, nodename):
        if nodename not in self.get_available_nodes():
            return {}
        used_vcpus = sum(i.vcpus for i in self.instances.values())
        used_mem = sum(i.memory_mb for i in self.instances.values())
        used_disk = sum(i.root_gb for i in self.instances.values())
        return {
            "vcpus": self.vcpus,
            "memory_mb": self.memory_mb,
            "local_gb": self.local_gb,
            "vcpus_used": used_vcpus,
            "memory_mb_used": used_mem,
            "local_gb_used": used_disk,
            "hypervisor_type": self.hypervisor_type,
            "hypervisor_version": self.hypervisor_version,
            "hypervisor_hostname": nodename,
            "cpu_info": json.dumps({"arch": "x86_64", "model": "fake", "vendor": "fake",
                                    "topology": {"sockets": 1, "cores": self.vcpus,
                                                 "threads": 1},
                                    "features": []}),
            "disk_available_least": self.local_gb - used_disk,
            "supported_instances": [["x86_64", "fake", "hvm"], ["i686", "fake", "hvm"]],
            "numa_topology": None,
        }

    def list_instances(self):
        return [i.name for i in self.instances.values()]

    def list_instance_uuids(self):
        return list(self.instances)

    def add_instance(self, name, uuid, state="running", **sizes):
        """Put an instance on the fake hypervisor (used by later spawn support)."""
        self.instances[uuid] = FakeInstance(name, uuid, state, **sizes)
        return self.instances[uuid]

    def remove_instance(self, uuid):
        self.instances.pop(uuid, None)
