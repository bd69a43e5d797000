"""setup_instance_group: the conductor's step that fills a spec's server group."""

from oslo_utils.fixture import uuidsentinel as uuids
import pytest

import nova.conf
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler import utils
from tests.unit.scheduler import fakes

CONF = nova.conf.CONF


@pytest.fixture
def ctxt(databases):
    return nova_context.RequestContext(user_id="u1", project_id="p1", is_admin=True)


def make_group(ctxt, policy, members):
    group = objects.InstanceGroup(ctxt, name="g", policy=policy, user_id="u1",
                                  project_id="p1", members=members)
    group.create()
    return group


def running(ctxt, instance_uuid, host):
    objects.Instance(ctxt, uuid=instance_uuid, host=host, node=host, project_id="p1",
                     user_id="u1", vm_state="active").create()


def test_fills_policy_members_and_hosts(ctxt):
    running(ctxt, uuids.old1, "h1")
    running(ctxt, uuids.old2, "h2")
    group = make_group(ctxt, "anti-affinity", [uuids.old1, uuids.old2, uuids.new])
    spec = fakes.make_spec(instance_uuid=uuids.new,
                           group=objects.InstanceGroup(uuid=group.uuid, hosts=["h9"]))
    filled = utils.setup_instance_group(ctxt, spec)
    assert spec.instance_group is filled
    assert filled.policy == "anti-affinity"
    assert set(filled.members) == {uuids.old1, uuids.old2, uuids.new}
    assert filled.hosts == ["h1", "h2", "h9"]


def test_not_in_a_group(ctxt):
    spec = fakes.make_spec(instance_uuid=uuids.alone)
    assert utils.setup_instance_group(ctxt, spec) is None
    assert spec.instance_group is None


def test_policy_needs_its_filter_or_weigher(ctxt):
    make_group(ctxt, "affinity", [uuids.a])
    make_group(ctxt, "soft-affinity", [uuids.b])
    CONF.set_override("enabled_filters", ["ComputeFilter"], group="filter_scheduler")
    CONF.set_override("weight_classes", ["nova.scheduler.weights.resources.RAMWeigher"],
                      group="filter_scheduler")
    try:
        with pytest.raises(exception.UnsupportedPolicyException):
            utils.setup_instance_group(ctxt, fakes.make_spec(instance_uuid=uuids.a))
        with pytest.raises(exception.UnsupportedPolicyException):
            utils.setup_instance_group(ctxt, fakes.make_spec(instance_uuid=uuids.b))
    finally:
        CONF.clear_override("enabled_filters", group="filter_scheduler")
        CONF.clear_override("weight_classes", group="filter_scheduler")
    # With the defaults both are supported.
    assert utils.setup_instance_group(ctxt, fakes.make_spec(
        instance_uuid=uuids.b)).policy == "soft-affinity"
