"""The committed etc/nova/nova.conf.sample matches what the code generates."""

import difflib
import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATOR_CONF = ROOT / "etc" / "nova" / "nova-config-generator.conf"
SAMPLE = ROOT / "etc" / "nova" / "nova.conf.sample"


def generate(tmp_path, home):
    """Run oslo-config-generator with the repo's config into a temp file."""
    out = tmp_path / "nova.conf.sample"
    env = {k: v for k, v in os.environ.items() if k != "OSLO_LOCK_PATH"}
    env.update(HOME=str(home), PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from oslo_config.generator import main; "
                               "sys.exit(main())",
         "--config-file", str(GENERATOR_CONF), "--output-file", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "oslo-config-generator failed:\n" + proc.stderr
    return out.read_text()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("confsample")
    home = tmp / "some-home-dir"
    home.mkdir()
    return generate(tmp, home), str(home)


def test_committed_sample_is_current(generated):
    text, _ = generated
    committed = SAMPLE.read_text()
    if text != committed:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(True), text.splitlines(True),
            "etc/nova/nova.conf.sample (committed)", "generated"))[:80])
        pytest.fail("etc/nova/nova.conf.sample is stale; run `tox -e genconfig` "
                    "(or tools/generate-samples.sh) and commit the result.\n" + diff,
                    pytrace=False)


def test_sample_does_not_depend_on_this_machine(generated):
    text, home = generated
    assert home not in text, "a default embeds $HOME; give the option a sample_default"
    real_home = os.path.expanduser("~")
    if real_home not in ("", "/"):
        assert not re.search(re.escape(real_home) + r"(/|\s|$)", text, re.M), \
            "a default embeds the home directory of the user running the generator"
    host = socket.gethostname()
    if len(host) >= 4:  # short names ("vm") also occur in ordinary words
        assert ("= " + host) not in text, "a default embeds the host name"
    addresses = set()
    try:
        addresses.update(socket.gethostbyname_ex(host)[2])
    except OSError:
        pass
    for addr in addresses - {"127.0.0.1", "0.0.0.0"}:
        assert addr not in text, "a default embeds this host's address %s" % addr


def test_sample_covers_nova_and_library_groups(generated):
    text, _ = generated
    for group in ("[DEFAULT]", "[api]", "[api_database]", "[database]", "[compute]",
                  "[libvirt]", "[placement]", "[oslo_messaging_rabbit]", "[oslo_policy]",
                  "[oslo_concurrency]", "[keystone_authtoken]"):
        assert group in text
    assert "#transport_url = " in text
    assert "#host = <current_hostname>" in text


def test_no_option_is_listed_twice(generated):
    """A namespace in the generator config that nova.conf already lists shows twice."""
    text, _ = generated
    group, seen, twice = None, set(), []
    for line in text.splitlines():
        if line.startswith("["):
            group = line
            continue
        match = re.match(r"#([A-Za-z0-9_]+) = ", line)
        if match:
            key = (group, match.group(1))
            if key in seen:
                twice.append("%s %s" % key)
            seen.add(key)
    assert not twice, ("options listed twice in the sample (drop the duplicate "
                       "namespace from etc/nova/nova-config-generator.conf): %s" % twice)
