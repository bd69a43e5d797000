"""select_destinations through RPC against a running scheduler and the real Placement.

Compute nodes live in the cell database (as computes record them) and as
resource providers in the embedded Placement (as the resource tracker would
report them); the scheduler service is started in this process and called
over the fake:// transport with the scheduler RPC API.
"""

import oslo_messaging as messaging
from oslo_utils.fixture import uuidsentinel as uuids
from oslo_utils import timeutils
import pytest

import nova.conf
from nova import exception
from nova import objects
from nova.scheduler import rpcapi as scheduler_rpcapi
from nova import service
from tests.functional import compute_seed

GB = 1024


def register_provider(placement_client, ctxt, node, vcpus, memory_mb, disk_gb, traits=()):
    placement_client.get_provider_tree_and_ensure_root(ctxt, node.uuid,
                                                       name=node.hypervisor_hostname)

    def record(total):
        return {"total": total, "reserved": 0, "min_unit": 1, "max_unit": total,
                "step_size": 1, "allocation_ratio": 1.0}
    placement_client.set_inventory_for_provider(ctxt, node.uuid, {
        "VCPU": record(vcpus), "MEMORY_MB": record(memory_mb), "DISK_GB": record(disk_gb)})
    if traits:
        placement_client.set_traits_for_provider(ctxt, node.uuid, set(traits))


class Cloud:
    def __init__(self, api, placement):
        self.api = api
        self.ctxt = api.ctxt
        self.placement = placement
        self.client = placement.client()
        self.nodes = {}

    def add_host(self, host, vcpus=8, memory_mb=8 * GB, disk_gb=100, traits=()):
        _service, node = compute_seed.add_compute(
            self.api, host, vcpus=vcpus, memory_mb=memory_mb, local_gb=disk_gb,
            vcpus_used=0, memory_mb_used=0, local_gb_used=0)
        register_provider(self.client, self.ctxt, node, vcpus, memory_mb, disk_gb, traits)
        self.nodes[host] = node
        return node

    def host_of(self, rp_uuid):
        return {n.uuid: h for h, n in self.nodes.items()}[rp_uuid]

    def allocations(self, consumer):
        """{rp_uuid: resources} the consumer holds in Placement."""
        allocs = self.placement.get("/allocations/%s" % consumer)["allocations"]
        return {rp: alloc["resources"] for rp, alloc in allocs.items()}


@pytest.fixture
def cloud(api, placement):
    scheduler = service.Service.create(binary="nova-scheduler", topic="scheduler")
    scheduler.start()
    try:
        running = Cloud(api, placement)
        running.scheduler = scheduler
        yield running
    finally:
        scheduler.stop()


def spec_for(instance_uuid, memory_mb=1024, vcpus=1, root_gb=10, extra_specs=None,
             group=None, availability_zone=None, num_instances=1):
    flavor = objects.Flavor(id=1, name="f1", flavorid="f1", vcpus=vcpus,
                            memory_mb=memory_mb, root_gb=root_gb, ephemeral_gb=0, swap=0,
                            extra_specs=dict(extra_specs or {}))
    spec = objects.RequestSpec(
        instance_uuid=instance_uuid, project_id="p1", user_id="u1", flavor=flavor,
        image=objects.ImageMeta.from_dict({"properties": {}}), num_instances=num_instances,
        availability_zone=availability_zone, instance_group=group, scheduler_hints={},
        is_bfv=False, request_level_params=objects.RequestLevelParams())
    return spec


def select(ctxt, spec, instance_uuids, alternates=True):
    return scheduler_rpcapi.SchedulerAPI().select_destinations(
        ctxt, spec, instance_uuids, return_objects=True, return_alternates=alternates)


