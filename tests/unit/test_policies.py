"""The API policy defaults of nova/policies: names, check strings, personas."""

import pathlib

import pytest
from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from nova import context
from nova import exception
from nova import policies
from nova import policy
from nova.policies import base

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "etc" / "nova" / "policy.yaml.sample"

ADMIN = base.ADMIN
ANY = base.RULE_ANY
READER_OR_ADMIN = base.PROJECT_READER_OR_ADMIN
MEMBER_OR_ADMIN = base.PROJECT_MEMBER_OR_ADMIN
KEYPAIR_OWNER = "(rule:context_is_admin) or user_id:%(user_id)s"

# rule name -> (default check string, [(method, path), ...] one of its operations)
EXPECTED = {
    "os_compute_api:os-flavor-manage:create": (ADMIN, ("POST", "/flavors")),
    "os_compute_api:os-flavor-manage:update": (ADMIN, ("PUT", "/flavors/{flavor_id}")),
    "os_compute_api:os-flavor-manage:delete": (ADMIN, ("DELETE", "/flavors/{flavor_id}")),
    "os_compute_api:os-flavor-access": (
        ADMIN, ("GET", "/flavors/{flavor_id}/os-flavor-access")),
    "os_compute_api:os-flavor-access:add_tenant": (
        ADMIN, ("POST", "/flavors/{flavor_id}/action (addTenantAccess)")),
    "os_compute_api:os-flavor-access:remove_tenant": (
        ADMIN, ("POST", "/flavors/{flavor_id}/action (removeTenantAccess)")),
    "os_compute_api:os-flavor-extra-specs:index": (
        READER_OR_ADMIN, ("GET", "/flavors/{flavor_id}/os-extra_specs")),
    "os_compute_api:os-flavor-extra-specs:show": (
        READER_OR_ADMIN, ("GET", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    "os_compute_api:os-flavor-extra-specs:create": (
        ADMIN, ("POST", "/flavors/{flavor_id}/os-extra_specs")),
    "os_compute_api:os-flavor-extra-specs:update": (
        ADMIN, ("PUT", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    "os_compute_api:os-flavor-extra-specs:delete": (
        ADMIN, ("DELETE", "/flavors/{flavor_id}/os-extra_specs/{flavor_extra_spec_key}")),
    "os_compute_api:limits": (ANY, ("GET", "/limits")),
    "os_compute_api:os-instance-usage-audit-log:list": (
        ADMIN, ("GET", "/os-instance_usage_audit_log")),
    "os_compute_api:os-instance-usage-audit-log:show": (
        ADMIN, ("GET", "/os-instance_usage_audit_log/{before_timestamp}")),
    "os_compute_api:os-simple-tenant-usage:show": (
        READER_OR_ADMIN, ("GET", "/os-simple-tenant-usage/{tenant_id}")),
    "os_compute_api:os-simple-tenant-usage:list": (ADMIN, ("GET", "/os-simple-tenant-usage")),
    "os_compute_api:ips:index": (READER_OR_ADMIN, ("GET", "/servers/{server_id}/ips")),
    "os_compute_api:ips:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/ips/{network_label}")),
    "os_compute_api:os-volumes-attachments:index": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-volume_attachments")),
    "os_compute_api:os-volumes-attachments:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-volume_attachments/{volume_id}")),
    "compute:server:topology:index": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/topology")),
    "compute:server:topology:host:index": (ADMIN, ("GET", "/servers/{server_id}/topology")),
    "os_compute_api:os-networks:list": (READER_OR_ADMIN, ("GET", "/os-networks")),
    "os_compute_api:os-networks:view": (READER_OR_ADMIN, ("GET", "/os-networks/{network_id}")),
    "os_compute_api:os-tenant-networks:list": (READER_OR_ADMIN, ("GET", "/os-tenant-networks")),
    "os_compute_api:os-tenant-networks:show": (
        READER_OR_ADMIN, ("GET", "/os-tenant-networks/{network_id}")),
    "os_compute_api:os-attach-interfaces:list": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-interface")),
    "os_compute_api:os-attach-interfaces:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-interface/{port_id}")),
    "os_compute_api:os-attach-interfaces:create": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/os-interface")),
    "os_compute_api:os-attach-interfaces:delete": (
        MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}/os-interface/{port_id}")),
    "os_compute_api:os-security-groups:list": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-security-groups")),
    "os_compute_api:os-security-groups:add": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (addSecurityGroup)")),
    "os_compute_api:os-security-groups:remove": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (removeSecurityGroup)")),
    "os_compute_api:limits:other_project": (ADMIN, ("GET", "/limits")),
    "os_compute_api:extensions": (ANY, ("GET", "/extensions/{alias}")),
    "os_compute_api:os-keypairs:index": (KEYPAIR_OWNER, ("GET", "/os-keypairs")),
    "os_compute_api:os-keypairs:create": (KEYPAIR_OWNER, ("POST", "/os-keypairs")),
    "os_compute_api:os-keypairs:show": (
        KEYPAIR_OWNER, ("GET", "/os-keypairs/{keypair_name}")),
    "os_compute_api:os-keypairs:delete": (
        KEYPAIR_OWNER, ("DELETE", "/os-keypairs/{keypair_name}")),
    "os_compute_api:os-availability-zone:list": (ANY, ("GET", "/os-availability-zone")),
    "os_compute_api:os-availability-zone:detail": (
        ADMIN, ("GET", "/os-availability-zone/detail")),
    "os_compute_api:os-quota-sets:update": (ADMIN, ("PUT", "/os-quota-sets/{tenant_id}")),
    "os_compute_api:os-quota-sets:defaults": (
        ANY, ("GET", "/os-quota-sets/{tenant_id}/defaults")),
    "os_compute_api:os-quota-sets:show": (
        READER_OR_ADMIN, ("GET", "/os-quota-sets/{tenant_id}")),
    "os_compute_api:os-quota-sets:detail": (
        READER_OR_ADMIN, ("GET", "/os-quota-sets/{tenant_id}/detail")),
    "os_compute_api:os-quota-sets:delete": (
        ADMIN, ("DELETE", "/os-quota-sets/{tenant_id}")),
    "os_compute_api:os-quota-class-sets:show": (
        ADMIN, ("GET", "/os-quota-class-sets/{quota_class}")),
    "os_compute_api:os-quota-class-sets:update": (
        ADMIN, ("PUT", "/os-quota-class-sets/{quota_class}")),
    "os_compute_api:os-services:list": (ADMIN, ("GET", "/os-services")),
    "os_compute_api:os-services:update": (ADMIN, ("PUT", "/os-services/{service_id}")),
    "os_compute_api:os-services:delete": (ADMIN, ("DELETE", "/os-services/{service_id}")),
    "os_compute_api:os-hypervisors:list": (ADMIN, ("GET", "/os-hypervisors")),
    "os_compute_api:os-hypervisors:list-detail": (ADMIN, ("GET", "/os-hypervisors/detail")),
    "os_compute_api:os-hypervisors:statistics": (
        ADMIN, ("GET", "/os-hypervisors/statistics")),
    "os_compute_api:os-hypervisors:show": (ADMIN, ("GET", "/os-hypervisors/{hypervisor_id}")),
    "os_compute_api:os-hypervisors:uptime": (
        ADMIN, ("GET", "/os-hypervisors/{hypervisor_id}/uptime")),
    "os_compute_api:os-hypervisors:search": (
        ADMIN, ("GET", "/os-hypervisors/{hypervisor_hostname_pattern}/search")),
    "os_compute_api:os-hypervisors:servers": (
        ADMIN, ("GET", "/os-hypervisors/{hypervisor_hostname_pattern}/servers")),
    "os_compute_api:os-aggregates:index": (ADMIN, ("GET", "/os-aggregates")),
    "os_compute_api:os-aggregates:create": (ADMIN, ("POST", "/os-aggregates")),
    "os_compute_api:os-aggregates:show": (ADMIN, ("GET", "/os-aggregates/{aggregate_id}")),
    "os_compute_api:os-aggregates:update": (ADMIN, ("PUT", "/os-aggregates/{aggregate_id}")),
    "os_compute_api:os-aggregates:delete": (
        ADMIN, ("DELETE", "/os-aggregates/{aggregate_id}")),
    "os_compute_api:os-aggregates:add_host": (
        ADMIN, ("POST", "/os-aggregates/{aggregate_id}/action (add_host)")),
    "os_compute_api:os-aggregates:remove_host": (
        ADMIN, ("POST", "/os-aggregates/{aggregate_id}/action (remove_host)")),
    "os_compute_api:os-aggregates:set_metadata": (
        ADMIN, ("POST", "/os-aggregates/{aggregate_id}/action (set_metadata)")),
    "compute:aggregates:images": (ADMIN, ("POST", "/os-aggregates/{aggregate_id}/images")),
    "os_compute_api:os-server-groups:create": (base.PROJECT_MEMBER,
                                               ("POST", "/os-server-groups")),
    "os_compute_api:os-server-groups:delete": (
        MEMBER_OR_ADMIN, ("DELETE", "/os-server-groups/{server_group_id}")),
    "os_compute_api:os-server-groups:index": (READER_OR_ADMIN, ("GET", "/os-server-groups")),
    "os_compute_api:os-server-groups:index:all_projects": (
        ADMIN, ("GET", "/os-server-groups")),
    "os_compute_api:os-server-groups:show": (
        READER_OR_ADMIN, ("GET", "/os-server-groups/{server_group_id}")),
    # Servers (read/update side), server metadata, tags, instance actions.
    "os_compute_api:servers:index": (READER_OR_ADMIN, ("GET", "/servers")),
    "os_compute_api:servers:detail": (READER_OR_ADMIN, ("GET", "/servers/detail")),
    "os_compute_api:servers:index:get_all_tenants": (ADMIN, ("GET", "/servers")),
    "os_compute_api:servers:detail:get_all_tenants": (ADMIN, ("GET", "/servers/detail")),
    "os_compute_api:servers:allow_all_filters": (ADMIN, ("GET", "/servers")),
    "os_compute_api:servers:show": (READER_OR_ADMIN, ("GET", "/servers/{server_id}")),
    "os_compute_api:servers:show:flavor-extra-specs": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}")),
    "os_compute_api:servers:show:host_status": (ADMIN, ("GET", "/servers/{server_id}")),
    "os_compute_api:servers:show:host_status:unknown-only": (
        ADMIN, ("GET", "/servers/{server_id}")),
    "os_compute_api:servers:create": (base.PROJECT_MEMBER, ("POST", "/servers")),
    "os_compute_api:servers:create:forced_host": (ADMIN, ("POST", "/servers")),
    "os_compute_api:servers:create:requested_destination": (ADMIN, ("POST", "/servers")),
    "os_compute_api:servers:create:attach_volume": (base.PROJECT_MEMBER,
                                                    ("POST", "/servers")),
    "os_compute_api:servers:create:attach_network": (base.PROJECT_MEMBER,
                                                     ("POST", "/servers")),
    "os_compute_api:servers:create:trusted_certs": (base.PROJECT_MEMBER,
                                                    ("POST", "/servers")),
    "os_compute_api:servers:create:zero_disk_flavor": (ADMIN, ("POST", "/servers")),
    "os_compute_api:servers:create_image": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (createImage)")),
    "os_compute_api:servers:create_image:allow_volume_backed": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (createImage)")),
    "os_compute_api:servers:delete": (MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}")),
    "os_compute_api:servers:update": (MEMBER_OR_ADMIN, ("PUT", "/servers/{server_id}")),
    "os_compute_api:servers:confirm_resize": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (confirmResize)")),
    "os_compute_api:servers:revert_resize": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (revertResize)")),
    "os_compute_api:servers:reboot": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (reboot)")),
    "os_compute_api:servers:resize": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (resize)")),
    "os_compute_api:servers:rebuild": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (rebuild)")),
    "os_compute_api:servers:rebuild:trusted_certs": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (rebuild)")),
    "os_compute_api:servers:start": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (os-start)")),
    "os_compute_api:servers:stop": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (os-stop)")),
    "os_compute_api:servers:trigger_crash_dump": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (trigger_crash_dump)")),
    "os_compute_api:os-extended-server-attributes": (ADMIN, ("GET", "/servers/{server_id}")),
    "os_compute_api:server-metadata:index": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/metadata")),
    "os_compute_api:server-metadata:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/metadata/{key}")),
    "os_compute_api:server-metadata:create": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/metadata")),
    "os_compute_api:server-metadata:update_all": (
        MEMBER_OR_ADMIN, ("PUT", "/servers/{server_id}/metadata")),
    "os_compute_api:server-metadata:update": (
        MEMBER_OR_ADMIN, ("PUT", "/servers/{server_id}/metadata/{key}")),
    "os_compute_api:server-metadata:delete": (
        MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}/metadata/{key}")),
    "os_compute_api:os-remote-consoles": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/remote-consoles")),
    "os_compute_api:os-console-auth-tokens": (
        ADMIN, ("GET", "/os-console-auth-tokens/{console_token}")),
    "os_compute_api:os-console-output": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (os-getConsoleOutput)")),
    "os_compute_api:os-server-diagnostics": (
        ADMIN, ("GET", "/servers/{server_id}/diagnostics")),
    "os_compute_api:os-server-password:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-server-password")),
    "os_compute_api:os-server-password:clear": (
        MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}/os-server-password")),
    "os_compute_api:os-server-tags:index": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/tags")),
    "os_compute_api:os-server-tags:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/tags/{tag}")),
    "os_compute_api:os-server-tags:update_all": (
        MEMBER_OR_ADMIN, ("PUT", "/servers/{server_id}/tags")),
    "os_compute_api:os-server-tags:update": (
        MEMBER_OR_ADMIN, ("PUT", "/servers/{server_id}/tags/{tag}")),
    "os_compute_api:os-server-tags:delete_all": (
        MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}/tags")),
    "os_compute_api:os-server-tags:delete": (
        MEMBER_OR_ADMIN, ("DELETE", "/servers/{server_id}/tags/{tag}")),
    "os_compute_api:os-server-external-events:create": (
        ADMIN, ("POST", "/os-server-external-events")),
    "os_compute_api:os-instance-actions:list": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-instance-actions")),
    "os_compute_api:os-instance-actions:show": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-instance-actions/{request_id}")),
    "os_compute_api:os-instance-actions:events": (
        ADMIN, ("GET", "/servers/{server_id}/os-instance-actions/{request_id}")),
    "os_compute_api:os-instance-actions:events:details": (
        READER_OR_ADMIN, ("GET", "/servers/{server_id}/os-instance-actions/{request_id}")),
    "os_compute_api:os-lock-server:lock": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (lock)")),
    "os_compute_api:os-lock-server:unlock": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (unlock)")),
    "os_compute_api:os-lock-server:unlock:unlock_override": (
        ADMIN, ("POST", "/servers/{server_id}/action (unlock)")),
    "os_compute_api:os-pause-server:pause": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (pause)")),
    "os_compute_api:os-pause-server:unpause": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (unpause)")),
    "os_compute_api:os-suspend-server:suspend": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (suspend)")),
    "os_compute_api:os-suspend-server:resume": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (resume)")),
    "os_compute_api:os-deferred-delete:force": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (forceDelete)")),
    "os_compute_api:os-deferred-delete:restore": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (restore)")),
    "os_compute_api:os-rescue": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (rescue)")),
    "os_compute_api:os-unrescue": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (unrescue)")),
    "os_compute_api:os-admin-password": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (changePassword)")),
    "os_compute_api:os-admin-actions:reset_state": (
        ADMIN, ("POST", "/servers/{server_id}/action (os-resetState)")),
    "os_compute_api:os-admin-actions:inject_network_info": (
        ADMIN, ("POST", "/servers/{server_id}/action (injectNetworkInfo)")),
    "os_compute_api:os-shelve:shelve": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (shelve)")),
    "os_compute_api:os-shelve:shelve_offload": (
        ADMIN, ("POST", "/servers/{server_id}/action (shelveOffload)")),
    "os_compute_api:os-shelve:unshelve": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (unshelve)")),
    "os_compute_api:os-shelve:unshelve_to_host": (
        ADMIN, ("POST", "/servers/{server_id}/action (unshelve)")),
    "os_compute_api:os-create-backup": (
        MEMBER_OR_ADMIN, ("POST", "/servers/{server_id}/action (createBackup)")),
    "os_compute_api:os-migrate-server:migrate": (
        ADMIN, ("POST", "/servers/{server_id}/action (migrate)")),
    "os_compute_api:os-migrate-server:migrate:host": (
        ADMIN, ("POST", "/servers/{server_id}/action (migrate)")),
    "os_compute_api:os-migrations:index": (ADMIN, ("GET", "/os-migrations")),
    "os_compute_api:os-evacuate": (
        ADMIN, ("POST", "/servers/{server_id}/action (evacuate)")),
    "os_compute_api:servers:migrations:index": (
        ADMIN, ("GET", "/servers/{server_id}/migrations")),
    "os_compute_api:servers:migrations:show": (
        ADMIN, ("GET", "/servers/{server_id}/migrations/{migration_id}")),
    "os_compute_api:servers:migrations:force_complete": (
        ADMIN, ("POST", "/servers/{server_id}/migrations/{migration_id}/action "
                        "(force_complete)")),
    "os_compute_api:servers:migrations:delete": (
        ADMIN, ("DELETE", "/servers/{server_id}/migrations/{migration_id}")),
    "os_compute_api:os-migrate-server:migrate_live": (
        ADMIN, ("POST", "/servers/{server_id}/action (os-migrateLive)")),
}

