#!/usr/bin/env bash
# Regenerate the committed samples from the code:
#   etc/nova/nova.conf.sample   (oslo-config-generator)
#   etc/nova/policy.yaml.sample (oslopolicy-sample-generator)
# Uses the tools of ./.venv when present, else those on PATH (tox).
set -euo pipefail
cd "$(dirname "$0")/.."

bin() {
    if [ -x ".venv/bin/$1" ]; then echo ".venv/bin/$1"; else command -v "$1"; fi
}

# Keep the output the same on every machine: oslo.concurrency takes the
# default lock_path from the environment, and library deprecation warnings
# are noise here.
export PYTHONWARNINGS=ignore
unset OSLO_LOCK_PATH

"$(bin oslo-config-generator)" --config-file etc/nova/nova-config-generator.conf
"$(bin oslopolicy-sample-generator)" --config-file etc/nova/nova-policy-generator.conf
echo "wrote etc/nova/nova.conf.sample and etc/nova/policy.yaml.sample"
