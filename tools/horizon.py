#!/usr/bin/env python3
"""The real Horizon dashboard from PyPI, in its own virtualenv, against this cloud.

For trying the dashboard against a deployment of this project and for the
dashboard tests (tests/integration/horizon_fixture.py runs this script).
Standard library only; any Python 3.11 runs it.

    tools/horizon.py install
        Create (or reuse) the cached virtualenv
        ~/.cache/nova-tests/horizon-venv-<hash> holding horizon 27 and its
        Django, with a ``manage.py`` (the wheel has none) and a
        ``local_settings.py`` that reads the deployment's values from a file
        named by $NOVA_HORIZON_SETTINGS; then ``collectstatic`` and
        ``compress`` once (offline compression, as a production install has).
        The hash covers the requirements and the settings written here, so a
        change to either makes a new install.

    tools/horizon.py start --workdir DIR --keystone-url URL [--port N] [--json FILE]
        Write DIR/horizon_settings.py (Keystone's URL, a fresh secret key, a
        log file DIR/horizon.log), serve the dashboard with Django's
        ``runserver --insecure --noreload`` on a free loopback port and print
        a JSON document (URL, PID, log), also written to DIR/horizon.json.

    tools/horizon.py stop --workdir DIR
        Stop exactly the process that start left (its PID from DIR/horizon.json).

Sessions live in Django's local-memory cache (one server process), so no
database is needed.
"""

import argparse
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from neighbours import free_port  # the ports rule of both scripts

REQUIREMENTS = ("horizon==27.0.0",)
CACHE_ROOT = os.environ.get("NOVA_NEIGHBOURS_CACHE",
                            os.path.join(os.path.expanduser("~"), ".cache", "nova-tests"))
INSTALL_TIMEOUT = 1800

MANAGE_PY = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""

# openstack_dashboard/local/local_settings.py of the cached install. What a
# deployment changes (Keystone's URL, the secret key, the log file) comes from
# the file named by $NOVA_HORIZON_SETTINGS; the rest is fixed here, because the
# offline-compressed assets are made once for these values.
LOCAL_SETTINGS = """\
import os

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
WEBROOT = "/"
COMPRESS_OFFLINE = True
STATIC_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "static")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_TIMEOUT = 3600
TIME_ZONE = "UTC"
OPENSTACK_KEYSTONE_URL = "http://127.0.0.1:5000/v3"
OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"
OPENSTACK_ENDPOINT_TYPE = "publicURL"
OPENSTACK_NEUTRON_NETWORK = {
    "enable_router": True,
    "enable_quotas": False,
    "enable_distributed_router": False,
    "enable_ha_router": False,
    "enable_fip_topology_check": True,
}
OPENSTACK_HYPERVISOR_FEATURES = {"can_set_mount_point": False, "can_set_password": False,
                                 "requires_keypair": False, "enable_quotas": True}
LAUNCH_INSTANCE_DEFAULTS = {"config_drive": False, "create_volume": False,
                            "hide_create_volume": True}
SECRET_KEY = "replaced-by-the-deployment-settings"
LOGGING = {"version": 1, "disable_existing_loggers": False, "handlers": {},
           "loggers": {}}

_deployment = os.environ.get("NOVA_HORIZON_SETTINGS")
if _deployment:
    with open(_deployment) as _f:
        exec(compile(_f.read(), _deployment, "exec"))
"""

DEPLOYMENT_SETTINGS = """\
OPENSTACK_KEYSTONE_URL = {keystone_url!r}
SECRET_KEY = {secret!r}
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {{"plain": {{"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}}}},
    "handlers": {{"file": {{"class": "logging.FileHandler", "filename": {log!r},
                           "formatter": "plain"}}}},
    "loggers": {{name: {{"handlers": ["file"], "level": "INFO", "propagate": False}}
                for name in ("django", "horizon", "openstack_dashboard", "openstack_auth",
                             "novaclient", "keystoneauth", "openstack", "glanceclient")}},
}}
"""


def venv_path():
    key = hashlib.sha1(("\n".join(REQUIREMENTS) + LOCAL_SETTINGS + MANAGE_PY)
                       .encode()).hexdigest()[:12]
    return os.path.join(CACHE_ROOT, "horizon-venv-" + key)


def _python(path):
    return os.path.join(path, "bin", "python")


def dashboard_dir(path):
    """The installed openstack_dashboard package of the venv at ``path``."""
    out = subprocess.run([_python(path), "-c",
                          "import os, openstack_dashboard as d; "
                          "print(os.path.dirname(d.__file__))"],
                         check=True, capture_output=True, text=True, timeout=120)
    return out.stdout.strip()


