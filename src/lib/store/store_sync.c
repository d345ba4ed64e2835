/*
 * store_sync.c — the queries of partner synchronisation and safe automation
 * (include/relais/store.h, second half): organisations and establishment
 * switches, sync keys, feed cursors and pages, pulls, safety thresholds, run
 * listing and the persisted plans of quarantined runs.
 *
 * Kept apart from store.c so that the hub's core queries stay readable; it
 * uses the same driver and the statement cache of store_internal.h.
 */
#include "store_internal.h"

#include <string.h>

/* ------------------------------------------------------------ helpers */

static int bind_i(relais_store *s, store_stmt *st, int idx, int64_t v)
{
    return store_drv(s)->bind_int64(st, idx, v);
}

static int64_t col_i(relais_store *s, store_stmt *st, int col)
{
    return store_drv(s)->column_int64(st, col);
}

/* Step a one-integer query (0 when no row). */
static int one_int(int64_t *out, relais_store *s, store_stmt *st)
{
    int rc = store_drv(s)->step(st);
    *out = rc == 1 ? col_i(s, st, 0) : 0;
    store_drv(s)->reset(st);
    return rc < 0 ? rc : 0;
}

int relais_store_relax_durability(relais_store *s)
{
    return store_drv(s)->exec(store_handle(s), "PRAGMA synchronous=NORMAL");
}

/* ----------------------------------------------------- journal, more */

#define CHANGE_COLUMNS "seq, run_id, COALESCE(scope_id, 0), kind, entity_id, op, data"

static int change_rows(relais_store *s, store_stmt *st, relais_change_cb cb, void *payload)
{
    const store_driver *d = store_drv(s);
    int rc;
    while ((rc = d->step(st)) == 1) {
        relais_change c = {
            .seq = d->column_int64(st, 0),
            .run_id = d->column_int64(st, 1),
            .scope_id = d->column_int64(st, 2),
            .kind = d->column_text(st, 3, NULL),
            .entity_id = d->column_int64(st, 4),
            .op = d->column_text(st, 5, NULL),
            .data = d->column_text(st, 6, NULL),
        };
        rc = cb(&c, payload);
        if (rc != 0) {
            break;
        }
    }
    d->reset(st);
    return rc;
}

int relais_store_run_changes_foreach(relais_store *s, int64_t run_id, bool reverse,
                                     relais_change_cb cb, void *payload)
{
    static const char *const fwd =
        "SELECT " CHANGE_COLUMNS " FROM change WHERE run_id = ? ORDER BY seq";
    static const char *const rev =
        "SELECT " CHANGE_COLUMNS " FROM change WHERE run_id = ? ORDER BY seq DESC";
    store_stmt *st;
    int rc = store_cached(&st, s, reverse ? rev : fwd);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    return change_rows(s, st, cb, payload);
}

int relais_store_run_change_count(size_t *n, relais_store *s, int64_t run_id)
{
    static const char *const sql = "SELECT count(*) FROM change WHERE run_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    int64_t v;
    rc = one_int(&v, s, st);
    *n = (size_t)v;
    return rc;
}

int relais_store_change_foreach_scopes(relais_store *s, int64_t after_seq, int64_t up_to_seq,
                                       const int64_t *scope_ids, size_t n_scopes, size_t limit,
                                       relais_change_cb cb, void *payload)
{
    /* One statement per number of scopes (1..8), prepared once. */
    static const char *const sqls[8] = {
#define CHG_SCOPES(list)                                                                          \
    "SELECT " CHANGE_COLUMNS " FROM change WHERE seq > ? AND seq <= ? AND scope_id IN (" list     \
    ") ORDER BY seq LIMIT ?"
        CHG_SCOPES("?"),
        CHG_SCOPES("?,?"),
        CHG_SCOPES("?,?,?"),
        CHG_SCOPES("?,?,?,?"),
        CHG_SCOPES("?,?,?,?,?"),
        CHG_SCOPES("?,?,?,?,?,?"),
        CHG_SCOPES("?,?,?,?,?,?,?"),
        CHG_SCOPES("?,?,?,?,?,?,?,?"),
#undef CHG_SCOPES
    };
    if (n_scopes == 0) {
        return 0;
    }
    if (n_scopes > UTIL_ARRAY_LEN(sqls)) {
        relais_error_set("%s", _("trop de périmètres dans une requête du journal"));
        return RELAIS_EINVALID;
    }
    store_stmt *st;
    int rc = store_cached(&st, s, sqls[n_scopes - 1]);
    if (rc < 0) {
        return rc;
    }
    int idx = 1;
    bind_i(s, st, idx++, after_seq);
    bind_i(s, st, idx++, up_to_seq > 0 ? up_to_seq : INT64_MAX);
    for (size_t i = 0; i < n_scopes; i++) {
        bind_i(s, st, idx++, scope_ids[i]);
    }
    bind_i(s, st, idx, limit > 0 ? (int64_t)limit : -1);
    return change_rows(s, st, cb, payload);
}

