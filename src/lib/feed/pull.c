/*
 * pull.c — the feed protocol on one store: cursors, batches,
 * acknowledgements, the full picture, then the changes of the journal
 * (docs/internals/serve.md explains why it is correct; in short):
 *
 *  - A cursor per (key, set of UAIs, year). First call: phase "full", the
 *    journal position B is noted, and the active records are sent in pages,
 *    in position order (kind, establishment, id). Each page is read in one
 *    transaction at journal position S_page, and remembered when acknowledged.
 *  - Then phase "changes": the journal after B, except the changes to a record
 *    of a page that the page already showed (seq <= S_page of its page).
 *    Together: every change reaches the partner exactly once, and the partner
 *    ends with the hub's state, however long the full picture took.
 *  - One batch is pending at a time. It is handed out again, covering the same
 *    range, until acknowledged: explicitly (?ack=N, the last batch applied), or
 *    implicitly by the next call when the server saw the whole batch leave
 *    (feed_delivered). Acknowledging and building the next batch happen in one
 *    transaction.
 *
 * Positions: kind << 56 | scope index << 52 | id; POS_END is past everything.
 */
#include "feed_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#define POS(k, si, id) (((int64_t)(k) << 56) | ((int64_t)(si) << 52) | (int64_t)(id))
#define POS_KIND(p) ((int)((p) >> 56))
#define POS_SCOPE(p) ((int)(((p) >> 52) & 15))
#define POS_ID(p) ((p) & (((int64_t)1 << 52) - 1))
#define POS_END INT64_MAX

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void json_alloc_init(void)
{
    json_set_alloc_funcs(util_malloc, util_free);
}

int feed_poll_minutes(size_t n_students)
{
    return n_students <= 200 ? 60 : n_students <= 500 ? 30 : 15;
}

/* ----------------------------------------------------------------- target */

int feed_target_resolve(feed_target *t, relais_store *s, util_arena *arena, const org_auth *auth,
                        char uais[][9], size_t n)
{
    memset(t, 0, sizeof *t);
    int rc = relais_store_current_year(&t->year, s);
    if (rc == 0) {
        rc = org_categories_parse(&t->categories, auth->org->categories);
    }
    if (rc < 0) {
        return rc;
    }
    t->n = n;
    t->org_id = auth->org_id;
    t->key_id = auth->key_id;
    t->up_to_date_body = auth->org->up_to_date_status == 200;
    for (size_t i = 0; i < n && rc == 0; i++) {
        memcpy(t->uais[i], uais[i], 9);
        t->names[i] = auth->etabs[i] ? auth->etabs[i]->name : NULL;
        t->billing[i] = auth->etabs[i] && auth->etabs[i]->billing_enabled;
        relais_scope *sc = NULL;
        rc = relais_store_scope_find(&sc, s, arena, uais[i], t->year);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
        } else if (rc == 0) {
            t->scope_ids[i] = sc->id;
        }
    }
    if (rc == 0) {
        rc = org_join_uais(t->joined, sizeof t->joined, t->uais, n);
    }
    return rc;
}

/* ------------------------------------------------------------------ build */

typedef struct build {
    relais_store *s;
    const feed_target *t;
    feed_render r;
    util_arena *a;
    size_t limit;    /* items wanted (0: no limit) */
    int64_t bound;   /* full picture: last position included */
    int kind;        /* full picture: kind and scope being read */
    int scope;
    int64_t last_pos;
    int64_t last_seq;  /* changes: last journal row looked at */
    size_t rows;       /* changes: rows looked at in the current chunk */
    bool cut;          /* stopped at the limit */
    /* Acknowledged pages of the full picture, by end position. */
    int64_t *page_end, *page_seq;
    size_t n_pages, cap_pages;
    int64_t max_page_seq;
} build;

#define STOP 1 /* a callback's "enough", not an error */

