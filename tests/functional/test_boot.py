"""Boot servers through every service in one process: API, conductor, scheduler,
two computes with the fake driver, the real Placement, the image store and the
flat network."""

import pytest

import nova.conf
from nova.api.openstack import api_version
from nova import objects
from tests.functional import inprocess
from tests.functional import stack_fixture

CONF = nova.conf.CONF


@pytest.fixture
def ready(tmp_path, monkeypatch):
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch)
    try:
        yield _prepare(cloud)
    finally:
        stack_fixture.stop_all(stops)


def _prepare(cloud):
    flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1, flavor_id="1")
    image = cloud.create_image()
    return cloud, flavor, image


def _boot(cloud, flavor, image, name="demo", version="2.1", expect=202, **extra):
    body = {"server": {"name": name, "flavorRef": flavor, "imageRef": image, **extra}}
    if api_version.APIVersionRequest(version) >= api_version.APIVersionRequest("2.37") \
            and "networks" not in extra:
        body["server"]["networks"] = "auto"
    status, _h, answer = cloud.request("POST", "/servers", body, version=version)
    assert status == expect, answer
    return answer


def _allocations(cloud, server_id):
    return cloud.placement.get("/allocations/%s" % server_id)["allocations"]


def test_boot_show_power_actions_and_delete_with_sdk_and_cli(ready):
    cloud, flavor, image = ready
    conn = cloud.sdk()
    server = conn.compute.create_server(name="demo", flavor_id=flavor, image_id=image,
                                        networks="auto")
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=30, interval=0.2)
    assert server.compute_host in ("compute1", "compute2")
    addresses = server.addresses["private"]
    assert addresses[0]["addr"].startswith("10.0.0.")
    assert addresses[0]["OS-EXT-IPS:type"] == "fixed"
    # Placement holds the flavor's resources for the server on its node.
    allocations = _allocations(cloud, server.id)
    assert [a["resources"] for a in allocations.values()] == [
        {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}]
    assert cloud.driver(server.compute_host).instances[server.id].state == 1

    listed = cloud.osc("server", "list")
    assert [(s["Name"], s["Status"]) for s in listed] == [("demo", "ACTIVE")]
    assert "10.0.0." in str(listed[0]["Networks"])

    cloud.osc("server", "stop", server.id)
    cloud.wait_for_status(server.id, "SHUTOFF")
    status, _h, body = cloud.request("POST", "/servers/%s/action" % server.id,
                                     {"pause": None})
    assert status == 409
    assert body["conflictingRequest"]["message"] == (
        "Cannot 'pause' instance %s while it is in vm_state stopped" % server.id)
    cloud.osc("server", "start", server.id)
    cloud.wait_for_status(server.id, "ACTIVE")
    cloud.osc("server", "reboot", "--hard", server.id)
    shown = cloud.wait_for_status(server.id, "ACTIVE")
    assert shown["OS-EXT-STS:power_state"] == 1
    cloud.osc("server", "pause", server.id)
    cloud.wait_for_status(server.id, "PAUSED")
    cloud.osc("server", "unpause", server.id)
    cloud.wait_for_status(server.id, "ACTIVE")
    cloud.osc("server", "suspend", server.id)
    cloud.wait_for_status(server.id, "SUSPENDED")
    cloud.osc("server", "resume", server.id)
    cloud.wait_for_status(server.id, "ACTIVE")

    events = cloud.osc("server", "event", "list", server.id)
    assert {e["Action"] for e in events} >= {"create", "stop", "start", "reboot",
                                              "pause", "unpause", "suspend", "resume"}

    cloud.osc("server", "delete", "--wait", server.id)
    cloud.wait_for_gone(server.id)
    assert _allocations(cloud, server.id) == {}
    assert server.id not in cloud.driver(server.compute_host).instances
    assert cloud.usages() == {}


