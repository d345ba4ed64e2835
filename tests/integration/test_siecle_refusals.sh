#!/bin/sh
# test_siecle_refusals.sh — every refusal of `relais import siecle`: status 3, a
# French message naming the file (and line and element when there is one), and
# the hub untouched (its SQL dump is compared before and after).
. "$(dirname "$0")/lib.sh"
. "$RELAIS_SOURCE_DIR/tests/integration/siecle_lib.sh"

R=$RELAIS
export RELAIS_DB=hub.db
expect_status 0 "$R" init --year 2024
{
    printf '    <ELEVES>\n'
    eleve 1001 000000011AA DUPONT Léa
    printf '    </ELEVES>\n    <STRUCTURES>\n'
    structure 1001 "3 A"
    printf '    </STRUCTURES>\n'
} | bee BEE_ELEVES eleves.xml
expect_status 0 "$R" import siecle eleves.xml

zipit() { # ZIP ENTRY-NAME FILE : a deflated zip of one entry
    python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[3], sys.argv[2])' "$1" "$2" "$3"
}

# ------------------------------------------------------ not a SIECLE export
printf '<?xml version="1.0" encoding="UTF-8"?>\n<STS_EDT><PARAMETRES/></STS_EDT>\n' >sts.xml
refused "sts.xml:2 : élément STS_EDT : racine inconnue" "$R" import siecle sts.xml
contains "$WORK/.err" "STS-Web"
printf '<?xml version="1.0"?>\n<racine><a/></racine>\n' >other.xml
refused "racine inconnue" "$R" import siecle other.xml
: >empty.xml
refused "empty.xml" "$R" import siecle empty.xml
contains "$WORK/.err" "vide"
head -c 4096 /dev/urandom >binary.zip
refused "binary.zip" "$R" import siecle binary.zip
printf '\0\1\2\3binaire\0' >binary.xml
refused "binary.xml" "$R" import siecle binary.xml
refused "introuvable" "$R" import siecle nosuchfile.xml
mkdir emptydir
refused "aucun fichier" "$R" import siecle emptydir
# In a directory, files of other applications are skipped, not refused.
mkdir mixed
cp eleves.xml sts.xml mixed/
expect_status 0 "$R" import siecle --json --dry-run mixed
has_warning "$WORK/.out" FICHIER_IGNORE info

# ------------------------------------------------------------- PARAMETRES
printf '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.0">\n  <DONNEES>\n    <ELEVES>\n%s\n    </ELEVES>\n  </DONNEES>\n</BEE_ELEVES>\n' \
    "$(eleve 1001 000000011AA DUPONT Lea)" >noparams.xml
refused "PARAMETRES absent" "$R" import siecle noparams.xml
sed 's/<UAJ>0999999Z<\/UAJ>//' eleves.xml >nouaj.xml
refused "UAJ absent" "$R" import siecle nouaj.xml
sed 's/0999999Z/9999/' eleves.xml >baduaj.xml
refused "n'est pas un UAI" "$R" import siecle baduaj.xml

# --------------------------------------------- establishment, school year
sed 's/0999999Z/0123456A/' eleves.xml >other-uai.xml
refused "other-uai.xml:4 : élément UAJ : l'établissement 0123456A n'est pas dans le hub" \
    "$R" import siecle other-uai.xml
expect_status 0 "$R" import siecle --dry-run other-uai.xml --new-uai
sed 's/<ANNEE_SCOLAIRE>2024/<ANNEE_SCOLAIRE>2023/' eleves.xml >wrong-year.xml
refused "wrong-year.xml:5 : élément ANNEE_SCOLAIRE : fichier de l'année 2023-2024, l'année courante du hub est 2024-2025" \
    "$R" import siecle wrong-year.xml
refused "--year demande 2025-2026" "$R" import siecle --year 2025 eleves.xml
expect_status 0 "$R" import siecle --dry-run --year 2023 wrong-year.xml

