/*
 * import.c — the plan of `relais import timetable`: the timetable read by
 * edt.c or csv.c, its local names linked to the hub's records, its courses,
 * and the procedures' rule on groups with a grading service.
 *
 * Correspondences: each local name becomes (or stays) an xref ("edt", kind,
 * local name). A manual one is kept as it is; an automatic one is matched
 * again (the hub may have learnt the record since); a new one is matched.
 * Names the timetable no longer uses lose their xref (deactivated, so a
 * manual choice comes back with the name).
 *
 * Courses keep the timetable's own names (subject, teachers, structures); the
 * xrefs resolve them. Their key is a digest of their identity, so a course
 * that moves to another slot is a new course and the old one is deactivated:
 * a full timetable replaces the previous one.
 */
#include "internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CSV_MAX_SIZE ((size_t)64 << 20)

typedef struct ctx {
    tt_data *d;
    relais_plan *p;
    relais_store *s;
    int64_t scope;
    const char *date;
    util_arena *tmp;
    tt_matcher *m;
    sts_index *courses;
    sts_index *services;
    util_map *resolved[TIMETABLE_N_KINDS]; /* local name → entity id (0: unmatched) */
    util_map *service_ref;      /* local "structure/subject/modality" → service id or ref */
    util_map *planned_services; /* natural key of a service created by the plan → ref */
    util_map *sts_services;     /* "structure id\x1fcode_matiere" of services STS-Web lists */
    timetable_coverage *cov;
    size_t n_violations;
} ctx;

/* ------------------------------------------------------------ helpers */

static const char *unmatched_code(timetable_kind k)
{
    static const char *const codes[TIMETABLE_N_KINDS] = {
        "MATIERE_NON_APPARIEE", "ENSEIGNANT_NON_APPARIE", "DIVISION_NON_APPARIEE",
        "GROUPE_NON_APPARIE"};
    return codes[k];
}

/* Create `in`, or update the stored record with its key (restoring it); touch when unchanged. */
static int put(ctx *c, sts_index *ix, relais_record *in)
{
    in->scope_id = c->scope;
    const relais_record *old = sts_index_find(ix, in);
    if (old == NULL) {
        int64_t ref;
        return relais_plan_create(&ref, c->p, in);
    }
    sts_index_mark(ix, old->id);
    bool changed = false;
    int rc = relais_plan_update(&changed, c->p, old, in, RELAIS_FG_ALL);
    if (rc == 0 && !changed && in->kind == RELAIS_KIND_XREF) {
        rc = relais_plan_touch(c->p, old);
    }
    return rc;
}

static relais_record *new_xref(util_arena *a, timetable_kind k, const char *local, int64_t entity,
                               const char *provenance)
{
    relais_record *x = relais_record_new(a, RELAIS_KIND_XREF);
    if (x == NULL || relais_record_set_str(x, a, RELAIS_XREF_APPLICATION, TT_APPLICATION) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_CATEGORY,
                              relais_kind_get(timetable_kind_model(k))->name) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_EXTERNAL_ID, local) < 0 ||
        relais_record_set_str(x, a, RELAIS_XREF_PROVENANCE, provenance) < 0) {
        return NULL;
    }
    x->ref[RELAIS_XREF_ENTITY] = entity;
    return x;
}

static int64_t resolved(const ctx *c, timetable_kind k, const char *local)
{
    int64_t e = 0;
    if (local) {
        util_map_get(c->resolved[k], local, strlen(local), &e);
    }
    return e;
}

/* ---------------------------------------------------- correspondences */

