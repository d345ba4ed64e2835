/*
 * match_internal.h — shared between the files of the match module: the
 * comparison features computed once per person, the string interner behind
 * them, term frequencies, and pair scoring.
 */
#ifndef RELAIS_MATCH_INTERNAL_H
#define RELAIS_MATCH_INTERNAL_H

#include "match.h"

#define MF_MAX_FN 6    /* first-name tokens kept */
#define MF_MAX_SNTOK 4 /* non-particle surname tokens kept per variant */
#define MF_MAX_PHONES 3

/* Category groups: persons are only compared within a group (teachers and staff together). */
enum { CG_STUDENT, CG_GUARDIAN, CG_STAFF, CG_N };

static inline int match_cg(uint8_t category)
{
    return category == MATCH_STUDENT    ? CG_STUDENT
           : category == MATCH_GUARDIAN ? CG_GUARDIAN
                                        : CG_STAFF;
}

/* ------------------------------------------------------------- interner */

/* Folded strings → dense ids (1…n; 0 = none). */
typedef struct mintern {
    uint32_t *table; /* open addressing: id or 0 */
    size_t cap;
    uint32_t *offsets; /* id → offset in pool */
    uint32_t *lens;
    size_t n, cap_ids;
    char *pool;
    size_t pool_len, pool_cap;
} mintern;

int mintern_init(mintern *t);
void mintern_free(mintern *t);
/** Id of (s, len), added when new; 0 for an empty string; UINT32_MAX on ENOMEM. */
uint32_t mintern_id(mintern *t, const char *s, size_t len);
/** Id of (s, len) if present, else 0 (no insertion). */
uint32_t mintern_find(const mintern *t, const char *s, size_t len);
static inline const char *mintern_str(const mintern *t, uint32_t id, size_t *len)
{
    *len = t->lens[id];
    return t->pool + t->offsets[id];
}

/* ------------------------------------------------------------- features */

/* One surname variant (birth name or usage name). */
typedef struct msurname {
    uint32_t compact, core;     /* text_name_keys ids */
    uint32_t tok[MF_MAX_SNTOK]; /* non-particle tokens */
    uint8_t n_tok;
} msurname;

typedef struct mfeat {
    /* What the first checks read (birth date, first names) comes first: one cache line. */
    uint32_t date; /* YYYYMMDD, 0 when unknown */
    uint32_t estab;
    uint8_t cg;
    uint8_t category;
    uint8_t sex; /* 'M', 'F', 0 */
    uint8_t n_fn;
    uint8_t fn_first_len; /* tokens of the first given name; 0 when unknown */
    uint8_t n_phones;
    uint32_t fn_first;      /* compact of the first given name */
    uint32_t fn[MF_MAX_FN]; /* first-name tokens in order */
    msurname sn[2];         /* [0] birth name, [1] usage name; compact 0 when absent */
    uint32_t postcode;      /* id */
    uint32_t classe;        /* id */
    uint64_t email;         /* hash, 0 when none */
    uint64_t ine;           /* hash, 0 when none */
    uint64_t phones[MF_MAX_PHONES];
    uint64_t address; /* hash of the folded address lines and postcode, 0 when none */
    uint64_t siecle;  /* hash of the SIECLE / STS id: the hub's key, or given by AAF */
} mfeat;

/** Allocate zeroed memory for a large array, backed by huge pages when the system allows:
 * the engine reads these arrays at random, and TLB misses would dominate. */
void *match_big_calloc(size_t n, size_t size);

/* Everything the scorer needs about the two lists. */
typedef struct mctx {
    mintern names;  /* shared by both lists */
    mfeat *pf, *hf; /* features of partner and hub persons */
    const match_list *partner, *hub;
    /* Hub term frequencies per category group, indexed by interned id. */
    uint32_t *tf[CG_N];
    size_t n_tf;             /* size of each tf array (ids when computed) */
    size_t hub_n[CG_N];      /* hub persons per group */
    uint32_t *date_tf[CG_N]; /* hub persons per birth day (index: days since 1900-01-01) */
    size_t *estab_n;         /* hub persons per (estab, group): [estab * CG_N + cg] */
    size_t n_estabs;
    double prior_bonus; /* log2(prior / (1 - prior)) */
    uint8_t *known;     /* per interned id: a common first name (text_known_first_name) */
} mctx;

