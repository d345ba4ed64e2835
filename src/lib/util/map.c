/*
 * map.c — an open-addressing hash map from byte strings to int64, and a set
 * of int64. Used by importers to join records across files (ELEVE_ID →
 * internal id) without touching the database for each lookup.
 */
#include "util.h"

#include <string.h>

typedef struct map_slot {
    char *key; /* NULL: empty slot */
    size_t key_len;
    uint64_t hash;
    int64_t value;
} map_slot;

struct util_map {
    map_slot *slots;
    size_t cap; /* power of two */
    size_t count;
};

uint64_t util_hash(const void *data, size_t len)
{
    /* FNV-1a, then a final avalanche so that low bits are usable as an index. */
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

int util_map_new(util_map **out)
{
    *out = NULL;
    util_map *m = util_calloc(1, sizeof *m);
    if (m == NULL) {
        return RELAIS_ENOMEM;
    }
    m->cap = 64;
    m->slots = util_calloc(m->cap, sizeof *m->slots);
    if (m->slots == NULL) {
        util_free(m);
        return RELAIS_ENOMEM;
    }
    *out = m;
    return 0;
}

void util_map_free(util_map *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->cap; i++) {
        util_free(m->slots[i].key);
    }
    util_free(m->slots);
    util_free(m);
}

static map_slot *find_slot(map_slot *slots, size_t cap, const char *key, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        map_slot *s = &slots[i];
        if (s->key == NULL ||
            (s->hash == h && s->key_len == len && memcmp(s->key, key, len) == 0)) {
            return s;
        }
        i = (i + 1) & (cap - 1);
    }
}

static int grow(util_map *m)
{
    size_t cap = m->cap * 2;
    map_slot *slots = util_calloc(cap, sizeof *slots);
    if (slots == NULL) {
        return RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        map_slot *o = &m->slots[i];
        if (o->key) {
            *find_slot(slots, cap, o->key, o->key_len, o->hash) = *o;
        }
    }
    util_free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int util_map_put(util_map *m, const char *key, size_t key_len, int64_t value)
{
    if ((m->count + 1) * 4 > m->cap * 3) {
        int rc = grow(m);
        if (rc < 0) {
            return rc;
        }
    }
    uint64_t h = util_hash(key, key_len);
    map_slot *s = find_slot(m->slots, m->cap, key, key_len, h);
    if (s->key == NULL) {
        s->key = util_strndup(key, key_len);
        if (s->key == NULL) {
            return RELAIS_ENOMEM;
        }
        s->key_len = key_len;
        s->hash = h;
        m->count++;
    }
    s->value = value;
    return 0;
}

bool util_map_get(const util_map *m, const char *key, size_t key_len, int64_t *value)
{
    uint64_t h = util_hash(key, key_len);
    map_slot *s = find_slot(m->slots, m->cap, key, key_len, h);
    if (s->key == NULL) {
        return false;
    }
    if (value) {
        *value = s->value;
    }
    return true;
}

size_t util_map_count(const util_map *m)
{
    return m->count;
}

bool util_map_next(const util_map *m, size_t *pos, const char **key, size_t *key_len,
                   int64_t *value)
{
    while (*pos < m->cap) {
        map_slot *s = &m->slots[(*pos)++];
        if (s->key) {
            *key = s->key;
            *key_len = s->key_len;
            *value = s->value;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------- id set */

struct util_idset {
    int64_t *slots; /* 0 marks an empty slot; id 0 is kept in has_zero */
    size_t cap;
    size_t count;
    bool has_zero;
};

int util_idset_new(util_idset **out)
{
    *out = NULL;
    util_idset *s = util_calloc(1, sizeof *s);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    s->cap = 256;
    s->slots = util_calloc(s->cap, sizeof *s->slots);
    if (s->slots == NULL) {
        util_free(s);
        return RELAIS_ENOMEM;
    }
    *out = s;
    return 0;
}

void util_idset_free(util_idset *s)
{
    if (s) {
        util_free(s->slots);
        util_free(s);
    }
}

static size_t id_index(int64_t id, size_t cap)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17) & (cap - 1);
}

static void id_insert(int64_t *slots, size_t cap, int64_t id)
{
    size_t i = id_index(id, cap);
    while (slots[i] != 0 && slots[i] != id) {
        i = (i + 1) & (cap - 1);
    }
    slots[i] = id;
}

int util_idset_add(util_idset *s, int64_t id)
{
    if (id == 0) {
        if (!s->has_zero) {
            s->has_zero = true;
            s->count++;
        }
        return 0;
    }
    if (util_idset_has(s, id)) {
        return 0;
    }
    if ((s->count + 1) * 4 > s->cap * 3) {
        size_t cap = s->cap * 2;
        int64_t *slots = util_calloc(cap, sizeof *slots);
        if (slots == NULL) {
            return RELAIS_ENOMEM;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slots[i] != 0) {
                id_insert(slots, cap, s->slots[i]);
            }
        }
        util_free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    id_insert(s->slots, s->cap, id);
    s->count++;
    return 0;
}

bool util_idset_has(const util_idset *s, int64_t id)
{
    if (id == 0) {
        return s->has_zero;
    }
    size_t i = id_index(id, s->cap);
    while (s->slots[i] != 0) {
        if (s->slots[i] == id) {
            return true;
        }
        i = (i + 1) & (s->cap - 1);
    }
    return false;
}

size_t util_idset_count(const util_idset *s)
{
    return s->count;
}
