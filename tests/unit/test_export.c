/*
 * test_export.c — the exports of the reference establishment (testhub.h):
 * identifier crosswalk and mail-merge, OneRoster package read back from its
 * zip, ELEGROUPE zip (name, Latin-9 XML, structure) with the predicted
 * report, atomic writes, and the schema validator's refusals.
 */
#include "testutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check/check.h"
#include "elegroupe/elegroupe.h"
#include "export/export.h"
#include "snapshot/snapshot.h"
#include "testhub.h"

typedef struct fixture {
    hub h;
    relais_scope *scope;
    scope_snapshot snap;
    const char *out;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    open_hub(&fx.h, "export");
    build_base(&fx.h);
    /* An ENT login for Jean only: the others still have an account to create. */
    assert_int_equal(relais_plan_new(&fx.h.p, fx.h.s, "ent"), 0);
    xref(&fx.h, "ent", "student", "jean.dupont", find(&fx.h, RELAIS_KIND_STUDENT, "1001")->id);
    commit(&fx.h);
    assert_int_equal(relais_store_scope_find(&fx.scope, fx.h.s, fx.h.a, "0999999Z", 2025), 0);
    assert_int_equal(snapshot_load(&fx.snap, fx.h.s, fx.scope), 0);
    fx.out = test_tmpdir("export_out");
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    snapshot_free(&fx->snap);
    close_hub(&fx->h);
    return 0;
}

static void read_csv(test_csv *t, const char *path, char sep)
{
    char *data;
    size_t len;
    assert_int_equal(util_file_read(&data, &len, path), 0);
    test_csv_parse(t, data, len, sep);
    util_free(data);
}

static size_t find_row(const test_csv *t, size_t col, const char *value)
{
    for (size_t r = 1; r < t->n_rows; r++) {
        if (col < t->n_cols[r] && strcmp(t->rows[r][col], value) == 0) {
            return r;
        }
    }
    fail_msg("no row with %s", value);
    return 0;
}

static void test_export__identifiants(void **state)
{
    fixture *fx = *state;
    export_result res = {0};
    assert_int_equal(export_identifiants(&res, &fx->snap, fx->out), 0);
    assert_int_equal(res.n_files, 2);
    assert_int_equal(res.n_persons, 5); /* 2 students, 2 mothers, 1 teacher */
    test_csv t;
    read_csv(&t, res.files[0].path, ';');
    assert_int_equal(t.n_rows, 6);
    size_t nom = test_csv_col(&t, "nom"), cat = test_csv_col(&t, "categorie");
    size_t agate = test_csv_col(&t, "agate"), ent = test_csv_col(&t, "ent");
    size_t classe = test_csv_col(&t, "classe"), siecle = test_csv_col(&t, "siecle_id");
    size_t r = find_row(&t, siecle, "1001");
    assert_string_equal(t.rows[r][nom], "DUPONT");
    assert_string_equal(t.rows[r][cat], "eleve");
    assert_string_equal(t.rows[r][classe], "3A");
    assert_string_equal(t.rows[r][agate], "1001");
    assert_string_equal(t.rows[r][ent], "jean.dupont");
    r = find_row(&t, siecle, "1002");
    assert_string_equal(t.rows[r][ent], "");
    r = find_row(&t, test_csv_col(&t, "sts_id"), "77");
    assert_string_equal(t.rows[r][cat], "professeur");
    test_csv_free(&t);

    read_csv(&t, res.files[1].path, ';');
    size_t app = test_csv_col(&t, "application"), etat = test_csv_col(&t, "etat");
    size_t enfants = test_csv_col(&t, "enfants"), prenom = test_csv_col(&t, "prenom");
    /* Students × {agate, ent}, guardians × {agate}: the ENT list held students only, and
     * no application holds teachers. */
    assert_int_equal(t.n_rows, 1 + 2 * 2 + 2);
    size_t to_create = 0;
    for (size_t k = 1; k < t.n_rows; k++) {
        to_create += strcmp(t.rows[k][etat], "à créer") == 0;
        if (strcmp(t.rows[k][prenom], "Marie") == 0) {
            assert_string_equal(t.rows[k][app], "agate");
            assert_string_equal(t.rows[k][enfants], "DUPONT Jean (3A)");
        }
    }
    assert_int_equal(to_create, 1); /* Zoé has no ENT login yet */
    assert_int_equal(res.n_without_identifier, 1);
    test_csv_free(&t);
}

