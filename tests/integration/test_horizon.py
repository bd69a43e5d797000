"""Real Horizon 27 against this cloud, walked by a browser as an admin and as a member.

One deployment for the module (tests/integration/horizon_fixture.py): Keystone,
Glance, Neutron and Placement from PyPI, nova's daemons as separate processes
(fake driver, nova-novncproxy for the console tab), Horizon served on loopback.
Playwright drives Debian's chromium. Every page is checked for what it shows
(names, counts, states) and for the dashboard's error messages; a screenshot of
every page is kept in the module's temp directory and its path printed.

The tests run in order and share the cloud and the two browser sessions.
Set NOVA_TEST_DASHBOARD_ATTACH to a describe() JSON of a running deployment to
walk it again without starting a new one.
"""

import os
import re
import sys
import time
import uuid

import pytest

from tests.integration import horizon_fixture
from tests.integration import horizon_walk

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

# Every name this module makes is unique per run, so that a walk never meets what
# another run (or an attached deployment) left behind.
RUN = uuid.uuid4().hex[:6]
SERVER = "dash-vm-" + RUN
DEMO_SERVER = "demo-vm-" + RUN
GROUP = "dash-group-" + RUN
SNAPSHOT = "dash-snap-" + RUN
AGGREGATE = "dash-agg-" + RUN
ZONE = "dash-az-" + RUN
FLAVOR = "dash.flavor-" + RUN
TIMEOUT = 120


@pytest.fixture(scope="module")
def cloud():
    attach = os.environ.get("NOVA_TEST_DASHBOARD_ATTACH")
    if attach:
        horizon_fixture.require_browser()
        yield horizon_fixture.attach(attach)
        return
    with horizon_fixture.dashboard_cloud() as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    path = tmp_path_factory.mktemp("horizon-screenshots")
    yield str(path)
    sys.stderr.write("\nHorizon screenshots: %s\n" % path)


def _walker(playwright, cloud, shots, who):
    walker = horizon_walk.Walker(playwright, cloud.url, shots, who)
    cred = cloud.credentials(who)
    walker.login(cred["username"], cred["password"])
    return walker


@pytest.fixture(scope="module")
def admin(playwright, cloud, shots):
    walker = _walker(playwright, cloud, shots, "admin")
    yield walker
    sys.stderr.write("\nadmin pages: %s\n" % ", ".join(walker.shots))
    walker.close()


@pytest.fixture(scope="module")
def member(playwright, cloud, shots):
    walker = _walker(playwright, cloud, shots, "demo")
    yield walker
    sys.stderr.write("\nmember pages: %s\n" % ", ".join(walker.shots))
    walker.close()


def _clean(walker, cloud, since=0):
    errors = walker.errors[since:]
    assert not errors, "the dashboard showed errors: %s\nscreenshots: %s\n%s" % (
        errors, walker.shots[-5:], cloud.logs()[-6000:])
    assert not walker.statuses, walker.statuses


def _server_id(cloud, who, name):
    status, body = cloud.compute(who, "GET", "/servers?name=%%5E%s%%24" % name)
    assert status == 200, body
    (server,) = body["servers"]
    return server["id"]


def _wait_status(cloud, who, server_id, wanted):
    deadline = time.monotonic() + TIMEOUT
    while True:
        status, body = cloud.compute(who, "GET", "/servers/%s" % server_id)
        if status == 200 and body["server"]["status"] == wanted:
            return body["server"]
        assert time.monotonic() < deadline, (wanted, status, body)
        time.sleep(1)


# -- the admin, in the Project dashboard ---------------------------------------------------

def test_login_and_overview_with_no_servers(admin, cloud):
    text = admin.visit("/project/", "overview", expect=("Limit Summary", "Usage Summary",
                                                        "Active Instances"))
    assert "No items to display" in text
    _clean(admin, cloud)


