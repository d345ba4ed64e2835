/*
 * test_check.c — every rule of the catalogue, on a small establishment built
 * through plans: the clean establishment triggers nothing; each case changes
 * one thing (in a second run) and must trigger its rule. Also the HTML page,
 * the Markdown catalogue, the STS group code helpers and the ELEGROUPE judge
 * on the constructed samples' scenario (elegroupe/EXPECTED.md).
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "elegroupe/elegroupe.h"
#include "testhub.h"
#include "util/util.h"

/* ------------------------------------------------------------ mutations */

static void m_group_unknown(hub *h)
{
    int64_t g = add(h, mk(h, RELAIS_KIND_GROUP, "code", "NEWG", "mefs", "10310019110", NULL));
    enrol(h, find(h, RELAIS_KIND_STUDENT, "1001")->id, 0, g, "2025-09-01");
}
static void m_no_mef(hub *h) { set(h, find(h, RELAIS_KIND_STUDENT, "1002"), "code_mef", NULL); }
static void m_group_other_mef(hub *h) { set(h, find(h, RELAIS_KIND_GROUP, "3LAT"), "mefs", "20110019110"); }
static void m_start_after_end(hub *h)
{
    relais_record *e = find_enrolment(h, "1001", NULL, "3LAT");
    relais_record *n = relais_record_copy(h->a, e);
    relais_record_set_str(n, h->a, RELAIS_ENROLMENT_DATE_DEBUT, "2025-12-01");
    relais_record_set_str(n, h->a, RELAIS_ENROLMENT_DATE_FIN, "2025-11-01");
    assert_int_equal(relais_plan_update(NULL, h->p, e, n, RELAIS_FG_ALL), 0);
}
static void m_start_outside(hub *h) { set(h, find_enrolment(h, "1001", NULL, "3LAT"), "date_debut", "2025-08-20"); }
static void m_end_outside(hub *h) { set(h, find_enrolment(h, "1001", NULL, "3LAT"), "date_fin", "2026-08-01"); }
static void m_absent(hub *h)
{
    int64_t s3 = student(h, "1003", "PETIT", "Léa", "10310019110");
    enrol(h, s3, find(h, RELAIS_KIND_DIVISION, "3A")->id, 0, NULL);
    guardian(h, "5003", "PETIT", "Anne", s3, "1");
}
static void m_no_structures(hub *h)
{
    off(h, find_xref(h, "siecle", find(h, RELAIS_KIND_GROUP, "3LAT")->id));
    off(h, find_xref(h, "siecle", find(h, RELAIS_KIND_GROUP, "LV2A")->id));
}
static void m_bad_group_code(hub *h)
{
    int64_t g = add(h, mk(h, RELAIS_KIND_GROUP, "code", "ANGLAIS-LV1-4E", NULL));
    xref(h, "edt", "group", "ANGLAIS-LV1-4E", g);
}
static void m_course_no_teacher(hub *h)
{
    add(h, mk(h, RELAIS_KIND_COURSE, "course_key", "c2", "jour", "2", "heure_debut", "09:00",
              "code_matiere", "020700", "structures", "3A", NULL));
}
static void m_course_no_class(hub *h)
{
    add(h, mk(h, RELAIS_KIND_COURSE, "course_key", "c3", "jour", "2", "heure_debut", "10:00",
              "code_matiere", "020700", "enseignants", "77", NULL));
}
static void m_unmatched(hub *h) { xref(h, "edt", "subject", "LATIN RENFORCÉ", 0); }
static void m_grading_no_sts(hub *h)
{
    relais_record *sv = mk(h, RELAIS_KIND_SERVICE, "code_matiere", "030201", "code_mod_cours", "CG",
                           NULL);
    setref(sv, "group_id", find(h, RELAIS_KIND_GROUP, "LV2A")->id);
    xref(h, "edt", "service", "LV2A/ANGLAIS", add(h, sv));
}
static void m_changed_class(hub *h)
{
    off(h, find_enrolment(h, "1001", "3A", NULL));
    enrol(h, find(h, RELAIS_KIND_STUDENT, "1001")->id, find(h, RELAIS_KIND_DIVISION, "3B")->id, 0,
          NULL);
}
/* First import, no history: a student of 3B in LV2A, which draws only from 3A. */
static void m_group_of_other_class(hub *h)
{
    int64_t s = student(h, "1005", "BLANC", "Léo", "10310019110");
    enrol(h, s, find(h, RELAIS_KIND_DIVISION, "3B")->id, 0, NULL);
    enrol(h, s, 0, find(h, RELAIS_KIND_GROUP, "LV2A")->id, "2025-09-01");
    guardian(h, "5005", "BLANC", "Inès", s, "1");
}
static void m_ghost_class(hub *h) { off(h, find_enrolment(h, "1002", NULL, "3LAT")); }
static void m_no_identifier(hub *h)
{
    off(h, find_xref(h, "agate", find(h, RELAIS_KIND_GUARDIAN, "5002")->id));
}
static void m_duplicate_guardian(hub *h)
{
    guardian(h, "5009", "DUPONT", "Marie", find(h, RELAIS_KIND_STUDENT, "1001")->id, "2");
}
static void m_no_address(hub *h)
{
    relais_record *g = find(h, RELAIS_KIND_GUARDIAN, "5002");
    relais_record *n = relais_record_copy(h->a, g);
    n->text[RELAIS_GUARDIAN_LIGNE1_ADRESSE] = NULL;
    n->text[RELAIS_GUARDIAN_CODE_POSTAL] = NULL;
    assert_int_equal(relais_plan_update(NULL, h->p, g, n, RELAIS_FG_ALL), 0);
}
static void m_consent(hub *h) { set(h, find(h, RELAIS_KIND_GUARDIAN, "5001"), "consent_rgpd", "0"); }
static void m_consent_unknown(hub *h)
{
    set(h, find(h, RELAIS_KIND_GUARDIAN, "5001"), "consent_rgpd", NULL);
    set(h, find(h, RELAIS_KIND_GUARDIAN, "5002"), "consent_rgpd", NULL);
    set(h, find(h, RELAIS_KIND_STUDENT, "1001"), "consent_rgpd", NULL);
    set(h, find(h, RELAIS_KIND_STUDENT, "1002"), "consent_rgpd", NULL);
}
static void m_empty_division(hub *h) { add(h, mk(h, RELAIS_KIND_DIVISION, "code", "3C", NULL)); }
static void m_division_label(hub *h)
{
    int64_t d = add(h, mk(h, RELAIS_KIND_DIVISION, "code", "4A", NULL));
    xref(h, "edt", "division", "4EME A", d);
    int64_t s = student(h, "1004", "ROUX", "Max", "10310019110");
    enrol(h, s, d, 0, NULL);
    enrol(h, s, 0, find(h, RELAIS_KIND_GROUP, "3LAT")->id, "2025-09-01");
    guardian(h, "5004", "ROUX", "Eva", s, "1");
}
static void m_no_legal(hub *h)
{
    relais_record *probe = relais_record_new(h->a, RELAIS_KIND_STUDENT_GUARDIAN);
    probe->scope_id = h->scope;
    probe->ref[RELAIS_STUDENT_GUARDIAN_STUDENT] = find(h, RELAIS_KIND_STUDENT, "1002")->id;
    probe->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN] = find(h, RELAIS_KIND_GUARDIAN, "5002")->id;
    relais_record *link;
    assert_int_equal(relais_store_record_find(&link, h->s, h->a, probe), 0);
    set(h, link, "niveau_responsabilite", "3");
}
static void many_students(hub *h, int n, bool with_guardians)
{
    int64_t a3 = find(h, RELAIS_KIND_DIVISION, "3A")->id;
    for (int i = 0; i < n; i++) {
        char id[16], gid[16];
        snprintf(id, sizeof id, "2%03d", i);
        snprintf(gid, sizeof gid, "6%03d", i);
        int64_t s = student(h, id, "NOUVEAU", id, "10310019110");
        enrol(h, s, a3, 0, NULL);
        enrol(h, s, 0, find(h, RELAIS_KIND_GROUP, "3LAT")->id, "2025-09-01");
        if (with_guardians) {
            guardian(h, gid, "PARENT", gid, s, "1");
        } else {
            relais_record *l = mk(h, RELAIS_KIND_STUDENT_GUARDIAN, "niveau_responsabilite", "1",
                                  NULL);
            setref(l, "student_id", s);
            setref(l, "guardian_id", find(h, RELAIS_KIND_GUARDIAN, "5001")->id);
            add(h, l);
        }
    }
}
static void m_drift_students(hub *h) { many_students(h, 25, false); }
static void m_drift_guardians(hub *h) { many_students(h, 25, true); }
static void m_drift_accounts(hub *h)
{
    relais_record *g = find(h, RELAIS_KIND_GUARDIAN, "5002");
    off(h, g);
    guardian(h, "5012", "MARTIN", "Luc", find(h, RELAIS_KIND_STUDENT, "1002")->id, "1");
}
static void m_drift_division(hub *h) { many_students(h, 6, false); }

