/*
 * report.c — the report ("bilan") of a plan, shared by every command that
 * changes data: what was (or would be) created, updated, left unchanged,
 * deactivated, restored or ignored, per establishment and category, then the
 * warnings grouped by code. Text for people (French by default), JSON for
 * scripts with every warning.
 */
#include "cli.h"

#include <relais/change.h>

#include <string.h>

/* Human order of the categories, people first. */
static const relais_kind report_order[] = {
    RELAIS_KIND_STUDENT,       RELAIS_KIND_GUARDIAN,         RELAIS_KIND_STUDENT_GUARDIAN,
    RELAIS_KIND_ENROLMENT,     RELAIS_KIND_STUDENT_OPTION,   RELAIS_KIND_STAFF,
    RELAIS_KIND_STAFF_DISCIPLINE, RELAIS_KIND_DIVISION,      RELAIS_KIND_GROUP,
    RELAIS_KIND_GROUP_DIVISION, RELAIS_KIND_SERVICE,         RELAIS_KIND_SERVICE_TEACHER,
    RELAIS_KIND_COURSE,        RELAIS_KIND_SUBJECT,          RELAIS_KIND_MEF,
    RELAIS_KIND_NOMENCLATURE,  RELAIS_KIND_PROGRAMME,        RELAIS_KIND_MANDATORY_OPTION,
    RELAIS_KIND_XREF,          RELAIS_KIND_XREF_REJECTION,
};

static const char *count_header(relais_count c)
{
    static const char *const headers[RELAIS_COUNT_N] = {
        N_("créés"), N_("modifiés"), N_("inchangés"), N_("désactivés"), N_("restaurés"),
        N_("ignorés")};
    return _(headers[c]);
}

static void text_counters(FILE *f, relais_plan *p, size_t scope_index)
{
    fputs("  ", f);
    cli_print_padded(f, "", 34);
    for (int c = 0; c < RELAIS_COUNT_N; c++) {
        const char *h = count_header((relais_count)c);
        for (size_t n = util_utf8_length(h); n < 11; n++) {
            fputc(' ', f);
        }
        fputs(h, f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(report_order); i++) {
        relais_kind k = report_order[i];
        bool used = false;
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            used = used || relais_plan_counter(p, scope_index, k, (relais_count)c) > 0;
        }
        if (!used) {
            continue;
        }
        fputs("  ", f);
        cli_print_padded(f, _(relais_kind_get(k)->label), 34);
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            fprintf(f, " %10zu", relais_plan_counter(p, scope_index, k, (relais_count)c));
        }
        fputc('\n', f);
    }
}

static void text_scope_line(FILE *f, const relais_plan_scope_info *si)
{
    fprintf(f, "\n%s — %d-%d", si->uai, si->year, si->year + 1);
    if (si->creates_establishment) {
        fprintf(f, " (%s)", _("nouvel établissement"));
    } else if (si->creates_year) {
        fprintf(f, " (%s)", _("nouvelle année scolaire"));
    }
    if (si->updates_establishment) {
        fprintf(f, " (%s)", _("identité de l'établissement modifiée"));
    }
    if (si->updates_calendar) {
        fprintf(f, " (%s)", _("calendrier modifié"));
    }
    fputc('\n', f);
}

/* --------------------------------------------------------- warnings, text */

typedef struct code_count {
    char code[64];
    relais_severity severity;
    size_t n;
    size_t shown;
} code_count;

typedef struct warn_text {
    FILE *f;
    code_count codes[128];
    size_t n_codes;
    size_t max_details;
    relais_severity pass; /* errors first, then warnings, then infos */
    bool counting;
} warn_text;

static code_count *code_slot(warn_text *wt, const relais_warning *w)
{
    const char *code = w->code ? w->code : "?";
    for (size_t i = 0; i < wt->n_codes; i++) {
        if (strcmp(wt->codes[i].code, code) == 0) {
            return &wt->codes[i];
        }
    }
    if (wt->n_codes == UTIL_ARRAY_LEN(wt->codes)) {
        return &wt->codes[wt->n_codes - 1];
    }
    code_count *c = &wt->codes[wt->n_codes++];
    snprintf(c->code, sizeof c->code, "%s", code);
    c->severity = w->severity;
    return c;
}

