"""os-services through the real WSGI app: the openstack CLI and raw HTTP."""

import pytest

from nova import context as nova_context
from nova import objects
from tests.functional.compute_seed import add_cell
from tests.functional.compute_seed import add_compute
from tests.functional.compute_seed import add_service
from tests.functional.compute_seed import mark_down
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def _by_host_binary(services):
    return {(s["host"], s["binary"]): s for s in services}


def test_service_list_shows_zone_state_and_status(api):
    add_compute(api, "cmp1")
    down, _node = add_compute(api, "cmp2")
    mark_down(down)
    add_service(api, "ctl1", "nova-conductor")

    # openstacksdk, as the CLI lists them (the CLI itself: the *_with_the_cli tests).
    seen = {(s.host, s.binary): s for s in api.sdk().compute.services()}
    assert seen[("cmp1", "nova-compute")].availability_zone == "nova"
    assert seen[("cmp1", "nova-compute")].state == "up"
    assert seen[("cmp1", "nova-compute")].status == "enabled"
    assert seen[("cmp2", "nova-compute")].state == "down"
    assert seen[("ctl1", "nova-conductor")].availability_zone == "internal"

    aggregate = objects.Aggregate(context=api.ctxt, name="rack2",
                                  metadata={"availability_zone": "az2"})
    aggregate.create()
    aggregate.add_host("cmp2")
    status, _h, body = api.request("GET", "/os-services?host=cmp2")
    assert body["services"][0]["zone"] == "az2"

    status, _h, body = api.request("GET", "/os-services?binary=nova-conductor")
    assert status == 200
    assert [(s["host"], s["binary"]) for s in body["services"]] == [("ctl1", "nova-conductor")]
    status, _h, body = api.request("GET", "/os-services?host=cmp1")
    assert [s["host"] for s in body["services"]] == ["cmp1"]
    service = body["services"][0]
    assert isinstance(service["id"], int)
    assert "forced_down" not in service
    assert service["disabled_reason"] is None


def test_disable_with_reason_and_enable_with_the_cli(api):
    add_compute(api, "cmp1")
    api.osc("compute", "service", "set", "--disable", "--disable-reason", "maintenance",
            "cmp1", "nova-compute")
    status, _h, body = api.request("GET", "/os-services?host=cmp1")
    service = body["services"][0]
    assert service["status"] == "disabled"
    assert service["disabled_reason"] == "maintenance"

    api.osc("compute", "service", "set", "--enable", "cmp1", "nova-compute")
    service = api.request("GET", "/os-services?host=cmp1")[2]["services"][0]
    assert service["status"] == "enabled"
    assert service["disabled_reason"] is None


def test_legacy_action_urls_and_errors(api):
    add_compute(api, "cmp1")
    status, _h, body = api.request("PUT", "/os-services/disable",
                                   {"host": "cmp1", "binary": "nova-compute"})
    assert status == 200
    assert body == {"service": {"host": "cmp1", "binary": "nova-compute",
                                "status": "disabled"}}
    status, _h, body = api.request("PUT", "/os-services/disable-log-reason",
                                   {"host": "cmp1", "binary": "nova-compute",
                                    "disabled_reason": "bad disk"})
    assert body["service"]["disabled_reason"] == "bad disk"
    status, _h, body = api.request("PUT", "/os-services/enable",
                                   {"host": "nope", "binary": "nova-compute"})
    assert status == 404
    assert body["itemNotFound"]["code"] == 404
    status, _h, body = api.request("PUT", "/os-services/enable", {"host": "cmp1"})
    assert status == 400
    assert "binary" in body["badRequest"]["message"]
    status, _h, body = api.request("PUT", "/os-services/reboot",
                                   {"host": "cmp1", "binary": "nova-compute"})
    assert status == 404
    # force-down needs 2.11
    down = {"host": "cmp1", "binary": "nova-compute", "forced_down": True}
    assert api.request("PUT", "/os-services/force-down", down)[0] == 404
    status, _h, body = api.request("PUT", "/os-services/force-down", down, version="2.11")
    assert status == 200
    assert body == {"service": {"host": "cmp1", "binary": "nova-compute",
                                "forced_down": True}}
    service = api.request("GET", "/os-services?host=cmp1", version="2.11")[2]["services"][0]
    assert service["forced_down"] is True
    assert service["state"] == "down"
    # a non-admin may not touch services
    status, _h, body = api.request("GET", "/os-services", user="demo", project="demo")
    assert status == 403
    assert "forbidden" in body


