"""RequestSpec: what the scheduler is asked to place, kept per instance.

The whole object is stored as JSON in request_specs.spec so that a later
move (resize, migrate, evacuate, unshelve) is scheduled under the conditions
of the original request. Per-request fields (retry, requested_destination,
ignore_hosts) are never persisted, and the instance group is stored by
reference only: it is reloaded fresh from the database on every read.
"""

from oslo_log import log as logging
from oslo_serialization import jsonutils
from oslo_utils import versionutils

from nova.db.api import request_specs as db
from nova import exception
from nova.objects import base
from nova.objects import fields
from nova.objects import flavor as flavor_obj  # noqa: F401 (registers Flavor)
from nova.objects import image_meta as image_meta_obj
from nova.objects import instance_group as instance_group_obj

LOG = logging.getLogger(__name__)

# Reset before every write: they describe one scheduling attempt only.
# requested_resources (the port request groups) is rebuilt from the ports
# by every operation that needs it, as upstream does.
NOT_PERSISTED = ("retry", "requested_destination", "ignore_hosts",
                 "requested_resources")


@base.NovaObjectRegistry.register
class RequestSpec(base.NovaObject):
    # Version 1.0: initial version
    # Version 1.1: requested_resources (request groups of ports, 2.72)
    VERSION = "1.1"

    fields = {
        "id": fields.IntegerField(),
        "instance_uuid": fields.UUIDField(),
        "project_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "flavor": fields.ObjectField("Flavor", nullable=False),
        "image": fields.ObjectField("ImageMeta", nullable=True),
        "num_instances": fields.IntegerField(default=1),
        "availability_zone": fields.StringField(nullable=True),
        "ignore_hosts": fields.ListOfStringsField(nullable=True),
        "force_hosts": fields.ListOfStringsField(nullable=True),
        "force_nodes": fields.ListOfStringsField(nullable=True),
        "scheduler_hints": fields.DictOfListOfStringsField(nullable=True),
        "instance_group": fields.ObjectField("InstanceGroup", nullable=True),
        "security_groups": fields.ListOfStringsField(nullable=True),
        "is_bfv": fields.BooleanField(default=False),
        "requested_destination": fields.ObjectField("Destination", nullable=True,
                                                    default=None),
        "retry": fields.ObjectField("SchedulerRetries", nullable=True),
        "limits": fields.ObjectField("SchedulerLimits", nullable=True),
        "request_level_params": fields.ObjectField("RequestLevelParams"),
        # Request groups from outside the flavor (Neutron ports with a
        # resource_request); each becomes its own numbered group in the
        # Placement query and learns the provider(s) that served it.
        "requested_resources": fields.ListOfObjectsField("RequestGroup", nullable=True,
                                                         default=None),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop("requested_resources", None)

    @property
    def maps_requested_resources(self):
        """True when some request group needs the providers it lands on recorded."""
        return bool(self.obj_attr_is_set("requested_resources")
                    and self.requested_resources)

    def get_request_group_mapping(self):
        """{requester_id: [provider uuids]} of the request groups (None without any)."""
        if not self.obj_attr_is_set("requested_resources") or \
                self.requested_resources is None:
            return None
        return {group.requester_id: list(group.provider_uuids or [])
                for group in self.requested_resources}

    # The flavor's sizes, as the filters read them.
    @property
    def vcpus(self):
        return self.flavor.vcpus

    @property
    def memory_mb(self):
        return self.flavor.memory_mb

    @property
    def root_gb(self):
        return self.flavor.root_gb

    @property
    def ephemeral_gb(self):
        return self.flavor.ephemeral_gb

    @property
    def swap(self):
        return self.flavor.swap

    def obj_load_attr(self, attrname):
        # Fields that older or partial specs may lack read as empty, not as errors.
        empty = {"request_level_params": lambda: RequestLevelParams(),
                 "is_bfv": lambda: False, "security_groups": list}
        if attrname in empty:
            setattr(self, attrname, empty[attrname]())
            self.obj_reset_changes([attrname])
            return
        if attrname in self.fields and self.fields[attrname].nullable:
            setattr(self, attrname, None)
            self.obj_reset_changes([attrname])
            return
        raise exception.ObjectActionError(
            action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)

    # -- building one ------------------------------------------------------

    def _image_meta_from_image(self, image):
        if isinstance(image, image_meta_obj.ImageMeta):
            self.image = image
        elif isinstance(image, dict):
            self.image = image_meta_obj.ImageMeta.from_dict(image)
        else:
            self.image = None

    def _from_hints(self, hints):
        hints = hints or {}
        self.scheduler_hints = {
            name: [str(v) for v in value] if isinstance(value, (list, tuple))
            else [str(value)]
            for name, value in hints.items()}

    def _populate_group_info(self, filter_properties):
        group = filter_properties.get("instance_group")
        if group:
            self.instance_group = group
        elif filter_properties.get("group_updated") is True:
            policies = list(filter_properties.get("group_policies") or [])
            self.instance_group = instance_group_obj.InstanceGroup(
                policy=policies[0] if policies else None,
                hosts=list(filter_properties.get("group_hosts") or []),
                members=list(filter_properties.get("group_members") or []))
            if filter_properties.get("group_uuid"):
                self.instance_group.uuid = filter_properties["group_uuid"]
            self.instance_group.obj_reset_changes(["hosts"])
        else:
            self.instance_group = None

    @staticmethod
    def _security_group_names(security_groups):
        names = []
        for group in security_groups or []:
            if isinstance(group, str):
                names.append(group)
            elif isinstance(group, dict):
                names.append(group["name"])
            else:
                names.append(group.name)
        return names

    @classmethod
    def from_components(cls, context, instance_uuid, image, flavor, numa_topology=None,
                        pci_requests=None, filter_properties=None, instance_group=None,
                        availability_zone=None, security_groups=None, project_id=None,
                        user_id=None, port_resource_requests=None,
                        request_level_params=None):
        """A new spec for one instance (numa_topology/pci_requests are not modelled)."""
        filter_properties = filter_properties or {}
        spec = cls(context)
        spec.num_instances = 1
        spec.instance_uuid = instance_uuid
        spec.instance_group = instance_group
        if instance_group is None:
            spec._populate_group_info(filter_properties)
        spec.project_id = project_id or context.project_id
        spec.user_id = user_id or context.user_id
        spec._image_meta_from_image(image)
        spec.flavor = flavor
        spec.retry = SchedulerRetries.from_dict(filter_properties.get("retry"))
        spec.limits = SchedulerLimits.from_dict(filter_properties.get("limits"))
        spec._from_hints(filter_properties.get("scheduler_hints"))
        spec.availability_zone = availability_zone
        if security_groups is not None:
            spec.security_groups = cls._security_group_names(security_groups)
        spec.requested_destination = filter_properties.get("requested_destination")
        spec.ignore_hosts = filter_properties.get("ignore_hosts")
        spec.force_hosts = filter_properties.get("force_hosts")
        spec.force_nodes = filter_properties.get("force_nodes")
        spec.request_level_params = request_level_params or RequestLevelParams()
        spec.requested_resources = [group.obj_clone() for group in
                                    port_resource_requests or []]
        spec.obj_set_defaults()
        return spec

    def ensure_project_and_user_id(self, instance):
        if "project_id" not in self or self.project_id is None:
            self.project_id = instance.project_id
        if "user_id" not in self or self.user_id is None:
            self.user_id = instance.user_id

    def get_scheduler_hint(self, hint_name, default=None):
        """A hint's value: the bare value when it holds a single item."""
        if not self.obj_attr_is_set("scheduler_hints") or not self.scheduler_hints:
            return default
        value = self.scheduler_hints.get(hint_name, default)
        if isinstance(value, list) and len(value) == 1:
            return value[0]
        return value

    def reset_forced_destinations(self):
        """Forget forced hosts/nodes for this attempt without persisting that."""
        self.force_hosts = None
        self.force_nodes = None
        self.obj_reset_changes(["force_hosts", "force_nodes"])

    def to_legacy_filter_properties_dict(self):
        """The filter_properties dict older interfaces (compute builds) take."""
        props = {}
        for name in ("ignore_hosts", "force_hosts", "force_nodes"):
            if self.obj_attr_is_set(name) and getattr(self, name):
                props[name] = getattr(self, name)
        if self.obj_attr_is_set("retry") and self.retry:
            props["retry"] = self.retry.to_dict()
        if self.obj_attr_is_set("limits") and self.limits:
            props["limits"] = self.limits.to_dict()
        if self.obj_attr_is_set("instance_group") and self.instance_group:
            group = self.instance_group
            props["group_updated"] = True
            props["group_policies"] = set(group.policies)
            props["group_hosts"] = set(group.hosts or []) if "hosts" in group else set()
            props["group_members"] = set(group.members or [])
            if "uuid" in group:
                props["group_uuid"] = group.uuid
        if self.obj_attr_is_set("scheduler_hints") and self.scheduler_hints:
            props["scheduler_hints"] = {name: self.get_scheduler_hint(name)
                                        for name in self.scheduler_hints}
        if self.obj_attr_is_set("requested_destination") and self.requested_destination:
            props["requested_destination"] = self.requested_destination
        return props

    def to_legacy_request_spec_dict(self):
        """The request_spec dict of older interfaces."""
        spec = {"num_instances": self.num_instances if "num_instances" in self else 1}
        if self.obj_attr_is_set("image") and self.image:
            spec["image"] = self.image.to_dict()
        if self.obj_attr_is_set("flavor"):
            spec["instance_type"] = self.flavor
        props = {}
        for name, key in (("project_id", "project_id"), ("user_id", "user_id"),
                          ("availability_zone", "availability_zone"),
                          ("instance_uuid", "uuid")):
            if self.obj_attr_is_set(name):
                props[key] = getattr(self, name)
        spec["instance_properties"] = props
        return spec

    # -- persistence -------------------------------------------------------

    def _get_update_primitives(self):
        """The row values for the current state, or None when nothing changed."""
        updates = self.obj_get_changes()
        if not updates:
            return None
        spec = self.obj_clone()
        for name in NOT_PERSISTED:
            setattr(spec, name, None)
        if spec.obj_attr_is_set("instance_group") and spec.instance_group:
            # A reference only; members and hosts go stale at once.
            spec.instance_group.members = None
            spec.instance_group.hosts = None
        values = {"spec": jsonutils.dumps(spec.obj_to_primitive())}
        if "instance_uuid" in updates:
            values["instance_uuid"] = updates["instance_uuid"]
        return values

    @staticmethod
    def _from_db_object(context, spec, db_spec):
        stored = RequestSpec.obj_from_primitive(jsonutils.loads(db_spec["spec"]))
        for name in spec.fields:
            if name in ("id", "instance_uuid"):
                setattr(spec, name, db_spec[name])
            elif name in NOT_PERSISTED:
                # Keep what the caller set for this attempt; never loaded.
                if not spec.obj_attr_is_set(name):
                    setattr(spec, name, None)
            elif stored.obj_attr_is_set(name):
                setattr(spec, name, getattr(stored, name))
        spec._context = context
        if spec.obj_attr_is_set("instance_group") and spec.instance_group:
            group_uuid = (spec.instance_group.uuid if "uuid" in spec.instance_group
                          else spec.get_scheduler_hint("group"))
            try:
                spec.instance_group = instance_group_obj.InstanceGroup.get_by_uuid(
                    context, group_uuid)
            except exception.InstanceGroupNotFound:
                # The group was deleted after the request was made.
                spec.instance_group = None
        spec.obj_reset_changes(recursive=True)
        return spec

    @base.remotable_classmethod
    def get_by_instance_uuid(cls, context, instance_uuid):
        return cls._from_db_object(context, cls(),
                                   db.request_spec_get_by_instance_uuid(context, instance_uuid))

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        if not self.obj_attr_is_set("instance_uuid"):
            raise exception.ObjectActionError(action="create",
                                              reason="instance_uuid must be set")
        values = self._get_update_primitives()
        self._from_db_object(self._context, self, db.request_spec_create(self._context, values))

    @base.remotable
    def save(self):
        values = self._get_update_primitives()
        if values:
            row = db.request_spec_update(self._context, self.id, values)
            self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        db.request_spec_destroy(self._context, self.instance_uuid)

    @base.remotable_classmethod
    def destroy_bulk(cls, context, instance_uuids):
        return db.request_spec_destroy_bulk(context, instance_uuids)

    @classmethod
    def get_zones_and_hints(cls, context, instance_uuids):
        """{instance uuid: SpecZoneAndHints or None} of these instances, in one query.

        Only these two fields of each spec are read, from the stored primitive
        rather than by building the whole RequestSpec object tree (a server
        listing shows them). A spec that cannot be read is logged and None.
        Read in the API process: not remotable.
        """
        specs = dict.fromkeys(instance_uuids, None)
        if not specs:
            return specs
        data_key = cls._obj_primitive_key("data")
        for uuid, text in db.request_spec_texts_by_instance_uuids(context, list(specs)):
            try:
                specs[uuid] = SpecZoneAndHints.from_data(jsonutils.loads(text)[data_key])
            except Exception as exc:  # an unreadable spec must not fail a listing
                LOG.warning("Could not read the request spec of %s: %s", uuid, exc)
        return specs


class SpecZoneAndHints:
    """The availability zone and scheduler hints of a stored request spec."""

    __slots__ = ("availability_zone", "scheduler_hints")

    def __init__(self, availability_zone, scheduler_hints):
        self.availability_zone = availability_zone
        self.scheduler_hints = scheduler_hints

    @classmethod
    def from_data(cls, data):
        """From the ``nova_object.data`` of a stored RequestSpec primitive."""
        hints = data.get("scheduler_hints")
        return cls(data.get("availability_zone"), None if hints is None else {
            key: list(values) for key, values in hints.items()})


@base.NovaObjectRegistry.register
class Destination(base.NovaObject):
    """Where an operator asked an instance to go (a host, a node, a cell)."""
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "host": fields.StringField(),
        "node": fields.StringField(nullable=True),
        "cell": fields.ObjectField("CellMapping", nullable=True),
        # Each entry is a comma-separated list of aggregate UUIDs, one of which
        # the chosen host must be in.
        "aggregates": fields.ListOfStringsField(nullable=True, default=None),
        "forbidden_aggregates": fields.SetOfStringsField(nullable=True, default=None),
        "allow_cross_cell_move": fields.BooleanField(default=False),
    }

    def obj_load_attr(self, attrname):
        if attrname in self.fields and self.fields[attrname].nullable:
            setattr(self, attrname, None)
            self.obj_reset_changes([attrname])
            return
        raise exception.ObjectActionError(
            action="obj_load_attr", reason="attribute %s not lazy-loadable" % attrname)

    def require_aggregates(self, aggregates):
        """The host must be in at least one of ``aggregates``."""
        self.aggregates = list(self.aggregates or []) + [",".join(aggregates)]

    def append_forbidden_aggregates(self, forbidden_aggregates):
        self.forbidden_aggregates = set(self.forbidden_aggregates or ()) | set(
            forbidden_aggregates)


