"""Microversion steps checked resource by resource (doc/source/microversions.rst).

2.33 hypervisor paging, 2.69 minimal services of a cell that does not answer,
2.75 strict query strings and the flavor ``swap`` default, and the advertised
range itself.
"""

from oslo_utils import uuidutils
import pytest

from nova.api.openstack import api_version
from nova import objects
from tests.functional.compute_seed import add_compute
from tests.functional.compute_seed import parsed_conf  # noqa: F401

pytestmark = pytest.mark.usefixtures("parsed_conf")


def test_the_advertised_range_is_the_audited_one(api):
    status, _h, body = api.request("GET", "//v2.1/")
    assert status == 200
    version = body["version"]
    assert (version["min_version"], version["version"]) == ("2.1", "2.100")
    assert api_version.MAX_API_VERSION == "2.100"
    status, headers, _b = api.request("GET", "/flavors", version="latest")
    assert headers["OpenStack-API-Version"] == "compute 2.100"
    assert api.request("GET", "/flavors", version="2.101")[0] == 406


def test_v233_hypervisor_paging_by_integer_id(api):
    nodes = [add_compute(api, host)[1] for host in ("cmp1", "cmp2", "cmp3")]

    # Before 2.33 limit and marker are ignored.
    status, _h, body = api.request("GET", "/os-hypervisors?limit=1", version="2.32")
    assert status == 200
    assert len(body["hypervisors"]) == 3
    assert "hypervisors_links" not in body

    for path in ("/os-hypervisors", "/os-hypervisors/detail"):
        status, _h, body = api.request("GET", path + "?limit=2", version="2.33")
        assert status == 200, body
        assert [h["id"] for h in body["hypervisors"]] == [nodes[0].id, nodes[1].id]
        link = body["hypervisors_links"][0]
        assert link["rel"] == "next"
        assert "marker=%d" % nodes[1].id in link["href"]
        assert path.lstrip("/") in link["href"]
        status, _h, body = api.request(
            "GET", path + "?limit=2&marker=%d" % nodes[1].id, version="2.33")
        assert status == 200, body
        assert [h["id"] for h in body["hypervisors"]] == [nodes[2].id]
        assert "hypervisors_links" not in body
        status, _h, body = api.request("GET", path + "?marker=%d" % nodes[0].id,
                                       version="2.52")
        assert [h["hypervisor_hostname"] for h in body["hypervisors"]] == ["cmp2", "cmp3"]

    # An unknown marker, a UUID marker before 2.53, a bad limit: 400.
    for query in ("marker=9999", "marker=%s" % nodes[0].uuid, "marker=abc",
                  "limit=-1", "limit=x"):
        status, _h, body = api.request("GET", "/os-hypervisors?" + query, version="2.33")
        assert status == 400, (query, body)
        assert "badRequest" in body
    # 2.33-2.52 still ignore other query parameters; 2.53 refuses them.
    assert api.request("GET", "/os-hypervisors?foo=1", version="2.52")[0] == 200
    assert api.request("GET", "/os-hypervisors?foo=1", version="2.53")[0] == 400
    # The CLI negotiates a microversion >= 2.53; its SDK takes --limit as the page
    # size and follows the next links (UUID markers) to the end.
    rows = api.osc("hypervisor", "list", "--limit", "2")
    assert [r["Hypervisor Hostname"] for r in rows] == ["cmp1", "cmp2", "cmp3"]


def _unreachable_cell(api, host):
    """A cell whose database cannot be opened, with ``host`` mapped to it."""
    cell = objects.CellMapping(
        context=api.ctxt, uuid=uuidutils.generate_uuid(), name="down",
        transport_url="fake://",
        database_connection="sqlite:////nonexistent-%s/cell.sqlite"
                            % uuidutils.generate_uuid())
    cell.create()
    objects.HostMapping(context=api.ctxt, host=host, cell_mapping=cell).create()
    return cell


