#!/bin/sh
# bench_sts.sh — `relais import sts` and `relais import timetable` on a
# generated establishment of about 300 teachers: first import (everything
# created), re-import (nothing changes), the timetable with its
# correspondences, and `relais map list`; wall time, MB/s, records/s and peak
# RSS. `relais gen` caps an establishment at 2,500 students (~170 teachers), so
# the college and the lycée of a two-establishment académie are merged into one
# export and one timetable (disjoint codes and ids; shared code lists kept once).
# Run by bench/run.sh, which exports $RELAIS and $RELAIS_BENCH_DIR.
set -eu
: "${RELAIS:?}" "${RELAIS_BENCH_DIR:?}"
timer=/usr/bin/time
[ -x "$timer" ] || { echo "bench_sts: /usr/bin/time manquant (paquet time)" >&2; exit 1; }
dir="$RELAIS_BENCH_DIR/sts"
rm -rf "$dir"
mkdir -p "$dir"
"$RELAIS" gen --out "$dir/gen" --seed 1 --establishments 2 --students 5000 --year 2025 >/dev/null

python3 - "$dir" <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

out = sys.argv[1]
uais = sorted(d for d in os.listdir(os.path.join(out, "gen")) if len(d) == 8)
def load(kind, uai):
    return ET.parse(glob.glob(os.path.join(out, "gen", uai, f"{kind}_{uai}_2025.xml"))[0])

def merge_children(base, other, path, key):
    b, o = base.find(path), other.find(path)
    if b is None or o is None:
        return
    have = {key(e) for e in b}
    for e in list(o):
        if key(e) not in have:
            b.append(e)
            have.add(key(e))

first, second = uais
sts, sts2 = load("sts_emp", first), load("sts_emp", second)
for path in ["NOMENCLATURES/MATIERES", "NOMENCLATURES/MEFS", "NOMENCLATURES/MODS_COURS",
             "NOMENCLATURES/CIVILITES", "NOMENCLATURES/MEFSTATS4"]:
    merge_children(sts.getroot(), sts2.getroot(), path, lambda e: e.get("CODE"))
for path in ["NOMENCLATURES/PROGRAMMES", "DONNEES/INDIVIDUS", "DONNEES/STRUCTURE/DIVISIONS",
             "DONNEES/STRUCTURE/GROUPES"]:
    merge_children(sts.getroot(), sts2.getroot(), path, lambda e: ET.tostring(e))
sts.write(os.path.join(out, f"sts_emp_{first}_2025.xml"), encoding="ISO-8859-15",
          xml_declaration=True)
edt, edt2 = load("emp_sts", first), load("emp_sts", second)
for path in ["DONNEES/SALLES_COURS", "DONNEES/INDIVIDUS", "DONNEES/STRUCTURE/DIVISIONS",
             "DONNEES/STRUCTURE/GROUPES"]:
    merge_children(edt.getroot(), edt2.getroot(), path, lambda e: (e.get("CODE"), e.get("ID")))
edt.write(os.path.join(out, f"emp_sts_{first}_2025.xml"), encoding="ISO-8859-15",
          xml_declaration=True)
PY
uai=$(ls "$dir"/sts_emp_*.xml | sed 's/.*sts_emp_\(........\)_2025.xml/\1/')
sts="$dir/sts_emp_${uai}_2025.xml"
edt="$dir/emp_sts_${uai}_2025.xml"
teachers=$(grep -c '<INDIVIDU ' "$sts")
services=$(grep -c '<SERVICE ' "$sts")
courses=$(grep -c '<COURS>' "$edt")
echo "export STS-Web : $teachers individus, $services services, $(($(wc -c <"$sts") / 1024)) Kio ; emploi du temps : $courses cours, $(($(wc -c <"$edt") / 1024)) Kio"

"$RELAIS" --db "$dir/hub.db" init --year 2025 >/dev/null

# measure LABEL FILE cmd... : time, peak RSS, records changed (from --json).
measure() {
    label=$1
    file=$2
    shift 2
    status=0
    t0=$(date +%s.%N)
    "$timer" -f "%M" -o "$dir/time" "$@" --json >"$dir/out.json" || status=$?
    t1=$(date +%s.%N)
    [ "$status" -le 1 ] || { echo "bench_sts: $label a échoué ($status)" >&2; cat "$dir/out.json" >&2; exit 1; }
    read -r rss_kb <"$dir/time"
    changes=$(grep -m1 -o '"changes": [0-9]*' "$dir/out.json" | grep -o '[0-9]*$' || echo 0)
    bytes=0
    [ "$file" = - ] || bytes=$(wc -c <"$file")
    awk -v l="$label" -v t0="$t0" -v t1="$t1" -v b="$bytes" -v c="$changes" -v r="$rss_kb" 'BEGIN {
        s = t1 - t0
        if (s <= 0) s = 0.001
        line = sprintf("%-34s %6.3f s", l, s)
        if (b > 0) line = line sprintf(", %6.1f Mo/s, %6d modifications (%7.0f/s)", b / 1e6 / s, c, c / s)
        printf "%s, RSS max %5.1f Mo\n", line, r / 1024
    }'
}
measure "import sts (création)" "$sts" "$RELAIS" --db "$dir/hub.db" import sts "$sts"
measure "import sts (réimport, 0 attendu)" "$sts" "$RELAIS" --db "$dir/hub.db" import sts "$sts"
measure "import timetable (création)" "$edt" "$RELAIS" --db "$dir/hub.db" import timetable "$edt"
python3 - "$dir/out.json" <<'PY'
import json, sys
cov = json.load(open(sys.argv[1]))["coverage"]
print("couverture : " + ", ".join(f"{k} {v['matched']}/{v['total']}" for k, v in cov.items()))
PY
measure "import timetable (réimport)" "$edt" "$RELAIS" --db "$dir/hub.db" import timetable "$edt"
measure "import timetable --dry-run" "$edt" "$RELAIS" --db "$dir/hub.db" import timetable --dry-run "$edt"
measure "map list" - "$RELAIS" --db "$dir/hub.db" map list
rm -rf "$dir"
