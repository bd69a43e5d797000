"""KeyPair objects against a private SQLite API database."""

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
        yield nova_context.RequestContext(user_id="u1", project_id="p1")


def _keypair(ctxt, name, user_id="u1", **kwargs):
    kp = objects.KeyPair(ctxt, name=name, user_id=user_id, fingerprint="fp-" + name,
                         public_key="ssh-ed25519 AAAA " + name, **kwargs)
    kp.create()
    return kp


def test_create_and_get(ctxt):
    kp = _keypair(ctxt, "mine")
    assert kp.id > 0 and kp.type == "ssh"
    got = objects.KeyPair.get_by_name(ctxt, "u1", "mine")
    assert (got.fingerprint, got.public_key) == ("fp-mine", "ssh-ed25519 AAAA mine")
    x509 = _keypair(ctxt, "cert", type="x509")
    assert objects.KeyPair.get_by_name(ctxt, "u1", "cert").type == "x509" == x509.type


def test_bad_type_is_refused(ctxt):
    with pytest.raises(ValueError):
        objects.KeyPair(ctxt, name="x", user_id="u1", type="rsa")


def test_names_are_unique_per_user(ctxt):
    _keypair(ctxt, "same")
    with pytest.raises(exception.KeyPairExists):
        _keypair(ctxt, "same")
    _keypair(ctxt, "same", user_id="u2")
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.get_by_name(ctxt, "u3", "same")


def test_destroy_and_destroy_by_name(ctxt):
    kp = _keypair(ctxt, "a")
    _keypair(ctxt, "b")
    kp.destroy()
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.get_by_name(ctxt, "u1", "a")
    objects.KeyPair.destroy_by_name(ctxt, "u1", "b")
    with pytest.raises(exception.KeypairNotFound):
        objects.KeyPair.destroy_by_name(ctxt, "u1", "b")
    assert objects.KeyPairList.get_count_by_user(ctxt, "u1") == 0


def test_list_by_user_sorted_and_paginated(ctxt):
    for name in ("delta", "alpha", "charlie", "bravo"):
        _keypair(ctxt, name)
    _keypair(ctxt, "other", user_id="u2")
    names = [kp.name for kp in objects.KeyPairList.get_by_user(ctxt, "u1")]
    assert names == ["alpha", "bravo", "charlie", "delta"]
    page = objects.KeyPairList.get_by_user(ctxt, "u1", limit=2, marker="alpha")
    assert [kp.name for kp in page] == ["bravo", "charlie"]
    with pytest.raises(exception.MarkerNotFound):
        objects.KeyPairList.get_by_user(ctxt, "u1", marker="other")
    assert objects.KeyPairList.get_count_by_user(ctxt, "u1") == 4
    assert objects.KeyPairList.get_count_by_user(ctxt, "u2") == 1


def test_serializer_round_trip(ctxt):
    _keypair(ctxt, "a")
    ser = obj_base.NovaObjectSerializer()
    kps = objects.KeyPairList.get_by_user(ctxt, "u1")
    back = ser.deserialize_entity(ctxt, ser.serialize_entity(ctxt, kps))
    assert [(k.name, k.user_id, k.type) for k in back] == [("a", "u1", "ssh")]
