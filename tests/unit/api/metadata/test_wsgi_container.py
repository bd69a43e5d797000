"""nova.cmd.metadata:application, as a WSGI container loads it (in a fresh interpreter)."""

import os
import subprocess
import sys

SCRIPT = """
import webob
from nova.cmd.metadata import application
root = webob.Request.blank("/").get_response(application)
print(root.status_int, root.text.split()[-1])
# [neutron] service_metadata_proxy from the file: proxy headers are required.
md = webob.Request.blank("/openstack/latest/meta_data.json").get_response(application)
print(md.status_int, md.text.strip().splitlines()[-1])
"""
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))


def test_application_reads_the_configuration_files(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text("[DEFAULT]\ntransport_url = fake://\nlog_file = %s\n"
                    "[neutron]\nservice_metadata_proxy = true\n" % (tmp_path / "log"))
    env = dict(os.environ, OS_NOVA_CONFIG_FILES="%s;" % conf,
               PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "200 latest", "400 X-Instance-ID header is missing from request."]


def test_a_missing_configuration_file_is_one_line(tmp_path):
    env = dict(os.environ, OS_NOVA_CONFIG_FILES=str(tmp_path / "absent.conf"),
               PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", "from nova.cmd.metadata import application"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "nova-api-metadata: cannot read configuration file(s): %s" % (tmp_path / "absent.conf")]