typedef struct rule_case {
    const char *rule;
    void (*mutate)(hub *h);
} rule_case;

static const rule_case cases[] = {
    {"ELEGROUPE_GROUPE_INCONNU", m_group_unknown},
    {"ELEGROUPE_ELEVE_SANS_MEF", m_no_mef},
    {"ELEGROUPE_GROUPE_HORS_MEF", m_group_other_mef},
    {"ELEGROUPE_DATE_DEBUT_APRES_FIN", m_start_after_end},
    {"ELEGROUPE_DATE_DEBUT_HORS_ANNEE", m_start_outside},
    {"ELEGROUPE_DATE_FIN_HORS_ANNEE", m_end_outside},
    {"ELEGROUPE_ELEVE_ABSENT", m_absent},
    {"ELEGROUPE_STRUCTURES_ABSENTES", m_no_structures},
    {"STS_CODE_GROUPE_INVALIDE", m_bad_group_code},
    {"STS_COURS_SANS_ENSEIGNANT", m_course_no_teacher},
    {"STS_COURS_SANS_CLASSE", m_course_no_class},
    {"STS_NON_APPARIE", m_unmatched},
    {"STS_GROUPE_NOTE_SANS_SERVICE", m_grading_no_sts},
    {"ENT_GROUPE_ANCIENNE_DIVISION", m_changed_class},
    {"ENT_GROUPE_ANCIENNE_DIVISION", m_group_of_other_class},
    {"ENT_PROF_DIVISION_FANTOME", m_ghost_class},
    {"ENT_SANS_IDENTIFIANT", m_no_identifier},
    {"ENT_RESPONSABLE_EN_DOUBLE", m_duplicate_guardian},
    {"PREP_ADRESSES_MANQUANTES", m_no_address},
    {"PREP_CONSENTEMENT_RGPD", m_consent},
    {"PREP_CONSENTEMENT_INCONNU", m_consent_unknown},
    {"PREP_DIVISION_VIDE", m_empty_division},
    {"PREP_LIBELLE_DIVISION", m_division_label},
    {"PREP_ELEVE_SANS_RESPONSABLE_LEGAL", m_no_legal},
    {"DRIFT_ELEVES", m_drift_students},
    {"DRIFT_RESPONSABLES", m_drift_guardians},
    {"DRIFT_COMPTES_PARTENAIRES", m_drift_accounts},
    {"DRIFT_EFFECTIF_DIVISION", m_drift_division},
};

