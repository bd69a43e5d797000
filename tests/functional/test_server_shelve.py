"""shelve / shelveOffload / unshelve through the whole in-process control plane.

Two computes on the fake driver; the shelved image lives in the embedded
image store and the allocations in the real Placement.
"""

import pytest

import time

from oslo_utils import timeutils

import nova.conf
from nova import context as nova_context
from nova import objects
from tests.functional import inprocess
from tests.functional import server_seed as seed
from tests.functional import shelve_helpers as h
from tests.functional import stack_fixture

CONF = nova.conf.CONF
TIMES = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("shelve")
    running, stops = stack_fixture.start_cloud(tmp_path, monkeypatch)
    try:
        running.flavor = running.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                               flavor_id="1")
        running.image = running.create_image(os_distro="cirros")
        yield running
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()
        if TIMES:
            print("\nfake-driver action times (API to final state): %s" % ", ".join(
                "%s %.2fs" % item for item in sorted(TIMES.items())))


@pytest.fixture
def offload_time():
    """Set [DEFAULT] shelved_offload_time for one test."""
    def set_it(value):
        CONF.set_override("shelved_offload_time", value)
    yield set_it
    CONF.clear_override("shelved_offload_time")


@pytest.fixture
def server(stack):
    server_id = h.boot(stack, "shelf")
    yield server_id
    stack.request("DELETE", "/servers/%s" % server_id)
    stack.wait_for_gone(server_id)


def _host(server):
    return server["OS-EXT-SRV-ATTR:host"]


def test_cli_shelve_offloads_at_once_and_unshelve_spawns_from_the_shelved_image(
        stack, server):
    host = _host(h.show(stack, server))
    assert h.allocations(stack, server)
    used = stack.request("GET", "/limits")[2]["limits"]["absolute"]
    stack.osc("server", "shelve", "--wait", server)
    shelved = h.idle(stack, server, "SHELVED_OFFLOADED")
    assert shelved["OS-EXT-STS:vm_state"] == "shelved_offloaded"
    assert _host(shelved) is None and shelved["OS-EXT-SRV-ATTR:hypervisor_hostname"] is None
    # The guest is gone from its host, and so is the allocation.
    assert server not in stack.driver(host).instances
    assert h.allocations(stack, server) == {}
    # An offloaded server still counts in the quotas (it keeps its place).
    assert stack.request("GET", "/limits")[2]["limits"]["absolute"] == used
    record = h.instance(stack, server)
    image_id = record.system_metadata["shelved_image_id"]
    assert record.system_metadata["shelved_host"] == host
    assert record.system_metadata["shelved_at"]
    status, _h, image = h.image(stack, image_id)
    assert status == 200 and image["status"] == "active"
    assert image["name"] == "shelf-shelved"
    assert image["image_type"] == "snapshot" and image["instance_uuid"] == server
    assert image["os_distro"] == "cirros"  # inherited, as a snapshot's
    assert h.events(stack, server, "shelve")["compute_shelve_instance"]["result"] == \
        "Success"

    stack.osc("server", "unshelve", "--wait", server)
    active = h.idle(stack, server, "ACTIVE")
    new_host = _host(active)
    assert new_host in stack.computes
    guest = stack.driver(new_host).instances[server]
    assert guest.image_ref == image_id  # spawned from the shelved image
    assert active["image"]["id"] == stack.image  # the server's image is unchanged
    assert h.image(stack, image_id)[0] == 404  # ...and the shelved image is deleted
    record = h.instance(stack, server)
    assert not {"shelved_at", "shelved_image_id", "shelved_host"} & set(
        record.system_metadata)
    allocation = h.allocations(stack, server)
    assert len(allocation) == 1
    assert list(allocation.values())[0]["resources"] == {"VCPU": 1, "MEMORY_MB": 512,
                                                         "DISK_GB": 1}
    events = h.events(stack, server, "unshelve")
    assert events["schedule_instances"]["result"] == "Success"
    assert events["compute_unshelve_instance"]["result"] == "Success"