static int resolve_name(ctx *c, timetable_kind k, const tt_name *n)
{
    util_arena_reset(c->tmp);
    relais_record *probe = new_xref(c->tmp, k, n->code, 0, STS_PROVENANCE_AUTO);
    if (probe == NULL) {
        return RELAIS_ENOMEM;
    }
    probe->scope_id = c->scope;
    sts_index *xi = tt_matcher_xrefs(c->m);
    const relais_record *old = sts_index_find(xi, probe);
    timetable_item it = {.kind = k, .local = n->code, .label = n->label};
    int rc = 0;
    if (old && util_streq(old->text[RELAIS_XREF_PROVENANCE], STS_PROVENANCE_MANUAL)) {
        /* The administrator's choice: never re-matched. */
        it.entity = old->ref[RELAIS_XREF_ENTITY];
        it.provenance = STS_PROVENANCE_MANUAL;
        relais_record *same = relais_record_copy(c->tmp, old);
        rc = same ? put(c, xi, same) : RELAIS_ENOMEM;
    } else {
        rc = tt_match(&it.entity, &it.ambiguous, c->m, k, n->code, n->label);
        it.provenance = STS_PROVENANCE_AUTO;
        relais_record *x =
            rc == 0 ? new_xref(c->tmp, k, n->code, it.entity, STS_PROVENANCE_AUTO) : NULL;
        if (rc == 0) {
            rc = x ? put(c, xi, x) : RELAIS_ENOMEM;
        }
    }
    if (rc == 0) {
        rc = util_map_put(c->resolved[k], n->code, strlen(n->code), it.entity);
    }
    if (rc < 0) {
        return rc;
    }
    tt_item_describe(&it, c->m, c->tmp);
    rc = tt_coverage_add(c->cov, &it);
    const char *what = timetable_kind_label(k);
    if (rc == 0 && it.entity == 0) {
        if (it.ambiguous) {
            rc = tt_warn(c->d, RELAIS_SEVERITY_WARNING, unmatched_code(k), n->line,
                         (int)timetable_kind_model(k), NULL,
                         _("%s « %s » : plusieurs correspondances possibles dans le hub, aucune "
                           "choisie (relais map set)"),
                         what, n->code);
        } else {
            rc = tt_warn(c->d, RELAIS_SEVERITY_WARNING, unmatched_code(k), n->line,
                         (int)timetable_kind_model(k), NULL,
                         _("%s « %s »%s%s%s : aucune correspondance dans le hub (relais map set)"),
                         what, n->code, n->label ? " (" : "", n->label ? n->label : "",
                         n->label ? ")" : "");
        }
    } else if (rc == 0 && !it.entity_active) {
        rc = tt_warn(c->d, RELAIS_SEVERITY_WARNING, "CORRESPONDANCE_INACTIVE", n->line,
                     (int)timetable_kind_model(k), NULL,
                     _("%s « %s » : la correspondance manuelle désigne %s, désactivé(e) dans le "
                       "hub"),
                     what, n->code, it.remote ? it.remote : "?");
    }
    return rc;
}

static int resolve_names(ctx *c)
{
    int rc = 0;
    for (int k = 0; k < TIMETABLE_N_KINDS && rc == 0; k++) {
        for (size_t i = 0; i < c->d->names[k].n && rc == 0; i++) {
            rc = resolve_name(c, (timetable_kind)k, &c->d->names[k].v[i]);
        }
    }
    tt_coverage_sort(c->cov);
    return rc;
}

/*
 * Names and services the timetable no longer has lose their edt xref; a
 * service only the timetable had is deactivated with it.
 */
static int deactivate_unseen(ctx *c)
{
    sts_index *xi = tt_matcher_xrefs(c->m);
    int rc = 0;
    for (size_t i = 0; i < sts_index_count(xi) && rc == 0; i++) {
        const relais_record *x = sts_index_at(xi, i);
        if (!x->is_active || sts_index_seen(xi, i) ||
            !util_streq(x->text[RELAIS_XREF_APPLICATION], TT_APPLICATION)) {
            continue;
        }
        rc = relais_plan_deactivate(c->p, x, c->date);
        int64_t e = x->ref[RELAIS_XREF_ENTITY];
        if (rc < 0 || e <= 0 || !util_streq(x->text[RELAIS_XREF_CATEGORY], "service")) {
            continue;
        }
        const relais_record *sv = sts_index_get(c->services, e);
        if (sv && sv->is_active && !sts_index_seen_id(c->services, e) &&
            !tt_matcher_listed(c->m, e, "sts")) {
            rc = relais_plan_deactivate(c->p, sv, c->date);
        }
    }
    return rc;
}

/* ------------------------------------------------------------ courses */

