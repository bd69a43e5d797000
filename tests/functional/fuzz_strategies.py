"""Hypothesis strategies for bad requests: bodies, path ids, query strings, versions.

Most examples are one mistake in an otherwise plausible request, so that the
mistake reaches the code behind the first check: a body built from the
route's schema with one field broken, a real resource id with a bad query
string, a good body under a malformed microversion header, and so on.
"""

import json
import urllib.parse
import uuid

from hypothesis import strategies as st

HUGE = 64 * 1024
MAX_VERSION = "2.100"

# Scalars a field should not hold, or that sit at a limit.
_WRONG_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.just(2 ** 63), st.just(-2 ** 63 - 1),
    st.floats(allow_nan=False), st.just(1e308), st.text(max_size=20), st.just(""),
    st.just(" padded "), st.just("x" * HUGE), st.just([]), st.just({}), st.just([1, "a"]),
    st.just({"nested": {"deep": [None]}}), st.just("\u0000\ud7ff\U0001f600"),
    st.just("lone \ud800 surrogate"), st.text(max_size=5).map(lambda t: t + "\udfff"),
)

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


def _first_type(schema):
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = [k for k in kind if k != "null"][:1] or ["null"]
        kind = kind[0]
    if kind is None:
        if "properties" in schema or "patternProperties" in schema:
            return "object"
        for key in ("anyOf", "oneOf", "allOf"):
            if schema.get(key):
                return _first_type(schema[key][0])
    return kind


def skeleton(schema, depth=0):
    """A plausible (often valid) instance of ``schema``: required fields, small values."""
    if not isinstance(schema, dict) or depth > 6:
        return "fuzz"
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    kind = _first_type(schema)
    if kind == "object":
        props = schema.get("properties", {})
        required = list(schema.get("required", []))
        for key in ("anyOf", "oneOf"):
            for alternative in schema.get(key, [])[:1]:
                required += alternative.get("required", [])
        names = required or list(props)[:1]
        body = {name: skeleton(props.get(name, {}), depth + 1) for name in names}
        for pattern_schema in list(schema.get("patternProperties", {}).values())[:1]:
            if not body:
                body["fuzz-key"] = skeleton(pattern_schema, depth + 1)
        return body
    if kind == "array":
        items = schema.get("items", {})
        return [skeleton(items, depth + 1)] * max(1, schema.get("minItems", 0))
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if schema.get("format") == "uuid":
        return str(uuid.UUID(int=7))
    return "fuzz1"


def _paths(value, prefix=()):
    """Every path to a value inside a JSON document (objects and lists)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def _replace(doc, path, new):
    if not path:
        return new
    doc = json.loads(json.dumps(doc))
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return doc


def _delete(doc, path):
    doc = json.loads(json.dumps(doc))
    target = doc
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return doc


@st.composite
def mutated(draw, base):
    """``base`` with one thing wrong: a field's type or size, a missing or unknown field."""
    paths = list(_paths(base))
    path = draw(st.sampled_from(paths))
    how = draw(st.sampled_from(["wrong", "huge", "unknown", "delete", "keep"]))
    target = base
    for part in path:
        target = target[part]
    if how == "wrong":
        return _replace(base, path, draw(_WRONG_VALUES))
    if how == "huge":
        return _replace(base, path, draw(st.sampled_from(
            ["y" * HUGE, 10 ** 30, -10 ** 30, ["z"] * 2000, {"k%d" % i: i for i in range(500)}])))
    if how == "unknown" and isinstance(target, dict):
        extra = dict(target)
        extra[draw(st.sampled_from(["fuzz_unknown", "", "id", "x" * 300]))] = draw(_JSON)
        return _replace(base, path, extra)
    if how == "delete" and path:
        return _delete(base, path)
    return base


def _encode(doc):
    return json.dumps(doc).encode()


@st.composite
def bodies(draw, route):
    """``(raw bytes or None, content type or None)`` for the route."""
    kind = draw(st.sampled_from(["schema", "schema", "schema", "json", "raw", "none",
                                 "media"]))
    if kind == "none":
        return None, None
    if kind == "raw":
        raw = draw(st.one_of(
            st.binary(min_size=1, max_size=64), st.just(b"{"), st.just(b'{"a": }'),
            st.just(b"\xff\xfe{}"), st.just(b"[" * 5000), st.just(b"nan"),
            st.just(b'{"a": NaN}'), st.just(b'"' + b"s" * HUGE + b'"'),
            st.just(b'{"a": 1, "a": 2}'), st.just(b"\x00")))
        return raw, "application/json"
    if kind == "json":
        return _encode(draw(_JSON)), "application/json"
    schemas = [s for s, _lo, _hi in route.body_schemas]
    base = skeleton(draw(st.sampled_from(schemas))) if schemas else {"fuzz": {}}
    doc = draw(mutated(base))
    if kind == "media":
        return _encode(doc), draw(st.sampled_from(
            ["text/plain", "application/xml", "application/x-www-form-urlencoded",
             "multipart/form-data; boundary=x", "application/json; charset=latin-9",
             "application/vnd.openstack.compute+json"]))
    return _encode(doc), "application/json"


