/*
 * testutil.c — see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_BUFS 8
static char bufs[N_BUFS][4096];
static int next_buf;

static char *rotating(void)
{
    char *b = bufs[next_buf];
    next_buf = (next_buf + 1) % N_BUFS;
    return b;
}

const char *test_path_join(const char *dir, const char *name)
{
    char *b = rotating();
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

const char *test_tmpdir(const char *name)
{
    const char *base = getenv("RELAIS_TMPDIR");
    if (base == NULL || base[0] == '\0') {
        base = "/tmp/relais-tests";
    }
    mkdir(base, 0755);
    char *b = rotating();
    snprintf(b, 4096, "%s/%s.%ld", base, name, (long)getpid());
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", b);
    if (system(cmd) != 0) {
        fail_msg("cannot clean %s", b);
    }
    if (mkdir(b, 0755) != 0) {
        fail_msg("cannot create %s", b);
    }
    return b;
}

const char *test_source_path(const char *rel)
{
    const char *base = getenv("RELAIS_SOURCE_DIR");
    return test_path_join(base ? base : ".", rel);
}

const char *test_shared_path(const char *rel)
{
    const char *base = getenv("RELAIS_SHARED_DIR");
    return test_path_join(base ? base : "../shared", rel);
}