/* The services STS-Web lists, by structure and subject code (the procedures' rule). */
static int index_sts_services(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < sts_index_count(c->services) && rc == 0; i++) {
        const relais_record *r = sts_index_at(c->services, i);
        int64_t structure = r->ref[RELAIS_SERVICE_DIVISION] ? r->ref[RELAIS_SERVICE_DIVISION]
                                                            : r->ref[RELAIS_SERVICE_GROUP];
        if (!r->is_active || structure <= 0 || !tt_matcher_listed(c->m, r->id, "sts")) {
            continue;
        }
        char key[160];
        int n = snprintf(key, sizeof key, "%lld\x1f%s", (long long)structure,
                         r->text[RELAIS_SERVICE_CODE_MATIERE]);
        if (n > 0 && (size_t)n < sizeof key) {
            rc = util_map_put(c->sts_services, key, (size_t)n, r->id);
        }
    }
    return rc;
}

static bool sts_has_service(const ctx *c, int64_t structure, const char *code_matiere)
{
    char key[160];
    int64_t id;
    int n = snprintf(key, sizeof key, "%lld\x1f%s", (long long)structure, code_matiere);
    return n > 0 && (size_t)n < sizeof key && util_map_get(c->sts_services, key, (size_t)n, &id);
}

/* The crosswalk id of a service of the timetable: its own names. */
static int service_xid(char *out, size_t cap, const char *structure, const char *subject,
                       const char *mod)
{
    return util_snprintf(out, cap, "%s/%s/%s", structure, subject, mod ? mod : "CG");
}

/*
 * The timetable's services: each one whose structure and subject are matched
 * is a SERVICE of the hub (STS-Web's when it has it, created otherwise) with
 * an xref ("edt", "service", "structure/subject/modality"). The timetable's
 * hours never overwrite STS-Web's.
 */
