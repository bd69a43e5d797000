"""Query schemas of GET /limits."""

import copy

from nova.api.validation import parameter_types

index_query = {
    "type": "object",
    "properties": {
        "tenant_id": parameter_types.multi_params({"type": "string"}),
    },
    "additionalProperties": True,
}

# 2.75: unknown query parameters are refused.
index_query_v275 = copy.deepcopy(index_query)
index_query_v275["additionalProperties"] = False
