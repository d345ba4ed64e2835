/*
 * import.c — the plan of `relais import sts`: the STS_EDT export read by
 * read.c, compared with the hub, becomes creations, updates, restorations and
 * deactivations in the caller's plan.
 *
 * The rules of docs/internals/sources.md apply:
 *   - subjects, MEFs, divisions and groups are shared with SIECLE, services
 *     with the timetable: STS-Web updates the fields it has a value for (all
 *     of a service's), records its presence with an xref ("sts", kind, code;
 *     a service's code is "structure/subject/modality"), and an object it no
 *     longer lists loses that xref; the object itself is deactivated only
 *     when no other source lists it any more;
 *   - staff, their disciplines, the teachers of services, and the
 *     nomenclature lists "sts_…" come from STS-Web alone: absent from the
 *     export means deactivated;
 *   - a group's divisions are what STS-Web says for the groups it lists.
 * The file's UAI and year are checked against the options and the hub before
 * anything is planned.
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

#define STS_APPLICATION "sts"

typedef struct ctx {
    sts_file *f;
    relais_plan *p;
    relais_store *s;
    int64_t scope;
    const char *date;
    util_arena *tmp;
    sts_index *ix[RELAIS_KIND_COUNT];
    /* code → entity id (stored) or negative ref (created by the plan) */
    util_map *ref_subject, *ref_mef, *ref_division, *ref_group, *ref_staff;
    util_map *planned_services; /* natural keys of services already planned */
    util_map *others;           /* entity id → active presence xrefs of other applications */
    util_idset *listed_groups;  /* stored ids of the groups STS-Web lists */
} ctx;

static const relais_kind used_kinds[] = {
    RELAIS_KIND_SUBJECT,          RELAIS_KIND_MEF,
    RELAIS_KIND_NOMENCLATURE,     RELAIS_KIND_PROGRAMME,
    RELAIS_KIND_DIVISION,         RELAIS_KIND_GROUP,
    RELAIS_KIND_GROUP_DIVISION,   RELAIS_KIND_STAFF,
    RELAIS_KIND_STAFF_DISCIPLINE, RELAIS_KIND_SERVICE,
    RELAIS_KIND_SERVICE_TEACHER,  RELAIS_KIND_XREF,
};

/* ------------------------------------------------------------ helpers */

static int map_put_ref(util_map *m, const char *code, int64_t ref)
{
    return util_map_put(m, code, strlen(code), ref);
}

static bool map_get_ref(const util_map *m, const char *code, int64_t *ref)
{
    return code && util_map_get(m, code, strlen(code), ref);
}

/* Fields STS-Web does not carry, left as they are (sources.md §2). */
static bool carried(relais_kind kind, size_t field)
{
    return !(kind == RELAIS_KIND_STAFF && field == RELAIS_STAFF_MEL);
}

/*
 * Create `in`, or update the stored record with the same natural key (a
 * deactivated one is restored). For a kind shared with other sources only the
 * values STS-Web has replace stored ones; for its own kinds every field it
 * carries is set, absent values included. *ref: stored id or negative ref.
 * *stored (may be NULL): the stored record, NULL for a creation.
 */
static int upsert(int64_t *ref, const relais_record **stored, bool *changed, ctx *c,
                  relais_record *in, bool shared)
{
    in->scope_id = c->scope;
    sts_index *ix = c->ix[in->kind];
    const relais_record *old = sts_index_find(ix, in);
    if (stored) {
        *stored = old;
    }
    if (changed) {
        *changed = true;
    }
    if (old == NULL) {
        return relais_plan_create(ref, c->p, in);
    }
    sts_index_mark(ix, old->id);
    *ref = old->id;
    util_arena_reset(c->tmp);
    relais_record *merged = relais_record_copy(c->tmp, old);
    if (merged == NULL) {
        return RELAIS_ENOMEM;
    }
    const relais_kind_info *ki = relais_kind_get(in->kind);
    for (size_t fi = 0; fi < ki->n_fields; fi++) {
        if (ki->fields[fi].group == RELAIS_FG_KEY || !carried(in->kind, fi)) {
            continue;
        }
        bool is_ref = ki->fields[fi].type == RELAIS_FT_REF;
        bool present = is_ref ? in->ref[fi] != 0 : in->text[fi] != NULL;
        if (shared && !present) {
            continue;
        }
        merged->text[fi] = in->text[fi];
        merged->ref[fi] = in->ref[fi];
    }
    return relais_plan_update(changed, c->p, old, merged, RELAIS_FG_ALL);
}

