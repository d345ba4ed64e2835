/*
 * cli.h — the face of the command-line tool: the subcommand table, the
 * option declarations (declared once per command; --help and the man page are
 * generated from them), parsed arguments, and the helpers every cmd_*.c uses
 * to open the store and report errors with the right exit status.
 */
#ifndef RELAIS_CLI_H
#define RELAIS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/util.h"

struct relais_store;

/* Exit statuses of every command (documented in README and the man page). */
enum {
    CLI_EXIT_OK = 0,          /* success */
    CLI_EXIT_DATA_ERRORS = 1, /* the run completed but the data has errors the report lists */
    CLI_EXIT_USAGE = 2,       /* bad command line */
    CLI_EXIT_FAILED = 3,      /* refused or failed: nothing was written */
};

/** One option of a command. `arg` NULL means a flag. Help text is French (translated). */
typedef struct cli_option {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    const char *arg;  /* argument placeholder shown in help ("AAAA"), NULL for a flag */
    const char *help;
} cli_option;

#define CLI_MAX_OPTIONS 48
#define CLI_MAX_POSITIONAL 256

/** Parsed command line of one command. */
typedef struct cli_args {
    const cli_option *options[CLI_MAX_OPTIONS];
    const char *values[CLI_MAX_OPTIONS]; /* NULL when not given; "1" for a given flag */
    size_t n_options;
    const char *pos[CLI_MAX_POSITIONAL];
    size_t n_pos;
} cli_args;

typedef struct cli_ctx {
    const char *db_path; /* --db, RELAIS_DB, or ./relais.db */
    bool json;           /* --json given */
    FILE *out;           /* stdout */
    FILE *err;           /* stderr */
    const struct cli_command *command;
} cli_ctx;

typedef struct cli_command {
    const char *name;    /* one or two words: "init", "import siecle" */
    const char *summary; /* one line, French */
    const char *usage;   /* after the name: "[options] CHEMIN..." */
    const char *description; /* a paragraph for --help and the man page (may be NULL) */
    const cli_option *options; /* terminated by an entry with name NULL */
    bool has_json;       /* accepts --json */
    bool uses_db;        /* accepts --db */
    int (*run)(cli_ctx *ctx, cli_args *args);
} cli_command;

/** The value of option `name`, or NULL when not given. */
const char *cli_value(const cli_args *args, const char *name);
/** Was flag/option `name` given? */
bool cli_flag(const cli_args *args, const char *name);

/** Print "relais: <message>" on stderr (French by default). Returns CLI_EXIT_USAGE. */
int cli_usage_error(cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/**
 * Report a library failure `rc` (message from relais_error_last()) on stderr
 * and return CLI_EXIT_FAILED. With --json, also print {"error": …} on stdout.
 */
int cli_fail(cli_ctx *ctx, int rc);

/**
 * Open the hub database named by ctx->db_path. With must_exist, a missing file
 * is an error telling the user to run `relais init` first.
 */
int cli_open_store(cli_ctx *ctx, struct relais_store **out, bool must_exist);

/**
 * The school year a command works on: --year when given (validated), else the
 * hub's current year. Returns 0, or the exit status to return (message printed).
 */
int cli_scope_year(cli_ctx *ctx, const cli_args *args, struct relais_store *s, int *year);
/**
 * Open the existing hub and resolve the school year (cli_scope_year). Returns 0, or the
 * exit status to return (message printed, nothing left open).
 */
int cli_open_hub(cli_ctx *ctx, const cli_args *args, struct relais_store **s, int *year);

/** Parse a school year "2025" or "2025-2026"; false when invalid. */
bool cli_parse_year(const char *s, int *year);

/** Print s left-aligned in `width` characters (UTF-8 aware). */
void cli_print_padded(FILE *f, const char *s, size_t width);

/** French (translated) word for a run status ("applied" → "appliquée"). */
const char *cli_run_status_label(const char *status);

/** Is stderr a terminal (progress indications are shown only then)? */
bool cli_stderr_is_tty(void);

/* ------------------------------------------------------------ reports */

struct relais_plan;

/** How a plan report was produced. */
typedef struct cli_report_opts {
    const char *title;   /* "Import SIECLE" (translated by the caller) */
    bool dry_run;        /* the plan was not applied */
    int64_t run_id;      /* the run that applied it (0 when not applied) */
    const char *refused; /* when the run was refused: the reason (nothing written) */
    size_t max_details;  /* warnings listed per code in text (0: default 20) */
    /*
     * Optional: a command's own part of the report (e.g. the coverage of the
     * correspondences). Called with the open top-level JSON object under
     * --json (add keys to it), or with j NULL after the text report.
     */
    void (*extra)(cli_ctx *ctx, util_json *j, void *payload);
    void *extra_payload;
    /* Safety thresholds (change.h). */
    bool skip_safety;    /* approving or reverting: thresholds do not apply */
    int64_t quarantined; /* filled: the run kept in quarantine instead of applied (0: none) */
    const struct relais_breach *breaches; /* filled: thresholds exceeded */
    size_t n_breaches;
    /* Optional: the writer already applying the plan (relais_plan_writer_start): finished
     * when the plan may be applied, freed (rolled back) otherwise. */
    struct relais_plan_writer *writer;
} cli_report_opts;

/**
 * Print the report ("bilan") of a plan: scopes, counters per kind, warnings
 * grouped by code; French text, or JSON with --json (every warning listed).
 * Returns CLI_EXIT_DATA_ERRORS when the plan holds errors, else CLI_EXIT_OK.
 */
int cli_report_plan(cli_ctx *ctx, struct relais_plan *plan, const cli_report_opts *opts);

/**
 * The end of every command that changes data: with dry_run, print the report
 * and write nothing; otherwise apply the plan in one transaction and print the
 * report of what was applied. A failed apply writes nothing and exits with
 * CLI_EXIT_FAILED. `opts` gives the title; dry_run and run_id are filled here.
 *
 * Unless opts->skip_safety, the plan is first checked against the safety
 * thresholds (change.h): when it deactivates too much, it is kept in
 * quarantine instead of applied (opts->quarantined), the report says why and
 * how to approve it, and the exit status is CLI_EXIT_FAILED. A dry run lists
 * the thresholds it would exceed.
 */
int cli_apply_plan(cli_ctx *ctx, struct relais_plan *plan, bool dry_run, cli_report_opts *opts);

/* ------------------------------------------------ correspondences */

struct timetable_coverage;

/**
 * Print the coverage of the timetable's correspondences (cmd_map.c): per kind
 * matched / total with the unmatched listed; with `all`, every link. Only
 * kind `only_kind` (a timetable_kind) when >= 0. JSON: a "coverage" key (and
 * "correspondences" with `all`) in the open object j.
 */
void cli_print_coverage(cli_ctx *ctx, util_json *j, const struct timetable_coverage *c, bool all,
                        int only_kind);

/* The table of commands (main.c). */
extern const cli_command *const cli_commands[];

#endif
