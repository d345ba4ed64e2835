/*
 * plan_resp.c — planning the guardians (PERSONNE) of a Responsables export
 * and their links to students (RESPONSABLE_ELEVE), both responsibility models
 * (NIVEAU_RESPONSABILITE since 2018, RESP_LEGAL before).
 *
 * A person is imported when linked to a student this import keeps: active if
 * one of them is present, inactive if all of them left; a person linked to no
 * such student (SIECLE lists many) is not imported. The students come from
 * the Eleves export given with it, else from the hub.
 */
#include "internal.h"

#include <string.h>

/* Keep the duplicated keys of a sorted array (pairs equal on key and, if both, val). */
static void keep_dups(kvarr *k, bool on_val)
{
    kvarr_sort(k);
    size_t w = 0;
    for (size_t i = 0; i < k->n;) {
        size_t m = i + 1;
        while (m < k->n && k->a[m].key == k->a[i].key && (!on_val || k->a[m].val == k->a[i].val)) {
            m++;
        }
        if (m - i > 1) {
            k->a[w++] = (kv64){k->a[i].key, on_val ? k->a[i].val : 0};
        }
        i = m;
    }
    k->n = w;
    k->sorted = true;
}

static bool pair_in(const kvarr *k, int64_t key, int64_t val)
{
    for (kv64 *e = kvarr_find(k, key); e && e < k->a + k->n && e->key == key; e++) {
        if (e->val == val) {
            return true;
        }
    }
    return false;
}

/* Students of the hub linked by the file, when no Eleves export comes with it. */
static int load_students(gctx *c, kvarr *wanted)
{
    siecle_run *run = c->run;
    kvarr_sort(wanted);
    int rc = 0;
    for (size_t i = 0; i < wanted->n && rc == 0; i++) {
        if (i > 0 && wanted->a[i].key == wanted->a[i - 1].key) {
            continue;
        }
        util_arena_reset(run->arena);
        relais_record *probe = relais_record_new(run->arena, RELAIS_KIND_STUDENT);
        if (probe == NULL) {
            return RELAIS_ENOMEM;
        }
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)wanted->a[i].key);
        probe->scope_id = c->scope;
        probe->text[RELAIS_STUDENT_ELEVE_ID] = id;
        relais_record *old = NULL;
        rc = relais_store_record_find(&old, run->store, run->arena, probe);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc < 0) {
            break;
        }
        if (c->n_students == c->cap_students) {
            size_t cap = c->cap_students ? c->cap_students * 2 : 1024;
            student_ent *ns = util_realloc(c->students, cap * sizeof *ns);
            if (ns == NULL) {
                return RELAIS_ENOMEM;
            }
            c->students = ns;
            c->cap_students = cap;
        }
        student_ent e = {.eleve_id = wanted->a[i].key, .ref = old->id,
                         .status = old->is_active ? ST_PRESENT : ST_LEFT};
        util_date d;
        if (!old->is_active && old->deactivated_on &&
            util_date_parse(old->deactivated_on, strlen(old->deactivated_on), &d)) {
            e.left_days = (int32_t)util_date_days(&d);
        } else {
            e.left_days = (int32_t)run->today_days;
        }
        c->students[c->n_students++] = e;
    }
    c->students_sorted = true; /* wanted was sorted */
    return rc;
}

static bool guardian_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    return !idbits_has(c->protect, r->id);
}

static bool link_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    return !idbits_has(c->protect, r->ref[RELAIS_STUDENT_GUARDIAN_STUDENT]) &&
           !idbits_has(c->protect, r->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN]);
}

