"""The cross-cell merge order and the address matching of nova.compute.instance_list."""

from nova.api.openstack.compute.views import servers as views
from nova.compute import instance_list
from nova.compute import task_states
from nova.compute import vm_states


def test_sort_key_orders_like_the_databases():
    rows = [{"display_name": "b", "created_at": 2, "id": 1, "uuid": "u1"},
            {"display_name": None, "created_at": 1, "id": 2, "uuid": "u2"},
            {"display_name": "a", "created_at": 3, "id": 3, "uuid": "u3"},
            {"display_name": "a", "created_at": 3, "id": 3, "uuid": "u0"}]
    key = instance_list._sort_key(["display_name", "created_at", "id"],
                                  ["asc", "desc", "desc"])
    # None first ascending, then the uuid breaks a tie of every key.
    assert [r["uuid"] for r in sorted(rows, key=key)] == ["u2", "u0", "u3", "u1"]
    key = instance_list._sort_key(["display_name"], ["desc"])
    assert [r["uuid"] for r in sorted(rows, key=key)][0] == "u1"


def test_ip_filters_match_fixed_and_floating_addresses():
    nw_info = [{"network": {"subnets": [
        {"ips": [{"address": "10.0.0.5", "floating_ips": [{"address": "172.24.4.2"}]}]},
        {"ips": [{"address": "fd00::5"}]}]}}]
    row = {"info_cache": {"network_info": nw_info}}
    assert instance_list._ip_matches(row, {"ip": "10.0.0"})
    assert instance_list._ip_matches(row, {"ip": "172.24"})
    assert not instance_list._ip_matches(row, {"ip": "fd00"})  # ip is IPv4 only
    assert instance_list._ip_matches(row, {"ip6": "fd00::"})
    assert not instance_list._ip_matches(row, {"ip": "10.0.1"})
    assert not instance_list._ip_matches({"info_cache": {"network_info": "not json"}},
                                         {"ip": "10"})
    assert not instance_list._ip_matches(row, {"ip": "(("})  # a bad regex matches nothing


def test_status_mapping_both_ways():
    assert views.status_from_state(vm_states.ACTIVE, None) == "ACTIVE"
    assert views.status_from_state(vm_states.ACTIVE, task_states.REBOOTING_HARD) == \
        "HARD_REBOOT"
    assert views.status_from_state(vm_states.STOPPED, task_states.RESIZE_PREP) == "RESIZE"
    assert views.status_from_state(vm_states.RESIZED, None) == "VERIFY_RESIZE"
    assert views.status_from_state("bogus", None) == "UNKNOWN"
    vm, task = views.states_from_status(["resize"])
    assert vm == sorted([vm_states.ACTIVE, vm_states.STOPPED])
    assert task_states.RESIZE_PREP in task and "default" not in task
    assert views.states_from_status(["nonsense"]) == ([], [])
