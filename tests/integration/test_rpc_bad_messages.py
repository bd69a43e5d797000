"""Messages a running nova-compute cannot handle, over the real RabbitMQ.

nova-conductor (SQLite) and nova-compute (no database: its objects go
through the conductor) run as separate processes on a private vhost. The test
puts bad messages on the compute's own queue (``compute.<host>`` on the
``nova`` exchange): raw with kombu where no oslo.messaging client would send
them (a body that is not JSON, an envelope of an unknown ``oslo.version``),
through an oslo.messaging client otherwise (a method that does not exist,
arguments the method does not take, an object of an unknown class, of an
unknown major version, of a newer minor version). The conductor runs one
Instance minor version ahead (tests/integration/newer_conductor.py), as
after an upgrade of the conductors: an Instance 1.2 given to the compute is
backported through it and handled; a version it does not know either is
refused.

What must happen each time: the compute logs one line saying which method,
from whom and why; a cast is dropped (the queue is empty afterwards, the line
is not logged again), a call's caller gets an error, not a timeout; and the
compute answers the next good call.

A ``build_and_run_instance`` cast the compute refuses is a build that will
never happen: the instance it was about stays in BUILD until the compute's
``[DEFAULT] instance_build_timeout`` check (5 s here; the check runs once a
minute, first a minute after the compute started, so the cast is sent as the
compute comes up and checked by the module's last test) ends it in ERROR
with a fault.
"""

import datetime
import json
import os
import re
import time
import uuid

import kombu
import oslo_messaging as messaging
from oslo_utils import timeutils
import pytest

from nova.compute import rpcapi as compute_rpcapi
from nova.compute import task_states
from nova.compute import vm_states
import nova.conf
from nova import context
from nova import exception
from nova import objects
from nova import rpc
from tests import realparts
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

CONF = nova.conf.CONF
HOST = "bad-msg-host"
QUEUE = "compute.%s" % HOST


class Deployment:
    def __init__(self, vhost, transport, compute, log_path, conductor_log, db_path):
        self.conductor_log = conductor_log
        self.db_path = db_path
        self.vhost = vhost
        self.transport = transport
        self.compute = compute
        self.log_path = log_path
        self.ctxt = context.RequestContext(user_id="tester", project_id="p-bad",
                                           request_id="req-" + str(uuid.uuid4()))
        self._offset = 0

    def peek_log(self):
        """What the compute logged since the last look, leaving it unlooked at."""
        with open(self.log_path) as log:
            log.seek(self._offset)
            return log.read()

    def new_log(self):
        """What the compute logged since the last look."""
        with open(self.log_path) as log:
            log.seek(self._offset)
            text = log.read()
            self._offset = log.tell()
        return text

    def client(self, version="6.5"):
        target = messaging.Target(topic="compute", server=HOST, version=version)
        return rpc.get_client(target, transport=self.transport).prepare(timeout=10)

    def answers(self):
        """The compute answers a good call (and has not died meanwhile)."""
        assert self.compute.alive(), self.compute.stderr()[-3000:]
        uptime = compute_rpcapi.ComputeAPI(transport=self.transport).get_host_uptime(
            self.ctxt, HOST)
        assert " up " in uptime

    def publish(self, body, content_type="application/json"):
        url = self.vhost.url.replace("rabbit://", "amqp://")
        with kombu.Connection(url) as conn:
            producer = conn.Producer()
            producer.publish(body, exchange="nova", routing_key=QUEUE,
                             content_type=content_type, content_encoding="utf-8",
                             serializer=None)

    def waiting(self):
        """Messages in the compute's queue (neither consumed nor dropped yet)."""
        url = self.vhost.url.replace("rabbit://", "amqp://")
        with kombu.Connection(url) as conn:
            _name, count, _consumers = conn.default_channel.queue_declare(
                queue=QUEUE, passive=True)
        return count


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bad-messages")
    vhost = realparts.RabbitVhost()
    daemons = []
    transport = None
    try:
        db_path = tmp_path / "cell.sqlite"
        db_url = "sqlite:///%s" % db_path
        nova_procs.sync_cell_db(db_url)
        conductor_conf = nova_procs.write_config(
            str(tmp_path / "conductor.conf"),
            nova_procs.base_sections(tmp_path, "bad-msg-ctl", vhost.url, db_url))
        compute_conf = nova_procs.write_config(
            str(tmp_path / "compute.conf"),
            nova_procs.base_sections(tmp_path, HOST, vhost.url, db_url=None,
                                     DEFAULT={"instance_build_timeout": 5}))
        # A conductor one Instance minor version ahead (upgraded first).
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        daemons.append(nova_procs.Daemon("nova-conductor", conductor_conf,
                                         env={"PYTHONPATH": pythonpath},
                                         python_module="tests.integration.newer_conductor"))
        compute = nova_procs.Daemon("nova-compute", compute_conf)
        daemons.append(compute)
        nova_procs.wait_for(
            lambda: {"nova-conductor", "nova-compute"} <= set(
                nova_procs.service_rows(db_path)),
            timeout=60, what="both service rows", daemons=daemons)
        rpc.register_opts(CONF)
        objects.register_all()
        transport = messaging.get_rpc_transport(
            CONF, url=vhost.url, allowed_remote_exmods=rpc.get_allowed_exmods())
        deployment = Deployment(vhost, transport, compute,
                                str(tmp_path / ("%s.log" % HOST)),
                                str(tmp_path / "bad-msg-ctl.log"), db_path)
        # The service row comes before the compute's queue (as upstream's
        # start-up orders them): a call sent in between is lost, so ask with a
        # short wait until the compute serves.
        nova_procs.wait_for(lambda: _serving(deployment), timeout=120, interval=0.5,
                            what="the compute serving RPC", daemons=daemons)
        deployment.answers()
        deployment.lost_build = _lose_a_build(deployment, db_url)
        yield deployment
    finally:
        for daemon in daemons:
            daemon.terminate()
            daemon.kill()
        if transport is not None:
            transport.cleanup()
        vhost.delete()


