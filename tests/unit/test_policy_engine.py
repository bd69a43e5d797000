"""nova.policy: the enforcer built from nova/policies and [oslo_policy]."""

import pytest
from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from nova import context
from nova import exception
from nova import policy
from nova.policies import base


@pytest.fixture
def conf(tmp_path):
    """A private configuration whose [oslo_policy] policy_file is in tmp_path."""
    policy_file = tmp_path / "policy.yaml"
    conf_file = tmp_path / "nova.conf"
    conf_file.write_text("[oslo_policy]\npolicy_file = %s\n" % policy_file)
    conf = cfg.ConfigOpts()
    conf(["--config-file", str(conf_file)], default_config_files=[])
    policy.reset()
    policy.init(conf=conf)
    yield conf
    policy.reset()


def user(project="p1", roles=("member", "reader")):
    return context.RequestContext(user_id="u1", project_id=project, roles=list(roles))


def test_member_may_act_on_own_project_only(conf):
    ctxt = user()
    assert policy.authorize(ctxt, "project_member_or_admin", {"project_id": "p1"})
    with pytest.raises(exception.PolicyNotAuthorized) as err:
        policy.authorize(ctxt, "project_member_or_admin", {"project_id": "p2"})
    assert err.value.code == 403
    assert "project_member_or_admin" in err.value.format_message()


def test_reader_may_read_but_not_change(conf):
    ctxt = user(roles=["reader"])
    target = {"project_id": "p1"}
    assert policy.authorize(ctxt, "project_reader_or_admin", target)
    assert policy.authorize(ctxt, "project_member_or_admin", target, fatal=False) is False


def test_default_target_is_the_callers_project(conf):
    assert policy.authorize(user(), "project_member_api")
    assert policy.authorize(user(roles=[]), "admin_or_owner")


def test_admin_role_passes_admin_personas_anywhere(conf):
    admin = user(project="ops", roles=["admin"])
    assert policy.check_is_admin(admin)
    assert policy.authorize(admin, "project_reader_or_admin", {"project_id": "p9"})
    assert policy.authorize(admin, "context_is_admin", {"project_id": "p9"})
    assert not policy.check_is_admin(user())


def test_admin_api_needs_an_admin_context(conf):
    ctxt = user()
    assert not policy.authorize(ctxt, "admin_api", fatal=False)
    assert policy.authorize(ctxt.elevated(), "admin_api", {"project_id": "other"})
    assert policy.authorize(context.get_admin_context(), "admin_api")


def test_context_can_uses_the_same_engine(conf):
    ctxt = user()
    assert ctxt.can("project_member_api", {"project_id": "p1"})
    assert ctxt.can("project_member_api", {"project_id": "p2"}, fatal=False) is False


def test_unregistered_action_is_an_error(conf):
    with pytest.raises(oslo_policy.PolicyNotRegistered):
        policy.authorize(user(), "os_compute_api:no-such-thing", fatal=False)


def test_policy_file_overrides_a_default(conf, tmp_path):
    # Operators may loosen a persona: here any member of any project.
    (tmp_path / "policy.yaml").write_text('"project_member_api": "role:member"\n')
    policy.reset()
    policy.init(conf=conf)
    assert policy.authorize(user(), "project_member_or_admin", {"project_id": "p2"})
    assert policy.get_rules()["project_member_api"].match == "member"
    # Defaults not named in the file stay in force.
    assert not policy.authorize(user(), "admin_api", fatal=False)


def test_every_persona_names_a_registered_rule():
    names = {rule.name for rule in base.list_rules()}
    for persona in (base.ADMIN, base.PROJECT_MEMBER, base.PROJECT_READER,
                    base.PROJECT_MEMBER_OR_ADMIN, base.PROJECT_READER_OR_ADMIN,
                    base.RULE_ADMIN_API, base.RULE_ADMIN_OR_OWNER):
        assert persona.startswith("rule:")
        assert persona[len("rule:"):] in names