# ------------------------------------------- files given together
cp eleves.xml eleves-bis.xml
refused "deux exports Élèves pour l'établissement 0999999Z" "$R" import siecle eleves.xml eleves-bis.xml
{
    printf '    <PERSONNES>\n'
    personne 5001 PARENT Une
    printf '    </PERSONNES>\n    <RESPONSABLES>\n'
    lien 1001 5001
    printf '    </RESPONSABLES>\n'
} | bee BEE_RESPONSABLES resp.xml 0999999Z 2023
refused "sans les élèves" "$R" import siecle --year 2023 resp.xml
# With the students already in the hub, the guardians alone are fine.
sed 's/<ANNEE_SCOLAIRE>2023/<ANNEE_SCOLAIRE>2024/' resp.xml >resp2024.xml
expect_status 0 "$R" import siecle --dry-run resp2024.xml
{
    printf '    <DIVISIONS>\n      <DIVISION CODE_STRUCTURE="3 B"><LIBELLE_LONG>3EME B</LIBELLE_LONG></DIVISION>\n'
    printf '    </DIVISIONS>\n'
} | bee BEE_STRUCTURES structures.xml
refused "eleves.xml:24 : élément STRUCTURE : la division « 3 A » est absente de structures.xml" \
    "$R" import siecle eleves.xml structures.xml

# --------------------------------------------------- hostile or broken XML
printf '<?xml version="1.0"?>\n<!DOCTYPE BEE_ELEVES [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<BEE_ELEVES><PARAMETRES><UAJ>&xxe;</UAJ></PARAMETRES></BEE_ELEVES>\n' >xxe.xml
refused "xxe.xml:2 : déclaration de type de document" "$R" import siecle xxe.xml
printf '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n<BEE_ELEVES>&lol2;</BEE_ELEVES>\n' >lol.xml
refused "lol.xml" "$R" import siecle lol.xml
{
    printf '    <ELEVES>\n      <ELEVE ELEVE_ID="1">'
    i=0
    while [ $i -lt 100 ]; do printf '<A>'; i=$((i + 1)); done
    i=0
    while [ $i -lt 100 ]; do printf '</A>'; i=$((i + 1)); done
    printf '</ELEVE>\n    </ELEVES>\n'
} | bee BEE_ELEVES deep.xml
refused "deep.xml:11 : élément A : imbrication de plus de" "$R" import siecle deep.xml
{
    printf '    <ELEVES>\n      <ELEVE ELEVE_ID="1"><NOM_DE_FAMILLE>'
    head -c 50000000 /dev/zero | tr '\0' 'A'
    printf '</NOM_DE_FAMILLE></ELEVE>\n    </ELEVES>\n'
} | bee BEE_ELEVES big-text.xml
refused "big-text.xml:11 : élément NOM_DE_FAMILLE : texte trop long" "$R" import siecle big-text.xml
head -c 700 eleves.xml >truncated.xml
refused "truncated.xml" "$R" import siecle truncated.xml
contains "$WORK/.err" "tronqué"
# A UTF-8 re-save still declaring ISO-8859-15: refused, never imported as mojibake.
iconv -f ISO-8859-15 -t UTF-8 eleves.xml >mojibake.xml
refused "mojibake.xml" "$R" import siecle mojibake.xml
contains "$WORK/.err" "UTF-8"

# ------------------------------------------------------------------ zips
zipit ExportXML_ElevesAvecAdresses.zip ElevesAvecAdresses.xml eleves.xml
expect_status 0 "$R" import siecle --dry-run ExportXML_ElevesAvecAdresses.zip
size=$(wc -c <ExportXML_ElevesAvecAdresses.zip)
head -c $((size / 2)) ExportXML_ElevesAvecAdresses.zip >truncated.zip
refused "truncated.zip" "$R" import siecle truncated.zip
cp ExportXML_ElevesAvecAdresses.zip corrupt.zip
printf 'XXXXXXXXXXXXXXXX' | dd of=corrupt.zip bs=1 seek=60 conv=notrunc 2>/dev/null
refused "corrupt.zip" "$R" import siecle corrupt.zip
zipit dotdot.zip ../ElevesAvecAdresses.xml eleves.xml
refused "dotdot.zip" "$R" import siecle dotdot.zip
contains "$WORK/.err" ".."
# A zip bomb: a small archive that inflates far beyond what an export can be.
{
    printf '    <ELEVES>\n'
    head -c 40000000 /dev/zero | tr '\0' ' '
    printf '    </ELEVES>\n'
} | bee BEE_ELEVES bomb.xml
zipit bomb.zip ElevesAvecAdresses.xml bomb.xml
rm bomb.xml
[ "$(wc -c <bomb.zip)" -lt 200000 ] || fail "la bombe n'est pas assez compressée"
refused "bomb.zip" "$R" import siecle bomb.zip
echo "test_siecle_refusals : OK"