static void print_warning_place(FILE *f, const relais_warning *w)
{
    if (w->file) {
        const char *base = strrchr(w->file, '/');
        fputs(base ? base + 1 : w->file, f);
        if (w->line) {
            fprintf(f, ":%lu", w->line);
        }
        fputs(" : ", f);
    }
    if (w->ids) {
        fprintf(f, "%s : ", w->ids);
    }
}

static int text_warning(const relais_warning *w, void *payload)
{
    warn_text *wt = payload;
    code_count *c = code_slot(wt, w);
    if (wt->counting) {
        c->n++;
        return 0;
    }
    if (w->severity != wt->pass) {
        return 0;
    }
    if (c->shown++ < wt->max_details) {
        fputs("    ", wt->f);
        print_warning_place(wt->f, w);
        fprintf(wt->f, "%s\n", w->message ? w->message : "");
    }
    return 0;
}

static const char *severity_title(relais_severity s)
{
    switch (s) {
    case RELAIS_SEVERITY_ERROR: return _("Erreurs");
    case RELAIS_SEVERITY_WARNING: return _("Avertissements");
    default: return _("Informations");
    }
}

static int text_warnings(FILE *f, relais_plan *p, size_t max_details)
{
    warn_text *wt = util_calloc(1, sizeof *wt);
    if (wt == NULL) {
        return RELAIS_ENOMEM;
    }
    wt->f = f;
    wt->max_details = max_details;
    wt->counting = true;
    int rc = relais_plan_foreach_warning(p, text_warning, wt);
    wt->counting = false;
    for (int s = RELAIS_SEVERITY_ERROR; s >= RELAIS_SEVERITY_INFO && rc == 0; s--) {
        size_t total = relais_plan_n_warnings(p, (relais_severity)s);
        if (total == 0) {
            continue;
        }
        fprintf(f, "\n%s (%zu) :\n", severity_title((relais_severity)s), total);
        for (size_t i = 0; i < wt->n_codes; i++) {
            if (wt->codes[i].severity == (relais_severity)s) {
                fprintf(f, "  %-34s %8zu\n", wt->codes[i].code, wt->codes[i].n);
            }
        }
        wt->pass = (relais_severity)s;
        rc = relais_plan_foreach_warning(p, text_warning, wt);
        for (size_t i = 0; i < wt->n_codes; i++) {
            code_count *c = &wt->codes[i];
            if (c->severity == (relais_severity)s && c->n > max_details) {
                fprintf(f, _("    … et %zu autre(s) %s (liste complète avec --json)\n"),
                        c->n - max_details, c->code);
            }
        }
    }
    util_free(wt);
    return rc;
}

/* ---------------------------------------------------------------- JSON */

static void json_counters(util_json *j, relais_plan *p, size_t scope_index)
{
    util_json_object_begin(j);
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        bool used = false;
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            used = used || relais_plan_counter(p, scope_index, (relais_kind)k, (relais_count)c) > 0;
        }
        if (!used) {
            continue;
        }
        util_json_key(j, relais_kind_get((relais_kind)k)->name);
        util_json_object_begin(j);
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            util_json_kv_int(j, relais_count_name((relais_count)c),
                             (int64_t)relais_plan_counter(p, scope_index, (relais_kind)k,
                                                          (relais_count)c));
        }
        util_json_object_end(j);
    }
    util_json_object_end(j);
}

static int json_warning(const relais_warning *w, void *payload)
{
    util_json *j = payload;
    util_json_object_begin(j);
    util_json_kv_string(j, "severity", relais_severity_name(w->severity));
    util_json_kv_string(j, "code", w->code);
    util_json_kv_string(j, "file", w->file);
    util_json_key(j, "line");
    if (w->line) {
        util_json_int(j, (int64_t)w->line);
    } else {
        util_json_null(j);
    }
    util_json_kv_string(j, "category", w->kind >= 0 ? relais_kind_get((relais_kind)w->kind)->name
                                                    : NULL);
    util_json_kv_string(j, "ids", w->ids);
    util_json_kv_string(j, "message", w->message);
    util_json_object_end(j);
    return 0;
}

