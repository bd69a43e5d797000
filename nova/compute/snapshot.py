"""The compute manager's snapshot family: createImage (snapshot_instance).

The API has created the image record (queued, with the snapshot's
properties) and set task_state image_snapshot_pending. Here the task moves
to image_snapshot, the driver moves it through image_pending_upload and
image_uploading while it captures and uploads the disk, and the task is
cleared with the vm_state unchanged. A failed snapshot, or one of a server
deleted meanwhile, deletes the image;
the operation wrapper records the fault and clears the task state, so the
server is back in its previous state (never ERROR for a snapshot).
"""

import time

from oslo_log import log as logging

from nova.compute import operation
from nova.compute import task_states
from nova import exception

LOG = logging.getLogger(__name__)


class SnapshotOperations:
    """Mixin of ComputeManager: images made from instances."""

    @property
    def image_api(self):
        if getattr(self, "_image_api", None) is None:
            from nova.image import api as image_api
            self._image_api = image_api.API()
        return self._image_api

    @operation.compute_operation()
    def snapshot_instance(self, context, instance, image_id):
        instance.task_state = task_states.IMAGE_SNAPSHOT
        instance.power_state = operation.power_state_of(self.driver, instance)
        instance.save(expected_task_state=[task_states.IMAGE_SNAPSHOT_PENDING])

        def update_task_state(task_state, expected_state=task_states.IMAGE_SNAPSHOT):
            instance.task_state = task_state
            instance.save(expected_task_state=[expected_state])

        try:
            self.driver.snapshot(context, instance, image_id, update_task_state)
        except exception.ImageNotFound:
            # The user deleted the image during the upload: nothing to keep.
            LOG.warning("Image %s was deleted during the snapshot of %s.", image_id,
                        instance.uuid)
            operation.finish(self.driver, instance, instance.vm_state)
            return
        except Exception:
            self._delete_failed_image(context, image_id)
            raise
        try:
            operation.finish(self.driver, instance, instance.vm_state)
        except operation.INSTANCE_GONE:
            # Deleted while uploading: the snapshot of a server that is gone
            # is not kept (as upstream); the wrapper ends the event quietly.
            self._delete_failed_image(context, image_id)
            raise

    def _delete_failed_image(self, context, image_id, attempts=3):
        """Delete ``image_id`` (a failed snapshot's, or one no longer needed);
        an image service error is tried again twice before it is logged."""
        for attempt in range(1, attempts + 1):
            try:
                self.image_api.delete(context, image_id)
                return
            except exception.ImageNotFound:
                return
            except Exception:
                if attempt == attempts:
                    LOG.exception("Could not delete image %s", image_id)
                    return
                LOG.warning("Deleting image %s failed (attempt %d of %d); trying again.",
                            image_id, attempt, attempts)
                time.sleep(0.5 * attempt)
