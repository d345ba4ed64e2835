/*
 * spool.c — an append-only byte log that keeps a plan's operations in memory
 * while small and spills them to an anonymous temporary file when large, so
 * that importing an académie does not hold every change in RAM.
 */
#include "util.h"

#include <string.h>

/* Operations are written and read a few bytes at a time: a large stdio buffer, no locking. */
#define SPOOL_FILE_BUFFER ((size_t)256 << 10)

struct util_spool {
    util_buf mem;
    size_t limit;
    FILE *file; /* non-NULL once spilled */
    char *file_buf;
    size_t size;
    size_t read_pos; /* memory mode */
    bool reading;
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
    if (s->reading) {
        /* Appending after a read: go back to the end. */
        s->reading = false;
        if (s->file && fseek(s->file, 0, SEEK_END) != 0) {
            return RELAIS_EIO;
        }
    }
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

int util_spool_rewind(util_spool *s)
{
    s->reading = true;
    s->read_pos = 0;
    if (s->file) {
        if (fflush(s->file) != 0 || fseek(s->file, 0, SEEK_SET) != 0) {
            return RELAIS_EIO;
        }
    }
    return 0;
}

int util_spool_read(util_spool *s, void *data, size_t len)
{
    if (s->file) {
        size_t n = fread_unlocked(data, 1, len, s->file);
        if (n == len) {
            return 0;
        }
        return n == 0 && feof(s->file) ? RELAIS_ENOTFOUND : RELAIS_EIO;
    }
    if (s->read_pos == s->mem.len) {
        return RELAIS_ENOTFOUND;
    }
    if (s->mem.len - s->read_pos < len) {
        return RELAIS_EIO;
    }
    memcpy(data, s->mem.data + s->read_pos, len);
    s->read_pos += len;
    return 0;
}
