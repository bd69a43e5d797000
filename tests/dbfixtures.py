"""Private, freshly created databases for tests (no global state).

Building a schema costs an alembic run (or a ``create_all``) per database;
a suite that did that for every test spent much of its time there. Instead
each kind of schema is built once per test process into a template SQLite
file, and every test gets its own byte copy of it (:func:`sqlite_copy`):
the same schema, its own file, nothing shared between tests.

Kinds:

``api`` / ``main``
    the API / cell database migrated to head by alembic
    (``nova.db.migration.db_sync``), as nova-manage would leave it;
``api-models`` / ``main-models``
    the tables of the SQLAlchemy models (``metadata.create_all``), as the
    object tests have always built them;
``placement``
    the real Placement's database, migrated by Placement itself and holding
    the standard traits and resource classes it syncs on its first request.
"""

import atexit
import os
import shutil
import sqlite3
import tempfile
import threading

import sqlalchemy as sa

from nova import context as nova_context
from nova.db.api import models as api_models
from nova.db import facade
from nova.db.main import models as main_models
from nova.db import migration

KINDS = ("api", "main", "api-models", "main-models", "placement")

_templates = {}
_lock = threading.Lock()
_template_dir = None


def _tables(url, metadata):
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def _build(kind, path):
    url = "sqlite:///%s" % path
    if kind in ("api", "main"):
        migration.db_sync(kind, url=url)
    elif kind == "placement":
        _build_placement(url)
    elif kind == "api-models":
        _tables(url, api_models.ApiBase.metadata)
    else:
        _tables(url, main_models.MainBase.metadata)


def _build_placement(url):
    import requests

    from nova.scheduler.client import embedded

    service = embedded.EmbeddedPlacement(connection=url, host="127.0.0.1", port=0)
    service.start()
    try:
        for path in ("/traits", "/resource_classes"):
            resp = requests.get(service.endpoint + path, timeout=60, headers={
                "X-Auth-Token": embedded.NOAUTH_ADMIN_TOKEN,
                "OpenStack-API-Version": "placement latest"})
            resp.raise_for_status()
    finally:
        service.stop()


def template(kind):
    """The path of this process's template SQLite file of ``kind`` (built on first use)."""
    if kind not in KINDS:
        raise ValueError("unknown database kind %r: expected one of %s"
                         % (kind, ", ".join(KINDS)))
    with _lock:
        path = _templates.get(kind)
        if path is None:
            path = os.path.join(_directory(), "%s.sqlite" % kind)
            building = path + ".building"
            if os.path.exists(building):  # what a failed attempt left
                os.unlink(building)
            _build(kind, building)
            os.replace(building, path)
            _templates[kind] = path
        return path


def _directory():
    global _template_dir
    if _template_dir is None:
        _template_dir = tempfile.mkdtemp(prefix="nova-test-db-templates-")
        atexit.register(shutil.rmtree, _template_dir, True)
    return _template_dir


class MappedCells:
    """The API, cell1 and cell0 SQLite files of a deployment mapped once, for copying.

    ``nova-manage cell_v2 simple_cell_setup`` (cell0 and cell1 mappings in the
    API database, both cell schemas) is the same for every functional test
    but for the directory its files live in. The first test runs it and
    :meth:`save` keeps its files; :meth:`copy` gives a later test the same
    files in its own directory, the cell mappings' database URLs pointed
    there.
    """

    def __init__(self, api_name, cell_names):
        self.api_name = api_name
        self.names = (api_name,) + tuple(cell_names)
        self._origin = None
        self._saved = None

    def save(self, directory):
        saved = os.path.join(_directory(), "mapped-%d" % id(self))
        os.makedirs(saved, exist_ok=True)
        for name in self.names:
            src = sqlite3.connect(os.path.join(str(directory), name))
            dst = sqlite3.connect(os.path.join(saved, name))
            try:
                src.backup(dst)  # a consistent copy even while engines are open
            finally:
                dst.close()
                src.close()
        self._origin, self._saved = str(directory), saved

    def copy(self, directory):
        """Copy the saved files into ``directory``; False when nothing was saved yet."""
        if self._saved is None:
            return False
        directory = str(directory)
        for name in self.names:
            target = os.path.join(directory, name)
            if os.path.exists(target):
                raise FileExistsError("%s exists: a test database is always a new file"
                                      % target)
            shutil.copyfile(os.path.join(self._saved, name), target)
        conn = sqlite3.connect(os.path.join(directory, self.api_name))
        try:
            with conn:
                conn.execute("UPDATE cell_mappings SET database_connection = "
                             "REPLACE(database_connection, ?, ?)",
                             ("sqlite:///%s/" % self._origin, "sqlite:///%s/" % directory))
        finally:
            conn.close()
        return True


def sqlite_path(url):
    """The file a ``sqlite:///FILE`` URL names, or None for anything else."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() != "sqlite" or not url.database or \
            url.database == ":memory:":
        return None
    return url.database


def sqlite_copy(kind, path):
    """Copy the ``kind`` template to ``path`` (a new file); its ``sqlite:///`` URL."""
    path = str(path)
    if os.path.exists(path):
        raise FileExistsError("%s exists: a test database is always a new file" % path)
    shutil.copyfile(template(kind), path)
    return "sqlite:///%s" % path


def cell_context(url, **kwargs):
    """An admin context whose cell database is a new schema at ``url``."""
    path = sqlite_path(url)
    if path is not None and not os.path.exists(path):
        sqlite_copy("main-models", path)
    else:
        _tables(url, main_models.MainBase.metadata)
    kwargs.setdefault("is_admin", True)
    ctxt = nova_context.RequestContext(user_id="fake-user", project_id="fake-project", **kwargs)
    ctxt.db_connection = facade.new_transaction_context(url)
    return ctxt
