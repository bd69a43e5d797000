"""How pytest-xdist hands the suite's modules to its workers (tools/run-tests.sh).

``--dist loadgroup`` with this scheduler (tests/conftest.py installs it):

* a work unit is a test module, as with ``--dist loadfile`` (a module's
  module-scoped fixtures are set up once, on one worker), except that every
  module marked ``pytestmark = pytest.mark.xdist_group("NAME")`` goes into one
  unit ``NAME`` with the others of that name: they run on one worker, one
  after another, so a session-scoped deployment they share (e.g.
  ``neighbours``, the real Keystone/Glance/Neutron/Placement) starts once per
  run, not once per worker;
* the units go out longest first (their cost in seconds from
  tests/suite_costs.json, measured; a module not listed there is estimated from
  its number of tests and its directory), so the last minutes of a run are not
  one worker alone in a long real-guest module that happened to be collected
  last.

xdist's own ``loadgroup`` would instead send every unmarked test on its own
(module-scoped fixtures set up on each worker); ``loadfile`` knows no groups
and sorts modules by their number of tests, which puts the few-test, long
integration modules last.
"""

import json
import os
import re

from xdist.scheduler.loadscope import LoadScopeScheduling

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COSTS_FILE = os.path.join(ROOT, "tests", "suite_costs.json")

# Estimates for a module not in suite_costs.json (seconds): a fixed set-up cost
# plus a per-test cost, by directory. Real-service modules start deployments.
ESTIMATES = {"tests/unit/": (0.5, 0.02),
             "tests/functional/": (2.0, 0.3),
             "tests/integration/": (20.0, 2.0)}
DEFAULT_ESTIMATE = (2.0, 0.3)


def load_costs(path=COSTS_FILE):
    """{module path relative to the repository: seconds}; {} without the file."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.get("modules", {}).items()}


GROUP_MARK = re.compile(r"""xdist_group\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")


def module_group(module, root=ROOT):
    """The xdist group a test module names in its source, or None.

    Read from the file: with pytest 9 the group suffix xdist's workers add to
    the test ids (``--dist loadgroup``) no longer reaches them, and the
    controller that schedules sees only those ids. A module that names a group
    anywhere joins it as a whole.
    """
    try:
        with open(os.path.join(root, module), encoding="utf-8") as f:
            found = GROUP_MARK.search(f.read())
    except OSError:
        return None
    return found.group(1) if found else None


def split_scope(nodeid, groups=None):
    """The work unit of a test id: its xdist group, or else its module."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return "@" + nodeid.rsplit("@", 1)[1]
    module = nodeid.split("::", 1)[0]
    if groups is None:
        groups = {}
    if module not in groups:
        groups[module] = module_group(module)
    return "@" + groups[module] if groups[module] else module


def unit_cost(nodeids, costs):
    """Seconds a unit is expected to take: the sum over its modules."""
    per_module = {}
    for nodeid in nodeids:
        module = nodeid.split("::", 1)[0]
        per_module[module] = per_module.get(module, 0) + 1
    total = 0.0
    for module, count in per_module.items():
        if module in costs:
            total += costs[module]
            continue
        fixed, each = DEFAULT_ESTIMATE
        for prefix, estimate in ESTIMATES.items():
            if module.startswith(prefix):
                fixed, each = estimate
                break
        total += fixed + each * count
    return total


def order_units(workqueue, costs):
    """The (scope, nodeids) pairs of ``workqueue`` longest first (stable)."""
    items = list(workqueue.items())
    return sorted(items, key=lambda item: -unit_cost(item[1], costs))


class CostOrderedScheduling(LoadScopeScheduling):
    """Modules (or xdist groups of modules) as work units, the longest first."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self._ordered = False
        self._groups = {}

    def _split_scope(self, nodeid):
        return split_scope(nodeid, self._groups)

    def _assign_work_unit(self, node):
        if not self._ordered:
            # The first assignment: schedule() has just filled the queue.
            self._ordered = True
            ordered = order_units(self.workqueue, load_costs())
            self.workqueue.clear()
            self.workqueue.update(ordered)
        super()._assign_work_unit(node)


def module_of(classname, root=ROOT):
    """The module path of a JUnit ``classname`` (tests.unit.test_x.TestY -> tests/unit/test_x.py)."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        path = "/".join(parts[:end]) + ".py"
        if os.path.exists(os.path.join(root, path)):
            return path
    return None


def costs_from_junit(path):
    """{module: seconds} summed over a JUnit XML report (set-up, call and tear-down)."""
    from xml.etree import ElementTree
    totals = {}
    for case in ElementTree.parse(path).iter("testcase"):
        module = module_of(case.get("classname", ""))
        if module:
            totals[module] = totals.get(module, 0.0) + float(case.get("time") or 0)
    return totals


def main(argv):
    """``python -m tests.xdist_order junit.xml...``: suite_costs.json on stdout, the
    measured modules replaced (the highest figure where several reports name one),
    the others kept."""
    if not argv:
        print("usage: python -m tests.xdist_order JUNIT_XML...")
        return 2
    costs = load_costs()
    measured = {}
    for path in argv:
        for module, seconds in costs_from_junit(path).items():
            measured[module] = max(seconds, measured.get(module, 0.0))
    costs.update(measured)
    # At least 0.1 s: a module of instant tests still costs its collection.
    print(json.dumps({"modules": {m: max(round(s, 1), 0.1)
                                  for m, s in sorted(costs.items())}},
                     indent=1))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
