"""What the bad-input fuzz test knows about the API: routes, schemas, database rows.

Routes come from the router itself (``APIRouterV21().mapper``), so a resource
added to the route table is fuzzed without touching the test. The request
schemas of a route are read off its ``validation.schema`` /
``validation.query_schema`` wrappers; a route that validates by hand gets the
object schemas of its resource's ``schemas`` module as field hints.
"""

import collections
import importlib
import re

import sqlalchemy as sa

from nova.api.openstack import router
from nova.api.validation import validators



class Route(collections.namedtuple("Route", ["path", "method", "func", "params", "body_schemas",
                                             "query_schemas", "versions"])):
    """One method of one path, with what the fuzzer needs to know about it."""

    def __repr__(self):
        return "Route(%s %s)" % (self.method, self.path)

_PARAM = re.compile(r"{(\w+)}")


def _wrapped_schemas(func):
    """``[(kind, schema, min_version, max_version)]`` of the validation wrappers."""
    found = []
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and func.__closure__:
            cells = {}
            for name, cell in zip(code.co_freevars, func.__closure__):
                try:
                    cells[name] = cell.cell_contents
                except ValueError:  # an empty cell
                    continue
            validator = cells.get("validator")
            if isinstance(validator, validators.SchemaValidator):
                kind = "body" if validator.is_body else "query"
                found.append((kind, validator.schema, cells.get("min_version"),
                              cells.get("max_version")))
        func = getattr(func, "__wrapped__", None)
    return found


def _module_schemas(func):
    """Object schemas of the route's resource (``compute/schemas/<module>.py``)."""
    name = func.__module__.rsplit(".", 1)[-1]
    try:
        module = importlib.import_module("nova.api.openstack.compute.schemas." + name)
    except ImportError:
        return []
    return [value for key, value in sorted(vars(module).items())
            if not key.startswith("_") and isinstance(value, dict)
            and value.get("type") == "object" and "properties" in value
            and "query" not in key]


def _versions(schemas):
    """Microversions worth asking for: every schema range's ends, and 2.1."""
    versions = {"2.1"}
    for _kind, _schema, low, high in schemas:
        versions.update(v for v in (low, high) if v)
    return sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def all_routes():
    """Every (path, method) the compute API v2.1 router serves, as ``Route``s."""
    app = router.APIRouterV21()
    found = []
    for entry in app.mapper.matchlist:
        methods = app.tables[int(entry.defaults["route_index"])]
        for method, func in sorted(methods.items()):
            schemas = _wrapped_schemas(func)
            body = [s for s in schemas if s[0] == "body"]
            if not body and method in ("POST", "PUT"):
                body = [("body", s, None, None) for s in _module_schemas(func)]
            found.append(Route(entry.routepath, method, func,
                               tuple(_PARAM.findall(entry.routepath)),
                               [(s, lo, hi) for _k, s, lo, hi in body],
                               [(s, lo, hi) for k, s, lo, hi in schemas if k == "query"],
                               _versions(schemas)))
    return found


# -- database snapshots ---------------------------------------------------------------

class Databases:
    """Every table of the API and cell databases: snapshot, compare, restore."""

    def __init__(self, urls):
        self.engines = []
        for url in urls:
            engine = sa.create_engine(url)
            metadata = sa.MetaData()
            metadata.reflect(engine)
            self.engines.append((url, engine, metadata))

    def snapshot(self):
        state = {}
        for url, engine, metadata in self.engines:
            with engine.connect() as conn:
                for table in metadata.sorted_tables:
                    rows = [dict(row._mapping) for row in conn.execute(sa.select(table))]
                    rows.sort(key=repr)
                    state[(url, table.name)] = rows
        return state

    def restore(self, state):
        """Put back the rows of ``state`` (after a request that was allowed to write)."""
        for url, engine, metadata in self.engines:
            with engine.begin() as conn:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())
                for table in metadata.sorted_tables:
                    rows = state[(url, table.name)]
                    if rows:
                        conn.execute(table.insert(), rows)

    def close(self):
        for _url, engine, _metadata in self.engines:
            engine.dispose()


def diff(before, after):
    """A short text naming the tables whose rows changed."""
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, []), after.get(key, [])
        if old != new:
            added = [r for r in new if r not in old]
            removed = [r for r in old if r not in new]
            lines.append("%s: +%r -%r" % (key[1], added[:3], removed[:3]))
    return "\n".join(lines)
