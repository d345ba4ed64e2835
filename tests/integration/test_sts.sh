#!/bin/sh
# test_sts.sh — `relais import sts`, `relais import timetable` and `relais map`
# end to end: golden reports on the samples, dry run writes nothing, re-import
# changes nothing, one test per refusal (status 3, hub untouched, the place of
# the error named), the CSV format, manual correspondences surviving automatic
# runs, English messages, and a generated establishment (relais gen) with its
# timetable, all matched, whose injected defects the checks then report.
. "$(dirname "$0")/lib.sh"
S="$RELAIS_SOURCE_DIR/tests/data/samples/sts"
STS="$S/sts_emp_0771991W_2018.xml"

changes() { sqlite3 hub.db 'SELECT count(*) FROM change'; }
runs() { sqlite3 hub.db 'SELECT count(*) FROM run'; }

# refused STATUS ERRTEXT cmd... : refused with STATUS, ERRTEXT on stderr, hub untouched.
refused() {
    want=$1
    text=$2
    shift 2
    before="$(changes) $(runs)"
    expect_status "$want" "$@"
    contains "$WORK/.err" "$text"
    [ "$before" = "$(changes) $(runs)" ] || fail "$* a écrit dans le hub"
}

expect_status 0 "$RELAIS" --db hub.db init --year 2018

# Usage.
expect_status 2 "$RELAIS" --db hub.db import sts
expect_status 2 "$RELAIS" --db hub.db import timetable a b
expect_status 2 "$RELAIS" --db hub.db map set salle X Y
expect_status 0 "$RELAIS" import sts --help
contains "$WORK/.out" "--dry-run"

# Dry run: the report, nothing written.
expect_status 0 "$RELAIS" --db hub.db import sts --dry-run "$STS"
contains "$WORK/.out" "Simulation (--dry-run)"
[ "$(runs)" = 0 ] || fail "--dry-run a écrit"

# Import, then the same file again: nothing changes.
expect_status 0 "$RELAIS" --db hub.db import sts "$STS"
golden sts/import-sts.txt "$WORK/.out"
expect_status 0 "$RELAIS" --db hub.db import sts --json "$STS"
contains "$WORK/.out" '"changes": 0'
[ "$(sqlite3 hub.db "SELECT count(*) FROM xref WHERE application = 'sts'")" = 14 ] ||
    fail "identifiants STS absents du référentiel"

# The same export inside a zip, as some consumers accept it: read the same, nothing changes.
(cd "$S" && zip -q "$WORK/sts.zip" sts_emp_0771991W_2018.xml)
expect_status 0 "$RELAIS" --db hub.db import sts --json "$WORK/sts.zip"
contains "$WORK/.out" '"changes": 0'

# Refusals: one each, status 3, nothing written, the place of the error named.
refused 3 "relais import timetable" "$RELAIS" --db hub.db import sts "$S/open-ent-edt_case8_emp_sts.xml"
refused 3 "relais import sts" "$RELAIS" --db hub.db import timetable "$STS"
refused 3 "open-ent-edt_parsing-error-case_emp_sts.malformed.xml:82" \
    "$RELAIS" --db hub.db import timetable "$S/open-ent-edt_parsing-error-case_emp_sts.malformed.xml"
refused 3 "2018-2019" "$RELAIS" --db hub.db import sts --year 2019 "$STS"
refused 3 "0750001A" "$RELAIS" --db hub.db import sts --uai 0750001A "$STS"
refused 3 "absent.xml" "$RELAIS" --db hub.db import sts "$WORK/absent.xml"
cp "$STS" "$WORK/sts_emp_0771991W_2019.xml"
refused 3 "2019" "$RELAIS" --db hub.db import sts "$WORK/sts_emp_0771991W_2019.xml"
printf '<?xml version="1.0"?>\n<!DOCTYPE STS_EDT [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<STS_EDT>&x;</STS_EDT>\n' >"$WORK/xxe.xml"
refused 3 "xxe.xml:2" "$RELAIS" --db hub.db import sts "$WORK/xxe.xml"
head -c 3000 "$STS" >"$WORK/cut.xml"
refused 3 "cut.xml" "$RELAIS" --db hub.db import sts "$WORK/cut.xml"
refused 3 "klepsydrix" "$RELAIS" --db hub.db import sts "$S/klepsydrix_sts_emp_0750001A_2026.constructed.xml"
printf 'jour;debut;duree;matiere;classes\n1;8h;60;Fran\351ais;3A\n' >"$WORK/latin1.csv"
refused 3 "latin1.csv:2" "$RELAIS" --db hub.db import timetable "$WORK/latin1.csv"
refused 3 "2019-2020" "$RELAIS" --db hub.db import timetable --year 2019 "$S/open-ent-edt_case8_emp_sts.xml"

# The timetable upload: every name matched, golden report; then the other sample replaces it.
expect_status 0 "$RELAIS" --db hub.db import timetable "$S/open-ent-edt_case8_emp_sts.xml"
golden sts/import-timetable.txt "$WORK/.out"
expect_status 0 "$RELAIS" --db hub.db import timetable --json "$S/open-ent-edt_case6_emp_sts.xml"
contains "$WORK/.out" '"coverage"'
contains "$WORK/.out" '"deactivated": 1'
[ "$(sqlite3 hub.db "SELECT count(*) FROM course c JOIN entity e ON e.id = c.id WHERE e.is_active = 1")" = 1 ] ||
    fail "l'emploi du temps complet n'a pas remplacé le précédent"

