/*
 * index.c — the stored records of one kind and scope, in memory (sts.h).
 *
 * Importers compare a whole export with what the hub holds: looking each
 * incoming record up with one query costs a round trip per record, and
 * finding what disappeared needs the full list anyway. One scan per kind
 * (relais_store_record_foreach) fills this index instead; records are copied
 * into its arena, found by natural key or id through hash maps.
 */
#include "sts.h"

#include <string.h>

struct sts_index {
    relais_kind kind;
    util_arena *arena;
    util_arena *scratch; /* probe keys */
    relais_record **recs;
    bool *seen;
    size_t n, cap;
    util_map *by_key; /* natural key → position */
    util_map *by_id;  /* decimal id → position */
    int rc;           /* error of the loading callback */
};

static int id_key(char buf[24], int64_t id)
{
    return snprintf(buf, 24, "%lld", (long long)id);
}

static int add_record(const relais_record *r, void *payload)
{
    sts_index *ix = payload;
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        relais_record **nr = util_realloc(ix->recs, cap * sizeof *nr);
        if (nr == NULL) {
            return RELAIS_ENOMEM;
        }
        ix->recs = nr;
        bool *ns = util_realloc(ix->seen, cap * sizeof *ns);
        if (ns == NULL) {
            return RELAIS_ENOMEM;
        }
        ix->seen = ns;
        ix->cap = cap;
    }
    relais_record *copy = relais_record_copy(ix->arena, r);
    if (copy == NULL) {
        return RELAIS_ENOMEM;
    }
    util_arena_reset(ix->scratch);
    const char *key = relais_record_key(copy, ix->scratch);
    if (key == NULL) {
        return RELAIS_ENOMEM;
    }
    char idbuf[24];
    int n = id_key(idbuf, copy->id);
    int rc = util_map_put(ix->by_key, key, strlen(key), (int64_t)ix->n);
    if (rc == 0) {
        rc = util_map_put(ix->by_id, idbuf, (size_t)n, (int64_t)ix->n);
    }
    if (rc < 0) {
        return rc;
    }
    ix->recs[ix->n] = copy;
    ix->seen[ix->n] = false;
    ix->n++;
    return 0;
}

int sts_index_load(sts_index **out, relais_store *s, relais_kind kind, int64_t scope_id,
                   unsigned which)
{
    *out = NULL;
    sts_index *ix = util_calloc(1, sizeof *ix);
    if (ix == NULL) {
        return RELAIS_ENOMEM;
    }
    ix->kind = kind;
    int rc = util_arena_new(&ix->arena, 0);
    if (rc == 0) {
        rc = util_arena_new(&ix->scratch, 4096);
    }
    if (rc == 0) {
        rc = util_map_new(&ix->by_key);
    }
    if (rc == 0) {
        rc = util_map_new(&ix->by_id);
    }
    if (rc == 0 && scope_id > 0) {
        rc = relais_store_record_foreach(s, kind, scope_id, which, add_record, ix);
    }
    if (rc < 0) {
        sts_index_free(ix);
        return rc;
    }
    *out = ix;
    return 0;
}

void sts_index_free(sts_index *ix)
{
    if (ix == NULL) {
        return;
    }
    util_arena_free(ix->arena);
    util_arena_free(ix->scratch);
    util_map_free(ix->by_key);
    util_map_free(ix->by_id);
    util_free(ix->recs);
    util_free(ix->seen);
    util_free(ix);
}

const relais_record *sts_index_find(sts_index *ix, const relais_record *probe)
{
    const relais_kind_info *ki = relais_kind_get(probe->kind);
    for (size_t i = 0; i < ki->n_key; i++) {
        if (ki->fields[ki->key[i]].type == RELAIS_FT_REF && probe->ref[ki->key[i]] < 0) {
            return NULL; /* refers to a record the plan creates: nothing stored can match */
        }
    }
    util_arena_reset(ix->scratch);
    const char *key = relais_record_key(probe, ix->scratch);
    int64_t pos;
    if (key == NULL || !util_map_get(ix->by_key, key, strlen(key), &pos)) {
        return NULL;
    }
    return ix->recs[pos];
}

const relais_record *sts_index_get(const sts_index *ix, int64_t id)
{
    char idbuf[24];
    int n = id_key(idbuf, id);
    int64_t pos;
    return util_map_get(ix->by_id, idbuf, (size_t)n, &pos) ? ix->recs[pos] : NULL;
}

size_t sts_index_count(const sts_index *ix)
{
    return ix->n;
}

const relais_record *sts_index_at(const sts_index *ix, size_t i)
{
    return i < ix->n ? ix->recs[i] : NULL;
}

void sts_index_mark(sts_index *ix, int64_t id)
{
    char idbuf[24];
    int n = id_key(idbuf, id);
    int64_t pos;
    if (util_map_get(ix->by_id, idbuf, (size_t)n, &pos)) {
        ix->seen[pos] = true;
    }
}

bool sts_index_seen(const sts_index *ix, size_t i)
{
    return i < ix->n && ix->seen[i];
}

bool sts_index_seen_id(const sts_index *ix, int64_t id)
{
    char idbuf[24];
    int n = id_key(idbuf, id);
    int64_t pos;
    return util_map_get(ix->by_id, idbuf, (size_t)n, &pos) && ix->seen[pos];
}
