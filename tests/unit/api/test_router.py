"""The v2.1 router without a server: routes, 404/405 and the faults it renders."""

import json

import webob

from nova.api.openstack import router
from nova.api.openstack import wsgi
from nova.api.openstack.compute import routes


@wsgi.expected_errors(404)
def _show(req, thing_id):
    if thing_id == "missing":
        raise webob.exc.HTTPNotFound(explanation="Thing missing could not be found.")
    return {"thing": {"id": thing_id, "new": req.is_at_least("2.2")}}


@wsgi.expected_errors(())
@wsgi.response(202)
def _delete(req, thing_id):
    if thing_id == "boom":
        raise KeyError("secret detail")


class _Module:
    ROUTES = [("/things/{thing_id}", {"GET": _show, "DELETE": _delete})]


def _app(monkeypatch):
    monkeypatch.setattr(routes, "_load", lambda name: _Module if name == "things" else None)
    return router.APIRouterV21(route_modules=["things"])


def _call(app, method, path, headers=None):
    resp = webob.Request.blank(path, method=method, headers=headers or {}).get_response(app)
    return resp.status_int, resp.headers, (json.loads(resp.text) if resp.text else None)


def test_dispatch_and_status_codes(monkeypatch):
    app = _app(monkeypatch)
    status, headers, body = _call(app, "GET", "/things/7")
    assert status == 200 and body == {"thing": {"id": "7", "new": False}}
    status, headers, body = _call(app, "DELETE", "/things/7")
    assert status == 202 and body is None
    status, headers, body = _call(app, "GET", "/things/missing")
    assert status == 404 and body["itemNotFound"]["message"] == \
        "Thing missing could not be found."


def test_unknown_path_wrong_method_and_unexpected_error(monkeypatch):
    app = _app(monkeypatch)
    status, _h, body = _call(app, "GET", "/nothing")
    assert status == 404 and "itemNotFound" in body
    status, headers, body = _call(app, "PUT", "/things/7")
    assert status == 405 and headers["Allow"] == "DELETE, GET"
    status, _h, body = _call(app, "DELETE", "/things/boom")
    assert status == 500 and "secret detail" not in json.dumps(body)
    assert body["computeFault"]["code"] == 500


def test_module_routes_merge_and_duplicates_are_errors(monkeypatch):
    class Other:
        ROUTES = [("/things/{thing_id}", {"GET": _show})]
    monkeypatch.setattr(routes, "_load", lambda name: {"a": _Module, "b": Other}.get(name))
    try:
        routes.collect_routes(["a", "b"])
    except ValueError as exc:
        assert "GET /things/{thing_id}" in str(exc)
    else:
        raise AssertionError("a route served twice was accepted")


def test_every_existing_resource_module_has_valid_routes():
    table = routes.collect_routes()
    paths = [path for path, _methods in table]
    assert "/flavors" in paths and "/limits" in paths and "/extensions" in paths
    for path, methods in table:
        assert path.startswith("/")
        assert set(methods) <= {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
        assert all(callable(f) for f in methods.values())
