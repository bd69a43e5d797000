"""The suite's xdist scheduling (tests/xdist_order.py): work units and their order."""

import collections
import json
import os

from tests import xdist_order

ROOT = xdist_order.ROOT


def test_every_module_naming_the_neighbours_group_is_one_unit():
    groups = {}
    scopes = {xdist_order.split_scope("tests/integration/test_contract_%s.py::t[real]" % name,
                                      groups)
              for name in ("glance", "keystone", "neutron", "placement")}
    assert scopes == {"@neighbours"}
    # A module without a group is its own unit, whatever its tests are called.
    assert xdist_order.split_scope("tests/integration/test_libvirt_cli.py::test_x",
                                   groups) == "tests/integration/test_libvirt_cli.py"
    assert xdist_order.split_scope("tests/unit/test_rpc.py::TestX::test_y[a@b]",
                                   groups) == "tests/unit/test_rpc.py"
    # xdist's own suffix, should a later version deliver it again.
    assert xdist_order.split_scope("tests/unit/test_rpc.py::test_y@slow", groups) == "@slow"


def test_group_is_read_from_the_module_source(tmp_path):
    (tmp_path / "test_a.py").write_text(
        'import pytest\npytestmark = [pytest.mark.xdist_group(name="db"),\n'
        '              pytest.mark.timeout(900)]\n')
    (tmp_path / "test_b.py").write_text("def test_b():\n    pass\n")
    assert xdist_order.module_group("test_a.py", root=str(tmp_path)) == "db"
    assert xdist_order.module_group("test_b.py", root=str(tmp_path)) is None
    assert xdist_order.module_group("test_missing.py", root=str(tmp_path)) is None


def test_units_go_out_longest_first_measured_or_estimated():
    queue = collections.OrderedDict([
        ("tests/unit/test_many.py", {"tests/unit/test_many.py::t%d" % i: False
                                     for i in range(300)}),
        ("tests/integration/test_slow.py", {"tests/integration/test_slow.py::t": False}),
        ("tests/functional/test_few.py", {"tests/functional/test_few.py::t%d" % i: False
                                          for i in range(3)}),
        ("@grp", {"tests/integration/test_g1.py::t": False,
                  "tests/integration/test_g2.py::t": False}),
    ])
    costs = {"tests/integration/test_slow.py": 200.0, "tests/integration/test_g1.py": 90.0,
             "tests/integration/test_g2.py": 60.0}
    order = [scope for scope, _ids in xdist_order.order_units(queue, costs)]
    # 150 + 0 estimated for the group's listed modules, 200 measured, 300 unit
    # tests ~6.5 s, 3 functional ones ~2.9 s.
    assert order == ["tests/integration/test_slow.py", "@grp", "tests/unit/test_many.py",
                     "tests/functional/test_few.py"]
    # An unlisted integration module costs more than a short unit module.
    assert xdist_order.unit_cost(["tests/integration/test_new.py::t"], {}) > \
        xdist_order.unit_cost(["tests/unit/test_x.py::t%d" % i for i in range(50)], {})


def test_costs_are_summed_per_module_from_junit(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.unit.test_xdist_order" name="a" time="1.5"/>'
        '<testcase classname="tests.unit.test_xdist_order" name="b" time="2.0"/>'
        '<testcase classname="tests.integration.test_libvirt_cli" name="c" time="100"/>'
        '<testcase classname="tests.unit.test_gone" name="d" time="9"/>'
        '</testsuite></testsuites>')
    totals = xdist_order.costs_from_junit(str(report))
    assert totals == {"tests/unit/test_xdist_order.py": 3.5,
                      "tests/integration/test_libvirt_cli.py": 100.0}


def test_the_committed_costs_name_existing_modules():
    costs = xdist_order.load_costs()
    assert costs, "tests/suite_costs.json is missing or empty"
    with open(xdist_order.COSTS_FILE) as f:
        assert set(json.load(f)) == {"modules"}
    for module, seconds in costs.items():
        assert os.path.exists(os.path.join(ROOT, module)), module
        assert seconds > 0
