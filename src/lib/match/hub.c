/*
 * hub.c — the hub's side of matching, read from the store: the persons of a
 * school year (students with their class, guardians with their children,
 * staff), and what the crosswalk already knows about a partner (links that
 * stand, pairs refused by a person).
 *
 * Links are remembered for good: a link of last school year, whose record
 * has a successor this year (same ELEVE_ID, PERSONNE_ID or STS id in the same
 * establishment), stands this year too, with its provenance.
 */
#include "match.h"

#include <string.h>

/* Map keys: an internal id, or (estab, kind, natural id). */
static int map_put_id(util_map *m, int64_t id, int64_t value)
{
    return util_map_put(m, (const char *)&id, sizeof id, value);
}

static bool map_get_id(const util_map *m, int64_t id, int64_t *value)
{
    return util_map_get(m, (const char *)&id, sizeof id, value);
}

static int natural_key(util_buf *b, uint32_t estab, const char *kind, const char *id)
{
    util_buf_reset(b);
    return util_buf_printf(b, "%u\x1f%s\x1f%s", estab, kind, id ? id : "");
}

typedef struct loader {
    relais_store *s;
    match_list *l;
    uint32_t estab;
    int64_t scope_id;
    util_map *by_id;    /* internal id → person index */
    util_map *division; /* division id → index into l (as arena string pointer) */
    util_buf tmp;
    int rc;
} loader;

static const char *join3(loader *ld, const char *a, const char *b, const char *c, const char *sep)
{
    const char *parts[3] = {a, b, c};
    util_buf_reset(&ld->tmp);
    for (int i = 0; i < 3; i++) {
        if (parts[i] && parts[i][0]) {
            if (ld->tmp.len) {
                util_buf_puts(&ld->tmp, sep);
            }
            util_buf_puts(&ld->tmp, parts[i]);
        }
    }
    if (ld->tmp.failed) {
        ld->l->failed = true;
        return NULL;
    }
    return ld->tmp.len ? match_list_str(ld->l, ld->tmp.data, ld->tmp.len) : NULL;
}

static const char *str(loader *ld, const char *s)
{
    return s ? match_list_str(ld->l, s, strlen(s)) : NULL;
}

static int add_person(uint32_t *index, loader *ld, const relais_record *r, match_category cat)
{
    int rc = match_list_add(index, ld->l);
    if (rc < 0) {
        return rc;
    }
    match_person *p = &ld->l->persons[*index];
    p->relais_id = r->id;
    p->estab = ld->estab;
    p->category = (uint8_t)cat;
    return map_put_id(ld->by_id, r->id, *index);
}

static int load_division(const relais_record *r, void *payload)
{
    loader *ld = payload;
    const char *code = str(ld, relais_record_get(r, RELAIS_DIVISION_CODE));
    if (code == NULL) {
        return ld->l->failed ? RELAIS_ENOMEM : 0;
    }
    return util_map_put(ld->division, (const char *)&r->id, sizeof r->id, (int64_t)(intptr_t)code);
}