int relais_store_change_last_seq_scope(int64_t *seq, relais_store *s, int64_t scope_id)
{
    static const char *const sql = "SELECT COALESCE(MAX(seq), 0) FROM change WHERE scope_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, scope_id);
    return one_int(seq, s, st);
}

int relais_store_change_last_seq_entity(int64_t *seq, relais_store *s, int64_t entity_id)
{
    static const char *const sql = "SELECT COALESCE(MAX(seq), 0) FROM change WHERE entity_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, entity_id);
    return one_int(seq, s, st);
}

int relais_store_record_page(relais_store *s, relais_kind kind, int64_t scope_id,
                             int64_t after_id, size_t limit, relais_record_cb cb, void *payload)
{
    /*
     * Through the entity index (scope_id, kind, is_active): rows come in id
     * order without sorting. One statement per kind, built on first use and
     * cached under the address of the kind's catalogue entry.
     */
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    store_stmt *st = NULL;
    int rc = 0;
    if (!store_cached_find(&st, s, ki)) {
        util_buf b = UTIL_BUF_INIT;
        store_append_select(&b, ki);
        util_buf_puts(&b, " WHERE e.scope_id = ? AND e.kind = ? AND e.is_active = 1 AND e.id > ?"
                          " ORDER BY e.id LIMIT ?");
        rc = b.failed ? RELAIS_ENOMEM : store_cached_add(&st, s, ki, util_buf_cstr(&b));
        util_buf_free(&b);
        if (rc < 0) {
            return rc;
        }
    }
    bind_i(s, st, 1, scope_id);
    store_bind_text(s, st, 2, ki->name);
    bind_i(s, st, 3, after_id);
    bind_i(s, st, 4, limit > 0 ? (int64_t)limit : -1);
    util_arena *a = NULL;
    rc = util_arena_new(&a, 16 * 1024);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        relais_record *r;
        util_arena_reset(a);
        rc = store_read_record(&r, s, st, ki, a);
        if (rc == 0) {
            rc = cb(r, payload);
        }
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}

/* ---------------------------------------------------------------- runs */

int relais_store_run_foreach(relais_store *s, int64_t scope_id, const char *status, size_t limit,
                             int (*cb)(const relais_run *r, void *payload), void *payload)
{
    static const char *const sql =
        "SELECT " STORE_RUN_COLUMNS " FROM run r WHERE (? = 0 OR EXISTS (SELECT 1 FROM run_scope "
        "rs WHERE rs.run_id = r.id AND rs.scope_id = ?)) AND (? IS NULL OR r.status = ?) "
        "ORDER BY r.id DESC LIMIT ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, scope_id);
    bind_i(s, st, 2, scope_id);
    store_bind_text(s, st, 3, status);
    store_bind_text(s, st, 4, status);
    bind_i(s, st, 5, limit > 0 ? (int64_t)limit : -1);
    util_arena *a = NULL;
    rc = util_arena_new(&a, 4096);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        relais_run *r;
        util_arena_reset(a);
        rc = store_read_run(&r, s, st, a);
        if (rc == 0) {
            rc = cb(r, payload);
        }
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}

