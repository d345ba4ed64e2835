/*
 * test_feed.c — the feed protocol on a store (feed_pull): the full picture in
 * batches, implicit and explicit acknowledgements, a batch sent again until
 * acknowledged, incremental changes, changes made while the full picture is
 * being sent (the partner must end with the hub's state and never receive a
 * change twice), data categories, reverts reaching the partner, keys
 * (authentication, rotation keeping the cursor).
 *
 * A simulated partner applies every JSON batch it receives to its own copy.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "feed/feed.h"
#include "org/org.h"
#include "util/util.h"

#define UAI "0999999Z"

typedef struct fixture {
    relais_store *s;
    util_arena *a;
    int64_t org_id;
    int64_t key_id;
    char key[ORG_KEY_LEN + 1];
} fixture;

/* ----------------------------------------------------------- the importer */

typedef struct student {
    int id;
    const char *nom;
    const char *regime;
} student;

typedef struct absent_ctx {
    relais_plan *p;
    util_idset *seen;
} absent_ctx;

static int deactivate_absent(const relais_record *r, void *payload)
{
    absent_ctx *c = payload;
    return util_idset_has(c->seen, r->id) ? 0 : relais_plan_deactivate(c->p, r, "2025-10-01");
}

/* A full import of the students list; returns the run id (0 when nothing changed). */
static int64_t import(fixture *fx, const student *list, size_t n)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, fx->s, "test import"), 0);
    relais_scope_spec spec = {.uai = UAI, .year = 2025, .name = "COLLEGE TEST"};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    util_idset *seen;
    assert_int_equal(util_idset_new(&seen), 0);
    for (size_t i = 0; i < n; i++) {
        util_arena_reset(fx->a);
        relais_record *r = relais_record_new(fx->a, RELAIS_KIND_STUDENT);
        r->scope_id = scope;
        char id[16];
        snprintf(id, sizeof id, "%d", list[i].id);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_ELEVE_ID, id);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_NOM_DE_FAMILLE, list[i].nom);
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_PRENOM, "Prénom");
        relais_record_set_str(r, fx->a, RELAIS_STUDENT_CODE_REGIME, list[i].regime);
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
        absent_ctx c = {p, seen};
        assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_STUDENT, scope,
                                                     RELAIS_ACTIVE, deactivate_absent, &c),
                         0);
    }
    int64_t run = 0;
    if (relais_plan_n_changes(p) > 0) {
        assert_int_equal(relais_plan_apply(&run, p), 0);
    }
    util_idset_free(seen);
    relais_plan_free(p);
    return run;
}

static student *make_students(size_t n, const char *suffix)
{
    static student list[200];
    static char names[200][32];
    assert_true(n <= 200);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "NOM%zu%s", i, suffix);
        list[i] = (student){(int)(1000 + i), names[i], i % 2 ? "2" : "0"};
    }
    return list;
}

/* ---------------------------------------------------------------- fixture */

static int setup(void **state)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    const char *path = test_path_join(test_tmpdir("feed"), "hub.db");
    assert_int_equal(relais_store_open(&fx.s, path, RELAIS_STORE_CREATE), 0);
    assert_int_equal(relais_store_setting_set(fx.s, "current_year", "2025"), 0);
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

/* The organisation and its key, once the establishment exists. */
static void make_org(fixture *fx)
{
    char uais[1][9] = {UAI};
    assert_int_equal(org_add(&fx->org_id, fx->s, "OGEC TEST", uais, 1), 0);
    assert_int_equal(org_key_new(fx->key, &fx->key_id, fx->s, fx->org_id, 0), 0);
}

static void target(fixture *fx, feed_target *t, util_arena *a)
{
    char uais[1][9] = {UAI};
    org_auth auth;
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, fx->key, strlen(fx->key)), 0);
    assert_int_equal(feed_target_resolve(t, fx->s, a, &auth, uais, 1), 0);
}

/* --------------------------------------------------------- the partner */

typedef struct partner {
    json_t *records;  /* id (text) → fields object */
    json_t *seqs;     /* seq (text) → true: every change received */
    int64_t last_batch;
    size_t n_batches, n_items, n_dup;
    size_t n_changes; /* items from the journal (with a seq) */
} partner;

static void partner_init(partner *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->records = json_object();
    pt->seqs = json_object();
}

