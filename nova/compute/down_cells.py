"""Servers of a cell that does not answer (microversion 2.69).

A cell whose database cannot be reached still leaves a trace in the API
database: the InstanceMapping of each of its servers says which instance it
is, whose (project, user) and when it was created, and the RequestSpec keeps
the flavor, image and availability zone asked for at boot. From 2.69 the
servers API shows such servers as minimal records (status ``UNKNOWN``) built
from that trace. Before 2.69, and for listings a minimal record cannot
honour (filters beyond the project, explicit sorting or paging), the servers
of a down cell are left out, or the request fails when ``[api]
list_records_by_skipping_down_cells`` is false.

A minimal record is an ``objects.Instance`` carrying only what is known,
flagged so the views can tell it from a real one (``is_minimal``).
"""

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy.exc

from nova.compute import power_state
import nova.conf
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

# What a cell database raises when it cannot be reached or read.
CELL_ERRORS = (db_exc.DBError, sqlalchemy.exc.SQLAlchemyError)

# Filters a minimal record can be tested against: its project, and that it
# is not deleted (the mapping is not queued for deletion).
_KNOWN_FILTERS = frozenset(("project_id", "deleted"))
# Query parameters whose answer depends on what a down cell cannot tell.
_ORDERING_PARAMS = ("limit", "marker", "sort_key", "sort_dir")

# Shown where the trace in the API database does not know the value.
UNKNOWN = "UNKNOWN"


def is_minimal(instance):
    """Whether ``instance`` is the minimal record of a server in a down cell."""
    return getattr(instance, "_down_cell", False)


def listing_supports_minimal(query_params, search_opts):
    """Whether a listing with these parameters may show minimal records.

    ``query_params`` are the request's query parameters, ``search_opts`` the
    filters the listing applies (after the project filter was added).
    """
    if any(name in query_params for name in _ORDERING_PARAMS):
        return False
    for name, value in search_opts.items():
        if name not in _KNOWN_FILTERS or (name == "deleted" and value):
            return False
    return True


class CellFailures:
    """The cells a listing could not read, collected as they fail.

    Called with the cell UUID and what the cell raised (or the timeout
    sentinel). Unless the listing shows minimal records, a failure is
    fatal when ``[api] list_records_by_skipping_down_cells`` is false.
    """

    def __init__(self, minimal):
        self.minimal = minimal
        self.cell_uuids = []

    def __call__(self, cell_uuid, error):
        if not self.minimal and not CONF.api.list_records_by_skipping_down_cells:
            raise exception.NovaException(
                "Cell %s is not responding and [api] "
                "list_records_by_skipping_down_cells says to fail." % cell_uuid)
        self.cell_uuids.append(cell_uuid)


def _record(context, mapping, **fields):
    instance = objects.Instance(context=context, uuid=mapping.instance_uuid,
                                project_id=mapping.project_id,
                                created_at=mapping.created_at, **fields)
    instance._down_cell = True
    return instance


def minimal_instances(context, cell_uuids, project_id, limit):
    """Minimal records of the servers mapped to ``cell_uuids``, at most ``limit``.

    Only the servers of ``project_id`` (every project's when None) whose
    mapping is not queued for deletion, cell by cell, oldest mapping first.
    """
    found = []
    for cell_uuid in cell_uuids:
        remaining = None if limit is None else limit - len(found)
        if remaining is not None and remaining <= 0:
            break
        LOG.warning("Cell %s is not responding: its servers are listed with what the "
                    "API database knows of them.", cell_uuid)
        mappings = objects.InstanceMappingList.get_not_deleted_by_cell_and_project(
            context, cell_uuid, project_id, limit=remaining)
        found.extend(_record(context, m) for m in mappings)
    return found


def minimal_instance(context, mapping):
    """The minimal record of one server of a down cell, from its RequestSpec.

    InstanceNotFound when the server is being deleted or has no RequestSpec.
    """
    if mapping.queued_for_delete:
        raise exception.InstanceNotFound(instance_id=mapping.instance_uuid)
    try:
        spec = objects.RequestSpec.get_by_instance_uuid(context, mapping.instance_uuid)
    except exception.RequestSpecNotFound:
        raise exception.InstanceNotFound(instance_id=mapping.instance_uuid)
    image = spec.image if spec.obj_attr_is_set("image") else None
    # A server booted from a volume may have image metadata without an id.
    image_ref = image.id if image is not None and image.obj_attr_is_set("id") else None
    user_id = spec.user_id if spec.obj_attr_is_set("user_id") else None
    zone = spec.availability_zone if spec.obj_attr_is_set("availability_zone") else None
    return _record(context, mapping, user_id=user_id or mapping.user_id,
                   flavor=spec.flavor, image_ref=image_ref, availability_zone=zone,
                   power_state=power_state.NOSTATE)


def instance_of_down_cell(context, mapping, error, cell_down_support):
    """What ``get`` answers for a server whose cell raised ``error``."""
    cell_uuid = mapping.cell_mapping.uuid
    if not cell_down_support:
        LOG.warning("Cell %s did not answer for instance %s: %s", cell_uuid,
                    mapping.instance_uuid, error)
        raise exception.NovaException(
            "Cell %s is not responding or returned an exception, hence instance "
            "info is not available." % cell_uuid)
    LOG.warning("Cell %s is not responding: server %s is shown with what the API "
                "database knows of it.", cell_uuid, mapping.instance_uuid)
    return minimal_instance(context, mapping)
