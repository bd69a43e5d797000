"""The layers of nova/, checked on the import statements of every module.

* Only nova/db/, nova/objects/, nova/context.py (cell targeting) and the
  commands in nova/cmd/ import ``nova.db``: every other module reaches the
  databases through the versioned objects.
* nova/db/ does not import ``nova.objects``: the objects sit on the database
  API, not the other way round.

* The API views (nova/api/openstack/compute/views/) only render: they
  import no policy and no objects but the pure readers (``nova.objects.bulk``),
  and call no ``.can(`` (policy) nor object loaders.

Imports inside functions count as much as those at the top of a module.
"""

import ast
import os

import pytest

import nova

NOVA_DIR = os.path.dirname(os.path.abspath(nova.__file__))

# Paths (relative to nova/, "/" separated) that may import nova.db: a
# directory ends with "/".
MAY_IMPORT_DB = ("db/", "objects/", "context.py", "cmd/")

VIEWS = "api/openstack/compute/views/"
# What a view may import from the object layer: functions that read fields.
VIEWS_MAY_IMPORT = ("nova.objects.bulk",)
# Calls a view must not make: policy checks and object loads/queries.
VIEWS_MAY_NOT_CALL = ("can", "obj_load_attr", "get_by_uuid", "get_by_id", "get_all",
                      "get_by_filters", "authorize")


def _view_violations(relpath, source):
    found = []

    def refuse(name):
        if (_within(name, "nova.policy") or _within(name, "nova.policies")
                or (_within(name, "nova.objects") and name not in VIEWS_MAY_IMPORT)):
            found.append("nova/%s: imports %s (views only render)" % (relpath, name))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                refuse(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                refuse("%s.%s" % (node.module, alias.name))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in VIEWS_MAY_NOT_CALL):
            found.append("nova/%s:%d: calls .%s() (views only render)"
                         % (relpath, node.lineno, node.func.attr))
    return found


def _module_name(relpath):
    parts = relpath[:-len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["nova"] + parts)


def imported_modules(source, module_name, is_package=False):
    """Every module name ``source`` imports (``from a import b`` gives a.b and a,
    since b may be a module), relative imports resolved against
    ``module_name``."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name.split(".")
                if not is_package:
                    package = package[:-1]
                if node.level > 1:
                    package = package[:-(node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            names.append(base)
            names.extend("%s.%s" % (base, alias.name) for alias in node.names)
    return names


def _within(name, package):
    return name == package or name.startswith(package + ".")


def violations(root=NOVA_DIR):
    """``["path: imports module (rule)", ...]`` for every import breaking a layer."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(dirpath, filename)
            relpath = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, encoding="utf-8") as f:
                source = f.read()
            imported = imported_modules(source, _module_name(relpath),
                                        is_package=filename == "__init__.py")
            if relpath.startswith(VIEWS):
                found.extend(_view_violations(relpath, source))
            seen = set()
            for name in imported:
                if name in seen:
                    continue
                seen.add(name)
                if _within(name, "nova.db") and not relpath.startswith(MAY_IMPORT_DB):
                    found.append("nova/%s: imports %s (only nova/db, nova/objects, "
                                 "nova/context.py and nova/cmd may)" % (relpath, name))
                if relpath.startswith("db/") and _within(name, "nova.objects"):
                    found.append("nova/%s: imports %s (nova/db must not import "
                                 "nova.objects)" % (relpath, name))
    return found


def test_no_module_breaks_the_layers():
    found = violations()
    assert not found, "Imports across the layers:\n" + "\n".join(found)


@pytest.mark.parametrize("relpath, source, expected", [
    ("compute/x.py", "from nova.db.main import instances\n",
     ["nova/compute/x.py: imports nova.db.main"]),
    ("compute/x.py", "def f():\n    import nova.db.api.api\n",
     ["nova/compute/x.py: imports nova.db.api.api"]),
    ("api/x.py", "from nova import db\n", ["nova/api/x.py: imports nova.db"]),
    ("db/main/x.py", "from ...objects import instance\n",
     ["nova/db/main/x.py: imports nova.objects"]),
    ("db/x.py", "from nova import objects\n", ["nova/db/x.py: imports nova.objects"]),
    ("objects/x.py", "from nova.db.main import api\n", []),
    ("cmd/x.py", "from nova.db import migration\n", []),
    ("context.py", "from nova.db.main import api\n", []),
    ("compute/x.py", "from nova import objects\nfrom nova import database_helper\n", []),
    ("api/openstack/compute/views/x.py", "def f(req):\n    return req.context.can('r')\n",
     ["nova/api/openstack/compute/views/x.py:2: calls .can()"]),
    ("api/openstack/compute/views/x.py", "from nova import objects\n",
     ["nova/api/openstack/compute/views/x.py: imports nova.objects"]),
    ("api/openstack/compute/views/x.py", "from nova import policy\n",
     ["nova/api/openstack/compute/views/x.py: imports nova.policy"]),
    ("api/openstack/compute/views/x.py",
     "from nova.objects import bulk\ndef f(i):\n    return i.name\n", []),
])
def test_a_violation_is_reported(tmp_path, relpath, source, expected):
    target = tmp_path / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source)
    found = violations(str(tmp_path))
    for prefix in expected:
        assert any(line.startswith(prefix) for line in found), (prefix, found)
    if not expected:
        assert found == []