def test_key_pairs_and_server_groups(admin, cloud):
    status, body = cloud.compute("admin", "POST", "/os-server-groups", {
        "server_group": {"name": GROUP, "policies": ["anti-affinity"]}})
    assert status == 200, body
    text = admin.visit("/project/key_pairs/", "key pairs", expect=("admin-key",))
    assert "Displaying 1 item" in text and "demo-key" not in text
    text = admin.visit("/project/server_groups/", "server groups",
                       expect=(GROUP, "Anti Affinity"))
    _clean(admin, cloud)


def test_launch_instance_wizard(admin, cloud):
    mark = len(admin.errors)
    admin.launch_instance(SERVER, "cirros-dash", "m1.tiny", "private", "admin-key")
    admin.visit("/project/instances/", "instances")
    text = admin.wait_text(r"%s\s.*Active" % SERVER)
    assert "cirros-dash" in text and "m1.tiny" in text and "admin-key" in text
    assert re.search(r"10\.0\.0\.\d+", text)
    server_id = _server_id(cloud, "admin", SERVER)
    cloud.ids["server"] = server_id
    server = _wait_status(cloud, "admin", server_id, "ACTIVE")
    assert server["key_name"] == "admin-key"
    assert [g["name"] for g in server["security_groups"]] == ["default"]
    assert list(server["addresses"]) == ["private"]
    _clean(admin, cloud, mark)


def test_instance_detail_tabs(admin, cloud):
    mark = len(admin.errors)
    server_id = cloud.ids["server"]
    base = "/project/instances/%s/" % server_id
    text = admin.visit(base, "instance overview", expect=(SERVER, server_id, "Active",
                                                          "m1.tiny", "admin-key"))
    status, body = cloud.compute("admin", "GET", "/servers/%s/os-interface" % server_id)
    assert status == 200, body
    (port,) = body["interfaceAttachments"]
    ip = port["fixed_ips"][0]["ip_address"]
    assert ip in text
    text = admin.visit(base + "?tab=instance_details__interfaces", "instance interfaces",
                       expect=(ip, port["port_id"][:8]))
    text = admin.visit(base + "?tab=instance_details__log", "instance log",
                       expect=("Instance Console Log",))
    admin.page.locator("pre.logs").wait_for()
    admin.visit(base + "?tab=instance_details__console", "instance console",
                expect=("Instance Console",))
    frame = admin.page.locator("iframe#console_embed")
    frame.wait_for()
    assert "vnc_auto.html" in frame.get_attribute("src")
    assert "127.0.0.1:%d" % cloud.novnc_port in frame.get_attribute("src")
    admin.visit(base + "?tab=instance_details__audit", "instance action log",
                expect=("Create",))
    _clean(admin, cloud, mark)


def test_overview_lists_the_server_with_its_hours(admin, cloud):
    mark = len(admin.errors)
    text = admin.visit("/project/", "overview with a server", expect=(SERVER,))
    row = admin.row("project_usage", SERVER).inner_text()
    assert re.search(r"\b1\b", row) and "256MB" in row.replace(" ", ""), row
    assert "Active Instances:\n1" in text or re.search(r"Active Instances:\s*1", text)
    _clean(admin, cloud, mark)