static int load_student(const relais_record *r, void *payload)
{
    loader *ld = payload;
    uint32_t i;
    int rc = add_person(&i, ld, r, MATCH_STUDENT);
    if (rc < 0) {
        return rc;
    }
    match_person *p = &ld->l->persons[i];
    p->id = str(ld, relais_record_get(r, RELAIS_STUDENT_ELEVE_ID));
    p->nom = str(ld, relais_record_get(r, RELAIS_STUDENT_NOM_DE_FAMILLE));
    p->nom_usage = str(ld, relais_record_get(r, RELAIS_STUDENT_NOM_USAGE));
    p->prenoms = join3(ld, relais_record_get(r, RELAIS_STUDENT_PRENOM),
                       relais_record_get(r, RELAIS_STUDENT_PRENOM2),
                       relais_record_get(r, RELAIS_STUDENT_PRENOM3), ", ");
    p->date_naissance = str(ld, relais_record_get(r, RELAIS_STUDENT_DATE_NAISS));
    const char *sexe = relais_record_get(r, RELAIS_STUDENT_CODE_SEXE);
    p->sexe = util_streq(sexe, "1") ? 'M' : util_streq(sexe, "2") ? 'F' : 0;
    p->ine = str(ld, relais_record_get(r, RELAIS_STUDENT_INE));
    p->email = str(ld, relais_record_get(r, RELAIS_STUDENT_MEL));
    p->phones = join3(ld, relais_record_get(r, RELAIS_STUDENT_TEL_PORTABLE),
                      relais_record_get(r, RELAIS_STUDENT_TEL_PERSONNEL),
                      relais_record_get(r, RELAIS_STUDENT_TEL_PROFESSIONNEL), "|");
    p->code_postal = str(ld, relais_record_get(r, RELAIS_STUDENT_CODE_POSTAL));
    return ld->l->failed ? RELAIS_ENOMEM : 0;
}

static int load_enrolment(const relais_record *r, void *payload)
{
    loader *ld = payload;
    int64_t student, code;
    if (r->ref[RELAIS_ENROLMENT_DIVISION] <= 0 ||
        !map_get_id(ld->by_id, r->ref[RELAIS_ENROLMENT_STUDENT], &student) ||
        !util_map_get(ld->division, (const char *)&r->ref[RELAIS_ENROLMENT_DIVISION],
                      sizeof(int64_t), &code)) {
        return 0;
    }
    ld->l->persons[student].classe = (const char *)(intptr_t)code;
    return 0;
}

static int load_guardian(const relais_record *r, void *payload)
{
    loader *ld = payload;
    uint32_t i;
    int rc = add_person(&i, ld, r, MATCH_GUARDIAN);
    if (rc < 0) {
        return rc;
    }
    match_person *p = &ld->l->persons[i];
    p->id = str(ld, relais_record_get(r, RELAIS_GUARDIAN_PERSONNE_ID));
    p->nom = str(ld, relais_record_get(r, RELAIS_GUARDIAN_NOM_DE_FAMILLE));
    p->nom_usage = str(ld, relais_record_get(r, RELAIS_GUARDIAN_NOM_USAGE));
    p->prenoms = str(ld, relais_record_get(r, RELAIS_GUARDIAN_PRENOM));
    p->date_naissance = str(ld, relais_record_get(r, RELAIS_GUARDIAN_DATE_NAISSANCE));
    const char *civ = relais_record_get(r, RELAIS_GUARDIAN_LC_CIVILITE);
    if (civ) {
        p->sexe = (civ[0] == 'M' || civ[0] == 'm') &&
                          (civ[1] == '.' || civ[1] == '\0' || civ[1] == 'O' || civ[1] == 'o')
                      ? 'M'
                  : (civ[0] == 'M' || civ[0] == 'm') ? 'F'
                                                     : 0;
    }
    p->email = str(ld, relais_record_get(r, RELAIS_GUARDIAN_MEL));
    p->phones = join3(ld, relais_record_get(r, RELAIS_GUARDIAN_TEL_PORTABLE),
                      relais_record_get(r, RELAIS_GUARDIAN_TEL_PERSONNEL),
                      relais_record_get(r, RELAIS_GUARDIAN_TEL_PROFESSIONNEL), "|");
    p->code_postal = str(ld, relais_record_get(r, RELAIS_GUARDIAN_CODE_POSTAL));
    const char *l1 = relais_record_get(r, RELAIS_GUARDIAN_LIGNE1_ADRESSE);
    const char *l2 = relais_record_get(r, RELAIS_GUARDIAN_LIGNE2_ADRESSE);
    const char *l3 = relais_record_get(r, RELAIS_GUARDIAN_LIGNE3_ADRESSE);
    p->adresse = join3(ld, l1, l2, l3, "|");
    return ld->l->failed ? RELAIS_ENOMEM : 0;
}

