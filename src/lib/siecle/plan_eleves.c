/*
 * plan_eleves.c — planning the students of an Eleves export, their
 * enrolments in divisions and groups, and their options.
 *
 * Three passes over the file's protos:
 *   1. ids: every ELEVE_ID and INE, sorted, so that a duplicated one refuses
 *      every record carrying it (which of them would be right?) before any is
 *      planned;
 *   2. students, with the address and scholarships SIECLE gives in other
 *      blocks, joined from the side store by id; each gets a status (present,
 *      left during the year, ignored, refused) and a ref;
 *   3. enrolments and options, which need the students' refs.
 * Then what the full export no longer lists is deactivated. Students who left
 * (DATE_SORTIE on or before today) stay in the hub, inactive from that date,
 * with their enrolments: partner applications drop them, their history stays.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_student(const void *a, const void *b)
{
    const student_ent *x = a, *y = b;
    if (x->eleve_id != y->eleve_id) {
        return x->eleve_id < y->eleve_id ? -1 : 1;
    }
    return (x->line > y->line) - (x->line < y->line);
}

student_ent *siecle_student_find(gctx *c, int64_t eleve_id)
{
    size_t lo = 0, hi = c->n_students;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->students[mid].eleve_id < eleve_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < c->n_students && c->students[lo].eleve_id == eleve_id ? &c->students[lo] : NULL;
}

static int push_student(gctx *c, int64_t id, uint32_t line)
{
    if (c->n_students == c->cap_students) {
        size_t cap = c->cap_students ? c->cap_students * 2 : 1024;
        student_ent *ns = util_realloc(c->students, cap * sizeof *ns);
        if (ns == NULL) {
            return RELAIS_ENOMEM;
        }
        c->students = ns;
        c->cap_students = cap;
    }
    c->students[c->n_students++] = (student_ent){.eleve_id = id, .line = line};
    return 0;
}

/* The INE relais keeps: ID_NATIONAL, else INE_RNIE, else INE_BEA. */
static const char *effective_ine(const proto *p, size_t *len)
{
    static const unsigned order[] = {RELAIS_STUDENT_INE, RELAIS_STUDENT_INE_RNIE,
                                     RELAIS_STUDENT_INE_BEA};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(order); i++) {
        if (p->v[order[i]] && p->len[order[i]] > 0) {
            *len = p->len[order[i]];
            return p->v[order[i]];
        }
    }
    return NULL;
}

/* Mark every student of a duplicated id. */
static void mark_dups(gctx *c)
{
    for (size_t i = 0; i + 1 < c->n_students;) {
        size_t k = i + 1;
        while (k < c->n_students && c->students[k].eleve_id == c->students[i].eleve_id) {
            k++;
        }
        if (k - i > 1) {
            for (size_t m = i; m < k; m++) {
                c->students[m].status = ST_REFUSED;
                c->students[m].flags |= SE_DUP_ID;
            }
        }
        i = k;
    }
}

static void mark_ine(gctx *c, int64_t eleve_id)
{
    for (student_ent *e = siecle_student_find(c, eleve_id);
         e && e < c->students + c->n_students && e->eleve_id == eleve_id; e++) {
        e->status = ST_REFUSED;
        e->flags |= SE_DUP_INE;
    }
}

/* Ids of the students whose options (or structures) come in more than one record. */
static void keep_dup_runs(kvarr *runs)
{
    kvarr_sort(runs);
    size_t w = 0;
    for (size_t i = 0; i < runs->n;) {
        size_t k = i + 1;
        while (k < runs->n && runs->a[k].key == runs->a[i].key) {
            k++;
        }
        if (k - i > 1) {
            runs->a[w++] = (kv64){runs->a[i].key, 0};
        }
        i = k;
    }
    runs->n = w;
}

typedef struct scan {
    kvarr ines;
    util_map *odd_ines; /* INEs not of the usual shape */
    kvarr opt_runs, enr_runs;
} scan;

