"""Seeding servers for the servers API tests, through the objects.

Instances are written into a cell database (with their InstanceMapping in
the API database), build requests into the API database with a mapping that
has no cell yet, as the API and the conductor would leave them.
"""

import datetime

from oslo_utils import timeutils
from oslo_utils import uuidutils

from nova.compute import power_state
from nova.compute import task_states
from nova.compute import vm_states
from nova import context as nova_context
from nova import objects

BASE_TIME = datetime.datetime(2026, 1, 1, 12, 0, 0)


def cell1(api):
    """The first non-cell0 cell of the test deployment."""
    return [c for c in objects.CellMappingList.get_all(api.ctxt) if not c.is_cell0()][0]


def add_flavor(api, flavorid="1", name="m1.small", vcpus=1, memory_mb=512, root_gb=1,
               extra_specs=None):
    flavor = objects.Flavor(context=api.ctxt, flavorid=flavorid, name=name, vcpus=vcpus,
                            memory_mb=memory_mb, root_gb=root_gb, ephemeral_gb=0, swap=0,
                            extra_specs=extra_specs or {})
    flavor.create()
    return flavor


def network_info(label="private", ip="10.0.0.5", mac="fa:16:3e:00:00:01", ip6=None,
                 floating=None):
    """A one-VIF network_info list, shaped as the network API stores it."""
    ips = [{"address": ip, "type": "fixed", "version": 4,
            "floating_ips": [{"address": floating, "type": "floating", "version": 4}]
            if floating else []}]
    subnets = [{"cidr": "10.0.0.0/24", "ips": ips}]
    if ip6:
        subnets.append({"cidr": "fd00::/64", "ips": [
            {"address": ip6, "type": "fixed", "version": 6, "floating_ips": []}]})
    return [{"id": uuidutils.generate_uuid(), "address": mac,
             "network": {"id": uuidutils.generate_uuid(), "label": label,
                         "subnets": subnets}}]


def add_server(api, name, cell=None, project_id="p1", user_id="u1", flavor=None,
               vm_state=vm_states.ACTIVE, task_state=None, host="compute1", node=None,
               image_ref="155d900f-4e14-4e4c-a73d-069cbf4541e6", metadata=None,
               tags=(), nw_info=None, created_at=None, locked=False, deleted=False,
               fault=None, launched_at=BASE_TIME, **fields):
    """An instance in ``cell`` (default cell1) and its mapping; returns the instance."""
    cell = cell or cell1(api)
    with nova_context.target_cell(api.ctxt, cell) as cctxt:
        instance = objects.Instance(
            context=cctxt, uuid=uuidutils.generate_uuid(), display_name=name,
            project_id=project_id, user_id=user_id, vm_state=vm_state,
            task_state=task_state, power_state=power_state.RUNNING
            if vm_state == vm_states.ACTIVE else power_state.NOSTATE,
            host=host if vm_state != vm_states.BUILDING else None,
            node=(node or host) if vm_state != vm_states.BUILDING else None,
            image_ref=image_ref, metadata=dict(metadata or {}), system_metadata={},
            availability_zone="nova", locked=locked, hostname=name.lower(),
            launch_index=0, reservation_id="r-" + name, root_device_name="/dev/vda",
            created_at=created_at or timeutils.utcnow(), launched_at=launched_at,
            **fields)
        if flavor is not None:
            instance.flavor = flavor
            instance.old_flavor = instance.new_flavor = None
            instance.instance_type_id = flavor.id
            instance.vcpus, instance.memory_mb = flavor.vcpus, flavor.memory_mb
        if nw_info is not None:
            instance.info_cache = objects.InstanceInfoCache(context=cctxt,
                                                            network_info=nw_info)
        if tags:
            instance.tags = objects.TagList(objects=[
                objects.Tag(resource_id=instance.uuid, tag=t) for t in tags])
        instance.create()
        if fault is not None:
            objects.InstanceFault(context=cctxt, instance_uuid=instance.uuid,
                                  code=fault[0], message=fault[1],
                                  details=fault[2] if len(fault) > 2 else None,
                                  host=host).create()
        if deleted:
            instance.destroy()
    objects.InstanceMapping(context=api.ctxt, instance_uuid=instance.uuid,
                            cell_mapping=cell, project_id=project_id,
                            user_id=user_id).create()
    return instance


def add_build_request(api, name, project_id="p1", user_id="u1", flavor=None, tags=(),
                      metadata=None):
    """A server accepted by the API but not scheduled yet (status BUILD)."""
    uuid = uuidutils.generate_uuid()
    instance = objects.Instance(
        context=api.ctxt, uuid=uuid, display_name=name, project_id=project_id,
        user_id=user_id, vm_state=vm_states.BUILDING, task_state=task_states.SCHEDULING,
        power_state=power_state.NOSTATE, image_ref="155d900f-4e14-4e4c-a73d-069cbf4541e6",
        metadata=dict(metadata or {}), system_metadata={}, availability_zone=None,
        locked=False, hostname=name.lower(), launch_index=0, reservation_id="r-" + name,
        config_drive="", key_name=None, access_ip_v4=None, access_ip_v6=None,
        auto_disk_config=False, progress=0, display_description=None, kernel_id="",
        ramdisk_id="", root_device_name=None, user_data=None, launched_at=None,
        terminated_at=None, host=None, node=None, instance_type_id=None)
    if flavor is not None:
        instance.flavor = flavor
        instance.instance_type_id = flavor.id
    tag_list = objects.TagList(objects=[objects.Tag(resource_id=uuid, tag=t)
                                        for t in tags])
    build_request = objects.BuildRequest(
        context=api.ctxt, instance_uuid=uuid, project_id=project_id, instance=instance,
        block_device_mappings=objects.BlockDeviceMappingList(objects=[]), tags=tag_list)
    build_request.create()
    objects.InstanceMapping(context=api.ctxt, instance_uuid=uuid, cell_mapping=None,
                            project_id=project_id, user_id=user_id).create()
    return build_request


def add_action(api, instance, action, request_id, cell=None, events=(), project_id=None,
               user_id="u1", start_time=None):
    """An instance action with finished events ``(name, result, host, details)``."""
    cell = cell or cell1(api)
    with nova_context.target_cell(api.ctxt, cell) as cctxt:
        ctxt = nova_context.RequestContext(user_id=user_id,
                                           project_id=project_id or instance.project_id,
                                           request_id=request_id,
                                           timestamp=start_time or timeutils.utcnow())
        ctxt.db_connection, ctxt.cell_uuid = cctxt.db_connection, cctxt.cell_uuid
        objects.InstanceAction.action_start(ctxt, instance.uuid, action)
        for name, result, host, details in events:
            objects.InstanceActionEvent.event_start(ctxt, instance.uuid, name, host=host)
            if result == "Error":
                try:
                    raise RuntimeError(details)
                except RuntimeError as exc:
                    objects.InstanceActionEvent.event_finish_with_failure(
                        ctxt, instance.uuid, name, exc_val=exc,
                        exc_tb=exc.__traceback__)
            else:
                objects.InstanceActionEvent.event_finish(ctxt, instance.uuid, name)
        objects.InstanceAction.action_finish(ctxt, instance.uuid)