static int plan_services(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->d->services.n && rc == 0; i++) {
        const tt_service *sv = &c->d->services.v[i];
        char xid[512];
        int64_t ref;
        if (service_xid(xid, sizeof xid, sv->structure, sv->subject, sv->mod_cours) < 0 ||
            util_map_get(c->service_ref, xid, strlen(xid), &ref)) {
            continue;
        }
        int64_t structure = resolved(c, sv->structure_kind, sv->structure);
        const relais_record *subject =
            tt_matcher_record(c->m, TIMETABLE_SUBJECT, resolved(c, TIMETABLE_SUBJECT, sv->subject));
        if (structure <= 0 || subject == NULL) {
            continue;
        }
        util_arena_reset(c->tmp);
        relais_record *r = relais_record_new(c->tmp, RELAIS_KIND_SERVICE);
        if (r == NULL) {
            return RELAIS_ENOMEM;
        }
        r->scope_id = c->scope;
        r->ref[sv->structure_kind == TIMETABLE_GROUP ? RELAIS_SERVICE_GROUP
                                                     : RELAIS_SERVICE_DIVISION] = structure;
        rc = relais_record_set_str(r, c->tmp, RELAIS_SERVICE_CODE_MATIERE,
                                   subject->text[RELAIS_SUBJECT_CODE_MATIERE]);
        if (rc == 0) {
            rc = relais_record_set_str(r, c->tmp, RELAIS_SERVICE_CODE_MOD_COURS,
                                       sv->mod_cours ? sv->mod_cours : "CG");
        }
        if (rc == 0) {
            rc = relais_record_set_str(r, c->tmp, RELAIS_SERVICE_HEURES_STRUCTURE, sv->heures);
        }
        if (rc == 0) {
            rc = relais_record_set_str(r, c->tmp, RELAIS_SERVICE_CO_ENS, sv->co_ens);
        }
        const char *key = rc == 0 ? relais_record_key(r, c->tmp) : NULL;
        if (rc == 0 && key == NULL) {
            rc = RELAIS_ENOMEM;
        }
        if (rc < 0) {
            break;
        }
        const relais_record *old = sts_index_find(c->services, r);
        if (old) {
            ref = old->id;
            if (!sts_index_seen_id(c->services, old->id)) {
                sts_index_mark(c->services, old->id);
                if (!old->is_active) {
                    relais_record *same = relais_record_copy(c->tmp, old);
                    rc = same ? relais_plan_update(NULL, c->p, old, same, RELAIS_FG_ALL)
                              : RELAIS_ENOMEM;
                }
            }
        } else if (!util_map_get(c->planned_services, key, strlen(key), &ref)) {
            rc = relais_plan_create(&ref, c->p, r);
            if (rc == 0) {
                rc = util_map_put(c->planned_services, key, strlen(key), ref);
            }
        }
        if (rc == 0) {
            rc = util_map_put(c->service_ref, xid, strlen(xid), ref);
        }
        relais_record *x = NULL;
        if (rc == 0) {
            x = relais_record_new(c->tmp, RELAIS_KIND_XREF);
            rc = x ? 0 : RELAIS_ENOMEM;
        }
        if (rc == 0) {
            rc = relais_record_set_str(x, c->tmp, RELAIS_XREF_APPLICATION, TT_APPLICATION);
        }
        if (rc == 0) {
            rc = relais_record_set_str(x, c->tmp, RELAIS_XREF_CATEGORY, "service");
        }
        if (rc == 0) {
            rc = relais_record_set_str(x, c->tmp, RELAIS_XREF_EXTERNAL_ID, xid);
        }
        if (rc == 0) {
            rc = relais_record_set_str(x, c->tmp, RELAIS_XREF_PROVENANCE, STS_PROVENANCE_IMPORT);
        }
        if (rc == 0) {
            x->ref[RELAIS_XREF_ENTITY] = ref;
            rc = put(c, tt_matcher_xrefs(c->m), x);
        }
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted values joined by '|' into the arena; NULL when none. */
static const char *join(util_arena *a, const tt_strvec *const *lists, size_t n_lists)
{
    size_t n = 0;
    for (size_t l = 0; l < n_lists; l++) {
        n += lists[l]->n;
    }
    if (n == 0) {
        return NULL;
    }
    const char **all = util_arena_alloc(a, n * sizeof *all);
    if (all == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t l = 0; l < n_lists; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            all[k++] = lists[l]->v[i];
        }
    }
    qsort(all, n, sizeof *all, cmp_str);
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            util_buf_putc(&b, '|');
        }
        util_buf_puts(&b, all[i]);
    }
    const char *s = b.failed ? NULL : util_arena_strdup(a, util_buf_cstr(&b));
    util_buf_free(&b);
    return s;
}

static const char *alternance_weeks(const tt_data *d, const char *code, bool *known)
{
    *known = false;
    for (size_t i = 0; code && i < d->alternances.n; i++) {
        if (strcmp(d->alternances.v[i].code, code) == 0) {
            *known = true;
            return d->alternances.v[i].weeks;
        }
    }
    return NULL;
}

