"""Request context: who is asking, and which cell database a call goes to."""

import concurrent.futures
import contextlib
import copy
import logging
import threading

from oslo_context import context as oslo_context
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils


LOG = logging.getLogger(__name__)

# Placed in a scatter-gather result for a cell that did not answer in time.
did_not_respond_sentinel = object()
# Placed in a scatter-gather result for a cell whose query raised.
raised_exception_sentinel = object()

# Database and message-queue connections per cell, built once per process.
_CELL_CACHE: dict = {}
_CELL_CACHE_LOCK = threading.Lock()


@enginefacade.transaction_context_provider
class RequestContext(oslo_context.RequestContext):
    """Who is making a request and, when targeted, at which cell."""

    def __init__(self, user_id=None, project_id=None, is_admin=None, read_deleted="no",
                 remote_address=None, timestamp=None, quota_class=None,
                 service_catalog=None, user_auth_plugin=None, **kwargs):
        kwargs.setdefault("user_id", user_id)
        kwargs.setdefault("project_id", project_id)
        super().__init__(is_admin=bool(is_admin), **kwargs)
        self.read_deleted = read_deleted
        self.remote_address = remote_address
        if timestamp is None:
            timestamp = timeutils.utcnow()
        elif isinstance(timestamp, str):
            timestamp = timeutils.parse_isotime(timestamp).replace(tzinfo=None)
        self.timestamp = timestamp
        self.quota_class = quota_class
        self.service_catalog = service_catalog or []
        self.user_auth_plugin = user_auth_plugin
        # Set by target_cell(): the cell's database transaction context and
        # message queue transport. None means the configured defaults.
        self.db_connection = None
        self.mq_connection = None
        self.cell_uuid = None

    @property
    def read_deleted(self):
        return self._read_deleted

    @read_deleted.setter
    def read_deleted(self, value):
        if value not in ("no", "yes", "only"):
            raise ValueError("read_deleted can only be one of 'no', 'yes' or 'only', "
                             "not %r" % value)
        self._read_deleted = value

    def to_dict(self):
        values = super().to_dict()
        values.update({
            "user_id": self.user_id,
            "project_id": self.project_id,
            "read_deleted": self.read_deleted,
            "remote_address": self.remote_address,
            "timestamp": self.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "quota_class": self.quota_class,
            "service_catalog": self.service_catalog,
        })
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(
            values,
            user_id=values.get("user_id"),
            project_id=values.get("project_id"),
            read_deleted=values.get("read_deleted", "no"),
            remote_address=values.get("remote_address"),
            timestamp=values.get("timestamp"),
            quota_class=values.get("quota_class"),
            service_catalog=values.get("service_catalog"),
        )

    def elevated(self, read_deleted=None):
        """A copy of this context with admin rights."""
        ctx = copy.copy(self)
        ctx.roles = list(self.roles)
        ctx.is_admin = True
        if "admin" not in ctx.roles:
            ctx.roles.append("admin")
        if read_deleted is not None:
            ctx.read_deleted = read_deleted
        return ctx

    def can(self, action, target=None, fatal=True):
        from nova import policy  # the policy engine needs the config loaded
        return policy.authorize(self, action, target, fatal=fatal)

    def __str__(self):
        return "<RequestContext user=%s project=%s admin=%s cell=%s>" % (
            self.user_id, self.project_id, self.is_admin, self.cell_uuid)


def get_context():
    """An unprivileged context with no user, for internal calls."""
    return RequestContext(user_id=None, project_id=None, is_admin=False,
                          overwrite=False)


def get_admin_context(read_deleted="no"):
    """An admin context with no user, for services and operator tools."""
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          read_deleted=read_deleted, overwrite=False)


def is_user_context(context):
    """True when the context belongs to an ordinary (non-admin) user."""
    if not context or context.is_admin:
        return False
    return bool(context.user_id and context.project_id)


