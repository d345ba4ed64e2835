/*
 * test_timetable.c — the timetable import and the correspondences
 * (src/lib/timetable): folding, times, the EDT_STS samples (including the
 * malformed one), the CSV format, automatic matching (codes, folded names,
 * homonyms), manual correspondences that automatic runs never overwrite, a
 * full timetable replacing the previous one, the rule on groups with a
 * grading service, refusals, allocation failures.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <stdio.h>
#include <string.h>

#include "sts/sts.h"
#include "timetable/internal.h"
#include "timetable/timetable.h"
#include "util/util.h"

#define STS_0771991W "tests/data/samples/sts/sts_emp_0771991W_2018.xml"
#define EDT_CASE6 "tests/data/samples/sts/open-ent-edt_case6_emp_sts.xml"
#define EDT_CASE8 "tests/data/samples/sts/open-ent-edt_case8_emp_sts.xml"
#define EDT_MALFORMED "tests/data/samples/sts/open-ent-edt_parsing-error-case_emp_sts.malformed.xml"

typedef struct fixture {
    relais_store *s;
    util_arena *a;
    const char *dir;
    int64_t scope;
} fixture;

static const char *write_file(const char *dir, const char *name, const char *content)
{
    const char *path = test_path_join(dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path;
}

static void apply(relais_plan *p)
{
    int64_t run;
    if (relais_plan_apply(&run, p) != 0) {
        fail_msg("apply: %s", relais_error_last());
    }
}

static void import_sts(fixture *fx, const char *path, int year)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "import sts"), 0);
    sts_import_options o = STS_IMPORT_OPTIONS_INIT;
    o.path = path;
    o.year = year;
    o.uai = "0771991W";
    o.date = "2025-10-01";
    sts_import_info info;
    if (sts_import_plan(&info, p, fx->s, &o) != 0) {
        fail_msg("sts: %s", relais_error_last());
    }
    apply(p);
    relais_plan_free(p);
}

/* The hub of 0771991W in 2018, from the constructed STS export. */
static int setup(void **state)
{
    static fixture fx;
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("timetable"));
    fx.dir = dir;
    assert_int_equal(relais_store_open(&fx.s, test_path_join(dir, "hub.db"), RELAIS_STORE_CREATE),
                     0);
    assert_int_equal(util_arena_new(&fx.a, 0), 0);
    import_sts(&fx, test_source_path(STS_0771991W), 2018);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx.s, fx.a, "0771991W", 2018), 0);
    fx.scope = sc->id;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    relais_store_close(fx->s);
    util_arena_free(fx->a);
    return 0;
}

typedef struct result {
    int rc;
    relais_plan *plan;
    timetable_coverage *cov;
    timetable_import_info info;
} result;

static result plan_tt(fixture *fx, const char *path, int year)
{
    result r = {0};
    assert_int_equal(relais_plan_new(&r.plan, fx->s, "import timetable"), 0);
    timetable_import_options o = TIMETABLE_IMPORT_OPTIONS_INIT;
    o.path = path;
    o.year = year;
    o.date = "2025-10-01";
    r.rc = timetable_import_plan(&r.info, &r.cov, r.plan, fx->s, &o);
    return r;
}

static void result_free(result *r)
{
    relais_plan_free(r->plan);
    timetable_coverage_free(r->cov);
}

/* Import and apply; returns the number of changes. */
static size_t import_tt(fixture *fx, const char *path)
{
    result r = plan_tt(fx, path, 2018);
    if (r.rc != 0) {
        fail_msg("timetable: %s", relais_error_last());
    }
    size_t n = relais_plan_n_changes(r.plan);
    apply(r.plan);
    result_free(&r);
    return n;
}

static size_t active(fixture *fx, relais_kind k)
{
    size_t a = 0, i = 0;
    assert_int_equal(relais_store_record_count(&a, &i, fx->s, k, fx->scope), 0);
    return a;
}

typedef struct collect {
    util_arena *a;
    relais_record *last;
    size_t n;
} collect;

static int keep_last(const relais_record *r, void *payload)
{
    collect *c = payload;
    c->last = relais_record_copy(c->a, r);
    c->n++;
    return 0;
}

/* The only active course (fails when there is not exactly one). */
static relais_record *only_course(fixture *fx)
{
    collect c = {.a = fx->a};
    assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_COURSE, fx->scope,
                                                 RELAIS_ACTIVE, keep_last, &c),
                     0);
    assert_int_equal(c.n, 1);
    return c.last;
}

