"""The Placement microversions the report client asks for, per kind of call.

Each call names the lowest version that has every feature it uses (see the
Placement API reference, "REST API Version History").
"""

# Nested providers: parent_provider_uuid, ?in_tree, root_provider_uuid.
NESTED = "1.14"
# POST /resource_providers answers with the created provider.
POST_RP_RETURNS_BODY = "1.20"
# Inventories whose reserved equals total (a fully reserved resource).
INVENTORY = "1.26"
# Traits API (PUT /traits/{name}, /resource_providers/{uuid}/traits).
TRAITS = "1.6"
# Aggregates with the provider generation in the PUT body and the answer.
AGGREGATES = "1.19"
# Consumer generations in allocation bodies, GET /allocations/{consumer}.
CONSUMER_GENERATION = "1.28"
# GET /allocation_candidates with granular groups, mappings, root_required
# and same_subtree.
ALLOCATION_CANDIDATES = "1.36"
# GET /usages?project_id=...&user_id=...
USAGES = "1.9"
# POST /allocations moving one consumer's allocations to another with both
# consumers' generations (a move: instance <-> migration record).
MOVE_ALLOCATIONS = "1.28"