static int plan_course(ctx *c, const tt_course *tc)
{
    tt_data *d = c->d;
    if (tc->start + tc->duration > 24 * 60) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", tc->line, RELAIS_KIND_COURSE,
                       NULL, "%s", _("le cours finit après minuit : ignoré"));
    }
    int rc = 0;
    if (d->hours_start[tc->day] >= 0 &&
        (tc->start < d->hours_start[tc->day] || tc->start + tc->duration > d->hours_end[tc->day])) {
        rc = tt_warn(
            d, RELAIS_SEVERITY_WARNING, "COURS_HORS_HORAIRES", tc->line, RELAIS_KIND_COURSE, NULL,
            _("cours du jour %d à %02d:%02d (%d min) hors des horaires de ce jour "
              "(%02d:%02d-%02d:%02d)"),
            tc->day, tc->start / 60, tc->start % 60, tc->duration, d->hours_start[tc->day] / 60,
            d->hours_start[tc->day] % 60, d->hours_end[tc->day] / 60, d->hours_end[tc->day] % 60);
    }
    const char *weeks = tc->weeks;
    if (rc == 0 && weeks == NULL && tc->alternance && strcmp(d->format, "EDT_STS") == 0) {
        bool known;
        weeks = alternance_weeks(d, tc->alternance, &known);
        if (!known) {
            rc = tt_warn(d, RELAIS_SEVERITY_WARNING, "ALTERNANCE_INCONNUE", tc->line,
                         RELAIS_KIND_COURSE, NULL,
                         _("alternance « %s » absente de ALTERNANCES : semaines inconnues"),
                         tc->alternance);
        }
    }
    if (rc < 0) {
        return rc;
    }
    util_arena_reset(c->tmp);
    util_buf id = UTIL_BUF_INIT;
    rc = tt_course_identity(&id, tc);
    unsigned char digest[10];
    char hex[2 * sizeof digest + 1];
    if (rc == 0) {
        crypto_generichash(digest, sizeof digest, (const unsigned char *)id.data, id.len, NULL, 0);
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    }
    util_buf_free(&id);
    relais_record *r = rc == 0 ? relais_record_new(c->tmp, RELAIS_KIND_COURSE) : NULL;
    if (r == NULL) {
        return rc < 0 ? rc : RELAIS_ENOMEM;
    }
    char num[16], start[24];
    util_arena *a = c->tmp;
    rc = relais_record_set_str(r, a, RELAIS_COURSE_COURSE_KEY, hex);
    snprintf(num, sizeof num, "%d", tc->day);
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_JOUR, num);
    }
    snprintf(start, sizeof start, "%02d:%02d", tc->start / 60, tc->start % 60);
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_HEURE_DEBUT, start);
    }
    snprintf(num, sizeof num, "%d", tc->duration);
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_DUREE, num);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_ALTERNANCE, tc->alternance);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_SEMAINES, weeks);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_CODE_MATIERE, tc->subject);
    }
    const tt_strvec *teachers[] = {&tc->teachers};
    const tt_strvec *structures[] = {&tc->divisions, &tc->groups};
    const tt_strvec *rooms[] = {&tc->rooms};
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_ENSEIGNANTS, join(a, teachers, 1));
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_STRUCTURES, join(a, structures, 2));
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, a, RELAIS_COURSE_SALLE, join(a, rooms, 1));
    }
    /* The service it belongs to, when it has one structure and all is matched. */
    if (rc == 0 && tc->divisions.n + tc->groups.n == 1) {
        bool is_group = tc->groups.n == 1;
        char xid[512];
        int64_t ref = 0;
        if (service_xid(xid, sizeof xid, is_group ? tc->groups.v[0] : tc->divisions.v[0],
                        tc->subject, tc->mod_cours) == 0 &&
            util_map_get(c->service_ref, xid, strlen(xid), &ref)) {
            r->ref[RELAIS_COURSE_SERVICE] = ref;
        }
    }
    if (rc == 0) {
        rc = put(c, c->courses, r);
    }
    return rc;
}

static int plan_courses(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->d->courses.n && rc == 0; i++) {
        rc = plan_course(c, &c->d->courses.v[i]);
    }
    for (size_t i = 0; i < sts_index_count(c->courses) && rc == 0; i++) {
        const relais_record *r = sts_index_at(c->courses, i);
        if (r->is_active && !sts_index_seen(c->courses, i)) {
            rc = relais_plan_deactivate(c->p, r, c->date);
        }
    }
    return rc;
}

/* ---------------------------------------------------------- group codes */

/*
 * The timetable uploads its own group codes to STS-Web, which takes at most 8
 * characters (letters, digits, space, '.', '_', '-'; sts-web.md §B.4) and
 * truncates or refuses the others.
 */
static bool sts_group_code_valid(const char *code)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)code; *p; p++, n++) {
        unsigned char ch = *p;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == ' ' || ch == '.' || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return n > 0 && n <= 8;
}

static int check_group_codes(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->d->names[TIMETABLE_GROUP].n && rc == 0; i++) {
        const tt_name *n = &c->d->names[TIMETABLE_GROUP].v[i];
        if (!sts_group_code_valid(n->code)) {
            rc = tt_warn(c->d, RELAIS_SEVERITY_WARNING, "GROUPE_CODE_STS_INVALIDE", n->line,
                         RELAIS_KIND_GROUP, NULL,
                         _("groupe « %s » : STS-Web n'accepte que 8 caractères (lettres, "
                           "chiffres, espace, . _ -) ; renommez-le dans l'emploi du temps avant "
                           "la remontée"),
                         n->code);
        }
    }
    return rc;
}