/* The stored link of a local name: entity id (0 unmatched), provenance in *prov. */
static int64_t link_of(fixture *fx, const char *category, const char *local, const char **prov)
{
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_XREF);
    probe->scope_id = fx->scope;
    relais_record_set_str(probe, fx->a, RELAIS_XREF_APPLICATION, "edt");
    relais_record_set_str(probe, fx->a, RELAIS_XREF_CATEGORY, category);
    relais_record_set_str(probe, fx->a, RELAIS_XREF_EXTERNAL_ID, local);
    relais_record *x = NULL;
    if (relais_store_record_find(&x, fx->s, fx->a, probe) != 0) {
        fail_msg("no xref for %s %s", category, local);
    }
    if (prov) {
        *prov = relais_record_get(x, RELAIS_XREF_PROVENANCE);
    }
    return x->ref[RELAIS_XREF_ENTITY];
}

static int64_t id_of(fixture *fx, relais_kind k, size_t field, const char *code)
{
    relais_record *probe = relais_record_new(fx->a, k);
    probe->scope_id = fx->scope;
    relais_record_set_str(probe, fx->a, field, code);
    relais_record *r = NULL;
    assert_int_equal(relais_store_record_find(&r, fx->s, fx->a, probe), 0);
    return r->id;
}

typedef struct count_code {
    const char *code;
    size_t n;
} count_code;

static int count_warning(const relais_warning *w, void *payload)
{
    count_code *c = payload;
    c->n += util_streq(w->code, c->code);
    return 0;
}

static size_t warnings_with(relais_plan *p, const char *code)
{
    count_code c = {code, 0};
    assert_int_equal(relais_plan_foreach_warning(p, count_warning, &c), 0);
    return c.n;
}

/* -------------------------------------------------------- small pieces */

static void test_timetable__fold(void **state)
{
    (void)state;
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    assert_string_equal(timetable_fold(a, "Éducation physique et sportive"),
                        "educationphysiqueetsportive");
    assert_string_equal(timetable_fold(a, "3ème-A"), "3emea");
    assert_string_equal(timetable_fold(a, "  Œuvres / ÆGIS "), "oeuvresaegis");
    assert_string_equal(timetable_fold(a, "LEFÈVRE Hélène"), "lefevrehelene");
    assert_string_equal(timetable_fold(a, "\xff"
                                          "AB c"),
                        "abc");
    assert_string_equal(timetable_fold(a, ""), "");
    util_arena_free(a);
}

static void test_timetable__times_use_minute_arithmetic(void **state)
{
    (void)state;
    int m;
    assert_true(tt_parse_time(&m, "0830"));
    assert_int_equal(m, 510);
    assert_true(tt_parse_time(&m, "1402"));
    assert_int_equal(m, 842);
    assert_true(tt_parse_time(&m, "0130"));
    assert_int_equal(m, 90);
    assert_false(tt_parse_time(&m, "0160"));
    assert_false(tt_parse_time(&m, "2400"));
    assert_true(tt_parse_time(&m, "8h30"));
    assert_int_equal(m, 510);
    assert_true(tt_parse_time(&m, "8h"));
    assert_int_equal(m, 480);
    assert_true(tt_parse_time(&m, "08:05"));
    assert_int_equal(m, 485);
    assert_false(tt_parse_time(&m, "8:5"));
    assert_false(tt_parse_time(&m, "-830"));
    assert_false(tt_parse_time(&m, ""));
}

static void test_timetable__kinds(void **state)
{
    (void)state;
    timetable_kind k;
    assert_true(timetable_kind_parse(&k, "Matière"));
    assert_int_equal(k, TIMETABLE_SUBJECT);
    assert_true(timetable_kind_parse(&k, "prof"));
    assert_int_equal(k, TIMETABLE_STAFF);
    assert_true(timetable_kind_parse(&k, "classe"));
    assert_int_equal(k, TIMETABLE_DIVISION);
    assert_true(timetable_kind_parse(&k, "GROUPES"));
    assert_int_equal(k, TIMETABLE_GROUP);
    assert_false(timetable_kind_parse(&k, "salle"));
}

/* ------------------------------------------------------------- EDT_STS */

