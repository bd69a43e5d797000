"""Fixtures of the functional tests: the running compute API (``api``)."""

from tests.functional.api_fixture import api  # noqa: F401
from tests.functional.placement_fixture import placement  # noqa: F401,E402
