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

step "État du hub"
"$RELAIS" status

printf '\nDémo terminée : la base est %s (ouvrable avec sqlite3).\n' "$RELAIS_DB"
