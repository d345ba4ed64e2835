/*
 * score.c — Fellegi–Sunter comparison of two persons.
 *
 * Each piece of evidence (surname, first names, birth date, sex, postcode,
 * e-mail, phone, class, INE, children) is compared at a few levels (exact,
 * partial, a typing error away, different, missing); each level adds
 * log2(m/u) bits, where m is how often the level occurs for one person seen
 * twice and u how often it occurs for two different persons. For names,
 * dates, postcodes and classes u comes from the hub's term frequencies, so
 * that "MARTIN" weighs less than "KERGUELEN". Two hard rules come first and
 * keep twins and homonyms apart: different birth dates (beyond a swap or one
 * digit) or different first names (beyond a typing error, and Louis is not
 * Louise) mean two persons, whatever the rest says.
 *
 * The weights and the reasoning behind them are in docs/internals/match.md.
 */
#include "match_internal.h"

#include <math.h>
#include <string.h>

#include "text/text.h"

/* m probabilities and fixed weights (bits). */
#define M_NAME 0.90
#define M_DATE 0.93
#define W_SURNAME_DIFFERS (-6.0)
#define W_SURNAME_CLOSE_MAX 5.0
#define W_FIRST_OTHER 2.0
#define W_FIRST_CLOSE_MAX 3.0
#define W_SEX_AGREES 0.9
#define W_SEX_DIFFERS (-4.5)
#define W_POSTCODE_MAX 10.0
#define W_POSTCODE_DIFFERS (-1.5)
#define W_EMAIL 12.0
#define W_EMAIL_DIFFERS (-0.5)
#define W_PHONE 12.0
#define W_CLASS_MAX 8.0
#define W_CLASS_DIFFERS (-1.5)
#define W_INE 20.0
#define W_INE_DIFFERS (-6.0)
#define W_CATEGORY_DIFFERS (-1.0)
#define W_CHILD 10.0
#define W_CHILDREN_DIFFER (-4.0)
#define W_ADDRESS 6.0

/*
 * Frequencies are the hub's, smoothed towards a national baseline u0 with a
 * weight of PSEUDO persons: a hub of 12 students says little about how common
 * a surname is (1/12 would make every agreement weak), a hub of a million says
 * nearly everything.
 */
#define PSEUDO 2000.0
#define U0_SURNAME 0.0005
#define U0_FIRST 0.003
#define U0_DATE (1.0 / 3650.0)
#define U0_POSTCODE 0.02
#define U0_CLASS 0.04

static double smooth(const mctx *c, int cg, uint32_t count, double u0)
{
    double n = (double)c->hub_n[cg];
    return ((double)(count ? count : 1) + PSEUDO * u0) / (n + PSEUDO);
}

static double u_of(const mctx *c, int cg, uint32_t id, double u0)
{
    return smooth(c, cg, id < c->n_tf ? c->tf[cg][id] : 0, u0);
}

/* log2(m/u), never below half a bit for an agreement. */
static double w_agree(double m, double u)
{
    double w = log2(m / u);
    return w < 0.5 ? 0.5 : w;
}

static bool names_close(const mctx *c, uint32_t a, uint32_t b)
{
    if (a == b) {
        return true;
    }
    size_t la, lb;
    const char *sa = mintern_str(&c->names, a, &la);
    const char *sb = mintern_str(&c->names, b, &lb);
    return text_typo_close(sa, la, sb, lb);
}

/* First names: a typing error, unless both are known first names (Léon is not Léo). */
static bool first_close(const mctx *c, uint32_t a, uint32_t b)
{
    if (a == b) {
        return true;
    }
    size_t la, lb;
    const char *sa = mintern_str(&c->names, a, &la);
    const char *sb = mintern_str(&c->names, b, &lb);
    if (c->known[a] && c->known[b]) {
        return false; /* two common first names: two names, not a typing error */
    }
    /* Short first names (Tom/Tow, Jade/Jae): one edit, at least three letters left. */
    bool close =
        text_typo_close(sa, la, sb, lb) ||
        (UTIL_MIN(la, lb) == 3 && UTIL_MAX(la, lb) <= 4 && text_damerau(sa, la, sb, lb, 1) <= 1);
    return close && !text_gendered_variant(sa, la, sb, lb);
}

