"""Policy defaults of nova, one module per API resource.

Each module exposes ``list_rules()``; add a new module to ``MODULES`` and its
rules are registered by nova.policy, listed by oslopolicy-sample-generator
(entry point ``oslo.policy.policies = nova``) and shown in the policy reference.
"""

import itertools

from nova.policies import base

MODULES = (
    base,
)


def list_rules():
    return list(itertools.chain.from_iterable(m.list_rules() for m in MODULES))