static check_report *run_checks(hub *h)
{
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, h->s, h->a, "0999999Z", 2025), 0);
    check_report *r;
    assert_int_equal(check_report_new(&r), 0);
    check_options o = CHECK_OPTIONS_INIT;
    assert_int_equal(check_run_scope(r, h->s, sc, &o), 0);
    return r;
}

static int print_finding(const check_finding *f, void *payload)
{
    (void)payload;
    fprintf(stderr, "  unexpected: %s %s\n", f->rule->code, f->message);
    return 0;
}

static void test_check__clean_establishment_triggers_nothing(void **state)
{
    (void)state;
    hub h;
    open_hub(&h, "check_clean");
    build_base(&h);
    check_report *r = run_checks(&h);
    size_t n = check_report_count(r, RELAIS_SEVERITY_ERROR) +
               check_report_count(r, RELAIS_SEVERITY_WARNING) +
               check_report_count(r, RELAIS_SEVERITY_INFO);
    if (n) {
        check_report_foreach(r, print_finding, NULL);
    }
    assert_int_equal(n, 0);
    check_report_free(r);
    close_hub(&h);
}

/* An INE known for one student only is a source identifier, not an account: the other
 * student does not lack an "ine" identifier. */
static void test_check__ine_is_not_an_account(void **state)
{
    (void)state;
    hub h;
    open_hub(&h, "check_ine");
    build_base(&h);
    assert_int_equal(relais_plan_new(&h.p, h.s, "ine"), 0);
    xref(&h, "ine", "student", "123456789AB", find(&h, RELAIS_KIND_STUDENT, "1001")->id);
    commit(&h);
    check_report *r = run_checks(&h);
    assert_int_equal(check_report_rule_count(r, "ENT_SANS_IDENTIFIANT"), 0);
    check_report_free(r);
    close_hub(&h);
}