BASE_RULES = {"context_is_admin", "admin_or_owner", "admin_api", "project_member_api",
              "project_reader_api", "project_member_or_admin", "project_reader_or_admin"}


@pytest.fixture
def enforcer(tmp_path):
    """The process enforcer built from the defaults only (empty policy file)."""
    conf_file = tmp_path / "nova.conf"
    conf_file.write_text("[oslo_policy]\npolicy_file = %s\n" % (tmp_path / "policy.yaml"))
    conf = cfg.ConfigOpts()
    conf(["--config-file", str(conf_file)], default_config_files=[])
    policy.reset()
    yield policy.init(conf=conf)
    policy.reset()


def _registered():
    return {rule.name: rule for rule in policies.list_rules()}


def test_rule_names_are_unique():
    names = [rule.name for rule in policies.list_rules()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_rule_has_upstream_default(name):
    rule = _registered().get(name)
    assert rule is not None, "%s is not registered" % name
    check_str, (method, path) = EXPECTED[name]
    assert rule.check_str == check_str
    assert isinstance(rule, oslo_policy.DocumentedRuleDefault)
    assert {"method": method, "path": path} in rule.operations
    assert rule.scope_types == ["project"]
    assert rule.description.strip()


def test_every_api_rule_is_expected_here():
    """A rule added to nova/policies without a row above is caught."""
    extra = set(_registered()) - set(EXPECTED) - BASE_RULES
    assert not extra


def test_every_rule_reaches_the_enforcer(enforcer):
    assert set(EXPECTED) | BASE_RULES <= set(enforcer.registered_rules)


def test_every_rule_is_in_the_committed_sample():
    sample = SAMPLE.read_text()
    for name in sorted(set(EXPECTED) | BASE_RULES):
        assert '"%s":' % name in sample, "%s missing from policy.yaml.sample" % name


def test_check_strings_parse_and_reference_known_rules(enforcer):
    registered = _registered()
    for rule in registered.values():
        for part in rule.check_str.replace("(", " ").replace(")", " ").split():
            if part.startswith("rule:"):
                assert part[len("rule:"):] in registered, (rule.name, part)


# Personas as keystonemiddleware would describe them: user, project, roles.
PERSONAS = {
    "admin": dict(user_id="admin-user", project_id="ops", roles=["admin", "member", "reader"]),
    "member_a": dict(user_id="user-a", project_id="proj-a", roles=["member", "reader"]),
    "reader_a": dict(user_id="reader-a", project_id="proj-a", roles=["reader"]),
    "member_b": dict(user_id="user-b", project_id="proj-b", roles=["member", "reader"]),
}

# The resource acted upon belongs to project A and (for key pairs) to user A.
TARGET = {"project_id": "proj-a", "user_id": "user-a"}

# rule -> personas allowed on TARGET; everybody else is refused.
PERSONA_TABLE = [
    ("os_compute_api:os-flavor-manage:create", {"admin"}),
    ("os_compute_api:os-flavor-access:add_tenant", {"admin"}),
    ("os_compute_api:os-flavor-extra-specs:index", {"admin", "member_a", "reader_a"}),
    ("os_compute_api:os-flavor-extra-specs:update", {"admin"}),
    ("os_compute_api:limits", {"admin", "member_a", "reader_a", "member_b"}),
    ("os_compute_api:limits:other_project", {"admin"}),
    ("os_compute_api:extensions", {"admin", "member_a", "reader_a", "member_b"}),
    # Key pairs belong to a user: only user A (whatever role) or an admin.
    ("os_compute_api:os-keypairs:show", {"admin", "member_a"}),
    ("os_compute_api:os-keypairs:create", {"admin", "member_a"}),
    ("os_compute_api:os-availability-zone:list",
     {"admin", "member_a", "reader_a", "member_b"}),
    ("os_compute_api:os-availability-zone:detail", {"admin"}),
    ("os_compute_api:os-quota-sets:show", {"admin", "member_a", "reader_a"}),
    ("os_compute_api:os-quota-sets:defaults", {"admin", "member_a", "reader_a", "member_b"}),
    ("os_compute_api:os-quota-sets:update", {"admin"}),
    ("os_compute_api:os-quota-class-sets:show", {"admin"}),
    ("os_compute_api:os-services:list", {"admin"}),
    ("os_compute_api:os-hypervisors:list-detail", {"admin"}),
    ("os_compute_api:os-aggregates:create", {"admin"}),
    ("compute:aggregates:images", {"admin"}),
    # Creating a group happens in one's own project: a member of it, not an admin
    # of another project.
    ("os_compute_api:os-server-groups:create", {"member_a"}),
    ("os_compute_api:os-server-groups:delete", {"admin", "member_a"}),
    ("os_compute_api:os-server-groups:show", {"admin", "member_a", "reader_a"}),
    ("os_compute_api:os-server-groups:index:all_projects", {"admin"}),
]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("rule,allowed", PERSONA_TABLE, ids=[r for r, _ in PERSONA_TABLE])
def test_persona_defaults(enforcer, rule, allowed, persona):
    ctxt = context.RequestContext(**PERSONAS[persona])
    if persona in allowed:
        assert policy.authorize(ctxt, rule, dict(TARGET))
    else:
        with pytest.raises(exception.PolicyNotAuthorized) as err:
            policy.authorize(ctxt, rule, dict(TARGET))
        assert err.value.code == 403


def test_keypair_owner_check_follows_the_target_user(enforcer):
    """The project does not matter for key pairs; the user does."""
    reader = context.RequestContext(user_id="reader-a", project_id="proj-a", roles=["reader"])
    own = {"project_id": "proj-a", "user_id": "reader-a"}
    assert policy.authorize(reader, "os_compute_api:os-keypairs:create", own)
    other = {"project_id": "proj-a", "user_id": "user-a"}
    assert not policy.authorize(reader, "os_compute_api:os-keypairs:index", other, fatal=False)


def test_operator_override_replaces_a_default(tmp_path):
    """A policy file entry wins over the coded default."""
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"os_compute_api:os-services:list": "role:reader"\n')
    conf_file = tmp_path / "nova.conf"
    conf_file.write_text("[oslo_policy]\npolicy_file = %s\n" % policy_file)
    conf = cfg.ConfigOpts()
    conf(["--config-file", str(conf_file)], default_config_files=[])
    policy.reset()
    try:
        policy.init(conf=conf)
        reader = context.RequestContext(**PERSONAS["reader_a"])
        assert policy.authorize(reader, "os_compute_api:os-services:list", dict(TARGET))
        assert not policy.authorize(reader, "os_compute_api:os-services:delete", dict(TARGET),
                                    fatal=False)
    finally:
        policy.reset()
