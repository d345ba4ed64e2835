/*
 * match.c — automatic matching of the timetable's local names with the hub's
 * subjects, teachers, divisions and groups (whatever the source — STS-Web,
 * SIECLE — that brought them).
 *
 * Levels are tried in order and the first that designates exactly one record
 * wins: (1) the exact code (STS subject code, STS teacher id, structure code);
 * (2) folded codes (code de gestion "FRANC", "3 A" for "3A"); (3) folded names
 * (labels; a teacher's surname and first name in either order, usage or birth
 * surname, first given name only); (4) teachers: surname and initial
 * ("DUPONT J."); (5) teachers: surname alone ("M. DUPONT"). A level where
 * several records answer stops the search: an ambiguous name is left
 * unmatched and reported, never guessed — homonyms are common among teachers.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

#define N_LEVELS 5
#define AMBIGUOUS (-1)

struct tt_matcher {
    sts_index *ix[TIMETABLE_N_KINDS];
    sts_index *xrefs;
    util_map *keys[TIMETABLE_N_KINDS][N_LEVELS]; /* key → id, or AMBIGUOUS */
    util_map *presence;                          /* "app\x1fid" */
    util_arena *arena;
};

/* Register key → id at a level; a key two records share becomes ambiguous. */
static int add_key(tt_matcher *m, timetable_kind k, int level, const char *key, int64_t id)
{
    if (key == NULL || key[0] == '\0') {
        return 0;
    }
    util_map *map = m->keys[k][level];
    int64_t have;
    size_t len = strlen(key);
    if (util_map_get(map, key, len, &have)) {
        return have == id ? 0 : util_map_put(map, key, len, AMBIGUOUS);
    }
    return util_map_put(map, key, len, id);
}

static const char *fold(tt_matcher *m, const char *s)
{
    return s ? timetable_fold(m->arena, s) : NULL;
}

