/*
 * str.c — small string helpers: trimming, strict integer parsing, UTF-8
 * validation, checked snprintf.
 */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const char *util_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1])) {
        n--;
    }
    *len = n;
    return s;
}

bool util_streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

bool util_str_empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

bool util_parse_int64(const char *s, size_t len, int64_t *out)
{
    if (s == NULL || len == 0 || len > 20) {
        return false;
    }
    size_t i = 0;
    bool negative = false;
    if (s[0] == '-' || s[0] == '+') {
        negative = s[0] == '-';
        i = 1;
        if (len == 1) {
            return false;
        }
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1) {
            return false;
        }
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) {
            return false;
        }
        *out = (int64_t)v;
    }
    return true;
}

int util_snprintf(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        return RELAIS_EINVALID;
    }
    return 0;
}

bool util_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len) {
            return false;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

char *util_arena_ascii_upper(util_arena *a, const char *s)
{
    char *p = util_arena_strdup(a, s);
    if (p == NULL) {
        return NULL;
    }
    for (char *q = p; *q; q++) {
        if (*q >= 'a' && *q <= 'z') {
            *q = (char)(*q - 'a' + 'A');
        }
    }
    return p;
}

size_t util_utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

int util_utf8_decode(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s[0] == 0) {
        return 0;
    }
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    for (int i = 1; i < n; i++) {
        if (s[i] == 0) {
            return -1;
        }
    }
    if (n == 0 || !util_utf8_valid(str, (size_t)n)) {
        return -1;
    }
    uint32_t v = s[0] & (0xFF >> (n + 1));
    for (int i = 1; i < n; i++) {
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

int util_latin9_byte(uint32_t cp)
{
    switch (cp) {
    case 0x20AC: return 0xA4; /* € */
    case 0x0160: return 0xA6; /* Š */
    case 0x0161: return 0xA8; /* š */
    case 0x017D: return 0xB4; /* Ž */
    case 0x017E: return 0xB8; /* ž */
    case 0x0152: return 0xBC; /* Œ */
    case 0x0153: return 0xBD; /* œ */
    case 0x0178: return 0xBE; /* Ÿ */
    /* The Latin-1 characters Latin-9 replaced. */
    case 0xA4: case 0xA6: case 0xA8: case 0xB4: case 0xB8: case 0xBC: case 0xBD: case 0xBE:
        return -1;
    default: return cp < 0x100 ? (int)cp : -1;
    }
}

bool util_latin9_xml_append(util_buf *b, const char *s)
{
    bool exact = true;
    uint32_t cp;
    int k;
    while ((k = util_utf8_decode(s, &cp)) != 0) {
        if (k < 0) {
            util_buf_putc(b, '?');
            exact = false;
            s++;
            continue;
        }
        s += k;
        switch (cp) {
        case '&': util_buf_puts(b, "&amp;"); break;
        case '<': util_buf_puts(b, "&lt;"); break;
        case '>': util_buf_puts(b, "&gt;"); break;
        case '"': util_buf_puts(b, "&quot;"); break;
        case '\'': util_buf_puts(b, "&apos;"); break;
        default: {
            int byte = util_latin9_byte(cp);
            exact = exact && byte >= 0;
            util_buf_putc(b, byte >= 0 ? (char)byte : '?');
        }
        }
    }
    return exact;
}
