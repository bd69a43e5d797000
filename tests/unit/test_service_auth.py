"""Sessions and service auth plugins are built once per process and shared by threads."""

import threading

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import service_token
import pytest

import nova.conf
from nova import context as nova_context
from nova.image import glance
from nova.network import neutron_client
from nova.scheduler.client import report
from nova import service_auth
from tests import ksa_conf

CONF = nova.conf.CONF



@pytest.fixture
def conf():
    service_auth.reset()
    set_ = []

    def override(group, **values):
        for name, value in values.items():
            CONF.set_override(name, value, group=group)
            set_.append((group, name))

    yield override
    for group, name in set_:
        CONF.clear_override(name, group=group)
    ksa_conf.release_required_plugin_opts(CONF, {group for group, _name in set_})
    service_auth.reset()


def _in_threads(fn, count=8):
    results, barrier = [None] * count, threading.Barrier(count)

    def run(i):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return results


def _register(conf, group, auth_type):
    CONF.register_opts(ks_loading.get_auth_plugin_conf_options(auth_type), group=group)


def _password(conf, group, user="nova"):
    _register(conf, group, "password")
    conf(group, auth_type="password", auth_url="http://127.0.0.1:1/v3", username=user, password="pw",
         project_name="service", user_domain_id="default", project_domain_id="default")


def test_one_session_per_group_across_threads(conf):
    sessions = _in_threads(lambda: service_auth.session("neutron"))
    assert all(s is sessions[0] for s in sessions)
    assert service_auth.session("glance") is not sessions[0]
    # A changed session option (a reload) makes a new session.
    conf("neutron", timeout=7.5)
    fresh = service_auth.session("neutron")
    assert fresh is not sessions[0] and fresh.timeout == 7.5
    assert service_auth.session("neutron") is fresh


def test_one_credentials_plugin_per_group_across_threads(conf):
    assert service_auth.conf_auth("neutron") is None
    _password(conf, "neutron")
    plugins = _in_threads(lambda: service_auth.conf_auth("neutron"))
    assert plugins[0] is not None
    assert all(p is plugins[0] for p in plugins)
    assert plugins[0].auth_url == "http://127.0.0.1:1/v3"
    conf("neutron", username="other")
    assert service_auth.conf_auth("neutron") is not plugins[0]


def test_neutron_clients_share_session_and_admin_plugin(conf):
    _password(conf, "neutron")
    user_ctx = nova_context.RequestContext(user_id="u", project_id="p", auth_token="tok")
    admins = _in_threads(lambda: neutron_client.get_client(user_ctx, admin=True).adapter)
    users = _in_threads(lambda: neutron_client.get_client(user_ctx).adapter)
    session = admins[0].session
    assert all(a.session is session for a in admins + users)
    assert all(a.auth is service_auth.conf_auth("neutron") for a in admins)
    # The caller's plugin is new per request; it carries only that token.
    assert len({id(a.auth) for a in users}) == len(users)
    assert users[0].auth.get_token(session) == "tok"


def test_service_token_is_sent_beside_the_user_token(conf):
    _register(conf, "service_user", "admin_token")
    conf("service_user", send_service_user_token=True, auth_type="admin_token",
         token="svc-token", endpoint="http://127.0.0.1:1")
    user_ctx = nova_context.RequestContext(user_id="u", project_id="p", auth_token="tok")
    first = neutron_client.get_client(user_ctx).adapter.auth
    second = glance.GlanceClient(user_ctx).adapter.auth
    for wrapped in (first, second):
        assert isinstance(wrapped, service_token.ServiceTokenAuthWrapper)
        assert wrapped.service_auth is service_auth.conf_auth("service_user")
        headers = wrapped.get_headers(service_auth.session("neutron"))
        assert headers == {"X-Auth-Token": "tok", "X-Service-Token": "svc-token"}
    # Without the option, the user's token goes alone.
    conf("service_user", send_service_user_token=False)
    plain = neutron_client.get_client(user_ctx).adapter.auth
    assert plain.get_headers(None) == {"X-Auth-Token": "tok"}


def test_service_token_without_credentials_warns_and_sends_user_token(conf, caplog):
    conf("service_user", send_service_user_token=True)
    user_ctx = nova_context.RequestContext(user_id="u", project_id="p", auth_token="tok")
    auth = neutron_client.get_client(user_ctx).adapter.auth
    assert auth.get_headers(None) == {"X-Auth-Token": "tok"}
    assert "no auth_type" in caplog.text


def test_glance_without_a_token_uses_the_shared_glance_credentials(conf):
    _password(conf, "glance")
    admin = nova_context.get_admin_context()
    adapters = _in_threads(lambda: glance.GlanceClient(admin).adapter)
    assert all(a.auth is service_auth.conf_auth("glance") for a in adapters)
    assert all(a.session is service_auth.session("glance") for a in adapters)


def test_placement_adapters_share_session_and_plugin(conf):
    _password(conf, "placement")
    adapters = _in_threads(report.build_adapter)
    assert all(a.session is adapters[0].session for a in adapters)
    assert all(a.auth is service_auth.conf_auth("placement") for a in adapters)
    clients = [report.SchedulerReportClient() for _ in range(3)]
    assert len({id(c._client.auth) for c in clients}) == 1


def test_groups_with_the_same_credentials_share_one_plugin_and_token(conf):
    # [neutron], [placement] and [service_user] commonly all name nova's user:
    # one plugin (one token to get, and for every service to validate).
    for group in ("neutron", "placement", "service_user"):
        _password(conf, group)
    _password(conf, "glance", user="glance-reader")
    neutron = service_auth.conf_auth("neutron")
    assert neutron is not None
    assert service_auth.conf_auth("placement") is neutron
    assert service_auth.conf_auth("service_user") is neutron
    assert service_auth.conf_auth("glance") is not neutron
    # Other credentials in one group: that group gets a plugin of its own.
    conf("placement", username="placement-user")
    assert service_auth.conf_auth("placement") is not neutron
    assert service_auth.conf_auth("neutron") is neutron


_FIRST_CALLS = """
import sys
import nova.conf
from nova import service_auth
nova.conf.CONF(["--config-file", sys.argv[1]], project="nova")
neutron = service_auth.conf_auth("neutron")
placement = service_auth.conf_auth("placement")
glance = service_auth.conf_auth("glance")
print(placement is neutron, glance is neutron, service_auth.conf_auth("neutron") is neutron,
      service_auth.conf_auth("placement") is placement)
"""


def test_credentials_from_a_config_file_are_told_apart_on_the_first_call(tmp_path):
    """The plugin options of a group are known only once a plugin was loaded for
    it: before that, every credential read as None and [placement]'s first plugin
    was [neutron]'s (another user), and a second call made a second plugin."""
    import subprocess
    import sys
    sections = []
    for group, user in (("neutron", "nova"), ("placement", "placement-user"),
                        ("glance", "nova")):
        sections.append("[%s]\nauth_type = password\nauth_url = http://127.0.0.1:1/v3\n"
                        "username = %s\npassword = pw\nproject_name = service\n"
                        "user_domain_id = default\nproject_domain_id = default\n"
                        % (group, user))
    conf_file = tmp_path / "nova.conf"
    conf_file.write_text("\n".join(sections))
    out = subprocess.run([sys.executable, "-c", _FIRST_CALLS, str(conf_file)], check=True,
                         capture_output=True, text=True, timeout=60).stdout.split()
    assert out == ["False", "True", "True", "True"]
