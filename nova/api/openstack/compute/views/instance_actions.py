"""Response bodies of os-instance-actions: actions and their events."""

from nova.api.openstack import common
from nova.api.openstack.compute.views import servers as server_views

ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id",
               "start_time", "message")
EVENT_KEYS = ("event", "start_time", "finish_time", "result")
_TIMES = ("start_time", "finish_time", "updated_at")


def _value(key, value):
    if key in _TIMES and value is not None:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value


def action(req, act):
    keys = ACTION_KEYS + (("updated_at",) if req.is_at_least("2.58") else ())
    return {key: _value(key, getattr(act, key)) for key in keys}


def event(evt, project_id, show_traceback, show_host, show_host_id, show_details):
    view = {key: _value(key, getattr(evt, key)) for key in EVENT_KEYS}
    if show_traceback:
        view["traceback"] = evt.traceback
    if show_host:
        view["host"] = evt.host
    if show_host_id:
        view["hostId"] = server_views.host_id(project_id, evt.host)
    if show_details:
        view["details"] = evt.details
    return view


def index(req, server_id, actions):
    body = {"instanceActions": [action(req, a) for a in actions]}
    if req.is_at_least("2.58"):
        links = common.collection_links(
            req, body["instanceActions"], "servers/%s/os-instance-actions" % server_id,
            id_key="request_id")
        if links:
            body["links"] = links
    return body
