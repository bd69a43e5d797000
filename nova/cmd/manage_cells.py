"""nova-manage cell_v2: mapping cells and hosts in the API database.

Exit codes follow upstream's documentation where it gives them; a missing
cell is 1 for every command that takes --cell_uuid, except discover_hosts
where 1 means "--strict and nothing new" so a missing cell is 2 (an error).
"""

import nova.conf
from nova.cmd.manage_utils import args, error, print_table
from nova import context
from nova.objects import cell_setup
from nova import exception
from nova.objects import cell_mapping as cell_obj
from nova.objects import host_mapping as host_obj

CONF = nova.conf.CONF

_CELL_UUID = args("--cell_uuid", metavar="<cell_uuid>", dest="cell_uuid",
                  help="UUID of the cell.")


def _ctxt():
    return context.get_admin_context()


def _not_found(cell_uuid):
    error("Cell with uuid %s was not found." % cell_uuid)


class CellV2Commands:
    """Cells v2: map cell0 and cells, discover and list compute hosts."""

    @args("--database_connection", metavar="<database_connection>",
          help="Database URL of cell0 (default: [database] connection with _cell0 "
               "appended to the database name).")
    def map_cell0(self, database_connection=None):
        """Create the cell0 mapping, for instances that never got a host."""
        ctxt = _ctxt()
        if cell_setup._find_cell0(ctxt) is not None:
            print("Cell0 is already setup")
            return 0
        cell_setup.map_cell0(ctxt, database_connection=database_connection)
        return 0

    @args("--transport-url", metavar="<transport_url>", dest="transport_url",
          help="Message queue URL of the cell (default: [DEFAULT] transport_url).")
    def simple_cell_setup(self, transport_url=None):
        """Map cell0 and one cell for this configuration, sync them, map hosts."""
        ctxt = _ctxt()
        try:
            result = cell_setup.simple_cell_setup(ctxt, transport_url=transport_url)
        except (cell_setup.MissingTransportURL, cell_setup.InvalidTransportURL,
                cell_setup.TransportUnreachable, cell_setup.MissingDatabaseConnection,
                cell_setup.InvalidDatabaseConnection) as exc:
            error(exc.format_message())
            return 1
        if not result.hosts:
            print("No new hosts were found to map to cell %s." % result.cell.uuid)
        return 0

    @args("--name", metavar="<cell_name>", help="A name for the cell.")
    @args("--transport-url", metavar="<transport_url>", dest="transport_url",
          help="Message queue URL of the cell (default: [DEFAULT] transport_url).")
    @args("--database_connection", metavar="<database_connection>",
          help="Database URL of the cell (default: [database] connection).")
    @args("--verbose", action="store_true", default=False, help="Print the new cell's UUID.")
    @args("--disabled", action="store_true", default=False,
          help="Create the cell disabled: the scheduler will not pick it.")
    def create_cell(self, name=None, transport_url=None, database_connection=None,
                    verbose=False, disabled=False):
        """Map a new cell from its message queue and database URLs."""
        try:
            cell = cell_setup.create_cell(_ctxt(), name, transport_url, database_connection,
                                          disabled=disabled)
        except cell_setup.DuplicateCell as exc:
            error(exc.format_message())
            return 2
        except cell_setup.CellSetupError as exc:
            error(exc.format_message())
            return 1
        if verbose:
            print(cell.uuid)
        return 0

    @args("--verbose", action="store_true", default=False,
          help="Show the URLs' passwords instead of ****.")
    def list_cells(self, verbose=False):
        """List the cell mappings, sorted by name."""
        cells = cell_obj.CellMappingList.get_all(_ctxt())
        show = (lambda url: url) if verbose else cell_setup.mask_password
        rows = [(cell.name or "", cell.uuid, show(cell.transport_url),
                 show(cell.database_connection), cell.disabled) for cell in cells]
        print_table(["Name", "UUID", "Transport URL", "Database Connection", "Disabled"],
                    rows, sortby="Name")
        return 0

    @_CELL_UUID
    @args("--force", action="store_true", default=False,
          help="Delete the cell's host mappings (and instance mappings of deleted "
               "instances) too.")
    def delete_cell(self, cell_uuid=None, force=False):
        """Delete a cell mapping that holds no live instances."""
        if not cell_uuid:
            error("--cell_uuid is required.")
            return 1
        try:
            cell_setup.delete_cell(_ctxt(), cell_uuid, force=force)
        except exception.CellMappingNotFound:
            _not_found(cell_uuid)
            return 1
        except cell_setup.CellHasHosts as exc:
            error(exc.format_message())
            return 2
        except cell_setup.CellHasInstances as exc:
            error(exc.format_message())
            return 3
        except cell_setup.CellHasInstanceMappings as exc:
            error(exc.format_message())
            return 4
        return 0

    @_CELL_UUID
    @args("--verbose", action="store_true", default=False,
          help="Tell what is checked and mapped.")
    @args("--strict", action="store_true", default=False,
          help="Exit 1 unless at least one new host was mapped.")
    @args("--by-service", action="store_true", default=False, dest="by_service",
          help="Map the hosts of nova-compute services rather than compute nodes.")
    def discover_hosts(self, cell_uuid=None, verbose=False, strict=False, by_service=False):
        """Map compute hosts that have no host mapping yet to their cell."""
        status_fn = print if verbose else None
        try:
            hosts = cell_setup.discover_hosts(_ctxt(), cell_uuid=cell_uuid,
                                              by_service=by_service, status_fn=status_fn)
        except exception.CellMappingNotFound:
            _not_found(cell_uuid)
            return 2
        except exception.HostMappingExists as exc:
            error("Duplicate host mapping (was discover_hosts run twice at once?): %s"
                  % exc.format_message())
            return 2
        if strict:
            return 0 if hosts else 1
        return 0

    @_CELL_UUID
    def list_hosts(self, cell_uuid=None):
        """List the host mappings, of all cells or of one."""
        ctxt = _ctxt()
        if cell_uuid:
            try:
                cells = [cell_obj.CellMapping.get_by_uuid(ctxt, cell_uuid)]
            except exception.CellMappingNotFound:
                _not_found(cell_uuid)
                return 1
        else:
            cells = cell_obj.CellMappingList.get_all(ctxt)
        rows = []
        for cell in cells:
            for mapping in host_obj.HostMappingList.get_by_cell_id(ctxt, cell.id):
                rows.append((cell.name or "", cell.uuid, mapping.host))
        print_table(["Cell Name", "Cell UUID", "Hostname"], rows, sortby="Cell Name")
        return 0

    @_CELL_UUID
    @args("--name", metavar="<cell_name>", help="New name of the cell.")
    @args("--transport-url", metavar="<transport_url>", dest="transport_url",
          help="New message queue URL of the cell.")
    @args("--database_connection", metavar="<database_connection>",
          help="New database URL of the cell.")
    @args("--disable", action="store_true", default=False, help="Disable the cell.")
    @args("--enable", action="store_true", default=False, help="Enable the cell.")
    def update_cell(self, cell_uuid=None, name=None, transport_url=None,
                    database_connection=None, disable=False, enable=False):
        """Change a cell mapping's name, URLs or disabled flag."""
        if not cell_uuid:
            error("--cell_uuid is required.")
            return 1
        if disable and enable:
            error("Cannot disable and enable a cell at the same time.")
            return 4
        try:
            cell_setup.update_cell(_ctxt(), cell_uuid, name=name, transport_url=transport_url,
                                   database_connection=database_connection,
                                   disable=disable, enable=enable)
        except exception.CellMappingNotFound:
            _not_found(cell_uuid)
            return 1
        except cell_setup.DuplicateCell as exc:
            error(exc.format_message())
            return 3
        except cell_setup.Cell0CannotBeToggled as exc:
            error(exc.format_message())
            return 5
        except cell_setup.CellSetupError as exc:
            error(exc.format_message())
            return 2
        return 0
