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
        self.vifs = []  # the ids of the ports attached after spawn (attach_interface)
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


class MigrationStepFailure(Exception):
    """The failure a test asked the fake hypervisor to raise at a move step."""


# The move steps a test can make fail (fail_next_migration_steps): the names
# of the driver methods.
MIGRATION_STEPS = (
    "migrate_disk_and_power_off", "finish_migration", "confirm_migration",
    "finish_revert_migration", "check_can_live_migrate_destination",
    "check_can_live_migrate_source", "pre_live_migration", "live_migration",
    "post_live_migration", "post_live_migration_at_source",
    "post_live_migration_at_destination", "rollback_live_migration_at_destination",
    "live_migration_force_complete", "live_migration_abort")


# Guests "in transit" between fake hypervisors of one process or between
# processes: a fake disk handed over by migrate_disk_and_power_off is just
# this description, carried in disk_info.


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
        # Move steps: {step name: [message, ...]} failures to raise next, a
        # gate that holds live migrations until released, and what each
        # step did (tests read it).
        self._migration_failures = {}
        self._live_gate = threading.Event()
        self._live_gate.set()
        self.migration_steps = []        # (step, instance uuid) in call order
        self.kept_for_revert = {}        # uuid -> FakeInstance kept on the source
        self.incoming = {}               # uuid -> migrate_data prepared here
        self._live_running = {}          # uuid -> threading.Event (abort)

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

    def fail_next_migration_steps(self, step, count=1, message=None):
        """Make the next ``count`` calls of move step ``step`` (one of
        MIGRATION_STEPS) raise MigrationStepFailure."""
        if step not in MIGRATION_STEPS:
            raise ValueError("unknown move step %r" % step)
        with self._lock:
            self._migration_failures.setdefault(step, []).extend(
                [message or "injected %s failure" % step] * count)

    def hold_live_migrations(self):
        """Make live_migration() wait (the migration stays 'running') until
        release_live_migrations(), force complete or abort."""
        self._live_gate.clear()

    def release_live_migrations(self):
        self._live_gate.set()

    def _step(self, step, instance_uuid):
        with self._lock:
            self.migration_steps.append((step, instance_uuid))
            failures = self._migration_failures.get(step)
            failure = failures.pop(0) if failures else None
        if failure:
            raise MigrationStepFailure(failure)

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

    def attach_interface(self, context, instance, image_meta, vif):
        with self._lock:
            guest = self._guest(instance)
            if vif["id"] in guest.vifs:
                raise exception.InterfaceAttachFailed(instance_uuid=instance.uuid)
            guest.vifs.append(vif["id"])

    def detach_interface(self, context, instance, vif):
        with self._lock:
            guest = self._guest(instance)
            if vif["id"] in guest.vifs:
                guest.vifs.remove(vif["id"])

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

    # -- resize and cold migration ------------------------------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        try:
            self._step("migrate_disk_and_power_off", instance.uuid)
        except MigrationStepFailure as exc:
            # Nothing changed yet: the guest stays where it was.
            raise exception.InstanceFaultRollback(inner_exception=exc)
        new_disk = flavor.root_gb + flavor.ephemeral_gb
        with self._lock:
            guest = self._guest(instance)
            if new_disk < guest.root_gb:
                raise exception.InstanceFaultRollback(
                    inner_exception=exception.CannotResizeDisk(
                        reason="the fake disk cannot shrink from %d to %d GB"
                               % (guest.root_gb, new_disk)))
            was_running = guest.state == power_state.RUNNING
            guest.state = power_state.SHUTDOWN
            guest.consoles.close()
            # The source keeps the guest (its "disks") until confirm or revert;
            # it no longer counts as running here but still uses the disk.
            self.kept_for_revert[instance.uuid] = self.instances.pop(instance.uuid)
        return json.dumps({"image_ref": guest.image_ref, "root_gb": guest.root_gb,
                           "was_running": was_running, "source": self._host,
                           "console_log": guest.console_log})

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True):
        self._step("finish_migration", instance.uuid)
        info = json.loads(disk_info) if isinstance(disk_info, str) else (disk_info or {})
        flavor = instance.flavor
        with self._lock:
            if instance.uuid in self.instances:
                raise exception.InstanceExists(name=instance.name)
            guest = FakeInstance(
                instance.name, instance.uuid,
                power_state.RUNNING if power_on else power_state.SHUTDOWN,
                vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                root_gb=flavor.root_gb + flavor.ephemeral_gb,
                hostname=getattr(instance, "hostname", None))
            guest.image_ref = info.get("image_ref") or instance.image_ref
            if info.get("console_log"):
                guest.console_log = list(info["console_log"])
            self.instances[instance.uuid] = guest

    def confirm_migration(self, context, migration, instance, network_info):
        self._step("confirm_migration", instance.uuid)
        with self._lock:
            kept = self.kept_for_revert.pop(instance.uuid, None)
        if kept is not None:
            kept.consoles.close()

    def finish_revert_migration(self, context, instance, network_info, migration,
                                block_device_info=None, power_on=True):
        self._step("finish_revert_migration", instance.uuid)
        with self._lock:
            kept = self.kept_for_revert.pop(instance.uuid, None)
            if kept is None:
                flavor = instance.flavor
                kept = FakeInstance(instance.name, instance.uuid, vcpus=flavor.vcpus,
                                    memory_mb=flavor.memory_mb,
                                    root_gb=flavor.root_gb + flavor.ephemeral_gb)
            kept.state = power_state.RUNNING if power_on else power_state.SHUTDOWN
            self.instances[instance.uuid] = kept

    # -- live migration -------------------------------------------------------------------

    def check_can_live_migrate_destination(self, context, instance, src_compute_info,
                                           dst_compute_info, block_migration=False,
                                           disk_over_commit=False):
        self._step("check_can_live_migrate_destination", instance.uuid)
        src_type = (src_compute_info or {}).get("hypervisor_type")
        if src_type and src_type != self.hypervisor_type:
            raise exception.MigrationPreCheckError(
                reason="the source hypervisor is %s, not %s"
                       % (src_type, self.hypervisor_type))
        return {"filename": "fake-check-%s" % instance.uuid,
                "block_migration": bool(block_migration),
                "disk_over_commit": bool(disk_over_commit),
                "destination": self._host}

    def check_can_live_migrate_source(self, context, instance, dest_check_data,
                                      block_device_info=None):
        self._step("check_can_live_migrate_source", instance.uuid)
        guest = self._guest(instance)
        data = dict(dest_check_data or {})
        # The fake hypervisors share no storage: "block_migration" None
        # (auto) becomes a block migration.
        if data.get("block_migration") is None:
            data["block_migration"] = True
        data["is_shared_instance_path"] = False
        data["source"] = self._host
        data["guest"] = {"image_ref": guest.image_ref, "root_gb": guest.root_gb,
                         "vcpus": guest.vcpus, "memory_mb": guest.memory_mb,
                         "state": guest.state, "console_log": guest.console_log}
        return data

    def cleanup_live_migration_destination_check(self, context, dest_check_data):
        pass

    def pre_live_migration(self, context, instance, block_device_info, network_info,
                           disk_info, migrate_data):
        self._step("pre_live_migration", instance.uuid)
        data = dict(migrate_data or {})
        data["prepared_on"] = self._host
        with self._lock:
            self.incoming[instance.uuid] = data
        return data

    def live_migration(self, context, instance, dest, post_method, recover_method,
                       block_migration=False, migrate_data=None):
        try:
            self._step("live_migration", instance.uuid)
            self._guest(instance)
        except Exception:
            recover_method(context, instance, dest, migrate_data)
            return
        aborted = threading.Event()
        with self._lock:
            self._live_running[instance.uuid] = aborted
        try:
            while not self._live_gate.wait(0.05):
                if aborted.is_set():
                    break
        finally:
            with self._lock:
                self._live_running.pop(instance.uuid, None)
        if aborted.is_set() and not getattr(aborted, "force", False):
            recover_method(context, instance, dest, migrate_data)
            return
        post_method(context, instance, dest, block_migration, migrate_data)

    def live_migration_force_complete(self, instance):
        self._step("live_migration_force_complete", instance.uuid)
        with self._lock:
            running = self._live_running.get(instance.uuid)
        if running is None:
            raise exception.MigrationError(
                reason="no live migration of %s is running here" % instance.uuid)
        running.force = True
        running.set()

    def live_migration_abort(self, instance):
        self._step("live_migration_abort", instance.uuid)
        with self._lock:
            running = self._live_running.get(instance.uuid)
        if running is None:
            raise exception.MigrationError(
                reason="no live migration of %s is running here" % instance.uuid)
        running.set()

    def post_live_migration(self, context, instance, block_device_info,
                            migrate_data=None):
        self._step("post_live_migration", instance.uuid)

    def post_live_migration_at_source(self, context, instance, network_info):
        self._step("post_live_migration_at_source", instance.uuid)
        self.remove_instance(instance.uuid)

    def post_live_migration_at_destination(self, context, instance, network_info,
                                           block_migration=False,
                                           block_device_info=None):
        self._step("post_live_migration_at_destination", instance.uuid)
        with self._lock:
            data = self.incoming.pop(instance.uuid, None) or {}
            described = data.get("guest") or {}
            flavor = instance.flavor
            guest = FakeInstance(
                instance.name, instance.uuid,
                described.get("state", power_state.RUNNING),
                vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                root_gb=flavor.root_gb + flavor.ephemeral_gb,
                hostname=getattr(instance, "hostname", None))
            guest.image_ref = described.get("image_ref") or instance.image_ref
            if described.get("console_log"):
                guest.console_log = list(described["console_log"])
            self.instances[instance.uuid] = guest

    def rollback_live_migration_at_destination(self, context, instance, network_info,
                                               block_device_info, destroy_disks=True,
                                               migrate_data=None):
        self._step("rollback_live_migration_at_destination", instance.uuid)
        with self._lock:
            self.incoming.pop(instance.uuid, None)
