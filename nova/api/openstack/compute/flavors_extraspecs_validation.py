"""Checks of flavor extra specs (microversion 2.86): known keys get known values.

Keys in a namespace this module knows (``hw:``, ``hw_rng:``, ``hw_video:``,
``quota:``, ``os:``, ``resources*:``, ``trait*:``, ``group_policy``...) must be
keys of that namespace with a valid value; keys of other namespaces (for
example ``aggregate_instance_extra_specs:`` or an operator's own) pass.
"""

import re

import os_resource_classes
import os_traits

_BOOL = ("true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n")


def _enum(*choices):
    def check(value):
        if value.lower() not in choices and value not in choices:
            return "must be one of %s" % ", ".join(choices)
    return check


def _bool(value):
    if value.strip().lower() not in _BOOL:
        return "must be a boolean"


def _int(minimum=None, maximum=None):
    def check(value):
        try:
            number = int(value)
        except ValueError:
            return "must be an integer"
        if minimum is not None and number < minimum:
            return "must be at least %d" % minimum
        if maximum is not None and number > maximum:
            return "must be at most %d" % maximum
    return check


def _pattern(regex, what):
    compiled = re.compile(regex)

    def check(value):
        if not compiled.match(value):
            return "must be %s" % what
    return check


def _any(value):
    return None


_PAGE_SIZE = _pattern(r"^(small|large|any|[0-9]+([kKmMgGtT]i?[bB]?)?)$",
                      "small, large, any or a page size such as 2048 or 1GB")
_CPU_SET = _pattern(r"^\^?[0-9]+(-[0-9]+)?(,\^?[0-9]+(-[0-9]+)?)*$", "a CPU set such as 0-3,^2")

HW = {
    "cpu_policy": _enum("dedicated", "shared", "mixed"),
    "cpu_thread_policy": _enum("prefer", "isolate", "require"),
    "emulator_threads_policy": _enum("share", "isolate"),
    "cpu_dedicated_mask": _CPU_SET,
    "cpu_realtime": _bool,
    "cpu_realtime_mask": _CPU_SET,
    "cpu_sockets": _int(1), "cpu_cores": _int(1), "cpu_threads": _int(1),
    "cpu_max_sockets": _int(1), "cpu_max_cores": _int(1), "cpu_max_threads": _int(1),
    "numa_nodes": _int(1),
    "mem_page_size": _PAGE_SIZE,
    "mem_encryption": _bool,
    "mem_encryption_model": _enum("amd-sev", "amd-sev-es"),
    "watchdog_action": _enum("none", "pause", "poweroff", "reset", "disabled"),
    "boot_menu": _bool,
    "vif_multiqueue_enabled": _bool,
    "pmu": _bool,
    "hide_hypervisor_id": _bool,
    "serial_port_count": _int(0),
    "pci_numa_affinity_policy": _enum("required", "preferred", "legacy", "socket"),
    "tpm_version": _enum("1.2", "2.0"),
    "tpm_model": _enum("tpm-tis", "tpm-crb"),
    "machine_type": _any,
    "cpu_model": _any,
    "cpu_model_extra_flags": _any,
    "locked_memory": _bool,
    "virtio_packed_ring": _bool,
    "vpmem": _any,
    "viommu_model": _enum("intel", "smmuv3", "virtio", "auto"),
    "ephemeral_encryption": _bool,
    "ephemeral_encryption_format": _enum("luks", "plain"),
    "maxphysaddr_mode": _enum("emulate", "passthrough"),
    "maxphysaddr_bits": _int(1),
    "sound_model": _any,
    "usb_model": _any,
    "redirected_usb_ports": _int(0),
}
# Per-NUMA-node keys: hw:numa_cpus.0, hw:numa_mem.1, ...
HW_PATTERNS = [
    (re.compile(r"^numa_cpus\.[0-9]+$"), _CPU_SET),
    (re.compile(r"^numa_mem\.[0-9]+$"), _int(0)),
    (re.compile(r"^cpu_realtime_mask$"), _CPU_SET),
]