/* Read every entry of a zip into memory: names and contents. */
typedef struct zip_content {
    char *names[16];
    char *data[16];
    size_t len[16];
    size_t n;
} zip_content;

static void read_zip(zip_content *z, const char *path)
{
    memset(z, 0, sizeof *z);
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK && z->n < 16) {
        z->names[z->n] = strdup(archive_entry_pathname(e));
        util_buf b = UTIL_BUF_INIT;
        char chunk[8192];
        la_ssize_t n;
        while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
            util_buf_append(&b, chunk, (size_t)n);
        }
        z->len[z->n] = b.len;
        z->data[z->n] = util_buf_steal(&b);
        z->n++;
    }
    archive_read_free(a);
}

static void free_zip(zip_content *z)
{
    for (size_t i = 0; i < z->n; i++) {
        free(z->names[i]);
        util_free(z->data[i]);
    }
}

static const char *zip_file(zip_content *z, const char *name, size_t *len)
{
    for (size_t i = 0; i < z->n; i++) {
        if (strcmp(z->names[i], name) == 0) {
            *len = z->len[i];
            return z->data[i];
        }
    }
    fail_msg("no %s in the zip", name);
    return NULL;
}

static void test_export__oneroster_reads_back(void **state)
{
    fixture *fx = *state;
    export_result res = {0};
    assert_int_equal(export_oneroster(&res, &fx->snap, fx->out), 0);
    assert_int_equal(res.n_files, 1);
    assert_non_null(strstr(res.files[0].path, "OneRoster_0999999Z_2025.zip"));
    zip_content z;
    read_zip(&z, res.files[0].path);
    size_t len = 0;
    test_csv t;
    const char *data = zip_file(&z, "manifest.csv", &len);
    test_csv_parse(&t, data, len, ',');
    assert_string_equal(t.rows[find_row(&t, 0, "oneroster.version")][1], "1.2");
    assert_string_equal(t.rows[find_row(&t, 0, "file.users")][1], "bulk");
    assert_string_equal(t.rows[find_row(&t, 0, "file.lineItems")][1], "absent");
    test_csv_free(&t);

    data = zip_file(&z, "users.csv", &len);
    test_csv_parse(&t, data, len, ',');
    assert_int_equal(t.n_rows, 1 + 5);
    size_t given = test_csv_col(&t, "givenName"), family = test_csv_col(&t, "familyName");
    size_t agents = test_csv_col(&t, "agentSourcedIds"), user = test_csv_col(&t, "username");
    size_t r = find_row(&t, given, "Zoé");
    assert_string_equal(t.rows[r][family], "MARTIN");
    r = find_row(&t, given, "Jean");
    assert_string_equal(t.rows[r][user], "jean.dupont");
    assert_true(strncmp(t.rows[r][agents], "user-", 5) == 0);
    char jean[64];
    snprintf(jean, sizeof jean, "%s", t.rows[r][0]);
    r = find_row(&t, given, "Marie");
    assert_string_equal(t.rows[r][agents], jean);
    test_csv_free(&t);

    data = zip_file(&z, "roles.csv", &len);
    test_csv_parse(&t, data, len, ',');
    size_t role = test_csv_col(&t, "role");
    size_t n_parent = 0, n_teacher = 0, n_student = 0;
    for (size_t k = 1; k < t.n_rows; k++) {
        n_parent += strcmp(t.rows[k][role], "parent") == 0;
        n_teacher += strcmp(t.rows[k][role], "teacher") == 0;
        n_student += strcmp(t.rows[k][role], "student") == 0;
    }
    assert_int_equal(n_parent, 2);
    assert_int_equal(n_teacher, 1);
    assert_int_equal(n_student, 2);
    test_csv_free(&t);

    data = zip_file(&z, "classes.csv", &len);
    test_csv_parse(&t, data, len, ',');
    assert_int_equal(t.n_rows, 1 + 3); /* two homerooms, one Latin class */
    size_t type = test_csv_col(&t, "classType");
    r = find_row(&t, test_csv_col(&t, "classCode"), "3LAT-020700");
    assert_string_equal(t.rows[r][type], "scheduled");
    char latin[64];
    snprintf(latin, sizeof latin, "%s", t.rows[r][0]);
    test_csv_free(&t);

    data = zip_file(&z, "enrollments.csv", &len);
    test_csv_parse(&t, data, len, ',');
    size_t cls = test_csv_col(&t, "classSourcedId"), erole = test_csv_col(&t, "role");
    size_t in_latin = 0, teachers = 0;
    for (size_t k = 1; k < t.n_rows; k++) {
        if (strcmp(t.rows[k][cls], latin) == 0) {
            in_latin++;
            teachers += strcmp(t.rows[k][erole], "teacher") == 0;
        }
    }
    assert_int_equal(in_latin, 3); /* Jean, Zoé and their teacher */
    assert_int_equal(teachers, 1);
    test_csv_free(&t);

    data = zip_file(&z, "academicSessions.csv", &len);
    test_csv_parse(&t, data, len, ',');
    assert_string_equal(t.rows[1][test_csv_col(&t, "startDate")], "2025-09-01");
    assert_string_equal(t.rows[1][test_csv_col(&t, "schoolYear")], "2026");
    test_csv_free(&t);
    free_zip(&z);
}

