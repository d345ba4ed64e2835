/*
 * rules_preflight.c — what the procedures tell administrators to verify before
 * a first synchronization with a partner: guardians' addresses, RGPD consent,
 * empty divisions, division labels that differ between SIECLE and the
 * timetable, students without a legal guardian.
 */
#include "check_internal.h"

#include <string.h>

/* Legal guardians of each present student: addresses, and existence. */
static int guardians_of_students(check_ctx *c)
{
    scope_snapshot *snap = c->snap;
    snap_groups links;
    int rc = snapshot_group(&links, snap, RELAIS_KIND_STUDENT_GUARDIAN,
                            RELAIS_STUDENT_GUARDIAN_STUDENT, true);
    if (rc < 0) {
        return rc;
    }
    const snap_kind *students = &snap->k[RELAIS_KIND_STUDENT];
    const snap_kind *sg = &snap->k[RELAIS_KIND_STUDENT_GUARDIAN];
    for (size_t i = 0; i < students->n && rc == 0; i++) {
        const relais_record *st = students->recs[i];
        if (!snapshot_student_present(st, c->today)) {
            continue;
        }
        const size_t *items;
        size_t n = snapshot_group_get(&links, st->id, &items);
        size_t n_legal = 0, n_with_address = 0;
        for (size_t k = 0; k < n; k++) {
            const relais_record *link = sg->recs[items[k]];
            const relais_record *g =
                snapshot_get(snap, RELAIS_KIND_GUARDIAN, link->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN]);
            if (g == NULL || !g->is_active || !check_is_legal_guardian(link)) {
                continue;
            }
            n_legal++;
            n_with_address += check_has_address(g);
        }
        const char *ids = snapshot_person_ids(c->scratch, st);
        if (n_legal == 0) {
            rc = check_emit(c, "PREP_ELEVE_SANS_RESPONSABLE_LEGAL", st, ids,
                            _("%s n'a aucun représentant légal actif"),
                            snapshot_person_name(c->scratch, st));
        } else if (n_with_address == 0) {
            rc = check_emit(c, "PREP_ADRESSES_MANQUANTES", st, ids,
                            _("aucun des %zu représentant(s) légal(aux) de %s n'a d'adresse"),
                            n_legal, snapshot_person_name(c->scratch, st));
        }
    }
    snapshot_groups_free(&links);
    return rc;
}

static int consent(check_ctx *c)
{
    const relais_kind kinds[] = {RELAIS_KIND_STUDENT, RELAIS_KIND_GUARDIAN};
    const size_t fields[] = {RELAIS_STUDENT_CONSENT_RGPD, RELAIS_GUARDIAN_CONSENT_RGPD};
    size_t n_people = 0, n_known = 0;
    for (size_t k = 0; k < 2; k++) {
        const snap_kind *sk = &c->snap->k[kinds[k]];
        for (size_t i = 0; i < sk->n; i++) {
            const relais_record *r = sk->recs[i];
            if (!r->is_active) {
                continue;
            }
            n_people++;
            n_known += r->text[fields[k]] != NULL;
        }
    }
    if (n_people == 0) {
        return 0;
    }
    if (n_known == 0) {
        return check_emit(c, "PREP_CONSENTEMENT_INCONNU", NULL, NULL,
                          _("aucune des %zu personnes n'a d'information de consentement RGPD"),
                          n_people);
    }
    int rc = 0;
    for (size_t k = 0; k < 2 && rc == 0; k++) {
        const snap_kind *sk = &c->snap->k[kinds[k]];
        for (size_t i = 0; i < sk->n && rc == 0; i++) {
            const relais_record *r = sk->recs[i];
            if (!r->is_active || util_streq(r->text[fields[k]], "1")) {
                continue;
            }
            if (kinds[k] == RELAIS_KIND_STUDENT && !snapshot_student_present(r, c->today)) {
                continue;
            }
            rc = check_emit(c, "PREP_CONSENTEMENT_RGPD", r, snapshot_person_ids(c->scratch, r),
                            r->text[fields[k]] ? _("%s a refusé le consentement RGPD")
                                               : _("consentement RGPD de %s non recueilli"),
                            snapshot_person_name(c->scratch, r));
        }
    }
    return rc;
}

static int empty_divisions(check_ctx *c)
{
    scope_snapshot *snap = c->snap;
    snap_groups by_division;
    int rc = snapshot_group(&by_division, snap, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_DIVISION,
                            true);
    if (rc < 0) {
        return rc;
    }
    const snap_kind *divisions = &snap->k[RELAIS_KIND_DIVISION];
    const snap_kind *enrolments = &snap->k[RELAIS_KIND_ENROLMENT];
    for (size_t i = 0; i < divisions->n && rc == 0; i++) {
        const relais_record *d = divisions->recs[i];
        if (!d->is_active) {
            continue;
        }
        const size_t *items;
        size_t n = snapshot_group_get(&by_division, d->id, &items);
        size_t present = 0;
        for (size_t k = 0; k < n; k++) {
            const relais_record *e = enrolments->recs[items[k]];
            const relais_record *st =
                snapshot_get(snap, RELAIS_KIND_STUDENT, e->ref[RELAIS_ENROLMENT_STUDENT]);
            present += st && snapshot_student_present(st, c->today);
        }
        if (present == 0) {
            rc = check_emit(c, "PREP_DIVISION_VIDE", d, NULL, _("la division %s n'a aucun élève"),
                            d->text[RELAIS_DIVISION_CODE]);
        }
    }
    snapshot_groups_free(&by_division);
    return rc;
}

/* Compare names the way people read them: case, spaces and punctuation ignored. */
static void fold_code(char *out, size_t size, const char *s)
{
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == ' ' || ch == '-' || ch == '_' || ch == '.' || ch == '/') {
            continue;
        }
        out[n++] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    }
    out[n] = '\0';
}

static int division_labels(check_ctx *c)
{
    const snap_kind *xrefs = &c->snap->k[RELAIS_KIND_XREF];
    int rc = 0;
    for (size_t i = 0; i < xrefs->n && rc == 0; i++) {
        const relais_record *x = xrefs->recs[i];
        if (!x->is_active || !util_streq(x->text[RELAIS_XREF_APPLICATION], "edt") ||
            !util_streq(x->text[RELAIS_XREF_CATEGORY], "division")) {
            continue;
        }
        const relais_record *d =
            snapshot_get(c->snap, RELAIS_KIND_DIVISION, x->ref[RELAIS_XREF_ENTITY]);
        if (d == NULL || !d->is_active) {
            continue;
        }
        char local[128], code[128];
        fold_code(local, sizeof local, x->text[RELAIS_XREF_EXTERNAL_ID]);
        fold_code(code, sizeof code, d->text[RELAIS_DIVISION_CODE]);
        if (strcmp(local, code) != 0) {
            rc = check_emit(c, "PREP_LIBELLE_DIVISION", d, NULL,
                            _("l'emploi du temps nomme « %s » la division « %s » de SIECLE"),
                            x->text[RELAIS_XREF_EXTERNAL_ID], d->text[RELAIS_DIVISION_CODE]);
        }
    }
    return rc;
}

int check_rules_preflight(check_ctx *c)
{
    int rc = guardians_of_students(c);
    if (rc == 0) {
        rc = consent(c);
    }
    if (rc == 0) {
        rc = empty_divisions(c);
    }
    if (rc == 0) {
        rc = division_labels(c);
    }
    return rc;
}