static void render_record(build *b, const relais_record *r, const char *op, int64_t seq)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    render_item_begin(&b->r, op, ki->name, r->id, b->t->uais[b->scope], seq, NULL);
    for (size_t f = 0; f < ki->n_fields; f++) {
        bool is_ref = ki->fields[f].type == RELAIS_FT_REF;
        if (!feed_field_sent(r->kind, f, b->t->categories)) {
            continue;
        }
        if (is_ref ? r->ref[f] == 0 : r->text[f] == NULL) {
            continue; /* a full record lists present values only */
        }
        render_field(&b->r, ki->fields[f].name, r->text[f], is_ref, r->ref[f]);
    }
    render_item_end(&b->r, ki->name);
}

static int full_item(const relais_record *r, void *payload)
{
    build *b = payload;
    int64_t pos = POS(b->kind, b->scope, r->id);
    if (pos > b->bound) {
        return STOP;
    }
    render_record(b, r, "full", 0);
    b->last_pos = pos;
    if (b->limit && b->r.n_items >= b->limit) {
        b->cut = true;
        return STOP;
    }
    return 0;
}

/*
 * Active records with position in (from, b->bound], up to b->limit items.
 * *at_end: every position up to the bound was looked at.
 */
static int build_full(build *b, int64_t from, bool *at_end)
{
    *at_end = false;
    int rc = 0;
    for (int k = POS_KIND(from); k < RELAIS_KIND_COUNT && rc == 0; k++) {
        if (POS(k, 0, 0) > b->bound) {
            break;
        }
        if (!feed_kind_sent((relais_kind)k, b->t->categories)) {
            continue;
        }
        int first_scope = k == POS_KIND(from) ? POS_SCOPE(from) : 0;
        for (int si = first_scope; si < (int)b->t->n && rc == 0; si++) {
            if (POS(k, si, 0) > b->bound) {
                break;
            }
            if (b->t->scope_ids[si] == 0) {
                continue;
            }
            int64_t after = (k == POS_KIND(from) && si == POS_SCOPE(from)) ? POS_ID(from) : 0;
            b->kind = k;
            b->scope = si;
            size_t want = b->limit ? b->limit - b->r.n_items : 0;
            rc = relais_store_record_page(b->s, (relais_kind)k, b->t->scope_ids[si], after, want,
                                          full_item, b);
            if (rc == STOP) {
                if (b->cut) {
                    return 0;
                }
                rc = 0; /* past the bound in this scope: on to the next */
            }
            if (rc == 0 && b->limit && b->r.n_items >= b->limit) {
                b->cut = true;
                return 0;
            }
        }
    }
    if (rc == 0) {
        *at_end = true;
    }
    return rc;
}

static int add_page(int64_t end_pos, int64_t read_seq, void *payload)
{
    build *b = payload;
    if (b->n_pages == b->cap_pages) {
        size_t cap = b->cap_pages ? b->cap_pages * 2 : 64;
        int64_t *e = util_realloc(b->page_end, cap * sizeof *e);
        if (e == NULL) {
            return RELAIS_ENOMEM;
        }
        b->page_end = e;
        int64_t *q = util_realloc(b->page_seq, cap * sizeof *q);
        if (q == NULL) {
            return RELAIS_ENOMEM;
        }
        b->page_seq = q;
        b->cap_pages = cap;
    }
    b->page_end[b->n_pages] = end_pos;
    b->page_seq[b->n_pages] = read_seq;
    b->n_pages++;
    b->max_page_seq = UTIL_MAX(b->max_page_seq, read_seq);
    return 0;
}

/* Did the acknowledged full picture already show change `seq` of the record at `pos`? */
static bool shown_by_page(const build *b, int64_t pos, int64_t seq)
{
    size_t lo = 0, hi = b->n_pages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->page_end[mid] < pos) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < b->n_pages && seq <= b->page_seq[lo];
}

/* Render the fields of a journal entry ({field: value} or {field: [old, new]}). */
static int render_json_fields(build *b, const relais_kind_info *ki, json_t *obj, bool pairs,
                              size_t *n)
{
    const char *name;
    json_t *v;
    *n = 0;
    json_object_foreach(obj, name, v)
    {
        int f = relais_field_index(ki->kind, name);
        if (f < 0) {
            continue; /* a field that left the model since */
        }
        if (!feed_field_sent(ki->kind, (size_t)f, b->t->categories)) {
            continue;
        }
        if (pairs) {
            v = json_is_array(v) ? json_array_get(v, 1) : NULL;
        }
        bool is_ref = ki->fields[f].type == RELAIS_FT_REF;
        if (is_ref) {
            render_field(&b->r, name, NULL, true, json_is_integer(v) ? json_integer_value(v) : 0);
        } else {
            render_field(&b->r, name, json_is_string(v) ? json_string_value(v) : NULL, false, 0);
        }
        (*n)++;
    }
    return 0;
}