int relais_store_run_uais(const char **out, relais_store *s, util_arena *arena, int64_t run_id)
{
    static const char *const sql =
        "SELECT e.uai FROM run_scope rs JOIN scope sc ON sc.id = rs.scope_id "
        "JOIN establishment e ON e.id = sc.establishment_id WHERE rs.run_id = ? ORDER BY e.uai";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    util_buf b = UTIL_BUF_INIT;
    while ((rc = store_drv(s)->step(st)) == 1) {
        if (b.len) {
            util_buf_putc(&b, ',');
        }
        util_buf_puts(&b, store_drv(s)->column_text(st, 0, NULL));
    }
    store_drv(s)->reset(st);
    if (rc == 0) {
        *out = util_arena_strdup(arena, util_buf_cstr(&b));
        rc = *out && !b.failed ? 0 : RELAIS_ENOMEM;
    }
    util_buf_free(&b);
    return rc;
}

int relais_store_run_transition(relais_store *s, int64_t run_id, const char *from, const char *to,
                                int64_t reverted_by, bool approved)
{
    static const char *const sql =
        "UPDATE run SET status = ?, reverted_by = COALESCE(?, reverted_by), "
        "approved_at = CASE WHEN ? THEN ? ELSE approved_at END WHERE id = ? AND status = ? "
        "RETURNING id";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    store_bind_text(s, st, 1, to);
    store_bind_opt_id(s, st, 2, reverted_by);
    bind_i(s, st, 3, approved ? 1 : 0);
    store_bind_text(s, st, 4, now);
    bind_i(s, st, 5, run_id);
    store_bind_text(s, st, 6, from);
    rc = store_drv(s)->step(st);
    store_drv(s)->reset(st);
    if (rc == 0) {
        relais_error_set(_("l'exécution n°%lld n'est pas %s"), (long long)run_id, from);
        return RELAIS_ECONFLICT;
    }
    return rc < 0 ? rc : 0;
}

int relais_store_run_set_links(relais_store *s, int64_t run_id, const char *reason,
                               int64_t reverts)
{
    static const char *const sql = "UPDATE run SET reason = ?, reverts = ? WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, reason);
    store_bind_opt_id(s, st, 2, reverts);
    bind_i(s, st, 3, run_id);
    return store_step_done(s, st);
}

int relais_store_run_plan_put(relais_store *s, int64_t run_id, int64_t base_seq, const void *data,
                              size_t len)
{
    static const char *const sql = "INSERT INTO run_plan (run_id, base_seq, plan) VALUES (?, ?, ?)";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    bind_i(s, st, 2, base_seq);
    rc = store_drv(s)->bind_blob(st, 3, data, len);
    if (rc < 0) {
        store_drv(s)->reset(st);
        return rc;
    }
    return store_step_done(s, st);
}

int relais_store_run_plan_get(void **data, size_t *len, int64_t *base_seq, relais_store *s,
                              int64_t run_id)
{
    static const char *const sql = "SELECT base_seq, plan FROM run_plan WHERE run_id = ?";
    store_stmt *st;
    *data = NULL;
    *len = 0;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    rc = store_drv(s)->step(st);
    if (rc == 1) {
        *base_seq = col_i(s, st, 0);
        size_t n;
        const void *b = store_drv(s)->column_blob(st, 1, &n);
        *data = util_malloc(n ? n : 1);
        if (*data == NULL) {
            rc = RELAIS_ENOMEM;
        } else {
            if (n) {
                memcpy(*data, b, n);
            }
            *len = n;
            rc = 0;
        }
    } else if (rc == 0) {
        relais_error_set(_("l'exécution n°%lld n'a pas de plan en attente"), (long long)run_id);
        rc = RELAIS_ENOTFOUND;
    }
    store_drv(s)->reset(st);
    return rc;
}

int relais_store_run_plan_delete(relais_store *s, int64_t run_id)
{
    static const char *const sql = "DELETE FROM run_plan WHERE run_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, run_id);
    return store_step_done(s, st);
}

/* ------------------------------------------------------- organisations */

#define ORG_COLUMNS "id, name, categories, max_uais, up_to_date_status, created_at, partner"

