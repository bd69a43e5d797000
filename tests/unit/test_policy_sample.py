"""The committed etc/nova/policy.yaml.sample matches the policy defaults."""

import os
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = ROOT / "etc" / "nova" / "nova-policy-generator.conf"
SAMPLE = ROOT / "etc" / "nova" / "policy.yaml.sample"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("policysample") / "policy.yaml.sample"
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from oslo_policy.generator import "
                               "generate_sample; sys.exit(generate_sample())",
         "--config-file", str(GENERATOR_CONF), "--output-file", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "oslopolicy-sample-generator failed:\n" + proc.stderr
    return out.read_text()


def test_committed_sample_is_current(generated):
    if generated != SAMPLE.read_text():
        pytest.fail("etc/nova/policy.yaml.sample is stale; run `tox -e genpolicy` "
                    "(or tools/generate-samples.sh) and commit the result.",
                    pytrace=False)


def test_sample_lists_every_registered_rule(generated):
    from nova import policies

    # Every rule is written commented out; uncommenting gives valid YAML.
    uncommented = "\n".join(line[1:] if line.startswith('#"') else line
                            for line in generated.splitlines())
    rules = yaml.safe_load(uncommented)
    expected = {r.name: r.check_str for r in policies.list_rules()}
    assert rules == expected
    assert rules["project_member_or_admin"] == \
        "rule:project_member_api or rule:context_is_admin"
