"""The Quotas object: stored limits and quota classes in a private API database."""

import pytest

from nova import context as nova_context
from nova.db.api import api as api_db
from nova.db.api import models as api_models
from nova import exception
from nova import objects
from nova.objects import base as obj_base

objects.register_all()


@pytest.fixture
def ctxt(tmp_path):
    with api_db.use_connection("sqlite:///%s" % (tmp_path / "api.db")) as mgr:
        api_models.ApiBase.metadata.create_all(mgr.writer.get_engine())
        yield nova_context.get_admin_context()


def test_project_limits(ctxt):
    objects.Quotas.create_limit(ctxt, "p1", "instances", 5)
    objects.Quotas.create_limit(ctxt, "p1", "cores", 10)
    with pytest.raises(exception.QuotaExists):
        objects.Quotas.create_limit(ctxt, "p1", "instances", 6)
    objects.Quotas.update_limit(ctxt, "p1", "instances", 7)
    with pytest.raises(exception.ProjectQuotaNotFound):
        objects.Quotas.update_limit(ctxt, "p1", "ram", 7)
    assert objects.Quotas.get_all_by_project(ctxt, "p1") == {
        "project_id": "p1", "instances": 7, "cores": 10}
    assert objects.Quotas.get(ctxt, "p1", "cores")["hard_limit"] == 10
    with pytest.raises(exception.ProjectQuotaNotFound):
        objects.Quotas.get(ctxt, "p2", "cores")


def test_user_limits_and_destroy(ctxt):
    objects.Quotas.create_limit(ctxt, "p1", "instances", 5)
    objects.Quotas.create_limit(ctxt, "p1", "instances", 2, user_id="u1")
    objects.Quotas.create_limit(ctxt, "p1", "cores", 4, user_id="u2")
    with pytest.raises(exception.QuotaExists):
        objects.Quotas.create_limit(ctxt, "p1", "instances", 3, user_id="u1")
    objects.Quotas.update_limit(ctxt, "p1", "instances", 3, user_id="u1")
    with pytest.raises(exception.ProjectUserQuotaNotFound):
        objects.Quotas.update_limit(ctxt, "p1", "ram", 3, user_id="u1")
    assert objects.Quotas.get_all_by_project_and_user(ctxt, "p1", "u1") == {
        "project_id": "p1", "user_id": "u1", "instances": 3}
    assert sorted((r["user_id"], r["resource"]) for r in objects.Quotas.get_all(ctxt, "p1")) \
        == [("u1", "instances"), ("u2", "cores")]

    objects.Quotas.destroy_all_by_project_and_user(ctxt, "p1", "u1")
    assert objects.Quotas.get_all_by_project_and_user(ctxt, "p1", "u1") == {
        "project_id": "p1", "user_id": "u1"}
    assert objects.Quotas.get_all_by_project(ctxt, "p1")["instances"] == 5
    objects.Quotas.destroy_all_by_project(ctxt, "p1")
    assert objects.Quotas.get_all_by_project(ctxt, "p1") == {"project_id": "p1"}
    assert objects.Quotas.get_all(ctxt, "p1") == []


def test_quota_classes(ctxt):
    objects.Quotas.create_class(ctxt, "default", "instances", 20)
    objects.Quotas.create_class(ctxt, "gold", "cores", 100)
    with pytest.raises(exception.QuotaClassExists):
        objects.Quotas.create_class(ctxt, "gold", "cores", 1)
    objects.Quotas.update_class(ctxt, "gold", "cores", 200)
    with pytest.raises(exception.QuotaClassNotFound):
        objects.Quotas.update_class(ctxt, "gold", "ram", 1)
    assert objects.Quotas.get_default_class(ctxt) == {"instances": 20}
    assert objects.Quotas.get_all_class_by_name(ctxt, "gold") == {
        "class_name": "gold", "cores": 200}
    assert objects.Quotas.get_class(ctxt, "gold", "cores") == 200


def test_noop_checks_pass(ctxt):
    objects.QuotasNoOp.check_deltas(ctxt, {"instances": 10 ** 6}, "p1", "u1")
    objects.QuotasNoOp.limit_check(ctxt, metadata_items=10 ** 6)


def test_serializer_round_trip(ctxt):
    quotas = objects.Quotas(ctxt, project_id="p1", user_id="u1")
    ser = obj_base.NovaObjectSerializer()
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, quotas))
    assert (back.project_id, back.user_id, back.reservations) == ("p1", "u1", [])
