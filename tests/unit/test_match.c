/*
 * test_match.c — the match module: partner list readers (CSV, ENT), each piece
 * of evidence of the score, term frequencies, one-to-one assignment, twins and
 * homonyms kept apart, review of competing candidates, household evidence for
 * guardians, duplicate guardians, and — through a real hub built with plans —
 * crosswalk links, manual decisions surviving re-runs, idempotence, the file
 * for the partner; allocation failures.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <string.h>

#include "match/match.h"

/* ---------------------------------------------------------------- helpers */

static uint32_t add(match_list *l, match_category cat, const char *id, const char *nom,
                    const char *usage, const char *prenoms, const char *date, char sexe)
{
    uint32_t i;
    assert_int_equal(match_list_add(&i, l), 0);
    match_person *p = &l->persons[i];
    p->category = (uint8_t)cat;
    p->id = match_list_str(l, id, strlen(id));
    p->relais_id = (int64_t)i + 100;
    p->nom = nom ? match_list_str(l, nom, strlen(nom)) : NULL;
    p->nom_usage = usage ? match_list_str(l, usage, strlen(usage)) : NULL;
    p->prenoms = prenoms ? match_list_str(l, prenoms, strlen(prenoms)) : NULL;
    p->date_naissance = date ? match_list_str(l, date, strlen(date)) : NULL;
    p->sexe = sexe;
    return i;
}

static match_list *new_list(void)
{
    match_list *l;
    assert_int_equal(match_list_new(&l), 0);
    return l;
}

/* A hub list with one establishment; every person added is in it. */
static match_list *new_hub(void)
{
    match_list *l = new_list();
    uint32_t e;
    assert_int_equal(match_list_add_estab(&e, l, "0999999Z", 1), 0);
    return l;
}

static void in_estab(match_list *hub)
{
    for (size_t i = 0; i < hub->n; i++) {
        hub->persons[i].estab = 0;
    }
}

/* Score of partner person 0 against hub person h; *reasons gets the reasons. */
static double score(const match_list *pl, const match_list *hub, uint32_t h, match_reasons *reasons,
                    bool *ok)
{
    double s;
    match_reasons r;
    *ok = match_score_pair(&s, &r, pl, 0, hub, h);
    if (reasons) {
        *reasons = r;
    }
    return s;
}

/* The hub index linked to partner p (key/auto/manual), or -1; *decision when linked. */
static int linked_to(const match_result *r, uint32_t p, match_decision *decision)
{
    for (size_t i = 0; i < r->n_links; i++) {
        if (r->links[i].partner == p && r->links[i].decision != MATCH_REVIEW) {
            if (decision) {
                *decision = (match_decision)r->links[i].decision;
            }
            return (int)r->links[i].hub;
        }
    }
    return -1;
}

static size_t n_review_candidates(const match_result *r, uint32_t p)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_links; i++) {
        n += r->links[i].partner == p && r->links[i].decision == MATCH_REVIEW;
    }
    return n;
}

/* A hub of filler students so that frequencies and priors look like a real school. */
static void filler(match_list *hub, size_t n)
{
    static const char *const noms[] = {"MOREL",    "FOURNIER", "GIRAUD", "BONNET", "FAURE",
                                       "ROUSSEAU", "BLANC",    "GUERIN", "MULLER", "HENRY"};
    static const char *const prenoms[] = {"Adam",   "Inès",  "Gabriel", "Jade", "Raphaël", "Louise",
                                          "Arthur", "Ambre", "Maël",    "Rose", "Sacha"};
    char id[16], date[11];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "F%u", (unsigned)i);
        snprintf(date, sizeof date, "20%02zu-%02zu-%02zu", 10 + i % 4, 1 + i % 12, 1 + i % 28);
        add(hub, MATCH_STUDENT, id, noms[i % 10], NULL, prenoms[(i / 10) % 11], date,
            i % 2 ? 'M' : 'F');
    }
    in_estab(hub);
}

/* ------------------------------------------------------------- categories */

static void test_match__category_parse(void **state)
{
    (void)state;
    match_category c;
    assert_true(match_category_parse(&c, "Élève", strlen("Élève")));
    assert_int_equal(c, MATCH_STUDENT);
    assert_true(match_category_parse(&c, "RESPONSABLE", 11));
    assert_int_equal(c, MATCH_GUARDIAN);
    assert_true(match_category_parse(&c, "professeur", 10));
    assert_int_equal(c, MATCH_TEACHER);
    assert_true(match_category_parse(&c, "Personnel de direction", 22));
    assert_int_equal(c, MATCH_STAFF);
    assert_false(match_category_parse(&c, "inconnu", 7));
    assert_string_equal(match_category_name(MATCH_GUARDIAN), "guardian");
    assert_int_equal(match_category_kind(MATCH_TEACHER), RELAIS_KIND_STAFF);
}

/* ---------------------------------------------------------------- readers */

typedef struct warnings {
    char codes[32][32];
    unsigned long lines[32];
    size_t n;
} warnings;

static void collect_warning(unsigned long line, const char *code, const char *message,
                            void *payload)
{
    warnings *w = payload;
    (void)message;
    if (w->n < 32) {
        snprintf(w->codes[w->n], sizeof w->codes[0], "%s", code);
        w->lines[w->n++] = line;
    }
}

static bool has_warning(const warnings *w, const char *code, unsigned long line)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->codes[i], code) == 0 && (line == 0 || w->lines[i] == line)) {
            return true;
        }
    }
    return false;
}

static int read_str(match_list **out, warnings *w, const char *data, match_format *fmt)
{
    match_read_options o = MATCH_READ_OPTIONS_INIT;
    o.file_name = "liste.csv";
    o.warn = collect_warning;
    o.payload = w;
    memset(w, 0, sizeof *w);
    return match_read_buffer(out, fmt, data, strlen(data), &o);
}

