/*
 * test_sts.c — the STS-Web import (src/lib/sts): the samples, the tolerant
 * reader, idempotence, deactivation of what STS-Web no longer lists (shared
 * objects kept while another source lists them), restoration, every refusal
 * (with the database untouched), allocation failures.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <stdio.h>
#include <string.h>

#include "sts/sts.h"
#include "util/util.h"

typedef struct fixture {
    relais_store *s;
    util_arena *a;
    const char *dir;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("sts"));
    fx.dir = dir;
    assert_int_equal(
        relais_store_open(&fx.s, test_path_join(fx.dir, "hub.db"), RELAIS_STORE_CREATE), 0);
    assert_int_equal(util_arena_new(&fx.a, 0), 0);
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

static const char *sample(const char *name)
{
    return test_source_path(name[0] == '/' ? name + 1 : name);
}

#define SAMPLE_0771991W "tests/data/samples/sts/sts_emp_0771991W_2018.xml"
#define SAMPLE_KLEPSYDRIX "tests/data/samples/sts/klepsydrix_sts_emp_0750001A_2026.constructed.xml"
#define SAMPLE_EDT_CASE8 "tests/data/samples/sts/open-ent-edt_case8_emp_sts.xml"

static const char *write_file(const char *dir, const char *name, const char *content)
{
    const char *path = test_path_join(dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
    return path;
}

/* Plan an STS import; returns its rc, *plan kept for inspection (caller frees). */
static int plan_sts(relais_plan **plan, fixture *fx, const char *path, int year, const char *uai)
{
    assert_int_equal(relais_plan_new(plan, fx->s, "import sts"), 0);
    sts_import_options o = STS_IMPORT_OPTIONS_INIT;
    o.path = path;
    o.year = year;
    o.uai = uai;
    o.date = "2025-10-01";
    sts_import_info info;
    return sts_import_plan(&info, *plan, fx->s, &o);
}

/* Import and apply; returns the number of changes. */
static size_t import_sts(fixture *fx, const char *path, int year, const char *uai)
{
    relais_plan *p = NULL;
    int rc = plan_sts(&p, fx, path, year, uai);
    if (rc != 0) {
        fail_msg("import: %s", relais_error_last());
    }
    size_t n = relais_plan_n_changes(p);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
    return n;
}

static size_t count_active(fixture *fx, relais_kind k)
{
    size_t active = 0, inactive = 0;
    assert_int_equal(relais_store_record_count(&active, &inactive, fx->s, k, 0), 0);
    return active;
}

static size_t count_inactive(fixture *fx, relais_kind k)
{
    size_t active = 0, inactive = 0;
    assert_int_equal(relais_store_record_count(&active, &inactive, fx->s, k, 0), 0);
    return inactive;
}

static int64_t changes_seq(fixture *fx)
{
    int64_t seq = 0;
    assert_int_equal(relais_store_change_last_seq(&seq, fx->s), 0);
    return seq;
}

static relais_record *find_by(fixture *fx, relais_kind k, size_t field, const char *value,
                              int64_t scope)
{
    relais_record *probe = relais_record_new(fx->a, k);
    probe->scope_id = scope;
    relais_record_set_str(probe, fx->a, field, value);
    relais_record *out = NULL;
    return relais_store_record_find(&out, fx->s, fx->a, probe) == 0 ? out : NULL;
}

static int64_t scope_of(fixture *fx, const char *uai, int year)
{
    relais_scope *sc = NULL;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, uai, year), 0);
    return sc->id;
}

/* ----------------------------------------------------------------- tests */