/* The thresholds a plan exceeds: text lines. */
static void text_breaches(FILE *f, const cli_report_opts *o)
{
    for (size_t i = 0; i < o->n_breaches; i++) {
        const relais_breach *b = &o->breaches[i];
        unsigned pct = b->active ? (unsigned)((b->deactivated * 100 + b->active / 2) / b->active)
                                 : 100;
        fprintf(f, _("  %s %d-%d, %s : %zu désactivation(s) sur %zu actif(s) (%u %%) ; seuils : "),
                b->uai, b->year, b->year + 1, _(relais_kind_get(b->kind)->label), b->deactivated,
                b->active, pct);
        if (b->max_percent >= 0) {
            fprintf(f, "%d %%", b->max_percent);
        }
        if (b->max_percent >= 0 && b->max_count >= 0) {
            fputs(_(" ou "), f);
        }
        if (b->max_count >= 0) {
            fprintf(f, "%lld", (long long)b->max_count);
        }
        fputc('\n', f);
    }
}

static void json_breaches(util_json *j, const cli_report_opts *o)
{
    util_json_key(j, "breaches");
    util_json_array_begin(j);
    for (size_t i = 0; i < o->n_breaches; i++) {
        const relais_breach *b = &o->breaches[i];
        util_json_object_begin(j);
        util_json_kv_string(j, "uai", b->uai);
        util_json_kv_int(j, "year", b->year);
        util_json_kv_string(j, "category", relais_kind_get(b->kind)->name);
        util_json_kv_int(j, "deactivated", (int64_t)b->deactivated);
        util_json_kv_int(j, "active", (int64_t)b->active);
        util_json_kv_int(j, "max_percent", b->max_percent);
        util_json_kv_int(j, "max_count", b->max_count);
        util_json_object_end(j);
    }
    util_json_array_end(j);
}

static int json_report(cli_ctx *ctx, relais_plan *p, const cli_report_opts *o)
{
    util_json j;
    util_json_init_file(&j, ctx->out, true);
    util_json_object_begin(&j);
    util_json_kv_string(&j, "command", ctx->command ? ctx->command->name : NULL);
    util_json_kv_bool(&j, "dry_run", o->dry_run);
    util_json_kv_bool(&j, "applied", o->run_id > 0);
    util_json_key(&j, "run_id");
    if (o->run_id > 0) {
        util_json_int(&j, o->run_id);
    } else {
        util_json_null(&j);
    }
    util_json_kv_string(&j, "refused", o->refused);
    if (o->quarantined > 0 || o->n_breaches > 0) {
        /* Only then, so that the reports of ordinary runs stay as they were. */
        util_json_kv_bool(&j, "quarantined", o->quarantined > 0);
        util_json_key(&j, "quarantine_run");
        if (o->quarantined > 0) {
            util_json_int(&j, o->quarantined);
        } else {
            util_json_null(&j);
        }
        json_breaches(&j, o);
    }
    util_json_kv_int(&j, "changes", (int64_t)relais_plan_n_changes(p));
    util_json_key(&j, "scopes");
    util_json_array_begin(&j);
    for (size_t i = 0; i < relais_plan_n_scopes(p); i++) {
        relais_plan_scope_info si;
        relais_plan_scope_get(&si, p, i);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "uai", si.uai);
        util_json_kv_int(&j, "year", si.year);
        util_json_kv_bool(&j, "creates_establishment", si.creates_establishment);
        util_json_kv_bool(&j, "creates_year", si.creates_year);
        util_json_kv_bool(&j, "updates_establishment", si.updates_establishment);
        util_json_kv_bool(&j, "updates_calendar", si.updates_calendar);
        util_json_key(&j, "counts");
        json_counters(&j, p, i);
        util_json_object_end(&j);
    }
    util_json_array_end(&j);
    util_json_key(&j, "totals");
    json_counters(&j, p, RELAIS_PLAN_ALL_SCOPES);
    util_json_key(&j, "warning_counts");
    util_json_object_begin(&j);
    util_json_kv_int(&j, "error", (int64_t)relais_plan_n_warnings(p, RELAIS_SEVERITY_ERROR));
    util_json_kv_int(&j, "warning", (int64_t)relais_plan_n_warnings(p, RELAIS_SEVERITY_WARNING));
    util_json_kv_int(&j, "info", (int64_t)relais_plan_n_warnings(p, RELAIS_SEVERITY_INFO));
    util_json_object_end(&j);
    util_json_key(&j, "warnings");
    util_json_array_begin(&j);
    int rc = relais_plan_foreach_warning(p, json_warning, &j);
    util_json_array_end(&j);
    if (o->extra) {
        o->extra(ctx, &j, o->extra_payload);
    }
    util_json_object_end(&j);
    util_json_end(&j);
    return rc;
}

