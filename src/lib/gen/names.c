/*
 * names.c — the name and place statistics embedded from data/ (prénoms,
 * noms, elements of rare surnames, streets, communes), loaded once per run
 * into cumulative-weight tables so each draw is a binary search.
 */
#include "internal.h"

#include <string.h>

typedef struct tsv_row {
    const char *f[6];
    int n;
} tsv_row;

/* Call fn for each data row of an embedded TSV (comments and header skipped). */
static int tsv_each(const char *path, util_arena *a, int (*fn)(const tsv_row *, void *),
                    void *payload)
{
    size_t size = 0;
    const unsigned char *data = util_embedded(path, &size);
    if (data == NULL) {
        relais_error_set(_("données embarquées absentes : %s"), path);
        return RELAIS_ENOTFOUND;
    }
    const char *p = (const char *)data, *end = p + size;
    bool header = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (p < le && *p != '#') {
            if (header) {
                header = false;
            } else {
                tsv_row row = {{0}, 0};
                const char *q = p;
                while (q <= le && row.n < 6) {
                    const char *tab = memchr(q, '\t', (size_t)(le - q));
                    const char *fe = tab ? tab : le;
                    row.f[row.n] = util_arena_strndup(a, q, (size_t)(fe - q));
                    if (row.f[row.n] == NULL) {
                        return RELAIS_ENOMEM;
                    }
                    row.n++;
                    if (!tab) {
                        break;
                    }
                    q = tab + 1;
                }
                int rc = fn(&row, payload);
                if (rc < 0) {
                    relais_error_prefix("%s", path);
                    return rc;
                }
            }
        }
        p = le + 1;
    }
    return 0;
}

typedef struct builder {
    const char **items;
    uint64_t *w;
    size_t n, cap;
} builder;

static int builder_add(builder *b, const char *item, uint64_t w)
{
    if (w == 0) {
        return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        const char **items = util_realloc(b->items, cap * sizeof *items);
        if (items == NULL) {
            return RELAIS_ENOMEM;
        }
        b->items = items;
        uint64_t *w2 = util_realloc(b->w, cap * sizeof *w2);
        if (w2 == NULL) {
            return RELAIS_ENOMEM;
        }
        b->w = w2;
        b->cap = cap;
    }
    b->items[b->n] = item;
    b->w[b->n] = w;
    b->n++;
    return 0;
}

/* Freeze a builder into a table whose arrays live in the arena. */
static int builder_table(gen_wtable *t, builder *b, util_arena *a)
{
    t->n = b->n;
    t->items = util_arena_alloc(a, (b->n + 1) * sizeof *t->items);
    t->cum = util_arena_alloc(a, (b->n + 1) * sizeof *t->cum);
    if (t->items == NULL || t->cum == NULL) {
        return RELAIS_ENOMEM;
    }
    uint64_t acc = 0;
    for (size_t i = 0; i < b->n; i++) {
        acc += b->w[i];
        t->items[i] = b->items[i];
        t->cum[i] = acc;
    }
    util_free(b->items);
    util_free(b->w);
    memset(b, 0, sizeof *b);
    if (t->n == 0) {
        relais_error_set("%s", _("table de noms vide"));
        return RELAIS_EINVALID;
    }
    return 0;
}

static bool parse_weight(const char *s, uint64_t *w)
{
    int64_t v;
    if (s == NULL || !util_parse_int64(s, strlen(s), &v) || v < 0) {
        return false;
    }
    *w = (uint64_t)v;
    return true;
}

static int bad_row(const tsv_row *row)
{
    relais_error_set(_("ligne invalide « %s »"), row->n > 0 ? row->f[0] : "");
    return RELAIS_EINVALID;
}

typedef struct first_ctx {
    builder b[2][3];
} first_ctx;

static int on_first(const tsv_row *row, void *payload)
{
    first_ctx *c = payload;
    uint64_t we, wa;
    if (row->n < 4 || (strcmp(row->f[1], "1") != 0 && strcmp(row->f[1], "2") != 0) ||
        !parse_weight(row->f[2], &we) || !parse_weight(row->f[3], &wa)) {
        return bad_row(row);
    }
    int sex = row->f[1][0] - '0';
    int rc = builder_add(&c->b[GEN_GEN_STUDENT][sex], row->f[0], we);
    return rc < 0 ? rc : builder_add(&c->b[GEN_GEN_ADULT][sex], row->f[0], wa);
}

static int on_weighted(const tsv_row *row, void *payload)
{
    uint64_t w;
    if (row->n < 2 || !parse_weight(row->f[row->n - 1], &w)) {
        return bad_row(row);
    }
    return builder_add(payload, row->f[0], w);
}

typedef struct elem_ctx {
    builder roots, endings, particles;
} elem_ctx;

