"""Remote consoles of a real QEMU guest, in a browser, through the console proxies.

The whole control plane runs in this process (stack_fixture) with its compute's
driver a LibvirtDriver on qemu:///system; one test guest (Debian's kernel and a
busybox initramfs, tests/libvirt_guest.py) is booted through POST /servers with
VNC, SPICE and a TCP serial console. The three proxies run in this process too,
serving Debian's noVNC and spice-html5. Then:

- ``openstack console url show --novnc`` gives a URL; headless Chromium opens it
  through nova-novncproxy and its screenshot holds the guest's screen, found
  pixel for pixel against the framebuffer a Python RFB client reads through the
  same proxy with a fresh token;
- ``--spice``: the proxy reaches QEMU's SPICE server (REDQ), spice-html5 in
  Chromium reports "Connected" and draws the same screen;
- ``--serial``: a command typed through nova-serialproxy runs in the guest's
  busybox shell and its answer comes back.

The API does not yet take kernel_id/ramdisk_id from image properties, so the
test hands the driver the guest's kernel and initramfs (image ids in the
same image store) at spawn.

Skips when QEMU, libvirtd, Chromium or noVNC is missing (fails under CI).
"""

import io
import os
import shutil
import struct
import subprocess
import tempfile
import time
from urllib import parse as urlparse

import pytest

from nova.console import websocketproxy
from tests import chromium
from tests import console_client as cc
from tests import libvirt_guest
from tests import realparts

libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")

import nova.conf  # noqa: E402
from tests.functional import stack_fixture  # noqa: E402

CONF = nova.conf.CONF
HOST = "consolelv"
BRIDGE = "brnovacons"
BOOT_TIMEOUT = 120


def _require():
    for binary, package in (("qemu-system-x86_64", "qemu-system-x86"),
                            ("qemu-img", "qemu-utils"), ("chromium", "chromium")):
        if shutil.which(binary) is None:
            realparts.missing("%s is not installed" % package)
    for path, package in ((websocketproxy.NOVNC_WEB + "/vnc_lite.html", "novnc"),
                          (websocketproxy.SPICE_WEB + "/spice_auto.html", "spice-html5")):
        if not os.path.exists(path):
            realparts.missing("%s is not installed" % package)
    if not os.path.exists("/run/libvirtd.pid") and \
            not os.path.exists("/var/run/libvirt/libvirt-sock"):
        realparts.missing("libvirtd is not running (start it with `libvirtd -d`)")
    if os.geteuid() != 0:
        realparts.missing("the libvirt integration test runs as root (qemu:///system)")
    try:
        return libvirt_guest.build()
    except libvirt_guest.GuestUnavailable as exc:
        realparts.missing("cannot build the test guest: %s" % exc)


