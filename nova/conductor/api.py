"""What a process calls to reach the conductor: the RPC API plus a liveness wait."""

import time

from oslo_log import log as logging
import oslo_messaging as messaging

from nova import baserpc
from nova.conductor import rpcapi
import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Seconds between pings while no conductor has a queue to receive them.
UNDELIVERABLE_RETRY = 0.5


class API:
    """Conductor access for services (nova-compute) that have no database."""

    def __init__(self):
        self.conductor_rpcapi = rpcapi.ConductorAPI()
        self.base_rpcapi = baserpc.BaseAPI(topic=rpcapi.RPC_TOPIC)

    def wait_until_ready(self, context, early_timeout=10, early_attempts=10):
        """Block until a conductor answers ``ping``.

        The first ``early_attempts`` pings time out after ``early_timeout``
        seconds each, later ones after rpc_response_timeout; every failure is
        logged so an operator sees why the service is not starting.
        """
        attempt = 0
        timeout = early_timeout
        has_timedout = False
        unheard = False
        while True:
            if attempt == early_attempts:
                timeout = None
            try:
                self.base_rpcapi.ping(context, "1.21 GigaWatts", timeout=timeout,
                                      at_least_once=True)
                if has_timedout or unheard:
                    LOG.info("nova-conductor connection established successfully")
                return
            except messaging.MessageUndeliverable:
                # No conductor has its queue yet (RabbitMQ handed the ping
                # back at once, where it would otherwise be dropped and waited
                # for ``timeout`` s): ask again shortly; not an attempt spent.
                if not unheard:
                    LOG.info("No nova-conductor is listening yet; waiting for one")
                unheard = True
                time.sleep(UNDELIVERABLE_RETRY)
                continue
            except messaging.MessagingTimeout:
                attempt += 1
                has_timedout = True
                LOG.warning("Timed out waiting for nova-conductor. Is it running? Or did "
                            "this service start before nova-conductor? Reattempting "
                            "establishment of nova-conductor connection...")

    def object_backport_versions(self, context, objinst, object_versions):
        """A call: ``objinst`` as a primitive at ``object_versions`` (see the rpcapi)."""
        return self.conductor_rpcapi.object_backport_versions(context, objinst,
                                                              object_versions)


class ComputeTaskAPI:
    """What nova-api and nova-compute call to hand orchestration to the conductor.

    Every method is a cast (see nova/conductor/rpcapi.py for the versions
    and what each caller may assume); none returns a result.
    """

    def __init__(self):
        self.conductor_compute_rpcapi = rpcapi.ComputeTaskAPI()

    def cache_images(self, context, aggregate, image_ids):
        """Ask the conductor to pre-cache ``image_ids`` on ``aggregate``'s hosts.

        Returns at once; the conductor works through the hosts in the background.
        """
        self.conductor_compute_rpcapi.cache_images(context, aggregate, image_ids)

    def schedule_and_build_instances(self, context, build_requests, request_specs, image,
                                     admin_password, injected_files, requested_networks,
                                     block_device_mapping, tags=None):
        """Schedule and build new servers (a cast; the API has written their
        build requests, request specs and mappings)."""
        self.conductor_compute_rpcapi.schedule_and_build_instances(
            context, build_requests, request_specs, image, admin_password, injected_files,
            requested_networks, block_device_mapping, tags=tags)

    def build_instances(self, context, instances, image, filter_properties, admin_password,
                        injected_files, requested_networks, security_groups,
                        block_device_mapping=None, request_spec=None, host_lists=None):
        """Reschedule instances a compute failed to build to their alternates (a cast)."""
        self.conductor_compute_rpcapi.build_instances(
            context, instances, image, filter_properties, admin_password, injected_files,
            requested_networks, security_groups,
            block_device_mapping=block_device_mapping, request_spec=request_spec,
            host_lists=host_lists)

    def check_can_rebuild(self):
        """VersionCapExceeded (a 409) now if the conductor cap is below 1.2."""
        self.conductor_compute_rpcapi.router.prepare("rebuild_instance", version="1.2")

    def rebuild_instance(self, context, instance, orig_image_ref, image_ref, injected_files,
                         new_pass, orig_sys_metadata, bdms, preserve_ephemeral=False,
                         request_spec=None, image=None):
        """Rebuild a server on its host, after the scheduler's check of a new image
        (a cast)."""
        self.conductor_compute_rpcapi.rebuild_instance(
            context, instance, orig_image_ref, image_ref, injected_files, new_pass,
            orig_sys_metadata, bdms, preserve_ephemeral=preserve_ephemeral,
            request_spec=request_spec, image=image)

    def unshelve_instance(self, context, instance, request_spec=None):
        """Schedule (if offloaded) and unshelve ``instance`` (a cast)."""
        self.conductor_compute_rpcapi.unshelve_instance(context, instance,
                                                        request_spec=request_spec)

    def migrate_server(self, context, instance, flavor, request_spec=None,
                       clean_shutdown=True, host_list=None, migration=None):
        """Resize or cold-migrate ``instance`` (see the rpcapi, 1.4)."""
        self.conductor_compute_rpcapi.migrate_server(
            context, instance, flavor, request_spec=request_spec,
            clean_shutdown=clean_shutdown, host_list=host_list, migration=migration)

    def live_migrate_instance(self, context, instance, host=None, block_migration=None,
                              disk_over_commit=None, request_spec=None, force=False):
        """Live-migrate ``instance`` (see the rpcapi, 1.4)."""
        self.conductor_compute_rpcapi.live_migrate_instance(
            context, instance, host=host, block_migration=block_migration,
            disk_over_commit=disk_over_commit, request_spec=request_spec, force=force)

    def evacuate_instance(self, context, instance, migration, host=None, force=False,
                          admin_password=None, stop_after=False, request_spec=None):
        """Evacuate ``instance`` (see the rpcapi, 1.4)."""
        self.conductor_compute_rpcapi.evacuate_instance(
            context, instance, migration, host=host, force=force,
            admin_password=admin_password, stop_after=stop_after,
            request_spec=request_spec)