static int read_org(relais_organisation **out, relais_store *s, store_stmt *st, util_arena *a)
{
    relais_organisation *o = util_arena_alloc(a, sizeof *o);
    if (o == NULL) {
        return RELAIS_ENOMEM;
    }
    o->id = col_i(s, st, 0);
    o->name = store_col_text(s, st, 1, a);
    o->categories = store_col_text(s, st, 2, a);
    o->max_uais = (int)col_i(s, st, 3);
    o->up_to_date_status = (int)col_i(s, st, 4);
    o->created_at = store_col_text(s, st, 5, a);
    o->partner = store_col_text(s, st, 6, a);
    *out = o;
    return o->name && o->categories ? 0 : RELAIS_ENOMEM;
}

int relais_store_org_insert(int64_t *id, relais_store *s, const char *name)
{
    static const char *const sql =
        "INSERT INTO organisation (name, created_at) VALUES (?, ?)";
    store_stmt *st;
    int rc = store_cached_insert(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    store_bind_text(s, st, 1, name);
    store_bind_text(s, st, 2, now);
    rc = store_step_insert(id, s, st);
    if (rc == RELAIS_ECONFLICT) {
        relais_error_set(_("l'organisation « %s » existe déjà"), name);
    }
    return rc;
}

static int org_one(relais_organisation **out, relais_store *s, util_arena *a, store_stmt *st,
                   const char *what)
{
    int rc = store_drv(s)->step(st);
    if (rc == 1) {
        rc = read_org(out, s, st, a);
    } else if (rc == 0) {
        relais_error_set(_("organisation %s inconnue"), what);
        rc = RELAIS_ENOTFOUND;
    }
    store_drv(s)->reset(st);
    return rc;
}

int relais_store_org_find(relais_organisation **out, relais_store *s, util_arena *arena,
                          const char *name)
{
    static const char *const sql = "SELECT " ORG_COLUMNS " FROM organisation WHERE name = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, name);
    char what[160];
    snprintf(what, sizeof what, "« %s »", name);
    return org_one(out, s, arena, st, what);
}

int relais_store_org_get(relais_organisation **out, relais_store *s, util_arena *arena,
                         int64_t id)
{
    static const char *const sql = "SELECT " ORG_COLUMNS " FROM organisation WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, id);
    char what[32];
    snprintf(what, sizeof what, "n°%lld", (long long)id);
    return org_one(out, s, arena, st, what);
}

int relais_store_org_foreach(relais_store *s, relais_organisation_cb cb, void *payload)
{
    static const char *const sql = "SELECT " ORG_COLUMNS " FROM organisation ORDER BY name";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    util_arena *a = NULL;
    rc = util_arena_new(&a, 1024);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        relais_organisation *o;
        util_arena_reset(a);
        rc = read_org(&o, s, st, a);
        if (rc == 0) {
            rc = cb(o, payload);
        }
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}

int relais_store_org_update(relais_store *s, const relais_organisation *o)
{
    static const char *const sql = "UPDATE organisation SET categories = ?, max_uais = ?, "
                                   "up_to_date_status = ?, partner = ? WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, o->categories);
    bind_i(s, st, 2, o->max_uais);
    bind_i(s, st, 3, o->up_to_date_status);
    store_bind_text(s, st, 4, o->partner);
    bind_i(s, st, 5, o->id);
    return store_step_done(s, st);
}

int relais_store_org_establishments(relais_store *s, int64_t org_id, relais_establishment_cb cb,
                                    void *payload)
{
    static const char *const sql =
        "SELECT " STORE_ETAB_COLUMNS " FROM establishment WHERE organisation_id = ? ORDER BY uai";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, org_id);
    util_arena *a = NULL;
    rc = util_arena_new(&a, 1024);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        relais_establishment *e;
        util_arena_reset(a);
        rc = store_read_establishment(&e, s, st, a);
        if (rc == 0) {
            rc = cb(e, payload);
        }
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}

int relais_store_establishment_set_org(relais_store *s, int64_t establishment_id, int64_t org_id)
{
    static const char *const sql = "UPDATE establishment SET organisation_id = ? WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_opt_id(s, st, 1, org_id);
    bind_i(s, st, 2, establishment_id);
    return store_step_done(s, st);
}