int cli_report_plan(cli_ctx *ctx, relais_plan *p, const cli_report_opts *o)
{
    int rc;
    if (ctx->json) {
        rc = json_report(ctx, p, o);
    } else {
        FILE *f = ctx->out;
        fprintf(f, "%s\n", o->title ? o->title : "");
        if (o->refused) {
            fprintf(f, "%s : %s\n", _("REFUSÉ, rien n'a été écrit"), o->refused);
        } else if (o->quarantined > 0) {
            fprintf(f, _("MIS EN QUARANTAINE : exécution n°%lld, rien n'a été appliqué. Trop de "
                         "désactivations :\n"),
                    (long long)o->quarantined);
            text_breaches(f, o);
            fprintf(f, _("Vérifiez les fichiers sources. Pour appliquer quand même : relais runs "
                         "approve %lld ; sinon relancez l'import avec des fichiers corrigés.\n"),
                    (long long)o->quarantined);
        } else if (o->dry_run) {
            fprintf(f, "%s\n", _("Simulation (--dry-run) : rien n'a été écrit."));
            if (o->n_breaches > 0) {
                fprintf(f, "%s\n", _("Appliqué, ce plan serait mis en quarantaine (trop de "
                                      "désactivations) :"));
                text_breaches(f, o);
            }
        } else if (o->run_id > 0) {
            fprintf(f, _("Appliqué : exécution n°%lld, %zu modification(s).\n"),
                    (long long)o->run_id, relais_plan_n_changes(p));
        }
        size_t n = relais_plan_n_scopes(p);
        for (size_t i = 0; i < n; i++) {
            relais_plan_scope_info si;
            relais_plan_scope_get(&si, p, i);
            text_scope_line(f, &si);
            text_counters(f, p, i);
        }
        if (n > 1) {
            fprintf(f, "\n%s\n", _("Total"));
            text_counters(f, p, RELAIS_PLAN_ALL_SCOPES);
        }
        rc = text_warnings(f, p, o->max_details ? o->max_details : 20);
        if (rc == 0 && o->extra) {
            o->extra(ctx, NULL, o->extra_payload);
        }
    }
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    return relais_plan_n_warnings(p, RELAIS_SEVERITY_ERROR) > 0 ? CLI_EXIT_DATA_ERRORS
                                                                  : CLI_EXIT_OK;
}

int cli_apply_plan(cli_ctx *ctx, relais_plan *plan, bool dry_run, cli_report_opts *opts)
{
    opts->dry_run = dry_run;
    opts->run_id = 0;
    opts->quarantined = 0;
    opts->breaches = NULL;
    opts->n_breaches = 0;
    relais_breach *breaches = NULL;
    size_t n_breaches = 0;
    int rc = 0;
    if (!opts->skip_safety) {
        rc = relais_plan_check(&breaches, &n_breaches, plan);
        if (rc < 0) {
            return cli_fail(ctx, rc);
        }
        opts->breaches = breaches;
        opts->n_breaches = n_breaches;
    }
    if (opts->writer && (dry_run || n_breaches > 0)) {
        relais_plan_writer_free(opts->writer); /* rolled back: the hub is free again */
        opts->writer = NULL;
    }
    if (!dry_run && n_breaches > 0) {
        int64_t run_id = 0;
        rc = relais_plan_quarantine(&run_id, plan, breaches, n_breaches);
        opts->quarantined = run_id;
    } else if (!dry_run) {
        int64_t run_id = 0;
        rc = opts->writer ? relais_plan_writer_finish(opts->writer, &run_id)
                          : relais_plan_apply(&run_id, plan);
        opts->run_id = run_id;
    }
    int status = rc < 0 ? cli_fail(ctx, rc) : cli_report_plan(ctx, plan, opts);
    if (rc == 0 && opts->quarantined > 0) {
        status = CLI_EXIT_FAILED;
    }
    opts->breaches = NULL;
    opts->n_breaches = 0;
    util_free(breaches);
    return status;
}
