/*
 * check.h — the face of the check module: the rules SIECLE, STS-Web and the
 * ENT apply, run on the hub's model before anything is sent.
 *
 * A rule has a stable code, a severity, a family and a French text saying what
 * it checks, why it matters and how to fix it (the catalogue is printed as
 * docs/rules.md by `relais check --rules`). Running the checks on a scope
 * (establishment × year) loads that scope's records once into a snapshot and
 * runs every rule over it; findings are collected in a report that the CLI
 * renders as text, JSON or a self-contained HTML page.
 */
#ifndef RELAIS_CHECK_H
#define RELAIS_CHECK_H

#include <relais/change.h>
#include <relais/store.h>

#include "util/util.h"

/* Families of rules, in report order. */
typedef enum check_family {
    CHECK_FAMILY_ELEGROUPE, /* student–group links as SIECLE will judge them */
    CHECK_FAMILY_STS,       /* the timetable upload to STS-Web */
    CHECK_FAMILY_ENT,       /* consistency seen from the ENT and partners */
    CHECK_FAMILY_PREFLIGHT, /* what to verify before a first sync */
    CHECK_FAMILY_DRIFT,     /* large moves since the previous run */
    CHECK_FAMILY_COUNT
} check_family;

const char *check_family_name(check_family f);  /* "elegroupe", … */
const char *check_family_title(check_family f); /* French title */

typedef struct check_rule {
    const char *code;         /* "ELEGROUPE_GROUPE_INCONNU" */
    relais_severity severity; /* error: SIECLE/STS will reject; warning: likely wrong */
    check_family family;
    const char *title; /* one line, French */
    const char *what;  /* what it checks */
    const char *why;   /* why it matters */
    const char *fix;   /* how to fix */
} check_rule;

/** The catalogue, in order; *n receives its length. */
const check_rule *check_rules(size_t *n);
const check_rule *check_rule_find(const char *code);

/** One finding of one rule about one record (or the whole scope). */
typedef struct check_finding {
    const check_rule *rule;
    const char *uai;
    int year;
    int kind;          /* relais_kind concerned, or -1 */
    int64_t entity_id; /* 0 when about the scope */
    const char *label; /* "DUPONT Jean", "3A", … */
    const char *ids;   /* "ELEVE_ID 1234", … */
    const char *message;
} check_finding;

typedef struct check_report check_report;

typedef struct check_options {
    /* Drift control thresholds: a move above both is flagged. */
    double drift_ratio;    /* fraction of the previous value (default 0.10) */
    size_t drift_absolute; /* minimum absolute move (default 20) */
    double division_ratio;    /* same for one division's size (default 0.25) */
    size_t division_absolute; /* (default 5) */
    /* Partner or ENT applications whose identifiers every person should have. */
    const char *const *applications;
    size_t n_applications;
    /* Families to run: bits (1u << CHECK_FAMILY_…); 0 runs them all. */
    unsigned families;
} check_options;

#define CHECK_OPTIONS_INIT {0.10, 20, 0.25, 5, NULL, 0, 0}

int check_report_new(check_report **out);
void check_report_free(check_report *r);

/** Run every rule on one scope and add the findings to the report. */
int check_run_scope(check_report *r, relais_store *s, const relais_scope *scope,
                    const check_options *opts);

struct elegroupe_file;
struct elegroupe_violation;
/**
 * Judge a student–group links file (read from disk, or built by an exporter)
 * against SIECLE's state as the hub holds it for `scope`, and add the findings
 * of the ELEGROUPE family to the report; `violations` (may be NULL) are the
 * file's breaches of the deposit schema (elegroupe_read_file), reported first.
 */
int check_run_elegroupe_file(check_report *r, relais_store *s, const relais_scope *scope,
                             const struct elegroupe_file *file,
                             const struct elegroupe_violation *violations, size_t n_violations,
                             const check_options *opts);

/** Number of findings of a severity (or of a rule when code != NULL). */
size_t check_report_count(const check_report *r, relais_severity severity);
size_t check_report_rule_count(const check_report *r, const char *code);
/** Scopes checked (for the counts at the top of reports). */
size_t check_report_n_scopes(const check_report *r);

typedef int (*check_finding_cb)(const check_finding *f, void *payload);
/** Findings grouped by rule (catalogue order), then in the order found. */
int check_report_foreach(check_report *r, check_finding_cb cb, void *payload);

/** Is `code` a group code STS-Web accepts (≤ 8 characters: letters, digits, space . _ -)? */
bool check_sts_group_code_valid(const char *code);
/** The code STS-Web would make of it: accents removed, other characters dropped, cut at 8. */
void check_sts_group_code_shorten(char out[9], const char *code);

/** Write the report as one self-contained HTML page (sortable tables, counts at the top). */
int check_report_html(check_report *r, FILE *out, const char *title);

/** Write the catalogue as Markdown (docs/rules.md). */
int check_rules_markdown(FILE *out);

#endif
