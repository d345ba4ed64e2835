/*
 * snapshot.c — one scope loaded in memory (see snapshot.h). Loaded in one
 * read transaction, so every reader sees the same state.
 */
#include "snapshot.h"

#include <string.h>

typedef struct load_ctx {
    scope_snapshot *snap;
    snap_kind *sk;
} load_ctx;

static int add_record(const relais_record *r, void *payload)
{
    load_ctx *lc = payload;
    snap_kind *sk = lc->sk;
    if (sk->n == sk->cap) {
        size_t cap = sk->cap ? sk->cap * 2 : 64;
        relais_record **recs = util_realloc(sk->recs, cap * sizeof *recs);
        if (recs == NULL) {
            return RELAIS_ENOMEM;
        }
        sk->recs = recs;
        sk->cap = cap;
    }
    relais_record *copy = relais_record_copy(lc->snap->arena, r);
    if (copy == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = util_map_put(sk->by_id, (const char *)&copy->id, sizeof copy->id, (int64_t)sk->n);
    if (rc == 0) {
        sk->recs[sk->n++] = copy;
    }
    return rc;
}

int snapshot_load(scope_snapshot *snap, relais_store *s, const relais_scope *scope)
{
    memset(snap, 0, sizeof *snap);
    snap->scope = scope;
    snap->store = s;
    int rc = util_arena_new(&snap->arena, 1 << 20);
    if (rc == 0) {
        rc = util_map_new(&snap->xref_by_entity_app);
    }
    bool reading = false;
    if (rc == 0) {
        rc = relais_store_begin_read(s);
        reading = rc == 0;
    }
    for (int k = 0; k < RELAIS_KIND_COUNT && rc == 0; k++) {
        rc = util_map_new(&snap->k[k].by_id);
        load_ctx lc = {snap, &snap->k[k]};
        if (rc == 0) {
            rc = relais_store_record_foreach(s, (relais_kind)k, scope->id, RELAIS_ANY, add_record,
                                             &lc);
        }
    }
    if (reading) {
        relais_store_end_read(s);
    }
    snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n && rc == 0; i++) {
        const relais_record *x = xk->recs[i];
        const char *app = x->text[RELAIS_XREF_APPLICATION];
        if (!x->is_active || app == NULL || x->ref[RELAIS_XREF_ENTITY] <= 0) {
            continue;
        }
        char key[96];
        int n = snprintf(key, sizeof key, "%lld|%s", (long long)x->ref[RELAIS_XREF_ENTITY], app);
        if (n > 0 && (size_t)n < sizeof key) {
            rc = util_map_put(snap->xref_by_entity_app, key, (size_t)n, (int64_t)i);
        }
    }
    if (rc < 0) {
        snapshot_free(snap);
    }
    return rc;
}

void snapshot_free(scope_snapshot *snap)
{
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        util_free(snap->k[k].recs);
        util_map_free(snap->k[k].by_id);
    }
    util_map_free(snap->xref_by_entity_app);
    util_arena_free(snap->arena);
    memset(snap, 0, sizeof *snap);
}

relais_record *snapshot_get(const scope_snapshot *snap, relais_kind kind, int64_t id)
{
    int64_t index;
    if (id <= 0 || !util_map_get(snap->k[kind].by_id, (const char *)&id, sizeof id, &index)) {
        return NULL;
    }
    return snap->k[kind].recs[index];
}

relais_record *snapshot_xref(const scope_snapshot *snap, int64_t id, const char *app)
{
    char key[96];
    int n = snprintf(key, sizeof key, "%lld|%s", (long long)id, app);
    int64_t index;
    if (n <= 0 || (size_t)n >= sizeof key ||
        !util_map_get(snap->xref_by_entity_app, key, (size_t)n, &index)) {
        return NULL;
    }
    return snap->k[RELAIS_KIND_XREF].recs[index];
}

bool snapshot_has_source(const scope_snapshot *snap, const char *app, const char *category)
{
    const snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n; i++) {
        const relais_record *x = xk->recs[i];
        if (x->is_active && util_streq(x->text[RELAIS_XREF_APPLICATION], app) &&
            (category == NULL || util_streq(x->text[RELAIS_XREF_CATEGORY], category))) {
            return true;
        }
    }
    return false;
}