/* The presence of an object in STS-Web: xref ("sts", category, code) → entity. */
static int presence(ctx *c, const char *category, const char *code, int64_t entity)
{
    relais_record *x = relais_record_new(c->f->arena, RELAIS_KIND_XREF);
    if (x == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = relais_record_set_str(x, c->f->arena, RELAIS_XREF_APPLICATION, STS_APPLICATION);
    if (rc == 0) {
        rc = relais_record_set_str(x, c->f->arena, RELAIS_XREF_CATEGORY, category);
    }
    if (rc == 0) {
        rc = relais_record_set_str(x, c->f->arena, RELAIS_XREF_EXTERNAL_ID, code);
    }
    if (rc == 0) {
        rc = relais_record_set_str(x, c->f->arena, RELAIS_XREF_PROVENANCE, STS_PROVENANCE_IMPORT);
    }
    x->ref[RELAIS_XREF_ENTITY] = entity;
    int64_t ref;
    const relais_record *old = NULL;
    bool changed = false;
    if (rc == 0) {
        rc = upsert(&ref, &old, &changed, c, x, false);
    }
    if (rc == 0 && old && !changed) {
        rc = relais_plan_touch(c->p, old);
    }
    return rc;
}

/* A stored record of a shared kind found by code (for references outside the file). */
static const relais_record *stored_by_code(ctx *c, relais_kind kind, size_t field, const char *code)
{
    relais_record *probe = relais_record_new(c->f->arena, kind);
    if (probe == NULL || relais_record_set_str(probe, c->f->arena, field, code) < 0) {
        return NULL;
    }
    probe->scope_id = c->scope;
    return sts_index_find(c->ix[kind], probe);
}

/* ----------------------------------------------------- nomenclatures */

static int plan_nomenclatures(ctx *c)
{
    sts_file *f = c->f;
    int rc = 0;
    for (size_t i = 0; i < f->subjects.n && rc == 0; i++) {
        relais_record *r = f->subjects.v[i].r;
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, r, true);
        if (rc == 0) {
            rc = map_put_ref(c->ref_subject, r->text[RELAIS_SUBJECT_CODE_MATIERE], ref);
        }
        if (rc == 0) {
            rc = presence(c, "subject", r->text[RELAIS_SUBJECT_CODE_MATIERE], ref);
        }
    }
    for (size_t i = 0; i < f->mefs.n && rc == 0; i++) {
        relais_record *r = f->mefs.v[i].r;
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, r, true);
        if (rc == 0) {
            rc = map_put_ref(c->ref_mef, r->text[RELAIS_MEF_CODE_MEF], ref);
        }
        if (rc == 0) {
            rc = presence(c, "mef", r->text[RELAIS_MEF_CODE_MEF], ref);
        }
    }
    for (size_t i = 0; i < f->nomenclature.n && rc == 0; i++) {
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, f->nomenclature.v[i].r, false);
    }
    /*
     * STS-Web's PROGRAMME has no CODE_MODALITE_ELECT, a part of the key of
     * SIECLE's programmes (the same object in the hub): one without it cannot
     * be told apart, and is counted as ignored.
     */
    size_t ignored = 0;
    for (size_t i = 0; i < f->programmes.n && rc == 0; i++) {
        relais_record *r = f->programmes.v[i].r;
        if (r->text[RELAIS_PROGRAMME_CODE_MEF] == NULL ||
            r->text[RELAIS_PROGRAMME_CODE_MATIERE] == NULL ||
            r->text[RELAIS_PROGRAMME_CODE_MODALITE_ELECT] == NULL) {
            ignored++;
            continue;
        }
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, r, true);
    }
    if (rc == 0 && ignored > 0) {
        rc =
            relais_plan_count(c->p, c->scope, RELAIS_KIND_PROGRAMME, RELAIS_COUNT_IGNORED, ignored);
    }
    return rc;
}

