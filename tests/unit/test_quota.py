"""The quota engine: limit precedence, usage counting and over-quota checks."""

import pytest
from oslo_utils import uuidutils

import nova.conf
from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova import quota
from tests import dbfixtures

objects.register_all()
CONF = nova.conf.CONF


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


@pytest.fixture
def set_default():
    names = []

    def override(name, value):
        CONF.set_override(name, value, group="quota")
        names.append(name)
    yield override
    for name in names:
        CONF.clear_override(name, group="quota")


def _fixed_counter(project, user):
    """A counting function reporting the given instance/core/ram usage."""
    def count(context, project_id, user_id=None):
        result = {"project": dict(project)}
        if user_id:
            result["user"] = dict(user)
        return result
    return count


def _engine(project=None, user=None):
    counter = _fixed_counter(project or {"instances": 0, "cores": 0, "ram": 0},
                             user or {"instances": 0, "cores": 0, "ram": 0})
    return quota.QuotaEngine(quota_driver=quota.DbQuotaDriver(),
                             resources=quota.standard_resources(counter))


def test_defaults_come_from_config_then_default_class(ctxt, set_default):
    set_default("instances", 7)
    engine = _engine()
    defaults = engine.get_defaults(ctxt)
    assert defaults["instances"] == 7 and defaults["cores"] == CONF.quota.cores
    assert set(defaults) == set(engine.resources)
    objects.Quotas.create_class(ctxt, "default", "instances", 12)
    assert engine.get_defaults(ctxt)["instances"] == 12
    assert engine.get_class_quotas(ctxt, "default")["instances"] == 12


def test_precedence_user_over_project_over_class_over_default(ctxt, set_default):
    set_default("cores", 20)
    engine = _engine()
    objects.Quotas.create_class(ctxt, "default", "cores", 30)
    assert engine.get_project_quotas(ctxt, "p1")["cores"]["limit"] == 30
    # A request's own quota class beats the default class.
    objects.Quotas.create_class(ctxt, "gold", "cores", 40)
    gold = nova_context.RequestContext(user_id="u1", project_id="p1", quota_class="gold")
    assert engine.get_project_quotas(gold, "p1")["cores"]["limit"] == 40
    objects.Quotas.create_limit(ctxt, "p1", "cores", 50)
    assert engine.get_project_quotas(gold, "p1")["cores"]["limit"] == 50
    assert engine.get_user_quotas(ctxt, "p1", "u1")["cores"]["limit"] == 50
    objects.Quotas.create_limit(ctxt, "p1", "cores", 5, user_id="u1")
    assert engine.get_user_quotas(ctxt, "p1", "u1")["cores"]["limit"] == 5
    assert engine.get_user_quotas(ctxt, "p1", "u2")["cores"]["limit"] == 50
    assert engine.get_project_quotas(ctxt, "p1")["cores"]["limit"] == 50
    # Other projects keep the defaults.
    assert engine.get_project_quotas(ctxt, "p2")["cores"]["limit"] == 30


def test_usages_and_remains(ctxt):
    engine = _engine(project={"instances": 3, "cores": 6, "ram": 1536},
                     user={"instances": 1, "cores": 2, "ram": 512})
    objects.Quotas.create_limit(ctxt, "p1", "instances", 10)
    objects.Quotas.create_limit(ctxt, "p1", "instances", 4, user_id="u1")
    objects.Quotas.create_limit(ctxt, "p1", "instances", 3, user_id="u2")
    project = engine.get_project_quotas(ctxt, "p1", remains=True)
    assert project["instances"] == {"limit": 10, "in_use": 3, "remains": 3}
    assert project["ram"]["in_use"] == 1536
    assert engine.get_project_quotas(ctxt, "p1", usages=False)["cores"] == {
        "limit": CONF.quota.cores}
    user = engine.get_user_quotas(ctxt, "p1", "u1")
    assert user["instances"] == {"limit": 4, "in_use": 1}
    assert user["cores"]["in_use"] == 2
    assert engine.get_reserved() == 0


def test_settable_quotas(ctxt):
    engine = _engine(project={"instances": 3, "cores": 6, "ram": 1536},
                     user={"instances": 1, "cores": 2, "ram": 512})
    objects.Quotas.create_limit(ctxt, "p1", "instances", 10)
    objects.Quotas.create_limit(ctxt, "p1", "instances", 4, user_id="u1")
    objects.Quotas.create_limit(ctxt, "p1", "instances", 5, user_id="u2")
    project = engine.get_settable_quotas(ctxt, "p1")
    # 9 are already handed out to users, more than the 3 in use.
    assert project["instances"] == {"minimum": 9, "maximum": -1}
    assert project["cores"] == {"minimum": 6, "maximum": -1}
    user = engine.get_settable_quotas(ctxt, "p1", user_id="u1")
    # u1 may grow into what is left (1) plus its own current limit (4).
    assert user["instances"] == {"minimum": 1, "maximum": 5}


def test_limit_check_absolute_values(ctxt, set_default):
    set_default("metadata_items", 3)
    engine = _engine()
    engine.limit_check(ctxt, metadata_items=3)
    with pytest.raises(exception.OverQuota) as err:
        engine.limit_check(ctxt, metadata_items=4, injected_files=1)
    assert err.value.kwargs["overs"] == ["metadata_items"]
    assert err.value.kwargs["quotas"]["metadata_items"] == 3
    objects.Quotas.create_limit(ctxt, "p1", "metadata_items", -1)
    engine.limit_check(ctxt, metadata_items=10 ** 6)
    with pytest.raises(exception.InvalidQuotaValue):
        engine.limit_check(ctxt, metadata_items=-1)
    with pytest.raises(exception.QuotaResourceUnknown):
        engine.limit_check(ctxt, bananas=1)


