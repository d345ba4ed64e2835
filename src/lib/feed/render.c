/*
 * render.c — writing feed documents (docs/formats/feed.md), XML or JSON.
 *
 * Items are appended to a buffer as they are read from the store; the
 * document around them (which states how many there are) is written last.
 * Both forms are compact (no indentation): partners parse them, people read
 * them through a formatter.
 */
#include "feed_internal.h"

#include <string.h>

/* ------------------------------------------------------------------- XML */

/* Decode one UTF-8 sequence at s[0..len); returns its length, 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || n > len || !util_utf8_valid((const char *)s, n)) {
        return 0;
    }
    if (n == 1) {
        *cp = c;
    } else if (n == 2) {
        *cp = (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    } else if (n == 3) {
        *cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    } else {
        *cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
              (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    }
    return n;
}

static bool xml_char_ok(uint32_t cp)
{
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void feed_xml_escape(util_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* run: bytes since the last escape, copied in one go */
    while (i < len) {
        unsigned char c = p[i];
        const char *rep = NULL;
        size_t n = 1;
        if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"') {
            rep = "&quot;";
        } else if (c == '\'') {
            rep = "&apos;";
        } else if (c < 0x20 || c >= 0x80) {
            uint32_t cp = 0;
            n = utf8_seq(p + i, len - i, &cp);
            if (n == 0 || !xml_char_ok(cp)) {
                rep = "\xEF\xBF\xBD"; /* U+FFFD */
                n = n ? n : 1;
            }
        }
        if (rep) {
            if (run) {
                util_buf_append(b, s + i - run, run);
            }
            run = 0;
            util_buf_puts(b, rep);
        } else {
            run += n;
        }
        i += n;
    }
    if (run) {
        util_buf_append(b, s + len - run, run);
    }
}

static void xml_attr(util_buf *b, const char *name, const char *value)
{
    util_buf_printf(b, " %s=\"", name);
    feed_xml_escape(b, value, strlen(value));
    util_buf_putc(b, '"');
}

static void json_str(util_buf *b, const char *s)
{
    if (s == NULL) {
        util_buf_puts(b, "null");
    } else {
        util_json_escape(b, s, strlen(s));
    }
}

/* ------------------------------------------------------------------ items */

void render_item_begin(feed_render *r, const char *op, const char *kind, int64_t id,
                       const char *uai, int64_t seq, const char *date)
{
    util_buf *b = &r->items;
    r->in_item = true;
    r->has_fields = false;
    if (r->format == FEED_XML) {
        util_buf_printf(b, "<%s op=\"%s\" id=\"%lld\"", kind, op, (long long)id);
        xml_attr(b, "uai", uai);
        if (seq > 0) {
            util_buf_printf(b, " seq=\"%lld\"", (long long)seq);
        }
        if (date) {
            xml_attr(b, "date", date);
        }
    } else {
        if (r->n_items > 0) {
            util_buf_putc(b, ',');
        }
        util_buf_printf(b, "{\"op\":\"%s\",\"kind\":\"%s\",\"id\":%lld,\"uai\":", op, kind,
                        (long long)id);
        json_str(b, uai);
        if (seq > 0) {
            util_buf_printf(b, ",\"seq\":%lld", (long long)seq);
        }
        if (date) {
            util_buf_puts(b, ",\"date\":");
            json_str(b, date);
        }
    }
}

