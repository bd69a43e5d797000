"""API-side creation of servers: checks, then build requests handed to the conductor.

Everything that can be refused is refused here, before anything is written:
the flavor, the image (active, small enough for the flavor), the key pair,
the availability zone (and a forced host), the networks, the server group and
the quotas. Then each instance gets a RequestSpec, a BuildRequest (the
instance as the API shows it until a cell holds it) and an InstanceMapping
with no cell, and the conductor is asked to schedule and build them all.
"""

import base64
import binascii
import json
import re

from oslo_log import log as logging
from oslo_utils import uuidutils

import nova.conf
from nova import availability_zones
from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import transaction

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
MAX_USERDATA_SIZE = 65535

# Image properties copied into system_metadata as image_<name>.
_IMAGE_ATTRS = ("min_ram", "min_disk", "disk_format", "container_format")


def sanitize_hostname(name, default_name=None):
    """A DNS label from a display name (upstream's rules); ``default_name`` if empty."""
    hostname = name.lower()
    hostname = re.sub(r"[ _]", "-", hostname)
    hostname = re.sub(r"[^\w.-]+", "", hostname, flags=re.ASCII)
    hostname = hostname.strip(".-")[:63].strip(".-")
    if not hostname and default_name is not None:
        return sanitize_hostname(default_name)
    return hostname


def _kernel_and_ramdisk(image):
    """(kernel_id, ramdisk_id) a server booted from ``image`` gets: the image's
    kernel_id / ramdisk_id properties (direct kernel boot), or None."""
    properties = image.get("properties") or {}
    return properties.get("kernel_id") or None, properties.get("ramdisk_id") or None


def parse_availability_zone(context, availability_zone):
    """(zone, forced_host, forced_node) from 'zone', 'zone:host' or 'zone:host:node'."""
    if not availability_zone:
        return None, None, None
    parts = availability_zone.split(":")
    if len(parts) > 3:
        raise exception.InvalidInput(
            reason="Invalid availability zone format %s" % availability_zone)
    zone = parts[0] or None
    host = parts[1] if len(parts) > 1 and parts[1] else None
    node = parts[2] if len(parts) > 2 and parts[2] else None
    if host or node:
        context.can("os_compute_api:servers:create:forced_host", target={})
    return zone, host, node