static int pass_ids(gctx *c, sfile *f, scan *s)
{
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    int64_t last_opt = -1, last_enr = -1;
    int rc = util_map_new(&s->odd_ines);
    if (rc == 0) {
        rc = preader_open(&rd, f->store_main, f->main);
    }
    if (rc < 0) {
        return rc;
    }
    while ((rc = preader_next(&rd, &p)) > 0) {
        rc = 0;
        int64_t id;
        if (p.type == P_STUDENT) {
            if (!siecle_proto_id(&p, RELAIS_STUDENT_ELEVE_ID, &id)) {
                continue;
            }
            rc = push_student(c, id, p.line);
            size_t len;
            const char *ine = effective_ine(&p, &len);
            int64_t packed;
            if (rc == 0 && ine && siecle_ine_pack(ine, len, &packed)) {
                rc = kvarr_push(&s->ines, packed, id);
            } else if (rc == 0 && ine) {
                int64_t other;
                if (util_map_get(s->odd_ines, ine, len, &other)) {
                    rc = kvarr_push(&s->ines, -1 - (int64_t)util_hash(ine, len) / 2, id);
                    if (rc == 0) {
                        rc = kvarr_push(&s->ines, -1 - (int64_t)util_hash(ine, len) / 2, other);
                    }
                } else {
                    rc = util_map_put(s->odd_ines, ine, len, id);
                }
            }
        } else if (p.type == P_OPTION && siecle_proto_id(&p, X_ELEVE_ID, &id)) {
            if (id != last_opt) {
                rc = kvarr_push(&s->opt_runs, id, 0);
            }
            last_opt = id;
        } else if (p.type == P_ENROL && siecle_proto_id(&p, X_ELEVE_ID, &id)) {
            if (id != last_enr) {
                rc = kvarr_push(&s->enr_runs, id, 0);
            }
            last_enr = id;
        }
        if (rc < 0) {
            break;
        }
    }
    preader_close(&rd);
    if (rc < 0) {
        return rc;
    }
    if (c->n_students > 1) {
        qsort(c->students, c->n_students, sizeof *c->students, cmp_student);
    }
    c->students_sorted = true;
    mark_dups(c);
    kvarr_sort(&s->ines);
    for (size_t i = 0; i + 1 < s->ines.n;) {
        size_t k = i + 1;
        bool several = false;
        while (k < s->ines.n && s->ines.a[k].key == s->ines.a[i].key) {
            several = several || s->ines.a[k].val != s->ines.a[i].val;
            k++;
        }
        for (size_t m = i; several && m < k; m++) {
            mark_ine(c, s->ines.a[m].val);
        }
        i = k;
    }
    kvarr_free(&s->ines);
    util_map_free(s->odd_ines);
    s->odd_ines = NULL;
    keep_dup_runs(&s->opt_runs);
    keep_dup_runs(&s->enr_runs);
    return 0;
}

/* ---------------------------------------------------------------- joins */

void siecle_joins_init(joins *j, relais_kind kind)
{
    memset(j, 0, sizeof *j);
    static const char *const cols[13] = {
        "adresse_id",      "ligne1_adresse",   "ligne2_adresse", "ligne3_adresse",
        "ligne4_adresse",  "boite_postale",    "commune_etrangere", "code_postal",
        "code_pays_adresse", "code_commune_insee", "ll_pays",       "code_departement",
        "libelle_postal",
    };
    for (int i = 0; i < 13; i++) {
        j->addr_field[i] = relais_field_index(kind, cols[i]);
    }
}

void siecle_joins_free(joins *j)
{
    util_buf_free(&j->addr_buf);
    util_buf_free(&j->bourse_buf);
}

