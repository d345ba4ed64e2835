/*
 * rules_elegroupe.c — the student–group links judged exactly as SIECLE will
 * judge them: the file relais would deposit is built from the hub (or read
 * from a file given to `relais check --elegroupe`), then run through the
 * elegroupe judge; each predicted anomaly becomes a finding that says what
 * SIECLE will do (reject, drop the link, force the date to which value).
 */
#include "check_internal.h"

#include <string.h>

#include "elegroupe/elegroupe.h"

static const char *rule_of(const char *code)
{
    static const struct {
        const char *siecle, *rule;
    } map[] = {
        {"REJELEGROUPE_01", "ELEGROUPE_ELEVE_INCONNU"},
        {"REJELEGROUPE_03", "ELEGROUPE_ELEVE_EN_DOUBLE"},
        {"GROUPE_A_01", "ELEGROUPE_GROUPE_INCONNU"},
        {"GROUPE_B_01", "ELEGROUPE_ELEVE_SANS_MEF"},
        {"GROUPE_B_02", "ELEGROUPE_GROUPE_HORS_MEF"},
        {"ELEGRP_A_01", "ELEGROUPE_DATE_DEBUT_APRES_FIN"},
        {"ELEGRP_A_02", "ELEGROUPE_DATE_DEBUT_HORS_ANNEE"},
        {"ELEGRP_A_03", "ELEGROUPE_DATE_FIN_HORS_ANNEE"},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(map); i++) {
        if (strcmp(map[i].siecle, code) == 0) {
            return map[i].rule;
        }
    }
    return NULL;
}

static const char *fr_date(util_arena *a, const char *iso)
{
    if (iso == NULL) {
        return _("vide");
    }
    char out[11];
    util_iso_to_fr(iso, out);
    return util_arena_strdup(a, out);
}

static int emit_anomaly(check_ctx *c, const elegroupe_student_verdict *sv,
                        const elegroupe_anomaly *an)
{
    const char *rule = rule_of(an->code);
    if (rule == NULL) {
        return 0;
    }
    const elegroupe_student *e = sv->sent;
    const relais_record *rec =
        sv->found ? snapshot_get(c->snap, RELAIS_KIND_STUDENT, sv->found->relais_id) : NULL;
    char ids[160];
    const char *kind = e->id_kind == ELEGROUPE_ID_ELEVE_ID ? "ELEVE_ID"
                       : e->id_kind == ELEGROUPE_ID_INE    ? "INE"
                                                           : "ID_PRV_ELE";
    if (e->line) {
        snprintf(ids, sizeof ids, "%s %s (ligne %lu)", kind, e->id ? e->id : "?", e->line);
    } else {
        snprintf(ids, sizeof ids, "%s %s", kind, e->id ? e->id : "?");
    }
    const char *who = e->nom_de_famille ? e->nom_de_famille : "?";
    const char *first = e->prenom ? e->prenom : "";
    util_arena *a = c->scratch;
    if (strcmp(an->code, "REJELEGROUPE_01") == 0) {
        return check_emit(c, rule, rec, ids,
                          _("%s %s (né(e) le %s) introuvable dans SIECLE : l'élève sera rejeté "
                            "(%s)"),
                          who, first, fr_date(a, e->date_naiss), an->code);
    }
    if (strcmp(an->code, "REJELEGROUPE_03") == 0) {
        return check_emit(c, rule, rec, ids,
                          _("%s %s est déjà dans le fichier (élève SIECLE %s) : cette entrée sera "
                            "rejetée (%s)"),
                          who, first, sv->found && sv->found->eleve_id ? sv->found->eleve_id : "?",
                          an->code);
    }
    if (strcmp(an->code, "GROUPE_A_01") == 0) {
        return check_emit(c, rule, rec, ids,
                          _("groupe %s inconnu de SIECLE : le lien de %s %s sera refusé (%s)"),
                          an->group, who, first, an->code);
    }
    if (strcmp(an->code, "GROUPE_B_01") == 0) {
        return check_emit(c, rule, rec, ids,
                          _("%s %s n'a pas de MEF dans SIECLE : tous ses liens seront refusés "
                            "(%s)"),
                          who, first, an->code);
    }
    if (strcmp(an->code, "GROUPE_B_02") == 0) {
        return check_emit(c, rule, rec, ids,
                          _("groupe %s non rattaché au MEF %s de %s %s : lien refusé (%s)"),
                          an->group, sv->found && sv->found->code_mef ? sv->found->code_mef : "?",
                          who, first, an->code);
    }
    return check_emit(c, rule, rec, ids,
                      _("groupe %s de %s %s : date %s remplacée par %s (import partiel, %s)"),
                      an->group, who, first, fr_date(a, an->old_value), fr_date(a, an->new_value),
                      an->code);
}