static void test_timetable__edt_sample_is_imported_and_matched(void **state)
{
    fixture *fx = *state;
    result r = plan_tt(fx, test_source_path(EDT_CASE8), 2018);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.info.format, "EDT_STS");
    assert_int_equal(r.info.n_courses, 1);
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        assert_int_equal(timetable_coverage_matched(r.cov, (timetable_kind)k),
                         timetable_coverage_count(r.cov, (timetable_kind)k));
    }
    const timetable_item *it = timetable_coverage_item(r.cov, TIMETABLE_STAFF, 0);
    assert_string_equal(it->local, "69881");
    assert_string_equal(it->remote_label, "LEFEVRE Hélène");
    assert_true(it->in_sts);
    assert_false(it->in_siecle);
    apply(r.plan);
    result_free(&r);
    relais_record *c = only_course(fx);
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_JOUR), "4");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_HEURE_DEBUT), "14:02");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_DUREE), "60");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_ALTERNANCE), "H");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_SEMAINES), "2019-09-02 2099-09-10");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_CODE_MATIERE), "020700");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_ENSEIGNANTS), "69881");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_STRUCTURES), "3A");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_SALLE), "15");
    assert_true(c->ref[RELAIS_COURSE_SERVICE] > 0);
    assert_int_equal(strlen(relais_record_get(c, RELAIS_COURSE_COURSE_KEY)), 20);
    const char *prov;
    assert_int_equal(link_of(fx, "division", "3A", &prov),
                     id_of(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "3A"));
    assert_string_equal(prov, "auto");
    /* Same file again: nothing changes. */
    assert_int_equal(import_tt(fx, test_source_path(EDT_CASE8)), 0);
}

static void test_timetable__full_timetable_replaces_previous(void **state)
{
    fixture *fx = *state;
    import_tt(fx, test_source_path(EDT_CASE8));
    relais_record *before = only_course(fx);
    result r = plan_tt(fx, test_source_path(EDT_CASE6), 2018);
    assert_int_equal(r.rc, 0);
    assert_int_equal(relais_plan_counter(r.plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_COURSE,
                                         RELAIS_COUNT_DEACTIVATED),
                     1);
    /* 3B_G2 carries a service of 020700 in the timetable and STS-Web has it: no violation. */
    assert_int_equal(r.info.n_rule_violations, 0);
    apply(r.plan);
    result_free(&r);
    relais_record *after = only_course(fx);
    assert_string_not_equal(relais_record_get(after, RELAIS_COURSE_COURSE_KEY),
                            relais_record_get(before, RELAIS_COURSE_COURSE_KEY));
    assert_string_equal(relais_record_get(after, RELAIS_COURSE_STRUCTURES), "3B_G2");
    /* The division of the old timetable is no longer a local name. */
    timetable_coverage *cov;
    assert_int_equal(timetable_coverage_load(&cov, fx->s, fx->scope), 0);
    assert_int_equal(timetable_coverage_count(cov, TIMETABLE_DIVISION), 1);
    assert_string_equal(timetable_coverage_item(cov, TIMETABLE_DIVISION, 0)->local, "3B");
    assert_int_equal(timetable_coverage_count(cov, TIMETABLE_GROUP), 1);
    timetable_coverage_free(cov);
}

static void expect_refused(fixture *fx, const char *path, int year, int want, const char *a,
                           const char *b)
{
    int64_t seq0 = 0, seq1 = 0;
    assert_int_equal(relais_store_change_last_seq(&seq0, fx->s), 0);
    result r = plan_tt(fx, path, year);
    if (r.rc != want) {
        fail_msg("rc %d (want %d): %s", r.rc, want, relais_error_last());
    }
    const char *msg = relais_error_last();
    if (strstr(msg, a) == NULL || (b && strstr(msg, b) == NULL)) {
        fail_msg("message « %s » lacks « %s » / « %s »", msg, a, b ? b : "");
    }
    assert_null(r.cov);
    result_free(&r);
    assert_int_equal(relais_store_change_last_seq(&seq1, fx->s), 0);
    assert_int_equal(seq0, seq1);
}

static void test_timetable__malformed_sample_is_refused_with_its_place(void **state)
{
    /* HORAIRE opened line 26 is never closed; expat finds out at line 82. */
    expect_refused(*state, test_source_path(EDT_MALFORMED), 2018, RELAIS_EINVALID,
                   "open-ent-edt_parsing-error-case_emp_sts.malformed.xml:82", "ligne 26");
}

static void test_timetable__sts_export_is_the_wrong_direction(void **state)
{
    expect_refused(*state, test_source_path(STS_0771991W), 2018, RELAIS_EINVALID, "STS_EDT",
                   "relais import sts");
}

static void test_timetable__unknown_scope_is_refused(void **state)
{
    fixture *fx = *state;
    /* The file says 2018; the hub works on 2019. */
    expect_refused(fx, test_source_path(EDT_CASE8), 2019, RELAIS_EREFUSED, "2018-2019", NULL);
    const char *other = write_file(fx->dir, "other.xml",
                                   "<EDT_STS><PARAMETRES><UAJ>0750001A</UAJ></PARAMETRES>"
                                   "<DONNEES/></EDT_STS>");
    expect_refused(fx, other, 2018, RELAIS_EREFUSED, "0750001A", "relais import sts");
    const char *bad = write_file(fx->dir, "bad.xml",
                                 "<EDT_STS><PARAMETRES><UAJ>12</UAJ>"
                                 "</PARAMETRES></EDT_STS>");
    expect_refused(fx, bad, 2018, RELAIS_EINVALID, "bad.xml:1", "UAI");
}