def _cell_connections(cell_mapping):
    """The database context and transport for a cell, cached per process."""
    from nova.db.main import api as main_db
    from nova import rpc

    key = cell_mapping.uuid
    with _CELL_CACHE_LOCK:
        cached = _CELL_CACHE.get(key)
        if cached is None or cached[0] != (cell_mapping.database_connection,
                                           cell_mapping.transport_url):
            db_conn = main_db.create_context_manager(cell_mapping.database_connection)
            # cell0 has no queue: its transport_url is "none:///".
            url = cell_mapping.transport_url
            mq_conn = rpc.create_transport(url) \
                if url and not url.startswith("none:") and rpc.TRANSPORT is not None \
                else None
            cached = ((cell_mapping.database_connection, cell_mapping.transport_url),
                      db_conn, mq_conn)
            _CELL_CACHE[key] = cached
    return cached[1], cached[2]


def clear_cell_cache():
    """Close and forget every cell's cached database engines and transport
    (but the process's own transport, which rpc.cleanup() closes)."""
    from nova import rpc

    with _CELL_CACHE_LOCK:
        cached = list(_CELL_CACHE.values())
        _CELL_CACHE.clear()
    for _key, db_conn, mq_conn in cached:
        db_conn.dispose_pool()
        if mq_conn is not None and mq_conn is not rpc.TRANSPORT:
            mq_conn.cleanup()


def set_target_cell(context, cell_mapping):
    """Point ``context`` at a cell's database and queue (None: the defaults)."""
    if cell_mapping is None:
        context.db_connection = context.mq_connection = context.cell_uuid = None
        return
    context.db_connection, context.mq_connection = _cell_connections(cell_mapping)
    context.cell_uuid = cell_mapping.uuid


@contextlib.contextmanager
def target_cell(context, cell_mapping):
    """Yield a copy of ``context`` that talks to the given cell."""
    cctxt = copy.copy(context)
    set_target_cell(cctxt, cell_mapping)
    yield cctxt


def scatter_gather_cells(context, cell_mappings, timeout, fn, *args, **kwargs):
    """Run ``fn(cell_context, *args, **kwargs)`` in every cell at once.

    Returns a dict keyed by cell UUID. A cell that did not answer within
    ``timeout`` seconds maps to ``did_not_respond_sentinel``; a cell whose
    call raised maps to the exception itself, so one down cell never fails
    the whole request.
    """
    results = {}
    if not cell_mappings:
        return results

    def run(cell_mapping):
        with target_cell(context, cell_mapping) as cctxt:
            return fn(cctxt, *args, **kwargs)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(len(cell_mappings), 16),
                                                 thread_name_prefix="scatter-gather")
    try:
        futures = {pool.submit(run, cm): cm for cm in cell_mappings}
        done, not_done = concurrent.futures.wait(futures, timeout=timeout)
        for future in done:
            cell = futures[future]
            try:
                results[cell.uuid] = future.result()
            except Exception as exc:  # reported, not raised: see the docstring
                LOG.warning("Error gathering result from cell %s: %s", cell.uuid, exc)
                results[cell.uuid] = exc
        for future in not_done:
            cell = futures[future]
            LOG.warning("Timed out waiting for response from cell %s", cell.uuid)
            results[cell.uuid] = did_not_respond_sentinel
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def scatter_gather_skip_cell0(context, fn, *args, **kwargs):
    """scatter_gather_all_cells() without cell0."""
    from nova import objects
    cells = [c for c in objects.CellMappingList.get_all(context) if not c.is_cell0()]
    return scatter_gather_cells(context, cells, CELL_TIMEOUT, fn, *args, **kwargs)


def scatter_gather_all_cells(context, fn, *args, **kwargs):
    """Run ``fn`` against every mapped cell, cell0 included."""
    from nova import objects
    cells = objects.CellMappingList.get_all(context)
    return scatter_gather_cells(context, cells, CELL_TIMEOUT, fn, *args, **kwargs)


def is_cell_failure_sentinel(record):
    return record is did_not_respond_sentinel or isinstance(record, Exception)


# Seconds a scatter-gather waits for each cell.
CELL_TIMEOUT = 60


