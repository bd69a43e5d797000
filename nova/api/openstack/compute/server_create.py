"""POST /servers: accept a server (or several) for building.

The answer is a 202 with the new server's id, links, disk config, security
groups and (if enabled) its admin password; with ``return_reservation_id``
only the reservation id. Building goes on in the conductor, scheduler and
compute; the server shows BUILD until it is ACTIVE or ERROR.
"""

import webob.exc

from oslo_utils import strutils
from oslo_utils import uuidutils

import nova.conf
from nova.api.openstack import api_version
from nova.api.openstack import common
from nova.api.openstack.compute.schemas import server_create as schemas
from nova.api.openstack import wsgi
from nova.api import validation
from nova.compute import api as compute_api
from nova import exception
from nova import objects

CONF = nova.conf.CONF
POLICY = "os_compute_api:servers:%s"
PASSWORD_LENGTH = 12

COMPUTE = compute_api.API()

# Errors of the create checks, the HTTP error each becomes, and the message
# (None: the exception's own).
_ERRORS = (
    ((exception.ImageNotFound,), webob.exc.HTTPBadRequest, "Can not find requested image"),
    ((exception.FlavorNotFound,), webob.exc.HTTPBadRequest, "Invalid flavorRef provided."),
    ((exception.OverQuota, exception.QuotaError, exception.MetadataLimitExceeded),
     webob.exc.HTTPForbidden, None),
    ((exception.NetworkAmbiguous, exception.PortInUse), webob.exc.HTTPConflict, None),
    ((exception.KeypairNotFound, exception.NetworkNotFound, exception.PortNotFound,
      exception.ComputeHostNotFound, exception.ImageNotActive,
      exception.FlavorMemoryTooSmall, exception.FlavorDiskSmallerThanMinDisk,
      exception.FlavorDiskSmallerThanImage, exception.InstanceUserDataTooLarge,
      exception.InstanceUserDataMalformed, exception.InvalidRequest,
      exception.InvalidInput, exception.NetworkRequiresSubnet,
      exception.InvalidFixedIpAndMaxCountRequest, exception.FixedIpAlreadyInUse,
      exception.NoMoreFixedIps, exception.ImageNotAuthorized,
      exception.CreateWithPortResourceRequestOldVersion),
     webob.exc.HTTPBadRequest, None),
)
_KNOWN_ERRORS = tuple(cls for classes, _http, _msg in _ERRORS for cls in classes)


def _http_error(exc):
    """The HTTP error of a create check's exception (one of ``_KNOWN_ERRORS``)."""
    for classes, http_error, message in _ERRORS:
        if isinstance(exc, classes):
            return http_error(explanation=message or exc.format_message())
    raise exc


def _user_data(user_data):
    """The base64 text of ``user_data`` without the line breaks some encoders add."""
    return "".join(user_data.split()) if user_data else user_data


def _generate_password():
    import secrets
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(PASSWORD_LENGTH))


def _requested_networks(req, networks):
    """A NetworkRequestList from the body's ``networks`` (None: the backend picks)."""
    if networks is None:
        return None
    if isinstance(networks, str):
        return objects.NetworkRequestList(objects=[objects.NetworkRequest(
            network_id=networks)])
    requests = []
    seen_ports = set()
    for item in networks:
        port = item.get("port")
        net = item.get("uuid")
        if port:
            if port in seen_ports:
                raise webob.exc.HTTPBadRequest(
                    explanation="Port %s is requested more than once." % port)
            seen_ports.add(port)
        elif not net:
            raise webob.exc.HTTPBadRequest(
                explanation="Bad network format: missing 'uuid'")
        elif not uuidutils.is_uuid_like(net):
            raise webob.exc.HTTPBadRequest(
                explanation="Bad networks format: network uuid is not in proper format "
                            "(%s)" % net)
        requests.append(objects.NetworkRequest(
            network_id=net if not port else None, port_id=port,
            address=item.get("fixed_ip"), tag=item.get("tag")))
    return objects.NetworkRequestList(objects=requests)


def _flavor(req, flavor_ref):
    flavor_id = common.get_id_from_href(str(flavor_ref))
    try:
        return objects.Flavor.get_by_flavor_id(req.context, flavor_id)
    except exception.FlavorNotFound:
        raise webob.exc.HTTPBadRequest(explanation="Invalid flavorRef provided.")


def _image_id(image_ref):
    if not image_ref:
        return None
    image_id = common.get_id_from_href(image_ref)
    if not uuidutils.is_uuid_like(image_id):
        raise webob.exc.HTTPBadRequest(explanation="Invalid imageRef provided.")
    return image_id


