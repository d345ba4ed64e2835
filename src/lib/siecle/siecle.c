/*
 * siecle.c — the SIECLE import from end to end (siecle_plan_import), and the
 * planning helpers every part of it shares: create-or-update of one record
 * against the hub, the crosswalk, the sweep that deactivates what a full
 * export no longer lists, code lists for the "unknown code" warnings.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int siecle_warn(gctx *c, relais_severity sev, const char *code, const sfile *f,
                unsigned long line, relais_kind kind, const char *ids, const char *fmt, ...)
{
    util_buf msg = UTIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = util_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc == 0) {
        relais_warning w = {sev, code, f ? f->label : NULL, line, (int)kind, ids,
                            util_buf_cstr(&msg)};
        rc = relais_plan_warn(c->run->plan, &w);
    }
    util_buf_free(&msg);
    return rc;
}

bool siecle_proto_id(const proto *p, unsigned slot, int64_t *id)
{
    return p->v[slot] && siecle_id_parse(p->v[slot], p->len[slot], id);
}

int siecle_count_ignored(gctx *c, relais_kind kind)
{
    return relais_plan_count(c->run->plan, c->scope, kind, RELAIS_COUNT_IGNORED, 1);
}

const char *siecle_iso_of_days(gctx *c, int64_t days)
{
    util_date d;
    util_date_from_days(days, &d);
    char *iso = util_arena_alloc(c->run->arena, 11);
    if (iso) {
        util_date_iso(&d, iso);
    }
    return iso;
}

const char *siecle_absent_date(gctx *c, const sfile *f)
{
    return f && f->date_export[0] ? f->date_export : c->run->today;
}

/* ------------------------------------------------------------- upsert */

relais_record *siecle_record(gctx *c, relais_kind kind, const proto *p)
{
    relais_record *r = relais_record_new(c->run->arena, kind);
    if (r == NULL) {
        return NULL;
    }
    const relais_kind_info *ki = relais_kind_get(kind);
    for (unsigned i = 0; i < p->n_used; i++) {
        unsigned slot = p->used[i];
        if (slot < ki->n_fields && ki->fields[slot].type != RELAIS_FT_REF && p->len[slot] > 0) {
            r->text[slot] = p->v[slot];
        }
    }
    r->scope_id = c->scope;
    return r;
}

/* Fields SIECLE does not carry: left as they are (another source, or a manual entry, owns them). */
static bool carried(relais_kind kind, size_t f)
{
    switch (kind) {
    case RELAIS_KIND_STUDENT: return f != RELAIS_STUDENT_CONSENT_RGPD;
    case RELAIS_KIND_GUARDIAN:
        return f != RELAIS_GUARDIAN_CONSENT_RGPD && f != RELAIS_GUARDIAN_DATE_NAISSANCE;
    case RELAIS_KIND_DIVISION: return f != RELAIS_DIVISION_EFFECTIF_PREVU;
    case RELAIS_KIND_GROUP:
        return f != RELAIS_GROUP_EFFECTIF_PREVU && f != RELAIS_GROUP_EFFECTIF_MAX;
    case RELAIS_KIND_MEF: return f != RELAIS_MEF_MEFSTAT4;
    case RELAIS_KIND_ENROLMENT: return f != RELAIS_ENROLMENT_DATE_DEBUT;
    default: return true;
    }
}

