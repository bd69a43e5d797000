"""VIFs plugged for real through os-vif's linux_bridge plugin and oslo.privsep.

As root, os-vif's privsep daemon is started with privsep-helper directly (no
sudo, no rootwrap): plugging a flat-network VIF creates its bridge, a second
plug and every unplug are harmless, and the host's iptables are untouched.
"""

import os
import shutil
import subprocess
import uuid as uuidlib

import pytest

from nova.network import model as network_model
from tests import realparts

pytest.importorskip("os_vif", reason="os-vif is not installed")

from tests.unit.virt.libvirt import fixtures  # noqa: E402


def _iptables():
    if shutil.which("iptables-save") is None:
        return None              # no iptables here: os-vif could not add rules either
    result = subprocess.run(["iptables-save"], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if not line.startswith("#")]


def test_plug_creates_the_bridge_once_and_unplug_is_idempotent():
    if os.geteuid() != 0:
        realparts.missing("plugging VIFs needs root")
    from nova.virt.libvirt import vif as libvirt_vif
    bridge = "brosv" + uuidlib.uuid4().hex[:8]
    tap = "tapo" + uuidlib.uuid4().hex[:8]
    vif = network_model.VIF(
        id=str(uuidlib.uuid4()), address="fa:16:3e:05:0f:01", type="bridge", devname=tap,
        details={}, active=True,
        network=network_model.Network(id=str(uuidlib.uuid4()), bridge=bridge,
                                      meta={"should_create_bridge": True, "mtu": 1450}))
    instance = fixtures.make_instance()
    rules = _iptables()
    try:
        libvirt_vif.plug(instance, vif)
        assert os.path.isdir("/sys/class/net/%s/bridge" % bridge)
        with open("/sys/class/net/%s/operstate" % bridge) as f:
            assert f.read().strip() in ("up", "unknown")
        libvirt_vif.plug(instance, vif)                  # again: nothing new
        # A tap the guest left behind goes on unplug; the shared bridge stays.
        subprocess.run(["ip", "tuntap", "add", "dev", tap, "mode", "tap"], check=True)
        subprocess.run(["ip", "link", "set", tap, "master", bridge], check=True)
        libvirt_vif.unplug(instance, vif)
        assert not os.path.exists("/sys/class/net/%s" % tap)
        assert os.path.exists("/sys/class/net/%s" % bridge)
        libvirt_vif.unplug(instance, vif)
        assert _iptables() == rules
    finally:
        subprocess.run(["ip", "link", "del", tap], capture_output=True)
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)


def test_an_ovs_port_without_open_vswitch_is_refused_clearly():
    from nova.virt.libvirt import vif as libvirt_vif
    if shutil.which("ovs-vsctl"):
        pytest.skip("Open vSwitch is installed here: the refusal does not apply")
    vif = network_model.VIF(id=str(uuidlib.uuid4()), address="fa:16:3e:05:0f:02",
                            type="ovs", details={},
                            network=network_model.Network(id=str(uuidlib.uuid4())))
    with pytest.raises(libvirt_vif.VifTypeNotSupported, match="Open vSwitch"):
        libvirt_vif.plug(fixtures.make_instance(), vif)
    libvirt_vif.unplug(fixtures.make_instance(), vif)   # nothing to undo, no error