static const char *concat(tt_matcher *m, const char *a, const char *b)
{
    if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0') {
        return NULL;
    }
    size_t la = strlen(a), lb = strlen(b);
    char *s = util_arena_alloc(m->arena, la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* The first given name of "JEAN PIERRE" / "Jean-Pierre" stays whole; "Anne Marie" → "Anne". */
static const char *first_token(tt_matcher *m, const char *prenom)
{
    if (prenom == NULL) {
        return NULL;
    }
    const char *sp = strpbrk(prenom, " ,");
    return sp ? util_arena_strndup(m->arena, prenom, (size_t)(sp - prenom)) : prenom;
}

static int add_staff_keys(tt_matcher *m, const relais_record *r)
{
    int64_t id = r->id;
    int rc = add_key(m, TIMETABLE_STAFF, 0, r->text[RELAIS_STAFF_STS_ID], id);
    const char *noms[2] = {r->text[RELAIS_STAFF_NOM_USAGE], r->text[RELAIS_STAFF_NOM_PATRONYMIQUE]};
    const char *prenoms[2] = {r->text[RELAIS_STAFF_PRENOM],
                              first_token(m, r->text[RELAIS_STAFF_PRENOM])};
    for (int i = 0; i < 2 && rc == 0; i++) {
        const char *nom = fold(m, noms[i]);
        if (nom == NULL || nom[0] == '\0') {
            continue;
        }
        for (int j = 0; j < 2 && rc == 0; j++) {
            const char *pre = fold(m, prenoms[j]);
            if (pre == NULL || pre[0] == '\0') {
                continue;
            }
            rc = add_key(m, TIMETABLE_STAFF, 2, concat(m, nom, pre), id);
            if (rc == 0) {
                rc = add_key(m, TIMETABLE_STAFF, 2, concat(m, pre, nom), id);
            }
            char initial[2] = {pre[0], '\0'};
            if (rc == 0 && (unsigned char)pre[0] < 0x80) {
                rc = add_key(m, TIMETABLE_STAFF, 3, concat(m, nom, initial), id);
                if (rc == 0) {
                    rc = add_key(m, TIMETABLE_STAFF, 3, concat(m, initial, nom), id);
                }
            }
        }
        if (rc == 0) {
            rc = add_key(m, TIMETABLE_STAFF, 4, nom, id);
        }
    }
    return rc;
}

static int add_keys(tt_matcher *m, timetable_kind k, const relais_record *r)
{
    int64_t id = r->id;
    int rc = 0;
    switch (k) {
    case TIMETABLE_SUBJECT:
        rc = add_key(m, k, 0, r->text[RELAIS_SUBJECT_CODE_MATIERE], id);
        if (rc == 0) {
            rc = add_key(m, k, 1, fold(m, r->text[RELAIS_SUBJECT_CODE_MATIERE]), id);
        }
        if (rc == 0) {
            rc = add_key(m, k, 1, fold(m, r->text[RELAIS_SUBJECT_CODE_GESTION]), id);
        }
        if (rc == 0) {
            rc = add_key(m, k, 2, fold(m, r->text[RELAIS_SUBJECT_LIBELLE_COURT]), id);
        }
        if (rc == 0) {
            rc = add_key(m, k, 2, fold(m, r->text[RELAIS_SUBJECT_LIBELLE_LONG]), id);
        }
        if (rc == 0) {
            rc = add_key(m, k, 2, fold(m, r->text[RELAIS_SUBJECT_LIBELLE_EDITION]), id);
        }
        return rc;
    case TIMETABLE_STAFF: return add_staff_keys(m, r);
    case TIMETABLE_DIVISION:
    case TIMETABLE_GROUP: {
        size_t code = k == TIMETABLE_DIVISION ? RELAIS_DIVISION_CODE : RELAIS_GROUP_CODE;
        size_t label =
            k == TIMETABLE_DIVISION ? RELAIS_DIVISION_LIBELLE_LONG : RELAIS_GROUP_LIBELLE_LONG;
        rc = add_key(m, k, 0, r->text[code], id);
        if (rc == 0) {
            rc = add_key(m, k, 1, fold(m, r->text[code]), id);
        }
        if (rc == 0) {
            rc = add_key(m, k, 2, fold(m, r->text[label]), id);
        }
        return rc;
    }
    default: return 0;
    }
}

static int presence_key(char *buf, size_t cap, const char *app, int64_t id)
{
    return snprintf(buf, cap, "%s\x1f%lld", app, (long long)id);
}

int tt_matcher_new(tt_matcher **out, relais_store *s, int64_t scope_id)
{
    *out = NULL;
    tt_matcher *m = util_calloc(1, sizeof *m);
    if (m == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = util_arena_new(&m->arena, 0);
    if (rc == 0) {
        rc = util_map_new(&m->presence);
    }
    for (int k = 0; k < TIMETABLE_N_KINDS && rc == 0; k++) {
        for (int l = 0; l < N_LEVELS && rc == 0; l++) {
            rc = util_map_new(&m->keys[k][l]);
        }
        if (rc == 0) {
            rc = sts_index_load(&m->ix[k], s, timetable_kind_model((timetable_kind)k), scope_id,
                                RELAIS_ANY);
        }
        for (size_t i = 0; rc == 0 && i < sts_index_count(m->ix[k]); i++) {
            const relais_record *r = sts_index_at(m->ix[k], i);
            if (r->is_active) {
                rc = add_keys(m, (timetable_kind)k, r);
            }
        }
    }
    if (rc == 0) {
        rc = sts_index_load(&m->xrefs, s, RELAIS_KIND_XREF, scope_id, RELAIS_ANY);
    }
    for (size_t i = 0; rc == 0 && i < sts_index_count(m->xrefs); i++) {
        const relais_record *x = sts_index_at(m->xrefs, i);
        const char *app = x->text[RELAIS_XREF_APPLICATION];
        if (x->is_active && app && x->ref[RELAIS_XREF_ENTITY] > 0 && sts_xref_is_presence(x)) {
            char key[96];
            int n = presence_key(key, sizeof key, app, x->ref[RELAIS_XREF_ENTITY]);
            if (n > 0 && (size_t)n < sizeof key) {
                rc = util_map_put(m->presence, key, (size_t)n, 1);
            }
        }
    }
    if (rc < 0) {
        tt_matcher_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void tt_matcher_free(tt_matcher *m)
{
    if (m == NULL) {
        return;
    }
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        for (int l = 0; l < N_LEVELS; l++) {
            util_map_free(m->keys[k][l]);
        }
        sts_index_free(m->ix[k]);
    }
    sts_index_free(m->xrefs);
    util_map_free(m->presence);
    util_arena_free(m->arena);
    util_free(m);
}

/* Drop a leading civility ("M.", "Mme", "Mlle", "Mr") before matching a surname alone. */
static const char *strip_civility(const char *s)
{
    static const char *const civ[] = {"mademoiselle ", "madame ", "monsieur ", "mlle ", "mme ",
                                      "mr ",           "m. ",     "mr. ",      "m "};
    for (size_t i = 0; s && i < UTIL_ARRAY_LEN(civ); i++) {
        size_t n = strlen(civ[i]);
        if (strncasecmp(s, civ[i], n) == 0) {
            return s + n;
        }
    }
    return NULL;
}

int tt_match(int64_t *entity, bool *ambiguous, tt_matcher *m, timetable_kind k, const char *local,
             const char *label)
{
    *entity = 0;
    *ambiguous = false;
    const char *probes[N_LEVELS][2] = {{local, NULL}};
    const char *fl = fold(m, local), *fb = fold(m, label);
    probes[1][0] = fl;
    probes[2][0] = fl;
    probes[2][1] = fb;
    if (k == TIMETABLE_STAFF) {
        probes[3][0] = fl;
        probes[3][1] = fb;
        probes[4][0] = fold(m, strip_civility(local));
        probes[4][1] = fl;
    }
    for (int l = 0; l < N_LEVELS; l++) {
        int64_t found = 0;
        for (int p = 0; p < 2; p++) {
            const char *key = probes[l][p];
            int64_t id;
            if (key == NULL || key[0] == '\0' ||
                !util_map_get(m->keys[k][l], key, strlen(key), &id)) {
                continue;
            }
            if (id == AMBIGUOUS || (found != 0 && found != id)) {
                *ambiguous = true;
                return 0;
            }
            found = id;
        }
        if (found) {
            *entity = found;
            return 0;
        }
    }
    return 0;
}

const relais_record *tt_matcher_record(const tt_matcher *m, timetable_kind k, int64_t id)
{
    return id > 0 ? sts_index_get(m->ix[k], id) : NULL;
}

const char *tt_record_code(const relais_record *r, timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return r->text[RELAIS_SUBJECT_CODE_MATIERE];
    case TIMETABLE_STAFF: return r->text[RELAIS_STAFF_STS_ID];
    case TIMETABLE_DIVISION: return r->text[RELAIS_DIVISION_CODE];
    default: return r->text[RELAIS_GROUP_CODE];
    }
}

const relais_record *tt_matcher_by_code(tt_matcher *m, timetable_kind k, const char *code)
{
    const relais_record *best = NULL;
    int best_rank = 99;
    for (size_t i = 0; i < sts_index_count(m->ix[k]); i++) {
        const relais_record *r = sts_index_at(m->ix[k], i);
        const char *c = tt_record_code(r, k);
        int rank = 99;
        if (util_streq(c, code)) {
            rank = 0;
        } else if (c && strcasecmp(c, code) == 0) {
            rank = 2;
        } else if (k == TIMETABLE_SUBJECT && r->text[RELAIS_SUBJECT_CODE_GESTION] &&
                   strcasecmp(r->text[RELAIS_SUBJECT_CODE_GESTION], code) == 0) {
            rank = 4;
        }
        if (rank < 99 && !r->is_active) {
            rank++;
        }
        if (rank < best_rank) {
            best = r;
            best_rank = rank;
        }
    }
    return best;
}

bool tt_matcher_listed(const tt_matcher *m, int64_t id, const char *app)
{
    char key[96];
    int n = presence_key(key, sizeof key, app, id);
    int64_t v;
    return n > 0 && (size_t)n < sizeof key && util_map_get(m->presence, key, (size_t)n, &v);
}

const char *tt_record_label(util_arena *a, const relais_record *r, timetable_kind k)
{
    util_buf b = UTIL_BUF_INIT;
    switch (k) {
    case TIMETABLE_SUBJECT: {
        const char *l = r->text[RELAIS_SUBJECT_LIBELLE_LONG]
                            ? r->text[RELAIS_SUBJECT_LIBELLE_LONG]
                            : r->text[RELAIS_SUBJECT_LIBELLE_COURT];
        util_buf_puts(&b, l ? l : "");
        break;
    }
    case TIMETABLE_STAFF:
        util_buf_printf(&b, "%s %s",
                        r->text[RELAIS_STAFF_NOM_USAGE] ? r->text[RELAIS_STAFF_NOM_USAGE] : "?",
                        r->text[RELAIS_STAFF_PRENOM] ? r->text[RELAIS_STAFF_PRENOM] : "");
        break;
    case TIMETABLE_DIVISION: {
        const char *l = r->text[RELAIS_DIVISION_LIBELLE_LONG];
        util_buf_puts(&b, l ? l : "");
        break;
    }
    default: {
        const char *l = r->text[RELAIS_GROUP_LIBELLE_LONG];
        util_buf_puts(&b, l ? l : "");
        break;
    }
    }
    size_t len = b.len;
    const char *s = NULL;
    if (!b.failed) {
        const char *t = util_trim(util_buf_cstr(&b), &len);
        s = len ? util_arena_strndup(a, t, len) : NULL;
    }
    util_buf_free(&b);
    return s;
}

sts_index *tt_matcher_xrefs(tt_matcher *m)
{
    return m->xrefs;
}

void tt_item_describe(timetable_item *it, tt_matcher *m, util_arena *a)
{
    const relais_record *r = tt_matcher_record(m, it->kind, it->entity);
    it->remote = NULL;
    it->remote_label = NULL;
    it->entity_active = false;
    it->in_sts = it->in_siecle = false;
    if (r == NULL) {
        return;
    }
    it->entity_active = r->is_active;
    it->remote = tt_record_code(r, it->kind);
    it->remote_label = tt_record_label(a, r, it->kind);
    it->in_sts = tt_matcher_listed(m, r->id, "sts");
    it->in_siecle = tt_matcher_listed(m, r->id, "siecle");
}
