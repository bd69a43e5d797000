"""The metadata API over HTTP: formats, versions, finding the instance, bad input, caching.

Instances are seeded in the test's cell database (with a key pair, user
data, metadata and network information) and read through the metadata
API served on loopback as the Neutron metadata proxy would call it.
"""

import json
import logging

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from nova.api.metadata import base
from nova import objects
from tests.functional import metadata_fixture as mdf
from tests.functional import server_seed as seed

USER_DATA = b"#!/bin/sh\necho hi\n\xff binary tail"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKeyKey demo"


@pytest.fixture
def md(api):
    undo = mdf.set_conf({("neutron", "metadata_proxy_shared_secret"): mdf.SECRET,
                         ("neutron", "service_metadata_proxy"): True})
    server, stop = mdf.serve_metadata()
    try:
        yield api, server
    finally:
        stop()
        undo()


def _server(api, name="vm1", **fields):
    flavor = objects.Flavor.get_by_flavor_id(api.ctxt, "1") if _has_flavor(api) else \
        seed.add_flavor(api, name="m1.small")
    import base64
    keypair = objects.KeyPair(name="k1", user_id="u1", public_key=KEY, type="ssh",
                              fingerprint="00")
    fields.setdefault("user_data", base64.b64encode(USER_DATA).decode())
    instance = seed.add_server(api, name, flavor=flavor, metadata={"role": "db"},
                               nw_info=seed.network_info(ip="10.0.0.7", floating="172.24.4.9"),
                               key_name="k1", key_data=KEY,
                               keypairs=objects.KeyPairList(objects=[keypair]), **fields)
    return instance


def _has_flavor(api):
    try:
        objects.Flavor.get_by_flavor_id(api.ctxt, "1")
        return True
    except Exception:
        return False


def _get(server, path, instance, headers=None, method="GET", data=None):
    sent = mdf.proxy_headers(instance.uuid, instance.project_id)
    sent.update(headers or {})
    return server.request(path, method=method, headers=sent, data=data)


def test_version_listings_and_trees(md):
    api, server = md
    instance = _server(api)
    status, _h, body = server.request("/")
    assert status == 200
    assert body.decode().split("\n") == list(base.EC2_VERSIONS) + ["latest"]
    status, _h, body = _get(server, "/openstack", instance)
    assert body.decode().split("\n") == [
        "2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
        "2017-02-22", "2018-08-27", "2020-10-14", "2025-04-04", "latest"]
    # Each version lists the files it introduced.
    files = {v: _get(server, "/openstack/%s/" % v, instance)[2].decode().split("\n")
             for v in ("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15",
                       "2016-10-06", "latest")}
    assert files["2012-08-10"] == ["meta_data.json", "user_data"]
    assert files["2013-04-04"] == ["meta_data.json", "user_data", "password"]
    assert files["2013-10-17"] == files["2013-04-04"] + ["vendor_data.json"]
    assert files["2015-10-15"] == files["2013-10-17"] + ["network_data.json"]
    assert files["2016-10-06"] == files["2015-10-15"] + ["vendor_data2.json"]
    assert files["latest"] == files["2016-10-06"]
    # ... and a file of a later version is not there in an earlier one.
    assert _get(server, "/openstack/2012-08-10/password", instance)[0] == 404
    assert _get(server, "/openstack/2013-04-04/network_data.json", instance)[0] == 404


def test_meta_data_json_keys_follow_the_version(md):
    api, server = md
    instance = _server(api)

    def meta(version):
        status, _h, body = _get(server, "/openstack/%s/meta_data.json" % version, instance)
        assert status == 200, body
        return json.loads(body)

    common = {"uuid", "name", "hostname", "launch_index", "availability_zone", "meta",
              "public_keys", "keys"}
    assert set(meta("2012-08-10")) == common
    assert set(meta("2013-04-04")) == common | {"random_seed"}
    assert set(meta("2015-10-15")) == common | {"random_seed", "project_id"}
    assert set(meta("2016-06-30")) == common | {"random_seed", "project_id", "devices"}
    latest = meta("latest")
    assert _get(server, "/openstack/latest/meta_data.json", instance)[1][
        "Content-Type"].startswith("application/json")
    assert _get(server, "/openstack/latest/", instance)[1][
        "Content-Type"].startswith("text/plain")
    assert set(latest) == common | {"random_seed", "project_id", "devices", "dedicated_cpus"}
    assert latest["uuid"] == instance.uuid
    assert latest["name"] == "vm1"
    assert latest["hostname"] == "vm1.novalocal"
    assert latest["project_id"] == "p1"
    assert latest["meta"] == {"role": "db"}
    assert latest["public_keys"] == {"k1": KEY}
    assert latest["keys"] == [{"name": "k1", "type": "ssh", "data": KEY}]
    assert latest["devices"] == [] and latest["dedicated_cpus"] == []
    # User data comes back byte for byte.
    status, headers, body = _get(server, "/openstack/latest/user_data", instance)
    assert (status, body) == (200, USER_DATA)
    assert _get(server, "/latest/user-data", instance)[2] == USER_DATA


