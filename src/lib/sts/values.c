/*
 * values.c — normalisation of STS-Web values (decimals, booleans, dates,
 * UAI) and the crosswalk presence test, shared by the STS and timetable
 * importers (sts.h). Tolerant on spelling ("2,50", "true", "O"), strict on
 * meaning: what cannot be read is reported by the caller, never guessed.
 */
#include "sts.h"

#include <string.h>
#include <strings.h>

bool sts_uai_valid(const char *uai)
{
    if (uai == NULL || strlen(uai) != 8) {
        return false;
    }
    for (int i = 0; i < 7; i++) {
        if (uai[i] < '0' || uai[i] > '9') {
            return false;
        }
    }
    return uai[7] >= 'A' && uai[7] <= 'Z';
}

bool sts_decimal_norm(char *out, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= cap) {
        return false;
    }
    bool seen_sep = false;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digits++;
            out[i] = c;
        } else if ((c == '.' || c == ',') && !seen_sep && i > 0 && i + 1 < n) {
            seen_sep = true;
            out[i] = '.';
        } else {
            return false;
        }
    }
    out[n] = '\0';
    return digits > 0;
}

const char *sts_bool_norm(const char *s)
{
    static const char *const yes[] = {"true", "1", "oui", "o", "vrai", "yes", "y"};
    static const char *const no[] = {"false", "0", "non", "n", "faux", "no"};
    if (s == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            return "1";
        }
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(no); i++) {
        if (strcasecmp(s, no[i]) == 0) {
            return "0";
        }
    }
    return NULL;
}

bool sts_date_norm(char out[11], const char *s)
{
    util_date d;
    if (s == NULL || !util_date_parse(s, strlen(s), &d)) {
        return false;
    }
    util_date_iso(&d, out);
    return true;
}

bool sts_xref_is_presence(const relais_record *xref)
{
    const char *prov = xref->text[RELAIS_XREF_PROVENANCE];
    return !util_streq(prov, STS_PROVENANCE_AUTO) && !util_streq(prov, STS_PROVENANCE_MANUAL);
}
