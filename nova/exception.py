"""The exceptions nova raises. Each carries an HTTP code and a message template.

A subclass sets ``msg_fmt`` (a %-template filled from the keyword arguments
given when raising) and ``code`` (the HTTP status the API maps it to).
"""

import logging

LOG = logging.getLogger(__name__)


class NovaException(Exception):
    msg_fmt = "An unknown exception occurred."
    code = 500
    headers: dict = {}
    safe = False

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        self.kwargs.setdefault("code", self.code)
        if not message:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                LOG.error("Exception %s raised without the arguments its message "
                          "needs: %s", type(self).__name__, kwargs)
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        return self.args[0] if self.args else self.message


class Invalid(NovaException):
    msg_fmt = "Bad request: %(reason)s"
    code = 400


class InvalidInput(Invalid):
    msg_fmt = "Invalid input received: %(reason)s"


class Forbidden(NovaException):
    msg_fmt = "Forbidden"
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class NotFound(NovaException):
    msg_fmt = "Resource could not be found."
    code = 404


class Conflict(NovaException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


class ServiceUnavailable(NovaException):
    """A service nova depends on (Neutron, Glance, Placement) could not be reached,
    answered with a server error (503), or did not answer in time (504). The API
    renders it with its code and message, which names the service."""
    msg_fmt = "The %(service)s service is unavailable: %(reason)s"
    code = 503
    safe = True


class ObjectActionError(NovaException):
    msg_fmt = "Object action %(action)s failed because: %(reason)s"


class OrphanedObjectError(NovaException):
    msg_fmt = "Cannot call %(method)s on orphaned %(objtype)s object"


class ConfigNotFound(NovaException):
    msg_fmt = "Could not find config at %(path)s"


class ServiceNotFound(NotFound):
    msg_fmt = "Service %(service_id)s could not be found."


class HostBinaryNotFound(NotFound):
    msg_fmt = "Could not find binary %(binary)s on host %(host)s."


class ServiceBinaryExists(NovaException):
    msg_fmt = "Service with host %(host)s binary %(binary)s exists."
    code = 409


class ServiceTopicExists(NovaException):
    msg_fmt = "Service with host %(host)s topic %(topic)s exists."
    code = 409


class ComputeHostNotFound(NotFound):
    msg_fmt = "Compute host %(host)s could not be found."


class HostMappingNotFound(NotFound):
    msg_fmt = "Host '%(name)s' is not mapped to any cell"


class HostMappingExists(Invalid):
    msg_fmt = "Host '%(name)s' mapping already exists"


class InstanceMappingNotFound(NotFound):
    msg_fmt = "Instance %(uuid)s has no mapping to a cell."


class CellMappingNotFound(NotFound):
    msg_fmt = "Cell %(uuid)s has no mapping."


class CellMappingExists(Conflict):
    msg_fmt = "Cell %(uuid)s is already mapped."


class InstanceMappingExists(Conflict):
    msg_fmt = "Instance %(uuid)s is already mapped to a cell."


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class InstanceExists(NovaException):
    msg_fmt = "Instance %(name)s already exists."
    code = 409


class InstanceInfoCacheNotFound(NotFound):
    msg_fmt = "Info cache for instance %(instance_uuid)s could not be found."


class UnexpectedTaskStateError(Conflict):
    msg_fmt = ("Conflict updating instance %(instance_uuid)s. "
               "Expected: %(expected)s. Actual: %(actual)s")


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class InstanceActionNotFound(NotFound):
    msg_fmt = "Action for request_id %(request_id)s on instance %(instance_uuid)s not found"


class InstanceActionEventNotFound(NotFound):
    msg_fmt = "Event %(event)s not found for action id %(action_id)s"


class FlavorNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s could not be found."


class FlavorNotFoundByName(FlavorNotFound):
    msg_fmt = "Flavor with name %(flavor_name)s could not be found."


class FlavorExists(Conflict):
    msg_fmt = "Flavor with name %(name)s already exists."


class FlavorIdExists(Conflict):
    msg_fmt = "Flavor with ID %(flavor_id)s already exists."


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = "Flavor %(flavor_id)s has no extra specs with key %(extra_specs_key)s."


class FlavorAccessNotFound(NotFound):
    msg_fmt = "Flavor access not found for %(flavor_id)s / %(project_id)s combination."


class FlavorAccessExists(Conflict):
    msg_fmt = "Flavor access already exists for flavor %(flavor_id)s and project %(project_id)s combination."


class KeypairNotFound(NotFound):
    msg_fmt = "Keypair %(name)s not found for user %(user_id)s"


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class AggregateNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s could not be found."


class AggregateNameExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_name)s already exists."


class AggregateHostNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s has no host %(host)s."


class AggregateMetadataNotFound(NotFound):
    msg_fmt = "Aggregate %(aggregate_id)s has no metadata with key %(metadata_key)s."


class AggregateHostExists(Conflict):
    msg_fmt = "Aggregate %(aggregate_id)s already has host %(host)s."


class InstanceGroupNotFound(NotFound):
    msg_fmt = "Instance group %(group_uuid)s could not be found."


class InstanceGroupIdExists(Conflict):
    msg_fmt = "Instance group %(group_uuid)s already exists."


class MigrationNotFound(NotFound):
    msg_fmt = "Migration %(migration_id)s could not be found."


class MigrationNotFoundByStatus(MigrationNotFound):
    msg_fmt = "Migration not found for instance %(instance_id)s with status %(status)s."


class RequestSpecNotFound(NotFound):
    msg_fmt = "RequestSpec not found for instance %(instance_uuid)s"


class BuildRequestNotFound(NotFound):
    msg_fmt = "BuildRequest not found for instance %(uuid)s"


class BDMNotFound(NotFound):
    msg_fmt = "No Block Device Mapping with id %(id)s."


class QuotaNotFound(NotFound):
    msg_fmt = "Quota could not be found"


class ProjectQuotaNotFound(QuotaNotFound):
    msg_fmt = "Quota for project %(project_id)s could not be found."


class QuotaClassNotFound(QuotaNotFound):
    msg_fmt = "Quota class %(class_name)s could not be found."


class QuotaExists(Conflict):
    msg_fmt = "Quota exists for project %(project_id)s, resource %(resource)s"


class QuotaResourceUnknown(QuotaNotFound):
    msg_fmt = "Unknown quota resources %(unknown)s."


class OverQuota(NovaException):
    msg_fmt = "Quota exceeded for resources: %(overs)s"
    code = 403


class TooManyInstances(OverQuota):
    msg_fmt = ("Quota exceeded for %(overs)s: Requested %(req)s, but already used "
               "%(used)s of %(allowed)s %(overs)s")


class TagNotFound(NotFound):
    msg_fmt = "Tag %(tag)s could not be found on instance %(instance_id)s."


class DBNotAllowed(NovaException):
    msg_fmt = "%(binary)s attempted direct database access which is not allowed by policy"


class DatabaseNotConfigured(NovaException):
    msg_fmt = "The %(database)s database is not configured: set [%(group)s] connection."


# --- cell-database objects (instances, tags, BDMs, migrations) ---

class MarkerNotFound(NotFound):
    msg_fmt = "Marker %(marker)s could not be found."


class TagLimitExceeded(Invalid):
    msg_fmt = "The number of tags exceeded the per-server limit %(max)d"


class InvalidSortKey(Invalid):
    msg_fmt = "Sort key supplied is invalid: %(key)s"


class VolumeBDMNotFound(NotFound):
    msg_fmt = "No volume Block Device Mapping with id %(volume_id)s."


class VolumeBDMIsMultiattach(Invalid):
    msg_fmt = ("Block Device Mapping %(volume_id)s is a multi-attach volume "
               "and is not valid for this operation.")


class MigrationNotFoundForInstance(MigrationNotFound):
    msg_fmt = "Migration %(migration_id)s not found for instance %(instance_id)s"


class InstanceInvalidState(Invalid):
    msg_fmt = ("Instance %(instance_uuid)s in %(attr)s %(state)s. Cannot "
               "%(method)s while the instance is in this state.")


class UnexpectedVMStateError(InstanceInvalidState):
    msg_fmt = "Unexpected VM state: expecting %(expected)s but the VM state is actually %(actual)s"


# --- API-database objects (flavors, quotas, groups) ---

class ProjectUserQuotaNotFound(QuotaNotFound):
    msg_fmt = "Quota for user %(user_id)s in project %(project_id)s could not be found."


class QuotaClassExists(Conflict):
    msg_fmt = "Quota class %(class_name)s exists for resource %(resource)s"


class InvalidQuotaValue(Invalid):
    msg_fmt = "Change would make usage less than 0 for the following resources: %(unders)s"


class InstanceGroupSaveException(NovaException):
    msg_fmt = "%(field)s should not be part of the updates."


# --- Scheduling ---

class NoValidHost(NovaException):
    msg_fmt = "No valid host was found. %(reason)s"


class MaxRetriesExceeded(NoValidHost):
    msg_fmt = "Exceeded maximum number of retries. %(reason)s"