int relais_store_establishment_set_switches(relais_store *s, int64_t establishment_id, int sync,
                                            int billing)
{
    static const char *const sql =
        "UPDATE establishment SET sync_enabled = CASE WHEN ? < 0 THEN sync_enabled ELSE ? END, "
        "billing_enabled = CASE WHEN ? < 0 THEN billing_enabled ELSE ? END WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, sync);
    bind_i(s, st, 2, sync > 0 ? 1 : 0);
    bind_i(s, st, 3, billing);
    bind_i(s, st, 4, billing > 0 ? 1 : 0);
    bind_i(s, st, 5, establishment_id);
    return store_step_done(s, st);
}

int relais_store_establishment_synced(relais_store *s, const char *uai, const char *at)
{
    static const char *const sql =
        "UPDATE establishment SET last_sync_at = ? WHERE uai = ? AND "
        "(last_sync_at IS NULL OR last_sync_at < ?)";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char norm[9];
    store_normalise_uai(norm, uai);
    store_bind_text(s, st, 1, at);
    store_bind_text(s, st, 2, norm);
    store_bind_text(s, st, 3, at);
    return store_step_done(s, st);
}

/* ----------------------------------------------------------- sync keys */

#define KEY_COLUMNS                                                                               \
    "id, organisation_id, hash, hint, created_at, revoked_at, last_used_at, COALESCE(replaces, 0)"

int relais_store_key_insert(int64_t *id, relais_store *s, int64_t org_id, const char *hash,
                            const char *hint, int64_t replaces)
{
    static const char *const sql =
        "INSERT INTO sync_key (organisation_id, hash, hint, created_at, replaces) "
        "VALUES (?, ?, ?, ?, ?)";
    store_stmt *st;
    int rc = store_cached_insert(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    bind_i(s, st, 1, org_id);
    store_bind_text(s, st, 2, hash);
    store_bind_text(s, st, 3, hint);
    store_bind_text(s, st, 4, now);
    store_bind_opt_id(s, st, 5, replaces);
    return store_step_insert(id, s, st);
}

int relais_store_key_revoke(relais_store *s, int64_t key_id)
{
    static const char *const sql =
        "UPDATE sync_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    store_bind_text(s, st, 1, now);
    bind_i(s, st, 2, key_id);
    return store_step_done(s, st);
}

int relais_store_key_foreach(relais_store *s, int64_t org_id, bool valid_only,
                             relais_sync_key_cb cb, void *payload)
{
    static const char *const sql = "SELECT " KEY_COLUMNS " FROM sync_key WHERE organisation_id = ? "
                                   "AND (? = 0 OR revoked_at IS NULL) ORDER BY id";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, org_id);
    bind_i(s, st, 2, valid_only ? 1 : 0);
    util_arena *a = NULL;
    rc = util_arena_new(&a, 1024);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        util_arena_reset(a);
        relais_sync_key k = {
            .id = col_i(s, st, 0),
            .organisation_id = col_i(s, st, 1),
            .hash = store_col_text(s, st, 2, a),
            .hint = store_col_text(s, st, 3, a),
            .created_at = store_col_text(s, st, 4, a),
            .revoked_at = store_col_text(s, st, 5, a),
            .last_used_at = store_col_text(s, st, 6, a),
            .replaces = col_i(s, st, 7),
        };
        rc = k.hash ? cb(&k, payload) : RELAIS_ENOMEM;
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}

int relais_store_key_used(relais_store *s, int64_t key_id, const char *at)
{
    static const char *const sql =
        "UPDATE sync_key SET last_used_at = ? WHERE id = ? AND "
        "(last_used_at IS NULL OR last_used_at < ?)";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, at);
    bind_i(s, st, 2, key_id);
    store_bind_text(s, st, 3, at);
    return store_step_done(s, st);
}

/* ---------------------------------------------------------- feed cursors */

#define CURSOR_COLUMNS                                                                            \
    "id, key_id, uais, year, categories, phase, base_seq, acked_pos, acked_seq, batch, pending, " \
    "end_pos, end_seq, read_seq, end_last, n_items, delivered, delivery"