static void partner_free(partner *pt)
{
    json_decref(pt->records);
    json_decref(pt->seqs);
}

static void partner_apply(partner *pt, const feed_result *r)
{
    json_error_t err;
    json_t *doc = json_loadb(r->body.data, r->body.len, 0, &err);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "batch");
    assert_int_equal(json_integer_value(json_object_get(doc, "batch")), r->batch);
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(doc, "items"), i, it)
    {
        const char *op = json_string_value(json_object_get(it, "op"));
        if (strcmp(json_string_value(json_object_get(it, "kind")), "student") != 0) {
            continue;
        }
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(it, "id")));
        json_t *seq = json_object_get(it, "seq");
        if (seq) {
            char sk[24];
            snprintf(sk, sizeof sk, "%lld", (long long)json_integer_value(seq));
            if (json_object_get(pt->seqs, sk)) {
                pt->n_dup++;
            }
            json_object_set_new(pt->seqs, sk, json_true());
            pt->n_changes++;
        }
        json_t *fields = json_object_get(it, "fields");
        if (strcmp(op, "deactivate") == 0) {
            json_object_del(pt->records, id);
        } else if (strcmp(op, "full") == 0 || strcmp(op, "create") == 0 ||
                   strcmp(op, "restore") == 0) {
            json_object_set(pt->records, id, fields ? fields : json_object());
        } else {
            json_t *cur = json_object_get(pt->records, id);
            if (cur == NULL) {
                cur = json_object();
                json_object_set_new(pt->records, id, cur);
            }
            json_object_update(cur, fields);
        }
        pt->n_items++;
    }
    json_decref(doc);
    pt->n_batches++;
    pt->last_batch = r->batch;
}

/* One call of an implicit-acknowledgement partner (the response arrives whole). */
static int pull_implicit(fixture *fx, partner *pt, const feed_target *t, size_t batch)
{
    feed_pull_opts o = {.format = FEED_JSON, .batch_size = batch};
    feed_result r;
    assert_int_equal(feed_pull(&r, fx->s, t, &o), 0);
    int status = r.status;
    if (r.status == 200 && !r.up_to_date) {
        partner_apply(pt, &r);
        assert_int_equal(feed_delivered(fx->s, r.cursor_id, r.batch, r.delivery), 0);
    }
    feed_result_free(&r);
    return status;
}

/* Pull until up to date; returns the number of batches. */
static size_t sync_all(fixture *fx, partner *pt, const feed_target *t, size_t batch)
{
    size_t n = 0;
    while (pull_implicit(fx, pt, t, batch) == 200) {
        assert_true(++n < 1000);
    }
    return n;
}

typedef struct compare_ctx {
    partner *pt;
    size_t n;
} compare_ctx;

static int compare_one(const relais_record *r, void *payload)
{
    compare_ctx *c = payload;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)r->id);
    json_t *rec = json_object_get(c->pt->records, id);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "nom_de_famille")),
                        r->text[RELAIS_STUDENT_NOM_DE_FAMILLE]);
    json_t *reg = json_object_get(rec, "code_regime");
    if (reg) {
        assert_string_equal(json_string_value(reg), r->text[RELAIS_STUDENT_CODE_REGIME]);
    }
    c->n++;
    return 0;
}

/* The partner's students are exactly the hub's active students. */
static void assert_same(fixture *fx, partner *pt, const feed_target *t)
{
    compare_ctx c = {pt, 0};
    assert_int_equal(relais_store_record_foreach(fx->s, RELAIS_KIND_STUDENT, t->scope_ids[0],
                                                 RELAIS_ACTIVE, compare_one, &c),
                     0);
    assert_int_equal(c.n, json_object_size(pt->records));
    assert_int_equal(pt->n_dup, 0);
}

/* ------------------------------------------------------------------ tests */