def test_picks_the_emptiest_host_claims_it_and_offers_alternates(cloud):
    for host, mem in (("small", 4 * GB), ("big", 16 * GB), ("mid", 8 * GB)):
        cloud.add_host(host, memory_mb=mem)

    result = select(cloud.ctxt, spec_for(uuids.inst1), [uuids.inst1])

    assert len(result) == 1
    first, *alternates = result[0]
    assert isinstance(first, objects.Selection)
    assert (first.service_host, first.nodename) == ("big", "big")
    assert first.compute_node_uuid == cloud.nodes["big"].uuid
    assert first.availability_zone == "nova"
    assert first.allocation_request_version == "1.36"
    cell1 = [c for c in objects.CellMappingList.get_all(cloud.ctxt) if c.name == "cell1"]
    assert first.cell_uuid == cell1[0].uuid
    # [scheduler] max_attempts = 3: two alternates, next best first, not claimed.
    assert [s.service_host for s in alternates] == ["mid", "small"]
    assert alternates[0].get_allocation_request()["allocations"] == {
        cloud.nodes["mid"].uuid: {"resources": {"VCPU": 1, "MEMORY_MB": 1024,
                                                "DISK_GB": 10}}}
    assert cloud.allocations(uuids.inst1) == {
        cloud.nodes["big"].uuid: {"VCPU": 1, "MEMORY_MB": 1024, "DISK_GB": 10}}


def test_a_lost_claim_race_moves_on_to_the_next_host(cloud):
    cloud.add_host("big", memory_mb=12 * GB)
    cloud.add_host("mid", memory_mb=10 * GB)
    real_client = cloud.client

    class RacedClient:
        """Placement as seen when another scheduler claims the same host first."""

        raced = False

        def __getattr__(self, name):
            return getattr(real_client, name)

        def claim_resources(self, context, consumer_uuid, alloc_request, *args, **kwargs):
            if not self.raced:
                self.raced = True
                assert real_client.claim_resources(context, uuids.thief, alloc_request,
                                                   "p2", "u2", "1.36")
            return real_client.claim_resources(context, consumer_uuid, alloc_request,
                                               *args, **kwargs)

    cloud.scheduler.manager._placement_client = RacedClient()
    result = select(cloud.ctxt, spec_for(uuids.victim, memory_mb=8 * GB), [uuids.victim])
    # "big" was the best host, but the other claim left too little memory there.
    assert result[0][0].service_host == "mid"
    assert cloud.host_of(next(iter(cloud.allocations(uuids.victim)))) == "mid"
    assert cloud.host_of(next(iter(cloud.allocations(uuids.thief)))) == "big"


def test_legacy_dicts_without_objects(cloud):
    cloud.add_host("only")
    legacy = scheduler_rpcapi.SchedulerAPI().select_destinations(
        cloud.ctxt, spec_for(uuids.inst1), [uuids.inst1])
    assert legacy == [{"host": "only", "nodename": "only", "limits": {}}]


def test_no_valid_host_when_nothing_fits(cloud):
    cloud.add_host("h1", memory_mb=2 * GB)
    with pytest.raises(exception.NoValidHost):
        select(cloud.ctxt, spec_for(uuids.inst1, memory_mb=4 * GB), [uuids.inst1])
    assert cloud.allocations(uuids.inst1) == {}


def test_required_and_forbidden_traits_and_disabled_computes(cloud):
    cloud.add_host("plain", memory_mb=16 * GB)
    cloud.add_host("fast", traits={"CUSTOM_FAST"})
    cloud.add_host("off", memory_mb=32 * GB, traits={"CUSTOM_FAST",
                                                      "COMPUTE_STATUS_DISABLED"})

    fast = select(cloud.ctxt, spec_for(uuids.a, extra_specs={"trait:CUSTOM_FAST":
                                                            "required"}), [uuids.a])
    assert [s.service_host for s in fast[0]] == ["fast"]
    slow = select(cloud.ctxt, spec_for(uuids.b, extra_specs={"trait:CUSTOM_FAST":
                                                            "forbidden"}), [uuids.b])
    assert [s.service_host for s in slow[0]] == ["plain"]


def test_availability_zone_goes_to_placement_as_member_of(cloud):
    cloud.add_host("a1", memory_mb=4 * GB)
    cloud.add_host("a2", memory_mb=16 * GB)
    agg = objects.Aggregate(context=cloud.ctxt, name="zone1",
                            metadata={"availability_zone": "zone1"})
    agg.create()
    agg.add_host("a1")
    cloud.client.aggregate_add_host(cloud.ctxt, agg.uuid, "a1")

    result = select(cloud.ctxt, spec_for(uuids.inst1, availability_zone="zone1"),
                    [uuids.inst1])
    assert [(s.service_host, s.availability_zone) for s in result[0]] == [("a1", "zone1")]


