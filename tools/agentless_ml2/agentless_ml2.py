"""An ML2 mechanism driver for a Neutron that runs without any agent.

Neutron's in-tree mechanism drivers bind a port only on a host where one of
their agents reports in. For a one-machine tryout or a test there is no agent:
this driver binds every port of vnic_type ``normal``, on whatever host nova
asks for, to the first segment offered, and marks it ACTIVE at once. Neutron
then tells nova ``network-vif-plugged`` through os-server-external-events, as
it would after an agent wired the port. Nothing is wired: no bridge, no tap,
no packet. Enable it with ``mechanism_drivers = agentless`` in ml2_conf.ini;
``[ml2_agentless] vif_type`` chooses ``ovs`` (default) or ``bridge``.
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api
from oslo_config import cfg

OPTS = [
    cfg.StrOpt("vif_type", default=portbindings.VIF_TYPE_OVS,
               choices=[portbindings.VIF_TYPE_OVS, portbindings.VIF_TYPE_BRIDGE],
               help="The VIF type every bound port reports to nova."),
]
cfg.CONF.register_opts(OPTS, "ml2_agentless")


class AgentlessMechanismDriver(api.MechanismDriver):
    """Bind every normal port to its first segment and call it ACTIVE."""

    def initialize(self):
        self.vif_type = cfg.CONF.ml2_agentless.vif_type
        if self.vif_type == portbindings.VIF_TYPE_OVS:
            self.vif_details = {portbindings.CAP_PORT_FILTER: True,
                                portbindings.OVS_HYBRID_PLUG: False}
        else:
            self.vif_details = {portbindings.CAP_PORT_FILTER: True}

    def bind_port(self, context):
        vnic_type = context.current.get(portbindings.VNIC_TYPE, portbindings.VNIC_NORMAL)
        if vnic_type != portbindings.VNIC_NORMAL:
            return
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], self.vif_type, dict(self.vif_details),
                                status=constants.PORT_STATUS_ACTIVE)
            return