/* ------------------------------------------------------------- staff */

static int plan_staff(ctx *c)
{
    sts_file *f = c->f;
    int rc = 0;
    for (size_t i = 0; i < f->staff.n && rc == 0; i++) {
        sts_person *p = &f->staff.v[i];
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, p->item.r, false);
        const char *id = p->item.r->text[RELAIS_STAFF_STS_ID];
        if (rc == 0) {
            rc = map_put_ref(c->ref_staff, id, ref);
        }
        if (rc == 0) {
            rc = presence(c, "staff", id, ref);
        }
        for (size_t d = 0; d < p->disciplines.n && rc == 0; d++) {
            relais_record *dr = p->disciplines.v[d].r;
            dr->ref[RELAIS_STAFF_DISCIPLINE_STAFF] = ref;
            int64_t dref;
            rc = upsert(&dref, NULL, NULL, c, dr, false);
        }
    }
    return rc;
}

/* --------------------------------------------------------- structures */

/* Warn about MEF codes of a structure that neither the file nor the hub knows. */
static int check_mefs(ctx *c, const sts_item *it, size_t field, const char *ids)
{
    const char *mefs = it->r->text[field];
    int rc = 0;
    while (mefs && *mefs && rc == 0) {
        const char *sp = strchr(mefs, ' ');
        size_t len = sp ? (size_t)(sp - mefs) : strlen(mefs);
        char code[64];
        if (len < sizeof code) {
            memcpy(code, mefs, len);
            code[len] = '\0';
            int64_t ref;
            if (!map_get_ref(c->ref_mef, code, &ref) &&
                stored_by_code(c, RELAIS_KIND_MEF, RELAIS_MEF_CODE_MEF, code) == NULL) {
                rc = sts_warn(c->f, RELAIS_SEVERITY_WARNING, "MEF_INCONNU", it->line, it->r->kind,
                              ids, _("MEF %s absent de la nomenclature de l'export et du hub"),
                              code);
            }
        }
        mefs = sp ? sp + 1 : NULL;
    }
    return rc;
}

static const char *structure_ids(ctx *c, const sts_structure *st)
{
    util_buf b = UTIL_BUF_INIT;
    const relais_record *r = st->item.r;
    util_buf_printf(&b, "%s %s", st->is_group ? "GROUPE" : "DIVISION",
                    r->text[st->is_group ? RELAIS_GROUP_CODE : RELAIS_DIVISION_CODE]);
    const char *s = b.failed ? NULL : util_arena_strdup(c->f->arena, util_buf_cstr(&b));
    util_buf_free(&b);
    return s;
}

static int plan_structures(ctx *c, bool groups)
{
    sts_structure_vec *vec = groups ? &c->f->groups : &c->f->divisions;
    int rc = 0;
    for (size_t i = 0; i < vec->n && rc == 0; i++) {
        sts_structure *st = &vec->v[i];
        relais_record *r = st->item.r;
        const char *code = r->text[groups ? RELAIS_GROUP_CODE : RELAIS_DIVISION_CODE];
        int64_t ref;
        rc = upsert(&ref, NULL, NULL, c, r, true);
        if (rc == 0) {
            rc = map_put_ref(groups ? c->ref_group : c->ref_division, code, ref);
        }
        if (rc == 0) {
            rc = presence(c, groups ? "group" : "division", code, ref);
        }
        if (rc == 0) {
            rc = check_mefs(c, &st->item, groups ? RELAIS_GROUP_MEFS : RELAIS_DIVISION_MEFS,
                            structure_ids(c, st));
        }
        if (rc == 0 && groups && ref > 0) {
            rc = util_idset_add(c->listed_groups, ref);
        }
    }
    return rc;
}

