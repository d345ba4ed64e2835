/*
 * testutil.c — see testutil.h.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
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
    /* The format samples are kept in the repository (tests/data/samples, with their
     * sources and licences), so the tests never depend on files outside it. */
    const char *prefix = "formats/samples/";
    const char *base = getenv("RELAIS_SOURCE_DIR");
    char *b = rotating();
    if (strncmp(rel, prefix, strlen(prefix)) == 0) {
        snprintf(b, 4096, "%s/tests/data/samples/%s", base ? base : ".", rel + strlen(prefix));
    } else {
        snprintf(b, 4096, "%s/tests/data/%s", base ? base : ".", rel);
    }
    return b;
}

static void csv_push_cell(test_csv *t, char **cell, size_t *cell_len)
{
    size_t r = t->n_rows - 1;
    t->rows[r] = realloc(t->rows[r], (t->n_cols[r] + 1) * sizeof *t->rows[r]);
    t->rows[r][t->n_cols[r]++] = *cell ? *cell : strdup("");
    *cell = NULL;
    *cell_len = 0;
}

static void csv_new_row(test_csv *t)
{
    t->rows = realloc(t->rows, (t->n_rows + 1) * sizeof *t->rows);
    t->n_cols = realloc(t->n_cols, (t->n_rows + 1) * sizeof *t->n_cols);
    t->rows[t->n_rows] = NULL;
    t->n_cols[t->n_rows] = 0;
    t->n_rows++;
}

static void csv_append(char **cell, size_t *len, char c)
{
    *cell = realloc(*cell, *len + 2);
    (*cell)[(*len)++] = c;
    (*cell)[*len] = '\0';
}

void test_csv_parse(test_csv *t, const char *data, size_t len, char sep)
{
    memset(t, 0, sizeof *t);
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        i = 3;
    }
    char *cell = NULL;
    size_t cell_len = 0;
    bool in_quotes = false, row_open = false;
    for (; i < len; i++) {
        char c = data[i];
        if (!row_open) {
            csv_new_row(t);
            row_open = true;
        }
        if (in_quotes) {
            if (c == '"' && i + 1 < len && data[i + 1] == '"') {
                csv_append(&cell, &cell_len, '"');
                i++;
            } else if (c == '"') {
                in_quotes = false;
            } else {
                csv_append(&cell, &cell_len, c);
            }
        } else if (c == '"') {
            in_quotes = true;
            if (cell == NULL) {
                cell = strdup("");
            }
        } else if (c == sep) {
            csv_push_cell(t, &cell, &cell_len);
        } else if (c == '\r') {
            continue;
        } else if (c == '\n') {
            csv_push_cell(t, &cell, &cell_len);
            row_open = false;
        } else {
            csv_append(&cell, &cell_len, c);
        }
    }
    if (row_open) {
        csv_push_cell(t, &cell, &cell_len);
    }
}

void test_csv_free(test_csv *t)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols[r]; c++) {
            free(t->rows[r][c]);
        }
        free(t->rows[r]);
    }
    free(t->rows);
    free(t->n_cols);
    memset(t, 0, sizeof *t);
}

size_t test_csv_col(const test_csv *t, const char *name)
{
    for (size_t c = 0; t->n_rows && c < t->n_cols[0]; c++) {
        if (strcmp(t->rows[0][c], name) == 0) {
            return c;
        }
    }
    fail_msg("no column %s", name);
    return 0;
}
