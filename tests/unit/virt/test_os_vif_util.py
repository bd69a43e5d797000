"""Nova VIFs in os-vif's terms (nova.virt.os_vif_util), and its privsep set-up."""

import uuid as uuidlib

import pytest

pytest.importorskip("os_vif", reason="os-vif is not installed")

from oslo_config import cfg  # noqa: E402

from nova.network import model as network_model  # noqa: E402
from nova.virt import os_vif_util  # noqa: E402

OVS_IFACE = "6e7c0c7a-1f0e-4b8e-9a59-0a1b2c3d4e5f"


def _vif(vif_type, bridge=None, details=None, meta=None, net_id=None):
    return network_model.VIF(
        id=str(uuidlib.uuid4()), address="fa:16:3e:aa:bb:cc", type=vif_type,
        devname="tap-dev-name-too-long", details=details or {}, active=True,
        ovs_interfaceid=OVS_IFACE if vif_type == "ovs" else None,
        network=network_model.Network(id=net_id or str(uuidlib.uuid4()), label="net1",
                                      bridge=bridge, meta=meta or {}))


def test_flat_network_vif_is_a_linux_bridge_that_creates_its_bridge():
    os_vif_util.initialize()
    vif = _vif("bridge", bridge="br100", meta={"should_create_bridge": True, "mtu": 1450})
    obj = os_vif_util.nova_to_osvif_vif(vif)
    assert type(obj).__name__ == "VIFBridge"
    assert obj.plugin == "linux_bridge" and obj.bridge_name == "br100"
    assert obj.vif_name == "tap-dev-name-t"               # 14 characters, as a NIC name
    assert obj.network.should_provide_bridge is True
    assert obj.network.should_provide_vlan is False
    assert obj.network.mtu == 1450 and obj.network.label == "net1"
    # Nobody asked os-vif to write iptables rules on the host.
    assert obj.has_traffic_filtering is True
    assert obj.active is True


def test_neutron_linux_bridge_port_gets_a_brq_bridge_and_its_filtering_flag():
    net_id = str(uuidlib.uuid4())
    obj = os_vif_util.nova_to_osvif_vif(_vif("bridge", net_id=net_id,
                                             details={"port_filter": False}))
    assert obj.bridge_name == ("brq" + net_id)[:14]
    assert obj.network.should_provide_bridge is True      # as upstream for vif_type bridge
    assert obj.has_traffic_filtering is False


def test_ovs_port_is_an_open_vswitch_vif_or_hybrid_bridge():
    obj = os_vif_util.nova_to_osvif_vif(_vif("ovs", details={"port_filter": True,
                                                              "datapath_type": "system"}))
    assert type(obj).__name__ == "VIFOpenVSwitch" and obj.plugin == "ovs"
    assert obj.bridge_name == "br-int"
    assert obj.port_profile.interface_id == OVS_IFACE
    assert obj.port_profile.datapath_type == "system"
    assert obj.network.should_provide_bridge is False
    vif = _vif("ovs", bridge="br-ex", details={"ovs_hybrid_plug": True})
    hybrid = os_vif_util.nova_to_osvif_vif(vif)
    assert type(hybrid).__name__ == "VIFBridge" and hybrid.plugin == "ovs"
    assert hybrid.bridge_name == ("qbr" + vif["id"])[:14]


def test_unknown_vif_types_have_no_os_vif_object():
    assert os_vif_util.nova_to_osvif_vif(_vif("vhostuser")) is None


def test_privsep_helper_runs_directly_as_root_unless_configured(monkeypatch, tmp_path):
    conf = cfg.ConfigOpts()
    for group in os_vif_util.PRIVSEP_GROUPS:
        conf.register_opts([cfg.StrOpt("helper_command")], group=group)
    conf([], default_config_files=[])
    conf.set_override("helper_command", "sudo my-helper", group="vif_plug_ovs_privileged")
    monkeypatch.setattr(os_vif_util.os, "geteuid", lambda: 0)
    line = os_vif_util.configure_privsep(conf)
    assert line.split()[0].endswith("privsep-helper") and "sudo" not in line
    assert conf.vif_plug_linux_bridge_privileged.helper_command == line
    assert conf.vif_plug_ovs_privileged.helper_command == "sudo my-helper"
    monkeypatch.setattr(os_vif_util.os, "geteuid", lambda: 1000)
    assert os_vif_util.configure_privsep(conf) is None     # not root: sudo as usual


def test_os_vif_objects_do_not_replace_nova_objects_of_the_same_name():
    from nova import objects
    from nova.objects import base as nova_base
    os_vif_util.register_objects()
    os_vif_util.initialize()
    # nova's RPC resolves an object class by name and version in the registry
    # oslo.versionedobjects shares between projects: it must find nova's.
    cls = nova_base.NovaObject.obj_class_from_name("FixedIP", "1.0")
    assert cls is objects.FixedIP and hasattr(cls, "associate_pool")
    assert nova_base.NovaObject.obj_class_from_name("FixedIPList", "1.0") is \
        objects.FixedIPList
