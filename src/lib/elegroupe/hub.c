/*
 * hub.c — SIECLE's state and the links file, as the hub holds them.
 *
 * SIECLE's students are the scope's active students (a student absent from the
 * last full SIECLE export is deactivated, so no longer in BEE); SIECLE's groups
 * are the groups SIECLE sent (an active "siecle" xref, from Structures.xml);
 * the calendar is the scope's. The file lists every SIECLE student with group
 * links this year: active links, and links that ended (deactivated) with their
 * end date, so that SIECLE keeps the history of leavers and group changes.
 */
#include "elegroupe.h"

#include <string.h>

typedef struct vec {
    void *items;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        void *items = util_realloc(v->items, cap * v->size);
        if (items == NULL) {
            return NULL;
        }
        v->items = items;
        v->cap = cap;
    }
    return (char *)v->items + v->n++ * v->size;
}

/* Copy a vector's items into the arena (the result outlives the vector). */
static void *vec_to_arena(util_arena *a, const vec *v)
{
    void *p = util_arena_alloc(a, (v->n ? v->n : 1) * v->size);
    if (p && v->n) {
        memcpy(p, v->items, v->n * v->size);
    }
    return p;
}

static const char *dup(util_arena *a, const char *s)
{
    return s ? util_arena_strdup(a, s) : NULL;
}

/* ---------------------------------------------------------------- state */

typedef struct state_ctx {
    util_arena *arena;
    vec students; /* elegroupe_siecle_student */
    vec groups;   /* elegroupe_siecle_group */
    util_idset *siecle_groups;
    util_map *group_index; /* group id -> index in groups */
    util_map *student_index;
    int rc;
} state_ctx;

static int on_xref(const relais_record *x, void *payload)
{
    state_ctx *c = payload;
    if (x->is_active && util_streq(x->text[RELAIS_XREF_APPLICATION], "siecle") &&
        util_streq(x->text[RELAIS_XREF_CATEGORY], "group")) {
        return util_idset_add(c->siecle_groups, x->ref[RELAIS_XREF_ENTITY]);
    }
    return 0;
}

static int on_group(const relais_record *g, void *payload)
{
    state_ctx *c = payload;
    if (!g->is_active || !util_idset_has(c->siecle_groups, g->id)) {
        return 0;
    }
    elegroupe_siecle_group *sg = vec_push(&c->groups);
    if (sg == NULL) {
        return RELAIS_ENOMEM;
    }
    sg->code = dup(c->arena, g->text[RELAIS_GROUP_CODE]);
    sg->mefs = dup(c->arena, g->text[RELAIS_GROUP_MEFS]);
    return util_map_put(c->group_index, (const char *)&g->id, sizeof g->id,
                        (int64_t)c->groups.n - 1);
}

static int on_student(const relais_record *r, void *payload)
{
    state_ctx *c = payload;
    if (!r->is_active) {
        return 0;
    }
    elegroupe_siecle_student *s = vec_push(&c->students);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    util_arena *a = c->arena;
    *s = (elegroupe_siecle_student){
        .relais_id = r->id,
        .eleve_id = dup(a, r->text[RELAIS_STUDENT_ELEVE_ID]),
        .ine = dup(a, r->text[RELAIS_STUDENT_INE]),
        .id_prv = dup(a, r->text[RELAIS_STUDENT_ID_PRV_ELE]),
        .nom_de_famille = dup(a, r->text[RELAIS_STUDENT_NOM_DE_FAMILLE]),
        .nom_usage = dup(a, r->text[RELAIS_STUDENT_NOM_USAGE]),
        .prenom = dup(a, r->text[RELAIS_STUDENT_PRENOM]),
        .prenom2 = dup(a, r->text[RELAIS_STUDENT_PRENOM2]),
        .prenom3 = dup(a, r->text[RELAIS_STUDENT_PRENOM3]),
        .date_naiss = dup(a, r->text[RELAIS_STUDENT_DATE_NAISS]),
        .code_mef = dup(a, r->text[RELAIS_STUDENT_CODE_MEF]),
        .date_entree = dup(a, r->text[RELAIS_STUDENT_DATE_ENTREE]),
        .date_sortie = dup(a, r->text[RELAIS_STUDENT_DATE_SORTIE]),
    };
    return util_map_put(c->student_index, (const char *)&r->id, sizeof r->id,
                        (int64_t)c->students.n - 1);
}

