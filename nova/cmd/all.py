"""nova-all: every nova service in one process, for a laptop or CI.

Defaults make it self-contained: oslo.messaging's in-process ``fake://``
transport, SQLite files under state_path, the real Placement served in this
process (unless [placement] names an endpoint or credentials), the local image
store (when [glance] backend = local without an endpoint_override) and the
flat network. Each default yields to the configuration: point transport_url at
RabbitMQ or [database] at MariaDB and the same services run against them.

The first start creates the schemas, cell0 and cell1, maps the compute host
and seeds flavors and an image ([all_in_one] seed). Every start merges a
clouds.yaml entry for the running endpoints ([all_in_one] cloud_name and
clouds_yaml, or the flags --cloud-name and --clouds-yaml) and prints how to
use it.
"""

import os
import shutil
import sys

from oslo_config import cfg
from oslo_log import log as logging

from nova.cmd import all_identity
from nova.cmd import all_seed
from nova.cmd import common
import nova.conf
from nova.console import websocketproxy
from nova import context
from nova.image import store as image_store
from nova import service
from nova import wsgi_server

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

RPC_SERVICES = (("nova-conductor", "conductor"), ("nova-scheduler", "scheduler"),
                ("nova-compute", "compute"))

# What nova-all assumes unless the configuration says otherwise.
EMBEDDED_DEFAULTS = {"transport_url": "fake://", "api.auth_strategy": "noauth2"}

IDENTITY = "identity_standin"

# Command-line flags of nova-all only; they win over [all_in_one].
CLI_OPTS = [
    cfg.StrOpt("cloud-name", help="Name of the clouds.yaml entry to write "
                                  "(default: [all_in_one] cloud_name)."),
    cfg.StrOpt("clouds-yaml", help="clouds.yaml file to merge the entry into "
                                   "(default: [all_in_one] clouds_yaml; '' for none)."),
]


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
    from nova.objects import cell_setup
    from nova.db import migration
    migration.db_sync("api")
    migration.db_sync("main")
    cell_setup.simple_cell_setup(ctxt, transport_url=CONF.transport_url)


def wants_embedded_placement(conf=CONF):
    """[placement] embedded, or no Placement endpoint and no credentials configured."""
    group = conf.placement
    return bool(group.embedded or not (group.endpoint_override or group.auth_type))


def wants_image_store(conf=CONF):
    return conf.glance.backend == "local" and not conf.glance.endpoint_override


ImageStoreService = image_store.ImageStoreService


class AllInOne(service.ServiceBundle):
    """The bundle nova-all runs; maps its compute host once everything is up,
    seeds flavors and an image, and writes the clouds.yaml entry."""

    def __init__(self, services, cloud_name=None, clouds_yaml=None):
        super().__init__(services)
        self.cloud_name = cloud_name
        self.clouds_yaml = clouds_yaml
        self.clouds_yaml_written = None
        self.seeded = None

    def _find(self, kind):
        return next((svc for svc in self.services if isinstance(svc, kind)), None)

    def endpoints(self):
        """{'compute': ..., 'image': ..., 'placement': ...} of what this process serves."""
        from nova.scheduler.client import embedded
        found = {}
        for svc in self.services:
            if isinstance(svc, service.WSGIService) and svc.name == "osapi_compute":
                found["compute"] = "http://%s:%s/v2.1" % (_reachable(svc.listen), svc.port)
            elif isinstance(svc, ImageStoreService):
                found["image"] = svc.endpoint
            elif isinstance(svc, embedded.EmbeddedPlacement):
                found["placement"] = svc.endpoint
            elif isinstance(svc, wsgi_server.Server) and svc.name == IDENTITY:
                found["identity"] = "http://%s:%s/v3" % (_reachable(svc.host), svc.port)
        if "image" not in found and CONF.glance.endpoint_override:
            found["image"] = CONF.glance.endpoint_override
        if "placement" not in found and CONF.placement.endpoint_override:
            found["placement"] = CONF.placement.endpoint_override
        return found

    def start(self):
        started = []
        try:
            for svc in self.services:
                svc.start()
                started.append(svc)
        except Exception:
            # A busy port, say: stop what already runs so the process can exit.
            for svc in reversed(started):
                try:
                    svc.stop()
                except Exception:
                    LOG.exception("Failed to stop %s", svc)
            raise
        from nova.objects import cell_setup
        ctxt = context.get_admin_context()
        for mapping in cell_setup.discover_hosts(ctxt):
            LOG.info("Mapped compute host %s", mapping.host)
        if CONF.all_in_one.seed:
            try:
                self.seeded = all_seed.seed(
                    CONF.state_path, CONF.all_in_one.seed_image_name,
                    with_image=self._find(ImageStoreService) is not None)
            except Exception:
                LOG.exception("Seeding flavors and the image failed; nova-all runs "
                              "without them and tries again on the next start")
        self._write_clouds_yaml()
        print(self.summary(), flush=True)

    def _write_clouds_yaml(self):
        found = self.endpoints()
        if not self.clouds_yaml or "compute" not in found:
            return
        if CONF.api.auth_strategy != "noauth2":
            LOG.info("Not writing a clouds.yaml entry: [api] auth_strategy is %s and the "
                     "entry would carry a noauth2 token", CONF.api.auth_strategy)
            return
        entry = all_seed.cloud_entry(found["compute"], found.get("image"),
                                     found.get("placement"), found.get("identity"))
        try:
            self.clouds_yaml_written = all_seed.write_clouds_yaml(
                self.clouds_yaml, self.cloud_name, entry)
        except (OSError, ValueError) as exc:
            LOG.error("Cannot write the clouds.yaml entry %s to %s: %s",
                      self.cloud_name, self.clouds_yaml, exc)

    def summary(self):
        lines = ["nova-all is running on host %s (transport %s)." % (
            CONF.host, CONF.transport_url.split("@")[-1])]
        found = self.endpoints()
        for svc in self.services:
            if isinstance(svc, service.WSGIService) and svc.name == "osapi_compute":
                lines.append("  Compute API:  http://%s:%s/v2.1/  (versions at /)"
                             % (_reachable(svc.listen), svc.port))
            elif isinstance(svc, service.WSGIService):
                lines.append("  %s API: http://%s:%s/" % (svc.name, _reachable(svc.listen),
                                                         svc.port))
            elif isinstance(svc, websocketproxy.ConsoleProxyService):
                scheme = "ws" if svc.binary == "nova-serialproxy" else "http"
                lines.append("  %s: %s://%s:%s/" % (svc.binary, scheme,
                                                   _reachable(svc.listen[0]), svc.port))
        if found.get("image"):
            lines.append("  Image API:    %s/v2/" % found["image"])
        if found.get("placement"):
            lines.append("  Placement:    %s/" % found["placement"])
        if found.get("identity"):
            lines.append("  Identity stand-in (noauth2, no tokens): %s/" % found["identity"])
        if CONF.log_file:
            lines.append("  Log:          %s" % os.path.join(CONF.log_dir or "", CONF.log_file))
        if self.clouds_yaml_written:
            lines.extend(self._usage())
        lines.append("Stop it with Ctrl-C or SIGTERM.")
        return "\n".join(lines)

    def _usage(self):
        name = self.cloud_name
        lines = ["Cloud %r written to %s (auth_type admin_token, noauth2)." % (
            name, self.clouds_yaml_written)]
        if self.clouds_yaml_written not in _standard_clouds_yaml():
            lines.append("  export OS_CLIENT_CONFIG_FILE=%s" % self.clouds_yaml_written)
        cli = _openstack_cli()
        lines += [
            "  export OS_CLOUD=%s" % name,
            "  %s flavor list" % cli,
            "  %s image list" % cli,
            "  %s server create --flavor m1.tiny --image %s --wait demo"
            % (cli, CONF.all_in_one.seed_image_name),
            "  %s server list" % cli,
        ]
        return lines