def test_devices_are_the_drivers_with_addresses_then_the_other_tagged_ones(md):
    api, server = md
    nw_info = seed.network_info(mac="fa:16:3e:00:00:01") + \
        seed.network_info(mac="fa:16:3e:00:00:02", ip="10.0.0.8")
    nw_info[0]["tag"] = "placed"
    nw_info[1]["tag"] = "not-placed"
    placed = {"type": "nic", "bus": "pci", "address": "0000:00:03.0",
              "mac": "fa:16:3e:00:00:01", "tags": ["placed"], "vlan": 42,
              "vf_trusted": False}
    flavor = seed.add_flavor(api, name="m1.devices")
    instance = seed.add_server(api, "vm-dev", flavor=flavor, nw_info=nw_info,
                               device_metadata=[placed])

    def devices(version):
        status, _h, body = _get(server, "/openstack/%s/meta_data.json" % version, instance)
        assert status == 200, body
        return json.loads(body)["devices"]

    derived = {"type": "nic", "bus": "pci", "mac": "fa:16:3e:00:00:02",
               "tags": ["not-placed"]}
    assert devices("latest") == [placed, derived]
    # vlan came with 2017-02-22, vf_trusted with 2018-08-27.
    assert devices("2017-02-22") == [
        {k: v for k, v in placed.items() if k != "vf_trusted"}, derived]
    assert devices("2016-06-30") == [{k: v for k, v in placed.items()
                                      if k not in ("vlan", "vf_trusted")}, derived]


def test_network_data_json(md):
    api, server = md
    instance = _server(api)
    status, _h, body = _get(server, "/openstack/latest/network_data.json", instance)
    assert status == 200
    data = json.loads(body)
    [link] = data["links"]
    assert link["ethernet_mac_address"] == "fa:16:3e:00:00:01"
    [network] = data["networks"]
    assert network["type"] == "ipv4" and network["ip_address"] == "10.0.0.7"
    assert network["netmask"] == "255.255.255.0" and network["link"] == link["id"]


def test_ec2_tree(md):
    api, server = md
    instance = _server(api)

    def text(path, version="latest"):
        status, _h, body = _get(server, "/%s/%s" % (version, path), instance)
        assert status == 200, (path, body)
        return body.decode()

    assert text("").split("\n") == ["meta-data/", "user-data"]
    listing = text("meta-data/").split("\n")
    assert listing == sorted([
        "ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/",
        "hostname", "instance-action", "instance-id", "instance-type", "local-hostname",
        "local-ipv4", "placement/", "public-hostname", "public-ipv4", "public-keys/",
        "reservation-id", "security-groups"])
    assert text("meta-data/local-ipv4") == "10.0.0.7"
    assert text("meta-data/public-ipv4") == "172.24.4.9"
    assert text("meta-data/placement/availability-zone") == "nova"
    assert text("meta-data/public-keys/") == "0=k1"
    assert text("meta-data/public-keys/0/") == "openssh-key"
    assert text("meta-data/public-keys/0/openssh-key") == KEY
    assert text("meta-data/instance-type") == "m1.small"
    assert text("meta-data/block-device-mapping/root") == "/dev/vda"
    assert text("meta-data/reservation-id") == "r-vm1"
    # 1.0 has only the original keys.
    assert text("meta-data/", "1.0").split("\n") == sorted([
        "ami-id", "ami-launch-index", "ami-manifest-path", "hostname", "instance-id",
        "local-ipv4", "public-keys/", "reservation-id", "security-groups"])
    assert _get(server, "/1.0/meta-data/placement/availability-zone", instance)[0] == 404
    assert _get(server, "/2008-02-01/meta-data/instance-action", instance)[0] == 404
    assert text("meta-data/instance-action", "2008-09-01") == "none"


