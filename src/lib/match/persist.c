/*
 * persist.c — what a matching run leaves in the hub: crosswalk links (XREF
 * records, provenance key / auto / manual) planned through a relais_plan,
 * and the manual decisions of `relais match accept|reject`.
 *
 * Rules: a link already there is touched, never rewritten, and a manual one is
 * never changed by a run; re-running the same list changes nothing. A
 * rejection is an XREF_REJECTION record that later runs read (hub.c) to
 * exclude the pair. Nothing is deleted: links that stop being true are
 * deactivated.
 */
#include "match.h"

#include <string.h>
#include <strings.h>

void match_summarize(match_summary *out, const match_list *partner, const match_list *hub,
                     const match_result *r)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < hub->n; i++) {
        unsigned c = hub->persons[i].category;
        out->hub[c]++;
        if (!r->hub_matched[i]) {
            out->unmatched_hub[c]++;
        }
    }
    for (size_t i = 0; i < partner->n; i++) {
        unsigned c = partner->persons[i].category;
        out->partner[c]++;
        switch (r->partner_outcome[i]) {
        case MATCH_OUT_MATCHED: out->matched[c]++; break;
        case MATCH_OUT_REVIEW: out->review[c]++; break;
        default: out->unmatched_partner[c]++;
        }
    }
}

static const char *kind_name(match_category c)
{
    return relais_kind_get(match_category_kind(c))->name;
}

typedef struct planner {
    relais_plan *p;
    relais_store *s;
    util_arena *arena;
} planner;

/*
 * Make sure XREF (scope, application, category, external_id) → entity with
 * `provenance` exists: create it, touch it when it already says so, restore or
 * repoint it otherwise — but never repoint a manual link unless `force`.
 * *kept_manual tells that a manual link to another record was left alone.
 */
static int ensure_xref(planner *pl, int64_t scope, const char *app, const char *category,
                       const char *external_id, int64_t entity, const char *provenance, bool force,
                       bool *kept_manual)
{
    if (kept_manual) {
        *kept_manual = false;
    }
    relais_record *probe = relais_record_new(pl->arena, RELAIS_KIND_XREF);
    if (probe == NULL) {
        return RELAIS_ENOMEM;
    }
    probe->scope_id = scope;
    if (relais_record_set_str(probe, pl->arena, RELAIS_XREF_APPLICATION, app) < 0 ||
        relais_record_set_str(probe, pl->arena, RELAIS_XREF_CATEGORY, category) < 0 ||
        relais_record_set_str(probe, pl->arena, RELAIS_XREF_EXTERNAL_ID, external_id) < 0 ||
        relais_record_set_str(probe, pl->arena, RELAIS_XREF_PROVENANCE, provenance) < 0) {
        return RELAIS_ENOMEM;
    }
    probe->ref[RELAIS_XREF_ENTITY] = entity;
    relais_record *old = NULL;
    int rc = relais_store_record_find(&old, pl->s, pl->arena, probe);
    if (rc == RELAIS_ENOTFOUND) {
        int64_t ref;
        return relais_plan_create(&ref, pl->p, probe);
    }
    if (rc < 0) {
        return rc;
    }
    bool same_entity = old->ref[RELAIS_XREF_ENTITY] == entity;
    const char *old_prov = relais_record_get(old, RELAIS_XREF_PROVENANCE);
    if (old->is_active && same_entity && (util_streq(old_prov, provenance) || !force)) {
        rc = relais_plan_touch(pl->p, old);
        return rc < 0
                   ? rc
                   : relais_plan_count(pl->p, scope, RELAIS_KIND_XREF, RELAIS_COUNT_UNCHANGED, 1);
    }
    if (old->is_active && !same_entity && util_streq(old_prov, "manual") && !force) {
        if (kept_manual) {
            *kept_manual = true;
        }
        return relais_plan_count(pl->p, scope, RELAIS_KIND_XREF, RELAIS_COUNT_IGNORED, 1);
    }
    return relais_plan_update(NULL, pl->p, old, probe, RELAIS_FG_ALL);
}

