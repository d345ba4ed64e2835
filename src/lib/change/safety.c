/*
 * safety.c — safety on apply: thresholds on deactivations, quarantine of a
 * plan that exceeds them (the plan is serialized into the hub so that a person
 * can approve it later), and approval.
 *
 * Why serialize rather than re-run the import on approval: the source files
 * may be gone or changed by then; the person approves exactly what the report
 * showed. The plan is applied only if its establishments and years did not
 * change in between (plan_check_unchanged), otherwise the import must run again.
 *
 * Serialized form (a private format, versioned, native byte order with a
 * marker so that a hub copied to a machine of the other byte order is refused
 * rather than misread):
 *   "RLPLAN" u8 version u8 sizeof(op_header), u32 0x01020304,
 *   str command, str sources_json (without the closing bracket),
 *   u64 n_sources, i64 base_seq, i64 next_scope_ref, i64 n_creates,
 *   u64 n_changes, u64 n_warnings[3], u64 n_scopes, then per scope:
 *     str uai, i64 year, i64 ref, i64 establishment_id, u8 flags,
 *     str name type sector old_name old_type old_sector, str calendar[4],
 *     str old_calendar[4], u64 counters[RELAIS_KIND_COUNT][RELAIS_COUNT_N],
 *   u64 ops length + ops bytes, u64 warnings length + warnings bytes.
 * str = u32 length (UINT32_MAX for NULL) + bytes.
 */
#include "change_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <string.h>

#define PLAN_MAGIC "RLPLAN"
#define PLAN_VERSION 1
#define PLAN_ORDER 0x01020304u

static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void json_alloc_init(void)
{
    json_set_alloc_funcs(util_malloc, util_free);
}

void change_json_init(void)
{
    pthread_once(&json_once, json_alloc_init);
}

int64_t relais_plan_reverts(const relais_plan *p)
{
    return p->reverts;
}

/* ------------------------------------------------------------ thresholds */

int relais_threshold_effective(relais_threshold *out, relais_store *s, int64_t establishment_id,
                               relais_kind kind)
{
    int rc = relais_store_threshold_get(out, s, establishment_id, kind);
    if (rc != RELAIS_ENOTFOUND) {
        return rc;
    }
    bool people = kind == RELAIS_KIND_STUDENT || kind == RELAIS_KIND_GUARDIAN;
    *out = (relais_threshold){
        .establishment_id = 0,
        .kind = kind,
        .max_percent = people ? RELAIS_THRESHOLD_DEFAULT_PERCENT : -1,
        .max_count = people ? RELAIS_THRESHOLD_DEFAULT_COUNT : -1,
    };
    return 0;
}

int relais_plan_check(relais_breach **breaches, size_t *n_breaches, relais_plan *p)
{
    *breaches = NULL;
    *n_breaches = 0;
    relais_breach *list = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; i < p->n_scopes && rc == 0; i++) {
        const plan_scope *sc = &p->scopes[i];
        if (sc->creates_year) {
            continue; /* nothing stored yet: nothing to deactivate */
        }
        for (int k = 0; k < RELAIS_KIND_COUNT && rc == 0; k++) {
            size_t d = sc->counters[k][RELAIS_COUNT_DEACTIVATED];
            if (d == 0) {
                continue;
            }
            relais_threshold t;
            rc = relais_threshold_effective(&t, p->store, sc->establishment_id, (relais_kind)k);
            size_t active = 0;
            if (rc == 0) {
                rc = relais_store_record_count(&active, NULL, p->store, (relais_kind)k, sc->ref);
            }
            if (rc < 0) {
                break;
            }
            bool over_percent = t.max_percent >= 0 && active > 0 &&
                                (uint64_t)d * 100 > (uint64_t)t.max_percent * active;
            bool over_count = t.max_count >= 0 && (int64_t)d > t.max_count;
            if (!over_percent && !over_count) {
                continue;
            }
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                relais_breach *nl = util_realloc(list, ncap * sizeof *nl);
                if (nl == NULL) {
                    rc = RELAIS_ENOMEM;
                    break;
                }
                list = nl;
                cap = ncap;
            }
            list[n++] = (relais_breach){
                .scope_index = i,
                .uai = sc->uai,
                .year = sc->year,
                .kind = (relais_kind)k,
                .deactivated = d,
                .active = active,
                .max_percent = t.max_percent,
                .max_count = t.max_count,
            };
        }
    }
    if (rc < 0) {
        util_free(list);
        return rc;
    }
    *breaches = list;
    *n_breaches = n;
    return 0;
}

