#!/bin/sh
# test_runs.sh — safe automation from the command line: an import over the
# thresholds is quarantined (nothing applied), shown, approved; a stale
# quarantined run is refused; thresholds per establishment; a run reverted
# (dry run first), the revert itself a run, a second revert refused.
. "$(dirname "$0")/lib.sh"

HUBFILL="$RELAIS_BUILD_DIR/hubfill"
A=0123456C

active() {
    sqlite3 hub.db "SELECT count(*) FROM student s JOIN entity e ON e.id = s.id WHERE e.is_active = 1"
}

json_get() { # json_get FILE EXPR: a value of the JSON in FILE (python expression on d)
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

expect_status 0 "$RELAIS" --db hub.db init --year 2025
"$HUBFILL" --db hub.db --uai $A --students 50 --quiet >/dev/null

# 6 students of 50 disappear (12 % > 10 %): quarantined, nothing applied.
expect_status 3 "$HUBFILL" --db hub.db --uai $A --students 44 --safe --quiet
q=$(sed -n 's/^quarantined //p' "$WORK/.out")
[ -n "$q" ] || fail "pas de quarantaine"
[ "$(active)" = 50 ] || fail "la quarantaine a appliqué quelque chose"
expect_status 0 "$RELAIS" --db hub.db runs list
contains "$WORK/.out" "en quarantaine"
expect_status 0 "$RELAIS" --db hub.db runs list --status quarantined --json
[ "$(json_get "$WORK/.out" 'len(d)')" = 1 ] || fail "filtre --status"
[ "$(json_get "$WORK/.out" 'd[0]["id"]')" = "$q" ] || fail "exécution en quarantaine"
expect_status 0 "$RELAIS" --db hub.db runs show "$q"
contains "$WORK/.out" "En quarantaine"
contains "$WORK/.out" "élèves"
contains "$WORK/.out" "relais runs approve $q"
expect_status 0 "$RELAIS" --db hub.db runs show "$q" --json
[ "$(json_get "$WORK/.out" 'd["reason"]["breaches"][0]["deactivated"]')" = 6 ] || fail "raison"
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" --db hub.db runs show "$q"
contains "$WORK/.out" "In quarantine"

# Approved: applied under its number; a second approval is refused.
expect_status 0 "$RELAIS" --db hub.db runs approve "$q"
contains "$WORK/.out" "approuvée"
[ "$(active)" = 44 ] || fail "approbation : $(active) élèves actifs"
expect_status 3 "$RELAIS" --db hub.db runs approve "$q"
contains "$WORK/.err" "n'est pas en quarantaine"
expect_status 2 "$RELAIS" --db hub.db runs approve abc

# A quarantined run whose establishment changed since is refused.
expect_status 3 "$HUBFILL" --db hub.db --uai $A --students 20 --safe --quiet
stale=$(sed -n 's/^quarantined //p' "$WORK/.out")
"$HUBFILL" --db hub.db --uai $A --students 44 --rename 5 --variant -X --quiet >/dev/null
expect_status 3 "$RELAIS" --db hub.db runs approve "$stale"
contains "$WORK/.err" "relancez l'import"
[ "$(active)" = 44 ] || fail "plan périmé appliqué"

# Thresholds per establishment: 20 % lets 6 of 44 students (13.6 %, and as many of
# their guardians) through.
expect_status 0 "$RELAIS" --db hub.db thresholds list
contains "$WORK/.out" "(défaut)"
expect_status 0 "$RELAIS" --db hub.db thresholds set --category student --uai $A --max-percent 20
expect_status 0 "$RELAIS" --db hub.db thresholds set --category guardian --uai $A --max-percent 20
expect_status 0 "$RELAIS" --db hub.db thresholds list --json
[ "$(json_get "$WORK/.out" '[t["max_percent"] for t in d if t["uai"] == "'$A'"][0]')" = 20 ] ||
    fail "seuil enregistré"
[ "$(json_get "$WORK/.out" '[t["max_count"] for t in d if t["uai"] == "'$A'"][0]')" = 200 ] ||
    fail "le nombre par défaut est gardé"
expect_status 0 "$HUBFILL" --db hub.db --uai $A --students 38 --rename 38 --variant -Y --safe --quiet
bad=$(sed -n 's/^run //p' "$WORK/.out")
[ -n "$bad" ] || fail "import sous le seuil non appliqué"
[ "$(active)" = 38 ] || fail "import appliqué"
expect_status 2 "$RELAIS" --db hub.db thresholds set --category nosuch --max-count 3
expect_status 0 "$RELAIS" --db hub.db thresholds set --category student --uai $A --reset
expect_status 0 "$RELAIS" --db hub.db thresholds set --category guardian --uai $A --reset
expect_status 0 "$RELAIS" --db hub.db thresholds list --json
[ "$(json_get "$WORK/.out" 'len(d)')" = 2 ] || fail "seuils par défaut seulement"

# Revert: dry run writes nothing, then the revert is a run of its own.
seq0=$(sqlite3 hub.db 'SELECT max(seq) FROM change')
expect_status 0 "$RELAIS" --db hub.db runs revert "$bad" --dry-run
contains "$WORK/.out" "Simulation"
[ "$(sqlite3 hub.db 'SELECT max(seq) FROM change')" = "$seq0" ] || fail "la simulation a écrit"
expect_status 0 "$RELAIS" --db hub.db runs revert "$bad" --json
rev=$(json_get "$WORK/.out" 'd["run_id"]')
[ "$(active)" = 44 ] || fail "annulation : $(active) élèves actifs"
[ "$(sqlite3 hub.db "SELECT count(*) FROM student WHERE nom_de_famille LIKE '%-Y'")" = 0 ] ||
    fail "noms non rétablis"
expect_status 0 "$RELAIS" --db hub.db runs show "$bad"
contains "$WORK/.out" "Annulée par l'exécution n°$rev"
expect_status 0 "$RELAIS" --db hub.db runs list
contains "$WORK/.out" "(annule n°$bad)"
expect_status 3 "$RELAIS" --db hub.db runs revert "$bad"
contains "$WORK/.err" "déjà été annulée"
expect_status 3 "$RELAIS" --db hub.db runs revert "$stale"
contains "$WORK/.err" "n'a pas été appliquée"
expect_status 3 "$RELAIS" --db hub.db runs show 999

# Through a real importer (cli_apply_plan): an STS-Web export with one teacher fewer,
# under a threshold of 0 deactivations of staff.
STS="$RELAIS_SOURCE_DIR/tests/data/samples/sts/sts_emp_0771991W_2018.xml"
expect_status 0 "$RELAIS" --db sts.db init --year 2018
expect_status 0 "$RELAIS" --db sts.db import sts "$STS"
python3 - "$STS" <<'EOF2'
import re, sys
b = open(sys.argv[1], "rb").read()
last = list(re.finditer(rb"<INDIVIDU [^>]*>.*?</INDIVIDU>", b, re.S))[-1]
open("moins.xml", "wb").write(b[:last.start()] + b[last.end():])
EOF2
expect_status 0 "$RELAIS" --db sts.db thresholds set --category staff --max-count 0
expect_status 0 "$RELAIS" --db sts.db import sts --dry-run moins.xml
contains "$WORK/.out" "serait mis en quarantaine"
expect_status 3 "$RELAIS" --db sts.db import sts moins.xml
contains "$WORK/.out" "MIS EN QUARANTAINE"
contains "$WORK/.out" "personnels : 1 désactivation(s) sur 3 actif(s)"
expect_status 3 "$RELAIS" --db sts.db import sts --json moins.xml
[ "$(json_get "$WORK/.out" 'd["quarantined"]')" = True ] || fail "JSON : quarantaine"
sq=$(json_get "$WORK/.out" 'd["quarantine_run"]')
[ "$(sqlite3 sts.db "SELECT count(*) FROM staff s JOIN entity e ON e.id = s.id WHERE e.is_active = 1")" = 3 ] ||
    fail "la quarantaine a désactivé un personnel"
expect_status 0 "$RELAIS" --db sts.db runs approve "$sq"
[ "$(sqlite3 sts.db "SELECT count(*) FROM staff s JOIN entity e ON e.id = s.id WHERE e.is_active = 1")" = 2 ] ||
    fail "approbation sans effet"
echo "test_runs : OK"