static void test_sts__sample_is_imported(void **state)
{
    fixture *fx = *state;
    assert_int_equal(import_sts(fx, sample(SAMPLE_0771991W), 2018, NULL) > 0, 1);
    int64_t scope = scope_of(fx, "0771991W", 2018);
    assert_int_equal(count_active(fx, RELAIS_KIND_STAFF), 3);
    assert_int_equal(count_active(fx, RELAIS_KIND_DIVISION), 2);
    assert_int_equal(count_active(fx, RELAIS_KIND_GROUP), 2);
    assert_int_equal(count_active(fx, RELAIS_KIND_GROUP_DIVISION), 3);
    assert_int_equal(count_active(fx, RELAIS_KIND_SERVICE), 3);
    assert_int_equal(count_active(fx, RELAIS_KIND_SERVICE_TEACHER), 3);
    assert_int_equal(count_active(fx, RELAIS_KIND_SUBJECT), 3);
    /* ISO-8859-15 converted, values trimmed (NOM_USAGE on its own indented lines). */
    relais_record *t = find_by(fx, RELAIS_KIND_STAFF, RELAIS_STAFF_STS_ID, "69881", scope);
    assert_non_null(t);
    assert_string_equal(relais_record_get(t, RELAIS_STAFF_NOM_USAGE), "LEFEVRE");
    assert_string_equal(relais_record_get(t, RELAIS_STAFF_NOM_PATRONYMIQUE), "LEFÈVRE");
    assert_string_equal(relais_record_get(t, RELAIS_STAFF_PRENOM), "Hélène");
    assert_string_equal(relais_record_get(t, RELAIS_STAFF_PROFS_PRINC), "3A");
    relais_record *m =
        find_by(fx, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, "061300", scope);
    assert_string_equal(relais_record_get(m, RELAIS_SUBJECT_LIBELLE_EDITION), "Mathématiques");
    relais_record *d = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "3A", scope);
    assert_string_equal(relais_record_get(d, RELAIS_DIVISION_MEFS), "10310019110");
    assert_string_equal(relais_record_get(d, RELAIS_DIVISION_EFFECTIF_PREVU), "28");
    /* The establishment was created with the export's name. */
    relais_establishment *e = NULL;
    assert_int_equal(relais_store_establishment_find(&e, fx->s, fx->a, "0771991W"), 0);
    assert_string_equal(e->name, "COLLEGE LES TILLEULS");
    /* Presence in the crosswalk: subjects, MEF, divisions, groups, staff. */
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_XREF);
    probe->scope_id = scope;
    relais_record_set_str(probe, fx->a, RELAIS_XREF_APPLICATION, "sts");
    relais_record_set_str(probe, fx->a, RELAIS_XREF_CATEGORY, "staff");
    relais_record_set_str(probe, fx->a, RELAIS_XREF_EXTERNAL_ID, "69881");
    relais_record *x = NULL;
    assert_int_equal(relais_store_record_find(&x, fx->s, fx->a, probe), 0);
    assert_int_equal(x->ref[RELAIS_XREF_ENTITY], t->id);
    assert_string_equal(relais_record_get(x, RELAIS_XREF_PROVENANCE), "import");
    assert_int_equal(count_active(fx, RELAIS_KIND_XREF), 3 + 1 + 2 + 2 + 3 + 3);
}

static void test_sts__reimport_changes_nothing(void **state)
{
    fixture *fx = *state;
    import_sts(fx, sample(SAMPLE_0771991W), 2018, NULL);
    int64_t before = changes_seq(fx);
    assert_int_equal(import_sts(fx, sample(SAMPLE_0771991W), 2018, NULL), 0);
    assert_int_equal(changes_seq(fx), before);
}

static void test_sts__constructed_variant_is_read(void **state)
{
    fixture *fx = *state;
    /* MEFS_APPARTENANCE/MEF after SERVICES, no LIBELLE_LONG on divisions, programmes with a
     * modality. */
    import_sts(fx, sample(SAMPLE_KLEPSYDRIX), 2026, "0750001A");
    int64_t scope = scope_of(fx, "0750001A", 2026);
    relais_record *d = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6E1", scope);
    assert_non_null(d);
    assert_string_equal(relais_record_get(d, RELAIS_DIVISION_MEFS), "10010012110");
    assert_int_equal(count_active(fx, RELAIS_KIND_PROGRAMME), 2);
    assert_int_equal(count_active(fx, RELAIS_KIND_GROUP), 2);
}

