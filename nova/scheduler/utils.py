"""Turning a RequestSpec into a Placement query, and helpers the scheduler shares.

ResourceRequest holds the request groups (the unsuffixed one plus any
granular ``resources<N>:`` / ``trait<N>:`` groups of the flavor) and the
request-wide parameters; ``to_querystring()`` renders the
GET /allocation_candidates query for Placement microversion 1.36.
"""

import math
import re
from urllib import parse

from oslo_log import log as logging

import nova.conf
from nova import exception

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# The Placement microversion every query built here is valid for.
PLACEMENT_VERSION = "1.36"

VCPU = "VCPU"
PCPU = "PCPU"
MEMORY_MB = "MEMORY_MB"
DISK_GB = "DISK_GB"
MEM_ENCRYPTION_CONTEXT = "MEM_ENCRYPTION_CONTEXT"
HYPERTHREADING = "HW_CPU_HYPERTHREADING"

# Flavor extra specs (and image properties) Placement understands.
_RESOURCES_RE = re.compile(r"^resources([1-9][0-9]*|_[a-zA-Z0-9_-]{1,64})?:(.+)$")
_TRAIT_RE = re.compile(r"^trait([1-9][0-9]*|_[a-zA-Z0-9_-]{1,64})?:(.+)$")
_RC_NAME_RE = re.compile(r"^[A-Z0-9_]+$")
TRAIT_REQUIRED = "required"
TRAIT_FORBIDDEN = "forbidden"
GROUP_POLICIES = ("none", "isolate")


class RequestGroup:
    """One group of resources that one provider (or one subtree) must satisfy."""

    def __init__(self, suffix="", use_same_provider=None, in_tree=None):
        self.suffix = suffix
        # The unsuffixed group may be spread over a tree; numbered ones may not.
        self.use_same_provider = bool(suffix) if use_same_provider is None \
            else use_same_provider
        self.resources = {}
        self.required_traits = set()
        self.forbidden_traits = set()
        # Each entry is a list of aggregate UUIDs; the provider must be in one
        # of every entry.
        self.aggregates = []
        self.forbidden_aggregates = set()
        self.in_tree = in_tree

    def is_empty(self):
        return not (self.resources or self.required_traits or self.forbidden_traits
                    or self.aggregates or self.forbidden_aggregates)

    def to_queryparams(self):
        sfx = self.suffix
        params = []
        if self.resources:
            params.append(("resources" + sfx, ",".join(
                "%s:%d" % (rc, amount) for rc, amount in sorted(self.resources.items()))))
        traits = sorted(self.required_traits) + [
            "!" + trait for trait in sorted(self.forbidden_traits)]
        if traits:
            params.append(("required" + sfx, ",".join(traits)))
        for aggs in self.aggregates:
            params.append(("member_of" + sfx, "in:" + ",".join(sorted(aggs))))
        if self.forbidden_aggregates:
            params.append(("member_of" + sfx,
                           "!in:" + ",".join(sorted(self.forbidden_aggregates))))
        if self.in_tree:
            params.append(("in_tree" + sfx, self.in_tree))
        return params

    def __repr__(self):
        return "RequestGroup(%r)" % (self.to_queryparams(),)


def _suffix_of(raw):
    return raw or ""


def _swap_gb(swap_mb):
    return int(math.ceil((swap_mb or 0) / 1024.0))


def _flavor_resources(flavor, is_bfv):
    """VCPU / MEMORY_MB / DISK_GB as Nova derives them from a flavor."""
    root_gb = 0 if is_bfv else (flavor.root_gb or 0)
    disk = root_gb + (flavor.ephemeral_gb or 0) + _swap_gb(flavor.swap)
    return {VCPU: flavor.vcpus, MEMORY_MB: flavor.memory_mb, DISK_GB: disk}


def _image_props(spec):
    image = _get_field(spec, "image")
    props = _get_field(image, "properties")
    if props is None:
        return {}
    return props.to_dict() if hasattr(props, "to_dict") else dict(props)


def _get_field(obj, name, default=None):
    if obj is None:
        return default
    if hasattr(obj, "obj_attr_is_set"):
        if name not in obj.fields or not obj.obj_attr_is_set(name):
            return default
    return getattr(obj, name, default)


