"""Query schemas of GET /os-migrations, by microversion."""

import copy

from nova.api.validation import parameter_types

_TEXT = parameter_types.multi_params({"type": "string"})

# Up to 2.58 upstream accepted any query parameter (unknown ones ignored).
list_query = {
    "type": "object",
    "properties": {
        "hidden": _TEXT, "host": _TEXT, "instance_uuid": _TEXT,
        "source_compute": _TEXT, "status": _TEXT, "migration_type": _TEXT,
    },
    "additionalProperties": True,
}

# 2.59: paging, changes-since; unknown parameters are refused.
list_query_v259 = copy.deepcopy(list_query)
list_query_v259["properties"].update({
    "limit": parameter_types.multi_params(parameter_types.non_negative_integer),
    "marker": _TEXT,
    "changes-since": parameter_types.multi_params({"type": "string", "minLength": 1}),
})
list_query_v259["additionalProperties"] = False

# 2.66: changes-before.
list_query_v266 = copy.deepcopy(list_query_v259)
list_query_v266["properties"]["changes-before"] = parameter_types.multi_params(
    {"type": "string", "minLength": 1})

# 2.80: user_id and project_id.
list_query_v280 = copy.deepcopy(list_query_v266)
list_query_v280["properties"]["user_id"] = _TEXT
list_query_v280["properties"]["project_id"] = _TEXT