static void test_check__each_rule_triggers(void **state)
{
    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(cases); i++) {
        hub h;
        open_hub(&h, "check_rule");
        build_base(&h);
        assert_int_equal(relais_plan_new(&h.p, h.s, "mutation"), 0);
        cases[i].mutate(&h);
        commit(&h);
        check_report *r = run_checks(&h);
        if (check_report_rule_count(r, cases[i].rule) == 0) {
            check_report_foreach(r, print_finding, NULL);
            fail_msg("rule %s did not trigger", cases[i].rule);
        }
        check_report_free(r);
        close_hub(&h);
    }
}

static void test_check__every_rule_has_a_case(void **state)
{
    (void)state;
    size_t n;
    const check_rule *rules = check_rules(&n);
    /* Rules judged on files only are covered by the elegroupe file tests below. */
    const char *file_only[] = {"ELEGROUPE_ELEVE_INCONNU", "ELEGROUPE_ELEVE_EN_DOUBLE",
                               "ELEGROUPE_SORTANT_HISTORIQUE", "ELEGROUPE_ANNEE_OU_UAI",
                               "ELEGROUPE_FICHIER_INVALIDE"};
    for (size_t i = 0; i < n; i++) {
        bool covered = false;
        for (size_t k = 0; k < UTIL_ARRAY_LEN(cases); k++) {
            covered = covered || strcmp(cases[k].rule, rules[i].code) == 0;
        }
        for (size_t k = 0; k < UTIL_ARRAY_LEN(file_only); k++) {
            covered = covered || strcmp(file_only[k], rules[i].code) == 0;
        }
        if (!covered) {
            fail_msg("rule %s has no test case", rules[i].code);
        }
    }
}

/* --------------------------------------------------------- file judging */

static elegroupe_link lat_link = {"3LAT", "2025-09-01", NULL, 0};

