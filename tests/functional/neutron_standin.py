"""A small Neutron v2.0 stand-in: a WSGI app with the real semantics of the calls nova makes.

The real neutron-server needs ML2 plugins and agents that a test on this
machine will not run; this app keeps networks, subnets, ports, floating IPs,
security groups, quotas and auto-allocated topologies in memory and behaves
as Neutron does for them: IPs allocated from subnet pools and never twice,
generated MACs, bindings only an admin may set, 404s for what is missing,
409s for conflicts, and errors in Neutron's ``NeutronError`` body.

Tokens are noauth style ``user:project``; ``admin:admin`` is the admin.

``start_backend`` serves one for a fixture and points nova's ``[neutron]``
options at it.
"""

import ipaddress
import itertools
import random
import re
import threading
import urllib.parse
import uuid
from wsgiref import simple_server
import socketserver

from oslo_serialization import jsonutils


class Error(Exception):
    def __init__(self, status, kind, message):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


class _Answer(Exception):
    """The answer is ready (status and result are set)."""


class NeutronStandIn:
    def __init__(self):
        self.lock = threading.RLock()
        self.networks, self.subnets, self.ports = {}, {}, {}
        self.floatingips, self.security_groups = {}, {}
        self.port_quota = {}          # project -> limit
        self.auto_topology_ok = set()  # projects Neutron can make a topology for
        self.requests = []            # (method, path, token)
        self.bad_hosts = {"bad-host"}
        # network id -> the resource_request its QoS policy gives new ports
        self.qos_port_requests = {}
        self._macs = set()

    # --- test setup ---

    def add_network(self, name, project_id, shared=False, external=False, cidr=None,
                    pool=None):
        net = {"id": str(uuid.uuid4()), "name": name, "tenant_id": project_id,
               "project_id": project_id, "shared": shared, "router:external": external,
               "subnets": [], "status": "ACTIVE", "admin_state_up": True, "mtu": 1450,
               "provider:network_type": "vxlan"}
        self.networks[net["id"]] = net
        if cidr:
            self.add_subnet(net["id"], cidr, pool)
        return net

    def add_subnet(self, network_id, cidr, pool=None):
        subnet_net = ipaddress.ip_network(cidr)
        hosts = list(itertools.islice(subnet_net.hosts(), 1, None))
        start, end = pool or (str(hosts[0]), str(hosts[-1]))
        subnet = {"id": str(uuid.uuid4()), "network_id": network_id, "cidr": cidr,
                  "ip_version": subnet_net.version, "gateway_ip": str(next(subnet_net.hosts())),
                  "allocation_pools": [{"start": start, "end": end}],
                  "dns_nameservers": ["192.0.2.53"], "host_routes": [],
                  "tenant_id": self.networks[network_id]["tenant_id"]}
        self.subnets[subnet["id"]] = subnet
        self.networks[network_id]["subnets"].append(subnet["id"])
        return subnet

    def add_security_group(self, project_id, name, description=""):
        """A group with Neutron's default rules: all egress (IPv4 and IPv6)."""
        group = {"id": str(uuid.uuid4()), "name": name, "tenant_id": project_id,
                 "project_id": project_id, "description": description,
                 "security_group_rules": []}
        self.security_groups[group["id"]] = group
        for ethertype in ("IPv4", "IPv6"):
            self.add_security_group_rule(group["id"], "egress", ethertype=ethertype)
        return group

    def add_security_group_rule(self, group_id, direction="ingress", protocol=None,
                                port_range_min=None, port_range_max=None,
                                remote_ip_prefix=None, remote_group_id=None,
                                ethertype="IPv4"):
        group = self.security_groups[group_id]
        rule = {"id": str(uuid.uuid4()), "security_group_id": group_id,
                "direction": direction, "ethertype": ethertype, "protocol": protocol,
                "port_range_min": port_range_min, "port_range_max": port_range_max,
                "remote_ip_prefix": remote_ip_prefix, "remote_group_id": remote_group_id,
                "tenant_id": group["tenant_id"], "project_id": group["tenant_id"]}
        group["security_group_rules"].append(rule)
        return rule

    def default_security_group(self, project_id):
        """The project's ``default`` group, made on first need as Neutron does."""
        for group in self.security_groups.values():
            if group["tenant_id"] == project_id and group["name"] == "default":
                return group
        group = self.add_security_group(project_id, "default", "Default security group")
        for ethertype in ("IPv4", "IPv6"):
            self.add_security_group_rule(group["id"], "ingress", ethertype=ethertype,
                                         remote_group_id=group["id"])
        return group

    def add_floating_ip(self, port_id, address):
        port = self.ports[port_id]
        fip = {"id": str(uuid.uuid4()), "floating_ip_address": address, "port_id": port_id,
               "fixed_ip_address": port["fixed_ips"][0]["ip_address"],
               "tenant_id": port["tenant_id"]}
        self.floatingips[fip["id"]] = fip
        return fip

    def plug(self, port_id):
        """What the L2 agent does once the host wired the interface."""
        self.ports[port_id]["status"] = "ACTIVE"

    # --- semantics ---

    def _used_ips(self, network_id):
        return {ip["ip_address"] for p in self.ports.values() if p["network_id"] == network_id
                for ip in p["fixed_ips"]}

    def _allocate_ips(self, net, requested):
        used = self._used_ips(net["id"])
        subnets = [self.subnets[s] for s in net["subnets"]]
        if requested:
            result = []
            for item in requested:
                address = item.get("ip_address")
                owner = [s for s in subnets
                         if ipaddress.ip_address(address) in ipaddress.ip_network(s["cidr"])]
                if not owner:
                    raise Error(400, "InvalidIpForNetwork",
                                "IP address %s is not a valid IP for any of the subnets on "
                                "the specified network." % address)
                if address in used or address == owner[0]["gateway_ip"]:
                    raise Error(409, "IpAddressAlreadyAllocated",
                                "IP address %s already allocated in subnet %s"
                                % (address, owner[0]["id"]))
                result.append({"subnet_id": owner[0]["id"], "ip_address": address})
            return result
        for subnet in subnets:
            for pool in subnet["allocation_pools"]:
                first = int(ipaddress.ip_address(pool["start"]))
                last = int(ipaddress.ip_address(pool["end"]))
                for value in range(first, last + 1):
                    address = str(ipaddress.ip_address(value))
                    if address not in used:
                        return [{"subnet_id": subnet["id"], "ip_address": address}]
        raise Error(409, "IpAddressGenerationFailure",
                    "No more IP addresses available on network %s." % net["id"])

    def _mac(self):
        while True:
            mac = "fa:16:3e:%02x:%02x:%02x" % tuple(random.randint(0, 255) for _ in range(3))
            if mac not in self._macs:
                self._macs.add(mac)
                return mac

    def _apply_binding(self, port, host):
        port["binding:host_id"] = host or ""
        if not host:
            port.update({"binding:vif_type": "unbound", "binding:vif_details": {},
                         "status": "DOWN"})
        elif host in self.bad_hosts:
            port.update({"binding:vif_type": "binding_failed", "binding:vif_details": {}})
        else:
            port.update({"binding:vif_type": "ovs", "status": "DOWN",
                         "binding:vif_details": {"port_filter": True,
                                                 "bridge_name": "br-int"}})

    def create_port(self, body, project, admin):
        net = self.networks.get(body.get("network_id"))
        if net is None or not (admin or net["shared"] or net["tenant_id"] == project):
            raise Error(404, "NetworkNotFound",
                        "Network %s could not be found." % body.get("network_id"))
        if "binding:host_id" in body and not admin:
            raise Error(403, "PolicyNotAuthorized",
                        "(rule:create_port:binding:host_id) is disallowed by policy")
        owner = body.get("tenant_id", project) if admin else project
        limit = self.port_quota.get(owner, -1)
        if limit >= 0 and len([p for p in self.ports.values()
                               if p["tenant_id"] == owner]) >= limit:
            raise Error(409, "OverQuota", "Quota exceeded for resources: ['port'].")
        port = {"id": str(uuid.uuid4()), "network_id": net["id"], "tenant_id": owner,
                "project_id": owner, "name": body.get("name", ""),
                "mac_address": body.get("mac_address") or self._mac(),
                "fixed_ips": self._allocate_ips(net, body.get("fixed_ips")),
                "device_id": body.get("device_id", ""),
                "device_owner": body.get("device_owner", ""),
                "admin_state_up": body.get("admin_state_up", True),
                "security_groups": (body["security_groups"] if "security_groups" in body
                                    else [self.default_security_group(owner)["id"]]),
                "binding:vnic_type": body.get("binding:vnic_type", "normal"),
                "binding:profile": body.get("binding:profile", {})}
        if net["id"] in self.qos_port_requests:
            port["resource_request"] = self.qos_port_requests[net["id"]]
        self._apply_binding(port, body.get("binding:host_id"))
        self.ports[port["id"]] = port
        return port

    def update_port(self, port, body, admin):
        if any(k.startswith("binding:") for k in body) and not admin:
            raise Error(403, "PolicyNotAuthorized",
                        "(rule:update_port:binding:host_id) is disallowed by policy")
        for key in ("device_id", "device_owner", "name", "admin_state_up",
                    "binding:profile", "security_groups"):
            if key in body:
                port[key] = body[key] if body[key] is not None else \
                    ({} if key == "binding:profile" else "")
        if "binding:host_id" in body:
            self._apply_binding(port, body["binding:host_id"])
        return port

    # --- HTTP ---

    def visible(self, item, project, admin):
        return admin or item.get("tenant_id") == project or item.get("shared")

    @staticmethod
    def _match(item, filters):
        for key, values in filters.items():
            if key == "fields":
                continue
            if key == "fixed_ips":
                wanted = {v.split("=", 1)[1] for v in values if v.startswith("ip_address=")}
                if not wanted & {ip["ip_address"] for ip in item.get("fixed_ips", [])}:
                    return False
                continue
            have = item.get(key)
            if isinstance(have, bool):
                have = str(have)
            if str(have) not in [v.capitalize() if v in ("true", "false") else v
                                 for v in values]:
                return False
        return True

    # What only an admin sees of a port (Neutron's default policy).
    ADMIN_ONLY = ("resource_request", "binding:host_id", "binding:vif_type",
                  "binding:vif_details", "binding:profile")

    @classmethod
    def _view(cls, item, admin, fields=None):
        """What the caller sees: bindings and resource requests are admin-only;
        ``fields`` (a list) keeps only those keys."""
        if not admin:
            item = {k: v for k, v in item.items() if k not in cls.ADMIN_ONLY}
        if fields:
            item = {k: v for k, v in item.items() if k in fields}
        return item

    def _list(self, store, collection, query, project, admin):
        if collection == "security-groups":
            for owner in set(query.get("tenant_id", [])) | ({project} - {"admin"}):
                self.default_security_group(owner)
        items = [self._view(i, admin, query.get("fields")) for i in store.values()
                 if self.visible(i, project, admin) and self._match(i, query)]
        return 200, {collection.replace("-", "_"): items}

    def dispatch(self, method, path, query, body, project, admin):
        m = re.fullmatch(r"/v2\.0/(networks|subnets|ports|floatingips|security-groups)"
                         r"(?:/([^/]+))?", path)
        if m:
            kind, item_id = m.groups()
            store = {"networks": self.networks, "subnets": self.subnets, "ports": self.ports,
                     "floatingips": self.floatingips,
                     "security-groups": self.security_groups}[kind]
            single = {"networks": "network", "subnets": "subnet", "ports": "port",
                      "floatingips": "floatingip", "security-groups": "security_group"}[kind]
            not_found = {"networks": "NetworkNotFound", "ports": "PortNotFound"}.get(
                kind, "NotFound")
            if item_id is None:
                if method == "GET":
                    return self._list(store, kind, query, project, admin)
                if method == "POST" and kind == "ports":
                    return 201, {"port": self._view(self.create_port(body["port"], project,
                                                                     admin), admin)}
                raise Error(405, "HTTPMethodNotAllowed", "method not allowed")
            item = store.get(item_id)
            if item is None or not self.visible(item, project, admin):
                raise Error(404, not_found, "%s %s could not be found."
                            % (single.capitalize(), item_id))
            if method == "GET":
                return 200, {single: self._view(item, admin)}
            if method == "PUT" and kind == "ports":
                return 200, {"port": self._view(self.update_port(item, body["port"], admin),
                                                admin)}
            if method == "DELETE" and kind == "ports":
                del store[item_id]
                for fip in self.floatingips.values():
                    if fip["port_id"] == item_id:
                        fip.update(port_id=None, fixed_ip_address=None)
                return 204, None
            raise Error(405, "HTTPMethodNotAllowed", "method not allowed")
        m = re.fullmatch(r"/v2\.0/quotas/([^/]+)", path)
        if m and method == "GET":
            return 200, {"quota": {"port": self.port_quota.get(m.group(1), -1),
                                   "network": 100}}
        m = re.fullmatch(r"/v2\.0/auto-allocated-topology/([^/]+)", path)
        if m and method == "GET":
            target = m.group(1)
            if target not in self.auto_topology_ok:
                raise Error(409, "AutoAllocationFailure",
                            "Deployment error: No default router:external network.")
            if query.get("fields") == ["dry-run"]:
                return 200, {"auto_allocated_topology": {"id": "dry-run=pass"}}
            for net in self.networks.values():
                if net["tenant_id"] == target and net["name"] == "auto_allocated_network":
                    break
            else:
                net = self.add_network("auto_allocated_network", target,
                                       cidr="10.250.0.0/24")
            return 200, {"auto_allocated_topology": {"id": net["id"], "tenant_id": target}}
        raise Error(404, "HTTPNotFound", "The resource could not be found.")

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        token = environ.get("HTTP_X_AUTH_TOKEN", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        with self.lock:
            self.requests.append((method, path, token))
            try:
                if method == "GET" and path in ("", "/"):
                    # Version discovery (openstacksdk's, for the CLI): unauthenticated.
                    status, result = 200, {"versions": [{
                        "id": "v2.0", "status": "CURRENT", "links": [{
                            "rel": "self",
                            "href": "http://%s/v2.0/" % environ["HTTP_HOST"]}]}]}
                    raise _Answer()
                if ":" not in token:
                    raise Error(401, "Unauthorized", "Authentication required")
                user, project = token.split(":", 1)
                body = jsonutils.loads(raw) if raw else {}
                status, result = self.dispatch(method, path, query, body, project,
                                               admin=(user == "admin"))
            except _Answer:
                pass
            except Error as err:
                status, result = err.status, {"NeutronError": {
                    "type": err.kind, "message": err.message, "detail": ""}}
        data = b"" if result is None else jsonutils.dump_as_bytes(result)
        reasons = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
                   401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                   405: "Method Not Allowed", 409: "Conflict"}
        headers = [("Content-Length", str(len(data)))]
        if data:
            headers.append(("Content-Type", "application/json"))
        start_response("%d %s" % (status, reasons.get(status, "Error")), headers)
        return [data]