/* Deactivation of the links of persons the partner no longer lists. */
typedef struct absent {
    planner *pl;
    const char *partner, *login_app;
    util_map *listed;              /* "application\x1fcategory\x1fexternal id" of this run */
    bool kinds[RELAIS_KIND_COUNT]; /* categories the list holds */
    char today[11];
    util_buf key;
    int rc;
} absent;

static int deactivate_absent(const relais_record *r, void *payload)
{
    absent *a = payload;
    const char *app = relais_record_get(r, RELAIS_XREF_APPLICATION);
    if (!util_streq(app, a->partner) && !util_streq(app, a->login_app)) {
        return 0;
    }
    const char *cat = relais_record_get(r, RELAIS_XREF_CATEGORY);
    int kind = relais_kind_by_name(cat ? cat : "");
    if (kind < 0 || !a->kinds[kind]) {
        return 0; /* a list without teachers says nothing about teachers */
    }
    if (util_streq(relais_record_get(r, RELAIS_XREF_PROVENANCE), "manual")) {
        return 0; /* a person's decision stays */
    }
    util_buf_reset(&a->key);
    util_buf_printf(&a->key, "%s\x1f%s\x1f%s", app, cat,
                    relais_record_get(r, RELAIS_XREF_EXTERNAL_ID));
    if (a->key.failed) {
        return RELAIS_ENOMEM;
    }
    if (util_map_get(a->listed, a->key.data, a->key.len, NULL)) {
        return 0;
    }
    return relais_plan_deactivate(a->pl->p, r, a->today);
}

static int mark_listed(absent *a, const char *app, const char *cat, const char *id)
{
    util_buf_reset(&a->key);
    util_buf_printf(&a->key, "%s\x1f%s\x1f%s", app, cat, id);
    return a->key.failed ? RELAIS_ENOMEM : util_map_put(a->listed, a->key.data, a->key.len, 1);
}

int match_plan_links(relais_plan *p, relais_store *s, const char *partner,
                     const match_list *partner_list, const match_list *hub, const match_result *r)
{
    planner pl = {p, s, NULL};
    util_buf login_app = UTIL_BUF_INIT;
    absent ab = {.pl = &pl, .partner = partner, .key = UTIL_BUF_INIT};
    int rc = util_arena_new(&pl.arena, 8192);
    if (rc == 0) {
        rc = util_map_new(&ab.listed);
    }
    util_buf_printf(&login_app, "%s.login", partner);
    ab.login_app = util_buf_cstr(&login_app);
    for (size_t i = 0; i < r->n_links && rc == 0; i++) {
        const match_link *l = &r->links[i];
        if (l->decision == MATCH_REVIEW || l->decision == MATCH_NONE) {
            continue;
        }
        util_arena_reset(pl.arena);
        const match_person *pp = &partner_list->persons[l->partner];
        const match_person *hp = &hub->persons[l->hub];
        int64_t scope = hub->estabs[hp->estab].scope_id;
        const char *cat = kind_name((match_category)hp->category);
        const char *prov = match_decision_name((match_decision)l->decision);
        bool kept = false;
        rc = ensure_xref(&pl, scope, partner, cat, pp->id, hp->relais_id, prov, false, &kept);
        if (rc == 0 && kept) {
            rc = relais_plan_warnf(
                p, RELAIS_SEVERITY_WARNING, "LIEN_MANUEL_CONSERVE", NULL, pp->line,
                RELAIS_KIND_XREF, pp->id,
                _("« %s » : le lien manuel existant est conservé (le calcul propose %s)"), pp->id,
                hp->id ? hp->id : "?");
        }
        /* The ENT login is an identifier of its own: kept beside the UID. */
        if (rc == 0 && pp->login && strcmp(pp->login, pp->id) != 0 && !kept) {
            rc = ensure_xref(&pl, scope, ab.login_app, cat, pp->login, hp->relais_id, prov, false,
                             NULL);
            if (rc == 0) {
                rc = mark_listed(&ab, ab.login_app, cat, pp->login);
            }
        }
    }
    /* Partner persons of the list, by the categories they belong to. */
    for (size_t i = 0; i < partner_list->n && rc == 0; i++) {
        const match_person *pp = &partner_list->persons[i];
        relais_kind k = match_category_kind((match_category)pp->category);
        ab.kinds[k] = true;
        rc = mark_listed(&ab, partner, relais_kind_get(k)->name, pp->id);
    }
    /*
     * A link whose partner person left the list is withdrawn (deactivated, not deleted),
     * in the establishments the list covers: those its persons name, or all of the run's
     * when it names none.
     */
    util_date d;
    util_date_today(&d);
    util_date_iso(&d, ab.today);
    bool *covered = util_calloc(hub->n_estabs ? hub->n_estabs : 1, sizeof *covered);
    bool names_estabs = false;
    if (covered == NULL && rc == 0) {
        rc = RELAIS_ENOMEM;
    }
    for (size_t i = 0; i < partner_list->n && covered; i++) {
        uint32_t e = partner_list->persons[i].estab;
        if (e != MATCH_ANY_ESTAB) {
            names_estabs = true;
            if (e < hub->n_estabs) {
                covered[e] = true;
            }
        }
    }
    for (size_t e = 0; e < hub->n_estabs && rc == 0; e++) {
        if (names_estabs && !covered[e]) {
            continue;
        }
        rc = relais_store_record_foreach(s, RELAIS_KIND_XREF, hub->estabs[e].scope_id,
                                         RELAIS_ACTIVE, deactivate_absent, &ab);
    }
    if (rc == 0 && (login_app.failed || ab.key.failed)) {
        rc = RELAIS_ENOMEM;
    }
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    util_free(covered);
    util_map_free(ab.listed);
    util_buf_free(&ab.key);
    util_buf_free(&login_app);
    util_arena_free(pl.arena);
    return rc;
}

