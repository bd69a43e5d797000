"""Errors of the libvirt driver."""

from nova import exception


class HypervisorUnavailable(exception.HypervisorUnavailable):
    msg_fmt = "Connection to the hypervisor %(uri)s is broken: %(reason)s"


class InstanceRebootFailure(exception.NovaException):
    msg_fmt = "Failed to reboot instance: %(reason)s"


class InvalidDiskImage(exception.ImageUnacceptable):
    msg_fmt = "Image %(image_id)s is not a valid disk image: %(reason)s"


class SnapshotUploadFailed(exception.NovaException):
    msg_fmt = "Uploading the snapshot %(image_id)s failed: %(reason)s"