/* ----------------------------------------------------------------- surname */

static void cmp_surname(mscore *s, const mctx *c, const mfeat *a, const mfeat *b)
{
    int cg = b->cg;
    double best = -INFINITY;
    uint32_t best_reason = 0;
    bool any = false;
    for (int i = 0; i < 2; i++) {
        const msurname *x = &a->sn[i];
        if (x->compact == 0) {
            continue;
        }
        for (int j = 0; j < 2; j++) {
            const msurname *y = &b->sn[j];
            if (y->compact == 0) {
                continue;
            }
            any = true;
            double w;
            uint32_t reason;
            if (x->compact == y->compact || x->core == y->core) {
                w = w_agree(M_NAME, u_of(c, cg, y->core, U0_SURNAME));
                reason = MATCH_R_SURNAME_EXACT;
                if (i != j) {
                    w -= 0.5;
                    reason |= MATCH_R_SURNAME_USAGE;
                }
            } else {
                w = -INFINITY;
                reason = 0;
                for (unsigned ti = 0; ti < x->n_tok; ti++) {
                    for (unsigned tj = 0; tj < y->n_tok; tj++) {
                        if (x->tok[ti] == y->tok[tj]) {
                            double wp = w_agree(M_NAME, u_of(c, cg, y->tok[tj], U0_SURNAME)) - 4.0;
                            if (wp < 1.0) {
                                wp = 1.0;
                            }
                            if (wp > w) {
                                w = wp;
                                reason = MATCH_R_SURNAME_PARTIAL;
                            }
                        }
                    }
                }
                if (reason == 0 && names_close(c, x->core, y->core)) {
                    w = w_agree(M_NAME, u_of(c, cg, y->core, U0_SURNAME)) - 1.0;
                    w = w > W_SURNAME_CLOSE_MAX ? W_SURNAME_CLOSE_MAX : w < 1.0 ? 1.0 : w;
                    reason = MATCH_R_SURNAME_CLOSE;
                }
                if (reason && i != j) {
                    w -= 0.5;
                    reason |= MATCH_R_SURNAME_USAGE;
                }
            }
            if (reason && w > best) {
                best = w;
                best_reason = reason;
            }
        }
    }
    if (!any) {
        return;
    }
    if (best_reason == 0) {
        s->w += W_SURNAME_DIFFERS;
        s->reasons |= MATCH_R_SURNAME_DIFFERS;
        s->surname_differs = true;
        return;
    }
    s->w += best;
    s->reasons |= best_reason;
}

/* -------------------------------------------------------------- first names */