@wsgi.expected_errors((400, 403, 409))
@wsgi.response(202)
@validation.schema(schemas.create, "2.1", "2.18")
@validation.schema(schemas.create_v219, "2.19", "2.31")
@validation.schema(schemas.create_v232, "2.32", "2.36")
@validation.schema(schemas.create_v237, "2.37", "2.41")
@validation.schema(schemas.create_v242, "2.42", "2.51")
@validation.schema(schemas.create_v252, "2.52", "2.56")
@validation.schema(schemas.create_v257, "2.57", "2.62")
@validation.schema(schemas.create_v263, "2.63", "2.66")
@validation.schema(schemas.create_v267, "2.67", "2.73")
@validation.schema(schemas.create_v274, "2.74", "2.89")
@validation.schema(schemas.create_v290, "2.90", "2.93")
@validation.schema(schemas.create_v294, "2.94")
def create(req):
    """POST /servers."""
    context = req.context
    body = req.get_json()
    server = body["server"]
    context.can(POLICY % "create", target={"project_id": context.project_id,
                                           "user_id": context.user_id})
    hints = body.get("os:scheduler_hints") or body.get("OS-SCH-HNT:scheduler_hints") or {}
    networks = server.get("networks")
    if networks is not None:
        context.can(POLICY % "create:attach_network",
                    target={"project_id": context.project_id})
    if server.get("host") or server.get("hypervisor_hostname"):
        context.can(POLICY % "create:requested_destination", target={})
    trusted_certs = server.get("trusted_image_certificates")
    if trusted_certs:
        context.can(POLICY % "create:trusted_certs",
                    target={"project_id": context.project_id})
        if not CONF.glance.verify_glance_signatures:
            raise webob.exc.HTTPBadRequest(
                explanation="Image signature certificate validation enabled, but image "
                            "signature verification is disabled "
                            "([glance] verify_glance_signatures).")
    if server.get("personality"):
        raise webob.exc.HTTPBadRequest(
            explanation="Personality files are not supported by this cloud.")
    bdms = server.get("block_device_mapping_v2") or []
    if server.get("block_device_mapping") or any(
            b.get("source_type") in ("volume", "snapshot")
            or b.get("destination_type") == "volume" for b in bdms):
        raise webob.exc.HTTPBadRequest(
            explanation="Block device mappings with volumes are not supported: this "
                        "cloud has no block storage service.")
    image_ref = server.get("imageRef")
    if not image_ref:
        image_ref = next((b.get("uuid") for b in bdms
                          if b.get("source_type") == "image"
                          and str(b.get("boot_index")) == "0"), None)
    image_id = _image_id(image_ref)
    flavor = _flavor(req, server["flavorRef"])
    min_count = int(server.get("min_count", 1))
    max_count = int(server.get("max_count", min_count))
    if min_count > max_count:
        raise webob.exc.HTTPBadRequest(
            explanation="min_count must be <= max_count")
    password = server.get("adminPass") or _generate_password()
    try:
        instances, reservation_id = COMPUTE.create(
            context, flavor, image_id, display_name=server["name"],
            display_description=server.get("description"),
            hostname=server.get("hostname"), key_name=server.get("key_name"),
            user_data=_user_data(server.get("user_data")),
            metadata=server.get("metadata"),
            availability_zone=server.get("availability_zone"),
            requested_networks=_requested_networks(req, networks),
            security_groups=[g["name"] for g in server.get("security_groups", [])] or None,
            config_drive=strutils.bool_from_string(server.get("config_drive", False)),
            min_count=min_count, max_count=max_count, scheduler_hints=hints,
            tags=server.get("tags"), requested_host=server.get("host"),
            requested_hypervisor_hostname=server.get("hypervisor_hostname"),
            admin_password=password, access_ip_v4=server.get("accessIPv4"),
            access_ip_v6=server.get("accessIPv6"), block_device_mapping=bdms,
            trusted_certs=trusted_certs,
            supports_port_resource_request=api_version.is_supported(req, "2.72"))
    except _KNOWN_ERRORS as exc:
        raise _http_error(exc)
    if strutils.bool_from_string(server.get("return_reservation_id", False)):
        return {"reservation_id": reservation_id}
    instance = instances[0]
    result = {"server": {
        "id": instance.uuid,
        "links": common.resource_links(req, "servers", instance.uuid),
        "OS-DCF:diskConfig": server.get("OS-DCF:diskConfig", "MANUAL"),
        "security_groups": [{"name": name} for name in
                            ([g["name"] for g in server.get("security_groups", [])]
                             or ["default"])],
        "adminPass": password,
    }}
    return wsgi.ResponseObject(result, code=202,
                               headers={"Location": common.url_for(req, "servers",
                                                                   instance.uuid)})


ROUTES = [
    ("/servers", {"POST": create}),
]