/* --------------------------------------------------------- serialization */

static void put_u8(util_buf *b, uint8_t v)
{
    util_buf_append(b, &v, sizeof v);
}

static void put_u32(util_buf *b, uint32_t v)
{
    util_buf_append(b, &v, sizeof v);
}

static void put_u64(util_buf *b, uint64_t v)
{
    util_buf_append(b, &v, sizeof v);
}

static void put_i64(util_buf *b, int64_t v)
{
    util_buf_append(b, &v, sizeof v);
}

static void put_str(util_buf *b, const char *s)
{
    if (s == NULL) {
        put_u32(b, NULL_LEN);
        return;
    }
    size_t len = strlen(s);
    put_u32(b, (uint32_t)len);
    util_buf_append(b, s, len);
}

static int put_spool(util_buf *b, util_spool *sp)
{
    size_t size = util_spool_size(sp);
    put_u64(b, size);
    util_spool_cursor cur;
    int rc = util_spool_cursor_open(&cur, sp);
    if (rc == 0 && size > 0) {
        rc = util_buf_grow(b, size);
    }
    if (rc == 0 && size > 0 && util_spool_cursor_read(&cur, b->data + b->len, size) < 0) {
        relais_error_set("%s", _("relecture du plan impossible"));
        rc = RELAIS_EIO;
    }
    util_spool_cursor_close(&cur);
    if (rc < 0 || size == 0) {
        return rc;
    }
    b->len += size;
    b->data[b->len] = '\0';
    return 0;
}

int plan_serialize(util_buf *b, relais_plan *p)
{
    util_buf_append(b, PLAN_MAGIC, 6);
    put_u8(b, PLAN_VERSION);
    put_u8(b, (uint8_t)sizeof(op_header));
    put_u32(b, PLAN_ORDER);
    put_str(b, p->command);
    put_str(b, util_buf_cstr(&p->sources_json));
    put_u64(b, p->n_sources);
    put_i64(b, p->base_seq);
    put_i64(b, p->next_scope_ref);
    put_i64(b, p->n_creates);
    put_u64(b, p->n_changes);
    for (int i = 0; i < 3; i++) {
        put_u64(b, p->n_warnings[i]);
    }
    put_u64(b, p->n_scopes);
    for (size_t i = 0; i < p->n_scopes; i++) {
        const plan_scope *sc = &p->scopes[i];
        put_str(b, sc->uai);
        put_i64(b, sc->year);
        put_i64(b, sc->ref);
        put_i64(b, sc->establishment_id);
        put_u8(b, (uint8_t)(sc->creates_establishment | sc->creates_year << 1 |
                            sc->updates_establishment << 2 | sc->updates_calendar << 3));
        const char *strs[6] = {sc->name,     sc->type,     sc->sector,
                               sc->old_name, sc->old_type, sc->old_sector};
        for (int k = 0; k < 6; k++) {
            put_str(b, strs[k]);
        }
        for (int k = 0; k < 4; k++) {
            put_str(b, sc->calendar[k]);
        }
        for (int k = 0; k < 4; k++) {
            put_str(b, sc->old_calendar[k]);
        }
        for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
            for (int c = 0; c < RELAIS_COUNT_N; c++) {
                put_u64(b, sc->counters[k][c]);
            }
        }
    }
    int rc = put_spool(b, p->ops);
    if (rc == 0) {
        rc = put_spool(b, p->warnings);
    }
    if (rc == 0 && b->failed) {
        rc = RELAIS_ENOMEM;
    }
    return rc;
}

typedef struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
} reader;

