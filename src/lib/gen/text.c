/*
 * text.c — French text helpers of the generator: upper case and accent
 * removal on UTF-8 (the partner noise and SIECLE's upper-case surnames need
 * them), arena printf. Latin-9 encoding lives in out.c, at the output edge.
 */
#include "internal.h"

#include <stdarg.h>
#include <string.h>

/* Decode one UTF-8 sequence at s; returns its length (1 for an invalid byte). */
/* One code point; invalid input reads as '?' one byte at a time (generated text is valid). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    int n = util_utf8_decode((const char *)s, cp);
    if (n <= 0) {
        *cp = '?';
        return 1;
    }
    return (size_t)n;
}

static void utf8_put(util_buf *b, uint32_t cp)
{
    char t[3];
    if (cp < 0x80) {
        util_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        util_buf_append(b, t, 2);
    } else {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        util_buf_append(b, t, 3);
    }
}

static uint32_t upper_cp(uint32_t cp)
{
    if (cp >= 'a' && cp <= 'z') {
        return cp - 32;
    }
    if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) {
        return cp - 32;
    }
    switch (cp) {
    case 0xFF: return 0x178;
    case 0x153: return 0x152;
    case 0x161: return 0x160;
    case 0x17E: return 0x17D;
    default: return cp;
    }
}

char *gen_upper(util_arena *a, const char *s)
{
    util_buf b = UTIL_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        utf8_put(&b, upper_cp(cp));
    }
    char *r = util_arena_strndup(a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return r;
}

/* ASCII replacement of a Latin letter with a diacritic; NULL when none. */
static const char *fold_cp(uint32_t cp)
{
    static const char *const lat1[64] = {
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
        "D", "N", "O", "O", "O", "O", "O", NULL, "O", "U", "U", "U", "U", "Y", NULL, "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", NULL, "y"};
    if (cp >= 0xC0 && cp <= 0xFF) {
        return lat1[cp - 0xC0];
    }
    switch (cp) {
    case 0x152: return "OE";
    case 0x153: return "oe";
    case 0x160: return "S";
    case 0x161: return "s";
    case 0x178: return "Y";
    case 0x17D: return "Z";
    case 0x17E: return "z";
    default: return NULL;
    }
}

char *gen_strip_accents(util_arena *a, const char *s)
{
    util_buf b = UTIL_BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        const char *f = fold_cp(cp);
        if (f) {
            util_buf_puts(&b, f);
        } else {
            utf8_put(&b, cp);
        }
    }
    char *r = util_arena_strndup(a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return r;
}

bool gen_has_non_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return true;
        }
    }
    return false;
}

char *gen_aprintf(util_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *r = NULL;
    if (n >= 0 && (size_t)n < sizeof small) {
        r = util_arena_strndup(a, small, (size_t)n);
    } else if (n >= 0) {
        r = util_arena_alloc(a, (size_t)n + 1);
        if (r) {
            vsnprintf(r, (size_t)n + 1, fmt, ap2);
        }
    }
    va_end(ap2);
    return r;
}

/* Latin-9 byte of a code point, or '?' when it has none. */
static unsigned char latin9(uint32_t cp)
{
    int byte = util_latin9_byte(cp);
    return byte >= 0 ? (unsigned char)byte : '?';
}

void gen_xml_text(gen_out *o, const char *s, bool attr)
{
    unsigned char tmp[512];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (n + 8 > sizeof tmp) {
            gen_out_write(o, (const char *)tmp, n);
            n = 0;
        }
        uint32_t cp;
        p += utf8_decode(p, &cp);
        switch (cp) {
        case '&': memcpy(tmp + n, "&amp;", 5); n += 5; break;
        case '<': memcpy(tmp + n, "&lt;", 4); n += 4; break;
        case '>': memcpy(tmp + n, "&gt;", 4); n += 4; break;
        case '"':
            if (attr) {
                memcpy(tmp + n, "&quot;", 6);
                n += 6;
            } else {
                tmp[n++] = '"';
            }
            break;
        default: tmp[n++] = latin9(cp); break;
        }
    }
    gen_out_write(o, (const char *)tmp, n);
}

void gen_xml_raw(gen_out *o, const char *s, size_t len)
{
    unsigned char tmp[512];
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        if (n + 4 > sizeof tmp) {
            gen_out_write(o, (const char *)tmp, n);
            n = 0;
        }
        uint32_t cp;
        p += utf8_decode(p, &cp);
        tmp[n++] = latin9(cp);
    }
    gen_out_write(o, (const char *)tmp, n);
}
