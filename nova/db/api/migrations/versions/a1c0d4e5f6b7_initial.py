"""Initial API database schema: every table of nova/db/api/models.py.

Revision ID: a1c0d4e5f6b7
Revises:
Create Date: 2025-01-01 00:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = "a1c0d4e5f6b7"
down_revision = None
branch_labels = None
depends_on = None

# TEXT everywhere, MEDIUMTEXT (16 MiB) on MySQL where TEXT stops at 64 KiB.
MediumText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql")
# Every MySQL table is InnoDB in utf8, like the rest of OpenStack.
MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8"}


def _timestamps():
    return [sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime)]


def upgrade():
    op.create_table(
        "cell_mappings",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("transport_url", sa.Text()),
        sa.Column("database_connection", sa.Text()),
        sa.Column("disabled", sa.Boolean),
        sa.UniqueConstraint("uuid", name="uniq_cell_mappings0uuid"),
        **MYSQL,
    )
    op.create_table(
        "host_mappings",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.UniqueConstraint("host", name="uniq_host_mappings0host"),
        **MYSQL,
    )
    op.create_table(
        "instance_mappings",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("queued_for_delete", sa.Boolean),
        sa.UniqueConstraint("instance_uuid", name="uniq_instance_mappings0instance_uuid"),
        sa.Index("project_id_idx", "project_id"),
        sa.Index("instance_uuid_idx", "instance_uuid"),
        sa.Index("instance_mappings_user_id_project_id_idx", "user_id", "project_id"),
        **MYSQL,
    )
    op.create_table(
        "request_specs",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("spec", MediumText, nullable=False),
        sa.UniqueConstraint("instance_uuid", name="uniq_request_specs0instance_uuid"),
        **MYSQL,
    )
    op.create_table(
        "flavors",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("memory_mb", sa.Integer, nullable=False),
        sa.Column("vcpus", sa.Integer, nullable=False),
        sa.Column("root_gb", sa.Integer),
        sa.Column("ephemeral_gb", sa.Integer),
        sa.Column("flavorid", sa.String(255), nullable=False),
        sa.Column("swap", sa.Integer, nullable=False),
        sa.Column("rxtx_factor", sa.Float),
        sa.Column("vcpu_weight", sa.Integer),
        sa.Column("disabled", sa.Boolean),
        sa.Column("is_public", sa.Boolean),
        sa.Column("description", sa.Text),
        sa.UniqueConstraint("flavorid", name="uniq_flavors0flavorid"),
        sa.UniqueConstraint("name", name="uniq_flavors0name"),
        **MYSQL,
    )
    op.create_table(
        "flavor_extra_specs",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255)),
        sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id"), nullable=False),
        sa.UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
        sa.Index("flavor_extra_specs_flavor_id_key_idx", "flavor_id", "key"),
        # Keys are case sensitive ("hw:cpu_policy" vs "HW:CPU_POLICY").
        mysql_collate="utf8_bin",
        **MYSQL,
    )
    op.create_table(
        "flavor_projects",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("flavor_id", sa.Integer, sa.ForeignKey("flavors.id"), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("flavor_id", "project_id",
                            name="uniq_flavor_projects0flavor_id0project_id"),
        **MYSQL,
    )
    op.create_table(
        "build_requests",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instance_uuid", sa.String(36)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("instance", MediumText),
        sa.Column("block_device_mappings", MediumText),
        sa.Column("tags", sa.Text),
        sa.UniqueConstraint("instance_uuid", name="uniq_build_requests0instance_uuid"),
        sa.Index("build_requests_project_id_idx", "project_id"),
        sa.Index("build_requests_instance_uuid_idx", "instance_uuid"),
        **MYSQL,
    )
    op.create_table(
        "key_pairs",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(255)),
        sa.Column("public_key", sa.Text()),
        sa.Column("type", sa.Enum("ssh", "x509", name="keypair_types"),
                  nullable=False, server_default="ssh"),
        sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),
        **MYSQL,
    )
    op.create_table(
        "aggregates",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36)),
        sa.Column("name", sa.String(255)),
        sa.UniqueConstraint("name", name="uniq_aggregate0name"),
        sa.Index("aggregate_uuid_idx", "uuid"),
        **MYSQL,
    )
    op.create_table(
        "aggregate_hosts",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255)),
        sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False),
        sa.UniqueConstraint("host", "aggregate_id",
                            name="uniq_aggregate_hosts0host0aggregate_id"),
        **MYSQL,
    )
    op.create_table(
        "aggregate_metadata",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("aggregate_id", sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False),
        sa.UniqueConstraint("aggregate_id", "key",
                            name="uniq_aggregate_metadata0aggregate_id0key"),
        sa.Index("aggregate_metadata_key_idx", "key"),
        **MYSQL,
    )
    op.create_table(
        "instance_groups",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(255)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.UniqueConstraint("uuid", name="uniq_instance_groups0uuid"),
        **MYSQL,
    )
    op.create_table(
        "instance_group_policy",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, nullable=False),
        sa.Column("policy", sa.String(255)),
        sa.Column("rules", sa.Text),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False),
        sa.Index("instance_group_policy_policy_idx", "policy"),
        **MYSQL,
    )
    op.create_table(
        "instance_group_member",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, nullable=False),
        sa.Column("instance_uuid", sa.String(255)),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False),
        sa.Index("instance_group_member_instance_idx", "instance_uuid"),
        **MYSQL,
    )
    op.create_table(
        "quotas",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.String(255)),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer),
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id0resource"),
        **MYSQL,
    )
    op.create_table(
        "project_user_quotas",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True, nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer),
        sa.UniqueConstraint("user_id", "project_id", "resource",
                            name="uniq_project_user_quotas0user_id0project_id0resource"),
        sa.Index("project_user_quotas_project_id_idx", "project_id"),
        sa.Index("project_user_quotas_user_id_idx", "user_id"),
        **MYSQL,
    )
    op.create_table(
        "quota_classes",
        *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_name", sa.String(255)),
        sa.Column("resource", sa.String(255)),
        sa.Column("hard_limit", sa.Integer),
        sa.Index("quota_classes_class_name_idx", "class_name"),
        **MYSQL,
    )