int siecle_join_address(gctx *c, const sfile *f, joins *j, relais_record *r, proto *p,
                        const char *ids)
{
    if (!f->has_addresses) {
        for (int i = 0; i < 13; i++) {
            if (p->n_keep < PROTO_SLOTS) {
                p->keep[p->n_keep++] = (uint8_t)j->addr_field[i];
            }
        }
        return 0;
    }
    const char *aid = r->text[j->addr_field[0]];
    int64_t id;
    if (aid == NULL || !siecle_id_parse(aid, strlen(aid), &id)) {
        return 0;
    }
    kv64 *e = kvarr_find(&f->side_index, id);
    if (e == NULL) {
        return siecle_warn(c, RELAIS_SEVERITY_WARNING, "ADRESSE_INCONNUE", f, p->line, r->kind,
                           ids, _("ADRESSE_ID %s absent du bloc ADRESSES : adresse vide"), aid);
    }
    int rc = proto_read_at(&j->addr, &j->addr_buf, f->store_side, (uint64_t)e->val);
    for (int i = 1; i < 13 && rc == 0; i++) {
        if (j->addr.v[i] && j->addr.len[i] > 0) {
            r->text[j->addr_field[i]] = j->addr.v[i];
        }
    }
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* CODE_BOURSE list of a student, from every scholarship record naming him. */
static int join_bourses(gctx *c, const sfile *f, joins *j, relais_record *r, int64_t eleve_id)
{
    kv64 *e = kvarr_find(&f->bourse_index, eleve_id);
    if (e == NULL) {
        return 0;
    }
    const char *codes[64];
    size_t n = 0;
    util_buf all = UTIL_BUF_INIT;
    int rc = 0;
    for (; e < f->bourse_index.a + f->bourse_index.n && e->key == eleve_id && rc == 0; e++) {
        rc = proto_read_at(&j->bourse, &j->bourse_buf, f->store_side, (uint64_t)e->val);
        if (rc == 0 && j->bourse.v[X_CODES]) {
            if (all.len) {
                util_buf_putc(&all, ' ');
            }
            util_buf_puts(&all, j->bourse.v[X_CODES]);
        }
    }
    if (rc < 0 || all.len == 0) {
        util_buf_free(&all);
        return rc;
    }
    char *list = util_arena_strdup(c->run->arena, util_buf_cstr(&all));
    util_buf_free(&all);
    if (list == NULL) {
        return RELAIS_ENOMEM;
    }
    for (char *t = list; *t && n < UTIL_ARRAY_LEN(codes);) {
        codes[n++] = t;
        char *sp = strchr(t, ' ');
        if (sp == NULL) {
            break;
        }
        *sp = '\0';
        t = sp + 1;
    }
    qsort(codes, n, sizeof *codes, cmp_cstr);
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(codes[i], codes[i - 1]) == 0) {
            continue;
        }
        if (b.len) {
            util_buf_putc(&b, ' ');
        }
        util_buf_puts(&b, codes[i]);
    }
    r->text[RELAIS_STUDENT_BOURSES] =
        b.failed ? NULL : util_arena_strdup(c->run->arena, util_buf_cstr(&b));
    util_buf_free(&b);
    return r->text[RELAIS_STUDENT_BOURSES] ? 0 : RELAIS_ENOMEM;
}

/* ------------------------------------------------------------- students */

/* A student refused by this import: his stored record and its dependants stay as they are. */
static int protect_stored(gctx *c, relais_kind kind, unsigned key_field, const char *key)
{
    if (!c->stored[kind]) {
        return 0;
    }
    relais_record *probe = relais_record_new(c->run->arena, kind);
    if (probe == NULL) {
        return RELAIS_ENOMEM;
    }
    probe->scope_id = c->scope;
    probe->text[key_field] = key;
    relais_record *old = NULL;
    int rc = relais_store_record_find(&old, c->run->store, c->run->arena, probe);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc == 0) {
        rc = idbits_set(c->seen, old->id);
    }
    if (rc == 0) {
        rc = idbits_set(c->protect, old->id);
    }
    return rc;
}

int siecle_protect(gctx *c, relais_kind kind, unsigned key_field, const char *key)
{
    return protect_stored(c, kind, key_field, key);
}

static int student_codes(gctx *c, const sfile *f, const proto *p, const char *ids)
{
    static const struct {
        unsigned slot;
        const char *list;
    } checks[] = {
        {RELAIS_STUDENT_CODE_MEF, "mef"},
        {RELAIS_STUDENT_CODE_REGIME, "code_regime"},
        {RELAIS_STUDENT_CODE_STATUT, "code_statut"},
        {RELAIS_STUDENT_CODE_MOTIF_SORTIE, "code_motif_sortie"},
        {RELAIS_STUDENT_CODE_PROVENANCE, "code_provenance"},
    };
    int rc = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(checks) && rc == 0; i++) {
        rc = siecle_check_code(c, f, p, checks[i].slot, checks[i].list, RELAIS_KIND_STUDENT,
                               ids);
    }
    const char *sexe = p->v[RELAIS_STUDENT_CODE_SEXE];
    if (rc == 0 && sexe && p->len[RELAIS_STUDENT_CODE_SEXE] > 0 && strcmp(sexe, "1") != 0 &&
        strcmp(sexe, "2") != 0) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "CODE_INCONNU", f, p->line,
                         RELAIS_KIND_STUDENT, ids,
                         _("CODE_SEXE « %s » : 1 (masculin) ou 2 (féminin) attendu"), sexe);
    }
    return rc;
}