int siecle_upsert(int64_t *ref, relais_record **old_out, gctx *c, relais_record *in,
                  unsigned groups, const proto *p, bool may_create)
{
    siecle_run *run = c->run;
    const relais_kind_info *ki = relais_kind_get(in->kind);
    *ref = 0;
    if (old_out) {
        *old_out = NULL;
    }
    in->scope_id = c->scope;
    bool lookup = c->stored[in->kind];
    for (size_t i = 0; i < ki->n_key && lookup; i++) {
        size_t f = ki->key[i];
        if (ki->fields[f].type == RELAIS_FT_REF && in->ref[f] < 0) {
            lookup = false; /* refers to a record this plan creates: cannot be stored */
        }
    }
    relais_record *old = NULL;
    int rc = 0;
    if (lookup) {
        rc = relais_store_record_find(&old, run->store, run->arena, in);
        if (rc == RELAIS_ENOTFOUND) {
            old = NULL;
            rc = 0;
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (old) {
        rc = idbits_set(c->seen, old->id);
        for (size_t f = 0; f < ki->n_fields; f++) {
            if (!carried(in->kind, f)) {
                in->text[f] = old->text[f];
                in->ref[f] = old->ref[f];
            }
        }
        for (unsigned i = 0; p && i < p->n_keep; i++) {
            size_t f = p->keep[i];
            if (f < ki->n_fields) {
                in->text[f] = old->text[f];
                in->ref[f] = old->ref[f];
            }
        }
        bool changed = false;
        if (rc == 0 && in->is_active) {
            rc = relais_plan_update(&changed, run->plan, old, in, groups & ~RELAIS_FG_CONSENT);
        } else if (rc == 0) {
            rc = relais_plan_update_inactive(&changed, run->plan, old, in,
                                             groups & ~RELAIS_FG_CONSENT, in->deactivated_on);
        }
        if (rc == 0 && !in->is_active && old->is_active) {
            rc = idbits_set(c->deact, old->id);
        }
        *ref = old->id;
        if (old_out) {
            *old_out = old;
        }
        return rc;
    }
    if (!may_create) {
        return relais_plan_count(run->plan, c->scope, in->kind, RELAIS_COUNT_IGNORED, 1);
    }
    return in->is_active ? relais_plan_create(ref, run->plan, in)
                         : relais_plan_create_inactive(ref, run->plan, in, in->deactivated_on);
}

bool siecle_key_dup(gctx *c, relais_kind kind, const char *key)
{
    siecle_key_buf k = {.heap = UTIL_BUF_INIT};
    bool dup = false;
    if (siecle_key(&k, relais_kind_get(kind)->name, key) == 0) {
        dup = util_map_get(c->keys, k.data, k.len, NULL);
        if (!dup) {
            util_map_put(c->keys, k.data, k.len, 1);
        }
    }
    util_buf_free(&k.heap);
    return dup;
}

/* ---------------------------------------------------------- crosswalk */

int siecle_xref(gctx *c, const char *application, const char *category, const char *ext_id,
                int64_t entity)
{
    if (entity == 0 || ext_id == NULL || ext_id[0] == '\0') {
        return 0;
    }
    siecle_run *run = c->run;
    relais_record *x = relais_record_new(run->arena, RELAIS_KIND_XREF);
    if (x == NULL) {
        return RELAIS_ENOMEM;
    }
    x->scope_id = c->scope;
    x->text[RELAIS_XREF_APPLICATION] = application;
    x->text[RELAIS_XREF_CATEGORY] = category;
    x->text[RELAIS_XREF_EXTERNAL_ID] = ext_id;
    x->text[RELAIS_XREF_PROVENANCE] = "import";
    x->ref[RELAIS_XREF_ENTITY] = entity;
    relais_record *old = NULL;
    int rc = 0;
    if (entity > 0 && c->stored[RELAIS_KIND_XREF]) {
        rc = relais_store_record_find(&old, run->store, run->arena, x);
        if (rc == RELAIS_ENOTFOUND) {
            old = NULL;
            rc = 0;
        }
    }
    if (rc < 0) {
        return rc;
    }
    if (old == NULL) {
        int64_t ref;
        return relais_plan_create(&ref, run->plan, x);
    }
    rc = idbits_set(c->seen, old->id);
    bool changed = false;
    if (rc == 0) {
        rc = relais_plan_update(&changed, run->plan, old, x, RELAIS_FG_ALL);
    }
    if (rc == 0 && !changed) {
        rc = relais_plan_touch(run->plan, old);
    }
    return rc;
}

/* --------------------------------------------------------------- sweep */

typedef struct sweep_ctx {
    gctx *c;
    const char *date;
    sweep_filter filter;
    void *payload;
} sweep_ctx;

static int sweep_one(const relais_record *r, void *payload)
{
    sweep_ctx *s = payload;
    gctx *c = s->c;
    if (idbits_has(c->seen, r->id) || (s->filter && !s->filter(c, r, s->payload))) {
        return 0;
    }
    int rc = relais_plan_deactivate(c->run->plan, r, s->date);
    return rc < 0 ? rc : idbits_set(c->deact, r->id);
}

int siecle_sweep(gctx *c, relais_kind kind, const char *date, sweep_filter filter,
                 void *payload)
{
    if (!c->stored[kind]) {
        return 0;
    }
    sweep_ctx s = {c, date, filter, payload};
    return relais_store_record_foreach(c->run->store, kind, c->scope, RELAIS_ACTIVE, sweep_one,
                                       &s);
}

/* Entities that another importing source lists: their presence does not depend on SIECLE. */
static int other_source(const relais_record *r, void *payload)
{
    gctx *c = payload;
    const char *app = r->text[RELAIS_XREF_APPLICATION];
    if (util_streq(app, "sts") || util_streq(app, "edt")) {
        return idbits_set(c->others, r->ref[RELAIS_XREF_ENTITY]);
    }
    return 0;
}

int siecle_load_others(gctx *c)
{
    if (c->others_loaded || !c->stored[RELAIS_KIND_XREF]) {
        c->others_loaded = true;
        return 0;
    }
    c->others_loaded = true;
    return relais_store_record_foreach(c->run->store, RELAIS_KIND_XREF, c->scope, RELAIS_ACTIVE,
                                       other_source, c);
}

/* ----------------------------------------------------------- code lists */

int siecle_code_add(gctx *c, const char *list, const char *code)
{
    siecle_key_buf k = {.heap = UTIL_BUF_INIT};
    int rc = siecle_key(&k, list, code);
    if (rc == 0) {
        rc = util_map_put(c->codes, k.data, k.len, 1);
    }
    if (rc == 0) {
        rc = util_map_put(c->lists, list, strlen(list), 1);
    }
    util_buf_free(&k.heap);
    return rc;
}

bool siecle_code_known(gctx *c, const char *list, const char *code)
{
    if (!util_map_get(c->lists, list, strlen(list), NULL)) {
        return true;
    }
    siecle_key_buf k = {.heap = UTIL_BUF_INIT};
    bool known = siecle_key(&k, list, code) == 0 && util_map_get(c->codes, k.data, k.len, NULL);
    util_buf_free(&k.heap);
    return known;
}

static int load_code(const relais_record *r, void *payload)
{
    gctx *c = payload;
    switch (r->kind) {
    case RELAIS_KIND_MEF: return siecle_code_add(c, "mef", r->text[RELAIS_MEF_CODE_MEF]);
    case RELAIS_KIND_SUBJECT:
        return siecle_code_add(c, "subject", r->text[RELAIS_SUBJECT_CODE_MATIERE]);
    default:
        return siecle_code_add(c, r->text[RELAIS_NOMENCLATURE_LIST],
                               r->text[RELAIS_NOMENCLATURE_CODE]);
    }
}

int siecle_codes_load(gctx *c)
{
    static const relais_kind kinds[] = {RELAIS_KIND_MEF, RELAIS_KIND_SUBJECT,
                                        RELAIS_KIND_NOMENCLATURE};
    int rc = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(kinds) && rc == 0; i++) {
        if (c->stored[kinds[i]]) {
            rc = relais_store_record_foreach(c->run->store, kinds[i], c->scope, RELAIS_ACTIVE,
                                             load_code, c);
        }
    }
    return rc;
}

int siecle_check_code(gctx *c, const sfile *f, const proto *p, unsigned slot, const char *list,
                      relais_kind kind, const char *ids)
{
    const char *v = p->v[slot];
    if (v == NULL || p->len[slot] == 0 || siecle_code_known(c, list, v)) {
        return 0;
    }
    if (strcmp(list, "mef") == 0) {
        return siecle_warn(c, RELAIS_SEVERITY_WARNING, "MEF_INCONNU", f, p->line, kind, ids,
                           _("MEF %s absent des nomenclatures"), v);
    }
    return siecle_warn(c, RELAIS_SEVERITY_WARNING, "CODE_INCONNU", f, p->line, kind, ids,
                       _("%s « %s » absent de la nomenclature"), list, v);
}

/* ---------------------------------------------------------------- groups */

static int register_scope(siecle_run *run, sgroup *g)
{
    const sfile *cf = g->f[SF_COMMUN];
    relais_calendar cal = {0};
    relais_scope_spec spec = {.uai = g->uai, .year = g->year};
    if (cf) {
        spec.name = cf->etab_name;
        spec.type = cf->etab_type;
        spec.sector = cf->etab_sector;
        const char **slots[4] = {&cal.student_start, &cal.student_end, &cal.staff_start,
                                 &cal.staff_end};
        bool any = false;
        for (int i = 0; i < 4; i++) {
            *slots[i] = cf->cal[i][0] ? cf->cal[i] : NULL;
            any = any || cf->cal[i][0];
        }
        if (any) {
            spec.calendar = &cal;
        }
    }
    int rc = relais_plan_scope(&g->scope_ref, run->plan, &spec);
    if (rc == 0) {
        relais_plan_scope_info info;
        relais_plan_scope_get(&info, run->plan, relais_plan_n_scopes(run->plan) - 1);
        for (size_t i = 0; i < relais_plan_n_scopes(run->plan); i++) {
            relais_plan_scope_get(&info, run->plan, i);
            if (info.scope_ref == g->scope_ref) {
                g->scope_is_new = info.creates_year;
            }
        }
    }
    return rc;
}

/* Day number of the date students who left before are ignored (INT64_MIN: option off). */
static int ignore_date(gctx *c)
{
    siecle_run *run = c->run;
    c->ignore_before_days = INT64_MIN;
    if (!run->o.ignore_left) {
        return 0;
    }
    util_date d;
    const char *v = run->o.ignore_left_before;
    if (v) {
        if (!util_date_parse(v, strlen(v), &d)) {
            relais_error_set(_("date invalide pour --ignore-left-before : « %s » (JJ/MM/AAAA)"), v);
            return RELAIS_EINVALID;
        }
        c->ignore_before_days = util_date_days(&d);
        return 0;
    }
    const sfile *cf = c->g->f[SF_COMMUN];
    if (cf && cf->cal[0][0] && util_date_parse(cf->cal[0], 10, &d)) {
        c->ignore_before_days = util_date_days(&d);
        return 0;
    }
    if (!c->g->scope_is_new) {
        relais_scope *sc = NULL;
        util_arena_reset(run->arena);
        int rc = relais_store_scope_get(&sc, run->store, run->arena, c->scope);
        if (rc < 0) {
            return rc;
        }
        if (sc->calendar.student_start &&
            util_date_parse(sc->calendar.student_start, strlen(sc->calendar.student_start), &d)) {
            c->ignore_before_days = util_date_days(&d);
            return 0;
        }
    }
    d = (util_date){c->g->year, 9, 1};
    c->ignore_before_days = util_date_days(&d);
    return 0;
}

/* One info line per file read: what it is, for which establishment, from when. */
static int file_notes(gctx *c)
{
    int rc = 0;
    const sfile *el = c->g->f[SF_ELEVES], *re = c->g->f[SF_RESPONSABLES];
    for (int t = 0; t < SF_COUNT && rc == 0; t++) {
        const sfile *f = c->g->f[t];
        if (f == NULL) {
            continue;
        }
        char date[11] = "?";
        if (f->date_export[0]) {
            util_iso_to_fr(f->date_export, date);
        }
        rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "FICHIER_LU", f, 0, -1, NULL,
                         _("%s (%s %s), UAJ %s, année %d-%d, export du %s, %s, %llu "
                           "enregistrement(s)"),
                         siecle_type_label(f->type), f->root, f->version ? f->version : "",
                         f->uaj, f->year, f->year + 1, f->horodatage ? f->horodatage : date,
                         f->encoding ? f->encoding : "?", (unsigned long long)f->n_records);
    }
    if (rc == 0 && el && re && el->date_export[0] && re->date_export[0] &&
        strcmp(el->date_export, re->date_export) != 0) {
        char d1[11], d2[11];
        util_iso_to_fr(el->date_export, d1);
        util_iso_to_fr(re->date_export, d2);
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "EXPORTS_DE_DATES_DIFFERENTES", re, 0, -1,
                         NULL,
                         _("les élèves ont été exportés le %s et les responsables le %s : "
                           "exportez-les le même jour pour des liens à jour"),
                         d1, d2);
    }
    return rc;
}