static void cmp_first(mscore *s, const mctx *c, const mfeat *a, const mfeat *b)
{
    if (a->n_fn == 0 || b->n_fn == 0) {
        return;
    }
    int cg = b->cg;
    unsigned na = a->n_fn, nb = b->n_fn, k = 0;
    unsigned nmin = UTIL_MIN(na, nb);
    while (k < nmin && a->fn[k] == b->fn[k]) {
        k++;
    }
    double wf = w_agree(M_NAME, u_of(c, cg, b->fn_first ? b->fn_first : b->fn[0], U0_FIRST));
    double w0 = w_agree(M_NAME, u_of(c, cg, b->fn[0], U0_FIRST));
    if ((k == na && k == nb) || (a->fn_first && a->fn_first == b->fn_first)) {
        s->w += wf;
        s->reasons |= MATCH_R_FIRST_EXACT;
        return;
    }
    if (k == nmin) {
        /* One list of first names starts the other. Cut inside a compound first name
         * ("Jean" against "Jean-Pierre") is weak; the first of several names is strong. */
        const mfeat *longer = na < nb ? b : a;
        if (longer->fn_first_len && nmin < longer->fn_first_len) {
            double w = w0 - 3.0;
            s->w += w < 1.0 ? 1.0 : w;
            s->reasons |= MATCH_R_FIRST_PARTIAL;
        } else {
            s->w += wf - 1.0;
            s->reasons |= MATCH_R_FIRST_PREFIX;
        }
        return;
    }
    /* Mismatch at token k. A typing error in that token, the rest agreeing? */
    if (first_close(c, a->fn[k], b->fn[k])) {
        bool rest = true;
        for (unsigned i = k + 1; i < nmin; i++) {
            rest = rest && (a->fn[i] == b->fn[i] || first_close(c, a->fn[i], b->fn[i]));
        }
        if (rest) {
            double w = wf - 2.0;
            s->w += w > W_FIRST_CLOSE_MAX ? W_FIRST_CLOSE_MAX : w < 1.0 ? 1.0 : w;
            s->reasons |= MATCH_R_FIRST_CLOSE;
            s->first_close = true;
            return;
        }
    }
    if (k == 0) {
        for (unsigned i = 1; i < nb; i++) {
            if (b->fn[i] == a->fn[0]) {
                s->w += W_FIRST_OTHER;
                s->reasons |= MATCH_R_FIRST_OTHER;
                return;
            }
        }
        for (unsigned i = 1; i < na; i++) {
            if (a->fn[i] == b->fn[0]) {
                s->w += W_FIRST_OTHER;
                s->reasons |= MATCH_R_FIRST_OTHER;
                return;
            }
        }
        if (a->fn_first && b->fn_first && first_close(c, a->fn_first, b->fn_first)) {
            s->w += 1.0;
            s->reasons |= MATCH_R_FIRST_CLOSE;
            s->first_close = true;
            return;
        }
        s->vetoes++;
        s->first_differs = true;
        return;
    }
    /* Agreement on the first k tokens, then different names. When both first given names
     * are known to be covered, the first names agree and later given names differ;
     * otherwise the difference is inside a compound name: Jean-Pierre is not Jean-Marc. */
    if (a->fn_first_len && b->fn_first_len && k >= a->fn_first_len && k >= b->fn_first_len) {
        s->w += wf - 2.0;
        s->reasons |= MATCH_R_FIRST_EXACT;
        return;
    }
    s->vetoes++;
    s->first_differs = true;
}

/* ------------------------------------------------------------------- dates */

bool match_one_digit_apart(uint32_t x, uint32_t y)
{
    char a[9], b[9];
    for (int i = 7; i >= 0; i--) {
        a[i] = (char)('0' + x % 10);
        b[i] = (char)('0' + y % 10);
        x /= 10;
        y /= 10;
    }
    int diff = 0, first = -1;
    for (int i = 0; i < 8; i++) {
        if (a[i] != b[i]) {
            if (first < 0) {
                first = i;
            }
            diff++;
        }
    }
    if (diff == 1) {
        return true;
    }
    /* two adjacent digits exchanged: 1987 / 1978 */
    return diff == 2 && first < 7 && a[first] == b[first + 1] && a[first + 1] == b[first];
}

static void cmp_date(mscore *s, const mctx *c, const mfeat *a, const mfeat *b)
{
    if (a->date == 0 || b->date == 0) {
        s->reasons |= MATCH_R_DATE_MISSING;
        return;
    }
    int cg = b->cg;
    double u = smooth(c, cg, match_date_tf(c, cg, b->date), U0_DATE);
    if (a->date == b->date) {
        s->w += w_agree(M_DATE, u);
        s->reasons |= MATCH_R_DATE_EXACT;
        return;
    }
    uint32_t ya = a->date / 10000, ma = a->date / 100 % 100, da = a->date % 100;
    uint32_t yb = b->date / 10000, mb = b->date / 100 % 100, db = b->date % 100;
    if (ya == yb && ma == db && da == mb) {
        s->w += log2(0.02 / u);
        s->reasons |= MATCH_R_DATE_SWAPPED;
        return;
    }
    if (match_one_digit_apart(a->date, b->date)) {
        /* About 25 valid dates are one digit away from any date. */
        s->w += log2(0.03 / (25.0 * u));
        s->reasons |= MATCH_R_DATE_TYPO;
        return;
    }
    s->vetoes++;
    s->date_differs = true;
}

/* ------------------------------------------------------------------ the rest */

