"""The running daemons: RPC services (conductor, scheduler, compute) and WSGI services.

A ``Service`` hosts one manager on the ``<topic>`` RPC topic (server = this
host), keeps its row in the services table and heartbeats it, and runs the
manager's periodic tasks. A ``WSGIService`` serves one of the HTTP APIs.
Both are oslo.service services: ``serve()`` launches them and returns once a
SIGTERM (or SIGINT) has stopped them.
"""

import random
import threading

from oslo_concurrency import processutils
from oslo_db import exception as db_exc
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import service
from oslo_utils import importutils

from nova import baserpc
import nova.conf
from nova import context
from nova import exception
from nova import objects
from nova.objects import base as objects_base
from nova.objects import service as service_obj
from nova import rpc
from nova import servicegroup
from nova import token_share

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SERVICE_MANAGERS = {
    "nova-compute": "nova.compute.manager.ComputeManager",
    "nova-conductor": "nova.conductor.manager.ConductorManager",
    "nova-scheduler": "nova.scheduler.manager.SchedulerManager",
}

# Upper bound, in seconds, of the wait between two runs of the periodic tasks.
PERIODIC_INTERVAL_MAX = 60


def register_service_record(ctxt, host, binary, topic):
    """Create this daemon's row in the services table or refresh its version.

    The row's ``version`` is this code's SERVICE_VERSION: what the other
    services read (``[upgrade_levels] ... = auto``) to learn which RPC
    versions this one understands.

    Returns the Service object. Several workers of one binary on one host share
    one row: whoever loses the race to create it reads the winner's.
    """
    objects.register_all()
    ref = service_obj.Service.get_by_host_and_binary(ctxt, host, binary)
    if ref is None:
        ref = service_obj.Service(ctxt)
        ref.host = host
        ref.binary = binary
        ref.topic = topic
        ref.report_count = 0
        try:
            ref.create()
            LOG.info("Created the service record of %s on %s", binary, host)
            return ref
        except (exception.ServiceBinaryExists, exception.ServiceTopicExists):
            ref = service_obj.Service.get_by_host_and_binary(ctxt, host, binary)
    if ref.version != service_obj.SERVICE_VERSION:
        LOG.info("Updating the version of %s on %s from %s to %s", binary, host,
                 ref.version, service_obj.SERVICE_VERSION)
        ref.version = service_obj.SERVICE_VERSION
        ref.save()
    return ref


def database_unreachable(exc):
    """True when ``exc`` says the database server could not be reached: here
    (oslo.db's DBConnectionError) or in the conductor that ran the query for
    us (the same error, as an RPC RemoteError)."""
    if isinstance(exc, db_exc.DBConnectionError):
        return True
    return (isinstance(exc, messaging.RemoteError)
            and exc.exc_type == db_exc.DBConnectionError.__name__)