def _openstack_cli():
    """How to call the openstack CLI: by name when on PATH, else from this venv."""
    if shutil.which("openstack"):
        return "openstack"
    beside = os.path.join(os.path.dirname(sys.executable), "openstack")
    return beside if os.path.exists(beside) else "openstack"


def _standard_clouds_yaml():
    """Where the openstack CLI looks for clouds.yaml without OS_CLIENT_CONFIG_FILE."""
    return {os.path.expanduser("~/.config/openstack/clouds.yaml"),
            "/etc/openstack/clouds.yaml"}


def _reachable(host):
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def build_services(cloud_name=None, clouds_yaml=None):
    services = []
    # Placement first: nova-compute reports its inventory as soon as it starts.
    if wants_embedded_placement():
        from nova.scheduler.client import embedded
        services.append(embedded.EmbeddedPlacement(configure_client=True))
    if wants_image_store():
        services.append(ImageStoreService())
    if CONF.all_in_one.identity_standin and CONF.api.auth_strategy == "noauth2":
        services.append(wsgi_server.Server(
            IDENTITY, all_identity.application, host=CONF.all_in_one.identity_listen,
            port=CONF.all_in_one.identity_port, threads=2))
    services += [service.Service.create(binary=binary, topic=topic)
                 for binary, topic in RPC_SERVICES]
    services.extend(service.WSGIService(api) for api in CONF.enabled_apis
                    if api in service.WSGIService.BINARIES)
    services.append(websocketproxy.ConsoleProxyService(
        "nova-novncproxy", CONF.vnc.novncproxy_host, CONF.vnc.novncproxy_port,
        web=websocketproxy.NOVNC_WEB, console_types=("novnc",)))
    services.append(websocketproxy.ConsoleProxyService(
        "nova-spicehtml5proxy", CONF.spice.html5proxy_host, CONF.spice.html5proxy_port,
        web=websocketproxy.SPICE_WEB, console_types=("spice-html5",)))
    if CONF.serial_console.enabled:
        services.append(websocketproxy.ConsoleProxyService(
            "nova-serialproxy", CONF.serial_console.serialproxy_host,
            CONF.serial_console.serialproxy_port, console_types=("serial",)))
    if cloud_name is None:
        cloud_name = CONF.all_in_one.cloud_name
    if clouds_yaml is None:
        clouds_yaml = CONF.all_in_one.clouds_yaml
    return AllInOne(services, cloud_name=cloud_name, clouds_yaml=clouds_yaml)


def main():
    CONF.register_cli_opts(CLI_OPTS)
    common.parse_args(sys.argv, "nova-all", defaults=EMBEDDED_DEFAULTS)
    _default_databases()
    try:
        setup_databases(context.get_admin_context())
    except Exception as exc:
        LOG.exception("Database setup failed")
        sys.stderr.write("nova-all: database setup failed: %s\n" % " ".join(str(exc).split()))
        return 1
    bundle = build_services(cloud_name=CONF.cloud_name, clouds_yaml=CONF.clouds_yaml)
    try:
        return common.run(bundle)
    except Exception as exc:  # e.g. a port in use: one line, not a traceback
        LOG.exception("nova-all could not start")
        sys.stderr.write("nova-all: cannot start: %s\n" % " ".join(str(exc).split()))
        return 1


if __name__ == "__main__":
    sys.exit(main())