int check_elegroupe_file(check_ctx *c, const elegroupe_file *file)
{
    util_arena *a = c->scratch;
    elegroupe_state *state;
    int rc = elegroupe_state_from_snapshot(&state, c->snap, a);
    if (rc < 0) {
        return rc;
    }
    /* Students who had group links this year (for the leavers' history). */
    util_idset *had_groups;
    rc = util_idset_new(&had_groups);
    const snap_kind *ek = &c->snap->k[RELAIS_KIND_ENROLMENT];
    for (size_t i = 0; i < ek->n && rc == 0; i++) {
        if (ek->recs[i]->ref[RELAIS_ENROLMENT_GROUP] > 0) {
            rc = util_idset_add(had_groups, ek->recs[i]->ref[RELAIS_ENROLMENT_STUDENT]);
        }
    }
    elegroupe_verdict *v = NULL;
    if (rc == 0) {
        rc = elegroupe_judge(&v, a, file, state, had_groups);
    }
    if (rc == 0 && v->refused) {
        rc = check_emit(c, "ELEGROUPE_ANNEE_OU_UAI", NULL, file->name, "%s", v->refusal);
    } else if (rc == 0) {
        bool has_links = false;
        for (size_t i = 0; i < file->n_students; i++) {
            has_links = has_links || file->students[i].n_links > 0;
        }
        if (has_links && !state->knows_groups) {
            rc = check_emit(c, "ELEGROUPE_STRUCTURES_ABSENTES", NULL, NULL, "%s",
                            _("aucun groupe reçu de SIECLE (Structures.xml) : les groupes inconnus "
                              "de SIECLE ne peuvent pas être détectés"));
        }
        for (size_t i = 0; i < v->n_students && rc == 0; i++) {
            for (size_t k = 0; k < v->students[i].n_anomalies && rc == 0; k++) {
                rc = emit_anomaly(c, &v->students[i], &v->students[i].anomalies[k]);
            }
        }
        for (size_t i = 0; i < v->n_absent && rc == 0; i++) {
            const elegroupe_siecle_student *s = v->absent[i];
            const relais_record *rec = snapshot_get(c->snap, RELAIS_KIND_STUDENT, s->relais_id);
            if (rec == NULL || !snapshot_student_present(rec, c->today)) {
                continue;
            }
            rc = check_emit(c, "ELEGROUPE_ELEVE_ABSENT", rec, snapshot_person_ids(a, rec),
                            _("%s n'a aucun groupe dans le fichier : SIECLE effacera ses liens "
                              "élève-groupe"),
                            snapshot_person_name(a, rec));
        }
        for (size_t i = 0; i < v->n_leavers_losing_history && rc == 0; i++) {
            const elegroupe_siecle_student *s = v->leavers_losing_history[i];
            const relais_record *rec = snapshot_get(c->snap, RELAIS_KIND_STUDENT, s->relais_id);
            rc = check_emit(c, "ELEGROUPE_SORTANT_HISTORIQUE", rec,
                            rec ? snapshot_person_ids(a, rec) : NULL,
                            _("%s %s, sorti(e) le %s, n'est pas dans le fichier : SIECLE effacera "
                              "l'historique de ses groupes"),
                            s->nom_de_famille ? s->nom_de_famille : "?",
                            s->prenom ? s->prenom : "", fr_date(a, s->date_sortie));
        }
    }
    util_idset_free(had_groups);
    return rc;
}

int check_rules_elegroupe(check_ctx *c)
{
    elegroupe_file *file;
    int rc = elegroupe_file_from_snapshot(&file, c->snap, c->scratch, "RELAIS");
    if (rc < 0) {
        return rc;
    }
    return check_elegroupe_file(c, file);
}
