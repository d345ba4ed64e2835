/*
 * sim.c — how close two folded names are: Damerau–Levenshtein (optimal
 * string alignment) and Jaro–Winkler, plus the French knowledge that turns a
 * small edit distance into "a different name": masculine/feminine pairs
 * (Louis/Louise, Jean/Jeanne) and a table of common first names (Léa and Léo
 * are two children, not a typing error).
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define SIM_MAX 63

unsigned text_damerau(const char *a, size_t alen, const char *b, size_t blen, unsigned max)
{
    alen = UTIL_MIN(alen, (size_t)SIM_MAX);
    blen = UTIL_MIN(blen, (size_t)SIM_MAX);
    size_t diff = alen > blen ? alen - blen : blen - alen;
    if (diff > max) {
        return max + 1;
    }
    /* Three rows: i-2, i-1, i. */
    unsigned rows[3][SIM_MAX + 1];
    unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= blen; j++) {
        prev[j] = (unsigned)j;
    }
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = (unsigned)i;
        unsigned row_min = cur[0];
        for (size_t j = 1; j <= blen; j++) {
            unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
            unsigned v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) {
                v = prev[j] + 1;
            }
            if (cur[j - 1] + 1 < v) {
                v = cur[j - 1] + 1;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < v) {
                v = pp[j - 2] + 1;
            }
            cur[j] = v;
            if (v < row_min) {
                row_min = v;
            }
        }
        if (row_min > max) {
            return max + 1;
        }
        unsigned *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    unsigned d = prev[blen];
    return d > max ? max + 1 : d;
}

double text_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen)
{
    alen = UTIL_MIN(alen, (size_t)SIM_MAX);
    blen = UTIL_MIN(blen, (size_t)SIM_MAX);
    if (alen == 0 && blen == 0) {
        return 1.0;
    }
    if (alen == 0 || blen == 0) {
        return 0.0;
    }
    size_t window = UTIL_MAX(alen, blen) / 2;
    window = window > 0 ? window - 1 : 0;
    bool am[SIM_MAX] = {false}, bm[SIM_MAX] = {false};
    size_t m = 0;
    for (size_t i = 0; i < alen; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = UTIL_MIN(i + window + 1, blen);
        for (size_t j = lo; j < hi; j++) {
            if (!bm[j] && a[i] == b[j]) {
                am[i] = bm[j] = true;
                m++;
                break;
            }
        }
    }
    if (m == 0) {
        return 0.0;
    }
    size_t t = 0, k = 0;
    for (size_t i = 0; i < alen; i++) {
        if (!am[i]) {
            continue;
        }
        while (!bm[k]) {
            k++;
        }
        if (a[i] != b[k]) {
            t++;
        }
        k++;
    }
    double md = (double)m;
    double jaro = (md / (double)alen + md / (double)blen + (md - (double)t / 2.0) / md) / 3.0;
    size_t prefix = 0;
    while (prefix < 4 && prefix < alen && prefix < blen && a[prefix] == b[prefix]) {
        prefix++;
    }
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

static bool has_suffix_pair(const char *s, size_t slen, const char *l, size_t llen)
{
    /* l = s + feminine ending */
    static const char *const endings[] = {"e", "a", "ne", "le", "tte", "ette", "ine"};
    if (llen <= slen || memcmp(s, l, slen) != 0) {
        return false;
    }
    const char *suf = l + slen;
    size_t suflen = llen - slen;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(endings); i++) {
        if (strlen(endings[i]) == suflen && memcmp(suf, endings[i], suflen) == 0) {
            return true;
        }
    }
    return false;
}

bool text_gendered_variant(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen) {
        /* léa/léo, maria/mario, alexandre/alexandra, julie/julia: only the final vowel differs. */
        if (alen < 3 || memcmp(a, b, alen - 1) != 0) {
            return false;
        }
        char x = a[alen - 1], y = b[blen - 1];
        return x != y && strchr("aeo", x) && strchr("aeo", y);
    }
    const char *s = alen < blen ? a : b, *l = alen < blen ? b : a;
    size_t slen = UTIL_MIN(alen, blen), llen = UTIL_MAX(alen, blen);
    if (slen < 3) {
        return false;
    }
    if (has_suffix_pair(s, slen, l, llen)) {
        return true;
    }
    /* frédéric/frédérique, dominic/dominique */
    if (s[slen - 1] == 'c' && llen == slen + 2 && memcmp(s, l, slen - 1) == 0 &&
        memcmp(l + slen - 1, "que", 3) == 0) {
        return true;
    }
    /* yves/yvette, simone/simonette: the short form's final "e", "s" or "es" replaced */
    for (size_t drop = 1; drop <= 2 && drop < slen - 1; drop++) {
        const char *tail = s + slen - drop;
        bool droppable = (drop == 1 && (*tail == 'e' || *tail == 's')) ||
                         (drop == 2 && memcmp(tail, "es", 2) == 0);
        if (droppable && has_suffix_pair(s, slen - drop, l, llen)) {
            return true;
        }
    }
    return false;
}

