"""HTTP access to the Neutron v2.0 API over keystoneauth1, with Neutron's errors made nova's.

``get_client(context)`` acts as the caller (their token; endpoint from their
service catalog or [neutron] endpoint_override); ``get_client(context,
admin=True)`` uses the service credentials of [neutron] for what only an
admin may set (port bindings). Without Keystone ([neutron] auth_type unset),
both send a noauth token of the form ``user:project`` to endpoint_override.
"""

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils

import nova.conf
from nova import service_auth
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def _noauth_token(context, admin):
    if admin or context is None:
        return "admin:admin"
    return "%s:%s" % (context.user_id or "admin", context.project_id or "admin")


def _auth_for(context, admin):
    """The caller's token (new plugin per request) unless ``admin`` or the context has
    none; then nova's [neutron] credentials (one plugin per process); without Keystone
    a noauth token. Wrapped with the [service_user] token when that is configured."""
    auth = None if admin else service_auth.user_auth(context)
    if auth is None:
        auth = service_auth.conf_auth("neutron")
    if auth is None:
        auth = service_auth.UserTokenAuth(_noauth_token(context, admin))
    return service_auth.with_service_token(auth)


def _error(response):
    """(type, message) of a Neutron error body."""
    try:
        body = jsonutils.loads(response.text)
        err = body.get("NeutronError") or {}
        if isinstance(err, dict):
            return err.get("type") or "", err.get("message") or response.text
        return "", str(err)
    except (ValueError, AttributeError, TypeError):
        return "", getattr(response, "text", "") or ""


class NeutronClient:
    """Neutron v2.0 calls as one caller (see module doc)."""

    def __init__(self, context, admin=False):
        self.context = context
        self.admin = admin
        self.adapter = service_auth.adapter("neutron", _auth_for(context, admin))

    def _url(self, path):
        base = self.adapter.get_endpoint()
        if not base:
            raise exception.NetworkError(
                reason="no network endpoint in the service catalog or "
                       "[neutron] endpoint_override")
        base = base.rstrip("/")
        if base.endswith("/v2.0"):
            base = base[:-5]
        return base + "/v2.0" + path

    def request(self, method, path, translate=None, **kwargs):
        """The decoded JSON body; ``translate(type, message, status)`` may raise a nova
        exception for a Neutron error before the generic translation."""
        idempotent = method in ("GET", "PUT", "DELETE")
        attempts = 1 + (max(CONF.neutron.http_retries, 0) if idempotent else 0)
        for attempt in range(1, attempts + 1):
            try:
                resp = self.adapter.request(self._url(path), method, raise_exc=True,
                                            connect_retries=0, **kwargs)
                break
            except ks_exc.ConnectTimeout as exc:
                # No retry: the request may have been done (and a slow Neutron
                # asked again only gets slower).
                raise exception.NetworkServiceTimeout(
                    reason="%s %s: no answer within [neutron] timeout (%ss)"
                    % (method, path, CONF.neutron.timeout)) from exc
            except ks_exc.ConnectFailure as exc:
                if attempt >= attempts:
                    raise exception.NetworkServiceUnavailable(
                        reason="%s %s: %s" % (method, path, exc)) from exc
                LOG.warning("Neutron %s %s failed to connect (attempt %d of %d)",
                            method, path, attempt, attempts)
            except ks_exc.HttpError as exc:
                kind, message = _error(exc.response)
                if translate is not None:
                    translate(kind, message, exc.http_status)
                if exc.http_status == 403 and kind == "OverQuota":
                    raise exception.PortLimitExceeded() from exc
                if exc.http_status == 409 and kind == "OverQuota":
                    raise exception.PortLimitExceeded() from exc
                reason = "%s %s: %s %s" % (method, path, exc.http_status, message)
                if exc.http_status >= 500:
                    raise exception.NetworkServiceUnavailable(reason=reason) from exc
                raise exception.NetworkError(reason=reason) from exc
            except ks_exc.ClientException as exc:
                raise exception.NetworkServiceUnavailable(
                    reason="%s %s: %s" % (method, path, exc)) from exc
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    # --- resources ---

    def list(self, collection, **filters):
        params = [(k, v) for k, values in filters.items()
                  for v in (values if isinstance(values, (list, tuple, set)) else [values])]
        # The body key is the collection's name with underscores: the list of
        # /security-groups comes back under "security_groups".
        return self.request("GET", "/" + collection,
                            params=params)[collection.replace("-", "_")]

    def show_network(self, network_id):
        def translate(kind, message, status):
            if status == 404:
                raise exception.NetworkNotFound(network_id=network_id)
        return self.request("GET", "/networks/%s" % network_id, translate)["network"]

    def show_port(self, port_id):
        def translate(kind, message, status):
            if status == 404:
                raise exception.PortNotFound(port_id=port_id)
        return self.request("GET", "/ports/%s" % port_id, translate)["port"]

    def create_port(self, body, instance_uuid=None):
        fixed = [f.get("ip_address") for f in body.get("fixed_ips", [])]
        network_id = body.get("network_id")

        def translate(kind, message, status):
            if kind == "IpAddressAlreadyAllocated" or kind == "IpAddressInUse":
                raise exception.FixedIpAlreadyInUse(address=", ".join(filter(None, fixed)),
                                                    instance_uuid=instance_uuid)
            if kind == "IpAddressGenerationFailure":
                raise exception.NoMoreFixedIps(net=network_id)
            if kind in ("InvalidIpForNetwork", "InvalidIpForSubnet"):
                raise exception.FixedIpInvalidOnNetwork(
                    address=", ".join(filter(None, fixed)), network_id=network_id)
            if kind == "NetworkNotFound":
                raise exception.NetworkNotFound(network_id=network_id)
            if kind == "OverQuota":
                raise exception.PortLimitExceeded()
        return self.request("POST", "/ports", translate, json={"port": body})["port"]

    def update_port(self, port_id, body):
        def translate(kind, message, status):
            if status == 404:
                raise exception.PortNotFound(port_id=port_id)
        return self.request("PUT", "/ports/%s" % port_id, translate,
                            json={"port": body})["port"]

    def delete_port(self, port_id):
        def translate(kind, message, status):
            if status == 404:
                raise exception.PortNotFound(port_id=port_id)
        self.request("DELETE", "/ports/%s" % port_id, translate)

    def get_auto_allocated_topology(self, project_id, dry_run=False):
        def translate(kind, message, status):
            if status in (400, 404, 409, 500):
                raise exception.UnableToAutoAllocateNetwork(project_id=project_id)
        params = [("fields", "dry-run")] if dry_run else None
        return self.request("GET", "/auto-allocated-topology/%s" % project_id, translate,
                            params=params)["auto_allocated_topology"]

    def show_quota(self, project_id):
        def translate(kind, message, status):
            if status == 404:
                raise exception.NetworkError(reason="quota extension unavailable")
        return self.request("GET", "/quotas/%s" % project_id, translate)["quota"]


def get_client(context, admin=False):
    return NeutronClient(context, admin=admin)
