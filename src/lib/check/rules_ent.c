/*
 * rules_ent.c — consistency as the ENT and the partner applications see it:
 * students left in the groups of their former class, teachers attached to a
 * class through an emptied group, persons without an ENT or partner
 * identifier, guardians recorded twice.
 */
#include "check_internal.h"

#include "match/match.h"

#include <string.h>

/* Divisions a group draws from. */
static size_t group_divisions(const scope_snapshot *snap, const snap_groups *gd, int64_t group,
                              int64_t *out, size_t max)
{
    const size_t *items;
    size_t n = snapshot_group_get(gd, group, &items), k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        out[k++] = snap->k[RELAIS_KIND_GROUP_DIVISION].recs[items[i]]->ref[RELAIS_GROUP_DIVISION_DIVISION];
    }
    return k;
}

static bool contains(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

#define MAX_LINKS 64

/* "5A, 5B": the codes of some divisions, for a message. */
static const char *division_codes(check_ctx *c, const int64_t *ids, size_t n)
{
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const relais_record *d = snapshot_get(c->snap, RELAIS_KIND_DIVISION, ids[i]);
        util_buf_printf(&b, "%s%s", i ? ", " : "", d ? d->text[RELAIS_DIVISION_CODE] : "?");
    }
    const char *out = util_arena_strdup(c->scratch, b.data ? b.data : "");
    util_buf_free(&b);
    return out;
}

static int old_class_groups(check_ctx *c, const snap_groups *by_student, const snap_groups *gd)
{
    const scope_snapshot *snap = c->snap;
    const snap_kind *students = &snap->k[RELAIS_KIND_STUDENT];
    const snap_kind *enrolments = &snap->k[RELAIS_KIND_ENROLMENT];
    int rc = 0;
    for (size_t i = 0; i < students->n && rc == 0; i++) {
        const relais_record *st = students->recs[i];
        if (!snapshot_student_present(st, c->today)) {
            continue;
        }
        int64_t now[MAX_LINKS], before[MAX_LINKS];
        size_t n_now = 0, n_before = 0;
        const size_t *items;
        size_t n = snapshot_group_get(by_student, st->id, &items);
        for (size_t k = 0; k < n; k++) {
            const relais_record *e = enrolments->recs[items[k]];
            int64_t d = e->ref[RELAIS_ENROLMENT_DIVISION];
            if (d <= 0) {
                continue;
            }
            if (e->is_active && n_now < MAX_LINKS) {
                now[n_now++] = d;
            } else if (!e->is_active && n_before < MAX_LINKS) {
                before[n_before++] = d;
            }
        }
        if (n_now == 0) {
            continue;
        }
        for (size_t k = 0; k < n && rc == 0; k++) {
            const relais_record *e = enrolments->recs[items[k]];
            int64_t g = e->ref[RELAIS_ENROLMENT_GROUP];
            if (!e->is_active || g <= 0) {
                continue;
            }
            int64_t divs[MAX_LINKS];
            size_t nd = group_divisions(snap, gd, g, divs, MAX_LINKS);
            bool tied_to_old = false, tied_to_now = false;
            for (size_t j = 0; j < nd; j++) {
                tied_to_old = tied_to_old || (contains(before, n_before, divs[j]) &&
                                              !contains(now, n_now, divs[j]));
                tied_to_now = tied_to_now || contains(now, n_now, divs[j]);
            }
            if (nd == 0 || tied_to_now) {
                continue;
            }
            const relais_record *group = snapshot_get(snap, RELAIS_KIND_GROUP, g);
            const relais_record *division = snapshot_get(snap, RELAIS_KIND_DIVISION, now[0]);
            const char *group_code = group ? group->text[RELAIS_GROUP_CODE] : "?";
            const char *division_code = division ? division->text[RELAIS_DIVISION_CODE] : "?";
            if (tied_to_old) {
                rc = check_emit(c, "ENT_GROUPE_ANCIENNE_DIVISION", st,
                                snapshot_person_ids(c->scratch, st),
                                _("%s, maintenant en %s, est encore dans le groupe %s de son "
                                  "ancienne classe"),
                                snapshot_person_name(c->scratch, st), division_code, group_code);
            } else {
                /* No history in the hub (first import): the group draws only from other
                 * classes, which is how a forgotten change of class shows in one export. */
                rc = check_emit(c, "ENT_GROUPE_ANCIENNE_DIVISION", st,
                                snapshot_person_ids(c->scratch, st),
                                _("%s, en %s, est dans le groupe %s, rattaché seulement à "
                                  "d'autres classes (%s)"),
                                snapshot_person_name(c->scratch, st), division_code, group_code,
                                division_codes(c, divs, nd));
            }
        }
    }
    return rc;
}