static int plan_student(gctx *c, sfile *f, joins *j, proto *p)
{
    siecle_run *run = c->run;
    const siecle_options *o = &run->o;
    int64_t id;
    if (!siecle_proto_id(p, RELAIS_STUDENT_ELEVE_ID, &id)) {
        return 0;
    }
    const char *eid = p->v[RELAIS_STUDENT_ELEVE_ID];
    const char *ids = siecle_cat(run->arena, "ELEVE_ID ", eid, NULL, NULL);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    student_ent *e = siecle_student_find(c, id);
    if (e == NULL) {
        return 0;
    }
    /* A duplicated id has one entry per occurrence, in line order. */
    for (student_ent *k = e; k < c->students + c->n_students && k->eleve_id == id; k++) {
        if (k->line == p->line) {
            e = k;
            break;
        }
    }
    size_t ine_len = 0;
    const char *ine = effective_ine(p, &ine_len);
    if (e->status == ST_REFUSED) {
        int rc;
        if (e->flags & SE_DUP_ID) {
            rc = siecle_warn(c, RELAIS_SEVERITY_ERROR, "ELEVE_ID_EN_DOUBLE", f, p->line,
                             RELAIS_KIND_STUDENT, ids,
                             _("ELEVE_ID %s présent plusieurs fois dans le fichier : aucune de "
                               "ses fiches n'est importée, l'élève reste tel qu'il était dans le "
                               "hub"),
                             eid);
        } else {
            rc = siecle_warn(c, RELAIS_SEVERITY_ERROR, "INE_EN_DOUBLE", f, p->line,
                             RELAIS_KIND_STUDENT, ids,
                             _("INE %.*s porté par plusieurs élèves du fichier : élève refusé, "
                               "il reste tel qu'il était dans le hub"),
                             (int)ine_len, ine ? ine : "");
        }
        if (rc == 0) {
            rc = relais_plan_count(run->plan, c->scope, RELAIS_KIND_STUDENT,
                                   RELAIS_COUNT_IGNORED, 1);
        }
        return rc < 0 ? rc : protect_stored(c, RELAIS_KIND_STUDENT, RELAIS_STUDENT_ELEVE_ID, eid);
    }
    relais_record *in = siecle_record(c, RELAIS_KIND_STUDENT, p);
    if (in == NULL) {
        return RELAIS_ENOMEM;
    }
    in->text[RELAIS_STUDENT_INE] = ine;
    if (ine && ine[ine_len] != '\0') {
        in->text[RELAIS_STUDENT_INE] = util_arena_strndup(run->arena, ine, ine_len);
    }
    int rc = siecle_join_address(c, f, j, in, p, ids);
    if (rc == 0) {
        rc = join_bourses(c, f, j, in, id);
    }
    /* Status: present, left during the year, or ignored. */
    uint8_t status = ST_PRESENT;
    int64_t left = 0;
    const char *ds = in->text[RELAIS_STUDENT_DATE_SORTIE];
    util_date d;
    if (ds && util_date_parse(ds, strlen(ds), &d)) {
        left = util_date_days(&d);
        if (left <= run->today_days) {
            status = left < c->ignore_before_days ? ST_IGNORED : ST_LEFT;
        }
    }
    if (rc == 0 && status != ST_IGNORED) {
        rc = student_codes(c, f, p, ids);
    }
    if (rc == 0 && status == ST_PRESENT && in->text[RELAIS_STUDENT_INE] == NULL) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "ELEVE_SANS_INE", f, p->line,
                         RELAIS_KIND_STUDENT, ids,
                         _("%s %s n'a pas d'INE (ID_NATIONAL) : à compléter dans SIECLE pour les "
                           "applications qui en ont besoin"),
                         in->text[RELAIS_STUDENT_NOM_DE_FAMILLE]
                             ? in->text[RELAIS_STUDENT_NOM_DE_FAMILLE]
                             : "?",
                         in->text[RELAIS_STUDENT_PRENOM] ? in->text[RELAIS_STUDENT_PRENOM] : "");
    }
    if (rc < 0) {
        return rc;
    }
    /* Never blank a known INE: keep it when the export has none. */
    if (in->text[RELAIS_STUDENT_INE] == NULL && p->n_keep < PROTO_SLOTS) {
        p->keep[p->n_keep++] = RELAIS_STUDENT_INE;
    }
    int64_t ref = 0;
    relais_record *old = NULL;
    if (status == ST_IGNORED) {
        if (c->stored[RELAIS_KIND_STUDENT]) {
            rc = relais_store_record_find(&old, run->store, run->arena, in);
            if (rc == RELAIS_ENOTFOUND) {
                old = NULL;
                rc = 0;
            }
        }
        if (rc == 0 && old && old->is_active) {
            /* In the hub but gone before the year: deactivated on his exit date. */
            ref = old->id;
            rc = idbits_set(c->seen, old->id);
            if (rc == 0) {
                rc = relais_plan_deactivate(run->plan, old, siecle_iso_of_days(c, left));
            }
            if (rc == 0) {
                rc = idbits_set(c->deact, old->id);
            }
        } else if (rc == 0) {
            if (old) {
                ref = old->id;
                rc = idbits_set(c->seen, old->id);
            }
            if (rc == 0) {
                rc = relais_plan_count(run->plan, c->scope, RELAIS_KIND_STUDENT,
                                       RELAIS_COUNT_IGNORED, 1);
            }
        }
    } else {
        unsigned groups = RELAIS_FG_KEY | RELAIS_FG_DATA;
        groups |= o->identity ? RELAIS_FG_IDENTITY : 0;
        groups |= o->contact ? RELAIS_FG_CONTACT : 0;
        groups |= o->schooling ? RELAIS_FG_SCHOOLING : 0;
        groups |= o->previous ? RELAIS_FG_PREVIOUS : 0;
        in->is_active = status == ST_PRESENT;
        if (status == ST_LEFT) {
            in->deactivated_on = siecle_iso_of_days(c, left);
        }
        rc = siecle_upsert(&ref, &old, c, in, groups, p, o->new_students);
        if (rc == 0 && ref == 0) {
            status = ST_IGNORED;
        }
        /* Who leaves with this import (not those already gone): say so. */
        if (rc == 0 && status == ST_LEFT && (old ? old->is_active : ref != 0)) {
            char fr[11];
            util_iso_to_fr(in->deactivated_on, fr);
            rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "ELEVE_SORTI", f, p->line,
                             RELAIS_KIND_STUDENT, ids,
                             _("%s %s est sorti de l'établissement le %s : gardé dans le hub, "
                               "inactif"),
                             in->text[RELAIS_STUDENT_NOM_DE_FAMILLE]
                                 ? in->text[RELAIS_STUDENT_NOM_DE_FAMILLE]
                                 : "?",
                             in->text[RELAIS_STUDENT_PRENOM] ? in->text[RELAIS_STUDENT_PRENOM]
                                                              : "",
                             fr);
        }
        if (rc == 0 && old && old->text[RELAIS_STUDENT_INE] && ine == NULL) {
            rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "INE_CONSERVE", f, p->line,
                             RELAIS_KIND_STUDENT, ids,
                             _("l'export ne donne plus d'INE : l'INE connu %s est conservé"),
                             old->text[RELAIS_STUDENT_INE]);
        }
    }
    e->ref = ref;
    e->status = status;
    e->left_days = (int32_t)left;
    if (rc == 0 && ref != 0) {
        rc = siecle_xref(c, "siecle", "student", eid, ref);
    }
    if (rc == 0 && ref != 0 && in->text[RELAIS_STUDENT_INE]) {
        rc = siecle_xref(c, "ine", "student", in->text[RELAIS_STUDENT_INE], ref);
    }
    return rc;
}

