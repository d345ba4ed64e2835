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

static const char *dup(util_arena *a, const char *s)
{
    return s ? util_arena_strdup(a, s) : NULL;
}

int elegroupe_state_from_snapshot(elegroupe_state **out, const scope_snapshot *snap,
                                  util_arena *arena)
{
    const snap_kind *sk = &snap->k[RELAIS_KIND_STUDENT];
    const snap_kind *gk = &snap->k[RELAIS_KIND_GROUP];
    elegroupe_state *st = util_arena_alloc(arena, sizeof *st);
    elegroupe_siecle_student *students = util_arena_alloc(arena, (sk->n + 1) * sizeof *students);
    elegroupe_siecle_group *groups = util_arena_alloc(arena, (gk->n + 1) * sizeof *groups);
    if (st == NULL || students == NULL || groups == NULL) {
        return RELAIS_ENOMEM;
    }
    const relais_scope *scope = snap->scope;
    *st = (elegroupe_state){
        .uai = dup(arena, scope->uai),
        .year = scope->year,
        .year_start = dup(arena, scope->calendar.student_start),
        .year_end = dup(arena, scope->calendar.student_end),
        .students = students,
        .groups = groups,
        .knows_groups = snapshot_has_source(snap, "siecle", "group"),
    };
    for (size_t i = 0; i < sk->n; i++) {
        const relais_record *r = sk->recs[i];
        if (!r->is_active) {
            continue;
        }
        /* Strings stay those of the snapshot, which outlives the state. */
        students[st->n_students++] = (elegroupe_siecle_student){
            .relais_id = r->id,
            .eleve_id = r->text[RELAIS_STUDENT_ELEVE_ID],
            .ine = r->text[RELAIS_STUDENT_INE],
            .id_prv = r->text[RELAIS_STUDENT_ID_PRV_ELE],
            .nom_de_famille = r->text[RELAIS_STUDENT_NOM_DE_FAMILLE],
            .nom_usage = r->text[RELAIS_STUDENT_NOM_USAGE],
            .prenom = r->text[RELAIS_STUDENT_PRENOM],
            .prenom2 = r->text[RELAIS_STUDENT_PRENOM2],
            .prenom3 = r->text[RELAIS_STUDENT_PRENOM3],
            .date_naiss = r->text[RELAIS_STUDENT_DATE_NAISS],
            .code_mef = r->text[RELAIS_STUDENT_CODE_MEF],
            .date_entree = r->text[RELAIS_STUDENT_DATE_ENTREE],
            .date_sortie = r->text[RELAIS_STUDENT_DATE_SORTIE],
        };
    }
    for (size_t i = 0; i < gk->n; i++) {
        const relais_record *g = gk->recs[i];
        if (g->is_active && snapshot_xref(snap, g->id, "siecle")) {
            groups[st->n_groups++] =
                (elegroupe_siecle_group){g->text[RELAIS_GROUP_CODE], g->text[RELAIS_GROUP_MEFS]};
        }
    }
    *out = st;
    return 0;
}

int elegroupe_file_from_snapshot(elegroupe_file **out, const scope_snapshot *snap,
                                 util_arena *arena, const char *logiciel)
{
    elegroupe_state *st;
    int rc = elegroupe_state_from_snapshot(&st, snap, arena);
    if (rc < 0) {
        return rc;
    }
    snap_groups by_student;
    rc = snapshot_group(&by_student, snap, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_STUDENT, false);
    if (rc < 0) {
        return rc;
    }
    elegroupe_file *file = util_arena_alloc(arena, sizeof *file);
    elegroupe_student *students = util_arena_alloc(arena, (st->n_students + 1) * sizeof *students);
    if (file == NULL || students == NULL) {
        snapshot_groups_free(&by_student);
        return RELAIS_ENOMEM;
    }
    util_date today;
    char fr[11];
    util_date_today(&today);
    util_date_fr(&today, fr);
    *file = (elegroupe_file){.uai = st->uai, .year = st->year,
                             .date_import = util_arena_strdup(arena, fr), .logiciel = logiciel,
                             .num_envoi = 1, .students = students};
    const snap_kind *ek = &snap->k[RELAIS_KIND_ENROLMENT];
    for (size_t i = 0; i < st->n_students && rc == 0; i++) {
        const elegroupe_siecle_student *ss = &st->students[i];
        const size_t *items;
        size_t n = snapshot_group_get(&by_student, ss->relais_id, &items);
        elegroupe_link *links = util_arena_alloc(arena, (n + 1) * sizeof *links);
        if (links == NULL) {
            rc = RELAIS_ENOMEM;
            break;
        }
        size_t n_links = 0;
        for (size_t k = 0; k < n; k++) {
            const relais_record *e = ek->recs[items[k]];
            const relais_record *g =
                snapshot_get(snap, RELAIS_KIND_GROUP, e->ref[RELAIS_ENROLMENT_GROUP]);
            if (g == NULL) {
                continue;
            }
            /* A link that ended is sent with its end date; the start date is always sent. */
            const char *debut = e->text[RELAIS_ENROLMENT_DATE_DEBUT];
            const char *fin = e->text[RELAIS_ENROLMENT_DATE_FIN];
            if (!e->is_active && fin == NULL) {
                fin = e->deactivated_on;
            }
            if (fin == NULL && ss->date_sortie) {
                fin = ss->date_sortie;
            }
            if (debut == NULL) {
                debut = ss->date_entree && st->year_start &&
                                strcmp(ss->date_entree, st->year_start) > 0
                            ? ss->date_entree
                            : st->year_start;
            }
            links[n_links++] = (elegroupe_link){g->text[RELAIS_GROUP_CODE], debut, fin, 0};
        }
        if (n_links == 0) {
            continue;
        }
        students[file->n_students++] = (elegroupe_student){
            .id_kind = ELEGROUPE_ID_ELEVE_ID, .id = ss->eleve_id,
            .nom_de_famille = ss->nom_de_famille, .nom_usage = ss->nom_usage,
            .prenom = ss->prenom, .prenom2 = ss->prenom2, .prenom3 = ss->prenom3,
            .date_naiss = ss->date_naiss, .links = links, .n_links = n_links};
    }
    snapshot_groups_free(&by_student);
    if (rc == 0) {
        *out = file;
    }
    return rc;
}