class Service(service.Service):
    """An RPC service: a manager listening on ``topic``, heartbeating its row."""

    def __init__(self, host, binary, topic, manager, report_interval=None,
                 periodic_enable=None, periodic_fuzzy_delay=None,
                 periodic_interval_max=None):
        super().__init__()
        self.host = host
        self.binary = binary
        self.topic = topic
        self.manager_class_name = manager
        self.servicegroup_api = servicegroup.API()
        manager_class = importutils.import_class(self.manager_class_name)
        self.manager = manager_class(host=self.host)
        self.rpcserver = None
        self.report_interval = report_interval
        self.periodic_enable = periodic_enable
        self.periodic_fuzzy_delay = periodic_fuzzy_delay
        self.periodic_interval_max = periodic_interval_max
        self.service_ref = None
        self.model_disconnected = False
        self.backdoor_port = None
        self._stopped = threading.Event()

    def __repr__(self):
        return "<%s: host=%s, binary=%s, manager_class_name=%s>" % (
            type(self).__name__, self.host, self.binary, self.manager_class_name)

    @classmethod
    def create(cls, host=None, binary=None, topic=None, manager=None, report_interval=None,
               periodic_enable=None, periodic_fuzzy_delay=None,
               periodic_interval_max=None):
        """A Service for ``binary`` with defaults from the configuration."""
        host = host or CONF.host
        binary = binary or "nova-unknown"
        if not topic:
            topic = binary.rpartition("nova-")[2]
        manager = manager or SERVICE_MANAGERS[binary]
        if report_interval is None:
            report_interval = CONF.report_interval
        if periodic_enable is None:
            periodic_enable = CONF.periodic_enable
        if periodic_fuzzy_delay is None:
            periodic_fuzzy_delay = CONF.periodic_fuzzy_delay
        return cls(host, binary, topic, manager, report_interval=report_interval,
                   periodic_enable=periodic_enable,
                   periodic_fuzzy_delay=periodic_fuzzy_delay,
                   periodic_interval_max=periodic_interval_max)

    def start(self):
        LOG.info("Starting %(topic)s node (version %(version)s)",
                 {"topic": self.topic, "version": service_obj.SERVICE_VERSION})
        self._stopped.clear()
        ctxt = context.get_admin_context()
        if objects_base.NovaObject.indirection_api is not None:
            # Objects go through the conductor: nothing works until it answers.
            from nova import conductor
            conductor.API().wait_until_ready(ctxt)
        token_share.share_tokens()
        # A daemon started while the database server is away (restarting with
        # it, say) or while the broker restarts (a call's answer lost) waits
        # for them, as oslo.db's engine does at start-up, instead of exiting
        # half-way through: the recovery of init_host needs the database.
        objects.register_all()
        self._while_unreachable("read its service record",
                                service_obj.Service.get_by_host_and_binary,
                                ctxt, self.host, self.binary)
        self.manager.init_host(None)
        self.service_ref = self._while_unreachable(
            "register its service record", register_service_record, ctxt, self.host,
            self.binary, self.topic)
        self._while_unreachable("prepare to serve", self.manager.pre_start_hook,
                                self.service_ref)

        target = messaging.Target(topic=self.topic, server=self.host)
        endpoints = [self.manager,
                     baserpc.BaseRPCAPI(self.manager.service_name, self.backdoor_port)]
        endpoints.extend(getattr(self.manager, "additional_endpoints", []))
        self.rpcserver = rpc.get_server(target, endpoints)
        self.rpcserver.start()
        LOG.debug("Consuming %s messages as server %s", self.topic, self.host)

        self.manager.post_start_hook()

        if self.report_interval:
            self.servicegroup_api.join(self.host, self.topic, self)
        if self.periodic_enable:
            initial_delay = (random.randint(0, self.periodic_fuzzy_delay)
                             if self.periodic_fuzzy_delay else None)
            self.tg.add_dynamic_timer(self.periodic_tasks, initial_delay=initial_delay,
                                      periodic_interval_max=(self.periodic_interval_max
                                                             or PERIODIC_INTERVAL_MAX))

    def _while_unreachable(self, what, func, *args):
        """``func(*args)``, called again every ``[database] retry_interval``
        seconds while it fails because the database server cannot be reached
        or a call to the conductor timed out (the broker restarting), up to
        ``[database] max_retries`` times (-1: until it works)."""
        attempts = CONF.database.max_retries
        failed = 0
        while True:
            try:
                return func(*args)
            except Exception as exc:
                if not (database_unreachable(exc)
                        or isinstance(exc, messaging.MessagingTimeout)):
                    raise
                failed += 1
                if attempts != -1 and failed > attempts:
                    raise
                LOG.warning("%s on %s could not %s (%s); trying again in %d s "
                            "(%d of %s)", self.binary, self.host, what,
                            (str(exc).splitlines() or [type(exc).__name__])[0],
                            CONF.database.retry_interval, failed,
                            "unlimited" if attempts == -1 else attempts)
                if self._stopped.wait(CONF.database.retry_interval):
                    raise

    def periodic_tasks(self, raise_on_error=False):
        """Run the manager's due periodic tasks; seconds until the next is due."""
        ctxt = context.get_admin_context()
        return self.manager.periodic_tasks(ctxt, raise_on_error=raise_on_error)

    def basic_config_check(self):
        """Fail early when state_path cannot hold our files."""

    def stop(self, graceful=True):
        LOG.info("Stopping %s on %s", self.binary, self.host)
        if self.rpcserver is not None:
            try:
                self.rpcserver.stop()
                self.rpcserver.wait()
            except Exception:
                LOG.exception("Failed to stop the RPC server of %s", self.binary)
        try:
            self.manager.cleanup_host()
        except Exception:
            LOG.exception("Service error occurred during cleanup_host")
        # Timers (heartbeat, periodic tasks) end at their next wake-up.
        super().stop(graceful=False)
        self._stopped.set()

    def wait(self):
        self._stopped.wait()
        super().wait()

    def reset(self):
        """SIGHUP: re-read the [upgrade_levels] caps (``auto`` looks again), reset the manager."""
        rpc.reset_version_caps()
        self.manager.reset()


