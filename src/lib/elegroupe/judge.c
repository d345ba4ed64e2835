/*
 * judge.c — predicting SIECLE's processing of a student–group links file
 * (elegroupe.md §4): identification of each student in SIECLE's order, the
 * duplicate guard, the group rules and the date resets, the absent students.
 */
#include "elegroupe.h"

#include <string.h>

/* ASCII and Latin-1 letters upper-cased, so that "Zoé" and "ZOÉ" compare equal. */
static bool same_name(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    while (*a && *b) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x == 0xC3 && y == 0xC3 && a[1] && b[1]) {
            /* U+00E0..U+00FE lower-case is 0x20 above its capital, except ÷ (0xB7). */
            unsigned char u = (unsigned char)a[1], v = (unsigned char)b[1];
            if (u >= 0xA0 && u <= 0xBE && u != 0xB7) {
                u = (unsigned char)(u - 0x20);
            }
            if (v >= 0xA0 && v <= 0xBE && v != 0xB7) {
                v = (unsigned char)(v - 0x20);
            }
            if (u != v) {
                return false;
            }
            a += 2;
            b += 2;
            continue;
        }
        if (x >= 'a' && x <= 'z') {
            x = (unsigned char)(x - 'a' + 'A');
        }
        if (y >= 'a' && y <= 'z') {
            y = (unsigned char)(y - 'a' + 'A');
        }
        if (x != y) {
            return false;
        }
        a++;
        b++;
    }
    return *a == *b;
}

static const elegroupe_siecle_student *identify(const elegroupe_state *st,
                                                const elegroupe_student *e)
{
    for (size_t i = 0; i < st->n_students && e->id; i++) {
        const elegroupe_siecle_student *s = &st->students[i];
        const char *key = e->id_kind == ELEGROUPE_ID_ELEVE_ID ? s->eleve_id
                          : e->id_kind == ELEGROUPE_ID_INE    ? s->ine
                                                              : s->id_prv;
        if (key && strcmp(key, e->id) == 0) {
            return s;
        }
    }
    /* Fallback, also when the given id matches nobody: names and birth date. */
    for (size_t i = 0; i < st->n_students; i++) {
        const elegroupe_siecle_student *s = &st->students[i];
        bool surname = same_name(s->nom_de_famille, e->nom_de_famille) ||
                       (s->nom_usage && same_name(s->nom_usage, e->nom_de_famille));
        if (surname && same_name(s->prenom, e->prenom) && util_streq(s->date_naiss, e->date_naiss) &&
            (e->prenom2 == NULL || same_name(s->prenom2, e->prenom2)) &&
            (e->prenom3 == NULL || same_name(s->prenom3, e->prenom3))) {
            return s;
        }
    }
    return NULL;
}

static const elegroupe_siecle_group *find_group(const elegroupe_state *st, const char *code)
{
    for (size_t i = 0; i < st->n_groups; i++) {
        if (util_streq(st->groups[i].code, code)) {
            return &st->groups[i];
        }
    }
    return NULL;
}

static bool mef_in(const char *mefs, const char *mef)
{
    size_t len = strlen(mef);
    for (const char *p = mefs; p && *p;) {
        while (*p == ' ') {
            p++;
        }
        size_t n = strcspn(p, " ");
        if (n == len && strncmp(p, mef, len) == 0) {
            return true;
        }
        p += n;
    }
    return false;
}

static const char *fr(util_arena *a, const char *iso)
{
    if (iso == NULL) {
        return "vide";
    }
    char out[11];
    util_iso_to_fr(iso, out);
    return util_arena_strdup(a, out);
}

typedef struct judge_ctx {
    util_arena *arena;
    const elegroupe_state *state;
    elegroupe_anomaly *buf;
    size_t n, cap;
} judge_ctx;

static int add(judge_ctx *j, const char *code, const char *group, const char *old_value,
               const char *new_value, const char *params)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 8;
        elegroupe_anomaly *b = util_arena_alloc(j->arena, cap * sizeof *b);
        if (b == NULL) {
            return RELAIS_ENOMEM;
        }
        if (j->n) {
            memcpy(b, j->buf, j->n * sizeof *b);
        }
        j->buf = b;
        j->cap = cap;
    }
    j->buf[j->n++] = (elegroupe_anomaly){code, group, old_value, new_value,
                                         util_arena_strdup(j->arena, params)};
    return 0;
}

/* The value SIECLE puts for an invalid start date: entry date if the student entered this year. */
static const char *reset_start(const elegroupe_state *st, const elegroupe_siecle_student *s)
{
    if (s->date_entree && st->year_start && strcmp(s->date_entree, st->year_start) >= 0 &&
        (st->year_end == NULL || strcmp(s->date_entree, st->year_end) <= 0)) {
        return s->date_entree;
    }
    return st->year_start;
}

/* For an invalid end date: empty for a student still here, the exit date for one who left. */
static const char *reset_end(const elegroupe_siecle_student *s)
{
    return s->date_sortie;
}

static bool outside(const elegroupe_state *st, const char *date)
{
    return (st->year_start && strcmp(date, st->year_start) < 0) ||
           (st->year_end && strcmp(date, st->year_end) > 0);
}

