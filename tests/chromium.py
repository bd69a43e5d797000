"""Headless Chromium driven over the DevTools protocol, for console tests.

A screenshot from ``chromium --screenshot --virtual-time-budget`` is taken
when the page's *virtual* time runs out, which happens at once while a
WebSocket waits for a server: a console that takes a few real milliseconds
to connect is caught at "Connecting". Here the page is loaded, a condition
is polled in real time, and the screenshot is taken once it holds.
"""

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from tests import console_client as cc

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1024,768", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0"]


class Chromium:
    def __init__(self, binary=None):
        self.profile = tempfile.mkdtemp(prefix="nova-chromium-")
        # Its chatter goes to a file: a pipe nobody reads would fill and stall it.
        self.log_path = os.path.join(self.profile, "chromium.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [binary or shutil.which("chromium")] + ARGS +
            ["--user-data-dir=" + self.profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        port = None
        end = time.monotonic() + 60
        while port is None and time.monotonic() < end:
            with open(self.log_path) as f:
                found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", f.read())
            if found:
                port = int(found.group(1))
            elif self.proc.poll() is not None:
                raise RuntimeError("chromium exited with %s" % self.proc.returncode)
            else:
                time.sleep(0.1)
        if port is None:
            self.close()
            raise RuntimeError("chromium did not open its DevTools port")
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port,
                                    timeout=10) as resp:
            pages = [t for t in json.load(resp) if t.get("type") == "page"]
        self.ws = cc.WebSocket(pages[0]["webSocketDebuggerUrl"], subprotocol=None,
                               timeout=60)
        self.next_id = 0
        self.events = []     # DevTools events seen (console messages, exceptions...)

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method,
                                 "params": params}).encode(), text=True)
        while True:
            message = json.loads(self.ws.recv_frame())
            if "method" in message:
                self.events.append(message)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})

    def navigate(self, url):
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Page.navigate", url=url)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=30):
        """Poll ``expression`` until it is truthy; its last value."""
        end = time.monotonic() + timeout
        value = None
        while time.monotonic() < end:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        return value

    def console_messages(self):
        """Text of the page's console messages and uncaught exceptions so far."""
        lines = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled":
                lines.append(" ".join(str(a.get("value", a.get("description", "")))
                                      for a in params.get("args", [])))
            elif event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                lines.append("exception: %s" % details.get("exception", {}).get(
                    "description", details.get("text")))
        return lines

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