def test_multi_create_anti_affinity_and_release_on_failure(cloud):
    for host in ("h1", "h2"):
        cloud.add_host(host)
    members = [uuids.m1, uuids.m2]
    group = objects.InstanceGroup(uuid=uuids.group, policy="anti-affinity",
                                  members=members, hosts=[], rules={})
    result = select(cloud.ctxt, spec_for(uuids.m1, group=group, num_instances=2), members)
    chosen = [sels[0].service_host for sels in result]
    assert sorted(chosen) == ["h1", "h2"]
    for member, sels in zip(members, result):
        assert cloud.host_of(next(iter(cloud.allocations(member)))) == sels[0].service_host
        # An alternate never breaks the group policy of the other member... but
        # it is always from the same cell and never the claimed host itself.
        assert sels[0].service_host not in [s.service_host for s in sels[1:]]

    # Three members, two hosts: nothing is left claimed after the failure.
    trio = [uuids.t1, uuids.t2, uuids.t3]
    group3 = objects.InstanceGroup(uuid=uuids.group3, policy="anti-affinity",
                                   members=trio, hosts=[], rules={})
    with pytest.raises(exception.NoValidHost):
        select(cloud.ctxt, spec_for(uuids.t1, group=group3, num_instances=3), trio)
    for member in trio:
        assert cloud.allocations(member) == {}


def test_affinity_keeps_a_multi_create_on_one_host(cloud):
    for host in ("h1", "h2"):
        cloud.add_host(host)
    members = [uuids.m1, uuids.m2, uuids.m3]
    group = objects.InstanceGroup(uuid=uuids.group, policy="affinity",
                                  members=members, hosts=[], rules={})
    result = select(cloud.ctxt, spec_for(uuids.m1, group=group, num_instances=3), members,
                    alternates=False)
    assert len({sels[0].service_host for sels in result}) == 1
    assert all(len(sels) == 1 for sels in result)


def test_unknown_method_version_is_refused_cleanly(cloud):
    """The RPC target advertises select_destinations at 4.1."""
    client = scheduler_rpcapi.SchedulerAPI().client.prepare(version="4.9")
    with pytest.raises(messaging.UnsupportedVersion):
        client.call(cloud.ctxt, "select_destinations", spec_obj=None, instance_uuids=[])


def test_every_kind_of_query_parameter_is_understood_by_placement(cloud):
    """A 400 from Placement would come back as (None, None, None)."""
    from nova.scheduler import utils
    spec = spec_for(uuids.q, extra_specs={
        "resources1:CUSTOM_VF": "1", "trait1:CUSTOM_PHYSNET_A": "required",
        "resources_B:CUSTOM_VF": "1", "trait_B:CUSTOM_PHYSNET_B": "forbidden",
        "group_policy": "isolate", "trait:HW_CPU_X86_AVX2": "required",
        "hw:cpu_thread_policy": "isolate"})
    spec.requested_destination = objects.Destination()
    spec.requested_destination.require_aggregates([uuids.agg1, uuids.agg2])
    spec.requested_destination.append_forbidden_aggregates([uuids.agg3])
    spec.request_level_params.root_required.add("COMPUTE_IMAGE_TYPE_RAW")
    spec.request_level_params.root_forbidden.add("COMPUTE_STATUS_DISABLED")
    spec.request_level_params.same_subtree.append(["1", "_B"])
    request = utils.ResourceRequest.from_request_spec(spec)
    request.get_request_group("").in_tree = uuids.some_root
    assert cloud.client.get_allocation_candidates(cloud.ctxt, request) == ([], {}, "1.36")


def test_existing_group_members_on_a_host_count_for_anti_affinity(cloud):
    cloud.add_host("h1", memory_mb=16 * GB)
    cloud.add_host("h2", memory_mb=4 * GB)
    objects.Instance(cloud.ctxt, uuid=uuids.running, host="h1", node="h1",
                     project_id="p1", user_id="u1", vm_state="active").create()
    group = objects.InstanceGroup(uuid=uuids.group, policy="anti-affinity",
                                  members=[uuids.running, uuids.new], hosts=["h1"],
                                  rules={})
    result = select(cloud.ctxt, spec_for(uuids.new, group=group), [uuids.new])
    # h1 has more room but already runs a member (read from the cell database).
    assert [s.service_host for s in result[0]] == ["h2"]


