/*
 * test_change.c — the change layer: plans, dry run, apply, idempotence,
 * rollback on failure, deactivate/restore keeping ids, stale plans refused,
 * allocation failures.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/util.h"

typedef struct fixture {
    relais_store *s;
    util_arena *a;
    const char *path;
} fixture;

static int setup(void **state)
{
    static fixture fx;
    fx.path = test_path_join(test_tmpdir("change"), "hub.db");
    assert_int_equal(relais_store_open(&fx.s, fx.path, RELAIS_STORE_CREATE), 0);
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

typedef struct person {
    const char *id, *nom, *prenom;
} person;

typedef struct absent_ctx {
    relais_plan *p;
    util_idset *seen;
    const char *date;
} absent_ctx;

/* Deactivate the stored students the incoming list did not mention. */
static int deactivate_absent(const relais_record *r, void *payload)
{
    absent_ctx *c = payload;
    if (!util_idset_has(c->seen, r->id)) {
        return relais_plan_deactivate(c->p, r, c->date);
    }
    return 0;
}

/*
 * The importer of these tests: a full list of students; builds the plan that
 * brings the hub in line (create, update identity, deactivate absent ones).
 */
static relais_plan *plan_students(fixture *fx, const person *people, size_t n, const char *date)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test import"), 0);
    relais_scope_spec spec = {.uai = "0999999Z", .year = 2025};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    util_idset *seen;
    assert_int_equal(util_idset_new(&seen), 0);
    for (size_t i = 0; i < n; i++) {
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = scope;
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, people[i].id);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, people[i].nom);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_PRENOM, people[i].prenom);
        relais_record *old = NULL;
        int rc = scope > 0 ? relais_store_record_find(&old, fx->s, fx->a, r) : RELAIS_ENOTFOUND;
        if (rc == RELAIS_ENOTFOUND) {
            int64_t ref;
            assert_int_equal(relais_plan_create(&ref, p, r), 0);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(relais_plan_update(NULL, p, old, r, RELAIS_FG_IDENTITY), 0);
            util_idset_add(seen, old->id);
        }
    }
    if (scope > 0) {
        absent_ctx c = {p, seen, date};
        assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_STUDENT, scope,
                                                     RELAIS_ACTIVE, deactivate_absent, &c),
                         0);
    }
    util_idset_free(seen);
    return p;
}

static const person class_a[] = {
    {"1001", "DUPONT", "Jean"}, {"1002", "MARTIN", "Zoé"}, {"1003", "LŒUF", "Chloë"}};

static size_t count(relais_plan *p, relais_count c)
{
    return relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_STUDENT, c);
}

