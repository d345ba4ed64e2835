/*
 * fold.c — folded forms of names for matching (timetable.h), and the kinds of
 * local names.
 *
 * Timetable software and STS-Web spell the same subject "Éducation physique
 * et sportive", "EDUCATION PHYSIQUE ET SPORTIVE" or "educ. physique & sport."
 * — the first two must meet, the third is left to a manual correspondence.
 * utf8proc decomposes (compatibility forms included), drops the combining
 * marks and folds the case; only letters and digits are kept.
 */
#include "timetable.h"

#include <string.h>
#include <strings.h>
#include <utf8proc.h>

relais_kind timetable_kind_model(timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return RELAIS_KIND_SUBJECT;
    case TIMETABLE_STAFF: return RELAIS_KIND_STAFF;
    case TIMETABLE_DIVISION: return RELAIS_KIND_DIVISION;
    default: return RELAIS_KIND_GROUP;
    }
}

const char *timetable_kind_label(timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return _("matière");
    case TIMETABLE_STAFF: return _("enseignant");
    case TIMETABLE_DIVISION: return _("division");
    default: return _("groupe");
    }
}

bool timetable_kind_parse(timetable_kind *out, const char *s)
{
    static const struct {
        const char *word;
        timetable_kind kind;
    } words[] = {
        {"subject", TIMETABLE_SUBJECT},   {"matiere", TIMETABLE_SUBJECT},
        {"matieres", TIMETABLE_SUBJECT},  {"staff", TIMETABLE_STAFF},
        {"teacher", TIMETABLE_STAFF},     {"enseignant", TIMETABLE_STAFF},
        {"enseignants", TIMETABLE_STAFF}, {"professeur", TIMETABLE_STAFF},
        {"professeurs", TIMETABLE_STAFF}, {"prof", TIMETABLE_STAFF},
        {"division", TIMETABLE_DIVISION}, {"divisions", TIMETABLE_DIVISION},
        {"classe", TIMETABLE_DIVISION},   {"classes", TIMETABLE_DIVISION},
        {"group", TIMETABLE_GROUP},       {"groupe", TIMETABLE_GROUP},
        {"groupes", TIMETABLE_GROUP},     {"groups", TIMETABLE_GROUP},
    };
    if (s == NULL) {
        return false;
    }
    util_arena *a = NULL;
    if (util_arena_new(&a, 256) < 0) {
        return false;
    }
    const char *folded = timetable_fold(a, s);
    bool found = false;
    for (size_t i = 0; folded && i < UTIL_ARRAY_LEN(words) && !found; i++) {
        if (strcmp(folded, words[i].word) == 0) {
            *out = words[i].kind;
            found = true;
        }
    }
    util_arena_free(a);
    return found;
}

/* Append a code point to dst as UTF-8 (letters outside ASCII are kept). */
static size_t put_utf8(char *dst, utf8proc_int32_t cp)
{
    return (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)dst);
}

static bool keep(utf8proc_int32_t cp)
{
    if (cp < 0x80) {
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
    }
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LU ||
           cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_LT ||
           cat == UTF8PROC_CATEGORY_ND;
}

const char *timetable_fold(util_arena *arena, const char *s)
{
    const utf8proc_option_t opts = UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                                   UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
    size_t len = s ? strlen(s) : 0;
    utf8proc_int32_t small[256];
    utf8proc_int32_t *cps = small;
    utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps,
                                            (utf8proc_ssize_t)UTIL_ARRAY_LEN(small), opts);
    if (n > (utf8proc_ssize_t)UTIL_ARRAY_LEN(small)) {
        cps = util_malloc((size_t)n * sizeof *cps);
        if (cps == NULL) {
            return NULL;
        }
        n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps, n, opts);
    }
    char *out;
    if (n < 0) {
        /* Not UTF-8: ASCII letters and digits only, lower-cased. */
        out = util_arena_alloc(arena, len + 1);
        size_t k = 0;
        for (size_t i = 0; out && i < len; i++) {
            char c = s[i];
            c = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                out[k++] = c;
            }
        }
        if (out) {
            out[k] = '\0';
        }
    } else {
        out = util_arena_alloc(arena, (size_t)n * 4 + 1);
        size_t k = 0;
        for (utf8proc_ssize_t i = 0; out && i < n; i++) {
            utf8proc_int32_t cp = cps[i];
            if (cp == 0x0153) { /* œ (no decomposition) */
                out[k++] = 'o';
                out[k++] = 'e';
            } else if (cp == 0x00E6) { /* æ */
                out[k++] = 'a';
                out[k++] = 'e';
            } else if (keep(cp)) {
                k += put_utf8(out + k, cp);
            }
        }
        if (out) {
            out[k] = '\0';
        }
    }
    if (cps != small) {
        util_free(cps);
    }
    return out;
}
