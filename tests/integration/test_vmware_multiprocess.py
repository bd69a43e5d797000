"""The VMware driver through the whole stack, beside a libvirt compute.

Separate daemons over RabbitMQ and MariaDB (tests/integration/boot_cluster.py):
nova-api, nova-conductor, nova-scheduler, Placement, the image store, and two
nova-compute: ``vmware`` with compute_driver=vmwareapi.VMwareVCDriver managing
the vCenter simulator's cluster (tools/vcsim), and ``libvirt`` with
compute_driver=libvirt.LibvirtDriver running real QEMU guests (software
emulation) on the machine's libvirtd: the small test guest of
tests/libvirt_guest.py, one guest only. Flavors and images choose the side
through traits: the VMware node reports COMPUTE_NET_VIF_MODEL_VMXNET3, the
libvirt one does not.

What vCenter holds is read with our own pyVmomi session, what libvirt holds
through a libvirt connection of the test's own. Domains and the flat network's
bridge are named after the run (``nvvw<tag>-``, ``brvw<tag>``), apart from
other modules' guests on the same libvirtd. Skips (fails under CI) without
the simulator, libvirtd, QEMU, root, MariaDB or RabbitMQ.
"""

import time

import pytest

from tests.integration import boot_cluster
from tests.integration import libvirt_cluster
from tests.integration import nova_procs
from tests import vcsim

# A busy machine (other suites at once) can make the deployment slow to start.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

TRAIT = "trait:COMPUTE_NET_VIF_MODEL_VMXNET3"
DISK = bytes(range(256)) * 2048          # 512 KiB
LIBVIRT_HOST = "libvirt"
GUEST_TIMEOUT = 240     # software emulation on a loaded two-core machine


@pytest.fixture(scope="module")
def guest():
    return libvirt_cluster.require()


@pytest.fixture(scope="module")
def sim():
    simulator = vcsim.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def lvrun(guest):
    run = libvirt_cluster.Run(prefix="nova-vmw-lv-")
    # Names of this module's own: other modules' guests may share the libvirtd.
    run.bridge = "brvw" + run.tag
    run.domain_prefix = "nvvw%s-" % run.tag
    try:
        yield run
    finally:
        run.cleanup()


@pytest.fixture(scope="module")
def cluster(sim, lvrun):
    from tests import realparts
    vhost = realparts.RabbitVhost()
    dbs = boot_cluster.ClusterDatabases.create()
    running = boot_cluster.BootCluster(
        lvrun.workdir, dbs, vhost.url, compute_hosts=("vmware", LIBVIRT_HOST),
        extra=lvrun.extra(),
        host_extra={"vmware": {"DEFAULT": {"compute_driver": "vmwareapi.VMwareVCDriver"},
                               "vmware": sim.options(),
                               "vnc": {"enabled": "true"}},
                    LIBVIRT_HOST: lvrun.compute_extra()})
    try:
        # Generous waits: the machine may be busy with other suites.
        running.start(timeout=300)
        yield running
    finally:
        # Each step on its own: one that fails must not leave the others undone.
        for step in (lvrun.remove_domains, running.stop, dbs.drop, vhost.delete):
            try:
                step()
            except Exception as exc:    # noqa: BLE001 - report, go on cleaning
                print("clean-up step failed: %r" % exc)


def _show(cluster, server_id):
    status, body = cluster.compute("GET", "/servers/%s" % server_id)
    assert status == 200, body
    return body["server"]


def _settle(cluster, server_id, wanted, timeout=180):
    def check():
        server = _show(cluster, server_id)
        if server["status"] == "ERROR" and wanted != "ERROR":
            raise AssertionError("%s went to ERROR: %s\n%s" % (
                server_id, server.get("fault"), cluster.logs()))
        if server["status"] == wanted and server["OS-EXT-STS:task_state"] is None:
            return server
        return None
    return nova_procs.wait_for(check, timeout=timeout, interval=0.05,
                               what="%s %s" % (server_id, wanted),
                               daemons=list(cluster.daemons.values()))


def _act(cluster, server_id, body, wanted):
    status, answer = cluster.compute("POST", "/servers/%s/action" % server_id, body)
    assert status == 202, answer
    return _settle(cluster, server_id, wanted)


def _flavor(cluster, name, flavor_id, specs=None):
    cluster.create_flavor(name, 2, 256, 1, flavor_id)
    if specs:
        status, body = cluster.compute("POST", "/flavors/%s/os-extra_specs" % flavor_id,
                                       {"extra_specs": specs})
        assert status == 200, body
    return flavor_id


