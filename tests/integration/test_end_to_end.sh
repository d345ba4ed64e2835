#!/bin/sh
# test_end_to_end.sh — the whole chain on generated establishments with the
# defects `relais gen --defects` injects: import SIECLE, STS-Web and the
# timetable; `relais check` reports every injected defect under the rule
# defects.tsv names, on the person or structure it names; the HTML report is
# written; the ELEGROUPE file relais exports, judged again as SIECLE will
# judge it (`check --elegroupe`), has no error; the other exports are written.
. "$(dirname "$0")/lib.sh"

"$RELAIS" gen --out data --seed 11 --establishments 2 --students 1200 --year 2025 --defects \
    >/dev/null
expect_status 0 "$RELAIS" --db e.db init --year 2025
expect_status 0 "$RELAIS" --db e.db import siecle data
uais=$(ls data | grep -v '\.tsv$')
[ "$(echo "$uais" | wc -l)" -eq 2 ] || fail "deux établissements attendus : $uais"

for uai in $uais; do
    expect_status 0 "$RELAIS" --db e.db import sts "data/$uai/sts_emp_${uai}_2025.xml"
    expect_status 0 "$RELAIS" --db e.db import timetable "data/$uai/emp_sts_${uai}_2025.xml"

    # Every injected defect is found, on what it names.
    expect_status 1 "$RELAIS" --db e.db check --uai "$uai" --json --html "rapport-$uai.html"
    cp "$WORK/.out" "check-$uai.json"
    python3 - "check-$uai.json" "data/$uai/defects.tsv" <<'EOF' || fail "$uai : défaut injecté non signalé"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")
        if l.strip() and not l.startswith("#") and not l.startswith("code\t")]
assert len(rows) >= 7, rows
missing = []
for code, rule, details in rows:
    tokens = [t for t in details.split(";") if t]
    texts = [" ".join(str(f.get(k, "")) for k in ("label", "ids", "message"))
             for f in report["findings"] if f["rule"] == rule]
    if not any(t in text for text in texts for t in tokens):
        missing.append(f"{code} ({rule}, {details}) : {len(texts)} constat(s) sans ces identifiants")
for m in missing:
    print(m, file=sys.stderr)
sys.exit(1 if missing else 0)
EOF
    contains "rapport-$uai.html" "ENT_GROUPE_ANCIENNE_DIVISION"

    # The student-group file relais writes passes SIECLE's rules: no error.
    expect_status 0 "$RELAIS" --db e.db export elegroupe --uai "$uai" --out "out-$uai"
    zip=$(ls "out-$uai"/*.zip)
    [ -n "$zip" ] || fail "$uai : pas de zip ELEGROUPE"
    set +e
    "$RELAIS" --db e.db check --uai "$uai" --elegroupe "$zip" --json >"elegroupe-$uai.json"
    set -e
    python3 - "elegroupe-$uai.json" <<'EOF' || fail "$uai : le fichier exporté serait rejeté"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
errors = [f for f in r["findings"] if f["severity"] == "error"]
for f in errors[:10]:
    print(f["rule"], f.get("label"), f.get("message"), file=sys.stderr)
judged = [x for x in r["rules"] if x["family"] == "elegroupe"]
assert judged, "aucune règle ELEGROUPE jugée"
sys.exit(1 if errors else 0)
EOF

    # The other files: identifiers and OneRoster (STS-Web upload refused while a group
    # code is invalid, written with --force).
    expect_status 0 "$RELAIS" --db e.db export identifiants --uai "$uai" --out "out-$uai"
    expect_status 0 "$RELAIS" --db e.db export oneroster --uai "$uai" --out "out-$uai"
    expect_status 0 "$RELAIS" --db e.db export sts --uai "$uai" --out "out-$uai" --force
    [ -s "out-$uai/emp_sts_${uai}_2025.xml" ] || fail "$uai : remontée STS-Web absente"
done
