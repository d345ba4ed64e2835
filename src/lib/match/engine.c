/*
 * engine.c — the matching run: blocking, scoring, one-to-one assignment and
 * the three outcomes.
 *
 * Comparing every partner person with every hub person is quadratic; instead
 * each person gets a handful of blocking keys (surname × first name, birth date
 * × initials, first name × postcode, phone, e-mail, INE…) and only persons
 * sharing a key are compared, so the cost grows with the lists, not with
 * their product. A typing error breaks some keys, never all of them.
 *
 * Order of a run:
 *   1. links already in the crosswalk stand (pins); rejected pairs are excluded;
 *   2. students and staff: candidates from the keys, scored (score.c); INE
 *      equality is a key;
 *   3. one-to-one assignment per establishment and category group, best score
 *      first; an assigned pair is linked automatically only when its score
 *      passes the threshold and no other candidate comes within the margin,
 *      else it goes to review;
 *   4. guardians, the same way, with their children's links as evidence and as
 *      extra candidates (household);
 *   5. partner persons left without a link get their best candidates for review.
 * Scoring is spread over threads; assignment is sequential (it is cheap).
 */
#include "match_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_CAP 2000             /* a key shared by more hub persons says nothing */
#define W_CHILD_MAX 10.0           /* see score.c */
#define STAFF_NAMES_ONLY_EXTRA 8.0 /* staff on names alone: this far above the threshold */
#define NONE UINT32_MAX

enum {
    K_NAME = 1,
    K_DATE_FN,
    K_DATE_SN,
    K_FN_PC,
    K_SN_PC,
    K_SN_F1,
    K_PHONE,
    K_EMAIL,
    K_INE,
    K_SIECLE
};

static uint64_t kmix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    return h;
}

static uint64_t key3(uint64_t type, uint64_t x, uint64_t y)
{
    return kmix(kmix(kmix(0x51ed270b27d5a1ULL, type), x), y) | 1;
}

/* Keys carry the category group: students are never candidates of guardians. */
#define KT(type) ((uint64_t)(type) | (uint64_t)f->cg << 8)

/* Birth date with day and month in order, so that a swap gives the same key. */
static uint32_t date_canon(uint32_t d)
{
    uint32_t y = d / 10000, m = d / 100 % 100, dd = d % 100;
    if (m <= 12 && dd <= 12 && dd < m) {
        return y * 10000 + dd * 100 + m;
    }
    return d;
}

static uint32_t first2(const mctx *c, uint32_t id)
{
    size_t len;
    const char *s = mintern_str(&c->names, id, &len);
    uint32_t v = 0;
    for (size_t i = 0; i < 2 && i < len; i++) {
        v = v << 8 | (unsigned char)s[i];
    }
    return v;
}

static size_t add_key(uint64_t *out, size_t n, uint64_t k)
{
    for (size_t i = 0; i < n; i++) {
        if (out[i] == k) {
            return n;
        }
    }
    if (n < MK_MAX_KEYS) {
        out[n++] = k;
    }
    return n;
}

size_t match_keys(uint64_t *out, size_t *n_strong, const mctx *c, const mfeat *f, bool hub_side,
                  bool salted)
{
    size_t n = 0;
    uint32_t sn[4];
    size_t nsn = 0;
    for (int v = 0; v < 2; v++) {
        uint32_t ids[2] = {f->sn[v].core, f->sn[v].compact};
        for (int k = 0; k < 2; k++) {
            bool dup = ids[k] == 0;
            for (size_t i = 0; i < nsn && !dup; i++) {
                dup = sn[i] == ids[k];
            }
            if (!dup) {
                sn[nsn++] = ids[k];
            }
        }
    }
    uint32_t fn[MF_MAX_FN + 1];
    size_t nfn = 0;
    size_t max_fn = hub_side ? 4 : 1;
    for (size_t i = 0; i < f->n_fn && i < max_fn; i++) {
        fn[nfn++] = f->fn[i];
    }
    if (f->fn_first && (f->n_fn == 0 || f->fn_first != f->fn[0])) {
        fn[nfn++] = f->fn_first;
    }
    /* Strong keys: identifiers, contacts, names, names with the birth date. */
    if (f->ine) {
        n = add_key(out, n, key3(KT(K_INE), f->ine, 0));
    }
    if (f->siecle) {
        n = add_key(out, n, key3(KT(K_SIECLE), f->siecle, 0));
    }
    if (f->email) {
        n = add_key(out, n, key3(KT(K_EMAIL), f->email, 0));
    }
    for (unsigned i = 0; i < f->n_phones; i++) {
        n = add_key(out, n, key3(KT(K_PHONE), f->phones[i], 0));
    }
    for (size_t i = 0; i < nsn; i++) {
        for (size_t j = 0; j < nfn; j++) {
            n = add_key(out, n, key3(KT(K_NAME), sn[i], fn[j]));
        }
    }
    if (f->date) {
        uint32_t d = date_canon(f->date);
        if (f->n_fn) {
            n = add_key(out, n, key3(KT(K_DATE_FN), d, first2(c, f->fn[0])));
        }
        for (size_t i = 0; i < nsn; i++) {
            n = add_key(out, n, key3(KT(K_DATE_SN), d, first2(c, sn[i])));
        }
    }
    *n_strong = n;
    /* Weak keys, for names with a typing error and no birth date to lean on. */
    if (f->n_fn && (hub_side || f->date == 0)) {
        size_t len;
        const char *s0 = mintern_str(&c->names, f->fn[0], &len);
        for (size_t i = 0; i < nsn; i++) {
            n = add_key(out, n, key3(KT(K_SN_F1), sn[i], (unsigned char)s0[0]));
        }
    }
    if (f->postcode) {
        if (f->n_fn) {
            n = add_key(out, n, key3(KT(K_FN_PC), f->fn[0], f->postcode));
        }
        for (size_t i = 0; i < nsn; i++) {
            n = add_key(out, n, key3(KT(K_SN_PC), sn[i], f->postcode));
        }
    }
    /* Within one establishment, keys carry it: other schools' namesakes are never fetched. */
    if (salted) {
        uint64_t salt = kmix(0x9e3779b97f4a7c15ULL, (uint64_t)f->estab + 1);
        for (size_t i = 0; i < n; i++) {
            out[i] = kmix(out[i], salt) | 1;
        }
    }
    return n;
}