# How often a serving loop looks whether it was told to stop (the standard
# library's 0.5 s made every stop of a test's servers wait about that long).
STOP_POLL = 0.05


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


def serve(app):
    """Serve ``app`` on 127.0.0.1 (a free port): (url, stop)."""
    server = simple_server.make_server("127.0.0.1", 0, app, server_class=_Server,
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(STOP_POLL,), daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(5)

    return "http://127.0.0.1:%d" % server.server_address[1], stop



_NEUTRON_OPTIONS = ("backend", "endpoint_override", "http_retries")


def start_backend(monkeypatch, api_modules=()):
    """A NeutronStandIn served on loopback as nova's network backend:
    (standin, url, stop).

    ``[neutron] backend``, ``endpoint_override`` (the stand-in) and
    ``http_retries`` (0) are set until ``stop()``, which also stops the
    server. The compute API of each of ``api_modules`` (API controller modules,
    with their ``COMPUTE``) caches its network backend: that cache is dropped
    through ``monkeypatch``, so that the next request finds Neutron.
    """
    import nova.conf
    conf = nova.conf.CONF
    standin = NeutronStandIn()
    url, stop_server = serve(standin)

    def stop():
        for name in _NEUTRON_OPTIONS:
            conf.clear_override(name, group="neutron")
        stop_server()

    for name, value in zip(_NEUTRON_OPTIONS, ("neutron", url, 0)):
        conf.set_override(name, value, group="neutron")
    for module in api_modules:
        monkeypatch.setattr(module.COMPUTE, "_network_api", None, raising=False)
    return standin, url, stop
