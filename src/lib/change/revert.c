/*
 * revert.c — undoing a run: the inverse of its journal entries, built as an
 * ordinary plan (so it has a report, a dry run, and is applied in one
 * transaction as a run of its own whose changes reach partners through the
 * feed like any other).
 *
 * Inverse operations, newest change first:
 *   create     → deactivate (nothing is ever deleted), when still active
 *   update     → old values back, for fields that still hold the run's value
 *   deactivate → restore, when still inactive
 *   restore    → old values back, then deactivate again on the original date
 * A field a later run changed keeps its current value (warning REVERT_CONFLIT):
 * a revert never overwrites newer data. Establishments, years and calendars
 * the run created or changed are kept (warning REVERT_NON_ANNULE).
 */
#include "change_internal.h"

#include <jansson.h>
#include <string.h>

typedef struct revert_state {
    relais_plan *p;
    relais_store *s;
    util_arena *a;
    char today[11];
    /*
     * Records the run changed more than once (e.g. restored and updated): the
     * state the plan leaves them in so far, so that each inverse operation
     * starts from the previous one's result rather than from the store.
     */
    util_idset *seen, *multi;
    util_map *state;   /* entity id (8 bytes) → index in kept */
    relais_record **kept;
    size_t n_kept, cap_kept;
    util_arena *keep;
} revert_state;

static int warn(revert_state *st, relais_severity sev, const char *code, int kind,
                const char *ids, const char *msg)
{
    relais_warning w = {sev, code, NULL, 0, kind, ids, msg};
    return relais_plan_warn(st->p, &w);
}

/* The text of a JSON value as stored by apply.c (string, integer or null). */
static const char *json_text(json_t *v, char buf[32], int64_t *ref)
{
    *ref = 0;
    if (json_is_string(v)) {
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        *ref = (int64_t)json_integer_value(v);
        snprintf(buf, 32, "%lld", (long long)*ref);
        return buf;
    }
    return NULL;
}

/*
 * Put the old values of `changes` ({field: [old, new]}) into `incoming` (a
 * copy of the current record `cur`) for the fields that still hold the new
 * value; warn about the others. *n_set counts the fields set back.
 */
