"""Bad input on every route of the compute API: never a 500, always Nova's fault body.

Every (path, method) of the router is fuzzed with hypothesis, as an admin and
as a project member: malformed and non-JSON bodies, wrong types and huge
values in the route's schema fields, unknown fields, bad or absent path ids,
bad microversion headers, bad query strings and methods the path does not
serve. For each request:

* the status is below 500;
* an error (4xx) has the body ``{"<name>": {"code": <status>, "message": "..."}}``
  with the name the API reference gives that status;
* after an error, every row of the API, cell1 and cell0 databases is unchanged
  (and a GET never changes them).

A request that happens to be valid and writes is undone by restoring the
rows, so every example starts from the same seeded state and hypothesis can
replay and shrink a failure.
"""

import collections
import json
import os

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import seed
from hypothesis import settings
from hypothesis import strategies as st

import nova.conf
from nova.api.openstack import api_version
from nova import objects
from tests.functional import api_fixture
from tests.functional import compute_seed
from tests.functional import fuzz_routes
from tests.functional import fuzz_strategies as fz
from tests.functional import placement_fixture
from tests.functional import server_seed

ROUTES = fuzz_routes.all_routes()
USERS = [("admin", "admin"), ("demo", "demo")]
# The budget is spread over the routes, so that a new resource does not slow the run.
# FUZZ_EXAMPLES=10000 makes a deeper (slower) run and FUZZ_SEED=<n> other examples;
# CI uses neither, so its examples are the same on every run.
TOTAL_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1200"))
FUZZ_SEED = os.environ.get("FUZZ_SEED")
EXAMPLES_PER_ROUTE = max(8, TOTAL_EXAMPLES // len(ROUTES))

# The fault names of the compute API reference, by status.
FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
               405: "badMethod", 406: "notAcceptable", 409: "conflictingRequest",
               413: "overLimit", 415: "badMediaType", 429: "overLimit",
               # The APIs upstream removed (nova/api/openstack/compute/removed_apis.py).
               410: "computeFault"}
OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


class Fuzzed:
    """The seeded server, its databases and the ids that exist."""

    def __init__(self, api, dbs, baseline, real):
        self.api = api
        self.dbs = dbs
        self.baseline = baseline
        self._real = real
        self.statuses = collections.Counter()  # shown with ``pytest -s``

    def real(self, path, name):
        first = path.strip("/").split("/")[0]
        return self._real.get((first, name)) or self._real.get(name) or []


def _ok(api, method, path, body, version=fz.MAX_VERSION, user="admin", expect=(200, 201, 202)):
    status, _h, answer = api.request(method, path, body, version=version, user=user,
                                     project=user)
    assert status in expect, (method, path, status, answer)
    return answer


