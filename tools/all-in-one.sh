#!/usr/bin/env bash
# Run the whole control plane in one process (nova-all) from this checkout.
#
# - installs python3-venv from Debian when it is missing (as root),
# - creates or updates ./.venv with `pip install -e .[client]` (nova and the
#   openstack CLI),
# - writes a minimal configuration to $NOVA_STATE_DIR/nova.conf (./state by
#   default) the first time: SQLite files, the in-process message transport,
#   embedded Placement, the local image store, the flat network, noauth2 and
#   the fake virt driver; edit it afterwards, it is never overwritten,
# - prepares the databases (API database, cell0, cell1) with nova-manage,
# - runs nova-all (its log goes to $STATE/nova-all.log); extra arguments are
#   passed to it (e.g. --cloud-name NAME, --clouds-yaml FILE).
#
# On its first start nova-all creates the m1.* flavors and a small "cirros"
# image; on every start it merges the cloud "nova-aio" into
# ~/.config/openstack/clouds.yaml and prints the endpoints and how to use it:
#   openstack --os-cloud nova-aio server create --flavor m1.tiny --image cirros --wait demo
# Ports: compute API 8774 (NOVA_API_PORT), metadata 8775, image store 9292
# (NOVA_IMAGE_PORT), Placement 8778 (NOVA_PLACEMENT_PORT), identity stand-in
# 5000 (NOVA_IDENTITY_PORT), noVNC 6080 (NOVA_NOVNC_PORT), SPICE 6082
# (NOVA_SPICE_PORT), serial 6083 (NOVA_SERIAL_PORT); everything listens on 127.0.0.1 only.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
STATE=${NOVA_STATE_DIR:-$REPO/state}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
CONF=$STATE/nova.conf
API_PORT=${NOVA_API_PORT:-8774}
METADATA_PORT=${NOVA_METADATA_PORT:-8775}
IMAGE_PORT=${NOVA_IMAGE_PORT:-9292}
PLACEMENT_PORT=${NOVA_PLACEMENT_PORT:-8778}
IDENTITY_PORT=${NOVA_IDENTITY_PORT:-5000}
NOVNC_PORT=${NOVA_NOVNC_PORT:-6080}
SPICE_PORT=${NOVA_SPICE_PORT:-6082}
SERIAL_PORT=${NOVA_SERIAL_PORT:-6083}

log() { printf '==> %s\n' "$*"; }

if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "python3-venv is missing; install it (apt-get install python3-venv) or run as root" >&2
        exit 1
    fi
    log "installing python3-venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends \
        python3 python3-venv ca-certificates
fi

if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
fi
log "installing nova and the openstack CLI into .venv"
PIP_LOG=$STATE/pip-install.log
if ! .venv/bin/python -m pip install -e ".[client]" >"$PIP_LOG" 2>&1; then
    tail -n 40 "$PIP_LOG" >&2
    echo "pip install -e .[client] failed; full output in $PIP_LOG" >&2
    exit 1
fi

if [ ! -f "$CONF" ]; then
    log "writing $CONF"
    cat > "$CONF" <<EOF
# All-in-one configuration written by tools/all-in-one.sh; edit freely.
[DEFAULT]
state_path = $STATE
transport_url = fake://
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute,metadata
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $API_PORT
osapi_compute_workers = 1
metadata_listen = 127.0.0.1
metadata_listen_port = $METADATA_PORT
metadata_workers = 1
log_file = $STATE/nova-all.log

[api]
auth_strategy = noauth2

[api_database]
connection = sqlite:///$STATE/nova_api.sqlite

[database]
connection = sqlite:///$STATE/nova.sqlite

[placement]
embedded = true
embedded_connection = sqlite:///$STATE/placement.sqlite
embedded_port = $PLACEMENT_PORT

[glance]
backend = local

[image_store]
listen = 127.0.0.1
port = $IMAGE_PORT

[all_in_one]
cloud_name = nova-aio
clouds_yaml = ~/.config/openstack/clouds.yaml
identity_port = $IDENTITY_PORT

[neutron]
backend = flat

[vnc]
novncproxy_host = 127.0.0.1
novncproxy_port = $NOVNC_PORT
novncproxy_base_url = http://127.0.0.1:$NOVNC_PORT/vnc_auto.html

[spice]
enabled = true
html5proxy_host = 127.0.0.1
html5proxy_port = $SPICE_PORT
html5proxy_base_url = http://127.0.0.1:$SPICE_PORT/spice_auto.html

[serial_console]
enabled = true
serialproxy_host = 127.0.0.1
serialproxy_port = $SERIAL_PORT
base_url = ws://127.0.0.1:$SERIAL_PORT/

[oslo_concurrency]
lock_path = $STATE/lock

[oslo_policy]
policy_file = $STATE/policy.yaml
EOF
fi

manage() { .venv/bin/nova-manage --config-file "$CONF" "$@"; }

log "preparing the databases"
manage api_db sync
manage cell_v2 map_cell0 --database_connection "sqlite:///$STATE/nova_cell0.sqlite"
manage db sync
if ! manage cell_v2 list_cells 2>/dev/null | grep -qw cell1; then
    manage cell_v2 create_cell --name cell1
fi

log "starting nova-all (compute API on http://127.0.0.1:$API_PORT/, cloud nova-aio)"
exec .venv/bin/nova-all --config-file "$CONF" "$@"
