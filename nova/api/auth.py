"""Who is calling: the request context built by the auth filter of the pipeline.

``[api] auth_strategy`` chooses the pipeline of ``pipeline_factory_v21``:

* ``keystone``: keystonemiddleware's auth_token validates the token and sets
  the identity headers; ``NovaKeystoneContext`` turns them into the context.
* ``noauth2`` (development and tests): the token is ``user:project``; no
  token means ``[api] noauth2_default_user``/``noauth2_default_project``. The
  user ``admin`` gets the admin role; others get member and reader (or the
  roles of an ``X-Roles`` header).
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
import webob.dec
import webob.exc

import nova.conf
from nova.api import middleware
from nova.api.openstack import faults
from nova import context as nova_context

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def _load_pipeline(loader, names):
    filters = [loader.get_filter(n) for n in names[:-1]]
    app = loader.get_app(names[-1])
    for filter_ in reversed(filters):
        app = filter_(app)
    return app


def pipeline_factory_v21(loader, global_conf, **local_conf):
    """The pipeline listed under the configured auth strategy's name."""
    strategy = CONF.api.auth_strategy
    if strategy not in local_conf:
        raise ValueError("api-paste.ini has no pipeline for auth_strategy %r" % strategy)
    return _load_pipeline(loader, local_conf[strategy].split())


def _remote_address(req):
    address = req.remote_addr
    if CONF.api.use_forwarded_for:
        address = req.headers.get("X-Forwarded-For", address)
    return address


class NoAuthMiddleware(middleware.Middleware):
    """noauth2: trust ``X-Auth-Token: user[:project]``."""

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get("X-Auth-Token")
        if token:
            user_id, _sep, project_id = token.partition(":")
            project_id = project_id or user_id
        else:
            user_id = CONF.api.noauth2_default_user
            project_id = CONF.api.noauth2_default_project
        is_admin = user_id == "admin"
        roles_header = req.headers.get("X-Roles")
        if roles_header:
            roles = [r.strip() for r in roles_header.split(",") if r.strip()]
        else:
            roles = ["admin", "member", "reader"] if is_admin else ["member", "reader"]
        ctx = nova_context.RequestContext(
            user_id=user_id, project_id=project_id, is_admin=is_admin or "admin" in roles,
            roles=roles, auth_token=token, remote_address=_remote_address(req),
            request_id=req.environ.get("openstack.request_id"))
        req.environ["nova.context"] = ctx
        return self.application


class NovaKeystoneContext(middleware.Middleware):
    """Build the request context from the headers keystonemiddleware set."""

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get("X-Identity-Status", "Confirmed") != "Confirmed":
            return faults.fault_response(401, "Authentication required")
        user_id = req.headers.get("X-User-Id") or req.headers.get("X-User")
        if not user_id:
            LOG.debug("Neither X-User-Id nor X-User found in request")
            return faults.fault_response(401, "Authentication required")
        catalog = []
        if req.headers.get("X-Service-Catalog"):
            try:
                catalog = jsonutils.loads(req.headers["X-Service-Catalog"])
            except ValueError:
                return faults.fault_response(500, "Invalid service catalog json.")
        ctx = nova_context.RequestContext.from_environ(
            req.environ, user_id=user_id,
            project_id=req.headers.get("X-Project-Id") or req.headers.get("X-Tenant-Id"),
            remote_address=_remote_address(req), service_catalog=catalog,
            user_auth_plugin=req.environ.get("keystone.token_auth"),
            request_id=req.environ.get("openstack.request_id"))
        from nova import policy
        try:
            ctx.is_admin = policy.check_is_admin(ctx)
        except Exception:  # no admin rule registered: fall back to the role
            ctx.is_admin = "admin" in ctx.roles
        req.environ["nova.context"] = ctx
        return self.application
