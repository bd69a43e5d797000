"""The identity stand-in nova-all serves beside its noauth2 services.

Under noauth2 there is no Keystone, yet the openstack CLI asks the identity
service a few things before some commands: ``server list`` insists that it
speaks Identity v3, and commands taking ``--project`` or ``--user`` look the
id up. This app answers those and nothing else:

* ``GET /`` and ``GET /v3``: the version documents of an Identity v3 API;
* ``GET /v3/projects/{id}``, ``GET /v3/users/{id}``: any id exists, named as
  itself, in the ``default`` domain (noauth2 takes ids on trust too);
* anything else: 403, as Keystone answers a user without identity rights, so
  the CLI falls back to the ids it was given.

It issues no tokens and checks none.
"""

import json

import webob
import webob.dec

VERSION = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
           "media-types": [{"base": "application/json",
                            "type": "application/vnd.openstack.identity-v3+json"}]}

_KINDS = {"projects": "project", "users": "user"}


def _json(status, body):
    return webob.Response(status=status, content_type="application/json", charset="utf-8",
                          body=json.dumps(body).encode())


def _version(base):
    return dict(VERSION, links=[{"rel": "self", "href": base + "/v3/"}])


@webob.dec.wsgify
def application(req):
    base = req.host_url + req.script_name
    parts = [p for p in req.path_info.split("/") if p]
    if req.method not in ("GET", "HEAD"):
        return _forbidden()
    if not parts:
        return _json(300, {"versions": {"values": [_version(base)]}})
    if parts == ["v3"]:
        return _json(200, {"version": _version(base)})
    if len(parts) == 3 and parts[0] == "v3" and parts[1] in _KINDS:
        item_id = parts[2]
        kind = _KINDS[parts[1]]
        item = {"id": item_id, "name": item_id, "domain_id": "default", "enabled": True,
                "links": {"self": base + req.path_info}}
        return _json(200, {kind: item})
    return _forbidden()


def _forbidden():
    return _json(403, {"error": {"code": 403, "title": "Forbidden",
                                 "message": "nova-all runs without Keystone (noauth2); "
                                            "this identity stand-in only describes "
                                            "itself."}})
