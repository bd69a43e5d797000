"""Image data on disk: one file per image, written through a temporary file.

An upload streams into ``<id>.part-<random>`` while computing the md5 checksum,
the sha512 multihash and the size; only a complete upload is renamed to
``<id>``, so a failed or refused upload never leaves a partial image behind.
"""

import hashlib
import os
import struct
import uuid

CHUNK = 64 * 1024
HASH_ALGO = "sha512"


class UploadTooLarge(Exception):
    pass


class UploadIncomplete(Exception):
    pass


class Written:
    """What an upload produced: size, checksums and the virtual size if known."""

    def __init__(self, size, checksum, os_hash_value, virtual_size):
        self.size = size
        self.checksum = checksum
        self.os_hash_algo = HASH_ALGO
        self.os_hash_value = os_hash_value
        self.virtual_size = virtual_size


def _qcow2_virtual_size(head):
    # A qcow2 header: magic 'QFI\xfb', version, ..., the disk size at offset 24.
    if len(head) >= 32 and head[:4] == b"QFI\xfb":
        return struct.unpack(">Q", head[24:32])[0]
    return None


class DataStore:
    """Image files under ``directory``."""

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.remove_partials()

    def path(self, image_id):
        return os.path.join(self.directory, image_id)

    def remove_partials(self):
        """Temporary files of uploads a previous process did not finish."""
        for name in os.listdir(self.directory):
            if ".part-" in name:
                try:
                    os.unlink(os.path.join(self.directory, name))
                except FileNotFoundError:
                    pass

    def write(self, image_id, stream, length, size_cap, disk_format=None):
        """Read ``length`` bytes (or to EOF when None) from ``stream`` into the image's
        file; returns a Written. Raises UploadTooLarge / UploadIncomplete (no file left)."""
        if length is not None and length > size_cap:
            raise UploadTooLarge()
        tmp = os.path.join(self.directory, "%s.part-%s" % (image_id, uuid.uuid4().hex))
        md5 = hashlib.md5(usedforsecurity=False)
        multihash = hashlib.new(HASH_ALGO)
        size = 0
        head = b""
        try:
            with open(tmp, "wb") as out:
                while True:
                    want = CHUNK if length is None else min(CHUNK, length - size)
                    if want <= 0:
                        break
                    chunk = stream.read(want)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > size_cap:
                        raise UploadTooLarge()
                    if len(head) < 512:
                        head += chunk[:512 - len(head)]
                    md5.update(chunk)
                    multihash.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if length is not None and size != length:
                raise UploadIncomplete("got %d of %d bytes" % (size, length))
            os.replace(tmp, self.path(image_id))
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        virtual_size = _qcow2_virtual_size(head)
        if virtual_size is None and disk_format in ("raw", "iso"):
            virtual_size = size
        return Written(size, md5.hexdigest(), multihash.hexdigest(), virtual_size)

    def read(self, image_id, chunk_size=CHUNK):
        """An iterator over the image's bytes; FileNotFoundError if it has none."""
        handle = open(self.path(image_id), "rb")

        def chunks():
            with handle:
                while True:
                    data = handle.read(chunk_size)
                    if not data:
                        return
                    yield data
        return chunks()

    def delete(self, image_id):
        try:
            os.unlink(self.path(image_id))
        except FileNotFoundError:
            pass
