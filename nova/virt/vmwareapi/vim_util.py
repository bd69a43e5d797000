"""Reading vCenter's inventory: property-collector queries, the cluster and its
datacenter, datastores, port groups, and the cluster's resources.

Each ``retrieve`` is one RetrievePropertiesEx round trip (plus one
ContinueRetrievePropertiesEx per further page) instead of one call per
property read through pyVmomi's attribute access.
"""

import re

from oslo_log import log as logging
from pyVmomi import vim
from pyVmomi import vmodl

from nova.virt.vmwareapi import session as vm_session

LOG = logging.getLogger(__name__)


class ClusterNotFound(vm_session.VMwareDriverError):
    msg_fmt = "vCenter has no cluster named %(name)s (it has: %(known)s)"


class DatastoreNotFound(vm_session.VMwareDriverError):
    msg_fmt = ("No accessible datastore of cluster %(cluster)s matches [vmware] "
               "datastore_regex %(regex)s (the cluster has: %(known)s)")


class PortGroupNotFound(vm_session.VMwareDriverError):
    msg_fmt = "Cluster %(cluster)s has no port group named %(name)s (it has: %(known)s)"


def _filter_spec(obj_type, props, root=None, container=None, objects=None):
    if objects is not None:
        obj_specs = [vmodl.query.PropertyCollector.ObjectSpec(obj=o, skip=False)
                     for o in objects]
    else:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView)
        obj_specs = [vmodl.query.PropertyCollector.ObjectSpec(
            obj=container, skip=True, selectSet=[traversal])]
    prop_spec = vmodl.query.PropertyCollector.PropertySpec(
        type=obj_type, pathSet=list(props), all=False)
    return vmodl.query.PropertyCollector.FilterSpec(objectSet=obj_specs, propSet=[prop_spec])


def retrieve(session, obj_type, props, root=None, objects=None):
    """[(managed object, {property: value})] of every ``obj_type`` under ``root``
    (the root folder by default), or of the given ``objects``."""
    content = session.content
    container = None
    if objects is None:
        container = content.viewManager.CreateContainerView(
            root or content.rootFolder, [obj_type], True)
    try:
        spec = _filter_spec(obj_type, props, container=container, objects=objects)
        collector = content.propertyCollector
        options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1000)
        found = []
        result = collector.RetrievePropertiesEx([spec], options)
        while result is not None:
            for obj in result.objects:
                found.append((obj.obj, {p.name: p.val for p in obj.propSet}))
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
        return found
    finally:
        if container is not None:
            container.Destroy()


def properties(session, obj, props):
    """{property: value} of one managed object, in one round trip."""
    found = retrieve(session, type(obj), props, objects=[obj])
    return found[0][1] if found else {}


class ClusterRef:
    """The cluster this compute manages and what hangs off it."""

    def __init__(self, ref, name, datacenter, datacenter_name, resource_pool, vm_folder):
        self.ref, self.name = ref, name
        self.datacenter, self.datacenter_name = datacenter, datacenter_name
        self.resource_pool, self.vm_folder = resource_pool, vm_folder

    @property
    def moref(self):
        return self.ref._moId


def find_cluster(session, name):
    """The ClusterRef of the cluster named ``name`` (ClusterNotFound)."""
    clusters = retrieve(session, vim.ClusterComputeResource,
                        ("name", "parent", "resourcePool"))
    for ref, props in clusters:
        if props.get("name") == name:
            break
    else:
        raise ClusterNotFound(name=name,
                              known=", ".join(sorted(p["name"] for _r, p in clusters))
                              or "no cluster")
    # Up the folders to the datacenter.
    parent = props["parent"]
    while not isinstance(parent, vim.Datacenter):
        parent = properties(session, parent, ("parent",))["parent"]
    dc = properties(session, parent, ("name", "vmFolder"))
    return ClusterRef(ref, name, parent, dc["name"], props["resourcePool"], dc["vmFolder"])


class Datastore:
    def __init__(self, ref, name, capacity, free, ds_type, url):
        self.ref, self.name = ref, name
        self.capacity, self.free = capacity, free
        self.type, self.url = ds_type, url

    def path(self, *parts):
        """A datastore path: ``[name] a/b``."""
        rel = "/".join(p.strip("/") for p in parts if p)
        return "[%s] %s" % (self.name, rel) if rel else "[%s]" % self.name


def datastores(session, cluster, regex=None):
    """The cluster's accessible datastores whose names match ``regex``, most free first."""
    refs = properties(session, cluster.ref, ("datastore",)).get("datastore") or []
    if not refs:
        return []
    found = []
    pattern = re.compile(regex) if regex else None
    for ref, props in retrieve(session, vim.Datastore, ("summary",), objects=list(refs)):
        s = props["summary"]
        if not s.accessible:
            continue
        if pattern is not None and not pattern.match(s.name):
            continue
        found.append(Datastore(ref, s.name, s.capacity, s.freeSpace, s.type, s.url))
    return sorted(found, key=lambda d: -d.free)


def pick_datastore(session, cluster, regex=None):
    """The datastore new instances go to (the matching one with most free space)."""
    found = datastores(session, cluster, regex)
    if not found:
        known = [d.name for d in datastores(session, cluster)]
        raise DatastoreNotFound(cluster=cluster.name, regex=regex,
                                known=", ".join(sorted(known)) or "none")
    return found[0]


def cluster_resources(session, cluster):
    """CPU, memory and hosts of the cluster: a dict.

    vcpus: the logical CPUs of its connected hosts; memory_mb: their memory;
    cpu_info: vendor, model and topology of the first host.
    """
    props = properties(session, cluster.ref, ("host", "summary"))
    hosts = props.get("host") or []
    vcpus = memory_mb = 0
    cpu_info = {}
    if hosts:
        for _ref, hp in retrieve(session, vim.HostSystem,
                                 ("summary.hardware", "summary.runtime.connectionState",
                                  "summary.runtime.inMaintenanceMode"),
                                 objects=list(hosts)):
            if hp.get("summary.runtime.connectionState") != "connected" or \
                    hp.get("summary.runtime.inMaintenanceMode"):
                continue
            hw = hp["summary.hardware"]
            vcpus += hw.numCpuThreads
            memory_mb += hw.memorySize // (1024 * 1024)
            if not cpu_info:
                cpu_info = {"vendor": hw.vendor, "model": hw.cpuModel,
                            "topology": {"cores": hw.numCpuCores,
                                         "threads": hw.numCpuThreads // max(1, hw.numCpuCores),
                                         "sockets": hw.numCpuPkgs}}
    return {"vcpus": vcpus, "memory_mb": memory_mb, "cpu_info": cpu_info,
            "hosts": len(hosts)}


def find_network(session, cluster, name):
    """The port group ``name`` of the cluster's networks: (ref, is_distributed, dvs uuid,
    port group key)."""
    nets = properties(session, cluster.ref, ("network",)).get("network") or []
    known = []
    for ref, props in retrieve(session, vim.Network, ("name",), objects=list(nets)):
        known.append(props["name"])
        if props["name"] != name:
            continue
        if isinstance(ref, vim.dvs.DistributedVirtualPortgroup):
            pg = properties(session, ref, ("key", "config.distributedVirtualSwitch"))
            switch = pg["config.distributedVirtualSwitch"]
            switch_uuid = properties(session, switch, ("uuid",))["uuid"]
            return ref, True, switch_uuid, pg["key"]
        return ref, False, None, None
    raise PortGroupNotFound(cluster=cluster.name, name=name,
                            known=", ".join(sorted(known)) or "none")