/* The divisions of each group STS-Web lists. */
static int plan_group_divisions(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->f->groups.n && rc == 0; i++) {
        sts_structure *st = &c->f->groups.v[i];
        int64_t gref;
        map_get_ref(c->ref_group, st->item.r->text[RELAIS_GROUP_CODE], &gref);
        for (size_t d = 0; d < st->divisions.n && rc == 0; d++) {
            const char *dc = st->divisions.v[d];
            int64_t dref = 0;
            if (!map_get_ref(c->ref_division, dc, &dref)) {
                const relais_record *old =
                    stored_by_code(c, RELAIS_KIND_DIVISION, RELAIS_DIVISION_CODE, dc);
                dref = old ? old->id : 0;
            }
            if (dref == 0) {
                rc = sts_warn(c->f, RELAIS_SEVERITY_WARNING, "DIVISION_INCONNUE",
                              st->division_lines.v[d], RELAIS_KIND_GROUP_DIVISION,
                              structure_ids(c, st),
                              _("division %s inconnue (ni dans l'export ni dans le hub) : "
                                "rattachement ignoré"),
                              dc);
                continue;
            }
            relais_record *gd = relais_record_new(c->f->arena, RELAIS_KIND_GROUP_DIVISION);
            if (gd == NULL) {
                return RELAIS_ENOMEM;
            }
            gd->ref[RELAIS_GROUP_DIVISION_GROUP] = gref;
            gd->ref[RELAIS_GROUP_DIVISION_DIVISION] = dref;
            gd->scope_id = c->scope;
            if (sts_index_find(c->ix[RELAIS_KIND_GROUP_DIVISION], gd) == NULL) {
                /* Not stored: a duplicate in the file would be created twice. */
                bool dup = false;
                for (size_t k = 0; k < d; k++) {
                    dup = dup || strcmp(st->divisions.v[k], dc) == 0;
                }
                if (dup) {
                    continue;
                }
            }
            int64_t ref;
            rc = upsert(&ref, NULL, NULL, c, gd, false);
        }
    }
    return rc;
}

/* ---------------------------------------------------------- services */

static const char *service_ids(ctx *c, const sts_service *sv)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_printf(&b, "%s %s, SERVICE %s/%s", sv->is_group ? "GROUPE" : "DIVISION", sv->structure,
                    sv->item.r->text[RELAIS_SERVICE_CODE_MATIERE],
                    sv->item.r->text[RELAIS_SERVICE_CODE_MOD_COURS]);
    const char *s = b.failed ? NULL : util_arena_strdup(c->f->arena, util_buf_cstr(&b));
    util_buf_free(&b);
    return s;
}

