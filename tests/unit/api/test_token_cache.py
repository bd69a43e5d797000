"""The process-wide token cache given to keystonemiddleware's auth_token."""

import threading
import time

import pytest
import webob

import nova.conf
from nova.api import token_cache

CONF = nova.conf.CONF


def test_memcache_like_interface_and_expiry(monkeypatch):
    cache = token_cache.TokenCache()
    now = [1000.0]
    monkeypatch.setattr(token_cache, "_now", lambda: now[0])
    assert cache.get("k") is None
    assert cache.set("k", "v", time=10)
    assert cache.get("k") == "v"
    assert cache.add("k", "other") is False
    assert cache.set("n", "1") and cache.incr("n", 2) == 3 and cache.get("n") == "3"
    now[0] += 11
    assert cache.get("k") is None           # expired
    assert cache.add("k", "again") is True and cache.get("k") == "again"
    cache.delete("k")
    assert cache.get("k") is None
    assert cache.get("n") == "3"             # no expiry given: kept


def test_bounded_size():
    cache = token_cache.TokenCache(max_entries=50)
    for i in range(200):
        cache.set("k%d" % i, i, time=300)
    assert len(cache) <= 50
    assert cache.get("k199") == 199


def test_shared_by_threads():
    cache = token_cache.TokenCache()
    errors = []

    def work(n):
        try:
            for i in range(300):
                cache.set("t%d-%d" % (n, i % 20), i, time=60)
                cache.get("t%d-%d" % ((n + 1) % 8, i % 20))
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors
    assert cache.get("t3-5") is not None


@pytest.fixture
def authtoken_conf():
    from keystonemiddleware import auth_token  # noqa: F401 (registers the options)
    yield
    for name in ("memcached_servers", "cache"):
        CONF.clear_override(name, group="keystone_authtoken")


def _seen_environ(filter_factory):
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        start_response("200 OK", [])
        return [b""]

    wrapped = filter_factory(app)
    # delay_auth_decision lets a request without a token through to the app.
    webob.Request.blank("/").get_response(wrapped)
    return wrapped, seen


def test_filter_hands_the_process_cache_to_auth_token(authtoken_conf):
    factory = token_cache.authtoken_filter_factory(
        {}, delay_auth_decision="true", www_authenticate_uri="http://127.0.0.1:1/v3")
    wrapped, seen = _seen_environ(factory)
    assert seen[token_cache.ENVIRON_KEY] is token_cache.process_cache()
    middleware = wrapped.app
    assert middleware._conf.get("cache") == token_cache.ENVIRON_KEY
    # Both threads' requests reach the same cache object.
    assert middleware._token_cache._cache_pool._environment_cache is token_cache.process_cache()


def test_memcached_servers_keep_the_middlewares_own_cache(authtoken_conf):
    CONF.set_override("memcached_servers", ["127.0.0.1:11211"], group="keystone_authtoken")
    factory = token_cache.authtoken_filter_factory(
        {}, delay_auth_decision="true", www_authenticate_uri="http://127.0.0.1:1/v3")
    # (memcached itself is not asked here: the filter is auth_token's own.)
    wrapped = factory(lambda environ, start_response: [])
    assert not isinstance(wrapped, token_cache._WithCache)
    assert wrapped._conf.get("cache") is None


def test_expiry_uses_the_requested_time():
    cache = token_cache.TokenCache()
    cache.set("short", "v", time=0.05)
    assert cache.get("short") == "v"
    time.sleep(0.1)
    assert cache.get("short") is None