/* --------------------------------------------------------------- rule */

/*
 * "Pour tout groupe où il y a un service de notation associé […] il faut qu'il
 * existe sur STSWEB un groupe avec un service de la discipline en question."
 * A grading service is a service the timetable gives a group (EDT_STS: a
 * SERVICE of a GROUPE; CSV: a subject taught to a group).
 */
static int check_rule(ctx *c)
{
    util_map *done = NULL;
    int rc = util_map_new(&done);
    for (size_t i = 0; i < c->d->services.n && rc == 0; i++) {
        const tt_service *sv = &c->d->services.v[i];
        if (sv->structure_kind != TIMETABLE_GROUP) {
            continue;
        }
        char key[512];
        int n = snprintf(key, sizeof key, "%s\x1f%s", sv->structure, sv->subject);
        int64_t seen;
        if (n <= 0 || (size_t)n >= sizeof key || util_map_get(done, key, (size_t)n, &seen)) {
            continue;
        }
        rc = util_map_put(done, key, (size_t)n, 1);
        if (rc < 0) {
            break;
        }
        int64_t g = resolved(c, TIMETABLE_GROUP, sv->structure);
        int64_t m = resolved(c, TIMETABLE_SUBJECT, sv->subject);
        const relais_record *gr = tt_matcher_record(c->m, TIMETABLE_GROUP, g);
        const relais_record *mr = tt_matcher_record(c->m, TIMETABLE_SUBJECT, m);
        char ids[300];
        snprintf(ids, sizeof ids, "GROUPE %s, MATIERE %s", sv->structure, sv->subject);
        const char *msg = NULL;
        const char *gcode = gr ? gr->text[RELAIS_GROUP_CODE] : NULL;
        if (gr == NULL || !gr->is_active) {
            msg = _("ce groupe porte un service dans l'emploi du temps mais ne correspond à aucun "
                    "groupe du hub : il doit exister dans STS-Web avec un service de cette "
                    "matière");
        } else if (!tt_matcher_listed(c->m, g, "sts")) {
            rc = tt_warn(c->d, RELAIS_SEVERITY_ERROR, "GROUPE_SERVICE_STS", sv->line,
                         RELAIS_KIND_GROUP, ids,
                         _("le groupe %s n'existe pas dans STS-Web (dernier import STS) : "
                           "créez-le avec un service de cette matière, puis remontez la "
                           "structure vers SIECLE"),
                         gcode);
            c->n_violations++;
            continue;
        } else if (mr == NULL) {
            msg = _("la matière de ce service ne correspond à aucune matière du hub : impossible "
                    "de vérifier que STS-Web a ce service pour le groupe");
        } else if (!sts_has_service(c, g, mr->text[RELAIS_SUBJECT_CODE_MATIERE])) {
            rc = tt_warn(c->d, RELAIS_SEVERITY_ERROR, "GROUPE_SERVICE_STS", sv->line,
                         RELAIS_KIND_GROUP, ids,
                         _("STS-Web n'a pas de service de %s (%s) pour le groupe %s : les notes "
                           "de ce groupe ne pourront pas remonter"),
                         mr->text[RELAIS_SUBJECT_CODE_MATIERE],
                         mr->text[RELAIS_SUBJECT_LIBELLE_LONG]
                             ? mr->text[RELAIS_SUBJECT_LIBELLE_LONG]
                             : (mr->text[RELAIS_SUBJECT_LIBELLE_COURT]
                                    ? mr->text[RELAIS_SUBJECT_LIBELLE_COURT]
                                    : "?"),
                         gcode);
            c->n_violations++;
            continue;
        }
        if (msg) {
            rc = tt_warn(c->d, RELAIS_SEVERITY_ERROR, "GROUPE_SERVICE_STS", sv->line,
                         RELAIS_KIND_GROUP, ids, "%s", msg);
            c->n_violations++;
        }
    }
    util_map_free(done);
    return rc;
}