static const char *edt_doc(fixture *fx, const char *name, const char *structure)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_printf(&b,
                    "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<EDT_STS><PARAMETRES>"
                    "<UAJ>0771991W</UAJ><ANNEE_SCOLAIRE>2018</ANNEE_SCOLAIRE></PARAMETRES>\n"
                    "<DONNEES><HORAIRES><HORAIRE JOUR=\"1\"><DEBUT_COURS>0800</DEBUT_COURS>"
                    "<FIN_COURS>1700</FIN_COURS></HORAIRE></HORAIRES>\n<ALTERNANCES>"
                    "<ALTERNANCE CODE=\"A\"><SEMAINES><DATE_DEBUT_SEMAINE>2018-09-10"
                    "</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>2018-09-03</DATE_DEBUT_SEMAINE>"
                    "</SEMAINES></ALTERNANCE></ALTERNANCES>\n<STRUCTURE>%s</STRUCTURE>"
                    "</DONNEES></EDT_STS>\n",
                    structure);
    const char *path = write_file(fx->dir, name, util_buf_cstr(&b));
    util_buf_free(&b);
    return path;
}

#define COURS(day, start, dur)                                                                     \
    "<COURS><CODE_ALTERNANCE>A</CODE_ALTERNANCE><JOUR>" day "</JOUR><HEURE_DEBUT>" start           \
    "</HEURE_DEBUT><DUREE>" dur "</DUREE><CODE_SALLE>B1</CODE_SALLE></COURS>"

static void test_timetable__edt_courses_hours_and_co_teaching(void **state)
{
    fixture *fx = *state;
    const char *path = edt_doc(
        fx, "coens.xml",
        "<DIVISIONS><DIVISION CODE=\"3A\"><SERVICES><SERVICE CODE_MATIERE=\"061300\" "
        "CODE_MOD_COURS=\"CG\"><ENSEIGNANTS>"
        "<ENSEIGNANT ID=\"69882\"><COURS_RATTACHES>" COURS("1", "1630", "0130") COURS("1", "0900",
                                                                                      "0160")
            COURS("9", "0900", "0100") "</COURS_RATTACHES></ENSEIGNANT>"
                                       "<ENSEIGNANT ID=\"69881\"><COURS_RATTACHES>" COURS(
                                           "1", "1630",
                                           "0130") "</COURS_RATTACHES></ENSEIGNANT></ENSEIGNANTS></"
                                                   "SERVICE></SERVICES></DIVISION>"
                                                   "</DIVISIONS>");
    result r = plan_tt(fx, path, 2018);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.info.n_courses, 1);
    assert_int_equal(warnings_with(r.plan, "COURS_INVALIDE"), 2);      /* 0160, day 9 */
    assert_int_equal(warnings_with(r.plan, "COURS_HORS_HORAIRES"), 1); /* 16:30 + 90 > 17:00 */
    apply(r.plan);
    result_free(&r);
    relais_record *c = only_course(fx);
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_DUREE), "90");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_HEURE_DEBUT), "16:30");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_ENSEIGNANTS), "69881|69882");
    assert_string_equal(relais_record_get(c, RELAIS_COURSE_SEMAINES), "2018-09-03 2018-09-10");
}

/* ------------------------------------------------------------------ CSV */

static const char *csv_doc(fixture *fx, const char *name, const char *content)
{
    return write_file(fx->dir, name, content);
}

