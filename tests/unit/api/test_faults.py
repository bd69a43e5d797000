"""Errors as the API renders them: one fault body for every way an error can leave.

Route functions raise through a router of their own (no server), and the
paste filter ``FaultWrapper`` wraps applications that fail outside any route.
"""

import json
import logging

import oslo_messaging as messaging
import webob
import webob.dec

from nova.api.openstack import faults
from nova.api.openstack import router
from nova.api.openstack import wsgi
from nova.api.openstack.compute import routes
from nova import exception
from nova import rpc


class _SafeFailure(exception.NovaException):
    msg_fmt = "The backend said no: %(why)s"
    safe = True


@wsgi.expected_errors((400, 404))
def _raise(req, kind):
    if kind == "nova404":
        raise exception.FlavorNotFound(flavor_id="f1")
    if kind == "nova409":  # a 409 this function does not declare
        raise exception.Conflict(reason="someone else got there first")
    if kind == "quota":  # a 403 this function does not declare, but a quota error
        raise exception.TooManyInstances(overs="cores", req=4, used=8, allowed=10)
    if kind == "safe":
        raise _SafeFailure(why="disk full")
    if kind == "neutron-down":  # undeclared 503: a service nova needs is unavailable
        raise exception.NetworkServiceUnavailable(reason="GET /networks: refused")
    if kind == "glance-slow":
        raise exception.ImageServiceTimeout(server="http://glance", reason="30s")
    if kind == "rpc-timeout":  # an RPC call that got no answer (undeclared 500)
        raise rpc.RPCTimeout(service="The nova-compute service of host c1",
                             method="get_console_output", timeout=60)
    if kind == "bare-timeout":  # one not raised through nova.rpc
        raise messaging.MessagingTimeout("Timed out waiting for a reply to message ID 1")
    if kind == "retry":
        exc = webob.exc.HTTPBadRequest(explanation="Slow down")
        exc.headers["Retry-After"] = "5"
        raise exc
    raise ValueError("secret detail %s" % kind)


@wsgi.expected_errors(404)
def _nested(req, kind):
    """A route function that calls another one: its 500 is not wrapped twice."""
    return _raise(req, kind)


def _undeclared(req, kind):
    """No expected_errors: NovaExceptions keep their own code."""
    raise exception.InstanceNotReady(instance_id=kind)


class _Module:
    ROUTES = [("/errors/{kind}", {"GET": _raise, "POST": _undeclared}),
              ("/nested/{kind}", {"GET": _nested})]


def _app(monkeypatch):
    monkeypatch.setattr(routes, "_load", lambda name: _Module if name == "errors" else None)
    return router.APIRouterV21(route_modules=["errors"])


def _call(app, method, path, headers=None):
    resp = webob.Request.blank(path, method=method, headers=headers or {}).get_response(app)
    return resp.status_int, resp.headers, json.loads(resp.text)


def test_declared_nova_errors_keep_their_code_and_message(monkeypatch):
    status, headers, body = _call(_app(monkeypatch), "GET", "/errors/nova404",
                                  {"OpenStack-API-Version": "compute 2.10"})
    assert status == 404
    assert body == {"itemNotFound": {"code": 404,
                                     "message": "Flavor f1 could not be found."}}
    assert headers["OpenStack-API-Version"] == "compute 2.10"


def test_undeclared_errors_are_logged_500s_naming_only_the_class(monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger="nova.api.openstack.faults")
    app = _app(monkeypatch)
    status, _h, body = _call(app, "GET", "/errors/nova409")
    assert status == 500
    assert body["computeFault"]["code"] == 500
    assert body["computeFault"]["message"].endswith("\nConflict")
    status, _h, body = _call(app, "GET", "/errors/other")
    assert status == 500 and "secret detail" not in json.dumps(body)
    assert body["computeFault"]["message"].endswith("\nValueError")
    logged = [r for r in caplog.records if r.exc_info]
    assert [type(r.exc_info[1]) for r in logged] == [exception.Conflict,
                                                      ValueError]
    assert "API method _raise" in logged[1].getMessage()


