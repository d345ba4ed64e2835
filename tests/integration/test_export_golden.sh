#!/bin/sh
# test_export_golden.sh — every export of a small generated establishment (SIECLE, STS-Web,
# timetable, partner links) compared with tests/golden/export/, byte for byte: the ELEGROUPE
# XML inside its zip (ISO-8859-15) and its report, the STS-Web upload, the identifiers and
# mail-merge files, each CSV of the OneRoster package. UPDATE_GOLDEN=1 rewrites them after a
# deliberate change (of an export, or of relais gen).
. "$(dirname "$0")/lib.sh"

"$RELAIS" gen --out data --seed 21 --establishments 1 --students 40 --year 2025 \
    --partner agate >/dev/null
UAI=$(ls data | grep -v '\.tsv$')
export RELAIS_DB=g.db
expect_status 0 "$RELAIS" init --year 2025
expect_status 0 "$RELAIS" import siecle data
expect_status 0 "$RELAIS" import sts "data/$UAI/sts_emp_${UAI}_2025.xml"
expect_status 0 "$RELAIS" import timetable "data/$UAI/emp_sts_${UAI}_2025.xml"
expect_status 0 "$RELAIS" match --partner agate "data/$UAI/partner_agate.csv"
for kind in elegroupe sts identifiants oneroster; do
    expect_status 0 "$RELAIS" export "$kind" --uai "$UAI" --out out
done

# The names SIECLE requires: UAI, ELEGROUPE, year, time of the export (RELAIS_NOW, Paris time).
zip="out/${UAI}ELEGROUPE2025251001100000.zip"
[ -f "$zip" ] || { ls out >&2; fail "zip ELEGROUPE absent ou mal nommé"; }
[ "$(bsdtar -tf "$zip")" = "${UAI}ELEGROUPE2025251001100000.xml" ] || fail "contenu du zip"
bsdtar -xOf "$zip" >elegroupe.xml
golden export/elegroupe.xml elegroupe.xml
golden export/elegroupe_rapport.txt "out/${UAI}ELEGROUPE2025251001100000_rapport.txt"
golden export/emp_sts.xml "out/emp_sts_${UAI}_2025.xml"
golden export/identifiants.csv "out/identifiants_${UAI}_2025.csv"
golden export/publipostage.csv "out/publipostage_${UAI}_2025.csv"
mkdir oneroster
(cd oneroster && bsdtar -xf "../out/OneRoster_${UAI}_2025.zip")
for f in manifest orgs academicSessions courses classes users roles enrollments demographics; do
    golden "export/oneroster/$f.csv" "oneroster/$f.csv"
done
echo "test_export_golden : OK"
