"""os-hypervisors through the real WSGI app: the openstack CLI and raw HTTP."""

import oslo_messaging as messaging
import pytest

from nova import objects
from nova import rpc
from nova.virt import fake
from tests.functional.compute_seed import add_compute
from tests.functional.compute_seed import mark_down
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def test_hypervisor_list_show_and_stats_with_the_cli(api, compute_rpc_server):
    add_compute(api, "cmp1", vcpus=16, memory_mb=32768, local_gb=500)
    add_compute(api, "cmp2", vcpus=8, memory_mb=16384, local_gb=200)

    rows = api.osc("hypervisor", "list")
    assert sorted(r["Hypervisor Hostname"] for r in rows) == ["cmp1", "cmp2"]
    assert {r["State"] for r in rows} == {"up"}

    shown = api.osc("hypervisor", "show", "cmp2")
    assert shown["hypervisor_hostname"] == "cmp2"
    assert shown["hypervisor_type"] == "fake"
    assert shown["status"] == "enabled"
    assert shown["service_host"] == "cmp2"
    # the uptime came from the compute over RPC; OSC splits it into fields
    assert shown["load_average"] == "0.00, 0.00, 0.00"
    assert shown["uptime"] == "0:00"

    stats = api.osc("hypervisor", "stats", "show")
    assert stats["count"] == 2
    assert stats["vcpus"] == 24
    assert stats["memory_mb"] == 49152
    assert stats["local_gb"] == 700


def test_views_before_253(api):
    service, node = add_compute(api, "cmp1")
    status, _h, body = api.request("GET", "/os-hypervisors")
    assert status == 200
    assert body == {"hypervisors": [{"id": node.id, "hypervisor_hostname": "cmp1",
                                     "state": "up", "status": "enabled"}]}

    status, _h, body = api.request("GET", "/os-hypervisors/%d" % node.id)
    hyp = body["hypervisor"]
    assert hyp["vcpus"] == 16 and hyp["memory_mb_used"] == 4096
    assert hyp["service"] == {"host": "cmp1", "id": service.id, "disabled_reason": None}
    assert hyp["cpu_info"] == '{"arch": "x86_64"}'
    # 2.28 turns cpu_info into an object
    hyp = api.request("GET", "/os-hypervisors/%d" % node.id, version="2.28")[2]["hypervisor"]
    assert hyp["cpu_info"] == {"arch": "x86_64"}

    assert api.request("GET", "/os-hypervisors/9999")[0] == 404
    assert api.request("GET", "/os-hypervisors/abc")[0] == 404

    status, _h, body = api.request("GET", "/os-hypervisors/cmp/search")
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cmp1"]
    status, _h, body = api.request("GET", "/os-hypervisors/zzz/search")
    assert status == 404
    assert body["itemNotFound"]["code"] == 404

    instance = objects.Instance(context=api.ctxt, host="cmp1", node="cmp1",
                                project_id="p1", user_id="u1", vm_state="active")
    instance.create()
    status, _h, body = api.request("GET", "/os-hypervisors/cmp1/servers")
    (hyp,) = body["hypervisors"]
    assert hyp["servers"] == [{"name": instance.name, "uuid": instance.uuid}]
    # search and servers are gone from 2.53
    assert api.request("GET", "/os-hypervisors/cmp1/servers", version="2.53")[0] == 404
    # a non-admin may not list hypervisors
    status, _h, body = api.request("GET", "/os-hypervisors", user="demo", project="demo")
    assert status == 403