@base.NovaObjectRegistry.register
class SchedulerRetries(base.NovaObject):
    """Attempts made so far and the [host, node] pairs already tried."""
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "num_attempts": fields.IntegerField(),
        "hosts": fields.ObjectField("ComputeNodeList"),
    }

    @classmethod
    def from_dict(cls, retry):
        """From the legacy {'num_attempts': n, 'hosts': [[host, node], ...]}."""
        if not retry:
            return None
        from nova.objects import compute_node
        nodes = [compute_node.ComputeNode(host=host, hypervisor_hostname=node)
                 for host, node in retry.get("hosts", [])]
        return cls(num_attempts=retry.get("num_attempts", 0),
                   hosts=compute_node.ComputeNodeList(objects=nodes))

    def to_dict(self):
        return {"num_attempts": self.num_attempts,
                "hosts": [[n.host, n.hypervisor_hostname] for n in self.hosts]}


@base.NovaObjectRegistry.register
class SchedulerLimits(base.NovaObject):
    """Oversubscription limits the chosen host's resources are claimed against."""
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "vcpu": fields.IntegerField(nullable=True, default=None),
        "disk_gb": fields.IntegerField(nullable=True, default=None),
        "memory_mb": fields.IntegerField(nullable=True, default=None),
    }

    @classmethod
    def from_dict(cls, limits):
        limits = limits or {}
        obj = cls(**{k: limits[k] for k in cls.fields if k in limits})
        obj.obj_set_defaults()
        return obj

    def to_dict(self):
        return {name: getattr(self, name) for name in self.fields
                if self.obj_attr_is_set(name) and getattr(self, name) is not None}


