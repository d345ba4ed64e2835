/*
 * bench_xml.c — throughput and memory of the xml module's record API.
 *
 *   bench_xml generate FILE MB   write a synthetic ISO-8859-15 BEE_ELEVES export of about MB
 *                                megabytes (students with ~30 fields, options, structures,
 *                                addresses), deterministic
 *   bench_xml parse FILE [scan]  read FILE (XML or zip) with the record API, as an importer
 *                                would: every ELEVE, OPTION, STRUCTURES_ELEVE and ADRESSE is
 *                                delivered and ~30 fields of each student are looked up by
 *                                name; with "scan", no path is registered (expat + encoding
 *                                stage only). Prints MB/s (10^6 bytes of XML per second of
 *                                wall clock, and per CPU second: steadier on a busy machine),
 *                                records/s and the peak RSS of the process.
 */
#include "util/util.h"
#include "xml/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ generator */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Latin-9 bytes: é = E9, ë = EB, ï = EF, ç = E7, œ = BD, Œ = BC. */
static const char *const surnames[] = {"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT",
                                       "LEF\xC8VRE", "FRAN\xC7OIS", "C\xBCUR-DE-LION", "NO\xCBL",
                                       "GAR\xC7ON--MOREAU", "DUPONT", "L'HERMITE"};
static const char *const firstnames[] = {"Zo\xE9", "Chlo\xEB", "Jean-No\xEBl", "C\xBDlia",
                                         "Ma\xEBl", "Lucas", "Ana\xEFs", "H\xE9l\xE8ne",
                                         "Fran\xE7oise", "Louis", "In\xE8s", "Jos\xE9"};
static const char *const communes[] = {"PARIS 17E  ARRONDISSEMENT", "SAINT-\xC9TIENNE",
                                       "N\xCEMES", "L'HA\xDF-LES-ROSES", "ORL\xC9" "ANS", "CR\xC9TEIL"};

#define PICK(a) (a[rng() % UTIL_ARRAY_LEN(a)])

static void gen_eleve(FILE *f, unsigned id)
{
    unsigned day = 1 + rng() % 28, month = 1 + rng() % 12, year = 2006 + rng() % 8;
    fprintf(f, "      <ELEVE ELEVE_ID=\"%u\" ELENOET=\"%u\">\n", id, id % 100000);
    fprintf(f, "        <ID_NATIONAL>%09u%c%c</ID_NATIONAL>\n", id, 'A' + id % 26, 'A' + id % 23);
    fprintf(f, "        <INE_RNIE>%09u%c%c</INE_RNIE>\n", id, 'A' + id % 26, 'A' + id % 23);
    fprintf(f, "        <ELENOET>%u</ELENOET>\n", id % 100000);
    fprintf(f, "        <ID_ELEVE_ETAB>%05u999999</ID_ELEVE_ETAB>\n", id % 100000);
    fprintf(f, "        <NOM_DE_FAMILLE>%s</NOM_DE_FAMILLE>\n", PICK(surnames));
    fprintf(f, "        <NOM_USAGE>%s</NOM_USAGE>\n", PICK(surnames));
    fprintf(f, "        <PRENOM>%s</PRENOM>\n", PICK(firstnames));
    fprintf(f, "        <PRENOM2>%s</PRENOM2>\n", PICK(firstnames));
    fprintf(f, "        <PRENOM3></PRENOM3>\n");
    fprintf(f, "        <DATE_NAISS>%02u/%02u/%u</DATE_NAISS>\n", day, month, year);
    fprintf(f, "        <DOUBLEMENT>%u</DOUBLEMENT>\n", rng() % 2);
    fprintf(f, "        <TEL_PERSONNEL>+33 1 %02u %02u %02u %02u</TEL_PERSONNEL>\n", rng() % 100,
            rng() % 100, rng() % 100, rng() % 100);
    fprintf(f, "        <TEL_PORTABLE>+33 6 %02u %02u %02u %02u</TEL_PORTABLE>\n", rng() % 100,
            rng() % 100, rng() % 100, rng() % 100);
    fprintf(f, "        <CODE_PAYS>100</CODE_PAYS>\n");
    fprintf(f, "        <ACCEPTE_SMS>%u</ACCEPTE_SMS>\n", rng() % 2);
    fprintf(f, "        <DATE_MODIFICATION>02/09/2024</DATE_MODIFICATION>\n");
    if (rng() % 10 == 0) {
        fprintf(f, "        <DATE_SORTIE>05/07/2024</DATE_SORTIE>\n");
        fprintf(f, "        <CODE_MOTIF_SORTIE>%u</CODE_MOTIF_SORTIE>\n", 10 + rng() % 30);
    }
    fprintf(f, "        <MEL>eleve.%u@example.org</MEL>\n", id);
    fprintf(f, "        <CODE_REGIME>%u</CODE_REGIME>\n", rng() % 4);
    fprintf(f, "        <DATE_ENTREE>02/09/%u</DATE_ENTREE>\n", 2019 + rng() % 6);
    fprintf(f, "        <VILLE_NAISS></VILLE_NAISS>\n");
    fprintf(f, "        <ADRESSE_ID>%u</ADRESSE_ID>\n", 800000 + id);
    fprintf(f, "        <CODE_SEXE>%u</CODE_SEXE>\n", 1 + rng() % 2);
    fprintf(f, "        <CODE_PAYS_NAT>100</CODE_PAYS_NAT>\n");
    fprintf(f, "        <CODE_STATUT>ST</CODE_STATUT>\n");
    fprintf(f, "        <CODE_MEF>1031001911%u</CODE_MEF>\n", rng() % 10);
    fprintf(f, "        <CODE_DEPARTEMENT_NAISS>0%02u</CODE_DEPARTEMENT_NAISS>\n", 1 + rng() % 95);
    fprintf(f, "        <CODE_COMMUNE_INSEE_NAISS>75%03u</CODE_COMMUNE_INSEE_NAISS>\n",
            rng() % 1000);
    fprintf(f, "        <ADHESION_TRANSPORT>%u</ADHESION_TRANSPORT>\n", rng() % 2);
    fprintf(f, "        <CODE_PROVENANCE>%u</CODE_PROVENANCE>\n", 1 + rng() % 8);
    fprintf(f, "        <SCOLARITE_AN_DERNIER>\n"
               "          <CODE_MEF>10210001110</CODE_MEF>\n"
               "          <CODE_STRUCTURE>4 %c</CODE_STRUCTURE>\n"
               "          <CODE_RNE>0999999Z</CODE_RNE>\n"
               "          <SIGLE>CLG</SIGLE>\n"
               "          <DENOM_PRINC>COLL\xC8GE</DENOM_PRINC>\n"
               "          <DENOM_COMPL>DE D\xC9MONSTRATION</DENOM_COMPL>\n"
               "          <LL_COMMUNE_INSEE>%s</LL_COMMUNE_INSEE>\n"
               "        </SCOLARITE_AN_DERNIER>\n",
            'A' + rng() % 6, PICK(communes));
    fprintf(f, "      </ELEVE>\n");
}

