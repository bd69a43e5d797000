"""Interfaces attached to a running server, and its security groups, through Neutron.

Mixed into nova.network.neutron.API. Attaching a port binds it to the
server (device_id, device_owner, binding:host_id): a port the user names is
theirs and is only unbound again on detach; a port nova creates on a
requested network is deleted on detach. Security groups are set on every
port of the server (Neutron keeps them per port).
"""

from oslo_log import log as logging

from nova import exception
from nova.network import model as network_model
from nova.network import neutron_client

LOG = logging.getLogger(__name__)

BINDING_HOST_ID = "binding:host_id"
BINDING_PROFILE = "binding:profile"
BINDING_VIF_TYPE = "binding:vif_type"


class InterfaceMethods:

    # --- API side: reads with the caller's rights ---

    def list_ports(self, context, device_id):
        """The ports of server ``device_id`` as Neutron shows them to the caller."""
        return neutron_client.get_client(context).list("ports", device_id=device_id)

    def show_port(self, context, port_id):
        return neutron_client.get_client(context).show_port(port_id)

    def validate_interface_request(self, context, instance, port_id=None, network_id=None):
        """Before the compute is asked: the port exists and is free, or the network
        exists for the caller (PortNotFound, PortInUse, NetworkNotFound)."""
        client = neutron_client.get_client(context)
        if port_id:
            port = client.show_port(port_id)
            if port.get("device_id"):
                raise exception.PortInUse(port_id=port_id)
        elif network_id:
            self._available_networks(context, client, [network_id])

    # --- compute side ---

    def allocate_port_for_instance(self, context, instance, port_id=None,
                                   network_id=None, requested_ip=None, bind_host_id=None,
                                   tag=None):
        """Attach the user's port ``port_id``, or create one on ``network_id``
        (None: the only network the project sees) with ``requested_ip``, bound
        to ``bind_host_id``, its VIF carrying the device tag ``tag``. Returns
        (the new VIF, the whole NetworkInfo saved in the server's info cache)."""
        from nova.network import neutron
        client = neutron_client.get_client(context)
        admin = neutron_client.get_client(context, admin=True)
        binding = {"device_id": instance.uuid,
                   "device_owner": neutron._device_owner(instance)}
        if bind_host_id:
            binding[BINDING_HOST_ID] = bind_host_id
        if port_id:
            port = client.show_port(port_id)
            if port.get("device_id"):
                raise exception.PortInUse(port_id=port_id)
            admin.update_port(port_id, binding)
            created, preserved = None, True
        else:
            if network_id:
                net = self._available_networks(context, client, [network_id])[0]
            else:
                nets = self._available_networks(context, client)
                if len(nets) != 1:
                    raise (exception.NetworkAmbiguous() if nets
                           else exception.NetworkNotFound(network_id=""))
                net = nets[0]
            body = {"network_id": net["id"], "device_id": instance.uuid,
                    "device_owner": binding["device_owner"],
                    "tenant_id": instance.project_id, "admin_state_up": True}
            if requested_ip:
                body["fixed_ips"] = [{"ip_address": str(requested_ip)}]
            port = client.create_port(body, instance_uuid=instance.uuid)
            port_id = created = port["id"]
            preserved = False
            if bind_host_id:
                try:
                    bound = admin.update_port(port_id, {BINDING_HOST_ID: bind_host_id})
                except Exception:
                    admin.delete_port(port_id)
                    raise
                if bound.get(BINDING_VIF_TYPE) == network_model.VIF_TYPE_BINDING_FAILED:
                    admin.delete_port(port_id)
                    raise exception.PortBindingFailed(port_id=port_id)
        try:
            nw_info = self._saved_with_port(context, instance, port_id, preserved, tag)
        except Exception:
            if created:
                admin.delete_port(created)
            else:
                self._unbind(admin, port_id)
            raise
        vif = [v for v in nw_info if v["id"] == port_id][0]
        return vif, nw_info

    def _saved_with_port(self, context, instance, port_id, preserved, tag=None):
        from nova.network import api as network_api
        from nova.network import neutron
        with neutron.refresh_lock(instance.uuid):
            neutron._reload_info_cache(context, instance)
            nw_info = self._build_network_info(context, instance)
            for vif in nw_info:
                if vif["id"] == port_id:
                    vif["preserve_on_delete"] = preserved
                    vif["tag"] = tag
            return network_api.save_network_info(context, instance, nw_info)

    def deallocate_port_for_instance(self, context, instance, port_id):
        """Undo an attach: delete the port if nova created it, else unbind it;
        returns the NetworkInfo left in the server's info cache."""
        from nova.network import api as network_api
        from nova.network import neutron
        admin = neutron_client.get_client(context, admin=True)
        with neutron.refresh_lock(instance.uuid):
            neutron._reload_info_cache(context, instance)
            cache = instance.info_cache if instance.obj_attr_is_set("info_cache") else None
            known = network_model.NetworkInfo.hydrate(cache.network_info) \
                if cache is not None and cache.network_info else []
            preserved = {v["id"] for v in known if v.get("preserve_on_delete")}
            if port_id in preserved:
                self._unbind(admin, port_id)
            else:
                try:
                    admin.delete_port(port_id)
                except exception.PortNotFound:
                    pass
            nw_info = network_model.NetworkInfo(v for v in known if v["id"] != port_id)
            return network_api.save_network_info(context, instance, nw_info)


