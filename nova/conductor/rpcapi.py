"""Client side of the conductor RPC API (topic 'conductor').

It is also the object indirection API: a process without database access
(nova-compute) sets ``NovaObject.indirection_api = ConductorAPI()`` and every
remotable object method then runs in the conductor.

API version history:
  3.0 - object_class_action_versions, object_action, object_backport_versions

The 'compute_task' namespace on the same topic (ComputeTaskAPI) carries the
long-running orchestration the API hands to the conductor:
  1.0 - cache_images
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


class ComputeTaskAPI:
    """Client side of the conductor's 'compute_task' namespace."""

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, namespace="compute_task", version="1.0")
        self.client = rpc.get_client(target, transport=transport)

    def cache_images(self, ctxt, aggregate, image_ids):
        """Start caching ``image_ids`` on every host of ``aggregate`` (a cast)."""
        cctxt = self.client.prepare(version="1.0")
        cctxt.cast(ctxt, "cache_images", aggregate=aggregate, image_ids=image_ids)

    def schedule_and_build_instances(self, ctxt, build_requests, request_specs, image,
                                     admin_password, injected_files, requested_networks,
                                     block_device_mapping, tags=None):
        """Schedule and build new servers (a cast; see conductor/tasks/build.py)."""
        cctxt = self.client.prepare(version="1.1")
        cctxt.cast(ctxt, "schedule_and_build_instances", build_requests=build_requests,
                   request_specs=request_specs, image=image,
                   admin_password=admin_password, injected_files=injected_files,
                   requested_networks=requested_networks,
                   block_device_mapping=block_device_mapping, tags=tags)

    def build_instances(self, ctxt, instances, image, filter_properties, admin_password,
                        injected_files, requested_networks, security_groups,
                        block_device_mapping=None, request_spec=None, host_lists=None):
        """Reschedule instances a compute failed to build to their alternates (a cast)."""
        cctxt = self.client.prepare(version="1.1")
        cctxt.cast(ctxt, "build_instances", instances=instances, image=image,
                   filter_properties=filter_properties, admin_password=admin_password,
                   injected_files=injected_files, requested_networks=requested_networks,
                   security_groups=security_groups,
                   block_device_mapping=block_device_mapping, request_spec=request_spec,
                   host_lists=host_lists)
