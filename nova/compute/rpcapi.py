"""Client side of the compute RPC API (topic 'compute', one server per host).

API version history:
  6.0 - get_host_uptime
  6.1 - cache_images
  6.2 - set_host_enabled
  6.3 - build_and_run_instance, terminate_instance, reboot_instance,
        start_instance, stop_instance, pause/unpause_instance,
        suspend/resume_instance, trigger_crash_dump
  6.4 - external_instance_event
"""

import oslo_messaging as messaging

import nova.conf
from nova import rpc

CONF = nova.conf.CONF

RPC_TOPIC = "compute"


class ComputeAPI:
    VERSION_ALIASES: dict = {}

    def __init__(self, transport=None):
        target = messaging.Target(topic=RPC_TOPIC, version="6.0")
        self.client = rpc.get_client(target, transport=transport)

    def get_host_uptime(self, ctxt, host):
        """The uptime string of compute host ``host``'s hypervisor."""
        cctxt = self.client.prepare(server=host, version="6.0")
        return cctxt.call(ctxt, "get_host_uptime")

    def cache_images(self, ctxt, host, image_ids):
        """Ask compute ``host`` to cache ``image_ids``; {image_id: outcome}.

        Outcomes: 'cached' (fetched now), 'existing' (already there),
        'unsupported' (the hypervisor has no image cache) or 'error'.
        Fetching can be slow: the call waits up to [DEFAULT] long_rpc_timeout
        while the compute keeps telling it that it is still working.
        """
        cctxt = self.client.prepare(server=host, version="6.1",
                                    call_monitor_timeout=CONF.rpc_response_timeout,
                                    timeout=CONF.long_rpc_timeout)
        return cctxt.call(ctxt, "cache_images", image_ids=image_ids)

    def set_host_enabled(self, ctxt, host, enabled):
        """Tell compute ``host`` its service was enabled/disabled (a cast).

        The compute adds or removes COMPUTE_STATUS_DISABLED on its resource
        providers; the API does not wait for Placement.
        """
        cctxt = self.client.prepare(server=host, version="6.2")
        cctxt.cast(ctxt, "set_host_enabled", enabled=enabled)

    # -- instances ------------------------------------------------------------------

    def _cast(self, ctxt, host, method, **kwargs):
        cctxt = self.client.prepare(server=host, version="6.3")
        cctxt.cast(ctxt, method, **kwargs)

    def build_and_run_instance(self, ctxt, instance, host, image, request_spec,
                               filter_properties, admin_password=None, injected_files=None,
                               requested_networks=None, security_groups=None,
                               block_device_mapping=None, node=None, limits=None,
                               host_list=None, accel_uuids=None):
        """Build ``instance`` on ``host`` (a cast; the compute reports by state)."""
        self._cast(ctxt, host, "build_and_run_instance", instance=instance, image=image,
                   request_spec=request_spec, filter_properties=filter_properties,
                   admin_password=admin_password, injected_files=injected_files,
                   requested_networks=requested_networks, security_groups=security_groups,
                   block_device_mapping=block_device_mapping, node=node, limits=limits,
                   host_list=host_list, accel_uuids=accel_uuids)

    def terminate_instance(self, ctxt, instance, bdms=None):
        self._cast(ctxt, instance.host, "terminate_instance", instance=instance, bdms=bdms)

    def reboot_instance(self, ctxt, instance, block_device_info=None, reboot_type="SOFT"):
        self._cast(ctxt, instance.host, "reboot_instance", instance=instance,
                   block_device_info=block_device_info, reboot_type=reboot_type)

    def start_instance(self, ctxt, instance):
        self._cast(ctxt, instance.host, "start_instance", instance=instance)

    def stop_instance(self, ctxt, instance, clean_shutdown=True):
        self._cast(ctxt, instance.host, "stop_instance", instance=instance,
                   clean_shutdown=clean_shutdown)

    def pause_instance(self, ctxt, instance):
        self._cast(ctxt, instance.host, "pause_instance", instance=instance)

    def unpause_instance(self, ctxt, instance):
        self._cast(ctxt, instance.host, "unpause_instance", instance=instance)

    def suspend_instance(self, ctxt, instance):
        self._cast(ctxt, instance.host, "suspend_instance", instance=instance)

    def resume_instance(self, ctxt, instance):
        self._cast(ctxt, instance.host, "resume_instance", instance=instance)

    def external_instance_event(self, ctxt, instances, events, host=None):
        """Hand external events (InstanceExternalEvent) to the instances' host (a cast)."""
        host = host or instances[0].host
        cctxt = self.client.prepare(server=host, version="6.4")
        cctxt.cast(ctxt, "external_instance_event", instances=instances, events=events)

    def trigger_crash_dump(self, ctxt, instance):
        self._cast(ctxt, instance.host, "trigger_crash_dump", instance=instance)
