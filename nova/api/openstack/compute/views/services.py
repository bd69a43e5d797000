"""Response bodies of os-services."""


def isotime(value):
    """Nova's timestamp text: ``2012-10-29T13:42:02.000000`` (None stays None)."""
    if value is None:
        return None
    return value.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")


def service(req, svc, is_up, updated_at):
    """One service as GET /os-services lists it."""
    body = {
        "binary": svc.binary,
        "host": svc.host,
        "zone": svc.availability_zone,
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up" if is_up else "down",
        "updated_at": isotime(updated_at),
        "disabled_reason": svc.disabled_reason,
    }
    if req.is_at_least("2.53"):
        body["id"] = svc.uuid
    else:
        body["id"] = svc.id
    if req.is_at_least("2.11"):
        body["forced_down"] = svc.forced_down
    return body


def minimal_service(svc):
    """A compute service of a cell that did not answer (2.69): what the API
    database knows about it, and an UNKNOWN status."""
    return {"binary": svc.binary, "host": svc.host, "status": "UNKNOWN"}
