"""The compute manager's per-image outcomes of cache_images."""

import pytest

import nova.conf
from nova.compute import manager as compute_manager
from nova import context
from nova import rpc
from nova.virt import driver as virt_driver
from nova.virt import fake


class _NoCacheDriver(virt_driver.ComputeDriver):
    """A hypervisor without an image cache: the base contract's answer."""


class _FlakyDriver(fake.FakeDriver):
    def cache_image(self, context, image_id):
        if image_id == "broken":
            raise IOError("image service unreachable")
        return super().cache_image(context, image_id)


@pytest.fixture(autouse=True)
def fake_transport():
    """The manager builds RPC clients (scheduler) when created: an in-memory bus."""
    conf = nova.conf.CONF
    rpc.register_opts(conf)
    conf.set_override("transport_url", "fake://")
    rpc.init(conf)
    yield
    rpc.cleanup()
    conf.clear_override("transport_url")


def _manager(driver):
    mgr = compute_manager.ComputeManager(compute_driver="fake.FakeDriver", host="h1")
    mgr.driver = driver
    return mgr


def test_cached_then_existing():
    driver = fake.FakeDriver()
    mgr = _manager(driver)
    ctxt = context.get_admin_context()
    assert mgr.cache_images(ctxt, ["a", "b"]) == {"a": "cached", "b": "cached"}
    assert mgr.cache_images(ctxt, ["b", "c"]) == {"b": "existing", "c": "cached"}
    assert driver.cached_images == {"a", "b", "c"}


def test_unsupported_and_error_do_not_stop_the_other_images():
    ctxt = context.get_admin_context()
    assert _manager(_NoCacheDriver()).cache_images(ctxt, ["a"]) == {"a": "unsupported"}
    result = _manager(_FlakyDriver()).cache_images(ctxt, ["broken", "fine"])
    assert result == {"broken": "error", "fine": "cached"}
