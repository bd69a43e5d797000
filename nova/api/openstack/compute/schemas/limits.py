"""Query schemas of GET /limits."""

import copy

from nova.api.validation import parameter_types

index_query = {
    "type": "object",
    "properties": {
        "tenant_id": parameter_types.multi_params({"type": "string"}),
        # In the reference's table; nothing is reserved any more, so it changes
        # nothing, but clients (novaclient's ``limits.get(reserved=True)``,
        # Horizon) still send it.
        "reserved": parameter_types.multi_params({"type": "string"}),
    },
    "additionalProperties": True,
}

# 2.75: unknown query parameters are refused.
index_query_v275 = copy.deepcopy(index_query)
index_query_v275["additionalProperties"] = False
