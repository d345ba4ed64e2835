/*
 * dup.c — duplicate guardians inside the hub: one parent recorded under two
 * PERSONNE_IDs (an accent typed differently, two records for one parent of
 * children in two families' files). The hub is matched against itself with
 * the engine's blocking and scoring, within each establishment; pairs that
 * look like one person become proposals. Nothing is ever merged here.
 */
#include "match_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Most guardians are recorded once: the prior that a pair is a duplicate is low. */
#define DUP_PRIOR 0.01

typedef struct dvec {
    match_dup *v;
    size_t n, cap;
} dvec;

static int dvec_push(dvec *d, const match_dup *x)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        match_dup *v = util_realloc(d->v, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = *x;
    return 0;
}

static int cmp_dup(const void *a, const void *b)
{
    const match_dup *x = a, *y = b;
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->a != y->a) {
        return x->a < y->a ? -1 : 1;
    }
    return x->b < y->b ? -1 : x->b > y->b;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int shared(const match_person *a, const match_person *b)
{
    int n = 0;
    for (uint32_t i = 0; i < a->n_children; i++) {
        for (uint32_t j = 0; j < b->n_children; j++) {
            n += a->children[i] == b->children[j];
        }
    }
    return n;
}

int match_duplicates(match_dup **out, size_t *n_out, const match_list *hub,
                     const match_options *opt_in)
{
    *out = NULL;
    *n_out = 0;
    match_options opt = MATCH_OPTIONS_INIT;
    if (opt_in) {
        opt = *opt_in;
    }
    mctx c;
    mkindex ix = {0};
    dvec d = {0};
    uint32_t *cand = NULL;
    int rc = match_ctx_init(&c, hub, hub, opt.threads ? opt.threads : 2, DUP_PRIOR);
    if (rc < 0) {
        return rc;
    }
    rc = mkindex_build(&ix, &c, c.hf, hub->n, true); /* within each establishment */
    size_t cap = 1024;
    cand = util_malloc(cap * sizeof *cand);
    if (rc == 0 && cand == NULL) {
        rc = RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < hub->n && rc == 0; i++) {
        const mfeat *fi = &c.hf[i];
        if (fi->cg != CG_GUARDIAN) {
            continue;
        }
        uint64_t keys[MK_MAX_KEYS];
        size_t n_strong;
        size_t nk = match_keys(keys, &n_strong, &c, fi, true, true), n_cand = 0;
        for (size_t k = 0; k < nk && rc == 0; k++) {
            size_t s0, cnt;
            mkindex_lookup(&ix, keys[k], &s0, &cnt);
            if (cnt > 2000) {
                continue;
            }
            if (n_cand + cnt > cap) {
                size_t ncap = (n_cand + cnt) * 2;
                uint32_t *nc = util_realloc(cand, ncap * sizeof *nc);
                if (nc == NULL) {
                    rc = RELAIS_ENOMEM;
                    break;
                }
                cand = nc;
                cap = ncap;
            }
            for (size_t m = 0; m < cnt; m++) {
                cand[n_cand++] = ix.ents[s0 + m].idx;
            }
        }
        if (n_cand > 1) {
            qsort(cand, n_cand, sizeof *cand, cmp_u32);
        }
        for (size_t m = 0; m < n_cand && rc == 0; m++) {
            uint32_t j = cand[m];
            if (j <= i || (m > 0 && cand[m - 1] == j)) {
                continue;
            }
            const mfeat *fj = &c.hf[j];
            if (fj->cg != CG_GUARDIAN || fj->estab != fi->estab) {
                continue;
            }
            int kids = shared(&hub->persons[i], &hub->persons[j]);
            mscore s;
            match_compare(&s, &c, fi, fj, kids, 0);
            if (s.vetoes || (s.reasons & MATCH_R_SEX_DIFFERS)) {
                continue; /* a father and a mother of one name are two persons */
            }
            double post = match_posterior(&c, fi, fj, s.w);
            if (post < opt.review_threshold) {
                continue;
            }
            match_dup x = {(uint32_t)i, j, s.n_children, s.reasons, (float)post};
            rc = dvec_push(&d, &x);
        }
    }
    util_free(cand);
    mkindex_free(&ix);
    match_ctx_free(&c);
    if (rc < 0) {
        util_free(d.v);
        relais_error_set("%s", _("mémoire insuffisante"));
        return rc;
    }
    if (d.n > 1) {
        qsort(d.v, d.n, sizeof *d.v, cmp_dup);
    }
    *out = d.v;
    *n_out = d.n;
    return 0;
}