/* ------------------------------------------------------------ key index */

/* LSD radix sort of entries by key, 16 bits per pass. */
static int radix_sort(mkent *a, size_t n)
{
    mkent *tmp = util_malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = util_malloc(65537 * sizeof *count);
    if (tmp == NULL || count == NULL) {
        util_free(tmp);
        util_free(count);
        return RELAIS_ENOMEM;
    }
    mkent *src = a, *dst = tmp;
    for (int pass = 0; pass < 4; pass++) {
        int shift = pass * 16;
        memset(count, 0, 65537 * sizeof *count);
        for (size_t i = 0; i < n; i++) {
            count[((src[i].key >> shift) & 0xffff) + 1]++;
        }
        for (size_t i = 1; i <= 65536; i++) {
            count[i] += count[i - 1];
        }
        for (size_t i = 0; i < n; i++) {
            dst[count[(src[i].key >> shift) & 0xffff]++] = src[i];
        }
        mkent *t = src;
        src = dst;
        dst = t;
    }
    /* four passes: the result is back in a */
    util_free(tmp);
    util_free(count);
    return 0;
}

int mkindex_build(mkindex *ix, const mctx *c, const mfeat *f, size_t n, bool salted)
{
    memset(ix, 0, sizeof *ix);
    size_t cap = n * 12 + 16, len = 0;
    mkent *e = match_big_calloc(cap, sizeof *e);
    if (e == NULL) {
        goto nomem;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t keys[MK_MAX_KEYS];
        size_t n_strong;
        size_t nk = match_keys(keys, &n_strong, c, &f[i], true, salted);
        if (len + nk > cap) {
            cap = (cap + nk) * 2;
            mkent *ne = util_realloc(e, cap * sizeof *e);
            if (ne == NULL) {
                util_free(e);
                goto nomem;
            }
            e = ne;
        }
        for (size_t k = 0; k < nk; k++) {
            e[len++] = (mkent){keys[k], (uint32_t)i};
        }
    }
    ix->ents = e;
    ix->n = len;
    if (radix_sort(e, len) < 0) {
        goto nomem;
    }
    size_t nu = 0;
    for (size_t i = 0; i < len; i++) {
        nu += i == 0 || e[i].key != e[i - 1].key;
    }
    ix->ukeys = match_big_calloc(nu + 1, sizeof *ix->ukeys);
    ix->ustart = match_big_calloc(nu + 1, sizeof *ix->ustart);
    ix->cap = 16;
    while (ix->cap < nu * 2) {
        ix->cap *= 2;
    }
    ix->table = match_big_calloc(ix->cap, sizeof *ix->table);
    if (ix->ukeys == NULL || ix->ustart == NULL || ix->table == NULL) {
        goto nomem;
    }
    nu = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || e[i].key != e[i - 1].key) {
            ix->ukeys[nu] = e[i].key;
            ix->ustart[nu] = (uint32_t)i;
            size_t slot = (size_t)(e[i].key >> 7) & (ix->cap - 1);
            while (ix->table[slot] != 0) {
                slot = (slot + 1) & (ix->cap - 1);
            }
            ix->table[slot] = (uint32_t)(nu + 1);
            nu++;
        }
    }
    ix->ustart[nu] = (uint32_t)len;
    ix->nu = nu;
    return 0;
nomem:
    mkindex_free(ix);
    relais_error_set("%s", _("mémoire insuffisante"));
    return RELAIS_ENOMEM;
}

void mkindex_free(mkindex *ix)
{
    util_free(ix->ents);
    util_free(ix->ukeys);
    util_free(ix->ustart);
    util_free(ix->table);
    memset(ix, 0, sizeof *ix);
}

void mkindex_lookup(const mkindex *ix, uint64_t key, size_t *start, size_t *count)
{
    *start = 0;
    *count = 0;
    if (ix->cap == 0) {
        return;
    }
    size_t slot = (size_t)(key >> 7) & (ix->cap - 1);
    for (;;) {
        uint32_t u = ix->table[slot];
        if (u == 0) {
            return;
        }
        if (ix->ukeys[u - 1] == key) {
            *start = ix->ustart[u - 1];
            *count = ix->ustart[u] - ix->ustart[u - 1];
            return;
        }
        slot = (slot + 1) & (ix->cap - 1);
    }
}