static int64_t id_of(fixture *fx, const char *eleve_id)
{
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999999Z", 2025), 0);
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
    probe->scope_id = sc->id;
    relais_record_set_str(probe, fx->a, RELAIS_STUDENT_ELEVE_ID, eleve_id);
    relais_record *r;
    assert_int_equal(relais_store_record_find(&r, fx->s, fx->a, probe), 0);
    return r->is_active ? r->id : -r->id;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_change__dry_run_writes_nothing_then_apply(void **state)
{
    fixture *fx = *state;
    int64_t seq0;
    assert_int_equal(relais_store_change_last_seq(&seq0, fx->s), 0);
    long size0 = file_size(fx->path);
    relais_plan *p = plan_students(fx, class_a, 3, NULL);
    assert_int_equal(count(p, RELAIS_COUNT_CREATED), 3);
    assert_int_equal(relais_plan_n_changes(p), 3 + 2); /* + establishment and year */
    relais_plan_scope_info info;
    relais_plan_scope_get(&info, p, 0);
    assert_true(info.creates_establishment);
    relais_plan_free(p); /* the dry run: rendered, never applied */
    int64_t seq1;
    assert_int_equal(relais_store_change_last_seq(&seq1, fx->s), 0);
    assert_int_equal(seq0, seq1);
    assert_int_equal(file_size(fx->path), size0);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999999Z", 2025), RELAIS_ENOTFOUND);

    p = plan_students(fx, class_a, 3, NULL);
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
    assert_true(id_of(fx, "1001") > 0);
}

static void test_change__same_input_twice_changes_nothing(void **state)
{
    fixture *fx = *state;
    relais_plan *p = plan_students(fx, class_a, 3, NULL);
    assert_int_equal(count(p, RELAIS_COUNT_UNCHANGED), 3);
    assert_int_equal(relais_plan_n_changes(p), 0);
    int64_t seq0, seq1;
    relais_store_change_last_seq(&seq0, fx->s);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    relais_store_change_last_seq(&seq1, fx->s);
    assert_int_equal(seq0, seq1);
}

typedef struct op_seen {
    int n;
    char text[256];
} op_seen;

static int see_op(const relais_plan_op *op, void *payload)
{
    op_seen *s = payload;
    s->n++;
    if (op->n_changes) {
        snprintf(s->text, sizeof s->text, "%s:%s:%s->%s", op->label, op->changes[0].field,
                 op->changes[0].old_value, op->changes[0].new_value);
    }
    return 0;
}

static void test_change__update_deactivate_restore_keep_ids(void **state)
{
    fixture *fx = *state;
    int64_t zoe = id_of(fx, "1002"), chloe = id_of(fx, "1003");
    /* Zoé changes first name; Chloë leaves. */
    const person next[] = {{"1001", "DUPONT", "Jean"}, {"1002", "MARTIN", "Zoe"}};
    relais_plan *p = plan_students(fx, next, 2, "2025-10-15");
    assert_int_equal(count(p, RELAIS_COUNT_UPDATED), 1);
    assert_int_equal(count(p, RELAIS_COUNT_DEACTIVATED), 1);
    assert_int_equal(count(p, RELAIS_COUNT_UNCHANGED), 1);
    op_seen seen = {0};
    assert_int_equal(relais_plan_foreach_op(p, see_op, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.text, "MARTIN Zoé (eleve_id 1002):prenom:Zoé->Zoe");
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    assert_int_equal(id_of(fx, "1002"), zoe);
    assert_int_equal(id_of(fx, "1003"), -chloe); /* inactive, same id */
    relais_record *r;
    assert_int_equal(relais_store_record_get(&r, fx->s, fx->a, RELAIS_KIND_STUDENT, chloe), 0);
    assert_false(r->is_active);
    assert_string_equal(r->deactivated_on, "2025-10-15");

    /* Chloë comes back: restored with the same id. */
    p = plan_students(fx, class_a, 3, "2025-11-01");
    assert_int_equal(count(p, RELAIS_COUNT_RESTORED), 1);
    assert_int_equal(count(p, RELAIS_COUNT_UPDATED), 1); /* Zoé back to Zoé */
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    assert_int_equal(id_of(fx, "1003"), chloe);
}

static void test_change__failure_midway_rolls_back(void **state)
{
    fixture *fx = *state;
    int64_t seq0;
    relais_store_change_last_seq(&seq0, fx->s);
    size_t active0;
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999999Z", 2025), 0);
    relais_store_record_count(&active0, NULL, fx->s, RELAIS_KIND_STUDENT, sc->id);
    /* Two creations of the same key: the second fails at apply time. */
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    for (int i = 0; i < 2; i++) {
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = sc->id;
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, "2000");
        int64_t ref;
        assert_int_equal(relais_plan_create(&ref, p, r), 0);
    }
    assert_int_equal(relais_plan_apply(NULL, p), RELAIS_ECONFLICT);
    assert_non_null(strstr(relais_error_last(), "2000"));
    relais_plan_free(p);
    int64_t seq1;
    relais_store_change_last_seq(&seq1, fx->s);
    assert_int_equal(seq0, seq1);
    size_t active1;
    relais_store_record_count(&active1, NULL, fx->s, RELAIS_KIND_STUDENT, sc->id);
    assert_int_equal(active0, active1);
    assert_false(relais_store_in_transaction(fx->s));
}

static void test_change__stale_plan_is_refused(void **state)
{
    fixture *fx = *state;
    const person next[] = {{"1001", "DUPONT", "Jean-Marc"}};
    relais_plan *stale = plan_students(fx, next, 1, "2025-12-01");
    relais_plan *other = plan_students(fx, next, 1, "2025-12-01");
    assert_int_equal(relais_plan_apply(NULL, other), 0);
    relais_plan_free(other);
    assert_int_equal(relais_plan_apply(NULL, stale), RELAIS_ECONFLICT);
    relais_plan_free(stale);
}

static int count_warnings(const relais_warning *w, void *payload)
{
    int *n = payload;
    (*n)++;
    assert_string_equal(w->code, "TEST");
    assert_int_equal(w->line, 42);
    return 0;
}

static void test_change__warnings_and_counters(void **state)
{
    fixture *fx = *state;
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    relais_scope_spec spec = {.uai = "0999999Z", .year = 2025};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(relais_plan_warnf(p, RELAIS_SEVERITY_WARNING, "TEST", "f.xml", 42,
                                           RELAIS_KIND_STUDENT, "ELEVE_ID 1", "élève %d", i),
                         0);
    }
    assert_int_equal(relais_plan_count(p, scope, RELAIS_KIND_STUDENT, RELAIS_COUNT_IGNORED, 7), 0);
    int n = 0;
    assert_int_equal(relais_plan_foreach_warning(p, count_warnings, &n), 0);
    assert_int_equal(n, 1000);
    assert_int_equal(relais_plan_n_warnings(p, RELAIS_SEVERITY_WARNING), 1000);
    char *json = relais_plan_summary_json(p, RELAIS_PLAN_ALL_SCOPES);
    assert_string_equal(json, "{\"student\":{\"created\":0,\"updated\":0,\"unchanged\":0,"
                              "\"deactivated\":0,\"restored\":0,\"ignored\":7}}");
    util_free(json);
    relais_plan_free(p);
}


