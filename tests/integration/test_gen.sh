#!/bin/sh
# test_gen.sh — `relais gen` end to end: options and exit statuses, the files of
# each establishment, cross-file consistency (Eleves ↔ Responsables ↔
# Structures ↔ STS-Web ↔ timetable: same divisions and groups, services that
# cover every division's subjects, clash-free courses adding up to the service
# hours), and byte-identical output for the same seed.
set -eu
: "${RELAIS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_gen: $*" >&2; exit 1; }

# Usage errors exit 2; --help describes the command.
set +e
"$RELAIS" gen >/dev/null 2>&1; [ $? -eq 2 ] || fail "gen without --out should exit 2"
"$RELAIS" gen --out "$tmp/x" --noise high >/dev/null 2>&1; [ $? -eq 2 ] || fail "--noise without --partner should exit 2"
"$RELAIS" gen --out "$tmp/x" --students abc >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --students should exit 2"
"$RELAIS" gen --out "$tmp/x" --establishments 1 --students 90000 >/dev/null 2>&1; [ $? -eq 3 ] || fail "oversized establishment should exit 3"
set -e
"$RELAIS" gen --help | grep -q -- "--partner" || fail "--help lacks --partner"

"$RELAIS" gen --out "$tmp/a" --seed 3 --establishments 3 --students 2500 --partner agate \
    --noise medium --defects --json > "$tmp/a.json"
grep -q '"students": 2500' "$tmp/a.json" || fail "JSON report: $(cat "$tmp/a.json")"
"$RELAIS" gen --out "$tmp/b" --seed 3 --establishments 3 --students 2500 --partner agate \
    --noise medium --defects --threads 1 > "$tmp/b.txt"
grep -q "2500 élèves\|2500 students" "$tmp/b.txt" || fail "text report: $(cat "$tmp/b.txt")"
(cd "$tmp/a" && find . -type f | sort | xargs sha256sum) > "$tmp/a.sum"
(cd "$tmp/b" && find . -type f | sort | xargs sha256sum) > "$tmp/b.sum"
cmp -s "$tmp/a.sum" "$tmp/b.sum" || fail "same seed, different bytes: $(diff "$tmp/a.sum" "$tmp/b.sum" | head)"

# Without defects, the cross-file checks must all pass.
"$RELAIS" gen --out "$tmp/c" --seed 8 --establishments 4 --students 4000 >/dev/null
python3 - "$tmp/c" <<'PY' || fail "consistency checks failed"
import collections, glob, os, sys, zipfile
import xml.etree.ElementTree as ET

root = sys.argv[1]
def unzip(path):
    z = zipfile.ZipFile(path)
    names = z.namelist()
    assert len(names) == 1, names
    return ET.fromstring(z.read(names[0]))

def minutes(hhmm):
    return int(hhmm[:2]) * 60 + int(hhmm[2:])

