/*
 * apply.c — applying a plan: one transaction that creates the scopes, replays
 * every operation, writes the run and one journal entry per change, or writes
 * nothing at all.
 */
#include "change_internal.h"

#include <pthread.h>
#include <string.h>

/*
 * The ids given to the records a plan creates, as runs of consecutive ids:
 * creations are replayed in ordinal order and the store numbers entities in
 * sequence, so an académie's millions of creations take a few runs, not 8
 * bytes each.
 */
typedef struct id_run {
    int64_t ordinal; /* first ordinal of the run */
    int64_t id;      /* its id */
    int64_t count;
} id_run;

/*
 * Creations and journal entries are written in batches (multi-row inserts,
 * foreign keys checked at commit): one statement per row made applying an
 * académie cost more than reading it. A created record gets its id at once
 * (the store says which id comes next; ids are consecutive inside the
 * transaction), so later operations can refer to it before it is written.
 */
#define BATCH_RECORDS 256
#define BATCH_CHANGES 512
#define BATCH_BYTES ((size_t)2 << 20)

typedef struct apply_state {
    relais_plan *p;
    relais_store *s;
    int64_t run_id;
    int64_t *scope_ids; /* per plan scope */
    id_run *runs;       /* sorted by ordinal */
    size_t n_runs, cap_runs;
    util_buf data;
    int64_t next_id;
    util_arena *batch; /* what the pending rows point to */
    relais_record *pending[BATCH_RECORDS];
    size_t n_pending;
    relais_change changes[BATCH_CHANGES];
    size_t n_changes;
    bool began; /* the transaction is open */
} apply_state;

static int flush(apply_state *st)
{
    int rc = 0;
    if (st->n_pending > 0) {
        rc = relais_store_record_insert_many(st->s, (const relais_record *const *)st->pending,
                                             st->n_pending, st->run_id);
        if (rc < 0) {
            relais_error_prefix(_("écriture de %zu enregistrement(s) créés"), st->n_pending);
        }
    }
    if (rc == 0 && st->n_changes > 0) {
        rc = relais_store_change_append_many(st->s, st->changes, st->n_changes);
    }
    st->n_pending = 0;
    st->n_changes = 0;
    util_arena_reset(st->batch);
    return rc;
}

static int maybe_flush(apply_state *st)
{
    if (st->n_pending == BATCH_RECORDS || st->n_changes + 2 > BATCH_CHANGES ||
        util_arena_bytes(st->batch) > BATCH_BYTES) {
        return flush(st);
    }
    return 0;
}

static int created_add(apply_state *st, int64_t ordinal, int64_t id)
{
    if (st->n_runs > 0) {
        id_run *last = &st->runs[st->n_runs - 1];
        if (ordinal == last->ordinal + last->count && id == last->id + last->count) {
            last->count++;
            return 0;
        }
    }
    if (st->n_runs == st->cap_runs) {
        size_t cap = st->cap_runs ? st->cap_runs * 2 : 64;
        id_run *nr = util_realloc(st->runs, cap * sizeof *nr);
        if (nr == NULL) {
            return RELAIS_ENOMEM;
        }
        st->runs = nr;
        st->cap_runs = cap;
    }
    st->runs[st->n_runs++] = (id_run){ordinal, id, 1};
    return 0;
}

/* The id created for `ordinal`, 0 when not created (yet). */
static int64_t created_get(const apply_state *st, int64_t ordinal)
{
    size_t lo = 0, hi = st->n_runs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const id_run *r = &st->runs[mid];
        if (ordinal < r->ordinal) {
            hi = mid;
        } else if (ordinal >= r->ordinal + r->count) {
            lo = mid + 1;
        } else {
            return r->id + (ordinal - r->ordinal);
        }
    }
    return 0;
}

static int resolve_scope(int64_t *id, apply_state *st, int64_t ref)
{
    for (size_t i = 0; i < st->p->n_scopes; i++) {
        if (st->p->scopes[i].ref == ref) {
            *id = st->scope_ids[i];
            return 0;
        }
    }
    if (ref > 0) {
        *id = ref;
        return 0;
    }
    relais_error_set(_("périmètre %lld inconnu du plan"), (long long)ref);
    return RELAIS_EINVALID;
}

