"""Who calls the image store: noauth2 tokens or keystonemiddleware's identity headers."""

import webob.dec
import webob.exc

from nova import context as nova_context


class NoAuth:
    """noauth2: ``X-Auth-Token: user[:project]``; the user ``admin`` is an administrator.

    A request without a token acts as ``default_user``/``default_project``.
    """

    def __init__(self, app, default_user="admin", default_project="admin"):
        self.app = app
        self.default_user = default_user
        self.default_project = default_project

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get("X-Auth-Token")
        if token:
            user_id, _sep, project_id = token.partition(":")
            project_id = project_id or user_id
        else:
            user_id, project_id = self.default_user, self.default_project
        roles = [r.strip() for r in req.headers.get("X-Roles", "").split(",") if r.strip()]
        if not roles:
            roles = ["admin", "member", "reader"] if user_id == "admin" else ["member",
                                                                              "reader"]
        req.environ["nova.context"] = nova_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles, auth_token=token,
            is_admin="admin" in roles)
        return self.app


class KeystoneContext:
    """The context from the headers keystonemiddleware's auth_token sets."""

    def __init__(self, app):
        self.app = app

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get("X-Identity-Status", "Confirmed") != "Confirmed":
            raise webob.exc.HTTPUnauthorized()
        user_id = req.headers.get("X-User-Id")
        if not user_id:
            raise webob.exc.HTTPUnauthorized()
        ctx = nova_context.RequestContext.from_environ(
            req.environ, user_id=user_id, project_id=req.headers.get("X-Project-Id"))
        ctx.is_admin = "admin" in ctx.roles
        req.environ["nova.context"] = ctx
        return self.app


def wrap(app, strategy, conf=None, default_user="admin", default_project="admin"):
    """``app`` behind the auth of ``strategy`` ('noauth2' or 'keystone')."""
    if strategy == "noauth2":
        return NoAuth(app, default_user, default_project)
    if strategy == "keystone":
        from keystonemiddleware import auth_token
        local_conf = {"oslo_config_config": conf} if conf is not None else {}
        return auth_token.AuthProtocol(KeystoneContext(app), local_conf)
    raise ValueError("unknown auth strategy %r" % strategy)
