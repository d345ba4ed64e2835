/*
 * error.c — the thread-local error message behind relais_error_last().
 *
 * Kept deliberately tiny: a fixed buffer per thread, so that setting an error
 * never allocates (it is often called precisely when allocation failed).
 */
#include <relais/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERROR_BUF_SIZE 2048

static _Thread_local char last_message[ERROR_BUF_SIZE];

const char *relais_error_name(int code)
{
    switch (code) {
    case RELAIS_OK: return "OK";
    case RELAIS_ENOTFOUND: return "ENOTFOUND";
    case RELAIS_EINVALID: return "EINVALID";
    case RELAIS_ECONFLICT: return "ECONFLICT";
    case RELAIS_EIO: return "EIO";
    case RELAIS_EDB: return "EDB";
    case RELAIS_ENET: return "ENET";
    case RELAIS_ENOMEM: return "ENOMEM";
    case RELAIS_EREFUSED: return "EREFUSED";
    default: return "EUNKNOWN";
    }
}

void relais_error_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    if (n < 0) {
        last_message[0] = '\0';
    }
}

/* Append src at *pos in dst (capacity cap), always leaving dst NUL-terminated. */
static void append_bounded(char *dst, size_t cap, size_t *pos, const char *src)
{
    while (*src && *pos + 1 < cap) {
        dst[(*pos)++] = *src++;
    }
    dst[*pos] = '\0';
}

void relais_error_prefix(const char *fmt, ...)
{
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    char old[ERROR_BUF_SIZE];
    memcpy(old, last_message, sizeof old);
    size_t pos = 0;
    append_bounded(last_message, sizeof last_message, &pos, prefix);
    if (old[0] != '\0') {
        append_bounded(last_message, sizeof last_message, &pos, " : ");
        append_bounded(last_message, sizeof last_message, &pos, old);
    }
}

const char *relais_error_last(void)
{
    return last_message;
}

void relais_error_clear(void)
{
    last_message[0] = '\0';
}
