"""Client side of the scheduler RPC API (topic 'scheduler').

select_destinations is a call to any one scheduler. The instance-info
methods are fanout casts: every scheduler keeps its own copy of which
instances live on which host, so each of them hears every message; the
caller assumes nothing about when they are applied.

The client is capped by ``[upgrade_levels] scheduler`` (a version, a release
alias from VERSION_ALIASES, or ``auto``: what the oldest running
nova-scheduler speaks); see doc/source/contributor/rpc-method.rst.

API version history (keep in step with RPC_API_VERSION, the manager's target
and nova/objects/service.py SERVICE_VERSION_HISTORY):

  4.0 - update_instance_info, delete_instance_info, sync_instance_info
  4.1 - select_destinations
  4.2 - select_destinations(num_alternates)
  4.3 - select_destinations answers a rebuild's check (hint _nova_check_type) unclaimed
"""

import oslo_messaging as messaging

import nova.conf
from nova.objects import service as service_obj
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "scheduler"

# The newest version this client can send (the last line of the history).
RPC_API_VERSION = "4.3"

# From this version select_destinations answers the no-op pass of a rebuild (the
# hint _nova_check_type=[rebuild]: the requested host, the image filters, no
# claim); an older scheduler would claim the instance's resources again.
REBUILD_CHECK_VERSION = "4.3"


class SchedulerAPI:
    """The scheduler RPC client."""

    # Release alias -> version, for [upgrade_levels] scheduler.
    VERSION_ALIASES = service_obj.rpc_versions("scheduler_rpc")

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, version="4.0")
        self.router = rpc.CappedClient(target, "scheduler", "nova-scheduler",
                                       "scheduler_rpc", aliases=self.VERSION_ALIASES,
                                       transport=transport)

    @property
    def client(self):
        """The capped oslo.messaging client (its cap is resolved on first use)."""
        return self.router.client

    def select_destinations(self, ctxt, spec_obj, instance_uuids, return_objects=False,
                            return_alternates=False, num_alternates=None):
        """A call (4.1): hosts for the instances of ``spec_obj``.

        Raises NoValidHost when an instance fits nowhere; then nothing stays
        claimed. Otherwise each instance's resources are claimed in Placement
        on its first host. Returns, per instance of ``instance_uuids``, a list
        of Selection objects with ``return_objects``: the claimed host, then
        (with ``return_alternates``) unclaimed alternates from the same cell,
        best first; without it, legacy {'host', 'nodename', 'limits'} dicts of
        the claimed hosts.

        ``num_alternates`` (4.2) bounds the alternates per instance; the
        default, None, lets the scheduler offer [scheduler] max_attempts - 1.
        A scheduler older than 4.2 (or a cap below it) does not get the
        argument: it offers its default number, and this client drops the
        alternates beyond ``num_alternates`` from the answer, so the caller
        sees the same bound either way (at most; fewer if fewer hosts fit).
        """
        if num_alternates is not None and num_alternates < 0:
            raise ValueError("num_alternates must be >= 0, not %r" % num_alternates)
        kwargs = dict(spec_obj=spec_obj, instance_uuids=instance_uuids,
                      return_objects=return_objects, return_alternates=return_alternates)
        version = "4.2"
        if self.router.can_send_version(version):
            kwargs["num_alternates"] = num_alternates
        else:
            version = "4.1"
        # A long call, as upstream's: up to long_rpc_timeout in all, while the
        # scheduler's heartbeats every rpc_response_timeout seconds show it alive.
        cctxt = self.router.prepare("select_destinations", version=version,
                                    call_monitor_timeout=CONF.rpc_response_timeout,
                                    timeout=CONF.long_rpc_timeout)
        selections = cctxt.call(ctxt, "select_destinations", **kwargs)
        if "num_alternates" not in kwargs and num_alternates is not None and return_objects:
            selections = [host_list[:1 + num_alternates] for host_list in selections]
        return selections

    def update_instance_info(self, ctxt, host_name, instance_info):
        """A fanout cast (4.0): new or changed instances (an InstanceList) on ``host_name``."""
        cctxt = self.router.prepare("update_instance_info", fanout=True)
        cctxt.cast(ctxt, "update_instance_info", host_name=host_name,
                   instance_info=instance_info)

    def delete_instance_info(self, ctxt, host_name, instance_uuid):
        """A fanout cast (4.0): instance ``instance_uuid`` left ``host_name``."""
        cctxt = self.router.prepare("delete_instance_info", fanout=True)
        cctxt.cast(ctxt, "delete_instance_info", host_name=host_name,
                   instance_uuid=instance_uuid)

    def sync_instance_info(self, ctxt, host_name, instance_uuids):
        """A fanout cast (4.0): the full list of instance UUIDs on ``host_name``.

        Each scheduler replaces its view of the host with it (computes send
        it periodically, so a scheduler that missed a message catches up).
        """
        cctxt = self.router.prepare("sync_instance_info", fanout=True)
        cctxt.cast(ctxt, "sync_instance_info", host_name=host_name,
                   instance_uuids=instance_uuids)
