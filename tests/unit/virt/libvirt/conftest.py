"""Fixtures of the libvirt driver unit tests (libvirt's test:///default, no daemon)."""

import shutil

import pytest

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

import nova.conf  # noqa: E402
from tests.unit.virt.libvirt import fixtures  # noqa: E402

CONF = nova.conf.CONF


@pytest.fixture
def conf(tmp_path):
    CONF.set_override("instances_path", str(tmp_path / "instances"))
    CONF.set_override("connection_uri", "test:///default", "libvirt")
    CONF.set_override("virt_type", "qemu", "libvirt")
    yield CONF
    CONF.clear_override("instances_path")
    for opt in ("connection_uri", "virt_type", "images_type", "cpu_mode", "cpu_models"):
        CONF.clear_override(opt, "libvirt")
    for opt in ("use_cow_images", "force_raw_images", "reboot_timeout"):
        CONF.clear_override(opt)
    CONF.clear_override("enabled", "spice")
    CONF.clear_override("enabled", "vnc")


@pytest.fixture
def images(tmp_path):
    if not shutil.which("qemu-img"):
        pytest.skip("qemu-img is not installed")
    directory = tmp_path / "images"
    directory.mkdir()
    return fixtures.ImageService(str(directory))


@pytest.fixture
def drv(conf, images):
    from nova.virt.libvirt import driver
    d = driver.LibvirtDriver()
    d.image_cache.image_api = images
    d._image_api = images
    d.init_host("testhost")
    yield d
    for guest in d.host.list_guests():
        if guest.name.startswith("instance-"):
            guest.poweroff()
            guest.delete_configuration()
    d.cleanup_host("testhost")