class WSGIService(service.Service):
    """One of the HTTP APIs ('osapi_compute' or 'metadata') on its listen address."""

    # The service record each API keeps (as upstream names them).
    BINARIES = {"osapi_compute": "nova-osapi_compute", "metadata": "nova-metadata"}
    APPS = {"osapi_compute": "nova.api.openstack.compute.wsgi_app.init_application",
            "metadata": "nova.api.metadata.wsgi_app.init_application"}

    def __init__(self, name, app=None, host=None, port=None, register=True):
        super().__init__()
        from nova import wsgi_server
        self.name = name
        self.binary = self.BINARIES.get(name, "nova-%s" % name)
        self.topic = None
        self.host = CONF.host
        self.register = register
        self.app = app if app is not None else importutils.import_class(
            self.APPS[name])()
        listen = host if host is not None else getattr(CONF, "%s_listen" % name)
        listen_port = port if port is not None else getattr(CONF, "%s_listen_port" % name)
        # Processes serving this API when it runs on its own ([DEFAULT]
        # <name>_workers, else one per CPU); nova-all always serves it in-process.
        self.workers = (getattr(CONF, "%s_workers" % name, None)
                        or processutils.get_worker_count())
        self.server = wsgi_server.Server(name, self.app, listen, listen_port, threads=16)
        self.service_ref = None

    @property
    def port(self):
        return self.server.port

    @property
    def listen(self):
        return self.server.host

    def listen_now(self):
        """Open the listening socket in this process, for workers forked later."""
        return self.server.listen()

    def start(self):
        token_share.share_tokens()
        if self.register:
            ctxt = context.get_admin_context()
            self.service_ref = register_service_record(ctxt, self.host, self.binary,
                                                       self.topic)
        self.server.start()

    def stop(self, graceful=True):
        self.server.stop()
        super().stop(graceful=False)

    def wait(self):
        self.server.wait()

    def reset(self):
        """SIGHUP: the API's RPC clients re-read their [upgrade_levels] caps."""
        rpc.reset_version_caps()


class ServiceBundle(service.ServiceBase):
    """Several services run, stopped and waited for as one (nova-all)."""

    def __init__(self, services):
        self.services = list(services)

    def start(self):
        for svc in self.services:
            svc.start()

    def stop(self):
        # In parallel: each stop waits for its own listener to wind down.
        def stop_one(svc):
            try:
                svc.stop()
            except Exception:
                LOG.exception("Failed to stop %s", svc)

        threads = [threading.Thread(target=stop_one, args=(svc,), name="stop-%s" % i)
                   for i, svc in enumerate(self.services)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def wait(self):
        for svc in self.services:
            svc.wait()

    def reset(self):
        for svc in self.services:
            svc.reset()


_launcher = None


def serve(server, workers=None):
    """Run ``server`` until a signal stops it.

    One worker runs in this process (signals handled here, graceful stop
    bounded by graceful_shutdown_timeout); more are forked by oslo.service.
    """
    global _launcher
    if workers is None and isinstance(server, WSGIService):
        return serve_apis([server])  # an API brings its own worker count
    if _launcher is not None:
        raise RuntimeError("serve() can only be called once")
    if workers and workers > 1:
        _launcher = service.launch(CONF, server, workers=workers, restart_method="mutate")
    else:
        _launcher = service.launch(CONF, server, workers=1, restart_method="mutate",
                                   no_fork=True)
    return _launcher


def serve_apis(servers):
    """Run WSGI services, each in as many processes as its ``workers`` says.

    When every one asks for a single worker they run in this process, as
    ``serve()`` runs them. Otherwise this process opens every listening socket,
    then forks the workers (oslo.service's ProcessLauncher); all workers of an
    API accept connections on its one socket. SIGTERM to this process stops
    the workers gracefully, then this process exits.
    """
    global _launcher
    servers = list(servers)
    if all(server.workers <= 1 for server in servers):
        return serve(servers[0] if len(servers) == 1 else ServiceBundle(servers),
                     workers=1)
    if _launcher is not None:
        raise RuntimeError("serve() can only be called once")
    for server in servers:
        server.listen_now()
        LOG.info("%s listening on %s:%s with %d workers", server.binary, server.listen,
                 server.port, server.workers)
    _launcher = service.ProcessLauncher(CONF, restart_method="mutate")
    for server in servers:
        _launcher.launch_service(server, workers=server.workers)
    return _launcher


def wait():
    if _launcher is None:
        return 0
    return _launcher.wait()