static void test_timetable__csv_is_read_and_names_folded(void **state)
{
    fixture *fx = *state;
    const char *path = csv_doc(
        fx, "edt.csv",
        "\xEF\xBB\xBFJour;Début;Durée;Semaines;Matière;Enseignants;Classes;Groupes;Salle;Remarque\n"
        "lundi;8h30;55;;Français;LEFEVRE Hélène;3A;;B12;x\n"
        "Lundi;09:25;1h;A;MATHS;\"MARTIN P.\";3 a;;\"B;12\";\n"
        "\n"
        "mar;10:30;1:30;36-37,2;Anglais LV1;\"lefèvre h., M. MARTIN\";;3AB_ANG;C3;\n"
        "2;14:00;60;;Latin;DUPOND Marc;;LAT3;D1;\"sur\n"
        "deux lignes\"\n"
        "3;25:00;60;;Latin;;;LAT3;;\n"
        "4;10:00;60;;Latin;;;;;\n");
    result r = plan_tt(fx, path, 2018);
    if (r.rc != 0) {
        fail_msg("%s", relais_error_last());
    }
    assert_string_equal(r.info.format, "CSV");
    assert_int_equal(r.info.n_courses, 4);
    assert_int_equal(warnings_with(r.plan, "COURS_INVALIDE"), 2); /* 25:00, no structure */
    assert_int_equal(warnings_with(r.plan, "COLONNE_INCONNUE"), 1);
    assert_int_equal(warnings_with(r.plan, "MATIERE_NON_APPARIEE"), 1);
    assert_int_equal(warnings_with(r.plan, "ENSEIGNANT_NON_APPARIE"), 1);
    assert_int_equal(warnings_with(r.plan, "GROUPE_NON_APPARIE"), 1);
    /* 3AB_ANG has no Anglais service in STS-Web; LAT3 is unknown. */
    assert_int_equal(r.info.n_rule_violations, 2);
    assert_int_equal(warnings_with(r.plan, "GROUPE_SERVICE_STS"), 2);
    assert_int_equal(timetable_coverage_matched(r.cov, TIMETABLE_STAFF), 4);
    assert_int_equal(timetable_coverage_count(r.cov, TIMETABLE_STAFF), 5);
    apply(r.plan);
    result_free(&r);
    int64_t lefevre = id_of(fx, RELAIS_KIND_STAFF, RELAIS_STAFF_STS_ID, "69881");
    int64_t martin = id_of(fx, RELAIS_KIND_STAFF, RELAIS_STAFF_STS_ID, "69882");
    assert_int_equal(link_of(fx, "staff", "LEFEVRE Hélène", NULL), lefevre);
    assert_int_equal(link_of(fx, "staff", "lefèvre h.", NULL), lefevre);
    assert_int_equal(link_of(fx, "staff", "MARTIN P.", NULL), martin);
    assert_int_equal(link_of(fx, "staff", "M. MARTIN", NULL), martin);
    assert_int_equal(link_of(fx, "staff", "DUPOND Marc", NULL), 0);
    assert_int_equal(link_of(fx, "subject", "Français", NULL),
                     id_of(fx, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, "020700"));
    assert_int_equal(link_of(fx, "subject", "MATHS", NULL),
                     id_of(fx, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, "061300"));
    assert_int_equal(link_of(fx, "division", "3 a", NULL),
                     id_of(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "3A"));
    assert_int_equal(active(fx, RELAIS_KIND_COURSE), 4);
    assert_int_equal(import_tt(fx, path), 0);
}

typedef struct find_course {
    const char *subject;
    relais_record *found;
    util_arena *a;
} find_course;

static int by_subject(const relais_record *r, void *payload)
{
    find_course *f = payload;
    if (util_streq(relais_record_get(r, RELAIS_COURSE_CODE_MATIERE), f->subject)) {
        f->found = relais_record_copy(f->a, r);
    }
    return 0;
}

static void test_timetable__csv_weeks_and_separators(void **state)
{
    fixture *fx = *state;
    /* Comma-separated, CRLF, week numbers across the new year (2018-2019). */
    const char *path = csv_doc(fx, "weeks.csv",
                               "day,start,end,weeks,subject,teachers,divisions\r\n"
                               "1,08:00,09:00,\"52-2, 36\",020700,69881,3A\r\n"
                               "2,08:00,09:00,2018-09-03 2018-09-17,061300,69882,3A\r\n");
    assert_true(import_tt(fx, path) > 0);
    find_course f = {.subject = "020700", .a = fx->a};
    assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_COURSE, fx->scope,
                                                 RELAIS_ACTIVE, by_subject, &f),
                     0);
    assert_non_null(f.found);
    assert_string_equal(relais_record_get(f.found, RELAIS_COURSE_SEMAINES),
                        "2018-09-03 2018-12-24 2018-12-31 2019-01-07");
    assert_string_equal(relais_record_get(f.found, RELAIS_COURSE_DUREE), "60");
    assert_null(relais_record_get(f.found, RELAIS_COURSE_ALTERNANCE));
    /* The matched STS-Web service of 3A in French. */
    assert_true(f.found->ref[RELAIS_COURSE_SERVICE] > 0);
    /* Tab-separated. */
    const char *tab = csv_doc(fx, "tab.csv",
                              "jour\tdebut\tduree\tmatiere\tclasses\n"
                              "jeudi\t0800\t50\tFRANC\t3B\n");
    assert_true(import_tt(fx, tab) > 0);
    assert_int_equal(active(fx, RELAIS_KIND_COURSE), 1);
}

