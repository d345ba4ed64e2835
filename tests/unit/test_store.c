/*
 * test_store.c — the store: round trip of every kind of the model through a
 * plan and back, migrations from an older schema, refusals (newer schema,
 * foreign database, not a database), catalogue/schema agreement, journal.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int store_open_at_version(relais_store **out, const char *location, unsigned flags, int target);

static const char *db_path(const char *name)
{
    return test_path_join(test_tmpdir(name), "hub.db");
}

/* A value of the right shape for field f of kind k, distinct per (seed, field). */
static const char *sample_value(util_arena *a, const relais_field *f, int seed, size_t index)
{
    char tmp[64];
    switch (f->type) {
    case RELAIS_FT_DATE: snprintf(tmp, sizeof tmp, "20%02d-0%d-1%d", 10 + seed, 1 + (int)(index % 9), (int)(index % 10)); break;
    case RELAIS_FT_BOOL: snprintf(tmp, sizeof tmp, "%d", (int)((index + (size_t)seed) % 2)); break;
    case RELAIS_FT_INT: snprintf(tmp, sizeof tmp, "%d", 100 * seed + (int)index); break;
    case RELAIS_FT_DECIMAL: snprintf(tmp, sizeof tmp, "%d.50", seed + (int)index); break;
    default: snprintf(tmp, sizeof tmp, "0%d-%s-é œ", seed, f->name); break;
    }
    return util_arena_strdup(a, tmp);
}

/* A record of `kind` with every field set; refs point at ids in `parents` by kind. */
static relais_record *full_record(util_arena *a, relais_kind kind, int64_t scope, int seed,
                                  const int64_t parents[RELAIS_KIND_COUNT], int64_t any_ref)
{
    relais_record *r = relais_record_new(a, kind);
    assert_non_null(r);
    r->scope_id = scope;
    const relais_kind_info *ki = relais_kind_get(kind);
    for (size_t f = 0; f < ki->n_fields; f++) {
        const relais_field *fd = &ki->fields[f];
        if (fd->type == RELAIS_FT_REF) {
            r->ref[f] = fd->ref_kind >= 0 ? parents[fd->ref_kind] : any_ref;
        } else {
            assert_int_equal(relais_record_set_str(r, a, f, sample_value(a, fd, seed, f)), 0);
        }
    }
    /* An enrolment or a service refers to a division or a group, not both. */
    if (kind == RELAIS_KIND_ENROLMENT) {
        r->ref[RELAIS_ENROLMENT_GROUP] = 0;
    }
    if (kind == RELAIS_KIND_SERVICE) {
        r->ref[RELAIS_SERVICE_GROUP] = 0;
    }
    return r;
}

static void assert_same_values(const relais_record *a, const relais_record *b)
{
    const relais_kind_info *ki = relais_kind_get(a->kind);
    for (size_t f = 0; f < ki->n_fields; f++) {
        if (!relais_record_field_equal(a, b, f)) {
            fail_msg("%s.%s differs: %s / %s", ki->name, ki->fields[f].name,
                     a->text[f] ? a->text[f] : "(null)", b->text[f] ? b->text[f] : "(null)");
        }
    }
}

static void test_store__round_trip_every_kind(void **state)
{
    (void)state;
    const char *path = db_path("store_round_trip");
    relais_store *s;
    assert_int_equal(relais_store_open(&s, path, RELAIS_STORE_CREATE), 0);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);

    /* One plan creating one record of every kind, each referring to the previous ones. */
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, s, "test"), 0);
    relais_calendar cal = {"2025-09-01", "2026-07-04", "2025-08-29", "2026-07-10"};
    relais_scope_spec spec = {.uai = "0999999z", .year = 2025, .name = "COLLEGE TEST",
                              .type = "CLG", .sector = "PU", .calendar = &cal};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    assert_true(scope < 0);
    int64_t refs[RELAIS_KIND_COUNT] = {0};
    relais_record *made[RELAIS_KIND_COUNT];
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        made[k] = full_record(a, (relais_kind)k, scope, 1, refs, refs[RELAIS_KIND_STUDENT]);
        assert_int_equal(relais_plan_create(&refs[k], p, made[k]), 0);
        assert_true(refs[k] < 0);
    }
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);

    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, s, a, "0999999Z", 2025), 0);
    assert_string_equal(sc->calendar.student_end, "2026-07-04");
    relais_establishment *e;
    assert_int_equal(relais_store_establishment_find(&e, s, a, "0999999Z"), 0);
    assert_string_equal(e->name, "COLLEGE TEST");

    /* Read each back by key (resolving refs through the created ids) and compare. */
    int64_t ids[RELAIS_KIND_COUNT] = {0};
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        relais_record *probe = full_record(a, (relais_kind)k, sc->id, 1, ids, ids[RELAIS_KIND_STUDENT]);
        relais_record *got;
        assert_int_equal(relais_store_record_find(&got, s, a, probe), 0);
        assert_true(got->is_active);
        assert_int_equal(got->scope_id, sc->id);
        assert_same_values(probe, got);
        ids[k] = got->id;
        relais_record *by_id;
        assert_int_equal(relais_store_record_get(&by_id, s, a, (relais_kind)k, got->id), 0);
        assert_same_values(got, by_id);
        relais_kind kind;
        assert_int_equal(relais_store_entity_kind(&kind, s, got->id), 0);
        assert_int_equal(kind, k);
        size_t active, inactive;
        assert_int_equal(relais_store_record_count(&active, &inactive, s, (relais_kind)k, sc->id), 0);
        assert_int_equal(active, 1);
        assert_int_equal(inactive, 0);
        bool any = false;
        assert_int_equal(relais_store_record_any(&any, s, (relais_kind)k, sc->id), 0);
        assert_true(any);
        assert_int_equal(relais_store_record_any(&any, s, (relais_kind)k, sc->id + 1000), 0);
        assert_false(any); /* no such scope */
    }
    /* Ids are global: all different. */
    for (int k = 1; k < RELAIS_KIND_COUNT; k++) {
        assert_true(ids[k] > ids[k - 1]);
    }
    relais_run *r;
    assert_int_equal(relais_store_run_last(&r, s, a, sc->id), 0);
    assert_int_equal(r->id, run);
    assert_string_equal(r->status, "applied");
    util_arena_free(a);
    relais_store_close(s);
}