int relais_store_cursor_get(relais_feed_cursor **out, relais_store *s, util_arena *arena,
                            int64_t key_id, const char *uais, int year)
{
    static const char *const sql = "SELECT " CURSOR_COLUMNS " FROM feed_cursor "
                                   "WHERE key_id = ? AND uais = ? AND year = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, key_id);
    store_bind_text(s, st, 2, uais);
    bind_i(s, st, 3, year);
    rc = store_drv(s)->step(st);
    if (rc == 1) {
        relais_feed_cursor *c = util_arena_alloc(arena, sizeof *c);
        if (c == NULL) {
            rc = RELAIS_ENOMEM;
        } else {
            const char *phase = store_drv(s)->column_text(st, 5, NULL);
            *c = (relais_feed_cursor){
                .id = col_i(s, st, 0),
                .key_id = col_i(s, st, 1),
                .uais = store_col_text(s, st, 2, arena),
                .year = (int)col_i(s, st, 3),
                .categories = store_col_text(s, st, 4, arena),
                .full = phase && strcmp(phase, "full") == 0,
                .base_seq = col_i(s, st, 6),
                .acked_pos = col_i(s, st, 7),
                .acked_seq = col_i(s, st, 8),
                .batch = col_i(s, st, 9),
                .pending = col_i(s, st, 10) != 0,
                .end_pos = col_i(s, st, 11),
                .end_seq = col_i(s, st, 12),
                .read_seq = col_i(s, st, 13),
                .end_last = col_i(s, st, 14) != 0,
                .n_items = col_i(s, st, 15),
                .delivered = col_i(s, st, 16) != 0,
                .delivery = col_i(s, st, 17),
            };
            rc = c->uais && c->categories ? 0 : RELAIS_ENOMEM;
            *out = c;
        }
    } else if (rc == 0) {
        rc = RELAIS_ENOTFOUND;
    }
    store_drv(s)->reset(st);
    return rc;
}

/* Bind the mutable fields of a cursor from index `idx`; returns the next index. */
static int bind_cursor_state(relais_store *s, store_stmt *st, int idx, const relais_feed_cursor *c)
{
    store_bind_text(s, st, idx++, c->categories);
    store_bind_text(s, st, idx++, c->full ? "full" : "changes");
    bind_i(s, st, idx++, c->base_seq);
    bind_i(s, st, idx++, c->acked_pos);
    bind_i(s, st, idx++, c->acked_seq);
    bind_i(s, st, idx++, c->batch);
    bind_i(s, st, idx++, c->pending);
    bind_i(s, st, idx++, c->end_pos);
    bind_i(s, st, idx++, c->end_seq);
    bind_i(s, st, idx++, c->read_seq);
    bind_i(s, st, idx++, c->end_last);
    bind_i(s, st, idx++, c->n_items);
    bind_i(s, st, idx++, c->delivered);
    bind_i(s, st, idx++, c->delivery);
    return idx;
}

int relais_store_cursor_insert(int64_t *id, relais_store *s, const relais_feed_cursor *c)
{
    static const char *const sql =
        "INSERT INTO feed_cursor (key_id, uais, year, categories, phase, base_seq, acked_pos, "
        "acked_seq, batch, pending, end_pos, end_seq, read_seq, end_last, n_items, delivered, "
        "delivery, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    store_stmt *st;
    int rc = store_cached_insert(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    bind_i(s, st, 1, c->key_id);
    store_bind_text(s, st, 2, c->uais);
    bind_i(s, st, 3, c->year);
    int idx = bind_cursor_state(s, st, 4, c);
    store_bind_text(s, st, idx++, now);
    store_bind_text(s, st, idx, now);
    return store_step_insert(id, s, st);
}

int relais_store_cursor_update(relais_store *s, const relais_feed_cursor *c)
{
    static const char *const sql =
        "UPDATE feed_cursor SET categories = ?, phase = ?, base_seq = ?, acked_pos = ?, "
        "acked_seq = ?, batch = ?, pending = ?, end_pos = ?, end_seq = ?, read_seq = ?, "
        "end_last = ?, n_items = ?, delivered = ?, delivery = ?, updated_at = ? WHERE id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    int idx = bind_cursor_state(s, st, 1, c);
    store_bind_text(s, st, idx++, now);
    bind_i(s, st, idx, c->id);
    return store_step_done(s, st);
}

int relais_store_cursor_delivered(relais_store *s, int64_t cursor_id, int64_t batch,
                                  int64_t delivery)
{
    static const char *const sql = "UPDATE feed_cursor SET delivered = 1 WHERE id = ? AND "
                                   "batch = ? AND delivery = ? AND pending = 1";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, cursor_id);
    bind_i(s, st, 2, batch);
    bind_i(s, st, 3, delivery);
    return store_step_done(s, st);
}