static void test_timetable__csv_refusals(void **state)
{
    fixture *fx = *state;
    expect_refused(fx,
                   csv_doc(fx, "latin1.csv",
                           "jour;debut;duree;matiere;classes\n"
                           "1;8h;60;Fran\xe7"
                           "ais;3A\n"),
                   2018, RELAIS_EINVALID, "latin1.csv:2", "UTF-8");
    expect_refused(fx, csv_doc(fx, "nocol.csv", "jour;debut;matiere;classes\n1;8h;X;3A\n"), 2018,
                   RELAIS_EINVALID, "nocol.csv:1", "duree");
    expect_refused(fx,
                   csv_doc(fx, "quote.csv",
                           "jour;debut;duree;matiere;classes\n"
                           "1;8h;60;\"Fran;3A\n"),
                   2018, RELAIS_EINVALID, "quote.csv:2", "guillemet");
    expect_refused(fx, csv_doc(fx, "empty.csv", ""), 2018, RELAIS_EINVALID, "empty.csv", NULL);
    expect_refused(fx, csv_doc(fx, "nostruct.csv", "jour;debut;duree;matiere\n"), 2018,
                   RELAIS_EINVALID, "nostruct.csv:1", "classes");
}

/* ---------------------------------------------------------- correspondences */

static void map(fixture *fx, bool set, timetable_kind k, const char *local, const char *remote,
                int want)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, set ? "map set" : "map unset"), 0);
    relais_scope_spec spec = {.uai = "0771991W", .year = 2018};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    int rc = set ? timetable_map_set(p, fx->s, fx->scope, k, local, remote)
                 : timetable_map_unset(p, fx->s, fx->scope, k, local);
    if (rc != want) {
        fail_msg("map: rc %d, want %d: %s", rc, want, relais_error_last());
    }
    if (rc == 0) {
        apply(p);
    }
    relais_plan_free(p);
}

static void test_timetable__manual_maps_survive_automatic_runs(void **state)
{
    fixture *fx = *state;
    const char *path = csv_doc(fx, "maps.csv",
                               "jour;debut;duree;matiere;enseignants;classes\n"
                               "1;8h;60;Français;LEFEVRE Hélène;3A\n"
                               "1;9h;60;Latin;LEFEVRE Hélène;3A\n");
    import_tt(fx, path);
    int64_t francais = id_of(fx, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, "020700");
    int64_t maths = id_of(fx, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, "061300");
    assert_int_equal(link_of(fx, "subject", "Latin", NULL), 0);
    /* Link an unmatched name, and override an automatic link (by code de gestion). */
    map(fx, true, TIMETABLE_SUBJECT, "Latin", "020700", 0);
    map(fx, true, TIMETABLE_SUBJECT, "Français", "maths", 0);
    map(fx, true, TIMETABLE_SUBJECT, "Français", "NOPE", RELAIS_ENOTFOUND);
    map(fx, false, TIMETABLE_SUBJECT, "LEFEVRE Hélène", NULL, RELAIS_ENOTFOUND);
    const char *prov;
    /* The courses and services follow the new links, then settle. */
    assert_true(import_tt(fx, path) > 0);
    assert_int_equal(import_tt(fx, path), 0);
    assert_int_equal(link_of(fx, "subject", "Français", &prov), maths);
    assert_string_equal(prov, "manual");
    assert_int_equal(link_of(fx, "subject", "Latin", &prov), francais);
    assert_string_equal(prov, "manual");
    /* The name leaves the timetable, then comes back: its manual link with it. */
    const char *without =
        csv_doc(fx, "without.csv", "jour;debut;duree;matiere;classes\n1;8h;60;Français;3A\n");
    import_tt(fx, without);
    timetable_coverage *cov;
    assert_int_equal(timetable_coverage_load(&cov, fx->s, fx->scope), 0);
    assert_int_equal(timetable_coverage_count(cov, TIMETABLE_SUBJECT), 1);
    timetable_coverage_free(cov);
    import_tt(fx, path);
    assert_int_equal(link_of(fx, "subject", "Latin", &prov), francais);
    assert_string_equal(prov, "manual");
    /* Unset: back to automatic matching, done at once. */
    map(fx, false, TIMETABLE_SUBJECT, "Français", NULL, 0);
    assert_int_equal(link_of(fx, "subject", "Français", &prov), francais);
    assert_string_equal(prov, "auto");
    map(fx, false, TIMETABLE_SUBJECT, "Latin", NULL, 0);
    assert_int_equal(link_of(fx, "subject", "Latin", &prov), 0);
    assert_true(import_tt(fx, path) > 0); /* the courses' services, again */
    assert_int_equal(import_tt(fx, path), 0);
    /* A manual link set before the name is ever imported is used by the import. */
    map(fx, true, TIMETABLE_DIVISION, "Troisième B", "3B", 0);
    const char *later = csv_doc(fx, "later.csv",
                                "jour;debut;duree;matiere;classes\n"
                                "1;8h;60;Français;Troisième B\n");
    import_tt(fx, later);
    assert_int_equal(link_of(fx, "division", "Troisième B", &prov),
                     id_of(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "3B"));
    assert_string_equal(prov, "manual");
}

