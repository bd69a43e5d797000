"""os-getConsoleOutput (POST /servers/{id}/action) through the whole control plane.

The compute's fake driver keeps a serial log per guest (its boot lines);
the API answers its last ``length`` lines.
"""

import json
import os
import subprocess
import sys

import pytest

from nova.virt import fake
from tests.functional import stack_fixture

HOST = "console1"
BOOT_LINES = 5  # the fake guest's log (nova.virt.fake.FakeInstance.console_log)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    yield from stack_fixture.module_cloud(tmp_path_factory, "console", HOST, boot="chatty")


def _output(stack, server_id, arguments=None, version=None, **kwargs):
    return stack.request("POST", "/servers/%s/action" % server_id,
                         {"os-getConsoleOutput": {} if arguments is None else arguments},
                         version=version, **kwargs)


def _lines(stack):
    return stack.driver(HOST).instances[stack.server].console_log


def test_whole_log_and_last_lines(stack):
    expected = "\n".join(_lines(stack)) + "\n"
    for arguments in ({}, {"length": None}, {"length": -1}, {"length": "-1"}):
        status, _h, body = _output(stack, stack.server, arguments)
        assert status == 200, (arguments, body)
        assert body == {"output": expected}
    assert "chatty login:" in expected
    for length in (2, "2"):
        status, _h, body = _output(stack, stack.server, {"length": length})
        assert status == 200, body
        assert body["output"] == "\n".join(_lines(stack)[-2:]) + "\n"
    status, _h, body = _output(stack, stack.server, {"length": 0})
    assert body == {"output": ""}
    status, _h, body = _output(stack, stack.server, {"length": 100})
    assert body == {"output": expected}


def test_control_characters_are_stripped_and_bytes_replaced(stack):
    log = _lines(stack)
    log.append("bell\x07 and escape\x1b[0m\ttab")
    try:
        status, _h, body = _output(stack, stack.server, {"length": 1})
        assert status == 200, body
        assert body["output"] == "bell and escape[0m\ttab\n"
    finally:
        log.pop()


def test_cli_console_log_show(stack):
    """``openstack console log show --lines 2`` prints the log's last two lines."""
    clouds = {"clouds": {"c": {
        "auth_type": "admin_token",
        "auth": {"endpoint": stack.api.endpoint, "token": "admin:admin"},
        "compute_endpoint_override": stack.api.endpoint, "region_name": "RegionOne",
        "identity_api_version": "3",
        "identity_endpoint_override": stack.api.root + "/identity/v3"}}}
    path = stack.tmp_path / "clouds-console.yaml"
    path.write_text(json.dumps(clouds))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["OS_CLIENT_CONFIG_FILE"] = str(path)
    # The real ``openstack`` console script, started as a process of its own:
    # the other CLI tests share one CLI process (tests/osc_session.py), which
    # runs the same entry point; this one proves the script itself works.
    openstack = os.path.join(os.path.dirname(sys.executable), "openstack")
    proc = subprocess.run([openstack, "--os-cloud", "c", "console", "log", "show",
                           "--lines", "2", stack.server], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines() == _lines(stack)[-2:]


def test_sdk_get_server_console_output(stack):
    conn = stack.sdk()
    answer = conn.compute.get_server_console_output(stack.server, length=1)
    assert answer == {"output": _lines(stack)[-1] + "\n"}


def test_bad_bodies(stack):
    for bad in ({"os-getConsoleOutput": {"length": -2}},
                {"os-getConsoleOutput": {"length": "ten"}},
                {"os-getConsoleOutput": {"length": 1.5}},
                {"os-getConsoleOutput": {"lines": 1}},
                {"os-getConsoleOutput": None},
                {"os-getConsoleOutput": "10"}):
        status, _h, body = stack.request("POST", "/servers/%s/action" % stack.server, bad)
        assert status == 400, (bad, body)
        assert "badRequest" in body


def test_stopped_server_still_has_its_log(stack):
    stack.request("POST", "/servers/%s/action" % stack.server, {"os-stop": None})
    stack.wait_for_status(stack.server, "SHUTOFF")
    try:
        status, _h, body = _output(stack, stack.server, {"length": 1})
        assert status == 200, body
        assert body["output"] == _lines(stack)[-1] + "\n"
    finally:
        stack.request("POST", "/servers/%s/action" % stack.server, {"os-start": None})
        stack.wait_for_status(stack.server, "ACTIVE")


def test_refusals_404_409_403_and_501(stack, monkeypatch):
    # Another project's server is not there; a reader may not read the log.
    status, _h, body = _output(stack, stack.server, user="eve", project="other")
    assert status == 404, body
    # A server that never got a host: 409 "not ready".
    stack.driver(HOST).fail_next_spawns()
    status, _h, created = stack.request("POST", "/servers", {"server": {
        "name": "hostless", "flavorRef": stack.flavor, "imageRef": stack.image}})
    hostless = created["server"]["id"]
    shown = stack.wait_for_status(hostless, "ERROR")
    assert shown["OS-EXT-SRV-ATTR:host"] is None
    status, _h, body = _output(stack, hostless)
    assert status == 409, body
    assert body["conflictingRequest"]["message"] == "Instance %s is not ready" % hostless
    stack.request("DELETE", "/servers/%s" % hostless)
    # A hypervisor that cannot read logs: 501.
    monkeypatch.setattr(fake.FakeDriver, "get_console_output",
                        lambda self, context, instance: (_ for _ in ()).throw(
                            NotImplementedError()))
    status, _h, body = _output(stack, stack.server)
    assert status == 501, body
    assert body["notImplemented"]["message"] == (
        "Unable to get console log, functionality not implemented")
    # A hypervisor that keeps no log for this guest: 404.
    from nova import exception
    monkeypatch.setattr(fake.FakeDriver, "get_console_output",
                        lambda self, context, instance: (_ for _ in ()).throw(
                            exception.ConsoleNotAvailable()))
    status, _h, body = _output(stack, stack.server)
    assert status == 404, body
    assert body["itemNotFound"]["message"] == "Guest does not have a console available."