/* The crosswalk entries of the categories the files cover, not seen: deactivated. */
typedef struct xref_cover {
    bool student, guardian, division, group, mef, subject;
    const char *date_student, *date_guardian, *date_structures, *date_nomenclature;
} xref_cover;

static bool xref_filter(gctx *c, const relais_record *r, void *payload)
{
    xref_cover *cv = payload;
    const char *app = r->text[RELAIS_XREF_APPLICATION];
    const char *cat = r->text[RELAIS_XREF_CATEGORY];
    if (idbits_has(c->protect, r->ref[RELAIS_XREF_ENTITY])) {
        return false;
    }
    if (util_streq(app, "ine")) {
        return cv->student && util_streq(cat, "student");
    }
    if (!util_streq(app, "siecle") || cat == NULL) {
        return false;
    }
    return (cv->student && strcmp(cat, "student") == 0) ||
           (cv->guardian && strcmp(cat, "guardian") == 0) ||
           (cv->division && strcmp(cat, "division") == 0) ||
           (cv->group && strcmp(cat, "group") == 0) || (cv->mef && strcmp(cat, "mef") == 0) ||
           (cv->subject && strcmp(cat, "subject") == 0);
}

static int sweep_xrefs(gctx *c)
{
    const sgroup *g = c->g;
    xref_cover cv = {
        .student = g->f[SF_ELEVES] != NULL,
        .guardian = g->f[SF_RESPONSABLES] != NULL && c->run->o.guardians,
        .division = g->f[SF_STRUCTURES] != NULL,
        .group = g->f[SF_STRUCTURES] != NULL && c->run->o.groups,
        .mef = g->f[SF_NOMENCLATURE] != NULL,
        .subject = g->f[SF_NOMENCLATURE] != NULL,
    };
    if (!(cv.student || cv.guardian || cv.division || cv.group || cv.mef)) {
        return 0;
    }
    /* One date per run of the sweep: the most recent export of the set. */
    const char *date = c->run->today;
    const char *best = NULL;
    for (int t = 0; t < SF_COUNT; t++) {
        if (g->f[t] && g->f[t]->date_export[0] &&
            (best == NULL || strcmp(g->f[t]->date_export, best) > 0)) {
            best = g->f[t]->date_export;
        }
    }
    if (best) {
        date = best;
    }
    return siecle_sweep(c, RELAIS_KIND_XREF, date, xref_filter, &cv);
}

