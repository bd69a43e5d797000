"""Cells v2 set-up: mapping cell0 and cells, discovering compute hosts.

These are the operations behind ``nova-manage cell_v2``; tests and the
all-in-one call them directly. Each is idempotent where an operator would
expect it to be (map_cell0, simple_cell_setup, discover_hosts).
"""

import collections
import os
from urllib import parse as urlparse

from oslo_log import log as logging
from oslo_utils import uuidutils
import sqlalchemy as sa
from sqlalchemy.engine import url as sa_url

import nova.conf
from nova import context as nova_context
from nova.db.main import api as main_db
from nova.db.main import models as main_models
from nova.db import migration
from nova import exception
from nova.objects import cell_mapping as cell_obj
from nova.objects import compute_node as compute_node_obj
from nova.objects import host_mapping as host_obj
from nova.objects import instance_mapping as instance_mapping_obj
from nova.objects import service as service_obj

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

CELL0_NAME = "cell0"
# cell0 has no message queue: nothing ever runs there.
CELL0_TRANSPORT_URL = "none:///"
DEFAULT_CELL_NAME = "cell1"
# Broker schemes whose reachability create_cell checks before saving a mapping.
BROKER_SCHEMES = ("rabbit", "amqp", "pyamqp")

SetupResult = collections.namedtuple("SetupResult", ["cell0", "cell", "hosts"])


class CellSetupError(exception.NovaException):
    msg_fmt = "%(reason)s"


class MissingTransportURL(CellSetupError):
    msg_fmt = ("No transport URL: pass --transport-url or set [DEFAULT] transport_url "
               "in the configuration file.")


class InvalidTransportURL(CellSetupError):
    msg_fmt = "Transport URL %(url)s is not valid: %(reason)s"


class TransportUnreachable(CellSetupError):
    msg_fmt = "Cannot reach the message queue at %(url)s: %(reason)s"


class MissingDatabaseConnection(CellSetupError):
    msg_fmt = ("No database connection: pass --database_connection or set [database] "
               "connection in the configuration file.")


class InvalidDatabaseConnection(CellSetupError):
    msg_fmt = "Database connection %(url)s is not valid: %(reason)s"


class DuplicateCell(CellSetupError):
    msg_fmt = ("The transport URL and database connection are already used by cell "
               "%(uuid)s.")


class Cell0CannotBeToggled(CellSetupError):
    msg_fmt = "Cell0 cannot be disabled or enabled."


class CellHasHosts(CellSetupError):
    msg_fmt = "There are existing hosts mapped to cell with uuid %(uuid)s."


class CellHasInstances(CellSetupError):
    msg_fmt = "There are existing instances mapped to cell with uuid %(uuid)s."


class CellHasInstanceMappings(CellSetupError):
    msg_fmt = ("There are instance mappings to cell with uuid %(uuid)s, but all "
               "instances have been deleted in the cell.")


def mask_password(url):
    """``url`` with its password replaced by ****, for listings and messages."""
    if not url:
        return url
    try:
        parts = urlparse.urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(":%s@" % parts.password, ":****@")
        return urlparse.urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return url


def cell0_database_connection(main_connection):
    """The cell0 URL derived like upstream: ``_cell0`` after the database name.

    For SQLite the file name gets ``_cell0`` before its extension.
    """
    url = sa_url.make_url(main_connection)
    database = url.database
    if not database:
        raise InvalidDatabaseConnection(url=mask_password(main_connection),
                                        reason="it names no database")
    if url.get_backend_name() == "sqlite":
        if database == ":memory:":
            raise InvalidDatabaseConnection(url=main_connection,
                                            reason="an in-memory SQLite database has no "
                                                   "name to derive cell0's from")
        root, ext = os.path.splitext(database)
        database = root + "_cell0" + ext
    else:
        database = database + "_cell0"
    return url.set(database=database).render_as_string(hide_password=False)


def validate_database_connection(url):
    if not url:
        raise MissingDatabaseConnection()
    try:
        parsed = sa_url.make_url(url)
        parsed.get_dialect()
    except Exception as exc:  # ArgumentError, NoSuchModuleError, ValueError
        raise InvalidDatabaseConnection(url=mask_password(url), reason=exc)


