"""The instances' NICs: one virtual Ethernet card per port, on the port group
named by ``[vmware] port_group`` (a standard port group or a distributed one),
with the port's MAC address. The card model comes from the image property
``hw_vif_model`` (e1000, e1000e, vmxnet3, pcnet; e1000 by default).
"""

from pyVmomi import vim

from nova import exception
from nova.virt.vmwareapi import vim_util

VIF_MODELS = {
    "e1000": vim.vm.device.VirtualE1000,
    "e1000e": vim.vm.device.VirtualE1000e,
    "vmxnet3": vim.vm.device.VirtualVmxnet3,
    "pcnet": vim.vm.device.VirtualPCNet32,
    "virtualpcnet32": vim.vm.device.VirtualPCNet32,
}
DEFAULT_VIF_MODEL = "e1000"


def vif_model(image_meta):
    props = image_meta.properties if image_meta is not None else None
    model = (props.get("hw_vif_model") if props is not None else None) or DEFAULT_VIF_MODEL
    if model.lower() not in VIF_MODELS:
        raise exception.ImageUnacceptable(
            image_id=getattr(image_meta, "id", None),
            reason="hw_vif_model %s is not one of %s" % (model, ", ".join(sorted(VIF_MODELS))))
    return model.lower()


class PortGroups:
    """Port group look-ups, cached per name (they do not move under a running compute)."""

    def __init__(self, session, cluster):
        self.session, self.cluster = session, cluster
        self._cache = {}

    def backing(self, name):
        if name not in self._cache:
            self._cache[name] = vim_util.find_network(self.session, self.cluster, name)
        ref, distributed, switch_uuid, pg_key = self._cache[name]
        if distributed:
            port = vim.dvs.PortConnection(switchUuid=switch_uuid, portgroupKey=pg_key)
            return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
                port=port)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
            deviceName=name, network=ref)


def nic_specs(port_groups, network_info, image_meta, first_key=-100):
    """VirtualDeviceSpecs (add) of the instance's NICs."""
    specs = []
    model = vif_model(image_meta)
    for i, vif in enumerate(network_info or []):
        nic = VIF_MODELS[model]()
        nic.key = first_key - i
        nic.backing = port_groups.backing(_port_group_name(vif))
        nic.addressType = "manual"
        nic.macAddress = vif["address"]
        nic.connectable = vim.vm.device.VirtualDevice.ConnectInfo(
            startConnected=True, allowGuestControl=True, connected=True)
        nic.externalId = vif.get("id")
        specs.append(vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.add, device=nic))
    return specs


def _port_group_name(vif):
    from oslo_config import cfg
    return cfg.CONF.vmware.port_group
