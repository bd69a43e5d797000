"""GET /extensions: the legacy extension list clients still read.

The v2.1 API has no extensions any more; the list stays for clients that
check it, naming the v2 extensions whose behaviour v2.1 includes.
"""

import webob.exc

from nova.api.openstack import wsgi

POLICY = "os_compute_api:extensions"
UPDATED = "2014-12-03T00:00:00Z"

# (alias, name, description) of the extensions folded into v2.1.
EXTENSIONS = (
    ("NMN", "Multinic", "Multiple network support."),
    ("OS-DCF", "DiskConfig", "Disk Management Extension."),
    ("OS-EXT-AZ", "ExtendedAvailabilityZone", "Extended Availability Zone support."),
    ("OS-EXT-IMG-SIZE", "ImageSize", "Adds image size to image listings."),
    ("OS-EXT-IPS", "ExtendedIps", "Adds type parameter to the ip list."),
    ("OS-EXT-IPS-MAC", "ExtendedIpsMac", "Adds mac address parameter to the ip list."),
    ("OS-EXT-SRV-ATTR", "ExtendedServerAttributes", "Extended Server Attributes support."),
    ("OS-EXT-STS", "ExtendedStatus", "Extended Status support."),
    ("OS-FLV-DISABLED", "FlavorDisabled", "Support to show the disabled status of a flavor."),
    ("OS-FLV-EXT-DATA", "FlavorExtraData", "Provide additional data for flavors."),
    ("OS-SCH-HNT", "SchedulerHints", "Pass arbitrary key/value pairs to the scheduler."),
    ("OS-SRV-USG", "ServerUsage", "Adds launched_at and terminated_at on Servers."),
    ("os-access-ips", "AccessIPs", "Access IPs support."),
    ("os-admin-actions", "AdminActions", "Enable admin-only server actions."),
    ("os-aggregates", "Aggregates", "Admin-only aggregate administration."),
    ("os-availability-zone", "AvailabilityZone", "1. Add availability_zone to the Create "
     "Server API. 2. Add availability zones describing."),
    ("os-block-device-mapping", "BlockDeviceMapping", "Block device mapping boot support."),
    ("os-config-drive", "ConfigDrive", "Config Drive Extension."),
    ("os-console-auth-tokens", "ConsoleAuthTokens", "Console token authentication support."),
    ("os-console-output", "ConsoleOutput", "Console log output support, with tailing "
     "ability."),
    ("os-create-backup", "CreateBackup", "Create a backup of a server."),
    ("os-deferred-delete", "DeferredDelete", "Instance deferred delete."),
    ("os-evacuate", "Evacuate", "Enables server evacuation."),
    ("os-extended-volumes", "ExtendedVolumes", "Extended Volumes support."),
    ("os-flavor-access", "FlavorAccess", "Flavor access support."),
    ("os-flavor-extra-specs", "FlavorExtraSpecs", "Flavors extra specs support."),
    ("os-flavor-manage", "FlavorManage", "Flavor create/delete API support."),
    ("os-flavor-rxtx", "FlavorRxtx", "Support to show the rxtx status of a flavor."),
    ("os-flavor-swap", "FlavorSwap", "Support to show the swap status of a flavor."),
    ("os-hypervisors", "Hypervisors", "Admin-only hypervisor administration."),
    ("os-instance-actions", "InstanceActions", "View a log of actions and events taken on "
     "an instance."),
    ("os-keypairs", "Keypairs", "Keypair Support."),
    ("os-lock-server", "LockServer", "Enable lock/unlock server actions."),
    ("os-migrate-server", "MigrateServer", "Enable migrate and live-migrate server "
     "actions."),
    ("os-migrations", "Migrations", "Provide data on migrations."),
    ("os-multiple-create", "MultipleCreate", "Allow multiple create in the Create Server "
     "v2.1 API."),
    ("os-pause-server", "PauseServer", "Enable pause/unpause server actions."),
    ("os-quota-class-sets", "QuotaClasses", "Quota classes management support."),
    ("os-quota-sets", "Quotas", "Quotas management support."),
    ("os-remote-consoles", "Consoles", "Interactive Console support."),
    ("os-rescue", "Rescue", "Instance rescue mode."),
    ("os-server-diagnostics", "ServerDiagnostics", "Allow Admins to view server "
     "diagnostics through server id."),
    ("os-server-external-events", "ServerExternalEvents", "Server External Event Triggers."),
    ("os-server-group-quotas", "ServerGroupQuotas", "Adds quota support to server groups."),
    ("os-server-groups", "ServerGroups", "Server group support."),
    ("os-server-password", "ServerPassword", "Server password support."),
    ("os-server-usage", "ServerUsage", "Adds launched_at and terminated_at on Servers."),
    ("os-services", "Services", "Services support."),
    ("os-shelve", "Shelve", "Instance shelve mode."),
    ("os-simple-tenant-usage", "SimpleTenantUsage", "Simple tenant usage extension."),
    ("os-suspend-server", "SuspendServer", "Enable suspend/resume server actions."),
    ("os-used-limits", "UsedLimits", "Provide data on limited resources that are being "
     "used."),
    ("os-user-data", "UserData", "Add user_data to the Create Server API."),
    ("os-volumes", "Volumes", "Volumes support."),
    ("os-volume-attachment-update", "VolumeAttachmentUpdate", "Support for updating a "
     "volume attachment."),
    ("servers", "Servers", "Servers."),
    ("flavors", "Flavors", "Flavors Extension."),
    ("ips", "Ips", "Server addresses."),
    ("limits", "Limits", "Limits support."),
    ("versions", "Versions", "API Version information."),
)


def _view(alias, name, description):
    return {"alias": alias, "name": name, "description": description,
            "namespace": "http://docs.openstack.org/compute/ext/fake_xml",
            "updated": UPDATED, "links": []}


@wsgi.expected_errors(())
def index(req):
    """Every extension, sorted by alias."""
    req.context.can(POLICY, target={})
    return {"extensions": [_view(*ext) for ext in sorted(EXTENSIONS)]}


@wsgi.expected_errors(404)
def show(req, alias):
    """One extension by alias."""
    req.context.can(POLICY, target={})
    for ext in EXTENSIONS:
        if ext[0] == alias:
            return {"extension": _view(*ext)}
    raise webob.exc.HTTPNotFound(explanation="Extension %s could not be found." % alias)


ROUTES = [
    ("/extensions", {"GET": index}),
    ("/extensions/{alias}", {"GET": show}),
]
