"""The context middlewares: noauth2 and the keystone headers."""

import json

import webob
import webob.dec

from nova.api import auth
import nova.conf

CONF = nova.conf.CONF


@webob.dec.wsgify
def _echo(req):
    ctx = req.environ["nova.context"]
    return webob.Response(json={"user": ctx.user_id, "project": ctx.project_id,
                                "admin": ctx.is_admin, "roles": sorted(ctx.roles),
                                "catalog": ctx.service_catalog})


def _call(app, headers):
    resp = webob.Request.blank("/", headers=headers).get_response(app)
    return resp.status_int, json.loads(resp.text)


def test_noauth2_token_and_defaults():
    app = auth.NoAuthMiddleware(_echo)
    assert _call(app, {"X-Auth-Token": "alice:p1"})[1] == {
        "user": "alice", "project": "p1", "admin": False, "roles": ["member", "reader"],
        "catalog": []}
    status, body = _call(app, {"X-Auth-Token": "admin:ops"})
    assert body["admin"] is True and "admin" in body["roles"]
    CONF.set_override("noauth2_default_user", "bob", "api")
    CONF.set_override("noauth2_default_project", "pb", "api")
    try:
        status, body = _call(app, {})
    finally:
        CONF.clear_override("noauth2_default_user", "api")
        CONF.clear_override("noauth2_default_project", "api")
    assert (body["user"], body["project"], body["admin"]) == ("bob", "pb", False)
    status, body = _call(app, {"X-Auth-Token": "carol:p2", "X-Roles": "reader"})
    assert body["roles"] == ["reader"]


def test_keystone_context_from_headers():
    app = auth.NovaKeystoneContext(_echo)
    status, body = _call(app, {"X-User-Id": "u1", "X-Project-Id": "p1",
                               "X-Roles": "member,reader",
                               "X-Service-Catalog": json.dumps([{"type": "image"}])})
    assert status == 200
    assert (body["user"], body["project"]) == ("u1", "p1")
    assert body["roles"] == ["member", "reader"] and body["admin"] is False
    assert body["catalog"] == [{"type": "image"}]
    status, body = _call(app, {"X-Project-Id": "p1"})
    assert status == 401 and body["unauthorized"]["code"] == 401
    status, body = _call(app, {"X-User-Id": "u1", "X-Identity-Status": "Invalid"})
    assert status == 401


def test_pipeline_follows_auth_strategy():
    class Loader:
        def get_filter(self, name):
            return lambda app: ("filter", name, app)

        def get_app(self, name):
            return ("app", name)

    conf = {"keystone": "a authtoken app1", "noauth2": "a noauth2 app1"}
    CONF.set_override("auth_strategy", "noauth2", "api")
    try:
        pipeline = auth.pipeline_factory_v21(Loader(), {}, **conf)
    finally:
        CONF.clear_override("auth_strategy", "api")
    assert pipeline == ("filter", "a", ("filter", "noauth2", ("app", "app1")))
    pipeline = auth.pipeline_factory_v21(Loader(), {}, **conf)
    assert pipeline[2][1] == "authtoken"