int relais_store_cursor_move_key(relais_store *s, int64_t from, int64_t to)
{
    static const char *const sql = "UPDATE feed_cursor SET key_id = ? WHERE key_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, to);
    bind_i(s, st, 2, from);
    return store_step_done(s, st);
}

int relais_store_feed_page_add(relais_store *s, int64_t cursor_id, int64_t end_pos,
                               int64_t read_seq)
{
    static const char *const sql =
        "INSERT INTO feed_page (cursor_id, end_pos, read_seq) VALUES (?, ?, ?) "
        "ON CONFLICT (cursor_id, end_pos) DO UPDATE SET read_seq = excluded.read_seq";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, cursor_id);
    bind_i(s, st, 2, end_pos);
    bind_i(s, st, 3, read_seq);
    return store_step_done(s, st);
}

int relais_store_feed_page_foreach(relais_store *s, int64_t cursor_id,
                                   int (*cb)(int64_t end_pos, int64_t read_seq, void *payload),
                                   void *payload)
{
    static const char *const sql =
        "SELECT end_pos, read_seq FROM feed_page WHERE cursor_id = ? ORDER BY end_pos";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, cursor_id);
    while ((rc = store_drv(s)->step(st)) == 1) {
        rc = cb(col_i(s, st, 0), col_i(s, st, 1), payload);
        if (rc != 0) {
            break;
        }
    }
    store_drv(s)->reset(st);
    return rc;
}

int relais_store_feed_page_clear(relais_store *s, int64_t cursor_id)
{
    static const char *const sql = "DELETE FROM feed_page WHERE cursor_id = ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, cursor_id);
    return store_step_done(s, st);
}

/* --------------------------------------------------------------- pulls */

int relais_store_pull_insert(relais_store *s, const relais_pull *p)
{
    static const char *const sql =
        "INSERT INTO pull (organisation_id, key_id, uais, at, status, phase, batch, n_changes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, p->organisation_id);
    store_bind_opt_id(s, st, 2, p->key_id);
    store_bind_text(s, st, 3, p->uais);
    store_bind_text(s, st, 4, p->at);
    bind_i(s, st, 5, p->status);
    store_bind_text(s, st, 6, p->phase);
    store_bind_opt_id(s, st, 7, p->batch);
    bind_i(s, st, 8, p->n_changes);
    return store_step_done(s, st);
}

int relais_store_pull_foreach(relais_store *s, int64_t org_id, size_t limit,
                              int (*cb)(const relais_pull *p, void *payload), void *payload)
{
    static const char *const sql =
        "SELECT organisation_id, COALESCE(key_id, 0), uais, at, status, phase, "
        "COALESCE(batch, 0), n_changes FROM pull WHERE (? = 0 OR organisation_id = ?) "
        "ORDER BY id DESC LIMIT ?";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, org_id);
    bind_i(s, st, 2, org_id);
    bind_i(s, st, 3, limit > 0 ? (int64_t)limit : -1);
    const store_driver *d = store_drv(s);
    while ((rc = d->step(st)) == 1) {
        relais_pull p = {
            .organisation_id = col_i(s, st, 0),
            .key_id = col_i(s, st, 1),
            .uais = d->column_text(st, 2, NULL),
            .at = d->column_text(st, 3, NULL),
            .status = (int)col_i(s, st, 4),
            .phase = d->column_text(st, 5, NULL),
            .batch = col_i(s, st, 6),
            .n_changes = col_i(s, st, 7),
        };
        rc = cb(&p, payload);
        if (rc != 0) {
            break;
        }
    }
    d->reset(st);
    return rc;
}