static void test_sts__dry_run_writes_nothing(void **state)
{
    fixture *fx = *state;
    relais_plan *p = NULL;
    assert_int_equal(plan_sts(&p, fx, sample(SAMPLE_0771991W), 2018, NULL), 0);
    assert_true(relais_plan_n_changes(p) > 0);
    relais_plan_free(p);
    size_t n = 0;
    assert_int_equal(relais_store_establishment_count(&n, fx->s), 0);
    assert_int_equal(n, 0);
    assert_int_equal(changes_seq(fx), 0);
}

static const char *sts_doc(fixture *fx, const char *name, const char *individus,
                           const char *divisions, const char *groupes)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_printf(&b,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<STS_EDT><PARAMETRES>"
                    "<UAJ CODE=\"0999999Y\"><DENOM_PRINC>TEST</DENOM_PRINC></UAJ>"
                    "<ANNEE_SCOLAIRE ANNEE=\"2025\"/></PARAMETRES>\n<NOMENCLATURES><MATIERES>"
                    "<MATIERE CODE=\"020700\"><CODE_GESTION>FRANC</CODE_GESTION>"
                    "<LIBELLE_LONG>FRANCAIS</LIBELLE_LONG></MATIERE></MATIERES>"
                    "<MODS_COURS><MOD_COURS CODE=\"CG\"><CO_ENS>false</CO_ENS></MOD_COURS>"
                    "</MODS_COURS></NOMENCLATURES>\n<DONNEES><INDIVIDUS>%s</INDIVIDUS>\n"
                    "<STRUCTURE><DIVISIONS>%s</DIVISIONS><GROUPES>%s</GROUPES></STRUCTURE>"
                    "<SUPPLEANTS/></DONNEES></STS_EDT>\n",
                    individus, divisions, groupes);
    const char *path = write_file(fx->dir, name, util_buf_cstr(&b));
    util_buf_free(&b);
    return path;
}

#define PERSON(id, nom)                                                                            \
    "<INDIVIDU ID=\"" id "\" TYPE=\"epp\"><SEXE>1</SEXE><NOM_USAGE>" nom                           \
    "</NOM_USAGE><NOM_PATRONYMIQUE>" nom "</NOM_PATRONYMIQUE><PRENOM>Jean</PRENOM>"                \
    "<FONCTION>ENS</FONCTION></INDIVIDU>"
#define DIVISION(code, teacher)                                                                    \
    "<DIVISION CODE=\"" code "\"><LIBELLE_LONG>" code "</LIBELLE_LONG><SERVICES>"                  \
    "<SERVICE CODE_MATIERE=\"020700\" CODE_MOD_COURS=\"CG\"><HEURES_STRUCTURE>4.00"                \
    "</HEURES_STRUCTURE><ENSEIGNANTS><ENSEIGNANT ID=\"" teacher "\" TYPE=\"epp\"/>"                \
    "</ENSEIGNANTS></SERVICE></SERVICES></DIVISION>"

/* Create a division "code" listed by SIECLE (a division record and its siecle xref). */
static void siecle_division(fixture *fx, int64_t scope, const char *code)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test siecle"), 0);
    relais_record *d = relais_record_new(fx->a, RELAIS_KIND_DIVISION);
    d->scope_id = scope;
    relais_record_set_str(d, fx->a, RELAIS_DIVISION_CODE, code);
    relais_record_set_str(d, fx->a, RELAIS_DIVISION_CODE_CONTRAT, "S");
    relais_record *old = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, code, scope);
    int64_t ref = old ? old->id : 0;
    if (old == NULL) {
        assert_int_equal(relais_plan_create(&ref, p, d), 0);
    } else {
        relais_record *upd = relais_record_copy(fx->a, old);
        relais_record_set_str(upd, fx->a, RELAIS_DIVISION_CODE_CONTRAT, "S");
        assert_int_equal(relais_plan_update(NULL, p, old, upd, RELAIS_FG_ALL), 0);
    }
    relais_record *x = relais_record_new(fx->a, RELAIS_KIND_XREF);
    x->scope_id = scope;
    relais_record_set_str(x, fx->a, RELAIS_XREF_APPLICATION, "siecle");
    relais_record_set_str(x, fx->a, RELAIS_XREF_CATEGORY, "division");
    relais_record_set_str(x, fx->a, RELAIS_XREF_EXTERNAL_ID, code);
    relais_record_set_str(x, fx->a, RELAIS_XREF_PROVENANCE, "import");
    x->ref[RELAIS_XREF_ENTITY] = ref;
    int64_t xref;
    assert_int_equal(relais_plan_create(&xref, p, x), 0);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
}