static int resolve_ref(int64_t *id, apply_state *st, int64_t ref)
{
    if (ref >= 0) {
        *id = ref;
        return 0;
    }
    int64_t id_ = created_get(st, -ref);
    if (id_ == 0) {
        relais_error_set(_("référence %lld vers un enregistrement que le plan ne crée pas"),
                         (long long)ref);
        return RELAIS_EINVALID;
    }
    *id = id_;
    return 0;
}

/* A journal entry (data: st->data), written with the next batch, in plan order. */
static int journal(apply_state *st, int64_t scope_id, const char *kind, int64_t entity_id,
                   const char *op)
{
    if (st->data.failed) {
        return RELAIS_ENOMEM;
    }
    const char *data = NULL;
    if (st->data.len) {
        data = util_arena_strndup(st->batch, st->data.data, st->data.len);
        if (data == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    st->changes[st->n_changes++] = (relais_change){
        .run_id = st->run_id,
        .scope_id = scope_id,
        .kind = kind, /* static: a kind name, "establishment" or "scope" */
        .entity_id = entity_id,
        .op = op,
        .data = data,
    };
    return st->n_changes == BATCH_CHANGES ? flush(st) : 0;
}

/* --------------------------------------------------------------- scopes */

static void json_calendar(util_json *j, char *const cal[4])
{
    static const char *const names[4] = {"student_start", "student_end", "staff_start",
                                         "staff_end"};
    for (int i = 0; i < 4; i++) {
        util_json_kv_string(j, names[i], cal[i]);
    }
}

static int apply_scope(apply_state *st, size_t index)
{
    plan_scope *sc = &st->p->scopes[index];
    relais_store *s = st->s;
    int rc = 0;
    util_json j;
    int64_t etab_id = sc->establishment_id;
    if (sc->creates_establishment) {
        rc = relais_store_establishment_insert(&etab_id, s, sc->uai, sc->name, sc->type,
                                               sc->sector);
        if (rc == 0) {
            util_buf_reset(&st->data);
            util_json_init_buf(&j, &st->data, false);
            util_json_object_begin(&j);
            util_json_kv_string(&j, "uai", sc->uai);
            util_json_kv_string(&j, "name", sc->name);
            util_json_kv_string(&j, "type", sc->type);
            util_json_kv_string(&j, "sector", sc->sector);
            util_json_object_end(&j);
            rc = journal(st, 0, "establishment", etab_id, "create");
        }
    } else if (sc->updates_establishment) {
        const char *name = sc->name ? sc->name : sc->old_name;
        const char *type = sc->type ? sc->type : sc->old_type;
        const char *sector = sc->sector ? sc->sector : sc->old_sector;
        rc = relais_store_establishment_update(s, etab_id, name, type, sector);
        if (rc == 0) {
            util_buf_reset(&st->data);
            util_json_init_buf(&j, &st->data, false);
            util_json_object_begin(&j);
            const char *fields[3][3] = {{"name", sc->old_name, name},
                                        {"type", sc->old_type, type},
                                        {"sector", sc->old_sector, sector}};
            for (int i = 0; i < 3; i++) {
                if (!util_streq(fields[i][1], fields[i][2])) {
                    util_json_key(&j, fields[i][0]);
                    util_json_array_begin(&j);
                    util_json_string(&j, fields[i][1]);
                    util_json_string(&j, fields[i][2]);
                    util_json_array_end(&j);
                }
            }
            util_json_object_end(&j);
            rc = journal(st, 0, "establishment", etab_id, "update");
        }
    }
    int64_t scope_id = sc->ref;
    if (rc == 0 && sc->creates_year) {
        rc = relais_store_scope_insert(&scope_id, s, etab_id, sc->year);
        if (rc == 0) {
            util_buf_reset(&st->data);
            util_json_init_buf(&j, &st->data, false);
            util_json_object_begin(&j);
            util_json_kv_string(&j, "uai", sc->uai);
            util_json_kv_int(&j, "year", sc->year);
            util_json_object_end(&j);
            rc = journal(st, scope_id, "scope", scope_id, "create");
        }
    }
    if (rc == 0 && (sc->updates_calendar || (sc->creates_year && sc->calendar[0]))) {
        relais_calendar cal = {sc->calendar[0], sc->calendar[1], sc->calendar[2],
                               sc->calendar[3]};
        rc = relais_store_scope_set_calendar(s, scope_id, &cal);
        if (rc == 0) {
            util_buf_reset(&st->data);
            util_json_init_buf(&j, &st->data, false);
            util_json_object_begin(&j);
            util_json_key(&j, "old");
            util_json_object_begin(&j);
            json_calendar(&j, sc->old_calendar);
            util_json_object_end(&j);
            util_json_key(&j, "new");
            util_json_object_begin(&j);
            json_calendar(&j, sc->calendar);
            util_json_object_end(&j);
            util_json_object_end(&j);
            rc = journal(st, scope_id, "scope", scope_id, "update");
        }
    }
    if (rc == 0 && st->data.failed) {
        rc = RELAIS_ENOMEM;
    }
    st->scope_ids[index] = scope_id;
    return rc;
}

/* ------------------------------------------------------------ operations */

static void json_value(util_json *j, const plan_value *v, int64_t resolved_old,
                       int64_t resolved_new, bool old_side)
{
    if (v->is_ref) {
        int64_t x = old_side ? resolved_old : resolved_new;
        if (x == 0) {
            util_json_null(j);
        } else {
            util_json_int(j, x);
        }
    } else {
        util_json_string(j, old_side ? v->old_text : v->new_text);
    }
}

static int apply_create(apply_state *st, const plan_op *op, const relais_kind_info *ki)
{
    relais_record *r = relais_record_new(st->batch, ki->kind);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = resolve_scope(&r->scope_id, st, op->h.scope_ref);
    /*
     * A creation is journaled without its values: the record holds them, and its
     * values at creation are the current ones with the later updates of the journal
     * ([old, new] pairs) undone. Half the journal's bytes, for nothing lost.
     */
    util_buf_reset(&st->data);
    util_json j;
    for (uint16_t i = 0; i < op->h.n_values && rc == 0; i++) {
        const plan_value *v = &op->values[i];
        if (v->is_ref) {
            rc = resolve_ref(&r->ref[v->field], st, v->new_ref);
        } else {
            r->text[v->field] = v->new_text; /* read into the batch arena */
        }
    }
    util_buf_reset(&st->data);
    /* Created inactive (plan.c: the op carries the deactivation date). */
    if (rc == 0 && op->date) {
        r->is_active = false;
        r->deactivated_on = op->date;
    }
    if (rc == 0) {
        r->id = st->next_id++;
        rc = created_add(st, op->h.ordinal, r->id);
    }
    if (rc == 0) {
        st->pending[st->n_pending++] = r;
        rc = journal(st, r->scope_id, ki->name, r->id, "create");
    }
    if (rc == 0 && op->date) {
        util_buf_reset(&st->data);
        util_json_init_buf(&j, &st->data, false);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "date", op->date);
        util_json_object_end(&j);
        rc = journal(st, r->scope_id, ki->name, r->id, "deactivate");
    }
    if (rc < 0) {
        relais_error_prefix("%s", op->label ? op->label : ki->name);
    }
    return rc;
}

static int apply_update(apply_state *st, const plan_op *op, const relais_kind_info *ki)
{
    bool restore = op->h.op == RELAIS_OP_RESTORE;
    int64_t scope_id = 0;
    int rc = resolve_scope(&scope_id, st, op->h.scope_ref);
    if (rc == 0 && restore) {
        rc = relais_store_record_set_active(st->s, op->h.id, true, NULL, st->run_id);
    }
    util_buf_reset(&st->data);
    util_json j;
    util_json_init_buf(&j, &st->data, false);
    util_json_object_begin(&j);
    if (restore && op->date) {
        util_json_kv_string(&j, "deactivated_on", op->date);
    }
    if (restore) {
        util_json_key(&j, "changes");
        util_json_object_begin(&j);
    }
    for (uint16_t i = 0; i < op->h.n_values && rc == 0; i++) {
        const plan_value *v = &op->values[i];
        int64_t new_ref = 0;
        if (v->is_ref) {
            rc = resolve_ref(&new_ref, st, v->new_ref);
        }
        if (rc == 0) {
            rc = relais_store_record_set_field(st->s, ki->kind, op->h.id, v->field, v->new_text,
                                               new_ref, st->run_id);
        }
        util_json_key(&j, ki->fields[v->field].name);
        util_json_array_begin(&j);
        json_value(&j, v, v->old_ref, new_ref, true);
        json_value(&j, v, v->old_ref, new_ref, false);
        util_json_array_end(&j);
    }
    if (restore) {
        util_json_object_end(&j);
    }
    util_json_object_end(&j);
    if (rc == 0) {
        rc = journal(st, scope_id, ki->name, op->h.id, restore ? "restore" : "update");
    }
    if (rc < 0) {
        relais_error_prefix("%s", op->label ? op->label : ki->name);
    }
    return rc;
}

static int apply_deactivate(apply_state *st, const plan_op *op, const relais_kind_info *ki)
{
    int64_t scope_id = 0;
    int rc = resolve_scope(&scope_id, st, op->h.scope_ref);
    if (rc == 0) {
        rc = relais_store_record_set_active(st->s, op->h.id, false, op->date, st->run_id);
    }
    if (rc == 0) {
        util_buf_reset(&st->data);
        util_json j;
        util_json_init_buf(&j, &st->data, false);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "date", op->date);
        util_json_object_end(&j);
        rc = journal(st, scope_id, ki->name, op->h.id, "deactivate");
    }
    return rc;
}

