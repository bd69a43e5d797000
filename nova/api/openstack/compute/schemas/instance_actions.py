"""Query schemas of /servers/{server_id}/os-instance-actions."""

import copy

from nova.api.validation import parameter_types

_TIME = parameter_types.multi_params({"type": "string", "minLength": 1})

# 2.58: paging and changes-since.
list_query_v258 = {
    "type": "object",
    "properties": {
        "limit": parameter_types.multi_params(parameter_types.non_negative_integer),
        "marker": parameter_types.multi_params({"type": "string"}),
        "changes-since": _TIME,
    },
    "additionalProperties": False,
}

# 2.66: changes-before.
list_query_v266 = copy.deepcopy(list_query_v258)
list_query_v266["properties"]["changes-before"] = copy.deepcopy(_TIME)
