"""nova-manage db / api_db: schema upgrades of the cell and API databases."""

from oslo_db import exception as db_exc
import sqlalchemy.exc

import nova.conf
from nova.cmd.manage_utils import args, error, one_line
from nova import context
from nova.db import migration
from nova import exception

CONF = nova.conf.CONF


def _print_version(database):
    print(migration.db_version(database) or "None")


class DbCommands:
    """Commands on the cell database ([database] connection) and cell0."""

    @args("--local_cell", action="store_true", default=False,
          help="Only sync the local cell's database, not cell0.")
    @args("version", dest="db_version", metavar="VERSION", nargs="?", default=None,
          help="Revision to upgrade to (default: the newest).")
    def sync(self, db_version=None, local_cell=False):
        """Upgrade the cell database schema (and cell0's, when mapped)."""
        migration.db_sync("main", version=db_version)
        if local_cell:
            return 0
        cell0 = self._find_cell0()
        if cell0 is not None:
            migration.db_sync("main", version=db_version, url=cell0.database_connection)
        return 0

    @staticmethod
    def _find_cell0():
        """cell0's mapping, or None when it cannot be known yet."""
        if not CONF.api_database.connection:
            return None
        from nova.objects import cell_mapping
        ctxt = context.get_admin_context()
        try:
            return cell_mapping.CellMapping.get_by_uuid(
                ctxt, cell_mapping.CellMapping.CELL0_UUID)
        except exception.CellMappingNotFound:
            return None
        except (db_exc.DBError, sqlalchemy.exc.SQLAlchemyError) as exc:
            # The API database is not reachable or not synced yet: the main
            # database was upgraded, which is what was asked first.
            error("Not syncing cell0: cannot read its mapping from the API database: %s"
                  % one_line(exc))
            return None

    def version(self):
        """Print the cell database's current schema revision."""
        _print_version("main")

    version.cli_args = []


class ApiDbCommands:
    """Commands on the API database ([api_database] connection)."""

    @args("version", dest="db_version", metavar="VERSION", nargs="?", default=None,
          help="Revision to upgrade to (default: the newest).")
    def sync(self, db_version=None):
        """Upgrade the API database schema."""
        migration.db_sync("api", version=db_version)
        return 0

    def version(self):
        """Print the API database's current schema revision."""
        _print_version("api")

    version.cli_args = []
