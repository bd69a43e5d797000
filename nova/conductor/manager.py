"""The conductor: runs object methods for processes without database access."""

import copy
import datetime

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import periodic_task
from oslo_versionedobjects import base as ovo_base

from nova.conductor.tasks import build
from nova.conductor.tasks import evacuate
from nova.conductor.tasks import image_cache
from nova.conductor.tasks import live_migrate
from nova.conductor.tasks import migrate
from nova.conductor.tasks import rebuild
from nova.conductor.tasks import stale_builds
from nova import exception
from nova.conductor.tasks import unshelve
from nova import manager
import nova.conf
from nova import objects
from nova.objects import base as nova_object

LOG = logging.getLogger(__name__)

_UNSET = object()
# Objects compare by identity: a nested object is always sent back, as a
# deep copy of it would never compare equal.
_ALWAYS = object()
_IMMUTABLE = (str, int, float, bool, type(None), datetime.datetime, tuple, frozenset)


def _snapshot(obj):
    """The set fields of ``obj`` as they are now, to find what a call changed.

    Cheaper than a deep clone of the object: plain values are kept as they
    are, containers are copied, nested objects are not copied at all.
    """
    snap = {}
    for name in obj.fields:
        if not obj.obj_attr_is_set(name):
            continue
        value = getattr(obj, name)
        if isinstance(value, _IMMUTABLE):
            snap[name] = value
        elif isinstance(value, ovo_base.VersionedObject):
            snap[name] = _ALWAYS
        elif isinstance(value, dict) and all(
                isinstance(v, _IMMUTABLE) for v in value.values()):
            snap[name] = dict(value)
        elif isinstance(value, (list, set)) and all(isinstance(v, _IMMUTABLE) for v in value):
            snap[name] = list(value) if isinstance(value, list) else set(value)
        else:
            snap[name] = copy.deepcopy(value)
    return snap


class ConductorManager(manager.Manager):
    """The 'conductor' topic's endpoint.

    Object calls arrive here from nova-compute: a class method by name, or a
    method of an object instance; the reply carries the result and, for
    instance methods, the fields the call changed.

    ``target.version`` is the newest conductor RPC version served: keep it
    equal to nova/conductor/rpcapi.py RPC_API_VERSION and the newest
    SERVICE_VERSION_HISTORY "conductor_rpc". A method or argument added later
    must accept messages of the older form (new arguments are optional).
    """

    target = messaging.Target(version="3.0")
    service_name = "conductor"

    def __init__(self, *args, **kwargs):
        super().__init__(service_name="conductor", *args, **kwargs)
        objects.register_all()
        self.compute_task_mgr = ComputeTaskManager()
        self.additional_endpoints = [self.compute_task_mgr]
        self.set_periodic_spacing("_bury_stale_build_requests",
                                  60 if nova.conf.CONF.conductor.build_request_timeout
                                  else -1)

    @periodic_task.periodic_task(spacing=60)
    def _bury_stale_build_requests(self, context):
        """Build requests no conductor scheduled in time end in ERROR (stale_builds)."""
        stale_builds.bury_stale_build_requests(context, self.compute_task_mgr.build_task)

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        objclass = nova_object.NovaObject.obj_class_from_name(
            objname, object_versions[objname])
        args = tuple([context] + list(args))
        result = self._object_dispatch(objclass, objmethod, args, kwargs)
        # Send back the version the caller asked for (it may know no newer).
        if isinstance(result, nova_object.NovaObject):
            target_version = object_versions[objname] \
                if result.obj_name() == objname else object_versions.get(result.obj_name())
            if target_version and result.VERSION != target_version:
                result = result.obj_to_primitive(target_version=target_version,
                                                 version_manifest=object_versions)
        return result

    def object_action(self, context, objinst, objmethod, args, kwargs):
        """Run ``objinst.objmethod``; reply (changed fields, result)."""
        before = _snapshot(objinst)
        result = self._object_dispatch(objinst, objmethod, args, kwargs)
        updates = {}
        # Every field that changed on the object, as the caller must see it.
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            value = getattr(objinst, name)
            old = before.get(name, _UNSET)
            if old is _UNSET or old is _ALWAYS or old != value:
                updates[name] = field.to_primitive(objinst, name, value)
        updates["obj_what_changed"] = objinst.obj_what_changed()
        return updates, result

    def object_backport_versions(self, context, objinst, object_versions):
        target = object_versions[objinst.obj_name()]
        LOG.debug("Backporting %(obj)s to %(ver)s with versions %(manifest)s",
                  {"obj": objinst.obj_name(), "ver": target,
                   "manifest": ",".join("%s=%s" % (k, v)
                                        for k, v in object_versions.items())})
        return objinst.obj_to_primitive(target_version=target,
                                        version_manifest=object_versions)

    @staticmethod
    def _object_dispatch(target, method, args, kwargs):
        """Call ``method`` of ``target``, letting expected errors cross the wire."""
        try:
            return getattr(target, method)(*args, **kwargs)
        except Exception:
            raise messaging.ExpectedException()


