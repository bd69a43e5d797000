"""An in-memory hypervisor: the driver of the all-in-one and the tests.

It keeps its "instances" in a dict and reports a fixed-size node whose
usage follows them, so everything above the driver runs unchanged.
"""

import json
import threading
import time

from oslo_log import log as logging

import nova.conf
from nova.compute import power_state
from nova.compute import task_states
from nova.console import types as console_types
from nova import exception
from nova.virt import diagnostics
from nova.virt import driver
from nova.virt import fake_consoles

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class FakeInstance:
    """A guest on the fake hypervisor: its name, size and power state."""

    def __init__(self, name, uuid, state=power_state.RUNNING, vcpus=1, memory_mb=512,
                 root_gb=1, hostname=None):
        self.name = name
        self.uuid = uuid
        self.state = state
        self.vcpus = vcpus
        self.memory_mb = memory_mb
        self.root_gb = root_gb
        self.crash_dumps = 0
        # Real console servers on 127.0.0.1, started when first asked for.
        self.consoles = fake_consoles.GuestConsoles(name)
        self.image_ref = None         # the image the guest was spawned from
        self.rescue_image_ref = None  # the image of the rescue disk while rescued
        self.admin_password = None    # the last password set through the agent
        self.network_info_injections = 0
        self.soft_deleted = False   # set aside by soft_delete, until restore
        self.started_at = time.time()
        # The serial log: a few boot lines, then whatever a test appends.
        self.console_log = [
            "[    0.000000] Linux version 6.1.0-fake (fake hypervisor)",
            "[    0.000000] Command line: console=ttyS0",
            "[    1.000000] Freeing unused kernel memory",
            "Starting %s ..." % name,
            "%s login:" % (hostname or name),
        ]

    def disk_data(self):
        """The bytes a snapshot of this guest uploads (its "root disk")."""
        header = ("fake disk of %s (%s)\n" % (self.uuid, self.name)).encode()
        return header + b"\0" * (4096 - len(header))


class SpawnFailure(Exception):
    """The failure a test asked the fake hypervisor to raise on spawn."""


class SnapshotFailure(Exception):
    """The failure a test asked the fake hypervisor to raise during an upload."""


