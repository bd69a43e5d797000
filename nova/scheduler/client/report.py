"""SchedulerReportClient: nova's client of the Placement API.

Every call goes through one keystoneauth1 adapter built from the
[placement] options and names the Placement microversion it needs, so a
Placement that is newer than nova answers with the behaviour nova expects.

Authentication: when ``[placement] auth_type`` is unset (or ``none``) the
client sends the static token ``admin`` to ``[placement] endpoint_override``;
that is how Placement's ``noauth2`` strategy (the embedded all-in-one
default) recognises an administrator. Any other auth_type is loaded by
keystoneauth1 as usual (e.g. ``password`` against Keystone, with the
endpoint taken from the service catalog).

The client caches what it last pushed for each provider (a ProviderTree);
``update_from_provider_tree`` sends only differences. Resource provider
generation conflicts (another writer changed the provider) are retried
after re-reading the provider; consumer generation conflicts while claiming
are reported to the caller, who holds the knowledge needed to resolve them.
"""

import functools
import threading
import time

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import token_endpoint
from oslo_log import log as logging
import os_traits

import nova.conf
from nova.compute import provider_tree
from nova import exception
from nova import service_auth
from nova.scheduler.client import placement_versions as versions

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

NOAUTH_ADMIN_TOKEN = "admin"
CONCURRENT_UPDATE = "placement.concurrent_update"
INVENTORY_IN_USE = "placement.inventory.inuse"
MAX_RETRIES = 4


class Retry(Exception):
    """Internal: a generation conflict Placement resolved for us; try again."""

    def __init__(self, operation, reason):
        super().__init__("%s: %s" % (operation, reason))
        self.operation = operation
        self.reason = reason


