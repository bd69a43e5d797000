"""nova: an OpenStack Compute control plane."""

from nova import concurrency as _concurrency

# Before any oslo library (or the standard library through them) is used.
_concurrency.select()
