"""A person's walk through Horizon, driven by Playwright on Debian's chromium.

Used by tests/integration/test_horizon.py and benchmarks/dashboard.py. A
``Walker`` logs one user in, opens pages, checks what each shows, keeps a
screenshot of every page under its directory, and records each page's wall
time and the dashboard's error messages (Django messages and Angular toasts
of the "danger" kind, a 500 page).
"""

import os
import re
import time

CHROMIUM = os.environ.get("NOVA_TEST_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = int(os.environ.get("NOVA_TEST_DASHBOARD_TIMEOUT_MS", "120000"))
ERRORS = ".alert-danger, .alert-error"
QUIET_MS = int(os.environ.get("NOVA_TEST_DASHBOARD_QUIET_MS", "5000"))


class Walker:
    def __init__(self, playwright, base_url, shots_dir, who):
        self.base_url = base_url.rstrip("/")
        self.shots_dir = shots_dir
        self.who = who
        os.makedirs(shots_dir, exist_ok=True)
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        self.page = self.browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.set_default_timeout(TIMEOUT_MS)
        self.timings = []       # (label, seconds)
        self.errors = []        # (label, message)
        self.shots = []
        self.statuses = {}      # url -> worst HTTP status the page's own requests had
        self.page.on("response", self._response)
        self.limits_answers = 0  # Horizon's own /api/nova/limits/ answers so far
        self._count = 0
        self.quiet_ms = QUIET_MS

    def _response(self, response):
        if "/api/nova/limits/" in response.url:
            self.limits_answers += 1
        # Horizon's own proxy of Glance's metadata definitions answers 500 with
        # Glance 33 (not a nova call); every other failure of the page counts.
        if (response.url.startswith(self.base_url) and response.status >= 500
                and "/api/glance/metadefs/" not in response.url):
            self.statuses[response.url] = response.status

    def close(self):
        self.browser.close()

    # -- pages ----------------------------------------------------------------------------

    def login(self, username, password):
        start = time.monotonic()
        self.page.goto(self.base_url + "/auth/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("#loginBtn")
        self.quiet()
        self.timings.append(("login", time.monotonic() - start))
        assert "/auth/login" not in self.page.url, self.text()[:2000]
        return self.settle("login")

    def quiet(self, timeout_ms=None):
        """Wait until the page's requests stop, but no longer than ``timeout_ms``
        (``self.quiet_ms``): some of Horizon's pages poll for as long as they are
        open."""
        try:
            self.page.wait_for_load_state("networkidle",
                                          timeout=timeout_ms or self.quiet_ms)
        except Exception:
            pass

    def visit(self, path, label=None, expect=()):
        """Open ``path``, wait for the ``expect`` texts (what Angular panels fill in
        after the page has loaded), then for its requests to finish (capped)."""
        label = label or path
        start = time.monotonic()
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 500, (path, response and
                                                                  response.status)
        for wanted in expect:
            try:
                self.page.wait_for_function("t => document.body.innerText.includes(t)",
                                            arg=wanted, timeout=30000, polling=100)
            except Exception:
                self.settle(label)
                raise AssertionError("%s: %r not on the page:\n%s" % (
                    label, wanted, self.text()[:3000])) from None
        self.quiet()
        self.timings.append((label, time.monotonic() - start))
        self.settle(label)
        return self.text()

    def settle(self, label):
        """Screenshot and collect the page's error messages."""
        self._count += 1
        name = "%s-%02d-%s.png" % (self.who, self._count,
                                   re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-"))
        path = os.path.join(self.shots_dir, name)
        self.page.screenshot(path=path, full_page=True)
        self.shots.append(path)
        title = self.page.title()
        if "Something went wrong" in title or "Server Error" in title:
            self.errors.append((label, "a 500 page: %s" % title))
        for node in self.page.query_selector_all(ERRORS):
            if node.is_visible():
                self.errors.append((label, " ".join(node.inner_text().split())))
        return path

    def text(self):
        return self.page.inner_text("body")

    def wait_text(self, pattern, timeout=TIMEOUT_MS, reload_every=5.0):
        """Poll the page's text until ``pattern`` (regex) is in it; Horizon's own row
        updates often get there first, else reload every ``reload_every`` seconds."""
        deadline = time.monotonic() + timeout / 1000.0
        reloaded = time.monotonic()
        while True:
            try:
                text = self.text()
            except Exception:   # the page is navigating
                text = ""
            if re.search(pattern, text, re.S):
                return text
            if time.monotonic() > deadline:
                raise AssertionError("%r never showed:\n%s" % (pattern, text[:3000]))
            self.page.wait_for_timeout(300)
            if time.monotonic() - reloaded >= reload_every:
                try:
                    self.page.reload(wait_until="domcontentloaded")
                except Exception:   # a navigation of the page's own got there first
                    pass
                reloaded = time.monotonic()

    # -- the launch wizard -------------------------------------------------------------

    def launch_instance(self, name, image, flavor, network, key_pair=None):
        """Project > Instances > Launch Instance, every required step by hand."""
        page = self.page
        self.visit("/project/instances/", "instances before launch")
        limits_before = self.limits_answers
        page.click("#instances__action_launch-ng")
        modal = page.locator(".modal-dialog")
        modal.wait_for()
        self.quiet()
        page.fill("#name", name)

        def step(title):
            modal.locator("li a").filter(has_text=title).first.click()

        def allocate(title, item):
            step(title)
            allocated = modal.locator(".transfer-allocated tr").filter(has_text=item)
            if not allocated.count():
                modal.locator(".transfer-available tr").filter(has_text=item).locator(
                    "button.fa-arrow-up").first.click()
            allocated.first.wait_for()

        def choose_again(title, item):
            # Horizon 27 checks a flavor against the quota when it is chosen and
            # does not check it again when the project's limits arrive later (a
            # loaded machine): the form stays invalid until the flavor is
            # chosen again, as a person would.
            step(title)
            allocated = modal.locator(".transfer-allocated tr").filter(has_text=item)
            if allocated.count():
                allocated.locator("button.fa-arrow-down").first.click()
                allocated.first.wait_for(state="detached")
            allocate(title, item)

        choices = [("Source", image), ("Flavor", flavor), ("Networks", network),
                   ("Security Groups", "default")]
        if key_pair:
            choices.append(("Key Pair", key_pair))
        # The wizard judges a flavor by the project's limits: choose it once they
        # are in (see choose_again).
        deadline = time.monotonic() + TIMEOUT_MS / 1000.0
        while self.limits_answers == limits_before and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        for title, item in choices:
            allocate(title, item)
        self.settle("launch wizard filled")
        finish = modal.locator("button.finish")
        for _attempt in range(3):
            deadline = time.monotonic() + 10
            while not finish.is_enabled() and time.monotonic() < deadline:
                page.wait_for_timeout(250)
            if finish.is_enabled():
                break
            self.quiet()
            for title, item in choices:
                choose_again(title, item)
        if not finish.is_enabled():
            raise AssertionError("the launch wizard's Finish stayed disabled: %s"
                                 % self.wizard_problems())
        finish.click()
        modal.wait_for(state="detached")
        self.quiet()

    def wizard_problems(self):
        """What keeps the launch wizard invalid: each invalid step's form and its
        invalid controls with their validation errors, read from Angular's scope."""
        return self.page.evaluate("""() => {
            const form = document.querySelector('.modal-dialog [ng-form=wizardForm]');
            if (!form || !window.angular) return 'no wizard form';
            const ctrl = angular.element(form).controller('form');
            const out = [];
            const walk = (f, path) => {
                for (const key of Object.keys(f)) {
                    if (key[0] === '$') continue;
                    const c = f[key];
                    if (c && c.$invalid) {
                        const errs = Object.keys(c.$error || {}).filter(e => c.$error[e]);
                        out.push(path + key + ': ' + errs.join(',') +
                                 (c.$viewValue !== undefined ? ' value=' +
                                  JSON.stringify(c.$viewValue) : ''));
                        if (c.$$controls || c.$addControl) walk(c, path + key + '.');
                    }
                }
            };
            walk(ctrl, '');
            const helps = Array.from(document.querySelectorAll(
                '.modal-dialog .help-block, .modal-dialog .has-error'))
                .filter(n => n.offsetParent).map(n => n.innerText.trim()).filter(t => t);
            return out.join('; ') + ' | visible errors: ' + helps.join(' / ');
        }""")

    def submit_modal(self):
        """Submit a Django modal form that, when it succeeds, takes the browser to
        another page (Horizon's "Working..." spinner until then)."""
        with self.page.expect_navigation(timeout=TIMEOUT_MS):
            self.page.locator(".modal-footer .btn-primary").click()
        self.quiet()

    # -- Django table row actions ------------------------------------------------------

    def row(self, table, text):
        return self.page.locator("#%s tbody tr" % table).filter(has_text=text).first

    def row_action(self, table, text, action, confirm=None, navigates=None):
        """Open the row's menu (or its primary button) and run ``action``; an action
        that submits the table's form (every confirmed one) waits for the page that
        answers it."""
        row = self.row(table, text)
        button = row.locator("a, button").filter(has_text=re.compile(
            r"^\s*%s\s*$" % re.escape(action)))
        if not button.first.is_visible():
            row.locator(".dropdown-toggle").first.click()
        if navigates is None:
            navigates = bool(confirm)
        if confirm:
            button.first.click()
            last = self.page.locator(".modal-footer").locator(
                "a, button").filter(has_text=confirm).first
        else:
            last = button.first
        if navigates:
            with self.page.expect_navigation(timeout=TIMEOUT_MS):
                last.click()
        else:
            last.click()
        self.quiet()