static void test_timetable__homonyms_stay_unmatched(void **state)
{
    fixture *fx = *state;
    /* A second STS teacher named LEFEVRE Hélène. */
    const char *sts = write_file(
        fx->dir, "sts_homonym.xml",
        "<STS_EDT><PARAMETRES><UAJ CODE=\"0771991W\"/><ANNEE_SCOLAIRE ANNEE=\"2018\"/>"
        "</PARAMETRES><DONNEES><INDIVIDUS>"
        "<INDIVIDU ID=\"69881\" TYPE=\"epp\"><NOM_USAGE>LEFEVRE</NOM_USAGE><PRENOM>Hélène"
        "</PRENOM></INDIVIDU><INDIVIDU ID=\"77777\" TYPE=\"epp\"><NOM_USAGE>Lefèvre</NOM_USAGE>"
        "<PRENOM>HELENE</PRENOM></INDIVIDU></INDIVIDUS><STRUCTURE><DIVISIONS>"
        "<DIVISION CODE=\"3A\"><SERVICES/></DIVISION></DIVISIONS></STRUCTURE></DONNEES>"
        "</STS_EDT>");
    import_sts(fx, sts, 2018);
    const char *path = csv_doc(fx, "homonyms.csv",
                               "jour;debut;duree;matiere;enseignants;classes\n"
                               "1;8h;60;FRANC;LEFEVRE Hélène;3A\n"
                               "1;9h;60;FRANC;77777;3A\n");
    result r = plan_tt(fx, path, 2018);
    assert_int_equal(r.rc, 0);
    const timetable_item *it = timetable_coverage_item(r.cov, TIMETABLE_STAFF, 1);
    assert_string_equal(it->local, "LEFEVRE Hélène");
    assert_int_equal(it->entity, 0);
    assert_true(it->ambiguous);
    /* The STS id is a code: no ambiguity. */
    it = timetable_coverage_item(r.cov, TIMETABLE_STAFF, 0);
    assert_string_equal(it->local, "77777");
    assert_true(it->entity > 0);
    result_free(&r);
}

/* A division SIECLE alone knows (no STS-Web xref) is a hub record like any other. */
static void test_timetable__matches_siecle_structures(void **state)
{
    fixture *fx = *state;
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test siecle"), 0);
    relais_record *d = relais_record_new(fx->a, RELAIS_KIND_DIVISION);
    d->scope_id = fx->scope;
    relais_record_set_str(d, fx->a, RELAIS_DIVISION_CODE, "3C");
    relais_record_set_str(d, fx->a, RELAIS_DIVISION_LIBELLE_LONG, "3EME C");
    int64_t ref;
    assert_int_equal(relais_plan_create(&ref, p, d), 0);
    relais_record *x = relais_record_new(fx->a, RELAIS_KIND_XREF);
    x->scope_id = fx->scope;
    relais_record_set_str(x, fx->a, RELAIS_XREF_APPLICATION, "siecle");
    relais_record_set_str(x, fx->a, RELAIS_XREF_CATEGORY, "division");
    relais_record_set_str(x, fx->a, RELAIS_XREF_EXTERNAL_ID, "3C");
    relais_record_set_str(x, fx->a, RELAIS_XREF_PROVENANCE, "import");
    x->ref[RELAIS_XREF_ENTITY] = ref;
    int64_t xref;
    assert_int_equal(relais_plan_create(&xref, p, x), 0);
    apply(p);
    relais_plan_free(p);
    const char *path = csv_doc(fx, "siecle.csv", "jour;debut;duree;matiere;classes\n"
                                                 "1;8h;60;FRANC;3ème C\n"
                                                 "1;9h;60;FRANC;3A\n");
    result r = plan_tt(fx, path, 2018);
    assert_int_equal(r.rc, 0);
    /* Sorted by local name, byte order. */
    const timetable_item *a3 = timetable_coverage_item(r.cov, TIMETABLE_DIVISION, 0);
    const timetable_item *c3 = timetable_coverage_item(r.cov, TIMETABLE_DIVISION, 1);
    assert_string_equal(c3->local, "3ème C");
    assert_string_equal(c3->remote, "3C");
    assert_true(c3->in_siecle);
    assert_false(c3->in_sts);
    assert_string_equal(a3->remote, "3A");
    assert_true(a3->in_sts);
    assert_false(a3->in_siecle);
    result_free(&r);
}