static void test_feed__full_picture_then_up_to_date(void **state)
{
    fixture *fx = *state;
    import(fx, make_students(25, ""), 25);
    make_org(fx);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    partner pt;
    partner_init(&pt);
    assert_int_equal(sync_all(fx, &pt, &t, 10), 3); /* 10 + 10 + 5 */
    assert_int_equal(pt.n_items, 25);
    assert_same(fx, &pt, &t);
    /* Up to date: 204, then 200 with an explicit status when asked. */
    feed_pull_opts o = {.format = FEED_XML, .batch_size = 10};
    feed_result r;
    assert_int_equal(feed_pull(&r, fx->s, &t, &o), 0);
    assert_int_equal(r.status, 204);
    assert_true(r.up_to_date);
    assert_int_equal(r.batch, 3);
    assert_int_equal(r.poll_minutes, 60);
    assert_int_equal(r.body.len, 0);
    feed_result_free(&r);
    o.up_to_date_body = true;
    assert_int_equal(feed_pull(&r, fx->s, &t, &o), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(util_buf_cstr(&r.body), "status=\"up-to-date\""));
    feed_result_free(&r);
    partner_free(&pt);
    util_arena_free(a);
}

static void test_feed__batch_sent_again_until_acknowledged(void **state)
{
    fixture *fx = *state;
    import(fx, make_students(25, ""), 25);
    make_org(fx);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    feed_pull_opts o = {.format = FEED_JSON, .batch_size = 10};
    feed_result r1, r2, r3;
    /* Implicit: the first response was cut (never marked delivered) → same batch again. */
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), 0);
    assert_int_equal(r1.batch, 1);
    assert_int_equal(feed_pull(&r2, fx->s, &t, &o), 0);
    assert_int_equal(r2.batch, 1);
    assert_int_equal(r2.delivery, 2);
    assert_int_equal(r2.n_items, r1.n_items);
    assert_int_equal(r1.body.len, r2.body.len);
    assert_memory_equal(r1.body.data, r2.body.data, r1.body.len);
    /* A delivery that is not the latest does not acknowledge. */
    assert_int_equal(feed_delivered(fx->s, r1.cursor_id, 1, 1), 0);
    assert_int_equal(feed_pull(&r3, fx->s, &t, &o), 0);
    assert_int_equal(r3.batch, 1);
    assert_int_equal(r3.delivery, 3);
    feed_result_free(&r1);
    feed_result_free(&r2);
    feed_result_free(&r3);
    /* Explicit: ack of an older batch → resend; ack of the batch → next; unknown → refused. */
    o.has_ack = true;
    o.ack = 0;
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), 0);
    assert_int_equal(r1.batch, 1);
    o.ack = 1;
    assert_int_equal(feed_pull(&r2, fx->s, &t, &o), 0);
    assert_int_equal(r2.batch, 2);
    assert_true(r2.more);
    /* The response to ack=1 is lost: the partner sends ack=1 again, gets batch 2 again. */
    assert_int_equal(feed_pull(&r3, fx->s, &t, &o), 0);
    assert_int_equal(r3.batch, 2);
    assert_int_equal(r3.body.len, r2.body.len);
    feed_result_free(&r1);
    feed_result_free(&r2);
    feed_result_free(&r3);
    o.ack = 9;
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), RELAIS_EINVALID);
    o.ack = 2;
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), 0);
    assert_int_equal(r1.batch, 3);
    assert_int_equal(r1.n_items, 5);
    assert_false(r1.more);
    feed_result_free(&r1);
    o.ack = 3;
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), 0);
    assert_int_equal(r1.status, 204);
    feed_result_free(&r1);
    /* Acknowledging the last batch again is harmless. */
    assert_int_equal(feed_pull(&r1, fx->s, &t, &o), 0);
    assert_int_equal(r1.status, 204);
    feed_result_free(&r1);
    util_arena_free(a);
}

static void test_feed__incremental_changes(void **state)
{
    fixture *fx = *state;
    student *list = make_students(20, "");
    import(fx, list, 20);
    make_org(fx);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    partner pt;
    partner_init(&pt);
    sync_all(fx, &pt, &t, 50);
    /* 2 renamed, 1 regime changed, the last 2 gone, 1 new. */
    student next[19];
    memcpy(next, list, 18 * sizeof *next);
    next[0].nom = "RENOMME0";
    next[1].nom = "RENOMME1";
    next[2].regime = "4";
    next[18] = (student){5000, "NOUVEAU", "0"};
    import(fx, next, 19);
    size_t before = pt.n_items;
    assert_int_equal(sync_all(fx, &pt, &t, 2), 3); /* 6 changes by 2 */
    assert_int_equal(pt.n_items - before, 6);
    assert_same(fx, &pt, &t);
    partner_free(&pt);
    util_arena_free(a);
}