class RequestFilterFailed(NovaException):
    msg_fmt = "Scheduling failed: %(reason)s"


class SchedulerHostFilterNotFound(NotFound):
    msg_fmt = "Scheduler Host Filter %(filter_name)s could not be found."


class SchedulerWeigherNotFound(NotFound):
    msg_fmt = "Scheduler weigher %(weigher)s could not be found."


# -- images (nova/image) ------------------------------------------------------
class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class ImageNotAuthorized(Forbidden):
    msg_fmt = "Not authorized for image %(image_id)s."


class ImageBadRequest(Invalid):
    msg_fmt = "Request of image %(image_id)s got BadRequest response: %(response)s"


class ImageNotActive(Invalid):
    msg_fmt = "Image %(image_id)s is not active."


class ImageUnacceptable(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class ImageDeleteConflict(Conflict):
    msg_fmt = "Conflict deleting image. Reason: %(reason)s."


class ImageConflict(Conflict):
    msg_fmt = "Image %(image_id)s: %(reason)s"


class ImageQuotaExceeded(OverQuota):
    msg_fmt = "The image service refused the request of image %(image_id)s: over its limits."


class ImageDownloadFailed(NovaException):
    msg_fmt = "Failed to download image %(image_href)s: %(reason)s"


class GlanceConnectionFailed(ServiceUnavailable):
    msg_fmt = "Connection to the image service at %(server)s failed: %(reason)s"


class ImageServiceTimeout(GlanceConnectionFailed):
    msg_fmt = "The image service at %(server)s did not answer in time: %(reason)s"
    code = 504


# --- networking (nova/network: the flat network and Neutron) ---

class NetworkNotFound(NotFound):
    msg_fmt = "Network %(network_id)s could not be found."


class PortNotFound(NotFound):
    msg_fmt = "Port id %(port_id)s could not be found."


class FixedIpNotFound(NotFound):
    msg_fmt = "No fixed IP associated with id %(id)s."


class FixedIpNotFoundForAddress(FixedIpNotFound):
    msg_fmt = "Fixed IP not found for address %(address)s."


class FixedIpAlreadyInUse(NovaException):
    msg_fmt = ("Fixed IP address %(address)s is already in use on instance "
               "%(instance_uuid)s.")
    code = 400


class FixedIpInvalidOnNetwork(Invalid):
    msg_fmt = "Fixed IP address %(address)s is not valid on network %(network_id)s."


class NoMoreFixedIps(NovaException):
    msg_fmt = "No fixed IP addresses available for network: %(net)s"
    code = 400


class VirtualInterfaceMacAddressException(NovaException):
    msg_fmt = "Creating virtual interface with unique mac address failed"


class NetworkAmbiguous(Invalid):
    msg_fmt = ("More than one possible network found. Specify network ID(s) to select "
               "which one(s) to connect to.")
    code = 409


class NetworkRequiresSubnet(Invalid):
    msg_fmt = ("Network %(network_uuid)s requires a subnet in order to boot instances "
               "on.")


class ExternalNetworkAttachForbidden(Forbidden):
    msg_fmt = ("It is not allowed to create an interface on external network "
               "%(network_uuid)s")


class UnableToAutoAllocateNetwork(Invalid):
    msg_fmt = "Unable to automatically allocate a network for project %(project_id)s"


class PortInUse(Invalid):
    msg_fmt = "Port %(port_id)s is still in use."
    code = 409


class AttachInterfaceNotSupported(Invalid):
    msg_fmt = "Attaching interfaces is not supported for instance %(instance_uuid)s."


class InterfaceAttachFailed(NovaException):
    msg_fmt = "Failed to attach network adapter device to %(instance_uuid)s"


class InterfaceDetachFailed(NovaException):
    msg_fmt = "Failed to detach network adapter device from %(instance_uuid)s"


class SecurityGroupNotFound(NotFound):
    msg_fmt = "Security group %(security_group_id)s not found."


class SecurityGroupNotExistsForInstance(Invalid):
    msg_fmt = ("Security group %(security_group_id)s not associated with the instance "
               "%(instance_id)s")


class NoUniqueMatch(NovaException):
    msg_fmt = "No Unique Match Found."
    code = 409


class PortRequiresFixedIP(Invalid):
    msg_fmt = "Port %(port_id)s requires a FixedIP in order to be used."


class PortBindingFailed(Invalid):
    msg_fmt = ("Binding failed for port %(port_id)s, please check neutron logs for more "
               "information.")


class NetworksWithQoSPolicyNotSupported(Invalid):
    msg_fmt = ("Using networks with QoS policy is not supported for instance "
               "%(instance_uuid)s. (Network ID is %(network_id)s)")


class CreateWithPortResourceRequestOldVersion(Invalid):
    msg_fmt = ("Creating servers with ports having resource requests, like a port with "
               "a QoS minimum bandwidth policy, is not supported until microversion "
               "2.72.")


class PortLimitExceeded(OverQuota):
    msg_fmt = "Maximum number of ports exceeded"
    code = 403


class InvalidFixedIpAndMaxCountRequest(Invalid):
    msg_fmt = "Failed to launch instances: %(reason)s"


class NetworkError(NovaException):
    msg_fmt = "Network service error: %(reason)s"


class NetworkServiceUnavailable(ServiceUnavailable, NetworkError):
    msg_fmt = "The network service (Neutron) is unavailable: %(reason)s"


class NetworkServiceTimeout(NetworkServiceUnavailable):
    msg_fmt = "The network service (Neutron) did not answer in time: %(reason)s"
    code = 504


# --- Placement (the report client, nova/scheduler/client/report.py) ---

class ResourceProviderNotFound(NotFound):
    msg_fmt = "No such resource provider %(name_or_uuid)s."


class ResourceProviderCreationFailed(NovaException):
    msg_fmt = "Failed to create resource provider %(name)s"


class ResourceProviderRetrievalFailed(NovaException):
    msg_fmt = "Failed to get resource provider with UUID %(uuid)s"


class ResourceProviderUpdateFailed(NovaException):
    msg_fmt = "Failed to update resource provider via URL %(url)s: %(error)s"


class ResourceProviderUpdateConflict(NovaException):
    msg_fmt = ("A conflict was encountered attempting to update resource provider "
               "%(uuid)s (generation %(generation)d): %(error)s")


class ResourceProviderSyncFailed(NovaException):
    msg_fmt = ("Failed to synchronize the placement service with resource provider "
               "information supplied by the compute host.")


class ResourceProviderInUse(NovaException):
    msg_fmt = "Resource provider has allocations."


class InventoryInUse(NovaException):
    msg_fmt = "Inventory for '%(resource_class)s' on resource provider '%(uuid)s' in use."


class TraitCreationFailed(NovaException):
    msg_fmt = "Failed to create trait %(name)s: %(error)s"


class TraitRetrievalFailed(NovaException):
    msg_fmt = "Failed to retrieve traits from the placement API: %(error)s"


class ResourceProviderTraitRetrievalFailed(NovaException):
    msg_fmt = "Failed to get traits for resource provider with UUID %(uuid)s"


class ResourceProviderAggregateRetrievalFailed(NovaException):
    msg_fmt = "Failed to get aggregates for resource provider with UUID %(uuid)s"


class AllocationUpdateFailed(NovaException):
    msg_fmt = "Failed to update allocations for consumer %(consumer_uuid)s. Error: %(error)s"


class AllocationMoveFailed(NovaException):
    msg_fmt = ("Failed to move allocations from consumer %(source_consumer)s to "
               "consumer %(target_consumer)s. Error: %(error)s")


class AllocationDeleteFailed(NovaException):
    msg_fmt = ("Failed to delete allocations for consumer %(consumer_uuid)s. "
               "Error: %(error)s")


class ConsumerAllocationRetrievalFailed(NovaException):
    msg_fmt = "Failed to retrieve allocations for consumer %(consumer_uuid)s: %(error)s"


class UsagesRetrievalFailed(NovaException):
    msg_fmt = "Failed to retrieve usages for project '%(project_id)s' and user '%(user_id)s'."


class NovaPlacementAggregateNotFound(NotFound):
    msg_fmt = "No resource provider named %(host)s to add to or remove from aggregate %(agg)s."


class InstanceIsLocked(InstanceInvalidState):
    msg_fmt = "Instance %(instance_uuid)s is locked"


class ConsoleNotAvailable(NotFound):
    """The hypervisor keeps no console log for the guest."""
    msg_fmt = "Guest does not have a console available."


class InstanceNotReady(NovaException):
    """An action that needs the server's compute host, on a server that has none."""
    msg_fmt = "Instance %(instance_id)s is not ready"
    code = 409


class MetadataLimitExceeded(Forbidden):
    msg_fmt = "Maximum number of metadata items exceeds %(allowed)d"


class MetadataNotFound(NotFound):
    msg_fmt = "Metadata item %(key)s was not found on instance %(instance_uuid)s."


class HypervisorUnavailable(NovaException):
    msg_fmt = "Connection to the hypervisor is broken on host"


class BuildAbortException(NovaException):
    msg_fmt = "Build of instance %(instance_uuid)s aborted: %(reason)s"


class RescheduledException(NovaException):
    msg_fmt = "Build of instance %(instance_uuid)s was re-scheduled: %(reason)s"


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskSmallerThanMinDisk(Invalid):
    msg_fmt = ("Flavor's disk is smaller than the minimum size specified in image "
               "metadata. Flavor disk is %(flavor_size)i bytes, minimum size is "
               "%(image_min_disk)i bytes.")


class FlavorDiskSmallerThanImage(Invalid):
    msg_fmt = ("Flavor's disk is too small for requested image. Flavor disk is "
               "%(flavor_size)i bytes, image is %(image_size)i bytes.")


class InstanceUserDataTooLarge(Invalid):
    msg_fmt = ("User data too large. User data must be no larger than %(maxsize)s bytes "
               "once base64 encoded. Your data is %(length)d bytes")


class InstanceUserDataMalformed(Invalid):
    msg_fmt = "User data needs to be valid base 64."


class InvalidRequest(Invalid):
    msg_fmt = "The request is invalid."


class QuotaError(NovaException):
    msg_fmt = "Quota exceeded: code=%(code)s"
    code = 403


class InstanceEventTimeout(NovaException):
    msg_fmt = "Timed out waiting for %(events)s of instance %(instance_uuid)s"


class InstanceEventFailed(NovaException):
    msg_fmt = "Event %(event)s of instance %(instance_uuid)s failed"


class UnsupportedPolicyException(Invalid):
    msg_fmt = "ServerGroup policy is not supported: %(reason)s"


class InvalidToken(Invalid):
    """A console token that is unknown, expired, or whose instance is gone."""
    msg_fmt = "The token '%(token)s' is invalid or has expired"


class ConsoleTypeInvalid(Invalid):
    msg_fmt = "Invalid console type %(console_type)s"


class ConsoleTypeUnavailable(Invalid):
    """The console type is disabled here, or the guest has no such console."""
    msg_fmt = "Unavailable console type %(console_type)s."


class SocketPortRangeExhaustedException(Invalid):
    msg_fmt = "Not able to acquire a free port for %(host)s"


class ConsolePortInvalid(NovaException):
    """The console port a token names is no longer the instance's."""
    msg_fmt = "The console port %(port)s of instance %(instance_uuid)s is no longer valid"
    code = 403


class InstanceNotRescuable(Invalid):
    msg_fmt = "Instance %(instance_id)s cannot be rescued: %(reason)s"


class InstanceNotInRescueMode(Invalid):
    msg_fmt = "Instance %(instance_id)s is not in rescue mode"


class InstanceUnRescueFailure(NovaException):
    msg_fmt = "Failed to unrescue instance %(instance_id)s: %(reason)s"


class InstancePasswordSetFailed(NovaException):
    msg_fmt = "Failed to set admin password on %(instance)s because %(reason)s"
    safe = True


class SetAdminPasswdNotSupported(Invalid):
    msg_fmt = "Set admin password is not supported"
    code = 409


class InstanceAgentNotEnabled(Invalid):
    msg_fmt = "Guest agent is not enabled for the instance"
    safe = True
    code = 409


# --- Moving servers: resize, migrations, evacuation ---

class CannotResizeToSameFlavor(Invalid):
    msg_fmt = "When resizing, instances must change flavor!"


class CannotResizeDisk(Invalid):
    msg_fmt = "Server disk was unable to be resized because: %(reason)s"


class ResizeError(NovaException):
    msg_fmt = "Resize error: %(reason)s"


class MigrationError(NovaException):
    msg_fmt = "Migration error: %(reason)s"


class MigrationPreCheckError(MigrationError):
    msg_fmt = "Migration pre-check error: %(reason)s"


class InstanceFaultRollback(NovaException):
    """A move step failed before changing anything: the guest stays where it
    was (the wrapped ``inner_exception`` is the cause)."""

    def __init__(self, inner_exception=None):
        message = "Instance rollback performed due to: %s" % inner_exception
        self.inner_exception = inner_exception
        super().__init__(message)


class InvalidMigrationState(Invalid):
    msg_fmt = ("Migration %(migration_id)s state of instance %(instance_uuid)s is "
               "%(state)s. Cannot %(method)s while the migration is in this state.")


class ComputeServiceInUse(Invalid):
    msg_fmt = "Compute service of %(host)s is still in use."
class TaskAlreadyRunning(NovaException):
    msg_fmt = "Task %(task_name)s is already running on host %(host)s"


class TaskNotRunning(NovaException):
    msg_fmt = "Task %(task_name)s is not running on host %(host)s"
