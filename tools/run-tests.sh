#!/usr/bin/env bash
# Run the whole test suite (lint, unit, functional, integration) on Debian 12.
#
# As root it first makes sure the real services the integration tests use are
# installed, running and reachable without passwords on 127.0.0.1:
# RabbitMQ (5672, guest/guest), MariaDB (3306, root) and PostgreSQL (5432,
# postgres). Then it creates/refreshes ./.venv, runs ruff and pytest.
#
# Extra arguments go to pytest, e.g. tools/run-tests.sh -k conf_sample -x.
# Environment: NOVA_TEST_TIMEOUT (seconds per test, default 300),
# NOVA_TEST_WORKERS (pytest-xdist worker processes, default 4; 0 or 1 runs
# everything in one process, e.g. to use a debugger or -s),
# NOVA_TEST_WARM_CACHES (default 1; 0: do not build the real-service tests'
# caches in the background while pytest runs, tests/warm_caches.py),
# CI=true (nothing may be skipped: a missing service fails its tests).
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
START=$(date +%s)
TEST_TIMEOUT=${NOVA_TEST_TIMEOUT:-300}
TEST_WORKERS=${NOVA_TEST_WORKERS:-4}
WARM_CACHES=${NOVA_TEST_WARM_CACHES:-1}

log() { printf '==> %s\n' "$*"; }
die() { printf 'run-tests: ERROR: %s\n' "$*" >&2; exit 1; }

port_open() {  # host port
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_port() {  # name port seconds
    local i
    for ((i = 0; i < $3; i++)); do
        port_open 127.0.0.1 "$2" && return 0
        sleep 1
    done
    die "$1 did not accept connections on 127.0.0.1:$2 within $3 s"
}

# --- system packages -------------------------------------------------------
# gcc, python3-dev, pkg-config and libmariadb-dev build mysqlclient, the C
# MariaDB driver the multi-process deployment tests and benchmarks/boot.py use.
# cloud-init: its own metadata and config-drive readers are used by tests/functional/test_metadata_*;
# dosfstools and mtools write and read VFAT config drives without root.
# libvirt-daemon-system, qemu-system-x86, qemu-utils: the libvirt driver's real guests
# (tests/integration/test_libvirt_guest.py); libvirt-dev + pkg-config build libvirt-python;
# busybox-static + cpio make the test guest's initramfs (tests/libvirt_guest.py).
# novnc + spice-html5: the web consoles the console proxies serve; chromium opens them headless
# (tests/integration/test_consoles_libvirt.py).
# golang-go + golang-github-vmware-govmomi-dev: the vCenter simulator the VMware driver's tests
# run against (tools/vcsim, built offline below).
PACKAGES=(python3 python3-venv python3-dev gcc pkg-config libmariadb-dev ca-certificates cloud-init
          dosfstools mtools
          rabbitmq-server mariadb-server postgresql
          libvirt-daemon-system qemu-system-x86 qemu-utils libvirt-dev busybox-static cpio
          novnc spice-html5 chromium
          golang-go golang-github-vmware-govmomi-dev)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        installed "$p" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update || die "apt-get update failed"
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${missing[@]}" \
        || die "apt-get install failed"
}

# --- services --------------------------------------------------------------
start_rabbitmq() {
    if ! port_open 127.0.0.1 5672; then
        log "starting RabbitMQ"
        rabbitmq-server -detached || log "rabbitmq-server -detached failed; waiting anyway"
    fi
    wait_port RabbitMQ 5672 180
    timeout 180 rabbitmqctl -q await_startup || die "rabbitmqctl await_startup failed"
}

start_mariadb() {
    if ! port_open 127.0.0.1 3306; then
        log "starting MariaDB"
        install -d -o mysql -g mysql /run/mysqld
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    fi
    wait_port MariaDB 3306 120
    if ! mysql -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1; then
        log "letting MariaDB root log in from 127.0.0.1 without a password"
        # As root over the unix socket (Debian's default unix_socket auth).
        mysql -u root <<'SQL' || die "could not configure MariaDB root"
ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
        mysql -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null || die "MariaDB root login fails"
    fi
}

start_postgresql() {
    local version hba
    version=$(ls /etc/postgresql)
    if ! port_open 127.0.0.1 5432; then
        log "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
            || log "pg_ctlcluster start failed; waiting anyway"
    fi
    wait_port PostgreSQL 5432 120
    if ! psql -h 127.0.0.1 -U postgres -w -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
        hba=/etc/postgresql/$version/main/pg_hba.conf
        log "trusting user postgres from 127.0.0.1 ($hba)"
        if ! grep -qE '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
            # pg_hba.conf is first-match: the line goes before every other one.
            sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        fi
        pg_ctlcluster --skip-systemctl-redirect "$version" main reload
        sleep 1
        psql -h 127.0.0.1 -U postgres -w -d postgres -Atc 'SELECT 1' >/dev/null \
            || die "PostgreSQL login as postgres from 127.0.0.1 fails"
    fi
}

