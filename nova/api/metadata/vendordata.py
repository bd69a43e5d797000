"""vendor_data.json and vendor_data2.json: what the deployer adds for every instance.

* StaticJSON (``[api] vendordata_providers``) serves the JSON file
  ``[api] vendordata_jsonfile_path`` as vendor_data.json ({} when unset or
  unreadable, with a warning).
* DynamicJSON asks each ``NAME@URL`` of ``[api] vendordata_dynamic_targets``
  with a POST of the instance's identity (project-id, instance-id, image-id,
  user-data, hostname, metadata, boot-roles) and serves the JSON answers as
  ``{NAME: answer}`` in vendor_data2.json. A target that fails (connection,
  timeout, HTTP error, not JSON) is logged and left out, unless
  ``[api] vendordata_dynamic_failure_fatal`` is set.

Requests carry a Keystone token when ``[vendordata_dynamic_auth]`` names an
auth_type.
"""

import base64
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils

import nova.conf
from nova import service_auth

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)
AUTH_GROUP = "vendordata_dynamic_auth"

class DynamicVendorDataFailed(Exception):
    """A dynamic vendordata target failed and failures are fatal."""


def static_data():
    """The document of vendor_data.json (a dict)."""
    if "StaticJSON" not in CONF.api.vendordata_providers:
        return {}
    path = CONF.api.vendordata_jsonfile_path
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            data = jsonutils.loads(handle.read())
    except (OSError, ValueError) as exc:
        LOG.warning("Vendordata file %s could not be read as JSON: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        LOG.warning("Vendordata file %s does not hold a JSON object; ignored", path)
        return {}
    return data


def _get_session():
    """The process's session and auth plugin of [vendordata_dynamic_auth] (shared by
    every request; see nova.service_auth)."""
    return service_auth.session(AUTH_GROUP), service_auth.conf_auth(AUTH_GROUP)


def reset():
    """Forget the session (after a configuration change; tests)."""
    service_auth.reset()


def _request_body(md):
    user_data = base64.b64encode(md.user_data).decode() if md.user_data is not None else None
    roles = md.system_metadata.get("boot_roles") or ""
    return {"project-id": md.project_id, "instance-id": md.uuid,
            "image-id": md.image_ref, "user-data": user_data, "hostname": md.hostname,
            "metadata": dict(md.meta), "boot-roles": [r for r in roles.split(",") if r]}


def _ask(session, auth, name, url, body):
    kwargs = {}
    if CONF.api.vendordata_dynamic_ssl_certfile:
        kwargs["verify"] = CONF.api.vendordata_dynamic_ssl_certfile
    try:
        resp = session.post(url, json=body, raise_exc=False, auth=auth,
                            headers={"Accept": "application/json"},
                            timeout=(CONF.api.vendordata_dynamic_connect_timeout,
                                     CONF.api.vendordata_dynamic_read_timeout),
                            authenticated=auth is not None, **kwargs)
    except (ks_exc.ClientException, OSError) as exc:
        return None, "%s" % exc
    if resp.status_code not in (200, 201, 202):
        return None, "HTTP %s" % resp.status_code
    try:
        return jsonutils.loads(resp.text), None
    except ValueError as exc:
        return None, "answer is not JSON: %s" % exc


def dynamic_data(md):
    """The document of vendor_data2.json for InstanceMetadata ``md`` (a dict)."""
    if "DynamicJSON" not in CONF.api.vendordata_providers:
        return {}
    targets = [t for t in CONF.api.vendordata_dynamic_targets if t]
    if not targets:
        return {}
    session, auth = _get_session()
    body = _request_body(md)
    result = {}
    for target in targets:
        name, sep, url = target.partition("@")
        if not sep or not name or not url:
            LOG.warning("Dynamic vendordata target %r is not NAME@URL; skipped", target)
            continue
        answer, error = _ask(session, auth, name, url, body)
        if error is not None:
            LOG.warning("Dynamic vendordata target %s (%s) failed for instance %s: %s",
                        name, url, md.uuid, error)
            if CONF.api.vendordata_dynamic_failure_fatal:
                raise DynamicVendorDataFailed("vendordata target %s failed: %s"
                                              % (name, error))
            continue
        result[name] = answer
    return result
