"""The shared ``openstack`` CLI process (tests/osc_session.py) runs each
command as its own ``openstack`` process would: with that command's ``OS_*``
variables only, its exit code and error text, and a hung command stopped
after its timeout without wedging the commands after it."""

import json
import os
import socket
import subprocess

import pytest

from tests import osc_session


def _clouds(tmp_path, endpoint):
    path = tmp_path / "clouds.yaml"
    path.write_text(json.dumps({"clouds": {"c": {
        "auth_type": "admin_token",
        "auth": {"endpoint": endpoint, "token": "admin:admin"},
        "compute_endpoint_override": endpoint, "region_name": "RegionOne",
        "identity_api_version": "3"}}}))
    return str(path)


def test_each_command_sees_its_own_os_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("OS_INTERFACE", "internal")     # the test process's: not passed on
    clouds = _clouds(tmp_path, "http://127.0.0.1:9/v2.1")
    env = {"OS_CLIENT_CONFIG_FILE": clouds, "OS_CLOUD": "c"}
    first = osc_session.run(["configuration", "show", "-f", "json"],
                            env=dict(env, OS_INTERFACE="admin"), cwd=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["interface"] == "admin"
    second = osc_session.run(["configuration", "show", "-f", "json"], env=env,
                             cwd=str(tmp_path))
    assert second.returncode == 0, second.stderr
    shown = json.loads(second.stdout)
    assert shown["region_name"] == "RegionOne"
    assert shown.get("interface") not in ("admin", "internal"), shown
    assert isinstance(second, subprocess.CompletedProcess)
    assert second.args == ["configuration", "show", "-f", "json"]


def test_a_failing_command_gives_its_exit_code_and_message(tmp_path):
    env = {"OS_CLIENT_CONFIG_FILE": _clouds(tmp_path, "http://127.0.0.1:9/v2.1")}
    proc = osc_session.run(["--os-cloud", "no-such-cloud", "server", "list"], env=env,
                           cwd=str(tmp_path))
    assert proc.returncode != 0
    assert "no-such-cloud" in proc.stderr, proc.stderr


def test_a_hung_command_is_stopped_and_the_next_one_runs(tmp_path):
    # A server that takes the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        endpoint = "http://127.0.0.1:%d/v2.1" % silent.getsockname()[1]
        env = {"OS_CLIENT_CONFIG_FILE": _clouds(tmp_path, endpoint)}
        with pytest.raises(subprocess.TimeoutExpired):
            osc_session.run(["--os-cloud", "c", "server", "list"], env=env,
                            cwd=str(tmp_path), timeout=3)
    finally:
        silent.close()
    after = osc_session.run(["--os-cloud", "c", "configuration", "show", "-f", "json"],
                            env=env, cwd=str(tmp_path))
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["region_name"] == "RegionOne"


def test_a_command_runs_in_its_own_directory(tmp_path):
    _clouds(tmp_path, "http://127.0.0.1:9/v2.1")
    # A relative clouds.yaml is found from the command's directory only.
    env = {"OS_CLIENT_CONFIG_FILE": "clouds.yaml"}
    proc = osc_session.run(["--os-cloud", "c", "configuration", "show", "-f", "json"],
                           env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["region_name"] == "RegionOne"
    assert os.getcwd() != str(tmp_path)