/* A service listed by both STS-Web and the timetable stays while one of them lists it. */
static void test_timetable__services_shared_with_sts(void **state)
{
    fixture *fx = *state;
    import_tt(fx, test_source_path(EDT_CASE6)); /* 3B_G2 / 020700, STS-Web has it */
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_SERVICE);
    probe->scope_id = fx->scope;
    probe->ref[RELAIS_SERVICE_GROUP] = id_of(fx, RELAIS_KIND_GROUP, RELAIS_GROUP_CODE, "3B_G2");
    relais_record_set_str(probe, fx->a, RELAIS_SERVICE_CODE_MATIERE, "020700");
    relais_record_set_str(probe, fx->a, RELAIS_SERVICE_CODE_MOD_COURS, "CG");
    relais_record *sv = NULL;
    assert_int_equal(relais_store_record_find(&sv, fx->s, fx->a, probe), 0);
    assert_int_equal(link_of(fx, "service", "3B_G2/020700/CG", NULL), sv->id);
    assert_int_equal(only_course(fx)->ref[RELAIS_COURSE_SERVICE], sv->id);
    /* STS-Web drops the group's service: the timetable still has it. */
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(util_file_read(&data, &len, test_source_path(STS_0771991W)), 0);
    char *g2 = strstr(data, "<GROUPE CODE=\"3B_G2\">");
    assert_non_null(g2);
    char *from = strstr(g2, "<SERVICES>"), *to = strstr(g2, "</SERVICES>");
    memmove(from, to + strlen("</SERVICES>"), strlen(to + strlen("</SERVICES>")) + 1);
    const char *less = write_file(fx->dir, "sts_less.xml", data);
    util_free(data);
    import_sts(fx, less, 2018);
    assert_int_equal(relais_store_record_find(&sv, fx->s, fx->a, probe), 0);
    assert_true(sv->is_active);
    /* Now the rule is broken: the timetable's group service is not in STS-Web. */
    result r = plan_tt(fx, test_source_path(EDT_CASE6), 2018);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.info.n_rule_violations, 1);
    result_free(&r);
    /* The timetable drops it too: deactivated. */
    import_tt(fx, test_source_path(EDT_CASE8));
    assert_int_equal(relais_store_record_find(&sv, fx->s, fx->a, probe), 0);
    assert_false(sv->is_active);
}

static void test_timetable__group_codes_sts_refuses(void **state)
{
    fixture *fx = *state;
    const char *path = csv_doc(fx, "codes.csv",
                               "jour;debut;duree;matiere;groupes\n"
                               "1;8h;60;FRANC;3B_G2\n"
                               "1;9h;60;FRANC;3EME ANGLAIS LV1\n"
                               "1;10h;60;FRANC;3B/G2\n");
    result r = plan_tt(fx, path, 2018);
    assert_int_equal(r.rc, 0);
    assert_int_equal(warnings_with(r.plan, "GROUPE_CODE_STS_INVALIDE"), 2);
    result_free(&r);
}

static void test_timetable__allocation_failures_are_clean(void **state)
{
    fixture *fx = *state;
    for (long n = 0; n < 3000; n += 2) {
        relais_plan *p = NULL;
        timetable_coverage *cov = NULL;
        util_alloc_fail_after(n);
        int rc = relais_plan_new(&p, fx->s, "import timetable");
        if (rc == 0) {
            timetable_import_options o = TIMETABLE_IMPORT_OPTIONS_INIT;
            o.path = test_source_path(EDT_CASE6);
            o.year = 2018;
            timetable_import_info info;
            rc = timetable_import_plan(&info, &cov, p, fx->s, &o);
        }
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == RELAIS_ENOMEM || rc == RELAIS_EINVALID || rc == RELAIS_EDB);
        timetable_coverage_free(cov);
        relais_plan_free(p);
        if (rc == 0 && n > 0) {
            break;
        }
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timetable__fold),
        cmocka_unit_test(test_timetable__times_use_minute_arithmetic),
        cmocka_unit_test(test_timetable__kinds),
        T(test_timetable__edt_sample_is_imported_and_matched),
        T(test_timetable__full_timetable_replaces_previous),
        T(test_timetable__malformed_sample_is_refused_with_its_place),
        T(test_timetable__sts_export_is_the_wrong_direction),
        T(test_timetable__unknown_scope_is_refused),
        T(test_timetable__edt_courses_hours_and_co_teaching),
        T(test_timetable__csv_is_read_and_names_folded),
        T(test_timetable__csv_weeks_and_separators),
        T(test_timetable__csv_refusals),
        T(test_timetable__manual_maps_survive_automatic_runs),
        T(test_timetable__homonyms_stay_unmatched),
        T(test_timetable__matches_siecle_structures),
        T(test_timetable__services_shared_with_sts),
        T(test_timetable__group_codes_sts_refuses),
        T(test_timetable__allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
