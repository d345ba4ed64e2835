/*
 * map.c — manual correspondences (`relais map set|unset`): the administrator
 * says which hub record a local name of the timetable stands for, where
 * automatic matching found none, several, or the wrong one. A manual link is
 * an xref of provenance "manual" that the importer never re-matches.
 */
#include "internal.h"

#include <string.h>

static relais_record *xref(util_arena *a, int64_t scope, timetable_kind k, const char *local,
                           int64_t entity, const char *provenance)
{
    relais_record *x = relais_record_new(a, RELAIS_KIND_XREF);
    if (x == NULL || relais_record_set_str(x, a, RELAIS_XREF_APPLICATION, TT_APPLICATION) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_CATEGORY,
                              relais_kind_get(timetable_kind_model(k))->name) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_EXTERNAL_ID, local) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_PROVENANCE, provenance) < 0) {
        return NULL;
    }
    x->scope_id = scope;
    x->ref[RELAIS_XREF_ENTITY] = entity;
    return x;
}

int timetable_map_set(relais_plan *plan, relais_store *s, int64_t scope_id, timetable_kind k,
                      const char *local, const char *remote)
{
    tt_matcher *m = NULL;
    util_arena *a = NULL;
    int rc = tt_matcher_new(&m, s, scope_id);
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    const relais_record *target = rc == 0 ? tt_matcher_by_code(m, k, remote) : NULL;
    if (rc == 0 && target == NULL) {
        relais_error_set(_("aucun(e) %s de code « %s » dans le hub pour cet établissement et "
                           "cette année"),
                         timetable_kind_label(k), remote);
        rc = RELAIS_ENOTFOUND;
    }
    relais_record *x = NULL;
    if (rc == 0) {
        x = xref(a, scope_id, k, local, target->id, STS_PROVENANCE_MANUAL);
        rc = x ? 0 : RELAIS_ENOMEM;
    }
    const relais_record *old = rc == 0 ? sts_index_find(tt_matcher_xrefs(m), x) : NULL;
    if (rc == 0 && old) {
        rc = relais_plan_update(NULL, plan, old, x, RELAIS_FG_ALL);
    } else if (rc == 0) {
        int64_t ref;
        rc = relais_plan_create(&ref, plan, x);
        if (rc == 0) {
            rc = relais_plan_warnf(plan, RELAIS_SEVERITY_INFO, "NOM_LOCAL_INCONNU", NULL, 0,
                                   RELAIS_KIND_XREF, NULL,
                                   _("%s « %s » n'apparaît pas (encore) dans l'emploi du temps "
                                     "importé : la correspondance servira au prochain import"),
                                   timetable_kind_label(k), local);
        }
    }
    if (rc == 0 && !target->is_active) {
        rc = relais_plan_warnf(plan, RELAIS_SEVERITY_WARNING, "CORRESPONDANCE_INACTIVE", NULL, 0,
                               RELAIS_KIND_XREF, NULL, _("%s « %s » est désactivé(e) dans le hub"),
                               timetable_kind_label(k), remote);
    }
    util_arena_free(a);
    tt_matcher_free(m);
    return rc;
}

int timetable_map_unset(relais_plan *plan, relais_store *s, int64_t scope_id, timetable_kind k,
                        const char *local)
{
    tt_matcher *m = NULL;
    util_arena *a = NULL;
    int rc = tt_matcher_new(&m, s, scope_id);
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    relais_record *probe = rc == 0 ? xref(a, scope_id, k, local, 0, STS_PROVENANCE_AUTO) : NULL;
    if (rc == 0 && probe == NULL) {
        rc = RELAIS_ENOMEM;
    }
    const relais_record *old = rc == 0 ? sts_index_find(tt_matcher_xrefs(m), probe) : NULL;
    if (rc == 0 &&
        (old == NULL || !util_streq(old->text[RELAIS_XREF_PROVENANCE], STS_PROVENANCE_MANUAL))) {
        relais_error_set(_("%s « %s » n'a pas de correspondance manuelle"), timetable_kind_label(k),
                         local);
        rc = RELAIS_ENOTFOUND;
    }
    int64_t entity = 0;
    bool ambiguous = false;
    if (rc == 0) {
        rc = tt_match(&entity, &ambiguous, m, k, local, NULL);
    }
    if (rc == 0) {
        probe->ref[RELAIS_XREF_ENTITY] = entity;
        rc = relais_plan_update(NULL, plan, old, probe, RELAIS_FG_ALL);
    }
    if (rc == 0 && !old->is_active) {
        /*
         * The name is not in the current timetable: the update above restores
         * the xref (a plan cannot change a deactivated record otherwise), so it
         * is deactivated again after it, with the date it had.
         */
        relais_record *again = relais_record_copy(a, old);
        rc = again ? 0 : RELAIS_ENOMEM;
        if (rc == 0) {
            again->is_active = true;
            rc = relais_plan_deactivate(plan, again, old->deactivated_on);
        }
    }
    if (rc == 0 && entity == 0) {
        rc = relais_plan_warnf(plan, RELAIS_SEVERITY_WARNING, "NON_APPARIE", NULL, 0,
                               RELAIS_KIND_XREF, NULL,
                               ambiguous ? _("%s « %s » : plusieurs correspondances automatiques "
                                             "possibles, aucune choisie")
                                         : _("%s « %s » : aucune correspondance automatique"),
                               timetable_kind_label(k), local);
    }
    util_arena_free(a);
    tt_matcher_free(m);
    return rc;
}
