/*
 * test_siecle.c — the SIECLE importer: its scratch storage (protos, id
 * tables), a whole import of the samples through the library (counters,
 * joins, idempotence, deactivation and restoration), progress, and every
 * allocation failing in turn during an import.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siecle/internal.h"
#include "siecle/siecle.h"
#include "util/util.h"

static void test_siecle__id_tables(void **state)
{
    (void)state;
    kvarr k = {0};
    for (int64_t i = 5000; i > 0; i--) {
        assert_int_equal(kvarr_push(&k, i * 7, i), 0);
    }
    assert_int_equal(kvarr_push(&k, 21, 99), 0); /* a second pair for key 21 */
    kvarr_sort(&k);
    kv64 *e = kvarr_find(&k, 21);
    assert_non_null(e);
    assert_int_equal(e->val, 3);
    assert_int_equal((e + 1)->key, 21);
    assert_int_equal((e + 1)->val, 99);
    assert_null(kvarr_find(&k, 22));
    assert_null(kvarr_find(&k, 0));
    kvarr_free(&k);

    idbits *b;
    assert_int_equal(idbits_new(&b), 0);
    int64_t ids[] = {1, 63, 64, 65535, 65536, 1000000, 123456789012LL};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(ids); i++) {
        assert_false(idbits_has(b, ids[i]));
        assert_int_equal(idbits_set(b, ids[i]), 0);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(ids); i++) {
        assert_true(idbits_has(b, ids[i]));
    }
    assert_false(idbits_has(b, 2));
    assert_false(idbits_has(b, 65537));
    assert_false(idbits_has(b, -5));
    assert_false(idbits_has(NULL, 1));
    idbits_free(b);

    int64_t p1, p2;
    assert_true(siecle_ine_pack("000000001AA", 11, &p1));
    assert_true(siecle_ine_pack("000000001aa", 11, &p2));
    assert_int_equal(p1, p2);
    assert_true(siecle_ine_pack("ZZZZZZZZZZZ", 11, &p2));
    assert_true(p2 > 0);
    assert_false(siecle_ine_pack("000000001A", 10, &p1));
    assert_false(siecle_ine_pack("00000000-1A", 11, &p1));
    int64_t id;
    assert_true(siecle_id_parse("900001", 6, &id));
    assert_int_equal(id, 900001);
    assert_false(siecle_id_parse("90A001", 6, &id));
    assert_false(siecle_id_parse("", 0, &id));
    assert_false(siecle_id_parse("1234567890123456789", 19, &id));
}

static void test_siecle__protos_round_trip(void **state)
{
    (void)state;
    stmp *t;
    assert_int_equal(stmp_new(&t), 0);
    proto_builder b;
    memset(&b, 0, sizeof b);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    uint64_t off_500 = 0;
    /* 3,000 records of ~1 KB: beyond the 1 MiB kept in memory, so the file is used. */
    for (int i = 0; i < 3000; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i);
        pb_begin(&b, P_STUDENT, (unsigned long)i + 1);
        pb_set(&b, RELAIS_STUDENT_ELEVE_ID, id, strlen(id), true);
        pb_set(&b, RELAIS_STUDENT_NOM_DE_FAMILLE, big, strlen(big), true);
        pb_set(&b, RELAIS_STUDENT_PRENOM, "Zoé", strlen("Zoé"), true);
        pb_set(&b, RELAIS_STUDENT_PRENOM, "Léa", strlen("Léa"), false); /* kept: Zoé */
        if (i % 2) {
            pb_keep(&b, RELAIS_STUDENT_DATE_NAISS);
        }
        uint64_t off;
        assert_int_equal(pb_end(&b, t, &off), 0);
        if (i == 500) {
            off_500 = off;
        }
    }
    seg s = {0, stmp_size(t)};
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    assert_int_equal(preader_open(&rd, t, s), 0);
    int n = 0, rc;
    while ((rc = preader_next(&rd, &p)) > 0) {
        char id[16];
        snprintf(id, sizeof id, "%d", n);
        assert_int_equal(p.type, P_STUDENT);
        assert_int_equal(p.line, (uint32_t)n + 1);
        assert_string_equal(p.v[RELAIS_STUDENT_ELEVE_ID], id);
        assert_string_equal(p.v[RELAIS_STUDENT_PRENOM], "Zoé");
        assert_int_equal(p.len[RELAIS_STUDENT_NOM_DE_FAMILLE], strlen(big));
        assert_int_equal(p.n_keep, (unsigned)(n % 2));
        n++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 3000);
    preader_close(&rd);
    util_buf scratch = UTIL_BUF_INIT;
    assert_int_equal(proto_read_at(&p, &scratch, t, off_500), 0);
    assert_string_equal(p.v[RELAIS_STUDENT_ELEVE_ID], "500");
    util_buf_free(&scratch);
    pb_free(&b);
    stmp_free(t);
}