# The CSV: unmatched names and a group without its STS-Web service make data errors (status 1).
cat >"$WORK/edt.csv" <<'EOF'
jour;début;durée;semaines;matière;enseignants;classes;groupes;salle
lundi;8h30;55;;Français;LEFEVRE Hélène;3A;;B12
Lundi;09:25;1h;36-43,45;MATHS;MARTIN P.;3 a;;B12
mardi;10:30;1h30;A;Anglais LV1;Dupont Jean;;3AB_ANG;C3
mardi;14:00;60;;Latin;M. MARTIN;;LAT3;D1
EOF
expect_status 1 "$RELAIS" --db hub.db import timetable "$WORK/edt.csv"
golden sts/import-csv.txt "$WORK/.out"

# Manual correspondences: set, survive automatic runs, unset.
expect_status 0 "$RELAIS" --db hub.db map set matiere Latin 020700
expect_status 0 "$RELAIS" --db hub.db map set enseignant "Dupont Jean" 69882
expect_status 3 "$RELAIS" --db hub.db map set groupe LAT3 NOPE
contains "$WORK/.err" "NOPE"
expect_status 1 "$RELAIS" --db hub.db import timetable "$WORK/edt.csv"
expect_status 0 "$RELAIS" --db hub.db map list
golden sts/map-list.txt "$WORK/.out"
expect_status 0 "$RELAIS" --db hub.db map list --json enseignant
contains "$WORK/.out" '"provenance": "manual"'
expect_status 0 "$RELAIS" --db hub.db map unset matiere Latin
expect_status 0 "$RELAIS" --db hub.db map list matiere
contains "$WORK/.out" "Latin                → (non apparié)"

# English.
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" --db hub.db import sts --dry-run "$STS"
contains "$WORK/.out" "STS-Web import"
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" --db hub.db map list
contains "$WORK/.out" "Timetable → hub correspondences"

# A generated establishment: the STS-Web export and its timetable, every name matched.
expect_status 0 "$RELAIS" gen --out gen --seed 5 --students 900 --year 2025 --defects
uai=$(ls gen | grep -v '\.tsv$' | head -1)
expect_status 0 "$RELAIS" --db gen.db init --year 2025
expect_status 0 "$RELAIS" --db gen.db import sts "gen/$uai/sts_emp_${uai}_2025.xml"
expect_status 0 "$RELAIS" --db gen.db import timetable --json "gen/$uai/emp_sts_${uai}_2025.xml"
python3 - "$WORK/.out" <<'PY' || fail "couverture incomplète sur données générées"
import json, sys
r = json.load(open(sys.argv[1]))
for kind, c in r["coverage"].items():
    assert c["total"] > 0 and c["matched"] == c["total"], (kind, c)
assert r["totals"]["course"]["created"] > 100, r["totals"]
codes = {w["code"] for w in r["warnings"]}
assert codes <= {"GROUPE_CODE_STS_INVALIDE"}, codes
PY
expect_status 0 "$RELAIS" --db gen.db import timetable "gen/$uai/emp_sts_${uai}_2025.xml"
contains "$WORK/.out" "0 modification(s)"
set +e
"$RELAIS" --db gen.db check >"$WORK/check.txt" 2>&1
set -e
grep -q "PREP_LIBELLE_DIVISION  *1 " "$WORK/check.txt" || fail "défaut libelle_division_different non vu"
grep -q "STS_CODE_GROUPE_INVALIDE  *1 " "$WORK/check.txt" || fail "défaut code_groupe_trop_long non vu"
grep -q "STS_NON_APPARIE  *0 " "$WORK/check.txt" || fail "éléments non appariés sur données générées"
# With SIECLE too (once `relais import siecle` exists): the three sources share one model, each
# name of the timetable resolves to a record both STS-Web and SIECLE list, and no source undoes
# another's work (every re-import changes nothing).
if "$RELAIS" --help | grep -q "^  import siecle "; then
    expect_status 0 "$RELAIS" --db full.db init --year 2025
    expect_status 0 "$RELAIS" --db full.db import siecle "gen/$uai"
    expect_status 0 "$RELAIS" --db full.db import sts "gen/$uai/sts_emp_${uai}_2025.xml"
    expect_status 0 "$RELAIS" --db full.db import timetable "gen/$uai/emp_sts_${uai}_2025.xml"
    expect_status 0 "$RELAIS" --db full.db map list --json
    python3 - "$WORK/.out" <<'PY' || fail "correspondances STS-Web + SIECLE incomplètes"
import json, sys
r = json.load(open(sys.argv[1]))
for c in r["correspondences"]:
    if c["kind"] in ("division", "group", "subject"):
        assert c["in_sts"] and c["in_siecle"], c
    assert c["entity_id"], c
PY
    for cmd in "import siecle gen/$uai" "import sts gen/$uai/sts_emp_${uai}_2025.xml" \
        "import timetable gen/$uai/emp_sts_${uai}_2025.xml"; do
        # shellcheck disable=SC2086
        expect_status 0 "$RELAIS" --db full.db $cmd
        contains "$WORK/.out" "0 modification(s)"
    done
fi
echo "test_sts : OK"
