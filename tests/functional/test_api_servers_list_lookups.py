"""GET /servers/detail over HTTP: what a listing looks up beside the instances.

Volumes, request specs (pinned AZ, scheduler hints), faults and host
statuses are read once per listing (per cell), not once per server; these
tests check that every server still gets its own, across two cells.
"""

import pytest

from nova.api.openstack import api_version
from nova import context as nova_context
from nova.compute import vm_states
from nova import objects
from tests.functional import compute_seed
from tests.functional import server_seed as seed

ADMIN = {"user": "admin", "project": "admin"}


@pytest.fixture
def newest(monkeypatch):
    monkeypatch.setattr(api_version, "MAX_API_VERSION", "2.100")


def _bdm(cctxt, instance, boot_index, volume_id=None, delete=False, deleted=False):
    bdm = objects.BlockDeviceMapping(
        context=cctxt, instance_uuid=instance.uuid, boot_index=boot_index,
        source_type="volume" if volume_id else "image",
        destination_type="volume" if volume_id else "local", device_type="disk",
        volume_id=volume_id, image_id=None if volume_id else instance.image_ref,
        delete_on_termination=delete, device_name="/dev/vd%s" % "abcd"[boot_index + 1])
    bdm.create()
    if deleted:
        bdm.destroy()


def _spec(api, instance, zone, hints, flavor):
    objects.RequestSpec(
        context=api.ctxt, instance_uuid=instance.uuid, project_id=instance.project_id,
        user_id=instance.user_id, flavor=flavor,
        image=objects.ImageMeta.from_dict({"properties": {}}), num_instances=1,
        availability_zone=zone, scheduler_hints=hints, is_bfv=False, instance_group=None,
        request_level_params=objects.RequestLevelParams()).create()


def test_each_server_gets_its_own_lookups_across_cells(api, tmp_path, newest):
    flavor = seed.add_flavor(api)
    cell1 = seed.cell1(api)
    cell2 = compute_seed.add_cell(api, tmp_path)
    compute_seed.add_compute(api, "host1")
    with nova_context.target_cell(api.ctxt, cell2) as cctxt:
        down = compute_seed.add_service(api, "host2", ctxt=cctxt)
        compute_seed.mark_down(down)
    one = seed.add_server(api, "one", flavor=flavor, host="host1", project_id="admin",
                          user_id="admin")
    two = seed.add_server(api, "two", cell=cell2, flavor=flavor, host="host2",
                          project_id="admin", user_id="admin", vm_state=vm_states.ERROR,
                          fault=(500, "boom", "trace"))
    three = seed.add_server(api, "three", cell=cell2, flavor=flavor, host="host2",
                            project_id="admin", user_id="admin")
    with nova_context.target_cell(api.ctxt, cell1) as cctxt:
        _bdm(cctxt, one, 0)  # the image root disk: not a volume
        _bdm(cctxt, one, 1, volume_id="vol-1", delete=True)
        _bdm(cctxt, one, 2, volume_id="vol-gone", deleted=True)
    with nova_context.target_cell(api.ctxt, cell2) as cctxt:
        _bdm(cctxt, two, 0, volume_id="vol-2")
        _bdm(cctxt, two, 1, volume_id="vol-3", delete=True)
    _spec(api, one, "az1", {"group": ["g1"], "same_host": ["a", "b"]}, flavor)
    _spec(api, two, None, {}, flavor)

    status, _headers, body = api.request("GET", "/servers/detail", version="2.100", **ADMIN)
    assert status == 200
    views = {s["name"]: s for s in body["servers"]}
    assert set(views) == {"one", "two", "three"}
    assert views["one"]["os-extended-volumes:volumes_attached"] == [
        {"id": "vol-1", "delete_on_termination": True}]
    assert views["two"]["os-extended-volumes:volumes_attached"] == [
        {"id": "vol-2", "delete_on_termination": False},
        {"id": "vol-3", "delete_on_termination": True}]
    assert views["three"]["os-extended-volumes:volumes_attached"] == []
    assert views["one"]["pinned_availability_zone"] == "az1"
    assert views["one"]["scheduler_hints"] == {"group": "g1", "same_host": ["a", "b"]}
    assert views["two"]["pinned_availability_zone"] is None
    assert views["two"]["scheduler_hints"] == {}
    assert views["three"]["pinned_availability_zone"] is None  # no spec at all
    assert views["three"]["scheduler_hints"] == {}
    assert views["one"]["host_status"] == "UP"
    assert views["two"]["host_status"] == views["three"]["host_status"] == "UNKNOWN"
    assert views["two"]["fault"]["message"] == "boom"
    assert "fault" not in views["one"] and "fault" not in views["three"]
    assert views["two"]["id"] == two.uuid and views["three"]["id"] == three.uuid

    # 2.1: volumes without delete_on_termination; no specs or host status.
    status, _headers, body = api.request("GET", "/servers/detail", version="2.1", **ADMIN)
    views = {s["name"]: s for s in body["servers"]}
    assert views["two"]["os-extended-volumes:volumes_attached"] == [{"id": "vol-2"},
                                                                    {"id": "vol-3"}]
    assert not {"host_status", "pinned_availability_zone"} & set(views["one"])
