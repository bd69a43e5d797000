"""The VMware driver's pure parts: VMDK descriptors, image checks, NIC models,
fault texts. (Everything that talks to vCenter is tested against the simulator in
tests/integration/test_vmware_driver.py.)"""

import pytest
from pyVmomi import vim

from nova import exception
from nova.objects import image_meta as image_meta_obj
from nova.virt.vmwareapi import images
from nova.virt.vmwareapi import network
from nova.virt.vmwareapi import session


def _meta(disk_format="vmdk", **props):
    return image_meta_obj.ImageMeta.from_dict({
        "id": "6b4a3d7e-1f2a-4b5c-8d9e-0a1b2c3d4e5f", "disk_format": disk_format,
        "container_format": "bare", "properties": props})


def test_descriptor_names_the_extent_and_its_sectors():
    text = images.descriptor("disk-flat.vmdk", 1024 * 1024 + 1, "lsiLogic")
    assert 'RW 2049 VMFS "disk-flat.vmdk"' in text
    assert 'ddb.adapterType = "lsilogic"' in text
    assert 'ddb.adapterType = "ide"' in images.descriptor("d-flat.vmdk", 512, "ide")


@pytest.mark.parametrize("meta,reason", [
    (_meta("qcow2"), "disk_format qcow2"),
    (_meta(vmware_disktype="streamOptimized"), "vmware_disktype streamOptimized"),
    (_meta(vmware_adaptertype="floppyLogic"), "vmware_adaptertype floppyLogic"),
])
def test_images_the_driver_cannot_boot_are_refused_with_the_reason(meta, reason):
    with pytest.raises(exception.ImageUnacceptable, match=reason):
        images.check_image(meta)


def test_adapter_type_and_vif_model_defaults_and_choices():
    assert images.image_adapter_type(_meta()) == "lsiLogic"
    assert images.image_adapter_type(_meta(vmware_adaptertype="paraVirtual")) == "paraVirtual"
    assert network.vif_model(_meta()) == "e1000"
    assert network.vif_model(_meta(hw_vif_model="vmxnet3")) == "vmxnet3"
    with pytest.raises(exception.ImageUnacceptable, match="hw_vif_model virtio"):
        network.vif_model(_meta(hw_vif_model="virtio"))


def test_fault_message_names_the_fault():
    fault = vim.fault.FileNotFound(msg="File [ds] x was not found", file="[ds] x")
    assert session.fault_message(fault) == "FileNotFound: File [ds] x was not found"
    wrapped = vim.LocalizedMethodFault(fault=fault, localizedMessage="not there")
    assert session.fault_message(wrapped) == "FileNotFound: not there"
    assert session.fault_message(None) == "unknown error"


def test_cache_folder_follows_the_prefix():
    import nova.conf
    conf = nova.conf.CONF
    conf.set_override("cache_prefix", "shared", "vmware")
    try:
        assert images.cache_folder() == "shared_base"
        assert images.ImageCache.cached_path("img") == "shared_base/img/img.vmdk"
    finally:
        conf.clear_override("cache_prefix", "vmware")
    assert images.cache_folder() == "_base"