def test_boot_many_at_once_fills_both_hosts_and_quota_counts_them(ready):
    cloud, flavor, image = ready
    answer = _boot(cloud, flavor, image, name="many", min_count=4, max_count=4,
                   return_reservation_id=True)
    reservation = answer["reservation_id"]
    status, _h, body = cloud.request("GET", "/servers?reservation_id=%s" % reservation)
    ids = [s["id"] for s in body["servers"]]
    assert len(ids) == 4
    servers = [cloud.wait_for_status(i, "ACTIVE") for i in ids]
    assert sorted(s["name"] for s in servers) == ["many-1", "many-2", "many-3", "many-4"]
    assert {s["OS-EXT-SRV-ATTR:host"] for s in servers} == {"compute1", "compute2"}
    ips = {s["addresses"]["private"][0]["addr"] for s in servers}
    assert len(ips) == 4
    assert cloud.usages() == {"VCPU": 4, "MEMORY_MB": 2048, "DISK_GB": 4}
    for server_id in ids:
        status, _h, _b = cloud.request("DELETE", "/servers/%s" % server_id)
        assert status == 204
    for server_id in ids:
        cloud.wait_for_gone(server_id)
    assert cloud.usages() == {}


def test_anti_affinity_group_puts_members_on_different_hosts(ready):
    cloud, flavor, image = ready
    status, _h, group = cloud.request("POST", "/os-server-groups", {
        "server_group": {"name": "spread", "policies": ["anti-affinity"]}})
    assert status == 200, group
    group_id = group["server_group"]["id"]
    hints = {"group": group_id}
    ids = []
    for name in ("a", "b"):
        status, _h, body = cloud.request("POST", "/servers", {
            "server": {"name": name, "flavorRef": flavor, "imageRef": image},
            "os:scheduler_hints": hints})
        assert status == 202, body
        ids.append(body["server"]["id"])
        cloud.wait_for_status(body["server"]["id"], "ACTIVE")
    hosts = {cloud.wait_for_status(i, "ACTIVE")["OS-EXT-SRV-ATTR:host"] for i in ids}
    assert hosts == {"compute1", "compute2"}
    # A third member has nowhere to go.
    status, _h, body = cloud.request("POST", "/servers", {
        "server": {"name": "c", "flavorRef": flavor, "imageRef": image},
        "os:scheduler_hints": hints})
    assert status == 202
    third = cloud.wait_for_status(body["server"]["id"], "ERROR")
    assert "No valid host" in third["fault"]["message"]
    status, _h, shown = cloud.request("GET", "/os-server-groups/%s" % group_id)
    assert set(ids) <= set(shown["server_group"]["members"])


def test_no_valid_host_ends_in_error_in_cell0_without_allocations(ready):
    cloud, _flavor, image = ready
    # Within the quotas, but no host has that much disk.
    huge = cloud.create_flavor(name="huge", vcpus=1, ram=512, disk=50000, flavor_id="99")
    answer = _boot(cloud, huge, image, name="toobig")
    server_id = answer["server"]["id"]
    server = cloud.wait_for_status(server_id, "ERROR")
    assert server["fault"]["code"] == 500
    assert "No valid host was found" in server["fault"]["message"]
    mapping = objects.InstanceMapping.get_by_instance_uuid(cloud.ctxt, server_id)
    assert mapping.cell_mapping.is_cell0()
    assert _allocations(cloud, server_id) == {}
    status, _h, _b = cloud.request("DELETE", "/servers/%s" % server_id)
    assert status == 204
    cloud.wait_for_gone(server_id)


