"""Policy defaults of nova, one module per API resource.

Each module exposes ``list_rules()``; add a new module to ``MODULES`` and its
rules are registered by nova.policy, listed by oslopolicy-sample-generator
(entry point ``oslo.policy.policies = nova``) and shown in the policy reference.
"""

import itertools

from nova.policies import aggregates
from nova.policies import availability_zone
from nova.policies import base
from nova.policies import console_output
from nova.policies import extensions
from nova.policies import flavor_access
from nova.policies import flavor_extra_specs
from nova.policies import flavor_manage
from nova.policies import hypervisors
from nova.policies import instance_actions
from nova.policies import keypairs
from nova.policies import limits
from nova.policies import migrate_server
from nova.policies import migrations
from nova.policies import quota_class_sets
from nova.policies import quota_sets
from nova.policies import remote_consoles
from nova.policies import server_actions
from nova.policies import server_diagnostics
from nova.policies import server_external_events
from nova.policies import server_groups
from nova.policies import server_metadata
from nova.policies import server_password
from nova.policies import server_tags
from nova.policies import servers
from nova.policies import services
from nova.policies import shelve
from nova.policies import simple_tenant_usage
from nova.policies import instance_usage_audit_log
from nova.policies import security_groups
from nova.policies import attach_interfaces
from nova.policies import networks
from nova.policies import server_topology
from nova.policies import volumes_attachments
from nova.policies import ips

MODULES = (
    base,
    aggregates,
    availability_zone,
    console_output,
    extensions,
    flavor_access,
    flavor_extra_specs,
    flavor_manage,
    hypervisors,
    instance_actions,
    keypairs,
    limits,
    migrate_server,
    migrations,
    quota_class_sets,
    quota_sets,
    remote_consoles,
    server_actions,
    server_diagnostics,
    server_external_events,
    server_groups,
    server_metadata,
    server_password,
    server_tags,
    servers,
    services,
    shelve,
    simple_tenant_usage,
    instance_usage_audit_log,
    security_groups,
    attach_interfaces,
    networks,
    server_topology,
    volumes_attachments,
    ips,
)


def list_rules():
    return list(itertools.chain.from_iterable(m.list_rules() for m in MODULES))