static int count_changes(const relais_change *c, void *payload)
{
    size_t *n = payload;
    (*n)++;
    assert_true(c->seq > 0);
    return 0;
}

static void test_store__migrates_an_older_schema(void **state)
{
    (void)state;
    const char *path = db_path("store_migrate");
    relais_store *s;
    assert_int_equal(store_open_at_version(&s, path, RELAIS_STORE_CREATE, 1), 0);
    assert_int_equal(relais_store_schema_version(s), 1);
    assert_int_equal(relais_store_begin(s), 0);
    assert_int_equal(relais_store_setting_set(s, "current_year", "2024"), 0);
    int64_t etab;
    assert_int_equal(relais_store_establishment_insert(&etab, s, "0999999Z", "ANCIEN", NULL, NULL), 0);
    assert_int_equal(relais_store_commit(s), 0);
    relais_store_close(s);

    /* Without permission to migrate: refused, nothing changed. */
    assert_int_equal(relais_store_open(&s, path, RELAIS_STORE_NO_MIGRATE), RELAIS_ECONFLICT);
    assert_null(s);

    assert_int_equal(relais_store_open(&s, path, 0), 0);
    assert_int_equal(relais_store_schema_version_at_open(s), 1);
    assert_int_equal(relais_store_schema_version(s), relais_store_schema_latest());
    int year;
    assert_int_equal(relais_store_current_year(&year, s), 0);
    assert_int_equal(year, 2024);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    relais_establishment *e;
    assert_int_equal(relais_store_establishment_find(&e, s, a, "0999999Z"), 0);
    assert_string_equal(e->name, "ANCIEN");
    util_arena_free(a);
    relais_store_close(s);
}

static void set_user_version(const char *path, int v)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_store__refuses_what_it_cannot_use(void **state)
{
    (void)state;
    const char *dir = test_tmpdir("store_refuse");
    relais_store *s = NULL;
    /* Missing without CREATE. */
    assert_int_equal(relais_store_open(&s, test_path_join(dir, "none.db"), 0), RELAIS_ENOTFOUND);
    assert_non_null(strstr(relais_error_last(), "relais init"));
    /* A newer schema than this program. */
    const char *newer = test_path_join(dir, "newer.db");
    assert_int_equal(relais_store_open(&s, newer, RELAIS_STORE_CREATE), 0);
    relais_store_close(s);
    set_user_version(newer, 999);
    assert_int_equal(relais_store_open(&s, newer, 0), RELAIS_EDB);
    assert_non_null(strstr(relais_error_last(), "v999"));
    /* Someone else's SQLite database. */
    const char *foreign = test_path_join(dir, "foreign.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(foreign, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(relais_store_open(&s, foreign, 0), RELAIS_EDB);
    /* Not a database at all. */
    const char *junk = test_path_join(dir, "junk.db");
    FILE *f = fopen(junk, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++) {
        fputc(i * 7 + 3, f);
    }
    fclose(f);
    assert_int_equal(relais_store_open(&s, junk, 0), RELAIS_EDB);
    assert_null(s);
    /* PostgreSQL URLs are recognised and refused clearly for now. */
    assert_int_equal(relais_store_open(&s, "postgresql://localhost/relais", 0), RELAIS_EINVALID);
}

static void test_store__journal_sequence(void **state)
{
    (void)state;
    const char *path = db_path("store_journal");
    relais_store *s;
    assert_int_equal(relais_store_open(&s, path, RELAIS_STORE_CREATE), 0);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    for (int round = 0; round < 3; round++) {
        relais_plan *p;
        assert_int_equal(relais_plan_new(&p, s, "test"), 0);
        relais_scope_spec spec = {.uai = "0999999Z", .year = 2025};
        int64_t scope;
        assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
        for (int i = 0; i < 5; i++) {
            relais_record *r = relais_record_new(a, RELAIS_KIND_DIVISION);
            r->scope_id = scope;
            char code[16];
            snprintf(code, sizeof code, "%d%c", round, 'A' + i);
            relais_record_set_str(r, a, RELAIS_DIVISION_CODE, code);
            int64_t ref;
            assert_int_equal(relais_plan_create(&ref, p, r), 0);
        }
        assert_int_equal(relais_plan_apply(NULL, p), 0);
        relais_plan_free(p);
    }
    size_t n = 0;
    assert_int_equal(relais_store_change_foreach(s, 0, 0, 0, count_changes, &n), 0);
    assert_int_equal(n, 15 + 2); /* 15 divisions, 1 establishment, 1 scope */
    int64_t last;
    assert_int_equal(relais_store_change_last_seq(&last, s), 0);
    assert_int_equal(last, 17);
    n = 0;
    assert_int_equal(relais_store_change_foreach(s, 10, 0, 3, count_changes, &n), 0);
    assert_int_equal(n, 3);
    util_arena_free(a);
    relais_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__round_trip_every_kind),
        cmocka_unit_test(test_store__migrates_an_older_schema),
        cmocka_unit_test(test_store__refuses_what_it_cannot_use),
        cmocka_unit_test(test_store__journal_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