/** Are two birth dates (YYYYMMDD) one person's, give or take a swap or a digit? */
static inline bool match_dates_compatible(uint32_t a, uint32_t b);
bool match_one_digit_apart(uint32_t x, uint32_t y);
static inline bool match_dates_compatible(uint32_t a, uint32_t b)
{
    if (a == 0 || b == 0 || a == b) {
        return true;
    }
    if (a / 10000 == b / 10000 && a / 100 % 100 == b % 100 && a % 100 == b / 100 % 100) {
        return true;
    }
    return match_one_digit_apart(a, b);
}

/** Compute features of every person of `l` into *out (caller frees). */
int match_features(mfeat **out, mctx *c, const match_list *l, unsigned threads);
/** Hub term frequencies and sizes (after both lists' features). */
int match_ctx_stats(mctx *c);
void match_ctx_free(mctx *c);
/** Prepare a context for the two lists (features of both, stats). */
int match_ctx_init(mctx *c, const match_list *partner, const match_list *hub, unsigned threads,
                   double prior_in_hub);

/* Detailed evidence of one comparison, for the engine. */
typedef struct mscore {
    double w; /* sum of log2 weights (before the prior) */
    match_reasons reasons;
    uint8_t vetoes; /* hard rules saying "two different persons" (dates, first names) */
    bool date_differs, first_differs, first_close, surname_differs;
    uint8_t n_children;
} mscore;

/**
 * Compare a (features fa, from list A) with b (features fb, from the hub
 * side, whose term frequencies are used). `children` is the number of the two
 * persons' children matched to each other (-1: unknown, no household evidence).
 */
void match_compare(mscore *out, const mctx *c, const mfeat *fa, const mfeat *fb, int children,
                   int children_possible);

/** Add the household evidence: children matched to each other (children_possible: could be). */
void match_add_children(mscore *s, int children, int children_possible);

/** Posterior log2-odds from a weight: minus log2 of the hub persons it could be, plus prior. */
double match_posterior(const mctx *c, const mfeat *fa, const mfeat *fb, double w);

/** Hub persons of group cg born on `date` (YYYYMMDD). */
uint32_t match_date_tf(const mctx *c, int cg, uint32_t date);

/* ---------------------------------------------------------------- blocking */

/* Hub persons by blocking key: sorted (key, index) entries and a hash table over the keys. */
typedef struct mkent {
    uint64_t key;
    uint32_t idx;
} mkent;

typedef struct mkindex {
    mkent *ents;
    size_t n;
    uint64_t *ukeys;  /* distinct keys */
    uint32_t *ustart; /* first entry of each distinct key; ustart[nu] = n */
    size_t nu;
    uint32_t *table; /* open addressing: distinct key index + 1, 0 = empty */
    size_t cap;
} mkindex;

#define MK_MAX_KEYS 40

/**
 * Blocking keys of a person (hub side: every first name; partner side: the first
 * ones): strong keys first (*n_strong of them), then weak ones. With `salted`,
 * keys are specific to the person's establishment.
 */
size_t match_keys(uint64_t *out, size_t *n_strong, const mctx *c, const mfeat *f, bool hub_side,
                  bool salted);
/** Index the persons of features `f` (n of them) by their blocking keys. */
int mkindex_build(mkindex *ix, const mctx *c, const mfeat *f, size_t n, bool salted);
void mkindex_free(mkindex *ix);
/** Entries of key: *start and *count (0 when absent). */
void mkindex_lookup(const mkindex *ix, uint64_t key, size_t *start, size_t *count);

/** Do features x and y (both from one list) look like one person? (hub term frequencies) */
bool match_same_person(const mctx *c, const mfeat *x, const mfeat *y, double threshold);

/**
 * Fold a short word (a header, a category, a sex) without allocating: lower-case
 * ASCII, Latin-1 accents removed, runs of anything else as one '_', trimmed.
 */
void match_fold_word(char *out, size_t size, const char *s, size_t len);

/** Date as YYYYMMDD from ISO text (0 when invalid). */
uint32_t match_date_num(const char *iso);

uint64_t match_hash64(const void *data, size_t len);

#endif