/* The current divisions of a present student (active division enrolments). */
static size_t current_divisions(const check_ctx *c, const snap_groups *by_student, int64_t student,
                                int64_t *out, size_t max)
{
    const relais_record *st = snapshot_get(c->snap, RELAIS_KIND_STUDENT, student);
    if (st == NULL || !snapshot_student_present(st, c->today)) {
        return 0;
    }
    const size_t *items;
    size_t n = snapshot_group_get(by_student, student, &items), k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        const relais_record *e = c->snap->k[RELAIS_KIND_ENROLMENT].recs[items[i]];
        if (e->is_active && e->ref[RELAIS_ENROLMENT_DIVISION] > 0) {
            out[k++] = e->ref[RELAIS_ENROLMENT_DIVISION];
        }
    }
    return k;
}

/* Does group g hold a present student whose class is d? */
static bool group_has_student_of(const check_ctx *c, const snap_groups *by_group,
                                 const snap_groups *by_student, int64_t g, int64_t d)
{
    const size_t *items;
    size_t n = snapshot_group_get(by_group, g, &items);
    for (size_t i = 0; i < n; i++) {
        const relais_record *e = c->snap->k[RELAIS_KIND_ENROLMENT].recs[items[i]];
        int64_t divs[MAX_LINKS];
        size_t nd = current_divisions(c, by_student, e->ref[RELAIS_ENROLMENT_STUDENT], divs,
                                      MAX_LINKS);
        if (contains(divs, nd, d)) {
            return true;
        }
    }
    return false;
}

static int ghost_classes(check_ctx *c, const snap_groups *by_student, const snap_groups *gd)
{
    const scope_snapshot *snap = c->snap;
    snap_groups by_teacher, by_group;
    int rc = snapshot_group(&by_teacher, snap, RELAIS_KIND_SERVICE_TEACHER,
                            RELAIS_SERVICE_TEACHER_STAFF, true);
    if (rc < 0) {
        return rc;
    }
    rc = snapshot_group(&by_group, snap, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_GROUP, true);
    if (rc < 0) {
        snapshot_groups_free(&by_teacher);
        return rc;
    }
    const snap_kind *staff = &snap->k[RELAIS_KIND_STAFF];
    for (size_t i = 0; i < staff->n && rc == 0; i++) {
        const relais_record *t = staff->recs[i];
        if (!t->is_active) {
            continue;
        }
        const size_t *items;
        size_t n = snapshot_group_get(&by_teacher, t->id, &items);
        int64_t direct[MAX_LINKS];
        size_t n_direct = 0;
        for (size_t k = 0; k < n; k++) {
            const relais_record *sv = snapshot_get(
                snap, RELAIS_KIND_SERVICE,
                snap->k[RELAIS_KIND_SERVICE_TEACHER].recs[items[k]]->ref[RELAIS_SERVICE_TEACHER_SERVICE]);
            if (sv && sv->is_active && sv->ref[RELAIS_SERVICE_DIVISION] > 0 && n_direct < MAX_LINKS) {
                direct[n_direct++] = sv->ref[RELAIS_SERVICE_DIVISION];
            }
        }
        for (size_t k = 0; k < n && rc == 0; k++) {
            const relais_record *sv = snapshot_get(
                snap, RELAIS_KIND_SERVICE,
                snap->k[RELAIS_KIND_SERVICE_TEACHER].recs[items[k]]->ref[RELAIS_SERVICE_TEACHER_SERVICE]);
            int64_t g = sv && sv->is_active ? sv->ref[RELAIS_SERVICE_GROUP] : 0;
            if (g <= 0) {
                continue;
            }
            int64_t divs[MAX_LINKS];
            size_t nd = group_divisions(snap, gd, g, divs, MAX_LINKS);
            for (size_t j = 0; j < nd && rc == 0; j++) {
                if (contains(direct, n_direct, divs[j]) ||
                    group_has_student_of(c, &by_group, by_student, g, divs[j])) {
                    continue;
                }
                const relais_record *group = snapshot_get(snap, RELAIS_KIND_GROUP, g);
                const relais_record *division = snapshot_get(snap, RELAIS_KIND_DIVISION, divs[j]);
                rc = check_emit(c, "ENT_PROF_DIVISION_FANTOME", t, snapshot_person_ids(c->scratch, t),
                                _("%s est rattaché à la division %s par le groupe %s, qui n'a "
                                  "plus aucun élève de cette division"),
                                snapshot_person_name(c->scratch, t),
                                division ? division->text[RELAIS_DIVISION_CODE] : "?",
                                group ? group->text[RELAIS_GROUP_CODE] : "?");
            }
        }
    }
    snapshot_groups_free(&by_teacher);
    snapshot_groups_free(&by_group);
    return rc;
}

/* Persons without an identifier in an application where they should hold an account: the
 * applications given, or else those the crosswalk knows (sources excluded). */