/* ---------------------------------------------------------------- imports */

static relais_store *new_hub(const char *name, int year)
{
    relais_store *s;
    const char *path = test_path_join(test_tmpdir(name), "hub.db");
    assert_int_equal(relais_store_open(&s, path, RELAIS_STORE_CREATE), 0);
    char y[8];
    snprintf(y, sizeof y, "%d", year);
    assert_int_equal(relais_store_begin(s), 0);
    assert_int_equal(relais_store_setting_set(s, "current_year", y), 0);
    assert_int_equal(relais_store_commit(s), 0);
    return s;
}

static const char *sample(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, sizeof paths[0], "%s", test_source_path(name));
    return p;
}

static size_t total(relais_plan *p, relais_kind k, relais_count c)
{
    return relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, k, c);
}

typedef struct progress_seen {
    int reads, plans;
} progress_seen;

static void on_progress(siecle_phase phase, const char *file, uint64_t done, uint64_t total_,
                        void *payload)
{
    (void)file;
    (void)done;
    (void)total_;
    progress_seen *ps = payload;
    if (phase == SIECLE_PHASE_READ) {
        ps->reads++;
    } else {
        ps->plans++;
    }
}

static void test_siecle__import_samples(void **state)
{
    (void)state;
    setenv("RELAIS_TODAY", "2025-10-01", 1);
    relais_store *s = new_hub("siecle_samples", 2024);
    const char *paths[] = {sample("tests/data/samples/siecle/constructed_ElevesAvecAdresses.xml"),
                           sample("tests/data/samples/siecle/constructed_ResponsablesAvecAdresses.xml"),
                           sample("tests/data/samples/siecle/constructed_Structures.xml")};
    siecle_options o = SIECLE_OPTIONS_INIT;
    progress_seen ps = {0, 0};
    o.progress = on_progress;
    o.progress_payload = &ps;
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, s, "import siecle"), 0);
    assert_int_equal(siecle_plan_import(p, s, paths, 3, &o), 0);
    assert_int_equal(total(p, RELAIS_KIND_STUDENT, RELAIS_COUNT_CREATED), 3);
    assert_int_equal(total(p, RELAIS_KIND_GUARDIAN, RELAIS_COUNT_CREATED), 4);
    assert_int_equal(total(p, RELAIS_KIND_STUDENT_GUARDIAN, RELAIS_COUNT_CREATED), 4);
    assert_int_equal(total(p, RELAIS_KIND_ENROLMENT, RELAIS_COUNT_CREATED), 3);
    assert_int_equal(total(p, RELAIS_KIND_STUDENT_OPTION, RELAIS_COUNT_CREATED), 2);
    assert_int_equal(total(p, RELAIS_KIND_DIVISION, RELAIS_COUNT_CREATED), 2);
    assert_int_equal(total(p, RELAIS_KIND_GROUP_DIVISION, RELAIS_COUNT_CREATED), 2);
    assert_int_equal(relais_plan_n_warnings(p, RELAIS_SEVERITY_ERROR), 0);
    assert_true(ps.reads >= 3);
    assert_true(ps.plans >= 1);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);

    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, s, a, "0999999Z", 2024), 0);
    relais_record *probe = relais_record_new(a, RELAIS_KIND_STUDENT), *r;
    probe->scope_id = sc->id;
    probe->text[RELAIS_STUDENT_ELEVE_ID] = "900001";
    assert_int_equal(relais_store_record_find(&r, s, a, probe), 0);
    assert_string_equal(r->text[RELAIS_STUDENT_PRENOM], "Zoé");
    assert_string_equal(r->text[RELAIS_STUDENT_DATE_NAISS], "2011-02-03");
    assert_string_equal(r->text[RELAIS_STUDENT_LIGNE1_ADRESSE], "2 RUE DE L'EXEMPLE");
    assert_string_equal(r->text[RELAIS_STUDENT_PREV_CODE_STRUCTURE], "4 B");
    assert_true(r->is_active);
    int64_t zoe = r->id;
    probe->text[RELAIS_STUDENT_ELEVE_ID] = "900002"; /* left on 20/09/2024 */
    assert_int_equal(relais_store_record_find(&r, s, a, probe), 0);
    assert_false(r->is_active);
    assert_string_equal(r->deactivated_on, "2024-09-20");

    /* Again: nothing changes. */
    assert_int_equal(relais_plan_new(&p, s, "import siecle"), 0);
    assert_int_equal(siecle_plan_import(p, s, paths, 3, NULL), 0);
    assert_int_equal(relais_plan_n_changes(p), 0);
    assert_int_equal(total(p, RELAIS_KIND_STUDENT, RELAIS_COUNT_UNCHANGED), 3);
    relais_plan_free(p);

    /* Only Structures and Responsables: students are neither touched nor deactivated. */
    assert_int_equal(relais_plan_new(&p, s, "import siecle"), 0);
    assert_int_equal(siecle_plan_import(p, s, paths + 1, 2, NULL), 0);
    assert_int_equal(relais_plan_n_changes(p), 0);
    assert_false(relais_plan_kind_used(p, RELAIS_KIND_STUDENT));
    relais_plan_free(p);

    /* Zoé's record keeps its id whatever happens. */
    probe->text[RELAIS_STUDENT_ELEVE_ID] = "900001";
    assert_int_equal(relais_store_record_find(&r, s, a, probe), 0);
    assert_int_equal(r->id, zoe);
    util_arena_free(a);
    relais_store_close(s);
}

