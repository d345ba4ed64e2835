/*
 * fold.c — folding of names to one comparable form, and the surname keys
 * built on it (particles, compact and core forms).
 *
 * utf8proc does the Unicode work (decomposition, case folding, removal of
 * combining marks); our table adds the letters Unicode does not decompose but
 * French data writes either way (œ/oe, æ/ae, ß/ss, ø/o…). ASCII, by far the
 * most common input, takes a fast path that never calls utf8proc.
 */
#include "text.h"

#include <string.h>
#include <utf8proc.h>

/* Letters Unicode does not decompose to ASCII, with their usual transcription. */
static const struct {
    int32_t cp;
    const char *ascii;
} special_letters[] = {
    {0x00C6, "ae"}, {0x00E6, "ae"}, {0x0152, "oe"}, {0x0153, "oe"}, {0x00DF, "ss"},
    {0x1E9E, "ss"}, {0x00D8, "o"},  {0x00F8, "o"},  {0x0110, "d"},  {0x0111, "d"},
    {0x00D0, "d"},  {0x00F0, "d"},  {0x00DE, "th"}, {0x00FE, "th"}, {0x0141, "l"},
    {0x0142, "l"},  {0x0131, "i"},  {0x0126, "h"},  {0x0127, "h"},  {0x0166, "t"},
    {0x0167, "t"},  {0x014A, "n"},  {0x014B, "n"},  {0x0132, "ij"}, {0x0133, "ij"},
};

static const char *special_letter(int32_t cp)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(special_letters); i++) {
        if (special_letters[i].cp == cp) {
            return special_letters[i].ascii;
        }
    }
    return NULL;
}

/* Output state: pending space so that runs of separators give one space, none at the ends. */
typedef struct folder {
    util_buf *out;
    size_t start; /* length of out before this call */
    bool pending_space;
} folder;

static void put_byte(folder *f, char c)
{
    if (f->pending_space) {
        if (f->out->len > f->start) {
            util_buf_putc(f->out, ' ');
        }
        f->pending_space = false;
    }
    util_buf_putc(f->out, c);
}

static void put_space(folder *f)
{
    f->pending_space = true;
}

static void put_ascii_char(folder *f, unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        put_byte(f, (char)(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        put_byte(f, (char)c);
    } else {
        put_space(f); /* space, hyphen, apostrophe, dot, any punctuation or control */
    }
}

/* Emit one code point that came out of utf8proc (already decomposed and case-folded). */
static void put_codepoint(folder *f, int32_t cp)
{
    if (cp < 0x80) {
        put_ascii_char(f, (unsigned char)cp);
        return;
    }
    const char *sp = special_letter(cp);
    if (sp) {
        for (; *sp; sp++) {
            put_byte(f, *sp);
        }
        return;
    }
    utf8proc_category_t cat = utf8proc_category(cp);
    switch (cat) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return; /* a combining mark left over: dropped */
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: {
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);
        for (utf8proc_ssize_t i = 0; i < n; i++) {
            put_byte(f, (char)enc[i]);
        }
        return;
    }
    default: put_space(f); return;
    }
}

int text_fold(util_buf *out, const char *s, size_t len)
{
    folder f = {out, out->len, false};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            put_ascii_char(&f, p[i]);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            i++; /* invalid byte: dropped */
            continue;
        }
        i += (size_t)n;
        const char *sp = special_letter(cp);
        if (sp) {
            for (; *sp; sp++) {
                put_byte(&f, *sp);
            }
            continue;
        }
        utf8proc_int32_t dec[16];
        int boundclass = UTF8PROC_BOUNDCLASS_START;
        utf8proc_ssize_t nd =
            utf8proc_decompose_char(cp, dec, (utf8proc_ssize_t)UTIL_ARRAY_LEN(dec),
                                    UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                        UTF8PROC_STRIPMARK | UTF8PROC_IGNORE,
                                    &boundclass);
        if (nd < 0 || nd > (utf8proc_ssize_t)UTIL_ARRAY_LEN(dec)) {
            put_space(&f);
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < nd; k++) {
            put_codepoint(&f, dec[k]);
        }
    }
    if (out->failed) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    /* An input of separators only leaves nothing: make sure the buffer is a valid C string. */
    if (util_buf_grow(out, 1) < 0) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    out->data[out->len] = '\0';
    return 0;
}

char *text_fold_arena(util_arena *arena, const char *s, size_t len, size_t *out_len)
{
    util_buf b = UTIL_BUF_INIT;
    char *res = NULL;
    if (text_fold(&b, s, len) == 0) {
        res = util_arena_strndup(arena, b.data ? b.data : "", b.len);
        if (res && out_len) {
            *out_len = b.len;
        }
    }
    util_buf_free(&b);
    return res;
}

size_t text_split(text_slice *out, size_t max, const char *folded, size_t len)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        while (i < len && folded[i] == ' ') {
            i++;
        }
        size_t start = i;
        while (i < len && folded[i] != ' ') {
            i++;
        }
        if (i > start) {
            out[n++] = (text_slice){folded + start, i - start};
        }
    }
    return n;
}

static bool token_is(const char *t, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(t, word, len) == 0;
}

bool text_is_particle(const char *token, size_t len)
{
    static const struct {
        const char *word;
        size_t len;
    } particles[] = {
        {"d", 1},   {"l", 1},   {"y", 1},   {"e", 1},   {"de", 2},  {"du", 2},    {"la", 2},
        {"le", 2},  {"da", 2},  {"di", 2},  {"do", 2},  {"zu", 2},  {"af", 2},    {"des", 3},
        {"les", 3}, {"van", 3}, {"von", 3}, {"der", 3}, {"den", 3}, {"del", 3},   {"dos", 3},
        {"das", 3}, {"ter", 3}, {"ten", 3}, {"vom", 3}, {"dei", 3}, {"della", 5}, {"degli", 5},
    };
    if (len == 0 || len > 5) {
        return false;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(particles); i++) {
        if (particles[i].len == len && memcmp(token, particles[i].word, len) == 0) {
            return true;
        }
    }
    return false;
}

/* "st" → "saint", "ste" → "sainte": the abbreviations of place-derived surnames. */
static text_slice expand_abbrev(text_slice t)
{
    if (token_is(t.s, t.len, "st")) {
        return (text_slice){"saint", 5};
    }
    if (token_is(t.s, t.len, "ste")) {
        return (text_slice){"sainte", 6};
    }
    return t;
}

int text_name_keys(util_buf *compact, util_buf *core, const char *folded, size_t len)
{
    text_slice tok[16];
    size_t n = text_split(tok, UTIL_ARRAY_LEN(tok), folded, len);
    size_t n_core = 0;
    for (size_t i = 0; i < n; i++) {
        tok[i] = expand_abbrev(tok[i]);
        if (!text_is_particle(tok[i].s, tok[i].len)) {
            n_core++;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (compact) {
            util_buf_append(compact, tok[i].s, tok[i].len);
        }
        if (core && (n_core == 0 || !text_is_particle(tok[i].s, tok[i].len))) {
            util_buf_append(core, tok[i].s, tok[i].len);
        }
    }
    int rc = 0;
    if (compact && (compact->failed || util_buf_grow(compact, 1) < 0)) {
        rc = RELAIS_ENOMEM;
    }
    if (core && (core->failed || util_buf_grow(core, 1) < 0)) {
        rc = RELAIS_ENOMEM;
    }
    if (rc == 0) {
        if (compact) {
            compact->data[compact->len] = '\0';
        }
        if (core) {
            core->data[core->len] = '\0';
        }
    } else {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    return rc;
}
