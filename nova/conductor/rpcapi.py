"""Client side of the conductor RPC API (topic 'conductor').

It is also the object indirection API: a process without database access
(nova-compute) sets ``NovaObject.indirection_api = ConductorAPI()`` and every
remotable object method then runs in the conductor.

API version history:
  3.0 - object_class_action_versions, object_action, object_backport_versions
"""

import oslo_messaging as messaging
from oslo_versionedobjects import base as ovo_base

import nova.conf
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "conductor"


class ConductorAPI(ovo_base.VersionedObjectIndirectionAPI):
    VERSION_ALIASES: dict = {}

    def __init__(self, transport=None):
        super().__init__()
        target = messaging.Target(topic=RPC_TOPIC, version="3.0")
        self.client = rpc.get_client(target, transport=transport)

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        cctxt = self.client.prepare()
        return cctxt.call(context, "object_class_action_versions", objname=objname,
                          objmethod=objmethod, object_versions=object_versions,
                          args=args, kwargs=kwargs)

    def object_class_action(self, context, objname, objmethod, objver, args, kwargs):
        # Older interface: only this class's version is known.
        return self.object_class_action_versions(context, objname, objmethod,
                                                 {objname: objver}, args, kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        cctxt = self.client.prepare()
        return cctxt.call(context, "object_action", objinst=objinst, objmethod=objmethod,
                          args=args, kwargs=kwargs)

    def object_backport_versions(self, context, objinst, object_versions):
        cctxt = self.client.prepare()
        return cctxt.call(context, "object_backport_versions", objinst=objinst,
                          object_versions=object_versions)

    def object_backport(self, context, objinst, target_version):
        raise NotImplementedError("use object_backport_versions")