/* ------------------------------------------------------------ thresholds */

static void read_threshold(relais_threshold *t, relais_store *s, store_stmt *st, util_arena *a)
{
    int k = relais_kind_by_name(store_drv(s)->column_text(st, 2, NULL));
    t->establishment_id = col_i(s, st, 0);
    t->uai = a ? store_col_text(s, st, 1, a) : NULL;
    t->kind = k < 0 ? RELAIS_KIND_STUDENT : (relais_kind)k;
    t->max_percent = store_drv(s)->column_is_null(st, 3) ? -1 : (int)col_i(s, st, 3);
    t->max_count = store_drv(s)->column_is_null(st, 4) ? -1 : col_i(s, st, 4);
}

int relais_store_threshold_get(relais_threshold *out, relais_store *s, int64_t establishment_id,
                               relais_kind kind)
{
    /* The establishment's own row wins over the row for every establishment. */
    static const char *const sql =
        "SELECT COALESCE(t.establishment_id, 0), NULL, t.kind, t.max_percent, t.max_count "
        "FROM threshold t WHERE t.kind = ? AND (t.establishment_id = ? OR t.establishment_id IS "
        "NULL) ORDER BY t.establishment_id IS NULL LIMIT 1";
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, ki->name);
    bind_i(s, st, 2, establishment_id);
    rc = store_drv(s)->step(st);
    if (rc == 1) {
        read_threshold(out, s, st, NULL);
        rc = 0;
    } else if (rc == 0) {
        rc = RELAIS_ENOTFOUND;
    }
    store_drv(s)->reset(st);
    return rc;
}

int relais_store_threshold_set(relais_store *s, int64_t establishment_id, relais_kind kind,
                               int max_percent, int64_t max_count)
{
    int rc = relais_store_threshold_delete(s, establishment_id, kind);
    if (rc < 0) {
        return rc;
    }
    static const char *const sql =
        "INSERT INTO threshold (establishment_id, kind, max_percent, max_count) VALUES (?, ?, ?, ?)";
    store_stmt *st;
    rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    store_bind_opt_id(s, st, 1, establishment_id);
    store_bind_text(s, st, 2, relais_kind_get(kind)->name);
    if (max_percent >= 0) {
        bind_i(s, st, 3, max_percent);
    } else {
        store_drv(s)->bind_null(st, 3);
    }
    if (max_count >= 0) {
        bind_i(s, st, 4, max_count);
    } else {
        store_drv(s)->bind_null(st, 4);
    }
    return store_step_done(s, st);
}

int relais_store_threshold_delete(relais_store *s, int64_t establishment_id, relais_kind kind)
{
    static const char *const sql =
        "DELETE FROM threshold WHERE COALESCE(establishment_id, 0) = ? AND kind = ?";
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    bind_i(s, st, 1, establishment_id > 0 ? establishment_id : 0);
    store_bind_text(s, st, 2, ki->name);
    return store_step_done(s, st);
}

int relais_store_threshold_foreach(relais_store *s,
                                   int (*cb)(const relais_threshold *t, void *payload),
                                   void *payload)
{
    static const char *const sql =
        "SELECT COALESCE(t.establishment_id, 0), e.uai, t.kind, t.max_percent, t.max_count "
        "FROM threshold t LEFT JOIN establishment e ON e.id = t.establishment_id "
        "ORDER BY e.uai IS NOT NULL, e.uai, t.kind";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    util_arena *a = NULL;
    rc = util_arena_new(&a, 512);
    while (rc == 0 && (rc = store_drv(s)->step(st)) == 1) {
        relais_threshold t;
        util_arena_reset(a);
        read_threshold(&t, s, st, a);
        rc = cb(&t, payload);
    }
    store_drv(s)->reset(st);
    util_arena_free(a);
    return rc;
}