static void test_check__elegroupe_file_rules(void **state)
{
    (void)state;
    hub h;
    open_hub(&h, "check_file");
    build_base(&h);
    /* 1002 leaves on 20/09 (his links end); the file then forgets him. */
    assert_int_equal(relais_plan_new(&h.p, h.s, "departure"), 0);
    set(&h, find(&h, RELAIS_KIND_STUDENT, "1002"), "date_sortie", "2025-09-20");
    commit(&h);
    elegroupe_student students[] = {
        {ELEGROUPE_ID_ELEVE_ID, "1001", "DUPONT", NULL, "Jean", NULL, NULL, "2011-02-03",
         &lat_link, 1, 10},
        {ELEGROUPE_ID_INE, "000000009ZZ", "DUPONT", NULL, "JEAN", NULL, NULL, "2011-02-03",
         &lat_link, 1, 20},
        {ELEGROUPE_ID_PRV, "123", "INCONNU", NULL, "Personne", NULL, NULL, "2011-01-01", &lat_link,
         1, 30},
    };
    elegroupe_file file = {"0999999Z", 2025, "01/10/2025", "TEST", 1, students, 3, "f.xml"};
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, h.s, h.a, "0999999Z", 2025), 0);
    check_report *r;
    assert_int_equal(check_report_new(&r), 0);
    assert_int_equal(check_run_elegroupe_file(r, h.s, sc, &file, NULL, 0, NULL), 0);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ELEVE_EN_DOUBLE"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ELEVE_INCONNU"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_SORTANT_HISTORIQUE"), 1);
    check_report_free(r);
    /* The same file for another year: refused as a whole. */
    file.year = 2024;
    assert_int_equal(check_report_new(&r), 0);
    assert_int_equal(check_run_elegroupe_file(r, h.s, sc, &file, NULL, 0, NULL), 0);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ANNEE_OU_UAI"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ELEVE_INCONNU"), 0);
    check_report_free(r);
    close_hub(&h);
}

/* The scenario of the constructed ELEGROUPE samples (samples/elegroupe/EXPECTED.md). */
static void test_check__elegroupe_judge_expected_scenario(void **state)
{
    (void)state;
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    elegroupe_siecle_student ss[] = {
        {1, "900001", "000000001AA", NULL, "EXEMPLE--FICTIF", "EXEMPLE", "Zoé", "Chloë", NULL,
         "2011-02-03", "10310019110", "2022-09-02", NULL},
        {2, "900002", "000000002AB", NULL, "L'ESSAI", NULL, "Jean-Noël", NULL, NULL, "2010-11-28",
         "10310019110", "2021-09-01", "2024-09-20"},
        {3, "900003", NULL, NULL, "FICTIVE", NULL, "Cœlia", NULL, NULL, "2011-07-14",
         "10310019110", "2024-10-14", NULL},
    };
    elegroupe_siecle_group groups[] = {{"3LAT", "10310019110"}};
    elegroupe_state st = {"0999999Z", 2024, "2024-09-02", "2025-07-04", ss, 3, groups, 1, true};
    elegroupe_link l1[] = {{"3LAT", "2024-09-02", NULL, 0}, {"4LAT", "2024-09-02", NULL, 0}};
    elegroupe_link l2[] = {{"3LAT", "2024-08-26", NULL, 0}};
    elegroupe_link l3[] = {{"3LAT", "2024-09-02", NULL, 0}};
    elegroupe_student es[] = {
        {ELEGROUPE_ID_ELEVE_ID, "900001", "EXEMPLE--FICTIF", NULL, "Zoé", NULL, NULL, "2011-02-03",
         l1, 2, 0},
        {ELEGROUPE_ID_ELEVE_ID, "900003", "FICTIVE", NULL, "Cœlia", NULL, NULL, "2011-07-14", l2, 1,
         0},
        {ELEGROUPE_ID_INE, "000000001AA", "EXEMPLE--FICTIF", NULL, "Zoé", NULL, NULL, "2011-02-03",
         l3, 1, 0},
        {ELEGROUPE_ID_PRV, "123", "INCONNU", NULL, "Personne", NULL, NULL, "2011-01-01", l3, 1, 0},
    };
    elegroupe_file file = {"0999999Z", 2024, "16/10/2024", "TEST", 1, es, 4, NULL};
    elegroupe_verdict *v;
    assert_int_equal(elegroupe_judge(&v, a, &file, &st, NULL), 0);
    assert_false(v->refused);
    assert_int_equal(v->n_read, 4);
    assert_int_equal(v->n_complete, 0);
    assert_int_equal(v->n_partial, 2);
    assert_int_equal(v->n_rejected, 2);
    assert_int_equal(v->n_absent, 1);
    assert_string_equal(v->absent[0]->eleve_id, "900002");
    assert_string_equal(v->students[0].anomalies[0].code, "GROUPE_A_01");
    assert_string_equal(v->students[0].anomalies[0].params, "4LAT");
    assert_string_equal(v->students[1].anomalies[0].code, "ELEGRP_A_02");
    assert_string_equal(v->students[1].anomalies[0].new_value, "2024-10-14");
    assert_string_equal(v->students[1].anomalies[0].params,
                        "26/08/2024;3LAT;02/09/2024;04/07/2025;14/10/2024");
    assert_string_equal(v->students[2].anomalies[0].code, "REJELEGROUPE_03");
    assert_string_equal(v->students[2].anomalies[0].params,
                        "EXEMPLE--FICTIF;Zoé;03/02/2011;000000001AA");
    assert_string_equal(v->students[3].anomalies[0].code, "REJELEGROUPE_01");
    util_arena_free(a);
}

