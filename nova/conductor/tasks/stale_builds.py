"""Build requests nobody picked up: ERROR with a fault instead of BUILD for ever.

nova-api writes a BuildRequest and casts ``schedule_and_build_instances`` to
a conductor. If that cast is lost (a broker restart, a conductor killed
before it acknowledged or while it scheduled), upstream Nova leaves the
server in BUILD until someone deletes it. Here every conductor looks, every
minute, for build requests older than ``[conductor] build_request_timeout``
(their instance never reached a cell, or the build request would be gone):
each one's Placement claim, if the scheduler made one, is released and the
instance is buried in cell0 in ERROR with a fault saying why, exactly as a
request no host could take. Going beyond upstream: see
doc/source/admin/compute-recovery.rst.
"""

from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf
from nova import exception
from nova import objects

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class BuildRequestTimeout(exception.NovaException):
    msg_fmt = ("No conductor scheduled the server within %(timeout)d seconds (the "
               "request was lost); it was not built.")


def bury_stale_build_requests(context, build_task):
    """Put the instances of build requests past the timeout in ERROR; their uuids."""
    timeout = CONF.conductor.build_request_timeout
    if not timeout:
        return []
    now = timeutils.utcnow()
    stale = []
    for build_request in objects.BuildRequestList.get_all(context):
        created = build_request.created_at
        if created is None or (now - timeutils.normalize_time(created)).total_seconds() \
                < timeout:
            continue
        stale.append(build_request)
    buried = []
    for build_request in stale:
        uuid = build_request.instance_uuid
        exc = BuildRequestTimeout(timeout=timeout)
        LOG.warning("Build request of instance %s is older than %d seconds and was never "
                    "scheduled: ERROR in cell0, any claim released.", uuid, timeout)
        try:
            build_task.report_client.delete_allocation_for_instance(context, uuid,
                                                                    force=True)
            build_task._bury_in_cell0(context, None, exc, [build_request], None, None)
            buried.append(uuid)
        except Exception:
            LOG.exception("Could not end the stale build request of %s", uuid)
    return buried
