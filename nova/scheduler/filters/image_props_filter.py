"""ImagePropertiesFilter: the host must run the image's architecture, hypervisor
type and VM mode, and a hypervisor version the image accepts.

Image properties read: hw_architecture (or architecture), img_hv_type (or
hypervisor_type), hw_vm_mode (or vm_mode), compared with the host's supported
instances ([arch, hv_type, vm_mode] triples); img_hv_requested_version (or
hypervisor_version_requires, e.g. ">=6.0,<7") is checked against the host's
hypervisor_version on the hosts that match them.
"""

import operator
import re

from oslo_log import log as logging

import nova.conf
from nova.scheduler import filters

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Older spellings Nova accepts for the same value.
_VM_MODE_ALIASES = {"hv": "hvm", "baremetal": "hvm", "xapi": "xen"}
_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "i386": "i686", "i486": "i686",
                 "i586": "i686", "x86_32": "i686", "ppc64el": "ppc64le",
                 "arm64": "aarch64"}
_HV_TYPE_ALIASES = {"xapi": "xen"}


def _canon(value, aliases):
    if not value:
        return None
    value = str(value).lower()
    return aliases.get(value, value)


def _version_str(version):
    """6002000 -> '6.2.0' (Nova stores hypervisor versions as integers)."""
    version = int(version)
    parts = []
    while version:
        parts.insert(0, str(version % 1000))
        version //= 1000
    return ".".join(parts or ["0"])


_PREDICATE_RE = re.compile(r"^\s*(<=|>=|==|!=|<|>)\s*([0-9]+(?:\.[0-9]+)*)\s*$")
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


def _as_tuple(version):
    parts = [int(p) for p in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def version_satisfies(version, predicate):
    """Whether '6.2.0' meets a predicate like '>= 6.0' or '>=6.0, <7'."""
    for clause in str(predicate).split(","):
        match = _PREDICATE_RE.match(clause)
        if match is None:
            LOG.warning("Cannot parse the requested hypervisor version %r", predicate)
            return False
        if not _COMPARE[match.group(1)](_as_tuple(version), _as_tuple(match.group(2))):
            return False
    return True


def _first(props, *names):
    for name in names:
        value = props.get(name)
        if value:
            return value
    return None


class ImagePropertiesFilter(filters.BaseHostFilter):
    RUN_ON_REBUILD = True

    def _instance_supported(self, host_state, image_props):
        arch = _canon(_first(image_props, "hw_architecture", "architecture"),
                      _ARCH_ALIASES) or _canon(
            CONF.filter_scheduler.image_properties_default_architecture, _ARCH_ALIASES)
        hv_type = _canon(_first(image_props, "img_hv_type", "hypervisor_type"),
                         _HV_TYPE_ALIASES)
        vm_mode = _canon(_first(image_props, "hw_vm_mode", "vm_mode"), _VM_MODE_ALIASES)
        version_req = _first(image_props, "img_hv_requested_version",
                             "hypervisor_version_requires")
        # As upstream: a requested version alone does not restrict anything.
        if not (arch or hv_type or vm_mode):
            return True
        supported = host_state.supported_instances
        if not supported:
            LOG.debug("%s reports no supported instances", host_state)
            return False

        def version_ok():
            version = host_state.hypervisor_version
            if not (version and version_req):
                return True
            return version_satisfies(_version_str(version), version_req)

        for triple in supported:
            s_arch, s_hv, s_mode = (list(triple) + [None, None, None])[:3]
            if arch and _canon(s_arch, _ARCH_ALIASES) != arch:
                continue
            if hv_type and _canon(s_hv, _HV_TYPE_ALIASES) != hv_type:
                continue
            if vm_mode and _canon(s_mode, _VM_MODE_ALIASES) != vm_mode:
                continue
            if version_ok():
                return True
        return False

    def host_passes(self, host_state, spec_obj):
        image = spec_obj.image if spec_obj.obj_attr_is_set("image") else None
        props = image.properties.to_dict() if image is not None and \
            image.obj_attr_is_set("properties") else {}
        if not self._instance_supported(host_state, props):
            LOG.debug("%s does not support the image's properties %s", host_state, props)
            return False
        return True