/* --------------------------------------------------- enrolments, options */

typedef struct run_state {
    int64_t last_id;
    bool skip; /* a later record of a student whose structures (options) were already read */
} run_state;

/* Is this proto part of a repeated record for its student? Warns once per record. */
static int repeated(gctx *c, const sfile *f, const proto *p, kvarr *dups, run_state *rs,
                    int64_t id, relais_kind kind, bool *skip)
{
    if (id != rs->last_id) {
        rs->last_id = id;
        rs->skip = false;
        kv64 *d = kvarr_find(dups, id);
        if (d) {
            if (d->val) {
                rs->skip = true;
                int rc = siecle_warn(c, RELAIS_SEVERITY_WARNING,
                                     kind == RELAIS_KIND_ENROLMENT ? "STRUCTURES_EN_DOUBLE"
                                                                   : "OPTIONS_EN_DOUBLE",
                                     f, p->line, kind, p->v[X_ELEVE_ID], "%s",
                                     kind == RELAIS_KIND_ENROLMENT
                                         ? _("structures de l'élève déjà données plus haut dans le "
                                             "fichier : ignorées")
                                         : _("options de l'élève déjà données plus haut dans le "
                                             "fichier : ignorées"));
                if (rc < 0) {
                    return rc;
                }
            }
            d->val = 1;
        }
    }
    *skip = rs->skip;
    return 0;
}