static void test_feed__changes_during_the_full_picture(void **state)
{
    fixture *fx = *state;
    student *list = make_students(60, "");
    student copy[60];
    memcpy(copy, list, sizeof copy);
    import(fx, copy, 60);
    make_org(fx);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    partner pt;
    partner_init(&pt);
    /* Two pages of 10, then the hub changes: records already sent, records not yet sent. */
    assert_int_equal(pull_implicit(fx, &pt, &t, 10), 200);
    assert_int_equal(pull_implicit(fx, &pt, &t, 10), 200);
    copy[3].nom = "AVANT";     /* in an acknowledged page */
    copy[45].nom = "APRES";    /* not sent yet */
    copy[50].regime = "4";
    student more[61];
    memcpy(more, copy, 58 * sizeof *more); /* drop 58, 59 (not sent yet) */
    more[58] = (student){7000, "CREE", "0"};
    import(fx, more, 59);
    /* One more page, then a change to a record of the pending page. */
    assert_int_equal(pull_implicit(fx, &pt, &t, 10), 200);
    more[25].nom = "PENDANT";
    import(fx, more, 59);
    sync_all(fx, &pt, &t, 10);
    assert_same(fx, &pt, &t);
    /*
     * Only the changes the pages had not shown come from the journal: the rename
     * of 3 (its page was read before) and of 25 (its page was read before that
     * import); the rest was already in the pages read afterwards.
     */
    assert_int_equal(pt.n_changes, 2);
    /* And later changes still arrive exactly once. */
    more[45].nom = "ENCORE";
    import(fx, more, 58);
    sync_all(fx, &pt, &t, 10);
    assert_same(fx, &pt, &t);
    assert_int_equal(pt.n_changes, 4);
    partner_free(&pt);
    util_arena_free(a);
}

static void test_feed__categories(void **state)
{
    fixture *fx = *state;
    import(fx, make_students(5, ""), 5);
    make_org(fx);
    relais_organisation *org;
    assert_int_equal(relais_store_org_get(&org, fx->s, fx->a, fx->org_id), 0);
    relais_organisation o = *org;
    o.categories = "civilite,classe";
    assert_int_equal(relais_store_org_update(fx->s, &o), 0);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    feed_pull_opts po = {.format = FEED_XML, .batch_size = 100};
    feed_result r;
    assert_int_equal(feed_pull(&r, fx->s, &t, &po), 0);
    assert_int_equal(r.n_items, 5);
    assert_null(strstr(util_buf_cstr(&r.body), "code_regime"));
    assert_non_null(strstr(util_buf_cstr(&r.body), "<nom_de_famille>NOM0</nom_de_famille>"));
    assert_int_equal(feed_delivered(fx->s, r.cursor_id, r.batch, r.delivery), 0);
    feed_result_free(&r);
    assert_int_equal(feed_pull(&r, fx->s, &t, &po), 0);
    assert_int_equal(r.status, 204);
    feed_result_free(&r);
    /* A change of régime only is no news to this partner. */
    student *list = make_students(5, "");
    list[1].regime = "4";
    import(fx, list, 5);
    assert_int_equal(feed_pull(&r, fx->s, &t, &po), 0);
    assert_int_equal(r.status, 204);
    feed_result_free(&r);
    /* New categories: a new full picture, with the régime. */
    o.categories = "civilite,classe,regime";
    assert_int_equal(relais_store_org_update(fx->s, &o), 0);
    util_arena_reset(a);
    target(fx, &t, a);
    assert_int_equal(feed_pull(&r, fx->s, &t, &po), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.full);
    assert_int_equal(r.n_items, 5);
    assert_non_null(strstr(util_buf_cstr(&r.body), "<code_regime>4</code_regime>"));
    feed_result_free(&r);
    util_arena_free(a);
}