/* Children per guardian, gathered from the links then set once. */
typedef struct kids {
    uint32_t *v;
    uint32_t n, cap;
} kids;

typedef struct link_loader {
    loader *ld;
    kids *by_person; /* indexed by person index */
    int rc;
} link_loader;

static int load_link(const relais_record *r, void *payload)
{
    link_loader *ll = payload;
    int64_t g, st;
    if (!map_get_id(ll->ld->by_id, r->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN], &g) ||
        !map_get_id(ll->ld->by_id, r->ref[RELAIS_STUDENT_GUARDIAN_STUDENT], &st)) {
        return 0;
    }
    kids *k = &ll->by_person[g];
    if (k->n == k->cap) {
        uint32_t cap = k->cap ? k->cap * 2 : 4;
        uint32_t *v = util_realloc(k->v, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = (uint32_t)st;
    return 0;
}

static int load_staff(const relais_record *r, void *payload)
{
    loader *ld = payload;
    uint32_t i;
    const char *fonction = relais_record_get(r, RELAIS_STAFF_FONCTION);
    int rc = add_person(&i, ld, r, util_streq(fonction, "ENS") ? MATCH_TEACHER : MATCH_STAFF);
    if (rc < 0) {
        return rc;
    }
    match_person *p = &ld->l->persons[i];
    p->id = str(ld, relais_record_get(r, RELAIS_STAFF_STS_ID));
    p->nom = str(ld, relais_record_get(r, RELAIS_STAFF_NOM_PATRONYMIQUE));
    p->nom_usage = str(ld, relais_record_get(r, RELAIS_STAFF_NOM_USAGE));
    if (p->nom == NULL) {
        p->nom = p->nom_usage;
        p->nom_usage = NULL;
    }
    p->prenoms = str(ld, relais_record_get(r, RELAIS_STAFF_PRENOM));
    p->date_naissance = str(ld, relais_record_get(r, RELAIS_STAFF_DATE_NAISSANCE));
    const char *sexe = relais_record_get(r, RELAIS_STAFF_SEXE);
    p->sexe = util_streq(sexe, "1") || util_streq(sexe, "M")   ? 'M'
              : util_streq(sexe, "2") || util_streq(sexe, "F") ? 'F'
                                                               : 0;
    p->email = str(ld, relais_record_get(r, RELAIS_STAFF_MEL));
    return ld->l->failed ? RELAIS_ENOMEM : 0;
}

static int load_scope(loader *ld)
{
    relais_store *s = ld->s;
    size_t first = ld->l->n;
    int rc = relais_store_record_foreach(s, RELAIS_KIND_DIVISION, ld->scope_id, RELAIS_ACTIVE,
                                         load_division, ld);
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_STUDENT, ld->scope_id, RELAIS_ACTIVE,
                                         load_student, ld);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_ENROLMENT, ld->scope_id, RELAIS_ACTIVE,
                                         load_enrolment, ld);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_GUARDIAN, ld->scope_id, RELAIS_ACTIVE,
                                         load_guardian, ld);
    }
    if (rc == 0) {
        link_loader ll = {ld, util_calloc(ld->l->n ? ld->l->n : 1, sizeof(kids)), 0};
        if (ll.by_person == NULL) {
            return RELAIS_ENOMEM;
        }
        rc = relais_store_record_foreach(s, RELAIS_KIND_STUDENT_GUARDIAN, ld->scope_id,
                                         RELAIS_ACTIVE, load_link, &ll);
        for (size_t i = first; i < ld->l->n; i++) {
            if (rc == 0 && ll.by_person[i].n) {
                rc = match_list_set_children(ld->l, (uint32_t)i, ll.by_person[i].v,
                                             ll.by_person[i].n);
            }
            util_free(ll.by_person[i].v);
        }
        util_free(ll.by_person);
    }
    if (rc == 0) {
        rc = relais_store_record_foreach(s, RELAIS_KIND_STAFF, ld->scope_id, RELAIS_ACTIVE,
                                         load_staff, ld);
    }
    return rc;
}