static int judge_links(judge_ctx *j, elegroupe_student_verdict *v)
{
    const elegroupe_state *st = j->state;
    const elegroupe_siecle_student *s = v->found;
    util_arena *a = j->arena;
    char params[512];
    int rc = 0;
    if (util_str_empty(s->code_mef)) {
        return add(j, "GROUPE_B_01", NULL, NULL, NULL, "");
    }
    for (size_t i = 0; i < v->sent->n_links && rc == 0; i++) {
        const elegroupe_link *l = &v->sent->links[i];
        const elegroupe_siecle_group *g = find_group(st, l->code);
        if (st->knows_groups && g == NULL) {
            rc = add(j, "GROUPE_A_01", l->code, NULL, NULL, l->code);
            continue;
        }
        if (g && !util_str_empty(g->mefs) && !mef_in(g->mefs, s->code_mef)) {
            snprintf(params, sizeof params, "%s;%s", l->code, s->code_mef);
            rc = add(j, "GROUPE_B_02", l->code, NULL, NULL, params);
            continue;
        }
        v->n_links_created++;
        const char *debut = l->debut, *fin = l->fin;
        const char *ps = st->year_start ? fr(a, st->year_start) : "?";
        const char *pe = st->year_end ? fr(a, st->year_end) : "?";
        if (debut && outside(st, debut)) {
            const char *nv = reset_start(st, s);
            snprintf(params, sizeof params, "%s;%s;%s;%s;%s", fr(a, debut), l->code, ps, pe,
                     fr(a, nv));
            rc = add(j, "ELEGRP_A_02", l->code, debut, nv, params);
            debut = nv;
        }
        if (rc == 0 && fin && outside(st, fin)) {
            const char *nv = reset_end(s);
            snprintf(params, sizeof params, "%s;%s;%s;%s;%s", fr(a, fin), l->code, ps, pe,
                     fr(a, nv));
            rc = add(j, "ELEGRP_A_03", l->code, fin, nv, params);
            fin = nv;
        }
        if (rc == 0 && debut && fin && strcmp(debut, fin) >= 0) {
            const char *nv = reset_start(st, s);
            snprintf(params, sizeof params, "%s;%s;%s;%s", fr(a, debut), fr(a, fin), l->code,
                     fr(a, nv));
            rc = add(j, "ELEGRP_A_01", l->code, debut, nv, params);
        }
    }
    return rc;
}

int elegroupe_judge(elegroupe_verdict **out, util_arena *arena, const elegroupe_file *file,
                    const elegroupe_state *state, const util_idset *had_groups)
{
    elegroupe_verdict *v = util_arena_alloc(arena, sizeof *v);
    if (v == NULL) {
        return RELAIS_ENOMEM;
    }
    memset(v, 0, sizeof *v);
    *out = v;
    if (!util_streq(file->uai, state->uai) || file->year != state->year) {
        char why[256];
        snprintf(why, sizeof why,
                 _("le fichier est pour %s, année %d ; la base SIECLE visée est %s, année %d"),
                 file->uai ? file->uai : "?", file->year, state->uai, state->year);
        v->refused = true;
        v->refusal = util_arena_strdup(arena, why);
        return 0;
    }
    v->students = util_arena_alloc(arena, (file->n_students + 1) * sizeof *v->students);
    bool *seen = util_arena_alloc(arena, (state->n_students + 1) * sizeof *seen);
    bool *linked = util_arena_alloc(arena, (state->n_students + 1) * sizeof *linked);
    if (v->students == NULL || seen == NULL || linked == NULL) {
        return RELAIS_ENOMEM;
    }
    memset(seen, 0, (state->n_students + 1) * sizeof *seen);
    memset(linked, 0, (state->n_students + 1) * sizeof *linked);
    int rc = 0;
    for (size_t i = 0; i < file->n_students && rc == 0; i++) {
        const elegroupe_student *e = &file->students[i];
        elegroupe_student_verdict *sv = &v->students[v->n_students++];
        memset(sv, 0, sizeof *sv);
        sv->sent = e;
        sv->found = identify(state, e);
        judge_ctx j = {.arena = arena, .state = state};
        char params[512];
        char birth[11];
        util_iso_to_fr(e->date_naiss, birth);
        snprintf(params, sizeof params, "%s;%s;%s;%s", e->nom_de_famille ? e->nom_de_famille : "",
                 e->prenom ? e->prenom : "", birth, e->id ? e->id : "");
        v->n_read++;
        if (sv->found == NULL) {
            rc = add(&j, "REJELEGROUPE_01", NULL, NULL, NULL, params);
            sv->outcome = ELEGROUPE_REJECTED;
        } else {
            size_t index = (size_t)(sv->found - state->students);
            seen[index] = true;
            if (linked[index]) {
                rc = add(&j, "REJELEGROUPE_03", NULL, NULL, NULL, params);
                sv->outcome = ELEGROUPE_REJECTED;
            } else {
                rc = judge_links(&j, sv);
                sv->outcome = j.n ? ELEGROUPE_PARTIAL : ELEGROUPE_COMPLETE;
                linked[index] = sv->n_links_created > 0;
            }
        }
        sv->anomalies = j.buf;
        sv->n_anomalies = j.n;
        v->n_complete += sv->outcome == ELEGROUPE_COMPLETE;
        v->n_partial += sv->outcome == ELEGROUPE_PARTIAL;
        v->n_rejected += sv->outcome == ELEGROUPE_REJECTED;
    }
    if (rc < 0) {
        return rc;
    }
    v->absent = util_arena_alloc(arena, (state->n_students + 1) * sizeof *v->absent);
    v->leavers_losing_history =
        util_arena_alloc(arena, (state->n_students + 1) * sizeof *v->leavers_losing_history);
    if (v->absent == NULL || v->leavers_losing_history == NULL) {
        return RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < state->n_students; i++) {
        if (seen[i]) {
            continue;
        }
        const elegroupe_siecle_student *s = &state->students[i];
        v->absent[v->n_absent++] = s;
        if (s->date_sortie && had_groups && util_idset_has(had_groups, s->relais_id)) {
            v->leavers_losing_history[v->n_leavers_losing_history++] = s;
        }
    }
    return 0;
}