static int generate(const char *path, long megabytes)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    /* ~2.6 KB per student in all (ELEVE, OPTION, STRUCTURES_ELEVE, ADRESSE) */
    unsigned n = (unsigned)(megabytes * 1000000 / 2600);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"3.0\">\n"
               "  <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n    <ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE>\n"
               "    <DATE_EXPORT>15/10/2024</DATE_EXPORT>\n"
               "    <HORODATAGE>15/10/2024 18:32:07</HORODATAGE>\n  </PARAMETRES>\n"
               "  <DONNEES>\n    <ELEVES>\n");
    for (unsigned i = 0; i < n; i++) {
        gen_eleve(f, 900000 + i);
    }
    fprintf(f, "    </ELEVES>\n    <OPTIONS>\n");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "      <OPTION ELEVE_ID=\"%u\">\n", 900000 + i);
        for (unsigned k = 1; k <= 2; k++) {
            fprintf(f, "        <OPTIONS_ELEVE>\n          <NUM_OPTION>%u</NUM_OPTION>\n"
                       "          <CODE_MODALITE_ELECT>S</CODE_MODALITE_ELECT>\n"
                       "          <CODE_MATIERE>0%u0%u00</CODE_MATIERE>\n        </OPTIONS_ELEVE>\n",
                    k, 3 + rng() % 6, rng() % 10);
        }
        fprintf(f, "      </OPTION>\n");
    }
    fprintf(f, "    </OPTIONS>\n    <STRUCTURES>\n");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "      <STRUCTURES_ELEVE ELEVE_ID=\"%u\">\n        <STRUCTURE>\n"
                   "          <CODE_STRUCTURE>3 %c</CODE_STRUCTURE>\n"
                   "          <TYPE_STRUCTURE>D</TYPE_STRUCTURE>\n        </STRUCTURE>\n"
                   "      </STRUCTURES_ELEVE>\n",
                900000 + i, 'A' + rng() % 6);
    }
    fprintf(f, "    </STRUCTURES>\n    <ADRESSES>\n");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "      <ADRESSE ADRESSE_ID=\"%u\">\n"
                   "        <LIGNE1_ADRESSE>%u RUE DE L'\xC9GLISE</LIGNE1_ADRESSE>\n"
                   "        <LIGNE2_ADRESSE></LIGNE2_ADRESSE>\n"
                   "        <CODE_POSTAL>75%03u</CODE_POSTAL>\n"
                   "        <CODE_PAYS>100</CODE_PAYS>\n"
                   "        <LIBELLE_POSTAL>%s</LIBELLE_POSTAL>\n      </ADRESSE>\n",
                800000 + 900000 + i, 1 + rng() % 200, rng() % 1000, PICK(communes));
    }
    fprintf(f, "    </ADRESSES>\n  </DONNEES>\n</BEE_ELEVES>\n");
    if (fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

/* --------------------------------------------------------------- parser */

typedef struct counts {
    uint64_t records;
    uint64_t bytes; /* of field text, so that the lookups are not optimised away */
} counts;

static const char *const eleve_fields[] = {
    "ID_NATIONAL", "INE_BEA", "INE_RNIE", "ELENOET", "ID_ELEVE_ETAB", "ID_PRV_ELE",
    "NOM_DE_FAMILLE", "NOM", "NOM_USAGE", "PRENOM", "PRENOM2", "PRENOM3", "DATE_NAISS",
    "DOUBLEMENT", "TEL_PROFESSIONNEL", "TEL_PERSONNEL", "TEL_PORTABLE", "CODE_PAYS",
    "ACCEPTE_SMS", "DATE_MODIFICATION", "DATE_SORTIE", "MEL", "CODE_REGIME", "DATE_ENTREE",
    "VILLE_NAISS", "ADRESSE_ID", "CODE_MOTIF_SORTIE", "CODE_SEXE", "CODE_PAYS_NAT",
    "CODE_STATUT", "CODE_MEF", "CODE_DEPARTEMENT_NAISS", "CODE_COMMUNE_INSEE_NAISS",
    "ADHESION_TRANSPORT", "CODE_PROVENANCE",
};

static int on_eleve(const xml_node *n, void *payload)
{
    counts *c = payload;
    c->records++;
    const char *id = xml_node_attr(n, "ELEVE_ID");
    c->bytes += id ? strlen(id) : 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(eleve_fields); i++) {
        const xml_node *f = xml_node_child(n, eleve_fields[i]);
        c->bytes += f ? xml_node_text_len(f) : 0;
    }
    const xml_node *mef = xml_node_find(n, "SCOLARITE_AN_DERNIER/CODE_MEF");
    c->bytes += mef ? xml_node_text_len(mef) : 0;
    return 0;
}

