"""SQLite under concurrent writers: the engine facade's tuning."""

import threading
import types

import sqlalchemy as sa

from nova.db import facade

METADATA = sa.MetaData()
COUNTER = sa.Table("counter", METADATA,
                   sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("value", sa.Integer, nullable=False))


def _ctx():
    return types.SimpleNamespace()


def _context(tmp_path):
    ctxt = facade.new_transaction_context("sqlite:///%s" % (tmp_path / "t.sqlite"))
    with ctxt.writer.using(_ctx()) as session:
        METADATA.create_all(session.connection())
        session.execute(COUNTER.insert().values(id=1, value=0))
    return ctxt


def test_concurrent_read_modify_write_transactions_all_succeed(tmp_path):
    ctxt = _context(tmp_path)
    errors = []

    def bump(times):
        try:
            for _ in range(times):
                with ctxt.writer.using(_ctx()) as session:
                    value = session.execute(
                        sa.select(COUNTER.c.value).where(COUNTER.c.id == 1)).scalar_one()
                    session.execute(COUNTER.update().where(COUNTER.c.id == 1)
                                    .values(value=value + 1))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with ctxt.reader.using(_ctx()) as session:
        assert session.execute(sa.select(COUNTER.c.value)).scalar_one() == 200


def test_readers_do_not_wait_for_an_open_writer(tmp_path):
    ctxt = _context(tmp_path)
    writing = threading.Event()
    release = threading.Event()

    def hold_write_lock():
        with ctxt.writer.using(_ctx()) as session:
            session.execute(COUNTER.update().values(value=5))
            writing.set()
            release.wait(10)

    holder = threading.Thread(target=hold_write_lock)
    holder.start()
    try:
        assert writing.wait(10)
        with ctxt.reader.using(_ctx()) as session:
            # The uncommitted write is invisible, and the read did not block.
            assert session.execute(sa.select(COUNTER.c.value)).scalar_one() == 0
    finally:
        release.set()
        holder.join()
    with ctxt.reader.using(_ctx()) as session:
        assert session.execute(sa.select(COUNTER.c.value)).scalar_one() == 5


def test_memory_databases_are_left_alone():
    ctxt = facade.new_transaction_context("sqlite://")
    with ctxt.writer.using(_ctx()) as session:
        assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "memory"