static int plan_group(siecle_run *run, sgroup *g, size_t index)
{
    gctx c = {.run = run, .g = g, .scope = g->scope_ref};
    int rc = idbits_new(&c.seen);
    if (rc == 0) {
        rc = idbits_new(&c.protect);
    }
    if (rc == 0) {
        rc = idbits_new(&c.deact);
    }
    if (rc == 0) {
        rc = idbits_new(&c.others);
    }
    if (rc == 0) {
        rc = util_map_new(&c.codes);
    }
    if (rc == 0) {
        rc = util_map_new(&c.lists);
    }
    if (rc == 0) {
        rc = util_map_new(&c.keys);
    }
    if (rc == 0) {
        rc = util_map_new(&c.structs);
    }
    for (int k = 0; k < RELAIS_KIND_COUNT && rc == 0 && !g->scope_is_new; k++) {
        rc = relais_store_record_any(&c.stored[k], run->store, (relais_kind)k, c.scope);
    }
    if (rc == 0) {
        rc = ignore_date(&c);
    }
    if (rc == 0) {
        rc = file_notes(&c);
    }
    siecle_progress(run, SIECLE_PHASE_PLAN, NULL, index, run->n_groups);
    if (rc == 0 && g->f[SF_COMMUN]) {
        rc = siecle_plan_nomenclature(&c, g->f[SF_COMMUN]);
    }
    static const sf_type refs[] = {SF_NOMENCLATURE, SF_ETABLISSEMENTS, SF_ETAB_ELEVES,
                                   SF_GEOGRAPHIQUE};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(refs) && rc == 0; i++) {
        if (g->f[refs[i]]) {
            rc = siecle_plan_nomenclature(&c, g->f[refs[i]]);
        }
    }
    if (rc == 0 && g->f[SF_NOMENCLATURE] == NULL) {
        rc = siecle_codes_load(&c);
    }
    if (rc == 0 && g->f[SF_STRUCTURES]) {
        rc = siecle_plan_structures(&c);
    }
    if (rc == 0 && g->f[SF_ELEVES]) {
        rc = siecle_plan_eleves(&c);
    }
    if (rc == 0 && g->f[SF_RESPONSABLES]) {
        rc = siecle_plan_responsables(&c);
    }
    if (rc == 0) {
        rc = sweep_xrefs(&c);
    }
    idbits_free(c.seen);
    idbits_free(c.protect);
    idbits_free(c.deact);
    idbits_free(c.others);
    util_map_free(c.codes);
    util_map_free(c.lists);
    util_map_free(c.keys);
    util_map_free(c.structs);
    util_free(c.students);
    kvarr_free(&c.guardians);
    util_arena_reset(run->arena);
    return rc;
}

