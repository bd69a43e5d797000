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



ResizeError = exception.ResizeError
InstanceFaultRollback = exception.InstanceFaultRollback
MigrationPreCheckError = exception.MigrationPreCheckError
MigrationError = exception.MigrationError


class InvalidSharedStorage(exception.MigrationPreCheckError):
    msg_fmt = "%(path)s is not on shared storage: %(reason)s"


class InvalidLocalStorage(exception.MigrationPreCheckError):
    msg_fmt = "%(path)s is not on local storage: %(reason)s"


class LiveMigrationURINotAvailable(exception.NovaException):
    msg_fmt = "No live migration URI configured and no default available for the " \
              "%(virt_type)s hypervisor virtualization type."