def test_row_menu_stop_start_reboot_resize_snapshot(admin, cloud):
    mark = len(admin.errors)
    server_id = cloud.ids["server"]
    admin.visit("/project/instances/", "instances for actions")
    admin.row_action("instances", SERVER, "Shut Off Instance", confirm="Shut Off Instance")
    admin.wait_text(r"%s\s.*Shutoff" % SERVER)
    _wait_status(cloud, "admin", server_id, "SHUTOFF")
    admin.row_action("instances", SERVER, "Start Instance", navigates=True)
    admin.wait_text(r"%s\s.*Active" % SERVER)
    _wait_status(cloud, "admin", server_id, "ACTIVE")
    admin.row_action("instances", SERVER, "Soft Reboot Instance",
                     confirm="Soft Reboot Instance")
    admin.wait_text(r"%s\s.*Active\s+\S*\s*None" % SERVER)
    status, body = cloud.compute("admin", "GET", "/servers/%s/os-instance-actions"
                                 % server_id)
    assert {"stop", "start", "reboot"} <= {a["action"] for a in body["instanceActions"]}
    # Resize: the menu offers it; whether the API carries it out is issue 15's.
    row = admin.row("instances", SERVER)
    row.locator(".dropdown-toggle").first.click()
    assert row.locator("a").filter(has_text="Resize Instance").count() == 1
    admin.page.keyboard.press("Escape")
    admin.settle("row menu")
    # Create Snapshot: the row's primary action, a modal form.
    admin.visit("/project/instances/", "instances for a snapshot")
    admin.row_action("instances", SERVER, "Create Snapshot")
    admin.page.fill("#id_name", SNAPSHOT)
    admin.submit_modal()
    admin.settle("snapshot made")
    assert "/project/images" in admin.page.url, admin.page.url
    admin.wait_text(re.escape(SNAPSHOT))
    _clean(admin, cloud, mark)


# -- the admin, in the Admin dashboard -----------------------------------------------------

def test_admin_hypervisors_and_system_information(admin, cloud):
    mark = len(admin.errors)
    text = admin.visit("/admin/hypervisors/", "hypervisors", expect=("compute1", "fake"))
    assert re.search(r"compute1\s+fake", text)
    text = admin.visit("/admin/info/?tab=system_info__nova_services",
                       "system information compute services",
                       expect=("nova-compute", "nova-conductor", "nova-scheduler"))
    assert re.search(r"nova-compute\s+compute1\s+nova\s+Enabled\s+Up", text), text[-2000:]
    _clean(admin, cloud, mark)


def test_admin_host_aggregate_create_add_host_set_zone(admin, cloud):
    mark = len(admin.errors)
    page = admin.page
    admin.visit("/admin/aggregates/", "aggregates")
    page.click("#host_aggregates__action_create")
    page.locator(".modal-dialog").wait_for()
    page.fill("#id_name", AGGREGATE)
    page.fill("#id_availability_zone", ZONE)
    page.locator(".modal-dialog a[data-toggle='tab']").filter(
        has_text="Manage Hosts within Aggregate").click()
    page.locator(".modal-dialog .btn-group").filter(has_text="compute1").locator(
        "a[href='#add_remove']").first.click()
    admin.submit_modal()
    admin.settle("aggregate made")
    admin.wait_text(r"%s\s+%s\s+compute1" % (AGGREGATE, ZONE))
    status, body = cloud.compute("admin", "GET", "/os-aggregates")
    (agg,) = [a for a in body["aggregates"] if a["name"] == AGGREGATE]
    assert agg["availability_zone"] == ZONE and agg["hosts"] == ["compute1"]
    _clean(admin, cloud, mark)


def test_admin_flavor_create_access_delete(admin, cloud):
    mark = len(admin.errors)
    page = admin.page
    admin.visit("/admin/flavors/", "flavors", expect=("m1.tiny",))
    page.click("#flavors__action_create")
    page.locator(".modal-dialog").wait_for()
    page.fill("#id_name", FLAVOR)
    page.fill("#id_vcpus", "2")
    page.fill("#id_memory_mb", "512")
    page.fill("#id_disk_gb", "1")
    page.locator(".modal-dialog a[data-toggle='tab']").filter(
        has_text="Flavor Access").click()
    page.locator(".modal-dialog .btn-group").filter(has_text="demo").locator(
        "a[href='#add_remove']").first.click()
    admin.submit_modal()
    admin.settle("flavor made")
    admin.wait_text(re.escape(FLAVOR))
    row = admin.row("flavors", FLAVOR).inner_text()
    assert re.search(r"%s\s+2\s+512MB" % re.escape(FLAVOR), row) and "No" in row, row
    status, body = cloud.compute("admin", "GET", "/flavors/detail?is_public=None")
    (flavor,) = [f for f in body["flavors"] if f["name"] == FLAVOR]
    assert flavor["os-flavor-access:is_public"] is False
    status, body = cloud.compute("admin", "GET", "/flavors/%s/os-flavor-access"
                                 % flavor["id"])
    assert [a["tenant_id"] for a in body["flavor_access"]] == \
        [cloud.nb.projects["demo"]]
    admin.row_action("flavors", FLAVOR, "Delete Flavor", confirm="Delete Flavor")
    admin.settle("flavor deleted")
    admin.visit("/admin/flavors/", "flavors after delete")
    assert FLAVOR not in admin.text()
    _clean(admin, cloud, mark)