static void state_ctx_free(state_ctx *c)
{
    util_free(c->students.items);
    util_free(c->groups.items);
    util_idset_free(c->siecle_groups);
    util_map_free(c->group_index);
    util_map_free(c->student_index);
}

static int load_state(state_ctx *c, elegroupe_state **out, relais_store *s, util_arena *arena,
                      const relais_scope *scope)
{
    memset(c, 0, sizeof *c);
    c->arena = arena;
    c->students.size = sizeof(elegroupe_siecle_student);
    c->groups.size = sizeof(elegroupe_siecle_group);
    int rc = util_idset_new(&c->siecle_groups);
    if (rc == 0) {
        rc = util_map_new(&c->group_index);
    }
    if (rc == 0) {
        rc = util_map_new(&c->student_index);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_XREF, scope->id, RELAIS_ACTIVE, on_xref, c);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_GROUP, scope->id, RELAIS_ACTIVE, on_group, c);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_STUDENT, scope->id, RELAIS_ACTIVE,
                                         on_student, c);
    }
    elegroupe_state *st = rc == 0 ? util_arena_alloc(arena, sizeof *st) : NULL;
    if (rc == 0 && st == NULL) {
        rc = RELAIS_ENOMEM;
    }
    if (rc == 0) {
        *st = (elegroupe_state){
            .uai = dup(arena, scope->uai),
            .year = scope->year,
            .year_start = dup(arena, scope->calendar.student_start),
            .year_end = dup(arena, scope->calendar.student_end),
            .students = vec_to_arena(arena, &c->students),
            .n_students = c->students.n,
            .groups = vec_to_arena(arena, &c->groups),
            .n_groups = c->groups.n,
            .knows_groups = util_idset_count(c->siecle_groups) > 0,
        };
        if (st->students == NULL || st->groups == NULL) {
            rc = RELAIS_ENOMEM;
        }
        *out = st;
    }
    return rc;
}

int elegroupe_state_from_hub(elegroupe_state **out, relais_store *s, util_arena *arena,
                             const relais_scope *scope)
{
    state_ctx c;
    int rc = load_state(&c, out, s, arena, scope);
    state_ctx_free(&c);
    return rc;
}

/* ----------------------------------------------------------------- file */

typedef struct file_ctx {
    state_ctx *state;
    elegroupe_state *st;
    relais_store *s;
    util_arena *arena;
    vec *links_of; /* per state student: elegroupe_link */
    util_map *all_groups; /* group id -> code (index into codes) */
    vec codes;            /* const char * */
} file_ctx;

static int on_any_group(const relais_record *g, void *payload)
{
    file_ctx *f = payload;
    const char **slot = vec_push(&f->codes);
    if (slot == NULL) {
        return RELAIS_ENOMEM;
    }
    *slot = dup(f->arena, g->text[RELAIS_GROUP_CODE]);
    return util_map_put(f->all_groups, (const char *)&g->id, sizeof g->id, (int64_t)f->codes.n - 1);
}

