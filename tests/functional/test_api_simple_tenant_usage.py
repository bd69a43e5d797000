"""os-simple-tenant-usage: hours per server within a window, totals per project, paging."""

import datetime

from nova import objects
from tests.functional.server_seed import add_flavor
from tests.functional.server_seed import add_server

T0 = datetime.datetime(2026, 3, 1, 0, 0, 0)
WINDOW = "start=2026-03-01T00:00:00&end=2026-03-02T00:00:00"


def _at(hours):
    return T0 + datetime.timedelta(hours=hours)


def _seed(api):
    """demo: a server running the whole day, one launched at 06:00 and deleted at
    12:00, one deleted the day before; other: one server from 18:00."""
    small = add_flavor(api, "1", "m1.small", vcpus=1, memory_mb=512, root_gb=1)
    big = add_flavor(api, "2", "m1.big", vcpus=4, memory_mb=4096, root_gb=40)
    servers = {
        "all-day": add_server(api, "all-day", project_id="demo", flavor=small,
                              launched_at=_at(-48)),
        "six-hours": add_server(api, "six-hours", project_id="demo", flavor=big,
                                launched_at=_at(6), terminated_at=_at(12),
                                deleted=True),
        "gone-before": add_server(api, "gone-before", project_id="demo", flavor=big,
                                  launched_at=_at(-30), terminated_at=_at(-20),
                                  deleted=True),
        "evening": add_server(api, "evening", project_id="other", flavor=small,
                              launched_at=_at(18)),
        "next-day": add_server(api, "next-day", project_id="other", flavor=small,
                               launched_at=_at(30)),
    }
    return servers


def test_show_one_project_counts_deleted_servers_for_their_time(api):
    servers = _seed(api)
    status, _h, body = api.request("GET", "/os-simple-tenant-usage/demo?" + WINDOW,
                                   user="demo", project="demo")
    assert status == 200, body
    usage = body["tenant_usage"]
    assert usage["tenant_id"] == "demo"
    assert usage["start"] == "2026-03-01T00:00:00"
    assert usage["stop"] == "2026-03-02T00:00:00"
    assert usage["total_hours"] == 30.0
    assert usage["total_vcpus_usage"] == 24 * 1 + 6 * 4
    assert usage["total_memory_mb_usage"] == 24 * 512 + 6 * 4096
    assert usage["total_local_gb_usage"] == 24 * 1 + 6 * 40
    by_id = {s["instance_id"]: s for s in usage["server_usages"]}
    assert set(by_id) == {servers["all-day"].uuid, servers["six-hours"].uuid}
    gone = by_id[servers["six-hours"].uuid]
    assert gone["state"] == "terminated" and gone["hours"] == 6.0
    assert gone["flavor"] == "m1.big" and gone["vcpus"] == 4 and gone["local_gb"] == 40
    assert gone["started_at"] == "2026-03-01T06:00:00"
    assert gone["ended_at"] == "2026-03-01T12:00:00"
    assert gone["uptime"] == 6 * 3600 and gone["name"] == "six-hours"
    running = by_id[servers["all-day"].uuid]
    assert running["state"] == "active" and running["ended_at"] is None
    assert running["hours"] == 24.0 and running["tenant_id"] == "demo"
    assert running["uptime"] > 48 * 3600


def test_index_lists_every_project_and_details_on_request(api):
    _seed(api)
    status, _h, body = api.request("GET", "/os-simple-tenant-usage?" + WINDOW)
    assert status == 200, body
    usages = {u["tenant_id"]: u for u in body["tenant_usages"]}
    assert set(usages) == {"demo", "other"}
    assert usages["other"]["total_hours"] == 6.0
    assert "server_usages" not in usages["demo"]
    status, _h, body = api.request("GET", "/os-simple-tenant-usage?detailed=1&" + WINDOW)
    usages = {u["tenant_id"]: u for u in body["tenant_usages"]}
    assert [s["name"] for s in usages["other"]["server_usages"]] == ["evening"]
    # Listing every project is for administrators; a project reads only its own.
    assert api.request("GET", "/os-simple-tenant-usage?" + WINDOW,
                       user="demo", project="demo")[0] == 403
    assert api.request("GET", "/os-simple-tenant-usage/other?" + WINDOW,
                       user="demo", project="demo")[0] == 403