class CreateOperations:
    """Mixin of compute.api.API: creating servers."""

    # -- collaborators (lazy: the read side does not need them) -------------------

    @property
    def image_api(self):
        if getattr(self, "_image_api", None) is None:
            from nova.image import api as image_api
            self._image_api = image_api.API()
        return self._image_api

    @property
    def network_api(self):
        if getattr(self, "_network_api", None) is None:
            from nova.network import api as network_api
            self._network_api = network_api.get_network_api()
        return self._network_api

    @property
    def compute_task_api(self):
        if getattr(self, "_compute_task_api", None) is None:
            from nova.conductor import api as conductor_api
            self._compute_task_api = conductor_api.ComputeTaskAPI()
        return self._compute_task_api

    # -- checks -------------------------------------------------------------------

    def _get_image(self, context, image_ref):
        image = self.image_api.get(context, image_ref)
        if image.get("status") != "active":
            raise exception.ImageNotActive(image_id=image_ref)
        return image

    @staticmethod
    def _check_flavor_fits_image(flavor, image):
        if flavor.disabled:
            raise exception.FlavorNotFound(flavor_id=flavor.flavorid)
        min_ram = int(image.get("min_ram") or 0)
        if min_ram > flavor.memory_mb:
            raise exception.FlavorMemoryTooSmall()
        if flavor.root_gb == 0:
            return
        min_disk = int(image.get("min_disk") or 0)
        if min_disk > flavor.root_gb:
            raise exception.FlavorDiskSmallerThanMinDisk(
                flavor_size=flavor.root_gb * GiB, image_min_disk=min_disk * GiB)
        size = int(image.get("size") or 0)
        if size > flavor.root_gb * GiB:
            raise exception.FlavorDiskSmallerThanImage(
                flavor_size=flavor.root_gb * GiB, image_size=size)

    @staticmethod
    def _check_user_data(user_data):
        if user_data is None:
            return
        if len(user_data) > MAX_USERDATA_SIZE:
            raise exception.InstanceUserDataTooLarge(length=len(user_data),
                                                     maxsize=MAX_USERDATA_SIZE)
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise exception.InstanceUserDataMalformed()

    @staticmethod
    def _check_availability_zone(context, zone):
        if zone is None:
            return
        services = []
        for cell in objects.CellMappingList.get_all(context):
            if cell.is_cell0():
                continue
            with nova_context.target_cell(context, cell) as cctxt:
                services.extend(objects.ServiceList.get_all(cctxt, disabled=None))
        available, _unavailable = availability_zones.get_availability_zones(context,
                                                                            services)
        if zone not in available:
            raise exception.InvalidRequest(
                "The requested availability zone is not available")

    @staticmethod
    def _check_forced_host(context, host, node):
        if host:
            try:
                objects.HostMapping.get_by_host(context, host)
            except exception.HostMappingNotFound:
                raise exception.ComputeHostNotFound(host=host)
        if node and not host:
            for cell in objects.CellMappingList.get_all(context):
                if cell.is_cell0():
                    continue
                with nova_context.target_cell(context, cell) as cctxt:
                    if any(n.hypervisor_hostname == node
                           for n in objects.ComputeNodeList.get_all(cctxt)):
                        return
            raise exception.ComputeHostNotFound(host=node)

    @staticmethod
    def _check_quota(context, flavor, min_count, max_count):
        """The count that fits the quotas (max_count or fewer, at least min_count)."""
        deltas = {"instances": max_count, "cores": max_count * flavor.vcpus,
                  "ram": max_count * flavor.memory_mb}
        try:
            objects.Quotas.check_deltas(context, deltas, context.project_id,
                                        context.user_id,
                                        check_project_id=context.project_id,
                                        check_user_id=context.user_id)
            return max_count
        except exception.OverQuota as exc:
            headroom = exc.kwargs.get("headroom", {})
            per_instance = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb}
            allowed = max_count
            for name, room in headroom.items():
                if room == -1 or name not in per_instance or not per_instance[name]:
                    continue
                allowed = min(allowed, room // per_instance[name])
            if allowed >= min_count and allowed > 0:
                return allowed
            overs = sorted(exc.kwargs.get("overs", []))
            name = overs[0] if overs else "instances"
            usages = exc.kwargs.get("usages", {})
            quotas = exc.kwargs.get("quotas", {})
            requested = min_count * per_instance.get(name, 1)
            raise exception.TooManyInstances(overs=name, req=requested,
                                             used=usages.get(name, 0),
                                             allowed=quotas.get(name, 0))

    @staticmethod
    def _check_metadata(context, metadata):
        if not metadata:
            return
        try:
            objects.Quotas.limit_check(context, metadata_items=len(metadata))
        except exception.OverQuota:
            raise exception.MetadataLimitExceeded(allowed=len(metadata) - 1)

    def _get_group(self, context, hints):
        group_id = (hints or {}).get("group")
        if isinstance(group_id, list):
            group_id = group_id[0] if group_id else None
        if not group_id:
            return None
        try:
            return objects.InstanceGroup.get_by_uuid(context, group_id)
        except exception.InstanceGroupNotFound:
            raise exception.InvalidRequest("Invalid group %s" % group_id)

    # -- create ---------------------------------------------------------------------

    def create(self, context, flavor, image_href, display_name=None,
               display_description=None, hostname=None, key_name=None, user_data=None,
               metadata=None, availability_zone=None, requested_networks=None,
               security_groups=None, config_drive=None, min_count=1, max_count=None,
               scheduler_hints=None, tags=None, requested_host=None,
               requested_hypervisor_hostname=None, admin_password=None,
               access_ip_v4=None, access_ip_v6=None, block_device_mapping=None,
               return_reservation_id=False, trusted_certs=None,
               supports_port_resource_request=False):
        """Accept a server request; ([instances], reservation_id).

        ``supports_port_resource_request``: the caller's microversion (2.72+)
        allows ports with a resource request (e.g. QoS minimum bandwidth).
        """
        max_count = max_count or min_count
        if min_count > max_count:
            raise exception.InvalidInput(reason="min_count must be <= max_count")
        image = self._get_image(context, image_href) if image_href else {}
        if not image:
            raise exception.InvalidInput(reason="An image is required to boot a server "
                                                "(volumes are not supported).")
        self._check_flavor_fits_image(flavor, image)
        for image_id in _kernel_and_ramdisk(image):
            if image_id:    # fail fast: a kernel or ramdisk that is gone is a 400
                self.image_api.get(context, image_id)
        if flavor.root_gb == 0:
            context.can("os_compute_api:servers:create:zero_disk_flavor",
                        target={"project_id": context.project_id})
        self._check_user_data(user_data)
        self._check_metadata(context, metadata)
        key_pair = None
        if key_name is not None:
            key_pair = objects.KeyPair.get_by_name(context, context.user_id, key_name)
        zone, forced_host, forced_node = parse_availability_zone(context,
                                                                 availability_zone)
        self._check_availability_zone(context, zone)
        if requested_host or requested_hypervisor_hostname:
            self._check_forced_host(context, requested_host, requested_hypervisor_hostname)
        if forced_host or forced_node:
            self._check_forced_host(context, forced_host, forced_node)
        networks_allowed = self.network_api.validate_networks(context, requested_networks,
                                                              max_count)
        if networks_allowed is not None and networks_allowed < max_count:
            if networks_allowed < min_count:
                raise exception.PortLimitExceeded()
            max_count = networks_allowed
        port_requests = self.network_api.create_resource_requests(context,
                                                                  requested_networks)
        if port_requests[0] and not supports_port_resource_request:
            raise exception.CreateWithPortResourceRequestOldVersion()
        group = self._get_group(context, scheduler_hints)
        max_count = self._check_quota(context, flavor, min_count, max_count)
        if group is not None:
            self._check_group_quota(context, group, max_count)
        if trusted_certs is None and CONF.glance.verify_glance_signatures and \
                CONF.glance.enable_certificate_validation:
            trusted_certs = list(CONF.glance.default_trusted_certificate_ids) or None
        return self._provision(
            context, flavor, image, max_count, display_name, display_description,
            hostname, key_pair, user_data, metadata or {}, zone, forced_host, forced_node,
            requested_host, requested_hypervisor_hostname, requested_networks,
            security_groups, config_drive, scheduler_hints or {}, tags, admin_password,
            access_ip_v4, access_ip_v6, block_device_mapping, group, trusted_certs,
            port_requests)

    @staticmethod
    def _check_group_quota(context, group, count):
        try:
            objects.Quotas.check_deltas(context, {"server_group_members": count}, group,
                                        context.user_id)
        except exception.OverQuota:
            raise exception.QuotaError(
                message="Quota exceeded, too many servers in group")

    def _provision(self, context, flavor, image, count, display_name,
                   display_description, hostname, key_pair, user_data, metadata, zone,
                   forced_host, forced_node, requested_host, requested_node,
                   requested_networks, security_groups, config_drive, hints, tags,
                   admin_password, access_ip_v4, access_ip_v6, block_device_mapping, group,
                   trusted_certs=None, port_requests=None):
        reservation_id = "r-" + uuidutils.generate_uuid()[:8]
        instances, build_requests, request_specs = [], [], []
        security_groups = security_groups or ["default"]
        # One API-database transaction for every instance's rows: all of them
        # or, when one fails, none (and one commit rather than three each).
        with transaction.api_writer(context):
            for index in range(count):
                instance = self._new_instance(
                    context, flavor, image, index, count, display_name,
                    display_description, hostname, key_pair, user_data, metadata, zone,
                    reservation_id, config_drive, access_ip_v4, access_ip_v6,
                    trusted_certs)
                spec = self._request_spec(context, instance, image, flavor, zone, hints,
                                          group, security_groups, forced_host,
                                          forced_node, requested_host, requested_node,
                                          count, port_requests)
                spec.create()
                request_specs.append(spec)
                bdms = self._block_devices(instance, image, flavor, block_device_mapping)
                tag_list = objects.TagList(objects=[
                    objects.Tag(resource_id=instance.uuid, tag=tag) for tag in tags or []])
                build_request = objects.BuildRequest(
                    context, instance_uuid=instance.uuid, project_id=instance.project_id,
                    instance=instance, block_device_mappings=bdms, tags=tag_list)
                build_request.create()
                build_requests.append(build_request)
                mapping = objects.InstanceMapping(
                    context, instance_uuid=instance.uuid, project_id=instance.project_id,
                    user_id=instance.user_id, cell_mapping=None)
                mapping.create()
                instances.append(instance)
            if group is not None:
                objects.InstanceGroup.add_members(context, group.uuid,
                                                  [i.uuid for i in instances])
        self.compute_task_api.schedule_and_build_instances(
            context, build_requests=build_requests, request_specs=request_specs,
            image=image, admin_password=admin_password, injected_files=[],
            requested_networks=requested_networks,
            block_device_mapping=None, tags=None)
        return instances, reservation_id

    def _new_instance(self, context, flavor, image, index, count, display_name,
                      display_description, hostname, key_pair, user_data, metadata, zone,
                      reservation_id, config_drive, access_ip_v4, access_ip_v6,
                      trusted_certs=None):
        uuid = uuidutils.generate_uuid()
        instance = objects.Instance(context)
        instance.uuid = uuid
        instance.user_id = context.user_id
        instance.project_id = context.project_id
        instance.image_ref = image.get("id")
        instance.flavor = flavor
        instance.old_flavor = None
        instance.new_flavor = None
        instance.instance_type_id = flavor.id
        instance.memory_mb = flavor.memory_mb
        instance.vcpus = flavor.vcpus
        instance.root_gb = flavor.root_gb
        instance.ephemeral_gb = flavor.ephemeral_gb
        name = display_name if display_name is not None else "Server %s" % uuid
        default_hostname = "Server-%s" % uuid
        if count > 1:
            name = "%s-%d" % (name, index + 1)
            instance.hostname = (sanitize_hostname(name, default_hostname)
                                 if hostname is None else hostname)
        else:
            instance.hostname = (hostname if hostname is not None
                                 else sanitize_hostname(name, default_hostname))
        instance.display_name = name
        instance.display_description = display_description
        instance.launch_index = index
        instance.reservation_id = reservation_id
        instance.key_name = key_pair.name if key_pair else None
        instance.key_data = key_pair.public_key if key_pair else None
        instance.keypairs = objects.KeyPairList(objects=[key_pair] if key_pair else [])
        instance.user_data = user_data
        instance.metadata = dict(metadata)
        instance.system_metadata = self._image_system_metadata(image)
        if trusted_certs:
            # Shown as trusted_image_certificates (2.63); a driver that verifies
            # image signatures checks the image against them.
            instance.system_metadata["trusted_image_certificates"] = json.dumps(
                list(trusted_certs))
        instance.availability_zone = zone
        instance.power_state = power_state.NOSTATE
        instance.vm_state = vm_states.BUILDING
        instance.task_state = task_states.SCHEDULING
        instance.config_drive = "True" if config_drive else ""
        instance.access_ip_v4 = access_ip_v4
        instance.access_ip_v6 = access_ip_v6
        instance.locked = False
        instance.progress = 0
        properties = image.get("properties", {})
        instance.os_type = properties.get("os_type")
        instance.kernel_id, instance.ramdisk_id = _kernel_and_ramdisk(image)
        instance.architecture = properties.get("architecture") or properties.get(
            "hw_architecture")
        instance.info_cache = objects.InstanceInfoCache(instance_uuid=uuid,
                                                        network_info="[]")
        instance.tags = objects.TagList()
        return instance

    @staticmethod
    def _image_system_metadata(image):
        values = {}
        for name in _IMAGE_ATTRS:
            if image.get(name) is not None:
                values["image_%s" % name] = str(image[name])
        for key, value in (image.get("properties") or {}).items():
            values["image_%s" % key] = str(value)[:255] if value is not None else None
        values["image_base_image_ref"] = image.get("id")
        return values

    @staticmethod
    def _request_spec(context, instance, image, flavor, zone, hints, group,
                      security_groups, forced_host, forced_node, requested_host,
                      requested_node, count, port_requests=None):
        filter_properties = {"scheduler_hints": {k: v if isinstance(v, list) else [v]
                                                 for k, v in hints.items()},
                             "instance_type": flavor}
        if forced_host:
            filter_properties["force_hosts"] = [forced_host]
        if forced_node:
            filter_properties["force_nodes"] = [forced_node]
        if requested_host or requested_node:
            filter_properties["requested_destination"] = objects.Destination(
                host=requested_host, node=requested_node)
        spec = objects.RequestSpec.from_components(
            context, instance.uuid, image, flavor, filter_properties=filter_properties,
            instance_group=group, availability_zone=zone,
            security_groups=security_groups, project_id=instance.project_id,
            user_id=instance.user_id,
            port_resource_requests=port_requests[0] if port_requests else None,
            request_level_params=port_requests[1].obj_clone() if port_requests else None)
        spec.num_instances = count
        return spec

    @staticmethod
    def _block_devices(instance, image, flavor, requested):
        """The instance's block devices: the image as its root disk, plus
        requested blank local disks (ephemeral/swap)."""
        def bdm(**values):
            blank = dict.fromkeys(("volume_id", "snapshot_id", "volume_size", "volume_type",
                                   "device_name", "guest_format", "disk_bus", "tag",
                                   "connection_info", "attachment_id", "image_id"))
            blank.update(values)
            return objects.BlockDeviceMapping(instance_uuid=instance.uuid,
                                              uuid=uuidutils.generate_uuid(), **blank)

        bdms = [bdm(source_type="image", destination_type="local",
                    image_id=image.get("id"), boot_index=0, delete_on_termination=True,
                    device_type="disk")]
        for item in requested or []:
            if item.get("source_type") == "image" and item.get("boot_index") in (0, "0"):
                continue
            bdms.append(bdm(
                source_type="blank", destination_type="local", boot_index=None,
                guest_format=item.get("guest_format"),
                volume_size=int(item["volume_size"]) if item.get("volume_size") else None,
                delete_on_termination=True, device_type=item.get("device_type", "disk"),
                device_name=item.get("device_name"), tag=item.get("tag")))
        return objects.BlockDeviceMappingList(objects=bdms)