static int plan_services(ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->f->services.n && rc == 0; i++) {
        sts_service *sv = &c->f->services.v[i];
        relais_record *r = sv->item.r;
        const char *ids = service_ids(c, sv);
        int64_t sref = 0;
        map_get_ref(sv->is_group ? c->ref_group : c->ref_division, sv->structure, &sref);
        r->ref[sv->is_group ? RELAIS_SERVICE_GROUP : RELAIS_SERVICE_DIVISION] = sref;
        r->scope_id = c->scope;
        const char *matiere = r->text[RELAIS_SERVICE_CODE_MATIERE];
        int64_t mref;
        if (!map_get_ref(c->ref_subject, matiere, &mref) &&
            stored_by_code(c, RELAIS_KIND_SUBJECT, RELAIS_SUBJECT_CODE_MATIERE, matiere) == NULL) {
            rc =
                sts_warn(c->f, RELAIS_SEVERITY_WARNING, "MATIERE_INCONNUE", sv->item.line,
                         RELAIS_KIND_SERVICE, ids,
                         _("matière %s absente de la nomenclature de l'export et du hub"), matiere);
        }
        /* The natural key, to catch a service listed twice for one structure. */
        util_arena_reset(c->tmp);
        const char *key = rc == 0 ? relais_record_key(r, c->tmp) : NULL;
        int64_t seen;
        if (rc == 0 && key == NULL) {
            rc = RELAIS_ENOMEM;
        }
        if (rc == 0 && util_map_get(c->planned_services, key, strlen(key), &seen)) {
            rc = sts_warn(c->f, RELAIS_SEVERITY_WARNING, "DOUBLON", sv->item.line,
                          RELAIS_KIND_SERVICE, ids, "%s",
                          _("service déjà lu plus haut pour cette structure, ignoré"));
            continue;
        }
        if (rc == 0) {
            rc = util_map_put(c->planned_services, key, strlen(key), 1);
        }
        int64_t ref = 0;
        if (rc == 0) {
            rc = upsert(&ref, NULL, NULL, c, r, false);
        }
        if (rc == 0) {
            char xid[512];
            snprintf(xid, sizeof xid, "%s/%s/%s", sv->structure, matiere,
                     r->text[RELAIS_SERVICE_CODE_MOD_COURS]);
            rc = presence(c, "service", xid, ref);
        }
        for (size_t t = 0; t < sv->teachers.n && rc == 0; t++) {
            sts_service_teacher *st = &sv->teachers.v[t];
            int64_t staff;
            if (!map_get_ref(c->ref_staff, st->id, &staff)) {
                rc = sts_warn(c->f, RELAIS_SEVERITY_WARNING, "ENSEIGNANT_INCONNU", st->line,
                              RELAIS_KIND_SERVICE_TEACHER, ids,
                              _("ENSEIGNANT %s absent des INDIVIDUS de l'export : lien ignoré"),
                              st->id);
                continue;
            }
            bool dup = false;
            for (size_t k = 0; k < t; k++) {
                dup = dup || strcmp(sv->teachers.v[k].id, st->id) == 0;
            }
            if (dup) {
                continue;
            }
            relais_record *tr = relais_record_new(c->f->arena, RELAIS_KIND_SERVICE_TEACHER);
            if (tr == NULL) {
                return RELAIS_ENOMEM;
            }
            tr->ref[RELAIS_SERVICE_TEACHER_SERVICE] = ref;
            tr->ref[RELAIS_SERVICE_TEACHER_STAFF] = staff;
            rc = relais_record_set_str(tr, c->f->arena, RELAIS_SERVICE_TEACHER_HEURES_AGENT,
                                       st->heures);
            if (rc == 0) {
                rc = relais_record_set_str(tr, c->f->arena, RELAIS_SERVICE_TEACHER_TAUX_PONDERATION,
                                           st->taux);
            }
            int64_t tref;
            if (rc == 0) {
                rc = upsert(&tref, NULL, NULL, c, tr, false);
            }
        }
    }
    return rc;
}

/* ------------------------------------------------------- deactivation */

static size_t id_text(char buf[24], int64_t id)
{
    int n = snprintf(buf, 24, "%lld", (long long)id);
    return n > 0 ? (size_t)n : 0;
}

/* Count, per entity, the active presence xrefs of applications other than STS-Web. */
static int count_other_sources(ctx *c)
{
    sts_index *ix = c->ix[RELAIS_KIND_XREF];
    int rc = 0;
    for (size_t i = 0; i < sts_index_count(ix) && rc == 0; i++) {
        const relais_record *x = sts_index_at(ix, i);
        int64_t e = x->ref[RELAIS_XREF_ENTITY];
        if (!x->is_active || e <= 0 || !sts_xref_is_presence(x) ||
            util_streq(x->text[RELAIS_XREF_APPLICATION], STS_APPLICATION)) {
            continue;
        }
        char buf[24];
        int64_t n = 0;
        size_t len = id_text(buf, e);
        util_map_get(c->others, buf, len, &n);
        rc = util_map_put(c->others, buf, len, n + 1);
    }
    return rc;
}

static bool in_lists_seen(const sts_file *f, const char *list)
{
    for (size_t i = 0; i < f->lists_seen.n; i++) {
        if (util_streq(f->lists_seen.v[i], list)) {
            return true;
        }
    }
    return false;
}

