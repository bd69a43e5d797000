"""nova-all serves the metadata API: a server booted with the openstack CLI reads itself.

nova-all runs as a real subprocess (see tests/integration/test_all_in_one.py)
with ``[api] use_forwarded_for``, so this test stands where the server's
traffic would come from by naming its fixed address in X-Forwarded-For;
cloud-init's MetadataReader reads the metadata port nova-all opened.
"""

import pytest

from tests.functional import metadata_fixture as mdf
from tests.integration import test_all_in_one as aio_mod

pytestmark = pytest.mark.integration

USER_DATA = "#cloud-config\nfinal_message: booted by nova-all\n"


@pytest.fixture
def aio(tmp_path):
    running = aio_mod.AllInOne(tmp_path)
    with open(running.config, "a") as conf:
        conf.write("\n[api]\nuse_forwarded_for = true\n")
    try:
        yield running
    finally:
        if running.proc is not None and running.alive():
            running.proc.kill()
            running.proc.wait()


def test_nova_all_serves_metadata_to_its_servers(aio, tmp_path):
    openstack, _ec2, _u = mdf.cloudinit()
    aio.start()
    key = aio.osc("keypair", "create", "--private-key", str(tmp_path / "demo.pem"), "demo-key")
    user_data = tmp_path / "user-data"
    user_data.write_text(USER_DATA)
    server = aio.osc("server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                     "--key-name", "demo-key", "--user-data", str(user_data),
                     "--property", "role=web", "--wait", "web-1")
    assert server["status"] == "ACTIVE", server
    [address] = aio.osc("server", "show", server["id"])["addresses"]["private"]

    reader = mdf.proxied_reader("http://127.0.0.1:%d" % aio.ports["metadata"],
                                {"X-Forwarded-For": address})
    result = reader.read_v2()
    metadata = result["metadata"]
    assert metadata["uuid"] == server["id"]
    assert metadata["hostname"] == "web-1.novalocal"
    assert list(metadata["public_keys"]) == ["demo-key"]
    assert metadata["public_keys"]["demo-key"].startswith("ssh-")
    assert key["name"] == "demo-key"
    assert metadata["meta"] == {"role": "web"}
    assert result["userdata"] == USER_DATA.encode()
    assert result["ec2-metadata"]["local-ipv4"] == address
    assert aio.stop() == 0, aio.stderr()