/*
 * Students who already left: created inactive; kept inactive without restore; deactivated once.
 * The plain calls ignore is_active (records copied from a stored inactive one are restored).
 */
static void test_change__inactive_creation_and_update(void **state)
{
    fixture *fx = *state;
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999999Z", 2025), 0);
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
    r->scope_id = sc->id;
    relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, "3001");
    relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, "PARTI");
    int64_t ref;
    relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, "3002");
    assert_int_equal(relais_plan_create_inactive(&ref, p, r, "31/02/2025"), RELAIS_EINVALID);
    assert_int_equal(relais_plan_create_inactive(&ref, p, r, NULL), RELAIS_EINVALID);
    relais_plan_free(p);
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, "3001");
    assert_int_equal(relais_plan_create_inactive(&ref, p, r, "20/09/2025"), 0);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    int64_t id = id_of(fx, "3001");
    assert_true(id < 0); /* inactive */
    relais_record *old;
    assert_int_equal(relais_store_record_get(&old, fx->s, fx->a, RELAIS_KIND_STUDENT, -id), 0);
    assert_string_equal(old->deactivated_on, "2025-09-20");

    /* Seen again, still gone, name corrected: updated, not restored. */
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, "PARTIE");
    bool changed;
    assert_int_equal(relais_plan_update_inactive(&changed, p, old, r, RELAIS_FG_ALL, "2025-09-20"),
                     0);
    assert_true(changed);
    assert_int_equal(count(p, RELAIS_COUNT_UPDATED), 1);
    assert_int_equal(count(p, RELAIS_COUNT_RESTORED), 0);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    assert_int_equal(id_of(fx, "3001"), id);
    /* The plain update of a copy of the inactive record restores it (is_active not read). */
    assert_int_equal(relais_store_record_get(&old, fx->s, fx->a, RELAIS_KIND_STUDENT, -id), 0);
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    assert_int_equal(relais_plan_update(&changed, p, old, relais_record_copy(fx->a, old),
                                        RELAIS_FG_ALL),
                     0);
    assert_int_equal(count(p, RELAIS_COUNT_RESTORED), 1);
    relais_plan_free(p);

    /* An active record that must end inactive: updated and deactivated, counted once. */
    int64_t jean = id_of(fx, "1001");
    assert_true(jean > 0);
    assert_int_equal(relais_store_record_get(&old, fx->s, fx->a, RELAIS_KIND_STUDENT, jean), 0);
    relais_record *in = relais_record_copy(fx->a, old);
    relais_record_set_str(in, fx->a, RELAIS_STUDENT_PRENOM, "Jeanne");
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    assert_int_equal(relais_plan_update_inactive(&changed, p, old, in, RELAIS_FG_ALL, "2025-10-01"),
                     0);
    assert_int_equal(count(p, RELAIS_COUNT_DEACTIVATED), 1);
    assert_int_equal(count(p, RELAIS_COUNT_UPDATED), 0);
    assert_int_equal(relais_plan_n_changes(p), 2);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    assert_int_equal(relais_store_record_get(&old, fx->s, fx->a, RELAIS_KIND_STUDENT, old->id), 0);
    assert_false(old->is_active);
    assert_string_equal(old->text[RELAIS_STUDENT_PRENOM], "Jeanne");
}