def _image(cluster, name, disk_format="vmdk", **props):
    status, image = cluster.images.request("POST", "/v2/images", dict(
        name=name, disk_format=disk_format, container_format="bare", visibility="public",
        **props))
    assert status == 201, image
    status, body = cluster.images.request(
        "PUT", "/v2/images/%s/file" % image["id"], raw=DISK,
        headers={"Content-Type": "application/octet-stream"})
    assert status == 204, body
    return image["id"]


def _boot(cluster, name, flavor, image):
    status, body = cluster.compute("POST", "/servers", {"server": {
        "name": name, "flavorRef": flavor, "imageRef": image}})
    assert status == 202, body
    return body["server"]["id"]


def _allocation_hosts(cluster, server_id):
    return sorted(name for name, allocs in cluster.provider_allocations().items()
                  if server_id in allocs)


def _vmware_node(cluster):
    names = [rp["name"] for rp in cluster.providers() if rp["name"].endswith(vcsim.CLUSTER)]
    assert len(names) == 1, cluster.providers()
    return names[0]


def _domain(server_id):
    """The libvirt domain of ``server_id`` or None, through a connection of our own."""
    libvirt = libvirt_cluster.libvirt
    conn = libvirt.open(libvirt_cluster.URI)
    try:
        dom = conn.lookupByUUIDString(server_id)
        return dom.name(), bool(dom.isActive())
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise
    finally:
        conn.close()


def _console(cluster, server_id):
    status, body = cluster.compute("POST", "/servers/%s/action" % server_id,
                                   {"os-getConsoleOutput": {}})
    return (body.get("output") or "") if status == 200 else ""


