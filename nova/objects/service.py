"""Service: one running nova daemon on one host, as recorded in its cell."""

from oslo_log import log as logging
from oslo_utils import uuidutils

from nova.db.main import services as db
from nova import exception
from nova.objects import base
from nova.objects import fields

LOG = logging.getLogger(__name__)

# What each service version speaks. Index N describes SERVICE_VERSION N: the
# newest version of each RPC API that a service of that version accepts (and
# its clients may send). Version 0 is a row without a recorded version;
# `auto` reads a minimum of 0 as "nothing known yet" and does not cap.
# Append an entry (never edit an old one) whenever a service learns something
# its peers must know it can do -- a new RPC method or argument, a new object
# version -- and bump the API's version in its rpcapi module and manager target.
# ``[upgrade_levels] <service> = auto`` turns the lowest version among the
# running services into an RPC version cap through this table; an entry with a
# "release" key is also the release alias of that name (the last service
# version of that release series).
SERVICE_VERSION_HISTORY = (
    # Version 0: no version recorded: the oldest API versions this code knows.
    {"compute_rpc": "6.0", "scheduler_rpc": "4.0", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.0"},
    # Version 1: compute 6.4 (external_instance_event), scheduler 4.1
    # (select_destinations), compute_task 1.1 (schedule_and_build_instances,
    # build_instances).
    {"compute_rpc": "6.4", "scheduler_rpc": "4.1", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.1", "release": "0.1"},
    # Version 2: scheduler 4.2: select_destinations(num_alternates).
    {"compute_rpc": "6.4", "scheduler_rpc": "4.2", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.1"},
    # Version 3: compute 6.5: snapshot_instance, get_console_output,
    # get_diagnostics, get_instance_diagnostics.
    {"compute_rpc": "6.5", "scheduler_rpc": "4.2", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.1"},
    # Version 4: compute 6.6: get_vnc_console, get_spice_console,
    # get_serial_console, validate_console_port.
    {"compute_rpc": "6.6", "scheduler_rpc": "4.2", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.1"},
    # Version 5: compute 6.7: rebuild_instance, rescue_instance, unrescue_instance,
    # set_admin_password, inject_network_info; compute_task 1.2: rebuild_instance;
    # scheduler 4.3: select_destinations answers a rebuild's check without a claim.
    {"compute_rpc": "6.7", "scheduler_rpc": "4.3", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.2"},
    # Version 6: compute 6.8: shelve_instance, shelve_offload_instance,
    # unshelve_instance, backup_instance, soft_delete_instance,
    # restore_instance; compute_task 1.3: unshelve_instance.
    {"compute_rpc": "6.8", "scheduler_rpc": "4.3", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.3"},
    # Version 7: compute 6.9: prep_resize, resize_instance, finish_resize,
    # confirm_resize, revert_resize, finish_revert_resize (moving servers);
    # the live migration steps, evacuate_instance; compute_task 1.4:
    # migrate_server, live_migrate_instance, evacuate_instance.
    {"compute_rpc": "6.9", "scheduler_rpc": "4.3", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.4"},
    # Version 8: compute 6.10: attach_interface (call), detach_interface (cast).
    {"compute_rpc": "6.10", "scheduler_rpc": "4.3", "conductor_rpc": "3.0",
     "compute_task_rpc": "1.4"},
)

# This code's service version: recorded in services.version by every service
# it runs, so that mixed-version deployments can tell what the oldest member
# understands.
SERVICE_VERSION = len(SERVICE_VERSION_HISTORY) - 1


def rpc_versions(key):
    """{release alias: RPC version} of one API (``key``: e.g. "compute_rpc")."""
    return {entry["release"]: entry[key]
            for entry in SERVICE_VERSION_HISTORY if "release" in entry}


def get_minimum_version_all_cells(context, binaries):
    """The lowest service version of ``binaries`` running in any cell; 0 if none.

    Deleted and forced-down services do not count. A process without database
    access (nova-compute) asks the conductor, and a process without the API
    database (a cell conductor) reads its own cell: both see their own cell
    only. A cell that fails to answer is logged and skipped.
    """
    import nova.conf
    from nova import context as nova_context
    from nova.objects import cell_mapping

    if base.NovaObject.indirection_api or not nova.conf.CONF.api_database.connection:
        return Service.get_minimum_version_multi(context, binaries)
    cells = [cell for cell in cell_mapping.CellMappingList.get_all(context)
             if not cell.is_cell0()]
    results = nova_context.scatter_gather_cells(
        context, cells, nova_context.CELL_TIMEOUT, Service.get_minimum_version_multi,
        binaries)
    versions = []
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            LOG.warning("Cell %s did not report the version of its %s services; "
                        "leaving it out of the minimum.", cell_uuid, ", ".join(binaries))
        elif result:
            versions.append(result)
    return min(versions, default=0)


@base.NovaObjectRegistry.register
class Service(base.NovaPersistentObject, base.NovaObject, base.NovaObjectDictCompat):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(read_only=True),
        "uuid": fields.UUIDField(),
        "host": fields.StringField(nullable=True),
        "binary": fields.StringField(nullable=True),
        "topic": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "availability_zone": fields.StringField(nullable=True),
        "last_seen_up": fields.DateTimeField(nullable=True),
        "forced_down": fields.BooleanField(),
        "version": fields.IntegerField(),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = SERVICE_VERSION

    @staticmethod
    def _from_db_object(context, service, db_service):
        for key in service.fields:
            if key == "availability_zone":
                continue
            if key == "version":
                setattr(service, "version", db_service["version"] or 0)
                continue
            setattr(service, key, db_service[key])
        service._context = context
        service.obj_reset_changes()
        return service

    def obj_load_attr(self, attrname):
        if attrname == "availability_zone":
            # Filled by the API from aggregates; unknown here.
            self.availability_zone = None
            return
        if attrname == "uuid" and self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="obj_load_attr",
                                              reason="uuid is not set")
        raise exception.ObjectActionError(action="obj_load_attr",
                                          reason="attribute %s not lazy-loadable" % attrname)

    @base.remotable_classmethod
    def get_by_id(cls, context, service_id):
        return cls._from_db_object(context, cls(), db.service_get(context, service_id))

    @base.remotable_classmethod
    def get_by_uuid(cls, context, service_uuid):
        return cls._from_db_object(context, cls(),
                                   db.service_get_by_uuid(context, service_uuid))

    @base.remotable_classmethod
    def get_by_host_and_topic(cls, context, host, topic):
        row = db.service_get_by_host_and_topic(context, host, topic)
        return cls._from_db_object(context, cls(), row) if row else None

    @base.remotable_classmethod
    def get_by_host_and_binary(cls, context, host, binary):
        try:
            row = db.service_get_by_host_and_binary(context, host, binary)
        except exception.HostBinaryNotFound:
            return None
        return cls._from_db_object(context, cls(), row)

    @classmethod
    def get_by_compute_host(cls, context, host):
        service = cls.get_by_host_and_binary(context, host, "nova-compute")
        if service is None:
            raise exception.ComputeHostNotFound(host=host)
        return service

    @base.remotable_classmethod
    def get_minimum_version_multi(cls, context, binaries):
        versions = db.service_get_minimum_version(context, binaries)
        return min((versions.get(b) or 0 for b in binaries), default=0)

    @classmethod
    def get_minimum_version(cls, context, binary):
        return cls.get_minimum_version_multi(context, [binary])

    @base.remotable
    def create(self):
        if self.obj_attr_is_set("id"):
            raise exception.ObjectActionError(action="create", reason="already created")
        updates = self.obj_get_changes()
        updates.pop("availability_zone", None)
        if "uuid" not in updates:
            updates["uuid"] = self.uuid = uuidutils.generate_uuid()
        self._from_db_object(self._context, self, db.service_create(self._context, updates))

    @base.remotable
    def save(self):
        updates = self.obj_get_changes()
        updates.pop("id", None)
        updates.pop("availability_zone", None)
        if not updates:
            return
        row = db.service_update(self._context, self.id, updates)
        self._from_db_object(self._context, self, row)

    @base.remotable
    def destroy(self):
        db.service_destroy(self._context, self.id)


@base.NovaObjectRegistry.register
class ServiceList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: initial version
    VERSION = "1.0"

    fields = {"objects": fields.ListOfObjectsField("Service")}

    @classmethod
    def _make(cls, context, rows):
        return base.obj_make_list(context, cls(context), Service, rows)

    @base.remotable_classmethod
    def get_all(cls, context, disabled=None, set_zones=False):
        return cls._make(context, db.service_get_all(context, disabled=disabled))

    @base.remotable_classmethod
    def get_by_binary(cls, context, binary, include_disabled=False):
        return cls._make(context, db.service_get_all_by_binary(
            context, binary, include_disabled=include_disabled))

    @classmethod
    def get_by_hosts_and_binary(cls, context, hosts, binary):
        """The services of ``binary`` on any of ``hosts`` (one query; for the API,
        which reads the cell databases itself)."""
        return cls._make(context, db.service_get_all_by_hosts_and_binary(
            context, hosts, binary))

    @base.remotable_classmethod
    def get_by_host(cls, context, host):
        return cls._make(context, db.service_get_all_by_host(context, host))

    @classmethod
    def get_all_computes_by_hv_type(cls, context, hv_type):
        from nova.objects import compute_node
        nodes = compute_node.ComputeNodeList.get_all(context)
        hosts = {n.host for n in nodes if n.hypervisor_type == hv_type}
        return cls(context, objects=[s for s in cls.get_by_binary(context, "nova-compute")
                                     if s.host in hosts])