/* Thousands of creations referring to each other: written in batches, ids consecutive. */
static void test_change__batched_creations(void **state)
{
    fixture *fx = *state;
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test"), 0);
    relais_scope_spec spec = {.uai = "0999998X", .year = 2025};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    enum { N = 1500 };
    for (int i = 0; i < N; i++) {
        util_arena_reset(fx->a);
        char id[16];
        snprintf(id, sizeof id, "%d", 50000 + i);
        relais_record *st = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        st->scope_id = scope;
        relais_record_set_str(st, fx->a, RELAIS_STUDENT_ELEVE_ID, id);
        int64_t sref, xref;
        assert_int_equal(relais_plan_create(&sref, p, st), 0);
        relais_record *x = relais_record_new(fx->a, RELAIS_KIND_XREF);
        x->scope_id = scope;
        relais_record_set_str(x, fx->a, RELAIS_XREF_APPLICATION, "siecle");
        relais_record_set_str(x, fx->a, RELAIS_XREF_CATEGORY, "student");
        relais_record_set_str(x, fx->a, RELAIS_XREF_EXTERNAL_ID, id);
        x->ref[RELAIS_XREF_ENTITY] = sref;
        assert_int_equal(relais_plan_create(&xref, p, x), 0);
    }
    int64_t run;
    assert_int_equal(relais_plan_apply(&run, p), 0);
    relais_plan_free(p);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999998X", 2025), 0);
    size_t active;
    assert_int_equal(relais_store_record_count(&active, NULL, fx->s, RELAIS_KIND_XREF, sc->id), 0);
    assert_int_equal(active, N);
    /* Every crosswalk entry points at the student of its id. */
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_XREF), *x, *st;
    probe->scope_id = sc->id;
    probe->text[RELAIS_XREF_APPLICATION] = "siecle";
    probe->text[RELAIS_XREF_CATEGORY] = "student";
    probe->text[RELAIS_XREF_EXTERNAL_ID] = "51234";
    assert_int_equal(relais_store_record_find(&x, fx->s, fx->a, probe), 0);
    assert_int_equal(relais_store_record_get(&st, fx->s, fx->a, RELAIS_KIND_STUDENT,
                                             x->ref[RELAIS_XREF_ENTITY]),
                     0);
    assert_string_equal(st->text[RELAIS_STUDENT_ELEVE_ID], "51234");
    assert_int_equal(x->id, st->id + 1);
}

/* Students and their crosswalk entries in chunks; each chunk's entries point at the
 * students of the chunk before, across publishes. */
static void plan_chunk(fixture *fx, relais_plan *p, int64_t scope, int chunk, int n,
                       int64_t *refs)
{
    for (int i = 0; i < n; i++) {
        util_arena_reset(fx->a);
        char id[16];
        snprintf(id, sizeof id, "%d", 70000 + chunk * n + i);
        relais_record *st = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        st->scope_id = scope;
        relais_record_set_str(st, fx->a, RELAIS_STUDENT_ELEVE_ID, id);
        int64_t sref, xref;
        assert_int_equal(relais_plan_create(&sref, p, st), 0);
        if (chunk > 0) {
            snprintf(id, sizeof id, "%d", 70000 + (chunk - 1) * n + i);
            relais_record *x = relais_record_new(fx->a, RELAIS_KIND_XREF);
            x->scope_id = scope;
            relais_record_set_str(x, fx->a, RELAIS_XREF_APPLICATION, "siecle");
            relais_record_set_str(x, fx->a, RELAIS_XREF_CATEGORY, "student");
            relais_record_set_str(x, fx->a, RELAIS_XREF_EXTERNAL_ID, id);
            x->ref[RELAIS_XREF_ENTITY] = refs[i];
            assert_int_equal(relais_plan_create(&xref, p, x), 0);
        }
        refs[i] = sref;
    }
}

/* A plan for one new establishment, with its writer on the second connection. */
static relais_plan_writer *start_writer(fixture *fx, relais_store *conn, const char *uai,
                                        const char *command, relais_plan **p, int64_t *scope)
{
    assert_int_equal(relais_plan_new(p, fx->s, command), 0);
    relais_scope_spec spec = {.uai = uai, .year = 2025};
    assert_int_equal(relais_plan_scope(scope, *p, &spec), 0);
    relais_plan_writer *w;
    assert_int_equal(relais_plan_writer_start(&w, *p, conn), 0);
    return w;
}

