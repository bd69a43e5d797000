"""Fixtures shared by the integration modules.

``neighbours`` (the real Keystone, Glance, Neutron and Placement of
tools/neighbours.py) is registered here, once: a module that imported the
fixture into its own namespace would get a deployment of its own (pytest
caches a fixture per definition), four modules four deployments. The modules
that use it are marked ``pytest.mark.xdist_group("neighbours")`` so that they
run on one worker and share one deployment per run (tests/xdist_order.py).
"""

from tests.integration.neighbours_fixture import neighbours  # noqa: F401
