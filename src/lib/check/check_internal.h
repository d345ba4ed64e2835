/*
 * check_internal.h — what the files of the check module share: the snapshot
 * of one scope that every rule reads, and the way rules report findings.
 * Private to the module; its face is check.h.
 */
#ifndef RELAIS_CHECK_INTERNAL_H
#define RELAIS_CHECK_INTERNAL_H

#include "check.h"
#include "snapshot/snapshot.h"

/* What a rule function receives. */
typedef struct check_ctx {
    check_report *report;
    scope_snapshot *snap;
    const check_options *opts;
    util_arena *scratch; /* reset by the runner after each rule */
    char today[11];      /* ISO date of the run (RELAIS_TODAY overrides) */
} check_ctx;

typedef int (*check_rule_fn)(check_ctx *c);

/** Report a finding of rule `code` about record r (may be NULL: about the scope). */
int check_emit(check_ctx *c, const char *code, const relais_record *r, const char *ids,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Rule families, one file each. Each returns its functions in rule catalogue order. */
int check_rules_elegroupe(check_ctx *c);
int check_rules_sts(check_ctx *c);
int check_rules_ent(check_ctx *c);
int check_rules_preflight(check_ctx *c);
int check_rules_drift(check_ctx *c);

struct elegroupe_file;
/* The ELEGROUPE family on a given file (the hub's own file in check_rules_elegroupe). */
int check_elegroupe_file(check_ctx *c, const struct elegroupe_file *file);

/* Helpers shared by rules. */
bool check_is_legal_guardian(const relais_record *link);
bool check_has_address(const relais_record *person);

#endif
