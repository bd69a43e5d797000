"""Contexts bound to private, freshly created databases (no global state)."""

import sqlalchemy as sa

from nova import context as nova_context
from nova.db import facade
from nova.db.main import models as main_models


def _tables(url, metadata):
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def cell_context(url, **kwargs):
    """An admin context whose cell database is a new schema at ``url``."""
    _tables(url, main_models.MainBase.metadata)
    kwargs.setdefault("is_admin", True)
    ctxt = nova_context.RequestContext(user_id="fake-user", project_id="fake-project", **kwargs)
    ctxt.db_connection = facade.new_transaction_context(url)
    return ctxt
