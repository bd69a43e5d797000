"""[cache]: oslo.cache, which the metadata API uses to keep instance data between requests.

With ``enabled = false`` (the default) the metadata API still caches, in the
memory of each worker, for [api] metadata_cache_expiration seconds; set
``enabled = true`` with a backend such as ``dogpile.cache.pymemcache`` to share
the cache between workers and hosts.
"""

from oslo_cache import _opts as cache_opts
from oslo_cache import core as cache_core


def register_opts(conf):
    cache_core.configure(conf)


def list_opts():
    return {group: opts for group, opts in cache_opts.list_opts()}
