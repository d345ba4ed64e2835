/*
 * hubfill.c — fills a hub with a synthetic establishment through plans, as an
 * importer would (used by integration tests, benchmarks and the demo until
 * the SIECLE importer is on main).
 *
 *   hubfill --db HUB --uai UAI [--year 2025] [--students N] [--name NAME]
 *           [--rename K --variant TEXT] [--safe] [--quiet]
 *
 * Each call is a full import of N students (with 1 or 2 guardians each, their
 * links, one division per 28 students and the enrolments): records missing
 * from the call are deactivated, records that differ are updated. --rename K
 * appends TEXT to the surname of the first K students. --safe checks the
 * safety thresholds first and quarantines the plan when they are exceeded
 * (exit status 3), as `relais` commands do.
 *
 * Prints one line: "run N" (applied), "quarantined N", or "unchanged".
 */
#include <relais/change.h>
#include <relais/store.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

typedef struct opts {
    const char *db, *uai, *name, *variant;
    int year;
    long students, rename;
    bool safe, quiet;
} opts;

typedef struct fill {
    relais_store *s;
    relais_plan *p;
    util_arena *a;
    int64_t scope;
    util_idset *seen;
    int rc;
} fill;

static void die(const char *what, int rc)
{
    fprintf(stderr, "hubfill: %s: %s (%s)\n", what, relais_error_last(), relais_error_name(rc));
    exit(3);
}

static long arg_long(const char *v)
{
    int64_t n;
    if (v == NULL || !util_parse_int64(v, strlen(v), &n) || n < 0) {
        fprintf(stderr, "hubfill: nombre attendu : %s\n", v ? v : "(rien)");
        exit(2);
    }
    return (long)n;
}

/*
 * Create or update `r` (its key fields set, scope set); returns the stored id
 * or the plan's negative ref.
 */
static int64_t upsert(fill *f, relais_record *r)
{
    relais_record *old = NULL;
    int rc = f->scope > 0 ? relais_store_record_find(&old, f->s, f->a, r) : RELAIS_ENOTFOUND;
    if (rc == RELAIS_ENOTFOUND) {
        int64_t ref;
        rc = relais_plan_create(&ref, f->p, r);
        if (rc < 0) {
            die("create", rc);
        }
        return ref;
    }
    if (rc < 0) {
        die("find", rc);
    }
    rc = relais_plan_update(NULL, f->p, old, r, RELAIS_FG_ALL);
    if (rc < 0) {
        die("update", rc);
    }
    util_idset_add(f->seen, old->id);
    return old->id;
}

static relais_record *rec(fill *f, relais_kind kind)
{
    relais_record *r = relais_record_new(f->a, kind);
    if (r == NULL) {
        die("memory", RELAIS_ENOMEM);
    }
    r->scope_id = f->scope;
    return r;
}

