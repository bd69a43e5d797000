"""The conductor: runs object methods for processes without database access."""

from oslo_log import log as logging
import oslo_messaging as messaging

from nova import manager
from nova import objects
from nova.objects import base as nova_object

LOG = logging.getLogger(__name__)


class ConductorManager(manager.Manager):
    """The 'conductor' topic's endpoint.

    Object calls arrive here from nova-compute: a class method by name, or a
    method of an object instance; the reply carries the result and, for
    instance methods, the fields the call changed.
    """

    target = messaging.Target(version="3.0")
    service_name = "conductor"

    def __init__(self, *args, **kwargs):
        super().__init__(service_name="conductor", *args, **kwargs)
        objects.register_all()
        self.additional_endpoints = []

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
        oldobj = objinst.obj_clone()
        result = self._object_dispatch(objinst, objmethod, args, kwargs)
        updates = {}
        # Every field that changed on the object, as the caller must see it.
        for name, field in objinst.fields.items():
            if not objinst.obj_attr_is_set(name):
                continue
            if (not oldobj.obj_attr_is_set(name)
                    or getattr(oldobj, name) != getattr(objinst, name)):
                updates[name] = field.to_primitive(objinst, name, getattr(objinst, name))
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