static void test_export__elegroupe_zip_and_report(void **state)
{
    fixture *fx = *state;
    setenv("RELAIS_NOW", "2025-10-15T16:30:00Z", 1);
    setenv("TZ", "Europe/Paris", 1);
    tzset();
    export_result res = {0};
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    elegroupe_verdict *v;
    assert_int_equal(export_elegroupe(&res, &fx->snap, fx->out, a, &v), 0);
    assert_int_equal(res.n_files, 2);
    if (strstr(res.files[0].path, "/0999999ZELEGROUPE2025251015183000.zip") == NULL) {
        fail_msg("unexpected name %s", res.files[0].path);
    }
    assert_int_equal(v->n_read, 2);
    assert_int_equal(v->n_complete, 2);
    zip_content z;
    read_zip(&z, res.files[0].path);
    assert_int_equal(z.n, 1);
    assert_string_equal(z.names[0], "0999999ZELEGROUPE2025251015183000.xml");
    size_t len;
    const char *xml = zip_file(&z, "0999999ZELEGROUPE2025251015183000.xml", &len);
    assert_non_null(strstr(xml, "encoding=\"ISO-8859-15\""));
    assert_non_null(strstr(xml, "<PRENOM>Zo\xE9</PRENOM>")); /* Latin-9 é */
    assert_non_null(strstr(xml, "<CODE_GROUPE>3LAT</CODE_GROUPE>"));
    assert_non_null(strstr(xml, "<DATE_DEBUT_GROUPE>2025-09-01</DATE_DEBUT_GROUPE>"));
    assert_non_null(strstr(xml, "<IMPORT_ELEVES VERSION=\"1.4\">"));
    free_zip(&z);
    /* Read back by our own reader: valid for the deposit, and the same links. */
    elegroupe_file *back;
    elegroupe_violation *viol;
    size_t n_viol;
    assert_int_equal(elegroupe_read_file(&back, &viol, &n_viol, a, res.files[0].path), 0);
    if (n_viol) {
        fail_msg("exported file has violations: %s %s", viol[0].element, viol[0].message);
    }
    assert_int_equal(back->n_students, 2);
    assert_string_equal(back->uai, "0999999Z");
    assert_int_equal(back->year, 2025);
    for (size_t i = 0; i < back->n_students; i++) {
        const elegroupe_student *e = &back->students[i];
        if (strcmp(e->id, "1002") == 0) {
            assert_string_equal(e->prenom, "Zoé");
            assert_int_equal(e->n_links, 1);
            assert_string_equal(e->links[0].code, "3LAT");
            assert_string_equal(e->links[0].debut, "2025-09-01");
        } else {
            assert_string_equal(e->id, "1001");
            assert_int_equal(e->n_links, 2);
        }
    }
    char *report;
    assert_int_equal(util_file_read(&report, &len, res.files[1].path), 0);
    assert_non_null(strstr(report, "Élèves lus : 2"));
    assert_non_null(strstr(report, "Rejetés : 0"));
    util_free(report);
    util_arena_free(a);
    unsetenv("RELAIS_NOW");
}