/* --------------------------------------------------------------- scope */

/* XML (or a zip of it) when the first bytes say so; a CSV otherwise. */
static int sniff_xml(bool *is_xml, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        relais_error_set(_("%s : fichier introuvable ou illisible"), path);
        return RELAIS_ENOTFOUND;
    }
    unsigned char head[64];
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        i = 3;
    }
    *is_xml = n >= 4 && memcmp(head, "PK\x03\x04", 4) == 0;
    /* UTF-16 BOMs: an XML declaration the xml module reads. */
    *is_xml =
        *is_xml ||
        (n >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)));
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
        i++;
    }
    *is_xml = *is_xml || (i < n && head[i] == '<');
    return 0;
}

static int read_input(tt_data *d, const timetable_import_options *opts)
{
    bool is_xml = false;
    int rc = sniff_xml(&is_xml, opts->path);
    if (rc < 0) {
        return rc;
    }
    if (is_xml) {
        const char *base = strrchr(opts->path, '/');
        d->file = util_arena_strdup(d->arena, base ? base + 1 : opts->path);
        return d->file ? tt_read_edt(d, opts->path) : RELAIS_ENOMEM;
    }
    struct stat st;
    if (stat(opts->path, &st) == 0 && (size_t)st.st_size > CSV_MAX_SIZE) {
        relais_error_set(_("%s : fichier CSV de plus de %zu Mio, refusé"), opts->path,
                         CSV_MAX_SIZE >> 20);
        return RELAIS_EINVALID;
    }
    char *data = NULL;
    size_t len = 0;
    rc = util_file_read(&data, &len, opts->path);
    if (rc == 0) {
        const char *base = strrchr(opts->path, '/');
        rc = tt_read_csv(d, base ? base + 1 : opts->path, data, len, opts->year);
    }
    util_free(data);
    return rc;
}