bool match_same_person(const mctx *c, const mfeat *x, const mfeat *y, double threshold)
{
    mscore s;
    match_compare(&s, c, x, y, -1, 0);
    return s.vetoes == 0 && match_posterior(c, x, y, s.w) >= threshold;
}

/* --------------------------------------------------------------- engine */

typedef struct medge {
    uint32_t p, h;
    float score;
    match_reasons reasons;
    uint8_t n_children;
    uint8_t is_key;   /* INE: assigned before scored pairs */
    uint8_t decision; /* set by the assignment */
    uint8_t pad;
} medge;

typedef struct evec {
    medge *v;
    size_t n, cap;
    bool failed;
} evec;

static void evec_push(evec *e, const medge *x)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 1024;
        medge *v = util_realloc(e->v, cap * sizeof *v);
        if (v == NULL) {
            e->failed = true;
            return;
        }
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = *x;
}

typedef struct engine {
    mctx c;
    const match_options *opt;
    mkindex ix;           /* keys salted with the establishment */
    mkindex ix_any;       /* plain keys, for partner persons of no given establishment */
    util_idset *rejected; /* p << 32 | h */
    uint8_t *p_pinned;    /* partner persons with a standing link: not matched again */
    uint32_t *h_taken;    /* hub persons linked by a pin: NONE or partner */
    uint32_t *child_link; /* partner student → linked hub student (household evidence) */
    uint32_t *h_parent_start, *h_parents; /* hub child → its guardians (CSR) */
    double keep_threshold;
    evec out; /* final links and review candidates */
    size_t n_scored;
} engine;

/* ------------------------------------------------------------ candidates */

typedef struct worker {
    engine *e;
    const uint32_t *todo;
    size_t n_todo;
    size_t *next;
    pthread_mutex_t *lock;
    bool household;
    evec edges;
    size_t n_scored;
} worker;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Children of partner guardian p linked to children of hub guardian h. */
static int shared_children(const engine *e, uint32_t p, uint32_t h, int *possible)
{
    const match_person *pp = &e->c.partner->persons[p];
    const match_person *hp = &e->c.hub->persons[h];
    int shared = 0;
    bool any_linked = false;
    for (uint32_t i = 0; i < pp->n_children; i++) {
        uint32_t hc = e->child_link[pp->children[i]];
        if (hc == NONE) {
            continue;
        }
        any_linked = true;
        for (uint32_t j = 0; j < hp->n_children; j++) {
            if (hp->children[j] == hc) {
                shared++;
                break;
            }
        }
    }
    *possible = any_linked && hp->n_children > 0;
    return shared;
}

/*
 * Score the candidates cand[from..n) of partner person p (sorted and deduplicated
 * here), skipping those in cand[0..from) already scored. Returns the best posterior.
 */
static double score_candidates(worker *w, uint32_t p, uint32_t *cand, size_t from, size_t n_cand)
{
    engine *e = w->e;
    const mfeat *pf = &e->c.pf[p];
    double best = -1e300;
    if (n_cand - from > 1) {
        qsort(cand + from, n_cand - from, sizeof *cand, cmp_u32);
    }
    for (size_t i = from; i < n_cand; i++) {
        uint32_t h = cand[i];
        if (i > from && cand[i - 1] == h) {
            continue;
        }
        if (from > 0 && bsearch(&h, cand, from, sizeof *cand, cmp_u32)) {
            continue;
        }
        const mfeat *hf = &e->c.hf[h];
        if ((pf->estab != MATCH_ANY_ESTAB && pf->estab != hf->estab) ||
            (!match_dates_compatible(pf->date, hf->date) && pf->ine == 0 && pf->siecle == 0) ||
            hf->cg != pf->cg || e->h_taken[h] != NONE) {
            continue;
        }
        if (e->rejected && util_idset_has(e->rejected, (int64_t)((uint64_t)p << 32 | h))) {
            continue;
        }
        mscore s;
        match_compare(&s, &e->c, pf, hf, -1, 0);
        w->n_scored++;
        if (s.vetoes > 0 && !(s.reasons & (MATCH_R_INE | MATCH_R_SIECLE_ID))) {
            continue;
        }
        if (w->household && e->child_link &&
            match_posterior(&e->c, pf, hf, s.w + 2 * W_CHILD_MAX) >= e->keep_threshold) {
            int possible = 0;
            int children = shared_children(e, p, h, &possible);
            match_add_children(&s, children, possible);
        }
        bool ine = (s.reasons & (MATCH_R_INE | MATCH_R_SIECLE_ID)) != 0;
        if (s.vetoes > 0) {
            /* An INE holds against one disagreement (a mistyped date), not against two. */
            if (!ine || s.vetoes > 1 || s.surname_differs) {
                continue;
            }
        }
        double post = match_posterior(&e->c, pf, hf, s.w);
        if (!ine && post < e->keep_threshold) {
            continue;
        }
        if (ine && s.surname_differs && s.first_differs) {
            continue; /* an INE given to someone else */
        }
        if (post > best) {
            best = post;
        }
        medge ed = {p, h, (float)post, s.reasons, s.n_children, (uint8_t)ine, MATCH_NONE, 0};
        evec_push(&w->edges, &ed);
    }
    return best;
}