def verify_transport_url(url, timeout=5):
    """Parse ``url`` and, for a message broker, check that it answers.

    Other schemes (the in-process ``fake://`` transport, cell0's
    ``none:///``) are only parsed.
    """
    import kombu
    import oslo_messaging as messaging

    if not url:
        raise MissingTransportURL()
    try:
        parsed = messaging.TransportURL.parse(CONF, url)
    except messaging.InvalidTransportURL as exc:
        raise InvalidTransportURL(url=mask_password(url), reason=exc)
    scheme = parsed.transport.split("+")[-1] if parsed.transport else ""
    if scheme not in BROKER_SCHEMES:
        return
    vhost = parsed.virtual_host or ""
    errors = []
    # No host in the URL (the "rabbit://" default) means the broker's defaults.
    hosts = parsed.hosts or [messaging.TransportHost(hostname="localhost", port=5672,
                                                      username="guest", password="guest")]
    for host in hosts:
        auth = ""
        if host.username:
            auth = urlparse.quote(host.username, safe="")
            if host.password:
                auth += ":" + urlparse.quote(host.password, safe="")
            auth += "@"
        kombu_url = "amqp://%s%s:%s/%s" % (auth, host.hostname or "localhost",
                                           host.port or 5672,
                                           urlparse.quote(vhost, safe=""))
        conn = kombu.Connection(kombu_url, connect_timeout=timeout)
        try:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=timeout)
            return
        except Exception as exc:
            errors.append(" ".join(str(exc).split()) or type(exc).__name__)
        finally:
            conn.release()
    raise TransportUnreachable(url=mask_password(url), reason="; ".join(errors))


def _find_cell0(ctxt):
    try:
        return cell_obj.CellMapping.get_by_uuid(ctxt, cell_obj.CellMapping.CELL0_UUID)
    except exception.CellMappingNotFound:
        return None


def map_cell0(ctxt, database_connection=None):
    """Create the cell0 mapping (once); returns it, new or existing."""
    existing = _find_cell0(ctxt)
    if existing is not None:
        return existing
    if database_connection is None:
        if not CONF.database.connection:
            raise MissingDatabaseConnection()
        database_connection = cell0_database_connection(CONF.database.connection)
    validate_database_connection(database_connection)
    cell0 = cell_obj.CellMapping(ctxt, uuid=cell_obj.CellMapping.CELL0_UUID,
                                name=CELL0_NAME, transport_url=CELL0_TRANSPORT_URL,
                                database_connection=database_connection, disabled=False)
    try:
        cell0.create()
    except exception.CellMappingExists:
        return _find_cell0(ctxt)
    return cell0


def _same_cell(cell, transport_url, database_connection):
    return cell.transport_url == transport_url and \
        cell.database_connection == database_connection


def create_cell(ctxt, name, transport_url, database_connection, disabled=False,
                verify_transport=True):
    """Map a new cell; refuses a transport/database pair another cell uses."""
    transport_url = transport_url or _configured_transport_url()
    database_connection = database_connection or CONF.database.connection
    if not transport_url:
        raise MissingTransportURL()
    validate_database_connection(database_connection)
    if verify_transport:
        verify_transport_url(transport_url)
    fill_transport = cell_obj.format_url(transport_url,
                                                     _configured_transport_url())
    fill_db = cell_obj.format_url(database_connection, CONF.database.connection)
    for cell in cell_obj.CellMappingList.get_all(ctxt):
        if _same_cell(cell, fill_transport, fill_db):
            raise DuplicateCell(uuid=cell.uuid)
    cell = cell_obj.CellMapping(ctxt, uuid=uuidutils.generate_uuid(), name=name,
                               transport_url=transport_url,
                               database_connection=database_connection,
                               disabled=bool(disabled))
    cell.create()
    return cell


def _configured_transport_url():
    try:
        return CONF.transport_url
    except Exception:  # oslo.messaging's options are not registered here
        return None


def simple_cell_setup(ctxt, transport_url=None, verify_transport=True):
    """cell0, one cell for [database] connection, their schemas and the hosts.

    Running it again maps nothing new and changes nothing.
    """
    transport_url = transport_url or _configured_transport_url()
    if not transport_url:
        raise MissingTransportURL()
    if not CONF.database.connection:
        raise MissingDatabaseConnection()
    if verify_transport:
        verify_transport_url(transport_url)
    cell0 = map_cell0(ctxt)
    migration.db_sync("main", url=cell0.database_connection)
    cell = None
    for existing in cell_obj.CellMappingList.get_all(ctxt):
        if not existing.is_cell0() and \
                existing.database_connection == CONF.database.connection:
            cell = existing
            break
    if cell is None:
        cell = create_cell(ctxt, DEFAULT_CELL_NAME, transport_url, CONF.database.connection,
                           verify_transport=False)
    migration.db_sync("main", url=cell.database_connection)
    hosts = discover_hosts(ctxt, cell_uuid=cell.uuid)
    return SetupResult(cell0, cell, hosts)