class ResourceRequest:
    """Everything the scheduler asks Placement for one instance."""

    def __init__(self):
        self._groups = {"": RequestGroup("")}
        self.group_policy = None
        self._limit = CONF.scheduler.max_placement_results
        self.root_required = set()
        self.root_forbidden = set()
        self.same_subtree = []

    # -- building ----------------------------------------------------------

    def get_request_group(self, suffix=""):
        if suffix not in self._groups:
            self._groups[suffix] = RequestGroup(suffix)
        return self._groups[suffix]

    @property
    def groups(self):
        return list(self._groups.values())

    @property
    def limit(self):
        return self._limit

    @limit.setter
    def limit(self, value):
        self._limit = value

    def _add_resource(self, suffix, rc, amount):
        if not _RC_NAME_RE.match(rc):
            LOG.warning("Ignoring resource class %r: not a valid name", rc)
            return
        try:
            amount = int(amount)
        except (TypeError, ValueError):
            LOG.warning("Ignoring resource amount %r for %s: not an integer", amount, rc)
            return
        if amount < 0:
            LOG.warning("Ignoring negative amount %d of %s", amount, rc)
            return
        # 0 is kept for now: it removes a flavor-derived amount below.
        self.get_request_group(suffix).resources[rc] = amount

    def _add_trait(self, suffix, trait, value):
        group = self.get_request_group(suffix)
        if value == TRAIT_REQUIRED:
            group.required_traits.add(trait)
        elif value == TRAIT_FORBIDDEN:
            group.forbidden_traits.add(trait)
        else:
            LOG.warning("Ignoring trait %s=%s: only '%s' and '%s' mean something",
                        trait, value, TRAIT_REQUIRED, TRAIT_FORBIDDEN)

    def _process_extra_specs(self, extra_specs):
        for key, value in (extra_specs or {}).items():
            if key == "group_policy":
                if value in GROUP_POLICIES:
                    self.group_policy = value
                continue
            match = _RESOURCES_RE.match(key)
            if match:
                self._add_resource(_suffix_of(match.group(1)), match.group(2), value)
                continue
            match = _TRAIT_RE.match(key)
            if match:
                self._add_trait(_suffix_of(match.group(1)), match.group(2), value)

    def _process_image_properties(self, image_props):
        for key, value in image_props.items():
            match = _TRAIT_RE.match(key)
            # Images only ever require, and only in the unsuffixed group.
            if match and not match.group(1) and value == TRAIT_REQUIRED:
                self._add_trait("", match.group(2), value)

    @classmethod
    def from_request_spec(cls, spec, compute_node_lookup=None):
        """The request for ``spec``.

        ``compute_node_lookup(destination)`` returns the UUID of the compute
        node a requested destination names (host and node), used as in_tree.
        """
        req = cls()
        flavor = spec.flavor
        extra_specs = _get_field(flavor, "extra_specs", {}) or {}
        req._process_extra_specs(extra_specs)
        req._process_image_properties(_image_props(spec))

        unsuffixed = req.get_request_group("")
        overrides = dict(unsuffixed.resources)
        unsuffixed.resources = _flavor_resources(flavor, _get_field(spec, "is_bfv", False))
        if VCPU not in overrides and PCPU not in overrides:
            req._translate_cpu_policies(flavor, extra_specs, _image_props(spec))
        req._translate_memory_encryption(extra_specs, _image_props(spec))
        unsuffixed.resources.update(overrides)
        for group in req._groups.values():
            group.resources = {rc: n for rc, n in group.resources.items() if n > 0}

        for group in _get_field(spec, "requested_resources", None) or []:
            req._add_request_group(group)

        params = _get_field(spec, "request_level_params")
        if params is not None:
            req.root_required |= set(_get_field(params, "root_required", ()) or ())
            req.root_forbidden |= set(_get_field(params, "root_forbidden", ()) or ())
            req.same_subtree.extend(list(s) for s in
                                    (_get_field(params, "same_subtree", []) or []))

        destination = _get_field(spec, "requested_destination")
        if destination is not None:
            for aggs in _get_field(destination, "aggregates", None) or []:
                unsuffixed.aggregates.append(sorted(aggs.split(",")))
            unsuffixed.forbidden_aggregates |= set(
                _get_field(destination, "forbidden_aggregates", None) or ())
            if _get_field(destination, "host") and compute_node_lookup is not None:
                node_uuid = compute_node_lookup(destination)
                if node_uuid:
                    unsuffixed.in_tree = node_uuid
                    req.limit = None
        if _get_field(spec, "force_hosts") or _get_field(spec, "force_nodes"):
            # Every candidate is needed so that the forced host is among them.
            req.limit = None
        if req.group_policy is None and len(
                [g for g in req._groups.values() if g.suffix and not g.is_empty()]) > 1:
            # Placement refuses several numbered groups without a policy.
            LOG.debug("Several numbered request groups and no group_policy; "
                      "defaulting to 'none'")
            req.group_policy = "none"
        return req

    def _add_request_group(self, group):
        """A group from outside the flavor (a port's resource request, an
        objects.RequestGroup); its requester_id is its suffix."""
        suffix = group.requester_id
        if not suffix:
            raise ValueError("request group without a requester_id: %r" % group)
        if suffix in self._groups:
            raise ValueError("request group suffix %s used twice" % suffix)
        if group.is_empty():
            raise ValueError("empty request group of %s" % suffix)
        target = self.get_request_group(suffix)
        target.use_same_provider = group.use_same_provider
        target.resources = dict(group.resources)
        target.required_traits = set(group.required_traits)
        target.forbidden_traits = set(group.forbidden_traits)
        target.aggregates = [list(aggs) for aggs in group.aggregates]
        target.forbidden_aggregates = set(group.forbidden_aggregates)
        target.in_tree = group.in_tree

    def _translate_cpu_policies(self, flavor, extra_specs, image_props):
        """Dedicated CPUs are PCPU; thread policies are the hyperthreading trait."""
        def policy(flavor_key, image_key):
            return extra_specs.get(flavor_key) or image_props.get(image_key)

        group = self.get_request_group("")
        if policy("hw:cpu_policy", "hw_cpu_policy") == "dedicated":
            pcpus = flavor.vcpus
            if extra_specs.get("hw:emulator_threads_policy") == "isolate":
                pcpus += 1
            group.resources.pop(VCPU, None)
            group.resources[PCPU] = pcpus
        thread_policy = policy("hw:cpu_thread_policy", "hw_cpu_thread_policy")
        if thread_policy == "isolate":
            group.forbidden_traits.add(HYPERTHREADING)
        elif thread_policy == "require":
            group.required_traits.add(HYPERTHREADING)

    def _translate_memory_encryption(self, extra_specs, image_props):
        wanted = (str(extra_specs.get("hw:mem_encryption", "")).lower() in ("true", "1", "yes")
                  or str(image_props.get("hw_mem_encryption", "")).lower()
                  in ("true", "1", "yes"))
        if wanted:
            self.get_request_group("").resources.setdefault(MEM_ENCRYPTION_CONTEXT, 1)

    # -- reading -----------------------------------------------------------

    def merged_resources(self):
        """All resource amounts of every group, summed per class."""
        total = {}
        for group in self._groups.values():
            for rc, amount in group.resources.items():
                total[rc] = total.get(rc, 0) + amount
        return total

    @property
    def all_required_traits(self):
        traits = set(self.root_required)
        for group in self._groups.values():
            traits |= group.required_traits
        return traits

    def to_querystring(self):
        params = []
        if self.group_policy is not None:
            params.append(("group_policy", self.group_policy))
        if self._limit is not None:
            params.append(("limit", str(self._limit)))
        for group in self._groups.values():
            params.extend(group.to_queryparams())
        root = sorted(self.root_required) + ["!" + t for t in sorted(self.root_forbidden)]
        if root:
            params.append(("root_required", ",".join(root)))
        for subtree in self.same_subtree:
            params.append(("same_subtree", ",".join(sorted(subtree))))
        return parse.urlencode(sorted(params))

    def __repr__(self):
        return "ResourceRequest(%s)" % self.to_querystring()