def _seed(api):
    """A flavor with extra specs, a private flavor, key pairs, a compute host in an
    aggregate, server groups and a project quota."""
    _ok(api, "POST", "/flavors", {"flavor": {"name": "fuzz-flavor", "id": "fuzz-flavor",
                                             "ram": 512, "vcpus": 1, "disk": 1}})
    _ok(api, "POST", "/flavors/fuzz-flavor/os-extra_specs",
        {"extra_specs": {"hw:cpu_policy": "dedicated"}})
    _ok(api, "POST", "/flavors", {"flavor": {"name": "fuzz-private", "id": "fuzz-private",
                                             "ram": 256, "vcpus": 1, "disk": 0,
                                             "os-flavor-access:is_public": False}})
    _ok(api, "POST", "/flavors/fuzz-private/action", {"addTenantAccess": {"tenant": "demo"}})
    for user in ("admin", "demo"):
        _ok(api, "POST", "/os-keypairs", {"keypair": {"name": "fuzz-key"}}, version="2.91",
            user=user)
    service, node = compute_seed.add_compute(api, "fuzz-host")
    # No nova-compute answers RPC here: a down service makes the API skip its calls
    # (uptime) instead of waiting out the RPC timeout.
    compute_seed.mark_down(service)
    agg = _ok(api, "POST", "/os-aggregates",
              {"aggregate": {"name": "fuzz-agg", "availability_zone": "fuzz-az"}})["aggregate"]
    _ok(api, "POST", "/os-aggregates/%d/action" % agg["id"], {"add_host": {"host": "fuzz-host"}})
    groups = [_ok(api, "POST", "/os-server-groups",
                  {"server_group": {"name": "fuzz-sg", "policies": ["affinity"]}},
                  version="2.1", user=user)["server_group"]["id"] for user in ("admin", "demo")]
    _ok(api, "PUT", "/os-quota-sets/demo", {"quota_set": {"cores": 50}})
    flavor = objects.Flavor.get_by_flavor_id(api.ctxt, "fuzz-flavor")
    servers = [server_seed.add_server(api, "fuzz-vm", project_id=user, user_id=user,
                                      flavor=flavor, host="fuzz-host", metadata={"fuzz": "1"},
                                      tags=["fuzz-tag"], nw_info=server_seed.network_info()
                                      ).uuid for user in ("admin", "demo")]
    return {
        "server_id": servers,
        ("servers", "id"): servers,
        ("servers", "key"): ["fuzz"],
        "tag": ["fuzz-tag"],
        "flavor_id": ["fuzz-flavor", "fuzz-private"],
        ("flavors", "key"): ["hw:cpu_policy"],
        "keypair_name": ["fuzz-key"],
        "project_id": ["admin", "demo"],
        ("os-quota-class-sets", "id"): ["default"],
        ("os-server-groups", "id"): groups,
        "service_id": [service.uuid, str(service.id)],
        "hypervisor_id": [node.uuid, str(node.id)],
        "pattern": ["fuzz-host", "fuzz"],
        "aggregate_id": [str(agg["id"])],
        "alias": ["os-keypairs", "os-aggregates"],
    }


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """One server for the module (starting one per example would dominate the run)."""
    conf = nova.conf.CONF
    if conf._namespace is None:
        conf([], project="nova", default_config_files=[])
    tmp_path = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(api_version, "MAX_API_VERSION", fz.MAX_VERSION)
        api, cleanup = api_fixture.start_api(tmp_path, monkeypatch)
        # A Placement to release the seeded server's (empty) allocation when a
        # delete goes through: without one a delete answers 503, by design.
        _placement, stop_placement = placement_fixture.start_placement(tmp_path)
        # The image store the image proxy (/images) reads: without one each
        # fuzzed list waits out the image client's retries.
        from nova.image import store as image_store_pkg
        conf.set_override("data_dir", str(tmp_path / "images"), "image_store")
        conf.set_override("port", 0, "image_store")
        conf.set_override("listen", "127.0.0.1", "image_store")
        conf.set_override("backend", "local", "glance")
        images = image_store_pkg.serve()
        try:
            real = _seed(api)
            urls = [conf.api_database.connection] + [
                cell.database_connection for cell in objects.CellMappingList.get_all(api.ctxt)]
            assert len(set(urls)) >= 3, urls  # API, cell0 and cell1
            dbs = fuzz_routes.Databases(urls)
            try:
                fuzzed = Fuzzed(api, dbs, dbs.snapshot(), real)
                yield fuzzed
                print("\nfuzzed responses by status: %s" % dict(sorted(fuzzed.statuses.items())))
            finally:
                dbs.close()
        finally:
            images.stop()
            for group, name in (("image_store", "data_dir"), ("image_store", "port"),
                                ("image_store", "listen"), ("glance", "backend")):
                conf.clear_override(name, group)
            stop_placement()
            cleanup()


def _check_fault(status, headers, body, described):
    name = FAULT_NAMES.get(status)
    assert name is not None, "unexpected status %s: %s" % (status, described)
    assert headers.get("Content-Type", "").startswith("application/json"), described
    assert isinstance(body, dict) and list(body) == [name], described
    fault = body[name]
    assert isinstance(fault, dict) and set(fault) == {"code", "message"}, described
    assert fault["code"] == status, described
    assert isinstance(fault["message"], str) and fault["message"], described


def test_every_routed_resource_is_fuzzed():
    from nova.api.openstack.compute import routes as route_table
    fuzzed_modules = {r.func.__module__.rsplit(".", 1)[-1] for r in ROUTES}
    routed = {name for name in route_table.ROUTE_MODULES
              if getattr(route_table._load(name), "ROUTES", None)}
    assert routed <= fuzzed_modules
    assert all(r.body_schemas for r in ROUTES if r.method in ("POST", "PUT")
               and r.func.__module__.endswith(("flavors", "keypairs", "aggregates")))


def test_the_row_check_sees_a_write_and_restore_undoes_it(fuzzed):
    status, _h, body = fuzzed.api.request("POST", "/os-aggregates",
                                          {"aggregate": {"name": "fuzz-check"}})
    assert status == 200, body
    changed = fuzz_routes.diff(fuzzed.baseline, fuzzed.dbs.snapshot())
    assert changed.startswith("aggregates:") and "fuzz-check" in changed
    fuzzed.dbs.restore(fuzzed.baseline)
    assert fuzzed.dbs.snapshot() == fuzzed.baseline
    _s, _h, body = fuzzed.api.request("GET", "/os-aggregates")
    assert [agg["name"] for agg in body["aggregates"]] == ["fuzz-agg"]