def test_shelved_stays_on_its_host_until_offloaded_by_the_admin(stack, server,
                                                               offload_time):
    offload_time(-1)
    host = _host(h.show(stack, server))
    TIMES["shelve"], shelved = h.timed(stack, server, {"shelve": None}, "SHELVED")
    assert _host(shelved) == host
    assert shelved["OS-EXT-STS:power_state"] == 4  # shut down
    assert h.allocations(stack, server)  # still holds its resources
    assert stack.driver(host).instances[server].state == 4

    # Offloading is the admin's (policy); the owner of another project cannot.
    status, _h, body = h.action(stack, server, {"shelveOffload": None}, user="u1",
                                project="p1")
    assert status == 404, body
    TIMES["shelveOffload"], offloaded = h.timed(stack, server, {"shelveOffload": None},
                                                "SHELVED_OFFLOADED")
    assert _host(offloaded) is None
    assert h.allocations(stack, server) == {}
    assert server not in stack.driver(host).instances
    assert h.events(stack, server, "shelveOffload")[
        "compute_shelve_offload_instance"]["result"] == "Success"

    # 2.91: onto the other host, chosen by the admin.
    other = [name for name in stack.computes if name != host][0]
    TIMES["unshelve (offloaded, to a host)"], active = h.timed(
        stack, server, {"unshelve": {"host": other}}, "ACTIVE", version="2.91")
    assert _host(active) == other
    assert server in stack.driver(other).instances
    providers = h.allocations(stack, server)
    assert len(providers) == 1


def test_unshelve_of_a_shelved_server_powers_it_on_where_it_is(stack, server,
                                                              offload_time):
    offload_time(-1)
    host = _host(h.show(stack, server))
    h.timed(stack, server, {"shelve": None}, "SHELVED")
    image_id = h.instance(stack, server).system_metadata["shelved_image_id"]
    TIMES["unshelve (shelved)"], active = h.timed(stack, server, {"unshelve": None},
                                                  "ACTIVE")
    assert _host(active) == host
    assert active["OS-EXT-STS:power_state"] == 1
    assert h.image(stack, image_id)[0] == 404
    assert "shelved_image_id" not in h.instance(stack, server).system_metadata


def test_the_periodic_task_offloads_after_shelved_offload_time(stack, server,
                                                              offload_time):
    offload_time(1)
    host = _host(h.show(stack, server))
    h.timed(stack, server, {"shelve": None}, "SHELVED")
    manager = stack.computes[host].manager
    ctxt = nova_context.get_admin_context()
    record = h.instance(stack, server)
    shelved_at = timeutils.normalize_time(timeutils.parse_isotime(
        record.system_metadata["shelved_at"]))
    if (timeutils.utcnow() - shelved_at).total_seconds() < 0.9:
        assert manager.poll_shelved_instances(ctxt) == []  # not yet due
        assert h.show(stack, server)["status"] == "SHELVED"
    time.sleep(1.1)
    assert manager.poll_shelved_instances(ctxt) == [server]
    offloaded = h.idle(stack, server, "SHELVED_OFFLOADED")
    assert _host(offloaded) is None
    assert h.allocations(stack, server) == {}
    # -1 (never) and 0 (at shelve time) leave the periodic task nothing to do.
    offload_time(-1)
    assert manager.poll_shelved_instances(ctxt) == []


def test_unshelve_to_an_availability_zone_2_77_and_unpinning_2_91(stack, server):
    TIMES["shelve (offloaded at once)"], _s = h.timed(stack, server, {"shelve": None},
                                                      "SHELVED_OFFLOADED")
    status, _h, body = h.action(stack, server, {"unshelve": {"availability_zone": "nowhere"}},
                                version="2.77")
    assert status == 400, body
    assert body["badRequest"]["message"] == "The requested availability zone is not available"
    assert h.show(stack, server)["OS-EXT-STS:task_state"] is None
    # Before 2.77 the zone is not an argument; 2.77 refuses an empty object.
    for version, body_ in (("2.76", {"unshelve": {"availability_zone": "nova"}}),
                           ("2.77", {"unshelve": {}}),
                           ("2.90", {"unshelve": {"host": "compute1"}}),
                           ("2.91", {"unshelve": {"host": ""}}),
                           ("2.91", {"unshelve": {"other": 1}})):
        status, _h, answer = h.action(stack, server, body_, version=version)
        assert status == 400 and "badRequest" in answer, (version, body_, answer)
    # An unknown host is a 400; naming a host needs the admin.
    status, _h, body = h.action(stack, server, {"unshelve": {"host": "nohost"}},
                                version="2.91")
    assert status == 400, body
    assert body["badRequest"]["message"] == "Compute host nohost could not be found."
    status, _h, body = h.action(stack, server, {"unshelve": {"availability_zone": "nova"}},
                                version="2.77")
    assert status == 202, body
    active = h.idle(stack, server, "ACTIVE")
    assert active["OS-EXT-AZ:availability_zone"] == "nova"

    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    TIMES["unshelve (offloaded, scheduled)"], active = h.timed(
        stack, server, {"unshelve": {"availability_zone": None}}, "ACTIVE", version="2.91")
    assert active["OS-EXT-AZ:availability_zone"] == "nova"


