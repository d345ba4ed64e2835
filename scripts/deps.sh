#!/bin/sh
# Installs the Debian packages relais needs, and only those that are missing.
# Idempotent: when everything is present it touches nothing (no apt-get update).
# Usage: scripts/deps.sh [build|test|bench|all]   (default: test, which includes build)
set -eu

build_pkgs="gcc make cmake pkg-config gettext libexpat1-dev libarchive-dev libutf8proc-dev
 libsqlite3-dev libpq-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libsodium-dev
 zlib1g-dev"
test_pkgs="libcmocka-dev libclang-rt-14-dev clang-14 sqlite3 curl postgresql chromium
 libarchive-tools zip unzip python3 tzdata"
bench_pkgs="wrk time"

case "${1:-test}" in
    build) want="$build_pkgs" ;;
    test) want="$build_pkgs $test_pkgs" ;;
    bench|all) want="$build_pkgs $test_pkgs $bench_pkgs" ;;
    *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "relais: installation des paquets Debian manquants :$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "relais: il faut être root (ou avoir sudo) pour installer :$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
lock="-o DPkg::Lock::Timeout=600"
# shellcheck disable=SC2086
$sudo apt-get $lock update -qq
# shellcheck disable=SC2086
$sudo apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
