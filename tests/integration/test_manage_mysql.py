"""nova-manage against MariaDB and RabbitMQ, as a real deployment runs it."""

import pytest

from nova import context
from nova.objects import cell_mapping as cell_obj
from tests import realparts
from tests.functional.manage_helpers import (assert_ok, assert_one_error_line, manage,
                                             table_rows, write_config)
from tests.unit.db.test_cell_setup import make_compute

pytestmark = pytest.mark.integration


@pytest.fixture
def mariadb_deployment(tmp_path, rabbit_vhost):
    api = realparts.MySQLDatabase()
    main = realparts.MySQLDatabase()
    # Operators create cell0's database beside the cell's, named like upstream.
    cell0 = realparts.MySQLDatabase(name=main.name + "_cell0")
    conf = write_config(tmp_path / "nova.conf", api.url, main.url, rabbit_vhost.url)
    try:
        yield conf, main, cell0, rabbit_vhost
    finally:
        for db in (api, main, cell0):
            db.drop()


def test_setup_on_mariadb_twice_and_discover(mariadb_deployment):
    conf, main, cell0_db, vhost = mariadb_deployment
    for _ in range(2):
        assert_ok(manage(conf, "api_db", "sync"))
        assert_ok(manage(conf, "db", "sync"))
        assert_ok(manage(conf, "cell_v2", "simple_cell_setup"))
    rows = {r[0]: r for r in table_rows(assert_ok(manage(conf, "cell_v2", "list_cells",
                                                         "--verbose")).stdout)}
    assert set(rows) == {"cell0", "cell1"}
    assert rows["cell0"][3] == main.url.replace(main.name, cell0_db.name)
    assert rows["cell1"][2] == vhost.url
    assert rows["cell1"][3] == main.url
    version = assert_ok(manage(conf, "db", "version")).stdout.strip()
    assert version != "None"

    cell1 = cell_obj.CellMapping(uuid=rows["cell1"][1], transport_url=vhost.url,
                                 database_connection=main.url)
    with context.target_cell(context.get_admin_context(), cell1) as cctxt:
        make_compute(cctxt, "maria-compute")
    assert_ok(manage(conf, "cell_v2", "discover_hosts", "--strict"))
    hosts = table_rows(assert_ok(manage(conf, "cell_v2", "list_hosts")).stdout)
    assert hosts == [["cell1", rows["cell1"][1], "maria-compute"]]
    assert manage(conf, "cell_v2", "discover_hosts", "--strict").returncode == 1


def test_unknown_mariadb_database(tmp_path):
    api_url = "mysql+pymysql://root@%s/%s?charset=utf8" % (
        realparts.MYSQL_HOST, realparts.unique_name("absent"))
    if not realparts.port_open(realparts.MYSQL_HOST, 3306):
        realparts.missing("MariaDB is not listening")
    conf = write_config(tmp_path / "nova.conf", api_url,
                        "sqlite:///%s" % (tmp_path / "nova.sqlite"))
    assert_one_error_line(manage(conf, "api_db", "sync"), "Unknown database")


def test_create_cell_with_a_live_broker(tmp_path, mysql_db, rabbit_vhost):
    conf = write_config(tmp_path / "nova.conf", mysql_db.url,
                        "sqlite:///%s" % (tmp_path / "nova.sqlite"), rabbit_vhost.url)
    assert_ok(manage(conf, "api_db", "sync"))
    created = assert_ok(manage(conf, "cell_v2", "create_cell", "--name", "live",
                               "--verbose"))
    rows = table_rows(assert_ok(manage(conf, "cell_v2", "list_cells")).stdout)
    assert [r[1] for r in rows] == [created.stdout.strip()]
    assert "guest:****@" in rows[0][2]
