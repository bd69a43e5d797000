"""Nova's network model in os-vif's terms, and os-vif set up for this host.

A VIF of the instance's network info (nova.network.model) becomes the
os-vif object its port binding asks for:

- ``binding:vif_type`` ``bridge`` (the flat network, Neutron's linux bridge)
  -> ``VIFBridge`` for the ``linux_bridge`` plugin, which creates the bridge
  when the network says ``should_create_bridge`` (the flat network does, and
  so does every Neutron linux bridge port, as upstream);
- ``ovs`` -> ``VIFOpenVSwitch`` on the port's bridge (br-int by default) for
  the ``ovs`` plugin, or, when the port's ``vif_details`` ask for hybrid
  plugging (``ovs_hybrid_plug``), a ``VIFBridge`` on a ``qbr`` bridge with an
  Open vSwitch port profile;
- anything else -> None: the libvirt driver has no way to plug it.

os-vif's plugins act through oslo.privsep. Upstream runs the privsep daemon
with ``sudo nova-rootwrap ... privsep-helper``; a compute service that runs as
root (as here) needs neither: ``configure_privsep`` makes each plugin's
context start ``privsep-helper`` (the one installed beside this Python)
directly, unless ``[vif_plug_linux_bridge_privileged] helper_command`` (or
the ovs one) is set in nova.conf. Their external locks go under
``[oslo_concurrency] lock_path`` (default ``$state_path/lock``).
"""

import os
import shutil
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from nova.network import model as network_model

LOG = logging.getLogger(__name__)

PRIVSEP_GROUPS = ("vif_plug_linux_bridge_privileged", "vif_plug_ovs_privileged")
NIC_NAME_LEN = 14

_INIT_LOCK = threading.RLock()
_INITIALIZED = False
_OBJECTS_READY = False


def register_objects():
    """Register os-vif's versioned objects, keeping nova's own in place.

    oslo.versionedobjects has one registry shared by every project: os-vif's
    ``FixedIP`` 1.0 would replace nova's ``FixedIP`` 1.0 there, and nova's
    RPC (the conductor resolving an object class by name and version) would
    then find os-vif's class. nova's classes are registered again on top;
    os-vif never deserializes its objects, it only gets the ones built here.
    """
    global _OBJECTS_READY
    with _INIT_LOCK:
        if _OBJECTS_READY:
            return
        import os_vif.objects
        from nova import objects
        from nova.objects import base as nova_base
        objects.register_all()
        os_vif.objects.register_all()
        registry = nova_base.NovaObjectRegistry
        for name in dir(objects):
            cls = getattr(objects, name)
            if not (isinstance(cls, type) and issubclass(cls, nova_base.NovaObject)) or \
                    cls is nova_base.NovaObject:
                continue
            if cls not in registry.obj_classes().get(cls.obj_name(), []):
                registry.register(cls)
        _OBJECTS_READY = True


def privsep_helper():
    """The privsep-helper of this Python's environment (or on $PATH)."""
    beside = os.path.join(os.path.dirname(sys.executable), "privsep-helper")
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which("privsep-helper")


def configure_privsep(conf=None):
    """As root, start os-vif's privsep daemons without sudo (see the module doc)."""
    conf = conf or cfg.CONF
    if os.geteuid() != 0:
        return None
    helper = privsep_helper()
    if helper is None:
        LOG.warning("privsep-helper is not installed: os-vif cannot plug VIFs")
        return None
    command = [helper]
    for config_file in getattr(conf, "config_file", None) or []:
        command += ["--config-file", config_file]
    for config_dir in getattr(conf, "config_dir", None) or []:
        command += ["--config-dir", config_dir]
    line = " ".join(command)
    for group in PRIVSEP_GROUPS:
        try:
            if conf[group].helper_command:
                continue            # the operator's choice wins
            conf.set_default("helper_command", line, group=group)
        except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
            continue
    return line


def configure_lock_path(conf=None):
    """os-vif's plugins take external locks (e.g. while creating a bridge): they
    live under ``[oslo_concurrency] lock_path``, by default ``$state_path/lock``."""
    from oslo_concurrency import lockutils  # noqa: F401 (registers the option)
    conf = conf or cfg.CONF
    if not conf.oslo_concurrency.lock_path:
        conf.set_default("lock_path", "$state_path/lock", group="oslo_concurrency")