/* Render the key fields of the record (partners that match on natural keys need them). */
static int render_keys(build *b, const relais_kind_info *ki, int64_t id, json_t *skip)
{
    relais_record *r = NULL;
    util_arena_reset(b->a);
    int rc = relais_store_record_get(&r, b->s, b->a, ki->kind, id);
    if (rc < 0) {
        return rc == RELAIS_ENOTFOUND ? 0 : rc;
    }
    for (size_t i = 0; i < ki->n_key; i++) {
        size_t f = ki->key[i];
        if (skip && json_object_get(skip, ki->fields[f].name)) {
            continue;
        }
        bool is_ref = ki->fields[f].type == RELAIS_FT_REF;
        render_field(&b->r, ki->fields[f].name, r->text[f], is_ref, r->ref[f]);
    }
    return 0;
}

/* Render every present field of the record as it is now (restores). */
static int render_current(build *b, const relais_kind_info *ki, int64_t id)
{
    relais_record *r = NULL;
    util_arena_reset(b->a);
    int rc = relais_store_record_get(&r, b->s, b->a, ki->kind, id);
    if (rc < 0) {
        return rc == RELAIS_ENOTFOUND ? 0 : rc;
    }
    for (size_t f = 0; f < ki->n_fields; f++) {
        bool is_ref = ki->fields[f].type == RELAIS_FT_REF;
        if (!feed_field_sent(ki->kind, f, b->t->categories) ||
            (is_ref ? r->ref[f] == 0 : r->text[f] == NULL)) {
            continue;
        }
        render_field(&b->r, ki->fields[f].name, r->text[f], is_ref, r->ref[f]);
    }
    return 0;
}

static int change_item(const relais_change *c, void *payload)
{
    build *b = payload;
    b->last_seq = c->seq;
    b->rows++;
    int k = relais_kind_by_name(c->kind);
    if (k < 0 || !feed_kind_sent((relais_kind)k, b->t->categories)) {
        return 0; /* establishments, years: the document header says what they are now */
    }
    int si = -1;
    for (size_t i = 0; i < b->t->n; i++) {
        if (b->t->scope_ids[i] == c->scope_id) {
            si = (int)i;
        }
    }
    if (si < 0) {
        return 0;
    }
    if (b->n_pages && shown_by_page(b, POS(k, si, c->entity_id), c->seq)) {
        return 0;
    }
    json_t *data = NULL;
    if (c->data) {
        data = json_loads(c->data, 0, NULL);
        if (data == NULL) {
            relais_error_set(_("journal illisible (changement %lld)"), (long long)c->seq);
            return RELAIS_EINVALID;
        }
    }
    const relais_kind_info *ki = relais_kind_get((relais_kind)k);
    bool create = strcmp(c->op, "create") == 0;
    bool update = strcmp(c->op, "update") == 0;
    bool restore = strcmp(c->op, "restore") == 0;
    json_t *fields = create || update ? data : restore ? json_object_get(data, "changes") : NULL;
    /* An update of fields this partner does not receive is no news to it. */
    if (update && fields) {
        bool any = false;
        const char *name;
        json_t *v;
        json_object_foreach(fields, name, v)
        {
            int f = relais_field_index(ki->kind, name);
            any = any || (f >= 0 && feed_field_sent(ki->kind, (size_t)f, b->t->categories));
        }
        if (!any) {
            json_decref(data);
            return 0;
        }
    }
    const char *date = NULL;
    if (strcmp(c->op, "deactivate") == 0) {
        json_t *d = json_object_get(data, "date");
        date = json_is_string(d) ? json_string_value(d) : NULL;
    }
    b->scope = si;
    render_item_begin(&b->r, c->op, ki->name, c->entity_id, b->t->uais[si], c->seq, date);
    int rc = 0;
    size_t n = 0;
    if (restore || (create && data == NULL)) {
        /* Back after a deactivation: the whole record, as the partner may have dropped it.
         * A creation is journaled without its values (the record holds them): the record as
         * it is now — later updates in the journal then repeat values the partner has. */
        rc = render_current(b, ki, c->entity_id);
    } else {
        if (!create) {
            rc = render_keys(b, ki, c->entity_id, fields);
        }
        if (rc == 0 && json_is_object(fields)) {
            rc = render_json_fields(b, ki, fields, !create, &n);
        }
    }
    render_item_end(&b->r, ki->name);
    json_decref(data);
    if (rc < 0) {
        return rc;
    }
    if (b->limit && b->r.n_items >= b->limit) {
        b->cut = true;
        return STOP;
    }
    return 0;
}

