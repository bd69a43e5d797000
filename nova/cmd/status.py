"""nova-status: is this deployment ready to run (or to be upgraded)?

``nova-status upgrade check`` prints a table of checks; the exit code is the
worst result: 0 success, 1 warning, 2 failure, 255 a check that crashed.
"""

import sys
import warnings

from oslo_config import cfg
from oslo_log import log as logging
from oslo_upgradecheck import upgradecheck

import nova.conf
from nova.cmd.manage_utils import error, forget_connections, one_line
from nova import config
from nova import context as nova_context
from nova.db import migration
from nova import version

CONF = nova.conf.CONF
Code = upgradecheck.Code
Result = upgradecheck.Result


def _schema_result(database, url, sync_command, label):
    """SUCCESS when ``url`` is reachable and at the newest revision."""
    head = migration.head_revision("api" if database == "api" else "main")
    current = migration.db_version("api" if database == "api" else "main", url=url)
    if current is None:
        return Result(Code.FAILURE, "The %s has no schema yet. Run '%s'." % (label,
                                                                              sync_command))
    if current != head:
        return Result(Code.FAILURE, "The %s schema is at revision %s, not the newest (%s). "
                                    "Run '%s'." % (label, current, head, sync_command))
    return Result(Code.SUCCESS)


class UpgradeCommands(upgradecheck.UpgradeCommands):
    """The checks run by ``nova-status upgrade check``."""

    def _check_api_database(self):
        if not CONF.api_database.connection:
            return Result(Code.FAILURE, "[api_database] connection is not set.")
        try:
            return _schema_result("api", None, "nova-manage api_db sync", "API database")
        except Exception as exc:
            return Result(Code.FAILURE, "The API database is not reachable: %s"
                                        % one_line(exc))

    def _check_cells_v2(self):
        from nova.objects import cell_mapping
        from nova.objects import host_mapping
        if not CONF.api_database.connection:
            return Result(Code.FAILURE, "[api_database] connection is not set, so no cells "
                                        "can be mapped.")
        ctxt = nova_context.get_admin_context()
        try:
            cells = list(cell_mapping.CellMappingList.get_all(ctxt))
            host_mappings = host_mapping.HostMappingList.get_all(ctxt)
        except Exception as exc:
            return Result(Code.FAILURE, "Cannot read the cell mappings from the API "
                                        "database: %s" % one_line(exc))
        if not cells:
            return Result(Code.FAILURE, "No cell mappings found. Run 'nova-manage cell_v2 "
                                        "simple_cell_setup' (or map_cell0 and create_cell).")
        if not any(c.is_cell0() for c in cells):
            return Result(Code.FAILURE, "No cell0 mapping found. Run 'nova-manage cell_v2 "
                                        "map_cell0'.")
        real_cells = [c for c in cells if not c.is_cell0()]
        if not real_cells:
            return Result(Code.FAILURE, "Only cell0 is mapped: instances can never be "
                                        "scheduled. Run 'nova-manage cell_v2 create_cell'.")
        problems, unmapped, computes = [], 0, 0
        for cell in cells:
            try:
                result = _schema_result("main", cell.database_connection,
                                        "nova-manage db sync", "database of cell %s" %
                                        cell.identity)
                if result.code != Code.SUCCESS:
                    problems.append(result.details)
                    continue
                if cell.is_cell0():
                    continue
                unmapped_here, computes_here = _count_computes(ctxt, cell)
                unmapped += unmapped_here
                computes += computes_here
            except Exception as exc:
                problems.append("Cell %s is not reachable: %s" % (cell.identity,
                                                                 one_line(exc)))
        if problems:
            return Result(Code.FAILURE, " ".join(problems))
        if unmapped:
            return Result(Code.FAILURE, "%d compute node(s) are not mapped to a cell. Run "
                                        "'nova-manage cell_v2 discover_hosts'." % unmapped)
        if not computes and not host_mappings:
            return Result(Code.SUCCESS, "No host mappings or compute nodes were found. "
                                        "Remember to run 'nova-manage cell_v2 "
                                        "discover_hosts' when new compute hosts are "
                                        "deployed.")
        return Result(Code.SUCCESS)

    _upgrade_checks = (
        ("API database", _check_api_database),
        ("Cells v2", _check_cells_v2),
    )


def _count_computes(ctxt, cell):
    from nova.objects import compute_node
    with nova_context.target_cell(ctxt, cell) as cctxt:
        nodes = compute_node.ComputeNodeList.get_all(cctxt)
    return sum(1 for n in nodes if not n.mapped), len(nodes)


# The ``upgrade check`` sub-command, registered by the first main() of a process.
_registered = False


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    forget_connections()
    try:
        return _main(argv)
    finally:
        forget_connections()


def _main(argv):
    global _registered
    if _registered:  # main() called again in one process: parse afresh
        CONF.clear()
    else:
        upgradecheck.register_cli_options(CONF, UpgradeCommands())
        _registered = True
    config.register_logging(CONF)
    try:
        CONF(argv[1:], project="nova", version=version.version_string())
    except cfg.Error as exc:
        error(one_line(exc))
        return 2
    if not CONF.debug:
        warnings.simplefilter("ignore")
    logging.set_defaults(default_log_levels=logging.get_default_log_levels() +
                         ["oslo_db=ERROR", "alembic=WARNING"])
    logging.setup(CONF, "nova")
    # One quick attempt per database: a check reports, it does not wait.
    for group in ("database", "api_database"):
        CONF.set_override("max_retries", 1, group=group)
        CONF.set_override("retry_interval", 0, group=group)
    from nova import objects
    objects.register_all()
    return upgradecheck.run(CONF)


if __name__ == "__main__":
    sys.exit(main())
