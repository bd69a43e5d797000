"""The VMware driver's parts against govmomi's vCenter simulator (tools/vcsim).

One simulator per module (started by PID, stopped by PID). The driver runs in
this process; the image service is the file-backed stand-in of the libvirt
tests (tests/unit/virt/libvirt/fixtures.py). What vCenter holds is checked
with our own pyVmomi session, not through the driver.
"""

import os
import tempfile
import uuid as uuidlib

import pytest

from nova.compute import power_state
from nova.compute import task_states
from nova import exception
from nova.network import model as network_model
from nova.objects import image_meta as image_meta_obj
from tests.unit.virt.libvirt import fixtures
from tests import vcsim

pytestmark = pytest.mark.integration

DISK = bytes(range(256)) * 4096        # 1 MiB, a recognisable pattern


@pytest.fixture(scope="module")
def sim():
    simulator = vcsim.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def conf(sim):
    import nova.conf
    conf = nova.conf.CONF
    overrides = [(name, value, "vmware") for name, value in sim.options().items()]
    overrides += [("enabled", True, "vnc")]
    for name, value, group in overrides:
        conf.set_override(name, value, group)
    try:
        yield conf
    finally:
        for name, _value, group in overrides:
            conf.clear_override(name, group)


@pytest.fixture(scope="module")
def images():
    with tempfile.TemporaryDirectory() as workdir:
        service = fixtures.ImageService(workdir)
        service.image_id = service.add_file(DISK)
        yield service


def _driver(images):
    from nova.virt.vmwareapi import driver
    drv = driver.VMwareVCDriver()
    drv._image_api = images
    drv.init_host("vmware-test")
    return drv


@pytest.fixture(scope="module")
def drv(conf, images):
    d = _driver(images)
    try:
        yield d
    finally:
        d.cleanup_host("vmware-test")


def _meta(images, **props):
    return image_meta_obj.ImageMeta.from_dict(
        {"id": images.image_id, "disk_format": "vmdk", "container_format": "bare",
         "size": len(DISK), "properties": props})


def _vif(mac="fa:16:3e:00:00:01"):
    return network_model.VIF(id=str(uuidlib.uuid4()), address=mac,
                             network=network_model.Network(id="net", bridge="br0", meta={}))


def _vm(sim, uuid):
    return sim.vms().get(uuid)


