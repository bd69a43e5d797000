"""The instance usage audit: the compute's periodic task writes task_log, and
os-instance_usage_audit_log reports it (the whole stack in this process)."""

import datetime

import pytest

from nova import context as nova_context
from nova import objects
from tests.functional import inprocess
from tests.functional import stack_fixture

CONF = inprocess.CONF


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    yield from stack_fixture.module_cloud(tmp_path_factory, "audit", "compute1",
                                          boot="audited")


def test_the_audit_runs_once_per_period_and_the_log_reports_it(cloud):
    ctxt = nova_context.get_admin_context()
    manager = cloud.computes["compute1"].manager
    CONF.set_override("instance_usage_audit_period", "day")
    try:
        status, _h, body = cloud.request("GET", "/os-instance_usage_audit_log")
        assert status == 200, body
        log = body["instance_usage_audit_logs"]
        assert log["hosts_not_run"] == ["compute1"] and log["num_hosts"] == 1
        assert log["overall_status"] == "0 of 1 hosts done. 0 errors."
        # Off by default: nothing is recorded.
        manager._instance_usage_audit(ctxt)
        assert cloud.request("GET", "/os-instance_usage_audit_log")[2][
            "instance_usage_audit_logs"]["num_hosts_done"] == 0

        # The server ran all of yesterday.
        mapping = objects.InstanceMapping.get_by_instance_uuid(ctxt, cloud.server)
        with nova_context.target_cell(ctxt, mapping.cell_mapping) as cctxt:
            instance = objects.Instance.get_by_uuid(cctxt, cloud.server)
            instance.launched_at = datetime.datetime.utcnow() - datetime.timedelta(days=3)
            instance.save()
        CONF.set_override("instance_usage_audit", True)
        manager._instance_usage_audit(ctxt)
        manager._instance_usage_audit(ctxt)  # the period is done: not again
        status, _h, body = cloud.request("GET", "/os-instance_usage_audit_log")
        log = body["instance_usage_audit_logs"]
        assert log["overall_status"] == "ALL hosts done. 0 errors."
        assert (log["num_hosts_done"], log["num_hosts_not_run"], log["total_instances"]) \
            == (1, 0, 1)
        entry = log["log"]["compute1"]
        assert entry["state"] == "DONE" and entry["instances"] == 1
        assert entry["message"].startswith(
            "Instance usage audit ran for host compute1, 1 instances in")
        today = datetime.datetime.utcnow().replace(hour=0, minute=0, second=0,
                                                   microsecond=0)
        assert log["period_ending"] == str(today)
        # An earlier period: nothing ran then.
        before = (today - datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        status, _h, body = cloud.request("GET", "/os-instance_usage_audit_log/%s"
                                         % before.replace(" ", "%20"))
        assert status == 200, body
        earlier = body["instance_usage_audit_log"]
        assert earlier["num_hosts_done"] == 0 and earlier["hosts_not_run"] == ["compute1"]
        status, _h, body = cloud.request("GET", "/os-instance_usage_audit_log/yesterday")
        assert status == 400
        assert body["badRequest"]["message"] == "Invalid timestamp for date yesterday"
        assert cloud.request("GET", "/os-instance_usage_audit_log",
                             user="u1", project="p1")[0] == 403
    finally:
        CONF.clear_override("instance_usage_audit")
        CONF.clear_override("instance_usage_audit_period")


def test_last_completed_audit_period():
    from nova.compute import usage_audit
    now = datetime.datetime(2026, 3, 15, 10, 30)
    assert usage_audit.last_completed_audit_period("month", now) == (
        datetime.datetime(2026, 2, 1), datetime.datetime(2026, 3, 1))
    assert usage_audit.last_completed_audit_period("month@20", now) == (
        datetime.datetime(2026, 1, 20), datetime.datetime(2026, 2, 20))
    assert usage_audit.last_completed_audit_period("day", now) == (
        datetime.datetime(2026, 3, 14), datetime.datetime(2026, 3, 15))
    assert usage_audit.last_completed_audit_period("day@12", now) == (
        datetime.datetime(2026, 3, 13, 12), datetime.datetime(2026, 3, 14, 12))
    assert usage_audit.last_completed_audit_period("hour@45", now) == (
        datetime.datetime(2026, 3, 15, 8, 45), datetime.datetime(2026, 3, 15, 9, 45))
    assert usage_audit.last_completed_audit_period("year", now) == (
        datetime.datetime(2025, 1, 1), datetime.datetime(2026, 1, 1))
    assert usage_audit.last_completed_audit_period(
        "month", datetime.datetime(2026, 1, 5)) == (
        datetime.datetime(2025, 12, 1), datetime.datetime(2026, 1, 1))