static void test_match__read_partner_csv(void **state)
{
    (void)state;
    match_list *l;
    warnings w;
    match_format f;
    /* BOM, ';', quoted field with the separator, header aliases and accents */
    const char *csv = "\xEF\xBB\xBF"
                      "Catégorie;Identifiant;Nom;Prénom;Date de naissance;Sexe;Téléphone;"
                      "Enfants;Couleur\r\n"
                      "eleve;E1;\"DUPONT; fils\";Léa;14/03/2012;F;;;bleu\r\n"
                      "\r\n"
                      "élève;E2;MARTIN;Lucas;2011-05-02;M;;;\r\n"
                      "responsable;R1;DUPONT;Pierre;;H;06 11 22 33 44|01 02 03 04 05;E1|E2|E9;\r\n"
                      "eleve;E1;COPIE;X;;;;;\r\n"
                      "chat;C1;X;Y;;;;;\r\n"
                      "eleve;E3;PETIT;Hugo;31/02/2011;Z;;;\r\n"
                      "eleve;;SANS;ID;;;;;\r\n";
    assert_int_equal(read_str(&l, &w, csv, &f), 0);
    assert_int_equal(f, MATCH_FORMAT_CSV);
    assert_int_equal(l->n, 4);
    assert_string_equal(l->persons[0].nom, "DUPONT; fils");
    assert_string_equal(l->persons[0].date_naissance, "2012-03-14");
    assert_int_equal(l->persons[0].sexe, 'F');
    assert_int_equal(l->persons[0].line, 2);
    assert_int_equal(l->persons[1].line, 4);
    assert_int_equal(l->persons[2].category, MATCH_GUARDIAN);
    assert_int_equal(l->persons[2].sexe, 'M');
    assert_string_equal(l->persons[2].phones, "06 11 22 33 44|01 02 03 04 05");
    assert_int_equal(l->persons[2].n_children, 2);
    assert_int_equal(l->persons[2].children[0], 0);
    assert_int_equal(l->persons[2].children[1], 1);
    assert_null(l->persons[3].date_naissance);
    assert_true(has_warning(&w, "COLONNE_INCONNUE", 1));
    assert_true(has_warning(&w, "ENFANT_INCONNU", 5));
    assert_true(has_warning(&w, "ID_EN_DOUBLE", 6));
    assert_true(has_warning(&w, "CATEGORIE_INCONNUE", 7));
    assert_true(has_warning(&w, "DATE_INVALIDE", 8));
    assert_true(has_warning(&w, "SEXE_INVALIDE", 8));
    assert_true(has_warning(&w, "ID_ABSENT", 9));
    match_list_free(l);

    /* ',' and tab separators are detected from the header */
    assert_int_equal(read_str(&l, &w,
                              "categorie,id,nom,prenom,date_naissance\n"
                              "eleve,1,\"Le Goff\",\"Jean, Louis\",01/02/2010\n",
                              &f),
                     0);
    assert_int_equal(l->n, 1);
    assert_string_equal(l->persons[0].prenoms, "Jean, Louis");
    match_list_free(l);
    assert_int_equal(read_str(&l, &w,
                              "categorie\tid\tnom\tprenom\tdate_naissance\n"
                              "professeur\tP1\tDURAND\tClaire\t\n",
                              &f),
                     0);
    assert_int_equal(l->persons[0].category, MATCH_TEACHER);
    match_list_free(l);

    /* Windows-1252 input is read, with a warning */
    assert_int_equal(read_str(&l, &w,
                              "categorie;id;nom;prenom;date_naissance\n"
                              "eleve;1;L\x8c"
                              "UF;Chlo\xe9;\n",
                              &f),
                     0);
    assert_string_equal(l->persons[0].nom, "LŒUF");
    assert_string_equal(l->persons[0].prenoms, "Chloé");
    assert_true(has_warning(&w, "ENCODAGE_WINDOWS_1252", 0));
    match_list_free(l);

    /* A required column missing, an empty file: errors naming the file */
    assert_int_equal(read_str(&l, &w, "categorie;id;nom;prenom\neleve;1;A;B\n", &f),
                     RELAIS_EINVALID);
    assert_non_null(strstr(relais_error_last(), "date_naissance"));
    assert_non_null(strstr(relais_error_last(), "liste.csv:1"));
    assert_int_equal(read_str(&l, &w, "", &f), RELAIS_EINVALID);
}

static const char *aaf_doc =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE ficAlimMENESR SYSTEM \"ficAlimMENESR.dtd\">\n"
    "<ficAlimMENESR>\n"
    "<addRequest><operationalAttributes><attr name=\"categorieStructure\"><value>EtabEducNat"
    "</value></attr></operationalAttributes><identifier><id>3000</id></identifier><attributes>"
    "<attr name=\"ENTStructureUAI\"><value>0999999Z</value></attr></attributes></addRequest>\n"
    "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve</value>"
    "</attr></operationalAttributes><identifier><id>2001</id></identifier><attributes>"
    "<attr name=\"ENTEleveINE\"><value>070000001AA</value></attr>"
    "<attr name=\"ENTEleveStructRattachId\"><value>4001</value></attr>"
    "<attr name=\"ENTPersonDateNaissance\"><value>14/03/2012</value></attr>"
    "<attr name=\"ENTPersonNomPatro\"><value>DUPONT</value></attr>"
    "<attr name=\"sn\"><value>DUPONT</value></attr>"
    "<attr name=\"givenName\"><value>Léa</value></attr>"
    "<attr name=\"ENTPersonAutresPrenoms\"><value>Léa</value><value>Marie</value></attr>"
    "<attr name=\"personalTitle\"><value>Mlle</value></attr>"
    "<attr name=\"ENTElevePersRelEleve\"><value>2002$20$1$1$1$1</value>"
    "<value>9999$10$0$1$0$0</value></attr>"
    "<attr name=\"ENTPersonStructRattach\"><value>3000</value></attr>"
    "<attr name=\"ENTEleveClasses\"><value>3000$5A</value></attr>"
    "</attributes></addRequest>\n"
    "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>PersRelEleve"
    "</value></attr></operationalAttributes><identifier><id>2002</id></identifier><attributes>"
    "<attr name=\"ENTPersonNomPatro\"><value>LEROY</value></attr>"
    "<attr name=\"sn\"><value>DUPONT</value></attr>"
    "<attr name=\"givenName\"><value>Anne</value></attr>"
    "<attr name=\"mobile\"><value>06 11 22 33 44</value></attr>"
    "<attr name=\"ENTPersonAdresse\"><value>3 RUE DES LILAS$$$</value></attr>"
    "<attr name=\"ENTAuxPersRelEleveEleve\"><value>2001</value></attr>"
    "</attributes></addRequest>\n"
    "<addRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>PersEducNat"
    "</value></attr></operationalAttributes><identifier><id>2003</id></identifier><attributes>"
    "<attr name=\"sn\"><value>DURAND</value></attr>"
    "<attr name=\"givenName\"><value>Claire</value></attr>"
    "<attr name=\"ENTPersonFonctions\"><value>3000$ENS$ENSEIGNEMENT$L1300$MATHEMATIQUES"
    "</value></attr></attributes></addRequest>\n"
    "<modifyRequest><operationalAttributes><attr name=\"categoriePersonne\"><value>Eleve"
    "</value></attr></operationalAttributes><identifier><id>2001</id></identifier>"
    "<modifications><modification name=\"sn\" operation=\"replace\"><value>X</value>"
    "</modification></modifications></modifyRequest>\n"
    "</ficAlimMENESR>\n";

