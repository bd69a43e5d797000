"""Shelve, offload, unshelve, backup and soft delete with the libvirt driver
under the real compute manager (libvirt's test:///default; the fixture of
test_libvirt_stack): the shelved image is the domain's disk converted by
qemu-img, the offload undefines the domain and removes its files, and the
unshelve defines it again on a disk backed by the shelved image.
"""

import os

import pytest

pytest.importorskip("libvirt", reason="libvirt-python is not installed")

import nova.conf  # noqa: E402
from nova import exception  # noqa: E402
from nova.virt.libvirt import imagebackend  # noqa: E402
from tests.functional import shelve_helpers as h  # noqa: E402
from tests.functional.test_libvirt_stack import ready  # noqa: E402,F401

CONF = nova.conf.CONF


def test_shelve_offload_unshelve_backup_and_soft_delete_on_libvirt(ready):  # noqa: F811
    cloud, drv, flavor, image_id = ready
    cloud.flavor, cloud.image = flavor, image_id
    server = h.boot(cloud, "lvshelf")
    guest = drv.host.get_guest(server)
    assert guest.is_active()

    h.timed(cloud, server, {"shelve": None}, "SHELVED_OFFLOADED")
    with pytest.raises(exception.InstanceNotFound):
        drv.host.get_guest(server)
    record = h.instance(cloud, server)
    assert not os.path.exists(imagebackend.instance_dir(record))
    shelved_id = record.system_metadata["shelved_image_id"]
    status, _h, image = h.image(cloud, shelved_id)
    assert status == 200 and image["status"] == "active"
    assert image["disk_format"] == "qcow2" and image["name"] == "lvshelf-shelved"
    assert h.allocations(cloud, server) == {}

    h.timed(cloud, server, {"unshelve": None}, "ACTIVE")
    guest = drv.host.get_guest(server)
    assert guest.is_active()
    # The new root disk sits on the shelved image's base file, which is
    # deleted from the image service afterwards.
    assert os.path.exists(drv.image_cache.path(shelved_id))
    assert h.image(cloud, shelved_id)[0] == 404
    assert h.allocations(cloud, server)

    _code, _h, body = h.action(cloud, server, {"createBackup": {
        "name": "lvb", "backup_type": "daily", "rotation": 1}}, version="2.45")
    h.idle(cloud, server, "ACTIVE")
    status, _h, image = h.image(cloud, body["image_id"])
    assert image["status"] == "active" and image["image_type"] == "backup"
    assert guest.is_active()

    CONF.set_override("reclaim_instance_interval", 3600)
    try:
        assert cloud.request("DELETE", "/servers/%s" % server)[0] == 204
        h.idle(cloud, server, "SOFT_DELETED")
        assert not drv.host.get_guest(server).is_active()
        h.timed(cloud, server, {"restore": None}, "ACTIVE")
        assert drv.host.get_guest(server).is_active()
    finally:
        CONF.clear_override("reclaim_instance_interval")
    cloud.request("DELETE", "/servers/%s" % server)
    cloud.wait_for_gone(server)
