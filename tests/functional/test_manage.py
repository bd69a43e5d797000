"""nova-manage as an operator runs it: the console script, a config file, SQLite."""

import concurrent.futures
import socket
import uuid

import pytest

from nova import context
from nova.objects import cell_mapping as cell_obj
from tests.functional.manage_helpers import (assert_ok, assert_one_error_line, manage,
                                             simple_cell_setup, synced, table_rows,
                                             write_config)
from tests.unit.db.test_cell_setup import make_compute


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def deployment(tmp_path):
    api_url = "sqlite:///%s" % (tmp_path / "nova_api.sqlite")
    main_url = "sqlite:///%s" % (tmp_path / "nova.sqlite")
    conf = write_config(tmp_path / "nova.conf", api_url, main_url)
    return conf, api_url, main_url


def _setup(conf):
    assert_ok(manage(conf, "api_db", "sync"))
    assert_ok(manage(conf, "db", "sync"))
    assert_ok(manage(conf, "cell_v2", "simple_cell_setup"))


def _cells(conf, *extra):
    rows = table_rows(assert_ok(manage(conf, "cell_v2", "list_cells", *extra)).stdout)
    return {row[0]: row for row in rows}


def test_fresh_setup_then_again_is_harmless(deployment, tmp_path):
    conf, _api_url, main_url = deployment
    _setup(conf)
    cells = _cells(conf)
    assert set(cells) == {"cell0", "cell1"}
    assert cells["cell0"][1] == cell_obj.CellMapping.CELL0_UUID
    assert cells["cell0"][3] == "sqlite:///%s" % (tmp_path / "nova_cell0.sqlite")
    assert cells["cell1"][3] == main_url
    assert (tmp_path / "nova_cell0.sqlite").exists()

    _setup(conf)
    assert _cells(conf) == cells

    api_version = assert_ok(manage(conf, "api_db", "version")).stdout.strip()
    main_version = assert_ok(manage(conf, "db", "version")).stdout.strip()
    assert api_version and api_version != "None"
    assert main_version and main_version != "None"


def test_discover_and_list_hosts(deployment, tmp_path):
    conf, api_url, main_url = deployment
    # The set-up is not the subject here (test_fresh_setup_then_again_is_harmless).
    synced(tmp_path / "nova_api.sqlite", tmp_path / "nova.sqlite")
    simple_cell_setup(api_url, main_url)
    cell1_uuid = _cells(conf)["cell1"][1]
    cell1 = cell_obj.CellMapping(uuid=cell1_uuid, name="cell1", transport_url="fake://",
                                 database_connection=main_url)
    with context.target_cell(context.get_admin_context(), cell1) as cctxt:
        make_compute(cctxt, "compute-a")

    proc = assert_ok(manage(conf, "cell_v2", "discover_hosts", "--verbose"))
    assert "compute-a" in proc.stdout
    rows = table_rows(assert_ok(manage(conf, "cell_v2", "list_hosts")).stdout)
    assert rows == [["cell1", cell1_uuid, "compute-a"]]
    rows = table_rows(assert_ok(manage(conf, "cell_v2", "list_hosts",
                                       "--cell_uuid", cell1_uuid)).stdout)
    assert rows == [["cell1", cell1_uuid, "compute-a"]]

    # Nothing new the second time: --strict says so with exit code 1.
    again = manage(conf, "cell_v2", "discover_hosts", "--strict")
    assert again.returncode == 1, again.stderr
    assert table_rows(manage(conf, "cell_v2", "list_hosts").stdout) == rows

    # A cell with hosts is only deleted with --force.
    refused = manage(conf, "cell_v2", "delete_cell", "--cell_uuid", cell1_uuid)
    assert refused.returncode == 2
    assert_one_error_line(refused, cell1_uuid)
    assert_ok(manage(conf, "cell_v2", "delete_cell", "--cell_uuid", cell1_uuid, "--force"))
    assert set(_cells(conf)) == {"cell0"}
    assert table_rows(manage(conf, "cell_v2", "list_hosts").stdout) == []


def test_create_update_and_list_cells(deployment, tmp_path):
    conf, _api_url, _main_url = deployment
    assert_ok(manage(conf, "api_db", "sync"))
    assert_ok(manage(conf, "cell_v2", "map_cell0"))
    again = assert_ok(manage(conf, "cell_v2", "map_cell0"))
    assert "already" in again.stdout
    other_db = "mysql+pymysql://nova:topsecret@127.0.0.1/nova_cell2"
    created = assert_ok(manage(conf, "cell_v2", "create_cell", "--name", "cell2",
                               "--database_connection", other_db, "--verbose",
                               "--disabled"))
    new_uuid = created.stdout.strip()
    assert uuid.UUID(new_uuid)
    cells = _cells(conf)
    assert cells["cell2"][1] == new_uuid
    assert "topsecret" not in cells["cell2"][3] and "****" in cells["cell2"][3]
    assert cells["cell2"][4] == "True"
    assert "topsecret" in _cells(conf, "--verbose")["cell2"][3]

    dup = manage(conf, "cell_v2", "create_cell", "--name", "x",
                 "--database_connection", other_db)
    assert dup.returncode == 2
    assert_one_error_line(dup, new_uuid)

    assert_ok(manage(conf, "cell_v2", "update_cell", "--cell_uuid", new_uuid,
                     "--name", "renamed", "--enable"))
    cells = _cells(conf)
    assert "renamed" in cells and cells["renamed"][4] == "False"
    toggled = manage(conf, "cell_v2", "update_cell", "--cell_uuid",
                     cell_obj.CellMapping.CELL0_UUID, "--disable")
    assert toggled.returncode == 5
    assert_one_error_line(toggled, "Cell0")
    assert_ok(manage(conf, "cell_v2", "delete_cell", "--cell_uuid", new_uuid))
    assert set(_cells(conf)) == {"cell0"}


