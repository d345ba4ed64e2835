#!/bin/sh
# test_siecle.sh — `relais import siecle` end to end: golden reports of the
# samples and of generated data, re-import (0 changes), dry run, full-export
# semantics (deactivate, restore with the same id, partial sets), the import
# options, old variants of the format, and one test per warning.
# Refusals are in test_siecle_refusals.sh, the crash test in test_siecle_crash.sh.
. "$(dirname "$0")/lib.sh"
. "$RELAIS_SOURCE_DIR/tests/integration/siecle_lib.sh"

R=$RELAIS
export RELAIS_DB=hub.db
expect_status 0 "$R" init --year 2024

# --------------------------------------------------------------- help, usage
expect_status 0 "$R" import siecle --help
contains "$WORK/.out" "--no-new-students"
contains "$WORK/.out" "--ignore-left-before JJ/MM/AAAA"
expect_status 2 "$R" import siecle
expect_status 2 "$R" import siecle --ignore-left-before 31/02/2024 x.xml
expect_status 2 "$R" import siecle --year 20x4 x.xml

# ------------------------------------------------ samples: golden, re-import
EL="$SAMPLES/constructed_ElevesAvecAdresses.xml"
RE="$SAMPLES/constructed_ResponsablesAvecAdresses.xml"
ST="$SAMPLES/constructed_Structures.xml"
before=$(hub_sum hub.db)
expect_status 0 "$R" import siecle --dry-run "$EL" "$RE" "$ST"
golden siecle/samples-dry-run.txt "$WORK/.out"
[ "$(hub_sum hub.db)" = "$before" ] || fail "--dry-run a écrit dans la base"
expect_status 0 "$R" import siecle --json "$ST" "$RE" "$EL"
golden siecle/samples-import.json "$WORK/.out"
expect_status 0 "$R" status --json
golden siecle/samples-status.json "$WORK/.out"
# What the hub holds: Latin-9 decoded, dates in ISO, the address joined, the one who left.
[ "$(sqlite3 hub.db "SELECT prenom || '|' || date_naiss || '|' || ligne1_adresse FROM student WHERE eleve_id = '900001'")" = "Zoé|2011-02-03|2 RUE DE L'EXEMPLE" ] ||
    fail "élève 900001 mal importé"
[ "$(sqlite3 hub.db "SELECT prenom FROM student WHERE eleve_id = '900003'")" = "Cœlia" ] ||
    fail "œ (0xBD en ISO-8859-15) mal décodé"
[ "$(sqlite3 hub.db "SELECT e.is_active || '|' || e.deactivated_on FROM student s JOIN entity e USING (id) WHERE eleve_id = '900002'")" = "0|2024-09-20" ] ||
    fail "l'élève sorti devrait être inactif depuis sa date de sortie"
[ "$(sqlite3 hub.db "SELECT count(*) FROM xref WHERE application = 'siecle' AND category = 'student'")" = 3 ] ||
    fail "identifiants SIECLE absents de la table de correspondance"
