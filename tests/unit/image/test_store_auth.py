"""Who the image store thinks is calling."""

import webob
import webob.dec

from nova.image.store import auth


@webob.dec.wsgify
def _whoami(req):
    ctx = req.environ["nova.context"]
    return webob.Response(json_body={"user": ctx.user_id, "project": ctx.project_id,
                                     "admin": ctx.is_admin})


def _call(app, headers):
    return webob.Request.blank("/", headers=headers).get_response(app)


def test_noauth_tokens_and_defaults():
    app = auth.NoAuth(_whoami, "dflt", "dproj")
    assert _call(app, {"X-Auth-Token": "alice:pa"}).json == {
        "user": "alice", "project": "pa", "admin": False}
    assert _call(app, {"X-Auth-Token": "admin:admin"}).json["admin"] is True
    assert _call(app, {"X-Auth-Token": "carol"}).json["project"] == "carol"
    assert _call(app, {}).json == {"user": "dflt", "project": "dproj", "admin": False}
    assert _call(app, {"X-Auth-Token": "u:p", "X-Roles": "admin"}).json["admin"] is True


def test_keystone_identity_headers():
    app = auth.KeystoneContext(_whoami)
    resp = _call(app, {"X-Identity-Status": "Confirmed", "X-User-Id": "u1",
                       "X-Project-Id": "p1", "X-Roles": "member,reader"})
    assert resp.json == {"user": "u1", "project": "p1", "admin": False}
    resp = _call(app, {"X-User-Id": "u2", "X-Project-Id": "p2", "X-Roles": "admin"})
    assert resp.json["admin"] is True
    assert _call(app, {"X-Identity-Status": "Invalid"}).status_int == 401
    assert _call(app, {}).status_int == 401


def test_keystone_mode_refuses_requests_without_a_token(tmp_path):
    from keystonemiddleware.auth_token import _opts as authtoken_opts
    from oslo_config import cfg

    from nova.image.store import app as store_app
    conf = cfg.ConfigOpts()
    conf([], project="nova", default_config_files=[], default_config_dirs=[])
    conf.register_opts(authtoken_opts._OPTS, group="keystone_authtoken")
    conf.set_override("www_authenticate_uri", "http://127.0.0.1:5000/v3",
                      group="keystone_authtoken")
    app = store_app.build_app(str(tmp_path), auth_strategy="keystone", conf=conf)
    try:
        resp = webob.Request.blank("/v2/images").get_response(app)
        assert resp.status_int == 401
        assert "http://127.0.0.1:5000/v3" in resp.headers["WWW-Authenticate"]
        assert webob.Request.blank("/").get_response(app).status_int == 300
    finally:
        app.store.close()
