/*
 * testhub.c — a small establishment built through plans, shared by the unit
 * tests of the modules that read the hub (checks, exports): see testhub.h.
 */
#include "testhub.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


/* A record of kind k with text fields given as "name", "value" pairs, NULL-terminated. */
relais_record *mk(hub *h, relais_kind k, ...)
{
    relais_record *r = relais_record_new(h->a, k);
    assert_non_null(r);
    r->scope_id = h->scope;
    va_list ap;
    va_start(ap, k);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        int f = relais_field_index(k, name);
        if (f < 0) {
            fail_msg("no field %s in %s", name, relais_kind_get(k)->name);
        }
        relais_record_set_str(r, h->a, (size_t)f, value);
    }
    va_end(ap);
    return r;
}

void setref(relais_record *r, const char *name, int64_t v)
{
    int f = relais_field_index(r->kind, name);
    assert_true(f >= 0);
    r->ref[f] = v;
}

int64_t add(hub *h, relais_record *r)
{
    int64_t ref;
    assert_int_equal(relais_plan_create(&ref, h->p, r), 0);
    return ref;
}

int64_t xref(hub *h, const char *app, const char *cat, const char *ext, int64_t entity)
{
    relais_record *x = mk(h, RELAIS_KIND_XREF, "application", app, "category", cat, "external_id",
                          ext, "provenance", "import", NULL);
    setref(x, "entity_id", entity);
    return add(h, x);
}

int64_t link2(hub *h, relais_kind k, const char *f1, int64_t r1, const char *f2, int64_t r2)
{
    relais_record *r = mk(h, k, NULL);
    setref(r, f1, r1);
    setref(r, f2, r2);
    return add(h, r);
}

int64_t enrol(hub *h, int64_t student, int64_t division, int64_t group, const char *debut)
{
    relais_record *r = mk(h, RELAIS_KIND_ENROLMENT, "date_debut", debut, NULL);
    setref(r, "student_id", student);
    setref(r, "division_id", division);
    setref(r, "group_id", group);
    return add(h, r);
}

void begin(hub *h)
{
    assert_int_equal(relais_plan_new(&h->p, h->s, "test"), 0);
    relais_calendar cal = {"2025-09-01", "2026-07-04", NULL, NULL};
    relais_scope_spec spec = {.uai = "0999999Z", .year = 2025, .calendar = &cal};
    assert_int_equal(relais_plan_scope(&h->scope, h->p, &spec), 0);
}

void commit(hub *h)
{
    assert_int_equal(relais_plan_apply(NULL, h->p), 0);
    relais_plan_free(h->p);
    h->p = NULL;
    relais_scope *sc;
    assert_int_equal(relais_store_scope_find(&sc, h->s, h->a, "0999999Z", 2025), 0);
    h->scope = sc->id;
}

int64_t student(hub *h, const char *id, const char *nom, const char *prenom,
                       const char *mef)
{
    int64_t r = add(h, mk(h, RELAIS_KIND_STUDENT, "eleve_id", id, "nom_de_famille", nom, "prenom",
                          prenom, "date_naiss", "2011-02-03", "code_mef", mef, "date_entree",
                          "2022-09-01", "consent_rgpd", "1", NULL));
    xref(h, "siecle", "student", id, r);
    xref(h, "agate", "student", id, r);
    return r;
}

int64_t guardian(hub *h, const char *id, const char *nom, const char *prenom, int64_t child,
                        const char *niveau)
{
    int64_t g = add(h, mk(h, RELAIS_KIND_GUARDIAN, "personne_id", id, "nom_de_famille", nom,
                          "prenom", prenom, "ligne1_adresse", "1 RUE DES ÉCOLES", "code_postal",
                          "75005", "consent_rgpd", "1", "tel_portable", id, NULL));
    relais_record *l = mk(h, RELAIS_KIND_STUDENT_GUARDIAN, "niveau_responsabilite", niveau,
                          "code_parente", "10", NULL);
    setref(l, "student_id", child);
    setref(l, "guardian_id", g);
    add(h, l);
    xref(h, "agate", "guardian", id, g);
    return g;
}

/* The clean establishment: two classes, one Latin group across them, two students, their
 * mothers, one teacher, one course. Nothing to report. */
