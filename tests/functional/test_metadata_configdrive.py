"""Config drives built from the metadata model, read back by cloud-init's ConfigDriveReader."""

import base64
import os
import shutil
import subprocess

import pytest

from nova.api.metadata import lookup
from nova import objects
from nova.virt import configdrive
from tests.functional import metadata_fixture as mdf
from tests.functional import server_seed as seed

USER_DATA = b"#cloud-config\nhostname: from-drive\n"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDriveDriveDriveDriveDriveDriveDriveDrive demo"


def _instance_md(api):
    keypair = objects.KeyPair(name="k1", user_id="u1", public_key=KEY, type="ssh",
                              fingerprint="00")
    instance = seed.add_server(
        api, "drive", flavor=seed.add_flavor(api), metadata={"tier": "db"},
        user_data=base64.b64encode(USER_DATA).decode(), key_name="k1", key_data=KEY,
        keypairs=objects.KeyPairList(objects=[keypair]),
        nw_info=seed.network_info(ip="10.0.0.9", mac="fa:16:3e:00:00:09"))
    lookup.reset_cache()
    md = lookup.get_metadata_by_instance_id(instance.uuid)
    assert md is not None
    return instance, md


def _check_with_cloudinit(instance, tree):
    openstack, _ec2, _u = mdf.cloudinit()
    reader = openstack.ConfigDriveReader(str(tree))
    result = reader.read_v2()
    metadata = result["metadata"]
    assert metadata["uuid"] == instance.uuid
    assert metadata["hostname"] == "drive.novalocal"
    assert metadata["public_keys"] == {"k1": KEY}
    assert metadata["meta"] == {"tier": "db"}
    assert result["userdata"] == USER_DATA
    assert result["ec2-metadata"]["instance-id"].startswith("i-")
    assert result["ec2-metadata"]["public-keys"]["0"]["openssh-key"] == KEY
    network = openstack.convert_net_json(result["networkdata"],
                                         known_macs={"fa:16:3e:00:00:09": "ens3"})
    [physical] = [c for c in network["config"] if c["type"] == "physical"]
    assert physical["name"] == "ens3"
    assert physical["subnets"][0]["address"] == "10.0.0.9"
    # The newest version cloud-init knows is there, and so is latest.
    assert reader._find_working_version() == "2018-08-27"
    assert (tree / "openstack" / "latest" / "meta_data.json").is_file()
    # The password is for the metadata API only.
    assert not (tree / "openstack" / "latest" / "password").exists()


def test_iso9660_config_drive_read_by_cloudinit(api, tmp_path):
    instance, md = _instance_md(api)
    image = tmp_path / "disk.config"
    with configdrive.ConfigDriveBuilder(instance_md=md) as builder:
        builder.make_drive(str(image))
    tree = tmp_path / "extracted"
    label = configdrive.read_iso9660(str(image), str(tree))
    assert label == "config-2"
    _check_with_cloudinit(instance, tree)
    # The EC2 versions of [api] config_drive_skip_versions are left out.
    assert sorted(os.listdir(tree / "ec2")) == ["2009-04-04", "latest"]


def test_vfat_config_drive_read_by_cloudinit(api, tmp_path):
    if shutil.which("mcopy") is None or shutil.which("mkfs.vfat") is None:
        message = "dosfstools and mtools are needed for VFAT config drives"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    instance, md = _instance_md(api)
    image = tmp_path / "disk.config"
    with configdrive.ConfigDriveBuilder(instance_md=md) as builder:
        builder.make_drive(str(image), fmt="vfat")
    label = subprocess.run(["mlabel", "-s", "-i", str(image), "::"], capture_output=True,
                           text=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    assert "CONFIG-2" in label.stdout
    tree = tmp_path / "extracted"
    tree.mkdir()
    subprocess.run(["mcopy", "-s", "-i", str(image), "::/openstack", "::/ec2", str(tree)],
                   check=True, env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    _check_with_cloudinit(instance, tree)


@pytest.mark.parametrize("force,requested,image_props,expected", [
    (False, "", {}, False),
    (False, "True", {}, True),
    (False, "", {"img_config_drive": "mandatory"}, True),
    (False, "", {"img_config_drive": "optional"}, False),
    (True, "", {}, True),
])
def test_which_instances_get_a_config_drive(force, requested, image_props, expected):
    undo = mdf.set_conf({("DEFAULT", "force_config_drive"): force})
    try:
        instance = objects.Instance(config_drive=requested)
        image = objects.ImageMeta(properties=objects.ImageMetaProps.from_dict(image_props))
        assert configdrive.required_by(instance, image) is expected
        assert configdrive.required_by(instance, {"properties": image_props}) is expected
        configdrive.update_instance(instance, image)
        assert instance.config_drive == ("True" if expected else requested)
    finally:
        undo()