static int on_element(const tsv_row *row, void *payload)
{
    elem_ctx *c = payload;
    uint64_t w;
    if (row->n < 3 || !parse_weight(row->f[2], &w)) {
        return bad_row(row);
    }
    if (strcmp(row->f[0], "racine") == 0) {
        return builder_add(&c->roots, row->f[1], w);
    }
    if (strcmp(row->f[0], "finale") == 0) {
        return builder_add(&c->endings, row->f[1], w);
    }
    if (strcmp(row->f[0], "particule") == 0) {
        return builder_add(&c->particles, row->f[1], w);
    }
    return bad_row(row);
}

typedef struct commune_ctx {
    builder b;
    builder insee, cp;
    size_t n;
} commune_ctx;

static int on_commune(const tsv_row *row, void *payload)
{
    commune_ctx *c = payload;
    uint64_t w;
    if (row->n < 4 || !parse_weight(row->f[3], &w) || w == 0) {
        return bad_row(row);
    }
    int rc = builder_add(&c->b, row->f[2], w);
    if (rc == 0) {
        rc = builder_add(&c->insee, row->f[0], 1);
    }
    if (rc == 0) {
        rc = builder_add(&c->cp, row->f[1], 1);
    }
    return rc;
}

int gen_names_load(gen_names **out)
{
    *out = NULL;
    gen_names *n = util_calloc(1, sizeof *n);
    if (n == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = util_arena_new(&n->arena, 256 * 1024);
    first_ctx fc;
    elem_ctx ec;
    builder sb = {0}, vb = {0};
    commune_ctx cc;
    memset(&fc, 0, sizeof fc);
    memset(&ec, 0, sizeof ec);
    memset(&cc, 0, sizeof cc);
    if (rc < 0) {
        goto done;
    }
    if ((rc = tsv_each("data/names/prenoms.tsv", n->arena, on_first, &fc)) < 0) {
        goto done;
    }
    for (int g = 0; g < 2; g++) {
        for (int s = 1; s <= 2; s++) {
            if ((rc = builder_table(&n->first[g][s], &fc.b[g][s], n->arena)) < 0) {
                goto done;
            }
        }
    }
    if ((rc = tsv_each("data/names/noms.tsv", n->arena, on_weighted, &sb)) < 0 ||
        (rc = builder_table(&n->surnames, &sb, n->arena)) < 0) {
        goto done;
    }
    if ((rc = tsv_each("data/names/noms_elements.tsv", n->arena, on_element, &ec)) < 0 ||
        (rc = builder_table(&n->roots, &ec.roots, n->arena)) < 0 ||
        (rc = builder_table(&n->endings, &ec.endings, n->arena)) < 0 ||
        (rc = builder_table(&n->particles, &ec.particles, n->arena)) < 0) {
        goto done;
    }
    if ((rc = tsv_each("data/places/voies.tsv", n->arena, on_weighted, &vb)) < 0 ||
        (rc = builder_table(&n->streets, &vb, n->arena)) < 0) {
        goto done;
    }
    if ((rc = tsv_each("data/places/communes.tsv", n->arena, on_commune, &cc)) < 0) {
        goto done;
    }
    {
        size_t nc = cc.b.n;
        const char **ci = util_arena_alloc(n->arena, (nc + 1) * sizeof *ci);
        const char **cp = util_arena_alloc(n->arena, (nc + 1) * sizeof *cp);
        if (ci == NULL || cp == NULL) {
            rc = RELAIS_ENOMEM;
            goto done;
        }
        memcpy(ci, cc.insee.items, nc * sizeof *ci);
        memcpy(cp, cc.cp.items, nc * sizeof *cp);
        n->commune_insee = ci;
        n->commune_cp = cp;
    }
    if ((rc = builder_table(&n->communes, &cc.b, n->arena)) < 0) {
        goto done;
    }
    n->commune_name = n->communes.items;
    *out = n;
    n = NULL;
done:
    for (int g = 0; g < 2; g++) {
        for (int s = 0; s < 3; s++) {
            util_free(fc.b[g][s].items);
            util_free(fc.b[g][s].w);
        }
    }
    util_free(sb.items);
    util_free(sb.w);
    util_free(vb.items);
    util_free(vb.w);
    util_free(ec.roots.items);
    util_free(ec.roots.w);
    util_free(ec.endings.items);
    util_free(ec.endings.w);
    util_free(ec.particles.items);
    util_free(ec.particles.w);
    util_free(cc.b.items);
    util_free(cc.b.w);
    util_free(cc.insee.items);
    util_free(cc.insee.w);
    util_free(cc.cp.items);
    util_free(cc.cp.w);
    if (n) {
        if (rc == RELAIS_ENOMEM) {
            relais_error_set("%s", _("mémoire insuffisante"));
        }
        gen_names_free(n);
    }
    return rc;
}

void gen_names_free(gen_names *n)
{
    if (n == NULL) {
        return;
    }
    util_arena_free(n->arena);
    util_free(n);
}

const char *gen_pick(gen_rng *r, const gen_wtable *t)
{
    return t->items[gen_rng_pick_cum(r, t->cum, t->n)];
}
