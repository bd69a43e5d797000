"""What other clients found in POST /servers, checked against the whole control plane.

The answer carries the reference's fields; a block device mapping's
volume_type belongs to 2.67; user_data may be base64 in lines, as MIME
encoders (Ruby's Base64.encode64, Python's base64.encodebytes) write it.
These share one running cloud (module scope) and so live apart from the
API-only findings in test_api_client_findings.py.
"""

import base64

import pytest

from tests.functional import stack_fixture


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("findings")
    cloud, stops = stack_fixture.start_cloud(tmp_path, monkeypatch, compute_hosts=("c1",))
    try:
        cloud.flavor = cloud.create_flavor(name="m1.tiny", vcpus=1, ram=512, disk=1,
                                           flavor_id="1")
        cloud.image = cloud.create_image()
        yield cloud
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()


@pytest.mark.parametrize("version", ["2.1", "2.37", "2.100"])
def test_create_answer_has_the_reference_fields(stack, version):
    server = {"name": "ref", "flavorRef": stack.flavor, "imageRef": stack.image}
    if version != "2.1":
        server["networks"] = "none"
    status, headers, body = stack.request("POST", "/servers", {"server": server},
                                          version=version)
    assert status == 202, body
    answer = body["server"]
    assert set(answer) == {"id", "links", "OS-DCF:diskConfig", "security_groups",
                           "adminPass"}
    assert answer["security_groups"] == [{"name": "default"}]
    assert answer["OS-DCF:diskConfig"] == "MANUAL"
    assert [link["rel"] for link in answer["links"]] == ["self", "bookmark"]
    assert headers["Location"].endswith("/servers/%s" % answer["id"])
    stack.wait_for_status(answer["id"], ["ACTIVE", "ERROR"])
    assert stack.request("DELETE", "/servers/%s" % answer["id"])[0] == 204
    stack.wait_for_gone(answer["id"])


def test_create_answer_names_the_requested_security_groups(stack):
    server = {"name": "sg", "flavorRef": stack.flavor, "imageRef": stack.image,
              "security_groups": [{"name": "default"}], "OS-DCF:diskConfig": "AUTO"}
    status, _h, body = stack.request("POST", "/servers", {"server": server})
    assert status == 202, body
    assert body["server"]["security_groups"] == [{"name": "default"}]
    assert body["server"]["OS-DCF:diskConfig"] == "AUTO"
    stack.wait_for_status(body["server"]["id"], ["ACTIVE", "ERROR"])
    assert stack.request("DELETE", "/servers/%s" % body["server"]["id"])[0] == 204
    stack.wait_for_gone(body["server"]["id"])


def test_block_device_volume_type_is_a_field_of_2_67(stack):
    def body(version_name):
        return {"server": {
            "name": version_name, "flavorRef": stack.flavor, "networks": "none",
            "block_device_mapping_v2": [{
                "source_type": "image", "destination_type": "local",
                "uuid": stack.image, "boot_index": 0, "volume_type": None}]}}
    status, _h, answer = stack.request("POST", "/servers", body("v266"), version="2.66")
    assert status == 400
    assert "volume_type" in answer["badRequest"]["message"]
    status, _h, answer = stack.request("POST", "/servers", body("v267"), version="2.67")
    assert status == 202, answer
    server_id = answer["server"]["id"]
    stack.wait_for_status(server_id, ["ACTIVE", "ERROR"])
    assert stack.request("DELETE", "/servers/%s" % server_id)[0] == 204
    stack.wait_for_gone(server_id)


def test_user_data_may_be_base64_with_line_breaks(stack):
    script = b"#cloud-config\nruncmd:\n  - echo " + b"x" * 120 + b"\n"
    wrapped = base64.encodebytes(script).decode()  # 76-character lines, as MIME wants
    assert "\n" in wrapped.strip()
    server = {"name": "ud", "flavorRef": stack.flavor, "imageRef": stack.image,
              "user_data": wrapped}
    status, _h, body = stack.request("POST", "/servers", {"server": server})
    assert status == 202, body
    server_id = body["server"]["id"]
    stack.wait_for_status(server_id, ["ACTIVE", "ERROR"])
    status, _h, body = stack.request("GET", "/servers/%s" % server_id, version="2.3")
    assert base64.b64decode(body["server"]["OS-EXT-SRV-ATTR:user_data"]) == script
    # Other characters outside the alphabet are still refused.
    server["user_data"] = wrapped.replace("\n", "!", 1)
    status, _h, body = stack.request("POST", "/servers", {"server": server})
    assert status == 400 and "user_data" in body["badRequest"]["message"]
    assert stack.request("DELETE", "/servers/%s" % server_id)[0] == 204
    stack.wait_for_gone(server_id)
