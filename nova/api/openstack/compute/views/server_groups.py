"""Response bodies of os-server-groups.

Before 2.64 a group shows ``policies`` (a one-item list) and an always-empty
``metadata``; from 2.64 it shows ``policy`` and ``rules``. From 2.13 the
owner (``project_id``, ``user_id``) is shown too.
"""


def _rules(group):
    rules = dict(group.rules or {})
    if "max_server_per_host" in rules:
        # Stored as text, shown as the number it is.
        rules["max_server_per_host"] = int(rules["max_server_per_host"])
    return rules


def group_view(req, group):
    view = {"id": group.uuid, "name": group.name, "members": list(group.members or [])}
    if req.is_at_least("2.64"):
        view["policy"] = group.policy
        view["rules"] = _rules(group)
    else:
        view["policies"] = group.policies
        view["metadata"] = {}
    if req.is_at_least("2.13"):
        view["project_id"] = group.project_id
        view["user_id"] = group.user_id
    return view


def show(req, group):
    return {"server_group": group_view(req, group)}


def index(req, groups):
    return {"server_groups": [group_view(req, g) for g in groups]}