def test_v253_uuids_pattern_servers_and_paging(api):
    nodes = {}
    for host in ("cmp1", "cmp2", "other3"):
        nodes[host] = add_compute(api, host)[1]
    instance = objects.Instance(context=api.ctxt, host="cmp2", node="cmp2",
                                project_id="p1", user_id="u1", vm_state="active")
    instance.create()

    status, _h, body = api.request("GET", "/os-hypervisors", version="2.53")
    assert [h["id"] for h in body["hypervisors"]] == [nodes[h].uuid
                                                     for h in ("cmp1", "cmp2", "other3")]
    status, _h, body = api.request(
        "GET", "/os-hypervisors?hypervisor_hostname_pattern=cmp&with_servers=true",
        version="2.53")
    assert status == 200, body
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cmp1", "cmp2"]
    assert "servers" not in body["hypervisors"][0]
    assert body["hypervisors"][1]["servers"] == [{"name": instance.name,
                                                  "uuid": instance.uuid}]
    status, _h, body = api.request(
        "GET", "/os-hypervisors?hypervisor_hostname_pattern=nothing", version="2.53")
    assert status == 404

    status, _h, body = api.request("GET", "/os-hypervisors/detail?limit=2", version="2.53")
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cmp1", "cmp2"]
    assert body["hypervisors"][0]["service"]["id"] != nodes["cmp1"].service_id
    next_href = body["hypervisors_links"][0]["href"]
    assert "marker=%s" % nodes["cmp2"].uuid in next_href
    status, _h, body = api.request(
        "GET", "/os-hypervisors/detail?limit=2&marker=%s" % nodes["cmp2"].uuid,
        version="2.53")
    assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["other3"]
    assert "hypervisors_links" not in body

    # The list `openstack --os-compute-api-version 2.53 hypervisor list` reads.
    rows = api.request("GET", "/os-hypervisors/detail", version="2.53")[2]["hypervisors"]
    assert sorted(r["id"] for r in rows) == sorted(n.uuid for n in nodes.values())

    bad_marker = "/os-hypervisors?marker=8d6c1b2e-0c5f-4a8e-9d61-6c1b2e0c5f4a"
    assert api.request("GET", bad_marker, version="2.53")[0] == 400
    assert api.request("GET", "/os-hypervisors?unknown=1", version="2.53")[0] == 400
    assert api.request("GET", "/os-hypervisors?with_servers=maybe", version="2.53")[0] == 400

    path = "/os-hypervisors/%s" % nodes["cmp1"].uuid
    status, _h, body = api.request("GET", path, version="2.53")
    assert body["hypervisor"]["id"] == nodes["cmp1"].uuid
    assert body["hypervisor"]["vcpus"] == 16
    assert api.request("GET", "/os-hypervisors/%d" % nodes["cmp1"].id,
                       version="2.53")[0] == 400


def test_v288_drops_resources_and_statistics(api):
    service, node = add_compute(api, "cmp1")
    mark_down(service)
    path = "/os-hypervisors/%s" % node.uuid
    hyp = api.request("GET", path, version="2.88")[2]["hypervisor"]
    for name in ("vcpus", "memory_mb", "local_gb", "running_vms", "cpu_info",
                 "free_ram_mb", "disk_available_least"):
        assert name not in hyp
    assert hyp["hypervisor_type"] == "fake"
    assert hyp["state"] == "down"
    assert hyp["uptime"] is None  # a down compute cannot tell its uptime
    detail = api.request("GET", "/os-hypervisors/detail", version="2.88")[2]
    assert "vcpus" not in detail["hypervisors"][0]
    status, _h, body = api.request("GET", "/os-hypervisors/statistics", version="2.88")
    assert status == 404
    assert api.request("GET", "/os-hypervisors/statistics", version="2.87")[0] == 200
    assert api.request("GET", path + "/uptime", version="2.88")[0] == 404


class _ComputeEndpoint:
    """The compute RPC endpoint of a host whose hypervisor is the fake driver."""

    target = messaging.Target(version="6.0")

    def __init__(self, host):
        self.driver = fake.FakeDriver(None)
        self.driver.init_host(host)

    def get_host_uptime(self, context):
        return self.driver.get_host_uptime()


@pytest.fixture
def compute_rpc_server(api):
    """Compute RPC servers for hosts cmp1 and cmp2 on the API's (in-process) bus
    (they answer for these hosts instead of compute_seed's)."""
    endpoints = {host: _ComputeEndpoint(host) for host in ("cmp1", "cmp2")}
    api.seeded.update(endpoints)
    servers = [rpc.get_server(messaging.Target(topic="compute", server=host), [endpoint])
               for host, endpoint in endpoints.items()]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()
        server.wait()


def test_uptime_over_rpc(api, compute_rpc_server):
    service, node = add_compute(api, "cmp1")
    status, _h, body = api.request("GET", "/os-hypervisors/%d/uptime" % node.id)
    assert status == 200, body
    assert body["hypervisor"]["hypervisor_hostname"] == "cmp1"
    assert "load average" in body["hypervisor"]["uptime"]
    hyp = api.request("GET", "/os-hypervisors/%s" % node.uuid, version="2.88")[2]
    assert "load average" in hyp["hypervisor"]["uptime"]

    mark_down(service)
    status, _h, body = api.request("GET", "/os-hypervisors/%d/uptime" % node.id)
    assert status == 400
    assert "unavailable" in body["badRequest"]["message"]