/* Append the hub persons of `key` to the candidates; false on ENOMEM. */
static bool fetch(worker *w, const mkindex *ix, uint64_t key, uint32_t **cand, size_t *n,
                  size_t *cap)
{
    size_t s0, cnt;
    mkindex_lookup(ix, key, &s0, &cnt);
    if (cnt == 0 || cnt > BLOCK_CAP) {
        return true; /* a value shared by that many is no evidence of anything */
    }
    if (*n + cnt > *cap) {
        size_t ncap = (*n + cnt) * 2;
        uint32_t *nc = util_realloc(*cand, ncap * sizeof *nc);
        if (nc == NULL) {
            w->edges.failed = true;
            return false;
        }
        *cand = nc;
        *cap = ncap;
    }
    for (size_t i = 0; i < cnt; i++) {
        (*cand)[(*n)++] = ix->ents[s0 + i].idx;
    }
    return true;
}

static void *candidate_worker(void *arg)
{
    worker *w = arg;
    engine *e = w->e;
    size_t cap = 4096;
    uint32_t *cand = util_malloc(cap * sizeof *cand);
    if (cand == NULL) {
        w->edges.failed = true;
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(w->lock);
        size_t start = *w->next;
        *w->next += 512;
        pthread_mutex_unlock(w->lock);
        if (start >= w->n_todo || w->edges.failed) {
            break;
        }
        size_t end = UTIL_MIN(start + 512, w->n_todo);
        for (size_t t = start; t < end && !w->edges.failed; t++) {
            uint32_t p = w->todo[t];
            const mfeat *pf = &e->c.pf[p];
            bool salted = pf->estab != MATCH_ANY_ESTAB;
            const mkindex *ix = salted ? &e->ix : &e->ix_any;
            uint64_t keys[MK_MAX_KEYS];
            size_t n_strong;
            size_t nk = match_keys(keys, &n_strong, &e->c, pf, false, salted);
            size_t n_cand = 0;
            for (size_t k = 0; k < n_strong; k++) {
                if (!fetch(w, ix, keys[k], &cand, &n_cand, &cap)) {
                    break;
                }
            }
            /* Household: the guardians of the hub children linked to this guardian's children. */
            if (w->household && e->child_link) {
                const match_person *pp = &e->c.partner->persons[p];
                for (uint32_t i = 0; i < pp->n_children; i++) {
                    uint32_t hc = e->child_link[pp->children[i]];
                    if (hc == NONE) {
                        continue;
                    }
                    uint32_t a = e->h_parent_start[hc], b = e->h_parent_start[hc + 1];
                    if (n_cand + (b - a) > cap) {
                        size_t ncap = (n_cand + (b - a)) * 2;
                        uint32_t *nc = util_realloc(cand, ncap * sizeof *nc);
                        if (nc == NULL) {
                            w->edges.failed = true;
                            break;
                        }
                        cand = nc;
                        cap = ncap;
                    }
                    for (uint32_t j = a; j < b; j++) {
                        cand[n_cand++] = e->h_parents[j];
                    }
                }
            }
            double best = score_candidates(w, p, cand, 0, n_cand);
            /* Weak keys only when the strong ones found nobody convincing: a typo and no date. */
            if (best < e->opt->auto_threshold + e->opt->margin && nk > n_strong) {
                /* keep the scored ones, deduplicated, as the exclusion list */
                size_t m = 0;
                for (size_t i = 0; i < n_cand; i++) {
                    if (i == 0 || cand[i] != cand[i - 1]) {
                        cand[m++] = cand[i];
                    }
                }
                n_cand = m;
                for (size_t k = n_strong; k < nk; k++) {
                    if (!fetch(w, ix, keys[k], &cand, &n_cand, &cap)) {
                        break;
                    }
                }
                score_candidates(w, p, cand, m, n_cand);
            }
        }
    }
    util_free(cand);
    return NULL;
}

/* Score the partner persons of `todo` against the hub; appends edges to *all. */
static int gather(engine *e, const uint32_t *todo, size_t n_todo, bool household, evec *all)
{
    unsigned threads = e->opt->threads ? e->opt->threads : 2;
    if (threads > 16) {
        threads = 16;
    }
    if (n_todo < 2048) {
        threads = 1;
    }
    worker w[16];
    pthread_t tid[16];
    pthread_mutex_t lock;
    pthread_mutex_init(&lock, NULL);
    size_t next = 0;
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++) {
        w[i] = (worker){.e = e,
                        .todo = todo,
                        .n_todo = n_todo,
                        .next = &next,
                        .lock = &lock,
                        .household = household};
    }
    for (unsigned i = 1; i < threads; i++) {
        if (pthread_create(&tid[i], NULL, candidate_worker, &w[i]) == 0) {
            started = i;
        } else {
            break;
        }
    }
    candidate_worker(&w[0]);
    for (unsigned i = 1; i <= started; i++) {
        pthread_join(tid[i], NULL);
    }
    pthread_mutex_destroy(&lock);
    bool failed = false;
    for (unsigned i = 0; i < threads; i++) {
        failed = failed || w[i].edges.failed;
        for (size_t k = 0; k < w[i].edges.n && !failed; k++) {
            evec_push(all, &w[i].edges.v[k]);
        }
        e->n_scored += w[i].n_scored;
        util_free(w[i].edges.v);
    }
    if (failed || all->failed) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    return 0;
}

