"""Real HostState / RequestSpec objects for the scheduler unit tests."""

import uuid

from oslo_utils import timeutils

from nova import objects
from nova.scheduler import host_manager

objects.register_all()

CELL = "11111111-1111-4111-8111-111111111111"


def make_flavor(vcpus=1, memory_mb=512, root_gb=10, ephemeral_gb=0, swap=0,
                extra_specs=None):
    return objects.Flavor(id=1, name="f", flavorid="f", vcpus=vcpus, memory_mb=memory_mb,
                          root_gb=root_gb, ephemeral_gb=ephemeral_gb, swap=swap,
                          extra_specs=dict(extra_specs or {}))


def make_spec(flavor=None, image_props=None, disk_format=None, group=None, hints=None,
              availability_zone=None, is_bfv=False, instance_uuid=None, **kwargs):
    image = {"properties": dict(image_props or {})}
    if disk_format:
        image["disk_format"] = disk_format
    spec = objects.RequestSpec(
        instance_uuid=instance_uuid or str(uuid.uuid4()), project_id="p1", user_id="u1",
        flavor=flavor or make_flavor(), image=objects.ImageMeta.from_dict(image),
        num_instances=1, availability_zone=availability_zone, instance_group=group,
        scheduler_hints={k: v if isinstance(v, list) else [v]
                         for k, v in (hints or {}).items()},
        is_bfv=is_bfv, request_level_params=objects.RequestLevelParams(), **kwargs)
    return spec


def make_group(policy, members=(), hosts=(), rules=None):
    return objects.InstanceGroup(uuid=str(uuid.uuid4()), policy=policy,
                                 members=list(members), hosts=list(hosts),
                                 rules=dict(rules or {}))


def make_aggregate(name, metadata=None, hosts=()):
    return objects.Aggregate(id=abs(hash(name)) % 10000, uuid=str(uuid.uuid4()), name=name,
                             metadata=dict(metadata or {}), hosts=list(hosts))


def make_host(host="host1", node=None, vcpus=16, vcpus_used=0, memory_mb=32768,
              free_ram_mb=None, local_gb=500, free_disk_gb=None, stats=None,
              supported=(("x86_64", "qemu", "hvm"),), hypervisor_version=6002000,
              disabled=False, up=True, aggregates=(), instances=(), cpu_ratio=4.0,
              cpu_info='{"arch": "x86_64", "vendor": "Intel"}', hypervisor_type="QEMU"):
    state = host_manager.HostState(host, node or host, CELL)
    node_obj = objects.ComputeNode(
        uuid=str(uuid.uuid4()), host=host, hypervisor_hostname=node or host, vcpus=vcpus,
        memory_mb=memory_mb, local_gb=local_gb, vcpus_used=vcpus_used,
        memory_mb_used=memory_mb - (free_ram_mb if free_ram_mb is not None else memory_mb),
        local_gb_used=local_gb - (free_disk_gb if free_disk_gb is not None else local_gb),
        free_ram_mb=free_ram_mb if free_ram_mb is not None else memory_mb,
        free_disk_gb=free_disk_gb if free_disk_gb is not None else local_gb,
        disk_available_least=None, hypervisor_type=hypervisor_type,
        hypervisor_version=hypervisor_version, cpu_info=cpu_info,
        stats=dict(stats or {}), supported_hv_specs=[list(s) for s in supported],
        host_ip="192.0.2.1", cpu_allocation_ratio=cpu_ratio, ram_allocation_ratio=1.0,
        disk_allocation_ratio=1.0, updated_at=None)
    heartbeat = timeutils.utcnow() if up else timeutils.utcnow().replace(year=2000)
    service = objects.Service(host=host, binary="nova-compute", topic="compute",
                              disabled=disabled, disabled_reason="maint" if disabled else None,
                              forced_down=False, last_seen_up=heartbeat,
                              report_count=1)
    state.update(compute=node_obj, service=service, aggregates=list(aggregates),
                 instances={u: objects.Instance(uuid=u) for u in instances})
    return state