def _lose_a_build(deployment, db_url):
    """An instance in BUILD on the compute, and a build cast the compute refuses."""
    cell = objects.CellMapping(uuid=str(uuid.uuid4()), name="cell1",
                               database_connection=db_url,
                               transport_url=deployment.vhost.url)
    with context.target_cell(context.get_admin_context(), cell) as cctxt:
        instance = objects.Instance(
            context=cctxt, uuid=str(uuid.uuid4()), display_name="lost",
            project_id="p-bad", user_id="tester", vm_state=vm_states.BUILDING,
            task_state=task_states.SCHEDULING, power_state=0, host=HOST, node=HOST,
            system_metadata={}, metadata={}, locked=False, launch_index=0,
            created_at=timeutils.utcnow() - datetime.timedelta(minutes=5))
        instance.create()
    # A newer sender's argument: the compute cannot take it and drops the cast.
    deployment.client(version="6.3").cast(deployment.ctxt, "build_and_run_instance",
                                          instance=instance, image={}, new_argument=1)
    nova_procs.wait_for(lambda: "build_and_run_instance does not take" in
                        deployment.peek_log(), timeout=15,
                        what="the refused build cast")
    log = deployment.new_log()
    assert re.search(r"Refused RPC cast compute\.build_and_run_instance from request %s "
                     r"\(user tester, project p-bad\): build_and_run_instance does not take "
                     r"these arguments \(image, instance, new_argument\)"
                     % deployment.ctxt.request_id, log), log[-3000:]
    return instance.uuid


def _dropped(deployment, pattern):
    """The cast left the queue and its refusal was logged once, and only once."""
    nova_procs.wait_for(lambda: re.search(pattern, deployment.peek_log()),
                        timeout=15, what="the refusal in the compute's log")
    deployment.answers()  # a good call after it: the compute serves on
    time.sleep(0.5)
    assert deployment.waiting() == 0
    log = deployment.new_log()
    assert len(re.findall(pattern, log)) == 1, log[-3000:]
    return log


def _serving(deployment):
    try:
        return " up " in deployment.client().call(deployment.ctxt, "get_host_uptime")
    except messaging.MessagingTimeout:
        return False


def _envelope(method, args, version="6.5", oslo_version="2.0", request_id="req-raw-1"):
    message = {"method": method, "args": args, "version": version,
               "_unique_id": uuid.uuid4().hex,
               "_context_request_id": request_id, "_context_user_id": "raw-user",
               "_context_project_id": "raw-project", "_context_read_deleted": "no",
               "_context_is_admin": True, "_context_roles": ["admin"]}
    return json.dumps({"oslo.version": oslo_version, "oslo.message": json.dumps(message)})


def test_a_body_that_is_not_json_is_dropped(deployment):
    deployment.publish(b"{this is not json", content_type="application/json")
    _dropped(deployment, r"Failed to process message \.\.\. skipping it")


def test_an_unknown_envelope_version_is_dropped(deployment):
    deployment.publish(_envelope("get_host_uptime", {}, version="6.0", oslo_version="9.0"))
    log = _dropped(deployment, r"Failed to process message \.\.\. skipping it")
    assert "UnsupportedRpcEnvelopeVersion" in log


def test_a_cast_of_a_method_that_does_not_exist(deployment):
    deployment.publish(_envelope("launch_missiles", {"count": 3}, request_id="req-nm"))
    _dropped(deployment, r"Refused RPC cast compute\.launch_missiles from request req-nm "
                         r"\(user raw-user, project raw-project\): .*launch_missiles.*; "
                         r"dropped, not redelivered\.")


