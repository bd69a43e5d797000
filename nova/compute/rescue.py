"""The compute manager's rescue family: boot a server from a rescue disk and back.

``rescue_instance`` arrives with task_state 'rescuing': the driver boots the
guest from a disk made from the rescue image (the one the user named, or the
server's own), with the server's root disk attached beside it, and the
server is RESCUED. ``unrescue_instance`` (task 'unrescuing') boots it from
its own disks again: ACTIVE. A driver failure leaves ERROR with a fault, as
upstream; the allocation stays (the server still uses its host).
"""

import secrets

from oslo_log import log as logging
from oslo_utils import timeutils

from nova.compute import operation
from nova.compute import vm_states
from nova import exception
from nova import objects

LOG = logging.getLogger(__name__)

_PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length=12):
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


class RescueOperations:
    """Mixin of ComputeManager: rescue and unrescue."""

    def _rescue_image_meta(self, context, instance, rescue_image_ref):
        image_ref = (rescue_image_ref or instance.image_ref
                     or (instance.system_metadata or {}).get("image_base_image_ref"))
        if not image_ref:
            raise exception.InstanceNotRescuable(
                instance_id=instance.uuid, reason="no rescue image was given and the "
                                                  "server has no image of its own")
        return objects.ImageMeta.from_dict(self.image_api.get(context, image_ref))

    @operation.compute_operation(error_vm_state=vm_states.ERROR)
    def rescue_instance(self, context, instance, rescue_password=None,
                        rescue_image_ref=None, clean_shutdown=True):
        image_meta = self._rescue_image_meta(context, instance, rescue_image_ref)
        try:
            self.driver.rescue(context, instance, instance.get_network_info(), image_meta,
                               rescue_password or generate_password())
        except (exception.InstanceNotRescuable, *operation.INSTANCE_GONE):
            raise
        except Exception as exc:
            LOG.exception("Could not rescue %s", instance.uuid)
            raise exception.InstanceNotRescuable(
                instance_id=instance.uuid, reason="Driver Error: %s" % exc) from exc
        operation.finish(self.driver, instance, vm_states.RESCUED,
                         launched_at=timeutils.utcnow())

    @operation.compute_operation(error_vm_state=vm_states.ERROR)
    def unrescue_instance(self, context, instance):
        self.driver.unrescue(context, instance)
        operation.finish(self.driver, instance, vm_states.ACTIVE)
