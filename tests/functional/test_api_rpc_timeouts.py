"""Every API request that waits on a compute which does not answer: one fault.

The whole control plane runs in this process (stack_fixture) with the Neutron
stand-in. The compute's RPC server is stopped while its heartbeat goes on
(a wedged nova-compute the service group still counts as up), and
``rpc_response_timeout`` is 1 s. Every route that makes a synchronous RPC
``call`` then answers as upstream's API does for a MessagingTimeout: 500
``computeFault`` (nova.api.openstack.faults._rpc_timeout_fault), here with a
message naming the host, the method and the wait, one WARNING log line and no
traceback, and nothing left half-written (the server has no task_state,
nothing was attached).

The calls made while serving the API: os-getConsoleOutput, diagnostics
(before and from 2.48), os-getVNCConsole and remote-consoles (2.6),
changePassword (the only one that sets a task_state first), os-interface
attach, and os-hypervisors uptime (before 2.88; a 2.88 show leaves the uptime
out instead). Snapshot, backup, detach and every other action are casts.
"""

import logging

import pytest

from nova.api.openstack.compute import attach_interfaces
from nova.api.openstack.compute import server_create
from tests.functional import inprocess
from tests.functional import neutron_standin
from tests.functional import stack_fixture

CONF = inprocess.CONF
HOST = "wedged1"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    standin, _url, stop_neutron = neutron_standin.start_backend(
        monkeypatch, (server_create, attach_interfaces))
    cloud, stops = stack_fixture.start_cloud(tmp_path_factory.mktemp("rpc-timeouts"),
                                             monkeypatch, compute_hosts=(HOST,))
    try:
        cloud.network = standin.add_network("private", "admin", cidr="10.7.0.0/24")
        cloud.other = standin.add_network("other", "admin", cidr="10.8.0.0/24")
        standin.default_security_group("admin")
        cloud.standin = standin
        flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1)
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "vm", "flavorRef": flavor, "imageRef": cloud.create_image(),
            "networks": [{"uuid": cloud.network["id"]}]}})
        assert status == 202, body
        cloud.server = cloud.wait_for_status(body["server"]["id"], "ACTIVE")["id"]
        status, _h, body = cloud.request("GET", "/os-hypervisors")
        cloud.hypervisor = body["hypervisors"][0]["id"]
        status, _h, body = cloud.request("GET", "/os-hypervisors", version="2.53")
        cloud.hypervisor_uuid = body["hypervisors"][0]["id"]
        # The compute stops reading its queue; its heartbeat goes on.
        rpcserver = cloud.computes[HOST].rpcserver
        rpcserver.stop()
        rpcserver.wait()
        CONF.set_override("rpc_response_timeout", 1)
        yield cloud
    finally:
        CONF.clear_override("rpc_response_timeout")
        stack_fixture.stop_all(stops)
        stop_neutron()
        monkeypatch.undo()


def _timed_out(env, caplog, method, path, body=None, version=None, rpc_method=None):
    """The request's answer, checked to be the one RPC timeout fault."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status, _h, answer = env.request(method, path, body, version=version)
    assert status == 500, answer
    assert list(answer) == ["computeFault"], answer
    message = answer["computeFault"]["message"]
    assert answer["computeFault"]["code"] == 500
    assert message == (
        "The nova-compute service of host %s did not answer %s within 1 seconds "
        "(MessagingTimeout); try again later." % (HOST, rpc_method)), message
    mine = [r for r in caplog.records if r.name == "nova.api.openstack.faults"]
    assert len(mine) == 1 and mine[0].levelno == logging.WARNING, mine
    assert rpc_method in mine[0].getMessage() and path in mine[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    return answer


def _server(env):
    status, _h, body = env.request("GET", "/servers/%s" % env.server)
    assert status == 200, body
    return body["server"]


def _settled(env):
    server = _server(env)
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None, server


def test_console_output(env, caplog):
    _timed_out(env, caplog, "POST", "/servers/%s/action" % env.server,
               {"os-getConsoleOutput": {"length": 10}}, rpc_method="get_console_output")
    _settled(env)


@pytest.mark.parametrize("version,rpc_method", [("2.1", "get_diagnostics"),
                                                ("2.48", "get_instance_diagnostics")])
def test_diagnostics(env, caplog, version, rpc_method):
    _timed_out(env, caplog, "GET", "/servers/%s/diagnostics" % env.server, version=version,
               rpc_method=rpc_method)


def test_vnc_console_action_and_remote_consoles(env, caplog):
    _timed_out(env, caplog, "POST", "/servers/%s/action" % env.server,
               {"os-getVNCConsole": {"type": "novnc"}}, rpc_method="get_vnc_console")
    _timed_out(env, caplog, "POST", "/servers/%s/remote-consoles" % env.server,
               {"remote_console": {"protocol": "vnc", "type": "novnc"}}, version="2.6",
               rpc_method="get_vnc_console")
    _settled(env)


def test_change_password_reverts_the_task_state(env, caplog):
    _timed_out(env, caplog, "POST", "/servers/%s/action" % env.server,
               {"changePassword": {"adminPass": "s3cret-pass"}},
               rpc_method="set_admin_password")
    _settled(env)
    # Not refused as "updating_password" afterwards: nothing was left behind.
    _timed_out(env, caplog, "POST", "/servers/%s/action" % env.server,
               {"changePassword": {"adminPass": "s3cret-pass"}},
               rpc_method="set_admin_password")
    _settled(env)


def test_interface_attach_attaches_nothing(env, caplog):
    before = sorted(port["id"] for port in env.standin.ports.values())
    _timed_out(env, caplog, "POST", "/servers/%s/os-interface" % env.server,
               {"interfaceAttachment": {"net_id": env.other["id"]}},
               rpc_method="attach_interface")
    assert sorted(port["id"] for port in env.standin.ports.values()) == before
    status, _h, body = env.request("GET", "/servers/%s/os-interface" % env.server)
    assert [a["net_id"] for a in body["interfaceAttachments"]] == [env.network["id"]]
    _settled(env)


def test_hypervisor_uptime(env, caplog):
    _timed_out(env, caplog, "GET", "/os-hypervisors/%s/uptime" % env.hypervisor,
               rpc_method="get_host_uptime")
    # 2.88 folds the uptime into show: left out (null) rather than a failure.
    status, _h, body = env.request("GET", "/os-hypervisors/%s" % env.hypervisor_uuid,
                                   version="2.88")
    assert status == 200, body
    assert body["hypervisor"]["uptime"] is None