def test_failed_spawn_reschedules_to_the_alternate_host(ready):
    cloud, flavor, image = ready
    first = _boot(cloud, flavor, image, name="first")["server"]["id"]
    busy = cloud.wait_for_status(first, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    # The RAM weigher now prefers the emptier host: make its next spawn fail.
    emptier = "compute2" if busy == "compute1" else "compute1"
    cloud.driver(emptier).fail_next_spawns(1)
    second = _boot(cloud, flavor, image, name="second")["server"]["id"]
    server = cloud.wait_for_status(second, "ACTIVE")
    assert server["OS-EXT-SRV-ATTR:host"] == busy
    assert cloud.driver(emptier).spawns_started == 1
    allocations = _allocations(cloud, second)
    assert len(allocations) == 1
    # Both hosts failing: the server ends in ERROR with the reason, nothing held.
    cloud.driver("compute1").fail_next_spawns(1)
    cloud.driver("compute2").fail_next_spawns(1)
    third = _boot(cloud, flavor, image, name="third")["server"]["id"]
    server = cloud.wait_for_status(third, "ERROR")
    assert "Exhausted all hosts" in server["fault"]["message"]
    assert _allocations(cloud, third) == {}


def test_delete_during_build_cleans_up_everything(ready):
    cloud, flavor, image = ready
    for host in cloud.computes:
        cloud.driver(host).hold_spawns()
    server_id = _boot(cloud, flavor, image, name="doomed")["server"]["id"]
    inprocess.wait_for(lambda: any(cloud.driver(h).spawns_started for h in cloud.computes),
                       what="a spawn to start")
    status, _h, _b = cloud.request("DELETE", "/servers/%s" % server_id)
    assert status == 204
    for host in cloud.computes:
        cloud.driver(host).release_spawns()
    cloud.wait_for_gone(server_id)
    inprocess.wait_for(lambda: _allocations(cloud, server_id) == {},
                       what="the allocation released")
    inprocess.wait_for(lambda: all(not cloud.driver(h).instances for h in cloud.computes),
                       what="no guest left")
    assert cloud.usages() == {}


def test_create_and_act_at_the_newest_microversion(ready):
    cloud, flavor, image = ready
    answer = _boot(cloud, flavor, image, name="Web Server 1", version="2.100",
                   description="front end", hostname="web-1", tags=["blue", "prod"],
                   metadata={"role": "web"})
    server_id = answer["server"]["id"]
    assert answer["server"]["adminPass"]
    server = cloud.wait_for_status(server_id, "ACTIVE", version="2.100")
    assert server["description"] == "front end"
    assert server["OS-EXT-SRV-ATTR:hostname"] == "web-1"
    assert sorted(server["tags"]) == ["blue", "prod"]
    assert server["metadata"] == {"role": "web"}
    assert server["flavor"]["vcpus"] == 1 and server["flavor"]["original_name"] == "m1.tiny"
    assert server["locked"] is False
    assert server["os-extended-volumes:volumes_attached"] == []
    mapping = objects.InstanceMapping.get_by_instance_uuid(cloud.ctxt, server_id)
    from nova import context as nova_context
    with nova_context.target_cell(cloud.ctxt, mapping.cell_mapping) as cctxt:
        bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(cctxt, server_id)
    assert [(b.source_type, b.destination_type, b.boot_index, b.image_id)
            for b in bdms] == [("image", "local", 0, image)]
    status, _h, _b = cloud.request("POST", "/servers/%s/action" % server_id,
                                   {"lock": {"locked_reason": "maintenance"}},
                                   version="2.73")
    assert status == 202
    shown = cloud.wait_for_status(server_id, "ACTIVE", version="2.100")
    assert (shown["locked"], shown["locked_reason"]) == (True, "maintenance")
    # The owner's lock does not stop an admin (this user is one) from acting.
    status, _h, _b = cloud.request("POST", "/servers/%s/action" % server_id,
                                   {"trigger_crash_dump": None}, version="2.17")
    assert status == 202
    host = shown["OS-EXT-SRV-ATTR:host"]
    inprocess.wait_for(lambda: cloud.driver(host).instances[server_id].crash_dumps == 1,
                       what="the crash dump")
    status, _h, body = cloud.request("POST", "/servers/%s/action" % server_id,
                                     {"trigger_crash_dump": None}, version="2.16")
    assert status == 400
    status, _h, _b = cloud.request("POST", "/servers/%s/action" % server_id,
                                   {"unlock": None})
    assert status == 202
    # The hostname of a multi-create comes from each generated name (2.90 rules).
    answer = _boot(cloud, flavor, image, name="batch", version="2.90", min_count=2,
                   return_reservation_id=True)
    status, _h, body = cloud.request(
        "GET", "/servers/detail?reservation_id=%s" % answer["reservation_id"],
        version="2.90")
    assert sorted(s["OS-EXT-SRV-ATTR:hostname"] for s in body["servers"]) == [
        "batch-1", "batch-2"]


def test_trusted_image_certificates_are_kept_and_shown(ready, monkeypatch):
    cloud, flavor, image = ready
    certs = ["0b5d2c72-12cc-4ba6-a8d7-3ff5cc1d8cb8", "674736e3-f25c-405c-8362-bbf991e0ce0a"]
    answer = _boot(cloud, flavor, image, version="2.63", expect=400,
                   networks="auto", trusted_image_certificates=certs)
    assert "verify_glance_signatures" in answer["badRequest"]["message"]
    CONF.set_override("verify_glance_signatures", True, group="glance")
    try:
        server_id = _boot(cloud, flavor, image, version="2.63",
                          trusted_image_certificates=certs)["server"]["id"]
    finally:
        CONF.clear_override("verify_glance_signatures", group="glance")
    shown = cloud.wait_for_status(server_id, "ACTIVE", version="2.63")
    assert shown["trusted_image_certificates"] == certs
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id, version="2.62")
    assert "trusted_image_certificates" not in body["server"]


