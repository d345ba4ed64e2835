#!/bin/sh
# bench_gen.sh — `relais gen` throughput: an académie of 3,000 and of 300,000
# students (partner list included), with wall time, MB written, students per
# second and peak RSS. Run by bench/run.sh, which exports $RELAIS and
# $RELAIS_BENCH_DIR.
set -eu
: "${RELAIS:?}" "${RELAIS_BENCH_DIR:?}"
timer=/usr/bin/time
[ -x "$timer" ] || { echo "bench_gen: /usr/bin/time manquant (paquet time)" >&2; exit 1; }
for spec in "3000 3" "300000 200"; do
    set -- $spec
    students=$1
    estabs=$2
    out="$RELAIS_BENCH_DIR/gen-$students"
    rm -rf "$out"
    "$timer" -f "%e %M" -o "$out.time" "$RELAIS" gen --out "$out" --seed 1 \
        --establishments "$estabs" --students "$students" --partner agate --noise medium \
        --json > "$out.json"
    read -r secs rss_kb < "$out.time"
    bytes=$(du -sb "$out" | cut -f1)
    awk -v n="$students" -v k="$estabs" -v s="$secs" -v b="$bytes" -v r="$rss_kb" 'BEGIN {
        if (s <= 0) s = 0.01
        printf "gen %7d élèves / %3d établissements : %6.2f s, %7.1f Mo écrits, %9.0f élèves/s, RSS max %6.1f Mo\n",
               n, k, s, b / 1e6, n / s, r / 1024
    }'
    rm -rf "$out"
done