static int set_back(revert_state *st, relais_record *incoming, const relais_record *cur,
                    json_t *changes, const char *label, size_t *n_set)
{
    const relais_kind_info *ki = relais_kind_get(cur->kind);
    const char *name;
    json_t *pair;
    int rc = 0;
    *n_set = 0;
    json_object_foreach(changes, name, pair)
    {
        int f = relais_field_index(cur->kind, name);
        if (f < 0 || !json_is_array(pair) || json_array_size(pair) != 2) {
            relais_error_set(_("journal illisible : champ %s de %s"), name, ki->name);
            return RELAIS_EINVALID;
        }
        char ob[32], nb[32];
        int64_t oref, nref;
        const char *old = json_text(json_array_get(pair, 0), ob, &oref);
        const char *now = json_text(json_array_get(pair, 1), nb, &nref);
        bool is_ref = ki->fields[f].type == RELAIS_FT_REF;
        bool still = is_ref ? cur->ref[f] == nref : util_streq(cur->text[f], now);
        if (!still) {
            util_buf msg = UTIL_BUF_INIT;
            const char *have = is_ref ? NULL : cur->text[f];
            char hb[32];
            if (is_ref && cur->ref[f]) {
                snprintf(hb, sizeof hb, "%lld", (long long)cur->ref[f]);
                have = hb;
            }
            util_buf_printf(&msg, _("champ %s modifié depuis (valeur actuelle « %s ») : conservé"),
                            name, have ? have : "");
            rc = msg.failed ? RELAIS_ENOMEM
                            : warn(st, RELAIS_SEVERITY_WARNING, "REVERT_CONFLIT", (int)cur->kind,
                                   label, util_buf_cstr(&msg));
            util_buf_free(&msg);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        if (is_ref) {
            incoming->ref[f] = oref;
        } else {
            rc = relais_record_set_str(incoming, st->a, (size_t)f, old);
            if (rc < 0) {
                return rc;
            }
        }
        (*n_set)++;
    }
    return 0;
}

/* The record as the plan leaves it so far (the store's when not touched yet). */
static int current(relais_record **out, revert_state *st, relais_kind kind, int64_t id)
{
    int64_t index;
    if (util_idset_has(st->multi, id) && util_map_get(st->state, (const char *)&id, sizeof id,
                                                      &index)) {
        *out = relais_record_copy(st->a, st->kept[index]);
        return *out ? 0 : RELAIS_ENOMEM;
    }
    return relais_store_record_get(out, st->s, st->a, kind, id);
}

/* Remember what the plan makes of a record the run changed more than once. */
static int remember(revert_state *st, const relais_record *after)
{
    if (!util_idset_has(st->multi, after->id)) {
        return 0;
    }
    relais_record *copy = relais_record_copy(st->keep, after);
    if (copy == NULL) {
        return RELAIS_ENOMEM;
    }
    int64_t index;
    if (util_map_get(st->state, (const char *)&after->id, sizeof after->id, &index)) {
        st->kept[index] = copy;
        return 0;
    }
    if (st->n_kept == st->cap_kept) {
        size_t cap = st->cap_kept ? st->cap_kept * 2 : 64;
        relais_record **nk = util_realloc(st->kept, cap * sizeof *nk);
        if (nk == NULL) {
            return RELAIS_ENOMEM;
        }
        st->kept = nk;
        st->cap_kept = cap;
    }
    st->kept[st->n_kept] = copy;
    return util_map_put(st->state, (const char *)&after->id, sizeof after->id,
                        (int64_t)st->n_kept++);
}

static int revert_record(revert_state *st, const relais_change *c, relais_kind kind)
{
    relais_record *cur = NULL;
    int rc = current(&cur, st, kind, c->entity_id);
    if (rc < 0) {
        return rc;
    }
    const char *label = relais_record_label(cur, st->a);
    json_t *data = NULL;
    if (c->data) {
        json_error_t err;
        data = json_loads(c->data, 0, &err);
        if (data == NULL) {
            relais_error_set(_("journal illisible (changement %lld) : %s"), (long long)c->seq,
                             err.text);
            return RELAIS_EINVALID;
        }
    }
    relais_record *after = relais_record_copy(st->a, cur);
    if (after == NULL) {
        json_decref(data);
        return RELAIS_ENOMEM;
    }
    if (strcmp(c->op, "create") == 0) {
        if (cur->is_active) {
            rc = relais_plan_deactivate(st->p, cur, st->today);
            after->is_active = false;
            after->deactivated_on = st->today;
        }
    } else if (strcmp(c->op, "deactivate") == 0) {
        if (!cur->is_active) {
            rc = relais_plan_update(NULL, st->p, cur, cur, RELAIS_FG_ALL); /* a restore */
            after->is_active = true;
            after->deactivated_on = NULL;
        } else {
            rc = warn(st, RELAIS_SEVERITY_INFO, "REVERT_DEJA_FAIT", (int)kind, label,
                      _("déjà réactivé depuis"));
        }
    } else if (strcmp(c->op, "update") == 0 || strcmp(c->op, "restore") == 0) {
        bool restore = c->op[0] == 'r';
        json_t *changes = restore ? json_object_get(data, "changes") : data;
        if (!cur->is_active) {
            rc = warn(st, RELAIS_SEVERITY_WARNING, "REVERT_CONFLIT", (int)kind, label,
                      _("désactivé depuis par une autre exécution : conservé tel quel"));
        } else {
            size_t n_set = 0;
            if (json_is_object(changes)) {
                rc = set_back(st, after, cur, changes, label, &n_set);
            }
            if (rc == 0 && n_set > 0) {
                rc = relais_plan_update(NULL, st->p, cur, after, RELAIS_FG_ALL);
            }
            if (rc == 0 && restore) {
                json_t *d = json_object_get(data, "deactivated_on");
                const char *date = json_is_string(d) ? json_string_value(d) : st->today;
                rc = relais_plan_deactivate(st->p, cur, date);
                after->is_active = false;
                after->deactivated_on = date;
            }
        }
    }
    if (rc == 0) {
        rc = remember(st, after);
    }
    json_decref(data);
    if (rc < 0) {
        relais_error_prefix("%s", label);
    }
    return rc;
}

/* First pass: which records did the run change more than once? */
static int count_entity(const relais_change *c, void *payload)
{
    revert_state *st = payload;
    if (relais_kind_by_name(c->kind) < 0) {
        return 0;
    }
    if (util_idset_has(st->seen, c->entity_id)) {
        return util_idset_add(st->multi, c->entity_id);
    }
    return util_idset_add(st->seen, c->entity_id);
}

static int revert_one(const relais_change *c, void *payload)
{
    revert_state *st = payload;
    util_arena_reset(st->a);
    int k = relais_kind_by_name(c->kind);
    if (k >= 0) {
        return revert_record(st, c, (relais_kind)k);
    }
    /* Establishments and years stay; say so once per entry. */
    util_buf msg = UTIL_BUF_INIT;
    if (strcmp(c->kind, "establishment") == 0) {
        util_buf_printf(&msg, c->op[0] == 'c' ? _("établissement n°%lld créé : conservé")
                                              : _("identité de l'établissement n°%lld : "
                                                  "conservée telle quelle"),
                        (long long)c->entity_id);
    } else {
        util_buf_printf(&msg, c->op[0] == 'c' ? _("année scolaire (périmètre %lld) créée : conservée")
                                              : _("calendrier (périmètre %lld) : conservé tel quel"),
                        (long long)c->entity_id);
    }
    int rc = msg.failed ? RELAIS_ENOMEM
                        : warn(st, RELAIS_SEVERITY_INFO, "REVERT_NON_ANNULE", -1, NULL,
                               util_buf_cstr(&msg));
    util_buf_free(&msg);
    return rc;
}

int relais_run_revert_plan(relais_plan **out, relais_store *s, int64_t run_id)
{
    *out = NULL;
    change_json_init();
    util_arena *a = NULL;
    int rc = util_arena_new(&a, 16 * 1024);
    relais_run *run = NULL;
    if (rc == 0) {
        rc = relais_store_run_get(&run, s, a, run_id);
    }
    if (rc == 0 && util_streq(run->status, "reverted")) {
        relais_error_set(_("l'exécution n°%lld a déjà été annulée (par l'exécution n°%lld)"),
                         (long long)run_id, (long long)run->reverted_by);
        rc = RELAIS_ECONFLICT;
    } else if (rc == 0 && !util_streq(run->status, "applied")) {
        relais_error_set(_("l'exécution n°%lld n'a pas été appliquée (statut : %s) : rien à "
                           "annuler"),
                         (long long)run_id, run->status);
        rc = RELAIS_ECONFLICT;
    }
    char command[64];
    snprintf(command, sizeof command, "runs revert %lld", (long long)run_id);
    relais_plan *p = NULL;
    if (rc == 0) {
        rc = relais_plan_new(&p, s, command);
    }
    revert_state st = {.p = p, .s = s};
    if (rc == 0) {
        rc = util_arena_new(&st.a, 16 * 1024);
    }
    if (rc == 0) {
        rc = util_arena_new(&st.keep, 16 * 1024);
    }
    if (rc == 0) {
        rc = util_idset_new(&st.seen);
    }
    if (rc == 0) {
        rc = util_idset_new(&st.multi);
    }
    if (rc == 0) {
        rc = util_map_new(&st.state);
    }
    if (rc == 0) {
        rc = relais_store_run_changes_foreach(s, run_id, false, count_entity, &st);
    }
    if (rc == 0) {
        util_date d;
        util_date_today(&d);
        util_date_iso(&d, st.today);
        p->reverts = run_id;
        rc = relais_store_run_changes_foreach(s, run_id, true, revert_one, &st);
    }
    util_idset_free(st.seen);
    util_idset_free(st.multi);
    util_map_free(st.state);
    util_free(st.kept);
    util_arena_free(st.keep);
    util_arena_free(st.a);
    util_arena_free(a);
    if (rc < 0) {
        relais_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}