class FakeDriver(driver.ComputeDriver):
    """One node (named after the host) with fixed resources, instances in memory."""

    capabilities = dict(driver.ComputeDriver.capabilities,
                        supports_evacuate=True, supports_migrate_to_same_host=True,
                        supports_attach_interface=True, supports_device_tagging=True,
                        supports_multiattach=True, supports_tagged_attach_interface=True,
                        supports_tagged_attach_volume=True, supports_extend_volume=True,
                        supports_trusted_certs=True, supports_image_type_raw=True,
                        supports_image_type_qcow2=True, supports_image_type_iso=True)

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
        self.cached_images = set()  # image ids cache_image() was asked for
        self._lock = threading.Lock()
        self._spawn_failures = []
        self._snapshot_failures = []
        self._upload_gate = threading.Event()
        self._upload_gate.set()
        self.snapshots = []  # (instance uuid, image id) of every finished upload
        self._spawn_gate = threading.Event()
        self._spawn_gate.set()
        self.spawns_started = 0

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

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        """VCPU, MEMORY_MB and DISK_GB of the node, with the host's reservations."""
        inventory = provider_tree.data(nodename).inventory
        ratios = self._get_allocation_ratios(inventory)
        sizes = (("VCPU", self.vcpus, CONF.reserved_host_cpus),
                 ("MEMORY_MB", self.memory_mb, CONF.reserved_host_memory_mb),
                 ("DISK_GB", self.local_gb, -(-CONF.reserved_host_disk_mb // 1024)))
        provider_tree.update_inventory(nodename, {
            rc: {"total": total, "reserved": min(reserved, total), "min_unit": 1,
                 "max_unit": total, "step_size": 1, "allocation_ratio": ratios[rc]}
            for rc, total, reserved in sizes if total > 0})

    def list_instances(self):
        return [i.name for i in self.instances.values()]

    def list_instance_uuids(self):
        return list(self.instances)

    def add_instance(self, name, uuid, state=power_state.RUNNING, **sizes):
        """Put a guest on the fake hypervisor directly (tests)."""
        with self._lock:
            self.instances[uuid] = FakeInstance(name, uuid, state, **sizes)
        return self.instances[uuid]

    def remove_instance(self, uuid):
        with self._lock:
            guest = self.instances.pop(uuid, None)
        if guest is not None:
            guest.consoles.close()

    # -- failure injection (tests) ----------------------------------------------

    def hold_spawns(self):
        """Make spawns wait until release_spawns() (a test can act mid-build)."""
        self._spawn_gate.clear()

    def release_spawns(self):
        self._spawn_gate.set()

    def fail_next_spawns(self, count=1, message="injected spawn failure"):
        """Make the next ``count`` spawns on this driver raise SpawnFailure."""
        with self._lock:
            self._spawn_failures.extend([message] * count)

    def hold_uploads(self):
        """Make snapshots wait in image_uploading until release_uploads()."""
        self._upload_gate.clear()

    def release_uploads(self):
        self._upload_gate.set()

    def fail_next_snapshots(self, count=1, message="injected upload failure"):
        """Make the next ``count`` snapshot uploads raise SnapshotFailure."""
        with self._lock:
            self._snapshot_failures.extend([message] * count)

    # -- instance lifecycle -------------------------------------------------------

    def _guest(self, instance):
        guest = self.instances.get(instance.uuid)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    def spawn(self, context, instance, image_meta, injected_files, admin_password,
              allocations, network_info=None, block_device_info=None, power_on=True,
              accel_info=None):
        self.spawns_started += 1
        self._spawn_gate.wait(60)
        with self._lock:
            if self._spawn_failures:
                raise SpawnFailure(self._spawn_failures.pop(0))
            if instance.uuid in self.instances:
                raise exception.InstanceExists(name=instance.name)
            flavor = instance.flavor
            self.instances[instance.uuid] = FakeInstance(
                instance.name, instance.uuid,
                power_state.RUNNING if power_on else power_state.SHUTDOWN,
                vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                root_gb=flavor.root_gb + flavor.ephemeral_gb,
                hostname=getattr(instance, "hostname", None))
            self.instances[instance.uuid].image_ref = image_meta.id \
                if image_meta.obj_attr_is_set("id") else instance.image_ref
        LOG.debug("Fake guest %s spawned", instance.uuid)

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        with self._lock:
            guest = self.instances.pop(instance.uuid, None)
        if guest is not None:
            guest.consoles.close()

    def get_info(self, instance, use_cache=True):
        return driver.InstanceInfo(state=self._guest(instance).state,
                                   internal_id=instance.uuid)

    def _set_state(self, instance, state, allowed=None):
        with self._lock:
            guest = self._guest(instance)
            if allowed is not None and guest.state not in allowed:
                raise exception.InstanceInvalidState(
                    instance_uuid=instance.uuid, attr="power_state",
                    state=power_state.STATE_MAP.get(guest.state, guest.state),
                    method="fake hypervisor")
            guest.state = state

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None, accel_info=None):
        allowed = None if reboot_type == "HARD" else (power_state.RUNNING,)
        self._set_state(instance, power_state.RUNNING, allowed)

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._set_state(instance, power_state.SHUTDOWN)
        # A stopped guest's console servers are gone; a start gets new ports.
        self._guest(instance).consoles.close()

    def power_on(self, context, instance, network_info, block_device_info=None,
                 accel_info=None):
        self._set_state(instance, power_state.RUNNING)

    def trigger_crash_dump(self, instance):
        with self._lock:
            guest = self._guest(instance)
            guest.crash_dumps += 1

    def pause(self, instance):
        self._set_state(instance, power_state.PAUSED, (power_state.RUNNING,))

    def unpause(self, instance):
        self._set_state(instance, power_state.RUNNING, (power_state.PAUSED,))

    def suspend(self, context, instance):
        self._set_state(instance, power_state.SUSPENDED, (power_state.RUNNING,))

    def resume(self, context, instance, network_info, block_device_info=None):
        self._set_state(instance, power_state.RUNNING, (power_state.SUSPENDED,))

    def soft_delete(self, instance):
        self._set_state(instance, power_state.SHUTDOWN)
        self._guest(instance).soft_deleted = True

    def restore(self, instance):
        guest = self._guest(instance)
        if not guest.soft_deleted:
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr="soft_deleted", state=False,
                method="restore")
        guest.soft_deleted = False
        self._set_state(instance, power_state.RUNNING)

    def cache_image(self, context, image_id):
        if image_id in self.cached_images:
            return False
        self.cached_images.add(image_id)
        return True

    # -- rescue, passwords, network info ------------------------------------------------

    def rescue(self, context, instance, network_info, image_meta, rescue_password,
               block_device_info=None):
        with self._lock:
            guest = self._guest(instance)
            guest.rescue_image_ref = (image_meta.id if image_meta.obj_attr_is_set("id")
                                      else None) or guest.image_ref
            guest.admin_password = rescue_password
            guest.state = power_state.RUNNING

    def unrescue(self, context, instance):
        with self._lock:
            guest = self._guest(instance)
            guest.rescue_image_ref = None
            guest.state = power_state.RUNNING

    def set_admin_password(self, instance, new_pass):
        """As the libvirt driver: only through a guest agent the image asks for
        (hw_qemu_guest_agent=yes), else InstanceAgentNotEnabled."""
        from oslo_utils import strutils
        agent = (instance.system_metadata or {}).get("image_hw_qemu_guest_agent")
        if not strutils.bool_from_string(agent):
            raise exception.InstanceAgentNotEnabled()
        with self._lock:
            self._guest(instance).admin_password = new_pass

    def inject_network_info(self, instance, nw_info):
        with self._lock:
            self._guest(instance).network_info_injections += 1

    # -- snapshots, console log, diagnostics ------------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        from nova.image import api as image_api
        guest = self._guest(instance)
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD,
                          expected_state=task_states.IMAGE_SNAPSHOT)
        data = guest.disk_data()
        update_task_state(task_state=task_states.IMAGE_UPLOADING,
                          expected_state=task_states.IMAGE_PENDING_UPLOAD)
        self._upload_gate.wait(60)
        with self._lock:
            failure = self._snapshot_failures.pop(0) if self._snapshot_failures else None
        if failure:
            raise SnapshotFailure(failure)
        images = image_api.API()
        image = images.get(context, image_id)
        meta = {"disk_format": image.get("disk_format") or "raw",
                "container_format": image.get("container_format") or "bare"}
        images.update(context, image_id, meta, data=data, purge_props=False)
        self.snapshots.append((instance.uuid, image_id))

    def get_console_output(self, context, instance):
        guest = self._guest(instance)
        return ("\n".join(guest.console_log) + "\n").encode()

    # -- remote consoles: real servers on 127.0.0.1 (nova.virt.fake_consoles) ---------

    def _console(self, instance, kind):
        guest = self._guest(instance)
        if guest.state not in (power_state.RUNNING, power_state.PAUSED):
            raise exception.ConsoleTypeUnavailable(console_type=kind)
        return guest.consoles.get(kind)

    def get_vnc_console(self, context, instance):
        server = self._console(instance, "vnc")
        return console_types.ConsoleVNC(host=server.host, port=server.port)

    def get_spice_console(self, context, instance):
        server = self._console(instance, "spice")
        return console_types.ConsoleSpice(host=server.host, port=server.port)

    def get_serial_console(self, context, instance):
        server = self._console(instance, "serial")
        return console_types.ConsoleSerial(host=server.host, port=server.port)

    def get_diagnostics(self, instance):
        guest = self._guest(instance)
        result = {"memory": guest.memory_mb * 1024, "memory-actual": guest.memory_mb * 1024,
                  "memory-rss": guest.memory_mb * 512, "vda_read": 262144,
                  "vda_read_req": 112, "vda_write": 5778432, "vda_write_req": 488,
                  "vda_errors": -1, "tap1e2f3a4b-5c_rx": 2070139, "tap1e2f3a4b-5c_rx_drop": 0,
                  "tap1e2f3a4b-5c_rx_errors": 0, "tap1e2f3a4b-5c_rx_packets": 26701,
                  "tap1e2f3a4b-5c_tx": 140208, "tap1e2f3a4b-5c_tx_drop": 0,
                  "tap1e2f3a4b-5c_tx_errors": 0, "tap1e2f3a4b-5c_tx_packets": 662}
        for cpu in range(guest.vcpus):
            result["cpu%d_time" % cpu] = 17300000000
        return result

    def get_instance_diagnostics(self, instance):
        guest = self._guest(instance)
        diags = diagnostics.Diagnostics(
            state=diagnostics.STATES.get(guest.state, "pending"), driver="fake",
            hypervisor="fake", hypervisor_os="fake-os",
            uptime=int(time.time() - guest.started_at),
            config_drive=bool(getattr(instance, "config_drive", False)),
            memory_details={"maximum": guest.memory_mb, "used": guest.memory_mb // 2})
        for cpu in range(guest.vcpus):
            diags.add_cpu(id=cpu, time=17300000000, utilisation=15)
        mac = "fa:16:3e:00:00:01"
        try:
            vifs = instance.get_network_info() or []
        except Exception:  # no network info cache: the default MAC
            vifs = []
        if vifs:
            mac = vifs[0].get("address") or mac
        diags.add_nic(mac_address=mac, rx_octets=2070139, rx_errors=0, rx_drop=0,
                      rx_packets=26701, rx_rate=None, tx_octets=140208, tx_errors=0,
                      tx_drop=0, tx_packets=662, tx_rate=None)
        diags.add_disk(read_bytes=262144, read_requests=112, write_bytes=5778432,
                       write_requests=488, errors_count=0)
        return diags