/* ------------------------------------------------------------ assignment */

static int cmp_edge_rank(const void *a, const void *b)
{
    const medge *x = a, *y = b;
    if (x->is_key != y->is_key) {
        return x->is_key ? -1 : 1;
    }
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    if (x->p != y->p) {
        return x->p < y->p ? -1 : 1;
    }
    return x->h < y->h ? -1 : x->h > y->h;
}

typedef struct csr {
    uint32_t *start; /* n + 1 */
    uint32_t *idx;   /* edge indices */
} csr;

static void csr_free(csr *c)
{
    util_free(c->start);
    util_free(c->idx);
    c->start = NULL;
    c->idx = NULL;
}

static int csr_build(csr *out, const medge *ed, size_t n_edges, size_t n, bool by_partner)
{
    out->start = util_calloc(n + 2, sizeof *out->start);
    out->idx = util_malloc((n_edges ? n_edges : 1) * sizeof *out->idx);
    uint32_t *fill = util_malloc((n + 1) * sizeof *fill);
    if (out->start == NULL || out->idx == NULL || fill == NULL) {
        util_free(fill);
        csr_free(out);
        return RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < n_edges; i++) {
        out->start[(by_partner ? ed[i].p : ed[i].h) + 1]++;
    }
    for (size_t i = 1; i <= n + 1; i++) {
        out->start[i] += out->start[i - 1];
    }
    memcpy(fill, out->start, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < n_edges; i++) {
        out->idx[fill[by_partner ? ed[i].p : ed[i].h]++] = (uint32_t)i;
    }
    util_free(fill);
    return 0;
}

/*
 * Has person `who` (a hub person with csr by hub, or a partner person with csr by
 * partner) a candidate other than `except` scoring at least `min`? Two look-alikes on
 * one side are a duplicate only when the other side has a single look-alike; when
 * both sides have two, they are homonyms and the pairing is left to a person.
 */
static bool other_candidate(const medge *v, const csr *by, uint32_t who, uint32_t except, float min,
                            const mfeat *hf, uint32_t estab)
{
    for (uint32_t k = by->start[who]; k < by->start[who + 1]; k++) {
        const medge *z = &v[by->idx[k]];
        uint32_t other = hf ? z->h : z->p;
        if (other == except || z->score < min) {
            continue;
        }
        if (hf && hf[z->h].estab != estab) {
            continue;
        }
        return true;
    }
    return false;
}

/* A partner person linked in an establishment: key p * (n_estabs + 1) + estab. */
static int64_t pe_key(const engine *e, uint32_t p, uint32_t estab)
{
    uint64_t ne = e->c.n_estabs + 1;
    uint64_t est = estab < e->c.n_estabs ? estab : e->c.n_estabs;
    return (int64_t)((uint64_t)p * ne + est);
}

/*
 * Assign edges one-to-one, decide auto / review, and push the final links and
 * review candidates into e->out. `assigned_h` (per hub person, edge index or
 * NONE) and `assigned_p` persist across stages.
 */
