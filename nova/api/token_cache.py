"""One in-process cache of validated tokens for keystonemiddleware's auth_token.

keystonemiddleware caches what Keystone said about a token so that the next
request with the same token is not validated again (``[keystone_authtoken]
token_cache_time``, 300 s by default). With ``memcached_servers`` set, that
cache is memcached, shared by every worker and host: the choice for a
deployment with several API processes.

Without memcached, keystonemiddleware's own fallback keeps one private dict per
*concurrent* request slot, so requests that arrive together with a token seen
before still go to Keystone. ``authtoken_filter_factory`` (the ``authtoken``
filter of etc/nova/api-paste.ini) therefore hands it this process-wide cache
(through its ``cache`` environ-key option) unless the operator configured
``memcached_servers`` or a ``cache`` of their own: one dict, thread-safe, its
entries expiring as the middleware asks, and bounded in size.
"""

import threading
import time

ENVIRON_KEY = "nova.token_cache"
MAX_ENTRIES = 10000


class TokenCache:
    """The subset of a memcache client the auth_token middleware uses."""

    def __init__(self, max_entries=MAX_ENTRIES):
        self._lock = threading.Lock()
        self._data = {}        # key -> (expires at (monotonic) or None, value)
        self.max_entries = max_entries

    def _live(self, key, now):
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] is not None and entry[0] <= now:
            del self._data[key]
            return None
        return entry

    def get(self, key):
        with self._lock:
            entry = self._live(key, _now())
            return entry[1] if entry else None

    def set(self, key, value, time=0, min_compress_len=0):  # noqa: A002 (memcache's name)
        now = _now()
        with self._lock:
            if key not in self._data and len(self._data) >= self.max_entries:
                self._evict(now)
            self._data[key] = (now + time if time else None, value)
        return True

    def add(self, key, value, time=0, min_compress_len=0):  # noqa: A002
        with self._lock:
            if self._live(key, _now()) is not None:
                return False
        return self.set(key, value, time)

    def incr(self, key, delta=1):
        with self._lock:
            entry = self._live(key, _now())
            if entry is None:
                return None
            value = int(entry[1]) + delta
            self._data[key] = (entry[0], str(value))
            return value

    def delete(self, key, time=0):  # noqa: A002
        with self._lock:
            self._data.pop(key, None)
        return True

    def __len__(self):
        return len(self._data)

    def __bool__(self):
        # auth_token tests the environ's cache for truth: an empty cache is still one.
        return True

    def _evict(self, now):
        """Drop expired entries; if none expired, the oldest tenth."""
        for key in [k for k, (expires, _v) in self._data.items()
                    if expires is not None and expires <= now]:
            del self._data[key]
        if len(self._data) >= self.max_entries:
            for key in list(self._data)[:max(1, self.max_entries // 10)]:
                del self._data[key]


def _now():
    return time.monotonic()


_CACHE = TokenCache()


def process_cache():
    return _CACHE


class _WithCache:
    """Put the process cache into every request's environ before auth_token runs."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = _CACHE
        return self.app(environ, start_response)


def authtoken_filter_factory(global_conf, **local_conf):
    """keystonemiddleware's auth_token filter, with the process cache when no other."""
    from keystonemiddleware import auth_token
    import nova.conf

    conf = nova.conf.CONF
    own = (local_conf.get("memcached_servers") or local_conf.get("cache")
           or conf.keystone_authtoken.memcached_servers or conf.keystone_authtoken.cache)
    if own:
        return auth_token.filter_factory(global_conf, **local_conf)
    make_filter = auth_token.filter_factory(global_conf, cache=ENVIRON_KEY, **local_conf)

    def filter_(app):
        return _WithCache(make_filter(app))
    return filter_
