"""Options of the [DEFAULT] group that belong to no single service."""

import os
import socket

from oslo_config import cfg
from oslo_service import _options as oslo_service_options


def _default_ip():
    """Best guess at this host's address; loopback when there is no route."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent
            return sock.getsockname()[0]
    except OSError:
        return "127.0.0.1"


opts = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<current_hostname>",
               help="Name of this node. Used as the RPC server name of the services "
                    "that run here and as the host column of their service records. "
                    "Must be unique among the compute hosts of a deployment."),
    cfg.StrOpt("my_ip", default=_default_ip(), sample_default="<host_ipv4>",
               help="IP address of this host, used to reach its services."),
    cfg.StrOpt("state_path", default=os.path.join(os.path.expanduser("~"), ".nova"),
               sample_default="$HOME/.nova",
               help="Top-level directory for the state this deployment keeps on disk."),
    cfg.StrOpt("shared_token_path", default="$state_path/service_tokens",
               help="Where the nova processes of this host keep the Keystone tokens "
                    "of their service credentials ([neutron], [glance], [placement], "
                    "[service_user]), one file per set of credentials, readable by "
                    "the owner only. A daemon starting takes the token another one "
                    "already holds instead of asking Keystone for its own, so the "
                    "other services validate one token rather than one per process. "
                    "Empty: each process gets its own tokens (as upstream does)."),
    cfg.StrOpt("instances_path", default="$state_path/instances",
               help="Where instances' files live on a compute host."),
    cfg.StrOpt("compute_driver", default="fake.FakeDriver",
               help="The virt driver nova-compute loads, relative to nova.virt: "
                    "'libvirt.LibvirtDriver', 'vmwareapi.VMwareVCDriver' or "
                    "'fake.FakeDriver'."),
    cfg.StrOpt("concurrency_backend", default="threading",
               choices=[("threading", "Native threads (the default)."),
                        ("eventlet", "Green threads; the process is monkey patched "
                                     "before anything else is imported.")],
               help="How a daemon runs its concurrent work. Read before anything else "
                    "is imported; the environment variable NOVA_CONCURRENCY_BACKEND "
                    "overrides it."),
    cfg.IntOpt("report_interval", default=10, min=1,
               help="Seconds between two heartbeats of a service in the services table."),
    cfg.IntOpt("service_down_time", default=60, min=1,
               help="A service whose last heartbeat is older than this many seconds "
                    "is reported as down. Must exceed report_interval."),
    cfg.IntOpt("long_rpc_timeout", default=1800, min=1,
               help="Seconds an RPC call that is known to run long (e.g. pre-caching "
                    "images on a compute host) may take in all. The callee reports "
                    "progress every rpc_response_timeout seconds, so a dead callee is "
                    "still noticed quickly."),
    cfg.FloatOpt("cpu_allocation_ratio", min=0.0,
                 help="Virtual CPUs per physical CPU a compute node offers (the VCPU "
                      "inventory's allocation_ratio). Unset: a new node starts with "
                      "initial_cpu_allocation_ratio and later changes made through "
                      "Placement are kept."),
    cfg.FloatOpt("ram_allocation_ratio", min=0.0,
                 help="Virtual to physical RAM ratio (MEMORY_MB allocation_ratio); "
                      "unset: initial_ram_allocation_ratio for a new node."),
    cfg.FloatOpt("disk_allocation_ratio", min=0.0,
                 help="Virtual to physical disk ratio (DISK_GB allocation_ratio); "
                      "unset: initial_disk_allocation_ratio for a new node."),
    cfg.FloatOpt("initial_cpu_allocation_ratio", default=4.0, min=0.0,
                 help="VCPU allocation ratio of a new compute node when "
                      "cpu_allocation_ratio is unset."),
    cfg.FloatOpt("initial_ram_allocation_ratio", default=1.0, min=0.0,
                 help="MEMORY_MB allocation ratio of a new compute node when "
                      "ram_allocation_ratio is unset."),
    cfg.FloatOpt("initial_disk_allocation_ratio", default=1.0, min=0.0,
                 help="DISK_GB allocation ratio of a new compute node when "
                      "disk_allocation_ratio is unset."),
    cfg.IntOpt("reserved_host_memory_mb", default=512, min=0,
               help="Memory, in MiB, kept back for the host (MEMORY_MB reserved)."),
    cfg.IntOpt("reserved_host_disk_mb", default=0, min=0,
               help="Disk, in MiB, kept back for the host (DISK_GB reserved, rounded "
                    "up to GiB)."),
    cfg.IntOpt("reserved_host_cpus", default=0, min=0,
               help="Host CPUs kept back for the host (VCPU reserved)."),
    cfg.BoolOpt("periodic_enable", default=True,
                help="Run the periodic tasks of a service's manager."),
    cfg.IntOpt("periodic_fuzzy_delay", default=60, min=0,
               help="Upper bound, in seconds, of a random delay before a service's "
                    "first periodic task run, to spread load across hosts."),
    cfg.ListOpt("enabled_apis", default=["osapi_compute", "metadata"],
                help="The APIs nova-all serves."),
    cfg.StrOpt("osapi_compute_listen", default="0.0.0.0",
               help="Address the compute API listens on."),
    cfg.PortOpt("osapi_compute_listen_port", default=8774,
                help="Port the compute API listens on."),
    cfg.IntOpt("osapi_compute_workers", min=1,
               help="Number of compute API worker processes; defaults to the CPU count."),
    cfg.StrOpt("metadata_listen", default="0.0.0.0",
               help="Address the metadata API listens on."),
    cfg.PortOpt("metadata_listen_port", default=8775,
                help="Port the metadata API listens on."),
    cfg.IntOpt("metadata_workers", min=1,
               help="Number of metadata API worker processes; defaults to the CPU count."),
    cfg.StrOpt("rootwrap_config", default="/etc/nova/rootwrap.conf",
               help="Path to the rootwrap configuration file, for the commands that "
                    "are not run through privsep."),
    cfg.StrOpt("tempdir", help="Directory for temporary files; the system default if unset."),
    cfg.StrOpt("instance_name_template", default="instance-%08x",
               help="Template for the hypervisor names of instances, fed the instance id."),
    cfg.StrOpt("default_availability_zone", default="nova",
               help="Availability zone of a compute host that belongs to no aggregate "
                    "with an availability_zone metadata key. Must differ from "
                    "internal_service_availability_zone."),
    cfg.StrOpt("internal_service_availability_zone", default="internal",
               help="Availability zone shown for the services that are not nova-compute "
                    "(conductor, scheduler...). Only the detailed availability zone "
                    "listing shows it; instances cannot be placed in it."),
]


# oslo.service's own [DEFAULT] options (graceful_shutdown_timeout, backdoor,
# run_external_periodic_tasks...): registered here so that nova's value of
# graceful_shutdown_timeout (seconds a stopping service waits for its work to
# finish) is the default the launchers see. An idle RPC listener notices a stop
# only when its wait for a message ends (oslo.messaging's AMQP driver waits up
# to 5 s at a time), so the bound leaves room for that beyond the work itself:
# an idle service that stops exits 0, not 1 for a timeout.
service_opts = oslo_service_options.service_opts + oslo_service_options.eventlet_backdoor_opts
cfg.set_defaults(oslo_service_options.service_opts, graceful_shutdown_timeout=10)


def register_opts(conf):
    conf.register_opts(opts)
    conf.register_opts(service_opts)


def list_opts():
    return {"DEFAULT": opts + service_opts}
