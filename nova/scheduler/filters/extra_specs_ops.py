"""Matching a host value against a flavor extra-spec requirement.

A requirement is either a plain value (for numbers: "at least", otherwise
equality) or an operator followed by operand(s):
``=`` (numeric >=), ``==``, ``!=``, ``>=``, ``<=`` (numeric), ``s==``, ``s!=``,
``s<``, ``s<=``, ``s>``, ``s>=`` (string), ``<in>`` (substring),
``<all-in>`` (every operand in a list value), ``<or>`` (any of the operands).
"""

import operator


def _float(value):
    return float(value)


def _numeric(op):
    def compare(value, operand):
        return op(_float(value), _float(operand))
    return compare


def _all_in(value, operands):
    # A list value holds whole items; a string value holds substrings.
    return all(operand in value for operand in operands)


_ONE_OPERAND = {
    "=": lambda v, o: _float(v) >= _float(o),
    "==": _numeric(operator.eq),
    "!=": _numeric(operator.ne),
    ">=": _numeric(operator.ge),
    "<=": _numeric(operator.le),
    "s==": operator.eq,
    "s!=": operator.ne,
    "s<": operator.lt,
    "s<=": operator.le,
    "s>": operator.gt,
    "s>=": operator.ge,
    "<in>": lambda v, o: o in v,
}


def match(value, req):
    """True when host value ``value`` meets requirement string ``req``."""
    if req is None:
        return False
    words = str(req).split()
    if not words:
        return False
    op = words[0]
    if value is None:
        return False
    try:
        if op == "<or>":
            return any(str(value) == w for w in words[1::2])
        if op == "<all-in>":
            return _all_in(value if isinstance(value, (list, tuple, set))
                           else str(value), words[1:])
        if op in _ONE_OPERAND:
            if len(words) < 2:
                return False
            if op.startswith("s") or op == "<in>":
                value = str(value)
            return bool(_ONE_OPERAND[op](value, words[1]))
    except (ValueError, TypeError):
        return False
    # A bare value: string equality.
    return str(value) == str(req)