static void test_match__read_aaf(void **state)
{
    (void)state;
    match_list *l;
    warnings w;
    match_format f;
    assert_int_equal(read_str(&l, &w, aaf_doc, &f), 0);
    assert_int_equal(f, MATCH_FORMAT_AAF);
    assert_int_equal(l->n, 3);
    const match_person *e = &l->persons[0], *g = &l->persons[1], *t = &l->persons[2];
    assert_string_equal(e->id, "2001");
    assert_string_equal(e->siecle_id, "4001");
    assert_string_equal(e->ine, "070000001AA");
    assert_string_equal(e->prenoms, "Léa, Marie");
    assert_string_equal(e->date_naissance, "2012-03-14");
    assert_int_equal(e->sexe, 'F');
    assert_string_equal(e->classe, "5A");
    assert_string_equal(e->uai, "0999999Z");
    assert_int_equal(g->category, MATCH_GUARDIAN);
    assert_string_equal(g->nom, "LEROY");
    assert_string_equal(g->nom_usage, "DUPONT");
    assert_string_equal(g->phones, "06 11 22 33 44");
    assert_int_equal(g->n_children, 1); /* linked from both sides, once */
    assert_int_equal(g->children[0], 0);
    assert_int_equal(t->category, MATCH_TEACHER);
    assert_true(has_warning(&w, "AAF_DELTA", 0));
    match_list_free(l);

    /* the real sample of an AAF Eleve file (tests/data/samples) */
    match_list *s;
    assert_int_equal(
        match_read_file(&s, &f,
                        test_source_path("tests/data/samples/aaf/"
                                         "entcore_ENT_Complet_20200101_Eleve_0000.xml"),
                        NULL),
        0);
    assert_int_equal(f, MATCH_FORMAT_AAF);
    assert_true(s->n >= 1);
    assert_int_equal(s->persons[0].category, MATCH_STUDENT);
    assert_string_equal(s->persons[0].ine, "100000000AA");
    assert_string_equal(s->persons[0].date_naissance, "2000-01-01");
    match_list_free(s);

    /* entities stay refused */
    assert_int_equal(read_str(&l, &w,
                              "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>"
                              "<ficAlimMENESR>&a;</ficAlimMENESR>",
                              &f),
                     RELAIS_EINVALID);
}

static void test_match__read_ent_csv(void **state)
{
    (void)state;
    match_list *l;
    warnings w;
    match_format f;
    const char *ent =
        "\"RNE\";\"UID\";\"Classe\";\"Profil\";\"Prénom\";\"Nom\";\"Login\";\"Mot de passe\";"
        "\"Clé de jointure\";\"UID Responsable 1\";\"UID Responsable 2\";\"UID tuteur 1\";"
        "\"UID tuteur 2\"\n"
        "\"0999999Z\";\"u-e1\";\"5A\";\"Elève\";\"Léa\";\"DUPONT\";\"lea.dupont\";\"secret1\";"
        "\"123\";\"u-r1\";\"u-r2\";\"\";\"\"\n"
        "\"0999999Z\";\"u-r1\";\"5A\";\"Relative\";\"Pierre\";\"DUPONT\";\"pierre.dupont\";"
        "\"{SHA}xx\";\"456\";\"\";\"\";\"\";\"\"\n"
        "\"0999999Z\";\"u-t1\";\"\";\"Teacher\";\"Claire\";\"DURAND\";\"claire.durand\";\"\";"
        "\"\";\"\";\"\";\"\";\"\"\n"
        "\"0999999Z\";\"u-x\";\"\";\"Guest\";\"A\";\"B\";\"c\";\"\";\"\";\"\";\"\";\"\";\"\"\n"
        "\"0999999Z\";\"court\"\n";
    assert_int_equal(read_str(&l, &w, ent, &f), 0);
    assert_int_equal(f, MATCH_FORMAT_ENT);
    assert_int_equal(l->n, 3);
    const match_person *e = &l->persons[0], *r = &l->persons[1];
    assert_string_equal(e->id, "u-e1");
    assert_string_equal(e->login, "lea.dupont");
    assert_string_equal(e->classe, "5A");
    assert_string_equal(e->uai, "0999999Z");
    assert_int_equal(r->category, MATCH_GUARDIAN);
    assert_int_equal(r->n_children, 1);
    assert_int_equal(r->children[0], 0);
    assert_null(r->classe); /* a parent carries the child's class: not his */
    assert_int_equal(l->persons[2].category, MATCH_TEACHER);
    assert_true(has_warning(&w, "RESPONSABLE_INCONNU", 2)); /* u-r2 */
    assert_true(has_warning(&w, "PROFIL_INCONNU", 5));
    assert_true(has_warning(&w, "LIGNE_INCOMPLETE", 6));
    /* The password is never kept: no string of the list holds it. */
    for (size_t i = 0; i < l->n; i++) {
        const match_person *p = &l->persons[i];
        const char *fields[] = {p->id, p->nom, p->prenoms, p->login, p->classe, p->uai};
        for (size_t k = 0; k < UTIL_ARRAY_LEN(fields); k++) {
            assert_true(fields[k] == NULL || strstr(fields[k], "secret") == NULL);
        }
    }
    match_list_free(l);
    /* without header, detected from its shape */
    assert_int_equal(read_str(&l, &w, "0999999Z;u1;4B;Eleve;Hugo;PETIT;hugo;x;1;;;;\n", &f), 0);
    assert_int_equal(f, MATCH_FORMAT_ENT);
    assert_int_equal(l->n, 1);
    match_list_free(l);
}

/* ---------------------------------------------------------------- evidence */

static void test_match__surname_evidence(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 200);
    uint32_t h =
        add(hub, MATCH_GUARDIAN, "G1", "LEROY", "MARTIN-DUVAL", "Sophie", "1982-02-11", 'F');
    uint32_t h2 = add(hub, MATCH_STUDENT, "S1", "DE LA FONTAINE", NULL, "Jean", "2010-08-08", 'M');
    in_estab(hub);
    static const struct {
        match_category cat;
        const char *nom, *usage;
        match_reasons want;
        bool ok;
    } cases[] = {
        {MATCH_GUARDIAN, "Leroy", NULL, MATCH_R_SURNAME_EXACT, true},
        {MATCH_GUARDIAN, "MARTIN DUVAL", NULL, MATCH_R_SURNAME_USAGE, true}, /* usage name */
        {MATCH_GUARDIAN, "MARTIN", NULL, MATCH_R_SURNAME_PARTIAL, true},     /* compound part */
        {MATCH_GUARDIAN, "LEROI", NULL, MATCH_R_SURNAME_CLOSE, true},
        {MATCH_GUARDIAN, "LEROYE", NULL, MATCH_R_SURNAME_CLOSE, true},
        {MATCH_GUARDIAN, "DURAND", NULL, MATCH_R_SURNAME_DIFFERS, true}, /* not a veto */
    };
    double exact = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        match_list *pl = new_list();
        add(pl, cases[i].cat, "P", cases[i].nom, cases[i].usage, "Sophie", "1982-02-11", 'F');
        match_reasons r;
        bool ok;
        double s = score(pl, hub, h, &r, &ok);
        assert_true(ok == cases[i].ok);
        if (cases[i].want && !(r & cases[i].want)) {
            fail_msg("surname %s: reasons %#llx lack %#llx", cases[i].nom, (unsigned long long)r,
                     (unsigned long long)cases[i].want);
        }
        if (i == 0) {
            exact = s;
        } else {
            assert_true(s < exact);
        }
        match_list_free(pl);
    }
    /* particles: one key or the other */
    const char *spellings[] = {"Delafontaine", "de la Fontaine", "LA FONTAINE", "De-La-Fontaine"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(spellings); i++) {
        match_list *pl = new_list();
        add(pl, MATCH_STUDENT, "P", spellings[i], NULL, "JEAN", "2010-08-08", 'M');
        match_reasons r;
        bool ok;
        score(pl, hub, h2, &r, &ok);
        assert_true(ok);
        if (!(r & MATCH_R_SURNAME_EXACT)) {
            fail_msg("%s should equal DE LA FONTAINE", spellings[i]);
        }
        match_list_free(pl);
    }
    match_list_free(hub);
}