def test_bad_requests(md, caplog):
    api, server = md
    instance = _server(api)
    # A forged signature: 403 and one warning.
    caplog.set_level(logging.WARNING, logger="nova.api.metadata.wsgi_app")
    caplog.clear()
    status, _h, body = _get(server, "/openstack/latest/meta_data.json", instance,
                            {"X-Instance-ID-Signature": mdf.sign(instance.uuid, "wrong")})
    assert status == 403 and b"Invalid proxy request signature" in body
    warnings = [r for r in caplog.records if r.name == "nova.api.metadata.wsgi_app"]
    assert len(warnings) == 1 and instance.uuid in warnings[0].getMessage()
    assert mdf.SECRET not in warnings[0].getMessage()
    # Another project's instance: 404.
    status, _h, _b = _get(server, "/openstack/latest/meta_data.json", instance,
                          {"X-Tenant-ID": "someone-else"})
    assert status == 404
    # Missing headers: 400.
    for missing in ("X-Instance-ID", "X-Tenant-ID", "X-Instance-ID-Signature"):
        headers = mdf.proxy_headers(instance.uuid, instance.project_id)
        del headers[missing]
        status, _h, body = server.request("/openstack/latest/meta_data.json",
                                          headers=headers)
        assert status == 400 and missing.encode() in body, (missing, body)
    # An instance that does not exist, or was deleted: 404.
    gone = _server(api, "gone", deleted=True)
    for uuid in (gone.uuid, "4b7e0a0e-5d0e-4a3b-9d2e-1f9e7c1d0000", "not-a-uuid"):
        status, _h, _b = server.request("/openstack/latest/meta_data.json",
                                        headers=mdf.proxy_headers(uuid, "p1"))
        assert status == 404, uuid
    # Unknown paths and versions: 404; other methods: 405.
    for path in ("/openstack/latest/nothing", "/openstack/2011-01-01/meta_data.json",
                 "/2010-01-01/meta-data/", "/latest/meta-data/nothing",
                 "/latest/meta-data/hostname/deeper", "/openstack/latest/meta_data.json/x"):
        assert _get(server, path, instance)[0] == 404, path
    for method in ("PUT", "DELETE", "PATCH"):
        status, headers, _b = _get(server, "/openstack/latest/meta_data.json", instance,
                                   method=method, data=b"")
        assert status == 405 and "GET" in headers["Allow"], method
    assert _get(server, "/openstack/latest/meta_data.json", instance, method="POST",
                data=b"x")[0] == 405


def test_password_post_once(md):
    api, server = md
    instance = _server(api)
    path = "/openstack/latest/password"
    assert _get(server, path, instance)[2] == b""
    assert _get(server, path, instance, method="POST", data=b"x" * 1021)[0] == 400
    assert _get(server, path, instance, method="POST", data=b"p" * 1020)[0] == 200
    assert _get(server, path, instance)[2] == b"p" * 1020
    assert _get(server, path, instance, method="POST", data=b"again")[0] == 409
    assert _get(server, "/openstack/2012-08-10/password", instance, method="POST",
                data=b"x")[0] == 405
    # Kept in four system metadata chunks.
    stored = objects.Instance.get_by_uuid(
        _cell_ctxt(api), instance.uuid, expected_attrs=["system_metadata"]).system_metadata
    assert [len(stored["password_%d" % i]) for i in range(4)] == [255, 255, 255, 255]


def _cell_ctxt(api):
    from nova import context as nova_context
    ctxt = nova_context.get_admin_context()
    nova_context.set_target_cell(ctxt, seed.cell1(api))
    return ctxt


@pytest.fixture
def queries():
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def test_cached_requests_do_not_touch_the_database(md, queries):
    api, server = md
    instance = _server(api)
    queries.clear()
    assert _get(server, "/openstack/latest/meta_data.json", instance)[0] == 200
    assert queries, "the first request reads the instance"
    queries.clear()
    for path in ("/openstack/latest/meta_data.json", "/openstack/latest/user_data",
                 "/latest/meta-data/hostname", "/openstack/latest/network_data.json"):
        assert _get(server, path, instance)[0] == 200
    assert queries == []
    # Even a deleted instance is still served until the entry expires.
    instance.destroy()
    assert _get(server, "/openstack/latest/meta_data.json", instance)[0] == 200


def test_cache_expiration_zero_reads_every_time(md, queries):
    api, server = md
    undo = mdf.set_conf({("api", "metadata_cache_expiration"): 0})
    try:
        instance = _server(api)
        assert _get(server, "/openstack/latest/meta_data.json", instance)[0] == 200
        queries.clear()
        assert _get(server, "/openstack/latest/meta_data.json", instance)[0] == 200
        assert queries
        instance.destroy()
        assert _get(server, "/openstack/latest/meta_data.json", instance)[0] == 404
    finally:
        undo()


