"""Client side of the conductor RPC APIs (topic 'conductor').

ConductorAPI is also the object indirection API: a process without database
access (nova-compute) sets ``NovaObject.indirection_api = ConductorAPI()`` and
every remotable object method then runs in the conductor. Its methods are
calls: they return what the object method returned (and, for object_action,
the fields it changed), or raise the exception it raised.

API version history (keep in step with RPC_API_VERSION, the manager's target
and nova/objects/service.py SERVICE_VERSION_HISTORY "conductor_rpc"):

  3.0 - object_class_action_versions, object_action, object_backport_versions

The 'compute_task' namespace on the same topic (ComputeTaskAPI) carries the
long-running orchestration that nova-api and nova-compute hand to the
conductor. Its methods are casts: the caller learns the outcome from the
instances' states, faults and the logs, never from a return value.

compute_task API version history (COMPUTE_TASK_RPC_API_VERSION, the
ComputeTaskManager target and SERVICE_VERSION_HISTORY "compute_task_rpc"):

  1.0 - cache_images
  1.1 - schedule_and_build_instances, build_instances
  1.2 - rebuild_instance
  1.3 - unshelve_instance
  1.4 - migrate_server, live_migrate_instance, evacuate_instance

Both are capped by ``[upgrade_levels] conductor``: a release alias or ``auto``
(the oldest running nova-conductor) caps both; a version caps the API whose
major version it names. See doc/source/contributor/rpc-method.rst.
"""

import oslo_messaging as messaging
from oslo_versionedobjects import base as ovo_base

import nova.conf
from nova.objects import service as service_obj
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "conductor"

# The newest versions these clients can send (the last lines of the histories).
RPC_API_VERSION = "3.0"
COMPUTE_TASK_RPC_API_VERSION = "1.4"