/* ------------------------------------------------------------- reading */

int sworker_init(sworker *w)
{
    memset(w, 0, sizeof *w);
    int rc = stmp_new(&w->main);
    if (rc == 0) {
        rc = stmp_new(&w->side);
    }
    if (rc == 0) {
        rc = stmp_new(&w->warn);
    }
    if (rc == 0) {
        rc = util_arena_new(&w->arena, 64 * 1024);
    }
    return rc;
}

void sworker_free(sworker *w)
{
    stmp_free(w->main);
    stmp_free(w->side);
    stmp_free(w->warn);
    pb_free(&w->pb);
    pb_free(&w->wpb);
    util_arena_free(w->arena);
}

typedef struct parse_queue {
    siecle_run *run;
    sfile **files; /* largest first, so that the threads finish together */
    size_t n, next;
    bool failed;
    pthread_mutex_t lock;
} parse_queue;

typedef struct parse_thread {
    parse_queue *q;
    sworker *w;
} parse_thread;

static void *parse_worker(void *arg)
{
    parse_thread *t = arg;
    parse_queue *q = t->q;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        sfile *f = !q->failed && q->next < q->n ? q->files[q->next++] : NULL;
        pthread_mutex_unlock(&q->lock);
        if (f == NULL) {
            break;
        }
        int rc = siecle_parse_file(q->run, t->w, f);
        if (rc < 0) {
            f->parse_rc = rc;
            f->parse_error = util_strdup(relais_error_last());
            pthread_mutex_lock(&q->lock);
            q->failed = true;
            pthread_mutex_unlock(&q->lock);
        }
    }
    return NULL;
}