static void test_sts__absent_objects_are_deactivated_then_restored(void **state)
{
    fixture *fx = *state;
    const char *full = sts_doc(fx, "full.xml", PERSON("1", "DURAND") PERSON("2", "PETIT"),
                               DIVISION("6A", "1") DIVISION("6B", "2") DIVISION("6C", "2"), "");
    import_sts(fx, full, 2025, NULL);
    int64_t scope = scope_of(fx, "0999999Y", 2025);
    /* 6B is also in SIECLE: it stays active when STS-Web drops it. */
    siecle_division(fx, scope, "6B");
    relais_record *d6b = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6B", scope);
    int64_t id6c = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6C", scope)->id;
    assert_string_equal(relais_record_get(d6b, RELAIS_DIVISION_CODE_CONTRAT), "S");

    const char *less = sts_doc(fx, "less.xml", PERSON("1", "DURAND"), DIVISION("6A", "1"), "");
    assert_true(import_sts(fx, less, 2025, NULL) > 0);
    assert_int_equal(count_active(fx, RELAIS_KIND_STAFF), 1);
    assert_int_equal(count_inactive(fx, RELAIS_KIND_STAFF), 1);
    assert_int_equal(count_active(fx, RELAIS_KIND_SERVICE), 1);
    assert_int_equal(count_inactive(fx, RELAIS_KIND_SERVICE), 2);
    relais_record *r6b = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6B", scope);
    relais_record *r6c = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6C", scope);
    assert_true(r6b->is_active);  /* SIECLE still lists it */
    assert_false(r6c->is_active); /* nobody lists it any more */
    assert_string_equal(r6c->deactivated_on, "2025-10-01");
    /* The field STS-Web does not carry survived its updates. */
    assert_string_equal(relais_record_get(r6b, RELAIS_DIVISION_CODE_CONTRAT), "S");

    /* Listed again: restored with the same ids. */
    assert_true(import_sts(fx, full, 2025, NULL) > 0);
    r6c = find_by(fx, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, "6C", scope);
    assert_true(r6c->is_active);
    assert_int_equal(r6c->id, id6c);
    assert_int_equal(count_active(fx, RELAIS_KIND_STAFF), 2);
    assert_int_equal(count_inactive(fx, RELAIS_KIND_STAFF), 0);
    assert_int_equal(import_sts(fx, full, 2025, NULL), 0);
}

static void test_sts__references_are_checked(void **state)
{
    fixture *fx = *state;
    const char *doc = sts_doc(
        fx, "refs.xml", PERSON("1", "DURAND") PERSON("1", "DOUBLE"),
        DIVISION("6A", "99") "<DIVISION CODE=\"6B\"><SERVICES><SERVICE CODE_MATIERE=\"999999\" "
                             "CODE_MOD_COURS=\"CG\"/><SERVICE CODE_MATIERE=\"020700\"/></SERVICES>"
                             "</DIVISION>",
        "<GROUPE CODE=\"G1\"><DIVISIONS_APPARTENANCE><DIVISION_APPARTENANCE CODE=\"6A\"/>"
        "<DIVISION_APPARTENANCE CODE=\"6Z\"/></DIVISIONS_APPARTENANCE><SERVICES/></GROUPE>");
    relais_plan *p = NULL;
    assert_int_equal(plan_sts(&p, fx, doc, 2025, NULL), 0);
    /* Unknown teacher, unknown subject, incomplete service, duplicate, unknown division. */
    assert_int_equal(relais_plan_n_warnings(p, RELAIS_SEVERITY_ERROR), 1);
    assert_int_equal(relais_plan_n_warnings(p, RELAIS_SEVERITY_WARNING), 4);
    assert_int_equal(
        relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_STAFF, RELAIS_COUNT_CREATED), 1);
    assert_int_equal(relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_GROUP_DIVISION,
                                         RELAIS_COUNT_CREATED),
                     1);
    assert_int_equal(relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_SERVICE_TEACHER,
                                         RELAIS_COUNT_CREATED),
                     0);
    relais_plan_free(p);
}