def test_refused_states_answer_409_with_upstreams_message(stack, server, offload_time):
    for body, name in (({"unshelve": None}, "unshelve"),
                       ({"shelveOffload": None}, "shelveOffload")):
        status, _h, answer = h.action(stack, server, body)
        assert status == 409, answer
        assert h.conflict(answer) == (
            "Cannot '%s' instance %s while it is in vm_state active" % (name, server))
    offload_time(-1)
    h.timed(stack, server, {"shelve": None}, "SHELVED")
    status, _h, answer = h.action(stack, server, {"shelve": None})
    assert status == 409
    assert h.conflict(answer) == (
        "Cannot 'shelve' instance %s while it is in vm_state shelved" % server)
    # A zone or a host only for an offloaded server.
    status, _h, answer = h.action(stack, server,
                                  {"unshelve": {"availability_zone": "nova"}},
                                  version="2.77")
    assert status == 409, answer
    assert "The server status must be SHELVED_OFFLOADED" in h.conflict(answer)
    for body in ({"os-start": None}, {"reboot": {"type": "SOFT"}},
                 {"createImage": {"name": "x"}}):
        status, _h, answer = h.action(stack, server, body)
        assert status == 409, (body, answer)
    assert h.show(stack, server)["status"] == "SHELVED"
    h.timed(stack, server, {"unshelve": None}, "ACTIVE")


def test_a_failed_shelve_leaves_no_image_and_the_server_as_it_was(stack, server):
    host = _host(h.show(stack, server))
    stack.driver(host).fail_next_snapshots(message="disk unreadable")
    status, _h, body = h.action(stack, server, {"shelve": None})
    assert status == 202, body
    shown = h.idle(stack, server)
    assert shown["status"] == "ACTIVE"  # not ERROR, and running again
    assert shown["OS-EXT-STS:power_state"] == 1
    assert stack.driver(host).instances[server].state == 1
    inprocess.wait_for(lambda: h.images_named(stack, "shelf-shelved") == [], timeout=30,
                       what="failed shelve image deleted")
    event = h.events(stack, server, "shelve")["compute_shelve_instance"]
    assert event["result"] == "Error" and "SnapshotFailure" in event["traceback"]
    assert h.allocations(stack, server)
    assert "shelved_image_id" not in h.instance(stack, server).system_metadata


def test_a_failed_unshelve_stays_offloaded_with_no_allocation(stack, server):
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    image_id = h.instance(stack, server).system_metadata["shelved_image_id"]
    for host in stack.computes:
        stack.driver(host).fail_next_spawns(message="no room on the disk")
    try:
        status, _h, body = h.action(stack, server, {"unshelve": None})
        assert status == 202, body
        shown = h.idle(stack, server, "SHELVED_OFFLOADED")
    finally:
        for host in stack.computes:
            stack.driver(host)._spawn_failures.clear()
    assert _host(shown) is None
    assert h.allocations(stack, server) == {}
    assert h.image(stack, image_id)[0] == 200  # kept for the next try
    fault = h.latest_fault(stack, server)
    assert fault.message == "SpawnFailure"
    event = h.events(stack, server, "unshelve")["compute_unshelve_instance"]
    assert event["result"] == "Error"
    # The next unshelve works.
    h.timed(stack, server, {"unshelve": None}, "ACTIVE")
    assert h.image(stack, image_id)[0] == 404