/* Journal entries with seq in (from, to] (to 0: no bound), up to b->limit items. */
static int build_changes(build *b, int64_t from, int64_t to)
{
    int64_t scopes[ORG_MAX_UAIS];
    size_t n = 0;
    for (size_t i = 0; i < b->t->n; i++) {
        if (b->t->scope_ids[i]) {
            scopes[n++] = b->t->scope_ids[i];
        }
    }
    b->last_seq = from;
    if (n == 0) {
        return 0;
    }
    /* Read in chunks: entries this partner does not get take no room in the batch. */
    size_t chunk = b->limit ? UTIL_MAX(b->limit, 256) : 0;
    for (;;) {
        b->rows = 0;
        int rc = relais_store_change_foreach_scopes(b->s, b->last_seq, to, scopes, n, chunk,
                                                    change_item, b);
        if (rc == STOP || b->cut) {
            return 0;
        }
        if (rc < 0) {
            return rc;
        }
        if (chunk == 0 || b->rows < chunk) {
            return 0; /* the journal is read to the end (or to the bound) */
        }
    }
}

/* ----------------------------------------------------------------- cursor */

static int load_pages(build *b, int64_t cursor_id)
{
    return relais_store_feed_page_foreach(b->s, cursor_id, add_page, b);
}

/* Acknowledge the pending batch of c (in the caller's transaction). */
static int acknowledge(relais_store *s, relais_feed_cursor *c)
{
    int rc = 0;
    if (c->full) {
        rc = relais_store_feed_page_add(s, c->id, c->end_pos, c->read_seq);
        c->acked_pos = c->end_pos;
        if (c->end_last) {
            c->full = false;
            c->acked_seq = c->base_seq;
        }
    } else {
        c->acked_seq = c->end_seq;
    }
    c->pending = false;
    c->delivered = false;
    c->end_last = false;
    c->n_items = 0;
    c->delivery = 0;
    return rc;
}

static void fresh_picture(relais_feed_cursor *c, int64_t last_seq, const char *categories)
{
    c->categories = categories;
    c->full = true;
    c->base_seq = last_seq;
    c->acked_pos = 0;
    c->acked_seq = 0;
    c->pending = false;
    c->end_pos = c->end_seq = c->read_seq = 0;
    c->end_last = false;
    c->n_items = 0;
    c->delivered = false;
    c->delivery = 0;
}

int feed_count_students(size_t *n, relais_store *s, const feed_target *t)
{
    *n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->scope_ids[i] == 0) {
            continue;
        }
        size_t active = 0;
        int rc = relais_store_record_count(&active, NULL, s, RELAIS_KIND_STUDENT, t->scope_ids[i]);
        if (rc < 0) {
            return rc;
        }
        *n += active;
    }
    return 0;
}

/* Nothing new for a cursor in the changes phase with nothing pending? */
static int nothing_new(bool *none, relais_store *s, const feed_target *t, int64_t acked_seq)
{
    *none = true;
    for (size_t i = 0; i < t->n && *none; i++) {
        if (t->scope_ids[i] == 0) {
            continue;
        }
        int64_t last = 0;
        int rc = relais_store_change_last_seq_scope(&last, s, t->scope_ids[i]);
        if (rc < 0) {
            return rc;
        }
        *none = last <= acked_seq;
    }
    return 0;
}