/* Every refusal: an error code, a message naming the place, nothing planned or written. */
static void expect_refused(fixture *fx, const char *path, int year, const char *uai, int want,
                           const char *in_message)
{
    relais_plan *p = NULL;
    int64_t seq = changes_seq(fx);
    int rc = plan_sts(&p, fx, path, year, uai);
    if (rc != want) {
        fail_msg("rc %d (want %d): %s", rc, want, relais_error_last());
    }
    if (strstr(relais_error_last(), in_message) == NULL) {
        fail_msg("message « %s » lacks « %s »", relais_error_last(), in_message);
    }
    relais_plan_free(p);
    assert_int_equal(changes_seq(fx), seq);
}

static void test_sts__timetable_upload_is_the_wrong_direction(void **state)
{
    expect_refused(*state, sample(SAMPLE_EDT_CASE8), 2018, NULL, RELAIS_EINVALID,
                   "relais import timetable");
}

static void test_sts__malformed_xml_names_file_and_line(void **state)
{
    fixture *fx = *state;
    const char *path = write_file(fx->dir, "sts_emp_0999999Y_2025.xml",
                                  "<?xml version=\"1.0\"?>\n<STS_EDT>\n<PARAMETRES>\n"
                                  "<UAJ CODE=\"0999999Y\"/>\n</STS_EDT>\n");
    expect_refused(fx, path, 2025, NULL, RELAIS_EINVALID, "sts_emp_0999999Y_2025.xml:5");
}

static void test_sts__truncated_file_is_refused(void **state)
{
    fixture *fx = *state;
    import_sts(fx, sample(SAMPLE_0771991W), 2018, NULL);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(util_file_read(&data, &len, sample(SAMPLE_0771991W)), 0);
    data[len * 2 / 3] = '\0';
    const char *path = write_file(fx->dir, "cut.xml", data);
    util_free(data);
    expect_refused(fx, path, 2018, NULL, RELAIS_EINVALID, "cut.xml");
    assert_int_equal(count_active(fx, RELAIS_KIND_STAFF), 3);
}