/* ---------------------------------------------------------- decisions */

typedef struct finder {
    const char *partner, *external_id;
    int64_t entity; /* 0: any */
    relais_kind kind;
    util_arena *arena;
    relais_record **found;
    size_t n, cap;
    int rc;
} finder;

static int collect(const relais_record *r, void *payload)
{
    finder *f = payload;
    size_t app =
        r->kind == RELAIS_KIND_XREF ? RELAIS_XREF_APPLICATION : RELAIS_XREF_REJECTION_APPLICATION;
    size_t ext =
        r->kind == RELAIS_KIND_XREF ? RELAIS_XREF_EXTERNAL_ID : RELAIS_XREF_REJECTION_EXTERNAL_ID;
    size_t ent = r->kind == RELAIS_KIND_XREF ? RELAIS_XREF_ENTITY : RELAIS_XREF_REJECTION_ENTITY;
    if (!util_streq(relais_record_get(r, app), f->partner)) {
        return 0;
    }
    if (f->external_id && !util_streq(relais_record_get(r, ext), f->external_id)) {
        return 0;
    }
    if (f->entity && r->ref[ent] != f->entity) {
        return 0;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        relais_record **v = util_arena_alloc(f->arena, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        if (f->n) {
            memcpy(v, f->found, f->n * sizeof *v);
        }
        f->found = v;
        f->cap = cap;
    }
    f->found[f->n] = relais_record_copy(f->arena, r);
    return f->found[f->n++] ? 0 : RELAIS_ENOMEM;
}

/* Records of `kind` (XREF or XREF_REJECTION) for the partner in `scope`, filtered. */
static int find_records(finder *f, relais_store *s, relais_kind kind, int64_t scope, unsigned which)
{
    f->n = 0;
    f->cap = 0;
    f->found = NULL;
    return relais_store_record_foreach(s, kind, scope, which, collect, f);
}

/* The scopes of school year `year` (one establishment when uai is set). */
typedef struct scopes {
    int64_t ids[512];
    size_t n;
    relais_store *s;
    util_arena *arena;
    int year;
    const char *uai;
} scopes;

static int add_scope(const relais_establishment *e, void *payload)
{
    scopes *sc = payload;
    if (sc->uai && strcmp(sc->uai, e->uai) != 0) {
        return 0;
    }
    relais_scope *scope;
    int rc = relais_store_scope_find(&scope, sc->s, sc->arena, e->uai, sc->year);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc == 0 && sc->n < UTIL_ARRAY_LEN(sc->ids)) {
        sc->ids[sc->n++] = scope->id;
    }
    return rc;
}

