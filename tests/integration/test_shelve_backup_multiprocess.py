"""Shelve, offload, unshelve onto the other compute; rebuild with another image;
rotated backups; soft delete.

Separate daemons over RabbitMQ and MariaDB (tests/integration/boot_cluster.py,
fake driver): nova-api, nova-conductor, nova-scheduler, two nova-compute,
Placement and the image store, each its own process. Soft delete is on
([DEFAULT] reclaim_instance_interval) for the whole deployment.
"""

import time

import pytest

from tests.integration import boot_cluster

pytestmark = pytest.mark.integration

FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


@pytest.fixture
def cluster(tmp_path, rabbit_vhost):
    dbs = boot_cluster.ClusterDatabases.create()
    running = boot_cluster.BootCluster(
        tmp_path, dbs, rabbit_vhost.url,
        extra={"DEFAULT": {"reclaim_instance_interval": 3600}})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        dbs.drop()


def _show(cluster, server_id):
    status, body = cluster.compute("GET", "/servers/%s" % server_id)
    assert status == 200, body
    return body["server"]


def _settle(cluster, server_id, wanted, timeout=60):
    """The server once it shows ``wanted`` with no task (AssertionError on ERROR)."""
    def check():
        server = _show(cluster, server_id)
        if server["status"] == "ERROR":
            raise AssertionError("%s went to ERROR: %s\n%s" % (
                server_id, server.get("fault"), cluster.logs()))
        if server["status"] == wanted and server["OS-EXT-STS:task_state"] is None:
            return server
        return None
    return boot_cluster.nova_procs.wait_for(check, timeout=timeout, interval=0.05,
                                            what="%s %s" % (server_id, wanted),
                                            daemons=list(cluster.daemons.values()))


def _act(cluster, server_id, body, wanted, version="2.1"):
    """POST the action and wait for ``wanted``; (seconds, server, response body)."""
    start = time.monotonic()
    status, answer = cluster.compute("POST", "/servers/%s/action" % server_id, body,
                                     version=version)
    assert status == 202, answer
    server = _settle(cluster, server_id, wanted)
    return time.monotonic() - start, server, answer


def _image_status(cluster, image_id):
    status, _body = cluster.images.request("GET", "/v2/images/%s" % image_id)
    return status


def _allocation_hosts(cluster, server_id):
    return sorted(name for name, allocations in cluster.provider_allocations().items()
                  if server_id in allocations)


def test_shelve_offload_unshelve_elsewhere_backups_and_soft_delete(cluster):
    flavor = cluster.create_flavor("m1.tiny", FLAVOR["VCPU"], FLAVOR["MEMORY_MB"],
                                   FLAVOR["DISK_GB"], "1")
    image = cluster.create_image()
    times = {}
    start = time.monotonic()
    status, body = cluster.compute("POST", "/servers", {"server": {
        "name": "parked", "flavorRef": flavor, "imageRef": image,
        "availability_zone": "nova:compute1"}})
    assert status == 202, body
    server_id = body["server"]["id"]
    server = _settle(cluster, server_id, "ACTIVE")
    times["boot"] = time.monotonic() - start
    assert server["OS-EXT-SRV-ATTR:host"] == "compute1"
    assert _allocation_hosts(cluster, server_id) == ["compute1"]

    # shelve: offloaded at once ([DEFAULT] shelved_offload_time = 0).
    times["shelve"], server, _b = _act(cluster, server_id, {"shelve": None},
                                       "SHELVED_OFFLOADED")
    assert server["OS-EXT-SRV-ATTR:host"] is None
    assert _allocation_hosts(cluster, server_id) == []
    assert cluster.usages() in ({}, {rc: 0 for rc in FLAVOR})
    status, images = cluster.images.request("GET", "/v2/images?name=parked-shelved")
    assert status == 200 and len(images["images"]) == 1
    shelved_image = images["images"][0]
    assert shelved_image["status"] == "active"

    # unshelve onto the other compute (2.91, admin).
    times["unshelve"], server, _b = _act(cluster, server_id,
                                         {"unshelve": {"host": "compute2"}}, "ACTIVE",
                                         version="2.91")
    assert server["OS-EXT-SRV-ATTR:host"] == "compute2"
    assert _allocation_hosts(cluster, server_id) == ["compute2"]
    assert cluster.usages() == FLAVOR
    assert _image_status(cluster, shelved_image["id"]) == 404

    # Rebuild with another image, on the host it is on (the scheduler checks
    # the new image against that host; nothing is claimed again).
    other_image = cluster.create_image(name="other")
    times["rebuild"], server, answer = _act(
        cluster, server_id, {"rebuild": {"imageRef": other_image}}, "ACTIVE")
    assert answer["server"]["image"]["id"] == other_image
    assert server["image"]["id"] == other_image
    assert server["OS-EXT-SRV-ATTR:host"] == "compute2"
    assert _allocation_hosts(cluster, server_id) == ["compute2"]
    assert cluster.usages() == FLAVOR

    # Three daily backups with rotation 2 leave the newest two.
    made = []
    for n in range(3):
        seconds, _server, answer = _act(cluster, server_id, {"createBackup": {
            "name": "nightly-%d" % n, "backup_type": "daily", "rotation": 2}}, "ACTIVE",
            version="2.45")
        times["createBackup #%d" % (n + 1)] = seconds
        made.append(answer["image_id"])
    status, listing = cluster.images.request(
        "GET", "/v2/images?instance_uuid=%s&image_type=backup" % server_id)
    assert status == 200
    assert sorted(i["id"] for i in listing["images"]) == sorted(made[1:])
    assert _image_status(cluster, made[0]) == 404

    # Soft delete keeps the allocation; restore; then forceDelete.
    start = time.monotonic()
    status, _b = cluster.compute("DELETE", "/servers/%s" % server_id)
    assert status == 204
    server = _settle(cluster, server_id, "SOFT_DELETED")
    times["delete (soft)"] = time.monotonic() - start
    assert server["OS-EXT-STS:power_state"] == 4
    assert _allocation_hosts(cluster, server_id) == ["compute2"]
    times["restore"], server, _b = _act(cluster, server_id, {"restore": None}, "ACTIVE")
    assert server["OS-EXT-STS:power_state"] == 1
    status, _b = cluster.compute("DELETE", "/servers/%s" % server_id)
    _settle(cluster, server_id, "SOFT_DELETED")
    start = time.monotonic()
    status, body = cluster.compute("POST", "/servers/%s/action" % server_id,
                                   {"forceDelete": None})
    assert status == 202, body
    boot_cluster.nova_procs.wait_for(
        lambda: cluster.compute("GET", "/servers/%s" % server_id)[0] == 404, timeout=60,
        interval=0.05, what="server gone", daemons=list(cluster.daemons.values()))
    times["forceDelete"] = time.monotonic() - start
    assert _allocation_hosts(cluster, server_id) == []

    # The actions and their compute events, as the API shows them.
    status, body = cluster.compute("GET", "/servers/%s/os-instance-actions" % server_id)
    assert status == 404  # deleted servers' actions need 2.21
    status, body = cluster.compute("GET", "/servers/%s/os-instance-actions" % server_id,
                                   version="2.21")
    assert status == 200, body
    actions = [a["action"] for a in body["instanceActions"]]
    for name in ("create", "shelve", "unshelve", "rebuild", "createBackup", "delete",
                 "restore"):
        assert name in actions, actions
    print("\nmultiprocess action times (fake driver, API to final state): %s" % ", ".join(
        "%s %.2fs" % item for item in times.items()))
    codes = cluster.stop()
    assert codes == {name: 0 for name in codes}, cluster.logs()
