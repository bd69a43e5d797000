"""Server sub-resources the dashboard reads (ips, volume attachments, topology),
the removed APIs that answer 410, and os-networks' reads up to 2.35."""

from nova import context as nova_context
from nova import objects
from tests.functional.server_seed import add_flavor
from tests.functional.server_seed import add_server
from tests.functional.server_seed import cell1
from tests.functional.server_seed import network_info

VOLUME = "6f0b2fa4-5bd2-4b8e-9d52-6a4a7c3c4a11"


def _server(api, **kwargs):
    flavor = add_flavor(api)
    return add_server(api, "web", project_id="demo", flavor=flavor, **kwargs)


def test_ips_by_network(api):
    nw = network_info("private", ip="10.0.0.5", ip6="fd00::5", floating="172.24.4.9")
    server = _server(api, nw_info=nw)
    status, _h, body = api.request("GET", "/servers/%s/ips" % server.uuid,
                                   user="demo", project="demo")
    assert status == 200, body
    assert body == {"addresses": {"private": [
        {"version": 4, "addr": "10.0.0.5"}, {"version": 4, "addr": "172.24.4.9"},
        {"version": 6, "addr": "fd00::5"}]}}
    status, _h, body = api.request("GET", "/servers/%s/ips/private" % server.uuid,
                                   user="demo", project="demo")
    assert status == 200 and list(body) == ["private"] and len(body["private"]) == 3
    status, _h, body = api.request("GET", "/servers/%s/ips/public" % server.uuid,
                                   user="demo", project="demo")
    assert status == 404
    assert body["itemNotFound"]["message"] == "Instance is not a member of specified network"
    # Another project does not see the server at all.
    assert api.request("GET", "/servers/%s/ips" % server.uuid,
                       user="eve", project="eve")[0] == 404
    assert api.request("GET", "/servers/%s/ips" % ("0" * 36))[0] == 404
    # The SDK reads the same document.
    conn = api.sdk(user="demo", project="demo")
    found = [ip.address for ip in conn.compute.server_ips(server.uuid)]
    assert sorted(found) == ["10.0.0.5", "172.24.4.9", "fd00::5"]


def test_volume_attachments_and_topology(api):
    server = _server(api)
    path = "/servers/%s/os-volume_attachments" % server.uuid
    status, _h, body = api.request("GET", path, user="demo", project="demo")
    assert status == 200 and body == {"volumeAttachments": []}
    with nova_context.target_cell(api.ctxt, cell1(api)) as cctxt:
        objects.BlockDeviceMapping(
            context=cctxt, instance_uuid=server.uuid, boot_index=0, source_type="image",
            destination_type="local", device_type="disk", image_id=server.image_ref,
            device_name="/dev/vda").create()
        objects.BlockDeviceMapping(
            context=cctxt, instance_uuid=server.uuid, boot_index=None,
            source_type="volume", destination_type="volume", device_type="disk",
            volume_id=VOLUME, delete_on_termination=True, tag="data",
            device_name="/dev/vdb").create()
    status, _h, body = api.request("GET", path, user="demo", project="demo")
    assert body == {"volumeAttachments": [{"device": "/dev/vdb", "id": VOLUME,
                                           "serverId": server.uuid, "volumeId": VOLUME}]}
    status, _h, body = api.request("GET", path + "/" + VOLUME, version="2.89",
                                   user="demo", project="demo")
    attachment = body["volumeAttachment"]
    assert "id" not in attachment and attachment["tag"] == "data"
    assert attachment["delete_on_termination"] is True and attachment["bdm_uuid"]
    status, _h, body = api.request("GET", path + "/nope", user="demo", project="demo")
    assert status == 404 and "is not attached" in body["itemNotFound"]["message"]
    assert api.request("GET", path + "?limit=1&offset=1")[2] == {"volumeAttachments": []}

    topology = "/servers/%s/topology" % server.uuid
    assert api.request("GET", topology, version="2.77")[0] == 404
    status, _h, body = api.request("GET", topology, version="2.78",
                                   user="demo", project="demo")
    assert status == 200 and body == {"nodes": [], "pagesize_kb": None}
    assert api.request("GET", topology, version="2.78", user="eve", project="eve")[0] == 404


def test_removed_apis_are_gone_and_networks_read_up_to_235(api):
    server = _server(api)
    gone = [("GET", "/os-cells"), ("GET", "/os-cells/detail"), ("POST", "/os-cells"),
            ("GET", "/os-cells/x/capacities"), ("POST", "/os-certificates"),
            ("GET", "/os-certificates/root"), ("GET", "/os-cloudpipe"),
            ("PUT", "/os-cloudpipe/configure-project"), ("GET", "/os-fixed-ips/10.0.0.1"),
            ("POST", "/os-fixed-ips/10.0.0.1/action"), ("GET", "/os-floating-ip-dns"),
            ("PUT", "/os-floating-ip-dns/example.org"),
            ("GET", "/os-floating-ip-dns/example.org/entries/10.0.0.1"),
            ("GET", "/os-floating-ips-bulk"), ("PUT", "/os-floating-ips-bulk/delete"),
            ("GET", "/os-fping"), ("GET", "/os-fping/%s" % server.uuid),
            ("GET", "/os-security-group-default-rules"),
            ("DELETE", "/os-security-group-default-rules/1"),
            ("GET", "/servers/%s/os-virtual-interfaces" % server.uuid),
            ("GET", "/os-agents"), ("PUT", "/os-agents/1"),
            ("GET", "/servers/%s/consoles" % server.uuid),
            ("POST", "/servers/%s/consoles" % server.uuid),
            ("DELETE", "/servers/%s/consoles/1" % server.uuid),
            ("POST", "/os-networks"), ("POST", "/os-networks/add"),
            ("DELETE", "/os-networks/n1"), ("POST", "/os-networks/n1/action"),
            ("POST", "/os-tenant-networks"), ("DELETE", "/os-tenant-networks/n1")]
    for method, path in gone:
        body = {"x": {}} if method in ("POST", "PUT") else None
        status, _h, answer = api.request(method, path, body=body)
        assert status == 410, (method, path, status, answer)
        assert answer["computeFault"]["code"] == 410
    # The reads of os-networks still answer up to 2.35 (the flat network here).
    status, _h, body = api.request("GET", "/os-networks", version="2.35")
    assert status == 200, body
    net = body["networks"][0]
    assert net["id"] and "label" in net and "mtu" in net  # admin sees every field
    status, _h, body = api.request("GET", "/os-networks/%s" % net["id"], version="2.35",
                                   user="demo", project="demo")
    assert status == 200 and body["network"]["id"] == net["id"]
    assert "mtu" not in body["network"]
    status, _h, body = api.request("GET", "/os-tenant-networks", version="2.35",
                                   user="demo", project="demo")
    assert [n["id"] for n in body["networks"]] == [net["id"]]
    assert api.request("GET", "/os-networks/nope", version="2.35")[0] == 404
    assert api.request("GET", "/os-networks", version="2.36")[0] == 404
    assert api.request("GET", "/os-tenant-networks", version="2.36")[0] == 404