BOGUS = "6f0c6a30-9d4e-4c59-bb5c-2d1c6f4c0000"


def _run_all(conf, commands):
    """Run independent nova-manage commands side by side (they only read)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: manage(conf, *args, timeout=60), commands))


def test_missing_cell(deployment, tmp_path):
    conf = deployment[0]
    synced(tmp_path / "nova_api.sqlite")
    cases = [
        (("cell_v2", "delete_cell", "--cell_uuid", BOGUS), 1),
        (("cell_v2", "discover_hosts", "--cell_uuid", BOGUS), 2),
        (("cell_v2", "list_hosts", "--cell_uuid", BOGUS), 1),
        (("cell_v2", "update_cell", "--cell_uuid", BOGUS, "--name", "x"), 1),
    ]
    for proc, (_args, code) in zip(_run_all(conf, [a for a, _c in cases]), cases):
        assert proc.returncode == code, proc.args
        assert_one_error_line(proc, BOGUS, "not found")


def _bad_conf(tmp_path, api_url, main_url, transport_url="fake://", name="bad.conf"):
    return write_config(tmp_path / name, api_url, main_url, transport_url)


def test_wrong_api_database_url(tmp_path):
    port = _closed_port()
    cases = [
        ("this is not a url", ("api_db", "sync"), "API database"),
        ("nosuchdialect://x/y", ("api_db", "version"), "API database"),
        ("mysql+pymysql://nova:pw@127.0.0.1:%d/nova_api" % port, ("api_db", "sync"),
         "Can't connect"),
        ("mysql+pymysql://nova:pw@127.0.0.1:%d/nova_api" % port, ("cell_v2", "list_cells"),
         "Can't connect"),
        ("postgresql+psycopg2://nova:pw@127.0.0.1:%d/nova_api" % port,
         ("cell_v2", "map_cell0"), "Database error"),
    ]
    main_url = "sqlite:///%s" % (tmp_path / "nova.sqlite")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        procs = list(pool.map(
            lambda case: manage(_bad_conf(tmp_path, case[1][0], main_url,
                                          name="bad%d.conf" % case[0]), *case[1][1],
                                timeout=30),
            enumerate(cases)))
    for proc, (_url, _command, needle) in zip(procs, cases):
        line = assert_one_error_line(proc, needle)
        assert ":pw@" not in line


def test_wrong_cell_database_url(tmp_path):
    conf = _bad_conf(tmp_path, "sqlite:///%s" % (tmp_path / "api.sqlite"),
                     "mysql+pymysql://root@127.0.0.1:%d/nova" % _closed_port())
    assert_one_error_line(manage(conf, "db", "sync"), "cell database")
    assert_one_error_line(manage(conf, "db", "version"), "cell database")


def test_unreachable_broker(deployment, tmp_path):
    conf = deployment[0]
    synced(tmp_path / "nova_api.sqlite", tmp_path / "nova.sqlite")
    broker = "rabbit://guest:guest@127.0.0.1:%d/" % _closed_port()
    for args in (("cell_v2", "create_cell", "--name", "c", "--transport-url", broker,
                  "--database_connection", "sqlite:///%s" % (tmp_path / "c.sqlite")),
                 ("cell_v2", "simple_cell_setup", "--transport-url", broker)):
        proc = manage(conf, *args, timeout=30)
        assert proc.returncode == 1
        assert_one_error_line(proc, "message queue")
    # Nothing was mapped by the failed commands.
    assert _cells(conf) == {}


def test_missing_config_file(tmp_path):
    proc = manage(tmp_path / "absent.conf", "cell_v2", "list_cells")
    assert_one_error_line(proc, "absent.conf")


def test_commands_of_two_deployments_in_turn(tmp_path):
    """Each command reads its own configuration and databases, whatever ran
    before it (the tests' commands share one nova-manage process)."""
    first, second = tmp_path / "first", tmp_path / "second"
    confs = {}
    for directory in (first, second):
        directory.mkdir()
        api_url = "sqlite:///%s" % (directory / "nova_api.sqlite")
        main_url = "sqlite:///%s" % (directory / "nova.sqlite")
        synced(directory / "nova_api.sqlite", directory / "nova.sqlite")
        confs[directory] = (write_config(directory / "nova.conf", api_url, main_url), main_url)
    simple_cell_setup("sqlite:///%s" % (first / "nova_api.sqlite"), confs[first][1])

    for _ in range(2):
        cells = _cells(confs[first][0])
        assert set(cells) == {"cell0", "cell1"}
        assert cells["cell1"][3] == confs[first][1]
        assert _cells(confs[second][0]) == {}
    # The second deployment's own cell, mapped after the first one's were read.
    assert_ok(manage(confs[second][0], "cell_v2", "simple_cell_setup"))
    cells = _cells(confs[second][0])
    assert cells["cell1"][3] == confs[second][1]
    assert cells["cell1"][1] != _cells(confs[first][0])["cell1"][1]