static void test_feed__revert_reaches_the_partner(void **state)
{
    fixture *fx = *state;
    student *list = make_students(10, "");
    student copy[10];
    memcpy(copy, list, sizeof copy);
    import(fx, copy, 10);
    make_org(fx);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    feed_target t;
    target(fx, &t, a);
    partner pt;
    partner_init(&pt);
    sync_all(fx, &pt, &t, 4);
    copy[0].nom = "ERREUR";
    int64_t bad = import(fx, copy, 8); /* renames one, deactivates two */
    assert_true(bad > 0);
    sync_all(fx, &pt, &t, 4);
    assert_int_equal(json_object_size(pt.records), 8);
    relais_plan *p;
    assert_int_equal(relais_run_revert_plan(&p, fx->s, bad), 0);
    int64_t rev;
    assert_int_equal(relais_plan_apply(&rev, p), 0);
    relais_plan_free(p);
    sync_all(fx, &pt, &t, 4);
    assert_int_equal(json_object_size(pt.records), 10);
    assert_same(fx, &pt, &t);
    json_t *first = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(pt.records, k, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "nom_de_famille")), "NOM0") == 0) {
            first = v;
        }
    }
    assert_non_null(first);
    partner_free(&pt);
    util_arena_free(a);
}

static void test_feed__keys(void **state)
{
    fixture *fx = *state;
    import(fx, make_students(3, ""), 3);
    make_org(fx);
    char uais[1][9] = {UAI};
    org_auth auth;
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    /* Wrong, malformed, lower-case keys. */
    char wrong[ORG_KEY_LEN + 1];
    memcpy(wrong, fx->key, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, wrong, ORG_KEY_LEN),
                     RELAIS_ENOTFOUND);
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, "123", 3), RELAIS_ENOTFOUND);
    char lower[ORG_KEY_LEN + 1];
    for (size_t i = 0; i <= ORG_KEY_LEN; i++) {
        lower[i] = (char)(fx->key[i] >= 'A' && fx->key[i] <= 'F' ? fx->key[i] + 32 : fx->key[i]);
    }
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, lower, ORG_KEY_LEN), 0);
    /* An establishment outside the organisation. */
    char other[1][9] = {"0111111A"};
    assert_int_equal(org_authenticate(&auth, fx->s, a, other, 1, fx->key, ORG_KEY_LEN),
                     RELAIS_ENOTFOUND);
    /* The partner syncs, the key is rotated: the new key continues, the old one is refused. */
    feed_target t;
    target(fx, &t, a);
    partner pt;
    partner_init(&pt);
    sync_all(fx, &pt, &t, 10);
    char newkey[ORG_KEY_LEN + 1];
    int64_t new_id, revoked;
    assert_int_equal(org_key_rotate(newkey, &new_id, &revoked, fx->s, fx->org_id, 0), 0);
    assert_int_equal(revoked, fx->key_id);
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, fx->key, ORG_KEY_LEN),
                     RELAIS_ENOTFOUND);
    memcpy(fx->key, newkey, sizeof newkey);
    util_arena_reset(a);
    target(fx, &t, a);
    assert_int_equal(pull_implicit(fx, &pt, &t, 10), 204);
    /* Revoked: refused like an unknown key. */
    size_t n;
    assert_int_equal(org_key_revoke(&n, fx->s, fx->org_id, 0), 0);
    assert_int_equal(n, 1);
    assert_int_equal(org_authenticate(&auth, fx->s, a, uais, 1, fx->key, ORG_KEY_LEN),
                     RELAIS_ENOTFOUND);
    partner_free(&pt);
    util_arena_free(a);
}

static void test_feed__poll_interval(void **state)
{
    (void)state;
    assert_int_equal(feed_poll_minutes(0), 60);
    assert_int_equal(feed_poll_minutes(200), 60);
    assert_int_equal(feed_poll_minutes(201), 30);
    assert_int_equal(feed_poll_minutes(500), 30);
    assert_int_equal(feed_poll_minutes(501), 15);
}

static void test_feed__xml_escape(void **state)
{
    (void)state;
    util_buf b = UTIL_BUF_INIT;
    const char in[] = "a<b>&\"'\x01\xff" "é";
    feed_xml_escape(&b, in, strlen(in));
    assert_string_equal(util_buf_cstr(&b),
                        "a&lt;b&gt;&amp;&quot;&apos;\xEF\xBF\xBD\xEF\xBF\xBD" "é");
    util_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_feed__full_picture_then_up_to_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed__batch_sent_again_until_acknowledged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_feed__incremental_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed__changes_during_the_full_picture, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_feed__categories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed__revert_reaches_the_partner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed__keys, setup, teardown),
        cmocka_unit_test(test_feed__poll_interval),
        cmocka_unit_test(test_feed__xml_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
