"""The two sides a contract test runs against: the real service, and our stand-in.

Each side configures nova's client options for itself and makes the test data
(networks, subnets, security groups) the way that side allows: through the
real service's REST API as its admin, or through the stand-in's set-up
methods. The test then drives nova's own client code and asserts what a user
would see; the same assertions hold on both sides, so a stand-in that drifts
from the real service fails.
"""

from keystoneauth1 import loading as ks_loading

import nova.conf
from nova import context as nova_context
from tests import ksa_conf

CONF = nova.conf.CONF

KSA_PASSWORD_OPTS = ("auth_type", "auth_url", "username", "password", "project_name",
                     "user_domain_name", "project_domain_name", "region_name")


def set_service_auth(group, options):
    """Point ``[group]`` of nova's configuration at a Keystone service user."""
    ks_loading.register_auth_conf_options(CONF, group)
    plugin_opts = ks_loading.get_auth_plugin_conf_options("password")
    CONF.register_opts(plugin_opts, group=group)
    for name, value in options.items():
        CONF.set_override(name, value, group=group)


def clear_service_auth(group):
    for name in KSA_PASSWORD_OPTS:
        try:
            CONF.clear_override(name, group=group)
        except Exception:  # noqa: BLE001 - an option never registered
            pass
    # The password plugin's required options (auth_url...) stay registered:
    # they must not fail a later test's first parse of the configuration.
    ksa_conf.release_required_plugin_opts(CONF, {group})


class RealNeutron:
    """Neutron 29 from tools/neighbours.py; nova authenticates as its service user."""

    name = "real"

    def __init__(self, nb):
        self.nb = nb
        self.url = nb.urls["network"] + "/v2.0"
        self.made = []   # (collection, id), deleted afterwards in reverse

    def configure(self):
        CONF.set_override("backend", "neutron", group="neutron")
        CONF.set_override("http_retries", 0, group="neutron")
        set_service_auth("neutron", self.nb.service_options("nova"))

    def unconfigure(self):
        clear_service_auth("neutron")
        for name in ("backend", "http_retries"):
            CONF.clear_override(name, group="neutron")

    def user_context(self):
        """A member of project "demo", with its Keystone token and catalog."""
        return self.nb.context("demo")

    def other_project(self):
        return self.nb.projects["service"]

    def _post(self, collection, body, who="admin"):
        single = collection[:-1].replace("-", "_")
        status, _, data = self.nb.request(who, "POST", "%s/%s" % (self.url, collection),
                                          {single: body})
        assert status == 201, (collection, status, data)
        item = data[single]
        self.made.append((collection, item["id"]))
        return item

    def add_network(self, name, project_id, shared=False, external=False, cidr=None):
        body = {"name": name, "project_id": project_id, "shared": shared}
        if external:
            body.update({"router:external": True, "provider:network_type": "flat",
                         "provider:physical_network": "public"})
        net = self._post("networks", body)
        if cidr:
            self._post("subnets", {"network_id": net["id"], "cidr": cidr, "ip_version": 4,
                                   "project_id": project_id})
        return self.show("networks", net["id"])

    def add_security_group(self, project_id, name):
        return self._post("security-groups", {"name": name, "project_id": project_id})

    def show(self, collection, item_id):
        single = collection[:-1].replace("-", "_")
        status, _, data = self.nb.request("admin", "GET",
                                          "%s/%s/%s" % (self.url, collection, item_id))
        return data[single] if status == 200 else None

    def ports(self, **filters):
        query = "&".join("%s=%s" % kv for kv in filters.items())
        status, _, data = self.nb.request("admin", "GET", "%s/ports?%s" % (self.url, query))
        assert status == 200, data
        return data["ports"]

    def cleanup(self):
        for collection, item_id in reversed(self.made):
            # Ports first: a network with ports cannot go.
            if collection == "networks":
                for port in self.ports(network_id=item_id):
                    self.nb.request("admin", "DELETE", "%s/ports/%s" % (self.url, port["id"]))
            self.nb.request("admin", "DELETE", "%s/%s/%s" % (self.url, collection, item_id))
        self.made = []


class StandInNeutron:
    """tests/functional/neutron_standin.py served over HTTP with noauth tokens."""

    name = "standin"

    def __init__(self):
        from tests.functional import neutron_standin
        self.standin = neutron_standin.NeutronStandIn()
        self.url, self._stop = neutron_standin.serve(self.standin)

    def configure(self):
        CONF.set_override("backend", "neutron", group="neutron")
        CONF.set_override("http_retries", 0, group="neutron")
        CONF.set_override("endpoint_override", self.url, group="neutron")

    def unconfigure(self):
        for name in ("backend", "http_retries", "endpoint_override"):
            CONF.clear_override(name, group="neutron")

    def user_context(self):
        return nova_context.RequestContext(user_id="u1", project_id="p1")

    def other_project(self):
        return "p2"

    def add_network(self, name, project_id, shared=False, external=False, cidr=None):
        net = self.standin.add_network(name, project_id, shared=shared, external=external,
                                       cidr=cidr)
        return dict(net)

    def add_security_group(self, project_id, name):
        return self.standin.add_security_group(project_id, name)

    def show(self, collection, item_id):
        store = {"ports": self.standin.ports, "networks": self.standin.networks,
                 "security-groups": self.standin.security_groups}[collection]
        return store.get(item_id)

    def ports(self, **filters):
        return [p for p in self.standin.ports.values()
                if all(str(p.get(k)) == str(v) for k, v in filters.items())]

    def cleanup(self):
        pass

    def stop(self):
        self._stop()
