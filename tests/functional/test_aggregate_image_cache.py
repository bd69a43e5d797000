"""2.81 image pre-caching: API -> conductor -> every compute host of the aggregate.

The compute API, a nova-conductor and nova-compute services (fake driver)
run in this process and talk over oslo.messaging's fake:// transport.
"""

import pytest

import nova.conf
from nova.conductor.tasks import image_cache
from nova.objects import cell_setup
from nova import objects
from nova import service
from tests.functional.compute_seed import mark_down
from tests.functional.compute_seed import parsed_conf  # noqa: F401
from tests.functional import inprocess

pytestmark = pytest.mark.usefixtures("parsed_conf")

CONF = nova.conf.CONF
IMAGE_A = "70a599e0-31e7-49b7-b260-868f441e862b"
IMAGE_B = "155d900f-4e14-4e4c-a73d-069cbf4541e6"
IMAGE_C = "a2459075-d96c-40d5-893e-577ff92e721c"


@pytest.fixture
def services(api):
    """Start services on the API's bus; returns a start(binary, host) function."""
    started = []

    def start(binary, host):
        svc = service.Service.create(host=host, binary=binary, periodic_enable=False)
        svc.start()
        started.append(svc)
        return svc

    yield start
    for svc in reversed(started):
        svc.stop()


def _aggregate_with(api, name, hosts):
    status, _h, body = api.request("POST", "/os-aggregates", {"aggregate": {"name": name}})
    assert status == 200, body
    agg_id = body["aggregate"]["id"]
    for host in hosts:
        status, _h, body = api.request("POST", "/os-aggregates/%d/action" % agg_id,
                                       {"add_host": {"host": host}})
        assert status == 200, body
    return agg_id


def test_images_are_cached_on_every_host_of_the_aggregate(api, services):
    services("nova-conductor", "ctl")
    computes = {host: services("nova-compute", host) for host in ("cmp1", "cmp2", "cmp3")}
    cell_setup.discover_hosts(api.ctxt)
    agg_id = _aggregate_with(api, "cache-me", ["cmp1", "cmp2"])
    path = "/os-aggregates/%d/images" % agg_id
    body = {"cache": [{"id": IMAGE_A}, {"id": IMAGE_B}]}

    status, _h, resp = api.request("POST", path, body, version="2.81")
    assert status == 202, resp
    assert resp is None
    for host in ("cmp1", "cmp2"):
        driver = computes[host].manager.driver
        inprocess.wait_for(lambda: driver.cached_images == {IMAGE_A, IMAGE_B},
                           what="the images cached on " + host)
    assert computes["cmp3"].manager.driver.cached_images == set()  # not in the aggregate

    # What the conductor hears back from each compute, per image.
    aggregate = objects.Aggregate.get_by_id(api.ctxt, agg_id)
    summary = image_cache.CacheImagesTask().execute(api.ctxt, aggregate, [IMAGE_B, IMAGE_C])
    assert summary["hosts"] == {"cmp1": {IMAGE_B: "existing", IMAGE_C: "cached"},
                                "cmp2": {IMAGE_B: "existing", IMAGE_C: "cached"}}
    assert summary["images"][IMAGE_C]["cached"] == 2
    assert summary["images"][IMAGE_B]["existing"] == 2
    assert summary["skipped"] == []


def test_down_hosts_are_skipped_and_concurrency_is_configurable(api, services):
    services("nova-conductor", "ctl")
    computes = {host: services("nova-compute", host) for host in ("cmp1", "cmp2", "cmp3")}
    cell_setup.discover_hosts(api.ctxt)
    agg_id = _aggregate_with(api, "three", ["cmp1", "cmp2", "cmp3"])
    computes["cmp3"].stop()
    mark_down(objects.Service.get_by_compute_host(api.ctxt, "cmp3"))
    CONF.set_override("precache_concurrency", 2, group="image_cache")
    try:
        aggregate = objects.Aggregate.get_by_id(api.ctxt, agg_id)
        summary = image_cache.CacheImagesTask().execute(api.ctxt, aggregate, [IMAGE_A])
    finally:
        CONF.clear_override("precache_concurrency", group="image_cache")
    assert sorted(summary["hosts"]) == ["cmp1", "cmp2"]
    assert summary["skipped"] == ["cmp3"]
    assert computes["cmp1"].manager.driver.cached_images == {IMAGE_A}
    assert computes["cmp3"].manager.driver.cached_images == set()


def test_request_errors(api, services):
    agg_id = _aggregate_with(api, "empty", [])
    path = "/os-aggregates/%d/images" % agg_id
    good = {"cache": [{"id": IMAGE_A}]}
    # Before 2.81 the URL does not exist.
    assert api.request("POST", path, good, version="2.80")[0] == 404
    assert api.request("POST", "/os-aggregates/999/images", good, version="2.81")[0] == 404
    assert api.request("POST", "/os-aggregates/abc/images", good, version="2.81")[0] == 400
    status, _h, body = api.request(
        "POST", path, {"cache": [{"id": IMAGE_A}, {"id": IMAGE_A}]}, version="2.81")
    assert status == 400
    assert "Duplicate" in body["badRequest"]["message"]
    for bad in ({}, {"cache": []}, {"cache": [{}]}, {"cache": [{"id": "not-a-uuid"}]},
                {"cache": [{"id": IMAGE_A, "extra": 1}]}, {"cache": [IMAGE_A]},
                {"cache": [{"id": IMAGE_A}], "other": 1}):
        status, _h, body = api.request("POST", path, bad, version="2.81")
        assert status == 400, (bad, body)
        assert "badRequest" in body
    # Only administrators may ask for it (policy compute:aggregates:images).
    status, _h, body = api.request("POST", path, good, version="2.81",
                                   user="demo", project="demo")
    assert status == 403
    # No conductor runs here: the request is a cast and still accepted.
    assert api.request("POST", path, good, version="2.81")[0] == 202