def claim_resources(context, client, spec, instance_uuid, alloc_req,
                    allocation_request_version=None):
    """Claim ``alloc_req`` for the instance in Placement; True when it held."""
    return client.claim_resources(
        context, instance_uuid, alloc_req, spec.project_id, spec.user_id,
        allocation_request_version=allocation_request_version,
        consumer_generation=None)


def fill_provider_mapping(request_spec, selection):
    """Record on each request group of ``request_spec`` the providers that the
    allocation request of ``selection`` (the claimed one) gives it."""
    if not getattr(request_spec, "maps_requested_resources", False):
        return
    alloc_req = selection.get_allocation_request() or {}
    mappings = alloc_req.get("mappings") or {}
    for group in request_spec.requested_resources:
        if group.requester_id not in mappings:
            raise exception.NoValidHost(
                reason="the allocation has no provider for request group %s"
                       % group.requester_id)
        group.provider_uuids = list(mappings[group.requester_id])


def get_weight_multiplier(host_state, multiplier_name, multiplier_config):
    """A weigher multiplier: the lowest valid value aggregate metadata sets, or config."""
    values = set()
    for aggregate in getattr(host_state, "aggregates", None) or []:
        metadata = aggregate.metadata or {}
        if multiplier_name in metadata:
            values.add(metadata[multiplier_name])
    parsed = []
    for value in values:
        try:
            parsed.append(float(value))
        except ValueError:
            LOG.warning("Could not decode %s from aggregate metadata: %r",
                        multiplier_name, value)
    return min(parsed) if parsed else multiplier_config



