#!/usr/bin/env bash
# Build the vCenter simulator (tools/vcsim/src/novavcsim) with Debian's Go and
# govmomi source, offline, and print the binary's path. Cached by the hash of
# the source and the Go/govmomi package versions under
# ${NOVA_TEST_CACHE:-~/.cache/nova-tests}/vcsim-<hash>/novavcsim (~1-2 min cold).
# Needs: golang-go golang-github-vmware-govmomi-dev.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${NOVA_TEST_CACHE:-$HOME/.cache/nova-tests}
command -v go >/dev/null || { echo "vcsim build: go is not installed (golang-go)" >&2; exit 2; }
[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] || {
    echo "vcsim build: golang-github-vmware-govmomi-dev is not installed" >&2; exit 2; }
VERSIONS=$(dpkg-query -W -f='${Version}' golang-go golang-github-vmware-govmomi-dev 2>/dev/null || true)
HASH=$( (cat "$HERE"/src/novavcsim/*.go; echo "$VERSIONS") | sha256sum | cut -c1-16)
OUT=$CACHE/vcsim-$HASH/novavcsim
if [ ! -x "$OUT" ]; then
    mkdir -p "$(dirname "$OUT")"
    BUILD=$(mktemp -d)
    trap 'rm -rf "$BUILD"' EXIT
    (cd "$HERE/src/novavcsim" &&
     GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$CACHE/go-build" \
     GOPATH="$HERE:/usr/share/gocode" go build -o "$BUILD/novavcsim" .) >&2
    mv "$BUILD/novavcsim" "$OUT"
fi
echo "$OUT"
