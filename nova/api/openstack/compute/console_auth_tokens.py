"""GET /os-console-auth-tokens/{console_token}: what a console token opens (admins).

Answers ``{"console": {"instance_uuid", "host", "port",
"internal_access_path"}}`` (and ``tls_port`` from 2.99). Tokens live in the
cell databases and the token alone does not name its cell: every cell but
cell0 is asked. Before 2.31 only rdp-html5 tokens could be shown (anything
else is a 401, as upstream); from 2.31 every console type.
"""

import webob.exc

from nova.api.openstack import wsgi
from nova import context as nova_context
from nova import exception
from nova import objects

POLICY = "os_compute_api:os-console-auth-tokens"


def _validate(cell_context, token):
    try:
        return objects.ConsoleAuthToken.validate(cell_context, token)
    except exception.InvalidToken:
        return None


@wsgi.expected_errors((400, 401, 404))
def show(req, console_token):
    context = req.context
    context.can(POLICY, target={})
    if not console_token:
        raise webob.exc.HTTPBadRequest(explanation="token not provided")
    found = None
    results = nova_context.scatter_gather_skip_cell0(context, _validate, console_token)
    for result in results.values():
        if result is not None and not nova_context.is_cell_failure_sentinel(result):
            found = result
            break
    if found is None:
        raise webob.exc.HTTPNotFound(explanation="Token not found")
    if not req.is_at_least("2.31") and found.console_type != "rdp-html5":
        raise webob.exc.HTTPUnauthorized(
            explanation="The requested console type details are not accessible")
    console = {"instance_uuid": found.instance_uuid, "host": found.host,
               "port": found.port, "internal_access_path": found.internal_access_path}
    if req.is_at_least("2.99"):
        console["tls_port"] = found.tls_port
    return {"console": console}


ROUTES = [
    ("/os-console-auth-tokens/{console_token}", {"GET": show}),
]