def test_scheduler_discovers_new_hosts_periodically(api, placement):
    import nova.conf
    from tests.functional import inprocess
    conf = nova.conf.CONF
    conf.set_override("discover_hosts_in_cells_interval", 1, group="scheduler")
    conf.set_override("periodic_fuzzy_delay", 0)
    scheduler = service.Service.create(binary="nova-scheduler", topic="scheduler")
    try:
        scheduler.start()
        compute_seed.add_compute(api, "late-host", discover=False)

        def mapped():
            try:
                return objects.HostMapping.get_by_host(api.ctxt, "late-host")
            except exception.HostMappingNotFound:
                return None
        assert inprocess.wait_for(mapped, timeout=20, what="host discovery").host == \
            "late-host"
    finally:
        scheduler.stop()
        conf.clear_override("discover_hosts_in_cells_interval", group="scheduler")
        conf.clear_override("periodic_fuzzy_delay")


def test_requested_and_forced_destinations(cloud):
    cloud.add_host("best", memory_mb=16 * GB)
    cloud.add_host("target", memory_mb=4 * GB)
    cloud.add_host("down", memory_mb=4 * GB)
    compute_seed.mark_down(objects.Service.get_by_compute_host(cloud.ctxt, "down"))

    spec = spec_for(uuids.a)
    spec.requested_destination = objects.Destination(host="target", node="target")
    result = select(cloud.ctxt, spec, [uuids.a])
    # in_tree narrows Placement to the node: no alternates elsewhere.
    assert [s.service_host for s in result[0]] == ["target"]

    spec = spec_for(uuids.b)
    spec.requested_destination = objects.Destination(host="down")
    with pytest.raises(exception.NoValidHost):     # a requested host is still filtered
        select(cloud.ctxt, spec, [uuids.b])

    forced = spec_for(uuids.c)
    forced.force_hosts = ["down"]                   # an admin's az:host skips filters
    result = select(cloud.ctxt, forced, [uuids.c])
    assert [s.service_host for s in result[0]] == ["down"]


def test_an_error_midway_releases_the_claims_already_made(cloud):
    for host in ("h1", "h2"):
        cloud.add_host(host)
    real_client = cloud.client

    class BreaksOnSecondClaim:
        def __getattr__(self, name):
            return getattr(real_client, name)

        def claim_resources(self, context, consumer_uuid, *args, **kwargs):
            if consumer_uuid == uuids.second:
                raise exception.AllocationUpdateFailed(consumer_uuid=consumer_uuid,
                                                       error="simulated")
            return real_client.claim_resources(context, consumer_uuid, *args, **kwargs)

    cloud.scheduler.manager._placement_client = BreaksOnSecondClaim()
    with pytest.raises(exception.AllocationUpdateFailed):
        select(cloud.ctxt, spec_for(uuids.first, num_instances=2),
               [uuids.first, uuids.second])
    assert cloud.allocations(uuids.first) == {}


def test_a_multi_create_outlasting_service_down_time_keeps_its_host(cloud):
    """One request placing many instances may run longer than service_down_time on
    its own (a claim in Placement each); its last instances still find the host
    that was up when the request read it (it was "not heard from in a while",
    NoValidHost for all 1,000 servers of the dashboard benchmark)."""
    cloud.add_host("only", memory_mb=64 * GB)
    real_client = cloud.client
    step = nova.conf.CONF.service_down_time / 2.0 + 1
    members = [uuids.s1, uuids.s2, uuids.s3, uuids.s4]

    class SlowClaims:
        """Each claim takes half of service_down_time (the clock moves on)."""

        def __getattr__(self, name):
            return getattr(real_client, name)

        def claim_resources(self, *args, **kwargs):
            timeutils.advance_time_seconds(step)
            return real_client.claim_resources(*args, **kwargs)

    timeutils.set_time_override()
    try:
        compute_seed.heartbeat(objects.Service.get_by_compute_host(cloud.ctxt, "only"))
        cloud.scheduler.manager._placement_client = SlowClaims()
        result = select(cloud.ctxt, spec_for(uuids.s1, num_instances=4), members)
        assert [sels[0].service_host for sels in result] == ["only"] * 4
        for member in members:
            assert cloud.host_of(next(iter(cloud.allocations(member)))) == "only"

        # The next request reads the record again: now the host is silent.
        with pytest.raises(exception.NoValidHost):
            select(cloud.ctxt, spec_for(uuids.late), [uuids.late])
        assert cloud.allocations(uuids.late) == {}
    finally:
        timeutils.clear_time_override()
