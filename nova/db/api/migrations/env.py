"""Alembic environment of the API database.

nova.db.migration hands the connection in through ``config.attributes``; no
alembic.ini is needed. Offline (--sql) mode renders DDL for the URL given in
the ``sqlalchemy.url`` main option.
"""

from nova.db import migration

migration.run_env()
