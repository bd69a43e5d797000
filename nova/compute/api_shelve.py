"""API-side shelve, shelveOffload, unshelve and createBackup of servers.

Each checks the lock and the server's state (409 otherwise), creates the
image a compute will upload into where there is one (``<server>-shelved``,
or the backup), sets the task state the compute expects, records the
action and casts. Unshelve goes through the conductor, which schedules an
offloaded server again. A server whose compute is down is refused (409)
before any image exists, so nothing is left behind.
"""

from oslo_log import log as logging

from nova import availability_zones
from nova.compute import api_actions
from nova.compute import api_snapshot
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

SHELVE_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                    vm_states.SUSPENDED]
BACKUP_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                    vm_states.SUSPENDED]

# unshelve(new_az=...) when the request did not name a zone.
NOT_GIVEN = object()


class UnshelveToZoneRefused(exception.NovaException):
    msg_fmt = ("Specifying an availability zone or a host when unshelving server "
               "%(instance_uuid)s with status %(state)s is not supported. The server "
               "status must be SHELVED_OFFLOADED.")
    code = 409


class HostNotInZone(exception.Invalid):
    msg_fmt = 'Host "%(host)s" is not in the availability zone "%(availability_zone)s".'


def _is_volume_backed(instance):
    return not instance.image_ref


