"""Contract: what nova asks of Keystone, against Keystone 30 (tools/neighbours.py).

nova reaches Keystone in three ways:

* keystonemiddleware in nova-api validates each user token (GET /v3/auth/tokens
  with the service user's token); tests/integration/test_api_keystone.py covers
  it and the policy personas; the scenario test runs it beside these services.
* The service users of ``[neutron]``, ``[glance]``, ``[placement]``: keystoneauth's
  password plugin (POST /v3/auth/tokens, project scope) and the catalog of that
  token (endpoints by service type, interface and region).
* The caller's own token handed on to another service with the catalog that
  came with it (nova.service_auth.UserTokenAuth), as nova-api's context
  carries it.

Here: both kinds of auth find every endpoint nova needs in the real catalog,
and a bad or missing token gets the nova fault a user would see, not a traceback.
"""

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
import pytest

import nova.conf
from nova import exception
from nova.network import neutron_client
from nova import service_auth
from tests.integration import contract_sides

# One worker runs every module of the group, with one ``neighbours`` deployment
# (tests/integration/conftest.py, tests/xdist_order.py); the first test's set-up
# may install the services from PyPI (minutes on a fresh machine).
pytestmark = [pytest.mark.xdist_group("neighbours"), pytest.mark.timeout(900)]

CONF = nova.conf.CONF
SERVICE_TYPES = {"compute": "compute", "image": "image", "network": "network",
                 "placement": "placement", "identity": "identity"}


def test_user_token_catalog_gives_every_endpoint(neighbours):  # noqa: F811
    token, body = neighbours.token("demo")
    auth = service_auth.UserTokenAuth(token, body["catalog"])
    sess = ks_session.Session(auth=auth)
    for kind, url in neighbours.urls.items():
        for interface in ("public", "internal"):
            found = auth.get_endpoint(sess, service_type=SERVICE_TYPES[kind],
                                      interface=interface, region_name="RegionOne")
            assert found.rstrip("/") == url.rstrip("/"), (kind, interface, found)
    assert auth.get_endpoint(sess, service_type="volumev3") is None
    assert auth.get_token(sess) == token


@pytest.mark.parametrize("group", ["neutron", "glance", "placement"])
def test_service_user_password_auth_from_nova_conf(neighbours, group):  # noqa: F811
    contract_sides.set_service_auth(group, neighbours.service_options("nova"))
    try:
        auth = ks_loading.load_auth_from_conf_options(CONF, group)
        sess = ks_loading.load_session_from_conf_options(CONF, group, auth=auth)
        adapter = ks_loading.load_adapter_from_conf_options(CONF, group, session=sess,
                                                            auth=auth)
        expected = {"neutron": "network", "glance": "image", "placement": "placement"}[group]
        assert adapter.get_endpoint().rstrip("/") == neighbours.urls[expected]
        access = auth.get_access(sess)
        assert access.project_name == "service"
        assert {"service", "admin"} <= set(access.role_names)
        # The token is reused, not fetched again, for the next request.
        assert auth.get_token(sess) == auth.get_token(sess)
    finally:
        contract_sides.clear_service_auth(group)


def test_bad_user_token_is_a_nova_fault(neighbours):  # noqa: F811
    from nova import context as nova_context
    _token, body = neighbours.token("demo")
    CONF.set_override("backend", "neutron", group="neutron")
    try:
        ctxt = nova_context.RequestContext(
            user_id=body["user"]["id"], project_id=body["project"]["id"],
            auth_token="not-a-token", service_catalog=body["catalog"])
        with pytest.raises(exception.NetworkError) as err:
            neutron_client.get_client(ctxt).list("networks")
        assert "401" in str(err.value)
    finally:
        CONF.clear_override("backend", group="neutron")
