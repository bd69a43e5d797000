"""Servers of a cell that does not answer, over HTTP (microversion 2.69).

The deployment has its healthy cell1 and a second cell whose database URL
names a SQLite file in a directory that does not exist, so every query to
it fails as an unreachable database would. Its servers exist only as
InstanceMappings (and RequestSpecs) in the API database.
"""

from oslo_utils import uuidutils
import pytest

from nova import conf as nova_conf
from nova import objects
from tests.functional import server_seed as seed

CONF = nova_conf.CONF
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


@pytest.fixture
def flavor(api):
    return seed.add_flavor(api, extra_specs={"hw:cpu_policy": "shared"})


@pytest.fixture
def down_cell(api):
    cell = objects.CellMapping(
        context=api.ctxt, uuid=uuidutils.generate_uuid(), name="down",
        transport_url="fake://",
        database_connection="sqlite:////nonexistent-%s/cell.sqlite"
                            % uuidutils.generate_uuid())
    cell.create()
    return cell


@pytest.fixture
def fail_on_down_cells():
    CONF.set_override("list_records_by_skipping_down_cells", False, group="api")
    yield
    CONF.clear_override("list_records_by_skipping_down_cells", group="api")


def _lost_server(api, cell, project_id="p1", user_id="u1", flavor=None, zone=None,
                 image=IMAGE, spec=True):
    """A server mapped to ``cell`` (and its RequestSpec); returns its mapping."""
    uuid = uuidutils.generate_uuid()
    mapping = objects.InstanceMapping(context=api.ctxt, instance_uuid=uuid,
                                      cell_mapping=cell, project_id=project_id,
                                      user_id=user_id)
    mapping.create()
    if spec:
        image_meta = objects.ImageMeta.from_dict(
            {"id": image, "properties": {}} if image else {"properties": {}})
        objects.RequestSpec(
            context=api.ctxt, instance_uuid=uuid, project_id=project_id,
            user_id=user_id, flavor=flavor, image=image_meta, num_instances=1,
            availability_zone=zone, scheduler_hints={}, is_bfv=not image,
            request_level_params=objects.RequestLevelParams()).create()
    return objects.InstanceMapping.get_by_instance_uuid(api.ctxt, uuid)


def _get(api, path, version=None, user="u1", project="p1"):
    status, _headers, body = api.request("GET", path, version=version, user=user,
                                         project=project)
    return status, body


def _ids(body):
    return [s["id"] for s in body["servers"]]


def _created(mapping):
    return mapping.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_lists_before_269_leave_the_down_cell_out(api, flavor, down_cell):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    _lost_server(api, down_cell, flavor=flavor)
    for path in ("/servers", "/servers/detail"):
        status, body = _get(api, path, version="2.68")
        assert status == 200, body
        assert _ids(body) == [healthy.uuid]


def test_lists_from_269_show_minimal_records_first(api, flavor, down_cell):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    lost = _lost_server(api, down_cell, flavor=flavor)
    _lost_server(api, down_cell, project_id="p2", flavor=flavor)
    queued = _lost_server(api, down_cell, flavor=flavor)
    queued.queued_for_delete = True
    queued.save()

    status, body = _get(api, "/servers", version="2.69")
    assert status == 200, body
    assert _ids(body) == [lost.instance_uuid, healthy.uuid]
    minimal = body["servers"][0]
    assert set(minimal) == {"id", "status", "links"}
    assert minimal["status"] == "UNKNOWN"
    assert minimal["links"][0]["href"].endswith("/v2.1/servers/" + lost.instance_uuid)
    assert set(body["servers"][1]) == {"id", "name", "links"}

    status, body = _get(api, "/servers/detail", version="2.69")
    assert status == 200, body
    assert _ids(body) == [lost.instance_uuid, healthy.uuid]
    assert body["servers"][0] == {
        "id": lost.instance_uuid, "status": "UNKNOWN", "tenant_id": "p1",
        "created": _created(lost), "links": body["servers"][0]["links"]}
    assert body["servers"][1]["status"] == "ACTIVE"
    assert body["servers"][1]["name"] == "alpha"

    # Another project sees only its own; an admin with all_tenants sees every one.
    status, body = _get(api, "/servers", version="2.69", project="p2")
    assert len(body["servers"]) == 1 and body["servers"][0]["status"] == "UNKNOWN"
    status, body = _get(api, "/servers/detail?all_tenants=1", version="2.69",
                        user="admin", project="admin")
    assert status == 200, body
    assert sorted(s["tenant_id"] for s in body["servers"]) == ["p1", "p1", "p2"]
    assert queued.instance_uuid not in _ids(body)


def test_minimal_records_fill_what_the_page_size_leaves(api, flavor, down_cell):
    first = _lost_server(api, down_cell, flavor=flavor)
    _lost_server(api, down_cell, flavor=flavor)
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    CONF.set_override("max_limit", 2, group="api")
    try:
        status, body = _get(api, "/servers", version="2.69")
    finally:
        CONF.clear_override("max_limit", group="api")
    assert status == 200, body
    assert _ids(body) == [first.instance_uuid, healthy.uuid]


@pytest.mark.parametrize("query", [
    "name=alpha", "limit=5", "sort_key=display_name", "status=ACTIVE",
    "changes-since=2020-01-01T00:00:00Z",
])
def test_filtered_sorted_or_paged_lists_skip_the_down_cell(api, flavor, down_cell,
                                                           query):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    _lost_server(api, down_cell, flavor=flavor)
    status, body = _get(api, "/servers/detail?" + query, version="2.69")
    assert status == 200, body
    assert _ids(body) == [healthy.uuid]