class SecurityGroupMethods:

    def _group_by_name(self, client, context, name):
        groups = [g for g in client.list("security-groups", tenant_id=context.project_id)
                  if name in (g["name"], g["id"])]
        by_id = [g for g in groups if g["id"] == name]
        if by_id:
            return by_id[0]
        if not groups:
            raise exception.SecurityGroupNotFound(security_group_id=name)
        if len(groups) > 1:
            raise exception.NoUniqueMatch()
        return groups[0]

    def get_instance_security_groups_detail(self, context, instance_uuid):
        """The security groups (Neutron's dicts with their rules) on the server's ports."""
        client = neutron_client.get_client(context)
        ports = client.list("ports", device_id=instance_uuid,
                            fields=["id", "security_groups"])
        ids = list(dict.fromkeys(g for p in ports for g in p.get("security_groups") or []))
        if not ids:
            return []
        found = {g["id"]: g for g in client.list("security-groups", id=ids)}
        return [found[i] for i in ids if i in found]

    def add_to_instance(self, context, instance, group_name):
        """Put the group on every port of the server."""
        client = neutron_client.get_client(context)
        group = self._group_by_name(client, context, group_name)
        ports = client.list("ports", device_id=instance.uuid)
        if not ports:
            raise exception.SecurityGroupNotFound(
                security_group_id="instance_id %s could not be found as device id on "
                                  "any ports" % instance.uuid)
        for port in ports:
            groups = list(port.get("security_groups") or [])
            if group["id"] not in groups:
                client.update_port(port["id"], {"security_groups": groups + [group["id"]]})
        LOG.info("Security group %s added to the ports of %s", group["id"], instance.uuid)

    def remove_from_instance(self, context, instance, group_name):
        """Take the group off every port of the server that has it."""
        client = neutron_client.get_client(context)
        group = self._group_by_name(client, context, group_name)
        found = False
        for port in client.list("ports", device_id=instance.uuid):
            groups = list(port.get("security_groups") or [])
            if group["id"] in groups:
                found = True
                groups.remove(group["id"])
                client.update_port(port["id"], {"security_groups": groups})
        if not found:
            raise exception.SecurityGroupNotExistsForInstance(
                security_group_id=group_name, instance_id=instance.uuid)
        LOG.info("Security group %s removed from the ports of %s", group["id"],
                 instance.uuid)