static void test_change__writer_applies_while_planning(void **state)
{
    fixture *fx = *state;
    relais_store *conn;
    assert_int_equal(relais_store_open(&conn, fx->path, 0), 0);
    relais_plan *p;
    int64_t scope;
    relais_plan_writer *w = start_writer(fx, conn, "0999997W", "test pipeline", &p, &scope);
    enum { N = 700, CHUNKS = 4 };
    static int64_t refs[N];
    for (int c = 0; c < CHUNKS; c++) {
        plan_chunk(fx, p, scope, c, N, refs);
        assert_int_equal(relais_plan_publish(p), 0);
    }
    /* Scopes are final once the writer has started on them. */
    relais_scope_spec late = {.uai = "0999996V", .year = 2025};
    int64_t late_ref;
    assert_int_equal(relais_plan_scope(&late_ref, p, &late), RELAIS_EINVALID);
    int64_t run = 0;
    assert_int_equal(relais_plan_writer_finish(w, &run), 0);
    assert_true(run > 0);
    relais_plan_writer_free(w);
    relais_plan_free(p);
    relais_store_close(conn);

    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999997W", 2025), 0);
    size_t students, xrefs;
    assert_int_equal(relais_store_record_count(&students, NULL, fx->s, RELAIS_KIND_STUDENT, sc->id), 0);
    assert_int_equal(relais_store_record_count(&xrefs, NULL, fx->s, RELAIS_KIND_XREF, sc->id), 0);
    assert_int_equal(students, N * CHUNKS);
    assert_int_equal(xrefs, N * (CHUNKS - 1));
    /* An entry written in the last chunk points at its student of the chunk before. */
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_XREF), *x, *st;
    probe->scope_id = sc->id;
    probe->text[RELAIS_XREF_APPLICATION] = "siecle";
    probe->text[RELAIS_XREF_CATEGORY] = "student";
    probe->text[RELAIS_XREF_EXTERNAL_ID] = "71405"; /* chunk 2, student 5 */
    assert_int_equal(relais_store_record_find(&x, fx->s, fx->a, probe), 0);
    assert_int_equal(relais_store_record_get(&st, fx->s, fx->a, RELAIS_KIND_STUDENT,
                                             x->ref[RELAIS_XREF_ENTITY]),
                     0);
    assert_string_equal(st->text[RELAIS_STUDENT_ELEVE_ID], "71405");
}

static void test_change__writer_writes_nothing_unless_finished(void **state)
{
    fixture *fx = *state;
    int64_t seq0, seq1;
    assert_int_equal(relais_store_change_last_seq(&seq0, fx->s), 0);
    relais_store *conn;
    assert_int_equal(relais_store_open(&conn, fx->path, 0), 0);
    static int64_t refs[300];

    /* Abandoned after two publishes (a refused import, thresholds exceeded). */
    relais_plan *p;
    int64_t scope;
    relais_plan_writer *w = start_writer(fx, conn, "0999995U", "test abandoned", &p, &scope);
    for (int c = 0; c < 2; c++) {
        plan_chunk(fx, p, scope, c, 300, refs);
        assert_int_equal(relais_plan_publish(p), 0);
    }
    relais_plan_writer_free(w);
    relais_plan_free(p);
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, "0999995U", 2025),
                     RELAIS_ENOTFOUND);
    assert_int_equal(relais_store_change_last_seq(&seq1, fx->s), 0);
    assert_int_equal(seq0, seq1);

    /* The writer fails (the same student created twice, in two publishes): the planner
     * hears of it, nothing is written. */
    w = start_writer(fx, conn, "0999995U", "test duplicate", &p, &scope);
    int rc = 0;
    for (int c = 0; c < 2 && rc == 0; c++) {
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = scope;
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, "2000");
        int64_t ref;
        assert_int_equal(relais_plan_create(&ref, p, r), 0);
        rc = relais_plan_publish(p);
    }
    if (rc == 0) {
        rc = relais_plan_writer_finish(w, NULL);
    }
    assert_int_equal(rc, RELAIS_ECONFLICT);
    assert_non_null(strstr(relais_error_last(), "2000"));
    relais_plan_free(p); /* frees the writer */
    assert_int_equal(relais_store_change_last_seq(&seq1, fx->s), 0);
    assert_int_equal(seq0, seq1);

    /* A plan made before another run was applied is refused by its writer too. */
    const person next[] = {{"1001", "DUPONT", "Jean-Pierre"}};
    relais_plan *stale = plan_students(fx, next, 1, "2025-12-01");
    relais_plan *other = plan_students(fx, next, 1, "2025-12-01");
    assert_int_equal(relais_plan_apply(NULL, other), 0);
    relais_plan_free(other);
    assert_int_equal(relais_plan_writer_start(&w, stale, conn), 0);
    rc = relais_plan_publish(stale);
    if (rc == 0) {
        rc = relais_plan_writer_finish(w, NULL);
    }
    assert_int_equal(rc, RELAIS_ECONFLICT);
    relais_plan_writer_free(w);
    relais_plan_free(stale);
    assert_false(relais_store_in_transaction(conn));
    relais_store_close(conn);
}