def _wait(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    guest = _require()
    from nova.virt.libvirt import driver as libvirt_driver
    monkeypatch = pytest.MonkeyPatch()
    tmp_path = tmp_path_factory.mktemp("consoles-libvirt")
    # Under /var/tmp, readable by the QEMU user (pytest's tmp dirs are 0700).
    workdir = tempfile.mkdtemp(prefix="nova-consoles-", dir="/var/tmp")
    os.chmod(workdir, 0o755)
    overrides = [("instances_path", os.path.join(workdir, "instances"), None),
                 ("connection_uri", "qemu:///system", "libvirt"),
                 ("virt_type", "qemu", "libvirt"),
                 ("bridge", BRIDGE, "flat_network"),
                 ("enabled", True, "spice"),
                 ("enabled", True, "serial_console"),
                 ("port_range", "24000:24999", "serial_console"),
                 ("handshake_timeout", 10, "console")]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    stops = [lambda: [CONF.clear_override(n, g) for n, _v, g in overrides],
             lambda: shutil.rmtree(workdir, ignore_errors=True),
             lambda: subprocess.run(["ip", "link", "del", BRIDGE], capture_output=True)]
    try:
        cloud, cloud_stops = stack_fixture.start_cloud(tmp_path, monkeypatch,
                                                       compute_hosts=(HOST,))
        stops += cloud_stops
        manager = cloud.computes[HOST].manager
        drv = libvirt_driver.LibvirtDriver(manager.virtapi)
        drv.init_host(HOST)
        if not drv.host.is_available:
            realparts.missing("cannot connect to qemu:///system")
        manager.driver = drv
        manager.register_lifecycle_events()
        cloud.tmp_path = tmp_path
        cloud.drv = drv

        cloud.proxies = {}
        for binary, types, web, opt, group, url in (
                ("nova-novncproxy", ("novnc",), websocketproxy.NOVNC_WEB,
                 "novncproxy_base_url", "vnc", "http://127.0.0.1:%d/vnc_auto.html"),
                ("nova-spicehtml5proxy", ("spice-html5",), websocketproxy.SPICE_WEB,
                 "html5proxy_base_url", "spice", "http://127.0.0.1:%d/spice_auto.html"),
                ("nova-serialproxy", ("serial",), None, "base_url", "serial_console",
                 "ws://127.0.0.1:%d/")):
            svc = websocketproxy.ConsoleProxyService(binary, "127.0.0.1", 0, web=web,
                                                     register=False, console_types=types)
            svc.start()
            stops.append(svc.stop)
            cloud.proxies[types[0]] = svc
            CONF.set_override(opt, url % svc.port, group=group)
            stops.append(lambda opt=opt, group=group: CONF.clear_override(opt, group=group))

        # The guest's kernel and initramfs in the image store; its root disk an
        # empty qcow2 (the initramfs is the whole system).
        with open(guest.kernel, "rb") as f:
            kernel_id = _upload(cloud, "kernel", f.read())
        with open(guest.initrd, "rb") as f:
            ramdisk_id = _upload(cloud, "initrd", f.read())
        disk = tmp_path / "disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"],
                       check=True)
        image_id = _upload(cloud, "busybox", disk.read_bytes(), disk_format="qcow2")
        real_spawn = drv.spawn

        def spawn(context, instance, image_meta, *args, **kwargs):
            instance.kernel_id, instance.ramdisk_id = kernel_id, ramdisk_id
            image_meta.properties.os_command_line = guest.cmdline
            return real_spawn(context, instance, image_meta, *args, **kwargs)

        monkeypatch.setattr(drv, "spawn", spawn)
        flavor = cloud.create_flavor(name="m1.guest", vcpus=1, ram=256, disk=1,
                                     flavor_id="1")
        started = time.monotonic()
        status, _h, body = cloud.request("POST", "/servers", {"server": {
            "name": "console-guest", "flavorRef": flavor, "imageRef": image_id}})
        assert status == 202, body
        cloud.server = body["server"]["id"]
        stops.append(lambda: _delete(cloud))
        cloud.wait_for_status(cloud.server, "ACTIVE", timeout=BOOT_TIMEOUT)
        cloud.guest = guest
        _wait(lambda: guest.marker in _console_log(cloud), BOOT_TIMEOUT,
              "the boot marker on the serial log")
        print("\nconsoles: guest booted (marker on the serial log) after %.1fs"
              % (time.monotonic() - started))
        yield cloud
    finally:
        stack_fixture.stop_all(stops)
        monkeypatch.undo()


def _upload(cloud, name, data, disk_format="raw"):
    """A public image of ``data`` in the stack's image store; its id."""
    status, _h, image = cloud.request_image("POST", "/v2/images", {
        "name": name, "disk_format": disk_format, "container_format": "bare",
        "visibility": "public"})
    assert status == 201, image
    status, _h, body = cloud.request_image("PUT", "/v2/images/%s/file" % image["id"],
                                           raw=data)
    assert status == 204, body
    return image["id"]


def _delete(cloud):
    cloud.request("DELETE", "/servers/%s" % cloud.server)
    try:
        cloud.wait_for_gone(cloud.server, timeout=60)
    except Exception:
        pass