def test_delete_while_still_a_build_request(ready):
    cloud, flavor, image = ready
    conductor = next(s for s in cloud.services if s.binary == "nova-conductor")
    conductor.stop()
    server_id = _boot(cloud, flavor, image, name="early")["server"]["id"]
    status, _h, body = cloud.request("GET", "/servers/%s" % server_id)
    assert body["server"]["status"] == "BUILD"
    status, _h, _b = cloud.request("DELETE", "/servers/%s" % server_id)
    assert status == 204
    cloud.wait_for_gone(server_id)
    # The conductor comes back and meets a request that is gone: nothing is built.
    from nova import service
    replacement = service.Service.create(binary="nova-conductor", topic="conductor")
    replacement.start()
    cloud.services.append(replacement)
    try:
        inprocess.wait_for(lambda: cloud.request("GET", "/servers")[2]["servers"] == [],
                           what="an empty server list")
        # It was scheduled and created in the cell, then dropped there.
        inprocess.wait_for(lambda: _cell_rows(server_id) == [1], what="a deleted row")
        assert cloud.usages() == {}
        assert all(not cloud.driver(h).instances for h in cloud.computes)
    finally:
        replacement.stop()


def _cell_rows(server_id):
    """The ``deleted`` flags of the server's rows in the cell database (0 = live)."""
    import sqlalchemy as sa
    from nova.db.main import api as main_db_api
    with main_db_api.get_engine().connect() as conn:
        rows = conn.execute(sa.text("SELECT deleted FROM instances WHERE uuid = :u"),
                            {"u": server_id}).fetchall()
    return [1 if row[0] else 0 for row in rows]


def test_server_takes_its_images_kernel_and_ramdisk(ready):
    """An image naming a kernel and a ramdisk (direct kernel boot): the server
    records both, as the compute driver and GET /servers (2.3+) see them."""
    cloud, flavor, _image = ready
    kernel = cloud.create_image(name="vmlinuz")
    ramdisk = cloud.create_image(name="initrd")
    machine = cloud.create_image(name="machine", kernel_id=kernel, ramdisk_id=ramdisk)
    server_id = _boot(cloud, flavor, machine, version="2.3")["server"]["id"]
    server = cloud.wait_for_status(server_id, "ACTIVE", version="2.3")
    assert server["OS-EXT-SRV-ATTR:kernel_id"] == kernel
    assert server["OS-EXT-SRV-ATTR:ramdisk_id"] == ramdisk
    # A plain image: neither.
    plain_id = _boot(cloud, flavor, _image, name="plain", version="2.3")["server"]["id"]
    plain = cloud.wait_for_status(plain_id, "ACTIVE", version="2.3")
    assert plain["OS-EXT-SRV-ATTR:kernel_id"] == ""
    assert plain["OS-EXT-SRV-ATTR:ramdisk_id"] == ""
