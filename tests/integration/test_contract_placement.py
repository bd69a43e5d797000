"""Contract: nova's Placement client against Placement 16 over HTTP and the embedded one.

The calls (nova/scheduler/client/report.py), each made by one of the tests
below (they are the functional tests of the report client, run here on both
sides):

* GET /resource_providers/{uuid}, ?in_tree=, ?name=, ?member_of=
* POST /resource_providers (1.20: the body back), DELETE /resource_providers/{uuid}
* GET/PUT /resource_providers/{uuid}/inventories (generation conflicts retried;
  inventory in use -> InventoryInUse)
* GET /traits?name=in:.., PUT /traits/{name}; GET/PUT /resource_providers/{uuid}/traits
* GET/PUT /resource_providers/{uuid}/aggregates (1.19 with generation)
* GET /allocation_candidates (1.36)
* GET/PUT/DELETE /allocations/{consumer} (consumer generations, 1.28+)
* GET /resource_providers/{uuid}/allocations
* GET /usages?project_id=..&user_id=.. (quota counting)

``real``: openstack-placement 16 from tools/neighbours.py, served by gunicorn
behind keystonemiddleware; nova authenticates as its ``nova`` service user
and finds Placement in the Keystone catalog. ``embedded``: the same package's
WSGI app served in this process with noauth2 (nova.scheduler.client.embedded),
as the all-in-one and the functional tests use it.
"""

import pytest
import requests

import nova.conf
from nova.scheduler.client import report
from tests.functional import placement_fixture
from tests.functional.test_placement_report_client import ctxt  # noqa: F401  (fixture)
from tests.functional.test_placement_report_client import (  # noqa: F401
    test_aggregates_follow_nova_hosts,
    test_candidates_claim_conflict_usages_and_delete,
    test_forced_delete_and_put_allocations,
    test_inventory_update_survives_a_generation_race,
    test_provider_tree_children_are_created_and_removed,
    test_provider_tree_push_creates_provider_inventory_and_traits,
    test_set_traits_rejects_unknown_standard_trait,
)
from tests.integration import contract_sides

# One worker runs every module of the group, with one ``neighbours`` deployment
# (tests/integration/conftest.py, tests/xdist_order.py); the first test's set-up
# may install the services from PyPI (minutes on a fresh machine).
pytestmark = [pytest.mark.xdist_group("neighbours"), pytest.mark.timeout(900)]

CONF = nova.conf.CONF


class RealPlacement:
    """The running Placement, as the ``placement`` fixture of the functional tests."""

    def __init__(self, nb):
        self.nb = nb
        self.endpoint = nb.urls["placement"]

    def request(self, method, path, body=None, version="1.39"):
        resp = requests.request(method, self.endpoint + path, json=body, timeout=30,
                                headers={"X-Auth-Token": self.nb.token("admin")[0],
                                         "OpenStack-API-Version": "placement %s" % version})
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, None

    def get(self, path, version="1.39"):
        status, body = self.request("GET", path, version=version)
        assert status == 200, (path, status, body)
        return body

    def client(self):
        return report.SchedulerReportClient()

    def configure(self):
        CONF.set_override("endpoint_override", None, group="placement")
        contract_sides.set_service_auth("placement", self.nb.service_options("nova"))

    def unconfigure(self):
        contract_sides.clear_service_auth("placement")
        CONF.clear_override("endpoint_override", group="placement")

    def wipe(self):
        """Remove every allocation and provider (children first): the next test
        starts from an empty Placement, as with the embedded one."""
        providers = self.get("/resource_providers")["resource_providers"]
        for rp in providers:
            for consumer in self.get("/resource_providers/%s/allocations"
                                     % rp["uuid"])["allocations"]:
                self.request("DELETE", "/allocations/%s" % consumer)
        by_uuid = {rp["uuid"]: rp for rp in providers}

        def depth(rp):
            d = 0
            while rp.get("parent_provider_uuid") in by_uuid:
                rp = by_uuid[rp["parent_provider_uuid"]]
                d += 1
            return d

        for rp in sorted(providers, key=depth, reverse=True):
            status, body = self.request("DELETE", "/resource_providers/%s" % rp["uuid"])
            assert status in (204, 404), body


@pytest.fixture(scope="module", params=["real", "embedded"])
def side(request):
    if request.param == "real":
        yield RealPlacement(request.getfixturevalue("neighbours"))
    else:
        yield None


@pytest.fixture
def placement(side, tmp_path):
    if side is None:
        running, stop = placement_fixture.start_placement(tmp_path)
        try:
            yield running
        finally:
            stop()
        return
    side.configure()
    try:
        side.wipe()
        yield side
    finally:
        side.unconfigure()
        side.wipe()


def test_service_user_token_reaches_placement(placement, ctxt):  # noqa: F811
    """The client's own credentials work and its microversions are accepted."""
    from nova import exception
    client = placement.client()
    with pytest.raises(exception.ResourceProviderNotFound):
        client.get_provider_by_name(ctxt, "no-such-node")
    resp = client.get("/", version="1.0")
    assert resp.status_code == 200
    versions = resp.json()["versions"][0]
    assert versions["min_version"] == "1.0"
    assert tuple(int(x) for x in versions["max_version"].split(".")) >= (1, 39)