def test_a_marker_in_the_down_cell_is_a_server_error(api, flavor, down_cell):
    seed.add_server(api, "alpha", flavor=flavor)
    lost = _lost_server(api, down_cell, flavor=flavor)
    status, body = _get(api, "/servers?marker=" + lost.instance_uuid, version="2.69")
    assert status == 500
    assert body["computeFault"]["code"] == 500


def test_lists_fail_when_configured_not_to_skip(api, flavor, down_cell,
                                                fail_on_down_cells):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    lost = _lost_server(api, down_cell, flavor=flavor)
    for path in ("/servers", "/servers/detail"):
        status, body = _get(api, path, version="2.68")
        assert status == 500, body
        assert body["computeFault"]["code"] == 500
        # What 2.69 can show minimally is shown; a filter it cannot honour fails.
        status, body = _get(api, path, version="2.69")
        assert status == 200, body
        assert _ids(body) == [lost.instance_uuid, healthy.uuid]
        status, body = _get(api, path + "?name=alpha", version="2.69")
        assert status == 500, body


def test_lists_without_a_down_cell_are_unchanged(api, flavor, fail_on_down_cells):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    for version in ("2.68", "2.69"):
        status, body = _get(api, "/servers/detail", version=version)
        assert status == 200, body
        assert _ids(body) == [healthy.uuid]
        assert body["servers"][0]["status"] == "ACTIVE"


def test_show_from_269_is_built_from_the_request_spec(api, flavor, down_cell):
    lost = _lost_server(api, down_cell, flavor=flavor, zone="geneva")
    path = "/servers/" + lost.instance_uuid

    status, body = _get(api, path, version="2.68")
    assert status == 500
    assert body["computeFault"]["code"] == 500

    status, body = _get(api, path, version="2.69")
    assert status == 200, body
    view = body["server"]
    assert set(view) == {"id", "status", "tenant_id", "created", "links", "user_id",
                         "image", "flavor", "OS-EXT-AZ:availability_zone",
                         "OS-EXT-STS:power_state"}
    assert view["status"] == "UNKNOWN"
    assert (view["tenant_id"], view["user_id"]) == ("p1", "u1")
    assert view["created"] == _created(lost)
    assert view["image"]["id"] == IMAGE
    assert view["image"]["links"][0]["href"].endswith("/images/" + IMAGE)
    assert view["flavor"]["original_name"] == "m1.small"
    assert (view["flavor"]["vcpus"], view["flavor"]["ram"]) == (1, 512)
    assert view["OS-EXT-AZ:availability_zone"] == "geneva"
    assert view["OS-EXT-STS:power_state"] == 0

    # The flavor's extra specs for those the policy lets see them.
    status, body = _get(api, path, version="2.69", user="admin", project="admin")
    assert body["server"]["flavor"] == {
        "vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0,
        "original_name": "m1.small", "extra_specs": {"hw:cpu_policy": "shared"}}

    # Another project's server stays hidden.
    assert _get(api, path, version="2.69", project="p2")[0] == 404


def test_show_server_groups_unknown_zone_and_volume_boot(api, flavor, down_cell):
    lost = _lost_server(api, down_cell, flavor=flavor, image=None, user_id=None)
    group = objects.InstanceGroup(context=api.ctxt, uuid=uuidutils.generate_uuid(),
                                  name="g", policy="affinity", rules={},
                                  members=[lost.instance_uuid], project_id="p1",
                                  user_id="u1")
    group.create()
    status, body = _get(api, "/servers/" + lost.instance_uuid, version="2.71")
    assert status == 200, body
    view = body["server"]
    assert view["server_groups"] == [group.uuid]
    assert view["image"] == ""
    assert view["OS-EXT-AZ:availability_zone"] == "UNKNOWN"
    assert view["user_id"] == "UNKNOWN"
    assert "server_groups" not in _get(api, "/servers/" + lost.instance_uuid,
                                       version="2.70")[1]["server"]


def test_show_without_request_spec_or_queued_for_delete_is_404(api, flavor, down_cell):
    no_spec = _lost_server(api, down_cell, flavor=flavor, spec=False)
    status, body = _get(api, "/servers/" + no_spec.instance_uuid, version="2.69")
    assert status == 404 and body["itemNotFound"]["code"] == 404

    queued = _lost_server(api, down_cell, flavor=flavor)
    queued.queued_for_delete = True
    queued.save()
    assert _get(api, "/servers/" + queued.instance_uuid, version="2.69")[0] == 404


def test_the_cli_lists_and_shows_servers_of_a_down_cell(api, flavor, down_cell):
    healthy = seed.add_server(api, "alpha", flavor=flavor)
    lost = _lost_server(api, down_cell, flavor=flavor)
    rows = api.osc("server", "list", version="2.69", user="u1", project="p1")
    assert [(r["ID"], r["Name"], r["Status"]) for r in rows] == [
        (lost.instance_uuid, None, "UNKNOWN"), (healthy.uuid, "alpha", "ACTIVE")]
    shown = api.osc("server", "show", lost.instance_uuid, version="2.69", user="u1",
                    project="p1")
    assert (shown["status"], shown["project_id"], shown["user_id"]) == (
        "UNKNOWN", "p1", "u1")
    assert shown["OS-EXT-AZ:availability_zone"] == "UNKNOWN"
    assert shown["flavor"]["original_name"] == "m1.small"
    # Before 2.69 the server is not listed.
    rows = api.osc("server", "list", version="2.68", user="u1", project="p1")
    assert [r["ID"] for r in rows] == [healthy.uuid]
