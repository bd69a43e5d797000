"""Pre-filters: aggregates and traits added to the Placement query (real API database)."""

from urllib import parse

import pytest

import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler import request_filter
from nova.scheduler import utils
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


@pytest.fixture
def ctxt(databases):
    return nova_context.get_admin_context()


@pytest.fixture
def opt():
    touched = []

    def set_opt(name, value):
        CONF.set_override(name, value, group="scheduler")
        touched.append(name)
    yield set_opt
    for name in touched:
        CONF.clear_override(name, group="scheduler")


def aggregate(ctxt, name, metadata):
    agg = objects.Aggregate(context=ctxt, name=name, metadata=metadata)
    agg.create()
    return agg


def query(spec):
    return parse.parse_qsl(utils.ResourceRequest.from_request_spec(spec).to_querystring())


def member_of(spec):
    return [v for k, v in query(spec) if k == "member_of"]


def test_compute_status_filter_always_forbids_disabled(ctxt):
    spec = fakes.make_spec()
    request_filter.process_reqspec(ctxt, spec)
    assert ("root_required", "!COMPUTE_STATUS_DISABLED") in query(spec)


def test_availability_zone_becomes_member_of(ctxt):
    az1 = aggregate(ctxt, "a1", {"availability_zone": "az1"})
    az1b = aggregate(ctxt, "a2", {"availability_zone": "az1"})
    aggregate(ctxt, "a3", {"availability_zone": "az2"})
    spec = fakes.make_spec(availability_zone="az1")
    assert request_filter.map_az_to_placement_aggregate(ctxt, spec)
    assert member_of(spec) == ["in:" + ",".join(sorted([az1.uuid, az1b.uuid]))]
    # A zone without aggregates (the default zone) adds nothing.
    assert not request_filter.map_az_to_placement_aggregate(
        ctxt, fakes.make_spec(availability_zone="nova"))


def test_availability_zone_mapping_can_be_turned_off(ctxt, opt):
    aggregate(ctxt, "a1", {"availability_zone": "az1"})
    opt("query_placement_for_availability_zone", False)
    spec = fakes.make_spec(availability_zone="az1")
    assert not request_filter.map_az_to_placement_aggregate(ctxt, spec)
    assert member_of(spec) == []


def test_tenant_aggregates(ctxt, opt):
    mine = aggregate(ctxt, "mine", {"filter_tenant_id": "p1"})
    also = aggregate(ctxt, "also", {"filter_tenant_id2": "p1", "filter_tenant_id": "p9"})
    aggregate(ctxt, "theirs", {"filter_tenant_id": "p2"})
    spec = fakes.make_spec()
    assert not request_filter.require_tenant_aggregate(ctxt, spec)   # off by default
    opt("limit_tenants_to_placement_aggregate", True)
    assert request_filter.require_tenant_aggregate(ctxt, spec)
    assert member_of(spec) == ["in:" + ",".join(sorted([mine.uuid, also.uuid]))]


def test_tenant_without_aggregate(ctxt, opt):
    opt("limit_tenants_to_placement_aggregate", True)
    spec = fakes.make_spec()
    spec.project_id = "lonely"
    assert not request_filter.require_tenant_aggregate(ctxt, spec)
    opt("placement_aggregate_required_for_tenants", True)
    with pytest.raises(exception.RequestFilterFailed):
        request_filter.require_tenant_aggregate(ctxt, spec)


def test_image_type_support(ctxt, opt):
    spec = fakes.make_spec(disk_format="qcow2")
    assert not request_filter.require_image_type_support(ctxt, spec)
    opt("query_placement_for_image_type_support", True)
    assert request_filter.require_image_type_support(ctxt, spec)
    assert ("root_required", "COMPUTE_IMAGE_TYPE_QCOW2") in query(spec)
    bfv = fakes.make_spec(disk_format="qcow2", is_bfv=True)
    assert not request_filter.require_image_type_support(ctxt, bfv)


def test_isolated_aggregates(ctxt, opt):
    gpu = aggregate(ctxt, "gpu", {"trait:CUSTOM_GPU": "required"})
    aggregate(ctxt, "plain", {"something": "else"})
    opt("enable_isolated_aggregate_filtering", True)
    spec = fakes.make_spec()
    assert request_filter.isolate_aggregates(ctxt, spec)
    assert member_of(spec) == ["!in:" + gpu.uuid]
    wants_gpu = fakes.make_spec(fakes.make_flavor(
        extra_specs={"trait:CUSTOM_GPU": "required"}))
    assert not request_filter.isolate_aggregates(ctxt, wants_gpu)
    from_image = fakes.make_spec(image_props={"trait:CUSTOM_GPU": "required"})
    assert not request_filter.isolate_aggregates(ctxt, from_image)
