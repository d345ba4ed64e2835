/*
 * testhub.h — building a small establishment through plans for unit tests.
 *
 * build_base() makes the reference establishment 0999999Z, year 2025
 * (calendar 01/09/2025–04/07/2026): divisions 3A and 3B; groups 3LAT (drawing
 * from 3A and 3B) and LV2A (from 3A), known to SIECLE, STS-Web and the
 * timetable; students 1001 DUPONT Jean (3A, 3LAT, LV2A) and 1002 MARTIN Zoé
 * (3B, 3LAT); their mothers 5001 and 5002 (legal guardians, with addresses);
 * teacher 77 LEBLANC Paul teaching Latin (020700) to 3LAT; one course. Every
 * person has an "agate" partner identifier. Nothing in it triggers a check.
 */
#ifndef RELAIS_TESTHUB_H
#define RELAIS_TESTHUB_H

#include <relais/change.h>
#include <relais/store.h>

#include "testutil.h"
#include "util/util.h"

typedef struct hub {
    relais_store *s;
    util_arena *a;
    relais_plan *p;
    int64_t scope;
} hub;

void open_hub(hub *h, const char *name);
void close_hub(hub *h);
/** Start a plan on the scope (creating it the first time); commit() applies it. */
void begin(hub *h);
void commit(hub *h);
void build_base(hub *h);

/** A record of kind k with text fields given as "name", "value" pairs, NULL-terminated. */
relais_record *mk(hub *h, relais_kind k, ...);
void setref(relais_record *r, const char *name, int64_t v);
int64_t add(hub *h, relais_record *r);
int64_t xref(hub *h, const char *app, const char *cat, const char *ext, int64_t entity);
int64_t link2(hub *h, relais_kind k, const char *f1, int64_t r1, const char *f2, int64_t r2);
int64_t enrol(hub *h, int64_t student, int64_t division, int64_t group, const char *debut);
int64_t student(hub *h, const char *id, const char *nom, const char *prenom, const char *mef);
int64_t guardian(hub *h, const char *id, const char *nom, const char *prenom, int64_t child,
                 const char *niveau);

/* Changes in a second plan (h->p open): */
relais_record *find(hub *h, relais_kind k, const char *key);
void set(hub *h, relais_record *old, const char *field, const char *value);
relais_record *find_enrolment(hub *h, const char *eleve_id, const char *division,
                              const char *group);
relais_record *find_xref(hub *h, const char *app, int64_t entity);
void off(hub *h, relais_record *r);

#endif