static int rejection(planner *pl, int64_t scope, const char *partner, const char *category,
                     const char *external_id, int64_t entity)
{
    relais_record *r = relais_record_new(pl->arena, RELAIS_KIND_XREF_REJECTION);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->scope_id = scope;
    if (relais_record_set_str(r, pl->arena, RELAIS_XREF_REJECTION_APPLICATION, partner) < 0 ||
        relais_record_set_str(r, pl->arena, RELAIS_XREF_REJECTION_CATEGORY, category) < 0 ||
        relais_record_set_str(r, pl->arena, RELAIS_XREF_REJECTION_EXTERNAL_ID, external_id) < 0) {
        return RELAIS_ENOMEM;
    }
    r->ref[RELAIS_XREF_REJECTION_ENTITY] = entity;
    relais_record *old = NULL;
    int rc = relais_store_record_find(&old, pl->s, pl->arena, r);
    if (rc == RELAIS_ENOTFOUND) {
        int64_t ref;
        return relais_plan_create(&ref, pl->p, r);
    }
    if (rc < 0) {
        return rc;
    }
    return relais_plan_update(NULL, pl->p, old, r, RELAIS_FG_ALL); /* restores if needed */
}

static void today_iso(char out[11])
{
    util_date d;
    util_date_today(&d);
    util_date_iso(&d, out);
}

/* Decision on one given hub record. */
static int decide_on_record(planner *pl, const char *partner, const char *partner_id,
                            int64_t relais_id, bool accept, const char *uai, int year)
{
    relais_store *s = pl->s;
    relais_kind kind;
    int rc = relais_store_entity_kind(&kind, s, relais_id);
    if (rc == RELAIS_ENOTFOUND) {
        relais_error_set(_("aucun enregistrement n°%lld dans le hub"), (long long)relais_id);
        return rc;
    }
    if (rc < 0) {
        return rc;
    }
    if (kind != RELAIS_KIND_STUDENT && kind != RELAIS_KIND_GUARDIAN && kind != RELAIS_KIND_STAFF) {
        relais_error_set(_("l'enregistrement n°%lld n'est ni un élève, ni un responsable, ni un "
                           "personnel"),
                         (long long)relais_id);
        return RELAIS_EINVALID;
    }
    relais_record *rec;
    relais_scope *sc;
    rc = relais_store_record_get(&rec, s, pl->arena, kind, relais_id);
    if (rc == 0) {
        rc = relais_store_scope_get(&sc, s, pl->arena, rec->scope_id);
    }
    if (rc < 0) {
        return rc;
    }
    if (sc->year != year || (uai && strcasecmp(uai, sc->uai) != 0)) {
        relais_error_set(_("l'enregistrement n°%lld appartient à %s en %d-%d, pas au périmètre "
                           "demandé"),
                         (long long)relais_id, sc->uai, sc->year, sc->year + 1);
        return RELAIS_EREFUSED;
    }
    const char *category = relais_kind_get(kind)->name;
    char today[11];
    today_iso(today);
    finder f = {.partner = partner, .arena = pl->arena};
    if (accept) {
        /* One partner id per record: other links to this record step aside. */
        f.entity = relais_id;
        rc = find_records(&f, s, RELAIS_KIND_XREF, rec->scope_id, RELAIS_ACTIVE);
        for (size_t i = 0; i < f.n && rc == 0; i++) {
            const char *ext = relais_record_get(f.found[i], RELAIS_XREF_EXTERNAL_ID);
            if (!util_streq(ext, partner_id) &&
                util_streq(relais_record_get(f.found[i], RELAIS_XREF_CATEGORY), category)) {
                rc = relais_plan_deactivate(pl->p, f.found[i], today);
                if (rc == 0) {
                    rc = relais_plan_warnf(pl->p, RELAIS_SEVERITY_WARNING, "LIEN_REMPLACE", NULL, 0,
                                           RELAIS_KIND_XREF, ext,
                                           _("le lien de « %s » vers n°%lld est retiré"), ext,
                                           (long long)relais_id);
                }
            }
        }
        /* An earlier refusal of this very pair is withdrawn. */
        f.entity = relais_id;
        f.external_id = partner_id;
        if (rc == 0) {
            rc = find_records(&f, s, RELAIS_KIND_XREF_REJECTION, rec->scope_id, RELAIS_ACTIVE);
        }
        for (size_t i = 0; i < f.n && rc == 0; i++) {
            rc = relais_plan_deactivate(pl->p, f.found[i], today);
        }
        if (rc == 0) {
            rc = ensure_xref(pl, rec->scope_id, partner, category, partner_id, relais_id, "manual",
                             true, NULL);
        }
        return rc;
    }
    /* reject: remember the refusal, and withdraw the link if it is this one */
    rc = rejection(pl, rec->scope_id, partner, category, partner_id, relais_id);
    f.entity = relais_id;
    f.external_id = partner_id;
    if (rc == 0) {
        rc = find_records(&f, s, RELAIS_KIND_XREF, rec->scope_id, RELAIS_ACTIVE);
    }
    for (size_t i = 0; i < f.n && rc == 0; i++) {
        rc = relais_plan_deactivate(pl->p, f.found[i], today);
    }
    return rc;
}

