"""`auto` caps in a process without database access, over RabbitMQ.

A nova-compute-like process (no [database]) with every [upgrade_levels]
option at `auto` learns the service versions through a real nova-conductor
daemon; its object calls, which travel through the conductor API it is
capping, keep working while the cap is looked up.
"""

import json
import os
import subprocess
import sys
import textwrap

from nova.objects import service as service_obj
from tests.integration import nova_procs

COMPUTE_SIDE = textwrap.dedent("""
    import json, sys
    from nova.cmd import common
    from nova import context, objects
    from nova.compute import rpcapi as compute_rpcapi
    from nova.conductor import rpcapi as conductor_rpcapi
    from nova.scheduler import rpcapi as scheduler_rpcapi
    common.parse_args([sys.argv[0], "--config-file", sys.argv[1]], "fake-compute")
    common.block_db_access("fake-compute")
    common.use_conductor_for_objects()
    ctxt = context.get_admin_context()
    # An old scheduler (service version 1) and this host's compute row.
    old = objects.Service(ctxt, host="old-sched", binary="nova-scheduler",
                          topic="scheduler", report_count=0)
    old.create()
    old.version = 1
    old.save()
    me = objects.Service(ctxt, host="nodb-host", binary="nova-compute", topic="compute",
                         report_count=0)
    me.create()
    caps = {
        "conductor": conductor_rpcapi.ConductorAPI().router.version_cap,
        "compute_task": conductor_rpcapi.ComputeTaskAPI().router.version_cap,
        "scheduler": scheduler_rpcapi.SchedulerAPI().router.version_cap,
        "compute": compute_rpcapi.ComputeAPI().router.version_cap,
    }
    # Object calls go on through the (now capped) indirection API.
    me.report_count = 7
    me.save()
    again = objects.Service.get_by_host_and_binary(ctxt, "nodb-host", "nova-compute")
    print(json.dumps({"caps": caps, "report_count": again.report_count}))
""")


def test_auto_caps_in_a_process_without_database(tmp_path, rabbit_vhost):
    db_path = tmp_path / "cell.sqlite"
    db_url = "sqlite:///%s" % db_path
    nova_procs.sync_cell_db(db_url)
    conductor_conf = nova_procs.write_config(
        str(tmp_path / "conductor.conf"),
        nova_procs.base_sections(tmp_path, "ctl", rabbit_vhost.url, db_url),
        base_sample=False)
    compute_conf = str(tmp_path / "compute.conf")
    with open(compute_conf, "w") as conf:
        conf.write("[DEFAULT]\nhost = nodb-host\ntransport_url = %s\nlog_file = %s\n"
                   "[upgrade_levels]\ncompute = auto\nconductor = auto\nscheduler = auto\n"
                   % (rabbit_vhost.url, tmp_path / "compute-side.log"))
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
    # The conductor runs this code; the only scheduler is at version 1
    # (scheduler RPC 4.1); this compute's own row is the newest.
    newest = service_obj.SERVICE_VERSION_HISTORY[-1]
    assert result["caps"] == {"conductor": newest["conductor_rpc"],
                              "compute_task": newest["compute_task_rpc"],
                              "scheduler": "4.1", "compute": newest["compute_rpc"]}
    assert result["report_count"] == 7
