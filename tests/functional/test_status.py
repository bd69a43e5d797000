"""nova-status upgrade check, run as the console script against SQLite."""

import nova.conf
from nova import context
from nova.db.api import api as api_db
from nova.objects import cell_setup
from nova.db import migration
from nova.objects import cell_mapping as cell_obj
from tests.functional.manage_helpers import run, write_config
from tests.unit.db.test_cell_setup import make_compute

CONF = nova.conf.CONF


def _check(conf):
    proc = run("nova-status", conf, "upgrade", "check")
    # The table wraps long details: read it as one line of words.
    proc.text = " ".join(line.strip().strip("|").strip() for line in proc.stdout.splitlines())
    return proc


def _manage(api_url, main_url, step):
    """What ``nova-manage <step>`` does to the deployment, done in this process.

    This test is about nova-status; nova-manage's own commands are tested as
    a console script in test_manage.py.
    """
    if step == "api_db sync":
        migration.db_sync("api", url=api_url)
    elif step == "db sync":
        migration.db_sync("main", url=main_url)
    else:
        CONF.set_override("connection", main_url, group="database")
        try:
            with api_db.use_connection(api_url):
                ctxt = context.get_admin_context()
                if step == "cell_v2 simple_cell_setup":
                    cell_setup.simple_cell_setup(ctxt, "fake://")
                else:
                    assert step == "cell_v2 discover_hosts", step
                    cell_setup.discover_hosts(ctxt)
        finally:
            CONF.clear_override("connection", group="database")


def test_upgrade_check_follows_the_deployment(tmp_path):
    api_url = "sqlite:///%s" % (tmp_path / "nova_api.sqlite")
    main_url = "sqlite:///%s" % (tmp_path / "nova.sqlite")
    conf = write_config(tmp_path / "nova.conf", api_url, main_url)

    empty = _check(conf)
    assert empty.returncode == 2, empty.stdout
    assert "api_db sync" in empty.text
    assert "Traceback" not in empty.text + empty.stderr

    _manage(api_url, main_url, "api_db sync")
    _manage(api_url, main_url, "db sync")
    no_cells = _check(conf)
    assert no_cells.returncode == 2
    assert "No cell mappings found" in no_cells.text

    _manage(api_url, main_url, "cell_v2 simple_cell_setup")
    ready = _check(conf)
    assert ready.returncode == 0, ready.stdout
    assert "discover_hosts" in ready.text  # the reminder: no computes yet

    cell1 = cell_obj.CellMapping(uuid="11111111-1111-4111-8111-111111111111",
                                 transport_url="fake://", database_connection=main_url)
    with context.target_cell(context.get_admin_context(), cell1) as cctxt:
        make_compute(cctxt, "compute-x")
    unmapped = _check(conf)
    assert unmapped.returncode == 2
    assert "not mapped" in unmapped.text

    _manage(api_url, main_url, "cell_v2 discover_hosts")
    assert _check(conf).returncode == 0
