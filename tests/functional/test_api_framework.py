"""The request framework through the running server: microversions, faults, bodies."""

import json


def test_microversion_negotiation(api):
    status, headers, _b = api.request("GET", "/flavors")
    assert status == 200
    assert headers["OpenStack-API-Version"] == "compute 2.1"
    assert headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in headers["Vary"]
    assert "X-OpenStack-Nova-API-Version" in headers["Vary"]
    status, headers, _b = api.request("GET", "/flavors", version="latest")
    from nova.api.openstack import api_version
    assert headers["OpenStack-API-Version"] == "compute " + api_version.MAX_API_VERSION
    status, headers, _b = api.request(
        "GET", "/flavors", headers={"X-OpenStack-Nova-API-Version": "2.1"})
    assert status == 200 and headers["X-OpenStack-Nova-API-Version"] == "2.1"
    # Another service's version in the header is ignored.
    status, headers, _b = api.request(
        "GET", "/flavors", headers={"OpenStack-API-Version": "volume 3.50"})
    assert status == 200 and headers["OpenStack-API-Version"] == "compute 2.1"


def test_unsupported_and_malformed_versions(api):
    from nova.api.openstack import api_version
    status, _h, body = api.request("GET", "/flavors", version="2.1000")
    assert status == 406
    message = body["notAcceptable"]["message"]
    assert "2.1000" in message and api_version.MAX_API_VERSION in message
    status, _h, body = api.request("GET", "/flavors", version="1.1")
    assert status == 406
    status, _h, body = api.request("GET", "/flavors", version="2.01x")
    assert status == 400 and "invalid format" in body["badRequest"]["message"]
    status, _h, body = api.request("GET", "/flavors", version="3")
    assert status == 400


def test_versioned_method_outside_its_range_is_404(api, monkeypatch):
    from nova.api.openstack import api_version
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.60")
    status, _h, body = api.request("PUT", "/flavors/1", {"flavor": {"description": "x"}},
                                   version="2.54")
    assert status == 404 and body["itemNotFound"]["code"] == 404
    status, _h, body = api.request("PUT", "/flavors/1", {"flavor": {"description": "x"}},
                                   version="2.55")
    assert status == 404 and "Flavor 1 could not be found" in body["itemNotFound"]["message"]


def test_unknown_path_and_wrong_method(api):
    status, headers, body = api.request("GET", "/no-such-thing")
    assert status == 404 and body == {"itemNotFound": {
        "code": 404, "message": "The resource could not be found."}}
    status, headers, body = api.request("DELETE", "/flavors")
    assert status == 405 and body["badMethod"]["code"] == 405
    assert set(headers["Allow"].split(", ")) == {"GET", "POST"}
    status, _h, body = api.request("GET", "//nowhere")
    assert status == 404


def test_request_bodies(api):
    status, _h, body = api.request("POST", "/flavors", raw_body=b"{not json",
                                   headers={"Content-Type": "application/json"})
    assert status == 400 and body["badRequest"]["message"] == "Malformed request body"
    status, _h, body = api.request("POST", "/flavors", raw_body=b"<flavor/>",
                                   headers={"Content-Type": "application/xml"})
    assert status == 415 and body["badMediaType"]["code"] == 415
    status, _h, body = api.request("POST", "/flavors", raw_body=b"[]",
                                   headers={"Content-Type": "application/json"})
    assert status == 400 and "badRequest" in body
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "a", "ram": 1, "vcpus": 1, "disk": 0, "bogus": 1}})
    assert status == 400 and "bogus" in body["badRequest"]["message"]


def test_request_id_and_project_prefix(api):
    status, headers, _b = api.request("GET", "/flavors")
    assert headers["x-openstack-request-id"].startswith("req-")
    assert headers["x-compute-request-id"] == headers["x-openstack-request-id"]
    # The legacy /v2.1/{project_id}/... form.
    status, _h, body = api.request("GET", "/admin/flavors")
    assert status == 200 and body == {"flavors": []}
    status, _h, body = api.request("GET", "/someone-else/flavors")
    assert status == 404


def test_unexpected_errors_become_logged_compute_faults(api, monkeypatch, caplog):
    from nova.api.openstack.compute import flavors

    def explode(*args, **kwargs):
        raise RuntimeError("database on fire")
    monkeypatch.setattr(flavors.objects.FlavorList, "get_all", explode)
    status, headers, body = api.request("GET", "/flavors")
    assert status == 500
    assert body["computeFault"]["code"] == 500
    assert "database on fire" not in json.dumps(body)
    assert "RuntimeError" in body["computeFault"]["message"]
    request_id = headers["x-openstack-request-id"]
    logged = [r for r in caplog.records
              if r.exc_info and "database on fire" in str(r.exc_info[1])]
    assert logged and request_id in logged[0].getMessage()


def test_noauth2_identity(api):
    # No token: the configured default user (admin) acts.
    status, _h, _b = api.request("POST", "/flavors", {"flavor": {
        "name": "a", "ram": 1, "vcpus": 1, "disk": 0}}, user=None)
    assert status == 200
    status, _h, body = api.request("POST", "/flavors", {"flavor": {
        "name": "b", "ram": 1, "vcpus": 1, "disk": 0}}, user="alice", project="p1")
    assert status == 403 and body["forbidden"]["code"] == 403


def test_every_request_is_logged(api, caplog):
    import logging
    caplog.set_level(logging.INFO, logger="nova.api.middleware")
    status, _h, _b = api.request("GET", "/flavors?limit=1", version="2.1")
    lines = [r.getMessage() for r in caplog.records if r.name == "nova.api.middleware"]
    assert any('"GET /v2.1/flavors?limit=1" status: 200' in line and
               "microversion: 2.1" in line for line in lines), lines
    api.request("GET", "/nowhere")
    lines = [r.getMessage() for r in caplog.records if r.name == "nova.api.middleware"]
    assert any('"GET /v2.1/nowhere" status: 404' in line for line in lines), lines