static int plan_enrolment(gctx *c, sfile *f, proto *p, kvarr *dups, run_state *rs)
{
    siecle_run *run = c->run;
    const siecle_options *o = &run->o;
    int64_t id;
    if (!siecle_proto_id(p, X_ELEVE_ID, &id)) {
        return 0;
    }
    bool skip;
    int rc = repeated(c, f, p, dups, rs, id, RELAIS_KIND_ENROLMENT, &skip);
    if (rc < 0 || skip) {
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_ENROLMENT);
    }
    student_ent *e = siecle_student_find(c, id);
    if (e == NULL) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "ELEVE_INCONNU", f, p->line,
                         RELAIS_KIND_ENROLMENT, p->v[X_ELEVE_ID],
                         _("structure %s d'un ELEVE_ID absent du bloc ELEVES : ignorée"),
                         p->v[X_CODE_STRUCTURE]);
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_ENROLMENT);
    }
    bool group = p->v[X_TYPE_STRUCTURE][0] == 'G';
    if (e->ref == 0 || e->status == ST_REFUSED || e->status == ST_IGNORED ||
        (group && !o->groups) || (e->ref > 0 && !o->schooling)) {
        return siecle_count_ignored(c, RELAIS_KIND_ENROLMENT);
    }
    int64_t sref = 0;
    rc = siecle_structure_ref(&sref, c, f, p->line, group, p->v[X_CODE_STRUCTURE]);
    if (rc < 0 || sref == 0) {
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_ENROLMENT);
    }
    relais_record *r = relais_record_new(run->arena, RELAIS_KIND_ENROLMENT);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->ref[RELAIS_ENROLMENT_STUDENT] = e->ref;
    r->ref[group ? RELAIS_ENROLMENT_GROUP : RELAIS_ENROLMENT_DIVISION] = sref;
    if (e->status == ST_LEFT) {
        r->text[RELAIS_ENROLMENT_DATE_FIN] = siecle_iso_of_days(c, e->left_days);
        r->is_active = false;
        r->deactivated_on = r->text[RELAIS_ENROLMENT_DATE_FIN];
    }
    if (!group) {
        e->flags |= SE_HAS_DIV;
    }
    int64_t ref;
    return siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, p, true);
}

static int plan_option(gctx *c, sfile *f, proto *p, kvarr *dups, run_state *rs)
{
    siecle_run *run = c->run;
    int64_t id;
    if (!siecle_proto_id(p, X_ELEVE_ID, &id)) {
        return 0;
    }
    bool skip;
    int rc = repeated(c, f, p, dups, rs, id, RELAIS_KIND_STUDENT_OPTION, &skip);
    if (rc < 0 || skip) {
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_STUDENT_OPTION);
    }
    student_ent *e = siecle_student_find(c, id);
    const char *ids = p->v[X_ELEVE_ID];
    if (e == NULL) {
        rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "ELEVE_INCONNU", f, p->line,
                         RELAIS_KIND_STUDENT_OPTION, ids,
                         _("option %s d'un ELEVE_ID absent du bloc ELEVES : ignorée"),
                         p->v[RELAIS_STUDENT_OPTION_CODE_MATIERE]);
        return rc < 0 ? rc : siecle_count_ignored(c, RELAIS_KIND_STUDENT_OPTION);
    }
    if (e->ref == 0 || e->status == ST_REFUSED || e->status == ST_IGNORED ||
        (e->ref > 0 && !run->o.schooling)) {
        return siecle_count_ignored(c, RELAIS_KIND_STUDENT_OPTION);
    }
    rc = siecle_check_code(c, f, p, RELAIS_STUDENT_OPTION_CODE_MATIERE, "subject",
                           RELAIS_KIND_STUDENT_OPTION, ids);
    if (rc == 0) {
        rc = siecle_check_code(c, f, p, RELAIS_STUDENT_OPTION_CODE_MODALITE_ELECT,
                               "code_modalite_elect", RELAIS_KIND_STUDENT_OPTION, ids);
    }
    relais_record *r = siecle_record(c, RELAIS_KIND_STUDENT_OPTION, p);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->ref[RELAIS_STUDENT_OPTION_STUDENT] = e->ref;
    if (e->status == ST_LEFT) {
        r->is_active = false;
        r->deactivated_on = siecle_iso_of_days(c, e->left_days);
    }
    int64_t ref;
    return rc < 0 ? rc : siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, p, true);
}