def _map_host(ctxt, cell, host, status_fn):
    try:
        host_obj.HostMapping.get_by_host(ctxt, host)
        status_fn("Host %s is already mapped" % host)
        return None
    except exception.HostMappingNotFound:
        pass
    status_fn("Creating host mapping for compute host '%s' in cell %s" % (host, cell.uuid))
    mapping = host_obj.HostMapping(ctxt, host=host, cell_mapping=cell)
    mapping.create()
    return mapping


def _discover_in_cell(ctxt, cell, by_service, status_fn):
    added = []
    with nova_context.target_cell(ctxt, cell) as cctxt:
        if by_service:
            services = service_obj.ServiceList.get_by_binary(cctxt, "nova-compute",
                                                         include_disabled=True)
            hosts = sorted({s.host for s in services if s.host})
            status_fn("Found %d compute services in cell %s" % (len(hosts), cell.uuid))
            for host in hosts:
                mapping = _map_host(ctxt, cell, host, status_fn)
                if mapping is not None:
                    added.append(mapping)
            return added
        nodes = compute_node_obj.ComputeNodeList.get_all_by_not_mapped(cctxt, 1)
        status_fn("Found %d unmapped computes in cell %s" % (len(nodes), cell.uuid))
        seen = set()
        for node in nodes:
            if node.host and node.host not in seen:
                seen.add(node.host)
                mapping = _map_host(ctxt, cell, node.host, status_fn)
                if mapping is not None:
                    added.append(mapping)
            node.mapped = 1
            node.save()
    return added


def discover_hosts(ctxt, cell_uuid=None, by_service=False, status_fn=None):
    """Map the compute hosts of one cell (or all) that have no host mapping yet.

    Returns the HostMappings created; a second run returns an empty list.
    """
    status_fn = status_fn or (lambda msg: LOG.debug(msg))
    if cell_uuid:
        cells = [cell_obj.CellMapping.get_by_uuid(ctxt, cell_uuid)]
    else:
        cells = list(cell_obj.CellMappingList.get_all(ctxt))
        status_fn("Found %d cell mappings." % len(cells))
    added = []
    for cell in cells:
        if cell.is_cell0():
            status_fn("Skipping cell0 since it does not contain hosts.")
            continue
        status_fn("Getting computes from cell '%s': %s" % (cell.name, cell.uuid))
        added.extend(_discover_in_cell(ctxt, cell, by_service, status_fn))
    return added


@main_db.reader
def _count_live_instances(context):
    return context.session.query(sa.func.count(main_models.Instance.id)).filter(
        main_models.Instance.deleted == 0).scalar() or 0


def delete_cell(ctxt, cell_uuid, force=False):
    """Remove a cell mapping; with ``force`` its host and instance mappings too.

    Refuses while the cell still has live instances, whatever ``force`` says.
    """
    cell = cell_obj.CellMapping.get_by_uuid(ctxt, cell_uuid)
    hosts = host_obj.HostMappingList.get_by_cell_id(ctxt, cell.id)
    if hosts and not force:
        raise CellHasHosts(uuid=cell_uuid)
    instance_mappings = instance_mapping_obj.InstanceMappingList.get_by_cell_id(ctxt, cell.id)
    if instance_mappings:
        with nova_context.target_cell(ctxt, cell) as cctxt:
            if _count_live_instances(cctxt):
                raise CellHasInstances(uuid=cell_uuid)
        if not force:
            raise CellHasInstanceMappings(uuid=cell_uuid)
        instance_mapping_obj.InstanceMappingList.destroy_by_cell_id(ctxt, cell.id)
    for host in hosts:
        host.destroy()
    cell.destroy()
    return cell


def update_cell(ctxt, cell_uuid, name=None, transport_url=None, database_connection=None,
                disable=False, enable=False, verify_transport=True):
    """Change a cell's name, URLs or disabled flag."""
    if disable and enable:
        raise CellSetupError(reason="Cannot disable and enable a cell at the same time.")
    cell = cell_obj.CellMapping.get_by_uuid(ctxt, cell_uuid)
    if cell.is_cell0() and (disable or enable):
        raise Cell0CannotBeToggled()
    if database_connection:
        validate_database_connection(database_connection)
    if transport_url and verify_transport:
        verify_transport_url(transport_url)
    new_transport = transport_url or cell.transport_url
    new_db = database_connection or cell.database_connection
    if transport_url or database_connection:
        for other in cell_obj.CellMappingList.get_all(ctxt):
            if other.uuid != cell.uuid and _same_cell(other, new_transport, new_db):
                raise DuplicateCell(uuid=other.uuid)
    if name:
        cell.name = name
    if transport_url:
        cell.transport_url = transport_url
    if database_connection:
        cell.database_connection = database_connection
    if disable:
        cell.disabled = True
    if enable:
        cell.disabled = False
    cell.save()
    return cell