void render_field(feed_render *r, const char *name, const char *text, bool is_ref, int64_t ref)
{
    util_buf *b = &r->items;
    char num[24];
    if (is_ref) {
        if (ref > 0) {
            snprintf(num, sizeof num, "%lld", (long long)ref);
            text = num;
        } else {
            text = NULL;
        }
    }
    if (r->format == FEED_XML) {
        if (!r->has_fields) {
            util_buf_putc(b, '>');
        }
        if (text == NULL) {
            util_buf_printf(b, "<%s/>", name);
        } else {
            util_buf_printf(b, "<%s>", name);
            feed_xml_escape(b, text, strlen(text));
            util_buf_printf(b, "</%s>", name);
        }
    } else {
        util_buf_puts(b, r->has_fields ? "," : ",\"fields\":{");
        util_json_escape(b, name, strlen(name));
        util_buf_putc(b, ':');
        if (is_ref && text) {
            util_buf_puts(b, text); /* references are numbers */
        } else {
            json_str(b, text);
        }
    }
    r->has_fields = true;
}

void render_item_end(feed_render *r, const char *kind)
{
    util_buf *b = &r->items;
    if (r->format == FEED_XML) {
        if (r->has_fields) {
            util_buf_printf(b, "</%s>\n", kind);
        } else {
            util_buf_puts(b, "/>\n");
        }
    } else {
        util_buf_puts(b, r->has_fields ? "}}" : "}");
    }
    r->in_item = false;
    r->n_items++;
}

/* --------------------------------------------------------------- document */

int render_document(util_buf *out, feed_render *r, const feed_target *t, const feed_doc *d)
{
    const char *status = d->up_to_date ? "up-to-date" : "batch";
    const char *phase = d->full ? "full" : "changes";
    if (r->format == FEED_XML) {
        util_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        util_buf_printf(out, "<feed version=\"%d\" status=\"%s\" batch=\"%lld\"",
                        FEED_FORMAT_VERSION, status, (long long)d->batch);
        if (!d->up_to_date) {
            util_buf_printf(out, " phase=\"%s\" items=\"%zu\" more=\"%d\"", phase, r->n_items,
                            d->more ? 1 : 0);
        }
        util_buf_printf(out, " year=\"%d\" uais=\"%s\" poll_minutes=\"%d\"", t->year, t->joined,
                        d->poll_minutes);
        if (d->up_to_date) {
            util_buf_puts(out, "/>\n");
        } else {
            util_buf_puts(out, ">\n");
            for (size_t i = 0; i < t->n; i++) {
                util_buf_printf(out, "<establishment uai=\"%s\"", t->uais[i]);
                if (t->names[i]) {
                    xml_attr(out, "name", t->names[i]);
                }
                util_buf_printf(out, " billing=\"%d\"/>\n", t->billing[i] ? 1 : 0);
            }
            if (r->items.len) {
                util_buf_append(out, r->items.data, r->items.len);
            }
            util_buf_puts(out, "</feed>\n");
        }
    } else {
        util_buf_printf(out, "{\"version\":%d,\"status\":\"%s\",\"batch\":%lld",
                        FEED_FORMAT_VERSION, status, (long long)d->batch);
        if (!d->up_to_date) {
            util_buf_printf(out, ",\"phase\":\"%s\",\"items_count\":%zu,\"more\":%s", phase,
                            r->n_items, d->more ? "true" : "false");
        }
        util_buf_printf(out, ",\"year\":%d,\"uais\":\"%s\",\"poll_minutes\":%d", t->year, t->joined,
                        d->poll_minutes);
        if (!d->up_to_date) {
            util_buf_puts(out, ",\"establishments\":[");
            for (size_t i = 0; i < t->n; i++) {
                util_buf_printf(out, "%s{\"uai\":\"%s\",\"name\":", i ? "," : "", t->uais[i]);
                json_str(out, t->names[i]);
                util_buf_printf(out, ",\"billing\":%s}", t->billing[i] ? "true" : "false");
            }
            util_buf_puts(out, "],\"items\":[");
            if (r->items.len) {
                util_buf_append(out, r->items.data, r->items.len);
            }
            util_buf_putc(out, ']');
        }
        util_buf_puts(out, "}\n");
    }
    return out->failed || r->items.failed ? RELAIS_ENOMEM : 0;
}

void render_free(feed_render *r)
{
    util_buf_free(&r->items);
}