static void test_match__first_name_evidence(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 200);
    uint32_t h = add(hub, MATCH_STUDENT, "S1", "KERGUELEN", NULL, "Jean-Pierre, Louis, Marie",
                     "2011-03-04", 'M');
    uint32_t h2 = add(hub, MATCH_STUDENT, "S2", "KERMARREC", NULL, "Louis", "2011-03-05", 'M');
    uint32_t h3 = add(hub, MATCH_STUDENT, "S3", "KERVELLA", NULL, "Léon", "2011-03-06", 'M');
    in_estab(hub);
    static const struct {
        uint32_t hub;
        const char *prenoms;
        match_reasons want;
        bool ok;
    } cases[] = {
        {0, "Jean-Pierre, Louis, Marie", MATCH_R_FIRST_EXACT, true},
        {0, "JEAN PIERRE LOUIS MARIE", MATCH_R_FIRST_EXACT, true},
        {0, "Jean-Pierre", MATCH_R_FIRST_EXACT, true},        /* the first given name */
        {0, "Jean Pierre Louis", MATCH_R_FIRST_PREFIX, true}, /* only some of several */
        {0, "Jean", MATCH_R_FIRST_PARTIAL, true},             /* part of a compound name */
        {0, "Louis", MATCH_R_FIRST_OTHER, true},              /* the second first name */
        {0, "Jean-Piere", MATCH_R_FIRST_CLOSE, true},         /* typing error */
        {0, "Jean-Marc", 0, false},                           /* another compound name */
        {0, "Paul", 0, false},
        {1, "Louise", 0, false}, /* feminine form: another person */
        {1, "Luois", MATCH_R_FIRST_CLOSE, true},
        {1, "Léon", 0, false},
        {2, "Leo", 0, false}, /* Léo and Léon: two common first names */
        {2, "Lon", MATCH_R_FIRST_CLOSE, true},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        match_list *pl = new_list();
        static const char *const noms[] = {"KERGUELEN", "KERMARREC", "KERVELLA"};
        static const char *const dates[] = {"2011-03-04", "2011-03-05", "2011-03-06"};
        uint32_t hs[] = {h, h2, h3};
        add(pl, MATCH_STUDENT, "P", noms[cases[i].hub], NULL, cases[i].prenoms, dates[cases[i].hub],
            0);
        match_reasons r;
        bool ok;
        score(pl, hub, hs[cases[i].hub], &r, &ok);
        if (ok != cases[i].ok || (cases[i].want && !(r & cases[i].want))) {
            fail_msg("first names « %s »: ok %d reasons %#llx", cases[i].prenoms, ok,
                     (unsigned long long)r);
        }
        match_list_free(pl);
    }
    match_list_free(hub);
}

static void test_match__birth_date_evidence(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 200);
    uint32_t h = add(hub, MATCH_STUDENT, "S1", "KERGUELEN", NULL, "Yann", "2011-03-04", 'M');
    in_estab(hub);
    static const struct {
        const char *date;
        match_reasons want;
        bool ok;
    } cases[] = {
        {"2011-03-04", MATCH_R_DATE_EXACT, true},
        {"2011-04-03", MATCH_R_DATE_SWAPPED, true},
        {"2011-03-05", MATCH_R_DATE_TYPO, true},
        {"2012-03-04", MATCH_R_DATE_TYPO, true},
        {"2011-30-04", 0, true}, /* invalid: ignored as missing */
        {"2011-03-14", MATCH_R_DATE_TYPO, true},
        {"2011-03-25", 0, false},
        {"2001-03-04", MATCH_R_DATE_TYPO, true},
        {"2009-03-04", 0, false}, /* two digits of the year */
        {"2001-12-04", 0, false},
        {NULL, MATCH_R_DATE_MISSING, true},
    };
    double prev_exact = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        match_list *pl = new_list();
        add(pl, MATCH_STUDENT, "P", "KERGUELEN", NULL, "Yann", cases[i].date, 'M');
        match_reasons r;
        bool ok;
        double s = score(pl, hub, h, &r, &ok);
        if (ok != cases[i].ok || (cases[i].want && !(r & cases[i].want))) {
            fail_msg("date %s: ok %d reasons %#llx", cases[i].date ? cases[i].date : "-", ok,
                     (unsigned long long)r);
        }
        if (i == 0) {
            prev_exact = s;
        } else if (ok) {
            assert_true(s < prev_exact);
        }
        match_list_free(pl);
    }
    match_list_free(hub);
}