static int on_enrolment(const relais_record *e, void *payload)
{
    file_ctx *f = payload;
    int64_t g = e->ref[RELAIS_ENROLMENT_GROUP];
    int64_t student = e->ref[RELAIS_ENROLMENT_STUDENT];
    int64_t si, gi;
    if (g <= 0 ||
        !util_map_get(f->state->student_index, (const char *)&student, sizeof student, &si) ||
        !util_map_get(f->all_groups, (const char *)&g, sizeof g, &gi)) {
        return 0;
    }
    const elegroupe_siecle_student *st = &f->st->students[si];
    /* A link that ended is sent with its end date; the start date is always sent. */
    const char *debut = e->text[RELAIS_ENROLMENT_DATE_DEBUT];
    const char *fin = e->text[RELAIS_ENROLMENT_DATE_FIN];
    if (!e->is_active && fin == NULL) {
        fin = e->deactivated_on;
    }
    if (fin == NULL && st->date_sortie) {
        fin = st->date_sortie;
    }
    if (debut == NULL) {
        debut = st->date_entree && f->st->year_start && strcmp(st->date_entree, f->st->year_start) > 0
                    ? st->date_entree
                    : f->st->year_start;
    }
    elegroupe_link *l = vec_push(&f->links_of[si]);
    if (l == NULL) {
        return RELAIS_ENOMEM;
    }
    *l = (elegroupe_link){((const char **)f->codes.items)[gi], dup(f->arena, debut),
                          dup(f->arena, fin), 0};
    return 0;
}

int elegroupe_file_from_hub(elegroupe_file **out, relais_store *s, util_arena *arena,
                            const relais_scope *scope, const char *logiciel)
{
    state_ctx sc;
    elegroupe_state *st = NULL;
    int rc = load_state(&sc, &st, s, arena, scope);
    file_ctx f = {.state = &sc, .st = st, .s = s, .arena = arena};
    f.codes.size = sizeof(const char *);
    if (rc == 0) {
        f.links_of = util_calloc(st->n_students + 1, sizeof *f.links_of);
        rc = f.links_of ? util_map_new(&f.all_groups) : RELAIS_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < st->n_students; i++) {
        f.links_of[i].size = sizeof(elegroupe_link);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_GROUP, scope->id, RELAIS_ANY, on_any_group,
                                         &f);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_ENROLMENT, scope->id, RELAIS_ANY,
                                         on_enrolment, &f);
    }
    elegroupe_file *file = NULL;
    if (rc == 0) {
        file = util_arena_alloc(arena, sizeof *file);
        elegroupe_student *students =
            util_arena_alloc(arena, (st->n_students + 1) * sizeof *students);
        if (file == NULL || students == NULL) {
            rc = RELAIS_ENOMEM;
        } else {
            util_date today;
            char fr[11];
            util_date_today(&today);
            util_date_fr(&today, fr);
            *file = (elegroupe_file){.uai = st->uai, .year = st->year,
                                     .date_import = util_arena_strdup(arena, fr),
                                     .logiciel = logiciel, .num_envoi = 1, .students = students};
            for (size_t i = 0; i < st->n_students && rc == 0; i++) {
                if (f.links_of[i].n == 0) {
                    continue;
                }
                const elegroupe_siecle_student *ss = &st->students[i];
                elegroupe_student *e = &students[file->n_students++];
                *e = (elegroupe_student){
                    .id_kind = ELEGROUPE_ID_ELEVE_ID, .id = ss->eleve_id,
                    .nom_de_famille = ss->nom_de_famille, .nom_usage = ss->nom_usage,
                    .prenom = ss->prenom, .prenom2 = ss->prenom2, .prenom3 = ss->prenom3,
                    .date_naiss = ss->date_naiss,
                    .links = vec_to_arena(arena, &f.links_of[i]), .n_links = f.links_of[i].n};
                rc = e->links ? 0 : RELAIS_ENOMEM;
            }
        }
    }
    for (size_t i = 0; f.links_of && st && i < st->n_students; i++) {
        util_free(f.links_of[i].items);
    }
    util_free(f.links_of);
    util_free(f.codes.items);
    util_map_free(f.all_groups);
    state_ctx_free(&sc);
    if (rc == 0) {
        *out = file;
    }
    return rc;
}