def _console_log(cloud):
    status, _h, body = cloud.request("POST", "/servers/%s/action" % cloud.server,
                                     {"os-getConsoleOutput": {}})
    return body.get("output", "") if status == 200 else ""


def _fresh_url(cloud, protocol, console_type):
    status, _h, body = cloud.request(
        "POST", "/servers/%s/remote-consoles" % cloud.server,
        {"remote_console": {"protocol": protocol, "type": console_type}}, version="2.6")
    assert status == 200, body
    return body["remote_console"]["url"]


def _ws_url(url):
    parsed = urlparse.urlparse(url)
    query = urlparse.parse_qs(parsed.query)
    if "path" in query:
        query = urlparse.parse_qs(urlparse.urlparse(query["path"][0]).query)
    scheme = {"http": "ws", "https": "wss"}.get(parsed.scheme, parsed.scheme)
    return "%s://%s/?token=%s" % (scheme, parsed.netloc, query["token"][0])


def _framebuffer_rgb(cloud):
    """(width, height, RGB bytes) of the guest's screen, read through the proxy."""
    ws = cc.WebSocket(_ws_url(_fresh_url(cloud, "vnc", "novnc")))
    try:
        width, height, _name, stream = cc.rfb_connect(ws)
        rects, pixels = cc.rfb_framebuffer(ws, stream, width, height)
    finally:
        ws.close()
    canvas = bytearray(width * height * 3)
    for (x, y, w, h), data in pixels.items():
        for row in range(h):
            for col in range(w):
                b, g, r, _x = data[(row * w + col) * 4:(row * w + col) * 4 + 4]
                offset = ((y + row) * width + x + col) * 3
                canvas[offset:offset + 3] = bytes((r, g, b))
    return width, height, bytes(canvas)


def _find(shot, width, height, frame):
    """(x, y, share of equal pixels) where ``frame`` sits in the screenshot, or None."""
    from PIL import Image
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    sw, sh = image.size
    data = image.tobytes()
    rows = [frame[r * width * 3:(r + 1) * width * 3] for r in range(height)]
    # Rows with the most distinct bytes (text) locate the frame best.
    candidates = sorted(range(height), key=lambda r: -len(set(rows[r])))[:8]
    for r in candidates:
        for y in range(r, sh - height + r + 1):
            line = data[y * sw * 3:(y + 1) * sw * 3]
            x = line.find(rows[r])
            while x >= 0 and x % 3:
                x = line.find(rows[r], x + 1)
            if x < 0:
                continue
            top, left = y - r, x // 3
            equal = 0
            for row in range(height):
                shot_row = data[((top + row) * sw + left) * 3:
                                ((top + row) * sw + left + width) * 3]
                if shot_row == rows[row]:
                    equal += 1
            return left, top, equal / height
    return None


NOVNC_STATUS = "((document.getElementById('status') || {}).textContent || '')"
SPICE_MESSAGES = "((document.getElementById('message-div') || {}).textContent || '')"