static int plan_person(gctx *c, sfile *f, joins *j, proto *p, kvarr *links, kvarr *dup_persons)
{
    siecle_run *run = c->run;
    int64_t id;
    if (!siecle_proto_id(p, RELAIS_GUARDIAN_PERSONNE_ID, &id)) {
        return 0;
    }
    const char *pid = p->v[RELAIS_GUARDIAN_PERSONNE_ID];
    const char *ids = siecle_cat(run->arena, "PERSONNE_ID ", pid, NULL, NULL);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc;
    if (kvarr_find(dup_persons, id)) {
        rc = siecle_warn(c, RELAIS_SEVERITY_ERROR, "PERSONNE_ID_EN_DOUBLE", f, p->line,
                         RELAIS_KIND_GUARDIAN, ids,
                         _("PERSONNE_ID %s présent plusieurs fois dans le fichier : aucune de "
                           "ses fiches n'est importée, la personne reste telle qu'elle était "
                           "dans le hub"),
                         pid);
        if (rc == 0) {
            rc = siecle_count_ignored(c, RELAIS_KIND_GUARDIAN);
        }
        if (rc == 0) {
            rc = kvarr_push(&c->guardians, id, 0);
        }
        return rc < 0 ? rc : siecle_protect(c, RELAIS_KIND_GUARDIAN, RELAIS_GUARDIAN_PERSONNE_ID,
                                            pid);
    }
    /* Present if one of the students is present; left if they all left. */
    uint8_t status = 0;
    int64_t left = INT64_MIN;
    for (kv64 *l = kvarr_find(links, id); l && l < links->a + links->n && l->key == id; l++) {
        student_ent *e = siecle_student_find(c, l->val);
        if (e == NULL || e->ref == 0) {
            continue;
        }
        if (e->status == ST_PRESENT) {
            status = ST_PRESENT;
        } else if (e->status == ST_LEFT && status != ST_PRESENT) {
            status = ST_LEFT;
            left = UTIL_MAX(left, (int64_t)e->left_days);
        }
    }
    relais_record *in = siecle_record(c, RELAIS_KIND_GUARDIAN, p);
    if (in == NULL) {
        return RELAIS_ENOMEM;
    }
    if (status == 0) {
        rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "RESPONSABLE_SANS_ELEVE", f, p->line,
                         RELAIS_KIND_GUARDIAN, ids,
                         _("%s %s n'est lié à aucun élève importé : non importé"),
                         in->text[RELAIS_GUARDIAN_NOM_DE_FAMILLE]
                             ? in->text[RELAIS_GUARDIAN_NOM_DE_FAMILLE]
                             : "?",
                         in->text[RELAIS_GUARDIAN_PRENOM] ? in->text[RELAIS_GUARDIAN_PRENOM] : "");
        if (rc == 0) {
            rc = siecle_count_ignored(c, RELAIS_KIND_GUARDIAN);
        }
        return rc < 0 ? rc : kvarr_push(&c->guardians, id, 0);
    }
    rc = siecle_join_address(c, f, j, in, p, ids);
    if (rc == 0) {
        rc = siecle_check_code(c, f, p, RELAIS_GUARDIAN_CODE_PROFESSION, "code_profession",
                               RELAIS_KIND_GUARDIAN, ids);
    }
    in->is_active = status == ST_PRESENT;
    if (status == ST_LEFT) {
        in->deactivated_on = siecle_iso_of_days(c, left);
    }
    int64_t ref = 0;
    if (rc == 0) {
        rc = siecle_upsert(&ref, NULL, c, in,
                           RELAIS_FG_KEY | RELAIS_FG_IDENTITY | RELAIS_FG_CONTACT | RELAIS_FG_DATA,
                           p, true);
    }
    if (rc == 0) {
        rc = kvarr_push(&c->guardians, id, ref);
    }
    if (rc == 0) {
        rc = siecle_xref(c, "siecle", "guardian", pid, ref);
    }
    return rc;
}

