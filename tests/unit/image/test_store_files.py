"""The store's data files and its recovery after an interrupted upload."""

import hashlib
import io

import pytest

from nova.image.store import app as store_app
from nova.image.store import files


def test_write_hashes_and_renames(tmp_path):
    data = files.DataStore(str(tmp_path))
    written = data.write("img", io.BytesIO(b"abc" * 100), 300, 10 ** 6, "raw")
    assert (written.size, written.virtual_size) == (300, 300)
    assert written.checksum == hashlib.md5(b"abc" * 100).hexdigest()
    assert written.os_hash_value == hashlib.sha512(b"abc" * 100).hexdigest()
    assert b"".join(data.read("img")) == b"abc" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img"]


def test_qcow2_virtual_size(tmp_path):
    header = b"QFI\xfb" + b"\x00" * 20 + (5 * 2 ** 30).to_bytes(8, "big")
    written = files.DataStore(str(tmp_path)).write("q", io.BytesIO(header), None, 10 ** 6)
    assert written.virtual_size == 5 * 2 ** 30


@pytest.mark.parametrize("length,cap,error", [
    (10, 5, files.UploadTooLarge),       # announced too large
    (None, 5, files.UploadTooLarge),     # found too large while reading
    (100, 10 ** 6, files.UploadIncomplete),  # the client stopped early
])
def test_refused_writes_leave_nothing(tmp_path, length, cap, error):
    data = files.DataStore(str(tmp_path))
    with pytest.raises(error):
        data.write("img", io.BytesIO(b"x" * 50), length, cap)
    assert list(tmp_path.iterdir()) == []


def test_restart_requeues_interrupted_uploads(tmp_path):
    store = store_app.Store(str(tmp_path))
    from oslo_utils import timeutils
    now = timeutils.utcnow()
    store.repo.create({"id": "11111111-1111-1111-1111-111111111111", "status": "saving",
                       "visibility": "private", "owner": "p", "created_at": now,
                       "updated_at": now})
    (tmp_path / "11111111-1111-1111-1111-111111111111.part-abc").write_bytes(b"half")
    store.close()
    store = store_app.Store(str(tmp_path))
    try:
        assert store.repo.get("11111111-1111-1111-1111-111111111111")["status"] == "queued"
        assert not (tmp_path / "11111111-1111-1111-1111-111111111111.part-abc").exists()
    finally:
        store.close()
