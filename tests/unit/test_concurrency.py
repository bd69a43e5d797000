"""How a process picks its concurrency backend before anything is imported."""

import subprocess
import sys

from nova import concurrency


def test_default_is_threading(tmp_path):
    assert concurrency.requested_backend(argv=[], environ={}) == "threading"


def test_environment_variable_wins(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text("[DEFAULT]\nconcurrency_backend = threading\n")
    env = {concurrency.ENV_VAR: "eventlet"}
    assert concurrency.requested_backend(["--config-file", str(conf)], env) == "eventlet"


def test_config_file_and_dir_are_read(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text("[DEFAULT]\nconcurrency_backend = eventlet\n")
    assert concurrency.requested_backend(["--config-file=%s" % conf], {}) == "eventlet"
    confdir = tmp_path / "nova.conf.d"
    confdir.mkdir()
    (confdir / "10-backend.conf").write_text("[DEFAULT]\nconcurrency_backend = eventlet\n")
    assert concurrency.requested_backend(["--config-dir", str(confdir)], {}) == "eventlet"


def test_unknown_or_malformed_values_fall_back_to_threading(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("this is not an ini file\n[DEFAULT\n")
    assert concurrency.requested_backend(["--config-file", str(bad)], {}) == "threading"
    assert concurrency.requested_backend([], {concurrency.ENV_VAR: "gevent"}) == "threading"


def _selected_in_child(env_backend):
    code = ("import nova, nova.concurrency as c, sys\n"
            "from oslo_service import backend\n"
            "import threading, socket\n"
            "print(c.selected(), backend.get_backend_type().value,\n"
            "      'patched' if 'eventlet' in type(socket.socket).__module__ + "
            "socket.socket.__module__ else 'native')\n")
    env = {"PATH": "/usr/bin:/bin"}
    if env_backend:
        env[concurrency.ENV_VAR] = env_backend
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60, check=True)
    return out.stdout.split()


def test_a_fresh_process_uses_native_threads_by_default():
    assert _selected_in_child(None) == ["threading", "threading", "native"]


def test_a_fresh_process_can_choose_eventlet():
    assert _selected_in_child("eventlet") == ["eventlet", "eventlet", "patched"]