static void test_match__contact_evidence(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 200);
    uint32_t h = add(hub, MATCH_GUARDIAN, "G1", "MOREL", NULL, "Anne", NULL, 'F');
    hub->persons[h].phones = "0611223344|0102030405";
    hub->persons[h].email = "Anne.Morel@example.fr";
    hub->persons[h].code_postal = "75011";
    hub->persons[h].ine = NULL;
    uint32_t s1 = add(hub, MATCH_STUDENT, "S1", "MOREL", NULL, "Tom", "2012-01-01", 'M');
    hub->persons[s1].ine = "070000001AA";
    hub->persons[s1].classe = "5A";
    in_estab(hub);
    match_list *pl = new_list();
    add(pl, MATCH_GUARDIAN, "P", "MOREL", NULL, "Anne", NULL, 'F');
    match_reasons r;
    bool ok;
    double base = score(pl, hub, h, &r, &ok);
    assert_true(ok);
    assert_false(r & (MATCH_R_PHONE | MATCH_R_EMAIL | MATCH_R_POSTCODE));
    assert_true((r & MATCH_R_NON_NAME) == 0);
    pl->persons[0].phones = "+33 6 11 22 33 44";
    double with_phone = score(pl, hub, h, &r, &ok);
    assert_true(r & MATCH_R_PHONE);
    assert_true(with_phone > base + 8);
    pl->persons[0].email = "anne.morel@EXAMPLE.fr ";
    double with_mail = score(pl, hub, h, &r, &ok);
    assert_true(r & MATCH_R_EMAIL);
    assert_true(with_mail > with_phone + 8);
    pl->persons[0].code_postal = "75011";
    score(pl, hub, h, &r, &ok);
    assert_true(r & MATCH_R_POSTCODE);
    pl->persons[0].code_postal = "13001";
    score(pl, hub, h, &r, &ok);
    assert_true(r & MATCH_R_POSTCODE_DIFFERS);
    pl->persons[0].sexe = 'M';
    double other_sex = score(pl, hub, h, &r, &ok);
    assert_true(r & MATCH_R_SEX_DIFFERS);
    assert_true(ok); /* a penalty, not a veto, when the first names agree */
    (void)other_sex;
    match_list_free(pl);

    /* INE and class */
    pl = new_list();
    add(pl, MATCH_STUDENT, "P", "MOREL", NULL, "Tom", "2012-01-01", 'M');
    double plain = score(pl, hub, s1, &r, &ok);
    pl->persons[0].ine = "070000001aa";
    pl->persons[0].classe = "5 A";
    double strong = score(pl, hub, s1, &r, &ok);
    assert_true(r & MATCH_R_INE);
    assert_true(r & MATCH_R_CLASS);
    assert_true(strong > plain + 20);
    pl->persons[0].ine = "070000009ZZ";
    pl->persons[0].classe = "4B";
    double weak = score(pl, hub, s1, &r, &ok);
    assert_true(r & MATCH_R_INE_DIFFERS);
    assert_true(r & MATCH_R_CLASS_DIFFERS);
    assert_true(weak < plain);
    /* the SIECLE id given by the partner (AAF) is a key */
    pl->persons[0].ine = NULL;
    pl->persons[0].siecle_id = "S1";
    double keyed = score(pl, hub, s1, &r, &ok);
    assert_true(r & MATCH_R_SIECLE_ID);
    assert_true(keyed > plain + 15);
    match_list_free(pl);
    match_list_free(hub);
}

/* A common surname is weaker evidence than a rare one. */
static void test_match__term_frequency(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 300); /* 30 of each filler surname */
    uint32_t common = add(hub, MATCH_STUDENT, "C", "MOREL", NULL, "Yann", "2011-03-04", 'M');
    uint32_t rare = add(hub, MATCH_STUDENT, "R", "KERGUELEN", NULL, "Yann", "2011-03-05", 'M');
    in_estab(hub);
    match_list *pl = new_list();
    add(pl, MATCH_STUDENT, "P", "MOREL", NULL, "Yann", "2011-03-04", 'M');
    bool ok;
    double s_common = score(pl, hub, common, NULL, &ok);
    match_list_free(pl);
    pl = new_list();
    add(pl, MATCH_STUDENT, "P", "KERGUELEN", NULL, "Yann", "2011-03-05", 'M');
    double s_rare = score(pl, hub, rare, NULL, &ok);
    assert_true(s_rare > s_common + 3);
    match_list_free(pl);
    match_list_free(hub);
}

/* ------------------------------------------------------------- the engine */

static void test_match__twins_and_homonyms_kept_apart(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 100);
    uint32_t emma = add(hub, MATCH_STUDENT, "T1", "BERNARD", NULL, "Emma", "2012-09-10", 'F');
    uint32_t jules = add(hub, MATCH_STUDENT, "T2", "BERNARD", NULL, "Jules", "2012-09-10", 'M');
    uint32_t lea = add(hub, MATCH_STUDENT, "T3", "ROUX", NULL, "Léa", "2013-01-02", 'F');
    uint32_t leo = add(hub, MATCH_STUDENT, "T4", "ROUX", NULL, "Léo", "2013-01-02", 'M');
    uint32_t hugo1 = add(hub, MATCH_STUDENT, "H1", "PETIT", NULL, "Hugo", "2010-01-15", 'M');
    add(hub, MATCH_STUDENT, "H2", "PETIT", NULL, "Hugo", "2011-07-20", 'M');
    in_estab(hub);
    match_list *pl = new_list();
    uint32_t p_chloe = add(pl, MATCH_STUDENT, "P1", "BERNARD", NULL, "Chloé", "2012-09-10", 'F');
    uint32_t p_emma = add(pl, MATCH_STUDENT, "P2", "BERNARD", NULL, "EMMA", "2012-09-10", 0);
    uint32_t p_leo = add(pl, MATCH_STUDENT, "P3", "ROUX", NULL, "LEO", "2013-01-02", 0);
    uint32_t p_hugo = add(pl, MATCH_STUDENT, "P4", "PETIT", NULL, "Hugo", "2010-01-15", 'M');
    uint32_t p_hugo3 = add(pl, MATCH_STUDENT, "P5", "PETIT", NULL, "Hugo", "2009-05-30", 'M');
    uint32_t p_louise = add(pl, MATCH_STUDENT, "P6", "BERNARD", NULL, "Julie", "2012-09-10", 'F');
    match_result *r;
    assert_int_equal(match_run(&r, pl, hub, NULL, 0, NULL, 0, NULL), 0);
    assert_int_equal(linked_to(r, p_chloe, NULL), -1); /* the twins' sister who is not there */
    assert_int_equal(r->partner_outcome[p_chloe], MATCH_OUT_UNMATCHED);
    assert_int_equal(linked_to(r, p_emma, NULL), (int)emma);
    assert_int_equal(linked_to(r, p_leo, NULL), (int)leo);
    assert_int_equal(linked_to(r, p_hugo, NULL), (int)hugo1);
    assert_int_equal(linked_to(r, p_hugo3, NULL), -1); /* a third Hugo PETIT: not a match */
    assert_int_equal(r->partner_outcome[p_hugo3], MATCH_OUT_UNMATCHED);
    assert_int_equal(linked_to(r, p_louise, NULL), -1);
    assert_false(r->hub_matched[jules]);
    assert_false(r->hub_matched[lea]);
    match_result_free(r);
    match_list_free(pl);
    match_list_free(hub);
}