static void test_check__sts_group_codes(void **state)
{
    (void)state;
    assert_true(check_sts_group_code_valid("3B_G2"));
    assert_true(check_sts_group_code_valid("TB MB IS"));
    assert_false(check_sts_group_code_valid("ANGLAIS-LV1"));
    assert_false(check_sts_group_code_valid("3ÈME"));
    assert_false(check_sts_group_code_valid(""));
    char out[9];
    check_sts_group_code_shorten(out, "Éco-gestion/3A");
    assert_string_equal(out, "Eco-gest");
    check_sts_group_code_shorten(out, "LV2 all ");
    assert_string_equal(out, "LV2 all");
}

static void test_check__html_and_catalogue(void **state)
{
    (void)state;
    hub h;
    open_hub(&h, "check_html");
    build_base(&h);
    assert_int_equal(relais_plan_new(&h.p, h.s, "mutation"), 0);
    m_bad_group_code(&h);
    add(&h, mk(&h, RELAIS_KIND_DIVISION, "code", "<script>", NULL));
    commit(&h);
    check_report *r = run_checks(&h);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(check_report_html(r, f, "Test & co"), 0);
    fclose(f);
    assert_non_null(strstr(buf, "<!DOCTYPE html>"));
    assert_non_null(strstr(buf, "Test &amp; co"));
    assert_non_null(strstr(buf, "STS_CODE_GROUPE_INVALIDE"));
    assert_non_null(strstr(buf, "&lt;script&gt;"));
    assert_null(strstr(buf, "<script>\"")); /* the division name never lands unescaped */
    assert_non_null(strstr(buf, "table.sortable"));
    free(buf);
    check_report_free(r);
    close_hub(&h);

    buf = NULL;
    f = open_memstream(&buf, &len);
    assert_int_equal(check_rules_markdown(f), 0);
    fclose(f);
    size_t n;
    const check_rule *rules = check_rules(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strstr(buf, rules[i].code));
    }
    free(buf);
}

/* The page renders in a real browser (Debian's chromium, headless), its script runs without
 * error and sorts a table. */
