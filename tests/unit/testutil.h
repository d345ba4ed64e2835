/*
 * testutil.h — helpers shared by the cmocka unit tests: temporary directories
 * under the build tree, paths of the sample files, reading files.
 */
#ifndef RELAIS_TESTUTIL_H
#define RELAIS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/** A fresh empty directory for this test (under $RELAIS_TMPDIR or /tmp). Static buffer. */
const char *test_tmpdir(const char *name);
/** Path of a file under the source tree ($RELAIS_SOURCE_DIR). Static rotating buffer. */
const char *test_source_path(const char *rel);
/**
 * Path of a shared sample, "formats/samples/siecle/x.xml" → the copy kept in
 * tests/data/samples/siecle/x.xml. Static rotating buffer.
 */
const char *test_shared_path(const char *rel);
/** Join dir and name into a static rotating buffer. */
const char *test_path_join(const char *dir, const char *name);

/*
 * A parsed CSV table (RFC 4180 quoting; CRLF or LF), for checking what exports
 * wrote. Cells are NUL-terminated strings owned by the table.
 */
typedef struct test_csv {
    char ***rows; /* rows[r][c] */
    size_t *n_cols;
    size_t n_rows;
} test_csv;

void test_csv_parse(test_csv *t, const char *data, size_t len, char sep);
void test_csv_free(test_csv *t);
/** Column index of `name` in the header row (row 0); fails the test when absent. */
size_t test_csv_col(const test_csv *t, const char *name);

#endif
