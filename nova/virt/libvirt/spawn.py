"""Creating a guest and removing it.

Spawn: the instance's disks from the (cached) image, its VIFs plugged, the
domain defined from ``get_guest_config`` (with the config drive where one is
wanted) and started. A spawn that fails part-way is undone (domain, VIFs,
files) before the error goes on. Destroy powers the domain off, undefines
it, unplugs the VIFs and deletes the files; it is idempotent.
"""

from oslo_log import log as logging
from oslo_utils import excutils

from nova import exception
from nova.virt.libvirt import configdrive as lv_configdrive
from nova.virt.libvirt import imagebackend
from nova.virt.libvirt import vif as libvirt_vif

LOG = logging.getLogger(__name__)


def spawn(drv, context, instance, image_meta, admin_password, network_info=None,
          power_on=True):
    if drv.instance_exists(instance):
        raise exception.InstanceExists(name=instance.name)
    try:
        disks, kernel, ramdisk = imagebackend.create_instance_disks(
            context, drv.image_cache, instance, image_meta)
        libvirt_vif.plug_all(instance, network_info)
        conf = drv.get_guest_config(instance, image_meta, network_info, disks,
                                    kernel, ramdisk)
        if lv_configdrive.required(instance, image_meta):
            lv_configdrive.attach(conf, instance, image_meta)
        guest = drv.host.write_instance_config(conf.to_xml())
        lv_configdrive.after_define(context, instance, image_meta, network_info,
                                    admin_password, guest)
        if power_on:
            guest.launch()
    except Exception:
        with excutils.save_and_reraise_exception():
            LOG.error("Spawning %s failed; cleaning up", instance.uuid)
            _cleanup_failed_spawn(drv, context, instance, network_info)
    LOG.info("Instance %s spawned as %s", instance.uuid, instance.name)


def _cleanup_failed_spawn(drv, context, instance, network_info):
    """Undo a spawn that failed part-way: domain, VIFs, files (best effort:
    without libvirt the files and VIFs still go)."""
    try:
        drv.destroy(context, instance, network_info)
    except Exception as exc:
        LOG.warning("Cleaning up the failed spawn of %s: %s", instance.uuid, exc)
        for vif in network_info or []:
            try:
                libvirt_vif.unplug(instance, vif)
            except Exception:
                LOG.exception("Unplugging %s failed", vif.get("id"))
        imagebackend.delete_instance_files(instance)


def remove_domain(host, instance):
    """Power off and undefine the domain of ``instance``, if there is one."""
    try:
        guest = host.get_guest(instance)
    except exception.InstanceNotFound:
        return
    guest.poweroff()
    guest.delete_configuration()


def destroy(drv, instance, network_info, destroy_disks=True):
    """Power off and undefine the domain, unplug VIFs, delete files; idempotent."""
    remove_domain(drv.host, instance)
    libvirt_vif.unplug_all(instance, network_info)
    if destroy_disks:
        imagebackend.delete_instance_files(instance)