class ShelveOperations:
    """Mixin of compute.api.API: parking servers and backing them up."""

    @property
    def compute_task_api(self):
        if getattr(self, "_compute_task_api", None) is None:
            from nova.conductor import api as conductor_api
            self._compute_task_api = conductor_api.ComputeTaskAPI()
        return self._compute_task_api

    def _refuse_when_compute_down(self, context, instance, method):
        """Check the RPC cap and that the host's compute is up, before any image exists."""
        self.compute_rpcapi.check_instance_action(
            method, version=self.compute_rpcapi.PARKING_VERSION)
        if not self._compute_is_up(context, instance):
            raise api_snapshot.ComputeNotAnswering(host=instance.host)

    def _start_task(self, context, instance, task_state, action, image_id=None):
        """Set ``task_state`` (only from no task) and record ``action``; the
        image is deleted again when the server's state changed meanwhile."""
        instance.task_state = task_state
        try:
            instance.save(expected_task_state=[None])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
            if image_id:
                self._delete_image_quietly(context, image_id)
            if isinstance(exc, exception.InstanceNotFound):
                raise
            raise exception.InstanceInvalidState(
                attr="task_state", instance_uuid=instance.uuid,
                state=exc.kwargs.get("actual"), method=action)
        self._record_action(context, instance, action)

    # -- shelve -----------------------------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=SHELVE_VM_STATES, method="shelve")
    @api_actions.check_instance_host
    def shelve(self, context, instance, clean_shutdown=True):
        """Shelve the server: snapshot ``<name>-shelved`` (none when volume-backed),
        SHELVED, then offloaded as [DEFAULT] shelved_offload_time says."""
        self._refuse_when_compute_down(context, instance, "shelve_instance")
        if _is_volume_backed(instance):
            self._start_task(context, instance, task_states.SHELVING, "shelve")
            self.compute_rpcapi.shelve_offload_instance(instance._context, instance,
                                                        clean_shutdown=clean_shutdown)
            return None
        image = self._images.create(context, api_snapshot.snapshot_image_meta(
            context, instance, "%s-shelved" % instance.display_name))
        self._start_task(context, instance, task_states.SHELVING, "shelve", image["id"])
        self.compute_rpcapi.shelve_instance(instance._context, instance,
                                            image_id=image["id"],
                                            clean_shutdown=clean_shutdown)
        return image

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SHELVED], method="shelveOffload")
    @api_actions.check_instance_host
    def shelve_offload(self, context, instance, clean_shutdown=True):
        """Remove a SHELVED server from its host now."""
        self._refuse_when_compute_down(context, instance, "shelve_offload_instance")
        self._start_task(context, instance, task_states.SHELVING_OFFLOADING, "shelveOffload")
        self.compute_rpcapi.shelve_offload_instance(instance._context, instance,
                                                    clean_shutdown=clean_shutdown)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.SHELVED, vm_states.SHELVED_OFFLOADED],
                          method="unshelve")
    def unshelve(self, context, instance, new_az=NOT_GIVEN, host=None):
        """Unshelve through the conductor. ``new_az``: the zone to schedule to
        (2.77), None to unpin the server from its zone (2.91); ``host``: the
        compute host to unshelve on (2.91, admin)."""
        self.compute_task_api.conductor_compute_rpcapi.router.prepare(
            "unshelve_instance", version="1.3")
        az_given = new_az is not NOT_GIVEN
        if (az_given or host) and instance.vm_state != vm_states.SHELVED_OFFLOADED:
            raise UnshelveToZoneRefused(instance_uuid=instance.uuid,
                                        state=instance.vm_state)
        request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        if az_given and new_az is not None:
            self._check_availability_zone(context, new_az)
        zone = new_az if az_given else (request_spec.availability_zone
                                        if "availability_zone" in request_spec else None)
        if host:
            node = self._unshelve_destination(context, host)
            host_zone = availability_zones.get_host_availability_zone(context, host)
            if zone and host_zone != zone:
                raise HostNotInZone(host=host, availability_zone=zone)
            request_spec.requested_destination = objects.Destination(host=host, node=node)
        if az_given:
            request_spec.availability_zone = new_az
            request_spec.save()
            if new_az is None:
                instance.availability_zone = None
        self._start_task(context, instance, task_states.UNSHELVING, "unshelve")
        self.compute_task_api.unshelve_instance(instance._context or context, instance,
                                                request_spec=request_spec)

    @staticmethod
    def _unshelve_destination(context, host):
        """The node of compute ``host`` (ComputeHostNotFound, a 400 here)."""
        try:
            mapping = objects.HostMapping.get_by_host(context, host)
        except exception.HostMappingNotFound:
            raise exception.ComputeHostNotFound(host=host)
        with nova_context.target_cell(context, mapping.cell_mapping) as cctxt:
            nodes = objects.ComputeNodeList.get_all_by_host(cctxt, host)
        if not nodes:
            raise exception.ComputeHostNotFound(host=host)
        return nodes[0].hypervisor_hostname if len(nodes) == 1 else None

    def delete_shelved_image(self, context, instance):
        """A shelved server is being deleted: its shelved image goes too."""
        if instance.vm_state not in (vm_states.SHELVED, vm_states.SHELVED_OFFLOADED):
            return
        image_id = (instance.system_metadata or {}).get("shelved_image_id")
        if not image_id:
            return
        try:
            self._images.delete(context, image_id)
        except exception.ImageNotFound:
            pass
        except Exception:
            LOG.exception("Could not delete shelved image %s of %s", image_id,
                          instance.uuid)

    # -- createBackup ---------------------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=BACKUP_VM_STATES, method="createBackup")
    @api_actions.check_instance_host
    def backup(self, context, instance, name, backup_type, rotation,
               extra_properties=None, check_metadata_quota=True):
        """Back the server up as image ``name``; keep the newest ``rotation``
        backups of ``backup_type``. The image dict.

        ``check_metadata_quota``: ``extra_properties`` count against the
        metadata_items quota (MetadataLimitExceeded, 403); the API stops
        checking from 2.39 as upstream.
        """
        if _is_volume_backed(instance):
            raise exception.InvalidRequest(
                "Backup is not supported for volume-backed instances.")
        extra_properties = dict(extra_properties or {})
        if check_metadata_quota:
            self._check_metadata_quota(context, extra_properties)
        self._refuse_when_compute_down(context, instance, "backup_instance")
        meta = api_snapshot.snapshot_image_meta(
            context, instance, name, dict(extra_properties, backup_type=backup_type))
        meta["properties"]["image_type"] = "backup"
        image = self._images.create(context, meta)
        self._start_task(context, instance, task_states.IMAGE_BACKUP, "createBackup",
                         image["id"])
        self.compute_rpcapi.backup_instance(instance._context, instance, image["id"],
                                            backup_type, rotation)
        return image