def initialize():
    """Load os-vif's plugins once per process and set up their privsep."""
    global _INITIALIZED
    with _INIT_LOCK:
        if _INITIALIZED:
            return
        import os_vif
        register_objects()
        os_vif.initialize()
        configure_privsep()
        configure_lock_path()
        _INITIALIZED = True


def nova_to_osvif_instance(instance):
    register_objects()
    from os_vif.objects import instance_info
    return instance_info.InstanceInfo(uuid=instance.uuid, name=instance.name,
                                      project_id=instance.project_id or "")


def _details(vif):
    return vif.get("details") or {}


def _meta(vif):
    return (vif.get("network") or {}).get("meta") or {}


def vif_name(vif):
    """The host device of ``vif`` (its tap)."""
    return (vif.get("devname") or ("tap" + vif["id"]))[:NIC_NAME_LEN]


def bridge_name(vif):
    """The bridge ``vif`` plugs into: the network's, else the default of its type."""
    network = vif.get("network") or {}
    if network.get("bridge"):
        return network["bridge"]
    if vif.get("type") == network_model.VIF_TYPE_OVS:
        return "br-int"
    if network.get("id"):
        return ("brq" + network["id"])[:NIC_NAME_LEN]
    return "br100"


def is_hybrid_plug(vif):
    return bool(_details(vif).get("ovs_hybrid_plug"))


def has_traffic_filtering(vif):
    """Whether something else filters the port's traffic (Neutron's agent).

    The port's ``port_filter`` detail says so; without one (the flat network)
    nova does not manage iptables either, so os-vif must not add its
    nova-network era forwarding rules to the host: True.
    """
    return bool(_details(vif).get("port_filter", True))


def _network(vif, bridge):
    from os_vif.objects import network as osv_network
    from os_vif.objects import subnet as osv_subnet
    network = vif.get("network") or {}
    meta = _meta(vif)
    should_create = meta.get("should_create_bridge")
    if should_create is None:
        should_create = vif.get("type") == network_model.VIF_TYPE_BRIDGE
    obj = osv_network.Network(id=network.get("id") or vif["id"], bridge=bridge,
                              label=network.get("label") or "",
                              subnets=osv_subnet.SubnetList(objects=[]),
                              multi_host=False,
                              should_provide_bridge=bool(should_create),
                              should_provide_vlan=bool(meta.get("should_create_vlan")),
                              bridge_interface=meta.get("bridge_interface"))
    if meta.get("vlan") is not None:
        obj.vlan = int(meta["vlan"])
    if meta.get("mtu"):
        obj.mtu = int(meta["mtu"])
    return obj


def _ovs_profile(vif):
    from os_vif.objects import vif as osv_vif
    profile = osv_vif.VIFPortProfileOpenVSwitch(
        interface_id=vif.get("ovs_interfaceid") or vif["id"])
    if _details(vif).get("datapath_type"):
        profile.datapath_type = _details(vif)["datapath_type"]
    return profile


def nova_to_osvif_vif(vif):
    """The os-vif object of ``vif`` (a nova.network.model.VIF), or None."""
    register_objects()
    from os_vif.objects import vif as osv_vif
    vif_type = vif.get("type")
    common = dict(id=vif["id"], address=vif["address"],
                  active=bool(vif.get("active")),
                  preserve_on_delete=bool(vif.get("preserve_on_delete")),
                  has_traffic_filtering=has_traffic_filtering(vif),
                  vif_name=vif_name(vif))
    if vif_type in (network_model.VIF_TYPE_BRIDGE, None, ""):
        bridge = bridge_name(vif)
        return osv_vif.VIFBridge(plugin="linux_bridge", bridge_name=bridge,
                                 network=_network(vif, bridge), **common)
    if vif_type == network_model.VIF_TYPE_OVS:
        bridge = bridge_name(vif)
        network = _network(vif, bridge)
        network.should_provide_bridge = False
        if is_hybrid_plug(vif):
            qbr = ("qbr" + vif["id"])[:NIC_NAME_LEN]
            return osv_vif.VIFBridge(plugin="ovs", bridge_name=qbr, network=network,
                                     port_profile=_ovs_profile(vif), **common)
        return osv_vif.VIFOpenVSwitch(plugin="ovs", bridge_name=bridge, network=network,
                                      port_profile=_ovs_profile(vif), **common)
    LOG.debug("No os-vif object for a VIF of type %s", vif_type)
    return None
