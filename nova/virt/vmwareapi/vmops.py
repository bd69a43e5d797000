"""The VMs: find, create, power, snapshot, diagnose and delete them.

A VM is named after its instance's uuid, has that uuid as its
``config.instanceUuid`` and in extraConfig ``nvp.vm-uuid``, and lives in the
folder ``OpenStack/Project (<project id>)/Instances`` of the datacenter's VM
folder, on the cluster's resource pool, its files in ``[datastore] <uuid>/``.
"""

import tempfile
import threading
import time

from oslo_log import log as logging
from oslo_utils import units
from pyVmomi import vim
from pyVmomi import vmodl

import nova.conf
from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.virt import diagnostics
from nova.virt.vmwareapi import console as vm_console
from nova.virt.vmwareapi import images
from nova.virt.vmwareapi import network
from nova.virt.vmwareapi import session as vm_session
from nova.virt.vmwareapi import vim_util

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

UUID_KEY = "nvp.vm-uuid"

POWER_STATES = {
    "poweredOn": power_state.RUNNING,
    "poweredOff": power_state.SHUTDOWN,
    "suspended": power_state.SUSPENDED,
}

_CONTROLLERS = {
    "lsiLogic": vim.vm.device.VirtualLsiLogicController,
    "busLogic": vim.vm.device.VirtualBusLogicController,
    "lsiLogicsas": vim.vm.device.VirtualLsiLogicSASController,
    "paraVirtual": vim.vm.device.ParaVirtualSCSIController,
}

_VM_PROPS = ("runtime.powerState", "config.extraConfig", "runtime.host",
             "guest.toolsRunningStatus", "config.hardware.device", "summary.quickStats",
             "config.hardware.numCPU", "config.hardware.memoryMB")


def _instance_not_found(instance):
    return exception.InstanceNotFound(instance_id=instance.uuid)