def test_load_balancer_variant_headers(md):
    api, server = md
    _server(api)
    path = "/openstack/latest/meta_data.json"
    provider = {"X-Metadata-Provider": "lb-1",
                "X-Metadata-Provider-Signature": mdf.sign("lb-1"),
                "X-Forwarded-For": "10.0.0.7"}
    without_address = {k: v for k, v in provider.items() if k != "X-Forwarded-For"}
    status, _h, body = server.request(path, headers=without_address)
    assert status == 400 and b"X-Forwarded-For" in body
    without_signature = {k: v for k, v in provider.items()
                         if k != "X-Metadata-Provider-Signature"}
    status, _h, body = server.request(path, headers=without_signature)
    assert status == 400 and b"X-Metadata-Provider-Signature" in body
    forged = dict(provider, **{"X-Metadata-Provider-Signature": mdf.sign("lb-1", "x")})
    assert server.request(path, headers=forged)[0] == 403


def test_by_address_ignores_forwarded_for_unless_configured(api):
    undo = mdf.set_conf({("neutron", "service_metadata_proxy"): False})
    server, stop = mdf.serve_metadata()
    try:
        instance = _server(api)
        objects.FixedIP(context=api.ctxt, network_id=_flat_network_id(), address="10.0.0.7",
                        instance_uuid=instance.uuid, vif_id=instance.uuid,
                        mac_address="fa:16:3e:00:00:01").create()
        path = "/openstack/latest/meta_data.json"
        # The requester is 127.0.0.1, which no instance holds.
        assert server.request(path, headers={"X-Forwarded-For": "10.0.0.7"})[0] == 404
        # Proxy headers mean nothing without [neutron] service_metadata_proxy.
        assert _get(server, path, instance)[0] == 404
        undo_fwd = mdf.set_conf({("api", "use_forwarded_for"): True})
        try:
            status, _h, body = server.request(path, headers={"X-Forwarded-For": "10.0.0.7"})
        finally:
            undo_fwd()
        assert status == 200 and json.loads(body)["uuid"] == instance.uuid
    finally:
        stop()
        undo()


def _flat_network_id():
    from nova.network import flat
    return flat.current_network().id


def test_by_address_through_neutron_ports(api):
    from tests.functional import neutron_standin
    standin = neutron_standin.NeutronStandIn()
    url, stop_neutron = neutron_standin.serve(standin)
    undo = mdf.set_conf({("neutron", "backend"): "neutron",
                         ("neutron", "endpoint_override"): url,
                         ("neutron", "http_retries"): 0,
                         ("neutron", "service_metadata_proxy"): False,
                         ("api", "use_forwarded_for"): True})
    server, stop = mdf.serve_metadata()
    try:
        instance = _server(api)
        net = standin.add_network("private", "p1", cidr="10.5.0.0/24")
        port = standin.create_port({"network_id": net["id"], "device_id": instance.uuid,
                                    "device_owner": "compute:nova"}, "p1", True)
        address = port["fixed_ips"][0]["ip_address"]
        # A port that is not an instance's (a router's) does not count.
        other = standin.create_port({"network_id": net["id"], "device_id": "router-1",
                                     "device_owner": "network:router_interface"}, "p1", True)
        path = "/openstack/latest/meta_data.json"
        status, _h, body = server.request(path, headers={"X-Forwarded-For": address})
        assert status == 200 and json.loads(body)["uuid"] == instance.uuid
        other_address = other["fixed_ips"][0]["ip_address"]
        assert server.request(path, headers={"X-Forwarded-For": other_address})[0] == 404
    finally:
        stop()
        undo()
        stop_neutron()


def test_local_metadata_per_cell_reads_the_cell_database_only(md):
    api, server = md
    undo = mdf.set_conf({("api", "metadata_cache_expiration"): 0})
    try:
        instance = _server(api)
        objects.InstanceMapping.get_by_instance_uuid(api.ctxt, instance.uuid).destroy()
        path = "/openstack/latest/meta_data.json"
        # Through the API database, an unmapped instance is not found...
        assert _get(server, path, instance)[0] == 404
        # ... while a per-cell metadata API reads its own cell database.
        undo_local = mdf.set_conf({("api", "local_metadata_per_cell"): True})
        try:
            status, _h, body = _get(server, path, instance)
        finally:
            undo_local()
        assert status == 200 and json.loads(body)["uuid"] == instance.uuid
    finally:
        undo()


def test_concurrent_first_requests_read_the_instance_once(md, queries):
    import concurrent.futures
    api, server = md
    instance = _server(api)
    queries.clear()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(
            lambda _i: _get(server, "/openstack/latest/meta_data.json", instance)[0],
            range(16)))
    assert statuses == [200] * 16
    reads = [q for q in queries if "FROM instances" in q and "instance_mappings" not in q]
    assert len(reads) == 1, reads