static void test_check__html_renders_in_chromium(void **state)
{
    (void)state;
    hub h;
    open_hub(&h, "check_chromium");
    build_base(&h);
    assert_int_equal(relais_plan_new(&h.p, h.s, "mutation"), 0);
    m_empty_division(&h);
    add(&h, mk(&h, RELAIS_KIND_DIVISION, "code", "1Z", NULL));
    add(&h, mk(&h, RELAIS_KIND_DIVISION, "code", "2Y", NULL));
    commit(&h);
    check_report *r = run_checks(&h);
    const char *dir = test_tmpdir("check_chromium_page");
    const char *page = test_path_join(dir, "rapport.html");
    FILE *f = fopen(page, "w");
    assert_non_null(f);
    assert_int_equal(check_report_html(r, f, "Rapport"), 0);
    fclose(f);
    check_report_free(r);
    close_hub(&h);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic "
             "--no-first-run --disable-background-networking --disable-component-update "
             "--disable-sync --user-data-dir='%s/profile' --enable-logging=stderr --v=0 "
             "--virtual-time-budget=3000 --dump-dom 'file://%s#trier-1' >'%s/dom.html' "
             "2>'%s/chromium.log'",
             dir, page, dir, dir);
    int status = system(cmd);
    if (status != 0) {
        char *log = NULL;
        size_t n = 0;
        if (util_file_read(&log, &n, test_path_join(dir, "chromium.log")) == 0) {
            fprintf(stderr, "%s\n", log);
            util_free(log);
        }
    }
    assert_int_equal(status, 0);
    char *dom;
    size_t len;
    assert_int_equal(util_file_read(&dom, &len, test_path_join(dir, "dom.html")), 0);
    assert_non_null(strstr(dom, "data-ready=\"1\""));
    /* Sorted by the second column (record label): 1Z before 2Y before 3C. */
    const char *z = strstr(dom, "1Z"), *y = strstr(dom, "2Y"), *c3 = strstr(dom, "3C");
    assert_non_null(z);
    assert_non_null(y);
    assert_non_null(c3);
    assert_true(z < y && y < c3);
    assert_non_null(strstr(dom, "aria-sort=\"ascending\""));
    util_free(dom);
    char *log;
    assert_int_equal(util_file_read(&log, &len, test_path_join(dir, "chromium.log")), 0);
    if (strstr(log, "Uncaught") || strstr(log, "SyntaxError")) {
        fail_msg("script error in the page: %s", log);
    }
    util_free(log);
}

/* The SIECLE state of samples/elegroupe/EXPECTED.md: three students of 0999999Z in 2024. */
static void build_expected_state(hub *h)
{
    assert_int_equal(relais_plan_new(&h->p, h->s, "expected"), 0);
    relais_calendar cal = {"2024-09-02", "2025-07-04", NULL, NULL};
    relais_scope_spec spec = {.uai = "0999999Z", .year = 2024, .calendar = &cal};
    assert_int_equal(relais_plan_scope(&h->scope, h->p, &spec), 0);
    int64_t lat = add(h, mk(h, RELAIS_KIND_GROUP, "code", "3LAT", "mefs", "10310019110", NULL));
    xref(h, "siecle", "group", "3LAT", lat);
    int64_t s1 = add(h, mk(h, RELAIS_KIND_STUDENT, "eleve_id", "900001", "ine", "000000001AA",
                           "nom_de_famille", "EXEMPLE--FICTIF", "nom_usage", "EXEMPLE", "prenom",
                           "Zoé", "prenom2", "Chloë", "date_naiss", "2011-02-03", "code_mef",
                           "10310019110", "date_entree", "2022-09-02", NULL));
    int64_t s2 = add(h, mk(h, RELAIS_KIND_STUDENT, "eleve_id", "900002", "ine", "000000002AB",
                           "nom_de_famille", "L'ESSAI", "prenom", "Jean-Noël", "date_naiss",
                           "2010-11-28", "code_mef", "10310019110", "date_entree", "2021-09-01",
                           "date_sortie", "2024-09-20", NULL));
    add(h, mk(h, RELAIS_KIND_STUDENT, "eleve_id", "900003", "nom_de_famille", "FICTIVE", "prenom",
              "Cœlia", "date_naiss", "2011-07-14", "code_mef", "10310019110", "date_entree",
              "2024-10-14", NULL));
    enrol(h, s1, 0, lat, "2024-09-02");
    enrol(h, s2, 0, lat, "2024-09-02");
    assert_int_equal(relais_plan_apply(NULL, h->p), 0);
    relais_plan_free(h->p);
    h->p = NULL;
}

