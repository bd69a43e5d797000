"""The repository's scripts and tool configuration are well formed."""

import configparser
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ["tools/run-tests.sh", "tools/all-in-one.sh", "tools/generate-samples.sh",
           ".ci/run", "devstack/plugin.sh"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_script_parses(script):
    proc = subprocess.run(["bash", "-n", str(ROOT / script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("script", ["tools/run-tests.sh", "tools/all-in-one.sh",
                                    "tools/generate-samples.sh", ".ci/run"])
def test_entry_scripts_are_executable(script):
    path = ROOT / script
    assert os.access(path, os.X_OK), "%s lost its executable bit" % script
    assert path.read_text().startswith("#!/usr/bin/env bash\n")


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.rst").read_text()
    commands = re.findall(r"^    (tools/\S+)$", readme, re.M)
    assert commands == ["tools/all-in-one.sh", "tools/run-tests.sh"]


def test_ci_runs_the_test_script():
    text = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in text
    assert "exec tools/run-tests.sh" in text


def test_tox_has_every_environment():
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    envs = {s.split(":", 1)[1] for s in tox.sections() if s.startswith("testenv:")}
    assert {"unit", "functional", "integration", "lint", "genconfig", "genpolicy",
            "docs"} <= envs
    assert "etc/nova/nova-config-generator.conf" in tox["testenv:genconfig"]["commands"]
    assert "etc/nova/nova-policy-generator.conf" in tox["testenv:genpolicy"]["commands"]
    assert "sphinx-build -W" in tox["testenv:docs"]["commands"]
