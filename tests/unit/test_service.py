"""Pieces of the service framework that need no queue: liveness, periodic tasks, config."""

import datetime

from oslo_config import cfg
from oslo_db import exception as db_exc
import oslo_messaging as messaging
from oslo_service import periodic_task
from oslo_utils import timeutils
import pytest

from nova.cmd import common
import nova.conf
from nova import manager
from nova import objects
from nova.scheduler import manager as scheduler_manager
from nova import service
from nova import servicegroup

CONF = nova.conf.CONF


def _service(**fields):
    objects.register_all()
    svc = objects.Service(host="h", binary="nova-compute", forced_down=False, **fields)
    return svc


def test_liveness_follows_service_down_time():
    api = servicegroup.API()
    now = timeutils.utcnow()
    assert api.service_is_up(_service(last_seen_up=now))
    late = now - datetime.timedelta(seconds=CONF.service_down_time + 5)
    assert not api.service_is_up(_service(last_seen_up=late))
    assert not api.service_is_up(_service(last_seen_up=None, updated_at=None,
                                          created_at=None))


def test_liveness_as_of_the_time_a_record_was_read():
    """A caller holding a record read earlier (the scheduler, for one request)
    asks about that moment: the time since is not the service's silence."""
    api = servicegroup.API()
    read_at = timeutils.utcnow() - datetime.timedelta(seconds=CONF.service_down_time * 3)
    beat = read_at - datetime.timedelta(seconds=1)
    assert not api.service_is_up(_service(last_seen_up=beat))
    assert api.service_is_up(_service(last_seen_up=beat), as_of=read_at)
    stale = read_at - datetime.timedelta(seconds=CONF.service_down_time + 5)
    assert not api.service_is_up(_service(last_seen_up=stale), as_of=read_at)


def test_forced_down_is_down_whatever_the_heartbeat():
    svc = _service(last_seen_up=timeutils.utcnow())
    svc.forced_down = True
    assert not servicegroup.API().service_is_up(svc)


class _Counting(manager.Manager):
    def __init__(self):
        self.ran = []
        super().__init__(host="h", service_name="counting")

    @periodic_task.periodic_task(spacing=1, run_immediately=True)
    def _first(self, context):
        self.ran.append("first")

    @periodic_task.periodic_task(spacing=1, run_immediately=True)
    def _second(self, context):
        self.ran.append("second")


def test_periodic_spacing_from_configuration():
    mgr = _Counting()
    mgr.set_periodic_spacing("_second", 0)  # disabled
    mgr.set_periodic_spacing("_first", 30)
    idle = mgr.periodic_tasks(None)
    assert mgr.ran == ["first"]
    assert 0 < idle <= 30
    # Another instance of the class keeps the class's own settings.
    other = _Counting()
    other.periodic_tasks(None)
    assert sorted(other.ran) == ["first", "second"]


def test_scheduler_instance_cache_sync():
    cache = scheduler_manager.InstanceInfoCache()
    assert cache.sync("h1", ["a", "b"]) is True  # first report is taken as is
    assert cache.instance_uuids("h1") == ["a", "b"]
    assert cache.sync("h1", ["b", "a"]) is True
    cache.delete("h1", "a")
    assert cache.sync("h1", ["a", "b"]) is False  # mismatch: replaced by the report
    assert cache.instance_uuids("h1") == ["a", "b"]
    cache.update("h2", [{"uuid": "c"}])
    assert cache.hosts() == ["h1", "h2"]


def test_validate_config_names_group_option_and_file(tmp_path):
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.IntOpt("workers", min=1)], group="conductor")
    path = tmp_path / "nova.conf"
    path.write_text("[conductor]\nworkers = 0\n")
    conf(["--config-file", str(path)])
    with pytest.raises(common.ConfigError) as raised:
        common.validate_config(conf)
    message = str(raised.value)
    assert "[conductor] workers" in message and str(path) in message
    assert "\n" not in message


class _Idle(manager.Manager):
    def __init__(self, host):
        super().__init__(host=host, service_name="idle")


def _db_away():
    return db_exc.DBConnectionError(Exception("(2002, \"Can't connect to server\")"))


def test_database_unreachable_here_or_in_the_conductor():
    assert service.database_unreachable(_db_away())
    assert service.database_unreachable(messaging.RemoteError(
        "DBConnectionError", "(2002, \"Can't connect to server\")"))
    assert not service.database_unreachable(messaging.RemoteError("ValueError", "bad"))
    assert not service.database_unreachable(db_exc.DBDuplicateEntry())
    assert not service.database_unreachable(messaging.MessagingTimeout())


def test_start_up_waits_for_the_database_within_max_retries():
    svc = service.Service("h", "nova-idle", "idle", "tests.unit.test_service._Idle")
    answers = [_db_away(), messaging.RemoteError("DBConnectionError", "gone"),
               messaging.MessagingTimeout("answer lost with the broker"), "row"]

    def flaky(value):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return (answer, value)

    CONF.set_override("retry_interval", 0, group="database")
    CONF.set_override("max_retries", 3, group="database")
    try:
        assert svc._while_unreachable("read", flaky, 1) == ("row", 1)
        # One attempt beyond max_retries: the error is the daemon's.
        answers[:] = [_db_away(), messaging.MessagingTimeout(), _db_away(), _db_away(), "row"]
        with pytest.raises(db_exc.DBConnectionError):
            svc._while_unreachable("read", flaky, 1)
        assert answers == ["row"]
        # Anything but an unreachable database is not waited for.
        answers[:] = [messaging.RemoteError("ValueError", "bad"), "row"]
        with pytest.raises(messaging.RemoteError):
            svc._while_unreachable("read", flaky, 1)
        assert answers == ["row"]
    finally:
        CONF.clear_override("retry_interval", group="database")
        CONF.clear_override("max_retries", group="database")