static check_report *check_sample(hub *h, const char *rel, size_t *n_violations)
{
    util_arena *a = h->a;
    elegroupe_file *file;
    elegroupe_violation *v;
    assert_int_equal(elegroupe_read_file(&file, &v, n_violations, a, test_shared_path(rel)), 0);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, h->s, a, "0999999Z", 2024), 0);
    check_report *r;
    assert_int_equal(check_report_new(&r), 0);
    assert_int_equal(check_run_elegroupe_file(r, h->s, sc, file, v, *n_violations, NULL), 0);
    return r;
}

/* The three constructed ELEGROUPE samples, read from disk, judged as EXPECTED.md says. */
static void test_check__elegroupe_samples(void **state)
{
    (void)state;
    setenv("RELAIS_TODAY", "2024-10-16", 1);
    hub h;
    open_hub(&h, "check_samples");
    build_expected_state(&h);
    size_t n;
    check_report *r = check_sample(&h, "formats/samples/elegroupe/valid/0999999ZELEGROUPE2024241015183000.zip", &n);
    assert_int_equal(n, 0);
    if (check_report_count(r, RELAIS_SEVERITY_ERROR) + check_report_count(r, RELAIS_SEVERITY_WARNING)) {
        check_report_foreach(r, print_finding, NULL);
        fail_msg("the valid sample should pass");
    }
    check_report_free(r);

    r = check_sample(&h, "formats/samples/elegroupe/anomalies/0999999ZELEGROUPE2024241016090000.xml", &n);
    assert_int_equal(n, 1); /* an XML: SIECLE wants it zipped */
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_FICHIER_INVALIDE"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_GROUPE_INCONNU"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_DATE_DEBUT_HORS_ANNEE"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ELEVE_EN_DOUBLE"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_ELEVE_INCONNU"), 1);
    assert_int_equal(check_report_rule_count(r, "ELEGROUPE_SORTANT_HISTORIQUE"), 1);
    check_report_free(r);

    /* The ten defects of EXPECTED.md (and the missing zip), each reported. */
    elegroupe_file *file;
    elegroupe_violation *v;
    assert_int_equal(elegroupe_read_file(&file, &v, &n, h.a,
                                         test_shared_path("formats/samples/elegroupe/invalid/"
                                                          "0999999ZELEGROUPE2024241016100000.xml")),
                     0);
    const char *expected[][2] = {{"DATE_IMPORT", "2024-10-16"}, {"NUM_ENVOI", "100000"},
                                 {"LOGICIEL", "15 caractères"}, {"ELEVE", "un seul attendu"},
                                 {"PRENOM2", "vide"}, {"DATE_NAISS", "03/02/2011"},
                                 {"CODE_GROUPE", "10 caractères"}, {"ELEVE_ID", "déjà utilisé"},
                                 {"CODE_GROUPE", "deux fois"}, {"GROUPES", "aucun groupe"},
                                 {"nom du fichier", "zippé"}};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(expected); i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++) {
            found = found || (strcmp(v[k].element, expected[i][0]) == 0 &&
                              strstr(v[k].message, expected[i][1]) != NULL);
        }
        if (!found) {
            fail_msg("defect %s (%s) not reported", expected[i][0], expected[i][1]);
        }
    }
    close_hub(&h);
    setenv("RELAIS_TODAY", "2025-10-01", 1);
}

int main(void)
{
    setenv("RELAIS_TODAY", "2025-10-01", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check__clean_establishment_triggers_nothing),
        cmocka_unit_test(test_check__ine_is_not_an_account),
        cmocka_unit_test(test_check__each_rule_triggers),
        cmocka_unit_test(test_check__every_rule_has_a_case),
        cmocka_unit_test(test_check__elegroupe_file_rules),
        cmocka_unit_test(test_check__elegroupe_judge_expected_scenario),
        cmocka_unit_test(test_check__elegroupe_samples),
        cmocka_unit_test(test_check__sts_group_codes),
        cmocka_unit_test(test_check__html_and_catalogue),
        cmocka_unit_test(test_check__html_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
