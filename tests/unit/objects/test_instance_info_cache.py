"""InstanceInfoCache: the network info of an instance, stored as JSON."""

import json

import pytest

from nova import exception
from nova import objects
from nova.objects import base as obj_base
from tests.unit.objects import cell_helpers as h

VIFS = [{"id": "port-1", "address": "fa:16:3e:11:22:33",
         "network": {"label": "private", "subnets": [{"cidr": "10.0.0.0/24",
                                                      "ips": [{"address": "10.0.0.3"}]}]}}]


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def test_get_save_and_delete(ctxt):
    inst = h.make_instance(ctxt)
    cache = objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    assert cache.network_info == []
    cache.network_info = VIFS
    cache.save()
    assert objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid).network_info == VIFS
    objects.InstanceInfoCache.delete(ctxt, inst.uuid)
    with pytest.raises(exception.InstanceInfoCacheNotFound):
        objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    # Saving again brings a deleted cache of a live instance back.
    cache.network_info = []
    cache.save()
    assert objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid).network_info == []


def test_save_without_changes_writes_nothing(ctxt):
    inst = h.make_instance(ctxt)
    cache = objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    cache.save()
    assert objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid).updated_at is None


def test_cache_of_an_unknown_instance(ctxt):
    cache = objects.InstanceInfoCache.new(ctxt, "3d0f0d0e-0000-4000-8000-000000000000")
    cache.network_info = VIFS
    with pytest.raises(exception.InstanceNotFound):
        cache.save()


def test_refresh(ctxt):
    inst = h.make_instance(ctxt)
    mine = objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    theirs = objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    theirs.network_info = VIFS
    theirs.save()
    mine.refresh()
    assert mine.network_info == VIFS


def test_network_info_must_be_a_list(ctxt):
    cache = objects.InstanceInfoCache(ctxt)
    with pytest.raises(ValueError):
        cache.network_info = {"not": "a list"}
    cache.network_info = json.dumps(VIFS)   # JSON text is accepted and parsed
    assert cache.network_info == VIFS


def test_rpc_round_trip(ctxt):
    inst = h.make_instance(ctxt)
    cache = objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid)
    cache.network_info = VIFS
    serializer = obj_base.NovaObjectSerializer()
    wire = json.loads(json.dumps(serializer.serialize_entity(ctxt, cache)))
    back = serializer.deserialize_entity(ctxt, wire)
    assert back.network_info == VIFS and back.obj_what_changed() == {"network_info"}
    back.save()
    assert objects.InstanceInfoCache.get_by_instance_uuid(ctxt, inst.uuid).network_info == VIFS