class ComputeTaskManager:
    """The conductor's 'compute_task' namespace: orchestration nova-api hands over.

    ``target.version``: the newest compute_task version served (rpcapi
    COMPUTE_TASK_RPC_API_VERSION, SERVICE_VERSION_HISTORY "compute_task_rpc").
    """

    target = messaging.Target(namespace="compute_task", version="1.4")

    def __init__(self):
        self._build_task = None

    @property
    def build_task(self):
        if self._build_task is None:
            self._build_task = build.BuildTask()
        return self._build_task

    def cache_images(self, context, aggregate, image_ids):
        return image_cache.CacheImagesTask().execute(context, aggregate, image_ids)

    def schedule_and_build_instances(self, context, build_requests, request_specs, image,
                                     admin_password, injected_files, requested_networks,
                                     block_device_mapping, tags=None):
        self.build_task.schedule_and_build_instances(
            context, build_requests, request_specs, image, admin_password,
            injected_files, requested_networks, block_device_mapping, tags=tags)

    def build_instances(self, context, instances, image, filter_properties,
                        admin_password, injected_files, requested_networks,
                        security_groups, block_device_mapping=None, request_spec=None,
                        host_lists=None):
        self.build_task.build_instances(
            context, instances, image, filter_properties, admin_password,
            injected_files, requested_networks, security_groups,
            block_device_mapping=block_device_mapping, request_spec=request_spec,
            host_lists=host_lists)

    def rebuild_instance(self, context, instance, orig_image_ref, image_ref,
                         injected_files, new_pass, orig_sys_metadata, bdms,
                         preserve_ephemeral=False, request_spec=None, image=None):
        try:
            rebuild.RebuildTask().rebuild_instance(
                context, instance, orig_image_ref, image_ref, injected_files, new_pass,
                orig_sys_metadata, bdms, preserve_ephemeral=preserve_ephemeral,
                request_spec=request_spec, image=image)
        except exception.NoValidHost:
            pass  # a cast: the server, its fault and the action's event say it

    def unshelve_instance(self, context, instance, request_spec=None):
        unshelve.UnshelveTask().execute(context, instance, request_spec)

    def migrate_server(self, context, instance, flavor, request_spec=None,
                       clean_shutdown=True, host_list=None, migration=None):
        migrate.MigrationTask().execute(context, instance, flavor, request_spec,
                                        clean_shutdown=clean_shutdown,
                                        host_list=host_list, migration=migration)

    def live_migrate_instance(self, context, instance, host=None, block_migration=None,
                              disk_over_commit=None, request_spec=None, force=False):
        live_migrate.LiveMigrationTask().execute(
            context, instance, host=host, block_migration=block_migration,
            disk_over_commit=disk_over_commit, request_spec=request_spec, force=force)

    def evacuate_instance(self, context, instance, migration, host=None, force=False,
                          admin_password=None, stop_after=False, request_spec=None):
        evacuate.EvacuateTask().execute(
            context, instance, migration, host=host, force=force,
            admin_password=admin_password, stop_after=stop_after,
            request_spec=request_spec)