static void set(fill *f, relais_record *r, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set(fill *f, relais_record *r, size_t field, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    relais_record_set_str(r, f->a, field, buf);
}

static const char *const surnames[] = {"MARTIN",  "BERNARD", "DUBOIS",  "THOMAS", "ROBERT",
                                       "RICHARD", "PETIT",   "DURAND",  "LEROY",  "MOREAU",
                                       "SIMON",   "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA"};
static const char *const firstnames[] = {"Léa",   "Hugo",  "Chloé", "Louis", "Emma", "Gabriel",
                                         "Jade",  "Raphaël", "Louise", "Arthur", "Zoé", "Jules"};

static int deactivate_unseen(const relais_record *r, void *payload)
{
    fill *f = payload;
    if (!util_idset_has(f->seen, r->id)) {
        char today[11];
        util_date d;
        util_date_today(&d);
        util_date_iso(&d, today);
        return relais_plan_deactivate(f->p, r, today);
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {.year = 2025, .students = 100, .variant = "-B"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--db") == 0) {
            o.db = v, i++;
        } else if (strcmp(a, "--uai") == 0) {
            o.uai = v, i++;
        } else if (strcmp(a, "--name") == 0) {
            o.name = v, i++;
        } else if (strcmp(a, "--variant") == 0) {
            o.variant = v, i++;
        } else if (strcmp(a, "--year") == 0) {
            o.year = (int)arg_long(v), i++;
        } else if (strcmp(a, "--students") == 0) {
            o.students = arg_long(v), i++;
        } else if (strcmp(a, "--rename") == 0) {
            o.rename = arg_long(v), i++;
        } else if (strcmp(a, "--safe") == 0) {
            o.safe = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o.quiet = true;
        } else {
            fprintf(stderr, "hubfill: option inconnue : %s\n", a);
            return 2;
        }
    }
    if (o.db == NULL || o.uai == NULL || o.variant == NULL) {
        fprintf(stderr, "usage: hubfill --db HUB --uai UAI [--students N] [--rename K]\n");
        return 2;
    }
    fill f = {0};
    int rc = relais_store_open(&f.s, o.db, 0);
    if (rc < 0) {
        die("open", rc);
    }
    if ((rc = relais_plan_new(&f.p, f.s, "hubfill")) < 0 ||
        (rc = util_arena_new(&f.a, 64 * 1024)) < 0 || (rc = util_idset_new(&f.seen)) < 0) {
        die("init", rc);
    }
    relais_scope_spec spec = {.uai = o.uai, .year = o.year,
                              .name = o.name ? o.name : "COLLEGE DE TEST", .type = "CLG",
                              .sector = "PR"};
    if ((rc = relais_plan_scope(&f.scope, f.p, &spec)) < 0) {
        die("scope", rc);
    }
    long n_div = (o.students + 27) / 28;
    int64_t *divs = calloc((size_t)(n_div ? n_div : 1), sizeof *divs);
    for (long d = 0; d < n_div; d++) {
        util_arena_reset(f.a);
        relais_record *r = rec(&f, RELAIS_KIND_DIVISION);
        if (d < 104) {
            set(&f, r, RELAIS_DIVISION_CODE, "%ld%c", 3 + d % 4, (char)('A' + d / 4 % 26));
        } else {
            set(&f, r, RELAIS_DIVISION_CODE, "%ld%c%ld", 3 + d % 4, (char)('A' + d / 4 % 26),
                d / 104);
        }
        set(&f, r, RELAIS_DIVISION_LIBELLE_LONG, "DIVISION %ld", d + 1);
        divs[d] = upsert(&f, r);
    }
    for (long i = 0; i < o.students; i++) {
        util_arena_reset(f.a);
        relais_record *st = rec(&f, RELAIS_KIND_STUDENT);
        const char *nom = surnames[i % UTIL_ARRAY_LEN(surnames)];
        set(&f, st, RELAIS_STUDENT_ELEVE_ID, "%ld", 100000 + i);
        set(&f, st, RELAIS_STUDENT_NOM_DE_FAMILLE, "%s%s", nom, i < o.rename ? o.variant : "");
        set(&f, st, RELAIS_STUDENT_PRENOM, "%s", firstnames[i % UTIL_ARRAY_LEN(firstnames)]);
        set(&f, st, RELAIS_STUDENT_DATE_NAISS, "%04ld-%02ld-%02ld", 2010 + i % 5, 1 + i % 12,
            1 + i % 28);
        set(&f, st, RELAIS_STUDENT_CODE_SEXE, "%ld", 1 + i % 2);
        set(&f, st, RELAIS_STUDENT_INE, "%09ldAB", 120000000 + i);
        set(&f, st, RELAIS_STUDENT_CODE_MEF, "1001000%ld1%ld", i % 4, i % 10);
        set(&f, st, RELAIS_STUDENT_CODE_REGIME, "%s", i % 3 ? "2" : "0");
        set(&f, st, RELAIS_STUDENT_CODE_STATUT, "ST");
        set(&f, st, RELAIS_STUDENT_LIGNE1_ADRESSE, "%ld RUE DES ECOLES", 1 + i % 90);
        set(&f, st, RELAIS_STUDENT_CODE_POSTAL, "45%03ld", i % 1000);
        set(&f, st, RELAIS_STUDENT_LIBELLE_POSTAL, "ORLEANS");
        int64_t student = upsert(&f, st);
        int n_guardians = i % 2 ? 1 : 2;
        for (int g = 0; g < n_guardians; g++) {
            relais_record *gr = rec(&f, RELAIS_KIND_GUARDIAN);
            set(&f, gr, RELAIS_GUARDIAN_PERSONNE_ID, "%ld", 500000 + i * 2 + g);
            set(&f, gr, RELAIS_GUARDIAN_LC_CIVILITE, "%s", g ? "MME" : "M.");
            set(&f, gr, RELAIS_GUARDIAN_NOM_DE_FAMILLE, "%s", nom);
            set(&f, gr, RELAIS_GUARDIAN_PRENOM, "%s", g ? "Marie" : "Pierre");
            set(&f, gr, RELAIS_GUARDIAN_MEL, "parent%ld.%d@example.org", i, g);
            set(&f, gr, RELAIS_GUARDIAN_TEL_PORTABLE, "06%08ld", i * 2 + g);
            set(&f, gr, RELAIS_GUARDIAN_CODE_PROFESSION, "%d", 30 + g);
            int64_t guardian = upsert(&f, gr);
            relais_record *link = rec(&f, RELAIS_KIND_STUDENT_GUARDIAN);
            link->ref[RELAIS_STUDENT_GUARDIAN_STUDENT] = student;
            link->ref[RELAIS_STUDENT_GUARDIAN_GUARDIAN] = guardian;
            set(&f, link, RELAIS_STUDENT_GUARDIAN_CODE_PARENTE, "%s", g ? "20" : "10");
            set(&f, link, RELAIS_STUDENT_GUARDIAN_RESP_LEGAL, "%d", 1 + g);
            upsert(&f, link);
        }
        relais_record *en = rec(&f, RELAIS_KIND_ENROLMENT);
        en->ref[RELAIS_ENROLMENT_STUDENT] = student;
        en->ref[RELAIS_ENROLMENT_DIVISION] = divs[i / 28];
        set(&f, en, RELAIS_ENROLMENT_DATE_DEBUT, "%d-09-01", o.year);
        upsert(&f, en);
    }
    free(divs);
    if (f.scope > 0) {
        relais_kind kinds[] = {RELAIS_KIND_ENROLMENT, RELAIS_KIND_STUDENT_GUARDIAN,
                               RELAIS_KIND_GUARDIAN, RELAIS_KIND_STUDENT, RELAIS_KIND_DIVISION};
        for (size_t k = 0; k < UTIL_ARRAY_LEN(kinds); k++) {
            rc = relais_store_record_foreach(f.s, kinds[k], f.scope, RELAIS_ACTIVE,
                                             deactivate_unseen, &f);
            if (rc < 0) {
                die("deactivate", rc);
            }
        }
    }
    int status = 0;
    if (relais_plan_n_changes(f.p) == 0) {
        printf("unchanged\n");
    } else {
        relais_breach *b = NULL;
        size_t nb = 0;
        if (o.safe && (rc = relais_plan_check(&b, &nb, f.p)) < 0) {
            die("check", rc);
        }
        int64_t run = 0;
        if (nb > 0) {
            if ((rc = relais_plan_quarantine(&run, f.p, b, nb)) < 0) {
                die("quarantine", rc);
            }
            printf("quarantined %lld\n", (long long)run);
            status = 3;
        } else {
            if ((rc = relais_plan_apply(&run, f.p)) < 0) {
                die("apply", rc);
            }
            printf("run %lld\n", (long long)run);
        }
        util_free(b);
        if (!o.quiet) {
            fprintf(stderr, "hubfill: %zu changes\n", relais_plan_n_changes(f.p));
        }
    }
    util_idset_free(f.seen);
    util_arena_free(f.a);
    relais_plan_free(f.p);
    relais_store_close(f.s);
    return status;
}
