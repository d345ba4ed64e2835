/*
 * identifiants.c — the identifier crosswalk and the mail-merge file
 * (docs/formats/identifiants.md).
 *
 * One crosswalk line per person (students still at school, their guardians,
 * staff): hub id, SIECLE and STS ids, and one column per application the hub
 * holds identifiers for (the ENT, partners). One mail-merge line per person and
 * application, with the class or the guardian's children, and the state of the
 * account: given, or still to create (a late arrival). Both are UTF-8 with a
 * BOM and ';' separators, as French spreadsheets and word processors open them.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#define MAX_APPS 16
#define SEP ';'

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Applications holding identifiers of persons, sorted. */
static size_t person_applications(const scope_snapshot *snap, const char **apps)
{
    size_t n = 0;
    const snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n; i++) {
        const relais_record *x = xk->recs[i];
        const char *app = x->text[RELAIS_XREF_APPLICATION];
        const char *cat = x->text[RELAIS_XREF_CATEGORY];
        if (!x->is_active || app == NULL || relais_application_is_source(app) ||
            !(util_streq(cat, "student") || util_streq(cat, "guardian") ||
              util_streq(cat, "staff"))) {
            continue;
        }
        bool known = false;
        for (size_t k = 0; k < n && !known; k++) {
            known = strcmp(apps[k], app) == 0;
        }
        if (!known && n < MAX_APPS) {
            apps[n++] = app;
        }
    }
    qsort(apps, n, sizeof *apps, cmp_str);
    return n;
}

typedef struct ident_ctx {
    const scope_snapshot *snap;
    util_arena *a;
    snap_groups by_student;  /* enrolments */
    snap_groups links_by_guardian;
    const char *apps[MAX_APPS];
    size_t n_apps;
    util_buf crosswalk, merge;
    size_t n_persons, n_missing;
    char today[11];
} ident_ctx;

static const char *classes_of(ident_ctx *c, const relais_record *student)
{
    const relais_record *divs[8];
    size_t n = snapshot_student_divisions(c->snap, &c->by_student, student->id, divs, 8);
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        util_buf_printf(&b, "%s%s", i ? ", " : "", divs[i]->text[RELAIS_DIVISION_CODE]);
    }
    const char *out = util_arena_strndup(c->a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return out;
}