# Inputs the fuzzer once answered with a 500, replayed on every run.
FOUND = [
    ("GET", "/limits?tenant_id=%FF", None, None, 400),
    ("GET", "/flavors?limit=1&%FF=1", None, None, 400),
    ("POST", "/os-keypairs", b"[" * 5000, "application/json", 400),
    ("POST", "/os-aggregates", b'{"aggregate": {"name": "x"}}',
     "application/json; charset=latin-9", 400),
    ("DELETE", "/os-aggregates/99999999999999999999999", None, None, 404),
    ("GET", "/os-aggregates/-99999999999999999999999", None, None, 404),
    ("GET", "/flavors?minRam=999999999999999999999999999999", None, None, 200),
    ("GET", "/flavors/detail?minDisk=-999999999999999999999999999999", None, None, 200),
    ("GET", "/flavors/%ED%A0%80", None, None, 400),
    ("GET", "//%FF", None, None, 400),
    ("POST", "/os-aggregates", b'{"aggregate": {"name": "a\\ud800"}}', "application/json", 400),
    ("POST", "/flavors", b'{"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 1, '
     b'"description": "\\udfff"}}', "application/json", 400),
]


@pytest.mark.parametrize("method,path,raw,content_type,expected", FOUND)
def test_inputs_that_once_broke_the_api(fuzzed, method, path, raw, content_type, expected):
    headers = {"Content-Type": content_type} if content_type else {}
    status, resp_headers, body = fuzzed.api.request(method, path, headers=headers,
                                                    raw_body=raw, version=fz.MAX_VERSION)
    assert status == expected, body
    if status >= 400:
        _check_fault(status, resp_headers, body, "%s %s" % (method, path))
    assert fuzzed.dbs.snapshot() == fuzzed.baseline


@st.composite
def bad_requests(draw, route, real):
    """``(method, path, headers, raw body)``: mostly one mistake, sometimes several."""
    writes = route.method in ("POST", "PUT")
    kinds = ["path", "query", "version", "method", "mixed"] + (["body"] * 3 if writes else [])
    if not route.params:
        kinds.remove("path")
    kind = draw(st.sampled_from(kinds))
    mixed = kind == "mixed"
    method = route.method
    if kind == "method" or (mixed and draw(st.booleans())):
        method = draw(st.sampled_from(OTHER_METHODS))
    path = draw(fz.paths(route, real, bad_ids=kind == "path" or mixed))
    if kind == "query" or (mixed and draw(st.booleans())):
        path += "?" + draw(fz.query_strings(route))
    headers = draw(fz.version_headers(route, bad=kind == "version" or (
        mixed and draw(st.booleans()))))
    raw = content_type = None
    if kind == "body" or (mixed and draw(st.booleans())):
        raw, content_type = draw(fz.bodies(route))
    elif writes and route.body_schemas:
        schema = draw(st.sampled_from([s for s, _lo, _hi in route.body_schemas]))
        raw, content_type = json.dumps(fz.skeleton(schema)).encode(), "application/json"
    if content_type:
        headers["Content-Type"] = content_type
    return method, path, headers, raw


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: "%s %s" % (r.method, r.path))
@seed(int(FUZZ_SEED or 0))
@settings(derandomize=FUZZ_SEED is None, database=None, max_examples=EXAMPLES_PER_ROUTE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_input_never_breaks_the_api(fuzzed, route, data):
    method, path, headers, raw = data.draw(bad_requests(route, fuzzed.real))
    user, project = data.draw(st.sampled_from(USERS))
    status, resp_headers, body = fuzzed.api.request(method, path, user=user, project=project,
                                                    headers=headers, raw_body=raw)
    fuzzed.statuses[status] += 1
    described = "%s %s as %s %s (body %r) -> %s %s" % (
        method, path[:300], user, repr(headers)[:300], (raw or b"")[:200], status,
        repr(body)[:400])
    assert status < 500, described
    if status >= 400:
        _check_fault(status, resp_headers, body, described)
        if status == 405:  # the path may be another route's when a bad id held a '/'
            allowed = set(resp_headers.get("Allow", "").split(", "))
            assert allowed <= set(OTHER_METHODS) and method not in allowed, described
    after = fuzzed.dbs.snapshot()
    if status >= 400 or method == "GET":
        assert after == fuzzed.baseline, "%s\nchanged rows:\n%s" % (
            described, fuzz_routes.diff(fuzzed.baseline, after))
    elif after != fuzzed.baseline:
        fuzzed.dbs.restore(fuzzed.baseline)
