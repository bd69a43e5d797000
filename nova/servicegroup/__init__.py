"""Service membership: heartbeats and the up/down verdict on services."""

from nova.servicegroup.api import API  # noqa: F401