typedef struct sized_file {
    sfile *f;
    off_t size;
} sized_file;

static int cmp_size_desc(const void *a, const void *b)
{
    const sized_file *x = a, *y = b;
    return (x->size < y->size) - (x->size > y->size);
}

/* Read the files of one establishment but Communs (already read), in parallel; report in
 * the order the files were given. */
static int parse_group(siecle_run *run, const sgroup *g)
{
    parse_queue q = {.run = run};
    sized_file *sized = util_calloc(run->n_files ? run->n_files : 1, sizeof *sized);
    q.files = util_calloc(run->n_files ? run->n_files : 1, sizeof *q.files);
    int rc = sized && q.files ? 0 : RELAIS_ENOMEM;
    for (size_t i = 0; i < run->n_files && rc == 0; i++) {
        if (run->files[i].group == g && run->files[i].type != SF_COMMUN) {
            struct stat st;
            sized[q.n].f = &run->files[i];
            sized[q.n].size = stat(run->files[i].path, &st) == 0 ? st.st_size : 0;
            q.n++;
        }
    }
    if (rc == 0) {
        qsort(sized, q.n, sizeof *sized, cmp_size_desc);
        for (size_t i = 0; i < q.n; i++) {
            q.files[i] = sized[i].f;
        }
    }
    size_t n_threads = UTIL_MIN(run->n_workers, q.n);
    if (rc == 0 && n_threads <= 1) {
        parse_thread t = {&q, &run->workers[0]};
        parse_worker(&t);
    } else if (rc == 0) {
        pthread_mutex_init(&q.lock, NULL);
        pthread_t tids[8];
        parse_thread ts[8];
        size_t started = 0;
        for (size_t i = 0; i < n_threads && i < UTIL_ARRAY_LEN(tids); i++) {
            ts[i] = (parse_thread){&q, &run->workers[i]};
            if (pthread_create(&tids[i], NULL, parse_worker, &ts[i]) == 0) {
                started++;
            } else if (started == 0) {
                parse_worker(&ts[i]); /* no thread: read everything here */
            }
        }
        for (size_t i = 0; i < started; i++) {
            pthread_join(tids[i], NULL);
        }
        pthread_mutex_destroy(&q.lock);
    }
    /* The first file in the order given that failed names the error. */
    for (size_t i = 0; i < run->n_files && rc == 0; i++) {
        sfile *f = &run->files[i];
        if (f->group == g && f->parse_rc < 0) {
            relais_error_set("%s", f->parse_error ? f->parse_error : _("erreur inconnue"));
            rc = f->parse_rc;
        }
    }
    for (size_t i = 0; i < run->n_files && rc == 0; i++) {
        if (run->files[i].group == g) {
            rc = siecle_parse_report(run, &run->files[i]);
        }
    }
    util_free(sized);
    util_free(q.files);
    return rc;
}

