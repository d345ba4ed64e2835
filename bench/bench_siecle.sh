#!/bin/sh
# bench_siecle.sh — `relais import siecle` end to end into SQLite, on generated
# exports (relais gen): 3,000 students (2 establishments) and 300,000 students (an
# académie of 200). Prints wall and CPU time, MB/s of XML (inflated size of the
# zips), records written per second, peak RSS; then the re-import of the same
# files (0 changes). Targets: 3,000 students in under 0.5 s; 300,000 at 40 MB/s
# or more; peak RSS under 64 MB. A run of under a few seconds is at the mercy of
# the machine's other work: the small size is imported three times into a fresh
# hub and the median run is printed. Run by bench/run.sh ($RELAIS,
# $RELAIS_BENCH_DIR).
set -eu
: "${RELAIS:?}" "${RELAIS_BENCH_DIR:?}"
timer=/usr/bin/time
[ -x "$timer" ] || { echo "bench_siecle: /usr/bin/time manquant (paquet time)" >&2; exit 1; }
sizes=${BENCH_SIECLE_SIZES:-"3000:2 300000:200"}

xml_bytes() { # total inflated size of the SIECLE zips under $1
    python3 -c 'import sys, zipfile, glob
print(sum(i.file_size for z in glob.glob(sys.argv[1] + "/**/ExportXML_*.zip", recursive=True)
          for i in zipfile.ZipFile(z).infolist()))' "$1"
}

run() { # LABEL DB DATA : one import, one line of figures
    label=$1 db=$2 data=$3
    "$timer" -f "%e %U %S %M" -o "$db.time" "$RELAIS" --db "$db" import siecle --json "$data" \
        >"$db.json"
    read -r secs user sys rss_kb <"$db.time"
    changes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changes"])' "$db.json")
    awk -v l="$label" -v s="$secs" -v u="$user" -v y="$sys" -v b="$bytes" -v c="$changes" \
        -v r="$rss_kb" 'BEGIN {
        if (s <= 0) s = 0.01
        printf "%-34s %7.2f s (CPU %6.2f s), %7.1f Mo XML, %6.1f Mo/s, %8d modifs, %8.0f enreg./s, RSS max %5.1f Mo\n",
               l, s, u + y, b / 1e6, b / 1e6 / s, c, c / s, r / 1024
    }'
}

for spec in $sizes; do
    students=${spec%%:*}
    estabs=${spec##*:}
    data="$RELAIS_BENCH_DIR/siecle-$students"
    db="$RELAIS_BENCH_DIR/siecle-$students.db"
    rm -rf "$data" "$db" "$db-wal" "$db-shm"
    "$RELAIS" gen --out "$data" --seed 1 --establishments "$estabs" --students "$students" \
        --year 2025 >/dev/null
    bytes=$(xml_bytes "$data")
    tries=1
    [ "$students" -gt 30000 ] || tries=3
    : >"$db.lines"
    i=0
    while [ $i -lt $tries ]; do
        rm -f "$db" "$db-wal" "$db-shm"
        "$RELAIS" --db "$db" init --year 2025 >/dev/null
        run "import siecle $students élèves" "$db" "$data" >>"$db.lines"
        i=$((i + 1))
    done
    if [ $tries -gt 1 ]; then
        # The median by wall time (field after the label), with the spread.
        sort -t' ' -k4,4n "$db.lines" | awk -v n=$tries '
            { line[NR] = $0; split($0, f, "élèves"); split(f[2], g, " "); t[NR] = g[1] }
            END { printf "%s (médiane de %d : %s à %s s)\n", line[int((n + 1) / 2)], n, t[1], t[n] }'
    else
        cat "$db.lines"
    fi
    run "  réimport (0 modification)" "$db" "$data"
    rm -rf "$data" "$db" "$db-wal" "$db-shm" "$db.time" "$db.json" "$db.lines"
done