static int plan_link(gctx *c, sfile *f, proto *p, kvarr *dup_links, kvarr *done_links)
{
    siecle_run *run = c->run;
    int64_t el, pe;
    if (!siecle_proto_id(p, X_ELEVE_ID, &el) || !siecle_proto_id(p, X_PERSONNE_ID, &pe)) {
        return 0;
    }
    const char *ids = siecle_cat(run->arena, "ELEVE_ID ", p->v[X_ELEVE_ID], ", PERSONNE_ID ",
                                 p->v[X_PERSONNE_ID]);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = 0;
    if (pair_in(dup_links, pe, el)) {
        if (pair_in(done_links, pe, el)) {
            rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "LIEN_EN_DOUBLE", f, p->line,
                             RELAIS_KIND_STUDENT_GUARDIAN, ids, "%s",
                             _("lien élève–responsable déjà donné plus haut dans le fichier : "
                               "ignoré"));
            return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_STUDENT_GUARDIAN);
        }
        rc = kvarr_push(done_links, pe, el);
        kvarr_sort(done_links);
        if (rc < 0) {
            return rc;
        }
    }
    student_ent *e = siecle_student_find(c, el);
    if (e == NULL) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "LIEN_ELEVE_INCONNU", f, p->line,
                         RELAIS_KIND_STUDENT_GUARDIAN, ids,
                         _("l'élève %s n'est ni dans l'export des élèves ni dans le hub : lien "
                           "ignoré"),
                         p->v[X_ELEVE_ID]);
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_STUDENT_GUARDIAN);
    }
    kv64 *g = kvarr_find(&c->guardians, pe);
    if (g == NULL) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "LIEN_PERSONNE_INCONNUE", f, p->line,
                         RELAIS_KIND_STUDENT_GUARDIAN, ids,
                         _("la personne %s n'est pas dans le bloc PERSONNES : lien ignoré"),
                         p->v[X_PERSONNE_ID]);
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_STUDENT_GUARDIAN);
    }
    if (e->ref == 0 || g->val == 0 || e->status == ST_REFUSED || e->status == ST_IGNORED) {
        return siecle_count_ignored(c, RELAIS_KIND_STUDENT_GUARDIAN);
    }
    const char *niveau = p->v[RELAIS_STUDENT_GUARDIAN_NIVEAU_RESPONSABILITE];
    const char *legal = p->v[RELAIS_STUDENT_GUARDIAN_RESP_LEGAL];
    if (e->status == ST_PRESENT &&
        (util_streq(niveau, "1") || util_streq(legal, "1") || util_streq(legal, "2")) &&
        e->n_legal < UINT8_MAX) {
        e->n_legal++;
    }
    rc = siecle_check_code(c, f, p, RELAIS_STUDENT_GUARDIAN_CODE_PARENTE, "code_parente",
                           RELAIS_KIND_STUDENT_GUARDIAN, ids);
    if (rc == 0) {
        rc = siecle_check_code(c, f, p, RELAIS_STUDENT_GUARDIAN_NIVEAU_RESPONSABILITE,
                               "niveau_responsabilite", RELAIS_KIND_STUDENT_GUARDIAN, ids);
    }
    relais_record *r = siecle_record(c, RELAIS_KIND_STUDENT_GUARDIAN, p);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->ref[RELAIS_STUDENT_GUARDIAN_STUDENT] = e->ref;
    r->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN] = g->val;
    if (e->status == ST_LEFT) {
        r->is_active = false;
        r->deactivated_on = siecle_iso_of_days(c, e->left_days);
    }
    int64_t ref;
    return rc < 0 ? rc : siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, p, true);
}

