"""Tables of the API database (cells v2: one for the whole deployment)."""

import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.types import Base, MediumText, NovaBase


class ApiBase(Base):
    __abstract__ = True
    metadata = sa.MetaData()


class CellMapping(ApiBase, NovaBase):
    __tablename__ = "cell_mappings"
    __table_args__ = (sa.UniqueConstraint("uuid", name="uniq_cell_mappings0uuid"),)
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    transport_url = sa.Column(sa.Text())
    database_connection = sa.Column(sa.Text())
    disabled = sa.Column(sa.Boolean, default=False)
    host_mapping = orm.relationship("HostMapping", back_populates="cell_mapping")
    instance_mapping = orm.relationship("InstanceMapping", back_populates="cell_mapping")


class InstanceMapping(ApiBase, NovaBase):
    __tablename__ = "instance_mappings"
    __table_args__ = (
        sa.Index("project_id_idx", "project_id"),
        sa.Index("instance_uuid_idx", "instance_uuid"),
        sa.UniqueConstraint("instance_uuid", name="uniq_instance_mappings0instance_uuid"),
        sa.Index("instance_mappings_user_id_project_id_idx", "user_id", "project_id"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    cell_id = sa.Column(sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    queued_for_delete = sa.Column(sa.Boolean)
    cell_mapping = orm.relationship("CellMapping", back_populates="instance_mapping")


class HostMapping(ApiBase, NovaBase):
    __tablename__ = "host_mappings"
    __table_args__ = (sa.UniqueConstraint("host", name="uniq_host_mappings0host"),)
    id = sa.Column(sa.Integer, primary_key=True)
    cell_id = sa.Column(sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    cell_mapping = orm.relationship("CellMapping", back_populates="host_mapping")


class RequestSpec(ApiBase, NovaBase):
    __tablename__ = "request_specs"
    __table_args__ = (
        sa.UniqueConstraint("instance_uuid", name="uniq_request_specs0instance_uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    spec = sa.Column(MediumText, nullable=False)


class Flavor(ApiBase, NovaBase):
    __tablename__ = "flavors"
    __table_args__ = (
        sa.UniqueConstraint("flavorid", name="uniq_flavors0flavorid"),
        sa.UniqueConstraint("name", name="uniq_flavors0name"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(255), nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    vcpus = sa.Column(sa.Integer, nullable=False)
    root_gb = sa.Column(sa.Integer)
    ephemeral_gb = sa.Column(sa.Integer)
    flavorid = sa.Column(sa.String(255), nullable=False)
    swap = sa.Column(sa.Integer, nullable=False, default=0)
    rxtx_factor = sa.Column(sa.Float, default=1)
    vcpu_weight = sa.Column(sa.Integer)
    disabled = sa.Column(sa.Boolean, default=False)
    is_public = sa.Column(sa.Boolean, default=True)
    description = sa.Column(sa.Text)
    extra_specs = orm.relationship("FlavorExtraSpecs", back_populates="flavor",
                                   cascade="all, delete-orphan")
    projects = orm.relationship("FlavorProjects", back_populates="flavor",
                                cascade="all, delete-orphan")


class FlavorExtraSpecs(ApiBase, NovaBase):
    __tablename__ = "flavor_extra_specs"
    __table_args__ = (
        sa.Index("flavor_extra_specs_flavor_id_key_idx", "flavor_id", "key"),
        sa.UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
        {"mysql_collate": "utf8_bin"},
    )
    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey("flavors.id"), nullable=False)
    flavor = orm.relationship(Flavor, back_populates="extra_specs")


class FlavorProjects(ApiBase, NovaBase):
    __tablename__ = "flavor_projects"
    __table_args__ = (
        sa.UniqueConstraint("flavor_id", "project_id",
                            name="uniq_flavor_projects0flavor_id0project_id"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    flavor_id = sa.Column(sa.Integer, sa.ForeignKey("flavors.id"), nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)
    flavor = orm.relationship(Flavor, back_populates="projects")


class BuildRequest(ApiBase, NovaBase):
    __tablename__ = "build_requests"
    __table_args__ = (
        sa.Index("build_requests_project_id_idx", "project_id"),
        sa.Index("build_requests_instance_uuid_idx", "instance_uuid"),
        sa.UniqueConstraint("instance_uuid", name="uniq_build_requests0instance_uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36))
    project_id = sa.Column(sa.String(255), nullable=False)
    instance = sa.Column(MediumText)
    block_device_mappings = sa.Column(MediumText)
    tags = sa.Column(sa.Text)


class KeyPair(ApiBase, NovaBase):
    __tablename__ = "key_pairs"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    fingerprint = sa.Column(sa.String(255))
    public_key = sa.Column(sa.Text())
    type = sa.Column(sa.Enum("ssh", "x509", name="keypair_types"),
                     nullable=False, server_default="ssh")


class Aggregate(ApiBase, NovaBase):
    __tablename__ = "aggregates"
    __table_args__ = (
        sa.Index("aggregate_uuid_idx", "uuid"),
        sa.UniqueConstraint("name", name="uniq_aggregate0name"),
    )
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36))
    name = sa.Column(sa.String(255))
    _hosts = orm.relationship("AggregateHost", cascade="all, delete-orphan")
    _metadata = orm.relationship("AggregateMetadata", cascade="all, delete-orphan")


class AggregateHost(ApiBase, NovaBase):
    __tablename__ = "aggregate_hosts"
    __table_args__ = (
        sa.UniqueConstraint("host", "aggregate_id", name="uniq_aggregate_hosts0host0aggregate_id"),
    )
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    host = sa.Column(sa.String(255))
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False)


class AggregateMetadata(ApiBase, NovaBase):
    __tablename__ = "aggregate_metadata"
    __table_args__ = (
        sa.UniqueConstraint("aggregate_id", "key", name="uniq_aggregate_metadata0aggregate_id0key"),
        sa.Index("aggregate_metadata_key_idx", "key"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255), nullable=False)
    aggregate_id = sa.Column(sa.Integer, sa.ForeignKey("aggregates.id"), nullable=False)


class InstanceGroup(ApiBase, NovaBase):
    __tablename__ = "instance_groups"
    __table_args__ = (sa.UniqueConstraint("uuid", name="uniq_instance_groups0uuid"),)
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    uuid = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255))
    _policies = orm.relationship("InstanceGroupPolicy", cascade="all, delete-orphan")
    _members = orm.relationship("InstanceGroupMember", cascade="all, delete-orphan")


class InstanceGroupPolicy(ApiBase, NovaBase):
    __tablename__ = "instance_group_policy"
    __table_args__ = (sa.Index("instance_group_policy_policy_idx", "policy"),)
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    policy = sa.Column(sa.String(255))
    rules = sa.Column(sa.Text)
    group_id = sa.Column(sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False)


class InstanceGroupMember(ApiBase, NovaBase):
    __tablename__ = "instance_group_member"
    __table_args__ = (sa.Index("instance_group_member_instance_idx", "instance_uuid"),)
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    instance_uuid = sa.Column(sa.String(255))
    group_id = sa.Column(sa.Integer, sa.ForeignKey("instance_groups.id"), nullable=False)


class Quota(ApiBase, NovaBase):
    """A project's limit on one resource."""
    __tablename__ = "quotas"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id0resource"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    project_id = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer)


class ProjectUserQuota(ApiBase, NovaBase):
    """A user's limit on one resource within a project."""
    __tablename__ = "project_user_quotas"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "project_id", "resource",
                            name="uniq_project_user_quotas0user_id0project_id0resource"),
        sa.Index("project_user_quotas_project_id_idx", "project_id"),
        sa.Index("project_user_quotas_user_id_idx", "user_id"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    project_id = sa.Column(sa.String(255), nullable=False)
    user_id = sa.Column(sa.String(255), nullable=False)
    resource = sa.Column(sa.String(255), nullable=False)
    hard_limit = sa.Column(sa.Integer)


class QuotaClass(ApiBase, NovaBase):
    """The default limit of one resource for a quota class."""
    __tablename__ = "quota_classes"
    __table_args__ = (sa.Index("quota_classes_class_name_idx", "class_name"),)
    id = sa.Column(sa.Integer, primary_key=True)
    class_name = sa.Column(sa.String(255))
    resource = sa.Column(sa.String(255))
    hard_limit = sa.Column(sa.Integer)


class FixedIP(ApiBase, NovaBase):
    """An address of the embedded flat network held by an instance (row = allocation)."""

    __tablename__ = "fixed_ips"
    __table_args__ = (
        sa.UniqueConstraint("network_id", "address", name="uniq_fixed_ips0network_id0address"),
        sa.UniqueConstraint("mac_address", name="uniq_fixed_ips0mac_address"),
        sa.UniqueConstraint("vif_id", name="uniq_fixed_ips0vif_id"),
        sa.Index("fixed_ips_instance_uuid_idx", "instance_uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    network_id = sa.Column(sa.String(36), nullable=False)
    address = sa.Column(sa.String(39), nullable=False)
    instance_uuid = sa.Column(sa.String(36), nullable=False)
    vif_id = sa.Column(sa.String(36), nullable=False)
    mac_address = sa.Column(sa.String(17), nullable=False)
    host = sa.Column(sa.String(255))