def test_boot_power_snapshot_delete_beside_a_libvirt_compute(cluster, sim, lvrun, guest):
    si = sim.connect()
    node = _vmware_node(cluster)
    status, body = cluster.compute("GET", "/os-hypervisors/detail")
    assert status == 200, body
    hv = {h["hypervisor_hostname"]: h for h in body["hypervisors"]}
    assert hv[node]["hypervisor_type"] == "VMware vCenter Server"
    vmw_flavor = _flavor(cluster, "vmw.small", "10", {TRAIT: "required"})
    # The libvirt side: a guest of one vCPU and 192 MiB, kept off VMware by
    # forbidding the trait.
    cluster.create_flavor("lv.tiny", 1, 192, 1, "11")
    status, body = cluster.compute("POST", "/flavors/11/os-extra_specs",
                                   {"extra_specs": {TRAIT: "forbidden"}})
    assert status == 200, body
    lv_flavor = "11"
    plain_flavor = _flavor(cluster, "plain.small", "12")
    vmdk = _image(cluster, "vmdk", vmware_adaptertype="lsiLogic", hw_vif_model="vmxnet3")
    lv_images = libvirt_cluster.upload_guest(cluster, guest)
    by_image = _image(cluster, "vmdk-trait", **{TRAIT: "required"})

    times = {}
    # The guest first: its (emulated) boot goes on while VMware works.
    lv_start = time.monotonic()
    lv_id = _boot(cluster, "lv-1", lv_flavor, lv_images["machine"])
    start = time.monotonic()
    server_id = _boot(cluster, "vmw-1", vmw_flavor, vmdk)
    server = _settle(cluster, server_id, "ACTIVE")
    times["boot"] = time.monotonic() - start
    assert server["OS-EXT-SRV-ATTR:host"] == "vmware"
    assert server["OS-EXT-SRV-ATTR:hypervisor_hostname"] == node
    imaged_id = _boot(cluster, "img-1", plain_flavor, by_image)
    assert _settle(cluster, imaged_id, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == "vmware"
    lv_server = _settle(cluster, lv_id, "ACTIVE", timeout=GUEST_TIMEOUT)
    times["libvirt boot"] = time.monotonic() - lv_start
    assert lv_server["OS-EXT-SRV-ATTR:host"] == LIBVIRT_HOST
    lv_node = lv_server["OS-EXT-SRV-ATTR:hypervisor_hostname"]
    assert lv_node != node
    assert hv[lv_node]["hypervisor_type"] == "QEMU", hv[lv_node]
    # The guest runs in libvirt under this run's domain name; the VMware
    # servers are no domains there.
    dom = _domain(lv_id)
    assert dom is not None and dom[1], dom
    assert dom[0].startswith(lvrun.domain_prefix)
    assert _domain(server_id) is None and _domain(imaged_id) is None
    assert lv_id not in sim.vms(si)
    assert _allocation_hosts(cluster, lv_id) == [lv_node]

    # The VM in vCenter: the flavor's shape, the instance uuid, the port's MAC.
    vm = sim.vms(si)[server_id]
    assert vm.config.instanceUuid == server_id
    assert (vm.config.hardware.numCPU, vm.config.hardware.memoryMB) == (2, 256)
    macs = [a["OS-EXT-IPS-MAC:mac_addr"] for net in server["addresses"].values() for a in net]
    nics = [d for d in vm.config.hardware.device if hasattr(d, "macAddress")]
    assert sorted(n.macAddress for n in nics) == sorted(macs)
    assert vm.runtime.powerState == "poweredOn"
    assert server["OS-EXT-STS:power_state"] == 1
    assert _allocation_hosts(cluster, server_id) == [node]

    # The compute's session expires (an administrator ends it): the next
    # operation logs in again and works.
    sm = si.RetrieveContent().sessionManager
    mine = sm.currentSession.key
    for session in sm.sessionList:
        if session.key != mine:
            sm.TerminateSession([session.key])

    start = time.monotonic()
    server = _act(cluster, server_id, {"os-stop": None}, "SHUTOFF")
    times["stop"] = time.monotonic() - start
    assert vm.runtime.powerState == "poweredOff"
    assert server["OS-EXT-STS:power_state"] == 4
    assert "had expired: logged in again" in cluster.daemons["nova-compute-vmware"].log()
    start = time.monotonic()
    _act(cluster, server_id, {"os-start": None}, "ACTIVE")
    times["start"] = time.monotonic() - start
    assert vm.runtime.powerState == "poweredOn"
    start = time.monotonic()
    _act(cluster, server_id, {"reboot": {"type": "SOFT"}}, "ACTIVE")
    times["reboot"] = time.monotonic() - start
    assert vm.runtime.powerState == "poweredOn"

    start = time.monotonic()
    status, answer = cluster.compute("POST", "/servers/%s/action" % server_id,
                                     {"createImage": {"name": "vmw-snap"}}, version="2.45")
    assert status == 202, answer
    snap_id = answer["image_id"]
    _settle(cluster, server_id, "ACTIVE")

    def snap_active():
        code, image = cluster.images.request("GET", "/v2/images/%s" % snap_id)
        assert code == 200, image
        return image if image["status"] == "active" else None
    image = nova_procs.wait_for(snap_active, timeout=60, what="snapshot active")
    times["snapshot"] = time.monotonic() - start
    assert image["disk_format"] == "vmdk"
    assert image["size"] == len(DISK)
    assert image.get("vmware_adaptertype") == "lsiLogic"

    status, body = cluster.compute("GET", "/servers/%s/diagnostics" % server_id,
                                   version="2.48")
    assert status == 200, body
    assert body["driver"] == "vmwareapi" and body["num_cpus"] == 2

    # Meanwhile the guest's kernel and init came up: its boot marker on the
    # serial console, read through the API.
    nova_procs.wait_for(lambda: guest.marker in _console(cluster, lv_id),
                        timeout=GUEST_TIMEOUT, interval=1, what="the guest's boot marker",
                        daemons=list(cluster.daemons.values()))
    times["libvirt marker"] = time.monotonic() - lv_start

    for sid in (server_id, imaged_id, lv_id):
        start = time.monotonic()
        status, _b = cluster.compute("DELETE", "/servers/%s" % sid)
        assert status == 204
        nova_procs.wait_for(lambda: cluster.compute("GET", "/servers/%s" % sid)[0] == 404,
                            timeout=60, interval=0.05, what="server gone",
                            daemons=list(cluster.daemons.values()))
        times.setdefault("delete", time.monotonic() - start)
    assert server_id not in sim.vms(si) and imaged_id not in sim.vms(si)
    assert _allocation_hosts(cluster, server_id) == []
    assert _allocation_hosts(cluster, lv_id) == []
    assert _domain(lv_id) is None and lvrun.domains() == []
    assert cluster.usages() in ({}, {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0})
    print("\nVMware whole-stack times (vCenter simulator): %s" % ", ".join(
        "%s %.2fs" % item for item in times.items()))


def test_unusable_image_ends_in_error_with_a_fault_and_nothing_left(cluster, sim):
    flavor = "10"
    status, body = cluster.compute("GET", "/flavors/%s" % flavor)
    if status != 200:
        flavor = _flavor(cluster, "vmw.small", "10", {TRAIT: "required"})
    bad = _image(cluster, "bad-adapter", vmware_adaptertype="floppyLogic")
    server_id = _boot(cluster, "bad-1", flavor, bad)
    server = _settle(cluster, server_id, "ERROR")
    assert "floppyLogic" in server["fault"]["message"] or \
        "No valid host" in server["fault"]["message"], server["fault"]
    assert server_id not in sim.vms()
    assert _allocation_hosts(cluster, server_id) == []
    status, _b = cluster.compute("DELETE", "/servers/%s" % server_id)
    assert status == 204
