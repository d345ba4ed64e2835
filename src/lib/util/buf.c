/*
 * buf.c — growable byte buffers (util_buf), the building block of every text
 * the library produces (SQL, JSON, reports, XML output).
 */
#include "util.h"

#include <string.h>

int util_buf_grow(util_buf *b, size_t extra)
{
    if (b->failed) {
        return RELAIS_ENOMEM;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    char *p = util_realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int util_buf_append(util_buf *b, const void *data, size_t len)
{
    int rc = util_buf_grow(b, len);
    if (rc < 0) {
        return rc;
    }
    if (len > 0) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int util_buf_puts(util_buf *b, const char *s)
{
    return util_buf_append(b, s, strlen(s));
}

int util_buf_putc(util_buf *b, char c)
{
    return util_buf_append(b, &c, 1);
}

int util_buf_vprintf(util_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return RELAIS_EINVALID;
    }
    int rc = util_buf_grow(b, (size_t)n);
    if (rc < 0) {
        return rc;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int util_buf_printf(util_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = util_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *util_buf_cstr(util_buf *b)
{
    return b->data ? b->data : "";
}

void util_buf_reset(util_buf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = '\0';
    }
}

void util_buf_free(util_buf *b)
{
    util_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

char *util_buf_steal(util_buf *b)
{
    char *p = b->data;
    if (p == NULL) {
        p = util_strdup("");
    }
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
