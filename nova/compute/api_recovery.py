"""API-side recovery of servers: rebuild, rescue/unrescue, changePassword,
os-resetState and injectNetworkInfo.

Each checks the server's lock and state (409s), sets the task state the
compute expects, records the instance action and casts (or, for the
password, calls) to the server's host. A rebuild goes through the conductor,
which first asks the scheduler whether the host can run a new image.
"""

import json

from oslo_log import log as logging
import oslo_messaging as messaging

from nova.compute import api_actions
from nova.compute import api_snapshot
from nova.compute import task_states
from nova.compute.utils import check_instance_lock
from nova.compute.utils import check_instance_state
from nova.compute import vm_states
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

# States a server can be rebuilt or rescued in (as upstream).
REBUILD_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR]
RESCUE_VM_STATES = [vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR]

# The instance fields a rebuild may change besides its image.
REBUILD_FIELDS = ("display_name", "display_description", "metadata", "access_ip_v4",
                  "access_ip_v6", "auto_disk_config", "user_data", "hostname")

TRUSTED_CERTS_KEY = "trusted_image_certificates"

# os-resetState's states.
RESET_STATES = {"active": vm_states.ACTIVE, "error": vm_states.ERROR}


class RecoveryOperations:
    """Mixin of compute.api.API: rebuilding, rescuing and administering servers."""

    def _check_compute_up(self, context, instance):
        """ComputeNotAnswering (409) before anything is written when the server's
        compute service is down: nobody would clear the task state."""
        if not self._compute_is_up(context, instance):
            raise api_snapshot.ComputeNotAnswering(host=instance.host)

    # -- rebuild ---------------------------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=REBUILD_VM_STATES, method="rebuild")
    @api_actions.check_instance_host
    def rebuild(self, context, instance, image_href, admin_password, files_to_inject=None,
                preserve_ephemeral=False, **updates):
        """Rebuild the server from ``image_href`` on its host.

        ``updates`` may hold REBUILD_FIELDS, ``key_name`` (None removes the
        key pair) and ``trusted_certs`` (None removes them); a field not
        given is kept. ImageNotFound, ImageNotActive, Flavor*Small,
        KeypairNotFound, MetadataLimitExceeded, InstanceUserData* are the
        request's faults (4xx).
        """
        self.compute_rpcapi.check_instance_action("rebuild_instance",
                                                  self.compute_rpcapi.RECOVERY_VERSION)
        self.compute_task_api.check_can_rebuild()
        self._check_compute_up(context, instance)
        image = self._get_image(context, image_href)
        self._check_flavor_fits_image(instance.flavor, image)
        if "metadata" in updates:
            self._check_metadata(context, updates["metadata"])
        if "user_data" in updates:
            self._check_user_data(updates["user_data"])
        key_pair = None
        if updates.get("key_name") is not None:
            key_pair = objects.KeyPair.get_by_name(context, context.user_id,
                                                   updates["key_name"])
        orig_image_ref = instance.image_ref
        orig_sys_metadata = dict(instance.system_metadata or {})
        system_metadata = {k: v for k, v in orig_sys_metadata.items()
                           if not k.startswith("image_")}
        system_metadata.update(self._image_system_metadata(image))
        if "trusted_certs" in updates:
            certs = updates["trusted_certs"]
            if certs:
                system_metadata[TRUSTED_CERTS_KEY] = json.dumps(list(certs))
            else:
                system_metadata.pop(TRUSTED_CERTS_KEY, None)
        for field in REBUILD_FIELDS:
            if field in updates:
                setattr(instance, field, updates[field])
        if "key_name" in updates:
            instance.key_name = key_pair.name if key_pair else None
            instance.key_data = key_pair.public_key if key_pair else None
            instance.keypairs = objects.KeyPairList(objects=[key_pair] if key_pair else [])
        properties = image.get("properties") or {}
        instance.image_ref = image["id"]
        # As upstream: the new image's kernel and ramdisk (none if it names none).
        instance.kernel_id = properties.get("kernel_id") or None
        instance.ramdisk_id = properties.get("ramdisk_id") or None
        instance.system_metadata = system_metadata
        instance.os_type = properties.get("os_type")
        instance.architecture = properties.get("architecture") or properties.get(
            "hw_architecture")
        instance.progress = 0
        instance.task_state = task_states.REBUILDING
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, "rebuild")
        try:
            request_spec = objects.RequestSpec.get_by_instance_uuid(context, instance.uuid)
        except exception.NotFound:
            request_spec = None
        self.compute_task_api.rebuild_instance(
            instance._context, instance, orig_image_ref=orig_image_ref,
            image_ref=image["id"], injected_files=files_to_inject or [],
            new_pass=admin_password, orig_sys_metadata=orig_sys_metadata, bdms=None,
            preserve_ephemeral=preserve_ephemeral, request_spec=request_spec,
            image=image if image["id"] != orig_image_ref else None)
        return instance

    # -- rescue ----------------------------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=RESCUE_VM_STATES, method="rescue")
    @api_actions.check_instance_host
    def rescue(self, context, instance, rescue_password=None, rescue_image_ref=None,
               clean_shutdown=True, allow_bfv_rescue=False):
        """Boot the server from a rescue image (its own when none is given).

        ImageNotFound / ImageNotActive (400) for a rescue image that cannot
        be used.
        """
        self.compute_rpcapi.check_instance_action("rescue_instance",
                                                  self.compute_rpcapi.RECOVERY_VERSION)
        self._check_compute_up(context, instance)
        if rescue_image_ref:
            self._get_image(context, rescue_image_ref)
        self._cast_action(context, instance, "rescue", task_states.RESCUING,
                          self.compute_rpcapi.rescue_instance,
                          rescue_password=rescue_password,
                          rescue_image_ref=rescue_image_ref,
                          clean_shutdown=clean_shutdown)

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.RESCUED], method="unrescue")
    @api_actions.check_instance_host
    def unrescue(self, context, instance):
        self.compute_rpcapi.check_instance_action("unrescue_instance",
                                                  self.compute_rpcapi.RECOVERY_VERSION)
        self._cast_action(context, instance, "unrescue", task_states.UNRESCUING,
                          self.compute_rpcapi.unrescue_instance)

    # -- password, state, network info ---------------------------------------------------

    @check_instance_lock
    @check_instance_state(vm_state=[vm_states.ACTIVE], method="changePassword")
    @api_actions.check_instance_host
    def set_admin_password(self, context, instance, password):
        """Set the guest's administrator password; waits for the compute.

        InstanceAgentNotEnabled, SetAdminPasswdNotSupported,
        InstancePasswordSetFailed (409s) or NotImplementedError (501) from
        the compute; the task state is cleared either way.
        """
        self.compute_rpcapi.check_instance_action("set_admin_password",
                                                  self.compute_rpcapi.RECOVERY_VERSION)
        self._check_compute_up(context, instance)
        instance.task_state = task_states.UPDATING_PASSWORD
        instance.save(expected_task_state=[None])
        self._record_action(context, instance, "changePassword")
        try:
            self.compute_rpcapi.set_admin_password(instance._context, instance, password)
        except messaging.MessagingTimeout:
            # The API's timeout fault; the task state goes back to none first
            # (unless the compute, late, already cleared or changed it).
            instance.task_state = None
            try:
                instance.save(expected_task_state=[task_states.UPDATING_PASSWORD])
            except (exception.InstanceNotFound, exception.UnexpectedTaskStateError):
                pass
            raise

    def reset_state(self, context, instance, state):
        """os-resetState: vm_state ``state`` ('active' or 'error'), no task state.

        Nothing is asked of the compute; the action 'resetState' is recorded.
        """
        self._check_in_a_cell(instance, "os-resetState")
        self._record_action(context, instance, "resetState")
        instance.vm_state = RESET_STATES[state]
        instance.task_state = None
        instance.save()
        try:
            objects.InstanceAction.action_finish(instance._context or context,
                                                 instance.uuid, want_result=False)
        except Exception:
            LOG.exception("Could not finish the resetState action of %s", instance.uuid)

    @api_actions.check_instance_host
    def inject_network_info(self, context, instance):
        self.compute_rpcapi.check_instance_action("inject_network_info",
                                                  self.compute_rpcapi.RECOVERY_VERSION)
        self.compute_rpcapi.inject_network_info(instance._context, instance)
