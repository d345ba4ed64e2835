/*
 * rules_drift.c — drift control: the numbers the procedures ask to note
 * before a synchronization and compare after it (students, guardians,
 * guardians whose partner account is in use, students per division),
 * compared with what they were before the last run that changed the scope.
 * "Before" is computed from that run's journal entries, so nothing extra is
 * stored.
 */
#include "check_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct drift_ctx {
    check_ctx *c;
    int64_t scope_id;
    long delta_students, delta_guardians; /* now - before */
    util_map *division_delta;             /* division id -> now - before */
    util_idset *deactivated_guardians;
    int rc;
} drift_ctx;

static long op_effect(const char *op)
{
    if (util_streq(op, "create") || util_streq(op, "restore")) {
        return 1;
    }
    if (util_streq(op, "deactivate")) {
        return -1;
    }
    return 0;
}

static int add_division_delta(util_map *m, int64_t division, long d)
{
    int64_t v = 0;
    util_map_get(m, (const char *)&division, sizeof division, &v);
    return util_map_put(m, (const char *)&division, sizeof division, v + d);
}

static int on_change(const relais_change *ch, void *payload)
{
    drift_ctx *dc = payload;
    if (ch->scope_id != dc->scope_id) {
        return 0;
    }
    long effect = op_effect(ch->op);
    if (effect == 0) {
        return 0;
    }
    if (util_streq(ch->kind, "student")) {
        dc->delta_students += effect;
    } else if (util_streq(ch->kind, "guardian")) {
        dc->delta_guardians += effect;
        if (effect < 0) {
            return util_idset_add(dc->deactivated_guardians, ch->entity_id);
        }
    } else if (util_streq(ch->kind, "enrolment")) {
        const relais_record *e = snapshot_get(dc->c->snap, RELAIS_KIND_ENROLMENT, ch->entity_id);
        if (e && e->ref[RELAIS_ENROLMENT_DIVISION] > 0) {
            return add_division_delta(dc->division_delta, e->ref[RELAIS_ENROLMENT_DIVISION], effect);
        }
    }
    return 0;
}

static bool large_move(long now, long delta, double ratio, size_t absolute)
{
    long before = now - delta;
    long move = labs(delta);
    return move >= (long)absolute && (double)move >= ratio * (double)(before > 0 ? before : 1);
}

static size_t count_active(const scope_snapshot *snap, relais_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < snap->k[kind].n; i++) {
        n += snap->k[kind].recs[i]->is_active;
    }
    return n;
}

static bool has_partner_account(const scope_snapshot *snap, int64_t guardian)
{
    const snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n; i++) {
        const relais_record *x = xk->recs[i];
        const char *app = x->text[RELAIS_XREF_APPLICATION];
        if (x->ref[RELAIS_XREF_ENTITY] == guardian && !relais_application_is_source(app)) {
            return true;
        }
    }
    return false;
}

int check_rules_drift(check_ctx *c)
{
    scope_snapshot *snap = c->snap;
    relais_run *run;
    int rc = relais_store_run_last(&run, snap->store, c->scratch, snap->scope->id);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    check_options defaults = CHECK_OPTIONS_INIT;
    const check_options *o = c->opts ? c->opts : &defaults;
    drift_ctx dc = {.c = c, .scope_id = snap->scope->id};
    rc = util_map_new(&dc.division_delta);
    if (rc == 0) {
        rc = util_idset_new(&dc.deactivated_guardians);
    }
    if (rc == 0) {
        rc = relais_store_change_foreach_run(snap->store, run->id, on_change, &dc);
    }
    long students = (long)count_active(snap, RELAIS_KIND_STUDENT);
    long guardians = (long)count_active(snap, RELAIS_KIND_GUARDIAN);
    if (rc == 0 && large_move(students, dc.delta_students, o->drift_ratio, o->drift_absolute)) {
        rc = check_emit(c, "DRIFT_ELEVES", NULL, NULL,
                        _("%ld élèves actifs contre %ld avant l'exécution n°%lld (%+ld)"),
                        students, students - dc.delta_students, (long long)run->id,
                        dc.delta_students);
    }
    if (rc == 0 && large_move(guardians, dc.delta_guardians, o->drift_ratio, o->drift_absolute)) {
        rc = check_emit(c, "DRIFT_RESPONSABLES", NULL, NULL,
                        _("%ld responsables actifs contre %ld avant l'exécution n°%lld (%+ld)"),
                        guardians, guardians - dc.delta_guardians, (long long)run->id,
                        dc.delta_guardians);
    }
    const snap_kind *gk = &snap->k[RELAIS_KIND_GUARDIAN];
    for (size_t i = 0; i < gk->n && rc == 0; i++) {
        const relais_record *g = gk->recs[i];
        if (!g->is_active && util_idset_has(dc.deactivated_guardians, g->id) &&
            has_partner_account(snap, g->id)) {
            rc = check_emit(c, "DRIFT_COMPTES_PARTENAIRES", g, snapshot_person_ids(c->scratch, g),
                            _("%s, qui a un compte chez un partenaire, a été désactivé par "
                              "l'exécution n°%lld"),
                            snapshot_person_name(c->scratch, g), (long long)run->id);
        }
    }
    /* Per division: active enrolments now, against the deltas of the last run. */
    const snap_kind *dk = &snap->k[RELAIS_KIND_DIVISION];
    const snap_kind *ek = &snap->k[RELAIS_KIND_ENROLMENT];
    for (size_t i = 0; i < dk->n && rc == 0; i++) {
        const relais_record *d = dk->recs[i];
        int64_t delta = 0;
        if (!util_map_get(dc.division_delta, (const char *)&d->id, sizeof d->id, &delta) ||
            delta == 0) {
            continue;
        }
        long now = 0;
        for (size_t k = 0; k < ek->n; k++) {
            now += ek->recs[k]->is_active && ek->recs[k]->ref[RELAIS_ENROLMENT_DIVISION] == d->id;
        }
        if (large_move(now, (long)delta, o->division_ratio, o->division_absolute)) {
            rc = check_emit(c, "DRIFT_EFFECTIF_DIVISION", d, NULL,
                            _("la division %s compte %ld élèves contre %ld avant l'exécution "
                              "n°%lld"),
                            d->text[RELAIS_DIVISION_CODE], now, now - (long)delta,
                            (long long)run->id);
        }
    }
    util_map_free(dc.division_delta);
    util_idset_free(dc.deactivated_guardians);
    return rc;
}