/* The answer "up to date". */
static int answer_up_to_date(feed_result *out, const feed_target *t, const feed_pull_opts *o,
                             int64_t batch)
{
    out->up_to_date = true;
    out->batch = batch;
    out->status = o->up_to_date_body ? 200 : 204;
    if (!o->up_to_date_body) {
        return 0;
    }
    feed_render r = {.format = o->format};
    feed_doc d = {.up_to_date = true, .batch = batch, .poll_minutes = out->poll_minutes};
    int rc = render_document(&out->body, &r, t, &d);
    render_free(&r);
    return rc;
}

/*
 * In a write transaction: acknowledge or resend the pending batch, or build the
 * next one. On return, *c is what must be stored.
 */
static int step(feed_result *out, build *b, relais_feed_cursor *c, const feed_pull_opts *o)
{
    relais_store *s = b->s;
    int64_t now_seq = 0;
    int rc = relais_store_change_last_seq(&now_seq, s);
    if (rc < 0) {
        return rc;
    }
    if (o->has_ack && o->ack > c->batch) {
        relais_error_set(_("acquittement du lot %lld, qui n'a jamais été envoyé (dernier lot : "
                           "%lld)"),
                         (long long)o->ack, (long long)c->batch);
        return RELAIS_EINVALID;
    }
    if (c->pending) {
        bool acked = o->has_ack ? o->ack == c->batch : c->delivered;
        if (acked) {
            rc = acknowledge(s, c);
        } else {
            /* Send the same batch again: same range; the full picture is read anew. */
            b->limit = 0;
            if (c->full) {
                b->bound = c->end_pos;
                bool at_end;
                rc = build_full(b, c->acked_pos, &at_end);
                c->read_seq = now_seq;
            } else {
                rc = load_pages(b, c->id);
                if (rc == 0) {
                    rc = build_changes(b, c->acked_seq, c->end_seq);
                }
            }
            c->delivery++;
            c->delivered = false;
            c->n_items = (int64_t)b->r.n_items;
            out->full = c->full;
            out->more = c->full ? !c->end_last : false;
            return rc;
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (c->full) {
        b->bound = POS_END;
        bool at_end = false;
        rc = build_full(b, c->acked_pos, &at_end);
        if (rc < 0) {
            return rc;
        }
        if (b->r.n_items > 0) {
            c->batch++;
            c->pending = true;
            c->end_pos = at_end ? POS_END : b->last_pos;
            c->end_last = at_end;
            c->read_seq = now_seq;
            c->n_items = (int64_t)b->r.n_items;
            c->delivery = 1;
            c->delivered = false;
            out->full = true;
            out->more = !at_end;
            return 0;
        }
        /* The rest of the picture is empty: close it here, no batch needed. */
        rc = relais_store_feed_page_add(s, c->id, POS_END, now_seq);
        if (rc < 0) {
            return rc;
        }
        c->acked_pos = POS_END;
        c->full = false;
        c->acked_seq = c->base_seq;
    }
    rc = load_pages(b, c->id);
    if (rc == 0) {
        rc = build_changes(b, c->acked_seq, 0);
    }
    if (rc < 0) {
        return rc;
    }
    if (b->r.n_items == 0) {
        /* Entries this partner does not get are passed over for good. */
        c->acked_seq = UTIL_MAX(c->acked_seq, b->last_seq);
        if (b->n_pages && c->acked_seq >= b->max_page_seq) {
            rc = relais_store_feed_page_clear(s, c->id);
        }
        return rc;
    }
    c->batch++;
    c->pending = true;
    c->end_seq = b->last_seq;
    c->n_items = (int64_t)b->r.n_items;
    c->delivery = 1;
    c->delivered = false;
    out->full = false;
    out->more = b->cut;
    return 0;
}

int feed_pull(feed_result *out, relais_store *s, const feed_target *t, const feed_pull_opts *o)
{
    memset(out, 0, sizeof *out);
    pthread_once(&json_once, json_alloc_init);
    char cats[256];
    int rc = org_categories_format(cats, sizeof cats, t->categories);
    util_arena *a = NULL;
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    build b = {.s = s, .t = t, .r = {.format = o->format}};
    b.limit = o->batch_size ? o->batch_size : FEED_DEFAULT_BATCH;
    if (rc == 0) {
        rc = util_arena_new(&b.a, 16 * 1024);
    }
    /*
     * Fast path, read only, without a transaction: nothing pending and nothing
     * new. Each statement sees its own snapshot; the cursor is read before the
     * journal, so a concurrent change can only make this path give up (the
     * journal looks newer than the cursor), never answer "up to date" wrongly.
     */
    relais_feed_cursor *c = NULL;
    bool up_to_date = false;
    if (rc == 0) {
        out->poll_minutes = o->poll_minutes;
        if (out->poll_minutes <= 0) {
            size_t students = 0;
            rc = feed_count_students(&students, s, t);
            out->poll_minutes = feed_poll_minutes(students);
        }
        if (rc == 0) {
            rc = relais_store_cursor_get(&c, s, a, t->key_id, t->joined, t->year);
        }
        if (rc == 0 && !c->pending && !c->full && strcmp(c->categories, cats) == 0 &&
            !(o->has_ack && o->ack > c->batch)) {
            rc = nothing_new(&up_to_date, s, t, c->acked_seq);
        }
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
        }
    }
    if (rc == 0 && up_to_date) {
        out->cursor_id = c->id;
        rc = answer_up_to_date(out, t, o, c->batch);
        goto done;
    }
    if (rc == 0 && o->fast_only) {
        out->status = 0; /* the caller takes the slow path (feed_pull without fast_only) */
        goto done;
    }
    /* Slow path: one write transaction. */
    bool began = false;
    if (rc == 0) {
        rc = relais_store_begin(s);
        began = rc == 0;
    }
    relais_feed_cursor cur;
    if (rc == 0) {
        util_arena_reset(a);
        c = NULL;
        rc = relais_store_cursor_get(&c, s, a, t->key_id, t->joined, t->year);
        int64_t last = 0;
        if (rc == RELAIS_ENOTFOUND) {
            rc = relais_store_change_last_seq(&last, s);
            memset(&cur, 0, sizeof cur);
            cur.key_id = t->key_id;
            cur.uais = t->joined;
            cur.year = t->year;
            fresh_picture(&cur, last, cats);
            if (rc == 0) {
                rc = relais_store_cursor_insert(&cur.id, s, &cur);
            }
        } else if (rc == 0) {
            cur = *c;
            if (strcmp(cur.categories, cats) != 0) {
                /* Other categories: the partner needs a new full picture. */
                rc = relais_store_change_last_seq(&last, s);
                fresh_picture(&cur, last, cats);
                if (rc == 0) {
                    rc = relais_store_feed_page_clear(s, cur.id);
                }
            }
        }
    }
    if (rc == 0) {
        rc = step(out, &b, &cur, o);
    }
    if (rc == 0) {
        rc = relais_store_cursor_update(s, &cur);
    }
    if (rc == 0) {
        rc = relais_store_commit(s);
        began = false;
    }
    if (began) {
        relais_store_rollback(s);
    }
    if (rc == 0) {
        out->cursor_id = cur.id;
        if (cur.pending) {
            out->status = 200;
            out->batch = cur.batch;
            out->delivery = cur.delivery;
            out->n_items = b.r.n_items;
            feed_doc d = {.batch = cur.batch,
                          .full = out->full,
                          .more = out->more,
                          .poll_minutes = out->poll_minutes};
            rc = render_document(&out->body, &b.r, t, &d);
        } else {
            rc = answer_up_to_date(out, t, o, cur.batch);
        }
    }
done:
    render_free(&b.r);
    util_free(b.page_end);
    util_free(b.page_seq);
    util_arena_free(b.a);
    util_arena_free(a);
    if (rc < 0) {
        feed_result_free(out);
    }
    return rc;
}

void feed_result_free(feed_result *r)
{
    util_buf_free(&r->body);
}

int feed_delivered(relais_store *s, int64_t cursor_id, int64_t batch, int64_t delivery)
{
    return relais_store_cursor_delivered(s, cursor_id, batch, delivery);
}