class VMOps:
    """VM operations of one cluster (``cluster`` a vim_util.ClusterRef)."""

    def __init__(self, session, cluster, image_api_getter):
        self.session = session
        self.cluster = cluster
        self._image_api = image_api_getter
        self.image_cache = images.ImageCache(session, image_api_getter)
        self.port_groups = network.PortGroups(session, cluster)
        self.vnc_ports = vm_console.VNCPorts(session)
        self._refs = {}            # instance uuid -> VM reference
        self._find_all = True      # SearchIndex.FindAllByUuid answers here
        self._folders = {}
        self._lock = threading.Lock()

    # -- finding VMs --------------------------------------------------------------------

    def _search(self, uuid):
        """The VM of ``uuid``: SearchIndex.FindAllByUuid (instance uuid) where the
        endpoint has it, else one property-collector query over the VMs."""
        if self._find_all:
            try:
                found = self.session.content.searchIndex.FindAllByUuid(
                    uuid=uuid, vmSearch=True, instanceUuid=True)
                return found[0] if found else None
            except vmodl.fault.MethodNotFound:
                LOG.info("vCenter at %s has no SearchIndex.FindAllByUuid: finding VMs "
                         "with the property collector", self.session.endpoint)
                self._find_all = False
        found = None
        for ref, uuid_of in self._scan():
            self._refs[uuid_of] = ref
            if uuid_of == uuid:
                found = ref
        return found

    def _scan(self):
        """(reference, instance uuid) of every VM of the datacenter made by nova."""
        for ref, props in vim_util.retrieve(self.session, vim.VirtualMachine,
                                            ("config.instanceUuid", "config.extraConfig"),
                                            root=self.cluster.vm_folder):
            extra = {o.key: o.value for o in props.get("config.extraConfig") or []}
            if UUID_KEY in extra:
                yield ref, extra[UUID_KEY]

    def find(self, instance):
        """The VM reference of ``instance`` or None."""
        ref = self._refs.get(instance.uuid)
        if ref is None:
            ref = self._search(instance.uuid)
            if ref is not None:
                self._refs[instance.uuid] = ref
        return ref

    def vm_props(self, instance, props=_VM_PROPS):
        """(reference, {property: value}) of the instance's VM; InstanceNotFound."""
        for attempt in (1, 2):
            ref = self.find(instance)
            if ref is None:
                raise _instance_not_found(instance)
            try:
                found = vim_util.retrieve(self.session, vim.VirtualMachine, props,
                                          objects=[ref])
            except vmodl.fault.ManagedObjectNotFound:
                found = []
            if found:
                return ref, found[0][1]
            # The cached reference is stale (the VM went): search again once.
            self._refs.pop(instance.uuid, None)
        raise _instance_not_found(instance)

    def list_instance_uuids(self):
        return [uuid for _ref, uuid in self._scan()]

    # -- spawn --------------------------------------------------------------------------

    def _instance_folder(self, project_id):
        """The folder OpenStack/Project (<id>)/Instances, made when missing."""
        key = project_id or "none"
        if key in self._folders:
            return self._folders[key]
        with self._lock:
            folder = self.cluster.vm_folder
            for name in ("OpenStack", "Project (%s)" % key, "Instances"):
                try:
                    folder = folder.CreateFolder(name)
                except vim.fault.DuplicateName as exc:
                    folder = exc.object
            self._folders[key] = folder
            return folder

    def _config_spec(self, instance, image_meta, network_info, datastore, disk_path,
                     disk_kb, vnc_port):
        flavor = instance.flavor
        adapter = images.image_adapter_type(image_meta)
        props = image_meta.properties if image_meta is not None else None
        guest_id = (props.get("vmware_ostype") if props is not None else None) or "otherGuest"
        devices = []
        if adapter == "ide":
            controller_key = 200      # every VM has IDE controllers 200 and 201
        else:
            controller_key = -200
            controller = _CONTROLLERS[adapter]()
            controller.key = controller_key
            controller.busNumber = 0
            controller.sharedBus = vim.vm.device.VirtualSCSIController.Sharing.noSharing
            devices.append(vim.vm.device.VirtualDeviceSpec(
                operation=vim.vm.device.VirtualDeviceSpec.Operation.add, device=controller))
        disk = vim.vm.device.VirtualDisk(
            key=-300, controllerKey=controller_key, unitNumber=0, capacityInKB=disk_kb,
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                fileName=disk_path, diskMode="persistent", thinProvisioned=False))
        devices.append(vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.add, device=disk))
        devices.extend(network.nic_specs(self.port_groups, network_info, image_meta))
        extra = [vim.option.OptionValue(key=UUID_KEY, value=instance.uuid)]
        if vnc_port is not None:
            extra.extend(vm_console.extra_config(vnc_port))
        return vim.vm.ConfigSpec(
            name=instance.uuid, instanceUuid=instance.uuid, guestId=guest_id,
            numCPUs=flavor.vcpus, memoryMB=flavor.memory_mb,
            annotation="name:%s\nflavor:%s\nproject:%s" % (
                instance.display_name, flavor.name, instance.project_id),
            files=vim.vm.FileInfo(vmPathName=datastore.path(instance.uuid,
                                                            instance.uuid + ".vmx")),
            extraConfig=extra, deviceChange=devices)

    def spawn(self, context, instance, image_meta, network_info, power_on=True):
        images.check_image(image_meta)
        network.vif_model(image_meta)
        if self.find(instance) is not None:
            raise exception.InstanceExists(name=instance.uuid)
        datastore = vim_util.pick_datastore(self.session, self.cluster,
                                            CONF.vmware.datastore_regex)
        folder_path = datastore.path(instance.uuid)
        vm_ref = vnc_port = None
        copied = made_folder = False
        disk_path = datastore.path(instance.uuid, instance.uuid + ".vmdk")
        try:
            cached, size, _new = self.image_cache.fetch(context, self.cluster, datastore,
                                                        image_meta)
            made_folder = self.image_cache.copy_to(self.cluster, cached, disk_path)
            copied = True
            if CONF.vnc.enabled:
                vnc_port = self.vnc_ports.allocate()
            disk_kb = max(1, -(-max(size, 1) // units.Ki))
            spec = self._config_spec(instance, image_meta, network_info, datastore,
                                     disk_path, disk_kb, vnc_port)
            folder = self._instance_folder(instance.project_id)
            vm_ref = self.session.wait_for_task(
                folder.CreateVM_Task(config=spec, pool=self.cluster.resource_pool),
                what="CreateVM")
            self._refs[instance.uuid] = vm_ref
            self._grow_root_disk(instance, vm_ref, disk_kb)
            if power_on:
                self.session.wait_for_task(vm_ref.PowerOnVM_Task(), what="PowerOnVM")
        except Exception as exc:
            LOG.error("Spawning %s on cluster %s failed: %s", instance.uuid,
                      self.cluster.name, exc)
            self._cleanup_failed_spawn(instance, vm_ref, vnc_port,
                                       folder_path if made_folder else None,
                                       disk_path if copied and not made_folder else None)
            raise
        LOG.info("Instance %s spawned as VM %s on datastore %s", instance.uuid,
                 vm_ref._moId, datastore.name)

    def _grow_root_disk(self, instance, vm_ref, disk_kb):
        """Extend the copied root disk to the flavor's root_gb (ReconfigVM_Task
        editing the disk's capacity), when that is bigger than the image."""
        wanted_kb = (instance.flavor.root_gb or 0) * units.Mi
        if wanted_kb <= disk_kb:
            return
        devices = vim_util.properties(self.session, vm_ref, ("config.hardware.device",))
        disk = self._root_disk(devices.get("config.hardware.device"))
        disk.capacityInKB = wanted_kb
        spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=disk)])
        self.session.wait_for_task(vm_ref.ReconfigVM_Task(spec=spec), what="ReconfigVM")

    def _cleanup_failed_spawn(self, instance, vm_ref, vnc_port, folder_path, disk_path):
        """Remove what this spawn made: its VM, its folder if it made it, else its disk."""
        try:
            if vm_ref is not None:
                self._destroy_vm(vm_ref)
            if folder_path:
                self.image_cache.delete_folder(self.cluster, folder_path)
            elif disk_path:
                self.image_cache.delete_disk(self.cluster, disk_path)
        except Exception as exc:
            LOG.warning("Cleaning up the failed spawn of %s: %s", instance.uuid, exc)
        self._refs.pop(instance.uuid, None)
        self.vnc_ports.release(vnc_port)

    # -- destroy ------------------------------------------------------------------------

    def _destroy_vm(self, vm_ref):
        state = vim_util.properties(self.session, vm_ref,
                                    ("runtime.powerState",)).get("runtime.powerState")
        if state in ("poweredOn", "suspended"):
            self.session.wait_for_task(vm_ref.PowerOffVM_Task(), what="PowerOffVM")
        self.session.wait_for_task(vm_ref.Destroy_Task(), what="Destroy")

    def destroy(self, instance, destroy_disks=True):
        """Power off and delete the VM and its files, from any state; idempotent."""
        try:
            vm_ref, props = self.vm_props(instance, ("runtime.powerState", "config.extraConfig",
                                                     "config.files.vmPathName"))
        except exception.InstanceNotFound:
            LOG.info("Instance %s has no VM on cluster %s: nothing to destroy",
                     instance.uuid, self.cluster.name)
            return
        if props.get("runtime.powerState") in ("poweredOn", "suspended"):
            self.session.wait_for_task(vm_ref.PowerOffVM_Task(), what="PowerOffVM")
        vm_path = props.get("config.files.vmPathName") or ""
        if destroy_disks:
            self.session.wait_for_task(vm_ref.Destroy_Task(), what="Destroy")
            if vm_path.startswith("[") and "/" in vm_path:
                self.image_cache.delete_folder(self.cluster, vm_path.rsplit("/", 1)[0])
        else:
            vm_ref.UnregisterVM()
        self._refs.pop(instance.uuid, None)
        self.vnc_ports.release(vm_console.vnc_port_of(props.get("config.extraConfig")))
        LOG.info("Instance %s: VM %s destroyed", instance.uuid, vm_ref._moId)

    # -- power ----------------------------------------------------------------------------

    def get_info(self, instance):
        _ref, props = self.vm_props(instance, ("runtime.powerState",))
        return POWER_STATES.get(props.get("runtime.powerState"), power_state.NOSTATE), _ref

    def power_off(self, instance, timeout=0, retry_interval=0):
        vm_ref, props = self.vm_props(instance, ("runtime.powerState",
                                                 "guest.toolsRunningStatus"))
        state = props.get("runtime.powerState")
        if state == "poweredOff":
            return
        if timeout and state == "poweredOn" and \
                props.get("guest.toolsRunningStatus") == "guestToolsRunning":
            try:
                vm_ref.ShutdownGuest()
                if self._wait_power(vm_ref, "poweredOff", timeout, retry_interval or 1):
                    LOG.info("Instance %s shut down through the guest tools", instance.uuid)
                    return
            except vmodl.MethodFault as exc:
                LOG.info("Guest shutdown of %s failed (%s): powering off",
                         instance.uuid, vm_session.fault_message(exc))
        self.session.wait_for_task(vm_ref.PowerOffVM_Task(), what="PowerOffVM")

    def _wait_power(self, vm_ref, wanted, timeout, interval):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            state = vim_util.properties(self.session, vm_ref,
                                        ("runtime.powerState",)).get("runtime.powerState")
            if state == wanted:
                return True
            time.sleep(min(interval, max(0.0, end - time.monotonic())))
        return False

    def power_on(self, instance):
        vm_ref, props = self.vm_props(instance, ("runtime.powerState",))
        if props.get("runtime.powerState") != "poweredOn":
            self.session.wait_for_task(vm_ref.PowerOnVM_Task(), what="PowerOnVM")

    def reboot(self, instance, reboot_type):
        vm_ref, props = self.vm_props(instance, ("runtime.powerState",
                                                 "guest.toolsRunningStatus"))
        state = props.get("runtime.powerState")
        if state != "poweredOn":
            if reboot_type == "SOFT":
                raise exception.InstanceInvalidState(
                    instance_uuid=instance.uuid, attr="power_state", state=state,
                    method="reboot")
            self.session.wait_for_task(vm_ref.PowerOnVM_Task(), what="PowerOnVM")
            return
        if reboot_type == "SOFT" and \
                props.get("guest.toolsRunningStatus") == "guestToolsRunning":
            try:
                vm_ref.RebootGuest()
                LOG.info("Instance %s rebooted through the guest tools", instance.uuid)
                return
            except (vmodl.fault.MethodNotFound, vmodl.MethodFault) as exc:
                LOG.info("Guest reboot of %s failed (%s): resetting", instance.uuid,
                         vm_session.fault_message(exc))
        self.session.wait_for_task(vm_ref.ResetVM_Task(), what="ResetVM")
        LOG.info("Instance %s reset", instance.uuid)

    def suspend(self, instance):
        vm_ref, props = self.vm_props(instance, ("runtime.powerState",))
        state = props.get("runtime.powerState")
        if state == "suspended":
            return
        if state != "poweredOn":
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr="power_state", state=state,
                method="suspend")
        self.session.wait_for_task(vm_ref.SuspendVM_Task(), what="SuspendVM")

    def resume(self, instance):
        vm_ref, props = self.vm_props(instance, ("runtime.powerState",))
        if props.get("runtime.powerState") == "suspended":
            self.session.wait_for_task(vm_ref.PowerOnVM_Task(), what="PowerOnVM")
        elif props.get("runtime.powerState") != "poweredOn":
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr="power_state",
                state=props.get("runtime.powerState"), method="resume")

    # -- snapshot -------------------------------------------------------------------------

    @staticmethod
    def _root_disk(devices):
        for dev in devices or []:
            if isinstance(dev, vim.vm.device.VirtualDisk):
                return dev
        return None

    @staticmethod
    def _adapter_of(disk, devices):
        """The vmware_adaptertype of the controller ``disk`` hangs on."""
        for dev in devices or []:
            if dev.key == disk.controllerKey:
                if isinstance(dev, vim.vm.device.VirtualIDEController):
                    return "ide"
                for name, cls in _CONTROLLERS.items():
                    if type(dev) is cls:
                        return name
        return images.DEFAULT_ADAPTER

    def snapshot(self, context, instance, image_id, update_task_state, image_api):
        """A VM snapshot holds the disk still; its flat extent is read through the
        datastore file API and uploaded as a preallocated vmdk image."""
        vm_ref, props = self.vm_props(instance, ("config.hardware.device",))
        devices = props.get("config.hardware.device")
        disk = self._root_disk(devices)
        if disk is None:
            raise vm_session.VMwareDriverError(
                reason="VM of %s has no disk to snapshot" % instance.uuid)
        disk_path = disk.backing.fileName
        update_task_state(task_state=task_states.IMAGE_PENDING_UPLOAD)
        snap = self.session.wait_for_task(vm_ref.CreateSnapshot_Task(
            name="nova-snapshot-%s" % image_id, description="image %s" % image_id,
            memory=False, quiesce=False), what="CreateSnapshot")
        try:
            update_task_state(task_state=task_states.IMAGE_UPLOADING,
                              expected_state=task_states.IMAGE_PENDING_UPLOAD)
            ds_name, rel = disk_path[1:].split("] ", 1)
            flat = rel[:-len(".vmdk")] + "-flat.vmdk"
            chunks, _size = self.image_cache.files.download(self.cluster.datacenter_name,
                                                            ds_name, flat)
            props = {"vmware_disktype": "preallocated",
                     "vmware_adaptertype": self._adapter_of(disk, devices)}
            if instance.os_type:
                props["os_type"] = instance.os_type
            with tempfile.TemporaryFile() as data:
                for chunk in chunks:
                    data.write(chunk)
                size = data.tell()
                data.seek(0)
                image_api.update(context, image_id,
                                 {"disk_format": "vmdk", "container_format": "bare",
                                  "properties": props}, data=data, purge_props=False)
        finally:
            try:
                self.session.wait_for_task(snap.RemoveSnapshot_Task(removeChildren=False),
                                           what="RemoveSnapshot")
            except Exception as exc:
                LOG.warning("Removing the VM snapshot of %s failed: %s", instance.uuid, exc)
        LOG.info("Snapshot %s of %s uploaded (%d bytes)", image_id, instance.uuid, size)

    # -- diagnostics and consoles ----------------------------------------------------------

    def diagnostics(self, instance):
        _ref, props = self.vm_props(instance)
        stats = props.get("summary.quickStats")
        state = POWER_STATES.get(props.get("runtime.powerState"), power_state.NOSTATE)
        mem = props.get("config.hardware.memoryMB") or 0
        diags = diagnostics.Diagnostics(
            state=diagnostics.STATES.get(state, "pending"), driver="vmwareapi",
            hypervisor="vmware", hypervisor_os="esxi",
            uptime=getattr(stats, "uptimeSeconds", None),
            config_drive=False,
            memory_details={"maximum": mem,
                            "used": getattr(stats, "guestMemoryUsage", None) or 0})
        for _cpu in range(props.get("config.hardware.numCPU") or 0):
            diags.add_cpu()
        for dev in props.get("config.hardware.device") or []:
            if isinstance(dev, vim.vm.device.VirtualDisk):
                diags.add_disk(read_bytes=0, read_requests=0, write_bytes=0,
                               write_requests=0, errors_count=0)
            elif isinstance(dev, vim.vm.device.VirtualEthernetCard):
                diags.add_nic(mac_address=dev.macAddress)
        return diags, props

    def flat_diagnostics(self, instance):
        _diags, props = self.diagnostics(instance)
        stats = props.get("summary.quickStats")
        result = {"memory": (props.get("config.hardware.memoryMB") or 0) * units.Ki,
                  "power_state": props.get("runtime.powerState"),
                  "vcpus": props.get("config.hardware.numCPU") or 0}
        for name in ("overallCpuUsage", "guestMemoryUsage", "hostMemoryUsage",
                     "uptimeSeconds", "balloonedMemory", "swappedMemory"):
            value = getattr(stats, name, None)
            if value is not None:
                result[name] = value
        return result

    def vnc_console(self, instance):
        _ref, props = self.vm_props(instance, ("config.extraConfig", "runtime.host"))
        return vm_console.vnc_console(self.session, props)