def test_a_cast_with_arguments_the_method_does_not_take(deployment):
    deployment.publish(_envelope("get_host_uptime", {"bogus": 1}, version="6.0",
                                 request_id="req-args"))
    _dropped(deployment, r"Refused RPC cast compute\.get_host_uptime from request "
                         r"req-args .*: get_host_uptime does not take these arguments "
                         r"\(bogus\)")


def test_calls_that_cannot_be_handled_answer_an_error(deployment):
    client = deployment.client()
    started = time.monotonic()
    with pytest.raises(messaging.RemoteError) as raised:
        client.call(deployment.ctxt, "launch_missiles")
    assert raised.value.exc_type == "NoSuchMethod"
    with pytest.raises(rpc.RPCMessageRejected) as raised:
        client.call(deployment.ctxt, "get_console_output", instance=None, bogus=True)
    assert "get_console_output does not take these arguments (bogus, instance)" \
        in str(raised.value)
    assert time.monotonic() - started < 5  # errors, not timeouts
    log = deployment.new_log()
    assert re.search(r"Refused RPC call compute\.launch_missiles from request %s "
                     r"\(user tester, project p-bad\): .*; the caller gets the error\."
                     % deployment.ctxt.request_id, log), log[-3000:]
    assert "Exception during message handling" not in log  # one line, no traceback
    deployment.answers()


def _instance_primitive(name="Instance", version="1.1"):
    return {"nova_object.name": name, "nova_object.namespace": "nova",
            "nova_object.version": version,
            "nova_object.data": {"uuid": str(uuid.uuid4()), "host": HOST}}


@pytest.mark.parametrize("name,version,why", [
    ("NoSuchThing", "1.0", "UnsupportedObjectError"),
    ("Instance", "9.0", "IncompatibleObjectVersion"),
    # A newer minor: the compute asks the conductor to backport it; the
    # conductor does not know that version either, and says so.
    ("Instance", "1.99", "conductor.object_backport_versions refused"),
])
def test_objects_that_cannot_be_deserialized(deployment, name, version, why):
    client = deployment.client()
    with pytest.raises(rpc.RPCMessageRejected) as raised:
        client.call(deployment.ctxt, "get_console_output",
                    instance=_instance_primitive(name, version))
    assert "cannot deserialize it" in str(raised.value) and why in str(raised.value)
    log = deployment.new_log()
    assert len(re.findall(r"Refused RPC call compute\.get_console_output", log)) == 1
    assert why in log
    # Only a newer minor version is worth asking the conductor about; the
    # conductor, refusing it in turn, does not ask itself.
    sent = re.compile(r"nova\.rpc\.sent .*RPC call conductor\.object_backport_versions")
    assert bool(sent.search(log)) == (version == "1.99"), log[-3000:]
    with open(deployment.conductor_log) as conductor_log:
        assert not sent.search(conductor_log.read())
    # The same object in a cast: dropped.
    deployment.client().cast(deployment.ctxt, "get_console_output",
                             instance=_instance_primitive(name, version))
    _dropped(deployment, r"Refused RPC cast compute\.get_console_output from request %s"
             % deployment.ctxt.request_id)


def test_a_newer_minor_version_is_backported_by_the_conductor(deployment):
    primitive = _instance_primitive("Instance", "1.2")
    primitive["nova_object.data"]["newer_field"] = "only the newer tree knows it"
    # The compute has no guest for this instance: its own answer, InstanceNotFound
    # naming the uuid, shows that the object reached the method.
    with pytest.raises(exception.InstanceNotFound) as raised:
        deployment.client().call(deployment.ctxt, "get_console_output", instance=primitive)
    assert primitive["nova_object.data"]["uuid"] in str(raised.value)
    log = deployment.new_log()
    assert re.search(r"nova\.rpc\.sent .*RPC call conductor\.object_backport_versions", log)
    assert "Refused RPC" not in log
    with open(deployment.conductor_log) as conductor_log:
        assert "Backporting Instance to 1.1" in conductor_log.read()
    deployment.answers()


def test_the_lost_build_ends_in_error_with_a_fault(deployment):
    """Last: the compute's first build-time check, a minute after it started."""
    assert deployment.waiting() == 0

    def state():
        rows = nova_procs.sqlite_rows(
            deployment.db_path, "SELECT vm_state, task_state FROM instances WHERE uuid = ?",
            (deployment.lost_build,))
        return rows[0] if rows and rows[0][0] == "error" else None

    assert nova_procs.wait_for(state, timeout=75, interval=1,
                               what="the lost build in ERROR") == ("error", None)
    faults = nova_procs.sqlite_rows(
        deployment.db_path, "SELECT message FROM instance_faults WHERE instance_uuid = ?",
        (deployment.lost_build,))
    assert faults and "did not finish building within 5 seconds" in faults[0][0], faults
