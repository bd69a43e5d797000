"""The policy engine: who may call which API action, through oslo.policy.

Defaults live in nova/policies/; operators override them in the file named
by ``[oslo_policy] policy_file``. One Enforcer per process, built lazily on
the first check from the global configuration (or the one passed to init()).
"""

import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy

from nova import exception
from nova import policies

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

_ENFORCER = None
_LOCK = threading.Lock()


def reset():
    """Forget the enforcer; the next check builds a new one (tests, SIGHUP)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def register_rules(enforcer):
    enforcer.register_defaults(policies.list_rules())


def init(conf=None, policy_file=None, rules=None, default_rule=None, use_conf=True):
    """Build the process's enforcer once and return it.

    ``rules`` (a dict of name -> check string) replaces what the policy file
    would give; ``use_conf=False`` ignores ``[oslo_policy]`` entirely.
    """
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            enforcer = policy.Enforcer(conf if conf is not None else CONF,
                                       policy_file=policy_file, rules=rules,
                                       default_rule=default_rule, use_conf=use_conf)
            register_rules(enforcer)
            enforcer.load_rules()
            _ENFORCER = enforcer
        return _ENFORCER


def _credentials(context):
    creds = context.to_policy_values()
    # oslo.context leaves is_admin out; the is_admin:True checks need it.
    creds["is_admin"] = bool(context.is_admin)
    return creds


def authorize(context, action, target=None, fatal=True):
    """Check that ``context`` may perform ``action`` on ``target``.

    ``target`` describes the object acted upon (at least its ``project_id``);
    by default the caller's own project and user. Raises
    nova.exception.PolicyNotAuthorized when refused, or returns False when
    ``fatal`` is false. An action nobody registered is a programming error
    and raises oslo_policy.policy.PolicyNotRegistered.
    """
    enforcer = init()
    if target is None:
        target = {"project_id": context.project_id, "user_id": context.user_id}
    creds = _credentials(context)
    try:
        if fatal:
            return enforcer.authorize(action, target, creds, do_raise=True,
                                      exc=exception.PolicyNotAuthorized, action=action)
        return bool(enforcer.authorize(action, target, creds))
    except policy.InvalidScope:
        LOG.debug("Policy %s refused: token scope does not match", action)
        if fatal:
            raise exception.PolicyNotAuthorized(action=action)
        return False
    except policy.PolicyNotRegistered:
        LOG.exception("Policy %s is checked but was never registered", action)
        raise


def check_is_admin(context):
    """Whether the caller's credentials pass the ``context_is_admin`` rule."""
    enforcer = init()
    creds = context.to_policy_values()
    return bool(enforcer.authorize("context_is_admin", creds, creds))


def get_rules():
    """The rules in force (defaults merged with the policy file)."""
    enforcer = init()
    enforcer.load_rules()
    return enforcer.rules


def get_enforcer():
    """Entry point ``oslo.policy.enforcer`` of the oslopolicy-* tools.

    Reads nova's configuration files the usual way (so a policy file named
    there is merged with the defaults) without taking the tool's own
    command line arguments.
    """
    CONF([], project="nova")
    return init()