def test_paging_from_240(api):
    _seed(api)
    add_server(api, "third", project_id="demo",
               flavor=objects.Flavor.get_by_flavor_id(api.ctxt, "1"), launched_at=_at(1))
    seen = []
    path = "/os-simple-tenant-usage?detailed=1&limit=2&" + WINDOW
    while True:
        status, _h, body = api.request("GET", path, version="2.40")
        assert status == 200, body
        for usage in body["tenant_usages"]:
            seen.extend(s["name"] for s in usage["server_usages"])
        links = body.get("tenant_usages_links")
        if not links:
            break
        assert links[0]["rel"] == "next" and "marker=" in links[0]["href"]
        path = links[0]["href"]
    assert sorted(seen) == ["all-day", "evening", "six-hours", "third"]
    assert len(seen) == 4
    # Before 2.40 limit is ignored: one page with everything.
    status, _h, body = api.request("GET", "/os-simple-tenant-usage?detailed=1&limit=1&"
                                   + WINDOW, version="2.39")
    assert sum(len(u["server_usages"]) for u in body["tenant_usages"]) == 4
    assert "tenant_usages_links" not in body
    # One project's servers page the same way.
    status, _h, body = api.request("GET", "/os-simple-tenant-usage/demo?limit=1&" + WINDOW,
                                   version="2.40")
    assert len(body["tenant_usage"]["server_usages"]) == 1
    assert "/os-simple-tenant-usage/demo?" in body["tenant_usage_links"][0]["href"]


def test_bad_input(api):
    _seed(api)
    status, _h, body = api.request(
        "GET", "/os-simple-tenant-usage?start=2026-03-02T00:00:00&end=2026-03-01T00:00:00")
    assert status == 400
    assert body["badRequest"]["message"] == (
        "Invalid start time. The start time cannot occur after the end time.")
    for bad in ("start=yesterday", "end=2026-13-01T00:00:00", "start=2026-03-01"):
        status, _h, body = api.request("GET", "/os-simple-tenant-usage/demo?" + bad)
        assert status == 400, bad
        assert body["badRequest"]["message"] == (
            "Invalid input received: Datetime is in invalid format")
    status, _h, body = api.request("GET", "/os-simple-tenant-usage?limit=2&marker=nope&"
                                   + WINDOW, version="2.40")
    assert status == 400 and "marker [nope] not found" in body["badRequest"]["message"]
    assert api.request("GET", "/os-simple-tenant-usage?limit=-1", version="2.40")[0] == 400
    assert api.request("GET", "/os-simple-tenant-usage?foo=1", version="2.74")[0] == 200
    assert api.request("GET", "/os-simple-tenant-usage?foo=1", version="2.75")[0] == 400


def test_other_formats_and_defaults(api):
    """The other accepted formats; no start and no end make an empty window now."""
    _seed(api)
    status, _h, body = api.request(
        "GET", "/os-simple-tenant-usage/demo?start=2026-03-01%2000:00:00.000000"
        "&end=2026-03-01T12:00:00.5")
    assert status == 200, body
    assert abs(body["tenant_usage"]["total_hours"] - (18.0 + 0.5 / 3600)) < 1e-9
    status, _h, body = api.request("GET", "/os-simple-tenant-usage/demo")
    assert status == 200
    assert body["tenant_usage"]["total_hours"] < 1e-3
    status, _h, body = api.request("GET", "/os-simple-tenant-usage/nobody?" + WINDOW)
    assert status == 200 and body == {"tenant_usage": {}}


def test_novaclient_style_cli_usage_list(api):
    """python-openstackclient's ``usage show``/``usage list`` read the same report."""
    _seed(api)
    rows = api.osc("usage", "list", "--start", "2026-03-01", "--end", "2026-03-02")
    projects = {row["Project"]: row for row in rows}
    assert set(projects) == {"demo", "other"}
    assert len(projects["demo"]["Servers"]) == 2
    assert projects["demo"]["CPU Hours"] == 48.0