# Which scheduler pieces each server group policy needs.
_POLICY_NEEDS = {
    "affinity": ("enabled_filters", "ServerGroupAffinityFilter"),
    "anti-affinity": ("enabled_filters", "ServerGroupAntiAffinityFilter"),
    "soft-affinity": ("weight_classes", "ServerGroupSoftAffinityWeigher"),
    "soft-anti-affinity": ("weight_classes", "ServerGroupSoftAntiAffinityWeigher"),
}


def _policy_supported(policy):
    option, name = _POLICY_NEEDS[policy]
    configured = getattr(CONF.filter_scheduler, option)
    if option == "weight_classes":
        return any(path == "nova.scheduler.weights.all_weighers" or
                   path.rsplit(".", 1)[-1] == name for path in configured)
    return name in configured


def setup_instance_group(context, request_spec):
    """Fill the spec's server group (policy, members, hosts of the members).

    Run by the conductor before select_destinations: the hosts of the
    group's members are read from the cell ``context`` targets, merged with
    the hosts already recorded on the spec. Raises UnsupportedPolicyException
    when the policy's filter (or weigher) is not enabled.
    """
    from nova import objects
    group_in_spec = request_spec.instance_group if request_spec.obj_attr_is_set(
        "instance_group") else None
    known_hosts = set(group_in_spec.hosts or []) if group_in_spec is not None and \
        group_in_spec.obj_attr_is_set("hosts") else set()
    try:
        group = objects.InstanceGroup.get_by_instance_uuid(context,
                                                           request_spec.instance_uuid)
    except exception.InstanceGroupNotFound:
        return None
    if group.policy not in _POLICY_NEEDS:
        return None
    if not _policy_supported(group.policy):
        option, name = _POLICY_NEEDS[group.policy]
        LOG.error("%s not configured", name)
        raise exception.UnsupportedPolicyException(reason="%s not configured" % name)
    hosts = sorted(known_hosts | set(group.get_hosts()))
    if group_in_spec is None:
        request_spec.instance_group = group
        group_in_spec = group
    group_in_spec.policy = group.policy
    group_in_spec.members = list(group.members or [])
    group_in_spec.hosts = hosts
    group_in_spec.obj_reset_changes(["hosts"])
    return group_in_spec


# The scheduler hint that marks the no-op scheduling pass of a rebuild (the
# name upstream uses): the request is limited to the server's own host.
REBUILD_CHECK_HINT = "_nova_check_type"


def request_is_rebuild(spec_obj):
    """Whether ``spec_obj`` asks only whether its host can run a rebuild's image."""
    hints = spec_obj.scheduler_hints if spec_obj.obj_attr_is_set("scheduler_hints") \
        else None
    check = (hints or {}).get(REBUILD_CHECK_HINT)
    destination = spec_obj.requested_destination if spec_obj.obj_attr_is_set(
        "requested_destination") else None
    return bool(check) and "rebuild" in check and destination is not None
