/*
 * util.h — the face of the util module: allocation (with fault injection for
 * tests), growable buffers, arenas, string slices, dates, a string hash map,
 * a streaming JSON writer, translation and small helpers.
 *
 * Every other module may include this header; util includes no other module.
 */
#ifndef RELAIS_UTIL_H
#define RELAIS_UTIL_H

#include <relais/error.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- i18n */

/*
 * User-facing strings are written in French in the source (French is the
 * default language of relais) and translated to English through gettext when
 * LANG/LC_ALL/LC_MESSAGES/LANGUAGE start with "en" (see i18n.c).
 */
const char *util_gettext(const char *msgid);
#define _(s) util_gettext(s)
#define N_(s) (s)

/**
 * Select the message language from the environment and bind the catalogue.
 * Safe to call more than once. Returns "fr" or "en".
 */
const char *util_i18n_init(void);
/** "fr" or "en": the language chosen by util_i18n_init() ("fr" before). */
const char *util_i18n_lang(void);

/* ---------------------------------------------------------- allocation */

/*
 * All library allocation goes through these, so that tests can make the Nth
 * allocation fail (util_alloc_fail_after) and check that every error path
 * cleans up and reports RELAIS_ENOMEM.
 */
void *util_malloc(size_t size);
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *ptr, size_t size);
void util_free(void *ptr);
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t len);
/** Fail every allocation after `n` more successful ones; -1 disables. */
void util_alloc_fail_after(long n);

/* ------------------------------------------------------------- buffers */

/** A growable byte buffer, always NUL-terminated when len > 0 or after util_buf_cstr. */
typedef struct util_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: further appends are ignored */
} util_buf;

#define UTIL_BUF_INIT {NULL, 0, 0, false}