def test_force_down_with_the_cli(api):
    add_compute(api, "cmp1")
    api.osc("compute", "service", "set", "--down", "cmp1", "nova-compute", version="2.11")
    rows = api.osc("compute", "service", "list", "--long", version="2.11")
    (row,) = [r for r in rows if r["Host"] == "cmp1"]
    assert row["State"] == "down"
    assert row["Forced Down"] is True


def test_v253_update_and_delete_by_uuid(api):
    service, _node = add_compute(api, "cmp1")
    conductor = add_service(api, "ctl1", "nova-conductor")
    status, _h, body = api.request("GET", "/os-services?host=cmp1", version="2.53")
    assert body["services"][0]["id"] == service.uuid

    path = "/os-services/%s" % service.uuid
    status, _h, body = api.request("PUT", path, {"status": "disabled",
                                                 "disabled_reason": "upgrade"}, version="2.53")
    assert status == 200
    assert body["service"]["id"] == service.uuid
    assert body["service"]["status"] == "disabled"
    assert body["service"]["disabled_reason"] == "upgrade"
    assert body["service"]["zone"] == "nova"

    status, _h, body = api.request("PUT", path, {"status": "enabled",
                                                 "disabled_reason": "x"}, version="2.53")
    assert status == 400
    status, _h, body = api.request("PUT", path, {}, version="2.53")
    assert status == 400
    assert "No updates" in body["badRequest"]["message"]
    status, _h, body = api.request("PUT", "/os-services/%s" % conductor.uuid,
                                   {"status": "disabled"}, version="2.53")
    assert status == 400
    assert "nova-conductor" in body["badRequest"]["message"]
    status, _h, body = api.request("PUT", "/os-services/disable",
                                   {"host": "cmp1", "binary": "nova-compute"}, version="2.53")
    assert status == 400
    status, _h, body = api.request("PUT", "/os-services/3f4c8ec4-8a59-4e0b-a2d2-5e1c4d8bb1fe",
                                   {"forced_down": True}, version="2.53")
    assert status == 404

    status, _h, body = api.request("DELETE", path, version="2.53")
    assert status == 204
    services = api.request("GET", "/os-services", version="2.53")[2]["services"]
    assert [s["binary"] for s in services] == ["nova-conductor"]
    # its compute node and host mapping went with it
    assert api.request("GET", "/os-hypervisors", version="2.53")[2]["hypervisors"] == []
    assert objects.HostMappingList.get_all(api.ctxt).objects == []
    assert api.request("DELETE", path, version="2.53")[0] == 404
    assert api.request("DELETE", "/os-services/12", version="2.53")[0] == 400


def test_delete_compute_with_instances_conflicts(api):
    service, _node = add_compute(api, "cmp1")
    instance = objects.Instance(context=api.ctxt, host="cmp1", node="cmp1",
                                project_id="p1", user_id="u1", vm_state="active")
    instance.create()
    status, _h, body = api.request("DELETE", "/os-services/%d" % service.id)
    assert status == 409
    assert "hosting instances" in body["conflictingRequest"]["message"]
    assert api.request("DELETE", "/os-services/abc")[0] == 400
    instance.destroy()
    assert api.request("DELETE", "/os-services/%d" % service.id)[0] == 204
    assert api.request("GET", "/os-services")[2]["services"] == []


def test_services_of_every_cell(api, tmp_path):
    """Listing gathers all cells; a UUID or a host finds its service in its own cell."""
    cell2 = add_cell(api, tmp_path)
    add_compute(api, "near1")
    with nova_context.target_cell(api.ctxt, cell2) as cctxt:
        far, _node = add_compute(api, "far1", ctxt=cctxt)

    services = api.request("GET", "/os-services", version="2.53")[2]["services"]
    assert sorted(s["host"] for s in services) == ["far1", "near1"]
    hypervisors = api.request("GET", "/os-hypervisors", version="2.53")[2]["hypervisors"]
    assert sorted(h["hypervisor_hostname"] for h in hypervisors) == ["far1", "near1"]

    # What `openstack compute service set --disable far1 nova-compute` does, by openstacksdk.
    compute = api.sdk().compute
    [found] = compute.services(host="far1", binary="nova-compute")
    compute.disable_service(found, "far1", "nova-compute")
    path = "/os-services/%s" % far.uuid
    status, _h, body = api.request("PUT", path, {"forced_down": True}, version="2.53")
    assert status == 200
    assert body["service"]["status"] == "disabled"
    assert body["service"]["forced_down"] is True
    with nova_context.target_cell(api.ctxt, cell2) as cctxt:
        assert objects.Service.get_by_uuid(cctxt, far.uuid).forced_down is True

    assert api.request("DELETE", path, version="2.53")[0] == 204
    services = api.request("GET", "/os-services")[2]["services"]
    assert [s["host"] for s in services] == ["near1"]