@base.NovaObjectRegistry.register
class RequestLevelParams(base.NovaObject):
    """Placement query parameters that apply to the whole request."""
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "root_required": fields.SetOfStringsField(default=set()),
        "root_forbidden": fields.SetOfStringsField(default=set()),
        "same_subtree": fields.ListOfListsOfStringsField(default=[]),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj_set_defaults()

    @classmethod
    def from_port_request(cls, port_resource_request):
        """The request-wide parameters of a port's (extended) resource_request."""
        same_subtree = (port_resource_request or {}).get("same_subtree")
        # One port names one set of its groups that share a subtree.
        return cls(same_subtree=[list(same_subtree)] if same_subtree else [])

    def extend_with(self, other):
        """AND ``other``'s requirements into these."""
        self.root_required = set(self.root_required) | set(other.root_required)
        self.root_forbidden = set(self.root_forbidden) | set(other.root_forbidden)
        self.same_subtree = list(self.same_subtree) + list(other.same_subtree)


@base.NovaObjectRegistry.register
class RequestGroup(base.NovaObject):
    """Resources one provider must give, asked by something other than the flavor.

    A Neutron port's resource_request is one (legacy format) or several
    (extended format) such groups. ``requester_id`` names the asker (the
    port UUID, or the request group id of the extended format); it is also
    the group's suffix in the Placement query, so the allocation candidate's
    ``mappings`` tell which providers serve it (``provider_uuids``).
    """
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "use_same_provider": fields.BooleanField(default=True),
        "resources": fields.DictOfIntegersField(default={}),
        "required_traits": fields.SetOfStringsField(default=set()),
        "forbidden_traits": fields.SetOfStringsField(default=set()),
        # Each entry is a list of aggregate UUIDs; the provider must be in one
        # of every entry.
        "aggregates": fields.ListOfListsOfStringsField(default=[]),
        "forbidden_aggregates": fields.SetOfStringsField(default=set()),
        "requester_id": fields.StringField(nullable=True, default=None),
        "provider_uuids": fields.ListOfUUIDField(default=[]),
        "in_tree": fields.UUIDField(nullable=True, default=None),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.obj_set_defaults()

    @classmethod
    def _from_neutron_group(cls, requester_id, group):
        traits = list(group.get("required") or [])
        return cls(requester_id=requester_id, use_same_provider=True,
                   resources={rc: int(amount)
                              for rc, amount in (group.get("resources") or {}).items()},
                   required_traits={t for t in traits if not t.startswith("!")},
                   forbidden_traits={t[1:] for t in traits if t.startswith("!")})

    @classmethod
    def from_port_request(cls, port_uuid, port_resource_request):
        """The one group of a legacy resource_request ({"resources", "required"})."""
        return cls._from_neutron_group(port_uuid, port_resource_request)

    @classmethod
    def from_extended_port_request(cls, port_resource_request):
        """The groups of an extended resource_request ({"request_groups": [{"id",
        "resources", "required"}], "same_subtree": [ids]})."""
        return [cls._from_neutron_group(group["id"], group)
                for group in port_resource_request.get("request_groups") or []]

    def is_empty(self):
        return not (self.resources or self.required_traits or self.forbidden_traits
                    or self.aggregates or self.forbidden_aggregates)