# The same files again: nothing changes.
expect_status 0 "$R" import siecle --json "$EL" "$RE" "$ST"
[ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "réimport : des modifications"
[ "$(count "$WORK/.out" student unchanged)" = 3 ] || fail "réimport : élèves non inchangés"
expect_status 0 "$R" import siecle "$EL" "$RE" "$ST"
contains "$WORK/.out" "0 modification(s)"

# ------------------------------------------- real Nomenclature: zip = xml
rm -f nom.db
expect_status 0 "$R" --db nom.db init --year 2019
expect_status 0 "$R" --db nom.db import siecle --json "$SAMPLES/ExportXML_Nomenclature_0750680G_2019.zip"
golden siecle/nomenclature-2019.json "$WORK/.out"
expect_status 0 "$R" --db nom.db import siecle --json "$SAMPLES/Nomenclature_0750680G_2019.xml"
[ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "le zip et le XML de la Nomenclature diffèrent"
[ "$(sqlite3 nom.db "SELECT count(*) FROM mandatory_option WHERE code_mef = '20110019110' AND code_matiere = '010520'")" = 3 ] ||
    fail "une matière à plusieurs rangs d'option obligatoire doit être gardée à chaque rang"
[ "$(sqlite3 nom.db "SELECT libelle_long FROM nomenclature WHERE list = 'code_regime' AND code = '2'")" != "" ] ||
    fail "liste des régimes absente"

# ------------------ Communs, Etablissements, Geographique: reference data
rm -f ref.db
expect_status 0 "$R" --db ref.db init --year 2024
bee BEE_COMMUN communs.xml <<'EOF'
    <UAJ>
      <ETAB_UAJ_ID>0999999Z</ETAB_UAJ_ID>
      <DENOM_PRINC>COLLEGE</DENOM_PRINC>
      <DENOM_COMPL>DE DEMONSTRATION</DENOM_COMPL>
      <LIGNE1_ADRESSE>1 RUE DE L'EXEMPLE</LIGNE1_ADRESSE>
      <CODE_TYPE_ETAB>340</CODE_TYPE_ETAB>
      <SECTEUR_CODE>PU</SECTEUR_CODE>
    </UAJ>
    <ANNEE_SCOLAIRE>
      <DATE_DEBUT_ELEVE>02/09/2024</DATE_DEBUT_ELEVE>
      <DATE_FIN_ELEVE>05/07/2025</DATE_FIN_ELEVE>
      <DATE_DEBUT_ENSEIGNANT>30/08/2024</DATE_DEBUT_ENSEIGNANT>
      <DATE_FIN_ENSEIGNANT>04/07/2025</DATE_FIN_ENSEIGNANT>
    </ANNEE_SCOLAIRE>
    <ANNEE_SCOLAIRE_AD/>
    <PERIODES>
      <PERIODE><CODE_PERIODE>T1</CODE_PERIODE><DATE_DEBUT>02/09/2024</DATE_DEBUT><DATE_FIN>30/11/2024</DATE_FIN><LL_PERIODE>1er trimestre</LL_PERIODE></PERIODE>
    </PERIODES>
    <CALENDRIER_FERMETURE><LC_MOTIF>VAC</LC_MOTIF><LL_MOTIF>Vacances</LL_MOTIF><DATE_DEBUT>19/10/2024</DATE_DEBUT><DATE_FIN>04/11/2024</DATE_FIN></CALENDRIER_FERMETURE>
EOF
bee BEE_ETABLISSEMENTS etabs.xml <<'EOF'
    <ETABLISSEMENTS>
      <ETABLISSEMENT><CODE_ACADEMIE>01</CODE_ACADEMIE><CODE_RNE>0999998Y</CODE_RNE><SIGLE>CLG</SIGLE><DENOM_PRINC>COLLEGE</DENOM_PRINC><DATE_OUVERTURE>01/09/1970</DATE_OUVERTURE></ETABLISSEMENT>
    </ETABLISSEMENTS>
EOF
bee BEE_GEOGRAPHIQUE geo.xml <<'EOF'
    <PAYS>
      <PAYS CODE_PAYS="100"><LIBELLE_COURT>FRANCE</LIBELLE_COURT><LIBELLE_LONG>FRANCE</LIBELLE_LONG></PAYS>
    </PAYS>
    <COMMUNES>
      <COMMUNE><CODE_COMMUNE_INSEE>2A004</CODE_COMMUNE_INSEE><LIBELLE_LONG>AJACCIO</LIBELLE_LONG><CODE_DEPARTEMENT>02A</CODE_DEPARTEMENT></COMMUNE>
    </COMMUNES>
EOF
expect_status 0 "$R" --db ref.db import siecle --json communs.xml etabs.xml geo.xml
[ "$(json "$WORK/.out" "d['scopes'][0]['creates_establishment']")" = true ] || fail "établissement non créé"
[ "$(sqlite3 ref.db "SELECT name || '|' || type || '|' || sector FROM establishment")" = "COLLEGE DE DEMONSTRATION|340|PU" ] ||
    fail "identité de l'établissement (Communs) non reprise"
[ "$(sqlite3 ref.db "SELECT student_start || '|' || student_end || '|' || staff_start || '|' || staff_end FROM scope")" = "2024-09-02|2025-07-05|2024-08-30|2025-07-04" ] ||
    fail "calendrier (Communs) non repris"
sqlite3 ref.db "SELECT list || '|' || code || '|' || COALESCE(libelle_court, '') || '|' || COALESCE(libelle_long, '') || '|' || COALESCE(attrs, '') FROM nomenclature ORDER BY list, code" >ref.txt
golden siecle/reference-data.txt ref.txt
expect_status 0 "$R" --db ref.db import siecle --json communs.xml etabs.xml geo.xml
[ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "données de référence : le réimport change des choses"

# --------------------------------------------------- full-export semantics
rm -f sem.db
export RELAIS_DB=sem.db
expect_status 0 "$R" init --year 2024
{
    printf '    <ELEVES>\n'
    eleve 1001 000000011AA DUPONT Léa
    eleve 1002 000000012AA MARTIN Zoé
    eleve 1003 000000013AA PETIT Hugo
    printf '    </ELEVES>\n    <STRUCTURES>\n'
    structure 1001 "3 A"
    structure 1002 "3 A"
    structure 1003 "3 B"
    printf '    </STRUCTURES>\n'
} | bee BEE_ELEVES full.xml
expect_status 0 "$R" import siecle --json full.xml
has_warning "$WORK/.out" STRUCTURE_CREEE info
[ "$(count "$WORK/.out" division created)" = 2 ] || fail "divisions non créées depuis les élèves"
id3=$(sqlite3 sem.db "SELECT id FROM student WHERE eleve_id = '1003'")
# Hugo is no longer in the export: deactivated on the export date, never deleted.
{
    printf '    <ELEVES>\n'
    eleve 1001 000000011AA DUPONT Léa
    eleve 1002 000000012AA MARTIN Zoé
    printf '    </ELEVES>\n    <STRUCTURES>\n'
    structure 1001 "3 A"
    structure 1002 "3 A"
    printf '    </STRUCTURES>\n'
} | bee BEE_ELEVES without.xml 0999999Z 2024 20/10/2024
# One student of three is over the default safety threshold: the run waits in quarantine.
before=$(hub_sum sem.db)
expect_status 3 "$R" import siecle --json without.xml
[ "$(count "$WORK/.out" student deactivated)" = 1 ] || fail "élève absent non désactivé"
[ "$(count "$WORK/.out" enrolment deactivated)" = 1 ] || fail "inscription de l'absent non désactivée"
[ "$(json "$WORK/.out" "d['quarantined']")" = true ] || fail "plus de 10 % d'élèves désactivés sans quarantaine"
[ "$(sqlite3 sem.db "SELECT is_active FROM entity WHERE id = $id3")" = 1 ] || fail "quarantaine appliquée"
expect_status 0 "$R" runs approve "$(json "$WORK/.out" "d['quarantine_run']")"
[ "$(sqlite3 sem.db "SELECT e.is_active || '|' || e.deactivated_on FROM entity e WHERE id = $id3")" = "0|2024-10-20" ] ||
    fail "désactivation sans la date de l'export"
# He comes back: restored with the same id.
expect_status 0 "$R" import siecle --json full.xml
[ "$(count "$WORK/.out" student restored)" = 1 ] || fail "élève revenu non restauré"
[ "$(sqlite3 sem.db "SELECT id FROM student WHERE eleve_id = '1003'")" = "$id3" ] ||
    fail "l'élève restauré a changé d'identifiant"
[ "$(sqlite3 sem.db "SELECT is_active FROM entity WHERE id = $id3")" = 1 ] || fail "non réactivé"
# A partial set (only Nomenclature) changes only what it covers.
sed 's/0140070A/0999999Z/; s/<ANNEE_SCOLAIRE>2018/<ANNEE_SCOLAIRE>2024/' \
    "$SAMPLES/nomenclature_tout_niveau.xml" >nomenclature.xml
expect_status 0 "$R" import siecle --json nomenclature.xml
[ "$(json "$WORK/.out" "set(d['totals']) <= {'mef', 'subject', 'nomenclature', 'programme', 'mandatory_option', 'xref'}")" = true ] ||
    fail "un import de la seule Nomenclature a touché autre chose : $(json "$WORK/.out" "sorted(d['totals'])")"
[ "$(sqlite3 sem.db "SELECT count(*) FROM student s JOIN entity e USING (id) WHERE e.is_active = 1")" = 3 ] ||
    fail "les élèves ont changé"

# ----------------------------------------------------------------- options
# A new student with --no-new-students: ignored; a changed name with --no-identity: kept.
{
    printf '    <ELEVES>\n'
    eleve 1001 000000011AA DUPONT-DURAND Léa
    eleve 1002 000000012AA MARTIN Zoé
    eleve 1003 000000013AA PETIT Hugo
    eleve 1004 000000014AA NOUVEAU Tom
    printf '    </ELEVES>\n'
} | bee BEE_ELEVES options.xml
expect_status 0 "$R" import siecle --dry-run --json --no-new-students --no-identity options.xml
[ "$(count "$WORK/.out" student ignored)" = 1 ] || fail "--no-new-students : élève créé"
[ "$(count "$WORK/.out" student created)" = 0 ] || fail "--no-new-students : élève créé"
[ "$(count "$WORK/.out" student updated)" = 0 ] || fail "--no-identity : nom modifié"
expect_status 0 "$R" import siecle --dry-run --json options.xml
[ "$(count "$WORK/.out" student created)" = 1 ] || fail "nouvel élève non créé"
[ "$(count "$WORK/.out" student updated)" = 1 ] || fail "changement de nom non vu"
# A student who left before the start of the year is ignored; --no-ignore-left keeps him.
{
    printf '    <ELEVES>\n'
    eleve 1001 000000011AA DUPONT Léa
    eleve 1002 000000012AA MARTIN Zoé
    eleve 1003 000000013AA PETIT Hugo
    eleve 1005 000000015AA PARTI Max "<DATE_SORTIE>30/06/2024</DATE_SORTIE>"
    printf '    </ELEVES>\n'
} | bee BEE_ELEVES left.xml
expect_status 0 "$R" import siecle --dry-run --json left.xml
[ "$(count "$WORK/.out" student ignored)" = 1 ] || fail "élève sorti avant la rentrée non ignoré"
expect_status 0 "$R" import siecle --dry-run --json --ignore-left-before 01/06/2024 left.xml
[ "$(count "$WORK/.out" student created)" = 1 ] || fail "--ignore-left-before non suivi"
expect_status 0 "$R" import siecle --dry-run --json --no-ignore-left left.xml
[ "$(count "$WORK/.out" student created)" = 1 ] || fail "--no-ignore-left non suivi"
# --no-groups: groups of Structures are not fed.
expect_status 0 "$R" import siecle --dry-run --json --no-groups "$ST"
[ "$(count "$WORK/.out" group ignored)" = 1 ] || fail "--no-groups : groupe importé"
[ "$(count "$WORK/.out" group created)" = 0 ] || fail "--no-groups : groupe importé"
# --no-guardians: Responsables read, nothing planned for guardians.
expect_status 0 "$R" --db hub.db import siecle --dry-run --json --no-guardians "$EL" "$RE"
has_warning "$WORK/.out" RESPONSABLES_NON_IMPORTES info
[ "$(count "$WORK/.out" guardian unchanged)" = 0 ] || fail "--no-guardians : responsables traités"

# ----------------------------------------------------- old format variants
{
    printf '    <ELEVES>\n'
    printf '      <ELEVE ELEVE_ID="2001"><INE_RNIE>000000021AA</INE_RNIE><NOM>ANCIEN</NOM>'
    printf '<PRENOM>Format</PRENOM><DATE_NAISS>2011-02-03</DATE_NAISS></ELEVE>\n'
    printf '    </ELEVES>\n'
} | bee BEE_ELEVES old-eleves.xml
{
    printf '    <PERSONNES>\n'
    personne 3001 ANCIEN Parent
    printf '    </PERSONNES>\n    <RESPONSABLES>\n'
    printf '      <RESPONSABLE_ELEVE><ELEVE_ID>2001</ELEVE_ID><PERSONNE_ID>3001</PERSONNE_ID>'
    printf '<RESP_LEGAL>1</RESP_LEGAL><CODE_PARENTE>20</CODE_PARENTE><RESP_FINANCIER>1</RESP_FINANCIER>'
    printf '<PERS_PAIMENT>0</PERS_PAIMENT><PERS_CONTACT>1</PERS_CONTACT></RESPONSABLE_ELEVE>\n'
    printf '    </RESPONSABLES>\n'
} | bee BEE_RESPONSABLES old-resp.xml
rm -f old.db
expect_status 0 "$R" --db old.db init --year 2024
expect_status 0 "$R" --db old.db import siecle --json old-eleves.xml old-resp.xml
no_warning "$WORK/.out" ELEVE_SANS_RESPONSABLE_LEGAL
[ "$(sqlite3 old.db "SELECT nom_de_famille || '|' || ine || '|' || date_naiss FROM student")" = "ANCIEN|000000021AA|2011-02-03" ] ||
    fail "NOM, INE_RNIE ou date ISO de l'ancien format mal lus"
[ "$(sqlite3 old.db "SELECT resp_legal || resp_financier || pers_paiement || pers_contact FROM student_guardian")" = 1101 ] ||
    fail "ancien modèle de responsabilité mal lu"
# UTF-8 with a BOM is read as such.
printf '\357\273\277' >bom.xml
iconv -f ISO-8859-15 -t UTF-8 old-eleves.xml | sed 's/ISO-8859-15/UTF-8/' >>bom.xml
expect_status 0 "$R" --db old.db import siecle --json bom.xml
[ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "le même fichier en UTF-8 avec BOM diffère"

# -------------------------------------------------------------- warnings
rm -f warn.db
export RELAIS_DB=warn.db
expect_status 0 "$R" init --year 2024
sed 's/0140070A/0999999Z/' "$SAMPLES/nomenclature_tout_niveau.xml" >warn-nom.xml
expect_status 0 "$R" import siecle --year 2018 warn-nom.xml
{
    printf '    <ELEVES>\n'
    eleve 4001 000000041AA SANS Division
    eleve 4002 - SANSINE Paul
    eleve 4003 000000043AA DOUBLE Id
    eleve 4003 000000044AA DOUBLE Id2
    eleve 4004 000000045AA MEME Ine
    eleve 4005 000000045AA MEME Ine2
    eleve 4006 000000046AA DATE Fausse "<DATE_ENTREE>31/02/2020</DATE_ENTREE>"
    eleve 4007 000000047AA 'DUP?NT' Anne
    eleve 4008 000000048AA MEF Inconnu "<CODE_MEF>99999999999</CODE_MEF>"
    eleve 4009 000000049AA CODE Inconnu "<CODE_STATUT>ZZ</CODE_STATUT>"
    eleve 4010 000000050AA VALEUR Fausse "<DOUBLEMENT>peut-être</DOUBLEMENT>"
    eleve 4011 000000051AA ELEMENT Inconnu "<CHAMP_FUTUR>x</CHAMP_FUTUR>"
    eleve 4012 000000052AA HERITE Numero "<ELENOET>77</ELENOET>" \
        "<ID_ELEVE_ETAB>00077123456</ID_ELEVE_ETAB>"
    eleve 4013 000000053AA SEXE Faux "<CODE_SEXE>3</CODE_SEXE>"
    printf '    </ELEVES>\n    <STRUCTURES>\n'
    for i in 4002 4003 4004 4005 4006 4007 4008 4009 4010 4011 4012 4013; do
        structure $i "3 A"
    done
    printf '    </STRUCTURES>\n'
} | bee BEE_ELEVES warn-eleves.xml 0999999Z 2018
{
    printf '    <PERSONNES>\n'
    personne 5001 SANS Eleve
    personne 5002 PARENT Unique
    personne 5003 DOUBLE Personne
    personne 5003 DOUBLE Personne2
    printf '    </PERSONNES>\n    <RESPONSABLES>\n'
    lien 4002 5002 1 10
    lien 9999 5002 1 10
    lien 4006 5002 1 77
    printf '    </RESPONSABLES>\n'
} | bee BEE_RESPONSABLES warn-resp.xml 0999999Z 2018 16/10/2024
expect_status 1 "$R" import siecle --json --year 2018 warn-eleves.xml warn-resp.xml
cp "$WORK/.out" warn.json
has_warning warn.json ELEVE_SANS_INE warning
has_warning warn.json ELEVE_ID_EN_DOUBLE error
has_warning warn.json INE_EN_DOUBLE error
has_warning warn.json DATE_INVALIDE warning
has_warning warn.json CARACTERE_NON_EXPORTE warning
has_warning warn.json MEF_INCONNU warning
has_warning warn.json CODE_INCONNU warning
has_warning warn.json VALEUR_INVALIDE warning
has_warning warn.json ELEMENT_INCONNU info
has_warning warn.json ELENOET_HERITE info
has_warning warn.json ELEVE_SANS_DIVISION warning
has_warning warn.json RESPONSABLE_SANS_ELEVE info
has_warning warn.json ELEVE_SANS_RESPONSABLE_LEGAL warning
has_warning warn.json LIEN_ELEVE_INCONNU warning
has_warning warn.json PERSONNE_ID_EN_DOUBLE error
has_warning warn.json EXPORTS_DE_DATES_DIFFERENTES warning
has_warning warn.json FICHIER_LU info
# The refused records are counted ignored; the rest is imported.
[ "$(count warn.json student ignored)" = 4 ] || fail "ELEVE_ID ou INE en double : $(count warn.json student ignored) élèves ignorés, 4 attendus"
[ "$(count warn.json student created)" = 10 ] || fail "les autres élèves doivent être importés"
[ "$(json warn.json "[w['line'] for w in d['warnings'] if w['code'] == 'DATE_INVALIDE'][0]")" -gt 0 ] ||
    fail "avertissement sans numéro de ligne"
[ "$(sqlite3 warn.db "SELECT date_entree IS NULL FROM student WHERE eleve_id = '4006'")" = 1 ] ||
    fail "une date invalide ne doit pas être importée"
[ "$(sqlite3 warn.db "SELECT elenoet IS NULL FROM student WHERE eleve_id = '4012'")" = 1 ] ||
    fail "un ELENOET hérité ne doit pas être repris"
# A known INE is never blanked; a stored date is kept when the new one is invalid.
{
    printf '    <ELEVES>\n'
    eleve 4001 - SANS Division
    printf '    </ELEVES>\n'
} | bee BEE_ELEVES ine-gone.xml 0999999Z 2018
# (the others disappear from this export: no safety threshold for this test)
expect_status 0 "$R" thresholds set --category student --max-percent off --max-count off
expect_status 0 "$R" import siecle --json --year 2018 ine-gone.xml
has_warning "$WORK/.out" INE_CONSERVE info
[ "$(sqlite3 warn.db "SELECT ine FROM student WHERE eleve_id = '4001'")" = 000000041AA ] ||
    fail "INE effacé"
# Text report: warnings grouped by code, with file and line.
expect_status 1 "$R" import siecle --dry-run --year 2018 warn-eleves.xml warn-resp.xml
contains "$WORK/.out" "Erreurs (6)"
contains "$WORK/.out" "warn-eleves.xml:"
contains "$WORK/.out" "ELEVE_ID_EN_DOUBLE"

# --------------------------------------------- generated data, golden
if "$R" --help | grep -q "^  gen "; then
    rm -f gen.db
    expect_status 0 "$R" gen --out gen --seed 42 --establishments 1 --students 300 --year 2025
    expect_status 0 "$R" --db gen.db init --year 2025
    # The generated files import with the SIECLE importer with no error.
    expect_status 0 "$R" --db gen.db import siecle --json gen
    [ "$(json "$WORK/.out" "d['warning_counts']['error']")" = 0 ] || fail "erreurs sur les données générées"
    golden siecle/generated-import.json "$WORK/.out"
    expect_status 0 "$R" --db gen.db import siecle --json gen
    [ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "données générées : le réimport change des choses"
fi
echo "test_siecle : OK"