/* ----------------------------------------------------------------- entry */

int siecle_plan_import(relais_plan *plan, relais_store *s, const char *const *paths,
                       size_t n_paths, const siecle_options *opts)
{
    siecle_options defaults = SIECLE_OPTIONS_INIT;
    siecle_run run = {.plan = plan, .store = s, .o = opts ? *opts : defaults};
    if (run.o.xml) {
        run.xo = *run.o.xml;
    } else {
        xml_options xo = XML_OPTIONS_INIT;
        run.xo = xo;
    }
    run.xo.allow_doctype = false;
    util_date today;
    util_date_today(&today);
    util_date_iso(&today, run.today);
    run.today_days = util_date_days(&today);

    pthread_mutex_init(&run.progress_lock, NULL);
    run.n_workers = run.o.threads;
    if (run.n_workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        run.n_workers = cpus > 1 ? (size_t)UTIL_MIN(cpus, 4) : 1;
    }
    run.n_workers = UTIL_MIN(run.n_workers, (size_t)8);
    run.workers = util_calloc(run.n_workers, sizeof *run.workers);
    int rc = run.workers ? util_arena_new(&run.arena, 64 * 1024) : RELAIS_ENOMEM;
    size_t n_ready = 0;
    while (rc == 0 && n_ready < run.n_workers) {
        rc = sworker_init(&run.workers[n_ready]);
        if (rc < 0) {
            sworker_free(&run.workers[n_ready]);
        } else {
            n_ready++;
        }
    }
    /*
     * One read transaction for the whole reading: a consistent view of the hub, and
     * no lock taken and released around each of the many lookups.
     */
    bool own_read = false;
    if (rc == 0 && !relais_store_in_transaction(s)) {
        rc = relais_store_begin_read(s);
        own_read = rc == 0;
    }
    if (rc == 0) {
        rc = relais_store_current_year(&run.hub_year, s);
    }
    if (rc == 0 && n_paths == 0) {
        relais_error_set("%s", _("aucun fichier à importer"));
        rc = RELAIS_EINVALID;
    }
    /* 1. What is given, and may it be imported? */
    if (rc == 0) {
        rc = siecle_collect_inputs(&run, paths, n_paths);
    }
    if (rc == 0) {
        rc = siecle_check_groups(&run);
    }
    for (size_t i = 0; i < run.n_files && rc == 0; i++) {
        rc = relais_plan_add_source(plan, run.files[i].path);
    }
    /* 2. Read every file; Communs first, as it names the establishment and its calendar. */
    for (size_t i = 0; i < run.n_files && rc == 0; i++) {
        if (run.files[i].type == SF_COMMUN) {
            rc = siecle_parse_file(&run, &run.workers[0], &run.files[i]);
        }
    }
    for (size_t i = 0; i < run.n_groups && rc == 0; i++) {
        rc = register_scope(&run, &run.groups[i]);
    }
    /*
     * 3. Establishment by establishment: read its files, check that they agree, plan;
     * with a writer, each plan is applied while the next establishment is read.
     */
    for (size_t i = 0; i < run.n_groups && rc == 0; i++) {
        sgroup *g = &run.groups[i];
        rc = parse_group(&run, g);
        if (rc == 0) {
            rc = siecle_check_consistency(&run, g);
        }
        if (rc == 0) {
            rc = plan_group(&run, g, i);
        }
        if (rc == 0) {
            rc = relais_plan_publish(plan);
        }
    }
    if (rc == 0) {
        siecle_progress(&run, SIECLE_PHASE_PLAN, NULL, run.n_groups, run.n_groups);
    }
    if (own_read) {
        int rc2 = relais_store_end_read(s);
        if (rc == 0) {
            rc = rc2;
        }
    }
    siecle_files_free(&run);
    for (size_t i = 0; i < n_ready; i++) {
        sworker_free(&run.workers[i]);
    }
    util_free(run.workers);
    util_arena_free(run.arena);
    pthread_mutex_destroy(&run.progress_lock);
    return rc;
}
