"""Latency of select_destinations against the real (embedded) Placement.

Sets up private SQLite API and cell databases and an in-process Placement on
a temporary directory, records ``--hosts`` compute nodes (cell database rows
plus resource providers with inventory), then calls the scheduler manager's
select_destinations ``--requests`` times in this process (no RPC), each for
one new instance with a claim in Placement. Prints the median and p95 time
per call and how that splits between Placement (allocation candidates and
the claim) and the scheduler's own work (host states, filters, weighers).

    .venv/bin/python benchmarks/scheduler.py [--hosts 100] [--requests 50]
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402

import nova  # noqa: E402,F401  (chooses the concurrency backend first)
import nova.conf  # noqa: E402
from nova import objects  # noqa: E402
from nova.scheduler import manager as scheduler_manager  # noqa: E402
from oslo_utils import uuidutils  # noqa: E402
from tests.functional import api_fixture  # noqa: E402
from tests.functional import compute_seed  # noqa: E402
from tests.functional import placement_fixture  # noqa: E402


class TimedClient:
    """The report client, with the time spent in each Placement call summed."""

    def __init__(self, client):
        self._client = client
        self.seconds = 0.0

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name not in ("get_allocation_candidates", "claim_resources"):
            return attr

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sched-bench-"))
    patcher = pytest.MonkeyPatch()
    running_api, stop_api = api_fixture.start_api(tmp, patcher)
    running_placement, stop_placement = placement_fixture.start_placement(tmp)
    # Setting up many hosts takes longer than service_down_time: keep them "up".
    nova.conf.CONF.set_override("service_down_time", 24 * 3600)
    try:
        client = running_placement.client()
        ctxt = running_api.ctxt
        setup_start = time.perf_counter()
        for index in range(args.hosts):
            host = "compute-%04d" % index
            _svc, node = compute_seed.add_compute(
                running_api, host, vcpus=64, memory_mb=262144, local_gb=4000,
                vcpus_used=0, memory_mb_used=0, local_gb_used=0,
                discover=(index == args.hosts - 1))
            client.get_provider_tree_and_ensure_root(ctxt, node.uuid, name=host)
            client.set_inventory_for_provider(ctxt, node.uuid, {
                rc: {"total": total, "reserved": 0, "min_unit": 1, "max_unit": total,
                     "step_size": 1, "allocation_ratio": 1.0}
                for rc, total in (("VCPU", 64), ("MEMORY_MB", 262144),
                                  ("DISK_GB", 4000))})
        print("set up %d hosts in %.1f s" % (args.hosts, time.perf_counter() - setup_start))

        timed = TimedClient(client)
        manager = scheduler_manager.SchedulerManager(placement_client=timed)
        flavor = objects.Flavor(id=1, name="m1", flavorid="m1", vcpus=2, memory_mb=2048,
                                root_gb=20, ephemeral_gb=0, swap=0, extra_specs={})
        totals, placement_part = [], []
        for _ in range(args.requests):
            instance_uuid = uuidutils.generate_uuid()
            spec = objects.RequestSpec(
                instance_uuid=instance_uuid, project_id="p", user_id="u", flavor=flavor,
                image=objects.ImageMeta.from_dict({"properties": {}}), num_instances=1,
                availability_zone=None, instance_group=None, scheduler_hints={},
                is_bfv=False, request_level_params=objects.RequestLevelParams())
            timed.seconds = 0.0
            start = time.perf_counter()
            manager.select_destinations(ctxt, spec_obj=spec, instance_uuids=[instance_uuid],
                                        return_objects=True, return_alternates=True)
            totals.append(time.perf_counter() - start)
            placement_part.append(timed.seconds)

        def ms(values, q):
            ordered = sorted(values)
            return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]
        own = [t - p for t, p in zip(totals, placement_part)]
        print("select_destinations, %d hosts, %d requests:" % (args.hosts, args.requests))
        print("  total      median %6.1f ms  p95 %6.1f ms" % (
            1000 * statistics.median(totals), ms(totals, 0.95)))
        print("  placement  median %6.1f ms  p95 %6.1f ms" % (
            1000 * statistics.median(placement_part), ms(placement_part, 0.95)))
        print("  scheduler  median %6.1f ms  p95 %6.1f ms" % (
            1000 * statistics.median(own), ms(own, 0.95)))
    finally:
        nova.conf.CONF.clear_override("service_down_time")
        stop_placement()
        stop_api()
        patcher.undo()


if __name__ == "__main__":
    main()