def test_node_resources_and_traits(drv, sim):
    from nova.compute import provider_tree as pt
    nodes = drv.get_available_nodes()
    si = sim.connect()
    cluster = [c for c in si.RetrieveContent().rootFolder.childEntity[0].hostFolder.childEntity
               if c.name == vcsim.CLUSTER][0]
    assert nodes == ["%s.%s" % (cluster._moId, vcsim.CLUSTER)]
    res = drv.get_available_resource(nodes[0])
    assert res["hypervisor_type"] == "VMware vCenter Server"
    assert res["hypervisor_version"] == 6005000       # the simulator says 6.5.0
    hosts = cluster.host
    assert res["vcpus"] == sum(h.summary.hardware.numCpuThreads for h in hosts)
    assert res["memory_mb"] == sum(h.summary.hardware.memorySize // 2 ** 20 for h in hosts)
    ds = [d for d in cluster.datastore if d.name == vcsim.DATASTORE][0]
    assert res["local_gb"] == ds.summary.capacity // 2 ** 30
    tree = pt.ProviderTree()
    tree.new_root(nodes[0], str(uuidlib.uuid4()))
    drv.update_provider_tree(tree, nodes[0])
    inv = tree.data(nodes[0]).inventory
    assert inv["VCPU"]["total"] == res["vcpus"]
    assert inv["DISK_GB"]["total"] == res["local_gb"]
    assert "COMPUTE_NET_VIF_MODEL_VMXNET3" in tree.data(nodes[0]).traits
    assert drv.capabilities_as_traits()["COMPUTE_IMAGE_TYPE_VMDK"] is True


def test_spawn_lifecycle_snapshot_destroy(drv, sim, images):
    instance = fixtures.make_instance(instance_id=1, image_ref=images.image_id,
                                      memory_mb=256, vcpus=2)
    meta = _meta(images, vmware_adaptertype="lsiLogicsas", hw_vif_model="vmxnet3")
    drv.spawn(None, instance, meta, [], None, {}, network_model.NetworkInfo([_vif()]))
    try:
        vm = _vm(sim, instance.uuid)
        assert vm is not None
        cfg = vm.config
        assert (cfg.hardware.numCPU, cfg.hardware.memoryMB) == (2, 256)
        assert cfg.instanceUuid == instance.uuid
        extra = {o.key: o.value for o in cfg.extraConfig}
        assert extra["nvp.vm-uuid"] == instance.uuid
        assert extra["RemoteDisplay.vnc.enabled"] == "true"
        kinds = {type(d).__name__.rsplit(".", 1)[-1]: d for d in cfg.hardware.device}
        assert "VirtualLsiLogicSASController" in kinds
        nic = kinds["VirtualVmxnet3"]
        assert nic.macAddress == "fa:16:3e:00:00:01"
        assert nic.backing.port.portgroupKey            # the distributed port group
        disk = kinds["VirtualDisk"]
        assert disk.backing.fileName == "[%s] %s/%s.vmdk" % (vcsim.DATASTORE, instance.uuid,
                                                             instance.uuid)
        assert disk.capacityInKB == instance.flavor.root_gb * 1024 * 1024   # grown
        assert vm.parent.name == "Instances"
        assert vm.parent.parent.name == "Project (p1)"
        assert vm.runtime.powerState == "poweredOn"
        assert drv.get_info(instance).state == power_state.RUNNING
        assert instance.uuid in drv.list_instance_uuids()
        # The cached image and the instance's copy, byte for byte.
        ds_dir = sim.datastore_dir()
        with open(os.path.join(ds_dir, instance.uuid, instance.uuid + "-flat.vmdk"),
                  "rb") as f:
            assert f.read() == DISK
        console = drv.get_vnc_console(None, instance)
        assert console.port == int(extra["RemoteDisplay.vnc.port"])

        drv.power_off(instance)
        assert vm.runtime.powerState == "poweredOff"
        assert drv.get_info(instance).state == power_state.SHUTDOWN
        drv.power_on(None, instance, None)
        assert vm.runtime.powerState == "poweredOn"
        drv.reboot(None, instance, None, "SOFT")
        assert vm.runtime.powerState == "poweredOn"
        drv.suspend(None, instance)
        assert drv.get_info(instance).state == power_state.SUSPENDED
        drv.resume(None, instance, None)
        assert drv.get_info(instance).state == power_state.RUNNING
        diags = drv.get_instance_diagnostics(instance)
        assert diags.num_cpus == 2 and diags.num_nics == 1 and diags.num_disks == 1
        assert diags.memory_details["maximum"] == 256
        assert drv.get_diagnostics(instance)["vcpus"] == 2

        states = []
        image_id = str(uuidlib.uuid4())
        drv.snapshot(None, instance, image_id,
                     lambda task_state, expected_state=None: states.append(task_state))
        assert states == [task_states.IMAGE_PENDING_UPLOAD, task_states.IMAGE_UPLOADING]
        meta_up, data = images.uploads[image_id]
        assert data == DISK
        assert meta_up["disk_format"] == "vmdk"
        assert meta_up["properties"]["vmware_adaptertype"] == "lsiLogicSAS".replace(
            "SAS", "sas")
    finally:
        drv.destroy(None, instance, None)
    assert _vm(sim, instance.uuid) is None
    assert not os.path.exists(os.path.join(sim.datastore_dir(), instance.uuid))
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    drv.destroy(None, instance, None)          # idempotent


def test_destroy_from_suspended_and_stopped(drv, sim, images):
    for final in ("suspend", "power_off"):
        instance = fixtures.make_instance(instance_id=2, image_ref=images.image_id)
        drv.spawn(None, instance, _meta(images), [], None, {}, network_model.NetworkInfo([]))
        if final == "suspend":
            drv.suspend(None, instance)
        else:
            drv.power_off(instance)
        drv.destroy(None, instance, None)
        assert _vm(sim, instance.uuid) is None


def test_session_terminated_mid_operation_logs_in_again(drv, sim, images):
    instance = fixtures.make_instance(instance_id=3, image_ref=images.image_id)
    drv.spawn(None, instance, _meta(images), [], None, {}, network_model.NetworkInfo([]))
    try:
        before = drv.session.relogins
        key = drv.session.session_key
        admin = sim.connect()
        admin.RetrieveContent().sessionManager.TerminateSession([key])
        drv.power_off(instance)
        assert drv.session.relogins == before + 1
        assert drv.session.session_key != key
        assert drv.get_info(instance).state == power_state.SHUTDOWN
    finally:
        drv.destroy(None, instance, None)


def test_failing_task_cleans_up_and_names_the_task(drv, sim, images):
    """A VM of the same name already in the instance folder: CreateVM_Task fails
    in vCenter; the error names the task, nothing of the instance is left."""
    from pyVmomi import vim
    instance = fixtures.make_instance(instance_id=4, image_ref=images.image_id)
    folder = drv._vmops._instance_folder(instance.project_id)
    pool = drv._vmops.cluster.resource_pool
    squatter = drv.session.wait_for_task(folder.CreateVM_Task(config=vim.vm.ConfigSpec(
        name=instance.uuid, files=vim.vm.FileInfo(vmPathName="[%s]" % vcsim.DATASTORE)),
        pool=pool))
    try:
        with pytest.raises(Exception) as err:
            drv.spawn(None, instance, _meta(images), [], None, {},
                      network_model.NetworkInfo([]))
        # The simulator refuses it for the VM's file (FileAlreadyExists) before
        # its name (DuplicateName), as vCenter may.
        assert "vCenter task CreateVM on" in str(err.value), err.value
        assert "FileAlreadyExists" in str(err.value) or "DuplicateName" in str(err.value)
        names = [vm.name for vm in sim.vms().values()]
        assert names.count(instance.uuid) == 1              # only the squatter
        folder = os.path.join(sim.datastore_dir(), instance.uuid)
        assert not os.path.exists(os.path.join(folder, instance.uuid + "-flat.vmdk"))
    finally:
        drv.session.wait_for_task(squatter.Destroy_Task())


def test_non_vmdk_image_is_refused(drv, images):
    instance = fixtures.make_instance(instance_id=5, image_ref=images.image_id)
    meta = image_meta_obj.ImageMeta.from_dict({"id": images.image_id, "disk_format": "qcow2",
                                               "container_format": "bare", "properties": {}})
    with pytest.raises(exception.ImageUnacceptable, match="vmdk"):
        drv.spawn(None, instance, meta, [], None, {}, network_model.NetworkInfo([]))


@pytest.mark.parametrize("group_opts,message", [
    ({"host_password": "wrong"}, "refused the login of user nova"),
    ({"cluster_name": "NoSuchCluster"}, "no cluster named NoSuchCluster"),
    ({"datastore_regex": "^nothing$"}, "matches [vmware] datastore_regex ^nothing$"),
    ({"host_port": 1}, "is unreachable"),
])
def test_bad_configuration_fails_init_host_clearly(conf, images, group_opts, message,
                                                   caplog):
    saved = {name: getattr(conf.vmware, name) for name in group_opts}
    for name, value in group_opts.items():
        conf.set_override(name, value, "vmware")
    try:
        with pytest.raises(exception.NovaException) as err:
            _driver(images)
        assert message in err.value.format_message()
        lines = [r for r in caplog.records if r.levelname == "ERROR"
                 and "VMware driver cannot start" in r.getMessage()]
        assert len(lines) == 1
    finally:
        for name, value in saved.items():
            conf.set_override(name, value, "vmware")