void match_compare(mscore *s, const mctx *c, const mfeat *a, const mfeat *b, int children,
                   int children_possible)
{
    memset(s, 0, sizeof *s);
    cmp_date(s, c, a, b);
    bool key = (a->ine && a->ine == b->ine) || (a->siecle && a->siecle == b->siecle);
    if (s->vetoes && !key) {
        return; /* the cheapest rule first: different birth dates */
    }
    cmp_first(s, c, a, b);
    if (s->vetoes && !key) {
        return;
    }
    cmp_surname(s, c, a, b);
    int cg = b->cg;
    if (a->sex && b->sex) {
        if (a->sex == b->sex) {
            s->w += W_SEX_AGREES;
            s->reasons |= MATCH_R_SEX_AGREES;
        } else {
            s->w += W_SEX_DIFFERS;
            s->reasons |= MATCH_R_SEX_DIFFERS;
            if (s->first_close) {
                s->vetoes++; /* Louis / Louisa, Jean / Jeane… of the other sex: two persons */
                s->first_differs = true;
            }
        }
    }
    if (a->postcode && b->postcode) {
        if (a->postcode == b->postcode) {
            double w = w_agree(0.85, u_of(c, cg, b->postcode, U0_POSTCODE));
            s->w += w > W_POSTCODE_MAX ? W_POSTCODE_MAX : w;
            s->reasons |= MATCH_R_POSTCODE;
        } else {
            s->w += W_POSTCODE_DIFFERS;
            s->reasons |= MATCH_R_POSTCODE_DIFFERS;
        }
    }
    if (a->email && b->email) {
        if (a->email == b->email) {
            s->w += W_EMAIL;
            s->reasons |= MATCH_R_EMAIL;
        } else {
            s->w += W_EMAIL_DIFFERS;
        }
    }
    if (a->n_phones && b->n_phones) {
        bool same = false;
        for (unsigned i = 0; i < a->n_phones && !same; i++) {
            for (unsigned j = 0; j < b->n_phones && !same; j++) {
                same = a->phones[i] == b->phones[j];
            }
        }
        if (same) {
            s->w += W_PHONE;
            s->reasons |= MATCH_R_PHONE;
        }
    }
    if (a->classe && b->classe) {
        if (a->classe == b->classe) {
            double w = w_agree(0.85, u_of(c, cg, b->classe, U0_CLASS));
            s->w += w > W_CLASS_MAX ? W_CLASS_MAX : w;
            s->reasons |= MATCH_R_CLASS;
        } else {
            s->w += W_CLASS_DIFFERS;
            s->reasons |= MATCH_R_CLASS_DIFFERS;
        }
    }
    if (a->ine && b->ine) {
        if (a->ine == b->ine) {
            s->w += W_INE;
            s->reasons |= MATCH_R_INE;
        } else {
            s->w += W_INE_DIFFERS;
            s->reasons |= MATCH_R_INE_DIFFERS;
        }
    }
    if (a->siecle && b->siecle && a->siecle == b->siecle) {
        s->w += W_INE;
        s->reasons |= MATCH_R_SIECLE_ID;
    }
    if (a->category != b->category) {
        s->w += W_CATEGORY_DIFFERS;
        s->reasons |= MATCH_R_CATEGORY_DIFFERS;
    }
    match_add_children(s, children, children_possible);
    if (a->address && a->address == b->address) {
        s->w += W_ADDRESS;
        s->reasons |= MATCH_R_ADDRESS;
    }
}

void match_add_children(mscore *s, int children, int children_possible)
{
    if (children > 0) {
        s->w += W_CHILD * (children > 2 ? 2 : children);
        s->reasons |= MATCH_R_CHILDREN;
        s->n_children = (uint8_t)(children > 255 ? 255 : children);
    } else if (children == 0 && children_possible) {
        s->w += W_CHILDREN_DIFFER;
        s->reasons |= MATCH_R_CHILDREN_DIFFER;
    }
}

double match_posterior(const mctx *c, const mfeat *fa, const mfeat *fb, double w)
{
    size_t n;
    if (fa->estab == MATCH_ANY_ESTAB || fb->estab >= c->n_estabs) {
        n = c->hub_n[fb->cg];
    } else {
        n = c->estab_n[(size_t)fb->estab * CG_N + fb->cg];
    }
    return w - log2(n > 1 ? (double)n : 1.0) + c->prior_bonus;
}