static int find_scope(ctx *c, const timetable_import_options *opts)
{
    tt_data *d = c->d;
    if (d->has_uai && opts->uai && strcasecmp(opts->uai, d->uai) != 0) {
        relais_error_set(_("%s:%lu : l'emploi du temps est de l'établissement %s, --uai demande "
                           "%s : rien n'a été importé"),
                         d->file, d->uai_line, d->uai, opts->uai);
        return RELAIS_EREFUSED;
    }
    if (d->has_year && d->year != opts->year) {
        relais_error_set(_("%s : emploi du temps de l'année %d-%d, le hub travaille sur %d-%d : "
                           "rien n'a été importé (--year %d pour importer dans cette année)"),
                         d->file, d->year, d->year + 1, opts->year, opts->year + 1, d->year);
        return RELAIS_EREFUSED;
    }
    util_arena_reset(c->tmp);
    if (!d->has_uai && opts->uai) {
        size_t len = strlen(opts->uai);
        for (size_t i = 0; i < len && i < 8; i++) {
            char ch = opts->uai[i];
            d->uai[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
        }
        d->uai[UTIL_MIN(len, 8)] = '\0';
    } else if (!d->has_uai) {
        size_t n = 0;
        int rc = relais_store_establishment_count(&n, c->s);
        if (rc < 0) {
            return rc;
        }
        if (n != 1) {
            relais_error_set(n == 0 ? _("%s : le hub ne suit aucun établissement : importez "
                                        "d'abord l'export STS-Web (relais import sts)")
                                    : _("%s : le hub suit plusieurs établissements : précisez "
                                        "celui de cet emploi du temps avec --uai"),
                             d->file);
            return RELAIS_EREFUSED;
        }
    }
    return 0;
}

typedef struct first_etab {
    char uai[9];
} first_etab;

static int take_first(const relais_establishment *e, void *payload)
{
    first_etab *f = payload;
    snprintf(f->uai, sizeof f->uai, "%s", e->uai);
    return 1;
}

static int open_scope(ctx *c, const timetable_import_options *opts)
{
    tt_data *d = c->d;
    if (d->uai[0] == '\0') {
        first_etab fe = {{0}};
        int rc = relais_store_establishment_foreach(c->s, take_first, &fe);
        if (rc < 0) {
            return rc;
        }
        memcpy(d->uai, fe.uai, sizeof d->uai);
    }
    relais_scope *sc = NULL;
    util_arena_reset(c->tmp);
    int rc = relais_store_scope_find(&sc, c->s, c->tmp, d->uai, opts->year);
    if (rc == RELAIS_ENOTFOUND) {
        relais_error_set(_("%s : le hub n'a aucune donnée de %s pour %d-%d : importez d'abord "
                           "l'export STS-Web de l'établissement (relais import sts)"),
                         d->file, d->uai, opts->year, opts->year + 1);
        return RELAIS_EREFUSED;
    }
    if (rc < 0) {
        return rc;
    }
    relais_scope_spec spec = {.uai = d->uai, .year = opts->year};
    rc = relais_plan_scope(&c->scope, c->p, &spec);
    if (rc == 0) {
        rc = relais_plan_add_source(c->p, opts->path);
    }
    return rc;
}

/* -------------------------------------------------------------- entry */

int timetable_import_plan(timetable_import_info *info, timetable_coverage **coverage,
                          relais_plan *plan, relais_store *s, const timetable_import_options *opts)
{
    memset(info, 0, sizeof *info);
    *coverage = NULL;
    if (sodium_init() < 0) {
        relais_error_set("%s", _("libsodium n'a pas pu être initialisée"));
        return RELAIS_EIO;
    }
    tt_data d;
    ctx c = {.d = &d, .p = plan, .s = s};
    char today[11];
    if (opts->date) {
        c.date = opts->date;
    } else {
        util_date t;
        util_date_today(&t);
        util_date_iso(&t, today);
        c.date = today;
    }
    int rc = tt_data_init(&d, plan);
    if (rc == 0) {
        rc = util_arena_new(&c.tmp, 0);
    }
    for (int k = 0; k < TIMETABLE_N_KINDS && rc == 0; k++) {
        rc = util_map_new(&c.resolved[k]);
    }
    if (rc == 0) {
        rc = util_map_new(&c.service_ref);
    }
    if (rc == 0) {
        rc = util_map_new(&c.planned_services);
    }
    if (rc == 0) {
        rc = util_map_new(&c.sts_services);
    }
    if (rc == 0) {
        rc = tt_coverage_new(&c.cov);
    }
    if (rc == 0) {
        rc = read_input(&d, opts);
    }
    if (rc == 0) {
        rc = find_scope(&c, opts);
    }
    if (rc == 0) {
        rc = open_scope(&c, opts);
    }
    if (rc == 0) {
        rc = tt_matcher_new(&c.m, s, c.scope);
    }
    if (rc == 0) {
        rc = sts_index_load(&c.courses, s, RELAIS_KIND_COURSE, c.scope, RELAIS_ANY);
    }
    if (rc == 0) {
        rc = sts_index_load(&c.services, s, RELAIS_KIND_SERVICE, c.scope, RELAIS_ANY);
    }
    if (rc == 0) {
        rc = index_sts_services(&c);
    }
    if (rc == 0) {
        rc = resolve_names(&c);
    }
    if (rc == 0) {
        rc = check_group_codes(&c);
    }
    if (rc == 0) {
        rc = plan_services(&c);
    }
    if (rc == 0) {
        rc = plan_courses(&c);
    }
    if (rc == 0) {
        rc = deactivate_unseen(&c);
    }
    if (rc == 0) {
        rc = check_rule(&c);
    }
    if (rc == 0) {
        memcpy(info->uai, d.uai, sizeof info->uai);
        info->year = opts->year;
        info->format = d.format;
        info->n_courses = d.courses.n;
        info->n_rule_violations = c.n_violations;
        *coverage = c.cov;
        c.cov = NULL;
    }
    timetable_coverage_free(c.cov);
    sts_index_free(c.courses);
    sts_index_free(c.services);
    tt_matcher_free(c.m);
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        util_map_free(c.resolved[k]);
    }
    util_map_free(c.service_ref);
    util_map_free(c.planned_services);
    util_map_free(c.sts_services);
    util_arena_free(c.tmp);
    tt_data_free(&d);
    return rc;
}
