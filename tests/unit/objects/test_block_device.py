"""BlockDeviceMapping(+List) on a real (SQLite) cell database."""

import pytest

from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h

VOLUME = "5d8e9a1c-1111-4a2b-8c3d-000000000001"
IMAGE = "0c2b1a3d-2222-4a2b-8c3d-000000000002"


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _bdm(ctxt, instance_uuid, **kwargs):
    values = {"instance_uuid": instance_uuid, "source_type": "volume",
              "destination_type": "volume", "volume_id": VOLUME, "device_name": "/dev/vdb",
              "boot_index": None, "delete_on_termination": False}
    values.update(kwargs)
    bdm = objects.BlockDeviceMapping(ctxt, **values)
    bdm.create()
    return bdm


def test_create_get_save_destroy(ctxt):
    inst = h.make_instance(ctxt)
    bdm = _bdm(ctxt, inst.uuid, connection_info='{"driver_volume_type": "iscsi"}')
    assert bdm.id > 0 and len(bdm.uuid) == 36
    assert bdm.no_device is False and bdm.encrypted is False
    with pytest.raises(exception.ObjectActionError):
        bdm.create()
    bdm.device_name = "/dev/vdc"
    bdm.attachment_id = "e9b5e3e0-3333-4a2b-8c3d-000000000003"
    bdm.save()
    loaded = objects.BlockDeviceMapping.get_by_id(ctxt, bdm.id)
    assert loaded.device_name == "/dev/vdc"
    assert loaded.attachment_id == bdm.attachment_id
    assert loaded.connection_info == '{"driver_volume_type": "iscsi"}'
    assert objects.BlockDeviceMapping.get_by_uuid(ctxt, bdm.uuid).id == bdm.id
    loaded.instance_uuid = "0aa0bb11-0000-4000-8000-000000000000"
    with pytest.raises(exception.ObjectActionError):
        loaded.save()
    bdm.destroy()
    with pytest.raises(exception.BDMNotFound):
        objects.BlockDeviceMapping.get_by_id(ctxt, loaded.id)
    with pytest.raises(exception.ObjectActionError):
        bdm.destroy()


def test_enum_fields_reject_unknown_values(ctxt):
    with pytest.raises(ValueError):
        objects.BlockDeviceMapping(source_type="tape")


def test_get_by_volume(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    _bdm(ctxt, a.uuid)
    found = objects.BlockDeviceMapping.get_by_volume_id(ctxt, VOLUME)
    assert found.instance_uuid == a.uuid
    with pytest.raises(exception.VolumeBDMNotFound):
        objects.BlockDeviceMapping.get_by_volume_id(ctxt, IMAGE)
    _bdm(ctxt, b.uuid)   # multi-attach
    with pytest.raises(exception.VolumeBDMIsMultiattach):
        objects.BlockDeviceMapping.get_by_volume_id(ctxt, VOLUME)
    assert objects.BlockDeviceMapping.get_by_volume_id(
        ctxt, VOLUME, instance_uuid=b.uuid).instance_uuid == b.uuid
    assert objects.BlockDeviceMapping.get_by_volume_and_instance(
        ctxt, VOLUME, a.uuid).instance_uuid == a.uuid
    assert len(objects.BlockDeviceMappingList.get_by_volume(ctxt, VOLUME)) == 2


def test_lists_and_helpers(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    root = _bdm(ctxt, a.uuid, source_type="image", destination_type="local",
                image_id=IMAGE, volume_id=None, boot_index=0, device_name="/dev/vda")
    _bdm(ctxt, a.uuid)
    _bdm(ctxt, b.uuid, volume_id="5d8e9a1c-1111-4a2b-8c3d-000000000009")
    bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(ctxt, a.uuid)
    assert len(bdms) == 2
    assert bdms.root_bdm().id == root.id
    assert root.is_root and root.is_image and not root.is_volume
    assert [x.is_volume for x in bdms] == [False, True]
    by_instance = objects.BlockDeviceMappingList.bdms_by_instance_uuid(ctxt, [a.uuid, b.uuid])
    assert {k: len(v) for k, v in by_instance.items()} == {a.uuid: 2, b.uuid: 1}
    assert root.get_image_mapping()["image_id"] == IMAGE


def test_instance_is_lazy_loaded(ctxt):
    inst = h.make_instance(ctxt, display_name="withvol")
    bdm = _bdm(ctxt, inst.uuid)
    loaded = objects.BlockDeviceMapping.get_by_id(ctxt, bdm.id)
    assert not loaded.obj_attr_is_set("instance")
    assert loaded.instance.display_name == "withvol"
    eager = objects.BlockDeviceMapping.get_by_volume_id(ctxt, VOLUME,
                                                        expected_attrs=["instance"])
    assert eager.obj_attr_is_set("instance")


def test_deleting_the_instance_deletes_its_mappings(ctxt):
    inst = h.make_instance(ctxt, host="h1")
    _bdm(ctxt, inst.uuid)
    inst.destroy()
    assert len(objects.BlockDeviceMappingList.get_by_instance_uuid(ctxt, inst.uuid)) == 0