class ConductorAPI(ovo_base.VersionedObjectIndirectionAPI):
    """The conductor's object API client (object methods run remotely)."""

    # Release alias -> version, for [upgrade_levels] conductor.
    VERSION_ALIASES = service_obj.rpc_versions("conductor_rpc")

    def __init__(self, transport=None):
        super().__init__()
        target = messaging.Target(topic=RPC_TOPIC, version="3.0")
        self.router = rpc.CappedClient(target, "conductor", "nova-conductor",
                                       "conductor_rpc", aliases=self.VERSION_ALIASES,
                                       transport=transport)

    @property
    def client(self):
        """The capped oslo.messaging client (its cap is resolved on first use)."""
        return self.router.client

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        """A call (3.0): run class method ``objname.objmethod(*args, **kwargs)``.

        ``object_versions`` ({object name: version}) are the versions the
        caller knows; an object in the result comes back at those versions.
        """
        cctxt = self.router.prepare("object_class_action_versions", version="3.0")
        return cctxt.call(context, "object_class_action_versions", objname=objname,
                          objmethod=objmethod, object_versions=object_versions,
                          args=args, kwargs=kwargs)

    def object_class_action(self, context, objname, objmethod, objver, args, kwargs):
        """object_class_action_versions knowing only this class's version (a call)."""
        return self.object_class_action_versions(context, objname, objmethod,
                                                 {objname: objver}, args, kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        """A call (3.0): run ``objinst.objmethod(*args, **kwargs)`` in the conductor.

        Returns (changed fields as primitives, result); the object base
        applies the changes to the caller's copy of ``objinst``.
        """
        cctxt = self.router.prepare("object_action", version="3.0")
        return cctxt.call(context, "object_action", objinst=objinst, objmethod=objmethod,
                          args=args, kwargs=kwargs)

    def object_backport_versions(self, context, objinst, object_versions):
        """A call (3.0): ``objinst`` as a primitive at the caller's ``object_versions``."""
        cctxt = self.router.prepare("object_backport_versions", version="3.0")
        return cctxt.call(context, "object_backport_versions", objinst=objinst,
                          object_versions=object_versions)

    def object_backport(self, context, objinst, target_version):
        """Not offered: callers send their whole manifest (object_backport_versions)."""
        raise NotImplementedError("use object_backport_versions")


class ComputeTaskAPI:
    """Client side of the conductor's 'compute_task' namespace (all casts)."""

    # Release alias -> version, for [upgrade_levels] conductor.
    VERSION_ALIASES = service_obj.rpc_versions("compute_task_rpc")

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, namespace="compute_task", version="1.0")
        self.router = rpc.CappedClient(target, "conductor", "nova-conductor",
                                       "compute_task_rpc", aliases=self.VERSION_ALIASES,
                                       transport=transport)

    @property
    def client(self):
        """The capped oslo.messaging client (its cap is resolved on first use)."""
        return self.router.client

    def cache_images(self, ctxt, aggregate, image_ids):
        """A cast (1.0): cache ``image_ids`` on every up host of ``aggregate``.

        The conductor asks the hosts in parallel and logs the per-image totals.
        """
        cctxt = self.router.prepare("cache_images", version="1.0")
        cctxt.cast(ctxt, "cache_images", aggregate=aggregate, image_ids=image_ids)

    def schedule_and_build_instances(self, ctxt, build_requests, request_specs, image,
                                     admin_password, injected_files, requested_networks,
                                     block_device_mapping, tags=None):
        """A cast (1.1): schedule and build new servers (see conductor/tasks/build.py).

        Each instance ends up on a host building, or in cell0 in ERROR with a
        fault when scheduling failed; its build request is gone either way.
        """
        cctxt = self.router.prepare("schedule_and_build_instances", version="1.1")
        cctxt.cast(ctxt, "schedule_and_build_instances", build_requests=build_requests,
                   request_specs=request_specs, image=image,
                   admin_password=admin_password, injected_files=injected_files,
                   requested_networks=requested_networks,
                   block_device_mapping=block_device_mapping, tags=tags)

    def build_instances(self, ctxt, instances, image, filter_properties, admin_password,
                        injected_files, requested_networks, security_groups,
                        block_device_mapping=None, request_spec=None, host_lists=None):
        """A cast (1.1): reschedule instances a compute failed to build.

        Each instance goes to the next alternate of its ``host_lists`` entry
        that still has room; with none left it ends in ERROR with a fault and
        its allocation released.
        """
        cctxt = self.router.prepare("build_instances", version="1.1")
        cctxt.cast(ctxt, "build_instances", instances=instances, image=image,
                   filter_properties=filter_properties, admin_password=admin_password,
                   injected_files=injected_files, requested_networks=requested_networks,
                   security_groups=security_groups,
                   block_device_mapping=block_device_mapping, request_spec=request_spec,
                   host_lists=host_lists)

    def rebuild_instance(self, ctxt, instance, orig_image_ref, image_ref, injected_files,
                         new_pass, orig_sys_metadata, bdms, preserve_ephemeral=False,
                         request_spec=None, image=None):
        """A cast (1.2): rebuild ``instance`` on its own host (conductor/tasks/rebuild.py).

        The caller has written the new image and fields and set task_state
        'rebuilding'. A new image (``image``, its dict) is first checked by
        the scheduler against the host; if the host cannot run it the server
        gets ``orig_image_ref``/``orig_sys_metadata`` back, its task state is
        cleared and a fault says why. Otherwise the compute rebuilds it.
        """
        cctxt = self.router.prepare("rebuild_instance", version="1.2")
        cctxt.cast(ctxt, "rebuild_instance", instance=instance,
                   orig_image_ref=orig_image_ref, image_ref=image_ref,
                   injected_files=injected_files, new_pass=new_pass,
                   orig_sys_metadata=orig_sys_metadata, bdms=bdms,
                   preserve_ephemeral=preserve_ephemeral, request_spec=request_spec,
                   image=image)

    def unshelve_instance(self, ctxt, instance, request_spec=None):
        """A cast (1.3): unshelve ``instance`` (task_state unshelving).

        A SHELVED_OFFLOADED server is scheduled again (``request_spec`` holds
        the availability zone and requested host the API set) and spawned on
        the chosen host; a SHELVED one is powered on where it is. With no
        host that fits it stays SHELVED_OFFLOADED with the task cleared and
        the failure in the action's ``schedule_instances`` event.
        """
        cctxt = self.router.prepare("unshelve_instance", version="1.3")
        cctxt.cast(ctxt, "unshelve_instance", instance=instance,
                   request_spec=request_spec)

    def migrate_server(self, ctxt, instance, flavor, request_spec=None,
                       clean_shutdown=True, host_list=None, migration=None):
        """A cast (1.4): resize ``instance`` to ``flavor`` or, with its own
        flavor, cold-migrate it (conductor/tasks/migrate.py).

        The API has set task_state resize_prep and recorded the action. The
        conductor creates the Migration (unless a compute reschedules one:
        ``migration`` and the remaining alternates in ``host_list``), hands the
        source allocation to it and has the scheduler claim a destination.
        With no host the server stays where it was with the task cleared, its
        allocation back and the failure in the conductor_migrate_server event.
        """
        cctxt = self.router.prepare("migrate_server", version="1.4")
        cctxt.cast(ctxt, "migrate_server", instance=instance, flavor=flavor,
                   request_spec=request_spec, clean_shutdown=clean_shutdown,
                   host_list=host_list, migration=migration)

    def live_migrate_instance(self, ctxt, instance, host=None, block_migration=None,
                              disk_over_commit=None, request_spec=None, force=False):
        """A cast (1.4): live-migrate ``instance`` (task_state migrating) to
        ``host`` or a host the scheduler picks (conductor/tasks/live_migrate.py).
        When no host fits or the checks refuse, the server stays where it
        was with the task cleared, a fault, and its migration in 'error'."""
        cctxt = self.router.prepare("live_migrate_instance", version="1.4")
        cctxt.cast(ctxt, "live_migrate_instance", instance=instance, host=host,
                   block_migration=block_migration, disk_over_commit=disk_over_commit,
                   request_spec=request_spec, force=force)

    def evacuate_instance(self, ctxt, instance, migration, host=None, force=False,
                          admin_password=None, stop_after=False, request_spec=None):
        """A cast (1.4): rebuild the server of a dead host elsewhere
        (conductor/tasks/evacuate.py); the caller created ``migration`` and set
        task_state rebuilding. With no host the task is cleared, a fault
        recorded and the migration is 'error'."""
        cctxt = self.router.prepare("evacuate_instance", version="1.4")
        cctxt.cast(ctxt, "evacuate_instance", instance=instance, migration=migration,
                   host=host, force=force, admin_password=admin_password,
                   stop_after=stop_after, request_spec=request_spec)
