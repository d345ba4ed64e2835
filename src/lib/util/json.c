/*
 * json.c — a streaming JSON writer. Reports can hold hundreds of thousands of
 * warnings; writing them as they come keeps memory flat. Commas are placed by
 * the writer, never by callers.
 */
#include "util.h"

#include <inttypes.h>
#include <string.h>

static void emit(util_json *j, const char *s, size_t len)
{
    if (j->buf) {
        util_buf_append(j->buf, s, len);
    } else if (j->out) {
        fwrite(s, 1, len, j->out);
    }
}

static void emits(util_json *j, const char *s)
{
    emit(j, s, strlen(s));
}

static void newline(util_json *j)
{
    if (!j->pretty) {
        return;
    }
    emit(j, "\n", 1);
    for (int i = 0; i < j->depth; i++) {
        emit(j, "  ", 2);
    }
}

/* Called before every value or key: comma and indentation. */
static void before_value(util_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth]) {
            emit(j, ",", 1);
        }
        j->need_comma[j->depth] = true;
        newline(j);
    }
}

void util_json_init_buf(util_json *j, util_buf *buf, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->buf = buf;
    j->pretty = pretty;
}

void util_json_init_file(util_json *j, FILE *out, bool pretty)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->pretty = pretty;
}

static void open_container(util_json *j, const char *c)
{
    before_value(j);
    emits(j, c);
    if (j->depth < 63) {
        j->depth++;
    }
    j->need_comma[j->depth] = false;
}

static void close_container(util_json *j, const char *c)
{
    bool had_items = j->need_comma[j->depth];
    if (j->depth > 0) {
        j->depth--;
    }
    if (had_items) {
        newline(j);
    }
    emits(j, c);
}

void util_json_object_begin(util_json *j)
{
    open_container(j, "{");
}

void util_json_object_end(util_json *j)
{
    close_container(j, "}");
}

void util_json_array_begin(util_json *j)
{
    open_container(j, "[");
}

void util_json_array_end(util_json *j)
{
    close_container(j, "]");
}

void util_json_escape(util_buf *b, const char *s, size_t len)
{
    util_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* A run of plain ASCII is copied at once (journals write millions of values). */
        size_t run = i;
        while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\') {
            run++;
        }
        if (run > i) {
            util_buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            util_buf_putc(b, '\\');
            util_buf_putc(b, (char)c);
            i++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': util_buf_puts(b, "\\n"); break;
            case '\r': util_buf_puts(b, "\\r"); break;
            case '\t': util_buf_puts(b, "\\t"); break;
            default: util_buf_printf(b, "\\u%04x", c); break;
            }
            i++;
        } else if (c < 0x80) {
            util_buf_putc(b, (char)c);
            i++;
        } else {
            /* Copy a valid UTF-8 sequence whole; replace anything else. */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
            if (n > 0 && i + n <= len && util_utf8_valid(s + i, n)) {
                util_buf_append(b, s + i, n);
                i += n;
            } else {
                util_buf_puts(b, "\xEF\xBF\xBD");
                i++;
            }
        }
    }
    util_buf_putc(b, '"');
}

void util_json_key(util_json *j, const char *key)
{
    before_value(j);
    if (j->buf) {
        util_json_escape(j->buf, key, strlen(key));
    } else {
        util_buf tmp = UTIL_BUF_INIT;
        util_json_escape(&tmp, key, strlen(key));
        emit(j, tmp.data, tmp.len);
        util_buf_free(&tmp);
    }
    emit(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
    j->after_key = true;
}

void util_json_string_len(util_json *j, const char *s, size_t len)
{
    before_value(j);
    if (j->buf) {
        util_json_escape(j->buf, s, len);
        return;
    }
    util_buf tmp = UTIL_BUF_INIT;
    util_json_escape(&tmp, s, len);
    emit(j, tmp.data, tmp.len);
    util_buf_free(&tmp);
}

void util_json_string(util_json *j, const char *s)
{
    if (s == NULL) {
        util_json_null(j);
        return;
    }
    util_json_string_len(j, s, strlen(s));
}

void util_json_int(util_json *j, int64_t v)
{
    char tmp[32];
    before_value(j);
    snprintf(tmp, sizeof tmp, "%" PRId64, v);
    emits(j, tmp);
}

void util_json_double(util_json *j, double v, int decimals)
{
    char tmp[64];
    before_value(j);
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    emits(j, tmp);
}

void util_json_bool(util_json *j, bool v)
{
    before_value(j);
    emits(j, v ? "true" : "false");
}

void util_json_null(util_json *j)
{
    before_value(j);
    emits(j, "null");
}

void util_json_kv_string(util_json *j, const char *key, const char *s)
{
    util_json_key(j, key);
    util_json_string(j, s);
}

void util_json_kv_int(util_json *j, const char *key, int64_t v)
{
    util_json_key(j, key);
    util_json_int(j, v);
}

void util_json_kv_bool(util_json *j, const char *key, bool v)
{
    util_json_key(j, key);
    util_json_bool(j, v);
}

void util_json_end(util_json *j)
{
    emit(j, "\n", 1);
    if (j->out) {
        fflush(j->out);
    }
}
