/*
 * coverage.c — the coverage of the correspondences: for each kind, every
 * local name of the timetable and what it is linked to. Built by the importer
 * from what it plans, or from the hub's edt xrefs (`relais map list`), so
 * both reports read the same structure.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct timetable_coverage {
    util_arena *arena;
    TT_VEC(timetable_item) items[TIMETABLE_N_KINDS];
};

int tt_coverage_new(timetable_coverage **out)
{
    *out = util_calloc(1, sizeof **out);
    if (*out == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = util_arena_new(&(*out)->arena, 0);
    if (rc < 0) {
        util_free(*out);
        *out = NULL;
    }
    return rc;
}

void timetable_coverage_free(timetable_coverage *c)
{
    if (c == NULL) {
        return;
    }
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        util_free(c->items[k].v);
    }
    util_arena_free(c->arena);
    util_free(c);
}

static const char *dup(timetable_coverage *c, const char *s)
{
    return s ? util_arena_strdup(c->arena, s) : NULL;
}

int tt_coverage_add(timetable_coverage *c, const timetable_item *it)
{
    timetable_item *slot = NULL;
    int rc = TT_VEC_PUSH(c->items[it->kind], slot);
    if (rc < 0) {
        return rc;
    }
    *slot = *it;
    slot->local = dup(c, it->local);
    slot->label = dup(c, it->label);
    slot->remote = dup(c, it->remote);
    slot->remote_label = dup(c, it->remote_label);
    slot->provenance = dup(c, it->provenance);
    if ((it->local && !slot->local) || (it->label && !slot->label) ||
        (it->remote && !slot->remote) || (it->remote_label && !slot->remote_label) ||
        (it->provenance && !slot->provenance)) {
        return RELAIS_ENOMEM;
    }
    return 0;
}

static int by_local(const void *a, const void *b)
{
    const timetable_item *x = a, *y = b;
    return strcmp(x->local ? x->local : "", y->local ? y->local : "");
}

void tt_coverage_sort(timetable_coverage *c)
{
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        if (c->items[k].n > 1) {
            qsort(c->items[k].v, c->items[k].n, sizeof *c->items[k].v, by_local);
        }
    }
}

size_t timetable_coverage_count(const timetable_coverage *c, timetable_kind k)
{
    return c->items[k].n;
}

size_t timetable_coverage_matched(const timetable_coverage *c, timetable_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < c->items[k].n; i++) {
        n += c->items[k].v[i].entity > 0 && c->items[k].v[i].entity_active;
    }
    return n;
}

const timetable_item *timetable_coverage_item(const timetable_coverage *c, timetable_kind k,
                                              size_t i)
{
    return i < c->items[k].n ? &c->items[k].v[i] : NULL;
}

int timetable_coverage_load(timetable_coverage **out, relais_store *s, int64_t scope_id)
{
    *out = NULL;
    tt_matcher *m = NULL;
    timetable_coverage *c = NULL;
    util_arena *a = NULL;
    int rc = tt_matcher_new(&m, s, scope_id);
    if (rc == 0) {
        rc = tt_coverage_new(&c);
    }
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    sts_index *xi = rc == 0 ? tt_matcher_xrefs(m) : NULL;
    for (size_t i = 0; rc == 0 && i < sts_index_count(xi); i++) {
        const relais_record *x = sts_index_at(xi, i);
        if (!x->is_active || !util_streq(x->text[RELAIS_XREF_APPLICATION], TT_APPLICATION)) {
            continue;
        }
        int kind = relais_kind_by_name(x->text[RELAIS_XREF_CATEGORY]);
        timetable_item it = {.local = x->text[RELAIS_XREF_EXTERNAL_ID]};
        bool found = false;
        for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
            if ((int)timetable_kind_model((timetable_kind)k) == kind) {
                it.kind = (timetable_kind)k;
                found = true;
            }
        }
        if (!found) {
            continue;
        }
        util_arena_reset(a);
        it.entity = x->ref[RELAIS_XREF_ENTITY];
        it.provenance = x->text[RELAIS_XREF_PROVENANCE];
        tt_item_describe(&it, m, a);
        rc = tt_coverage_add(c, &it);
    }
    if (rc == 0) {
        tt_coverage_sort(c);
        *out = c;
        c = NULL;
    }
    timetable_coverage_free(c);
    util_arena_free(a);
    tt_matcher_free(m);
    return rc;
}
