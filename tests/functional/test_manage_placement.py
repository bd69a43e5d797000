"""nova-manage placement heal_allocations / audit / sync_aggregates, run as a console script.

The deployment is the API fixture's (SQLite API and cell databases), a
nova-compute with the fake driver that reported its node to the embedded
Placement, and instances seeded on that host.
"""

from oslo_utils import uuidutils
import pytest

from nova.compute import task_states
from nova import context as nova_context
from nova.objects import cell_setup
from nova import objects
from nova import service
from tests.functional.compute_seed import parsed_conf  # noqa: F401
from tests.functional.manage_helpers import manage
from tests.functional import server_seed

pytestmark = pytest.mark.usefixtures("parsed_conf")


@pytest.fixture
def site(api, placement, tmp_path):
    svc = service.Service.create(host="cmp1", binary="nova-compute", topic="compute")
    svc.start()
    cell_setup.discover_hosts(api.ctxt)
    conf = tmp_path / "manage.conf"
    conf.write_text(
        "[DEFAULT]\ntransport_url = fake://\n[api_database]\nconnection = sqlite:///%s\n"
        "[database]\nconnection = sqlite:///%s\n[placement]\nendpoint_override = %s\n"
        % (tmp_path / "api.sqlite", tmp_path / "cell1.sqlite", placement.endpoint))
    node = objects.ComputeNode.get_by_host_and_nodename(api.ctxt, "cmp1", "cmp1")
    try:
        yield conf, node
    finally:
        svc.stop()


def _allocations(placement, consumer):
    return placement.get("/allocations/%s" % consumer)["allocations"]


def test_heal_allocations(api, placement, site):
    conf, node = site
    flavor = server_seed.add_flavor(api, vcpus=2, memory_mb=1024, root_gb=5)
    flavor.ephemeral_gb, flavor.swap = 0, 1536
    missing = server_seed.add_server(api, "missing", host="cmp1", flavor=flavor)
    busy = server_seed.add_server(api, "busy", host="cmp1", flavor=flavor,
                                  task_state=task_states.REBOOTING)
    healthy = server_seed.add_server(api, "healthy", host="cmp1", flavor=flavor)
    client = placement.client()
    ctxt = nova_context.get_admin_context()
    assert client.put_allocations(ctxt, healthy.uuid, {
        "allocations": {node.uuid: {"resources": {"VCPU": 2}}},
        "project_id": "p1", "user_id": "u1", "consumer_generation": None})

    proc = manage(conf, "placement", "heal_allocations", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "[dry-run]" in proc.stdout and missing.uuid in proc.stdout
    assert _allocations(placement, missing.uuid) == {}

    proc = manage(conf, "placement", "heal_allocations", "--verbose")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert "undergoing a task state transition" in proc.stdout
    # Root 5 GB + swap 1536 MiB rounded up to 2 GB.
    assert _allocations(placement, missing.uuid)[node.uuid]["resources"] == {
        "VCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 7}
    assert _allocations(placement, busy.uuid) == {}
    assert _allocations(placement, healthy.uuid)[node.uuid]["resources"] == {"VCPU": 2}

    assert manage(conf, "placement", "heal_allocations").returncode == 4  # nothing to do

    proc = manage(conf, "placement", "heal_allocations", "--instance", healthy.uuid,
                  "--force")
    assert proc.returncode == 0, proc.stderr
    assert _allocations(placement, healthy.uuid)[node.uuid]["resources"]["DISK_GB"] == 7

    others = [server_seed.add_server(api, "more%d" % i, host="cmp1", flavor=flavor)
              for i in range(2)]
    assert manage(conf, "placement", "heal_allocations", "--max-count", "1").returncode == 1
    assert sum(1 for o in others if _allocations(placement, o.uuid)) == 1
    assert manage(conf, "placement", "heal_allocations", "--max-count", "0").returncode == 127
    proc = manage(conf, "placement", "heal_allocations", "--instance",
                  uuidutils.generate_uuid())
    assert proc.returncode == 3 and "not mapped" in proc.stderr


def test_audit_finds_and_deletes_orphans(api, placement, site):
    conf, node = site
    flavor = server_seed.add_flavor(api)
    live = server_seed.add_server(api, "live", host="cmp1", flavor=flavor)
    gone = server_seed.add_server(api, "gone", host="cmp1", flavor=flavor, deleted=True)
    stray = uuidutils.generate_uuid()
    client = placement.client()
    ctxt = nova_context.get_admin_context()
    for consumer in (live.uuid, gone.uuid, stray):
        assert client.put_allocations(ctxt, consumer, {
            "allocations": {node.uuid: {"resources": {"VCPU": 1}}},
            "project_id": "p1", "user_id": "u1", "consumer_generation": None})

    proc = manage(conf, "placement", "audit", "--verbose")
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    assert gone.uuid in proc.stdout and stray in proc.stdout
    assert "%s on" % live.uuid not in proc.stdout

    proc = manage(conf, "placement", "audit", "--delete", "--resource_provider", node.uuid)
    assert proc.returncode == 4, (proc.stdout, proc.stderr)
    assert _allocations(placement, stray) == {}
    assert _allocations(placement, gone.uuid) == {}
    assert _allocations(placement, live.uuid)

    assert manage(conf, "placement", "audit").returncode == 0
    assert manage(conf, "placement", "audit", "--resource_provider", "nope").returncode == 127


def test_sync_aggregates(api, placement, site):
    conf, node = site
    aggregate = objects.Aggregate(context=api.ctxt, name="rack1", metadata={})
    aggregate.create()
    aggregate.add_host("cmp1")
    assert placement.get("/resource_providers/%s/aggregates" % node.uuid)["aggregates"] == []

    proc = manage(conf, "placement", "sync_aggregates", "--verbose")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert placement.get("/resource_providers/%s/aggregates" % node.uuid)["aggregates"] == [
        aggregate.uuid]

    aggregate.add_host("unmapped-host")
    proc = manage(conf, "placement", "sync_aggregates")
    assert proc.returncode == 4 and "unmapped-host" in proc.stderr