static void test_sts__doctype_and_entities_are_refused(void **state)
{
    fixture *fx = *state;
    const char *path =
        write_file(fx->dir, "laughs.xml",
                   "<?xml version=\"1.0\"?>\n<!DOCTYPE STS_EDT [<!ENTITY a \"aaaaaaaaaa\">"
                   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<STS_EDT>&b;</STS_EDT>\n");
    expect_refused(fx, path, 2025, NULL, RELAIS_EINVALID, "laughs.xml");
}

static void test_sts__other_year_is_refused(void **state)
{
    expect_refused(*state, sample(SAMPLE_0771991W), 2019, NULL, RELAIS_EREFUSED, "2018-2019");
}

static void test_sts__other_establishment_is_refused(void **state)
{
    expect_refused(*state, sample(SAMPLE_0771991W), 2018, "0750001A", RELAIS_EREFUSED, "0771991W");
}

static void test_sts__renamed_file_is_refused(void **state)
{
    fixture *fx = *state;
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(util_file_read(&data, &len, sample(SAMPLE_0771991W)), 0);
    const char *path = test_path_join(fx->dir, "sts_emp_0750001A_2018.xml");
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    util_free(data);
    expect_refused(fx, path, 2018, NULL, RELAIS_EREFUSED, "0750001A");
}

static void test_sts__unknown_establishment_needs_uai(void **state)
{
    fixture *fx = *state;
    import_sts(fx, sample(SAMPLE_KLEPSYDRIX), 2026, NULL);
    expect_refused(fx, sample(SAMPLE_0771991W), 2018, NULL, RELAIS_EREFUSED, "--uai 0771991W");
    assert_true(import_sts(fx, sample(SAMPLE_0771991W), 2018, "0771991w") > 0);
}

static void test_sts__missing_parameters_are_refused(void **state)
{
    fixture *fx = *state;
    const char *no_year = write_file(fx->dir, "noyear.xml",
                                     "<STS_EDT><PARAMETRES><UAJ CODE=\"0999999Y\"/></PARAMETRES>"
                                     "</STS_EDT>");
    expect_refused(fx, no_year, 2025, NULL, RELAIS_EINVALID, "ANNEE_SCOLAIRE");
    const char *bad_uai = write_file(fx->dir, "baduai.xml",
                                     "<STS_EDT><PARAMETRES><UAJ CODE=\"99\"/><ANNEE_SCOLAIRE "
                                     "ANNEE=\"2025\"/></PARAMETRES></STS_EDT>");
    expect_refused(fx, bad_uai, 2025, NULL, RELAIS_EINVALID, "UAI invalide");
    const char *other = write_file(fx->dir, "other.xml", "<BEE_ELEVES/>");
    expect_refused(fx, other, 2025, NULL, RELAIS_EINVALID, "BEE_ELEVES");
    expect_refused(fx, test_path_join(fx->dir, "absent.xml"), 2025, NULL, RELAIS_ENOTFOUND,
                   "absent.xml");
}

static void test_sts__values_are_normalised(void **state)
{
    (void)state;
    char buf[16];
    assert_true(sts_decimal_norm(buf, sizeof buf, "2,50"));
    assert_string_equal(buf, "2.50");
    assert_true(sts_decimal_norm(buf, sizeof buf, "18"));
    assert_false(sts_decimal_norm(buf, sizeof buf, "1.2.3"));
    assert_false(sts_decimal_norm(buf, sizeof buf, "-1"));
    assert_false(sts_decimal_norm(buf, sizeof buf, ".5"));
    assert_string_equal(sts_bool_norm("true"), "1");
    assert_string_equal(sts_bool_norm("FALSE"), "0");
    assert_null(sts_bool_norm("peut-être"));
    char iso[11];
    assert_true(sts_date_norm(iso, "23/04/1978"));
    assert_string_equal(iso, "1978-04-23");
    assert_false(sts_date_norm(iso, "1978-02-30"));
    assert_true(sts_uai_valid("0771991W"));
    assert_false(sts_uai_valid("0771991"));
    assert_false(sts_uai_valid("077199AW"));
}

static void test_sts__allocation_failures_are_clean(void **state)
{
    fixture *fx = *state;
    for (long n = 0; n < 4000; n += 3) {
        relais_plan *p = NULL;
        util_alloc_fail_after(n);
        int rc = relais_plan_new(&p, fx->s, "import sts");
        if (rc == 0) {
            sts_import_options o = STS_IMPORT_OPTIONS_INIT;
            o.path = sample(SAMPLE_0771991W);
            o.year = 2018;
            sts_import_info info;
            rc = sts_import_plan(&info, p, fx->s, &o);
        }
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == RELAIS_ENOMEM || rc == RELAIS_EINVALID || rc == RELAIS_EDB);
        relais_plan_free(p);
        if (rc == 0 && n > 0) {
            break;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sts__sample_is_imported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__reimport_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__constructed_variant_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__dry_run_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__absent_objects_are_deactivated_then_restored,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__references_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__timetable_upload_is_the_wrong_direction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sts__malformed_xml_names_file_and_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sts__truncated_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__doctype_and_entities_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sts__other_year_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__other_establishment_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__renamed_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__unknown_establishment_needs_uai, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sts__missing_parameters_are_refused, setup, teardown),
        cmocka_unit_test(test_sts__values_are_normalised),
        cmocka_unit_test_setup_teardown(test_sts__allocation_failures_are_clean, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
