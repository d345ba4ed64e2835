#!/bin/sh
# test_match.sh — `relais match` (partner CSV, ENT identifiers, AAF), manual
# decisions, the file for the partner and `relais duplicates`, on the small
# constructed hub of tests/golden/match/hub.sql: golden outputs, exit statuses,
# what is (not) written, decisions surviving re-runs, English through LANG.
. "$(dirname "$0")/lib.sh"

M="$GOLDEN/match"
cp "$M/partner.csv" partner.csv
cp "$M/ENT-Identifiants-0999999Z.csv" ENT-Identifiants-0999999Z.csv
cp -r "$M/aaf" aaf
expect_status 0 "$RELAIS" --db hub.db init --year 2025
sqlite3 hub.db < "$M/hub.sql"
export RELAIS_DB=hub.db
links() { sqlite3 hub.db "SELECT count(*) FROM crosswalk WHERE application = '$1' AND is_active = 1"; }
changes() { sqlite3 hub.db "SELECT count(*) FROM change"; }

# Usage errors: status 2; a missing file: 3; nothing written.
expect_status 2 "$RELAIS" match partner.csv
contains "$WORK/.err" "--partner"
expect_status 2 "$RELAIS" match --partner "a.b" partner.csv
expect_status 2 "$RELAIS" match --partner siecle partner.csv
expect_status 2 "$RELAIS" match --partner agate
expect_status 2 "$RELAIS" match --partner agate --dry-run --out x.csv partner.csv
expect_status 3 "$RELAIS" match --partner agate absent.csv
expect_status 2 "$RELAIS" match accept agate
expect_status 2 "$RELAIS" match accept agate E9 abc
[ "$(changes)" = 0 ] || fail "une erreur a écrit"

# Dry run: the report, nothing written.
expect_status 0 "$RELAIS" match --partner agate --dry-run --json partner.csv
golden match/dry-run.json "$WORK/.out"
contains "$WORK/.err" "ELEVE_SANS_DATE"
contains "$WORK/.err" "CATEGORIE_INCONNUE"
[ "$(changes)" = 0 ] || fail "--dry-run a écrit"

# The run: links written, the table administrators know.
expect_status 0 "$RELAIS" match --partner agate partner.csv
golden match/run.txt "$WORK/.out"
[ "$(links agate)" = 14 ] || fail "liens agate : $(links agate)"
n=$(changes)

# The same list again changes nothing (the crosswalk only notes it saw them).
expect_status 0 "$RELAIS" match --partner AGATE --json partner.csv
golden match/rerun.json "$WORK/.out"
[ "$(changes)" = "$n" ] || fail "relancer a changé des données"

# Manual decisions: E9 is the younger Manon THOMAS, E10 is not Jean-Baptiste.
expect_status 0 "$RELAIS" match accept agate E9 110
golden match/accept.txt "$WORK/.out"
expect_status 0 "$RELAIS" match reject agate E10 --json
golden match/reject.json "$WORK/.out"
expect_status 3 "$RELAIS" match accept agate NOPE
contains "$WORK/.err" "RELAIS_ID"
expect_status 3 "$RELAIS" match accept agate E9 999999
expect_status 3 "$RELAIS" match accept agate E9 10 # a division, not a person
[ "$(sqlite3 hub.db "SELECT provenance FROM xref WHERE external_id = 'E9'")" = manual ] ||
    fail "E9 n'est pas manuel"

# Later runs never override them.
expect_status 0 "$RELAIS" match --partner agate --json partner.csv
golden match/after-decisions.json "$WORK/.out"
[ "$(sqlite3 hub.db "SELECT entity_id FROM crosswalk WHERE external_id = 'E9' AND is_active = 1")" = 110 ] ||
    fail "la décision manuelle sur E9 n'a pas tenu"
[ "$(sqlite3 hub.db "SELECT count(*) FROM crosswalk WHERE external_id = 'E10' AND is_active = 1")" = 0 ] ||
    fail "le refus de E10 n'a pas tenu"

# A partner person who left the list: its automatic link is withdrawn, a manual one stays.
grep -v -e '^eleve;E2;' -e '^eleve;E9;' partner.csv > partner-less.csv
expect_status 0 "$RELAIS" match --partner agate partner-less.csv
contains "$WORK/.out" "1 retiré(s)"
[ "$(sqlite3 hub.db "SELECT is_active FROM crosswalk WHERE external_id = 'E2'")" = 0 ] ||
    fail "le lien de E2 devrait être retiré"
[ "$(sqlite3 hub.db "SELECT is_active FROM crosswalk WHERE external_id = 'E9'")" = 1 ] ||
    fail "le lien manuel de E9 ne doit pas être retiré"
expect_status 0 "$RELAIS" match --partner agate partner.csv

# The file for the partner, CSV and XML.
expect_status 0 "$RELAIS" match export --partner agate
golden match/export.csv "$WORK/.out"
expect_status 0 "$RELAIS" match export --partner agate --format xml --out rapprochement.xml
golden match/export.xml rapprochement.xml
expect_status 0 "$RELAIS" match --partner agate --out retour.csv partner.csv
cmp -s retour.csv "$GOLDEN/match/export.csv" || fail "--out diffère de relais match export"

# Duplicate guardians inside the hub: proposals only.
expect_status 0 "$RELAIS" duplicates
golden match/duplicates.txt "$WORK/.out"
expect_status 0 "$RELAIS" duplicates --uai 0999999z --json
golden match/duplicates.json "$WORK/.out"

# The ENT identifiers file: UIDs and logins go into the crosswalk; passwords never.
expect_status 0 "$RELAIS" match --partner ent --json ENT-Identifiants-0999999Z.csv
golden match/ent.json "$WORK/.out"
[ "$(links ent)" = 5 ] || fail "liens ent : $(links ent)"
[ "$(sqlite3 hub.db "SELECT entity_id FROM xref WHERE application = 'ent.login' AND external_id = 'lea.dupont'")" = 101 ] ||
    fail "identifiant ENT de Léa absent"
! sqlite3 hub.db .dump | grep -q -e motdepasse -e "{SHA}" || fail "un mot de passe a été enregistré"

# AAF person files (a directory of an AAF delivery): the SIECLE id is a key.
expect_status 0 "$RELAIS" match --partner aaf --json aaf
golden match/aaf.json "$WORK/.out"
contains "$WORK/.out" '        "siecle_id"'

# English through LANG.
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" match --partner agate --dry-run partner.csv
contains "$WORK/.out" "Matched"
contains "$WORK/.out" "Students"
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" duplicates
contains "$WORK/.out" "nothing is merged"
echo "test_match : OK"