static void test_change__allocation_failures_are_clean(void **state)
{
    fixture *fx = *state;
    /* Fail each allocation of plan building in turn: an error, never a crash or a leak. */
    for (long n = 0; n < 400; n++) {
        util_alloc_fail_after(n);
        relais_plan *p = NULL;
        int rc = relais_plan_new(&p, fx->s, "test");
        if (rc == 0) {
            relais_scope_spec spec = {.uai = "0999999Y", .year = 2025};
            int64_t scope;
            rc = relais_plan_scope(&scope, p, &spec);
            for (int i = 0; i < 20 && rc == 0; i++) {
                relais_warning w = {RELAIS_SEVERITY_INFO, "X", "f", 1, -1, NULL, "m"};
                rc = relais_plan_warn(p, &w);
            }
        }
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == RELAIS_ENOMEM || rc == RELAIS_EDB);
        relais_plan_free(p);
    }
}

/* ------------------------------------------- safety: thresholds, quarantine, revert */

#define SAFE_UAI "0888888Y"

static int setup_safety(void **state)
{
    static fixture fx;
    fx.path = test_path_join(test_tmpdir("change-safety"), "hub.db");
    assert_int_equal(relais_store_open(&fx.s, fx.path, RELAIS_STORE_CREATE), 0);
    assert_int_equal(util_arena_new(&fx.a, 0), 0);
    *state = &fx;
    return 0;
}

/*
 * Students n° first..last (eleve_id 5000 + i, surname "NOM<i><suffix>") are the
 * whole list: the others are deactivated.
 */
static relais_plan *plan_range(fixture *fx, int first, int last, const char *suffix)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test import"), 0);
    relais_scope_spec spec = {.uai = SAFE_UAI, .year = 2025};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    util_idset *seen;
    assert_int_equal(util_idset_new(&seen), 0);
    for (int i = first; i <= last; i++) {
        util_arena_reset(fx->a);
        char id[16], nom[32];
        snprintf(id, sizeof id, "%d", 5000 + i);
        snprintf(nom, sizeof nom, "NOM%d%s", i, suffix);
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = scope;
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, id);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, nom);
        relais_record *old = NULL;
        int rc = scope > 0 ? relais_store_record_find(&old, fx->s, fx->a, r) : RELAIS_ENOTFOUND;
        if (rc == RELAIS_ENOTFOUND) {
            int64_t ref;
            assert_int_equal(relais_plan_create(&ref, p, r), 0);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(relais_plan_update(NULL, p, old, r, RELAIS_FG_ALL), 0);
            util_idset_add(seen, old->id);
        }
    }
    if (scope > 0) {
        absent_ctx c = {p, seen, "2025-10-20"};
        assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_STUDENT, scope,
                                                     RELAIS_ACTIVE, deactivate_absent, &c),
                         0);
    }
    util_idset_free(seen);
    return p;
}

static size_t active_students(fixture *fx)
{
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, SAFE_UAI, 2025), 0);
    size_t n;
    assert_int_equal(relais_store_record_count(&n, NULL, fx->s, RELAIS_KIND_STUDENT, sc->id), 0);
    return n;
}

static size_t breaches(relais_plan *p)
{
    relais_breach *b;
    size_t n;
    assert_int_equal(relais_plan_check(&b, &n, p), 0);
    util_free(b);
    return n;
}

static void test_change__thresholds(void **state)
{
    fixture *fx = *state;
    relais_plan *p = plan_range(fx, 1, 50, "");
    assert_int_equal(breaches(p), 0); /* a new establishment: nothing to deactivate */
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    /* 5 of 50 = 10 %: allowed; 6 = 12 %: over the default. */
    p = plan_range(fx, 1, 45, "");
    assert_int_equal(breaches(p), 0);
    relais_plan_free(p);
    p = plan_range(fx, 1, 44, "");
    relais_breach *b;
    size_t n;
    assert_int_equal(relais_plan_check(&b, &n, p), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].kind, RELAIS_KIND_STUDENT);
    assert_int_equal(b[0].deactivated, 6);
    assert_int_equal(b[0].active, 50);
    assert_int_equal(b[0].max_percent, RELAIS_THRESHOLD_DEFAULT_PERCENT);
    assert_string_equal(b[0].uai, SAFE_UAI);
    util_free(b);
    /* Configured for this establishment: 20 % passes; a count of 3 does not. */
    relais_establishment *e;
    assert_int_equal(relais_store_establishment_find(&e, fx->s, fx->a, SAFE_UAI), 0);
    int64_t etab = e->id;
    assert_int_equal(relais_store_threshold_set(fx->s, etab, RELAIS_KIND_STUDENT, 20, -1), 0);
    assert_int_equal(breaches(p), 0);
    assert_int_equal(relais_store_threshold_set(fx->s, 0, RELAIS_KIND_STUDENT, -1, 3), 0);
    assert_int_equal(breaches(p), 0); /* the establishment's own row wins */
    assert_int_equal(relais_store_threshold_delete(fx->s, etab, RELAIS_KIND_STUDENT), 0);
    assert_int_equal(breaches(p), 1); /* now the row for every establishment: 6 > 3 */
    assert_int_equal(relais_store_threshold_delete(fx->s, 0, RELAIS_KIND_STUDENT), 0);
    relais_plan_free(p);
}

