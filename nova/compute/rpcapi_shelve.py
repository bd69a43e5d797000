"""The compute RPC client's shelve, backup and soft-delete methods (6.8).

Mixed into nova.compute.rpcapi.ComputeAPI; all casts to the instance's host
(or, for unshelve, the host the conductor chose). The caller has set the
task state the compute expects and learns the outcome from the instance's
vm_state and task_state, its action events and faults.
"""

PARKING_VERSION = "6.8"


class ParkingMethods:
    """Shelve / offload / unshelve, createBackup, soft delete and restore."""

    PARKING_VERSION = PARKING_VERSION

    def _cast_parking(self, ctxt, host, method, **kwargs):
        cctxt = self.router.prepare(method, version=PARKING_VERSION, server=host)
        cctxt.cast(ctxt, method, **kwargs)

    def shelve_instance(self, ctxt, instance, image_id=None, clean_shutdown=True):
        """A cast (6.8): power off, upload the shelved snapshot into
        ``image_id`` (None: a volume-backed server, no snapshot) and leave the
        server SHELVED (task_state shelving -> shelving_image_pending_upload ->
        shelving_image_uploading -> None); with [DEFAULT] shelved_offload_time
        0 on the compute it goes on to SHELVED_OFFLOADED. A failure deletes
        the image, records a fault and clears the task."""
        self._cast_parking(ctxt, instance.host, "shelve_instance", instance=instance,
                           image_id=image_id, clean_shutdown=clean_shutdown)

    def shelve_offload_instance(self, ctxt, instance, clean_shutdown=True):
        """A cast (6.8): destroy a SHELVED server's guest, release its
        allocation and clear its host (task_state shelving_offloading ->
        SHELVED_OFFLOADED)."""
        self._cast_parking(ctxt, instance.host, "shelve_offload_instance",
                           instance=instance, clean_shutdown=clean_shutdown)

    def unshelve_instance(self, ctxt, instance, host, image=None, filter_properties=None,
                          node=None, request_spec=None):
        """A cast (6.8) from the conductor: spawn the offloaded ``instance`` on
        ``host``/``node`` (resources already claimed) from its shelved
        ``image`` and delete that image (unshelving -> spawning -> ACTIVE);
        a SHELVED one is powered on where it is. A failure leaves it
        SHELVED_OFFLOADED with a fault and its new claim released."""
        self._cast_parking(ctxt, host, "unshelve_instance", instance=instance,
                           image=image, filter_properties=filter_properties, node=node,
                           request_spec=request_spec)

    def backup_instance(self, ctxt, instance, image_id, backup_type, rotation):
        """A cast (6.8): upload a backup into ``image_id`` (task_state
        image_backup -> ... -> None), then delete the server's older backups
        of ``backup_type`` beyond the newest ``rotation``. A failure deletes
        the image and rotates nothing."""
        self._cast_parking(ctxt, instance.host, "backup_instance", instance=instance,
                           image_id=image_id, backup_type=backup_type, rotation=rotation)

    def soft_delete_instance(self, ctxt, instance):
        """A cast (6.8): power the guest off and make the server SOFT_DELETED
        (task_state soft-deleting -> None); it keeps its resources."""
        self._cast_parking(ctxt, instance.host, "soft_delete_instance", instance=instance)

    def restore_instance(self, ctxt, instance):
        """A cast (6.8): power a SOFT_DELETED server on again (restoring -> ACTIVE)."""
        self._cast_parking(ctxt, instance.host, "restore_instance", instance=instance)