int snapshot_group(snap_groups *g, const scope_snapshot *snap, relais_kind kind, size_t field,
                   bool active_only)
{
    memset(g, 0, sizeof *g);
    const snap_kind *sk = &snap->k[kind];
    int rc = util_map_new(&g->slot_of);
    size_t *slot_of_record = NULL;
    if (rc == 0) {
        slot_of_record = util_calloc(sk->n ? sk->n : 1, sizeof *slot_of_record);
        rc = slot_of_record ? 0 : RELAIS_ENOMEM;
    }
    /* Pass 1: a slot per distinct target, and each record's slot (SIZE_MAX: skipped). */
    for (size_t i = 0; i < sk->n && rc == 0; i++) {
        const relais_record *r = sk->recs[i];
        int64_t target = r->ref[field];
        slot_of_record[i] = SIZE_MAX;
        if (target <= 0 || (active_only && !r->is_active)) {
            continue;
        }
        int64_t slot;
        if (!util_map_get(g->slot_of, (const char *)&target, sizeof target, &slot)) {
            slot = (int64_t)g->n_slots++;
            rc = util_map_put(g->slot_of, (const char *)&target, sizeof target, slot);
        }
        slot_of_record[i] = (size_t)slot;
    }
    if (rc == 0) {
        g->start = util_calloc(g->n_slots + 1, sizeof *g->start);
        g->items = util_calloc(sk->n ? sk->n : 1, sizeof *g->items);
        rc = g->start && g->items ? 0 : RELAIS_ENOMEM;
    }
    if (rc == 0) {
        /* Pass 2: counting sort of record indices by slot. */
        for (size_t i = 0; i < sk->n; i++) {
            if (slot_of_record[i] != SIZE_MAX) {
                g->start[slot_of_record[i] + 1]++;
            }
        }
        for (size_t s = 0; s < g->n_slots; s++) {
            g->start[s + 1] += g->start[s];
        }
        size_t *fill = util_calloc(g->n_slots ? g->n_slots : 1, sizeof *fill);
        if (fill == NULL) {
            rc = RELAIS_ENOMEM;
        } else {
            for (size_t i = 0; i < sk->n; i++) {
                size_t s = slot_of_record[i];
                if (s != SIZE_MAX) {
                    g->items[g->start[s] + fill[s]++] = i;
                }
            }
            util_free(fill);
        }
    }
    util_free(slot_of_record);
    if (rc < 0) {
        snapshot_groups_free(g);
    }
    return rc;
}

size_t snapshot_group_get(const snap_groups *g, int64_t target, const size_t **items)
{
    int64_t slot;
    if (!util_map_get(g->slot_of, (const char *)&target, sizeof target, &slot)) {
        *items = NULL;
        return 0;
    }
    *items = g->items + g->start[slot];
    return g->start[slot + 1] - g->start[slot];
}

void snapshot_groups_free(snap_groups *g)
{
    util_map_free(g->slot_of);
    util_free(g->start);
    util_free(g->items);
    memset(g, 0, sizeof *g);
}

bool snapshot_student_present(const relais_record *student, const char *today_iso)
{
    if (!student->is_active) {
        return false;
    }
    const char *exit = student->text[RELAIS_STUDENT_DATE_SORTIE];
    return exit == NULL || strcmp(exit, today_iso) > 0;
}

const char *snapshot_person_ids(util_arena *a, const relais_record *r)
{
    char tmp[128];
    switch (r->kind) {
    case RELAIS_KIND_STUDENT:
        if (r->text[RELAIS_STUDENT_INE]) {
            snprintf(tmp, sizeof tmp, "ELEVE_ID %s, INE %s", r->text[RELAIS_STUDENT_ELEVE_ID],
                     r->text[RELAIS_STUDENT_INE]);
        } else {
            snprintf(tmp, sizeof tmp, "ELEVE_ID %s", r->text[RELAIS_STUDENT_ELEVE_ID]);
        }
        break;
    case RELAIS_KIND_GUARDIAN:
        snprintf(tmp, sizeof tmp, "PERSONNE_ID %s", r->text[RELAIS_GUARDIAN_PERSONNE_ID]);
        break;
    case RELAIS_KIND_STAFF:
        snprintf(tmp, sizeof tmp, "STS %s", r->text[RELAIS_STAFF_STS_ID]);
        break;
    default: snprintf(tmp, sizeof tmp, "id %lld", (long long)r->id); break;
    }
    return util_arena_strdup(a, tmp);
}

const char *snapshot_person_name(util_arena *a, const relais_record *r)
{
    int nom = relais_field_index(r->kind, "nom_usage");
    int nom2 = relais_field_index(r->kind, "nom_de_famille");
    if (nom2 < 0) {
        nom2 = relais_field_index(r->kind, "nom_patronymique");
    }
    int prenom = relais_field_index(r->kind, "prenom");
    const char *n = nom >= 0 && r->text[nom] ? r->text[nom] : nom2 >= 0 ? r->text[nom2] : NULL;
    const char *p = prenom >= 0 ? r->text[prenom] : NULL;
    util_buf b = UTIL_BUF_INIT;
    util_buf_printf(&b, "%s%s%s", n ? n : "?", p ? " " : "", p ? p : "");
    const char *out = util_arena_strndup(a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return out;
}

const char *snapshot_person_category(const relais_record *r)
{
    switch (r->kind) {
    case RELAIS_KIND_STUDENT: return "eleve";
    case RELAIS_KIND_GUARDIAN: return "responsable";
    case RELAIS_KIND_STAFF:
        return util_streq(r->text[RELAIS_STAFF_FONCTION], "ENS") ? "professeur" : "personnel";
    default: return NULL;
    }
}

size_t snapshot_student_divisions(const scope_snapshot *snap, const snap_groups *enrolments_by_student,
                                  int64_t student, const relais_record **out, size_t max)
{
    const size_t *items;
    size_t n = snapshot_group_get(enrolments_by_student, student, &items), k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        const relais_record *e = snap->k[RELAIS_KIND_ENROLMENT].recs[items[i]];
        const relais_record *d =
            e->is_active ? snapshot_get(snap, RELAIS_KIND_DIVISION, e->ref[RELAIS_ENROLMENT_DIVISION])
                         : NULL;
        if (d && d->is_active) {
            out[k++] = d;
        }
    }
    return k;
}