static void test_match__one_to_one_and_review(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 100);
    uint32_t m1 = add(hub, MATCH_STUDENT, "M1", "THOMAS", NULL, "Manon", "2011-04-04", 'F');
    uint32_t m2 = add(hub, MATCH_STUDENT, "M2", "THOMAS", NULL, "Manon", "2013-06-21", 'F');
    uint32_t g = add(hub, MATCH_GUARDIAN, "G", "MOREAU", NULL, "Paul", NULL, 'M');
    in_estab(hub);
    match_list *pl = new_list();
    /* no birth date: two homonyms compete → review with both, no link */
    uint32_t p = add(pl, MATCH_STUDENT, "P1", "THOMAS", NULL, "Manon", NULL, 'F');
    /* the same person twice in the partner list, with a date: one link */
    uint32_t q1 = add(pl, MATCH_STUDENT, "Q1", "THOMAS", NULL, "Manon", "2013-06-21", 'F');
    /* names alone never make an automatic link */
    uint32_t n = add(pl, MATCH_GUARDIAN, "N", "MOREAU", NULL, "Paul", NULL, 'M');
    match_result *r;
    assert_int_equal(match_run(&r, pl, hub, NULL, 0, NULL, 0, NULL), 0);
    assert_int_equal(linked_to(r, q1, NULL), (int)m2);
    /* Q1 took M2; P1 is left with M1 and M2 as candidates to check */
    assert_int_equal(linked_to(r, p, NULL), -1);
    assert_int_equal(r->partner_outcome[p], MATCH_OUT_REVIEW);
    assert_true(n_review_candidates(r, p) >= 1);
    assert_int_equal(linked_to(r, n, NULL), -1);
    assert_int_equal(r->partner_outcome[n], MATCH_OUT_REVIEW);
    assert_false(r->hub_matched[g]);
    assert_false(r->hub_matched[m1]);
    /* the one-to-one rule: no hub person is linked twice */
    for (size_t i = 0; i < r->n_links; i++) {
        for (size_t k = i + 1; k < r->n_links; k++) {
            if (r->links[i].decision != MATCH_REVIEW && r->links[k].decision != MATCH_REVIEW) {
                assert_true(r->links[i].hub != r->links[k].hub);
            }
        }
    }
    match_result_free(r);

    /* pins stand, rejected pairs are never proposed */
    match_pin pin = {p, m1, MATCH_MANUAL};
    match_pair rej = {q1, m2};
    assert_int_equal(match_run(&r, pl, hub, &pin, 1, &rej, 1, NULL), 0);
    match_decision d;
    assert_int_equal(linked_to(r, p, &d), (int)m1);
    assert_int_equal(d, MATCH_MANUAL);
    assert_int_equal(linked_to(r, q1, NULL), -1);
    for (size_t i = 0; i < r->n_links; i++) {
        assert_false(r->links[i].partner == q1 && r->links[i].hub == m2);
    }
    match_result_free(r);
    match_list_free(pl);
    match_list_free(hub);
}

static void test_match__household_and_partner_duplicate(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 100);
    uint32_t kid1 = add(hub, MATCH_STUDENT, "K1", "MARTIN", NULL, "Lucas", "2011-05-02", 'M');
    uint32_t kid2 = add(hub, MATCH_STUDENT, "K2", "MARTIN", NULL, "Zoé", "2013-02-03", 'F');
    uint32_t mum = add(hub, MATCH_GUARDIAN, "G1", "LEROY", "MARTIN", "Sophie", NULL, 'F');
    uint32_t other = add(hub, MATCH_GUARDIAN, "G2", "MARTIN", NULL, "Sophie", NULL, 'F');
    uint32_t kids[] = {kid1, kid2};
    assert_int_equal(match_list_set_children(hub, mum, kids, 2), 0);
    in_estab(hub);
    match_list *pl = new_list();
    uint32_t pk1 = add(pl, MATCH_STUDENT, "E1", "MARTIN", NULL, "Lucas", "2011-05-02", 'M');
    uint32_t pk2 = add(pl, MATCH_STUDENT, "E2", "MARTIN", NULL, "Zoe", "2013-02-03", 'F');
    /* the partner recorded the mother once per child */
    uint32_t pm1 = add(pl, MATCH_GUARDIAN, "R1", "MARTIN", NULL, "Sophie", NULL, 'F');
    uint32_t pm2 = add(pl, MATCH_GUARDIAN, "R2", "MARTIN", NULL, "Sophie", NULL, 'F');
    assert_int_equal(match_list_set_children(pl, pm1, &pk1, 1), 0);
    assert_int_equal(match_list_set_children(pl, pm2, &pk2, 1), 0);
    match_result *r;
    assert_int_equal(match_run(&r, pl, hub, NULL, 0, NULL, 0, NULL), 0);
    assert_int_equal(linked_to(r, pk1, NULL), (int)kid1);
    assert_int_equal(linked_to(r, pk2, NULL), (int)kid2);
    /* the children decide between the two Sophie MARTIN of the hub */
    int a = linked_to(r, pm1, NULL), b = linked_to(r, pm2, NULL);
    assert_true((a == (int)mum) != (b == (int)mum));
    uint32_t dup = a == (int)mum ? pm2 : pm1;
    assert_int_equal(r->partner_outcome[dup], MATCH_OUT_REVIEW);
    bool flagged = false;
    for (size_t i = 0; i < r->n_links; i++) {
        if (r->links[i].partner == (a == (int)mum ? pm1 : pm2)) {
            assert_true(r->links[i].reasons & MATCH_R_CHILDREN);
        }
        flagged =
            flagged || (r->links[i].partner == dup && (r->links[i].reasons & MATCH_R_DUPLICATE));
    }
    assert_true(flagged);
    assert_false(r->hub_matched[other]);
    match_result_free(r);
    match_list_free(pl);
    match_list_free(hub);
}