typedef struct estab_walk {
    loader *ld;
    int year;
    util_arena *arena;
} estab_walk;

static int load_estab(const relais_establishment *e, void *payload)
{
    estab_walk *w = payload;
    relais_scope *sc = NULL;
    int rc = relais_store_scope_find(&sc, w->ld->s, w->arena, e->uai, w->year);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    rc = match_list_add_estab(&w->ld->estab, w->ld->l, e->uai, sc->id);
    if (rc < 0) {
        return rc;
    }
    w->ld->scope_id = sc->id;
    util_map_free(w->ld->division);
    w->ld->division = NULL;
    rc = util_map_new(&w->ld->division);
    return rc < 0 ? rc : load_scope(w->ld);
}

int match_hub_load(match_list **out, relais_store *s, int year, const char *uai)
{
    *out = NULL;
    loader ld = {.s = s, .tmp = UTIL_BUF_INIT};
    estab_walk w = {.ld = &ld, .year = year};
    int rc = match_list_new(&ld.l);
    if (rc == 0) {
        rc = util_map_new(&ld.by_id);
    }
    if (rc == 0) {
        rc = util_arena_new(&w.arena, 4096);
    }
    if (rc == 0) {
        rc = relais_store_begin_read(s);
        if (rc == 0) {
            if (uai) {
                relais_establishment *e;
                rc = relais_store_establishment_find(&e, s, w.arena, uai);
                if (rc == 0) {
                    rc = load_estab(e, &w);
                    if (rc == 0 && ld.l->n_estabs == 0) {
                        relais_error_set(_("aucune donnée pour %s en %d-%d"), e->uai, year,
                                         year + 1);
                        rc = RELAIS_ENOTFOUND;
                    }
                } else if (rc == RELAIS_ENOTFOUND) {
                    relais_error_set(_("établissement %s inconnu du hub"), uai);
                }
            } else {
                rc = relais_store_establishment_foreach(s, load_estab, &w);
            }
            relais_store_end_read(s);
        }
    }
    if (rc == 0 && (ld.l->failed || ld.tmp.failed)) {
        rc = RELAIS_ENOMEM;
    }
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    util_map_free(ld.by_id);
    util_map_free(ld.division);
    util_buf_free(&ld.tmp);
    util_arena_free(w.arena);
    if (rc < 0) {
        match_list_free(ld.l);
        return rc;
    }
    *out = ld.l;
    return 0;
}

/* -------------------------------------------------------------- crosswalk */

typedef struct xwalk {
    relais_store *s;
    const char *partner;
    const match_list *pl, *hub;
    util_map *partner_ids; /* "kind\x1fid" → partner index */
    util_map *hub_ids;     /* internal id → hub index */
    util_map *hub_keys;    /* "estab\x1fkind\x1fnatural id" → hub index */
    uint32_t estab;        /* establishment of the scope being read */
    bool previous_year;    /* reading last year's scope: map through natural keys */
    util_arena *arena;
    util_buf key;
    match_pin *pins;
    size_t n_pins, cap_pins;
    match_pair *rej;
    size_t n_rej, cap_rej;
    util_map *pinned; /* "estab\x1fkind\x1fexternal id" already pinned this year */
} xwalk;

static const char *category_kind_name(const match_person *p)
{
    return relais_kind_get(match_category_kind((match_category)p->category))->name;
}