def test_deleting_a_shelved_offloaded_server_deletes_its_image(stack):
    server = h.boot(stack, "gone-shelf")
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    image_id = h.instance(stack, server).system_metadata["shelved_image_id"]
    ctxt = nova_context.get_admin_context()
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        assert list(objects.FixedIPList.get_by_instance_uuid(cctxt, server))
    status, _h, body = stack.request("DELETE", "/servers/%s" % server)
    assert status == 204, body
    stack.wait_for_gone(server)
    assert h.image(stack, image_id)[0] == 404
    # Its fixed address is released although it had no host.
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        assert list(objects.FixedIPList.get_by_instance_uuid(cctxt, server)) == []


def test_the_sdk_shelves_and_unshelves(stack, server):
    conn = stack.sdk()
    conn.compute.shelve_server(server)
    conn.compute.wait_for_server(conn.compute.get_server(server), status="SHELVED_OFFLOADED",
                                 wait=30, interval=0.2)
    conn.compute.unshelve_server(server)
    conn.compute.wait_for_server(conn.compute.get_server(server), status="ACTIVE", wait=30,
                                 interval=0.2)
    assert h.idle(stack, server)["status"] == "ACTIVE"


def test_a_failed_unshelve_in_place_keeps_the_server_shelved_with_its_allocation(
        stack, server, offload_time, monkeypatch):
    offload_time(-1)
    host = _host(h.show(stack, server))
    h.timed(stack, server, {"shelve": None}, "SHELVED")
    allocation = h.allocations(stack, server)
    image_id = h.instance(stack, server).system_metadata["shelved_image_id"]

    def power_on(*args, **kwargs):  # the hypervisor refuses
        raise RuntimeError("the hypervisor cannot start it")
    monkeypatch.setattr(stack.driver(host), "power_on", power_on)
    status, _h, body = h.action(stack, server, {"unshelve": None})
    assert status == 202, body
    shown = h.idle(stack, server, "SHELVED")
    assert _host(shown) == host
    assert h.allocations(stack, server) == allocation
    assert h.image(stack, image_id)[0] == 200
    event = h.events(stack, server, "unshelve")["compute_unshelve_instance"]
    assert event["result"] == "Error" and "RuntimeError" in event["traceback"]
    monkeypatch.undo()
    h.timed(stack, server, {"unshelve": None}, "ACTIVE")


def _set_computes(stack, enabled):
    for host in stack.computes:
        status, _h, body = stack.request(
            "PUT", "/os-services/%s" % ("enable" if enabled else "disable"),
            {"host": host, "binary": "nova-compute"})
        assert status == 200, body


def test_unshelve_with_no_host_that_fits_stays_offloaded(stack, server):
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    _set_computes(stack, enabled=False)
    try:
        status, _h, body = h.action(stack, server, {"unshelve": None})
        assert status == 202, body
        h.idle(stack, server, "SHELVED_OFFLOADED")
        event = h.events(stack, server, "unshelve")["schedule_instances"]
        assert event["result"] == "Error"
        assert "NoValidHost" in event["traceback"]
        assert h.allocations(stack, server) == {}
    finally:
        _set_computes(stack, enabled=True)
    h.timed(stack, server, {"unshelve": None}, "ACTIVE")


def test_unshelve_of_a_server_whose_shelved_image_is_gone_is_an_error(stack):
    server = h.boot(stack, "lost-image")
    h.timed(stack, server, {"shelve": None}, "SHELVED_OFFLOADED")
    image_id = h.instance(stack, server).system_metadata["shelved_image_id"]
    assert stack.request_image("DELETE", "/v2/images/%s" % image_id)[0] == 204
    status, _h, body = h.action(stack, server, {"unshelve": None})
    assert status == 202, body
    shown = h.idle(stack, server, "ERROR")
    assert shown["fault"]["message"] == "Image %s could not be found." % image_id
    assert h.allocations(stack, server) == {}
    stack.request("DELETE", "/servers/%s" % server)
    stack.wait_for_gone(server)
