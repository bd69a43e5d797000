"""The compute manager's rescue and password operations on a hypervisor that fails:
what the user sees (states, fault, event, allocation), as in test_operation.py."""

import pytest

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import exception
from nova.virt import fake
from tests.unit.compute import test_operation as op
from tests.unit.compute.test_operation import ctxt  # noqa: F401 (fixtures)
from tests.unit.compute.test_operation import fake_transport  # noqa: F401
from tests.unit.compute.test_operation import placement  # noqa: F401
from tests.unit.virt.libvirt import fixtures as lv_fixtures

SECRET = "s3cr3t-password"


class _Failing(fake.FakeDriver):
    def rescue(self, context, instance, network_info, image_meta, rescue_password,
               block_device_info=None):
        raise RuntimeError("no room for the rescue disk")

    def set_admin_password(self, instance, new_pass):
        raise RuntimeError("agent said: cannot set %s" % new_pass)


@pytest.fixture
def manager(tmp_path):
    mgr = op._Manager(compute_driver="fake.FakeDriver", host=op.HOST)
    mgr.driver = _Failing(mgr.virtapi)
    mgr.driver.init_host(op.HOST)
    images = lv_fixtures.ImageService(str(tmp_path))
    mgr._image_api = images
    mgr.rescue_image = images.add_file(b"rescue")
    return mgr


def test_failed_rescue_ends_in_error_with_the_driver_error(ctxt, manager,  # noqa: F811
                                                           placement):  # noqa: F811
    inst = op._server(ctxt, manager, placement, task_state=task_states.RESCUING)
    with pytest.raises(exception.InstanceNotRescuable):
        manager.rescue_instance(ctxt, inst, rescue_password="pw",
                                rescue_image_ref=manager.rescue_image)
    shown = op._reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ERROR, None)
    fault = op._fault(ctxt, inst)
    assert fault.code == 400
    assert "Driver Error: no room for the rescue disk" in fault.message
    assert op._event(ctxt, inst, "compute_rescue_instance").result == "Error"
    assert op._allocated(placement, inst)


def test_failed_password_change_never_shows_the_password(ctxt, manager,  # noqa: F811
                                                         placement):  # noqa: F811
    inst = op._server(ctxt, manager, placement,
                      task_state=task_states.UPDATING_PASSWORD)
    with pytest.raises(exception.InstancePasswordSetFailed) as raised:
        manager.set_admin_password(ctxt, inst, new_pass=SECRET)
    assert SECRET not in str(raised.value)
    shown = op._reloaded(ctxt, inst)
    assert (shown.vm_state, shown.task_state) == (vm_states.ACTIVE, None)
    fault = op._fault(ctxt, inst)
    assert SECRET not in fault.message and SECRET not in (fault.details or "")
    event = op._event(ctxt, inst, "compute_set_admin_password")
    assert event.result == "Error"
    assert SECRET not in (event.details or "") and SECRET not in (event.traceback or "")


def test_password_of_a_stopped_guest_is_refused(ctxt, manager, placement):  # noqa: F811
    inst = op._server(ctxt, manager, placement, task_state=task_states.UPDATING_PASSWORD,
                      guest_state=power_state.SHUTDOWN)
    with pytest.raises(exception.InstancePasswordSetFailed, match="is not running"):
        manager.set_admin_password(ctxt, inst, new_pass=SECRET)
    assert op._reloaded(ctxt, inst).task_state is None
