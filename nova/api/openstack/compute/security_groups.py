"""A server's security groups: ``GET /servers/{id}/os-security-groups`` and the
``addSecurityGroup`` / ``removeSecurityGroup`` actions (202), through Neutron.

Groups are shown in the compute API's format (ingress rules only, as Nova
shows them). A group unknown to the project is a 404, a name several groups
share a 409, removing a group the server does not have a 400.
"""

import webob.exc

from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.compute import api as compute_api
from nova import exception

POLICY_ROOT = "os_compute_api:os-security-groups:%s"
COMPUTE = compute_api.API()


def _rule_view(rule, group_id, groups_by_id):
    view = {"id": rule["id"], "parent_group_id": group_id,
            "ip_protocol": rule.get("protocol"),
            "from_port": rule["port_range_min"] if rule.get("port_range_min") is not None
            else -1,
            "to_port": rule["port_range_max"] if rule.get("port_range_max") is not None
            else -1,
            "ip_range": {}, "group": {}}
    if rule.get("remote_group_id"):
        remote = groups_by_id.get(rule["remote_group_id"], {})
        view["group"] = {"name": remote.get("name"),
                         "tenant_id": remote.get("tenant_id") or remote.get("project_id")}
    elif rule.get("remote_ip_prefix"):
        view["ip_range"] = {"cidr": rule["remote_ip_prefix"]}
    return view


def group_view(group, groups_by_id=None):
    groups_by_id = groups_by_id or {group["id"]: group}
    return {"id": group["id"], "name": group.get("name"),
            "description": group.get("description"),
            "tenant_id": group.get("tenant_id") or group.get("project_id"),
            "rules": [_rule_view(r, group["id"], groups_by_id)
                      for r in group.get("security_group_rules") or []
                      if r.get("direction", "ingress") == "ingress"]}


@wsgi.expected_errors(404)
def index(req, server_id):
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY_ROOT % "list", target={"project_id": instance.project_id})
    groups = COMPUTE.network_api.get_instance_security_groups_detail(req.context,
                                                                      instance.uuid)
    by_id = {g["id"]: g for g in groups}
    return {"security_groups": [group_view(g, by_id) for g in groups]}


def _group_name(req, action):
    body = req.get_json()[action]
    if not isinstance(body, dict):
        raise webob.exc.HTTPBadRequest(explanation="Missing parameter dict")
    if "name" not in body:
        raise webob.exc.HTTPBadRequest(explanation="Security group not specified")
    name = body["name"]
    if not isinstance(name, str) or not name.strip():
        raise webob.exc.HTTPBadRequest(explanation="Security group name cannot be empty")
    return name


def _change(req, server_id, action, rule, method):
    name = _group_name(req, action)
    instance = servers.get_server(req, server_id)
    req.context.can(POLICY_ROOT % rule, target={"project_id": instance.project_id})
    try:
        getattr(COMPUTE.network_api, method)(req.context, instance, name)
    except exception.SecurityGroupNotFound as exc:
        raise webob.exc.HTTPNotFound(explanation=exc.format_message())
    except exception.NoUniqueMatch as exc:
        raise webob.exc.HTTPConflict(explanation=exc.format_message())
    except exception.SecurityGroupNotExistsForInstance as exc:
        raise webob.exc.HTTPBadRequest(explanation=exc.format_message())


def _add(req, id):
    _change(req, id, "addSecurityGroup", "add", "add_to_instance")


def _remove(req, id):
    _change(req, id, "removeSecurityGroup", "remove", "remove_from_instance")


ACTIONS = {"addSecurityGroup": _add, "removeSecurityGroup": _remove}

ROUTES = [
    ("/servers/{server_id}/os-security-groups", {"GET": index}),
]