static int on_other(const xml_node *n, void *payload)
{
    counts *c = payload;
    c->records++;
    for (const xml_node *k = xml_node_first_child(n); k; k = xml_node_next_sibling(k)) {
        c->bytes += xml_node_text_len(k) + xml_node_child_count(k);
    }
    return 0;
}

static int parse(const char *path, bool scan)
{
    util_i18n_init();
    xml_reader *r = NULL;
    xml_source *src = NULL;
    counts c = {0, 0};
    int rc = xml_reader_new(&r, NULL);
    if (rc == 0 && !scan) {
        xml_reader_on_record(r, "/BEE_ELEVES/PARAMETRES", on_other, &c);
        xml_reader_on_record(r, "/BEE_ELEVES/DONNEES/ELEVES/ELEVE", on_eleve, &c);
        xml_reader_on_record(r, "/BEE_ELEVES/DONNEES/OPTIONS/OPTION", on_other, &c);
        xml_reader_on_record(r, "/BEE_ELEVES/DONNEES/STRUCTURES/STRUCTURES_ELEVE", on_other, &c);
        xml_reader_on_record(r, "/BEE_ELEVES/DONNEES/ADRESSES/ADRESSE", on_other, &c);
    }
    double t0 = util_monotonic();
    clock_t c0 = clock();
    if (rc == 0) {
        rc = xml_source_open(&src, path, NULL);
    }
    if (rc == 0) {
        rc = xml_reader_parse(r, src);
    }
    double dt = util_monotonic() - t0;
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (rc != 0) {
        fprintf(stderr, "bench_xml: %s\n", relais_error_last());
        xml_source_free(src);
        xml_reader_free(r);
        return 1;
    }
    uint64_t done, total;
    xml_source_progress(src, &done, &total);
    double mb = (double)done / 1e6;
    printf("xml %-6s %-3s %s: %.0f MB (%s) in %.2f s = %.1f MB/s (CPU %.2f s = %.1f MB/s), "
           "%llu records = %.0f records/s, peak RSS %.1f MiB\n",
           scan ? "scan" : "record", xml_source_is_zip(src) ? "zip" : "xml",
           xml_source_name(src), mb, xml_reader_encoding(r), dt, mb / dt, cpu, mb / cpu,
           (unsigned long long)c.records, (double)c.records / dt,
           (double)util_peak_rss_kib() / 1024.0);
    xml_source_free(src);
    xml_reader_free(r);
    return c.bytes == 0 && !scan ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "generate") == 0) {
        char *end = NULL;
        long mb = strtol(argv[3], &end, 10);
        if (end == argv[3] || *end != '\0' || mb <= 0 || mb > 100000) {
            fprintf(stderr, "bench_xml: taille invalide %s\n", argv[3]);
            return 2;
        }
        return generate(argv[2], mb);
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "parse") == 0) {
        return parse(argv[2], argc == 4 && strcmp(argv[3], "scan") == 0);
    }
    fprintf(stderr, "usage: bench_xml generate FILE MB | bench_xml parse FILE [scan]\n");
    return 2;
}