/* Common first names in France (folded, sorted), of children and of their parents. */
static const char *const first_names[] = {
    "abdel",    "adam",      "adele",     "adrien",    "agathe",    "agnes",      "ahmed",
    "aicha",    "alain",     "alban",     "albert",    "alexandra", "alexandre",  "alexis",
    "alice",    "aline",     "alix",      "amandine",  "ambre",     "amelie",     "amine",
    "amir",     "anais",     "andre",     "andrea",    "angele",    "angelique",  "anna",
    "anne",     "annie",     "anthony",   "antoine",   "antonin",   "apolline",   "arnaud",
    "arthur",   "aurelie",   "aurelien",  "axel",      "baptiste",  "bastien",    "benjamin",
    "benoit",   "bernard",   "blanche",   "brigitte",  "bruno",     "camille",    "capucine",
    "carole",   "caroline",  "catherine", "cecile",    "celia",     "celine",     "charles",
    "charlie",  "charlotte", "chloe",     "christian", "christine", "christophe", "claire",
    "clara",    "claude",    "clemence",  "clement",   "cloe",      "colette",    "coralie",
    "corinne",  "cyril",     "damien",    "daniel",    "danielle",  "david",      "delphine",
    "denis",    "denise",    "diane",     "didier",    "dominique", "dylan",      "eden",
    "edouard",  "elena",     "eliane",    "elias",     "elisa",     "elise",      "elodie",
    "eloise",   "elsa",      "emilie",    "emma",      "emmanuel",  "emmanuelle", "emmy",
    "enzo",     "eric",      "erwan",     "ethan",     "etienne",   "eva",        "evan",
    "fabien",   "fabienne",  "fabrice",   "fanny",     "fatima",    "fatoumata",  "florence",
    "florian",  "francis",   "franck",    "francois",  "francoise", "frederic",   "gabin",
    "gabriel",  "gabrielle", "gael",      "gaelle",    "gaspard",   "genevieve",  "georges",
    "gerard",   "gilles",    "gisele",    "guillaume", "gustave",   "helene",     "henri",
    "hugo",     "ibrahim",   "ines",      "irene",     "isabelle",  "jacqueline", "jacques",
    "jade",     "jean",      "jeanne",    "jeremy",    "jerome",    "joel",       "jordan",
    "joseph",   "josephine", "josiane",   "jules",     "julia",     "julie",      "julien",
    "juliette", "justine",   "karim",     "karine",    "kevin",     "lana",       "laura",
    "laure",    "laurence",  "laurent",   "lea",       "leana",     "lena",       "leo",
    "leon",     "leonie",    "liam",      "lina",      "lisa",      "lise",       "lola",
    "lou",      "louis",     "louise",    "luc",       "luca",      "lucas",      "lucie",
    "lucien",   "ludovic",   "madeleine", "mael",      "maelle",    "maelys",     "manon",
    "marc",     "marcel",    "margaux",   "margot",    "maria",     "marie",      "marine",
    "mario",    "marion",    "martin",    "martine",   "matheo",    "mathieu",    "mathilde",
    "mathis",   "matteo",    "maxime",    "melanie",   "michel",    "michele",    "mila",
    "mohamed",  "monique",   "morgane",   "nadia",     "nadine",    "nathalie",   "nathan",
    "nicolas",  "nina",      "noah",      "noe",       "noel",      "noemie",     "nolan",
    "oceane",   "olivia",    "olivier",   "pascal",    "pascale",   "patrice",    "patricia",
    "patrick",  "paul",      "pauline",   "philippe",  "pierre",    "quentin",    "raphael",
    "rayan",    "remi",      "rene",      "richard",   "robert",    "romain",     "rose",
    "sacha",    "samuel",    "sandrine",  "sarah",     "sebastien", "serge",      "simon",
    "simone",   "solene",    "sophie",    "stephane",  "stephanie", "suzanne",    "sylvain",
    "sylvie",   "theo",      "thibault",  "thierry",   "thomas",    "timeo",      "tom",
    "valentin", "valerie",   "vanessa",   "veronique", "victor",    "victoria",   "vincent",
    "virginie", "yanis",     "yann",      "yasmine",   "yves",      "yvette",     "yvonne",
    "zoe",
};

static int cmp_name(const void *key, const void *elem)
{
    const text_slice *k = key;
    const char *e = *(const char *const *)elem;
    size_t elen = strlen(e);
    int c = memcmp(k->s, e, UTIL_MIN(k->len, elen));
    if (c != 0) {
        return c;
    }
    return k->len < elen ? -1 : k->len > elen ? 1 : 0;
}

bool text_known_first_name(const char *token, size_t len)
{
    text_slice k = {token, len};
    return bsearch(&k, first_names, UTIL_ARRAY_LEN(first_names), sizeof first_names[0], cmp_name) !=
           NULL;
}

bool text_typo_close(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == blen && memcmp(a, b, alen) == 0) {
        return true;
    }
    size_t lmin = UTIL_MIN(alen, blen);
    if (lmin < 4) {
        return false;
    }
    unsigned max = lmin >= 8 ? 2 : 1;
    return text_damerau(a, alen, b, blen, max) <= max;
}
