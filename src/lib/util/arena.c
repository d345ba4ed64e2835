/*
 * arena.c — bump allocation for import and request scratch memory: records of
 * one XML element, the fields of one plan operation, a whole HTTP request.
 * Freed or reset in one call, so per-record work never fragments the heap.
 */
#include "util.h"

#include <string.h>

typedef struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} arena_block;

struct util_arena {
    arena_block *head;
    size_t block_size;
    size_t total;
};

static arena_block *block_new(size_t size)
{
    arena_block *b = util_malloc(sizeof *b + size);
    if (b == NULL) {
        return NULL;
    }
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

int util_arena_new(util_arena **out, size_t block_size)
{
    *out = NULL;
    util_arena *a = util_calloc(1, sizeof *a);
    if (a == NULL) {
        return RELAIS_ENOMEM;
    }
    a->block_size = block_size ? block_size : 64 * 1024;
    a->head = block_new(a->block_size);
    if (a->head == NULL) {
        util_free(a);
        return RELAIS_ENOMEM;
    }
    a->total = a->block_size;
    *out = a;
    return 0;
}

void util_arena_free(util_arena *a)
{
    if (a == NULL) {
        return;
    }
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        util_free(b);
        b = next;
    }
    util_free(a);
}

void util_arena_reset(util_arena *a)
{
    /* Keep only the last block of the chain (the first one allocated). */
    arena_block *b = a->head;
    while (b && b->next) {
        arena_block *next = b->next;
        a->total -= b->size;
        util_free(b);
        b = next;
    }
    a->head = b;
    if (b) {
        b->used = 0;
    }
}

void *util_arena_alloc(util_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    arena_block *b = a->head;
    if (b == NULL || b->size - b->used < size) {
        size_t bs = size > a->block_size ? size : a->block_size;
        arena_block *nb = block_new(bs);
        if (nb == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            return NULL;
        }
        nb->next = a->head;
        a->head = nb;
        a->total += bs;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

char *util_arena_strndup(util_arena *a, const char *s, size_t len)
{
    char *p = util_arena_alloc(a, len + 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *util_arena_strdup(util_arena *a, const char *s)
{
    return s ? util_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t util_arena_bytes(const util_arena *a)
{
    return a->total;
}
