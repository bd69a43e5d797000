"""tests/private_mariadb.py: a MariaDB server of the test's own, restarted
under a client that must reconnect."""

import os

import pytest

from tests import private_mariadb

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def test_restart_keeps_port_and_data_and_stop_removes_them(tmp_path):
    import pymysql
    server = private_mariadb.PrivateMariaDB(tmp_path / "mariadb")
    try:
        server.start()
        assert server.port != 3306
        db = server.create_database()
        assert db.url == "mysql+pymysql://root@127.0.0.1:%d/%s?charset=utf8" % (
            server.port, db.name)
        conn = server.connect(db.name)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB")
            cur.execute("INSERT INTO t VALUES (1), (2)")
        first_pid, port = server.pid, server.port

        stopped, started = server.restart(down_for=0.5)
        # A connection of before the restart is gone: its next query fails.
        with pytest.raises(pymysql.err.OperationalError):
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        assert server.pid != first_pid and server.port == port
        again = server.connect(db.name)
        with again.cursor() as cur:
            cur.execute("SELECT id FROM t ORDER BY id")
            assert cur.fetchall() == ((1,), (2,))
        again.close()
        assert stopped < 60 and started < 60
    finally:
        server.stop(remove_data=True)
    assert not server.alive()
    assert not os.path.exists(server.datadir)