def test_novnc_in_chromium_shows_the_guest_screen(stack):
    url = stack.osc("console", "url", "show", "--novnc", stack.server)["url"]
    assert urlparse.urlparse(url).path == "/vnc_auto.html"
    width, height, frame = _framebuffer_rgb(stack)
    # The guest's screen is not blank: its text (the boot marker) is on it.
    assert len(set(frame[i:i + 3] for i in range(0, len(frame), 3))) > 1
    started = time.monotonic()
    with chromium.Chromium() as browser:
        browser.navigate(url)
        status = browser.wait_for(NOVNC_STATUS + ".startsWith('Connected')")
        status = browser.evaluate(NOVNC_STATUS)
        connected_s = time.monotonic() - started
        assert status.startswith("Connected to "), (status, browser.console_messages())
        found, shot = None, b""
        end = time.monotonic() + 20
        while found is None and time.monotonic() < end:
            shot = browser.screenshot()
            found = _find(shot, width, height, frame)
            if found is None:
                # The guest's screen may have changed since it was read (a
                # new console line): compare the next screenshot with it as
                # it is now.
                width, height, frame = _framebuffer_rgb(stack)
    shot_path = stack.tmp_path / "novnc.png"
    shot_path.write_bytes(shot)
    if found is None:
        from PIL import Image
        frame_png = stack.tmp_path / "framebuffer.png"
        Image.frombytes("RGB", (width, height), frame).save(frame_png)
        raise AssertionError("the guest's framebuffer (%s) is not in the screenshot (%s)"
                             % (frame_png, shot_path))
    left, top, share = found
    print("\nconsoles: noVNC in Chromium said %r after %.1fs; the %dx%d guest screen is at "
          "(%d,%d) of the screenshot, %.0f%% of its rows identical to the framebuffer "
          "a Python RFB client read" % (status, connected_s, width, height, left, top,
                                        100 * share))
    assert share >= 0.95


def test_spice_reaches_redq_and_spice_html5_connects(stack):
    url = stack.osc("console", "url", "show", "--spice", stack.server)["url"]
    assert urlparse.urlparse(url).path == "/spice_auto.html"
    ws = cc.WebSocket(_ws_url(_fresh_url(stack, "spice", "spice-html5")))
    try:
        # SpiceLinkMess for the main channel, protocol 2.2, no capabilities.
        body = struct.pack("<IBBIII", 0, 1, 0, 0, 0, 18)
        ws.send(b"REDQ" + struct.pack("<III", 2, 2, len(body)) + body)
        reply = cc.Stream(ws).recv(16)
        assert reply[:4] == b"REDQ"
        assert struct.unpack("<II", reply[4:12]) == (2, 2)
    finally:
        ws.close()
    width, height, frame = _framebuffer_rgb(stack)
    started = time.monotonic()
    with chromium.Chromium() as browser:
        browser.navigate(url)
        browser.wait_for(SPICE_MESSAGES + ".includes('Connected')")
        messages = browser.evaluate(SPICE_MESSAGES)
        connected_s = time.monotonic() - started
        assert "Connected to ws://127.0.0.1:%d" % stack.proxies["spice-html5"].port \
            in messages, (messages, browser.console_messages())
        # The display channel draws the guest's screen into the page's canvas.
        found, shot = None, b""
        end = time.monotonic() + 20
        while found is None and time.monotonic() < end:
            shot = browser.screenshot()
            found = _find(shot, width, height, frame)
            if found is None:
                # The guest's screen may have changed since it was read (a
                # new console line): compare the next screenshot with it as
                # it is now.
                width, height, frame = _framebuffer_rgb(stack)
    shot_path = stack.tmp_path / "spice.png"
    shot_path.write_bytes(shot)
    assert found is not None, "the guest's screen is not in the screenshot (%s)" % shot_path
    left, top, share = found
    print("\nconsoles: spice-html5 said 'Connected' after %.1fs; the guest screen is at "
          "(%d,%d) of the screenshot, %.0f%% of its rows identical to the VNC framebuffer"
          % (connected_s, left, top, 100 * share))
    assert share >= 0.95


def test_serial_console_carries_the_busybox_shell(stack):
    url = stack.osc("console", "url", "show", "--serial", stack.server)["url"]
    assert url.startswith("ws://127.0.0.1:%d/?token=" % stack.proxies["serial"].port)
    ws = cc.WebSocket(url)
    try:
        stream = cc.Stream(ws)
        ws.send(b"\r")
        ws.send(b"echo CONSOLE-$((6*7))-$(cat /proc/sys/kernel/hostname)\r")
        answer = stream.read_until(b"CONSOLE-42-")
        assert answer.endswith(b"CONSOLE-42-")
        line = stream.read_until(b"\n")
        assert line.strip()           # the guest's hostname
    finally:
        ws.close()
