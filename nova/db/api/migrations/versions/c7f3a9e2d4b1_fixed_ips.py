"""Addresses of the embedded flat network (fixed_ips).

Revision ID: c7f3a9e2d4b1
Revises: a1c0d4e5f6b7
Create Date: 2026-11-30 16:40:00
"""

from alembic import op
import sqlalchemy as sa

revision = "c7f3a9e2d4b1"
down_revision = "a1c0d4e5f6b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fixed_ips",
        sa.Column("created_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("network_id", sa.String(36), nullable=False),
        sa.Column("address", sa.String(39), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("vif_id", sa.String(36), nullable=False),
        sa.Column("mac_address", sa.String(17), nullable=False),
        sa.Column("host", sa.String(255)),
        sa.UniqueConstraint("network_id", "address", name="uniq_fixed_ips0network_id0address"),
        sa.UniqueConstraint("mac_address", name="uniq_fixed_ips0mac_address"),
        sa.UniqueConstraint("vif_id", name="uniq_fixed_ips0vif_id"),
        sa.Index("fixed_ips_instance_uuid_idx", "instance_uuid"),
        mysql_engine="InnoDB",
        mysql_charset="utf8",
    )