int siecle_plan_responsables(gctx *c)
{
    siecle_run *run = c->run;
    sfile *f = c->g->f[SF_RESPONSABLES];
    if (!run->o.guardians) {
        return siecle_warn(c, RELAIS_SEVERITY_INFO, "RESPONSABLES_NON_IMPORTES", f, 0, -1, NULL,
                           "%s", _("option --no-guardians : responsables et liens non importés"));
    }
    bool have_eleves = c->g->f[SF_ELEVES] != NULL;
    kvarr links = {0}, persons = {0}, wanted = {0}, dup_links = {0}, done_links = {0};
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    joins j;
    siecle_joins_init(&j, RELAIS_KIND_GUARDIAN);

    /* Pass 1: who is linked to whom; duplicated persons and links. */
    int rc = preader_open(&rd, f->store_main, f->main);
    while (rc == 0 && (rc = preader_next(&rd, &p)) > 0) {
        rc = 0;
        int64_t pe, el;
        if (p.type == P_GUARDIAN && siecle_proto_id(&p, RELAIS_GUARDIAN_PERSONNE_ID, &pe)) {
            rc = kvarr_push(&persons, pe, p.line);
        } else if (p.type == P_LINK && siecle_proto_id(&p, X_PERSONNE_ID, &pe) &&
                   siecle_proto_id(&p, X_ELEVE_ID, &el)) {
            rc = kvarr_push(&links, pe, el);
            if (rc == 0 && !have_eleves) {
                rc = kvarr_push(&wanted, el, 0);
            }
        }
    }
    preader_close(&rd);
    if (rc == 0) {
        kvarr_sort(&links);
        rc = kvarr_push(&dup_links, 0, 0); /* copy links, then keep the duplicated pairs */
        dup_links.n = 0;
        for (size_t i = 0; i < links.n && rc == 0; i++) {
            rc = kvarr_push(&dup_links, links.a[i].key, links.a[i].val);
        }
        keep_dups(&dup_links, true);
        keep_dups(&persons, false);
    }
    if (rc == 0 && !have_eleves) {
        rc = load_students(c, &wanted);
    }
    if (rc == 0) {
        rc = siecle_side_index(f);
    }
    kvarr_free(&wanted);

    /* Pass 2: persons; pass 3: links. */
    uint64_t n = 0;
    for (int pass = 2; pass <= 3 && rc == 0; pass++) {
        rc = preader_open(&rd, f->store_main, f->main);
        while (rc == 0 && (rc = preader_next(&rd, &p)) > 0) {
            rc = 0;
            util_arena_reset(run->arena);
            if (pass == 2 && p.type == P_GUARDIAN) {
                rc = plan_person(c, f, &j, &p, &links, &persons);
            } else if (pass == 3 && p.type == P_LINK) {
                rc = plan_link(c, f, &p, &dup_links, &done_links);
            } else {
                continue;
            }
            if ((++n & 4095) == 0) {
                siecle_progress(run, SIECLE_PHASE_PLAN, f->name, n, f->n_records);
            }
        }
        preader_close(&rd);
        if (pass == 2) {
            kvarr_sort(&c->guardians);
        }
    }
    kvarr_free(&links);
    kvarr_free(&persons);
    kvarr_free(&dup_links);
    kvarr_free(&done_links);
    siecle_joins_free(&j);
    siecle_side_index_free(f);

    /* Students without a legal guardian; more than two. */
    const sfile *ef = c->g->f[SF_ELEVES];
    for (size_t i = 0; i < c->n_students && rc == 0 && have_eleves; i++) {
        student_ent *e = &c->students[i];
        if (e->status != ST_PRESENT) {
            continue;
        }
        char ids[40];
        snprintf(ids, sizeof ids, "ELEVE_ID %lld", (long long)e->eleve_id);
        if (e->n_legal == 0) {
            rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "ELEVE_SANS_RESPONSABLE_LEGAL", ef,
                             e->line, RELAIS_KIND_STUDENT, ids, "%s",
                             _("aucun représentant légal dans l'export des responsables"));
        } else if (e->n_legal > 2) {
            rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "RESPONSABLES_LEGAUX_MULTIPLES", ef,
                             e->line, RELAIS_KIND_STUDENT, ids,
                             _("%u représentants légaux : tous sont gardés"), (unsigned)e->n_legal);
        }
    }

    const char *date = siecle_absent_date(c, f);
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_GUARDIAN, date, guardian_filter, NULL);
    }
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_STUDENT_GUARDIAN, date, link_filter, NULL);
    }
    return rc;
}