def manage(path, *args, env=None, timeout=900):
    proc = subprocess.run([_python(path), os.path.join(path, "manage.py"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=path,
                          env=dict(os.environ, PYTHONWARNINGS="ignore", **(env or {})))
    if proc.returncode != 0:
        raise RuntimeError("manage.py %s failed (%d):\n%s\n%s" % (
            " ".join(args), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return proc.stdout


def ensure_venv(python=None):
    """Create (or reuse) the virtualenv; return (path, seconds spent installing).

    One installer at a time (a file lock); a venv without its marker file was
    left half-made and is made again.
    """
    path = venv_path()
    marker = os.path.join(path, ".installed")
    os.makedirs(CACHE_ROOT, exist_ok=True)
    start = time.monotonic()
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run([python or sys.executable, "-m", "venv", path], check=True)
            subprocess.run([_python(path), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", *REQUIREMENTS],
                           check=True, timeout=INSTALL_TIMEOUT)
            with open(os.path.join(path, "manage.py"), "w") as f:
                f.write(MANAGE_PY)
            with open(os.path.join(dashboard_dir(path), "local", "local_settings.py"),
                      "w") as f:
                f.write(LOCAL_SETTINGS)
            manage(path, "collectstatic", "--noinput", "--verbosity", "0")
            manage(path, "compress", "--force", "--verbosity", "0")
            with open(marker, "w") as f:
                f.write("\n".join(REQUIREMENTS) + "\n")
    return path, time.monotonic() - start


# -- running ----------------------------------------------------------------------------



def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def start(workdir, keystone_url, port=None, venv=None, timeout=120):
    """Serve the dashboard; the description (URL, PID, log) as a dict."""
    venv = venv or venv_path()
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    port = port or free_port()
    log = os.path.join(workdir, "horizon.log")
    settings = os.path.join(workdir, "horizon_settings.py")
    with open(settings, "w") as f:
        f.write(DEPLOYMENT_SETTINGS.format(keystone_url=keystone_url,
                                           secret=secrets.token_hex(32), log=log))
    out = open(os.path.join(workdir, "runserver.log"), "ab")
    try:
        proc = subprocess.Popen(
            [_python(venv), os.path.join(venv, "manage.py"), "runserver",
             "127.0.0.1:%d" % port, "--insecure", "--noreload"],
            cwd=venv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=dict(os.environ, NOVA_HORIZON_SETTINGS=settings, PYTHONWARNINGS="ignore",
                     PYTHONUNBUFFERED="1"),
            start_new_session=True)
    finally:
        out.close()
    data = {"url": "http://127.0.0.1:%d" % port, "pid": proc.pid, "venv": venv,
            "workdir": workdir, "log": log,
            "server_log": os.path.join(workdir, "runserver.log"),
            "keystone_url": keystone_url}
    with open(os.path.join(workdir, "horizon.json"), "w") as f:
        json.dump(data, f, indent=2)
    deadline = time.monotonic() + timeout
    while True:
        if not _alive(proc.pid):
            with open(data["server_log"], errors="replace") as f:
                raise RuntimeError("the dashboard exited:\n" + f.read()[-3000:])
        try:
            with urllib.request.urlopen(data["url"] + "/auth/login/", timeout=10) as resp:
                if resp.status == 200:
                    return data
        except urllib.error.HTTPError as err:
            raise RuntimeError("the login page answered %s" % err.code)
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(data)
            raise RuntimeError("the dashboard did not answer within %ss" % timeout)
        time.sleep(0.3)


def stop(data, timeout=15):
    """SIGTERM the process group start made, then SIGKILL."""
    pid = data["pid"]
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if _alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _reap(pid)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="create or reuse the cached virtualenv")
    start_p = sub.add_parser("start", help="serve the dashboard")
    start_p.add_argument("--workdir", required=True)
    start_p.add_argument("--keystone-url", required=True, help="Keystone's …/v3")
    start_p.add_argument("--port", type=int)
    start_p.add_argument("--json", help="also write the description here")
    stop_p = sub.add_parser("stop", help="stop the dashboard a start left running")
    stop_p.add_argument("--workdir", required=True)
    args = parser.parse_args(argv)

    if args.command == "install":
        path, seconds = ensure_venv()
        print(json.dumps({"venv": path, "install_seconds": round(seconds, 1)}))
        return 0
    if args.command == "stop":
        with open(os.path.join(args.workdir, "horizon.json")) as f:
            stop(json.load(f))
        return 0
    venv, seconds = ensure_venv()
    data = start(args.workdir, args.keystone_url, port=args.port, venv=venv)
    data["install_seconds"] = round(seconds, 1)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=2)
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
