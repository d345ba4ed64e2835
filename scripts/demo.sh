#!/bin/sh
# demo.sh — the main job of relais on generated data, with the embedded SQLite
# store, in ./demo/ (run by `make demo` after the build). Each step prints what
# it does; the hub file stays in demo/ to look at afterwards.
set -eu
cd "$(dirname "$0")/.."
RELAIS=${RELAIS:-$PWD/build/relais}
DEMO=${DEMO_DIR:-$PWD/demo}
rm -rf "$DEMO"
mkdir -p "$DEMO"
export RELAIS_DB="$DEMO/relais.db"
year=2025

step() {
    if [ -t 1 ]; then
        printf '\n\033[1m== %s\033[0m\n' "$*"
    else
        printf '\n== %s\n' "$*"
    fi
}

has_command() {
    "$RELAIS" --help | grep -q "^  $1 "
}

step "Création du hub ($RELAIS_DB)"
"$RELAIS" init --year "$year"

if has_command gen; then
    step "Génération d'un établissement fictif (relais gen)"
    "$RELAIS" gen --out "$DEMO/data" --seed 42 --establishments 1 --students 600 --year "$year" \
        --partner agate --noise medium
fi

# Status 1 = the run completed and its report lists data errors: part of the demo.
allow_data_errors() {
    "$@" || [ $? -eq 1 ]
}

uai=""
if [ -d "$DEMO/data" ]; then
    uai=$(ls "$DEMO/data" | grep -v '\.tsv$' | head -1)
fi
if [ -n "$uai" ] && has_command "import sts"; then
    step "Import de l'export STS-Web (relais import sts)"
    allow_data_errors "$RELAIS" import sts "$DEMO/data/$uai/sts_emp_${uai}_${year}.xml"
fi
if [ -n "$uai" ] && has_command "import timetable"; then
    step "Import de l'emploi du temps et correspondances (relais import timetable)"
    allow_data_errors "$RELAIS" import timetable "$DEMO/data/$uai/emp_sts_${uai}_${year}.xml"
    step "Couverture des correspondances (relais map list)"
    "$RELAIS" map list groupe
fi

step "État du hub"
"$RELAIS" status

printf '\nDémo terminée : la base est %s (ouvrable avec sqlite3).\n' "$RELAIS_DB"