static void test_change__quarantine_then_approve(void **state)
{
    fixture *fx = *state;
    int64_t seq0;
    assert_int_equal(relais_store_change_last_seq(&seq0, fx->s), 0);
    relais_plan *p = plan_range(fx, 1, 30, "");
    relais_breach *b;
    size_t n;
    assert_int_equal(relais_plan_check(&b, &n, p), 0);
    assert_int_equal(n, 1);
    int64_t run;
    assert_int_equal(relais_plan_quarantine(&run, p, b, n), 0);
    util_free(b);
    relais_plan_free(p);
    /* Nothing applied, nothing in the journal; the run says why. */
    int64_t seq1;
    assert_int_equal(relais_store_change_last_seq(&seq1, fx->s), 0);
    assert_int_equal(seq0, seq1);
    assert_int_equal(active_students(fx), 50);
    relais_run *r;
    assert_int_equal(relais_store_run_get(&r, fx->s, fx->a, run), 0);
    assert_string_equal(r->status, "quarantined");
    assert_non_null(strstr(r->reason, "\"deactivated\":20"));
    /* The kept plan is the same plan. */
    relais_plan *kept;
    assert_int_equal(relais_run_plan_load(&kept, fx->s, run), 0);
    assert_int_equal(relais_plan_counter(kept, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_STUDENT,
                                         RELAIS_COUNT_DEACTIVATED),
                     20);
    assert_int_equal(relais_plan_n_changes(kept), 20);
    relais_plan_free(kept);
    /* Loading survives allocation failures cleanly. */
    for (long k = 0; k < 60; k++) {
        util_alloc_fail_after(k);
        relais_plan *q = NULL;
        int rc = relais_run_plan_load(&q, fx->s, run);
        util_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == RELAIS_ENOMEM || rc == RELAIS_EDB || rc == RELAIS_EIO);
        relais_plan_free(q);
    }
    /* Approved: applied under the same run number. */
    assert_int_equal(relais_run_approve(fx->s, run), 0);
    assert_int_equal(active_students(fx), 30);
    assert_int_equal(relais_store_run_get(&r, fx->s, fx->a, run), 0);
    assert_string_equal(r->status, "applied");
    assert_non_null(r->approved_at);
    size_t nc;
    assert_int_equal(relais_store_run_change_count(&nc, fx->s, run), 0);
    assert_int_equal(nc, 20);
    assert_int_equal(relais_run_approve(fx->s, run), RELAIS_ECONFLICT);
    assert_int_equal(relais_run_plan_load(&kept, fx->s, run), RELAIS_ENOTFOUND);
}

static void test_change__stale_quarantine_is_refused(void **state)
{
    fixture *fx = *state;
    relais_plan *p = plan_range(fx, 1, 10, "");
    relais_breach *b;
    size_t n;
    assert_int_equal(relais_plan_check(&b, &n, p), 0);
    assert_int_equal(n, 1);
    int64_t run;
    assert_int_equal(relais_plan_quarantine(&run, p, b, n), 0);
    util_free(b);
    relais_plan_free(p);
    /* Another run changes the establishment: the kept plan is out of date. */
    p = plan_range(fx, 1, 30, "-X");
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    assert_int_equal(relais_run_approve(fx->s, run), RELAIS_ECONFLICT);
    assert_non_null(strstr(relais_error_last(), SAFE_UAI));
    relais_run *r;
    assert_int_equal(relais_store_run_get(&r, fx->s, fx->a, run), 0);
    assert_string_equal(r->status, "quarantined");
    assert_int_equal(active_students(fx), 30);
}

typedef struct warn_codes {
    int conflicts;
} warn_codes;

static int see_warning(const relais_warning *w, void *payload)
{
    warn_codes *c = payload;
    c->conflicts += strcmp(w->code, "REVERT_CONFLIT") == 0;
    return 0;
}

static const char *surname(fixture *fx, int i)
{
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, SAFE_UAI, 2025), 0);
    relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
    probe->scope_id = sc->id;
    char id[16];
    snprintf(id, sizeof id, "%d", 5000 + i);
    relais_record_set_str(probe, fx->a, RELAIS_STUDENT_ELEVE_ID, id);
    relais_record *r;
    assert_int_equal(relais_store_record_find(&r, fx->s, fx->a, probe), 0);
    return r->is_active ? r->text[RELAIS_STUDENT_NOM_DE_FAMILLE] : NULL;
}

