"""Fixtures of the scheduler unit tests."""

from tests.unit.db.conftest import databases  # noqa: F401 (re-exported fixture)
