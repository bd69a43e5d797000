"""One process, real services: SQLite cell database and oslo.messaging's fake:// transport."""

import time

from oslo_db.sqlalchemy import enginefacade
import nova.conf
from nova.db.main import api as main_db_api
from nova.db.main import models
from nova import objects
from nova.objects import base as objects_base
from nova import rpc

CONF = nova.conf.CONF

OVERRIDES = {
    ("DEFAULT", "transport_url"): "fake://",
    ("DEFAULT", "report_interval"): 1,
    ("DEFAULT", "periodic_fuzzy_delay"): 0,
    ("DEFAULT", "host"): "test-host",
    ("DEFAULT", "scheduler_instance_sync_interval"): 1,
}


def configured_nova(tmp_path, monkeypatch):
    """Generator for a fixture: a fresh SQLite cell DB and an initialised fake:// transport.

    Test modules wrap it: ``yield from inprocess.configured_nova(tmp_path, monkeypatch)``.
    """
    rpc.register_opts(CONF)
    objects.register_all()
    url = "sqlite:///%s" % (tmp_path / "cell.sqlite")
    overrides = dict(OVERRIDES)
    overrides[("database", "connection")] = url
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group=None if group == "DEFAULT" else group)
    # A private engine facade for this test's database.
    monkeypatch.setattr(main_db_api, "main_context_manager",
                        enginefacade.transaction_context())
    monkeypatch.setattr(main_db_api, "_configured", False)
    monkeypatch.setattr(main_db_api, "DISABLE_DB_ACCESS", False)
    monkeypatch.setattr(objects_base.NovaObject, "indirection_api", None)
    models.MainBase.metadata.create_all(main_db_api.get_engine())
    rpc.init(CONF)
    try:
        yield url
    finally:
        rpc.cleanup()
        for (group, name) in overrides:
            CONF.clear_override(name, group=None if group == "DEFAULT" else group)


def wait_for(predicate, timeout=15, interval=0.05, what="condition", max_interval=0.25):
    """``predicate()`` once it is true; AssertionError after ``timeout`` s.

    The first checks come ``interval`` s apart, then each wait is a third
    longer, up to ``max_interval``: a check is usually an API request that
    costs the API as much CPU as a step of the operation waited for, and a
    poll every 50 ms through a wait of seconds kept a core busy answering it.
    """
    deadline = time.monotonic() + timeout
    pause = interval
    while True:
        value = predicate()
        if value:
            return value
        now = time.monotonic()
        if now > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(min(pause, max(deadline - now, 0.01)))
        pause = min(pause * 4 / 3, max(interval, max_interval))