/* The hub index of entity `id` (this year), or of its successor (last year's link). */
static bool hub_index(xwalk *x, const char *kind_name, int64_t id, int64_t *index)
{
    if (!x->previous_year) {
        return map_get_id(x->hub_ids, id, index);
    }
    int kind = relais_kind_by_name(kind_name);
    if (kind != RELAIS_KIND_STUDENT && kind != RELAIS_KIND_GUARDIAN && kind != RELAIS_KIND_STAFF) {
        return false;
    }
    relais_record *r;
    if (relais_store_record_get(&r, x->s, x->arena, (relais_kind)kind, id) < 0) {
        return false;
    }
    const char *natural = r->text[relais_kind_get((relais_kind)kind)->key[0]];
    if (natural_key(&x->key, x->estab, kind_name, natural) < 0) {
        return false;
    }
    return util_map_get(x->hub_keys, x->key.data, x->key.len, index);
}

static int read_xref(const relais_record *r, void *payload)
{
    xwalk *x = payload;
    const char *app = relais_record_get(r, RELAIS_XREF_APPLICATION);
    if (!util_streq(app, x->partner)) {
        return 0;
    }
    const char *cat = relais_record_get(r, RELAIS_XREF_CATEGORY);
    const char *ext = relais_record_get(r, RELAIS_XREF_EXTERNAL_ID);
    util_arena_reset(x->arena);
    int rc = natural_key(&x->key, x->estab, cat, ext);
    if (rc < 0) {
        return rc;
    }
    if (util_map_get(x->pinned, x->key.data, x->key.len, NULL)) {
        return 0; /* this year's link wins over last year's */
    }
    int64_t pi, hi;
    util_buf_reset(&x->key);
    util_buf_printf(&x->key, "%s\x1f%s", cat ? cat : "", ext ? ext : "");
    if (!util_map_get(x->partner_ids, x->key.data, x->key.len, &pi) ||
        !hub_index(x, cat, r->ref[RELAIS_XREF_ENTITY], &hi) ||
        x->hub->persons[hi].estab != x->estab) {
        return 0;
    }
    const char *prov = relais_record_get(r, RELAIS_XREF_PROVENANCE);
    uint8_t d = util_streq(prov, "manual") ? MATCH_MANUAL
                : util_streq(prov, "auto") ? MATCH_AUTO
                                           : MATCH_KEY;
    if (x->n_pins == x->cap_pins) {
        size_t cap = x->cap_pins ? x->cap_pins * 2 : 64;
        match_pin *p = util_realloc(x->pins, cap * sizeof *p);
        if (p == NULL) {
            return RELAIS_ENOMEM;
        }
        x->pins = p;
        x->cap_pins = cap;
    }
    x->pins[x->n_pins++] = (match_pin){(uint32_t)pi, (uint32_t)hi, d};
    natural_key(&x->key, x->estab, cat, ext);
    return util_map_put(x->pinned, x->key.data, x->key.len, 1);
}

static int read_rejection(const relais_record *r, void *payload)
{
    xwalk *x = payload;
    if (!util_streq(relais_record_get(r, RELAIS_XREF_REJECTION_APPLICATION), x->partner)) {
        return 0;
    }
    const char *cat = relais_record_get(r, RELAIS_XREF_REJECTION_CATEGORY);
    const char *ext = relais_record_get(r, RELAIS_XREF_REJECTION_EXTERNAL_ID);
    util_arena_reset(x->arena);
    int64_t pi, hi;
    util_buf_reset(&x->key);
    util_buf_printf(&x->key, "%s\x1f%s", cat ? cat : "", ext ? ext : "");
    if (!util_map_get(x->partner_ids, x->key.data, x->key.len, &pi) ||
        !hub_index(x, cat, r->ref[RELAIS_XREF_REJECTION_ENTITY], &hi)) {
        return 0;
    }
    if (x->n_rej == x->cap_rej) {
        size_t cap = x->cap_rej ? x->cap_rej * 2 : 16;
        match_pair *p = util_realloc(x->rej, cap * sizeof *p);
        if (p == NULL) {
            return RELAIS_ENOMEM;
        }
        x->rej = p;
        x->cap_rej = cap;
    }
    x->rej[x->n_rej++] = (match_pair){(uint32_t)pi, (uint32_t)hi};
    return 0;
}

