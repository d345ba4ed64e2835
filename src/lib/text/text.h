/*
 * text.h — the face of the text module: person names made comparable.
 *
 * Identity matching (match/) compares names written by different programs and
 * people: "LŒUF-DE LA TOUR" in SIECLE, "Loeuf de la Tour" in a billing
 * software, "LOEUF DELATOUR" typed by a secretary. This module folds such
 * strings to one form (lower case, no accents, ligatures expanded,
 * punctuation as spaces), builds the keys that make particles and spacing
 * irrelevant, and measures how close two folded names are (Damerau–
 * Levenshtein, Jaro–Winkler), with the French exceptions that keep Louis and
 * Louise apart.
 *
 * Folded text is UTF-8; for Latin names it is plain ASCII. Functions taking
 * (ptr, len) do not need NUL-terminated input.
 */
#ifndef RELAIS_TEXT_H
#define RELAIS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

/**
 * Append the folded form of the UTF-8 string (s, len) to `out`: lower case,
 * diacritics removed (utf8proc decomposition), ligatures and special letters
 * expanded through our table (œ→oe, æ→ae, ß→ss, ø→o, ł→l, đ/ð→d, þ→th,
 * ı→i), apostrophes, hyphens, dots and any other punctuation or space turned
 * into one space, trimmed. Digits are kept. Invalid UTF-8 bytes are dropped.
 * @return 0, or RELAIS_ENOMEM.
 */
int text_fold(util_buf *out, const char *s, size_t len);

/** Same, into `arena` (NUL-terminated); *out_len (may be NULL) gets the length. NULL on ENOMEM. */
char *text_fold_arena(util_arena *arena, const char *s, size_t len, size_t *out_len);

/** A piece of a string (not NUL-terminated). */
typedef struct text_slice {
    const char *s;
    size_t len;
} text_slice;

/** Split folded text on spaces into at most `max` tokens; returns the number of tokens. */
size_t text_split(text_slice *out, size_t max, const char *folded, size_t len);

/** Is the folded token a surname particle (de, du, des, d, la, le, les, l, van, von, der…)? */
bool text_is_particle(const char *token, size_t len);

/**
 * The two comparison keys of a folded surname, appended to the buffers (either
 * may be NULL): `compact` is every token glued together ("de la tour" →
 * "delatour"), `core` the tokens that are not particles ("tour"; equal to
 * compact when only particles are present). "st"/"ste" count as
 * "saint"/"sainte". Two surnames written differently but equal for a person
 * share one of the keys: "De La Tour" / "Delatour" (compact), "de la Tour" /
 * "La Tour" (core), "d'Artagnan" / "Dartagnan" (compact).
 * @return 0, or RELAIS_ENOMEM.
 */
int text_name_keys(util_buf *compact, util_buf *core, const char *folded, size_t len);

/**
 * Optimal-string-alignment Damerau–Levenshtein distance between two byte
 * strings (insertions, deletions, substitutions, adjacent transpositions),
 * computed up to `max`: any distance above `max` is returned as max + 1.
 * Strings longer than 63 bytes are compared on their first 63 bytes.
 */
unsigned text_damerau(const char *a, size_t alen, const char *b, size_t blen, unsigned max);

/** Jaro–Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4). */
double text_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen);

/**
 * Is one folded first name the masculine / feminine form of the other
 * (louis/louise, jean/jeanne, daniel/danielle, pascal/pascale, francois/
 * francoise, frederic/frederique…)? Such pairs are different names, never a
 * typing error.
 */
bool text_gendered_variant(const char *a, size_t alen, const char *b, size_t blen);

/** Is the folded token one of the common French first names of our table? */
bool text_known_first_name(const char *token, size_t len);

/**
 * Could folded names a and b be the same name with a typing error? True when
 * they are equal, or within Damerau–Levenshtein distance 1 (both at least 4
 * bytes long) or 2 (both at least 8). For first names, callers also rule out
 * gendered variants (text_gendered_variant) and pairs of known first names.
 */
bool text_typo_close(const char *a, size_t alen, const char *b, size_t blen);

#endif
