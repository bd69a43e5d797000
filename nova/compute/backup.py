"""The compute manager's backup family: createBackup (backup_instance).

The API created the image record (queued; properties image_type=backup,
backup_type and instance_uuid) and set task_state image_backup. Here the
driver uploads the guest's disk exactly as for a snapshot (the task moves
through image_pending_upload and image_uploading) and the task is cleared
with the vm_state unchanged, once the backups of this server and
``backup_type`` are rotated: the newest ``rotation`` stay, older ones are
deleted from the image service (rotation 0 keeps none, not even this one). A failed backup deletes its image and
rotates nothing.
"""

from oslo_log import log as logging

from nova.compute import operation
from nova.compute import task_states
from nova import exception

LOG = logging.getLogger(__name__)


class BackupOperations:
    """Mixin of ComputeManager: rotated backups of instances."""

    @operation.compute_operation()
    def backup_instance(self, context, instance, image_id, backup_type, rotation):
        def update_task_state(task_state, expected_state=task_states.IMAGE_BACKUP):
            if expected_state == task_states.IMAGE_SNAPSHOT:
                expected_state = task_states.IMAGE_BACKUP
            instance.task_state = task_state
            instance.save(expected_task_state=[expected_state])

        instance.power_state = operation.power_state_of(self.driver, instance)
        instance.save(expected_task_state=[task_states.IMAGE_BACKUP])
        try:
            self.driver.snapshot(context, instance, image_id, update_task_state)
        except Exception:
            self._delete_failed_image(context, image_id)
            raise
        # Rotated before the task is cleared: a server seen idle again has
        # its older backups gone already.
        self.rotate_backups(context, instance, backup_type, rotation, newest=image_id)
        try:
            operation.finish(self.driver, instance, instance.vm_state)
        except operation.INSTANCE_GONE:
            self._delete_failed_image(context, image_id)
            raise

    def rotate_backups(self, context, instance, backup_type, rotation, newest=None):
        """Delete the backups of ``instance`` and ``backup_type`` beyond the
        newest ``rotation`` (``newest``: the one just made); the ids deleted."""
        filters = {"properties": {"image_type": "backup", "backup_type": backup_type,
                                  "instance_uuid": instance.uuid}}
        images = self.image_api.get_all(context, filters=filters, sort_key="created_at",
                                        sort_dir="desc")
        # The image service lists them newest first; the one just made leads
        # even where its creation time ties with an older one's.
        images.sort(key=lambda image: image["id"] != newest)
        deleted = []
        for image in images[rotation:]:
            LOG.info("Rotating out backup %s of %s (%s, keeping %d).", image["id"],
                     instance.uuid, backup_type, rotation)
            try:
                self.image_api.delete(context, image["id"])
                deleted.append(image["id"])
            except exception.ImageNotFound:
                pass
            except Exception:
                LOG.exception("Could not delete backup %s", image["id"])
        return deleted