int match_crosswalk_load(match_pin **pins, size_t *n_pins, match_pair **rejected,
                         size_t *n_rejected, relais_store *s, const char *partner,
                         const match_list *partner_list, const match_list *hub)
{
    *pins = NULL;
    *rejected = NULL;
    *n_pins = *n_rejected = 0;
    xwalk x = {.s = s, .partner = partner, .pl = partner_list, .hub = hub, .key = UTIL_BUF_INIT};
    int rc = 0;
    if (util_map_new(&x.partner_ids) < 0 || util_map_new(&x.hub_ids) < 0 ||
        util_map_new(&x.hub_keys) < 0 || util_map_new(&x.pinned) < 0 ||
        util_arena_new(&x.arena, 4096) < 0) {
        rc = RELAIS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < partner_list->n && rc == 0; i++) {
        const match_person *p = &partner_list->persons[i];
        util_buf_reset(&x.key);
        util_buf_printf(&x.key, "%s\x1f%s", category_kind_name(p), p->id);
        rc = x.key.failed ? RELAIS_ENOMEM
                          : util_map_put(x.partner_ids, x.key.data, x.key.len, (int64_t)i);
    }
    for (size_t i = 0; i < hub->n && rc == 0; i++) {
        const match_person *h = &hub->persons[i];
        rc = map_put_id(x.hub_ids, h->relais_id, (int64_t)i);
        if (rc == 0 && natural_key(&x.key, h->estab, category_kind_name(h), h->id) == 0) {
            rc = util_map_put(x.hub_keys, x.key.data, x.key.len, (int64_t)i);
        }
    }
    bool reading = false;
    if (rc == 0) {
        rc = relais_store_begin_read(s);
        reading = rc == 0;
    }
    for (size_t e = 0; e < hub->n_estabs && rc == 0; e++) {
        x.estab = (uint32_t)e;
        x.previous_year = false;
        rc = relais_store_record_foreach(s, RELAIS_KIND_XREF, hub->estabs[e].scope_id,
                                         RELAIS_ACTIVE, read_xref, &x);
        if (rc == 0) {
            rc = relais_store_record_foreach(s, RELAIS_KIND_XREF_REJECTION, hub->estabs[e].scope_id,
                                             RELAIS_ACTIVE, read_rejection, &x);
        }
        /* Last year's links and refusals carry over to the same persons this year. */
        relais_scope *cur, *prev;
        if (rc == 0 && relais_store_scope_get(&cur, s, x.arena, hub->estabs[e].scope_id) == 0 &&
            relais_store_scope_find(&prev, s, x.arena, cur->uai, cur->year - 1) == 0) {
            int64_t prev_id = prev->id;
            x.previous_year = true;
            rc = relais_store_record_foreach(s, RELAIS_KIND_XREF, prev_id, RELAIS_ACTIVE, read_xref,
                                             &x);
            if (rc == 0) {
                rc = relais_store_record_foreach(s, RELAIS_KIND_XREF_REJECTION, prev_id,
                                                 RELAIS_ACTIVE, read_rejection, &x);
            }
        }
    }
    if (reading) {
        relais_store_end_read(s);
    }
    if (rc == 0 && x.key.failed) {
        rc = RELAIS_ENOMEM;
    }
done:
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    util_map_free(x.partner_ids);
    util_map_free(x.hub_ids);
    util_map_free(x.hub_keys);
    util_map_free(x.pinned);
    util_arena_free(x.arena);
    util_buf_free(&x.key);
    if (rc < 0) {
        util_free(x.pins);
        util_free(x.rej);
        return rc;
    }
    *pins = x.pins;
    *n_pins = x.n_pins;
    *rejected = x.rej;
    *n_rejected = x.n_rej;
    return 0;
}