pid_running() {  # pid file
    [ -r "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

start_libvirt() {
    # Without udev /dev/kvm stays root-only: libvirt then finds KVM "not available" for the
    # QEMU user although its probe (as root) found it, and re-probes QEMU (~30 s) on every
    # domain definition. Give it udev's usual owner and mode (group kvm, 0660).
    if [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %G /dev/kvm)" != kvm ]; then
        log "giving /dev/kvm to group kvm (as udev would)"
        chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
    fi
    # No systemd: start the daemons by hand, each unless its pid file names a live process.
    if ! pid_running /run/virtlogd.pid; then
        log "starting virtlogd"
        virtlogd -d || die "virtlogd -d failed"
    fi
    if ! pid_running /run/libvirtd.pid; then
        log "starting libvirtd"
        libvirtd -d || die "libvirtd -d failed"
    fi
    local i
    for ((i = 0; i < 30; i++)); do
        [ -S /run/libvirt/libvirt-sock ] && return 0
        sleep 1
    done
    die "libvirtd did not create /run/libvirt/libvirt-sock within 30 s"
}

if [ "$(id -u)" -eq 0 ] && [ -r /etc/debian_version ]; then
    install_packages
    start_rabbitmq
    start_mariadb
    start_postgresql
    start_libvirt
else
    log "not root on Debian: leaving services as they are (tests needing a missing one skip)"
fi

# --- the vCenter simulator (cached by source hash under ~/.cache/nova-tests) ----
if command -v go >/dev/null; then
    log "building the vCenter simulator (tools/vcsim)"
    tools/vcsim/build.sh >/dev/null || log "the vCenter simulator did not build; its tests will say so"
fi

# --- virtualenv ------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv || die "python3 -m venv failed"
fi
log "installing the project into .venv"
PIP_LOG=$(mktemp)
if ! .venv/bin/python -m pip install -e '.[test]' >"$PIP_LOG" 2>&1; then
    tail -n 40 "$PIP_LOG" >&2
    die "pip install -e '.[test]' failed"
fi
rm -f "$PIP_LOG"

# Horizon, and Keystone/Glance/Neutron/Placement, in their own cached virtualenvs
# (minutes each the first time on a machine, side by side): made here rather than
# inside the first test that needs them, whose time is limited.
log "cached virtualenvs: tools/horizon.py install, tools/neighbours.py install"
.venv/bin/python tools/horizon.py install >/dev/null 2>&1 &
HORIZON_PID=$!
.venv/bin/python tools/neighbours.py install >/dev/null 2>&1 \
    || log "tools/neighbours.py install failed: the tests needing it will say why"
wait "$HORIZON_PID" || log "tools/horizon.py install failed: the dashboard tests will say why"

# --- lint and tests --------------------------------------------------------
log "ruff check nova tests"
if .venv/bin/ruff check nova tests; then RUFF=ok; else RUFF=failed; fi

# The caches the real-service tests fill on first use (PyPI virtualenvs, the
# test guest) are built in the background meanwhile (tests/warm_caches.py):
# on a fresh machine that is minutes a worker would otherwise wait for.
WARM_PID=
if [ "$WARM_CACHES" != 0 ]; then
    WARM_LOG=$(mktemp)
    .venv/bin/python -m tests.warm_caches >"$WARM_LOG" 2>&1 &
    WARM_PID=$!
fi

# --dist loadgroup with the project's scheduler (tests/xdist_order.py): every
# test module runs on one worker, so its module-scoped fixtures are set up
# once; modules marked pytest.mark.xdist_group("name") share one worker (and
# the session-scoped deployment they use); the longest modules go first
# (tests/suite_costs.json). --durations lists the slowest tests, to keep it fast.
# Bytecode is cached (in __pycache__, ignored by git): a machine that sets
# PYTHONDONTWRITEBYTECODE would otherwise make every Python process the tests
# start (daemons, CLIs, nova-manage) compile the project's modules again, and
# every worker rewrite the test modules' assertions again.
unset PYTHONDONTWRITEBYTECODE
PARALLEL=()
if [ "$TEST_WORKERS" -gt 1 ] 2>/dev/null; then
    PARALLEL=(-n "$TEST_WORKERS" --dist loadgroup)
fi
log "pytest ${PARALLEL[*]} tests/unit tests/functional tests/integration"
PYTEST_START=$(date +%s)
.venv/bin/pytest -p no:cacheprovider -rfEs --timeout="$TEST_TIMEOUT" --durations=25 \
    "${PARALLEL[@]}" tests/unit tests/functional tests/integration "$@"
PYTEST_RC=$?
log "pytest took $(( $(date +%s) - PYTEST_START ))s"
if [ -n "$WARM_PID" ]; then
    wait "$WARM_PID"
    cat "$WARM_LOG"
    rm -f "$WARM_LOG"
fi
case $PYTEST_RC in
    0) PYTEST=ok ;;
    5) PYTEST="failed (no tests collected)" ;;
    *) PYTEST="failed (exit $PYTEST_RC)" ;;
esac

ELAPSED=$(( $(date +%s) - START ))
if [ "$RUFF" = ok ] && [ "$PYTEST" = ok ]; then
    echo "run-tests: PASSED (ruff $RUFF, pytest $PYTEST) in ${ELAPSED}s [$REPO]"
    exit 0
fi
echo "run-tests: FAILED (ruff $RUFF, pytest $PYTEST) in ${ELAPSED}s [$REPO]"
exit 1
