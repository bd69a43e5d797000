"""nova-api with several worker processes: one listening socket, clean shutdown.

``[DEFAULT] osapi_compute_workers = 2`` makes nova-api fork two workers that
accept on the socket the parent opened; SIGTERM to the parent stops them all,
and a parent killed outright does not leave its workers behind. Needs no
outside service (SQLite and the fake transport).
"""

import concurrent.futures
import json
import os
import re
import signal
import time
import urllib.request

import pytest

from tests.functional import manage_helpers
from tests.integration import nova_procs

pytestmark = pytest.mark.integration

WORKERS = 2


def _children(pid):
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _get(port, path):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"X-Auth-Token": "admin:admin"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())


@pytest.fixture
def api_conf(tmp_path):
    conf = str(tmp_path / "nova.conf")
    port = nova_procs.free_port()
    nova_procs.write_config(conf, {
        "DEFAULT": {"host": "workers-host", "transport_url": "fake://",
                    "state_path": str(tmp_path), "enabled_apis": "osapi_compute",
                    "osapi_compute_listen": "127.0.0.1",
                    "osapi_compute_listen_port": port,
                    "osapi_compute_workers": WORKERS,
                    "log_file": str(tmp_path / "nova-api.log")},
        "api": {"auth_strategy": "noauth2"},
        "database": {"connection": "sqlite:///%s" % (tmp_path / "cell.sqlite")},
        "api_database": {"connection": "sqlite:///%s" % (tmp_path / "api.sqlite")},
    })
    # As ``nova-manage api_db sync`` and ``db sync`` leave them (set-up only).
    manage_helpers.synced(tmp_path / "api.sqlite", tmp_path / "cell.sqlite")
    return conf, port


def _start(conf, port):
    daemon = nova_procs.Daemon("nova-api", conf)
    nova_procs.wait_for(lambda: len(_children(daemon.pid)) == WORKERS, timeout=60,
                        what="%d workers" % WORKERS, daemons=[daemon])

    def answers():
        try:
            return _get(port, "/v2.1/flavors")[0] == 200
        except OSError:
            return False
    nova_procs.wait_for(answers, timeout=60, what="nova-api answering", daemons=[daemon])
    return daemon


def test_workers_share_the_socket_and_stop_with_the_parent(api_conf):
    conf, port = api_conf
    daemon = _start(conf, port)
    try:
        workers = _children(daemon.pid)
        # Requests on fresh connections, several at a time: every one answered.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: _get(port, "/v2.1/flavors"), range(48)))
        assert all(status == 200 and body == {"flavors": []} for status, body in results)
        # Both workers accepted connections: their pids are in the request log.
        log = daemon.log()
        served = {int(pid) for pid in re.findall(
            r"^\S+ \S+ (\d+) INFO nova\.api\.middleware .*GET /v2\.1/flavors", log, re.M)}
        assert served <= set(workers) and len(served) == WORKERS, (served, workers)
        code, seconds = daemon.terminate(timeout=20)
    finally:
        daemon.kill()
    assert code == 0, daemon.stderr()
    assert seconds < 5.0, "nova-api took %.1fs to stop" % seconds
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]


def test_workers_exit_when_the_parent_is_killed(api_conf):
    conf, port = api_conf
    daemon = _start(conf, port)
    workers = _children(daemon.pid)
    try:
        daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        daemon.kill()
