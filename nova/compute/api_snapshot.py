"""API-side snapshots, console log and diagnostics of existing servers.

createImage creates the image record first (queued, with the properties
upstream gives a snapshot), sets task_state image_snapshot_pending, records
the action and casts snapshot_instance to the server's host. The console log
and the diagnostics are RPC calls to the host, answered by the driver.
"""

from oslo_log import log as logging

from nova.compute import api_actions
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception

LOG = logging.getLogger(__name__)

# States a server can be snapshotted in (an image-backed one, as upstream).
SNAPSHOT_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.PAUSED,
                      vm_states.SUSPENDED]

# Image properties a snapshot never inherits from the server's image:
# upstream's [DEFAULT] non_inheritable_image_properties defaults, the image
# signature (the snapshot's data is not what was signed) and what the image
# service itself owns or the snapshot sets anew.
NON_INHERITABLE_PROPERTIES = (
    "cache_in_nova", "bittorrent",
    "img_signature", "img_signature_hash_method", "img_signature_key_type",
    "img_signature_certificate_uuid",
    "base_image_ref", "image_type", "instance_uuid", "user_id")
_NON_INHERITABLE_PREFIXES = ("os_glance",)

# System metadata image_<name> keys that are image attributes, not properties.
_IMAGE_ATTRS = ("min_ram", "min_disk", "disk_format", "container_format")


class ComputeNotAnswering(exception.NovaException):
    """A call to the server's compute host that cannot be answered now."""
    msg_fmt = ("The compute service of host %(host)s is down or did not answer in "
               "time; try again later.")
    code = 409


def _reject_task_states(*states):
    """Refuse (InstanceInvalidState) while the server is in one of ``states``."""
    def decorator(func):
        def wrapper(self, context, instance, *args, **kwargs):
            if instance.task_state in states:
                raise exception.InstanceInvalidState(
                    attr="task_state", instance_uuid=instance.uuid,
                    state=instance.task_state, method=func.__name__)
            return func(self, context, instance, *args, **kwargs)
        wrapper.__name__ = func.__name__
        wrapper.__doc__ = func.__doc__
        return wrapper
    return decorator


def snapshot_image_meta(context, instance, name, extra_properties=None):
    """The image dict of a new snapshot of ``instance`` (as upstream builds it).

    The server's image attributes and properties (kept in its system
    metadata as image_<name>) are inherited, minus NON_INHERITABLE_PROPERTIES
    and os_glance*; then the user's ``extra_properties``, and image_type,
    instance_uuid, base_image_ref (the image the server was built from) and
    user_id (who asked) are set. The image belongs to the server's project
    (``owner``) and is private.
    """
    image = {"name": name, "owner": instance.project_id, "visibility": "private",
             "properties": {}}
    system_metadata = instance.system_metadata or {}
    for key, value in system_metadata.items():
        if not key.startswith("image_") or value is None:
            continue
        prop = key[len("image_"):]
        if prop in _IMAGE_ATTRS:
            if prop in ("min_ram", "min_disk"):
                try:
                    image[prop] = int(value)
                except ValueError:
                    pass
            else:
                image[prop] = value
            continue
        if prop in NON_INHERITABLE_PROPERTIES or prop.startswith(_NON_INHERITABLE_PREFIXES):
            continue
        image["properties"][prop] = value
    image["properties"].update(extra_properties or {})
    image["properties"].update({
        "image_type": "snapshot", "instance_uuid": instance.uuid,
        "user_id": str(context.user_id)})
    base_image_ref = system_metadata.get("image_base_image_ref") or instance.image_ref
    if base_image_ref:
        image["properties"]["base_image_ref"] = base_image_ref
    return image


class SnapshotOperations:
    """Mixin of compute.api.API: images, console log and diagnostics of servers."""

    @property
    def _images(self):
        if getattr(self, "_snapshot_image_api", None) is None:
            from nova.image import api as image_api
            self._snapshot_image_api = image_api.API()
        return self._snapshot_image_api

    @check_instance_lock
    @check_instance_state(vm_state=SNAPSHOT_VM_STATES, method="createImage")
    @api_actions.check_instance_host
    def snapshot(self, context, instance, name, extra_properties=None):
        """Snapshot the server as a new image named ``name``; the image dict.

        MetadataLimitExceeded (403) when ``extra_properties`` are more than
        the metadata_items quota allows; ComputeNotAnswering (409) when the
        server's compute service is down.
        """
        extra_properties = dict(extra_properties or {})
        self._check_metadata_quota(context, extra_properties)
        # Before the image exists: a cap below 6.5 refuses (409) with nothing made.
        self.compute_rpcapi.check_instance_action(
            "snapshot_instance", version=self.compute_rpcapi.GUEST_VERSION)
        # A compute that is down would leave the server in a task state no one
        # clears, and a queued image behind: refuse now.
        if not self._compute_is_up(context, instance):
            raise ComputeNotAnswering(host=instance.host)
        image = self._images.create(
            context, snapshot_image_meta(context, instance, name, extra_properties))
        instance.task_state = task_states.IMAGE_SNAPSHOT_PENDING
        try:
            instance.save(expected_task_state=[None])
        except (exception.InstanceNotFound, exception.UnexpectedTaskStateError) as exc:
            self._delete_image_quietly(context, image["id"])
            if isinstance(exc, exception.InstanceNotFound):
                raise
            raise exception.InstanceInvalidState(
                attr="task_state", instance_uuid=instance.uuid,
                state=exc.kwargs.get("actual"), method="createImage")
        self._record_action(context, instance, "createImage")
        self.compute_rpcapi.snapshot_instance(instance._context, instance,
                                              image_id=image["id"])
        return image

    def _delete_image_quietly(self, context, image_id):
        try:
            self._images.delete(context, image_id)
        except Exception:
            LOG.exception("Could not delete image %s", image_id)

    def image_url(self, context, image_id):
        """The URL of image ``image_id`` (createImage's Location header)."""
        return self._images.generate_image_url(context, image_id)

    def _call_host(self, context, instance, call, **kwargs):
        """``call`` the server's compute; ComputeNotAnswering (409) when that
        service is down, without waiting. A call that times out raises
        nova.rpc.RPCTimeout (the API's one timeout fault)."""
        self.compute_rpcapi.check_instance_action(
            call.__name__, version=self.compute_rpcapi.GUEST_VERSION)
        if not self._compute_is_up(context, instance):
            raise ComputeNotAnswering(host=instance.host)
        return call(instance._context or context, instance, **kwargs)

    @api_actions.check_instance_host
    @_reject_task_states(task_states.DELETING, task_states.MIGRATING)
    def get_console_output(self, context, instance, tail_length=None):
        """The last ``tail_length`` lines of the server's serial log (None: all)."""
        return self._call_host(context, instance, self.compute_rpcapi.get_console_output,
                               tail_length=tail_length)

    @api_actions.check_instance_host
    def get_diagnostics(self, context, instance):
        """The hypervisor's free-form diagnostics of the server (before 2.48)."""
        return self._call_host(context, instance, self.compute_rpcapi.get_diagnostics)

    @api_actions.check_instance_host
    def get_instance_diagnostics(self, context, instance):
        """The standard diagnostics of the server (2.48) as a dict."""
        return self._call_host(context, instance,
                               self.compute_rpcapi.get_instance_diagnostics)