static int assign(engine *e, evec *ed, uint32_t *h_edge, util_idset *assigned_p, uint32_t *p_final)
{
    const match_options *opt = e->opt;
    medge *v = ed->v;
    size_t n = ed->n;
    if (n > 1) {
        qsort(v, n, sizeof *v, cmp_edge_rank);
    }
    csr byp = {0}, byh = {0};
    int rc = csr_build(&byp, v, n, e->c.partner->n, true);
    if (rc == 0) {
        rc = csr_build(&byh, v, n, e->c.hub->n, false);
    }
    if (rc < 0) {
        csr_free(&byp);
        relais_error_set("%s", _("mémoire insuffisante"));
        return rc;
    }
    /* Greedy: best pair first, each hub person once, each partner person once per establishment. */
    for (size_t i = 0; i < n; i++) {
        medge *x = &v[i];
        if (h_edge[x->h] != NONE) {
            continue;
        }
        int64_t k = pe_key(e, x->p, e->c.hf[x->h].estab);
        if (util_idset_has(assigned_p, k)) {
            continue;
        }
        if (util_idset_add(assigned_p, k) < 0) {
            rc = RELAIS_ENOMEM;
            goto done;
        }
        h_edge[x->h] = (uint32_t)i;
        x->decision = MATCH_AUTO; /* provisional: chosen */
    }
    /* Decide: an uncontested pair above the threshold is linked; otherwise review. */
    for (size_t i = 0; i < n; i++) {
        medge *x = &v[i];
        if (x->decision != MATCH_AUTO) {
            continue;
        }
        if (x->is_key) {
            x->decision = MATCH_KEY;
            continue;
        }
        bool contested = false;
        uint32_t estab = e->c.hf[x->h].estab;
        for (uint32_t k = byp.start[x->p]; k < byp.start[x->p + 1] && !contested; k++) {
            const medge *y = &v[byp.idx[k]];
            if (y == x || e->c.hf[y->h].estab != estab || y->score < x->score - opt->margin) {
                continue;
            }
            uint32_t other = h_edge[y->h];
            if (other != NONE && other != byp.idx[k] && v[other].score >= y->score + opt->margin) {
                continue; /* that hub person clearly belongs to someone else */
            }
            if (match_same_person(&e->c, &e->c.hf[x->h], &e->c.hf[y->h], opt->auto_threshold) &&
                !other_candidate(v, &byh, y->h, x->p, y->score - opt->margin, NULL, 0)) {
                continue; /* a duplicate inside the hub (see relais duplicates) */
            }
            contested = true;
        }
        for (uint32_t k = byh.start[x->h]; k < byh.start[x->h + 1] && !contested; k++) {
            const medge *y = &v[byh.idx[k]];
            if (y == x || y->score < x->score - opt->margin) {
                continue;
            }
            if (util_idset_has(assigned_p, pe_key(e, y->p, estab))) {
                /* y's partner person is assigned in this establishment: to whom, how well? */
                bool clearly_elsewhere = false;
                for (uint32_t m = byp.start[y->p]; m < byp.start[y->p + 1]; m++) {
                    const medge *z = &v[byp.idx[m]];
                    if (z->decision != MATCH_NONE && z != x && e->c.hf[z->h].estab == estab &&
                        z->score >= y->score + opt->margin) {
                        clearly_elsewhere = true;
                    }
                }
                if (clearly_elsewhere) {
                    continue;
                }
            }
            if (match_same_person(&e->c, &e->c.pf[x->p], &e->c.pf[y->p], opt->auto_threshold) &&
                !other_candidate(v, &byp, y->p, x->h, y->score - opt->margin, e->c.hf, estab)) {
                continue; /* the partner has this person twice: link one, the other is reviewed */
            }
            contested = true;
        }
        if (contested) {
            x->decision = MATCH_REVIEW;
            x->reasons |= MATCH_R_COMPETING;
        } else if (x->score >= opt->auto_threshold && !(x->reasons & MATCH_R_WEAK_FIRST) &&
                   ((x->reasons & MATCH_R_NON_NAME) ||
                    (e->c.hf[x->h].cg == CG_STAFF &&
                     x->score >= opt->auto_threshold + STAFF_NAMES_ONLY_EXTRA))) {
            /* Names alone never link a student or a guardian (a parent must not see another
             * family's child); staff, on names alone, only far above the threshold. */
            x->decision = MATCH_AUTO;
        } else {
            x->decision = MATCH_REVIEW;
            x->reasons |= MATCH_R_LOW_SCORE;
        }
    }
    /*
     * A partner person linked in one establishment (its best pair, first in rank
     * order) is linked in another one only on an identifier or on shared children:
     * the parent of pupils in two schools of an OGEC, not a namesake.
     */
    uint8_t *linked = util_calloc(e->c.partner->n ? e->c.partner->n : 1, 1);
    if (linked == NULL) {
        rc = RELAIS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        medge *x = &v[i];
        if (x->decision != MATCH_AUTO && x->decision != MATCH_KEY) {
            continue;
        }
        if (linked[x->p] && !(x->reasons & (MATCH_R_CHILDREN | MATCH_R_INE | MATCH_R_SIECLE_ID))) {
            x->decision = MATCH_NONE;
            h_edge[x->h] = NONE;
        }
        linked[x->p] = 1;
    }
    util_free(linked);
    /* Hub persons whose pair went to review are free again for the report. */
    for (size_t i = 0; i < n; i++) {
        medge *x = &v[i];
        if (x->decision == MATCH_REVIEW && h_edge[x->h] == i) {
            h_edge[x->h] = NONE;
        }
    }
    for (size_t i = 0; i < n; i++) {
        medge *x = &v[i];
        if (x->decision == MATCH_KEY || x->decision == MATCH_AUTO) {
            p_final[x->p] = x->h;
            medge out = *x;
            evec_push(&e->out, &out);
        }
    }
    /* Review: partner persons without a link, with their best credible candidates. */
    for (size_t p = 0; p < e->c.partner->n; p++) {
        if (p_final[p] != NONE || byp.start[p] == byp.start[p + 1]) {
            continue;
        }
        size_t listed = 0;
        for (uint32_t k = byp.start[p]; k < byp.start[p + 1] && listed < 3; k++) {
            medge y = v[byp.idx[k]];
            if (y.score < opt->review_threshold) {
                continue;
            }
            uint32_t other = h_edge[y.h];
            if (other != NONE) {
                const medge *z = &v[other];
                if (match_same_person(&e->c, &e->c.pf[p], &e->c.pf[z->p], opt->auto_threshold)) {
                    y.reasons |= MATCH_R_DUPLICATE;
                } else if (z->score >= y.score + opt->margin) {
                    continue;
                }
            }
            y.decision = MATCH_REVIEW;
            evec_push(&e->out, &y);
            listed++;
        }
    }
    if (e->out.failed) {
        rc = RELAIS_ENOMEM;
    }
done:
    csr_free(&byp);
    csr_free(&byh);
    if (rc < 0) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    return rc;
}

/* ------------------------------------------------------------------ run */