/* "DUPONT Jean (3A) | DUPONT Léa (5B)": a guardian's children still at school. */
static const char *children_of(ident_ctx *c, const relais_record *guardian, size_t *n_children)
{
    const size_t *items;
    size_t n = snapshot_group_get(&c->links_by_guardian, guardian->id, &items);
    util_buf b = UTIL_BUF_INIT;
    *n_children = 0;
    for (size_t i = 0; i < n; i++) {
        const relais_record *link = c->snap->k[RELAIS_KIND_STUDENT_GUARDIAN].recs[items[i]];
        const relais_record *st =
            snapshot_get(c->snap, RELAIS_KIND_STUDENT, link->ref[RELAIS_STUDENT_GUARDIAN_STUDENT]);
        if (st == NULL || !snapshot_student_present(st, c->today)) {
            continue;
        }
        const char *cls = classes_of(c, st);
        util_buf_printf(&b, "%s%s%s%s%s", (*n_children)++ ? " | " : "",
                        snapshot_person_name(c->a, st), cls[0] ? " (" : "", cls, cls[0] ? ")" : "");
    }
    const char *out = util_arena_strndup(c->a, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return out;
}

static const char *family_name(const relais_record *r)
{
    int u = relais_field_index(r->kind, "nom_usage");
    int f = relais_field_index(r->kind, "nom_de_famille");
    if (f < 0) {
        f = relais_field_index(r->kind, "nom_patronymique");
    }
    return u >= 0 && r->text[u] ? r->text[u] : f >= 0 ? r->text[f] : NULL;
}

static const char *text_of(const relais_record *r, const char *field)
{
    int f = relais_field_index(r->kind, field);
    return f >= 0 ? r->text[f] : NULL;
}

static void person_lines(ident_ctx *c, const relais_record *p, const char *classe,
                         const char *enfants)
{
    const scope_snapshot *snap = c->snap;
    const char *category = snapshot_person_category(p);
    const relais_record *siecle = snapshot_xref(snap, p->id, "siecle");
    const relais_record *sts = snapshot_xref(snap, p->id, "sts");
    char id[32], birth[11] = "";
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    const char *iso_birth = text_of(p, p->kind == RELAIS_KIND_STUDENT ? "date_naiss"
                                                                      : "date_naissance");
    if (iso_birth) {
        util_iso_to_fr(iso_birth, birth);
    }
    const char *siecle_id = p->kind == RELAIS_KIND_STUDENT    ? text_of(p, "eleve_id")
                            : p->kind == RELAIS_KIND_GUARDIAN ? text_of(p, "personne_id")
                                                              : NULL;
    if (siecle_id == NULL && siecle) {
        siecle_id = siecle->text[RELAIS_XREF_EXTERNAL_ID];
    }
    const char *sts_id = p->kind == RELAIS_KIND_STAFF ? text_of(p, "sts_id")
                         : sts                        ? sts->text[RELAIS_XREF_EXTERNAL_ID]
                                                      : NULL;
    const char *row[9 + MAX_APPS] = {id,       category,  family_name(p), text_of(p, "prenom"),
                                     birth,    classe,    siecle_id,      text_of(p, "ine"),
                                     sts_id};
    bool missing = false;
    const char *kind_name = relais_kind_get(p->kind)->name;
    for (size_t a = 0; a < c->n_apps; a++) {
        const relais_record *x = snapshot_xref(snap, p->id, c->apps[a]);
        row[9 + a] = x ? x->text[RELAIS_XREF_EXTERNAL_ID] : NULL;
        /* An application that holds no one of this category (a partner without teachers)
         * has no account to hand out to this person. */
        if (x == NULL && !snapshot_has_source(snap, c->apps[a], kind_name)) {
            continue;
        }
        missing = missing || x == NULL;
        const char *merge[8] = {category, family_name(p), text_of(p, "prenom"), classe, enfants,
                                c->apps[a], x ? x->text[RELAIS_XREF_EXTERNAL_ID] : NULL,
                                x ? _("attribué") : _("à créer")};
        util_csv_row(&c->merge, merge, 8, SEP);
    }
    util_csv_row(&c->crosswalk, row, 9 + c->n_apps, SEP);
    c->n_persons++;
    c->n_missing += missing;
}

int export_identifiants(export_result *res, const scope_snapshot *snap, const char *out_dir)
{
    ident_ctx c = {.snap = snap, .crosswalk = UTIL_BUF_INIT, .merge = UTIL_BUF_INIT};
    util_date today;
    util_date_today(&today);
    util_date_iso(&today, c.today);
    int rc = util_arena_new(&c.a, 64 * 1024);
    if (rc == 0) {
        rc = snapshot_group(&c.by_student, snap, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_STUDENT,
                            true);
    }
    if (rc == 0) {
        rc = snapshot_group(&c.links_by_guardian, snap, RELAIS_KIND_STUDENT_GUARDIAN,
                            RELAIS_STUDENT_GUARDIAN_GUARDIAN, true);
    }
    if (rc < 0) {
        util_arena_free(c.a);
        return rc;
    }
    c.n_apps = person_applications(snap, c.apps);
    /* Headers (after a UTF-8 BOM: spreadsheets then read the accents right). */
    util_buf_puts(&c.crosswalk, "\xEF\xBB\xBF");
    util_buf_puts(&c.merge, "\xEF\xBB\xBF");
    const char *head[9 + MAX_APPS] = {"relais_id", "categorie", "nom",     "prenom", "date_naissance",
                                      "classe",    "siecle_id", "ine",     "sts_id"};
    for (size_t a = 0; a < c.n_apps; a++) {
        head[9 + a] = c.apps[a];
    }
    util_csv_row(&c.crosswalk, head, 9 + c.n_apps, SEP);
    const char *merge_head[8] = {"categorie", "nom",         "prenom",      "classe",
                                 "enfants",   "application", "identifiant", "etat"};
    util_csv_row(&c.merge, merge_head, 8, SEP);

    const snap_kind *sk = &snap->k[RELAIS_KIND_STUDENT];
    for (size_t i = 0; i < sk->n; i++) {
        util_arena_reset(c.a);
        if (snapshot_student_present(sk->recs[i], c.today)) {
            person_lines(&c, sk->recs[i], classes_of(&c, sk->recs[i]), NULL);
        }
    }
    const snap_kind *gk = &snap->k[RELAIS_KIND_GUARDIAN];
    for (size_t i = 0; i < gk->n; i++) {
        util_arena_reset(c.a);
        size_t n_children = 0;
        const char *children = gk->recs[i]->is_active ? children_of(&c, gk->recs[i], &n_children)
                                                      : NULL;
        if (n_children > 0) {
            person_lines(&c, gk->recs[i], NULL, children);
        }
    }
    const snap_kind *tk = &snap->k[RELAIS_KIND_STAFF];
    for (size_t i = 0; i < tk->n; i++) {
        if (tk->recs[i]->is_active) {
            person_lines(&c, tk->recs[i], NULL, NULL);
        }
    }
    char name[128];
    if (c.crosswalk.failed || c.merge.failed) {
        rc = RELAIS_ENOMEM;
    }
    if (rc == 0) {
        snprintf(name, sizeof name, "identifiants_%s_%d.csv", snap->scope->uai, snap->scope->year);
        rc = export_write_file(res, out_dir, name, c.crosswalk.data, c.crosswalk.len, c.n_persons);
    }
    if (rc == 0) {
        snprintf(name, sizeof name, "publipostage_%s_%d.csv", snap->scope->uai, snap->scope->year);
        rc = export_write_file(res, out_dir, name, c.merge.data, c.merge.len,
                               c.n_persons * c.n_apps);
    }
    res->n_persons = c.n_persons;
    res->n_without_identifier = c.n_missing;
    util_buf_free(&c.crosswalk);
    util_buf_free(&c.merge);
    snapshot_groups_free(&c.by_student);
    snapshot_groups_free(&c.links_by_guardian);
    util_arena_free(c.a);
    return rc;
}
