"""The real Placement service (openstack-placement) served inside this process.

The all-in-one and the functional tests run Placement's own WSGI application
with a private ``ConfigOpts``, so its options never mix with nova's global
CONF: ``[placement_database] connection`` (a SQLite file under state_path
unless ``[placement] embedded_connection`` names another database) and
``[api] auth_strategy = noauth2``. Under noauth2 Placement takes the
``X-Auth-Token`` header as ``user[:project]`` and gives the user ``admin``
the admin role; nova's report client therefore talks to the embedded service
with the token ``admin`` (see nova/scheduler/client/report.py).

openstack-placement keeps one database engine facade per process. Each
:class:`EmbeddedPlacement` patches its own engine into that facade while it
runs and restores the previous one on stop, so the tests can start one
after another with separate databases; two may not run at the same time in
one process.
"""

import os
import threading

from oslo_config import cfg
from oslo_db.sqlalchemy import engines
from oslo_log import log as logging
from oslo_service import service

import nova.conf
from nova import wsgi_server

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# Placement's noauth2 middleware gives this user the admin role.
NOAUTH_ADMIN_TOKEN = "admin"

_RUNNING = threading.Lock()


def default_connection(conf=CONF):
    """The embedded Placement database URL nova's configuration names."""
    if conf.placement.embedded_connection:
        return conf.placement.embedded_connection
    return "sqlite:///%s" % os.path.join(conf.state_path, "placement.sqlite")


def _placement_conf(connection):
    """A private ConfigOpts holding Placement's own options."""
    from placement import conf as placement_conf

    conf = cfg.ConfigOpts()
    placement_conf.register_opts(conf)
    conf.set_default("connection", connection, group="placement_database")
    conf.set_default("sync_on_startup", False, group="placement_database")
    conf.set_default("auth_strategy", "noauth2", group="api")
    conf([], project="placement", default_config_files=[], default_config_dirs=[])
    return conf


class _SchemaValidators:
    """jsonschema as placement.util sees it, with validate() keeping one
    validator per schema.

    jsonschema.validate() checks the schema itself and builds a validator on
    every call; for Placement's fixed request schemas that was a tenth of the
    CPU of an allocation claim. The result of a validation is the same: the
    best-matching error is raised.
    """

    def __init__(self, module):
        self._module = module
        self._validators = {}

    def __getattr__(self, name):
        return getattr(self._module, name)

    def validate(self, instance, schema, cls=None, *args, **kwargs):
        key = (id(schema), cls)
        entry = self._validators.get(key)
        if entry is None or entry[0] is not schema:
            validator_cls = cls or self._module.validators.validator_for(schema)
            validator_cls.check_schema(schema)
            # The schema is held here, so its id cannot be reused meanwhile.
            entry = self._validators[key] = (schema, validator_cls(schema, *args, **kwargs))
        error = self._module.exceptions.best_match(entry[1].iter_errors(instance))
        if error is not None:
            raise error


def _reuse_schema_validators():
    from placement import util

    if not isinstance(util.jsonschema, _SchemaValidators):
        util.jsonschema = _SchemaValidators(util.jsonschema)


def _one_request_at_a_time(app):
    """``app`` serving one request at a time.

    SQLite has one writer: two claims whose transactions both read and then
    write fail with "database is locked" at once (SQLite does not wait when
    a read lock cannot become a write lock), and the scheduler sees that as
    no valid host. Requests to Placement are short; on SQLite they queue.
    """
    lock = threading.Lock()

    def serialized(environ, start_response):
        with lock:
            result = app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

    return serialized


class EmbeddedPlacement(service.ServiceBase):
    """openstack-placement's WSGI app on its own database, optionally served over HTTP.

    ``start()`` migrates the database, builds the app and serves it on
    ``host``:``port`` (port 0: a free one); ``endpoint`` is then its URL.
    With ``configure_client`` the [placement] client options of this process
    are pointed at it as well (what nova-all wants: start it before
    nova-compute, whose first resource update needs Placement).
    """

    def __init__(self, connection=None, host=None, port=None, configure_client=False):
        self.connection = connection or default_connection()
        self.host = host or CONF.placement.embedded_listen
        self.port = CONF.placement.embedded_port if port is None else port
        self._configure_client = configure_client
        self.app = None
        self.conf = None
        self._server = None
        self._engine = None
        self._reset_facade = None

    @property
    def endpoint(self):
        if self._server is None:
            return None
        return "http://%s:%s" % (self._server.host, self._server.port)

    def _setup_database(self):
        from placement.db.sqlalchemy import migration
        from placement import db_api
        from placement.objects import resource_class
        from placement.objects import trait

        if self.connection.startswith("sqlite:///"):
            directory = os.path.dirname(self.connection[len("sqlite:///"):])
            if directory:
                os.makedirs(directory, exist_ok=True)
        # The facade must have been configured once before an engine can be
        # patched in; the first configuration is this instance's own.
        if not db_api.configure.called:
            db_api.configure(self.conf)
        self._engine = engines.create_engine(self.connection, sqlite_fk=True)
        self._reset_facade = db_api.placement_context_manager.patch_engine(self._engine)
        migration.upgrade("head")
        # Placement syncs the standard traits and resource classes once per
        # process; this database has not seen them yet.
        trait._TRAITS_SYNCED = False
        resource_class._RESOURCE_CLASSES_SYNCED = False

    def load(self):
        """Migrate the database and build the WSGI app (no HTTP server)."""
        from placement import deploy

        if not _RUNNING.acquire(blocking=False):
            raise RuntimeError("an embedded Placement already runs in this process")
        try:
            self.conf = _placement_conf(self.connection)
            _reuse_schema_validators()
            self._setup_database()
            self.app = deploy.loadapp(self.conf)
            if self.connection.startswith("sqlite"):
                self.app = _one_request_at_a_time(self.app)
        except Exception:
            self._release()
            raise
        LOG.info("Embedded Placement ready on %s",
                 self._engine.url.render_as_string(hide_password=True))
        return self.app

    def start(self):
        """Load the app and serve it over HTTP in a thread."""
        if self.app is None:
            self.load()
        self._server = wsgi_server.Server("placement", self.app, host=self.host,
                                          port=self.port, threads=8)
        self._server.start()
        if self._configure_client:
            self.configure_client(CONF)
        LOG.info("Embedded Placement serving %s", self.endpoint)
        return self.endpoint

    def wait(self):
        if self._server is not None:
            self._server.wait()

    def reset(self):
        pass

    def configure_client(self, conf=CONF):
        """Point nova's [placement] client options at this service."""
        conf.set_override("endpoint_override", self.endpoint, group="placement")
        conf.set_override("auth_type", None, group="placement")

    def stop(self):
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._release()

    def _release(self):
        from placement import policy

        if self._reset_facade is not None:
            self._reset_facade()
            self._reset_facade = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        policy.reset()
        self.app = None
        if _RUNNING.locked():
            _RUNNING.release()


def main(argv=None):
    """Serve Placement as its own process until SIGTERM.

    ``python -m nova.scheduler.client.embedded --config-file nova.conf`` serves
    on ``[placement] embedded_listen``:``embedded_port`` from
    ``[placement] embedded_connection`` (migrated to head on start), the way a
    separately deployed Placement is reached by nova's daemons.
    """
    import sys

    from nova.cmd import common

    common.parse_args(sys.argv if argv is None else argv, "placement", init_rpc=False)
    return common.run(EmbeddedPlacement())


if __name__ == "__main__":
    import sys
    sys.exit(main())