static int cmp_out(const void *a, const void *b)
{
    const medge *x = a, *y = b;
    if (x->p != y->p) {
        return x->p < y->p ? -1 : 1;
    }
    bool fx = x->decision != MATCH_REVIEW, fy = y->decision != MATCH_REVIEW;
    if (fx != fy) {
        return fx ? -1 : 1;
    }
    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    return x->h < y->h ? -1 : x->h > y->h;
}

static int build_parents(engine *e)
{
    const match_list *hub = e->c.hub;
    e->h_parent_start = util_calloc(hub->n + 2, sizeof *e->h_parent_start);
    if (e->h_parent_start == NULL) {
        return RELAIS_ENOMEM;
    }
    size_t total = 0;
    for (size_t g = 0; g < hub->n; g++) {
        for (uint32_t i = 0; i < hub->persons[g].n_children; i++) {
            uint32_t c = hub->persons[g].children[i];
            if (c < hub->n) {
                e->h_parent_start[c + 1]++;
                total++;
            }
        }
    }
    for (size_t i = 1; i <= hub->n + 1; i++) {
        e->h_parent_start[i] += e->h_parent_start[i - 1];
    }
    e->h_parents = util_malloc((total ? total : 1) * sizeof *e->h_parents);
    uint32_t *fill = util_malloc((hub->n + 1) * sizeof *fill);
    if (e->h_parents == NULL || fill == NULL) {
        util_free(fill);
        return RELAIS_ENOMEM;
    }
    memcpy(fill, e->h_parent_start, (hub->n + 1) * sizeof *fill);
    for (size_t g = 0; g < hub->n; g++) {
        for (uint32_t i = 0; i < hub->persons[g].n_children; i++) {
            uint32_t c = hub->persons[g].children[i];
            if (c < hub->n) {
                e->h_parents[fill[c]++] = (uint32_t)g;
            }
        }
    }
    util_free(fill);
    return 0;
}

void match_result_free(match_result *r)
{
    if (r) {
        util_free(r->links);
        util_free(r->partner_outcome);
        util_free(r->hub_matched);
        util_free(r);
    }
}