static int deactivate_absent(ctx *c)
{
    int rc = 0;
    /* Kinds STS-Web alone provides. */
    static const relais_kind own[] = {RELAIS_KIND_STAFF, RELAIS_KIND_STAFF_DISCIPLINE,
                                      RELAIS_KIND_SERVICE_TEACHER, RELAIS_KIND_NOMENCLATURE,
                                      RELAIS_KIND_GROUP_DIVISION};
    for (size_t k = 0; k < UTIL_ARRAY_LEN(own) && rc == 0; k++) {
        sts_index *ix = c->ix[own[k]];
        for (size_t i = 0; i < sts_index_count(ix) && rc == 0; i++) {
            const relais_record *r = sts_index_at(ix, i);
            if (!r->is_active || sts_index_seen(ix, i)) {
                continue;
            }
            if (own[k] == RELAIS_KIND_NOMENCLATURE) {
                const char *list = r->text[RELAIS_NOMENCLATURE_LIST];
                if (list == NULL || strncmp(list, "sts_", 4) != 0 || !in_lists_seen(c->f, list)) {
                    continue;
                }
            }
            if (own[k] == RELAIS_KIND_GROUP_DIVISION &&
                !util_idset_has(c->listed_groups, r->ref[RELAIS_GROUP_DIVISION_GROUP])) {
                continue;
            }
            rc = relais_plan_deactivate(c->p, r, c->date);
        }
    }
    /* Shared kinds: the STS-Web xref goes; the object when no other source lists it. */
    sts_index *xi = c->ix[RELAIS_KIND_XREF];
    for (size_t i = 0; i < sts_index_count(xi) && rc == 0; i++) {
        const relais_record *x = sts_index_at(xi, i);
        if (!x->is_active || sts_index_seen(xi, i) ||
            !util_streq(x->text[RELAIS_XREF_APPLICATION], STS_APPLICATION)) {
            continue;
        }
        rc = relais_plan_deactivate(c->p, x, c->date);
        int kind = relais_kind_by_name(x->text[RELAIS_XREF_CATEGORY]);
        int64_t e = x->ref[RELAIS_XREF_ENTITY];
        if (rc < 0 || e <= 0 ||
            (kind != RELAIS_KIND_SUBJECT && kind != RELAIS_KIND_MEF &&
             kind != RELAIS_KIND_DIVISION && kind != RELAIS_KIND_GROUP &&
             kind != RELAIS_KIND_SERVICE)) {
            continue;
        }
        char buf[24];
        int64_t n = 0;
        size_t len = id_text(buf, e);
        if (util_map_get(c->others, buf, len, &n) && n > 0) {
            continue;
        }
        sts_index *ix = c->ix[kind];
        const relais_record *entity = sts_index_get(ix, e);
        /* Never deactivate what the file lists (under this code or another). */
        if (entity && entity->is_active && !sts_index_seen_id(ix, e)) {
            rc = relais_plan_deactivate(c->p, entity, c->date);
        }
    }
    return rc;
}

/* ------------------------------------------------------------ checks */

/* sts_emp_<UAI>_<YEAR>.xml (or .zip): the UAI and year the name announces, if it follows the
 * pattern. */