errors = []
dirs = sorted(d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d))
assert len(dirs) == 4, dirs
for d in dirs:
    uai = os.path.basename(d)
    el = unzip(os.path.join(d, "ExportXML_ElevesAvecAdresses.zip"))
    re_ = unzip(os.path.join(d, "ExportXML_ResponsablesAvecAdresses.zip"))
    st = unzip(os.path.join(d, "ExportXML_Structures.zip"))
    no = unzip(os.path.join(d, "ExportXML_Nomenclature.zip"))
    sts = ET.parse(os.path.join(d, "sts_emp_%s_2024.xml" % uai)).getroot()
    edt = ET.parse(os.path.join(d, "emp_sts_%s_2024.xml" % uai)).getroot()
    for x in (el, re_, st, no):
        if x.find("PARAMETRES/UAJ").text != uai:
            errors.append("%s: wrong UAJ" % uai)
    eleves = {e.get("ELEVE_ID") for e in el.iter("ELEVE")}
    adr_el = {a.get("ADRESSE_ID") for a in el.find("DONNEES/ADRESSES")}
    for e in el.iter("ELEVE"):
        a = e.find("ADRESSE_ID")
        if a is not None and a.text not in adr_el:
            errors.append("%s: student address %s missing" % (uai, a.text))
    personnes = {p.get("PERSONNE_ID") for p in re_.iter("PERSONNE")}
    adr_re = {a.get("ADRESSE_ID") for a in re_.find("DONNEES/ADRESSES")}
    for p in re_.iter("PERSONNE"):
        a = p.find("ADRESSE_ID")
        if a is not None and a.text not in adr_re:
            errors.append("%s: person address %s missing" % (uai, a.text))
    for r in re_.iter("RESPONSABLE_ELEVE"):
        if r.find("ELEVE_ID").text not in eleves or r.find("PERSONNE_ID").text not in personnes:
            errors.append("%s: dangling RESPONSABLE_ELEVE" % uai)
    divs = {x.get("CODE_STRUCTURE") for x in st.iter("DIVISION")}
    grps = {x.get("CODE_STRUCTURE") for x in st.iter("GROUPE")}
    for s in el.iter("STRUCTURE"):
        code, kind = s.find("CODE_STRUCTURE").text, s.find("TYPE_STRUCTURE").text
        if code not in (divs if kind == "D" else grps):
            errors.append("%s: unknown structure %s" % (uai, code))
    # STS-Web: the same divisions and groups as SIECLE.
    sdivs = {x.get("CODE") for x in sts.iter("DIVISION")}
    sgrps = {x.get("CODE") for x in sts.iter("GROUPE")}
    if sdivs != divs or sgrps != grps:
        errors.append("%s: STS structures differ from SIECLE" % uai)
    teachers = {i.get("ID") for i in sts.iter("INDIVIDU") if i.find("FONCTION").text == "ENS"}
    # Services cover every division subject of the MEF.
    mef_of = {x.get("CODE"): x.find("MEFS_APPARTENANCE/MEF_APPARTENANCE").get("CODE")
              for x in sts.iter("DIVISION")}
    subj = {x.get("CODE"): {s.get("CODE_MATIERE") for s in x.iter("SERVICE")}
            for x in sts.iter("DIVISION")}
    per_mef = collections.defaultdict(set)
    for code, ss in subj.items():
        per_mef[mef_of[code]] |= ss
    for code, ss in subj.items():
        if ss != per_mef[mef_of[code]]:
            errors.append("%s: division %s lacks %s" % (uai, code, per_mef[mef_of[code]] - ss))
        if len(ss) < 6:
            errors.append("%s: division %s has only %d subjects" % (uai, code, len(ss)))
    for s in sts.iter("ENSEIGNANT"):
        if s.get("ID") not in teachers:
            errors.append("%s: service teacher %s unknown" % (uai, s.get("ID")))
    sts_services = sorted((k.tag, k.get("CODE"), s.get("CODE_MATIERE"), e.get("ID"),
                           e.find("HEURES_AGENT").text)
                          for k in list(sts.iter("DIVISION")) + list(sts.iter("GROUPE"))
                          for s in k.iter("SERVICE") for e in s.iter("ENSEIGNANT"))
    edt_services = sorted((k.tag, k.get("CODE"), s.get("CODE_MATIERE"), e.get("ID"),
                           e.find("HEURES_AGENT").text)
                          for k in list(edt.iter("DIVISION")) + list(edt.iter("GROUPE"))
                          for s in k.iter("SERVICE") for e in s.iter("ENSEIGNANT"))
    if sts_services != edt_services:
        errors.append("%s: timetable services differ from STS services" % uai)
    # Timetable: courses add up to the hours, no teacher or division in two places.
    grp_divs = {g.get("CODE"): [x.get("CODE") for x in g.iter("DIVISION_APPARTENANCE")]
                for g in edt.iter("GROUPE")}
    busy_t = collections.defaultdict(list)
    busy_d = collections.defaultdict(list)
    for k in list(edt.iter("DIVISION")) + list(edt.iter("GROUPE")):
        code = k.get("CODE")
        occupied = [code] if k.tag == "DIVISION" else grp_divs[code]
        for s in k.iter("SERVICE"):
            for e in s.iter("ENSEIGNANT"):
                total = 0
                for c in e.iter("COURS"):
                    day = int(c.find("JOUR").text)
                    start = minutes(c.find("HEURE_DEBUT").text)
                    end = start + minutes(c.find("DUREE").text)
                    total += end - start
                    busy_t[e.get("ID")].append((day, start, end))
                    for dv in occupied:
                        busy_d[dv].append((day, start, end, k.tag, code))
                if abs(total / 60 - float(e.find("HEURES_AGENT").text)) > 1e-9:
                    errors.append("%s: %s %s courses %d min vs %s h" % (
                        uai, code, s.get("CODE_MATIERE"), total, e.find("HEURES_AGENT").text))
    for t, v in busy_t.items():
        v.sort()
        for a, b in zip(v, v[1:]):
            if a[0] == b[0] and b[1] < a[2]:
                errors.append("%s: teacher %s double-booked" % (uai, t))
    for dv, v in busy_d.items():
        v.sort()
        for a, b in zip(v, v[1:]):
            # Groups of one barrette run together on purpose; anything else is a clash.
            if a[0] == b[0] and b[1] < a[2] and not (a[3] == b[3] == "GROUPE"):
                errors.append("%s: division %s has two courses at once" % (uai, dv))
if errors:
    print("\n".join(errors[:20]))
    sys.exit(1)
PY

# The académie summary lists every establishment.
[ "$(tail -n +2 "$tmp/c/etablissements.tsv" | wc -l)" -eq 4 ] || fail "etablissements.tsv"
ls "$tmp/a"/*/partner_agate.csv "$tmp/a"/*/partner_agate_truth.csv "$tmp/a"/*/defects.tsv >/dev/null
echo "test_gen: ok"
