"""Images and datastores: the datastore file API and the per-datastore image cache.

A disk is a VMDK: a text descriptor ``<name>.vmdk`` and its flat extent
``<name>-flat.vmdk`` (the raw bytes). An image from the image service
(disk_format vmdk, ``vmware_disktype`` preallocated, the default) is that
flat extent. It is uploaded once per datastore with the datastore file API
(``PUT https://vcenter/folder/<path>?dcPath=<datacenter>&dsName=<datastore>``,
the session's cookie) into the cache folder
``[ds] <[vmware] cache_prefix><[image_cache] subdirectory_name>/<image id>/``
(under a temporary name, moved into place when complete), and copied from
there for each instance with VirtualDiskManager.CopyVirtualDisk_Task.
"""

import os
import tempfile
import threading
import urllib.parse
import warnings

from oslo_log import log as logging
import requests
import urllib3

import nova.conf
from nova import exception
from nova.virt.vmwareapi import session as vm_session

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SECTOR = 512
_CHUNK = 1024 * 1024

# The image properties the driver reads (as upstream names them).
ADAPTER_TYPES = ("lsiLogic", "busLogic", "ide", "lsiLogicsas", "paraVirtual")
DEFAULT_ADAPTER = "lsiLogic"


class FileTransferFailed(vm_session.VMwareDriverError):
    msg_fmt = "Datastore file %(method)s of %(path)s failed: %(reason)s"


def image_adapter_type(image_meta):
    props = image_meta.properties if image_meta is not None else None
    value = props.get("vmware_adaptertype") if props is not None else None
    if value and value not in ADAPTER_TYPES:
        raise exception.ImageUnacceptable(
            image_id=getattr(image_meta, "id", None),
            reason="vmware_adaptertype %s is not one of %s" % (value, ", ".join(ADAPTER_TYPES)))
    return value or DEFAULT_ADAPTER


def check_image(image_meta):
    """ImageUnacceptable unless the image is a disk this driver can use."""
    fmt = getattr(image_meta, "disk_format", None)
    if fmt not in (None, "vmdk"):
        raise exception.ImageUnacceptable(
            image_id=image_meta.id,
            reason="disk_format %s: the VMware driver boots vmdk images" % fmt)
    props = image_meta.properties
    disk_type = props.get("vmware_disktype") if props is not None else None
    if disk_type not in (None, "preallocated"):
        raise exception.ImageUnacceptable(
            image_id=image_meta.id,
            reason="vmware_disktype %s is not supported (preallocated only)" % disk_type)
    image_adapter_type(image_meta)


