#!/bin/sh
# Runs every benchmark (bench/bench_*.sh) against the release build given as
# $1 and prints their figures. Benchmarks are bounded in time and send traffic
# only to 127.0.0.1.
set -eu
build=${1:-build-bench}
here=$(cd "$(dirname "$0")" && pwd)
export RELAIS="$(cd "$build" && pwd)/relais"
export RELAIS_BUILD_DIR="$(cd "$build" && pwd)"
export RELAIS_SOURCE_DIR="$(cd "$here/.." && pwd)"
export RELAIS_BENCH_DIR="${RELAIS_BENCH_DIR:-$RELAIS_BUILD_DIR/bench-data}"
mkdir -p "$RELAIS_BENCH_DIR"
status=0
for b in "$here"/bench_*.sh; do
    [ -e "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    sh "$b" || { echo "!! $(basename "$b") a échoué" >&2; status=1; }
done
exit $status
