"""API-database queries on the embedded flat network's allocated addresses.

A row exists while an instance holds the address; releasing deletes it. The
unique constraint on (network_id, address) is what keeps two concurrent
allocations from getting one address: the loser sees FixedIpAlreadyInUse
and the caller picks another.
"""

from oslo_db import exception as db_exc

from nova.db.api import api
from nova.db.api import models
from nova import exception


@api.writer
def fixed_ip_create(context, values):
    row = models.FixedIP()
    row.update(values)
    try:
        context.session.add(row)
        context.session.flush()
    except db_exc.DBDuplicateEntry as exc:
        if "mac_address" in (exc.columns or []):
            raise exception.VirtualInterfaceMacAddressException()
        raise exception.FixedIpAlreadyInUse(address=values["address"],
                                            instance_uuid=values["instance_uuid"])
    return row


@api.reader
def fixed_ip_get_all_by_network(context, network_id):
    return context.session.query(models.FixedIP).filter_by(
        network_id=network_id).order_by(models.FixedIP.id).all()


@api.reader
def fixed_ip_addresses_by_network(context, network_id):
    """The addresses in use on a network (a set of strings)."""
    rows = context.session.query(models.FixedIP.address).filter_by(network_id=network_id)
    return {address for (address,) in rows}


@api.reader
def fixed_ip_get_by_address(context, network_id, address):
    row = context.session.query(models.FixedIP).filter_by(
        network_id=network_id, address=address).first()
    if row is None:
        raise exception.FixedIpNotFoundForAddress(address=address)
    return row


@api.reader
def fixed_ip_get_by_instance(context, instance_uuid):
    return context.session.query(models.FixedIP).filter_by(
        instance_uuid=instance_uuid).order_by(models.FixedIP.id).all()


@api.writer
def fixed_ip_update(context, fixed_ip_id, values):
    row = context.session.query(models.FixedIP).filter_by(id=fixed_ip_id).first()
    if row is None:
        raise exception.FixedIpNotFound(id=fixed_ip_id)
    row.update(values)
    context.session.flush()
    return row


@api.writer
def fixed_ip_destroy(context, fixed_ip_id):
    count = context.session.query(models.FixedIP).filter_by(id=fixed_ip_id).delete(
        synchronize_session=False)
    if not count:
        raise exception.FixedIpNotFound(id=fixed_ip_id)


@api.writer
def fixed_ip_destroy_by_instance(context, instance_uuid):
    """Release every address of an instance; how many there were."""
    return context.session.query(models.FixedIP).filter_by(
        instance_uuid=instance_uuid).delete(synchronize_session=False)
