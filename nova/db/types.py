"""Column types and mixins shared by both databases' models."""

from oslo_db.sqlalchemy import models
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy import orm

# TEXT on most databases; MEDIUMTEXT (16 MiB) on MySQL, where TEXT is 64 KiB.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")


class Base(orm.DeclarativeBase):
    pass


class NovaBase(models.TimestampMixin, models.ModelBase):
    """created_at/updated_at and the dict-like access oslo.db models give."""

    def __copy__(self):
        session = orm.Session()
        copy = session.merge(self, load=False)
        session.expunge(copy)
        return copy


class SoftDelete(models.SoftDeleteMixin):
    """deleted_at plus ``deleted`` which is 0, or the row's id once deleted."""
