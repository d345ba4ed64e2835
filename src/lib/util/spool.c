/*
 * spool.c — an append-only byte log that keeps a plan's operations in memory
 * while small and spills them to an anonymous temporary file when large, so
 * that importing an académie does not hold every change in RAM.
 */
#include "util.h"

#include <string.h>
#include <unistd.h>

/* Operations are written and read a few bytes at a time: a large stdio buffer, no locking. */
#define SPOOL_FILE_BUFFER ((size_t)256 << 10)

struct util_spool {
    util_buf mem;
    size_t limit;
    FILE *file; /* non-NULL once spilled */
    char *file_buf;
    size_t size;
};

int util_spool_new(util_spool **out, size_t memory_limit)
{
    *out = NULL;
    util_spool *s = util_calloc(1, sizeof *s);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    s->limit = memory_limit;
    *out = s;
    return 0;
}

void util_spool_free(util_spool *s)
{
    if (s == NULL) {
        return;
    }
    util_buf_free(&s->mem);
    if (s->file) {
        fclose(s->file);
    }
    util_free(s->file_buf);
    util_free(s);
}

static int spill(util_spool *s)
{
    s->file = tmpfile();
    if (s->file == NULL) {
        relais_error_set("%s", _("impossible de créer un fichier temporaire"));
        return RELAIS_EIO;
    }
    s->file_buf = util_malloc(SPOOL_FILE_BUFFER);
    if (s->file_buf) {
        setvbuf(s->file, s->file_buf, _IOFBF, SPOOL_FILE_BUFFER);
    }
    if (s->mem.len > 0 && fwrite(s->mem.data, 1, s->mem.len, s->file) != s->mem.len) {
        relais_error_set("%s", _("écriture du fichier temporaire impossible"));
        return RELAIS_EIO;
    }
    util_buf_free(&s->mem);
    return 0;
}

int util_spool_write(util_spool *s, const void *data, size_t len)
{
    s->size += len;
    if (s->file == NULL && s->mem.len + len > s->limit) {
        int rc = spill(s);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->file) {
        if (fwrite_unlocked(data, 1, len, s->file) != len) {
            relais_error_set("%s", _("écriture du fichier temporaire impossible"));
            return RELAIS_EIO;
        }
        return 0;
    }
    return util_buf_append(&s->mem, data, len);
}

size_t util_spool_size(const util_spool *s)
{
    return s->size;
}

int util_spool_publish(util_spool *s, bool to_file, uint64_t *readable)
{
    if (to_file && s->file == NULL) {
        int rc = spill(s);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->file && fflush(s->file) != 0) {
        relais_error_set("%s", _("écriture du fichier temporaire impossible"));
        return RELAIS_EIO;
    }
    *readable = s->size;
    return 0;
}

int util_spool_cursor_open(util_spool_cursor *c, util_spool *s)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    return util_spool_publish(s, false, &c->limit);
}

void util_spool_cursor_close(util_spool_cursor *c)
{
    util_free(c->buf);
    c->buf = NULL;
}

/* Refill the cursor's buffer from the file at its position, never past its limit. */
static int cursor_fill(util_spool_cursor *c)
{
    if (c->buf == NULL) {
        c->buf = util_malloc(SPOOL_FILE_BUFFER);
        if (c->buf == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    uint64_t want = UTIL_MIN((uint64_t)SPOOL_FILE_BUFFER, c->limit - c->pos);
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(fileno(c->s->file), c->buf + got, (size_t)want - got,
                          (off_t)(c->pos + got));
        if (n <= 0) {
            relais_error_set("%s", _("lecture du fichier temporaire impossible"));
            return RELAIS_EIO;
        }
        got += (size_t)n;
    }
    c->buf_start = c->pos;
    c->buf_len = got;
    return 0;
}

int util_spool_cursor_read(util_spool_cursor *c, void *data, size_t len)
{
    if (c->pos == c->limit && len > 0) {
        return RELAIS_ENOTFOUND;
    }
    if (c->limit - c->pos < len) {
        return RELAIS_EIO;
    }
    if (c->s->file == NULL) {
        memcpy(data, c->s->mem.data + c->pos, len);
        c->pos += len;
        return 0;
    }
    char *out = data;
    while (len > 0) {
        if (c->pos < c->buf_start || c->pos >= c->buf_start + c->buf_len) {
            int rc = cursor_fill(c);
            if (rc < 0) {
                return rc;
            }
        }
        size_t at = (size_t)(c->pos - c->buf_start);
        size_t n = UTIL_MIN(len, c->buf_len - at);
        memcpy(out, c->buf + at, n);
        out += n;
        len -= n;
        c->pos += n;
    }
    return 0;
}