static void test_siecle__refusal_before_planning(void **state)
{
    (void)state;
    relais_store *s = new_hub("siecle_refusal", 2025);
    const char *paths[] = {sample("tests/data/samples/siecle/constructed_ElevesAvecAdresses.xml")};
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, s, "import siecle"), 0);
    assert_int_equal(siecle_plan_import(p, s, paths, 1, NULL), RELAIS_EREFUSED);
    assert_non_null(strstr(relais_error_last(), "ANNEE_SCOLAIRE"));
    assert_int_equal(relais_plan_n_changes(p), 0);
    relais_plan_free(p);
    relais_store_close(s);
}

static void test_siecle__allocation_failures_are_clean(void **state)
{
    (void)state;
    setenv("RELAIS_TODAY", "2025-10-01", 1);
    relais_store *s = new_hub("siecle_alloc", 2024);
    const char *paths[] = {sample("tests/data/samples/siecle/constructed_ElevesAvecAdresses.xml"),
                           sample("tests/data/samples/siecle/constructed_ResponsablesAvecAdresses.xml"),
                           sample("tests/data/samples/siecle/constructed_Structures.xml")};
    /* Fail each allocation in turn: an error, never a crash or a leak (ASan run). */
    bool succeeded = false;
    long last = 0;
    for (long n = 0; n < 20000 && !succeeded; n += n < 2000 ? 1 : 7) {
        last = n;
        relais_plan *p = NULL;
        int rc = relais_plan_new(&p, s, "import siecle");
        siecle_options o = SIECLE_OPTIONS_INIT;
        o.threads = 1; /* the failure counter is not shared between threads */
        if (rc == 0) {
            util_alloc_fail_after(n);
            rc = siecle_plan_import(p, s, paths, 3, &o);
            util_alloc_fail_after(-1);
        }
        assert_true(rc == 0 || rc == RELAIS_ENOMEM);
        succeeded = rc == 0;
        relais_plan_free(p);
    }
    assert_true(succeeded);
    print_message("allocation failures: import succeeded once %ld allocations were allowed\n",
                  last);
    relais_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siecle__id_tables),
        cmocka_unit_test(test_siecle__protos_round_trip),
        cmocka_unit_test(test_siecle__import_samples),
        cmocka_unit_test(test_siecle__refusal_before_planning),
        cmocka_unit_test(test_siecle__allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
