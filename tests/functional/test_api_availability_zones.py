"""os-availability-zone through the real WSGI app: the openstack CLI and raw HTTP."""

import pytest

from nova import objects
from tests.functional.compute_seed import add_compute
from tests.functional.compute_seed import add_service
from tests.functional.compute_seed import heartbeat
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def _zone_aggregate(api, name, zone, hosts):
    aggregate = objects.Aggregate(context=api.ctxt, name=name,
                                  metadata={"availability_zone": zone})
    aggregate.create()
    for host in hosts:
        aggregate.add_host(host)
    return aggregate


def test_zone_list_with_the_cli(api):
    """Zones come from aggregate metadata; a host in none is in the default zone."""
    add_compute(api, "cmp1")
    add_compute(api, "cmp2")
    off, _node = add_compute(api, "cmp3")
    add_service(api, "ctl1", "nova-conductor")
    _zone_aggregate(api, "rack-a", "az-a", ["cmp1"])
    _zone_aggregate(api, "rack-c", "az-c", ["cmp3"])
    off.disabled = True
    off.save()

    rows = api.osc("availability", "zone", "list", "--compute")
    zones = {r["Zone Name"]: r["Zone Status"] for r in rows}
    # cmp2 is in no zone aggregate: the default zone; az-c only holds a disabled
    # service; an admin's CLI reads the detailed listing, with the internal zone
    assert zones == {"az-a": "available", "nova": "available", "az-c": "not available",
                     "internal": "available"}

    rows = api.osc("availability", "zone", "list", "--compute", "--long")
    hosts = {(r["Zone Name"], r["Host Name"], r["Service Name"]) for r in rows}
    assert ("az-a", "cmp1", "nova-compute") in hosts
    assert ("nova", "cmp2", "nova-compute") in hosts
    assert ("internal", "ctl1", "nova-conductor") in hosts
    assert not any(r["Host Name"] == "cmp3" for r in rows)

    # users see the zones too (not the hosts, nor the internal zone)
    status, _h, body = api.request("GET", "/os-availability-zone", user="demo", project="demo")
    assert status == 200
    assert {z["zoneName"] for z in body["availabilityZoneInfo"]} == {"az-a", "nova", "az-c"}
    assert all(z["hosts"] is None for z in body["availabilityZoneInfo"])


def test_detail_view_and_policy(api):
    service, _node = add_compute(api, "cmp1")
    heartbeat(service)
    add_service(api, "ctl1", "nova-scheduler")
    status, _h, body = api.request("GET", "/os-availability-zone/detail")
    assert status == 200
    zones = {z["zoneName"]: z for z in body["availabilityZoneInfo"]}
    assert set(zones) == {"nova", "internal"}
    state = zones["nova"]["hosts"]["cmp1"]["nova-compute"]
    assert state["available"] is True and state["active"] is True
    assert state["updated_at"] is not None
    assert zones["nova"]["zoneState"] == {"available": True}
    assert set(zones["internal"]["hosts"]["ctl1"]) == {"nova-scheduler"}

    status, _h, body = api.request("GET", "/os-availability-zone/detail",
                                   user="demo", project="demo")
    assert status == 403
    assert body["forbidden"]["code"] == 403
    assert api.request("POST", "/os-availability-zone", {})[0] == 405


def test_default_zone_follows_configuration(api):
    from nova.conf import CONF
    add_compute(api, "cmp1")
    CONF.set_override("default_availability_zone", "zone-x")
    try:
        body = api.request("GET", "/os-availability-zone")[2]
    finally:
        CONF.clear_override("default_availability_zone")
    assert [z["zoneName"] for z in body["availabilityZoneInfo"]] == ["zone-x"]
