"""Rules every other policy module builds on, and the persona check strings.

A resource's module (nova/policies/<resource>.py) writes its defaults with the
persona constants below, for example ``check_str=base.PROJECT_MEMBER_OR_ADMIN``,
so that an operator can retune a whole persona by overriding one named rule.
"""

from oslo_policy import policy

# Check strings of the named rules below.
RULE_ADMIN_OR_OWNER = "rule:admin_or_owner"
RULE_ADMIN_API = "rule:admin_api"
RULE_ANY = "@"  # anybody with a valid token
RULE_NOBODY = "!"  # nobody, not even an admin

# Personas: what the API policy modules write as their defaults.
ADMIN = "rule:context_is_admin"
PROJECT_MEMBER = "rule:project_member_api"
PROJECT_READER = "rule:project_reader_api"
PROJECT_MEMBER_OR_ADMIN = "rule:project_member_or_admin"
PROJECT_READER_OR_ADMIN = "rule:project_reader_or_admin"

rules = [
    policy.RuleDefault(
        name="context_is_admin",
        check_str="role:admin",
        description="Who counts as a cloud administrator. A request whose "
                    "credentials pass this rule is treated as an admin request "
                    "(is_admin:True) everywhere else."),
    policy.RuleDefault(
        name="admin_or_owner",
        check_str="is_admin:True or project_id:%(project_id)s",
        description="An administrator, or a user of the project that owns "
                    "the resource, whatever their role."),
    policy.RuleDefault(
        name="admin_api",
        check_str="is_admin:True",
        description="Only administrators."),
    policy.RuleDefault(
        name="project_member_api",
        check_str="role:member and project_id:%(project_id)s",
        description="A user holding the member role in the project that owns "
                    "the resource: may create, change and delete it."),
    policy.RuleDefault(
        name="project_reader_api",
        check_str="role:reader and project_id:%(project_id)s",
        description="A user holding the reader role in the project that owns "
                    "the resource: may look at it, not change it."),
    policy.RuleDefault(
        name="project_member_or_admin",
        check_str="rule:project_member_api or rule:context_is_admin",
        description="A member of the owning project, or an administrator."),
    policy.RuleDefault(
        name="project_reader_or_admin",
        check_str="rule:project_reader_api or rule:context_is_admin",
        description="A reader of the owning project, or an administrator."),
]


def list_rules():
    return rules
