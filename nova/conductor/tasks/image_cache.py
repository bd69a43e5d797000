"""Pre-caching images on the hosts of an aggregate (POST /os-aggregates/{id}/images).

The conductor finds each host's cell, skips hosts whose nova-compute is down
or unknown, and calls ``cache_images`` on up to [image_cache]
precache_concurrency hosts at a time. Each compute answers per image:
cached, existing, unsupported or error; the totals are logged and returned.
"""

import concurrent.futures

from oslo_log import log as logging
import oslo_messaging as messaging

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova import context as nova_context
from nova import exception
from nova import objects
from nova import servicegroup

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

OUTCOMES = ("cached", "existing", "unsupported", "error")


class CacheImagesTask:
    def __init__(self, compute_api=None, servicegroup_api=None):
        self.compute_rpcapi = compute_api or compute_rpcapi.ComputeAPI()
        self.servicegroup_api = servicegroup_api or servicegroup.API()

    def _reachable_hosts(self, context, hosts):
        """[(host, cell context)] of the hosts whose nova-compute is up; the rest skipped."""
        reachable, skipped = [], []
        for host in hosts:
            try:
                cell = objects.HostMapping.get_by_host(context, host).cell_mapping
            except exception.HostMappingNotFound:
                LOG.warning("Host %s is in no cell; not caching images there.", host)
                skipped.append(host)
                continue
            with nova_context.target_cell(context, cell) as cctxt:
                try:
                    service = objects.Service.get_by_compute_host(cctxt, host)
                except exception.ComputeHostNotFound:
                    service = None
            if service is None or not self.servicegroup_api.service_is_up(service):
                LOG.warning("nova-compute on %s is down or unknown; not caching images "
                            "there.", host)
                skipped.append(host)
                continue
            reachable.append((host, cctxt))
        return reachable, skipped

    def _cache_on_host(self, cctxt, host, image_ids):
        try:
            return self.compute_rpcapi.cache_images(cctxt, host, image_ids)
        except messaging.MessagingTimeout:
            LOG.error("Host %s did not finish caching images in time.", host)
        except Exception as exc:
            LOG.error("Host %s failed to cache images: %s", host, exc)
        return {image_id: "error" for image_id in image_ids}

    def execute(self, context, aggregate, image_ids):
        """Cache ``image_ids`` on every reachable host; {"hosts": ..., "images": ...}."""
        hosts, skipped = self._reachable_hosts(context, sorted(aggregate.hosts or []))
        totals = {image_id: dict.fromkeys(OUTCOMES, 0) for image_id in image_ids}
        per_host = {}
        if hosts:
            workers = min(CONF.image_cache.precache_concurrency, len(hosts))
            with concurrent.futures.ThreadPoolExecutor(
                    max_workers=workers, thread_name_prefix="precache") as pool:
                futures = {pool.submit(self._cache_on_host, cctxt, host, image_ids): host
                           for host, cctxt in hosts}
                for future in concurrent.futures.as_completed(futures):
                    host = futures[future]
                    per_host[host] = future.result()
                    for image_id, outcome in per_host[host].items():
                        if image_id in totals and outcome in OUTCOMES:
                            totals[image_id][outcome] += 1
        LOG.info("Image pre-caching for aggregate %(agg)s done on %(hosts)d host(s), "
                 "%(skipped)d skipped: %(totals)s",
                 {"agg": aggregate.id, "hosts": len(per_host), "skipped": len(skipped),
                  "totals": totals})
        return {"hosts": per_host, "skipped": skipped, "images": totals}
