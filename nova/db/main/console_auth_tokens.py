"""Cell-database queries on console_auth_tokens (rows keyed by the token's SHA-256)."""

from oslo_utils import timeutils

from nova.db.main import api
from nova.db.main import models


def _now():
    return int(timeutils.utcnow_ts())


@api.writer
def console_auth_token_create(context, values):
    row = models.ConsoleAuthToken()
    row.update(values)
    context.session.add(row)
    context.session.flush()
    return row


@api.reader
def console_auth_token_get_valid(context, token_hash, instance_uuid=None):
    """The unexpired row of ``token_hash`` whose instance still exists, or None."""
    query = (context.session.query(models.ConsoleAuthToken)
             .join(models.Instance,
                   models.Instance.uuid == models.ConsoleAuthToken.instance_uuid)
             .filter(models.ConsoleAuthToken.token_hash == token_hash,
                     models.ConsoleAuthToken.expires > _now(),
                     models.Instance.deleted == 0))
    if instance_uuid is not None:
        query = query.filter(models.ConsoleAuthToken.instance_uuid == instance_uuid)
    return query.first()


@api.writer
def console_auth_token_destroy_all_by_instance(context, instance_uuid):
    """Delete every token of the instance; how many there were."""
    return (context.session.query(models.ConsoleAuthToken)
            .filter(models.ConsoleAuthToken.instance_uuid == instance_uuid)
            .delete(synchronize_session=False))


@api.writer
def console_auth_token_destroy_expired(context, host=None):
    """Delete the expired tokens (of ``host`` only, if given); how many there were."""
    query = context.session.query(models.ConsoleAuthToken).filter(
        models.ConsoleAuthToken.expires <= _now())
    if host is not None:
        query = query.filter(models.ConsoleAuthToken.host == host)
    return query.delete(synchronize_session=False)