int util_buf_grow(util_buf *b, size_t extra);
int util_buf_append(util_buf *b, const void *data, size_t len);
int util_buf_puts(util_buf *b, const char *s);
int util_buf_putc(util_buf *b, char c);
int util_buf_printf(util_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int util_buf_vprintf(util_buf *b, const char *fmt, va_list ap);
/** The content as a C string ("" for an empty buffer). Borrowed. */
const char *util_buf_cstr(util_buf *b);
void util_buf_reset(util_buf *b);
void util_buf_free(util_buf *b);
/** Take ownership of the content (caller frees with util_free); the buffer is emptied. */
char *util_buf_steal(util_buf *b);

/* -------------------------------------------------------------- arenas */

/** A bump allocator: many small allocations, one free. */
typedef struct util_arena util_arena;

int util_arena_new(util_arena **out, size_t block_size);
void util_arena_free(util_arena *a);
/** Forget every allocation but keep the first block for reuse. */
void util_arena_reset(util_arena *a);
void *util_arena_alloc(util_arena *a, size_t size);
char *util_arena_strndup(util_arena *a, const char *s, size_t len);
char *util_arena_strdup(util_arena *a, const char *s);
/** Bytes currently held by the arena (for memory reports). */
size_t util_arena_bytes(const util_arena *a);

/* ------------------------------------------------------------- strings */

/** Trim ASCII whitespace at both ends of (s, len); returns the new start, updates *len. */
const char *util_trim(const char *s, size_t *len);
bool util_streq(const char *a, const char *b); /* NULL-safe; NULL == NULL */
/** Empty or NULL. */
bool util_str_empty(const char *s);
/** Parse a whole decimal integer; false on any trailing junk or overflow. */
bool util_parse_int64(const char *s, size_t len, int64_t *out);
/** snprintf that reports truncation as RELAIS_EINVALID. */
int util_snprintf(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Is `s` valid UTF-8 of length len? */
bool util_utf8_valid(const char *s, size_t len);
/**
 * Decode the UTF-8 sequence at s into *cp. Returns its length (1–4), 0 at the
 * terminating NUL, or -1 on an invalid sequence.
 */
int util_utf8_decode(const char *s, uint32_t *cp);
/** The ISO-8859-15 (Latin-9) byte of a code point, or -1 when Latin-9 has none. */
int util_latin9_byte(uint32_t cp);
/**
 * Append UTF-8 text as Latin-9 bytes, XML-escaped (& < > " '). Characters Latin-9
 * cannot encode become '?'; returns false when that happened (or on invalid UTF-8).
 */
bool util_latin9_xml_append(util_buf *b, const char *utf8);
/** Number of characters (code points) of a UTF-8 string, for column alignment. */
size_t util_utf8_length(const char *s);
/** ASCII upper-case copy into the arena. */
char *util_arena_ascii_upper(util_arena *a, const char *s);

/* --------------------------------------------------------------- dates */

/*
 * Dates inside relais are ISO strings "YYYY-MM-DD"; SIECLE's "JJ/MM/AAAA" and
 * ISO input are both accepted by util_date_parse. Day numbers (days since
 * 1970-01-01) are used for arithmetic.
 */
typedef struct util_date {
    int year, month, day;
} util_date;

/** Parse "DD/MM/YYYY" or "YYYY-MM-DD" strictly (31/02 is refused). */
bool util_date_parse(const char *s, size_t len, util_date *out);
bool util_date_valid(int year, int month, int day);
/** Write "YYYY-MM-DD" (11 bytes with NUL). */
void util_date_iso(const util_date *d, char out[11]);
/** Write "DD/MM/YYYY" (11 bytes with NUL). */
void util_date_fr(const util_date *d, char out[11]);
int64_t util_date_days(const util_date *d);
void util_date_from_days(int64_t days, util_date *out);
/** Today's date (local time) — or RELAIS_TODAY=YYYY-MM-DD when set, for reproducible tests. */
void util_date_today(util_date *out);
/** Current time as ISO-8601 "YYYY-MM-DDTHH:MM:SSZ" (UTC); RELAIS_NOW overrides for tests. */
void util_now_iso(char out[21]);
/** "YYYY-MM-DDTHH:MM:SSZ" (UTC) to local "DD/MM/YYYY HH:MM" for display; copies on failure. */
void util_timestamp_display(const char *iso, char out[32]);
/** Convert an ISO date "YYYY-MM-DD" string to "DD/MM/YYYY" (French display). */
void util_iso_to_fr(const char *iso, char out[11]);

/* ------------------------------------------------------------ hash map */

/** Open-addressing map from byte strings to int64 values. Keys are copied. */
typedef struct util_map util_map;

int util_map_new(util_map **out);
void util_map_free(util_map *m);
/** Insert or replace. */
int util_map_put(util_map *m, const char *key, size_t key_len, int64_t value);
/** true and *value when found. */
bool util_map_get(const util_map *m, const char *key, size_t key_len, int64_t *value);
size_t util_map_count(const util_map *m);
/** Iterate: *pos starts at 0; returns false at the end. */
bool util_map_next(const util_map *m, size_t *pos, const char **key, size_t *key_len,
                   int64_t *value);
uint64_t util_hash(const void *data, size_t len);

/** A set of int64 (e.g. internal ids seen during an import). */
typedef struct util_idset util_idset;
int util_idset_new(util_idset **out);
void util_idset_free(util_idset *s);
int util_idset_add(util_idset *s, int64_t id);
bool util_idset_has(const util_idset *s, int64_t id);
size_t util_idset_count(const util_idset *s);

/* --------------------------------------------------------- JSON writer */

/*
 * A streaming JSON writer with automatic commas, writing to a util_buf or a
 * FILE. Strings are escaped as JSON requires; invalid UTF-8 is replaced by
 * U+FFFD so the output is always valid JSON.
 */
typedef struct util_json {
    util_buf *buf;
    FILE *out;
    int depth;
    bool need_comma[64];
    bool after_key;
    bool pretty;
} util_json;

void util_json_init_buf(util_json *j, util_buf *buf, bool pretty);
void util_json_init_file(util_json *j, FILE *out, bool pretty);
void util_json_object_begin(util_json *j);
void util_json_object_end(util_json *j);
void util_json_array_begin(util_json *j);
void util_json_array_end(util_json *j);
void util_json_key(util_json *j, const char *key);
void util_json_string(util_json *j, const char *s); /* NULL writes null */
void util_json_string_len(util_json *j, const char *s, size_t len);
void util_json_int(util_json *j, int64_t v);
void util_json_double(util_json *j, double v, int decimals);
void util_json_bool(util_json *j, bool v);
void util_json_null(util_json *j);
/* Shorthands for "key": value. */
void util_json_kv_string(util_json *j, const char *key, const char *s);
void util_json_kv_int(util_json *j, const char *key, int64_t v);
void util_json_kv_bool(util_json *j, const char *key, bool v);
/** Flush pending output (file mode); finishes with a newline at depth 0. */
void util_json_end(util_json *j);
/** Append a JSON-escaped string (with quotes) to a buffer. */
void util_json_escape(util_buf *b, const char *s, size_t len);

/* ----------------------------------------------------------------- CSV */

/**
 * Append one CSV field to b (RFC 4180): quoted when it holds the separator, a
 * double quote, a line break, or leading/trailing spaces; NULL is an empty
 * field. Does not add the separator.
 */
void util_csv_field(util_buf *b, const char *value, char sep);
/** Append fields of a row (n values, NULLs allowed) followed by CRLF. */
void util_csv_row(util_buf *b, const char *const *values, size_t n, char sep);

/* --------------------------------------------------------------- spool */

/*
 * An append-only byte log that stays in memory up to a limit and spills to an
 * anonymous temporary file beyond it, so that a plan of millions of operations
 * does not grow the process. Read back sequentially with a cursor.
 */
typedef struct util_spool util_spool;

int util_spool_new(util_spool **out, size_t memory_limit);
void util_spool_free(util_spool *s);
int util_spool_write(util_spool *s, const void *data, size_t len);
size_t util_spool_size(const util_spool *s);
/**
 * Make what was written so far readable by cursors (the file's buffer is
 * written out); *readable = bytes a cursor may read. With to_file, the spool
 * also leaves memory for good: cursors in other threads may then read while
 * this thread keeps writing (memory would be reallocated under them).
 */
int util_spool_publish(util_spool *s, bool to_file, uint64_t *readable);

/**
 * An independent reader of a spool: it reads its own copy of the bytes (pread
 * on the spilled file), so it may run in another thread than the writer's, up
 * to `limit` bytes, which its owner raises as the writer publishes.
 */
typedef struct util_spool_cursor {
    util_spool *s;
    uint64_t pos, limit;
    char *buf; /* file mode: bytes [buf_start, buf_start + buf_len) of the file */
    uint64_t buf_start;
    size_t buf_len;
} util_spool_cursor;

/** Read from the beginning, up to everything written so far (published first). */
int util_spool_cursor_open(util_spool_cursor *c, util_spool *s);
/** Read exactly len bytes; RELAIS_ENOTFOUND at `limit`, RELAIS_EIO when it cuts the bytes. */
int util_spool_cursor_read(util_spool_cursor *c, void *data, size_t len);
void util_spool_cursor_close(util_spool_cursor *c);

/* --------------------------------------------------------------- files */

/** Read a whole (small) file into a NUL-terminated buffer. Caller frees *out. */
int util_file_read(char **out, size_t *len, const char *path);
/** Write data to path atomically (temporary file + rename). */
int util_file_write_atomic(const char *path, const void *data, size_t len);
/** Is path a directory? */
bool util_is_dir(const char *path);

/* ------------------------------------------------------------ embedded */

/**
 * A file embedded in the binary at build time (SQL migrations, web assets),
 * by its path relative to the source root ("src/lib/store/schema/001_hub.sql").
 * Returns NULL when absent. The data is NUL-terminated; *size excludes the NUL.
 */
const unsigned char *util_embedded(const char *path, size_t *size);
/** Iterate embedded files: *pos starts at 0; returns NULL at the end. */
const char *util_embedded_next(size_t *pos);

/* --------------------------------------------------------------- misc */

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UTIL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UTIL_MAX(a, b) ((a) > (b) ? (a) : (b))

/** Peak resident set size of this process in KiB (from /proc/self/status), 0 if unknown. */
long util_peak_rss_kib(void);
/** Monotonic clock in seconds. */
double util_monotonic(void);

#endif