def test_admin_instances_of_all_projects(admin, cloud):
    mark = len(admin.errors)
    status, body = cloud.compute("demo", "POST", "/servers", {"server": {
        "name": DEMO_SERVER, "flavorRef": cloud.ids["flavor"], "imageRef": cloud.ids["image"],
        "key_name": "demo-key", "networks": [{"uuid": cloud.nb.networks["private"]["id"]}]}})
    assert status == 202, body
    cloud.ids["demo_server"] = body["server"]["id"]
    _wait_status(cloud, "demo", body["server"]["id"], "ACTIVE")
    admin.visit("/admin/instances/", "admin instances")
    text = admin.wait_text(re.escape(DEMO_SERVER))
    assert DEMO_SERVER in admin.row("instances", DEMO_SERVER).inner_text()
    assert SERVER in text
    _clean(admin, cloud, mark)


# -- a member of project demo --------------------------------------------------------------

def test_member_sees_only_the_project(member, cloud):
    mark = len(member.errors)
    text = member.visit("/project/", "member overview", expect=(DEMO_SERVER,))
    assert SERVER not in text
    nav = member.page.inner_text("#sidebar")
    assert "Admin" not in nav and "Hypervisors" not in nav
    text = member.visit("/project/instances/", "member instances", expect=(DEMO_SERVER,))
    assert SERVER not in text and "Displaying 1 item" in text
    text = member.visit("/project/key_pairs/", "member key pairs", expect=("demo-key",))
    assert "admin-key" not in text
    member.visit("/project/server_groups/", "member server groups")
    assert GROUP not in member.text()
    _clean(member, cloud, mark)
    # An admin page is not served to a member: the dashboard sends them away.
    response = member.page.goto(cloud.url + "/admin/hypervisors/")
    member.quiet()
    assert response.status < 500
    assert "Hypervisor Summary" not in member.text()
    member.settle("member tried an admin page")
    # What it says instead: "Unauthorized", an error message by design.
    assert any("Unauthorized" in m for _label, m in member.errors[mark:]), member.errors
    del member.errors[mark:]


def test_bad_input_shows_a_message_not_a_500(member, cloud):
    page = member.page
    member.visit("/project/key_pairs/", "member key pairs for import")
    page.click("#keypairs__action_import")
    page.locator(".modal-dialog").wait_for()
    page.fill("#id_name", "broken-key-" + RUN)
    page.fill("#id_public_key", "ssh-rsa not-a-key at all")
    page.locator(".modal-footer .btn-primary").click()
    page.locator(".alert-danger, .has-error").first.wait_for()
    member.quiet()
    member.settle("bad key pair")
    shown = member.errors + [(None, t) for t in page.locator(".has-error").all_inner_texts()]
    assert [m for _label, m in shown if "key" in m.lower()], shown
    del member.errors[:]
    # Usage for a window that ends before it starts: the form says so.
    text = member.visit("/project/?start=2026-12-10&end=2026-12-01", "usage backwards")
    assert "Usage Summary" in text
    assert member.statuses == {}, member.statuses
    # Delete from the row menu (the member's own server).
    member.visit("/project/instances/", "member instances for delete")
    member.row_action("instances", DEMO_SERVER, "Delete Instance", confirm="Delete Instance")
    member.wait_text(r"No items to display")