static void get(reader *r, void *out, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
}

static uint64_t get_u64(reader *r)
{
    uint64_t v;
    get(r, &v, sizeof v);
    return v;
}

static int64_t get_i64(reader *r)
{
    int64_t v;
    get(r, &v, sizeof v);
    return v;
}

/* A string copied with util_strdup (NULL for an absent one); sets *rc on ENOMEM. */
static char *get_str(reader *r, int *rc)
{
    uint32_t len;
    get(r, &len, sizeof len);
    if (r->bad || len == NULL_LEN) {
        return NULL;
    }
    if (r->left < len) {
        r->bad = true;
        return NULL;
    }
    char *s = util_strndup((const char *)r->p, len);
    if (s == NULL) {
        *rc = RELAIS_ENOMEM;
    }
    r->p += len;
    r->left -= len;
    return s;
}

static int get_spool(reader *r, util_spool *sp)
{
    uint64_t n = get_u64(r);
    if (r->bad || n > r->left) {
        r->bad = true;
        return 0;
    }
    int rc = n ? util_spool_write(sp, r->p, (size_t)n) : 0;
    r->p += n;
    r->left -= (size_t)n;
    return rc;
}

int plan_deserialize(relais_plan **out, relais_store *s, const void *data, size_t len)
{
    *out = NULL;
    reader r = {data, len, false};
    char magic[6];
    uint8_t version, header_size;
    uint32_t order;
    get(&r, magic, sizeof magic);
    get(&r, &version, 1);
    get(&r, &header_size, 1);
    get(&r, &order, sizeof order);
    if (r.bad || memcmp(magic, PLAN_MAGIC, 6) != 0 || version != PLAN_VERSION ||
        header_size != sizeof(op_header) || order != PLAN_ORDER) {
        relais_error_set("%s", _("plan enregistré illisible (format inconnu ou autre machine)"));
        return RELAIS_EINVALID;
    }
    int rc = 0;
    char *command = get_str(&r, &rc);
    relais_plan *p = NULL;
    if (rc == 0 && !r.bad) {
        rc = relais_plan_new(&p, s, command ? command : "?");
    }
    util_free(command);
    if (rc == 0 && p) {
        char *sources = get_str(&r, &rc);
        util_buf_reset(&p->sources_json);
        if (sources) {
            util_buf_puts(&p->sources_json, sources);
        }
        util_free(sources);
        if (p->sources_json.failed) {
            rc = RELAIS_ENOMEM;
        }
        p->n_sources = (size_t)get_u64(&r);
        p->base_seq = get_i64(&r);
        p->next_scope_ref = get_i64(&r);
        p->n_creates = get_i64(&r);
        p->n_changes = (size_t)get_u64(&r);
        for (int i = 0; i < 3; i++) {
            p->n_warnings[i] = (size_t)get_u64(&r);
        }
        uint64_t n_scopes = get_u64(&r);
        if (n_scopes > r.left || p->n_creates < 0) {
            r.bad = true;
        }
        if (rc == 0 && !r.bad && n_scopes > 0) {
            p->scopes = util_calloc((size_t)n_scopes, sizeof *p->scopes);
            rc = p->scopes ? 0 : RELAIS_ENOMEM;
            p->cap_scopes = (size_t)n_scopes;
        }
        for (uint64_t i = 0; i < n_scopes && rc == 0 && !r.bad; i++) {
            plan_scope *sc = &p->scopes[i];
            p->n_scopes++; /* counted first so that relais_plan_free frees a partial scope */
            sc->uai = get_str(&r, &rc);
            sc->year = (int)get_i64(&r);
            sc->ref = get_i64(&r);
            sc->establishment_id = get_i64(&r);
            uint8_t flags;
            get(&r, &flags, 1);
            sc->creates_establishment = flags & 1;
            sc->creates_year = (flags >> 1) & 1;
            sc->updates_establishment = (flags >> 2) & 1;
            sc->updates_calendar = (flags >> 3) & 1;
            sc->name = get_str(&r, &rc);
            sc->type = get_str(&r, &rc);
            sc->sector = get_str(&r, &rc);
            sc->old_name = get_str(&r, &rc);
            sc->old_type = get_str(&r, &rc);
            sc->old_sector = get_str(&r, &rc);
            for (int k = 0; k < 4; k++) {
                sc->calendar[k] = get_str(&r, &rc);
            }
            for (int k = 0; k < 4; k++) {
                sc->old_calendar[k] = get_str(&r, &rc);
            }
            for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
                for (int c = 0; c < RELAIS_COUNT_N; c++) {
                    sc->counters[k][c] = (size_t)get_u64(&r);
                }
            }
            if (sc->uai == NULL) {
                r.bad = true;
            }
        }
        if (rc == 0 && !r.bad) {
            rc = get_spool(&r, p->ops);
        }
        if (rc == 0 && !r.bad) {
            rc = get_spool(&r, p->warnings);
        }
    }
    if (rc == 0 && (r.bad || r.left != 0)) {
        relais_error_set("%s", _("plan enregistré illisible (tronqué ou corrompu)"));
        rc = RELAIS_EINVALID;
    }
    if (rc < 0) {
        relais_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* ------------------------------------------------------------ quarantine */

/* {"breaches": [{"uai", "year", "category", "deactivated", "active", "max_percent", "max_count"}]} */
static char *reason_json(const relais_breach *b, size_t n)
{
    util_buf buf = UTIL_BUF_INIT;
    util_json j;
    util_json_init_buf(&j, &buf, false);
    util_json_object_begin(&j);
    util_json_key(&j, "breaches");
    util_json_array_begin(&j);
    for (size_t i = 0; i < n; i++) {
        util_json_object_begin(&j);
        util_json_kv_string(&j, "uai", b[i].uai);
        util_json_kv_int(&j, "year", b[i].year);
        util_json_kv_string(&j, "category", relais_kind_get(b[i].kind)->name);
        util_json_kv_int(&j, "deactivated", (int64_t)b[i].deactivated);
        util_json_kv_int(&j, "active", (int64_t)b[i].active);
        util_json_kv_int(&j, "max_percent", b[i].max_percent);
        util_json_kv_int(&j, "max_count", b[i].max_count);
        util_json_object_end(&j);
    }
    util_json_array_end(&j);
    util_json_object_end(&j);
    if (buf.failed) {
        util_buf_free(&buf);
        return NULL;
    }
    return util_buf_steal(&buf);
}

int relais_plan_quarantine(int64_t *run_id, relais_plan *p, const relais_breach *breaches,
                           size_t n_breaches)
{
    relais_store *s = p->store;
    util_buf blob = UTIL_BUF_INIT, sources = UTIL_BUF_INIT;
    char *reason = reason_json(breaches, n_breaches);
    char *summary = relais_plan_summary_json(p, RELAIS_PLAN_ALL_SCOPES);
    int rc = reason && summary ? plan_serialize(&blob, p) : RELAIS_ENOMEM;
    if (rc == 0) {
        util_buf_append(&sources, p->sources_json.data, p->sources_json.len);
        util_buf_putc(&sources, ']');
        rc = sources.failed ? RELAIS_ENOMEM : 0;
    }
    bool began = false;
    if (rc == 0) {
        rc = relais_store_begin(s);
        began = rc == 0;
    }
    char now[21];
    util_now_iso(now);
    int64_t id = 0;
    if (rc == 0) {
        rc = relais_store_run_insert(&id, s, p->command, "quarantined", now,
                                     util_buf_cstr(&sources));
    }
    if (rc == 0) {
        rc = relais_store_run_set_links(s, id, reason, 0);
    }
    /* Existing scopes only: a scope the plan would create has no row yet. */
    for (size_t i = 0; i < p->n_scopes && rc == 0; i++) {
        if (p->scopes[i].ref <= 0) {
            continue;
        }
        char *sj = relais_plan_summary_json(p, i);
        rc = sj ? relais_store_run_scope_add(s, id, p->scopes[i].ref, sj) : RELAIS_ENOMEM;
        util_free(sj);
    }
    if (rc == 0) {
        rc = relais_store_run_plan_put(s, id, p->base_seq, blob.data, blob.len);
    }
    if (rc == 0) {
        rc = relais_store_run_finish(s, id, "quarantined", summary);
    }
    if (rc == 0) {
        rc = relais_store_commit(s);
        began = false;
    }
    if (began) {
        relais_store_rollback(s);
    }
    if (rc == 0 && run_id) {
        *run_id = id;
    }
    util_free(reason);
    util_free(summary);
    util_buf_free(&blob);
    util_buf_free(&sources);
    return rc;
}

int relais_run_plan_load(relais_plan **out, relais_store *s, int64_t run_id)
{
    *out = NULL;
    void *data = NULL;
    size_t len = 0;
    int64_t base_seq = 0;
    int rc = relais_store_run_plan_get(&data, &len, &base_seq, s, run_id);
    if (rc == 0) {
        rc = plan_deserialize(out, s, data, len);
    }
    if (rc == 0) {
        (*out)->base_seq = base_seq;
    }
    util_free(data);
    return rc;
}

/* -------------------------------------------------------------- approval */

int plan_check_unchanged(relais_plan *p)
{
    relais_store *s = p->store;
    util_arena *a = NULL;
    int rc = util_arena_new(&a, 1024);
    for (size_t i = 0; i < p->n_scopes && rc == 0; i++) {
        const plan_scope *sc = &p->scopes[i];
        util_arena_reset(a);
        relais_establishment *e = NULL;
        rc = relais_store_establishment_find(&e, s, a, sc->uai);
        if (rc == RELAIS_ENOTFOUND) {
            rc = sc->creates_establishment ? 0 : RELAIS_ECONFLICT;
        } else if (rc == 0 && sc->creates_establishment) {
            rc = RELAIS_ECONFLICT; /* created by someone else in between */
        }
        int64_t last = 0;
        if (rc == 0 && e) {
            rc = relais_store_change_last_seq_entity(&last, s, e->id);
            if (rc == 0 && last > p->base_seq) {
                rc = RELAIS_ECONFLICT;
            }
        }
        if (rc == 0 && e) {
            relais_scope *stored = NULL;
            rc = relais_store_scope_find(&stored, s, a, sc->uai, sc->year);
            if (rc == RELAIS_ENOTFOUND) {
                rc = sc->creates_year ? 0 : RELAIS_ECONFLICT;
            } else if (rc == 0 && (sc->creates_year || stored->id != sc->ref)) {
                rc = RELAIS_ECONFLICT;
            } else if (rc == 0) {
                rc = relais_store_change_last_seq_scope(&last, s, stored->id);
                if (rc == 0 && last > p->base_seq) {
                    rc = RELAIS_ECONFLICT;
                }
            }
        }
        if (rc == RELAIS_ECONFLICT) {
            relais_error_set(_("les données de %s (%d-%d) ont changé depuis la mise en "
                               "quarantaine : le plan n'est plus valable, relancez l'import"),
                             sc->uai, sc->year, sc->year + 1);
        }
    }
    util_arena_free(a);
    return rc;
}

int relais_run_approve(relais_store *s, int64_t run_id)
{
    util_arena *a = NULL;
    int rc = util_arena_new(&a, 1024);
    relais_run *run = NULL;
    if (rc == 0) {
        rc = relais_store_run_get(&run, s, a, run_id);
    }
    if (rc == 0 && !util_streq(run->status, "quarantined")) {
        relais_error_set(_("l'exécution n°%lld n'est pas en quarantaine (statut : %s)"),
                         (long long)run_id, run->status);
        rc = RELAIS_ECONFLICT;
    }
    relais_plan *p = NULL;
    if (rc == 0) {
        rc = relais_run_plan_load(&p, s, run_id);
    }
    if (rc == 0) {
        p->approve_run = run_id;
        int64_t applied = 0;
        rc = relais_plan_apply(&applied, p);
    }
    relais_plan_free(p);
    util_arena_free(a);
    return rc;
}