static void test_match__duplicates(void **state)
{
    (void)state;
    match_list *hub = new_hub();
    filler(hub, 50);
    uint32_t a = add(hub, MATCH_GUARDIAN, "G1", "GIRARD", NULL, "Hélène", NULL, 'F');
    uint32_t b = add(hub, MATCH_GUARDIAN, "G2", "GIRARD", NULL, "Helene", NULL, 'F');
    hub->persons[a].phones = "0633445566";
    hub->persons[b].phones = "06 33 44 55 66";
    hub->persons[a].adresse = "12 RUE DE LA PAIX";
    hub->persons[b].adresse = "12 rue de la Paix";
    hub->persons[a].code_postal = hub->persons[b].code_postal = "75012";
    /* parents of one child: never duplicates of each other */
    uint32_t f = add(hub, MATCH_GUARDIAN, "G3", "BERNARD", NULL, "Dominique", NULL, 'M');
    uint32_t m = add(hub, MATCH_GUARDIAN, "G4", "BERNARD", NULL, "Dominique", NULL, 'F');
    hub->persons[f].adresse = hub->persons[m].adresse = "1 PLACE VERTE";
    hub->persons[f].code_postal = hub->persons[m].code_postal = "75014";
    in_estab(hub);
    match_dup *d;
    size_t n;
    assert_int_equal(match_duplicates(&d, &n, hub, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(d[0].a, a);
    assert_int_equal(d[0].b, b);
    assert_true(d[0].reasons & MATCH_R_PHONE);
    assert_true(d[0].reasons & MATCH_R_ADDRESS);
    util_free(d);
    match_list_free(hub);
}

static void test_match__allocation_failures(void **state)
{
    (void)state;
    const char *csv = "categorie;id;nom;prenom;date_naissance;enfants\n"
                      "eleve;E1;DUPONT;Léa;14/03/2012;\n"
                      "responsable;R1;DUPONT;Pierre;;E1\n";
    bool done = false;
    for (long n = 0; n < 2000 && !done; n++) {
        match_list *pl = NULL, *hub = NULL;
        match_result *r = NULL;
        util_alloc_fail_after(n);
        int rc = match_read_buffer(&pl, NULL, csv, strlen(csv), NULL);
        if (rc == 0) {
            rc = match_list_new(&hub);
        }
        uint32_t e;
        if (rc == 0) {
            rc = match_list_add_estab(&e, hub, "0999999Z", 1);
        }
        uint32_t i;
        if (rc == 0 && (rc = match_list_add(&i, hub)) == 0) {
            hub->persons[i] = pl->persons[0];
            hub->persons[i].estab = 0;
        }
        if (rc == 0) {
            rc = match_run(&r, pl, hub, NULL, 0, NULL, 0, NULL);
        }
        util_alloc_fail_after(-1);
        if (rc != 0 && rc != RELAIS_ENOMEM) {
            fail_msg("allocation %ld: rc %d (%s)", n, rc, relais_error_last());
        }
        done = rc == 0;
        if (done) {
            assert_int_equal(linked_to(r, 0, NULL), 0);
        }
        match_result_free(r);
        match_list_free(pl);
        match_list_free(hub);
    }
    assert_true(done);
}

/* ------------------------------------------------------ with a real hub */

typedef struct hubfx {
    relais_store *s;
    util_arena *a;
    int64_t scope;
} hubfx;

/* Create the hub through a plan: students, guardians and their links. */
static void build_hub(hubfx *fx)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test import"), 0);
    relais_scope_spec spec = {.uai = "0999999Z", .year = 2025};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    static const struct {
        const char *id, *nom, *prenom, *date, *sexe;
    } students[] = {
        {"4001", "DUPONT", "Léa", "2012-03-14", "2"},
        {"4002", "MARTIN", "Lucas", "2011-05-02", "1"},
        {"4003", "THOMAS", "Manon", "2011-04-04", "2"},
        {"4004", "THOMAS", "Manon", "2013-06-21", "2"},
    };
    int64_t sref[4];
    for (size_t i = 0; i < 4; i++) {
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = scope;
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, students[i].id);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, students[i].nom);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_PRENOM, students[i].prenom);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_DATE_NAISS, students[i].date);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_CODE_SEXE, students[i].sexe);
        assert_int_equal(relais_plan_create(&sref[i], p, r), 0);
    }
    relais_record *g = relais_record_new(fx->a, RELAIS_KIND_GUARDIAN);
    g->scope_id = scope;
    relais_record_set_str(g, fx->a, RELAIS_GUARDIAN_PERSONNE_ID, "5001");
    relais_record_set_str(g, fx->a, RELAIS_GUARDIAN_LC_CIVILITE, "M.");
    relais_record_set_str(g, fx->a, RELAIS_GUARDIAN_NOM_DE_FAMILLE, "DUPONT");
    relais_record_set_str(g, fx->a, RELAIS_GUARDIAN_PRENOM, "Pierre");
    int64_t gref;
    assert_int_equal(relais_plan_create(&gref, p, g), 0);
    relais_record *l = relais_record_new(fx->a, RELAIS_KIND_STUDENT_GUARDIAN);
    l->scope_id = scope;
    l->ref[RELAIS_STUDENT_GUARDIAN_STUDENT] = sref[0];
    l->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN] = gref;
    int64_t lref;
    assert_int_equal(relais_plan_create(&lref, p, l), 0);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999999Z", 2025), 0);
    fx->scope = sc->id;
}

static const char *partner_csv = "categorie;id;nom;prenom;date_naissance;enfants\n"
                                 "eleve;E1;DUPONT;LEA;14/03/2012;\n"
                                 "eleve;E2;MARTIN;Lucas;02/05/2011;\n"
                                 "eleve;E3;THOMAS;Manon;;\n"
                                 "responsable;R1;DUPONT;Pierre;;E1\n";

/* One matching run against the store, as `relais match` does; returns changes planned. */
static size_t run_once(hubfx *fx, match_result **keep, match_list **pl_out, match_list **hub_out)
{
    match_list *pl, *hub;
    assert_int_equal(match_read_buffer(&pl, NULL, partner_csv, strlen(partner_csv), NULL), 0);
    assert_int_equal(match_hub_load(&hub, fx->s, 2025, NULL), 0);
    match_pin *pins;
    match_pair *rej;
    size_t np, nr;
    assert_int_equal(match_crosswalk_load(&pins, &np, &rej, &nr, fx->s, "agate", pl, hub), 0);
    match_result *r;
    assert_int_equal(match_run(&r, pl, hub, pins, np, rej, nr, NULL), 0);
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "match agate"), 0);
    assert_int_equal(match_plan_links(p, fx->s, "agate", pl, hub, r), 0);
    size_t changes = relais_plan_n_changes(p);
    if (changes) {
        int64_t run;
        assert_int_equal(relais_plan_apply(&run, p), 0);
    }
    relais_plan_free(p);
    util_free(pins);
    util_free(rej);
    if (keep) {
        *keep = r;
        *pl_out = pl;
        *hub_out = hub;
    } else {
        match_result_free(r);
        match_list_free(pl);
        match_list_free(hub);
    }
    return changes;
}

static int64_t hub_id(hubfx *fx, const char *eleve_id)
{
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
    probe->scope_id = fx->scope;
    relais_record_set_str(probe, fx->a, RELAIS_STUDENT_ELEVE_ID, eleve_id);
    relais_record *r;
    assert_int_equal(relais_store_record_find(&r, fx->s, fx->a, probe), 0);
    return r->id;
}

/* The entity the crosswalk links partner id `ext` to (0 when no active link), and provenance. */
static int64_t xref_of(hubfx *fx, const char *category, const char *ext, const char **prov)
{
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_XREF);
    probe->scope_id = fx->scope;
    relais_record_set_str(probe, fx->a, RELAIS_XREF_APPLICATION, "agate");
    relais_record_set_str(probe, fx->a, RELAIS_XREF_CATEGORY, category);
    relais_record_set_str(probe, fx->a, RELAIS_XREF_EXTERNAL_ID, ext);
    relais_record *r;
    if (relais_store_record_find(&r, fx->s, fx->a, probe) != 0 || !r->is_active) {
        return 0;
    }
    if (prov) {
        *prov = relais_record_get(r, RELAIS_XREF_PROVENANCE);
    }
    return r->ref[RELAIS_XREF_ENTITY];
}

