"""Remote consoles of the VMs.

VNC: each VM gets ``RemoteDisplay.vnc.enabled``/``.port``/``.keyMap`` in its
extraConfig, the port taken from ``[vmware] vnc_port`` ..
``vnc_port + vnc_port_total - 1`` and unique among the cluster's VMs (the
ports in use are read from vCenter once, then tracked here). The console
proxies reach it on the ESXi host the VM runs on.

WebMKS: VirtualMachine.AcquireTicket("webmks") where the endpoint has it
(the simulator does not: ConsoleTypeUnavailable then).
"""

import threading

from oslo_log import log as logging
from pyVmomi import vim
from pyVmomi import vmodl

import nova.conf
from nova.console import types as console_types
from nova import exception
from nova.virt.vmwareapi import session as vm_session
from nova.virt.vmwareapi import vim_util

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

VNC_PORT_KEY = "RemoteDisplay.vnc.port"


class NoFreeVNCPort(vm_session.VMwareDriverError):
    msg_fmt = "No free VNC port in %(first)d-%(last)d for the cluster's VMs"


class ConsoleWebMKS(console_types.Console):
    protocol = "webmks"


class VNCPorts:
    def __init__(self, session):
        self.session = session
        self._used = None
        self._lock = threading.Lock()

    def _load(self):
        used = set()
        for _ref, props in vim_util.retrieve(self.session, vim.VirtualMachine,
                                             ("config.extraConfig",)):
            for opt in props.get("config.extraConfig") or []:
                if opt.key == VNC_PORT_KEY:
                    try:
                        used.add(int(opt.value))
                    except (TypeError, ValueError):
                        pass
        return used

    def allocate(self):
        first = CONF.vmware.vnc_port
        last = min(65535, first + CONF.vmware.vnc_port_total - 1)
        with self._lock:
            if self._used is None:
                self._used = self._load()
            for port in range(first, last + 1):
                if port not in self._used:
                    self._used.add(port)
                    return port
        raise NoFreeVNCPort(first=first, last=last)

    def release(self, port):
        with self._lock:
            if self._used is not None and port is not None:
                self._used.discard(port)


def extra_config(port):
    return [vim.option.OptionValue(key="RemoteDisplay.vnc.enabled", value="true"),
            vim.option.OptionValue(key=VNC_PORT_KEY, value=str(port)),
            vim.option.OptionValue(key="RemoteDisplay.vnc.keyMap",
                                   value=CONF.vmware.vnc_keymap)]


def vnc_port_of(extra):
    for opt in extra or []:
        if opt.key == VNC_PORT_KEY:
            return int(opt.value)
    return None


def vnc_console(session, vm_props):
    """ConsoleVNC of a VM from its properties (config.extraConfig, runtime.host)."""
    if not CONF.vnc.enabled:
        raise exception.ConsoleTypeUnavailable(console_type="novnc")
    port = vnc_port_of(vm_props.get("config.extraConfig"))
    if port is None:
        raise exception.ConsoleTypeUnavailable(console_type="novnc")
    host = vm_props.get("runtime.host")
    host_name = vim_util.properties(session, host, ("name",))["name"] if host else \
        CONF.vmware.host_ip
    return console_types.ConsoleVNC(host=host_name, port=port)


def webmks_console(session, vm):
    try:
        ticket = vm.AcquireTicket("webmks")
    except vmodl.fault.MethodNotFound as exc:
        LOG.info("vCenter at %s has no AcquireTicket: no WebMKS console", session.endpoint)
        raise exception.ConsoleTypeUnavailable(console_type="webmks") from exc
    return ConsoleWebMKS(host=ticket.host or CONF.vmware.host_ip, port=ticket.port or 443,
                         internal_access_path=ticket.ticket)
