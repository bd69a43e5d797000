"""The body of GET /limits: absolute limits and usage, by microversion."""

# Quota resource -> the absolute limit names it fills.
LIMIT_NAMES = {
    "ram": ["maxTotalRAMSize"],
    "instances": ["maxTotalInstances"],
    "cores": ["maxTotalCores"],
    "key_pairs": ["maxTotalKeypairs"],
    "floating_ips": ["maxTotalFloatingIps"],
    "metadata_items": ["maxServerMeta", "maxImageMeta"],
    "injected_files": ["maxPersonality"],
    "injected_file_content_bytes": ["maxPersonalitySize"],
    "security_groups": ["maxSecurityGroups"],
    "security_group_rules": ["maxSecurityGroupRules"],
    "server_groups": ["maxServerGroups"],
    "server_group_members": ["maxServerGroupMembers"],
}

# Quota resource -> the usage name it fills.
USED_NAMES = {
    "ram": "totalRAMUsed",
    "instances": "totalInstancesUsed",
    "cores": "totalCoresUsed",
    "floating_ips": "totalFloatingIpsUsed",
    "security_groups": "totalSecurityGroupsUsed",
    "server_groups": "totalServerGroupsUsed",
}

# Limits networking owns (Neutron), shown before 2.36 as unlimited/unused.
NETWORK_RESOURCES = ("floating_ips", "security_groups", "security_group_rules")
NETWORK_NAMES = {"maxTotalFloatingIps", "maxSecurityGroups", "maxSecurityGroupRules",
                 "totalFloatingIpsUsed", "totalSecurityGroupsUsed"}


def build(req, quotas):
    """``quotas`` is ``{resource: {"limit": n, "in_use": n}}`` from the quota engine."""
    quotas = dict(quotas)
    for name in NETWORK_RESOURCES:
        quotas.setdefault(name, {"limit": -1, "in_use": 0})
    absolute = {}
    for resource, names in LIMIT_NAMES.items():
        if resource in quotas:
            for name in names:
                absolute[name] = quotas[resource]["limit"]
    for resource, name in USED_NAMES.items():
        if resource in quotas:
            absolute[name] = quotas[resource].get("in_use", 0)
    if req.is_at_least("2.36"):
        for name in NETWORK_NAMES:
            absolute.pop(name, None)
    if req.is_at_least("2.39"):
        absolute.pop("maxImageMeta", None)
    if req.is_at_least("2.57"):
        absolute.pop("maxPersonality", None)
        absolute.pop("maxPersonalitySize", None)
    return {"limits": {"rate": [], "absolute": absolute}}
