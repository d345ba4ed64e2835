/*
 * alloc.c — the single allocation wrapper of librelais.
 *
 * Tests call util_alloc_fail_after(n) to make the (n+1)th allocation fail, then
 * check that the code under test returns RELAIS_ENOMEM and leaks nothing (the
 * ASan build reports leaks). The counter is global: the tests that use it are
 * single-threaded.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

static long fail_countdown = -1;

void util_alloc_fail_after(long n)
{
    fail_countdown = n;
}

static bool should_fail(void)
{
    if (fail_countdown < 0) {
        return false;
    }
    if (fail_countdown == 0) {
        return true;
    }
    fail_countdown--;
    return false;
}

void *util_malloc(size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return malloc(size ? size : 1);
}

void *util_calloc(size_t n, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return calloc(n ? n : 1, size ? size : 1);
}

void *util_realloc(void *ptr, size_t size)
{
    if (should_fail()) {
        return NULL;
    }
    return realloc(ptr, size ? size : 1);
}

void util_free(void *ptr)
{
    free(ptr);
}

char *util_strndup(const char *s, size_t len)
{
    char *p = util_malloc(len + 1);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *util_strdup(const char *s)
{
    return s ? util_strndup(s, strlen(s)) : NULL;
}