def test_v269_services_of_a_down_cell_are_minimal(api):
    add_compute(api, "near1")
    _unreachable_cell(api, "lost1")

    status, _h, body = api.request("GET", "/os-services", version="2.68")
    assert status == 200
    assert [s["host"] for s in body["services"]] == ["near1"]

    status, _h, body = api.request("GET", "/os-services", version="2.69")
    assert status == 200
    by_host = {s["host"]: s for s in body["services"]}
    assert sorted(by_host) == ["lost1", "near1"]
    assert by_host["lost1"] == {"binary": "nova-compute", "host": "lost1",
                                "status": "UNKNOWN"}
    assert by_host["near1"]["status"] == "enabled"
    assert by_host["near1"]["state"] == "up"
    # Filters apply to the minimal records too.
    body = api.request("GET", "/os-services?host=lost1", version="2.69")[2]
    assert [s["host"] for s in body["services"]] == ["lost1"]
    body = api.request("GET", "/os-services?binary=nova-scheduler", version="2.69")[2]
    assert body["services"] == []
    # The CLI copes with the partial records.
    rows = api.osc("compute", "service", "list")
    assert sorted(r["Host"] for r in rows) == ["lost1", "near1"]


# GET paths whose query string is strict from 2.75 (upstream made these strict)...
STRICT_FROM_275 = [
    "/flavors", "/flavors/detail", "/limits", "/os-keypairs", "/os-services",
    "/os-server-groups", "/os-quota-sets/p1", "/os-quota-sets/p1/detail",
]
# ... and those whose unknown query parameters stay ignored at every version.
LENIENT = [
    "/flavors/1", "/flavors/1/os-extra_specs", "/flavors/1/os-flavor-access",
    "/os-aggregates", "/os-availability-zone", "/os-availability-zone/detail",
    "/os-quota-sets/p1/defaults", "/os-quota-class-sets/default", "/extensions",
]


def test_v275_strict_query_strings_per_resource(api):
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "f1", "id": "1", "ram": 512, "vcpus": 1, "disk": 1,
        "os-flavor-access:is_public": False}})
    assert status == 200, body
    status, _h, body = api.request("POST", "/os-keypairs", {"keypair": {"name": "k1"}},
                                   version="2.1")
    assert status == 200, body
    for path in STRICT_FROM_275:
        status, _h, body = api.request("GET", path + "?bogus=1", version="2.74")
        assert status == 200, (path, body)
        status, _h, body = api.request("GET", path + "?bogus=1", version="2.75")
        assert status == 400, (path, body)
        assert "bogus" in body["badRequest"]["message"], path
        assert api.request("GET", path, version="2.75")[0] == 200, path
    for path in LENIENT:
        status, _h, body = api.request("GET", path + "?bogus=1", version="2.75")
        assert status == 200, (path, body)
    # keypair show and delete are strict too
    assert api.request("GET", "/os-keypairs/k1?bogus=1", version="2.75")[0] == 400
    assert api.request("GET", "/os-keypairs/k1?bogus=1", version="2.74")[0] == 200
    assert api.request("DELETE", "/os-keypairs/k1?bogus=1", version="2.75")[0] == 400
    assert api.request("DELETE", "/os-keypairs/k1?bogus=1", version="2.74")[0] == 204
    # hypervisor listings have been strict since 2.53
    assert api.request("GET", "/os-hypervisors?bogus=1", version="2.75")[0] == 400


def test_v275_flavor_swap_and_hypervisor_servers(api):
    api.request("POST", "/flavors", {"flavor": {
        "name": "noswap", "id": "7", "ram": 512, "vcpus": 1, "disk": 1}})
    assert api.request("GET", "/flavors/7", version="2.74")[2]["flavor"]["swap"] == ""
    assert api.request("GET", "/flavors/7", version="2.75")[2]["flavor"]["swap"] == 0
    _service, node = add_compute(api, "cmp1")
    path = "/os-hypervisors/%s?with_servers=true" % node.uuid
    assert "servers" not in api.request("GET", path, version="2.74")[2]["hypervisor"]
    assert api.request("GET", path, version="2.75")[2]["hypervisor"]["servers"] == []