def descriptor(flat_name, size_bytes, adapter_type):
    """The text descriptor of a monolithic flat VMDK whose extent is ``flat_name``."""
    sectors = max(1, -(-size_bytes // SECTOR))
    adapter = "ide" if adapter_type == "ide" else "lsilogic"
    cylinders = max(1, sectors // (255 * 63))
    return ("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
            'createType="vmfs"\n\n# Extent description\n'
            'RW %d VMFS "%s"\n\n# The Disk Data Base\n#DDB\n\n'
            'ddb.adapterType = "%s"\nddb.geometry.cylinders = "%d"\n'
            'ddb.geometry.heads = "255"\nddb.geometry.sectors = "63"\n'
            'ddb.virtualHWVersion = "13"\n' % (sectors, flat_name, adapter, cylinders))


class DatastoreFiles:
    """The datastore file API of one vCenter (HTTP next to its SOAP endpoint)."""

    def __init__(self, session):
        self.session = session

    def url(self, datacenter_name, datastore_name, path):
        query = urllib.parse.urlencode({"dcPath": datacenter_name, "dsName": datastore_name})
        return "https://%s:%s/folder/%s?%s" % (
            self.session.host, self.session.port, urllib.parse.quote(path), query)

    def _request(self, method, dc, ds, path, **kwargs):
        verify = False if self.session.insecure else (self.session.ca_file or True)
        headers = kwargs.pop("headers", {})
        headers["Cookie"] = self.session.si._stub.cookie
        self.session._count("HTTP " + method)
        try:
            with warnings.catch_warnings():
                # [vmware] insecure is the operator's explicit choice.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                return requests.request(method, self.url(dc, ds, path), headers=headers,
                                        verify=verify, timeout=300, **kwargs)
        except requests.RequestException as exc:
            raise FileTransferFailed(method=method, path="[%s] %s" % (ds, path),
                                     reason=exc) from exc

    def exists(self, dc, ds, path):
        resp = self._request("HEAD", dc, ds, path)
        if resp.status_code == 404:
            return False
        if resp.status_code >= 400:
            raise FileTransferFailed(method="HEAD", path="[%s] %s" % (ds, path),
                                     reason="HTTP %d" % resp.status_code)
        return True

    def upload(self, dc, ds, path, data, size=None):
        headers = {"Content-Type": "application/octet-stream"}
        if size is not None:
            headers["Content-Length"] = str(size)
        resp = self._request("PUT", dc, ds, path, data=data, headers=headers)
        if resp.status_code >= 300:
            raise FileTransferFailed(method="PUT", path="[%s] %s" % (ds, path),
                                     reason="HTTP %d %s" % (resp.status_code, resp.text[:200]))

    def download(self, dc, ds, path):
        """An iterator of the file's bytes and its size."""
        resp = self._request("GET", dc, ds, path, stream=True)
        if resp.status_code >= 300:
            raise FileTransferFailed(method="GET", path="[%s] %s" % (ds, path),
                                     reason="HTTP %d" % resp.status_code)
        size = int(resp.headers.get("Content-Length") or 0) or None
        return resp.iter_content(_CHUNK), size


def cache_folder():
    return "%s%s" % (CONF.vmware.cache_prefix or "", CONF.image_cache.subdirectory_name)


class ImageCache:
    """Images cached per datastore (see the module docstring)."""

    def __init__(self, session, image_api_getter):
        self.session = session
        self.files = DatastoreFiles(session)
        self._image_api = image_api_getter
        self._locks = {}
        self._locks_lock = threading.Lock()

    def _lock(self, key):
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    @staticmethod
    def cached_path(image_id):
        """The cached disk's path inside its datastore (descriptor)."""
        return "%s/%s/%s.vmdk" % (cache_folder(), image_id, image_id)

    def fetch(self, context, cluster, datastore, image_meta):
        """The cached disk of ``image_meta`` on ``datastore`` as a datastore path,
        uploading it first when it is not there; (path, size in bytes, fetched now)."""
        image_id = image_meta.id
        rel = self.cached_path(image_id)
        flat = rel[:-len(".vmdk")] + "-flat.vmdk"
        dc = cluster.datacenter_name
        with self._lock((datastore.name, image_id)):
            size = image_meta.size or 0
            if self.files.exists(dc, datastore.name, rel):
                return datastore.path(rel), size, False
            api = self._image_api()
            LOG.info("Caching image %s on datastore %s", image_id, datastore.name)
            tmp = flat + ".part"
            with tempfile.TemporaryDirectory(prefix="nova-vmware-") as workdir:
                local = os.path.join(workdir, "image")
                api.download(context, image_id, dst_path=local)
                size = os.path.getsize(local)
                with open(local, "rb") as data:
                    self.files.upload(dc, datastore.name, tmp, data, size)
            fm = self.session.content.fileManager
            self.session.wait_for_task(fm.MoveDatastoreFile_Task(
                sourceName=datastore.path(tmp), sourceDatacenter=cluster.datacenter,
                destinationName=datastore.path(flat), destinationDatacenter=cluster.datacenter,
                force=True), what="MoveDatastoreFile")
            text = descriptor(flat.rsplit("/", 1)[-1], size, image_adapter_type(image_meta))
            self.files.upload(dc, datastore.name, rel, text.encode(), len(text))
            return datastore.path(rel), size, True

    def copy_to(self, cluster, source, dest):
        """Copy the disk at datastore path ``source`` to ``dest`` (CopyVirtualDisk_Task);
        whether the destination's folder was made for it."""
        from pyVmomi import vim
        made = True
        try:
            self.session.content.fileManager.MakeDirectory(
                name=dest.rsplit("/", 1)[0], datacenter=cluster.datacenter,
                createParentDirectories=True)
        except vim.fault.FileAlreadyExists:
            made = False
        vdm = self.session.content.virtualDiskManager
        self.session.wait_for_task(vdm.CopyVirtualDisk_Task(
            sourceName=source, sourceDatacenter=cluster.datacenter, destName=dest,
            destDatacenter=cluster.datacenter, force=False), what="CopyVirtualDisk")
        return made

    def delete_disk(self, cluster, path):
        """Delete the disk (descriptor and extent) at datastore path ``path``."""
        vdm = self.session.content.virtualDiskManager
        self.session.wait_for_task(vdm.DeleteVirtualDisk_Task(
            name=path, datacenter=cluster.datacenter), what="DeleteVirtualDisk")

    def delete_folder(self, cluster, path):
        """Delete a datastore folder or file (FileNotFound is fine)."""
        from pyVmomi import vim
        fm = self.session.content.fileManager
        try:
            self.session.wait_for_task(fm.DeleteDatastoreFile_Task(
                name=path, datacenter=cluster.datacenter), what="DeleteDatastoreFile")
        except vm_session.TaskFailed as exc:
            fault = getattr(exc, "vim_fault", None)
            if isinstance(fault, vim.fault.FileNotFound) or (
                    fault is None and "FileNotFound" in str(exc)):
                return
            raise