void build_base(hub *h)
{
    begin(h);
    int64_t a3 = add(h, mk(h, RELAIS_KIND_DIVISION, "code", "3A", "libelle_long", "3EME A", "mefs",
                           "10310019110", NULL));
    int64_t b3 = add(h, mk(h, RELAIS_KIND_DIVISION, "code", "3B", "mefs", "10310019110", NULL));
    int64_t lat = add(h, mk(h, RELAIS_KIND_GROUP, "code", "3LAT", "mefs", "10310019110", NULL));
    int64_t lv2 = add(h, mk(h, RELAIS_KIND_GROUP, "code", "LV2A", "mefs", "10310019110", NULL));
    link2(h, RELAIS_KIND_GROUP_DIVISION, "group_id", lat, "division_id", a3);
    link2(h, RELAIS_KIND_GROUP_DIVISION, "group_id", lat, "division_id", b3);
    link2(h, RELAIS_KIND_GROUP_DIVISION, "group_id", lv2, "division_id", a3);
    const char *apps[] = {"siecle", "sts", "edt"};
    for (int i = 0; i < 3; i++) {
        xref(h, apps[i], "division", "3A", a3);
        xref(h, apps[i], "division", "3B", b3);
        xref(h, apps[i], "group", "3LAT", lat);
        xref(h, apps[i], "group", "LV2A", lv2);
    }
    int64_t s1 = student(h, "1001", "DUPONT", "Jean", "10310019110");
    int64_t s2 = student(h, "1002", "MARTIN", "Zoé", "10310019110");
    enrol(h, s1, a3, 0, NULL);
    enrol(h, s1, 0, lat, "2025-09-01");
    enrol(h, s1, 0, lv2, "2025-09-01");
    enrol(h, s2, b3, 0, NULL);
    enrol(h, s2, 0, lat, "2025-09-01");
    guardian(h, "5001", "DUPONT", "Marie", s1, "1");
    guardian(h, "5002", "MARTIN", "Claire", s2, "1");
    int64_t t1 = add(h, mk(h, RELAIS_KIND_STAFF, "sts_id", "77", "nom_usage", "LEBLANC", "prenom",
                           "Paul", "fonction", "ENS", NULL));
    xref(h, "sts", "staff", "77", t1);
    relais_record *sv = mk(h, RELAIS_KIND_SERVICE, "code_matiere", "020700", "code_mod_cours", "CG",
                           NULL);
    setref(sv, "group_id", lat);
    int64_t service = add(h, sv);
    xref(h, "sts", "service", "3LAT/020700", service);
    xref(h, "edt", "service", "3LAT/LATIN", service);
    link2(h, RELAIS_KIND_SERVICE_TEACHER, "service_id", service, "staff_id", t1);
    add(h, mk(h, RELAIS_KIND_COURSE, "course_key", "c1", "jour", "1", "heure_debut", "08:00",
              "duree", "55", "code_matiere", "020700", "enseignants", "77", "structures", "3LAT",
              NULL));
    commit(h);
}

/* ------------------------------------------------------------ helpers */

relais_record *find(hub *h, relais_kind k, const char *key)
{
    relais_record *probe = relais_record_new(h->a, k);
    probe->scope_id = h->scope;
    const relais_kind_info *ki = relais_kind_get(k);
    relais_record_set_str(probe, h->a, ki->key[0], key);
    relais_record *r;
    assert_int_equal(relais_store_record_find(&r, h->s, h->a, probe), 0);
    return r;
}

void set(hub *h, relais_record *old, const char *field, const char *value)
{
    relais_record *n = relais_record_copy(h->a, old);
    relais_record_set_str(n, h->a, (size_t)relais_field_index(old->kind, field), value);
    assert_int_equal(relais_plan_update(NULL, h->p, old, n, RELAIS_FG_ALL), 0);
}

typedef struct enrol_find {
    int64_t student, division, group;
    relais_record *found;
    util_arena *a;
} enrol_find;

static int find_enrolment_cb(const relais_record *r, void *payload)
{
    enrol_find *e = payload;
    if (r->ref[RELAIS_ENROLMENT_STUDENT] == e->student &&
        r->ref[RELAIS_ENROLMENT_DIVISION] == e->division &&
        r->ref[RELAIS_ENROLMENT_GROUP] == e->group) {
        e->found = relais_record_copy(e->a, r);
    }
    return 0;
}

relais_record *find_enrolment(hub *h, const char *eleve_id, const char *division,
                                     const char *group)
{
    enrol_find e = {find(h, RELAIS_KIND_STUDENT, eleve_id)->id,
                    division ? find(h, RELAIS_KIND_DIVISION, division)->id : 0,
                    group ? find(h, RELAIS_KIND_GROUP, group)->id : 0, NULL, h->a};
    assert_int_equal(relais_store_record_foreach(h->s, RELAIS_KIND_ENROLMENT, h->scope, RELAIS_ANY,
                                                 find_enrolment_cb, &e),
                     0);
    assert_non_null(e.found);
    return e.found;
}

typedef struct xref_find {
    const char *app;
    int64_t entity;
    relais_record *found;
    util_arena *a;
} xref_find;

static int find_xref_cb(const relais_record *r, void *payload)
{
    xref_find *x = payload;
    if (r->ref[RELAIS_XREF_ENTITY] == x->entity &&
        util_streq(r->text[RELAIS_XREF_APPLICATION], x->app)) {
        x->found = relais_record_copy(x->a, r);
    }
    return 0;
}

relais_record *find_xref(hub *h, const char *app, int64_t entity)
{
    xref_find x = {app, entity, NULL, h->a};
    relais_store_record_foreach(h->s, RELAIS_KIND_XREF, h->scope, RELAIS_ANY, find_xref_cb, &x);
    assert_non_null(x.found);
    return x.found;
}

void off(hub *h, relais_record *r)
{
    assert_int_equal(relais_plan_deactivate(h->p, r, "2025-09-20"), 0);
}


void open_hub(hub *h, const char *name)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(relais_store_open(&h->s, test_path_join(test_tmpdir(name), "hub.db"),
                                       RELAIS_STORE_CREATE),
                     0);
    assert_int_equal(util_arena_new(&h->a, 0), 0);
}

void close_hub(hub *h)
{
    relais_plan_free(h->p);
    relais_store_close(h->s);
    util_arena_free(h->a);
}
