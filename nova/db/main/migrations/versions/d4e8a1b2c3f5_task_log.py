"""task_log: the runs of the instance usage audit per host and period.

Revision ID: d4e8a1b2c3f5
Revises: b2d1e6f7a8c9
Create Date: 2026-12-07 15:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = "d4e8a1b2c3f5"
down_revision = "b2d1e6f7a8c9"
branch_labels = None
depends_on = None

MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8"}


def upgrade():
    op.create_table(
        "task_log",
        sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime),
        sa.Column("deleted_at", sa.DateTime), sa.Column("deleted", sa.Integer),
        sa.Column("id", sa.Integer, primary_key=True, nullable=False, autoincrement=True),
        sa.Column("task_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("period_beginning", sa.DateTime, nullable=False),
        sa.Column("period_ending", sa.DateTime, nullable=False),
        sa.Column("message", sa.String(255), nullable=False),
        sa.Column("task_items", sa.Integer()),
        sa.Column("errors", sa.Integer()),
        sa.Index("ix_task_log_period_beginning", "period_beginning"),
        sa.Index("ix_task_log_host", "host"),
        sa.Index("ix_task_log_period_ending", "period_ending"),
        sa.UniqueConstraint("task_name", "host", "period_beginning", "period_ending",
                            name="uniq_task_log0task_name0host0period_beginning0"
                                 "period_ending"),
        **MYSQL,
    )
