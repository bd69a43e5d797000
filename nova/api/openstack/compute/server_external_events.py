"""/os-server-external-events: other services tell nova about events of servers.

Each event names a server. A server that does not exist gets code 404, one
not yet on a host (still being scheduled) 422; both come back with status
'failed'. The accepted events are cast to the servers' compute hosts. The
answer is 200 when every event was accepted, 207 when only some were, and a
404 error when none was.
"""

import webob.exc

from nova.api.openstack.compute.schemas import server_external_events as schemas
from nova.api.openstack.compute import servers
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import rpcapi as compute_rpcapi
from nova import exception
from nova import objects

POLICY = "os_compute_api:os-server-external-events:create"


def _compute_rpcapi():
    return compute_rpcapi.ComputeAPI()


def _instance(context, server_uuid, cache):
    if server_uuid not in cache:
        try:
            cache[server_uuid] = servers.COMPUTE.get(context, server_uuid)
        except exception.InstanceNotFound:
            cache[server_uuid] = None
    return cache[server_uuid]


@wsgi.expected_errors((403, 404))
@validation.schema(schemas.create, "2.1", "2.50")
@validation.schema(schemas.create_v251, "2.51", "2.75")
@validation.schema(schemas.create_v276, "2.76", "2.81")
@validation.schema(schemas.create_v282, "2.82", "2.92")
@validation.schema(schemas.create_v293, "2.93")
def create(req):
    context = req.context
    context.can(POLICY, target={})
    found, accepted, answers, by_host = {}, [], [], {}
    for item in req.get_json()["events"]:
        answer = dict(item)
        answer.setdefault("status", "completed")
        instance = _instance(context, item["server_uuid"], found)
        if instance is None:
            answer.update(code=404, status="failed")
        elif not instance.obj_attr_is_set("host") or not instance.host:
            answer.update(code=422, status="failed")
        else:
            answer["code"] = 200
            event = objects.InstanceExternalEvent(
                instance_uuid=instance.uuid, name=item["name"], status=answer["status"],
                tag=item.get("tag"), data={})
            accepted.append(event)
            host_instances, host_events = by_host.setdefault(instance.host, ({}, []))
            host_instances[instance.uuid] = instance
            host_events.append(event)
        answers.append(answer)
    if not accepted:
        raise webob.exc.HTTPNotFound(explanation="No instances found for any event")
    rpcapi = _compute_rpcapi()
    for host, (host_instances, host_events) in by_host.items():
        rpcapi.external_instance_event(context, list(host_instances.values()), host_events,
                                       host=host)
    code = 200 if all(a["code"] == 200 for a in answers) else 207
    return wsgi.ResponseObject({"events": answers}, code=code)


ROUTES = [
    ("/os-server-external-events", {"POST": create}),
]
