"""GET /limits: absolute limits from the quota engine and real usage."""

from oslo_utils import uuidutils

from nova import context as nova_context
from nova import objects


def _seed_instance(api, project_id, vcpus, memory_mb):
    cells = objects.CellMappingList.get_all(api.ctxt)
    cell1 = [c for c in cells if not c.is_cell0()][0]
    with nova_context.target_cell(api.ctxt, cell1) as cctxt:
        inst = objects.Instance(context=cctxt, uuid=uuidutils.generate_uuid(),
                                project_id=project_id, user_id="u1", vcpus=vcpus,
                                memory_mb=memory_mb, vm_state="active")
        inst.create()


def test_limits_show_defaults_and_usage(api):
    _seed_instance(api, "demo", 2, 1024)
    _seed_instance(api, "demo", 4, 2048)
    _seed_instance(api, "other", 8, 4096)
    objects.Quotas.create_limit(api.ctxt, "demo", "cores", 50)
    status, _h, body = api.request("GET", "/limits", user="demo", project="demo")
    assert status == 200
    assert body["limits"]["rate"] == []
    absolute = body["limits"]["absolute"]
    assert absolute["maxTotalCores"] == 50
    assert absolute["maxTotalInstances"] == 10
    assert absolute["maxTotalRAMSize"] == 51200
    assert absolute["totalInstancesUsed"] == 2
    assert absolute["totalCoresUsed"] == 6
    assert absolute["totalRAMUsed"] == 3072
    assert absolute["maxServerMeta"] == 128 and absolute["maxImageMeta"] == 128
    assert absolute["maxPersonality"] == 5 and absolute["maxPersonalitySize"] == 10240
    assert absolute["maxTotalKeypairs"] == 100
    assert absolute["maxServerGroups"] == 10 and absolute["maxServerGroupMembers"] == 10
    assert absolute["totalServerGroupsUsed"] == 0
    # Networking limits belong to Neutron: unlimited and unused here.
    assert absolute["maxSecurityGroups"] == -1 and absolute["totalFloatingIpsUsed"] == 0


def test_limits_keys_follow_the_microversion(api, monkeypatch):
    keys = {}
    for version in ("2.35", "2.36", "2.39", "2.57"):
        status, _h, body = api.request("GET", "/limits", version=version)
        keys[version] = set(body["limits"]["absolute"])
    assert "maxSecurityGroups" in keys["2.35"] and "maxSecurityGroups" not in keys["2.36"]
    assert "maxImageMeta" in keys["2.36"] and "maxImageMeta" not in keys["2.39"]
    assert "maxPersonality" in keys["2.39"] and "maxPersonality" not in keys["2.57"]
    assert "totalCoresUsed" in keys["2.57"]


def test_other_projects_limits_need_admin(api):
    _seed_instance(api, "demo", 2, 512)
    status, _h, body = api.request("GET", "/limits?tenant_id=demo")
    assert status == 200 and body["limits"]["absolute"]["totalInstancesUsed"] == 1
    status, _h, body = api.request("GET", "/limits?tenant_id=demo",
                                   user="eve", project="eve")
    assert status == 403


def test_openstack_limits_show_absolute(api):
    _seed_instance(api, "admin", 3, 256)
    rows = api.osc("limits", "show", "--absolute")
    values = {row["Name"]: row["Value"] for row in rows}
    assert values["total_cores_used"] == 3
    assert values["total_instances_used"] == 1
    assert values["total_ram_used"] == 256
    assert values["max_total_instances"] == 10
    assert values["max_total_cores"] == 20