# -- path ids -----------------------------------------------------------------------

_BAD_IDS = st.one_of(
    st.text(min_size=1, max_size=40), st.uuids().map(str), st.just("99999999999999999999999"),
    st.just("-1"), st.just("0"), st.just("1.5"), st.just("%00"), st.just("a" * 2000),
    st.just(".."), st.just("null"), st.just(""), st.just("\u00e9\u4e2d"), st.just(" "),
    st.binary(min_size=1, max_size=8), st.just(b"\xed\xa0\x80"),  # not UTF-8
)


def quote_segment(value):
    if isinstance(value, str):  # bytes are sent as they are, UTF-8 or not
        value = value.encode("utf-8", "surrogatepass")
    return urllib.parse.quote(value, safe="")


@st.composite
def paths(draw, route, real, bad_ids=True):
    """The route's path with each ``{param}`` a real id or (sometimes) a bad one."""
    path = route.path
    for name in route.params:
        choices = real(route.path, name)
        if not bad_ids and choices:
            value = draw(st.sampled_from(choices))
        elif choices and draw(st.booleans()):
            value = draw(st.sampled_from(choices))
        else:
            value = draw(_BAD_IDS)
        path = path.replace("{%s}" % name, quote_segment(value), 1)
    return path


# -- query strings ------------------------------------------------------------------

_COMMON_PARAMS = ["limit", "marker", "all_tenants", "all_projects", "sort_key",
                  "sort_dir", "changes-since", "user_id", "offset"]
_QUERY_VALUES = st.one_of(
    st.text(max_size=20), st.just(""), st.just("-1"), st.just("0"),
    st.just("99999999999999999999"), st.just("9" * 30), st.just(str(2 ** 31)), st.just("1.5"),
    st.just("true"), st.just("False"), st.uuids().map(str), st.just("x" * 2000),
    st.integers(min_value=-10, max_value=10 ** 6).map(str))


@st.composite
def query_strings(draw, route):
    """A query string of known and unknown names, repeated names and bad values."""
    names = list(_COMMON_PARAMS)
    for schema, _lo, _hi in route.query_schemas:
        names += list(schema.get("properties", {}))
    names = sorted(set(names))
    known = st.sampled_from(names)
    pairs = draw(st.lists(st.tuples(st.one_of(known, known, st.text(max_size=10)),
                                    _QUERY_VALUES), min_size=1, max_size=4))
    if draw(st.booleans()) and pairs:  # the same name twice
        pairs.append((pairs[0][0], draw(_QUERY_VALUES)))
    text = urllib.parse.urlencode(
        [(k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass"))
         for k, v in pairs])
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.sampled_from(["&%zz=1", "&limit=%FF", "&&=&", "&marker", "&;=;"]))
    return text


# -- microversions ------------------------------------------------------------------

def good_versions(route):
    return st.sampled_from(list(route.versions) + ["latest", MAX_VERSION, None])


_LATIN1 = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
                 max_size=12)
BAD_VERSIONS = st.one_of(
    st.sampled_from(["2.", "2.1.1", " ", "2.0", "1.0", "1.1", "3.0", "2.1000", "2.-1", "02.1",
                     "2.01", "latest ", "LATEST", "2,1", "2.1 2.2", "0.0", "2.99999999999999",
                     "compute", "2.a", "9" * 40]),
    _LATIN1)


@st.composite
def version_headers(draw, route, bad):
    """Headers asking for a microversion (a bad one when ``bad``)."""
    value = draw(BAD_VERSIONS if bad else good_versions(route))
    if value is None:
        return {}
    style = draw(st.sampled_from(["new", "new", "legacy", "both", "other-service"]))
    if style == "legacy":
        return {"X-OpenStack-Nova-API-Version": value}
    if style == "both":
        return {"OpenStack-API-Version": "compute %s" % value,
                "X-OpenStack-Nova-API-Version": draw(BAD_VERSIONS)}
    if style == "other-service":
        return {"OpenStack-API-Version": "volume 3.0, compute %s" % value}
    return {"OpenStack-API-Version": "compute %s" % value}
