"""Tables of a cell database (one per cell; cell0 holds never-scheduled instances)."""

import sqlalchemy as sa
from sqlalchemy import orm

from nova.db.types import Base, MediumText, NovaBase, SoftDelete


class MainBase(Base):
    __abstract__ = True
    metadata = sa.MetaData()


class Service(MainBase, NovaBase, SoftDelete):
    __tablename__ = "services"
    __table_args__ = (
        sa.UniqueConstraint("host", "topic", "deleted", name="uniq_services0host0topic0deleted"),
        sa.UniqueConstraint("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
        sa.UniqueConstraint("uuid", name="uniq_services0uuid"),
        sa.Index("services_uuid_idx", "uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=True)
    host = sa.Column(sa.String(255))
    binary = sa.Column(sa.String(255))
    topic = sa.Column(sa.String(255))
    report_count = sa.Column(sa.Integer, nullable=False, default=0)
    disabled = sa.Column(sa.Boolean, default=False)
    disabled_reason = sa.Column(sa.String(255))
    last_seen_up = sa.Column(sa.DateTime, nullable=True)
    forced_down = sa.Column(sa.Boolean, default=False)
    version = sa.Column(sa.Integer, default=0)


class ComputeNode(MainBase, NovaBase, SoftDelete):
    __tablename__ = "compute_nodes"
    __table_args__ = (
        sa.Index("compute_nodes_uuid_idx", "uuid", unique=True),
        sa.UniqueConstraint("host", "hypervisor_hostname", "deleted",
                            name="uniq_compute_nodes0host0hypervisor_hostname0deleted"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    service_id = sa.Column(sa.Integer, nullable=True)
    host = sa.Column(sa.String(255), nullable=True)
    uuid = sa.Column(sa.String(36), nullable=True)
    vcpus = sa.Column(sa.Integer, nullable=False)
    memory_mb = sa.Column(sa.Integer, nullable=False)
    local_gb = sa.Column(sa.Integer, nullable=False)
    vcpus_used = sa.Column(sa.Integer, nullable=False)
    memory_mb_used = sa.Column(sa.Integer, nullable=False)
    local_gb_used = sa.Column(sa.Integer, nullable=False)
    hypervisor_type = sa.Column(MediumText, nullable=False)
    hypervisor_version = sa.Column(sa.Integer, nullable=False)
    hypervisor_hostname = sa.Column(sa.String(255))
    free_ram_mb = sa.Column(sa.Integer)
    free_disk_gb = sa.Column(sa.Integer)
    current_workload = sa.Column(sa.Integer)
    running_vms = sa.Column(sa.Integer)
    cpu_info = sa.Column(MediumText, nullable=False)
    disk_available_least = sa.Column(sa.Integer)
    host_ip = sa.Column(sa.String(39))
    supported_instances = sa.Column(sa.Text)
    metrics = sa.Column(sa.Text)
    pci_stats = sa.Column(sa.Text)
    extra_resources = sa.Column(sa.Text)
    stats = sa.Column(sa.Text, default="{}")
    numa_topology = sa.Column(sa.Text)
    ram_allocation_ratio = sa.Column(sa.Float, nullable=True)
    cpu_allocation_ratio = sa.Column(sa.Float, nullable=True)
    disk_allocation_ratio = sa.Column(sa.Float, nullable=True)
    mapped = sa.Column(sa.Integer, nullable=True, default=0)


class Instance(MainBase, NovaBase, SoftDelete):
    __tablename__ = "instances"
    __table_args__ = (
        sa.Index("uuid", "uuid", unique=True),
        sa.Index("instances_project_id_idx", "project_id"),
        sa.Index("instances_project_id_deleted_idx", "project_id", "deleted"),
        sa.Index("instances_reservation_id_idx", "reservation_id"),
        sa.Index("instances_terminated_at_launched_at_idx", "terminated_at", "launched_at"),
        sa.Index("instances_uuid_deleted_idx", "uuid", "deleted"),
        sa.Index("instances_task_state_updated_at_idx", "task_state", "updated_at"),
        sa.Index("instances_host_node_deleted_idx", "host", "node", "deleted"),
        sa.Index("instances_host_deleted_cleaned_idx", "host", "deleted", "cleaned"),
        sa.Index("instances_deleted_created_at_idx", "deleted", "created_at"),
        sa.Index("instances_updated_at_project_id_idx", "updated_at", "project_id"),
        sa.Index("instances_compute_id_deleted_idx", "compute_id", "deleted"),
        sa.UniqueConstraint("uuid", name="uniq_instances0uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    uuid = sa.Column(sa.String(36), nullable=False)
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    image_ref = sa.Column(sa.String(255))
    kernel_id = sa.Column(sa.String(255))
    ramdisk_id = sa.Column(sa.String(255))
    hostname = sa.Column(sa.String(255))
    launch_index = sa.Column(sa.Integer)
    key_name = sa.Column(sa.String(255))
    key_data = sa.Column(MediumText)
    power_state = sa.Column(sa.Integer)
    vm_state = sa.Column(sa.String(255))
    task_state = sa.Column(sa.String(255))
    memory_mb = sa.Column(sa.Integer)
    vcpus = sa.Column(sa.Integer)
    root_gb = sa.Column(sa.Integer)
    ephemeral_gb = sa.Column(sa.Integer)
    ephemeral_key_uuid = sa.Column(sa.String(36))
    host = sa.Column(sa.String(255))
    node = sa.Column(sa.String(255))
    compute_id = sa.Column(sa.BigInteger, nullable=True)
    instance_type_id = sa.Column(sa.Integer)
    user_data = sa.Column(MediumText)
    reservation_id = sa.Column(sa.String(255))
    launched_at = sa.Column(sa.DateTime)
    terminated_at = sa.Column(sa.DateTime)
    availability_zone = sa.Column(sa.String(255))
    display_name = sa.Column(sa.String(255))
    display_description = sa.Column(sa.Text)
    launched_on = sa.Column(MediumText)
    locked = sa.Column(sa.Boolean)
    locked_by = sa.Column(sa.Enum("owner", "admin", name="instances0locked_by"))
    os_type = sa.Column(sa.String(255))
    architecture = sa.Column(sa.String(255))
    vm_mode = sa.Column(sa.String(255))
    root_device_name = sa.Column(sa.String(255))
    default_ephemeral_device = sa.Column(sa.String(255))
    default_swap_device = sa.Column(sa.String(255))
    config_drive = sa.Column(sa.String(255))
    access_ip_v4 = sa.Column(sa.String(39))
    access_ip_v6 = sa.Column(sa.String(39))
    auto_disk_config = sa.Column(sa.Boolean)
    progress = sa.Column(sa.Integer)
    shutdown_terminate = sa.Column(sa.Boolean)
    disable_terminate = sa.Column(sa.Boolean)
    cell_name = sa.Column(sa.String(255))
    cleaned = sa.Column(sa.Integer, default=0)
    hidden = sa.Column(sa.Boolean, default=False)
    internal_id = sa.Column(sa.Integer)

    system_metadata = orm.relationship(
        "InstanceSystemMetadata", back_populates="instance",
        primaryjoin="and_(Instance.uuid == InstanceSystemMetadata.instance_uuid, "
                    "InstanceSystemMetadata.deleted == 0)")
    metadata_items = orm.relationship(
        "InstanceMetadata", back_populates="instance",
        primaryjoin="and_(Instance.uuid == InstanceMetadata.instance_uuid, "
                    "InstanceMetadata.deleted == 0)")
    info_cache = orm.relationship("InstanceInfoCache", back_populates="instance",
                                  uselist=False)
    extra = orm.relationship("InstanceExtra", back_populates="instance", uselist=False)
    tags = orm.relationship("Tag", back_populates="instance",
                            primaryjoin="Instance.uuid == Tag.resource_id",
                            foreign_keys="Tag.resource_id")


class InstanceInfoCache(MainBase, NovaBase, SoftDelete):
    __tablename__ = "instance_info_caches"
    __table_args__ = (
        sa.UniqueConstraint("instance_uuid", name="uniq_instance_info_caches0instance_uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    network_info = sa.Column(MediumText)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False)
    instance = orm.relationship(Instance, back_populates="info_cache")


class InstanceExtra(MainBase, NovaBase, SoftDelete):
    __tablename__ = "instance_extra"
    __table_args__ = (sa.Index("instance_extra_idx", "instance_uuid"),)
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False)
    device_metadata = orm.deferred(sa.Column(sa.Text))
    numa_topology = orm.deferred(sa.Column(sa.Text))
    pci_requests = orm.deferred(sa.Column(sa.Text))
    flavor = orm.deferred(sa.Column(sa.Text))
    vcpu_model = orm.deferred(sa.Column(sa.Text))
    migration_context = orm.deferred(sa.Column(sa.Text))
    keypairs = orm.deferred(sa.Column(sa.Text))
    trusted_certs = orm.deferred(sa.Column(sa.Text))
    resources = orm.deferred(sa.Column(sa.Text))
    instance = orm.relationship(Instance, back_populates="extra")


class InstanceMetadata(MainBase, NovaBase, SoftDelete):
    """User-supplied key/value metadata of an instance."""
    __tablename__ = "instance_metadata"
    __table_args__ = (sa.Index("instance_metadata_instance_uuid_idx", "instance_uuid"),)
    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255))
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"))
    instance = orm.relationship(Instance, back_populates="metadata_items",
                                foreign_keys=instance_uuid)


class InstanceSystemMetadata(MainBase, NovaBase, SoftDelete):
    """Key/value data nova keeps about an instance for itself."""
    __tablename__ = "instance_system_metadata"
    __table_args__ = (sa.Index("instance_uuid", "instance_uuid"),)
    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(255), nullable=False)
    value = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False)
    instance = orm.relationship(Instance, back_populates="system_metadata",
                                foreign_keys=instance_uuid)


class InstanceFault(MainBase, NovaBase, SoftDelete):
    __tablename__ = "instance_faults"
    __table_args__ = (
        sa.Index("instance_faults_host_idx", "host"),
        sa.Index("instance_faults_instance_uuid_deleted_created_at_idx",
                 "instance_uuid", "deleted", "created_at"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"))
    code = sa.Column(sa.Integer(), nullable=False)
    message = sa.Column(sa.String(255))
    details = sa.Column(MediumText)
    host = sa.Column(sa.String(255))


class TaskLog(MainBase, NovaBase, SoftDelete):
    """One run of a periodic task over a period on one host (the usage audit)."""
    __tablename__ = "task_log"
    __table_args__ = (
        sa.Index("ix_task_log_period_beginning", "period_beginning"),
        sa.Index("ix_task_log_host", "host"),
        sa.Index("ix_task_log_period_ending", "period_ending"),
        sa.UniqueConstraint("task_name", "host", "period_beginning", "period_ending",
                            name="uniq_task_log0task_name0host0period_beginning0"
                                 "period_ending"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False, autoincrement=True)
    task_name = sa.Column(sa.String(255), nullable=False)
    state = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    period_beginning = sa.Column(sa.DateTime, nullable=False)
    period_ending = sa.Column(sa.DateTime, nullable=False)
    message = sa.Column(sa.String(255), nullable=False)
    task_items = sa.Column(sa.Integer(), default=0)
    errors = sa.Column(sa.Integer(), default=0)


class InstanceAction(MainBase, NovaBase, SoftDelete):
    """A user-visible operation on an instance (create, reboot, ...)."""
    __tablename__ = "instance_actions"
    __table_args__ = (
        sa.Index("instance_uuid_idx", "instance_uuid"),
        sa.Index("request_id_idx", "request_id"),
        sa.Index("instance_actions_instance_uuid_updated_at_idx", "instance_uuid", "updated_at"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False, autoincrement=True)
    action = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"))
    request_id = sa.Column(sa.String(255))
    user_id = sa.Column(sa.String(255))
    project_id = sa.Column(sa.String(255))
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    message = sa.Column(sa.String(255))


class InstanceActionEvent(MainBase, NovaBase, SoftDelete):
    """One step of an instance action, as run by a service."""
    __tablename__ = "instance_actions_events"
    id = sa.Column(sa.Integer, primary_key=True, nullable=False, autoincrement=True)
    event = sa.Column(sa.String(255))
    action_id = sa.Column(sa.Integer, sa.ForeignKey("instance_actions.id"))
    start_time = sa.Column(sa.DateTime)
    finish_time = sa.Column(sa.DateTime)
    result = sa.Column(sa.String(255))
    traceback = sa.Column(sa.Text)
    host = sa.Column(sa.String(255))
    details = sa.Column(sa.Text)


class BlockDeviceMapping(MainBase, NovaBase, SoftDelete):
    __tablename__ = "block_device_mapping"
    __table_args__ = (
        sa.Index("snapshot_id", "snapshot_id"),
        sa.Index("volume_id", "volume_id"),
        sa.Index("block_device_mapping_instance_uuid_device_name_idx",
                 "instance_uuid", "device_name"),
        sa.Index("block_device_mapping_instance_uuid_volume_id_idx",
                 "instance_uuid", "volume_id"),
        sa.Index("block_device_mapping_instance_uuid_idx", "instance_uuid"),
        sa.UniqueConstraint("uuid", name="uniq_block_device_mapping0uuid"),
    )
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"))
    uuid = sa.Column(sa.String(36))
    source_type = sa.Column(sa.String(255))
    destination_type = sa.Column(sa.String(255))
    guest_format = sa.Column(sa.String(255))
    device_type = sa.Column(sa.String(255))
    disk_bus = sa.Column(sa.String(255))
    boot_index = sa.Column(sa.Integer)
    device_name = sa.Column(sa.String(255))
    delete_on_termination = sa.Column(sa.Boolean, default=False)
    snapshot_id = sa.Column(sa.String(36))
    volume_id = sa.Column(sa.String(36))
    volume_size = sa.Column(sa.Integer)
    volume_type = sa.Column(sa.String(255))
    image_id = sa.Column(sa.String(36))
    no_device = sa.Column(sa.Boolean)
    connection_info = sa.Column(MediumText)
    tag = sa.Column(sa.String(255))
    attachment_id = sa.Column(sa.String(36))
    encrypted = sa.Column(sa.Boolean, default=False)
    encryption_secret_uuid = sa.Column(sa.String(36))
    encryption_format = sa.Column(sa.String(128))
    encryption_options = sa.Column(sa.String(4096))


class Tag(MainBase, NovaBase):
    """A user tag on a server (2.26)."""
    __tablename__ = "tags"
    __table_args__ = (sa.Index("tags_tag_idx", "tag"),)
    resource_id = sa.Column(sa.String(36), primary_key=True, nullable=False)
    tag = sa.Column(sa.Unicode(80), primary_key=True, nullable=False)
    instance = orm.relationship(Instance, back_populates="tags",
                                primaryjoin="Instance.uuid == Tag.resource_id",
                                foreign_keys=resource_id)


class Migration(MainBase, NovaBase, SoftDelete):
    __tablename__ = "migrations"
    __table_args__ = (
        sa.Index("migrations_instance_uuid_and_status_idx", "deleted", "instance_uuid", "status"),
        sa.Index("migrations_by_host_nodes_and_status_idx", "deleted", "source_compute",
                 "dest_compute", "source_node", "dest_node", "status",
                 # MySQL caps an index key at 3072 bytes; index a prefix of the names.
                 mysql_length={"source_compute": 100, "dest_compute": 100,
                               "source_node": 100, "dest_node": 100}),
        sa.Index("migrations_uuid", "uuid", unique=True),
        sa.Index("migrations_updated_at_idx", "updated_at"),
        sa.Index("migrations_dest_compute_id_deleted_idx", "dest_compute_id", "deleted"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    uuid = sa.Column(sa.String(36), nullable=True)
    source_compute = sa.Column(sa.String(255))
    dest_compute = sa.Column(sa.String(255))
    source_node = sa.Column(sa.String(255))
    dest_node = sa.Column(sa.String(255))
    dest_compute_id = sa.Column(sa.BigInteger, nullable=True)
    dest_host = sa.Column(sa.String(255))
    old_instance_type_id = sa.Column(sa.Integer())
    new_instance_type_id = sa.Column(sa.Integer())
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"))
    status = sa.Column(sa.String(255))
    migration_type = sa.Column(sa.Enum("migration", "resize", "live-migration", "evacuation",
                                       name="migration_type"), nullable=True)
    hidden = sa.Column(sa.Boolean, default=False)
    memory_total = sa.Column(sa.BigInteger, nullable=True)
    memory_processed = sa.Column(sa.BigInteger, nullable=True)
    memory_remaining = sa.Column(sa.BigInteger, nullable=True)
    disk_total = sa.Column(sa.BigInteger, nullable=True)
    disk_processed = sa.Column(sa.BigInteger, nullable=True)
    disk_remaining = sa.Column(sa.BigInteger, nullable=True)
    cross_cell_move = sa.Column(sa.Boolean, default=False)
    user_id = sa.Column(sa.String(255), nullable=True)
    project_id = sa.Column(sa.String(255), nullable=True)


class ConsoleAuthToken(MainBase, NovaBase):
    """A console access token; only its SHA-256 hash is stored."""
    __tablename__ = "console_auth_tokens"
    __table_args__ = (
        sa.Index("console_auth_tokens_instance_uuid_idx", "instance_uuid"),
        sa.Index("console_auth_tokens_host_expires_idx", "host", "expires"),
        sa.Index("console_auth_tokens_token_hash_instance_uuid_idx",
                 "token_hash", "instance_uuid"),
        sa.UniqueConstraint("token_hash", name="uniq_console_auth_tokens0token_hash"),
    )
    id = sa.Column(sa.Integer, primary_key=True, nullable=False)
    token_hash = sa.Column(sa.String(255), nullable=False)
    console_type = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255), nullable=False)
    port = sa.Column(sa.Integer, nullable=False)
    tls_port = sa.Column(sa.Integer, nullable=True)
    internal_access_path = sa.Column(sa.String(255))
    instance_uuid = sa.Column(sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False)
    expires = sa.Column(sa.Integer, nullable=False)
    access_url_base = sa.Column(sa.String(255))