HW_RNG = {"allowed": _bool, "rate_bytes": _int(0), "rate_period": _int(0)}
HW_VIDEO = {"ram_max_mb": _int(0)}

_QUOTA_INT = ("cpu_shares", "cpu_period", "cpu_quota", "cpu_limit", "cpu_reservation",
              "memory_limit", "memory_reservation", "memory_shares_share",
              "disk_io_limit", "disk_io_reservation", "disk_io_shares_share",
              "vif_limit", "vif_reservation", "vif_shares_share",
              "disk_read_bytes_sec", "disk_read_iops_sec", "disk_write_bytes_sec",
              "disk_write_iops_sec", "disk_total_bytes_sec", "disk_total_iops_sec",
              "vif_inbound_average", "vif_inbound_peak", "vif_inbound_burst",
              "vif_outbound_average", "vif_outbound_peak", "vif_outbound_burst")
QUOTA = {name: _int(0) for name in _QUOTA_INT}
QUOTA.update({"memory_shares_level": _enum("custom", "high", "normal", "low"),
              "cpu_shares_level": _enum("custom", "high", "normal", "low"),
              "disk_io_shares_level": _enum("custom", "high", "normal", "low"),
              "vif_shares_level": _enum("custom", "high", "normal", "low")})

OS = {"secure_boot": _enum("required", "disabled", "optional"),
      "monitors": _int(1, 4)}

NAMESPACES = {"hw": (HW, HW_PATTERNS), "hw_rng": (HW_RNG, []),
              "hw_video": (HW_VIDEO, []), "quota": (QUOTA, []), "os": (OS, [])}

_GROUP_SUFFIX = r"([a-zA-Z0-9_-]{1,64})?"
_RESOURCES_RE = re.compile(r"^resources%s:(?P<rc>.+)$" % _GROUP_SUFFIX)
_TRAIT_RE = re.compile(r"^trait%s:(?P<trait>.+)$" % _GROUP_SUFFIX)


class ExtraSpecInvalid(ValueError):
    """An extra spec this API refuses; the message says why."""


def _check_resource(key, rc, value):
    if rc not in os_resource_classes.STANDARDS and not os_resource_classes.is_custom(rc):
        raise ExtraSpecInvalid("Validation failed; extra spec '%s' refers to unknown "
                               "resource class '%s'." % (key, rc))
    if _int(0)(value):
        raise ExtraSpecInvalid("Validation failed; '%s' is not valid for extra spec "
                               "'%s': must be a non-negative integer." % (value, key))


def _check_trait(key, trait, value):
    if not (os_traits.is_custom(trait) or trait in os_traits.get_traits()):
        raise ExtraSpecInvalid("Validation failed; extra spec '%s' refers to unknown "
                               "trait '%s'." % (key, trait))
    if value not in ("required", "forbidden"):
        raise ExtraSpecInvalid("Validation failed; '%s' is not valid for extra spec "
                               "'%s': must be 'required' or 'forbidden'." % (value, key))


def validate(key, value):
    """Raise ExtraSpecInvalid when ``key=value`` is a known key with a bad value."""
    value = str(value)
    match = _RESOURCES_RE.match(key)
    if match:
        return _check_resource(key, match.group("rc"), value)
    match = _TRAIT_RE.match(key)
    if match:
        return _check_trait(key, match.group("trait"), value)
    if key == "group_policy":
        check = _enum("none", "isolate")
    else:
        namespace, sep, name = key.partition(":")
        if not sep or namespace not in NAMESPACES:
            return None  # not a namespace we know: the operator's business
        table, patterns = NAMESPACES[namespace]
        check = table.get(name)
        if check is None:
            for regex, pattern_check in patterns:
                if regex.match(name):
                    check = pattern_check
                    break
        if check is None:
            raise ExtraSpecInvalid("Validation failed; extra spec '%s' does not exist." % key)
    problem = check(value)
    if problem:
        raise ExtraSpecInvalid("Validation failed; '%s' is not valid for extra spec '%s': "
                               "%s." % (value, key, problem))


def validate_all(specs):
    for key, value in specs.items():
        validate(key, value)
