# siecle_lib.sh — helpers of the SIECLE import tests (sourced after lib.sh): small
# SIECLE BEE exports written on the fly, in the real encoding (ISO-8859-15), and
# checks on the JSON report. Data is fictitious (UAJ 0999999Z, year 2024).

SAMPLES="$RELAIS_SOURCE_DIR/tests/data/samples/siecle"

# bee ROOT OUT [UAJ] [YEAR] [DATE_EXPORT] : stdin (UTF-8, the content of DONNEES) becomes
# a Latin-9 export OUT with its PARAMETRES.
bee() {
    _root=$1 _out=$2 _uaj=${3:-0999999Z} _year=${4:-2024} _date=${5:-15/10/2024}
    {
        printf '<?xml version="1.0" encoding="ISO-8859-15"?>\n<%s VERSION="3.0">\n' "$_root"
        printf '  <PARAMETRES>\n    <UAJ>%s</UAJ>\n    <ANNEE_SCOLAIRE>%s</ANNEE_SCOLAIRE>\n' \
            "$_uaj" "$_year"
        printf '    <DATE_EXPORT>%s</DATE_EXPORT>\n    <HORODATAGE>%s 18:32:07</HORODATAGE>\n' \
            "$_date" "$_date"
        printf '  </PARAMETRES>\n  <DONNEES>\n'
        cat
        printf '  </DONNEES>\n</%s>\n' "$_root"
    } | iconv -f UTF-8 -t ISO-8859-15 >"$_out"
}

# eleve ID INE NOM PRENOM [XML...] : one ELEVE (INE "-" for none).
eleve() {
    _id=$1 _ine=$2 _nom=$3 _prenom=$4
    shift 4
    printf '      <ELEVE ELEVE_ID="%s">\n' "$_id"
    [ "$_ine" = - ] || printf '        <ID_NATIONAL>%s</ID_NATIONAL>\n' "$_ine"
    printf '        <NOM_DE_FAMILLE>%s</NOM_DE_FAMILLE>\n        <PRENOM>%s</PRENOM>\n' \
        "$_nom" "$_prenom"
    printf '        <DATE_NAISS>03/02/2011</DATE_NAISS>\n        <CODE_REGIME>2</CODE_REGIME>\n'
    printf '        <CODE_SEXE>2</CODE_SEXE>\n        <CODE_STATUT>ST</CODE_STATUT>\n'
    printf '        <CODE_MEF>10310019110</CODE_MEF>\n'
    printf '        <ADHESION_TRANSPORT>0</ADHESION_TRANSPORT>\n'
    for _x in "$@"; do
        printf '        %s\n' "$_x"
    done
    printf '      </ELEVE>\n'
}

# structure ID CODE [TYPE] : the STRUCTURES_ELEVE of one student.
structure() {
    printf '      <STRUCTURES_ELEVE ELEVE_ID="%s"><STRUCTURE><CODE_STRUCTURE>%s</CODE_STRUCTURE>' \
        "$1" "$2"
    printf '<TYPE_STRUCTURE>%s</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>\n' "${3:-D}"
}

# personne ID NOM PRENOM [XML...]
personne() {
    _id=$1 _nom=$2 _prenom=$3
    shift 3
    printf '      <PERSONNE PERSONNE_ID="%s"><LC_CIVILITE>MME</LC_CIVILITE>' "$_id"
    printf '<NOM_DE_FAMILLE>%s</NOM_DE_FAMILLE><PRENOM>%s</PRENOM>' "$_nom" "$_prenom"
    for _x in "$@"; do
        printf '%s' "$_x"
    done
    printf '</PERSONNE>\n'
}

# lien ELEVE_ID PERSONNE_ID [NIVEAU] [CODE_PARENTE]
lien() {
    printf '      <RESPONSABLE_ELEVE><ELEVE_ID>%s</ELEVE_ID><PERSONNE_ID>%s</PERSONNE_ID>' "$1" "$2"
    printf '<NIVEAU_RESPONSABILITE>%s</NIVEAU_RESPONSABILITE><CODE_PARENTE>%s</CODE_PARENTE>' \
        "${3:-1}" "${4:-10}"
    printf '</RESPONSABLE_ELEVE>\n'
}

# The state of a hub, to compare before/after a refused or simulated run.
hub_sum() {
    sqlite3 "$1" .dump | md5sum
}

# json FILE EXPR : print a Python expression over the JSON document d.
json() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if not isinstance(v, bool) else str(v).lower())' "$1" "$2"
}

# count FILE CATEGORY COUNTER : a counter of the totals of a JSON report.
count() {
    json "$1" "d['totals'].get('$2', {}).get('$3', 0)"
}

# has_warning FILE CODE [SEVERITY] : the JSON report holds a warning with that code.
has_warning() {
    _n=$(json "$1" "len([w for w in d['warnings'] if w['code'] == '$2' and ('$3' == '' or w['severity'] == '$3')])")
    [ "$_n" -gt 0 ] || { cat "$1" >&2; fail "avertissement $2 ${3:-} absent"; }
}

# no_warning FILE CODE
no_warning() {
    _n=$(json "$1" "len([w for w in d['warnings'] if w['code'] == '$2'])")
    [ "$_n" = 0 ] || { cat "$1" >&2; fail "avertissement $2 inattendu"; }
}

# refused EXPECTED_TEXT cmd... : status 3, message on stderr, hub untouched.
refused() {
    _want=$1
    shift
    _before=$(hub_sum hub.db)
    expect_status 3 "$@"
    contains "$WORK/.err" "$_want"
    [ "$(hub_sum hub.db)" = "$_before" ] || fail "refus, mais la base a changé : $*"
}
