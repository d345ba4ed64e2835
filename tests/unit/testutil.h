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
/** Path of a file under ../shared ($RELAIS_SHARED_DIR). Static rotating buffer. */
const char *test_shared_path(const char *rel);
/** Join dir and name into a static rotating buffer. */
const char *test_path_join(const char *dir, const char *name);

#endif
