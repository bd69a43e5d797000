"""ConsoleAuthToken on a real (SQLite) cell database."""

import hashlib
from urllib import parse as urlparse

from oslo_utils import timeutils
import pytest
import sqlalchemy as sa

from nova.db.main import api as db_api
from nova import exception
from nova import objects
from tests.unit.objects import cell_helpers as h


@pytest.fixture
def ctxt(tmp_path):
    return h.cell_context(tmp_path)


def _token(ctxt, instance_uuid, console_type="novnc", port=5900, ttl=None,
           base="http://127.0.0.1:6080/vnc_auto.html"):
    auth = objects.ConsoleAuthToken(ctxt, console_type=console_type, host="127.0.0.1",
                                    port=port, instance_uuid=instance_uuid,
                                    access_url_base=base, internal_access_path=None)
    return auth, auth.authorize(ttl)


def _rows(ctxt):
    engine = db_api.get_engine(ctxt)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.text("SELECT * FROM console_auth_tokens ORDER BY id"))]


def test_only_the_hash_is_stored_and_validate_finds_it(ctxt):
    inst = h.make_instance(ctxt)
    auth, token = _token(ctxt, inst.uuid)
    assert len(token) >= 32 and auth.token == token
    rows = _rows(ctxt)
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(rows[0])
    now = timeutils.utcnow_ts()
    assert now + 590 <= rows[0]["expires"] <= now + 601   # [consoleauth] token_ttl 600
    found = objects.ConsoleAuthToken.validate(ctxt, token)
    assert (found.instance_uuid, found.host, found.port, found.console_type) == (
        inst.uuid, "127.0.0.1", 5900, "novnc")
    assert found.token == token
    # A second token for the same console is another random string.
    _auth2, token2 = _token(ctxt, inst.uuid)
    assert token2 != token


def test_access_urls(ctxt):
    inst = h.make_instance(ctxt)
    auth, token = _token(ctxt, inst.uuid)
    url = urlparse.urlparse(auth.access_url)
    assert url.path == "/vnc_auto.html"
    assert urlparse.parse_qs(url.query) == {"path": ["?token=%s" % token]}
    serial, token = _token(ctxt, inst.uuid, console_type="serial",
                           base="ws://127.0.0.1:6083/")
    assert serial.access_url == "ws://127.0.0.1:6083/?token=%s" % token
    with pytest.raises(exception.ObjectActionError):
        serial.authorize()


def test_unknown_expired_and_deleted_instance_tokens_are_invalid(ctxt):
    inst = h.make_instance(ctxt)
    with pytest.raises(exception.InvalidToken):
        objects.ConsoleAuthToken.validate(ctxt, "no-such-token")
    _auth, expired = _token(ctxt, inst.uuid, ttl=0)
    with pytest.raises(exception.InvalidToken):
        objects.ConsoleAuthToken.validate(ctxt, expired)
    _auth, token = _token(ctxt, inst.uuid)
    other = h.make_instance(ctxt)
    with pytest.raises(exception.InvalidToken):
        objects.ConsoleAuthToken.validate(ctxt, token, instance_uuid=other.uuid)
    assert objects.ConsoleAuthToken.validate(ctxt, token, instance_uuid=inst.uuid)
    inst.destroy()
    with pytest.raises(exception.InvalidToken):
        objects.ConsoleAuthToken.validate(ctxt, token)


def test_clean_by_instance_and_expired(ctxt):
    a = h.make_instance(ctxt)
    b = h.make_instance(ctxt)
    _x, ta = _token(ctxt, a.uuid)
    _token(ctxt, a.uuid, console_type="serial")
    _x, tb = _token(ctxt, b.uuid)
    _token(ctxt, b.uuid, ttl=0)
    assert objects.ConsoleAuthToken.clean_console_auths_for_instance(ctxt, a.uuid) == 2
    with pytest.raises(exception.InvalidToken):
        objects.ConsoleAuthToken.validate(ctxt, ta)
    assert objects.ConsoleAuthToken.clean_expired_console_auths(ctxt) == 1
    assert len(_rows(ctxt)) == 1
    assert objects.ConsoleAuthToken.validate(ctxt, tb).instance_uuid == b.uuid
