"""Query schemas of os-simple-tenant-usage."""

import copy

from nova.api.validation import parameter_types

index_query = {
    "type": "object",
    "properties": {
        "start": parameter_types.multi_params({"type": "string"}),
        "end": parameter_types.multi_params({"type": "string"}),
        "detailed": parameter_types.multi_params({"type": "string"}),
    },
    "additionalProperties": True,
}

show_query = copy.deepcopy(index_query)
del show_query["properties"]["detailed"]

# 2.40: paging over the servers of the report.
index_query_v240 = copy.deepcopy(index_query)
index_query_v240["properties"]["limit"] = parameter_types.multi_params(
    parameter_types.non_negative_integer)
index_query_v240["properties"]["marker"] = parameter_types.multi_params(
    {"type": "string"})
show_query_v240 = copy.deepcopy(show_query)
show_query_v240["properties"].update(copy.deepcopy(
    {k: index_query_v240["properties"][k] for k in ("limit", "marker")}))

# 2.75: unknown query parameters are refused.
index_query_v275 = copy.deepcopy(index_query_v240)
index_query_v275["additionalProperties"] = False
show_query_v275 = copy.deepcopy(show_query_v240)
show_query_v275["additionalProperties"] = False