static int missing_identifiers(check_ctx *c)
{
    const scope_snapshot *snap = c->snap;
    const char *apps[16];
    size_t n_apps = 0;
    if (c->opts && c->opts->n_applications) {
        for (size_t i = 0; i < c->opts->n_applications && n_apps < 16; i++) {
            apps[n_apps++] = c->opts->applications[i];
        }
    } else {
        const snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
        for (size_t i = 0; i < xk->n; i++) {
            const char *app = xk->recs[i]->text[RELAIS_XREF_APPLICATION];
            bool known = false;
            for (size_t j = 0; j < n_apps; j++) {
                known = known || util_streq(apps[j], app);
            }
            if (!known && app && !relais_application_is_source(app) && n_apps < 16) {
                apps[n_apps++] = app;
            }
        }
    }
    const relais_kind kinds[] = {RELAIS_KIND_STUDENT, RELAIS_KIND_GUARDIAN, RELAIS_KIND_STAFF};
    int rc = 0;
    for (size_t a = 0; a < n_apps && rc == 0; a++) {
        for (size_t k = 0; k < UTIL_ARRAY_LEN(kinds) && rc == 0; k++) {
            const char *category = relais_kind_get(kinds[k])->name;
            /* A partner list without teachers says nothing about teachers. */
            if (!(c->opts && c->opts->n_applications) &&
                !snapshot_has_source(snap, apps[a], category)) {
                continue;
            }
            const snap_kind *sk = &snap->k[kinds[k]];
            for (size_t i = 0; i < sk->n && rc == 0; i++) {
                const relais_record *p = sk->recs[i];
                if (!p->is_active ||
                    (kinds[k] == RELAIS_KIND_STUDENT && !snapshot_student_present(p, c->today))) {
                    continue;
                }
                if (snapshot_xref(snap, p->id, apps[a]) == NULL) {
                    rc = check_emit(c, "ENT_SANS_IDENTIFIANT", p, snapshot_person_ids(c->scratch, p),
                                    _("%s n'a pas d'identifiant %s"),
                                    snapshot_person_name(c->scratch, p), apps[a]);
                }
            }
        }
    }
    return rc;
}

/* ------------------------------------------------------ duplicate guardians */

/* "un enfant en commun, même adresse": the evidence of a proposal, in words. */
static const char *evidence(util_arena *a, match_reasons reasons)
{
    static const match_reasons shown[] = {MATCH_R_CHILDREN, MATCH_R_ADDRESS, MATCH_R_PHONE,
                                          MATCH_R_EMAIL};
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(shown); i++) {
        if (reasons & shown[i]) {
            unsigned bit = 0;
            while (((match_reasons)1 << bit) != shown[i]) {
                bit++;
            }
            util_buf_printf(&b, "%s%s", b.len ? ", " : "", match_reason_label(bit));
        }
    }
    const char *out = util_arena_strndup(a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return out;
}

/* The same detector as `relais duplicates` (match_duplicates): proposals, never merges. */
static int duplicate_guardians(check_ctx *c)
{
    const scope_snapshot *snap = c->snap;
    match_list *hub = NULL;
    int rc = match_hub_load(&hub, snap->store, snap->scope->year, snap->scope->uai);
    match_dup *dups = NULL;
    size_t n = 0;
    match_options o = MATCH_OPTIONS_INIT;
    if (rc == 0) {
        rc = match_duplicates(&dups, &n, hub, &o);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const match_person *pa = &hub->persons[dups[i].a], *pb = &hub->persons[dups[i].b];
        const relais_record *a = snapshot_get(snap, RELAIS_KIND_GUARDIAN, pa->relais_id);
        const relais_record *b = snapshot_get(snap, RELAIS_KIND_GUARDIAN, pb->relais_id);
        if (a == NULL || b == NULL) {
            continue;
        }
        char ids[128];
        snprintf(ids, sizeof ids, "PERSONNE_ID %s / %s", a->text[RELAIS_GUARDIAN_PERSONNE_ID],
                 b->text[RELAIS_GUARDIAN_PERSONNE_ID]);
        const char *why = evidence(c->scratch, dups[i].reasons);
        rc = check_emit(c, "ENT_RESPONSABLE_EN_DOUBLE", b, ids,
                        _("%s et %s semblent être une seule personne (%s)"),
                        snapshot_person_name(c->scratch, a), snapshot_person_name(c->scratch, b),
                        why[0] ? why : _("noms et prénoms"));
    }
    util_free(dups);
    match_list_free(hub);
    return rc;
}

int check_rules_ent(check_ctx *c)
{
    snap_groups by_student, gd;
    int rc = snapshot_group(&by_student, c->snap, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_STUDENT,
                            false);
    if (rc < 0) {
        return rc;
    }
    rc = snapshot_group(&gd, c->snap, RELAIS_KIND_GROUP_DIVISION, RELAIS_GROUP_DIVISION_GROUP, true);
    if (rc == 0) {
        rc = old_class_groups(c, &by_student, &gd);
        if (rc == 0) {
            rc = ghost_classes(c, &by_student, &gd);
        }
        snapshot_groups_free(&gd);
    }
    snapshot_groups_free(&by_student);
    if (rc == 0) {
        rc = missing_identifiers(c);
    }
    if (rc == 0) {
        rc = duplicate_guardians(c);
    }
    return rc;
}