/* The writer of a pipelined apply (below); NULL when the plan is complete. */
static int wait_for_ops(relais_plan_writer *w, util_spool_cursor *cur, bool *done);

static int apply_ops(apply_state *st, util_spool_cursor *cur, relais_plan_writer *w)
{
    int rc = 0;
    while (rc == 0) {
        plan_op op;
        /* Read into the batch arena: a creation's values stay there until its batch is written. */
        if (st->n_pending == 0 && st->n_changes == 0) {
            util_arena_reset(st->batch);
        }
        rc = plan_read_op(&op, cur, st->batch);
        if (rc == RELAIS_ENOTFOUND) {
            bool done = true;
            rc = w ? wait_for_ops(w, cur, &done) : 0;
            if (rc == 0 && done) {
                return flush(st);
            }
            continue;
        }
        if (rc < 0) {
            break;
        }
        const relais_kind_info *ki = relais_kind_get((relais_kind)op.h.kind);
        switch ((relais_op)op.h.op) {
        case RELAIS_OP_CREATE: rc = apply_create(st, &op, ki); break;
        case RELAIS_OP_UPDATE:
        case RELAIS_OP_RESTORE: rc = apply_update(st, &op, ki); break;
        case RELAIS_OP_DEACTIVATE: rc = apply_deactivate(st, &op, ki); break;
        case RELAIS_OP_TOUCH: rc = relais_store_record_touch(st->s, op.h.id, st->run_id); break;
        default: rc = RELAIS_EINVALID; break;
        }
        if (rc == 0 && st->data.failed) {
            rc = RELAIS_ENOMEM;
        }
        if (rc == 0) {
            rc = maybe_flush(st);
        }
    }
    return rc;
}

