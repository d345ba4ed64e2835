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
        --partner agate --noise medium --defects
    echo "Défauts injectés exprès (les contrôles doivent les trouver) : $DEMO/data/*/defects.tsv"
    step "Import des exports SIECLE de l'établissement (relais import siecle)"
    "$RELAIS" import siecle "$DEMO/data"
    step "Réimport des mêmes fichiers : rien ne change"
    "$RELAIS" import siecle "$DEMO/data" | sed -n '1,2p'
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

# Identity matching with the generated partner list, once the hub holds the establishment
# (the SIECLE and STS-Web import steps come before this one).
partner_list=$(ls "$DEMO"/data/*/partner_agate.csv 2>/dev/null | head -n 1 || true)
if has_command match && has_command "import siecle" && [ -n "$partner_list" ]; then
    step "Rapprochement des identités avec la liste du partenaire (relais match)"
    "$RELAIS" match --partner agate --out "$DEMO/rapprochement_agate.csv" "$partner_list"
    step "Responsables enregistrés deux fois (relais duplicates)"
    "$RELAIS" duplicates
fi

if [ -n "$uai" ] && has_command check; then
    step "Contrôles avant envoi (relais check) : rapport HTML $DEMO/rapport-controles.html"
    allow_data_errors "$RELAIS" check --uai "$uai" --limit 3 --html "$DEMO/rapport-controles.html"
fi

if [ -n "$uai" ] && has_command export; then
    step "Fichiers pour les applications (relais export) dans $DEMO/exports"
    "$RELAIS" export elegroupe --uai "$uai" --out "$DEMO/exports"
    "$RELAIS" export sts --uai "$uai" --out "$DEMO/exports"
    "$RELAIS" export identifiants --uai "$uai" --out "$DEMO/exports"
    "$RELAIS" export oneroster --uai "$uai" --out "$DEMO/exports"
    ls -l "$DEMO/exports"
fi

step "État du hub"
"$RELAIS" status

step "Serveur de synchronisation des partenaires (relais serve)"
uai=$("$RELAIS" status --json | sed -n 's/.*"uai": "\([0-9A-Z]*\)".*/\1/p' | head -n 1)
if [ -z "$uai" ]; then
    # No importer in this build yet: a synthetic establishment built through plans.
    uai=0999999Z
    "$(dirname "$RELAIS")/hubfill" --db "$RELAIS_DB" --uai "$uai" --students 600 \
        --name "COLLEGE DE DEMONSTRATION" --quiet >/dev/null
    echo "Établissement de démonstration $uai : 600 élèves et leurs responsables."
fi
"$RELAIS" org add DEMO --uai "$uai"
key=$("$RELAIS" keys new --org DEMO --json | sed -n 's/.*"key": "\([0-9A-F]*\)".*/\1/p')
echo "Clé de synchronisation (affichée une seule fois) : $key"
rm -f "$DEMO/port"
"$RELAIS" serve --listen 127.0.0.1:0 --port-file "$DEMO/port" --exit-after 30 \
    >"$DEMO/serve.out" 2>"$DEMO/serve.log" &
server=$!
i=0
while [ ! -s "$DEMO/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url="http://127.0.0.1:$(cat "$DEMO/port")/SAPO_API/SYNCH/$uai/$key"
echo "URL du partenaire : $url"
curl -s -D "$DEMO/headers.txt" -o "$DEMO/lot1.xml" "$url"
grep -i '^x-relais' "$DEMO/headers.txt" | tr -d '\r'
echo "Début du premier lot ($(wc -c <"$DEMO/lot1.xml") octets, $DEMO/lot1.xml) :"
head -n 4 "$DEMO/lot1.xml" | cut -c 1-160
kill -TERM "$server"
wait "$server" || true
echo "Journal du serveur (la clé n'y figure pas) :"
cat "$DEMO/serve.log"

printf '\nDémo terminée : la base est %s (ouvrable avec sqlite3).\n' "$RELAIS_DB"
