"""The store's WSGI application: one route table, dispatch, errors, and serving it.

Errors are webob HTTP exceptions, rendered as the image service renders them
(JSON ``{"code", "title", "message"}`` when the client accepts JSON, plain
text or HTML otherwise). Nothing escapes as a traceback.
"""

import os

from oslo_log import log as logging
import routes
import webob
import webob.dec
import webob.exc

from nova.image.store import auth
from nova.image.store import db
from nova.image.store import files
from nova.image.store import images
from nova.image.store import members
from nova.image.store import schema

LOG = logging.getLogger(__name__)

CURRENT_VERSION = 16  # v2.16, the newest image API minor version this store speaks

# (path, {method: (controller, action)})
ROUTES = (
    ("/v2/images", {"GET": ("images", "index"), "POST": ("images", "create")}),
    ("/v2/images/{image_id}", {"GET": ("images", "show"), "PATCH": ("images", "update"),
                               "DELETE": ("images", "delete")}),
    ("/v2/images/{image_id}/file", {"GET": ("images", "download"),
                                    "PUT": ("images", "upload")}),
    ("/v2/images/{image_id}/actions/deactivate", {"POST": ("images", "deactivate")}),
    ("/v2/images/{image_id}/actions/reactivate", {"POST": ("images", "reactivate")}),
    ("/v2/images/{image_id}/tags/{tag}", {"PUT": ("images", "add_tag"),
                                          "DELETE": ("images", "delete_tag")}),
    ("/v2/images/{image_id}/members", {"GET": ("members", "index"),
                                       "POST": ("members", "create")}),
    ("/v2/images/{image_id}/members/{member_id}", {"GET": ("members", "show"),
                                                   "PUT": ("members", "update"),
                                                   "DELETE": ("members", "delete")}),
    ("/v2/schemas/{name}", {"GET": ("schemas", "show")}),
    ("/versions", {"GET": ("versions", "index")}),
    ("/v2", {"GET": ("versions", "multiple")}),
    ("/v2/", {"GET": ("versions", "multiple")}),
    ("/", {"GET": ("versions", "multiple")}),
)

SCHEMAS = {"image": schema.IMAGE_SCHEMA, "images": schema.IMAGES_SCHEMA,
           "member": schema.MEMBER_SCHEMA, "members": schema.MEMBERS_SCHEMA}


class Store:
    """The image store's state: metadata database and data directory."""

    def __init__(self, data_dir, limit_default=25, limit_max=1000, size_cap=2 ** 40):
        os.makedirs(data_dir, exist_ok=True)
        self.data_dir = data_dir
        self.repo = db.ImageRepo(os.path.join(data_dir, "images.sqlite"))
        self.data = files.DataStore(data_dir)  # removes partial files of old uploads
        interrupted = self.repo.reset_interrupted()
        if interrupted:
            LOG.warning("%d image(s) were being uploaded when the store last stopped; "
                        "they are queued again", interrupted)
        self.limit_default = limit_default
        self.limit_max = limit_max
        self.size_cap = size_cap

    def close(self):
        self.repo.dispose()


class _Versions:
    @staticmethod
    def _document(req):
        base = req.host_url
        versions = []
        for minor in range(CURRENT_VERSION, -1, -1):
            versions.append({
                "id": "v2.%d" % minor,
                "status": "CURRENT" if minor == CURRENT_VERSION else "SUPPORTED",
                "links": [{"rel": "self", "href": "%s/v2/" % base}]})
        return {"versions": versions}

    def index(self, req, ctx):
        return images.json_response(self._document(req))

    def multiple(self, req, ctx):
        return images.json_response(self._document(req), status=300)


class _Schemas:
    def show(self, req, ctx, name):
        if name not in SCHEMAS:
            raise webob.exc.HTTPNotFound(explanation="No schema named %s" % name)
        return images.json_response(SCHEMAS[name])


class Router:
    """Dispatch by the route table; 404 for unknown paths, 405 for unknown methods."""

    _UNAUTHENTICATED = (("versions", "index"), ("versions", "multiple"))

    def __init__(self, store):
        image_controller = images.ImagesController(store)
        self.controllers = {
            "images": image_controller,
            "members": members.MembersController(store, image_controller),
            "schemas": _Schemas(),
            "versions": _Versions(),
        }
        self.mapper = routes.Mapper()
        for path, methods in ROUTES:
            for method, (controller, action) in methods.items():
                self.mapper.connect(path, controller=controller, action=action,
                                    conditions={"method": [method]})
            self.mapper.connect(path, controller="_405", action=",".join(sorted(methods)))

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            return self._dispatch(req)
        except webob.exc.HTTPException as exc:
            return exc
        except Exception:
            LOG.exception("Image store request %s %s failed", req.method, req.path)
            return webob.exc.HTTPInternalServerError(
                explanation="The image store failed to process the request; see its log.")

    def _dispatch(self, req):
        match = self.mapper.match(environ=req.environ)
        if match is None:
            raise webob.exc.HTTPNotFound(explanation="The resource could not be found.")
        match = dict(match)
        controller, action = match.pop("controller"), match.pop("action")
        if controller == "_405":
            raise webob.exc.HTTPMethodNotAllowed(
                explanation="%s is not allowed on %s." % (req.method, req.path),
                headers=[("Allow", action)])
        ctx = req.environ.get("nova.context")
        handler = getattr(self.controllers[controller], action)
        return handler(req, ctx, **match)


class _VersionsFirst:
    """Version documents need no credentials (as the image service answers them)."""

    def __init__(self, authenticated, plain):
        self.authenticated = authenticated
        self.plain = plain

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        if path in ("/", "/versions", "/v2", "/v2/") and environ["REQUEST_METHOD"] == "GET":
            return self.plain(environ, start_response)
        return self.authenticated(environ, start_response)


def build_app(data_dir, auth_strategy="noauth2", conf=None, default_user="admin",
              default_project="admin", limit_default=25, limit_max=1000, size_cap=2 ** 40):
    """The WSGI app of a store under ``data_dir``; ``app.store`` is its Store."""
    store = Store(data_dir, limit_default, limit_max, size_cap)
    router = Router(store)
    app = _VersionsFirst(auth.wrap(router, auth_strategy, conf, default_user,
                                   default_project), router)
    app.store = store
    return app
