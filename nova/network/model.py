"""The network information of an instance, as its info cache stores it.

``NetworkInfo`` is a list of ``VIF`` (one per virtual interface). Every class
here is a ``dict`` (or ``list``) subclass, so the whole structure serializes
to JSON unchanged and comes back through ``NetworkInfo.hydrate()``:

    VIF {id, address (MAC), type, details, devname, ovs_interfaceid, active,
         vnic_type, profile, preserve_on_delete, tag (the user's device tag),
         network: Network {id, label, bridge, meta,
                           subnets: [Subnet {cidr, gateway, dns, version,
                                             ips: [FixedIP {address, type, version,
                                                            floating_ips: [IP]}]}]}}

``addresses()`` turns it into the ``addresses`` member of a server body.
"""

import collections
import ipaddress

from oslo_serialization import jsonutils

# VIF types and VNIC types that appear in Neutron's port binding.
VIF_TYPE_OVS = "ovs"
VIF_TYPE_BRIDGE = "bridge"
VIF_TYPE_OTHER = "other"
VIF_TYPE_UNBOUND = "unbound"
VIF_TYPE_BINDING_FAILED = "binding_failed"
VNIC_TYPE_NORMAL = "normal"


def _version(address):
    return ipaddress.ip_address(address).version


class _Model(dict):
    """A dict whose keys read as attributes (``vif.address``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def hydrate(cls, value):
        """Rebuild from the plain dict JSON gave back (None stays None).

        Nested members become models too; keys the stored dict did not have
        stay absent, so what was stored is what comes back.
        """
        if value is None:
            return None
        model = cls(**value)
        for key in [k for k in model if k not in value]:
            del model[key]
        return model


class IP(_Model):
    """An IP address of a VIF: ``type`` is 'fixed' or 'floating'."""

    def __init__(self, address=None, type=None, version=None, **kwargs):
        super().__init__(**kwargs)
        self["address"] = address
        self["type"] = type
        self["version"] = version if version is not None or address is None \
            else _version(address)

    def is_in_subnet(self, subnet):
        return ipaddress.ip_address(self["address"]) in \
            ipaddress.ip_network(subnet["cidr"], strict=False)


class FixedIP(IP):
    """A fixed IP; the floating IPs mapped onto it live beneath it."""

    def __init__(self, floating_ips=None, **kwargs):
        kwargs.setdefault("type", "fixed")
        super().__init__(**kwargs)
        self["floating_ips"] = [IP.hydrate(ip) for ip in floating_ips or []]

    def add_floating_ip(self, address):
        floating = self.setdefault("floating_ips", [])
        if not any(ip["address"] == address for ip in floating):
            floating.append(IP(address=address, type="floating"))


class Subnet(_Model):
    def __init__(self, cidr=None, gateway=None, dns=None, ips=None, version=None,
                 routes=None, **kwargs):
        super().__init__(**kwargs)
        self["cidr"] = cidr
        self["gateway"] = IP.hydrate(gateway) if isinstance(gateway, dict) else \
            (IP(address=gateway, type="gateway") if gateway else None)
        self["dns"] = [IP.hydrate(d) if isinstance(d, dict) else IP(address=d, type="dns")
                       for d in dns or []]
        self["ips"] = [FixedIP.hydrate(ip) for ip in ips or []]
        self["routes"] = list(routes or [])
        self["version"] = version if version is not None or not cidr else \
            ipaddress.ip_network(cidr, strict=False).version


class Network(_Model):
    def __init__(self, id=None, label=None, bridge=None, subnets=None, meta=None,
                 **kwargs):
        super().__init__(**kwargs)
        self["id"] = id
        self["label"] = label
        self["bridge"] = bridge
        self["subnets"] = [Subnet.hydrate(s) for s in subnets or []]
        self["meta"] = dict(meta or {})


class VIF(_Model):
    """One virtual interface (a Neutron port or a flat-network allocation)."""

    def __init__(self, id=None, address=None, network=None, type=None, details=None,
                 devname=None, ovs_interfaceid=None, active=False, vnic_type=None,
                 profile=None, preserve_on_delete=False, qbh_params=None, qbg_params=None,
                 tag=None, **kwargs):
        super().__init__(**kwargs)
        self["id"] = id
        self["address"] = address
        self["network"] = Network.hydrate(network)
        self["type"] = type
        self["details"] = dict(details or {})
        self["devname"] = devname
        self["ovs_interfaceid"] = ovs_interfaceid
        self["active"] = bool(active)
        self["vnic_type"] = vnic_type or VNIC_TYPE_NORMAL
        self["profile"] = dict(profile or {})
        self["preserve_on_delete"] = bool(preserve_on_delete)
        self["qbh_params"] = qbh_params
        self["qbg_params"] = qbg_params
        # The device tag the user gave this interface at boot (networks[].tag)
        # or attach (interfaceAttachment.tag); nova keeps it, not the backend.
        self["tag"] = tag

    def fixed_ips(self):
        network = self.get("network") or {}
        return [ip for subnet in network.get("subnets") or [] for ip in subnet.get("ips") or []]

    def floating_ips(self):
        return [fip for ip in self.fixed_ips() for fip in ip.get("floating_ips") or []]

    def labeled_ips(self):
        """The network's id and label with this VIF's fixed IPs, or None."""
        network = self.get("network")
        if not network:
            return None
        return {"network_id": network.get("id"), "network_label": network.get("label"),
                "ips": self.fixed_ips()}


class NetworkInfo(list):
    """The VIFs of one instance, in the order the guest sees them."""

    def __init__(self, vifs=()):
        super().__init__(VIF.hydrate(v) if not isinstance(v, VIF) else v for v in vifs)

    @classmethod
    def hydrate(cls, value):
        if isinstance(value, str):
            value = jsonutils.loads(value) if value else []
        return cls(value or [])

    def json(self):
        return jsonutils.dumps(self)

    def fixed_ips(self):
        return [ip for vif in self for ip in vif.fixed_ips()]

    def floating_ips(self):
        return [ip for vif in self for ip in vif.floating_ips()]

    def wait(self, do_raise=True):
        """Compatible with a background allocation: this one is already done."""
        return self


def addresses(network_info, extended=True):
    """The ``addresses`` member of a server body, by network label.

    ``extended`` adds the OS-EXT-IPS:type and OS-EXT-IPS-MAC:mac_addr keys the
    server body carries; GET /servers/{id}/ips shows only version and addr.
    """
    result = collections.OrderedDict()
    for vif in NetworkInfo.hydrate(network_info or []):
        labeled = vif.labeled_ips()
        if not labeled or not labeled["network_label"]:
            continue
        entries = result.setdefault(labeled["network_label"], [])
        for ip in labeled["ips"]:
            for one in [ip] + list(ip.get("floating_ips") or []):
                if not one.get("address"):
                    continue
                version = one.get("version") or _version(one["address"])
                entry = {"version": version, "addr": one["address"]}
                if extended:
                    entry["OS-EXT-IPS:type"] = one.get("type") or \
                        ("fixed" if one is ip else "floating")
                    entry["OS-EXT-IPS-MAC:mac_addr"] = vif.get("address")
                entries.append(entry)
    return result
