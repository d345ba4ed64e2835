/*
 * features.c — what the engine compares, computed once per person: folded
 * surname keys and tokens, first-name tokens, birth date as a number, hashed
 * e-mail, phones and INE, postcode and class; and the hub's term frequencies
 * (how many hub persons carry each name, date, postcode, class), which make a
 * rare surname stronger evidence than a common one.
 *
 * Every folded string is interned once (mintern): comparisons of names then
 * compare 32-bit ids, and only differing names reach the edit distances.
 */
#include "match_internal.h"

#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "text/text.h"

/* ------------------------------------------------------------- interner */

uint64_t match_hash64(const void *data, size_t len)
{
    /* FNV-1a with a final avalanche (same family as util_hash, inlined for the hot path). */
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

int mintern_init(mintern *t)
{
    memset(t, 0, sizeof *t);
    t->cap = 1024;
    t->table = util_calloc(t->cap, sizeof *t->table);
    t->cap_ids = 1024;
    t->offsets = util_malloc(t->cap_ids * sizeof *t->offsets);
    t->lens = util_malloc(t->cap_ids * sizeof *t->lens);
    t->pool_cap = 16384;
    t->pool = util_malloc(t->pool_cap);
    if (t->table == NULL || t->offsets == NULL || t->lens == NULL || t->pool == NULL) {
        mintern_free(t);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    t->n = 1; /* id 0 = none */
    t->offsets[0] = 0;
    t->lens[0] = 0;
    return 0;
}

void mintern_free(mintern *t)
{
    util_free(t->table);
    util_free(t->offsets);
    util_free(t->lens);
    util_free(t->pool);
    memset(t, 0, sizeof *t);
}

static size_t slot_of(const mintern *t, const char *s, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (t->cap - 1);
    for (;;) {
        uint32_t id = t->table[i];
        if (id == 0 || (t->lens[id] == len && memcmp(t->pool + t->offsets[id], s, len) == 0)) {
            return i;
        }
        i = (i + 1) & (t->cap - 1);
    }
}

uint32_t mintern_find(const mintern *t, const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    return t->table[slot_of(t, s, len, match_hash64(s, len))];
}

static int intern_grow(mintern *t)
{
    size_t cap = t->cap * 2;
    uint32_t *table = util_calloc(cap, sizeof *table);
    if (table == NULL) {
        return RELAIS_ENOMEM;
    }
    for (uint32_t id = 1; id < t->n; id++) {
        uint64_t h = match_hash64(t->pool + t->offsets[id], t->lens[id]);
        size_t i = (size_t)h & (cap - 1);
        while (table[i] != 0) {
            i = (i + 1) & (cap - 1);
        }
        table[i] = id;
    }
    util_free(t->table);
    t->table = table;
    t->cap = cap;
    return 0;
}

uint32_t mintern_id(mintern *t, const char *s, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if ((t->n + 1) * 2 > t->cap && intern_grow(t) < 0) {
        return UINT32_MAX;
    }
    uint64_t h = match_hash64(s, len);
    size_t slot = slot_of(t, s, len, h);
    if (t->table[slot] != 0) {
        return t->table[slot];
    }
    if (t->n == t->cap_ids) {
        size_t cap = t->cap_ids * 2;
        uint32_t *o = util_realloc(t->offsets, cap * sizeof *o);
        if (o == NULL) {
            return UINT32_MAX;
        }
        t->offsets = o;
        uint32_t *l = util_realloc(t->lens, cap * sizeof *l);
        if (l == NULL) {
            return UINT32_MAX;
        }
        t->lens = l;
        t->cap_ids = cap;
    }
    if (t->pool_len + len > t->pool_cap) {
        size_t cap = t->pool_cap * 2;
        while (cap < t->pool_len + len) {
            cap *= 2;
        }
        if (cap > UINT32_MAX) {
            return UINT32_MAX;
        }
        char *p = util_realloc(t->pool, cap);
        if (p == NULL) {
            return UINT32_MAX;
        }
        t->pool = p;
        t->pool_cap = cap;
    }
    memcpy(t->pool + t->pool_len, s, len);
    uint32_t id = (uint32_t)t->n++;
    t->offsets[id] = (uint32_t)t->pool_len;
    t->lens[id] = (uint32_t)len;
    t->pool_len += len;
    t->table[slot] = id;
    return id;
}

/* ------------------------------------------------------------- features */

uint32_t match_date_num(const char *iso)
{
    if (iso == NULL) {
        return 0;
    }
    util_date d;
    if (!util_date_parse(iso, strlen(iso), &d)) {
        return 0;
    }
    return (uint32_t)(d.year * 10000 + d.month * 100 + d.day);
}

/* Per-thread scratch buffers, reused for every person. */
typedef struct scratch {
    util_buf fold, compact, core;
} scratch;

static void scratch_free(scratch *sc)
{
    util_buf_free(&sc->fold);
    util_buf_free(&sc->compact);
    util_buf_free(&sc->core);
}

/*
 * Folding is done by several threads, interning by one: a thread folds a
 * batch of persons into "pending" strings, then takes the lock and interns them.
 */
typedef struct fctx {
    mctx *c;
    const match_list *l;
    mfeat *out;
    pthread_mutex_t lock;
    size_t next; /* next batch start (under lock) */
    int rc;
} fctx;

#define FEAT_BATCH 2048

/* Strings of one person waiting to be interned (offsets into the thread's pool). */
typedef struct pend_str {
    uint32_t off, len;
} pend_str;

typedef struct pend_person {
    pend_str sn_compact[2], sn_core[2];
    pend_str sn_tok[2][MF_MAX_SNTOK];
    uint8_t sn_ntok[2];
    pend_str fn[MF_MAX_FN];
    pend_str fn_first;
    pend_str postcode, classe;
} pend_person;

typedef struct tbatch {
    util_buf pool;
    pend_person *pp;
    scratch sc;
} tbatch;

static pend_str pool_add(util_buf *pool, const char *s, size_t len)
{
    pend_str r = {(uint32_t)pool->len, (uint32_t)len};
    util_buf_append(pool, s, len);
    return r;
}

static void fold_surname(tbatch *tb, const char *name, pend_str *compact, pend_str *core,
                         pend_str *tok, uint8_t *ntok)
{
    scratch *sc = &tb->sc;
    util_buf_reset(&sc->fold);
    util_buf_reset(&sc->compact);
    util_buf_reset(&sc->core);
    if (name == NULL || text_fold(&sc->fold, name, strlen(name)) < 0 || sc->fold.len == 0) {
        return;
    }
    if (text_name_keys(&sc->compact, &sc->core, sc->fold.data, sc->fold.len) < 0) {
        return;
    }
    *compact = pool_add(&tb->pool, sc->compact.data, sc->compact.len);
    *core = pool_add(&tb->pool, sc->core.data, sc->core.len);
    text_slice t[8];
    size_t n = text_split(t, UTIL_ARRAY_LEN(t), sc->fold.data, sc->fold.len);
    *ntok = 0;
    for (size_t i = 0; i < n && *ntok < MF_MAX_SNTOK; i++) {
        if (!text_is_particle(t[i].s, t[i].len)) {
            tok[(*ntok)++] = pool_add(&tb->pool, t[i].s, t[i].len);
        }
    }
}

/* First names: given names separated by commas, tokens by spaces (after folding). */
static void fold_first_names(tbatch *tb, const char *prenoms, bool split_known, pend_person *pp,
                             mfeat *f)
{
    scratch *sc = &tb->sc;
    f->n_fn = 0;
    f->fn_first_len = 0;
    if (prenoms == NULL) {
        return;
    }
    bool has_comma = split_known || strchr(prenoms, ',') != NULL;
    const char *p = prenoms;
    bool first = true;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        util_buf_reset(&sc->fold);
        util_buf_reset(&sc->compact);
        if (text_fold(&sc->fold, p, len) == 0 && sc->fold.len > 0) {
            text_slice t[MF_MAX_FN];
            size_t n = text_split(t, MF_MAX_FN, sc->fold.data, sc->fold.len);
            for (size_t i = 0; i < n; i++) {
                if (f->n_fn < MF_MAX_FN) {
                    pp->fn[f->n_fn++] = pool_add(&tb->pool, t[i].s, t[i].len);
                }
                util_buf_append(&sc->compact, t[i].s, t[i].len);
            }
            if (first && n > 0) {
                pp->fn_first = pool_add(&tb->pool, sc->compact.data, sc->compact.len);
                f->fn_first_len = has_comma ? (uint8_t)UTIL_MIN(n, 255u) : 0;
                first = false;
            }
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
}

static uint64_t hash_phone(const char *s, size_t len)
{
    char digits[32];
    size_t n = 0;
    for (size_t i = 0; i < len && n < sizeof digits; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits[n++] = s[i];
        }
    }
    if (n < 9) {
        return 0;
    }
    /* +33 6 12…, 0033 6 12…, 06 12…: the last nine digits identify a French number. */
    return match_hash64(digits + n - 9, 9) | 1;
}

static uint64_t hash_lower(const char *s)
{
    char buf[256];
    size_t len = strlen(s);
    const char *t = util_trim(s, &len);
    if (len == 0 || len >= sizeof buf) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = t[i];
        buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    return match_hash64(buf, len) | 1;
}

static void fold_compact(tbatch *tb, const char *s, pend_str *out)
{
    scratch *sc = &tb->sc;
    util_buf_reset(&sc->fold);
    if (s == NULL || text_fold(&sc->fold, s, strlen(s)) < 0) {
        return;
    }
    size_t start = tb->pool.len;
    for (size_t i = 0; i < sc->fold.len; i++) {
        if (sc->fold.data[i] != ' ') {
            util_buf_putc(&tb->pool, sc->fold.data[i]);
        }
    }
    *out = (pend_str){(uint32_t)start, (uint32_t)(tb->pool.len - start)};
}

/* Fold one person: everything but interning. */
static void fold_person(tbatch *tb, const match_person *p, bool split_known, pend_person *pp,
                        mfeat *f)
{
    memset(pp, 0, sizeof *pp);
    memset(f, 0, sizeof *f);
    f->category = p->category;
    f->cg = (uint8_t)match_cg(p->category);
    f->estab = p->estab;
    f->sex = (uint8_t)(p->sexe == 'M' || p->sexe == 'F' ? p->sexe : 0);
    fold_surname(tb, p->nom, &pp->sn_compact[0], &pp->sn_core[0], pp->sn_tok[0], &pp->sn_ntok[0]);
    fold_surname(tb, p->nom_usage, &pp->sn_compact[1], &pp->sn_core[1], pp->sn_tok[1],
                 &pp->sn_ntok[1]);
    fold_first_names(tb, p->prenoms, split_known, pp, f);
    f->date = match_date_num(p->date_naissance);
    fold_compact(tb, p->code_postal, &pp->postcode);
    fold_compact(tb, p->classe, &pp->classe);
    f->email = p->email ? hash_lower(p->email) : 0;
    if (p->adresse) {
        util_buf_reset(&tb->sc.fold);
        if (text_fold(&tb->sc.fold, p->adresse, strlen(p->adresse)) == 0 && tb->sc.fold.len > 0) {
            if (p->code_postal) {
                util_buf_puts(&tb->sc.fold, p->code_postal);
            }
            f->address = match_hash64(tb->sc.fold.data, tb->sc.fold.len) | 1;
        }
    }
    f->ine = p->ine ? hash_lower(p->ine) : 0;
    /* The hub's own key (ELEVE_ID…) is its id; a partner may know it too (AAF). */
    const char *sid = split_known ? p->id : p->siecle_id;
    f->siecle = sid ? hash_lower(sid) ^ ((uint64_t)f->cg << 56) : 0;
    if (p->phones) {
        const char *s = p->phones;
        while (*s && f->n_phones < MF_MAX_PHONES) {
            const char *bar = strchr(s, '|');
            size_t len = bar ? (size_t)(bar - s) : strlen(s);
            uint64_t h = hash_phone(s, len);
            bool dup = false;
            for (unsigned i = 0; i < f->n_phones; i++) {
                dup = dup || f->phones[i] == h;
            }
            if (h && !dup) {
                f->phones[f->n_phones++] = h;
            }
            if (bar == NULL) {
                break;
            }
            s = bar + 1;
        }
    }
}

static uint32_t intern_pending(mintern *t, const util_buf *pool, pend_str s, bool *failed)
{
    if (s.len == 0) {
        return 0;
    }
    uint32_t id = mintern_id(t, pool->data + s.off, s.len);
    if (id == UINT32_MAX) {
        *failed = true;
        return 0;
    }
    return id;
}

static void intern_person(mintern *t, const util_buf *pool, const pend_person *pp, mfeat *f,
                          bool *failed)
{
    for (int v = 0; v < 2; v++) {
        f->sn[v].compact = intern_pending(t, pool, pp->sn_compact[v], failed);
        f->sn[v].core = intern_pending(t, pool, pp->sn_core[v], failed);
        f->sn[v].n_tok = pp->sn_ntok[v];
        for (unsigned i = 0; i < pp->sn_ntok[v]; i++) {
            f->sn[v].tok[i] = intern_pending(t, pool, pp->sn_tok[v][i], failed);
        }
    }
    for (unsigned i = 0; i < f->n_fn; i++) {
        f->fn[i] = intern_pending(t, pool, pp->fn[i], failed);
    }
    f->fn_first = intern_pending(t, pool, pp->fn_first, failed);
    f->postcode = intern_pending(t, pool, pp->postcode, failed);
    f->classe = intern_pending(t, pool, pp->classe, failed);
}

static void *feature_worker(void *arg)
{
    fctx *fc = arg;
    tbatch tb = {.pool = UTIL_BUF_INIT};
    tb.pp = util_malloc(FEAT_BATCH * sizeof *tb.pp);
    if (tb.pp == NULL) {
        pthread_mutex_lock(&fc->lock);
        fc->rc = RELAIS_ENOMEM;
        pthread_mutex_unlock(&fc->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&fc->lock);
        size_t start = fc->next;
        fc->next += FEAT_BATCH;
        bool stop = fc->rc < 0;
        pthread_mutex_unlock(&fc->lock);
        if (stop || start >= fc->l->n) {
            break;
        }
        size_t end = UTIL_MIN(start + FEAT_BATCH, fc->l->n);
        util_buf_reset(&tb.pool);
        for (size_t i = start; i < end; i++) {
            fold_person(&tb, &fc->l->persons[i], fc->l == fc->c->hub, &tb.pp[i - start],
                        &fc->out[i]);
        }
        bool failed =
            tb.pool.failed || tb.sc.fold.failed || tb.sc.compact.failed || tb.sc.core.failed;
        pthread_mutex_lock(&fc->lock);
        for (size_t i = start; i < end && !failed; i++) {
            intern_person(&fc->c->names, &tb.pool, &tb.pp[i - start], &fc->out[i], &failed);
        }
        if (failed) {
            fc->rc = RELAIS_ENOMEM;
        }
        pthread_mutex_unlock(&fc->lock);
    }
    util_free(tb.pp);
    util_buf_free(&tb.pool);
    scratch_free(&tb.sc);
    return NULL;
}

void *match_big_calloc(size_t n, size_t size)
{
    size_t bytes = (n ? n : 1) * size;
    void *p = util_calloc(n ? n : 1, size);
#ifdef MADV_HUGEPAGE
    if (p && bytes >= (4u << 20)) {
        uintptr_t a = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
        uintptr_t b = ((uintptr_t)p + bytes) & ~(uintptr_t)((2u << 20) - 1);
        if (b > a) {
            (void)madvise((void *)a, b - a, MADV_HUGEPAGE); /* a hint: failure changes nothing */
        }
    }
#endif
    return p;
}

int match_features(mfeat **out, mctx *c, const match_list *l, unsigned threads)
{
    *out = NULL;
    mfeat *f = match_big_calloc(l->n, sizeof *f);
    if (f == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    fctx fc = {.c = c, .l = l, .out = f};
    pthread_mutex_init(&fc.lock, NULL);
    if (threads < 1) {
        threads = 1;
    }
    if (threads > 8) {
        threads = 8;
    }
    pthread_t tid[8];
    unsigned started = 0;
    for (unsigned i = 1; i < threads && l->n > FEAT_BATCH; i++) {
        if (pthread_create(&tid[started], NULL, feature_worker, &fc) == 0) {
            started++;
        }
    }
    feature_worker(&fc);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
    }
    pthread_mutex_destroy(&fc.lock);
    if (fc.rc < 0) {
        util_free(f);
        relais_error_set("%s", _("mémoire insuffisante"));
        return fc.rc;
    }
    *out = f;
    return 0;
}

/* ------------------------------------------------------------------ stats */

#define DAY_BASE_YEAR 1900
#define N_DAYS (200 * 366)

static uint32_t day_index(uint32_t date)
{
    util_date d = {(int)(date / 10000), (int)(date / 100 % 100), (int)(date % 100)};
    util_date base = {DAY_BASE_YEAR, 1, 1};
    int64_t n = util_date_days(&d) - util_date_days(&base);
    return n >= 0 && n < N_DAYS ? (uint32_t)n : 0;
}

static void count_id(uint32_t *tf, uint32_t *seen, size_t *n_seen, uint32_t id)
{
    if (id == 0) {
        return;
    }
    for (size_t i = 0; i < *n_seen; i++) {
        if (seen[i] == id) {
            return;
        }
    }
    seen[(*n_seen)++] = id;
    tf[id]++;
}

int match_ctx_stats(mctx *c)
{
    c->n_tf = c->names.n;
    for (int g = 0; g < CG_N; g++) {
        c->tf[g] = util_calloc(c->n_tf, sizeof *c->tf[g]);
        c->date_tf[g] = util_calloc(N_DAYS, sizeof *c->date_tf[g]);
        if (c->tf[g] == NULL || c->date_tf[g] == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            return RELAIS_ENOMEM;
        }
    }
    c->known = util_calloc(c->n_tf, 1);
    if (c->known == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    for (uint32_t id = 1; id < c->n_tf; id++) {
        size_t len;
        const char *s = mintern_str(&c->names, id, &len);
        c->known[id] = text_known_first_name(s, len);
    }
    c->n_estabs = c->hub->n_estabs;
    c->estab_n = util_calloc((c->n_estabs + 1) * CG_N, sizeof *c->estab_n);
    if (c->estab_n == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < c->hub->n; i++) {
        const mfeat *f = &c->hf[i];
        uint32_t *tf = c->tf[f->cg];
        uint32_t seen[40];
        size_t n_seen = 0;
        for (int v = 0; v < 2; v++) {
            count_id(tf, seen, &n_seen, f->sn[v].compact);
            count_id(tf, seen, &n_seen, f->sn[v].core);
            for (unsigned k = 0; k < f->sn[v].n_tok; k++) {
                count_id(tf, seen, &n_seen, f->sn[v].tok[k]);
            }
        }
        for (unsigned k = 0; k < f->n_fn; k++) {
            count_id(tf, seen, &n_seen, f->fn[k]);
        }
        count_id(tf, seen, &n_seen, f->fn_first);
        count_id(tf, seen, &n_seen, f->postcode);
        count_id(tf, seen, &n_seen, f->classe);
        if (f->date) {
            c->date_tf[f->cg][day_index(f->date)]++;
        }
        c->hub_n[f->cg]++;
        size_t e = f->estab < c->n_estabs ? f->estab : c->n_estabs;
        c->estab_n[e * CG_N + f->cg]++;
    }
    return 0;
}

uint32_t match_date_tf(const mctx *c, int cg, uint32_t date)
{
    return c->date_tf[cg][day_index(date)];
}

int match_ctx_init(mctx *c, const match_list *partner, const match_list *hub, unsigned threads,
                   double prior_in_hub)
{
    memset(c, 0, sizeof *c);
    c->partner = partner;
    c->hub = hub;
    if (prior_in_hub <= 0.0 || prior_in_hub >= 1.0) {
        prior_in_hub = 0.95;
    }
    c->prior_bonus = log2(prior_in_hub / (1.0 - prior_in_hub));
    int rc = mintern_init(&c->names);
    if (rc == 0) {
        rc = match_features(&c->hf, c, hub, threads);
    }
    if (rc == 0) {
        rc = partner == hub ? 0 : match_features(&c->pf, c, partner, threads);
        if (partner == hub) {
            c->pf = c->hf;
        }
    }
    if (rc == 0) {
        rc = match_ctx_stats(c);
    }
    if (rc < 0) {
        match_ctx_free(c);
    }
    return rc;
}

void match_ctx_free(mctx *c)
{
    if (c->pf != c->hf) {
        util_free(c->pf);
    }
    util_free(c->hf);
    for (int g = 0; g < CG_N; g++) {
        util_free(c->tf[g]);
        util_free(c->date_tf[g]);
    }
    util_free(c->estab_n);
    util_free(c->known);
    mintern_free(&c->names);
    memset(c, 0, sizeof *c);
}