def test_a_500_of_a_nested_route_function_names_the_original_error(monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger="nova.api.openstack.faults")
    status, _h, body = _call(_app(monkeypatch), "GET", "/nested/other")
    assert status == 500
    assert body["computeFault"]["message"].endswith("\nValueError")
    # Only this module's logger: a thread another test left running (a lifecycle
    # event handler, say) may log an error into caplog meanwhile.
    logged = [r for r in caplog.records
              if r.exc_info and r.name == "nova.api.openstack.faults"]
    assert len(logged) == 1 and "API method _raise" in logged[0].getMessage()


def test_quota_errors_are_matched_by_class(monkeypatch):
    status, _h, body = _call(_app(monkeypatch), "GET", "/errors/quota")
    assert status == 403
    assert body["forbidden"]["message"].startswith("Quota exceeded for cores")


def test_a_safe_nova_error_shows_its_message(monkeypatch):
    status, _h, body = _call(_app(monkeypatch), "GET", "/errors/safe")
    assert status == 500
    assert body["computeFault"]["message"] == "The backend said no: disk full"


def test_retry_after_survives_and_undecorated_functions_keep_nova_codes(monkeypatch):
    app = _app(monkeypatch)
    status, headers, body = _call(app, "GET", "/errors/retry")
    assert status == 400 and headers["Retry-After"] == "5"
    assert body == {"badRequest": {"code": 400, "message": "Slow down"}}
    status, _h, body = _call(app, "POST", "/errors/s1")
    assert status == 409
    assert body == {"conflictingRequest": {"code": 409,
                                           "message": "Instance s1 is not ready"}}


def test_fault_wrapper_renders_errors_from_outside_the_router():
    @webob.dec.wsgify
    def failing(req):
        if req.path == "/missing":
            raise exception.FlavorNotFound(flavor_id="x")
        raise RuntimeError("not for users")

    app = faults.FaultWrapper(failing)
    status, _h, body = _call(app, "GET", "/missing")
    assert status == 404 and body["itemNotFound"]["code"] == 404
    status, _h, body = _call(app, "GET", "/other")
    assert status == 500 and "not for users" not in json.dumps(body)
    assert body["computeFault"]["message"].endswith("\nRuntimeError")


def test_a_service_nova_needs_being_unavailable_is_a_503_or_504_naming_it(monkeypatch,
                                                                          caplog):
    caplog.set_level(logging.WARNING, logger="nova.api.openstack.faults")
    app = _app(monkeypatch)
    status, _h, body = _call(app, "GET", "/errors/neutron-down")
    assert status == 503
    assert body == {"serviceUnavailable": {
        "code": 503,
        "message": "The network service (Neutron) is unavailable: GET /networks: refused"}}
    status, _h, body = _call(app, "GET", "/errors/glance-slow")
    assert status == 504
    assert body == {"computeFault": {
        "code": 504,
        "message": "The image service at http://glance did not answer in time: 30s"}}
    # Logged as warnings, without a traceback.
    assert not [r for r in caplog.records if r.exc_info]


def test_an_rpc_call_that_timed_out_is_one_500_compute_fault(monkeypatch, caplog):
    caplog.set_level(logging.WARNING, logger="nova.api.openstack.faults")
    app = _app(monkeypatch)
    status, _h, body = _call(app, "GET", "/errors/rpc-timeout")
    assert status == 500
    assert body == {"computeFault": {
        "code": 500,
        "message": "The nova-compute service of host c1 did not answer get_console_output "
                   "within 60 seconds (MessagingTimeout); try again later."}}
    status, _h, body = _call(app, "GET", "/errors/bare-timeout")
    assert status == 500
    assert body == {"computeFault": {
        "code": 500,
        "message": "A nova service did not answer in time (MessagingTimeout); try again "
                   "later."}}
    # One warning each, no traceback, no "Unexpected error".
    records = [r for r in caplog.records if r.name == "nova.api.openstack.faults"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    assert not [r for r in records if r.exc_info]
    assert isinstance(rpc.RPCTimeout(service="s", method="m", timeout=1),
                      messaging.MessagingTimeout)