int match_run(match_result **out, const match_list *partner, const match_list *hub,
              const match_pin *pins, size_t n_pins, const match_pair *rejected, size_t n_rejected,
              const match_options *opt_in)
{
    *out = NULL;
    match_options opt = MATCH_OPTIONS_INIT;
    if (opt_in) {
        opt = *opt_in;
    }
    engine e = {.opt = &opt};
    e.keep_threshold = UTIL_MIN(opt.review_threshold, opt.auto_threshold - opt.margin);
    uint32_t *h_edge = NULL, *p_final = NULL, *todo = NULL;
    util_idset *assigned_p = NULL;
    evec ed = {0};
    match_result *r = NULL;
    int rc = match_ctx_init(&e.c, partner, hub, opt.threads ? opt.threads : 2, opt.prior_in_hub);
    if (rc < 0) {
        return rc;
    }
    bool any_salted = false, any_plain = false;
    for (size_t i = 0; i < partner->n; i++) {
        any_salted = any_salted || e.c.pf[i].estab != MATCH_ANY_ESTAB;
        any_plain = any_plain || e.c.pf[i].estab == MATCH_ANY_ESTAB;
    }
    if (any_salted) {
        rc = mkindex_build(&e.ix, &e.c, e.c.hf, hub->n, true);
    }
    if (rc == 0 && any_plain) {
        rc = mkindex_build(&e.ix_any, &e.c, e.c.hf, hub->n, false);
    }
    if (rc < 0) {
        goto done;
    }
    rc = RELAIS_ENOMEM;
    size_t np = partner->n ? partner->n : 1, nh = hub->n ? hub->n : 1;
    e.p_pinned = util_calloc(np, 1);
    e.h_taken = util_malloc(nh * sizeof *e.h_taken);
    e.child_link = util_malloc(np * sizeof *e.child_link);
    h_edge = util_malloc(nh * sizeof *h_edge);
    p_final = util_malloc(np * sizeof *p_final);
    todo = util_malloc(np * sizeof *todo);
    r = util_calloc(1, sizeof *r);
    if (e.p_pinned == NULL || e.h_taken == NULL || e.child_link == NULL || h_edge == NULL ||
        p_final == NULL || todo == NULL || r == NULL || util_idset_new(&assigned_p) < 0 ||
        build_parents(&e) < 0) {
        goto done;
    }
    memset(e.h_taken, 0xff, nh * sizeof *e.h_taken);
    memset(e.child_link, 0xff, np * sizeof *e.child_link);
    memset(h_edge, 0xff, nh * sizeof *h_edge);
    memset(p_final, 0xff, np * sizeof *p_final);
    if (n_rejected) {
        if (util_idset_new(&e.rejected) < 0) {
            goto done;
        }
        for (size_t i = 0; i < n_rejected; i++) {
            if (util_idset_add(e.rejected, (int64_t)((uint64_t)rejected[i].partner << 32 |
                                                     rejected[i].hub)) < 0) {
                goto done;
            }
        }
    }
    /* 1. Standing links. */
    for (size_t i = 0; i < n_pins; i++) {
        const match_pin *pin = &pins[i];
        if (pin->partner >= partner->n || pin->hub >= hub->n || e.h_taken[pin->hub] != NONE) {
            continue;
        }
        e.p_pinned[pin->partner] = 1;
        e.h_taken[pin->hub] = pin->partner;
        p_final[pin->partner] = pin->hub;
        if (hub->persons[pin->hub].category == MATCH_STUDENT) {
            e.child_link[pin->partner] = pin->hub;
        }
        mscore s;
        match_compare(&s, &e.c, &e.c.pf[pin->partner], &e.c.hf[pin->hub], -1, 0);
        medge x = {pin->partner,
                   pin->hub,
                   (float)match_posterior(&e.c, &e.c.pf[pin->partner], &e.c.hf[pin->hub], s.w),
                   s.reasons | MATCH_R_CROSSWALK,
                   0,
                   0,
                   pin->decision,
                   0};
        evec_push(&e.out, &x);
        if (util_idset_add(assigned_p, pe_key(&e, pin->partner, e.c.hf[pin->hub].estab)) < 0) {
            goto done;
        }
    }
    /* 2–3. Students and staff, then 4. guardians with their household. */
    for (int stage = 0; stage < 2; stage++) {
        size_t n_todo = 0;
        for (size_t p = 0; p < partner->n; p++) {
            bool is_guardian = e.c.pf[p].cg == CG_GUARDIAN;
            if (!e.p_pinned[p] && is_guardian == (stage == 1)) {
                todo[n_todo++] = (uint32_t)p;
            }
        }
        ed.n = 0;
        rc = gather(&e, todo, n_todo, stage == 1, &ed);
        if (rc < 0) {
            goto done;
        }
        rc = assign(&e, &ed, h_edge, assigned_p, p_final);
        if (rc < 0) {
            goto done;
        }
        if (stage == 0) {
            for (size_t p = 0; p < partner->n; p++) {
                if (p_final[p] != NONE && hub->persons[p_final[p]].category == MATCH_STUDENT) {
                    e.child_link[p] = p_final[p];
                }
            }
            /* Standing links of guardians: their score with the children, now known. */
            for (size_t i = 0; i < e.out.n; i++) {
                medge *x = &e.out.v[i];
                if ((x->reasons & MATCH_R_CROSSWALK) && e.c.hf[x->h].cg == CG_GUARDIAN) {
                    mscore sc;
                    int possible = 0;
                    match_compare(&sc, &e.c, &e.c.pf[x->p], &e.c.hf[x->h], -1, 0);
                    match_add_children(&sc, shared_children(&e, x->p, x->h, &possible), possible);
                    x->score = (float)match_posterior(&e.c, &e.c.pf[x->p], &e.c.hf[x->h], sc.w);
                    x->reasons = sc.reasons | MATCH_R_CROSSWALK;
                    x->n_children = sc.n_children;
                }
            }
        }
        rc = RELAIS_ENOMEM;
    }
    /* 5. The result. */
    if (e.out.n > 1) {
        qsort(e.out.v, e.out.n, sizeof *e.out.v, cmp_out);
    }
    r->links = util_malloc((e.out.n ? e.out.n : 1) * sizeof *r->links);
    r->partner_outcome = util_calloc(np, 1);
    r->hub_matched = util_calloc(nh, 1);
    if (r->links == NULL || r->partner_outcome == NULL || r->hub_matched == NULL || e.out.failed) {
        goto done;
    }
    for (size_t i = 0; i < e.out.n; i++) {
        const medge *x = &e.out.v[i];
        r->links[i] = (match_link){x->p, x->h, x->decision, x->n_children, x->reasons, x->score};
        if (x->decision == MATCH_REVIEW) {
            if (r->partner_outcome[x->p] == MATCH_OUT_UNMATCHED) {
                r->partner_outcome[x->p] = MATCH_OUT_REVIEW;
            }
        } else {
            r->partner_outcome[x->p] = MATCH_OUT_MATCHED;
            r->hub_matched[x->h] = 1;
        }
    }
    r->n_links = e.out.n;
    r->n_pairs_scored = e.n_scored;
    *out = r;
    r = NULL;
    rc = 0;
done:
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    match_result_free(r);
    util_free(ed.v);
    util_free(e.out.v);
    util_free(h_edge);
    util_free(p_final);
    util_free(todo);
    util_idset_free(assigned_p);
    util_idset_free(e.rejected);
    util_free(e.p_pinned);
    util_free(e.h_taken);
    util_free(e.child_link);
    util_free(e.h_parent_start);
    util_free(e.h_parents);
    mkindex_free(&e.ix);
    mkindex_free(&e.ix_any);
    match_ctx_free(&e.c);
    return rc;
}

bool match_score_pair(double *score, match_reasons *reasons, const match_list *partner, uint32_t p,
                      const match_list *hub, uint32_t h)
{
    mctx c;
    *score = -INFINITY;
    *reasons = 0;
    if (match_ctx_init(&c, partner, hub, 1, 0.95) < 0) {
        return false;
    }
    mscore s;
    match_compare(&s, &c, &c.pf[p], &c.hf[h], -1, 0);
    *score = match_posterior(&c, &c.pf[p], &c.hf[h], s.w);
    *reasons = s.reasons;
    match_ctx_free(&c);
    return s.vetoes == 0;
}