def retries(fn):
    """Call ``fn`` again (up to MAX_RETRIES times) while it raises Retry."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        for attempt in range(MAX_RETRIES):
            try:
                return fn(self, *args, **kwargs)
            except Retry as exc:
                LOG.debug("Retrying %s (attempt %d): %s", exc.operation, attempt + 1,
                          exc.reason)
                time.sleep(0.05 * (attempt + 1))
        LOG.error("%s failed after %d attempts", fn.__name__, MAX_RETRIES)
        return False
    return wrapper


def safe_connect(fn):
    """Log and swallow a Placement that cannot be reached; the caller sees None."""
    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        try:
            return fn(self, *args, **kwargs)
        except ks_exc.EndpointNotFound:
            LOG.warning("The placement API endpoint was not found.")
        except ks_exc.MissingAuthPlugin:
            LOG.warning("No authentication information found for placement API.")
        except ks_exc.Unauthorized:
            LOG.warning("Placement service credentials do not work.")
        except ks_exc.DiscoveryFailure:
            LOG.warning("Discovering suitable URL for placement API failed.")
        except ks_exc.ConnectTimeout:
            LOG.warning("Placement API service did not answer within [placement] "
                        "timeout (%ss).", CONF.placement.timeout)
        except ks_exc.ConnectionError:
            LOG.warning("Placement API service is not responding.")
        return None
    return wrapper


def error_code(resp):
    """The ``code`` of the first error Placement returned, or None."""
    try:
        return resp.json()["errors"][0].get("code")
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def error_detail(resp):
    try:
        return resp.json()["errors"][0].get("detail") or resp.text
    except (ValueError, KeyError, IndexError, TypeError):
        return resp.text


def build_adapter():
    """A keystoneauth1 Adapter for Placement configured from [placement].

    The session and the credentials' plugin (and so its token) are the
    process's shared ones (nova.service_auth), whichever report client asks.
    """
    auth = service_auth.conf_auth("placement")
    if auth is None:
        auth = token_endpoint.Token(CONF.placement.endpoint_override, NOAUTH_ADMIN_TOKEN)
    return service_auth.adapter("placement", auth)


class SchedulerReportClient:
    """Placement calls for the scheduler, the resource tracker and nova-manage."""

    def __init__(self, adapter=None):
        self._adapter = adapter
        self._lock = threading.RLock()
        self._provider_tree = provider_tree.ProviderTree()
        self._refreshed = {}  # root provider uuid -> time.monotonic() of the last read

    # -- HTTP ---------------------------------------------------------------

    @property
    def _client(self):
        if self._adapter is None:
            self._adapter = build_adapter()
        return self._adapter

    def _call(self, method, url, version, context=None, body=None):
        kwargs = {"microversion": version, "raise_exc": False,
                  "headers": {"accept": "application/json"}}
        if body is not None:
            kwargs["json"] = body
        if context is not None and getattr(context, "global_id", None):
            kwargs["global_request_id"] = context.global_id
        return self._client.request(url, method, **kwargs)

    def get(self, url, version=None, context=None):
        return self._call("GET", url, version, context)

    def post(self, url, body, version=None, context=None):
        return self._call("POST", url, version, context, body)

    def put(self, url, body, version=None, context=None):
        return self._call("PUT", url, version, context, body)

    def delete(self, url, version=None, context=None):
        return self._call("DELETE", url, version, context)

    def clear_provider_cache(self):
        with self._lock:
            self._provider_tree = provider_tree.ProviderTree()
            self._refreshed = {}

    # -- resource providers -------------------------------------------------------

    def _get_resource_provider(self, context, uuid):
        resp = self.get("/resource_providers/%s" % uuid, versions.NESTED, context)
        if resp.status_code == 200:
            return resp.json()
        if resp.status_code == 404:
            return None
        LOG.error("Failed to retrieve resource provider %s: %s %s", uuid,
                  resp.status_code, resp.text)
        raise exception.ResourceProviderRetrievalFailed(uuid=uuid)

    def _get_providers_in_tree(self, context, uuid):
        resp = self.get("/resource_providers?in_tree=%s" % uuid, versions.NESTED, context)
        if resp.status_code == 200:
            return resp.json()["resource_providers"]
        LOG.error("Failed to retrieve the provider tree of %s: %s %s", uuid,
                  resp.status_code, resp.text)
        raise exception.ResourceProviderRetrievalFailed(uuid=uuid)

    def _create_resource_provider(self, context, uuid, name, parent_provider_uuid=None):
        body = {"uuid": uuid, "name": name}
        if parent_provider_uuid is not None:
            body["parent_provider_uuid"] = parent_provider_uuid
        resp = self.post("/resource_providers", body, versions.POST_RP_RETURNS_BODY, context)
        if resp.status_code == 200:
            LOG.info("Created resource provider record via placement API for resource "
                     "provider with UUID %s and name %s.", uuid, name)
            return resp.json()
        if resp.status_code == 409:
            # Somebody else created it, or the name is taken: see which.
            existing = self._get_resource_provider(context, uuid)
            if existing is not None:
                return existing
        LOG.error("Failed to create resource provider %s (%s): %s %s", name, uuid,
                  resp.status_code, resp.text)
        raise exception.ResourceProviderCreationFailed(name=name)

    def get_provider_by_name(self, context, name):
        resp = self.get("/resource_providers?name=%s" % name, versions.NESTED, context)
        if resp.status_code == 200:
            providers = resp.json()["resource_providers"]
            if len(providers) == 1:
                return providers[0]
            if not providers:
                raise exception.ResourceProviderNotFound(name_or_uuid=name)
        raise exception.ResourceProviderRetrievalFailed(uuid=name)

    def _refresh_provider(self, context, uuid):
        """Reload one provider's generation, inventory, traits and aggregates."""
        record = self._get_resource_provider(context, uuid)
        if record is None:
            raise exception.ResourceProviderNotFound(name_or_uuid=uuid)
        tree = self._provider_tree
        tree.populate_from_placement([record])
        inventory = self.get_inventory(context, uuid) or {}
        tree.update_inventory(uuid, inventory.get("inventories", {}),
                              generation=inventory.get("resource_provider_generation"))
        traits = self.get_provider_traits(context, uuid)
        tree.update_traits(uuid, traits["traits"], generation=traits["generation"])
        aggs = self.get_provider_aggregates(context, uuid)
        tree.update_aggregates(uuid, aggs["aggregates"], generation=aggs["generation"])

    def get_provider_tree_and_ensure_root(self, context, rp_uuid, name=None,
                                          parent_provider_uuid=None):
        """A copy of the cached tree rooted at ``rp_uuid``; the root is created if missing."""
        with self._lock:
            tree = self._provider_tree
            if tree.exists(rp_uuid) and not self._refresh_due(rp_uuid):
                return tree.copy()
            # Unknown, or time to look again: others (operators, other
            # services) may have changed traits, aggregates or allocation
            # ratios, or deleted the provider.
            record = self._get_resource_provider(context, rp_uuid)
            if record is None:
                if tree.exists(rp_uuid):
                    tree.remove(rp_uuid)
                record = self._create_resource_provider(
                    context, rp_uuid, name or rp_uuid, parent_provider_uuid)
            self._refresh_tree(context, record["uuid"])
            return tree.copy()

    def _refresh_due(self, rp_uuid):
        interval = CONF.compute.resource_provider_association_refresh
        if not interval:
            return False
        last = self._refreshed.get(rp_uuid)
        return last is None or time.monotonic() - last > interval

    def _refresh_tree(self, context, rp_uuid):
        """Re-read the provider tree rooted at ``rp_uuid`` into the cache."""
        providers = self._get_providers_in_tree(context, rp_uuid)
        seen = {p["uuid"] for p in providers}
        tree = self._provider_tree
        if tree.exists(rp_uuid):
            for uuid in reversed(tree.get_provider_uuids(rp_uuid)):
                if uuid not in seen and tree.exists(uuid):
                    tree.remove(uuid)
        tree.populate_from_placement(providers)
        for provider in providers:
            self._refresh_provider(context, provider["uuid"])
        self._refreshed[rp_uuid] = time.monotonic()

    def delete_resource_provider(self, context, rp_uuid, cascade=False):
        """Delete a provider (``cascade``: its allocations first)."""
        if cascade:
            resp = self.get("/resource_providers/%s/allocations" % rp_uuid,
                            versions.NESTED, context)
            if resp.status_code == 200:
                for consumer in resp.json()["allocations"]:
                    self.delete_allocation_for_instance(context, consumer, force=True)
        resp = self.delete("/resource_providers/%s" % rp_uuid, versions.NESTED, context)
        with self._lock:
            if self._provider_tree.exists(rp_uuid):
                self._provider_tree.remove(rp_uuid)
        if resp.status_code in (204, 404):
            return True
        if resp.status_code == 409:
            raise exception.ResourceProviderInUse()
        raise exception.ResourceProviderUpdateFailed(
            url="/resource_providers/%s" % rp_uuid, error=error_detail(resp))

    # -- inventories ------------------------------------------------------------

    def get_inventory(self, context, rp_uuid):
        resp = self.get("/resource_providers/%s/inventories" % rp_uuid,
                        versions.INVENTORY, context)
        if resp.status_code == 200:
            return resp.json()
        return None

    def _generation(self, context, rp_uuid):
        record = self._get_resource_provider(context, rp_uuid)
        if record is None:
            raise exception.ResourceProviderNotFound(name_or_uuid=rp_uuid)
        return record["generation"]

    def set_inventory_for_provider(self, context, rp_uuid, inv_data):
        """Make the provider's inventory exactly ``inv_data`` ({rc: record}).

        Generation conflicts are retried after re-reading the provider's
        generation; an inventory still consumed by allocations raises
        InventoryInUse.
        """
        url = "/resource_providers/%s/inventories" % rp_uuid
        for _attempt in range(MAX_RETRIES):
            generation = self._generation(context, rp_uuid)
            body = {"resource_provider_generation": generation, "inventories": inv_data}
            resp = self.put(url, body, versions.INVENTORY, context)
            if resp.status_code == 200:
                data = resp.json()
                with self._lock:
                    if self._provider_tree.exists(rp_uuid):
                        self._provider_tree.update_inventory(
                            rp_uuid, inv_data, generation=data["resource_provider_generation"])
                return True
            code = error_code(resp)
            if resp.status_code == 409 and code == INVENTORY_IN_USE:
                raise exception.InventoryInUse(resource_class=error_detail(resp),
                                               uuid=rp_uuid)
            if resp.status_code == 409 and code == CONCURRENT_UPDATE:
                LOG.debug("Inventory of %s changed meanwhile; retrying", rp_uuid)
                continue
            raise exception.ResourceProviderUpdateFailed(url=url, error=error_detail(resp))
        raise exception.ResourceProviderUpdateConflict(
            uuid=rp_uuid, generation=generation, error="retries exhausted")

    # -- traits -------------------------------------------------------------------

    def _ensure_traits(self, context, traits):
        """Create the custom traits among ``traits`` that Placement lacks."""
        traits = sorted(set(traits))
        if not traits:
            return
        resp = self.get("/traits?name=in:%s" % ",".join(traits), versions.TRAITS, context)
        if resp.status_code != 200:
            raise exception.TraitRetrievalFailed(error=error_detail(resp))
        missing = set(traits) - set(resp.json()["traits"])
        for name in sorted(missing):
            if not name.startswith(os_traits.CUSTOM_NAMESPACE):
                raise exception.TraitCreationFailed(
                    name=name, error="only CUSTOM_ traits can be created")
            resp = self.put("/traits/%s" % name, None, versions.TRAITS, context)
            if resp.status_code not in (201, 204):
                raise exception.TraitCreationFailed(name=name, error=error_detail(resp))

    def get_provider_traits(self, context, rp_uuid):
        """{'traits': set, 'generation': int} of a provider."""
        resp = self.get("/resource_providers/%s/traits" % rp_uuid, versions.TRAITS, context)
        if resp.status_code == 200:
            data = resp.json()
            return {"traits": set(data["traits"]),
                    "generation": data["resource_provider_generation"]}
        raise exception.ResourceProviderTraitRetrievalFailed(uuid=rp_uuid)

    def set_traits_for_provider(self, context, rp_uuid, traits, generation=None):
        """Replace the provider's traits; custom ones are created first."""
        self._ensure_traits(context, traits)
        url = "/resource_providers/%s/traits" % rp_uuid
        for _attempt in range(MAX_RETRIES):
            if generation is None:
                current = self._generation(context, rp_uuid)
            else:
                current, generation = generation, None
            body = {"traits": sorted(set(traits)), "resource_provider_generation": current}
            resp = self.put(url, body, versions.TRAITS, context)
            if resp.status_code == 200:
                data = resp.json()
                with self._lock:
                    if self._provider_tree.exists(rp_uuid):
                        self._provider_tree.update_traits(
                            rp_uuid, traits, generation=data["resource_provider_generation"])
                return True
            if resp.status_code == 409 and error_code(resp) == CONCURRENT_UPDATE:
                continue
            raise exception.ResourceProviderUpdateFailed(url=url, error=error_detail(resp))
        raise exception.ResourceProviderUpdateConflict(
            uuid=rp_uuid, generation=current, error="retries exhausted")

    def update_provider_status_trait(self, context, rp_uuid, disabled):
        """Add (``disabled``) or remove COMPUTE_STATUS_DISABLED on a provider."""
        current = self.get_provider_traits(context, rp_uuid)
        traits = set(current["traits"])
        if disabled:
            traits.add(os_traits.COMPUTE_STATUS_DISABLED)
        else:
            traits.discard(os_traits.COMPUTE_STATUS_DISABLED)
        if traits == current["traits"]:
            return False
        return self.set_traits_for_provider(context, rp_uuid, traits)

    # -- aggregates ---------------------------------------------------------------

    def get_provider_aggregates(self, context, rp_uuid):
        """{'aggregates': set, 'generation': int} of a provider."""
        resp = self.get("/resource_providers/%s/aggregates" % rp_uuid,
                        versions.AGGREGATES, context)
        if resp.status_code == 200:
            data = resp.json()
            return {"aggregates": set(data["aggregates"]),
                    "generation": data["resource_provider_generation"]}
        raise exception.ResourceProviderAggregateRetrievalFailed(uuid=rp_uuid)

    def set_aggregates_for_provider(self, context, rp_uuid, aggregates, generation=None):
        """Replace the provider's aggregates (a conflict raises ResourceProviderUpdateConflict)."""
        if generation is None:
            generation = self._generation(context, rp_uuid)
        url = "/resource_providers/%s/aggregates" % rp_uuid
        body = {"aggregates": sorted(set(aggregates)),
                "resource_provider_generation": generation}
        resp = self.put(url, body, versions.AGGREGATES, context)
        if resp.status_code == 200:
            data = resp.json()
            with self._lock:
                if self._provider_tree.exists(rp_uuid):
                    self._provider_tree.update_aggregates(
                        rp_uuid, aggregates, generation=data["resource_provider_generation"])
            return True
        if resp.status_code == 409 and error_code(resp) == CONCURRENT_UPDATE:
            raise exception.ResourceProviderUpdateConflict(
                uuid=rp_uuid, generation=generation, error=error_detail(resp))
        raise exception.ResourceProviderUpdateFailed(url=url, error=error_detail(resp))

    def _change_host_aggregate(self, context, agg_uuid, host_name, add):
        provider = self.get_provider_by_name(context, host_name)
        for _attempt in range(MAX_RETRIES):
            current = self.get_provider_aggregates(context, provider["uuid"])
            aggregates = set(current["aggregates"])
            if (agg_uuid in aggregates) == add:
                return True
            if add:
                aggregates.add(agg_uuid)
            else:
                aggregates.discard(agg_uuid)
            try:
                return self.set_aggregates_for_provider(
                    context, provider["uuid"], aggregates, generation=current["generation"])
            except exception.ResourceProviderUpdateConflict:
                continue
        raise exception.ResourceProviderUpdateConflict(
            uuid=provider["uuid"], generation=current["generation"], error="retries exhausted")

    def aggregate_add_host(self, context, agg_uuid, host_name):
        """Put the provider named ``host_name`` into placement aggregate ``agg_uuid``."""
        try:
            return self._change_host_aggregate(context, agg_uuid, host_name, True)
        except exception.ResourceProviderNotFound:
            raise exception.NovaPlacementAggregateNotFound(host=host_name, agg=agg_uuid)

    def aggregate_remove_host(self, context, agg_uuid, host_name):
        """Take the provider named ``host_name`` out of placement aggregate ``agg_uuid``."""
        try:
            return self._change_host_aggregate(context, agg_uuid, host_name, False)
        except exception.ResourceProviderNotFound:
            raise exception.NovaPlacementAggregateNotFound(host=host_name, agg=agg_uuid)

    # -- provider trees -------------------------------------------------------------

    def update_from_provider_tree(self, context, new_tree, allocations=None):
        """Push to Placement what differs between ``new_tree`` and the cached tree.

        Providers in the cache but not in ``new_tree`` are deleted (children
        before parents); new ones are created; inventories, traits and
        aggregates that changed are replaced. On any failure the cache is
        dropped (the next run re-reads Placement) and ResourceProviderSyncFailed
        is raised.
        """
        with self._lock:
            try:
                self._update_from_provider_tree(context, new_tree)
            except (exception.NovaException, Retry) as exc:
                LOG.error("Could not synchronise placement with the provider tree: %s", exc)
                self.clear_provider_cache()
                raise exception.ResourceProviderSyncFailed()

    def _update_from_provider_tree(self, context, new_tree):
        cached = self._provider_tree
        wanted = new_tree.get_provider_uuids()
        for uuid in reversed(cached.get_provider_uuids()):
            if uuid not in wanted:
                self.delete_resource_provider(context, uuid, cascade=True)
        for uuid in wanted:
            data = new_tree.data(uuid)
            if not cached.exists(uuid):
                record = self._create_resource_provider(context, uuid, data.name,
                                                        data.parent_uuid)
                cached.populate_from_placement([record])
            if cached.has_inventory_changed(uuid, data.inventory):
                self.set_inventory_for_provider(context, uuid, data.inventory)
            if cached.have_traits_changed(uuid, data.traits):
                self.set_traits_for_provider(context, uuid, data.traits)
            if cached.have_aggregates_changed(uuid, data.aggregates):
                self.set_aggregates_for_provider(context, uuid, data.aggregates)

    # -- allocation candidates and allocations -------------------------------------------

    @safe_connect
    def _get_allocation_candidates(self, context, resources):
        version = versions.ALLOCATION_CANDIDATES
        url = "/allocation_candidates?%s" % resources.to_querystring()
        resp = self.get(url, version, context)
        if resp.status_code == 200:
            data = resp.json()
            return data["allocation_requests"], data["provider_summaries"], version
        LOG.error("Failed to retrieve allocation candidates from placement API for "
                  "filters %(qs)s. Got %(code)d: %(text)s.",
                  {"qs": url, "code": resp.status_code, "text": resp.text})
        return None, None, None

    def get_allocation_candidates(self, context, resources):
        """(allocation_requests, provider_summaries, version) for ``resources``.

        ``resources`` offers ``to_querystring()`` (nova/scheduler/utils.py
        ResourceRequest). (None, None, None) when Placement fails.
        """
        return self._get_allocation_candidates(context, resources) or (None, None, None)

    def get_allocs_for_consumer(self, context, consumer):
        """The whole GET /allocations/{consumer} body (allocations, consumer_generation...)."""
        resp = self.get("/allocations/%s" % consumer, versions.CONSUMER_GENERATION, context)
        if resp.status_code != 200:
            raise exception.ConsumerAllocationRetrievalFailed(
                consumer_uuid=consumer, error=error_detail(resp))
        return resp.json()

    def get_allocations_for_consumer(self, context, consumer):
        """{rp_uuid: {'resources': {...}, 'generation': ...}} of a consumer ({} if none)."""
        return self.get_allocs_for_consumer(context, consumer)["allocations"]

    def get_allocations_for_resource_provider(self, context, rp_uuid):
        """{consumer_uuid: {'resources': {...}}} of a provider."""
        resp = self.get("/resource_providers/%s/allocations" % rp_uuid,
                        versions.NESTED, context)
        if resp.status_code != 200:
            raise exception.ResourceProviderRetrievalFailed(uuid=rp_uuid)
        return resp.json()["allocations"]

    def _put_allocations(self, context, consumer_uuid, payload, version):
        """PUT the allocations; Retry on a provider generation race, raise on a consumer one."""
        resp = self.put("/allocations/%s" % consumer_uuid, payload, version, context)
        if resp.status_code == 204:
            return True
        LOG.warning("Unable to submit allocation for instance %(uuid)s (%(code)i %(text)s)",
                    {"uuid": consumer_uuid, "code": resp.status_code, "text": resp.text})
        if resp.status_code == 409 and error_code(resp) == CONCURRENT_UPDATE:
            detail = error_detail(resp)
            if "consumer generation conflict" in detail:
                raise exception.AllocationUpdateFailed(
                    consumer_uuid=consumer_uuid,
                    error="another process changed the consumer %s after the report "
                          "client read its state" % consumer_uuid)
            # Only the providers' generations can have moved (the caller does
            # not pass them): a race inside Placement, safe to retry.
            raise Retry("put_allocations", detail)
        return False

    @safe_connect
    @retries
    def claim_resources(self, context, consumer_uuid, alloc_request, project_id, user_id,
                        allocation_request_version, consumer_generation=None):
        """Claim ``alloc_request`` (an allocation candidate) for a consumer.

        True on success, False when Placement refused (e.g. no capacity left).
        A consumer generation conflict raises AllocationUpdateFailed: the
        consumer (a new one when ``consumer_generation`` is None) was changed
        by someone else since the caller looked.
        """
        payload = {"allocations": {
            rp: {"resources": dict(alloc["resources"])}
            for rp, alloc in alloc_request["allocations"].items()}}
        if "mappings" in alloc_request and \
                _version_tuple(allocation_request_version) >= (1, 34):
            payload["mappings"] = alloc_request["mappings"]
        payload["project_id"] = project_id
        payload["user_id"] = user_id
        version = allocation_request_version
        if _version_tuple(version) < _version_tuple(versions.CONSUMER_GENERATION):
            version = versions.CONSUMER_GENERATION
        payload["consumer_generation"] = consumer_generation
        return self._put_allocations(context, consumer_uuid, payload, version)

    @safe_connect
    @retries
    def put_allocations(self, context, consumer_uuid, payload):
        """PUT a full allocations body (with project_id, user_id, consumer_generation)."""
        return self._put_allocations(context, consumer_uuid, payload,
                                     versions.CONSUMER_GENERATION)

    @safe_connect
    @retries
    def move_allocations(self, context, source_consumer_uuid, target_consumer_uuid):
        """Give the allocations of one consumer to another, atomically.

        One POST /allocations empties ``source_consumer_uuid`` and replaces
        whatever ``target_consumer_uuid`` held with them: a move hands the
        instance's source allocation to its migration record (and a revert
        hands it back). True when something moved, False when the source
        holds nothing; a consumer generation conflict raises
        AllocationMoveFailed.
        """
        source = self.get_allocs_for_consumer(context, source_consumer_uuid)
        allocations = source.get("allocations") or {}
        if not allocations:
            LOG.debug("Consumer %s holds no allocation to move to %s",
                      source_consumer_uuid, target_consumer_uuid)
            return False
        target = self.get_allocs_for_consumer(context, target_consumer_uuid)
        payload = {
            source_consumer_uuid: {
                "allocations": {}, "project_id": source["project_id"],
                "user_id": source["user_id"],
                "consumer_generation": source.get("consumer_generation")},
            target_consumer_uuid: {
                "allocations": {rp: {"resources": dict(alloc["resources"])}
                                for rp, alloc in allocations.items()},
                "project_id": source["project_id"], "user_id": source["user_id"],
                "consumer_generation": target.get("consumer_generation")},
        }
        resp = self.post("/allocations", payload, versions.MOVE_ALLOCATIONS, context)
        if resp.status_code == 204:
            LOG.info("Moved the allocations of %s to %s", source_consumer_uuid,
                     target_consumer_uuid)
            return True
        if resp.status_code == 409 and error_code(resp) == CONCURRENT_UPDATE:
            detail = error_detail(resp)
            if "consumer generation conflict" not in detail:
                raise Retry("move_allocations", detail)
        raise exception.AllocationMoveFailed(
            source_consumer=source_consumer_uuid, target_consumer=target_consumer_uuid,
            error=error_detail(resp))

    @safe_connect
    @retries
    def merge_allocations(self, context, source_consumer_uuid, target_consumer_uuid):
        """Add the allocations of one consumer to another's, atomically (one
        POST /allocations; the source ends empty). An evacuation's claim,
        made for its migration, joins the instance's source allocation."""
        source = self.get_allocs_for_consumer(context, source_consumer_uuid)
        target = self.get_allocs_for_consumer(context, target_consumer_uuid)
        merged = {rp: {"resources": dict(alloc["resources"])}
                  for rp, alloc in (target.get("allocations") or {}).items()}
        for rp, alloc in (source.get("allocations") or {}).items():
            resources = merged.setdefault(rp, {"resources": {}})["resources"]
            for rc, amount in alloc["resources"].items():
                resources[rc] = resources.get(rc, 0) + amount
        owner = target if target.get("project_id") else source
        payload = {
            source_consumer_uuid: {
                "allocations": {}, "project_id": source["project_id"],
                "user_id": source["user_id"],
                "consumer_generation": source.get("consumer_generation")},
            target_consumer_uuid: {
                "allocations": merged, "project_id": owner["project_id"],
                "user_id": owner["user_id"],
                "consumer_generation": target.get("consumer_generation")},
        }
        resp = self.post("/allocations", payload, versions.MOVE_ALLOCATIONS, context)
        if resp.status_code == 204:
            return True
        if resp.status_code == 409 and error_code(resp) == CONCURRENT_UPDATE:
            raise Retry("merge_allocations", error_detail(resp))
        raise exception.AllocationMoveFailed(
            source_consumer=source_consumer_uuid, target_consumer=target_consumer_uuid,
            error=error_detail(resp))

    @safe_connect
    @retries
    def remove_provider_from_consumer(self, context, consumer_uuid, rp_uuid):
        """Drop provider ``rp_uuid`` from the consumer's allocations (the
        source host of an evacuated server); True when something changed."""
        current = self.get_allocs_for_consumer(context, consumer_uuid)
        allocations = current.get("allocations") or {}
        if rp_uuid not in allocations:
            return False
        payload = {"allocations": {rp: {"resources": dict(alloc["resources"])}
                                   for rp, alloc in allocations.items() if rp != rp_uuid},
                   "project_id": current["project_id"], "user_id": current["user_id"],
                   "consumer_generation": current["consumer_generation"]}
        return self._put_allocations(context, consumer_uuid, payload,
                                     versions.CONSUMER_GENERATION)

    @safe_connect
    def delete_allocation_for_instance(self, context, instance_uuid, force=False):
        """Release the consumer's allocations.

        ``force`` deletes them whatever their generation; otherwise they are
        emptied at the generation read just before, and a concurrent change
        raises AllocationDeleteFailed. True when something was deleted.
        """
        url = "/allocations/%s" % instance_uuid
        if force:
            resp = self.delete(url, versions.CONSUMER_GENERATION, context)
            if resp.status_code == 204:
                LOG.info("Deleted allocations for consumer %s", instance_uuid)
                return True
            if resp.status_code == 404:
                return False
            raise exception.AllocationDeleteFailed(consumer_uuid=instance_uuid,
                                                   error=error_detail(resp))
        current = self.get_allocs_for_consumer(context, instance_uuid)
        if not current.get("allocations"):
            return False
        payload = {"allocations": {}, "project_id": current["project_id"],
                   "user_id": current["user_id"],
                   "consumer_generation": current["consumer_generation"]}
        resp = self.put(url, payload, versions.CONSUMER_GENERATION, context)
        if resp.status_code == 204:
            LOG.info("Deleted allocations for consumer %s", instance_uuid)
            return True
        raise exception.AllocationDeleteFailed(consumer_uuid=instance_uuid,
                                               error=error_detail(resp))

    def release_instance_allocation(self, context, instance_uuid):
        """Delete the instance's allocations or raise ServiceUnavailable.

        For the paths that must not go on without the release (a local
        delete): a Placement that refuses or cannot be reached becomes the
        API's 503 and the server stays, to be deleted again.
        """
        try:
            released = self.delete_allocation_for_instance(context, instance_uuid, force=True)
        except exception.AllocationDeleteFailed as exc:
            raise exception.ServiceUnavailable(
                service="placement", reason=exc.format_message()) from exc
        if released is None:  # Placement could not be reached (logged)
            raise exception.ServiceUnavailable(
                service="placement",
                reason="the allocation of instance %s could not be released" % instance_uuid)
        return released

    # -- usages ---------------------------------------------------------------------

    def _get_usages(self, context, project_id, user_id=None):
        url = "/usages?project_id=%s" % project_id
        if user_id:
            url += "&user_id=%s" % user_id
        resp = self.get(url, versions.USAGES, context)
        if resp.status_code != 200:
            raise exception.UsagesRetrievalFailed(project_id=project_id, user_id=user_id)
        return resp.json()["usages"]

    def get_usages_counts_for_quota(self, context, project_id, user_id=None):
        """{'project': {'cores': n, 'ram': n}, 'user': {...}} counted by Placement."""
        def counts(usages):
            return {"cores": usages.get("VCPU", 0) + usages.get("PCPU", 0),
                    "ram": usages.get("MEMORY_MB", 0)}

        try:
            result = {"project": counts(self._get_usages(context, project_id))}
            if user_id:
                result["user"] = counts(self._get_usages(context, project_id, user_id))
        except ks_exc.ClientException as exc:
            LOG.error("Placement could not be asked for usages: %s", exc)
            raise exception.UsagesRetrievalFailed(project_id=project_id, user_id=user_id)
        return result


def _version_tuple(version):
    major, minor = str(version).split(".")
    return int(major), int(minor)
