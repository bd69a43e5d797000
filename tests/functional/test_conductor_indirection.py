"""Object calls of a process without database access go through nova-conductor."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from nova.db.main import api as main_db_api
from nova import context
from nova import exception
from nova import objects
from tests.functional import inprocess
from tests.integration import nova_procs

@pytest.fixture
def nova_env(tmp_path, monkeypatch):
    yield from inprocess.configured_nova(tmp_path, monkeypatch)


COMPUTE_SIDE = textwrap.dedent("""
    import json, sys
    from nova.cmd import common
    from nova import context, objects
    common.parse_args([sys.argv[0], "--config-file", sys.argv[1]], "fake-compute")
    common.block_db_access("fake-compute")
    common.use_conductor_for_objects()
    ctxt = context.get_admin_context()
    svc = objects.Service(ctxt, host="nodb-host", binary="nova-compute", topic="compute",
                          report_count=0)
    svc.create()
    svc.report_count += 5
    svc.save()
    node = objects.ComputeNode(ctxt, host="nodb-host", hypervisor_hostname="nodb-node",
        vcpus=2, memory_mb=2048, local_gb=20, vcpus_used=0, memory_mb_used=0,
        local_gb_used=0, hypervisor_type="fake", hypervisor_version=1, cpu_info="{}",
        supported_hv_specs=[], service_id=svc.id, cpu_allocation_ratio=4.0,
        ram_allocation_ratio=1.0, disk_allocation_ratio=1.0)
    node.create()
    found = objects.Service.get_by_host_and_binary(ctxt, "nodb-host", "nova-compute")
    try:
        from nova.db.main import services
        services.service_get(ctxt, svc.id)
        direct = "allowed"
    except Exception as exc:
        direct = type(exc).__name__
    print(json.dumps({"service_id": svc.id, "node_uuid": node.uuid,
                      "report_count": found.report_count, "direct": direct}))
""")


def test_db_access_is_refused_when_disabled(nova_env, monkeypatch):
    monkeypatch.setattr(main_db_api, "DISABLE_DB_ACCESS", True)
    with pytest.raises(exception.DBNotAllowed):
        objects.ServiceList.get_all(context.get_admin_context())


def test_process_without_database_writes_through_the_conductor(tmp_path, rabbit_vhost):
    db_path = tmp_path / "cell.sqlite"
    db_url = "sqlite:///%s" % db_path
    nova_procs.sync_cell_db(db_url)
    conductor_conf = nova_procs.write_config(
        str(tmp_path / "conductor.conf"),
        nova_procs.base_sections(tmp_path, "ctl", rabbit_vhost.url, db_url),
        base_sample=False)
    # The "compute" side: no [database] section at all.
    compute_conf = str(tmp_path / "compute.conf")
    with open(compute_conf, "w") as conf:
        conf.write("[DEFAULT]\nhost = nodb-host\ntransport_url = %s\n"
                   "log_file = %s\n" % (rabbit_vhost.url, tmp_path / "compute-side.log"))
    conductor = nova_procs.Daemon("nova-conductor", conductor_conf)
    try:
        nova_procs.wait_for(lambda: nova_procs.service_rows(db_path).get("nova-conductor"),
                            timeout=60, what="the conductor", daemons=[conductor])
        proc = subprocess.run([sys.executable, "-c", COMPUTE_SIDE, compute_conf],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, NOVA_CONCURRENCY_BACKEND=""))
    finally:
        conductor.terminate()
        conductor.kill()
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["direct"] == "DBNotAllowed"
    assert result["report_count"] == 5
    rows = nova_procs.sqlite_rows(db_path, "SELECT id, report_count FROM services "
                                           "WHERE host = 'nodb-host'")
    assert rows == [(result["service_id"], 5)]
    nodes = nova_procs.sqlite_rows(db_path, "SELECT uuid, hypervisor_hostname, service_id "
                                            "FROM compute_nodes")
    assert nodes == [(result["node_uuid"], "nodb-node", result["service_id"])]