int match_plan_decision(relais_plan *p, relais_store *s, const char *partner,
                        const char *partner_id, int64_t relais_id, bool accept, const char *uai,
                        int year)
{
    planner pl = {p, s, NULL};
    int rc = util_arena_new(&pl.arena, 8192);
    if (rc < 0) {
        return rc;
    }
    if (relais_id > 0) {
        rc = decide_on_record(&pl, partner, partner_id, relais_id, accept, uai, year);
        util_arena_free(pl.arena);
        return rc;
    }
    /* No record given: act on the current links of this partner id. */
    scopes sc = {.s = s, .arena = pl.arena, .year = year, .uai = uai};
    rc = relais_store_establishment_foreach(s, add_scope, &sc);
    size_t n_done = 0;
    char today[11];
    today_iso(today);
    for (size_t i = 0; i < sc.n && rc == 0; i++) {
        finder f = {.partner = partner, .external_id = partner_id, .arena = pl.arena};
        rc = find_records(&f, s, RELAIS_KIND_XREF, sc.ids[i], RELAIS_ACTIVE);
        for (size_t k = 0; k < f.n && rc == 0; k++) {
            relais_record *x = f.found[k];
            if (accept) {
                rc = ensure_xref(&pl, x->scope_id, partner,
                                 relais_record_get(x, RELAIS_XREF_CATEGORY), partner_id,
                                 x->ref[RELAIS_XREF_ENTITY], "manual", true, NULL);
            } else {
                rc =
                    rejection(&pl, x->scope_id, partner, relais_record_get(x, RELAIS_XREF_CATEGORY),
                              partner_id, x->ref[RELAIS_XREF_ENTITY]);
                if (rc == 0) {
                    rc = relais_plan_deactivate(p, x, today);
                }
            }
            n_done++;
        }
    }
    if (rc == 0 && n_done == 0) {
        relais_error_set(_("« %s » n'a aucun lien avec le hub pour %s : précisez le numéro "
                           "relais (RELAIS_ID) de la personne"),
                         partner_id, partner);
        rc = RELAIS_ENOTFOUND;
    }
    util_arena_free(pl.arena);
    return rc;
}
