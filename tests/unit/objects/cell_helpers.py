"""Builders shared by the cell-database object tests (OBJ-CELL)."""

import copy

from nova.compute import vm_states
from nova import context as nova_context
from nova import objects
from tests import dbfixtures

objects.register_all()


def cell_context(tmp_path):
    return dbfixtures.cell_context("sqlite:///%s" % (tmp_path / "cell.db"))


def user_context(admin_ctxt, project_id="fake-project", user_id="fake-user"):
    """An ordinary user's context on the same cell database."""
    ctxt = nova_context.RequestContext(user_id=user_id, project_id=project_id,
                                       is_admin=False)
    ctxt.db_connection = admin_ctxt.db_connection
    return ctxt


def with_read_deleted(ctxt, read_deleted):
    other = copy.copy(ctxt)
    other.read_deleted = read_deleted
    return other


def make_flavor(name="m1.small", memory_mb=2048, vcpus=1, flavor_id=2):
    flavor = objects.Flavor(id=flavor_id, name=name, memory_mb=memory_mb, vcpus=vcpus,
                            root_gb=20, ephemeral_gb=0, flavorid=str(flavor_id), swap=0,
                            rxtx_factor=1.0, vcpu_weight=None, disabled=False,
                            is_public=True, extra_specs={"hw:cpu_policy": "shared"},
                            description=None)
    flavor.obj_reset_changes()
    return flavor


def make_instance(ctxt, **kwargs):
    values = {"project_id": ctxt.project_id or "fake-project",
              "user_id": ctxt.user_id or "fake-user",
              "vm_state": vm_states.ACTIVE, "task_state": None, "power_state": 1,
              "display_name": "server", "vcpus": 1, "memory_mb": 512, "root_gb": 1,
              "image_ref": "image-1"}
    values.update(kwargs)
    inst = objects.Instance(ctxt, **values)
    inst.create()
    return inst