static bool name_announces(char uai[9], int *year, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncasecmp(base, "sts_emp_", 8) != 0 || strlen(base) < 8 + 8 + 1 + 4) {
        return false;
    }
    const char *u = base + 8;
    for (int i = 0; i < 8; i++) {
        char ch = u[i];
        uai[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    uai[8] = '\0';
    int64_t y;
    if (!sts_uai_valid(uai) || u[8] != '_' || !util_parse_int64(u + 9, 4, &y)) {
        return false;
    }
    *year = (int)y;
    return true;
}

static int check_scope(ctx *c, const sts_import_options *opts, bool *creates_establishment)
{
    sts_file *f = c->f;
    char uai[9];
    int year;
    if (name_announces(uai, &year, opts->path) && (strcmp(uai, f->uai) != 0 || year != f->year)) {
        relais_error_set(_("%s : le nom du fichier annonce %s %d mais son contenu est de %s %d "
                           "(fichier renommé ou mélangé ?) : rien n'a été importé"),
                         f->file, uai, year, f->uai, f->year);
        return RELAIS_EREFUSED;
    }
    if (opts->uai && strcasecmp(opts->uai, f->uai) != 0) {
        relais_error_set(_("%s:%lu : l'export est de l'établissement %s, --uai demande %s : rien "
                           "n'a été importé"),
                         f->file, f->uai_line, f->uai, opts->uai);
        return RELAIS_EREFUSED;
    }
    if (f->year != opts->year) {
        relais_error_set(_("%s : export STS-Web de l'année %d-%d, le hub travaille sur %d-%d : "
                           "rien n'a été importé (--year %d pour importer dans cette année)"),
                         f->file, f->year, f->year + 1, opts->year, opts->year + 1, f->year);
        return RELAIS_EREFUSED;
    }
    util_arena_reset(c->tmp);
    relais_establishment *e = NULL;
    int rc = relais_store_establishment_find(&e, c->s, c->tmp, f->uai);
    *creates_establishment = rc == RELAIS_ENOTFOUND;
    if (rc == RELAIS_ENOTFOUND) {
        size_t n = 0;
        rc = relais_store_establishment_count(&n, c->s);
        if (rc == 0 && n > 0 && opts->uai == NULL) {
            relais_error_set(_("%s : l'établissement %s est inconnu du hub, qui en suit %zu "
                               "autre(s) : rien n'a été importé (--uai %s pour l'ajouter)"),
                             f->file, f->uai, n, f->uai);
            rc = RELAIS_EREFUSED;
        }
    }
    return rc;
}

/* ------------------------------------------------------------- entry */

int sts_import_plan(sts_import_info *info, relais_plan *plan, relais_store *s,
                    const sts_import_options *opts)
{
    memset(info, 0, sizeof *info);
    sts_file f = {.plan = plan};
    ctx c = {.f = &f, .p = plan, .s = s};
    char today[11];
    if (opts->date) {
        c.date = opts->date;
    } else {
        util_date d;
        util_date_today(&d);
        util_date_iso(&d, today);
        c.date = today;
    }
    int rc = util_arena_new(&c.tmp, 0);
    util_map **maps[] = {&c.ref_subject, &c.ref_mef, &c.ref_division,    &c.ref_group,
                         &c.ref_staff,   &c.others,  &c.planned_services};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(maps) && rc == 0; i++) {
        rc = util_map_new(maps[i]);
    }
    if (rc == 0) {
        rc = util_idset_new(&c.listed_groups);
    }
    if (rc == 0) {
        rc = sts_file_read(&f, opts->path);
    }
    bool creates_establishment = false;
    if (rc == 0) {
        rc = check_scope(&c, opts, &creates_establishment);
    }
    if (rc == 0) {
        relais_scope_spec spec = {.uai = f.uai, .year = f.year};
        if (creates_establishment) {
            spec.name = f.name;
            spec.type = f.sigle;
        }
        rc = relais_plan_scope(&c.scope, plan, &spec);
        if (rc == 0) {
            rc = relais_plan_add_source(plan, opts->path);
        }
    }
    for (size_t k = 0; k < UTIL_ARRAY_LEN(used_kinds) && rc == 0; k++) {
        rc = sts_index_load(&c.ix[used_kinds[k]], s, used_kinds[k], c.scope, RELAIS_ANY);
    }
    if (rc == 0) {
        rc = count_other_sources(&c);
    }
    if (rc == 0) {
        rc = plan_nomenclatures(&c);
    }
    if (rc == 0) {
        rc = plan_structures(&c, false);
    }
    if (rc == 0) {
        rc = plan_structures(&c, true);
    }
    if (rc == 0) {
        rc = plan_group_divisions(&c);
    }
    if (rc == 0) {
        rc = plan_staff(&c);
    }
    if (rc == 0) {
        rc = plan_services(&c);
    }
    if (rc == 0) {
        rc = deactivate_absent(&c);
    }
    if (rc == 0 && f.n_suppleants > 0) {
        rc = sts_warn(&f, RELAIS_SEVERITY_INFO, "SUPPLEANTS_LUS", 0, RELAIS_KIND_STAFF, NULL,
                      _("%zu suppléant(s) lu(s) dans SUPPLEANTS et importé(s) comme personnels"),
                      f.n_suppleants);
    }
    if (rc == 0) {
        memcpy(info->uai, f.uai, sizeof info->uai);
        info->year = f.year;
        info->scope_ref = c.scope;
        info->n_staff = f.staff.n;
        info->n_divisions = f.divisions.n;
        info->n_groups = f.groups.n;
        info->n_services = f.services.n;
        info->n_subjects = f.subjects.n;
    }
    for (size_t k = 0; k < RELAIS_KIND_COUNT; k++) {
        sts_index_free(c.ix[k]);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(maps); i++) {
        util_map_free(*maps[i]);
    }
    util_idset_free(c.listed_groups);
    util_arena_free(c.tmp);
    sts_file_free(&f);
    return rc;
}
