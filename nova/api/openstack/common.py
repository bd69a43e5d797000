"""Helpers the resource modules share: pagination, sorting and links."""

import urllib.parse

from oslo_config import cfg
import webob.exc

CONF = cfg.CONF

# Services that record themselves but serve HTTP, not RPC: they send no
# heartbeat, so os-services and the zones' host lists leave them out (as
# upstream's, which records only the API services and shows none of them)
# rather than show them down.
HTTP_ONLY_BINARIES = frozenset(("nova-osapi_compute", "nova-metadata", "nova-novncproxy",
                                "nova-spicehtml5proxy", "nova-serialproxy"))


def _int_param(req, name, minimum):
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise webob.exc.HTTPBadRequest(explanation="%s param must be an integer" % name)
    if number < minimum:
        raise webob.exc.HTTPBadRequest(
            explanation="%s param must be %s" % (name, "positive" if minimum > 0
                                                   else "non-negative"))
    return number


def get_pagination_params(req):
    """``{"limit": int, "marker": str, "page_size": int}`` with only the given keys."""
    params = {}
    limit = _int_param(req, "limit", 0)
    if limit is not None:
        params["limit"] = limit
    page_size = _int_param(req, "page_size", 0)
    if page_size is not None:
        params["page_size"] = page_size
    if "marker" in req.GET:
        params["marker"] = req.GET["marker"]
    return params


def get_limit_and_marker(req):
    """``(limit, marker)``: limit capped by ``[api] max_limit``, marker or None."""
    params = get_pagination_params(req)
    limit = params.get("limit", CONF.api.max_limit)
    limit = min(CONF.api.max_limit, limit)
    return limit, params.get("marker")


def limited(items, req):
    """The slice of ``items`` that ``offset``/``limit`` query parameters ask for."""
    offset = _int_param(req, "offset", 0) or 0
    limit, _marker = get_limit_and_marker(req)
    return items[offset:offset + limit]


def get_sort_params(req, default_key="created_at", default_dir="desc"):
    """``(sort_keys, sort_dirs)`` from repeated ``sort_key``/``sort_dir`` parameters."""
    keys = [k.strip() for k in req.GET.getall("sort_key")]
    dirs = [d.strip() for d in req.GET.getall("sort_dir")]
    if not keys and default_key:
        keys = [default_key]
    if not dirs and default_dir:
        dirs = [default_dir]
    return keys, dirs


def _prefix(req):
    # Computed once per request: a list view builds two links per item.
    cached = req.environ.get("nova.link_prefix")
    if cached is not None:
        return cached
    prefix = CONF.api.compute_link_prefix
    base = req.application_url  # scheme://host[:port]/v2.1
    if prefix:
        parsed = urllib.parse.urlsplit(base)
        base = prefix.rstrip("/") + parsed.path
    base = base.rstrip("/")
    req.environ["nova.link_prefix"] = base
    return base


def _bookmark_prefix(req):
    cached = req.environ.get("nova.bookmark_prefix")
    if cached is not None:
        return cached
    base = _prefix(req)
    for suffix in ("/v2.1", "/v2"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    req.environ["nova.bookmark_prefix"] = base
    return base


# What urllib.parse.quote(..., safe="") never escapes (ids and uuids are made of it).
_UNESCAPED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def _quote(part):
    part = str(part)
    return part if _UNESCAPED.issuperset(part) else urllib.parse.quote(part, safe="")


def url_for(req, *parts):
    """The absolute URL of ``parts`` under the API endpoint (e.g. ``"flavors", id``)."""
    return "/".join([_prefix(req)] + [_quote(p) for p in parts])


def bookmark_for(req, *parts):
    """The version-less bookmark URL of ``parts`` (e.g. http://host/flavors/1)."""
    return "/".join([_bookmark_prefix(req)] + [_quote(p) for p in parts])


def resource_links(req, collection_name, item_id):
    """The ``self`` and ``bookmark`` links of one resource."""
    return [{"rel": "self", "href": url_for(req, collection_name, item_id)},
            {"rel": "bookmark", "href": bookmark_for(req, collection_name, item_id)}]


def next_link(req, collection_name, marker):
    """The ``next`` link that continues a listing after ``marker``."""
    params = [(k, v) for k, v in req.GET.items() if k != "marker"]
    params.append(("marker", marker))
    return {"rel": "next",
            "href": "%s?%s" % (url_for(req, *collection_name.split("/")),
                               urllib.parse.urlencode(params))}


def collection_links(req, items, collection_name, id_key="id"):
    """``[{"rel": "next", ...}]`` when a full page was returned, else ``[]``.

    ``items`` are the dicts (or objects) of the page just built.
    """
    if not items:
        return []
    limit, _marker = get_limit_and_marker(req)
    if len(items) != limit:
        return []  # a short page is the last one
    last = items[-1]
    marker = last.get(id_key) if isinstance(last, dict) else getattr(last, id_key)
    return [next_link(req, collection_name, marker)]


def link_builder(req):
    """An object with ``url_for``/``bookmark_for``/``resource_links`` bound to ``req``."""
    class _Builder:
        def url_for(self, *parts):
            return url_for(req, *parts)

        def bookmark_for(self, *parts):
            return bookmark_for(req, *parts)

        def resource_links(self, collection_name, item_id):
            return resource_links(req, collection_name, item_id)
    return _Builder()


def get_id_from_href(href):
    """The last path segment of ``href`` (or ``href`` itself when it is an id)."""
    path = urllib.parse.urlsplit(str(href)).path
    return path.rstrip("/").rsplit("/", 1)[-1]
