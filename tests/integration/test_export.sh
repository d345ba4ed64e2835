#!/bin/sh
# test_export.sh — `relais export` end to end on a generated establishment:
# usage errors; the timetable upload to STS-Web re-read by our own timetable
# importer gives back the same upload, byte for byte; an unmatched teacher
# blocks it (status 3, nothing written) unless --force, which leaves the
# course out and says so; identifiants and OneRoster written; an output path
# that cannot be written is refused with nothing left behind.
. "$(dirname "$0")/lib.sh"

"$RELAIS" gen --out data --seed 7 --establishments 1 --students 300 --year 2025 >/dev/null
UAI=$(ls data | grep -v '\.tsv$')
EDT="data/$UAI/emp_sts_${UAI}_2025.xml"
STSX="data/$UAI/sts_emp_${UAI}_2025.xml"

expect_status 0 "$RELAIS" --db a.db init --year 2025
expect_status 2 "$RELAIS" --db a.db export
expect_status 2 "$RELAIS" --db a.db export photos --uai "$UAI" --out out
expect_status 2 "$RELAIS" --db a.db export sts --out out
expect_status 3 "$RELAIS" --db a.db export sts --uai "$UAI" --out out
[ ! -e out ] || fail "un export refusé a créé $WORK/out"

expect_status 0 "$RELAIS" --db a.db import sts "$STSX"
expect_status 0 "$RELAIS" --db a.db import timetable "$EDT"

# The upload, then re-read by the timetable importer of another hub: the same upload again.
expect_status 0 "$RELAIS" --db a.db export sts --uai "$UAI" --out out
contains "$WORK/.out" "emp_sts_${UAI}_2025.xml"
head -1 "out/emp_sts_${UAI}_2025.xml" | grep -q 'encoding="ISO-8859-15"' || fail "encodage"
expect_status 0 "$RELAIS" --db b.db init --year 2025
expect_status 0 "$RELAIS" --db b.db import sts "$STSX"
expect_status 0 "$RELAIS" --db b.db import timetable "out/emp_sts_${UAI}_2025.xml"
expect_status 0 "$RELAIS" --db b.db export sts --uai "$UAI" --out out2
cmp "out/emp_sts_${UAI}_2025.xml" "out2/emp_sts_${UAI}_2025.xml" ||
    fail "la remontée relue par l'import d'emploi du temps ne redonne pas la même remontée"

# A teacher the timetable knows but STS-Web does not: the upload is refused until --force.
teacher=$(grep -o '<ENSEIGNANT [^>]*ID="[^"]*"' "$EDT" | head -1 | sed 's/.*ID="\([^"]*\)".*/\1/')
[ -n "$teacher" ] || fail "aucun enseignant dans $EDT"
sed "s/\(<ENSEIGNANT [^>]*\)ID=\"$teacher\"/\1ID=\"99999999\"/" "$EDT" >edt-inconnu.xml
expect_status 0 "$RELAIS" --db b.db import timetable edt-inconnu.xml
expect_status 3 "$RELAIS" --db b.db export sts --uai "$UAI" --out out3
contains "$WORK/.out" "STS_NON_APPARIE"
contains "$WORK/.out" "99999999"
[ ! -e out3 ] || fail "export refusé mais écrit"
expect_status 0 "$RELAIS" --db b.db export sts --uai "$UAI" --out out3 --force --json
contains "$WORK/.out" '"forced": true'
contains "$WORK/.out" '"courses_unmatched":'
grep -q '"courses_unmatched": 0' "$WORK/.out" && fail "le cours non apparié n'est pas compté"
grep -q "99999999" out3/*.xml && fail "un enseignant non apparié a été remonté"

# Identifiants and OneRoster.
expect_status 0 "$RELAIS" --db a.db export identifiants --uai "$UAI" --out out4
contains "$WORK/.out" "identifiants_${UAI}_2025.csv"
contains "$WORK/.out" "publipostage_${UAI}_2025.csv"
head -c 3 "out4/identifiants_${UAI}_2025.csv" | od -An -tx1 | grep -q "ef bb bf" || fail "BOM"
expect_status 0 "$RELAIS" --db a.db export oneroster --uai "$UAI" --out out4 --json
contains "$WORK/.out" "OneRoster_${UAI}_2025.zip"
bsdtar -tf "out4/OneRoster_${UAI}_2025.zip" >entries.txt
for f in manifest orgs academicSessions courses classes users roles enrollments demographics; do
    grep -qx "$f.csv" entries.txt || fail "OneRoster : $f.csv absent"
done

# An output path that is a file: refused, nothing left behind.
touch occupe
expect_status 3 "$RELAIS" --db a.db export oneroster --uai "$UAI" --out occupe
contains "$WORK/.err" "occupe"
[ -f occupe ] && [ ! -s occupe ] || fail "le fichier occupe a été modifié"
# The identifiers export read back: a second hub with the same SIECLE and STS-Web data gets
# the partner's links from it (relais match), and its own export is the same file.
"$RELAIS" gen --out pdata --seed 9 --establishments 1 --students 300 --year 2025 \
    --partner agate >/dev/null
PUAI=$(ls pdata | grep -v '\.tsv$')
for db in p1 p2; do
    expect_status 0 "$RELAIS" --db $db.db init --year 2025
    expect_status 0 "$RELAIS" --db $db.db import siecle pdata
    expect_status 0 "$RELAIS" --db $db.db import sts "pdata/$PUAI/sts_emp_${PUAI}_2025.xml"
done
expect_status 0 "$RELAIS" --db p1.db match --partner agate "pdata/$PUAI/partner_agate.csv"
expect_status 0 "$RELAIS" --db p1.db export identifiants --uai "$PUAI" --out p1out
linked=$(awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /agate/) c = i; next }
                     $c != "" { n++ } END { print n + 0 }' "p1out/identifiants_${PUAI}_2025.csv")
[ "$linked" -gt 100 ] || fail "trop peu de liens agate dans l'export ($linked)"
expect_status 0 "$RELAIS" --db p2.db match --partner agate "p1out/identifiants_${PUAI}_2025.csv"
[ ! -s "$WORK/.err" ] || { cat "$WORK/.err" >&2; fail "avertissements à la relecture de l'export"; }
expect_status 0 "$RELAIS" --db p2.db export identifiants --uai "$PUAI" --out p2out
cmp "p1out/identifiants_${PUAI}_2025.csv" "p2out/identifiants_${PUAI}_2025.csv" ||
    fail "l'export des identifiants relu par relais match ne redonne pas le même fichier"
echo "test_export : OK"
