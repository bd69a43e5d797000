"""Helpers of the shelve, backup and soft-delete functional tests."""

import time

from nova import context as nova_context
from nova import objects
from tests.functional import inprocess
from tests.functional import server_seed as seed


def boot(stack, name, host=None):
    """An ACTIVE server (on ``host`` when given, as admin's az:host); its id."""
    server = {"name": name, "flavorRef": stack.flavor, "imageRef": stack.image}
    if host:
        server["availability_zone"] = "nova:%s" % host
    status, _h, body = stack.request("POST", "/servers", {"server": server})
    assert status == 202, body
    return stack.wait_for_status(body["server"]["id"], "ACTIVE")["id"]


def action(stack, server_id, body, version=None, **kwargs):
    return stack.request("POST", "/servers/%s/action" % server_id, body, version=version,
                         **kwargs)


def show(stack, server_id, version="2.1"):
    status, _h, body = stack.request("GET", "/servers/%s" % server_id, version=version)
    assert status == 200, body
    return body["server"]


def idle(stack, server_id, status=None, timeout=30):
    """The server once no task runs on it (and its status is ``status``)."""
    def check():
        server = show(stack, server_id)
        if server["OS-EXT-STS:task_state"] is None and (
                status is None or server["status"] == status):
            return server
        return None
    return inprocess.wait_for(check, timeout=timeout,
                              what="server %s idle in %s" % (server_id, status))


def timed(stack, server_id, body, status, version=None):
    """POST the action, wait for ``status`` with no task; (seconds, server)."""
    start = time.monotonic()
    code, _h, answer = action(stack, server_id, body, version=version)
    assert code == 202, answer
    server = idle(stack, server_id, status)
    return time.monotonic() - start, server


def image(stack, image_id):
    return stack.request_image("GET", "/v2/images/%s" % image_id)


def images_named(stack, name):
    _s, _h, body = stack.request_image("GET", "/v2/images?name=%s" % name)
    return body["images"]


def events(stack, server_id, action_name, finished=True):
    """{event name: event} of the newest ``action_name`` action of the server.

    With ``finished``, once every event has its result: an operation's event
    is finished after its other effects (the server's state written, a failed
    snapshot's image deleted), so a test that saw those may not see it yet.
    """
    def read():
        _s, _h, body = stack.request("GET", "/servers/%s/os-instance-actions" % server_id)
        request_id = [a for a in body["instanceActions"] if a["action"] == action_name][0][
            "request_id"]
        _s, _h, body = stack.request(
            "GET", "/servers/%s/os-instance-actions/%s" % (server_id, request_id),
            version="2.51")
        return {e["event"]: e for e in body["instanceAction"]["events"]}

    if not finished:
        return read()

    def all_finished():
        found = read()
        return found if all(e["result"] for e in found.values()) else None
    return inprocess.wait_for(all_finished, timeout=30,
                              what="the %s events of %s finished" % (action_name, server_id))


def instance(stack, server_id):
    """The instance record, read deleted too (system metadata loaded)."""
    ctxt = nova_context.get_admin_context(read_deleted="yes")
    with nova_context.target_cell(ctxt, seed.cell1(stack.api)) as cctxt:
        return objects.Instance.get_by_uuid(cctxt, server_id,
                                            expected_attrs=["system_metadata"])


def latest_fault(stack, server_id):
    with nova_context.target_cell(stack.api.ctxt, seed.cell1(stack.api)) as cctxt:
        return objects.InstanceFault.get_latest_for_instance(cctxt, server_id)


def allocations(stack, server_id):
    return stack.placement.get("/allocations/%s" % server_id)["allocations"]


def conflict(body):
    return body["conflictingRequest"]["message"]