def test_check_deltas_reports_overs_quotas_usages(ctxt, set_default):
    set_default("instances", 10)
    set_default("cores", 8)
    engine = _engine(project={"instances": 3, "cores": 6, "ram": 1536},
                     user={"instances": 2, "cores": 4, "ram": 1024})
    objects.Quotas.check_deltas(ctxt, {"instances": 1, "cores": 2}, "p1", "u1",
                                engine=engine)
    with pytest.raises(exception.OverQuota) as err:
        objects.Quotas.check_deltas(ctxt, {"instances": 1, "cores": 4, "ram": 512},
                                    "p1", "u1", engine=engine)
    kwargs = err.value.kwargs
    assert kwargs["overs"] == ["cores"]
    assert kwargs["quotas"]["cores"] == 8
    assert kwargs["usages"] == {"instances": 2, "cores": 4, "ram": 1024}
    assert "cores" in err.value.format_message()
    # A per-user limit is enforced even when the project has room.
    objects.Quotas.create_limit(ctxt, "p1", "instances", 2, user_id="u1")
    with pytest.raises(exception.OverQuota) as err:
        objects.Quotas.check_deltas(ctxt, {"instances": 1}, "p1", "u1", engine=engine)
    assert err.value.kwargs["overs"] == ["instances"]
    assert err.value.kwargs["quotas"]["instances"] == 2
    assert err.value.kwargs["headroom"]["instances"] == 0


def test_key_pairs_and_server_groups_are_counted(ctxt, set_default):
    set_default("key_pairs", 2)
    set_default("server_groups", 1)
    for name in ("a", "b"):
        objects.KeyPair(ctxt, name=name, user_id="u1", public_key="k").create()
    assert quota.QUOTAS.count_as_dict(ctxt, "key_pairs", "u1") == {"user": {"key_pairs": 2}}
    with pytest.raises(exception.OverQuota):
        objects.Quotas.check_deltas(ctxt, {"key_pairs": 1}, "u1")
    objects.Quotas.check_deltas(ctxt, {"key_pairs": 1}, "u2")

    group = objects.InstanceGroup(ctxt, name="g", policy="affinity", project_id="p1",
                                  user_id="u1")
    group.create()
    with pytest.raises(exception.OverQuota):
        objects.Quotas.check_deltas(ctxt, {"server_groups": 1}, "p1", "u1")
    objects.Quotas.check_deltas(ctxt, {"server_groups": 1}, "p2", "u1")
    assert quota.QUOTAS.get_project_quotas(ctxt, "p1")["server_groups"]["in_use"] == 1


def test_server_group_members_are_counted_per_user(ctxt, set_default):
    set_default("server_group_members", 1)
    member = uuidutils.generate_uuid()
    group = objects.InstanceGroup(ctxt, name="g", policy="affinity", project_id="p1",
                                  user_id="u1", members=[member])
    group.create()
    objects.InstanceMapping(ctxt, instance_uuid=member, project_id="p1",
                            user_id="u1").create()
    with pytest.raises(exception.OverQuota):
        objects.Quotas.check_deltas(ctxt, {"server_group_members": 1}, group, "u1")
    objects.Quotas.check_deltas(ctxt, {"server_group_members": 1}, group, "u2")


def test_instances_are_counted_across_cells(ctxt, set_default, tmp_path):
    set_default("instances", 3)
    set_default("ram", 2048)
    cell_url = "sqlite:///%s" % (tmp_path / "cell1.db")
    cell_ctxt = dbfixtures.cell_context(cell_url)
    objects.CellMapping(ctxt, uuid=uuidutils.generate_uuid(), name="cell1",
                        transport_url="none:///", database_connection=cell_url).create()
    for user_id, memory in (("u1", 512), ("u1", 512), ("u2", 1024)):
        objects.Instance(cell_ctxt, project_id="p1", user_id=user_id, vcpus=1,
                         memory_mb=memory, vm_state="active").create()
    objects.Instance(cell_ctxt, project_id="p2", user_id="u9", vcpus=4,
                     memory_mb=4096).create()

    counts = quota.QUOTAS.count_as_dict(ctxt, "instances", "p1", user_id="u1")
    assert counts == {"project": {"instances": 3, "cores": 3, "ram": 2048},
                      "user": {"instances": 2, "cores": 2, "ram": 1024}}
    assert quota.QUOTAS.get_project_quotas(ctxt, "p1")["instances"] == {
        "limit": 3, "in_use": 3}
    with pytest.raises(exception.OverQuota) as err:
        objects.Quotas.check_deltas(ctxt, {"instances": 1, "cores": 1, "ram": 256},
                                    "p1", "u1")
    assert err.value.kwargs["overs"] == ["instances", "ram"]
    # Another project has all of its quota left.
    objects.Quotas.check_deltas(ctxt, {"instances": 1, "ram": 256}, "p3", "u1")


def test_noop_driver_is_unlimited(ctxt, set_default):
    set_default("driver", "nova.quota.NoopQuotaDriver")
    set_default("instances", 0)
    assert quota.QUOTAS.get_project_quotas(ctxt, "p1")["instances"]["limit"] == -1
    quota.QUOTAS.limit_check(ctxt, metadata_items=10 ** 6)
