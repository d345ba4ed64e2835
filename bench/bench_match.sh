#!/bin/sh
# bench_match.sh — identity matching quality and speed: precision, recall, F1,
# persons sent to review, false merges of twins and homonyms, time and peak
# RSS, for about 100,000 × 100,000 and 1,000,000 × 1,000,000 persons at low,
# medium and high noise, on 2 threads.
#
# 1. On `relais gen --partner` output (the generator's partner lists and their
#    ground truth): an académie of 44 (440) establishments, about 2.8 persons
#    per student; matched within each establishment, then without the
#    establishment ("sans UAI": every partner person against the whole académie).
# 2. On bench_match's own generator (bench/bench_match.c): one pool of persons
#    with deliberate traps (namesakes and "twins" of hub persons absent from the
#    hub), harsher than real lists.
# Each run is a separate process, so peak RSS is per run.
# BENCH_MATCH_SIZES overrides the sizes ("100000" for a quick run).
set -eu
: "${RELAIS_BUILD_DIR:?}" "${RELAIS:?}"
gen_prog="$RELAIS_BUILD_DIR/bench_match_gen"
own_prog="$RELAIS_BUILD_DIR/bench_match"
work="${RELAIS_BENCH_DIR:-${TMPDIR:-/tmp}}/bench-match.$$"
trap 'rm -rf "$work"' EXIT INT TERM
sizes=${BENCH_MATCH_SIZES:-"100000 1000000"}
echo "Objectifs : précision ≥ 0,999 ; rappel ≥ 0,98 (bruit moyen) ; < 1 % à vérifier ;"
echo "            100 000 × 100 000 < 10 s ; 1 000 000 × 1 000 000 < 2 min (2 cœurs)."
echo "-- listes de relais gen (vérité terrain du générateur)"
for size in $sizes; do
    students=$((size * 35 / 100))
    estabs=$((students / 800))
    for noise in low medium high; do
        rm -rf "$work"
        "$RELAIS" gen --out "$work" --seed 2025 --establishments "$estabs" --students "$students" \
            --partner bench --noise "$noise" --threads 2 >/dev/null
        printf '[%s] ' "$noise"
        "$gen_prog" "$work" bench --threads 2
        if [ "$noise" = medium ]; then
            printf '[%s] ' "$noise"
            "$gen_prog" "$work" bench --threads 2 --pooled
        fi
    done
done
rm -rf "$work"
echo "-- générateur de bench_match (un seul ensemble, pièges d'homonymes et de jumeaux)"
for size in $sizes; do
    for noise in low medium high; do
        "$own_prog" --size "$size" --noise "$noise" --threads 2
    done
done