static void test_export__validator_refuses_bad_files(void **state)
{
    (void)state;
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    elegroupe_link links[] = {{"3LAT", "2025-09-01", NULL, 0},
                              {"3LAT", "01/09/2025", NULL, 0},
                              {"GROUPE-TROP-LONG", NULL, NULL, 0}};
    elegroupe_student students[] = {
        {ELEGROUPE_ID_ELEVE_ID, "1001", "DUPONT", NULL, "Jean", "", NULL, "2011-02-03", links, 3, 0},
        {ELEGROUPE_ID_ELEVE_ID, "1001", "ŁUKASZ", NULL, "Jan", NULL, NULL, "03/02/2011", links, 1, 0},
        {ELEGROUPE_ID_INE, "12345", "X", NULL, "Y", NULL, NULL, "2011-02-03", NULL, 0, 0},
    };
    elegroupe_file f = {"0999999Z", 2025, "2025-10-15", "LOGICIEL-TROP-LONG", 100000, students, 3,
                        NULL};
    elegroupe_violation *v;
    size_t n;
    assert_int_equal(elegroupe_validate(&v, &n, a, &f), 0);
    const char *expected[] = {"DATE_IMPORT", "NUM_ENVOI", "LOGICIEL", "PRENOM2", "CODE_GROUPE",
                              "DATE_DEBUT_GROUPE", "ELEVE_ID", "NOM_DE_FAMILLE", "DATE_NAISS",
                              "ID_NATIONAL", "GROUPES"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(expected); i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++) {
            found = found || strcmp(v[k].element, expected[i]) == 0;
        }
        if (!found) {
            fail_msg("no violation on %s", expected[i]);
        }
    }
    util_buf b = UTIL_BUF_INIT;
    assert_int_equal(elegroupe_write_xml(&b, &f), RELAIS_EINVALID);
    assert_int_equal(b.len, 0);
    util_buf_free(&b);
    util_arena_free(a);
}

static void test_export__write_is_atomic(void **state)
{
    fixture *fx = *state;
    /* The output "folder" is a file: nothing is written, the error names it. */
    const char *dir = test_tmpdir("export_atomic");
    const char *blocker = test_path_join(dir, "occupe");
    FILE *f = fopen(blocker, "w");
    fclose(f);
    export_result res = {0};
    assert_true(export_oneroster(&res, &fx->snap, blocker) < 0);
    assert_non_null(strstr(relais_error_last(), "occupe"));
    assert_int_equal(res.n_files, 0);
    /* A read-only folder: refused, and no temporary file left behind. */
    const char *ro = test_path_join(dir, "lecture-seule");
    mkdir(ro, 0555);
    if (access(ro, W_OK) != 0) { /* root can write anywhere: then skip this half */
        assert_true(export_identifiants(&res, &fx->snap, ro) < 0);
        DIR *d = opendir(ro);
        struct dirent *e;
        size_t n = 0;
        while ((e = readdir(d)) != NULL) {
            n += e->d_name[0] != '.';
        }
        closedir(d);
        assert_int_equal(n, 0);
    }
}

int main(void)
{
    setenv("RELAIS_TODAY", "2025-10-01", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export__identifiants),
        cmocka_unit_test(test_export__oneroster_reads_back),
        cmocka_unit_test(test_export__elegroupe_zip_and_report),
        cmocka_unit_test(test_export__validator_refuses_bad_files),
        cmocka_unit_test(test_export__write_is_atomic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
