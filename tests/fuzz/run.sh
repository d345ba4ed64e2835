#!/bin/sh
# run.sh BUILD_DIR [SECONDS] — run every fuzz target built in BUILD_DIR (make fuzz) for
# SECONDS each (default 60). New inputs go to BUILD_DIR/corpus/<target>; the seeds of
# tests/fuzz/corpus/<target> are only read. Zip seeds are built here from the XML seeds
# (bsdtar), so the repository holds no binary file.
set -eu
build=$(cd "$1" && pwd)
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for f in "$build"/fuzz_*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    target=${f##*/fuzz_}
    work="$build/corpus/$target"
    mkdir -p "$work"
    if [ "$target" = xml ] && command -v bsdtar >/dev/null 2>&1; then
        (cd "$here/corpus/xml" && bsdtar --format zip -cf "$work/seed-latin9.zip" latin9.xml &&
            bsdtar --format zip -cf "$work/seed-two.zip" latin9.xml utf8_bom.xml)
    fi
    echo "== fuzz_$target ($seconds s)"
    "$f" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        "$work" "$here/corpus/$target" || status=1
done
exit $status