static void test_change__revert(void **state)
{
    fixture *fx = *state;
    /*
     * Now 30 students "NOM<i>-X" active, 31-50 inactive. One run keeps 1-27 as
     * "-Y"; the next renames them "-Z" and brings 28-32 back.
     */
    relais_plan *p = plan_range(fx, 1, 27, "-Y");
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
    int64_t bad;
    p = plan_range(fx, 1, 32, "-Z");
    assert_int_equal(relais_plan_apply(&bad, p), 0);
    relais_plan_free(p);
    assert_string_equal(surname(fx, 1), "NOM1-Z");
    assert_string_equal(surname(fx, 31), "NOM31-Z");
    /* A later run changes student 2 again: its name must survive the revert. */
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, fx->s, fx->a, SAFE_UAI, 2025), 0);
    assert_int_equal(relais_plan_new(&p, fx->s, "manual"), 0);
    relais_record *cur = NULL;
    {
        relais_record *probe = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        probe->scope_id = sc->id;
        relais_record_set_str(probe, fx->a, RELAIS_STUDENT_ELEVE_ID, "5002");
        assert_int_equal(relais_store_record_find(&cur, fx->s, fx->a, probe), 0);
        relais_record *next = relais_record_copy(fx->a, cur);
        relais_record_set_str(next, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, "CORRIGE");
        assert_int_equal(relais_plan_update(NULL, p, cur, next, RELAIS_FG_ALL), 0);
    }
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);

    relais_plan *rev;
    assert_int_equal(relais_run_revert_plan(&rev, fx->s, bad), 0);
    assert_int_equal(relais_plan_reverts(rev), bad);

    assert_int_equal(relais_plan_counter(rev, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_STUDENT,
                                         RELAIS_COUNT_DEACTIVATED),
                     5); /* 28-32, which the run had restored (with new names) */
    assert_int_equal(relais_plan_counter(rev, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_STUDENT,
                                         RELAIS_COUNT_UPDATED),
                     27 - 1 + 5); /* names back, except n°2 changed since; 28-32 too */
    warn_codes wc = {0};
    assert_int_equal(relais_plan_foreach_warning(rev, see_warning, &wc), 0);
    assert_int_equal(wc.conflicts, 1);
    int64_t rev_run;
    assert_int_equal(relais_plan_apply(&rev_run, rev), 0);
    relais_plan_free(rev);
    assert_string_equal(surname(fx, 1), "NOM1-Y");
    assert_string_equal(surname(fx, 2), "CORRIGE");
    assert_null(surname(fx, 28)); /* deactivated again, as before the run */
    assert_null(surname(fx, 31));
    relais_run *r;
    assert_int_equal(relais_store_run_get(&r, fx->s, fx->a, bad), 0);
    assert_string_equal(r->status, "reverted");
    assert_int_equal(r->reverted_by, rev_run);
    assert_int_equal(relais_store_run_get(&r, fx->s, fx->a, rev_run), 0);
    assert_int_equal(r->reverts, bad);
    assert_int_equal(relais_run_revert_plan(&rev, fx->s, bad), RELAIS_ECONFLICT);
    /* A revert is a run like another: it can be reverted in turn. */
    assert_int_equal(relais_run_revert_plan(&rev, fx->s, rev_run), 0);
    assert_int_equal(relais_plan_apply(NULL, rev), 0);
    relais_plan_free(rev);
    assert_string_equal(surname(fx, 1), "NOM1-Z");
    assert_string_equal(surname(fx, 31), "NOM31-Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_change__dry_run_writes_nothing_then_apply),
        cmocka_unit_test(test_change__same_input_twice_changes_nothing),
        cmocka_unit_test(test_change__update_deactivate_restore_keep_ids),
        cmocka_unit_test(test_change__failure_midway_rolls_back),
        cmocka_unit_test(test_change__stale_plan_is_refused),
        cmocka_unit_test(test_change__warnings_and_counters),
        cmocka_unit_test(test_change__inactive_creation_and_update),
        cmocka_unit_test(test_change__batched_creations),
        cmocka_unit_test(test_change__writer_applies_while_planning),
        cmocka_unit_test(test_change__writer_writes_nothing_unless_finished),
        cmocka_unit_test(test_change__allocation_failures_are_clean),
    };
    const struct CMUnitTest safety[] = {
        cmocka_unit_test(test_change__thresholds),
        cmocka_unit_test(test_change__quarantine_then_approve),
        cmocka_unit_test(test_change__stale_quarantine_is_refused),
        cmocka_unit_test(test_change__revert),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(safety, setup_safety, teardown);
}
