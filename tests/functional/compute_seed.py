"""Seeding helpers for the os-services / os-hypervisors / AZ / aggregate tests.

Services and compute nodes are created through the objects against the cell
database, then mapped with discover_hosts, as a real nova-compute would.
"""

import datetime

import oslo_messaging as messaging
from oslo_utils import timeutils
import pytest

import nova.conf
from nova.compute import rpcapi as compute_rpcapi
from nova import objects
from nova.objects import cell_setup
from nova import rpc
from tests import dbfixtures


@pytest.fixture
def parsed_conf():
    """oslo.policy looks its file up through CONF, which must have been parsed."""
    conf = nova.conf.CONF
    if conf._namespace is None:
        conf([], project="nova", default_config_files=[])
    yield conf


def add_service(api, host, binary="nova-compute", topic=None, ctxt=None):
    service = objects.Service(context=ctxt or api.ctxt, host=host, binary=binary,
                              topic=topic or binary.replace("nova-", ""),
                              report_count=1, disabled=False, forced_down=False)
    service.create()
    return service


class SeededCompute:
    """The RPC side of a seeded nova-compute: what the API asks of a running one.

    os-services enable/disable asks the host's compute (an RPC call) to set
    COMPUTE_STATUS_DISABLED on its providers and waits for the answer; a
    seeded host that is up answers here and records each request in
    ``calls`` (there are no providers to change).
    """

    target = messaging.Target(version="6.10")

    def __init__(self, host):
        self.host = host
        self.calls = []

    def set_host_enabled(self, context, enabled):
        self.calls.append(("set_host_enabled", enabled))
        return "enabled" if enabled else "disabled"


def answer_rpc(api, host):
    """Start answering compute RPC for ``host`` (stopped with ``api``); the SeededCompute."""
    endpoint = SeededCompute(host)
    server = rpc.get_server(messaging.Target(topic=compute_rpcapi.RPC_TOPIC, server=host),
                            [endpoint])
    server.start()
    api.on_stop(lambda: (server.stop(), server.wait()))
    return endpoint


def add_compute(api, host, nodename=None, vcpus=16, memory_mb=32768, local_gb=500,
                vcpus_used=2, memory_mb_used=4096, local_gb_used=40, discover=True,
                ctxt=None):
    """A nova-compute service and its compute node (in ``ctxt``'s cell, default
    cell1); returns (service, node). The host answers compute RPC as a running
    compute does (``answer_rpc``); its SeededCompute is ``api.seeded[host]``."""
    service = add_service(api, host, ctxt=ctxt)
    if host not in api.seeded:
        api.seeded[host] = answer_rpc(api, host)
    node = objects.ComputeNode(
        context=ctxt or api.ctxt, host=host, hypervisor_hostname=nodename or host,
        service_id=service.id, vcpus=vcpus, memory_mb=memory_mb, local_gb=local_gb,
        vcpus_used=vcpus_used, memory_mb_used=memory_mb_used, local_gb_used=local_gb_used,
        hypervisor_type="fake", hypervisor_version=1000,
        free_ram_mb=memory_mb - memory_mb_used, free_disk_gb=local_gb - local_gb_used,
        current_workload=0, running_vms=0, cpu_info='{"arch": "x86_64"}',
        disk_available_least=local_gb - local_gb_used, host_ip="192.0.2.10",
        supported_hv_specs=[["x86_64", "fake", "hvm"]], cpu_allocation_ratio=4.0,
        ram_allocation_ratio=1.0, disk_allocation_ratio=1.0)
    node.create()
    if discover:
        cell_setup.discover_hosts(api.ctxt)
    return service, node


def add_cell(api, tmp_path, name="cell2"):
    """A second cell with its own migrated SQLite database; returns its CellMapping."""
    url = dbfixtures.sqlite_copy("main", tmp_path / ("%s.sqlite" % name))
    return cell_setup.create_cell(api.ctxt, name, "fake://", url, verify_transport=False)


def mark_down(service):
    """Make the service's last heartbeat older than service_down_time."""
    service.last_seen_up = timeutils.utcnow() - datetime.timedelta(hours=1)
    service.save()


def heartbeat(service):
    """One report of the service, as the servicegroup DB driver makes it."""
    service.report_count += 1
    service.save()