static void decide(hubfx *fx, const char *ext, int64_t id, bool accept)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, accept ? "match accept" : "match reject"), 0);
    assert_int_equal(match_plan_decision(p, fx->s, "agate", ext, id, accept, NULL, 2025), 0);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
}

static void test_match__crosswalk_and_manual_decisions(void **state)
{
    (void)state;
    hubfx fx = {0};
    const char *path = test_path_join(test_tmpdir("match_xwalk"), "hub.db");
    assert_int_equal(relais_store_open(&fx.s, path, RELAIS_STORE_CREATE), 0);
    assert_int_equal(relais_store_setting_set(fx.s, "current_year", "2025"), 0);
    assert_int_equal(util_arena_new(&fx.a, 0), 0);
    build_hub(&fx);

    /* first run: links created; the homonym without a birth date is left for review */
    match_result *r;
    match_list *pl, *hub;
    assert_true(run_once(&fx, &r, &pl, &hub) > 0);
    match_summary sum;
    match_summarize(&sum, pl, hub, r);
    assert_int_equal(sum.hub[MATCH_STUDENT], 4);
    assert_int_equal(sum.partner[MATCH_STUDENT], 3);
    assert_int_equal(sum.matched[MATCH_STUDENT], 2);
    assert_int_equal(sum.review[MATCH_STUDENT], 1);
    assert_int_equal(sum.unmatched_hub[MATCH_STUDENT], 2);
    assert_int_equal(sum.matched[MATCH_GUARDIAN], 1);
    match_result_free(r);
    match_list_free(pl);
    match_list_free(hub);
    const char *prov = NULL;
    assert_int_equal(xref_of(&fx, "student", "E1", &prov), hub_id(&fx, "4001"));
    assert_string_equal(prov, "auto");
    assert_int_equal(xref_of(&fx, "student", "E3", NULL), 0);

    /* the same list again changes nothing */
    assert_int_equal(run_once(&fx, NULL, NULL, NULL), 0);

    /* manual decisions: E3 is the younger Manon; E2 is not Lucas */
    int64_t manon2 = hub_id(&fx, "4004"), lucas = hub_id(&fx, "4002");
    decide(&fx, "E3", manon2, true);
    decide(&fx, "E2", lucas, false);
    assert_int_equal(xref_of(&fx, "student", "E3", &prov), manon2);
    assert_string_equal(prov, "manual");
    assert_int_equal(xref_of(&fx, "student", "E2", NULL), 0);

    /* later runs never override them, and change nothing */
    assert_int_equal(run_once(&fx, &r, &pl, &hub), 0);
    match_decision d;
    assert_int_equal(hub->persons[linked_to(r, 2, &d)].relais_id, manon2);
    assert_int_equal(d, MATCH_MANUAL);
    assert_int_equal(linked_to(r, 1, NULL), -1);
    assert_int_equal(r->partner_outcome[1], MATCH_OUT_UNMATCHED);
    match_result_free(r);
    match_list_free(pl);
    match_list_free(hub);
    assert_int_equal(xref_of(&fx, "student", "E3", NULL), manon2);
    assert_int_equal(xref_of(&fx, "student", "E2", NULL), 0);

    /* accepting the refused pair withdraws the refusal */
    decide(&fx, "E2", lucas, true);
    assert_int_equal(xref_of(&fx, "student", "E2", &prov), lucas);
    assert_string_equal(prov, "manual");
    assert_int_equal(run_once(&fx, NULL, NULL, NULL), 0);

    /* reject without a record: the current link goes, and is never proposed again */
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx.s, "match reject"), 0);
    assert_int_equal(match_plan_decision(p, fx.s, "agate", "E1", 0, false, NULL, 2025), 0);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
    assert_int_equal(xref_of(&fx, "student", "E1", NULL), 0);
    assert_int_equal(run_once(&fx, NULL, NULL, NULL), 0);
    assert_int_equal(xref_of(&fx, "student", "E1", NULL), 0);
    /* nothing to decide on */
    assert_int_equal(relais_plan_new(&p, fx.s, "match accept"), 0);
    assert_int_equal(match_plan_decision(p, fx.s, "agate", "NOPE", 0, true, NULL, 2025),
                     RELAIS_ENOTFOUND);
    assert_int_equal(match_plan_decision(p, fx.s, "agate", "E1", 999999, true, NULL, 2025),
                     RELAIS_ENOTFOUND);
    relais_plan_free(p);

    /* the file for the partner */
    util_buf out = UTIL_BUF_INIT;
    assert_int_equal(match_export_write(&out, fx.s, "agate", 2025, NULL, 0, MATCH_EXPORT_CSV), 0);
    assert_non_null(strstr(util_buf_cstr(&out), "uai;categorie;id;relais_id;id_siecle;ine"));
    assert_non_null(strstr(util_buf_cstr(&out), "0999999Z;eleve;E3;"));
    assert_non_null(strstr(util_buf_cstr(&out), ";4004;;THOMAS;Manon;manual\r\n"));
    assert_non_null(strstr(util_buf_cstr(&out), "0999999Z;responsable;R1;"));
    assert_null(strstr(util_buf_cstr(&out), ";E1;"));
    util_buf_reset(&out);
    assert_int_equal(match_export_write(&out, fx.s, "agate", 2025, NULL, 0, MATCH_EXPORT_XML), 0);
    assert_non_null(strstr(util_buf_cstr(&out), "<ELEVE id=\"E3\""));
    assert_non_null(strstr(util_buf_cstr(&out), "<RESPONSABLE id=\"R1\""));
    util_buf_free(&out);

    relais_store_close(fx.s);
    util_arena_free(fx.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match__category_parse),
        cmocka_unit_test(test_match__read_partner_csv),
        cmocka_unit_test(test_match__read_ent_csv),
        cmocka_unit_test(test_match__read_aaf),
        cmocka_unit_test(test_match__surname_evidence),
        cmocka_unit_test(test_match__first_name_evidence),
        cmocka_unit_test(test_match__birth_date_evidence),
        cmocka_unit_test(test_match__contact_evidence),
        cmocka_unit_test(test_match__term_frequency),
        cmocka_unit_test(test_match__twins_and_homonyms_kept_apart),
        cmocka_unit_test(test_match__one_to_one_and_review),
        cmocka_unit_test(test_match__household_and_partner_duplicate),
        cmocka_unit_test(test_match__duplicates),
        cmocka_unit_test(test_match__allocation_failures),
        cmocka_unit_test(test_match__crosswalk_and_manual_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