static int apply_init(apply_state *st, relais_plan *p, relais_store *s)
{
    *st = (apply_state){.p = p, .s = s, .data = UTIL_BUF_INIT};
    return util_arena_new(&st->batch, 256 * 1024);
}

/* The transaction, the run, the scopes: everything before the operations. */
static int apply_begin(apply_state *st)
{
    relais_plan *p = st->p;
    relais_store *s = st->s;
    /* The scopes are final now (a pipelined plan declares them before its first publish). */
    st->scope_ids = util_calloc(p->n_scopes ? p->n_scopes : 1, sizeof *st->scope_ids);
    if (st->scope_ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = relais_store_begin(s);
    st->began = rc == 0;
    int64_t seq = 0;
    if (rc == 0 && p->approve_run > 0) {
        /* A quarantined plan waited: only its own scopes must be as they were. */
        rc = plan_check_unchanged(p);
    } else if (rc == 0) {
        rc = relais_store_change_last_seq(&seq, s);
        if (rc == 0 && seq != p->base_seq) {
            relais_error_set("%s", _("le hub a été modifié par une autre opération pendant la "
                                     "préparation : rien n'a été écrit, relancez la commande"));
            rc = RELAIS_ECONFLICT;
        }
    }
    if (rc == 0) {
        rc = relais_store_defer_constraints(s);
    }
    if (rc == 0) {
        rc = relais_store_entity_next_id(&st->next_id, s);
    }
    char started[21];
    util_now_iso(started);
    util_buf sources = UTIL_BUF_INIT;
    if (rc == 0 && p->approve_run > 0) {
        st->run_id = p->approve_run;
        rc = relais_store_run_transition(s, st->run_id, "quarantined", "applied", 0, true);
        if (rc == 0) {
            rc = relais_store_run_plan_delete(s, st->run_id);
        }
    } else if (rc == 0) {
        util_buf_append(&sources, p->sources_json.data, p->sources_json.len);
        util_buf_putc(&sources, ']');
        rc = sources.failed ? RELAIS_ENOMEM
                            : relais_store_run_insert(&st->run_id, s, p->command, "applied",
                                                      started, util_buf_cstr(&sources));
    }
    util_buf_free(&sources);
    if (rc == 0 && p->reverts > 0) {
        rc = relais_store_run_transition(s, p->reverts, "applied", "reverted", st->run_id, false);
        if (rc == 0) {
            rc = relais_store_run_set_links(s, st->run_id, NULL, p->reverts);
        }
    }
    for (size_t i = 0; i < p->n_scopes && rc == 0; i++) {
        rc = apply_scope(st, i);
    }
    if (rc == 0) {
        rc = flush(st); /* scopes' journal entries first */
    }
    return rc;
}

/* The counters of the complete plan, then the commit. */
static int apply_end(apply_state *st)
{
    relais_plan *p = st->p;
    relais_store *s = st->s;
    int rc = 0;
    for (size_t i = 0; i < p->n_scopes && rc == 0; i++) {
        char *summary = relais_plan_summary_json(p, i);
        rc = summary ? relais_store_run_scope_add(s, st->run_id, st->scope_ids[i], summary)
                     : RELAIS_ENOMEM;
        util_free(summary);
    }
    if (rc == 0) {
        char *summary = relais_plan_summary_json(p, RELAIS_PLAN_ALL_SCOPES);
        rc = summary ? relais_store_run_finish(s, st->run_id, "applied", summary) : RELAIS_ENOMEM;
        util_free(summary);
    }
    if (rc == 0) {
        rc = relais_store_commit(st->s);
        st->began = rc < 0 && st->began;
    }
    return rc;
}

/* Roll back what was not committed; free. */
static void apply_done(apply_state *st)
{
    if (st->began) {
        relais_store_rollback(st->s);
        st->began = false;
    }
    util_buf_free(&st->data);
    util_free(st->scope_ids);
    util_free(st->runs);
    util_arena_free(st->batch);
    st->scope_ids = NULL;
    st->runs = NULL;
    st->batch = NULL;
}

int relais_plan_apply(int64_t *run_id, relais_plan *p)
{
    apply_state st;
    util_spool_cursor cur;
    memset(&cur, 0, sizeof cur);
    int rc = apply_init(&st, p, p->store);
    if (rc == 0) {
        rc = util_spool_cursor_open(&cur, p->ops);
    }
    if (rc == 0) {
        rc = apply_begin(&st);
    }
    if (rc == 0) {
        rc = apply_ops(&st, &cur, NULL);
    }
    if (rc == 0) {
        rc = apply_end(&st);
    }
    if (rc == 0 && run_id) {
        *run_id = st.run_id;
    }
    util_spool_cursor_close(&cur);
    apply_done(&st);
    return rc;
}

/* ------------------------------------------------------- pipelined apply */

/*
 * The writer thread applies on its own connection what the planner has
 * published, then waits for more; the planner thread (relais_plan_publish,
 * relais_plan_writer_finish) raises the limit and says when the plan is
 * complete. Only `published`, `planning_done`, `stop` and the outcome are
 * shared, under the lock; the plan's scopes are final from the first publish.
 */
struct relais_plan_writer {
    apply_state st;
    util_spool_cursor cur;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t published; /* bytes of complete operations */
    bool scopes_ready;  /* first publish seen */
    bool planning_done;
    bool stop;     /* roll back: the plan will not be applied */
    bool finished; /* the thread is past the last operation */
    int rc;        /* the thread's outcome, with its message */
    char *error;
};

static int wait_for_ops(relais_plan_writer *w, util_spool_cursor *cur, bool *done)
{
    pthread_mutex_lock(&w->lock);
    while (cur->limit == w->published && !w->planning_done && !w->stop) {
        pthread_cond_wait(&w->cond, &w->lock);
    }
    bool stop = w->stop;
    cur->limit = w->published;
    *done = w->planning_done && cur->pos == w->published;
    pthread_mutex_unlock(&w->lock);
    if (stop) {
        relais_error_set("%s", _("écriture interrompue"));
        return RELAIS_EREFUSED;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    relais_plan_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->scopes_ready && !w->stop) {
        pthread_cond_wait(&w->cond, &w->lock);
    }
    bool stop = w->stop;
    pthread_mutex_unlock(&w->lock);
    int rc = 0;
    if (!stop) {
        rc = apply_begin(&w->st);
        if (rc == 0) {
            rc = apply_ops(&w->st, &w->cur, w);
        }
    }
    pthread_mutex_lock(&w->lock);
    w->rc = rc;
    w->finished = true;
    if (rc < 0 && w->error == NULL) {
        w->error = util_strdup(relais_error_last());
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int relais_plan_writer_start(relais_plan_writer **out, relais_plan *p, relais_store *conn)
{
    *out = NULL;
    if (p->writer) {
        relais_error_set("%s", _("ce plan est déjà en cours d'écriture"));
        return RELAIS_EINVALID;
    }
    relais_plan_writer *w = util_calloc(1, sizeof *w);
    if (w == NULL) {
        return RELAIS_ENOMEM;
    }
    uint64_t readable = 0;
    /* In the file from now on: the thread reads what the planner keeps appending. */
    int rc = util_spool_publish(p->ops, true, &readable);
    if (rc == 0) {
        rc = util_spool_cursor_open(&w->cur, p->ops);
    }
    if (rc == 0) {
        rc = apply_init(&w->st, p, conn);
    }
    if (rc < 0) {
        util_spool_cursor_close(&w->cur);
        apply_done(&w->st);
        util_free(w);
        return rc;
    }
    w->cur.limit = 0; /* nothing before the first publish */
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        relais_error_set("%s", _("impossible de démarrer le fil d'écriture"));
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        util_spool_cursor_close(&w->cur);
        apply_done(&w->st);
        util_free(w);
        return RELAIS_ENOMEM;
    }
    w->running = true;
    p->writer = w;
    *out = w;
    return 0;
}

/* Hand over what is planned; the writer's error, if it stopped on one. */
int plan_writer_publish(relais_plan_writer *w, bool done)
{
    uint64_t readable = 0;
    int rc = util_spool_publish(w->st.p->ops, true, &readable);
    pthread_mutex_lock(&w->lock);
    if (rc == 0) {
        w->published = readable;
        w->scopes_ready = true;
        w->planning_done = done;
    }
    int wrc = w->finished ? w->rc : 0;
    if (wrc < 0) {
        relais_error_set("%s", w->error ? w->error : _("erreur inconnue"));
    }
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return rc < 0 ? rc : wrc;
}

static void writer_join(relais_plan_writer *w, bool stop)
{
    if (!w->running) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = w->stop || stop;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->running = false;
}

int relais_plan_writer_finish(relais_plan_writer *w, int64_t *run_id)
{
    int rc = plan_writer_publish(w, true);
    writer_join(w, rc < 0);
    if (rc == 0 && w->rc < 0) {
        relais_error_set("%s", w->error ? w->error : _("erreur inconnue"));
        rc = w->rc;
    }
    if (rc == 0) {
        rc = apply_end(&w->st);
    }
    if (rc == 0 && run_id) {
        *run_id = w->st.run_id;
    }
    if (rc < 0) {
        apply_done(&w->st); /* rolled back now: the hub is free for what follows */
    }
    return rc;
}

void relais_plan_writer_free(relais_plan_writer *w)
{
    if (w == NULL) {
        return;
    }
    writer_join(w, true);
    if (w->st.p && w->st.p->writer == w) {
        w->st.p->writer = NULL;
    }
    apply_done(&w->st);
    util_spool_cursor_close(&w->cur);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    util_free(w->error);
    util_free(w);
}
