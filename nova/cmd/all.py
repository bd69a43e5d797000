"""nova-all: every nova service in one process, for a laptop or CI.

Defaults make it self-contained: oslo.messaging's in-process ``fake://``
transport and SQLite files under state_path. Each default yields to the
configuration: point transport_url at RabbitMQ or [database] at MariaDB and
the same services run against them. The first start creates the schemas,
cell0 and cell1, and maps the compute host.
"""

import os
import sys

from oslo_log import log as logging

from nova.cmd import common
import nova.conf
from nova.console import websocketproxy
from nova import context
from nova import service

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

RPC_SERVICES = (("nova-conductor", "conductor"), ("nova-scheduler", "scheduler"),
                ("nova-compute", "compute"))


def _default_databases():
    os.makedirs(CONF.state_path, exist_ok=True)
    if not CONF.database.connection:
        CONF.set_default("connection", "sqlite:///%s"
                         % os.path.join(CONF.state_path, "nova.sqlite"), group="database")
    if not CONF.api_database.connection:
        CONF.set_default("connection", "sqlite:///%s"
                         % os.path.join(CONF.state_path, "nova_api.sqlite"),
                         group="api_database")


def setup_databases(ctxt):
    """Bring both schemas to head and set up cell0/cell1 (idempotent)."""
    from nova.db import cell_setup
    from nova.db import migration
    migration.db_sync("api")
    migration.db_sync("main")
    cell_setup.simple_cell_setup(ctxt, transport_url=CONF.transport_url)


class AllInOne(service.ServiceBundle):
    """The bundle nova-all runs; maps its compute host once everything is up."""

    def start(self):
        super().start()
        from nova.db import cell_setup
        ctxt = context.get_admin_context()
        for mapping in cell_setup.discover_hosts(ctxt):
            LOG.info("Mapped compute host %s", mapping.host)
        print(self.summary(), flush=True)

    def summary(self):
        lines = ["nova-all is running on host %s (transport %s)." % (
            CONF.host, CONF.transport_url.split("@")[-1])]
        for svc in self.services:
            if isinstance(svc, service.WSGIService) and svc.name == "osapi_compute":
                lines.append("  Compute API:  http://%s:%s/v2.1/  (versions at /)"
                             % (_reachable(svc.listen), svc.port))
            elif isinstance(svc, service.WSGIService):
                lines.append("  %s API: http://%s:%s/" % (svc.name, _reachable(svc.listen),
                                                         svc.port))
            elif isinstance(svc, websocketproxy.ConsoleProxyService):
                lines.append("  %s: http://%s:%s/" % (svc.binary, _reachable(svc.listen[0]),
                                                     svc.port))
        lines.append("Stop it with Ctrl-C or SIGTERM.")
        return "\n".join(lines)


def _reachable(host):
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def build_services():
    services = [service.Service.create(binary=binary, topic=topic)
                for binary, topic in RPC_SERVICES]
    services.extend(service.WSGIService(api) for api in CONF.enabled_apis
                    if api in service.WSGIService.BINARIES)
    services.append(websocketproxy.ConsoleProxyService(
        "nova-novncproxy", CONF.vnc.novncproxy_host, CONF.vnc.novncproxy_port,
        web=websocketproxy.NOVNC_WEB))
    services.append(websocketproxy.ConsoleProxyService(
        "nova-spicehtml5proxy", CONF.spice.html5proxy_host, CONF.spice.html5proxy_port,
        web=websocketproxy.SPICE_WEB))
    return AllInOne(services)


def main():
    common.parse_args(sys.argv, "nova-all", defaults={"transport_url": "fake://"})
    _default_databases()
    try:
        setup_databases(context.get_admin_context())
    except Exception as exc:
        LOG.exception("Database setup failed")
        sys.stderr.write("nova-all: database setup failed: %s\n" % " ".join(str(exc).split()))
        return 1
    return common.run(build_services())


if __name__ == "__main__":
    sys.exit(main())