/* --------------------------------------------------------------- sweeps */

static bool dependant_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    int64_t student = r->ref[0]; /* STUDENT is field 0 of enrolment and student_option */
    if (idbits_has(c->protect, student)) {
        return false;
    }
    if (r->kind == RELAIS_KIND_ENROLMENT && r->ref[RELAIS_ENROLMENT_GROUP] != 0 &&
        !c->run->o.groups) {
        return false; /* groups come from elsewhere */
    }
    return c->run->o.schooling || idbits_has(c->deact, student) || !idbits_has(c->seen, student);
}

static bool student_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    return !idbits_has(c->protect, r->id);
}

int siecle_plan_eleves(gctx *c)
{
    siecle_run *run = c->run;
    sfile *f = c->g->f[SF_ELEVES];
    scan s;
    memset(&s, 0, sizeof s);
    joins j;
    siecle_joins_init(&j, RELAIS_KIND_STUDENT);
    int rc = pass_ids(c, f, &s);
    if (rc == 0) {
        rc = siecle_side_index(f);
    }

    /* Pass 2: students. */
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    uint64_t n = 0;
    if (rc == 0) {
        rc = preader_open(&rd, f->store_main, f->main);
        while (rc == 0 && (rc = preader_next(&rd, &p)) > 0) {
            rc = 0;
            if (p.type != P_STUDENT) {
                continue;
            }
            util_arena_reset(run->arena);
            rc = plan_student(c, f, &j, &p);
            if ((++n & 4095) == 0) {
                siecle_progress(run, SIECLE_PHASE_PLAN, f->name, n, f->n_records);
            }
        }
        preader_close(&rd);
    }

    /* Pass 3: enrolments and options. */
    run_state rs_enr = {-1, false}, rs_opt = {-1, false};
    if (rc == 0) {
        rc = preader_open(&rd, f->store_main, f->main);
        while (rc == 0 && (rc = preader_next(&rd, &p)) > 0) {
            rc = 0;
            if (p.type != P_ENROL && p.type != P_OPTION) {
                continue;
            }
            util_arena_reset(run->arena);
            rc = p.type == P_ENROL ? plan_enrolment(c, f, &p, &s.enr_runs, &rs_enr)
                                   : plan_option(c, f, &p, &s.opt_runs, &rs_opt);
            if ((++n & 4095) == 0) {
                siecle_progress(run, SIECLE_PHASE_PLAN, f->name, n, f->n_records);
            }
        }
        preader_close(&rd);
    }

    /* Present students placed in no division. */
    for (size_t i = 0; i < c->n_students && rc == 0; i++) {
        student_ent *e = &c->students[i];
        if (e->status == ST_PRESENT && !(e->flags & SE_HAS_DIV) && run->o.schooling) {
            char ids[40];
            snprintf(ids, sizeof ids, "ELEVE_ID %lld", (long long)e->eleve_id);
            rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "ELEVE_SANS_DIVISION", f, e->line,
                             RELAIS_KIND_STUDENT, ids, "%s",
                             _("élève dans aucune division (pas encore placé ?) : il n'apparaîtra "
                               "dans aucune liste de classe"));
        }
    }

    /* What the full export no longer lists. */
    const char *date = siecle_absent_date(c, f);
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_STUDENT, date, student_filter, NULL);
    }
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_ENROLMENT, date, dependant_filter, NULL);
    }
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_STUDENT_OPTION, date, dependant_filter, NULL);
    }
    kvarr_free(&s.opt_runs);
    kvarr_free(&s.enr_runs);
    kvarr_free(&s.ines);
    util_map_free(s.odd_ines);
    siecle_joins_free(&j);
    siecle_side_index_free(f);
    return rc;
}
