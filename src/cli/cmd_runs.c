/*
 * cmd_runs.c — the journal's runs and safe automation:
 *   relais runs list [--uai UAI] [--status S] [--limit N]
 *   relais runs show RUN
 *   relais runs approve RUN        apply a quarantined run
 *   relais runs revert RUN [--dry-run]   undo a run (itself recorded as a run)
 *   relais thresholds list | set   safety thresholds per establishment and category
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include <jansson.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static int run_arg(cli_ctx *ctx, const cli_args *args, int64_t *run_id)
{
    if (args->n_pos != 1 || !util_parse_int64(args->pos[0], strlen(args->pos[0]), run_id) ||
        *run_id <= 0) {
        return cli_usage_error(ctx, "%s", _("numéro d'exécution attendu (un seul)"));
    }
    return 0;
}

/* Copy a jansson value into the JSON writer. */
static void jcopy(util_json *j, json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        util_json_object_begin(j);
        json_object_foreach(v, k, x)
        {
            util_json_key(j, k);
            jcopy(j, x);
        }
        util_json_object_end(j);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        util_json_array_begin(j);
        json_array_foreach(v, i, x)
        {
            jcopy(j, x);
        }
        util_json_array_end(j);
    } else if (json_is_string(v)) {
        util_json_string(j, json_string_value(v));
    } else if (json_is_integer(v)) {
        util_json_int(j, (int64_t)json_integer_value(v));
    } else if (json_is_real(v)) {
        util_json_double(j, json_real_value(v), 3);
    } else if (json_is_boolean(v)) {
        util_json_bool(j, json_is_true(v));
    } else {
        util_json_null(j);
    }
}

/* A stored JSON text as a value (null when absent or unreadable). */
static void json_raw(util_json *j, const char *key, const char *text)
{
    util_json_key(j, key);
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    jcopy(j, v);
    json_decref(v);
}

/* Total number of changes in a run summary ({kind: {created: n, …}}). */
static size_t summary_changes(const char *summary)
{
    json_t *v = summary ? json_loads(summary, 0, NULL) : NULL;
    size_t n = 0;
    const char *k;
    json_t *counts;
    json_object_foreach(v, k, counts)
    {
        static const char *const names[] = {"created", "updated", "deactivated", "restored"};
        for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
            json_t *c = json_object_get(counts, names[i]);
            n += json_is_integer(c) ? (size_t)json_integer_value(c) : 0;
        }
    }
    json_decref(v);
    return n;
}

static void run_json_fields(util_json *j, relais_store *s, util_arena *a, const relais_run *r)
{
    const char *uais = "";
    (void)relais_store_run_uais(&uais, s, a, r->id);
    util_json_kv_int(j, "id", r->id);
    util_json_kv_string(j, "command", r->command);
    util_json_kv_string(j, "status", r->status);
    util_json_kv_string(j, "started_at", r->started_at);
    util_json_kv_string(j, "finished_at", r->finished_at);
    util_json_kv_string(j, "approved_at", r->approved_at);
    util_json_kv_string(j, "uais", uais);
    util_json_key(j, "reverts");
    r->reverts ? util_json_int(j, r->reverts) : util_json_null(j);
    util_json_key(j, "reverted_by");
    r->reverted_by ? util_json_int(j, r->reverted_by) : util_json_null(j);
    util_json_kv_int(j, "changes", (int64_t)summary_changes(r->summary));
}

/* -------------------------------------------------------------- runs list */

static const cli_option runs_list_options[] = {
    {"uai", 'u', "UAI", N_("les exécutions qui concernent cet établissement")},
    {"status", 's', "STATUT", N_("applied, quarantined ou reverted")},
    {"limit", 'n', "N", N_("nombre d'exécutions (défaut 20, 0 : toutes)")},
    {NULL, 0, NULL, NULL},
};

typedef struct list_ctx {
    cli_ctx *ctx;
    relais_store *s;
    util_arena *a;
    util_json *j;
    size_t n;
} list_ctx;

static int list_one(const relais_run *r, void *payload)
{
    list_ctx *l = payload;
    l->n++;
    util_arena_reset(l->a);
    if (l->j) {
        util_json_object_begin(l->j);
        run_json_fields(l->j, l->s, l->a, r);
        util_json_object_end(l->j);
        return 0;
    }
    const char *uais = "";
    int rc = relais_store_run_uais(&uais, l->s, l->a, r->id);
    if (rc < 0) {
        return rc;
    }
    char when[32];
    util_timestamp_display(r->started_at, when);
    FILE *f = l->ctx->out;
    fprintf(f, "%6lld  %-16s  ", (long long)r->id, when);
    cli_print_padded(f, r->command, 22);
    fputs("  ", f);
    cli_print_padded(f, cli_run_status_label(r->status), 15);
    fprintf(f, "  %8zu  %s", summary_changes(r->summary), uais);
    if (r->reverts) {
        fprintf(f, _("  (annule n°%lld)"), (long long)r->reverts);
    }
    if (r->reverted_by) {
        fprintf(f, _("  (annulée par n°%lld)"), (long long)r->reverted_by);
    }
    fputc('\n', f);
    return 0;
}

static int run_runs_list(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos > 0) {
        return cli_usage_error(ctx, _("argument inattendu : %s"), args->pos[0]);
    }
    int64_t limit = 20;
    const char *v = cli_value(args, "limit");
    if (v && (!util_parse_int64(v, strlen(v), &limit) || limit < 0)) {
        return cli_usage_error(ctx, "%s", _("--limit : nombre attendu"));
    }
    const char *status = cli_value(args, "status");
    if (status && !util_streq(status, "applied") && !util_streq(status, "quarantined") &&
        !util_streq(status, "reverted")) {
        return cli_usage_error(ctx, "%s", _("--status : applied, quarantined ou reverted"));
    }
    relais_store *s = NULL;
    util_arena *a = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = util_arena_new(&a, 1024);
    }
    int64_t scope_id = 0;
    if (rc == 0 && cli_value(args, "uai")) {
        int year;
        relais_scope *sc = NULL;
        rc = relais_store_current_year(&year, s);
        if (rc == 0) {
            rc = relais_store_scope_find(&sc, s, a, cli_value(args, "uai"), year);
        }
        if (rc == 0) {
            scope_id = sc->id;
        }
    }
    util_json j;
    list_ctx l = {.ctx = ctx, .s = s, .a = a};
    if (rc == 0) {
        if (ctx->json) {
            util_json_init_file(&j, ctx->out, true);
            util_json_array_begin(&j);
            l.j = &j;
        } else {
            fprintf(ctx->out, "%6s  %-16s  ", _("n°"), _("début"));
            cli_print_padded(ctx->out, _("commande"), 22);
            fputs("  ", ctx->out);
            cli_print_padded(ctx->out, _("statut"), 15);
            fprintf(ctx->out, "  %8s  %s\n", _("modifs"), _("établissements"));
        }
        rc = relais_store_run_foreach(s, scope_id, status, (size_t)limit, list_one, &l);
        if (ctx->json) {
            util_json_array_end(&j);
            util_json_end(&j);
        }
    }
    relais_store_close(s);
    util_arena_free(a);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_runs_list = {
    .name = "runs list",
    .summary = N_("lister les exécutions (imports, annulations), les plus récentes d'abord"),
    .usage = "[options]",
    .options = runs_list_options,
    .has_json = true,
    .uses_db = true,
    .run = run_runs_list,
};

/* -------------------------------------------------------------- runs show */

static void text_summary(FILE *f, const char *summary)
{
    json_t *v = summary ? json_loads(summary, 0, NULL) : NULL;
    const char *kind;
    json_t *counts;
    bool any = false;
    json_object_foreach(v, kind, counts)
    {
        int k = relais_kind_by_name(kind);
        if (!any) {
            fprintf(f, "  %-34s", "");
            for (int c = 0; c < RELAIS_COUNT_N; c++) {
                fprintf(f, " %10.10s", relais_count_name((relais_count)c));
            }
            fputc('\n', f);
            any = true;
        }
        fputs("  ", f);
        cli_print_padded(f, k >= 0 ? _(relais_kind_get((relais_kind)k)->label) : kind, 34);
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            json_t *n = json_object_get(counts, relais_count_name((relais_count)c));
            fprintf(f, " %10lld", json_is_integer(n) ? (long long)json_integer_value(n) : 0LL);
        }
        fputc('\n', f);
    }
    json_decref(v);
}

static void text_reason(FILE *f, const char *reason)
{
    json_t *v = reason ? json_loads(reason, 0, NULL) : NULL;
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(v, "breaches"), i, b)
    {
        const char *uai = json_string_value(json_object_get(b, "uai"));
        const char *cat = json_string_value(json_object_get(b, "category"));
        int k = cat ? relais_kind_by_name(cat) : -1;
        fprintf(f, _("  %s, %s : %lld désactivation(s) sur %lld actif(s) ; seuils %lld %% / %lld\n"),
                uai ? uai : "?", k >= 0 ? _(relais_kind_get((relais_kind)k)->label) : "?",
                (long long)json_integer_value(json_object_get(b, "deactivated")),
                (long long)json_integer_value(json_object_get(b, "active")),
                (long long)json_integer_value(json_object_get(b, "max_percent")),
                (long long)json_integer_value(json_object_get(b, "max_count")));
    }
    json_decref(v);
}

static int run_runs_show(cli_ctx *ctx, cli_args *args)
{
    int64_t run_id;
    int status = run_arg(ctx, args, &run_id);
    if (status) {
        return status;
    }
    relais_store *s = NULL;
    util_arena *a = NULL;
    relais_run *r = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    if (rc == 0) {
        rc = relais_store_run_get(&r, s, a, run_id);
    }
    size_t n_changes = 0;
    if (rc == 0) {
        rc = relais_store_run_change_count(&n_changes, s, run_id);
    }
    if (rc < 0) {
        relais_store_close(s);
        util_arena_free(a);
        return cli_fail(ctx, rc);
    }
    bool quarantined = util_streq(r->status, "quarantined");
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        run_json_fields(&j, s, a, r);
        util_json_kv_int(&j, "journal_changes", (int64_t)n_changes);
        json_raw(&j, "sources", r->sources);
        json_raw(&j, "summary", r->summary);
        json_raw(&j, "reason", r->reason);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        FILE *f = ctx->out;
        const char *uais = "";
        (void)relais_store_run_uais(&uais, s, a, r->id);
        char started[32];
        util_timestamp_display(r->started_at, started);
        fprintf(f, _("Exécution n°%lld « %s » — %s, %s\n"), (long long)r->id, r->command,
                cli_run_status_label(r->status), started);
        fprintf(f, _("Établissements : %s\n"), uais[0] ? uais : "—");
        if (r->approved_at) {
            char when[32];
            util_timestamp_display(r->approved_at, when);
            fprintf(f, _("Approuvée le %s\n"), when);
        }
        if (r->reverts) {
            fprintf(f, _("Annule l'exécution n°%lld\n"), (long long)r->reverts);
        }
        if (r->reverted_by) {
            fprintf(f, _("Annulée par l'exécution n°%lld\n"), (long long)r->reverted_by);
        }
        fprintf(f, _("Modifications au journal : %zu\n"), n_changes);
        if (quarantined) {
            fprintf(f, "%s\n", _("En quarantaine (rien n'a été appliqué) parce que :"));
            text_reason(f, r->reason);
            fprintf(f, _("Pour appliquer : relais runs approve %lld\n"), (long long)r->id);
        }
        text_summary(f, r->summary);
    }
    relais_store_close(s);
    util_arena_free(a);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_runs_show = {
    .name = "runs show",
    .summary = N_("détailler une exécution (et pourquoi elle est en quarantaine)"),
    .usage = "RUN",
    .has_json = true,
    .uses_db = true,
    .run = run_runs_show,
};

/* ----------------------------------------------------------- runs approve */

static int run_runs_approve(cli_ctx *ctx, cli_args *args)
{
    int64_t run_id;
    int status = run_arg(ctx, args, &run_id);
    if (status) {
        return status;
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = relais_run_approve(s, run_id);
    }
    size_t n = 0;
    if (rc == 0) {
        rc = relais_store_run_change_count(&n, s, run_id);
    }
    relais_store_close(s);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_int(&j, "run_id", run_id);
        util_json_kv_string(&j, "status", "applied");
        util_json_kv_int(&j, "changes", (int64_t)n);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        fprintf(ctx->out, _("Exécution n°%lld approuvée et appliquée : %zu modification(s).\n"),
                (long long)run_id, n);
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_runs_approve = {
    .name = "runs approve",
    .summary = N_("appliquer une exécution mise en quarantaine"),
    .usage = "RUN",
    .has_json = true,
    .uses_db = true,
    .run = run_runs_approve,
};

/* ------------------------------------------------------------ runs revert */

static const cli_option runs_revert_options[] = {
    {"dry-run", 'n', NULL, N_("montrer ce qui serait annulé sans rien écrire")},
    {NULL, 0, NULL, NULL},
};

static int run_runs_revert(cli_ctx *ctx, cli_args *args)
{
    int64_t run_id;
    int status = run_arg(ctx, args, &run_id);
    if (status) {
        return status;
    }
    relais_store *s = NULL;
    relais_plan *p = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = relais_run_revert_plan(&p, s, run_id);
    }
    if (rc < 0) {
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
    char title[96];
    snprintf(title, sizeof title, _("Annulation de l'exécution n°%lld"), (long long)run_id);
    cli_report_opts o = {.title = title, .skip_safety = true};
    status = cli_apply_plan(ctx, p, cli_flag(args, "dry-run"), &o);
    relais_plan_free(p);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_runs_revert = {
    .name = "runs revert",
    .summary = N_("annuler une exécution (l'annulation est elle-même une exécution)"),
    .usage = "RUN [--dry-run]",
    .description = N_("Applique les changements inverses : les créations sont désactivées, les "
                      "champs modifiés reprennent leur ancienne valeur, les désactivations sont "
                      "levées. Un champ modifié depuis par une autre exécution garde sa valeur "
                      "(avertissement REVERT_CONFLIT). Les partenaires reçoivent l'annulation "
                      "par le flux comme tout changement."),
    .options = runs_revert_options,
    .has_json = true,
    .uses_db = true,
    .run = run_runs_revert,
};

/* ------------------------------------------------------------- thresholds */

static const cli_option thresholds_set_options[] = {
    {"category", 'c', "CATÉGORIE", N_("catégorie (student, guardian, enrolment…)")},
    {"uai", 'u', "UAI", N_("un établissement (défaut : tous)")},
    {"max-percent", 0, "P|off", N_("pourcentage des actifs désactivés au-delà duquel bloquer")},
    {"max-count", 0, "N|off", N_("nombre de désactivations au-delà duquel bloquer")},
    {"reset", 0, NULL, N_("revenir au réglage par défaut")},
    {NULL, 0, NULL, NULL},
};

static bool parse_limit(const char *v, int64_t max, int64_t *out)
{
    if (strcmp(v, "off") == 0) {
        *out = -1;
        return true;
    }
    return util_parse_int64(v, strlen(v), out) && *out >= 0 && *out <= max;
}

static int run_thresholds_set(cli_ctx *ctx, cli_args *args)
{
    const char *cat = cli_value(args, "category");
    int k = cat ? relais_kind_by_name(cat) : -1;
    if (k < 0) {
        return cli_usage_error(ctx, "%s", _("--category : une catégorie du modèle est attendue "
                                            "(student, guardian, enrolment…)"));
    }
    int64_t pct = -2, count = -2;
    const char *v;
    if ((v = cli_value(args, "max-percent")) && !parse_limit(v, 100, &pct)) {
        return cli_usage_error(ctx, "%s", _("--max-percent : 0 à 100, ou off"));
    }
    if ((v = cli_value(args, "max-count")) && !parse_limit(v, INT64_MAX / 2, &count)) {
        return cli_usage_error(ctx, "%s", _("--max-count : nombre, ou off"));
    }
    bool reset = cli_flag(args, "reset");
    if (!reset && pct == -2 && count == -2) {
        return cli_usage_error(ctx, "%s", _("--max-percent, --max-count ou --reset attendu"));
    }
    relais_store *s = NULL;
    util_arena *a = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = util_arena_new(&a, 1024);
    }
    int64_t etab = 0;
    if (rc == 0 && cli_value(args, "uai")) {
        relais_establishment *e = NULL;
        rc = relais_store_establishment_find(&e, s, a, cli_value(args, "uai"));
        etab = rc == 0 ? e->id : 0;
    }
    if (rc == 0 && reset) {
        rc = relais_store_threshold_delete(s, etab, (relais_kind)k);
    } else if (rc == 0) {
        /* An option left out keeps the limit in force. */
        relais_threshold cur;
        rc = relais_threshold_effective(&cur, s, etab, (relais_kind)k);
        if (rc == 0) {
            rc = relais_store_threshold_set(s, etab, (relais_kind)k,
                                            pct == -2 ? cur.max_percent : (int)pct,
                                            count == -2 ? cur.max_count : count);
        }
    }
    relais_store_close(s);
    util_arena_free(a);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    if (!ctx->json) {
        fprintf(ctx->out, "%s\n", _("Seuil enregistré."));
    } else {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_bool(&j, "updated", true);
        util_json_object_end(&j);
        util_json_end(&j);
    }
    return CLI_EXIT_OK;
}

typedef struct th_list {
    cli_ctx *ctx;
    util_json *j;
    size_t n;
} th_list;

static void th_value(FILE *f, int64_t v, const char *unit)
{
    if (v < 0) {
        fprintf(f, "%-12s", _("aucun"));
    } else {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld%s", (long long)v, unit);
        fprintf(f, "%-12s", tmp);
    }
}

static void th_line(th_list *l, const char *uai, relais_kind kind, int64_t pct, int64_t count,
                    bool is_default)
{
    if (l->j) {
        util_json *j = l->j;
        util_json_object_begin(j);
        util_json_kv_string(j, "uai", uai);
        util_json_kv_string(j, "category", relais_kind_get(kind)->name);
        util_json_key(j, "max_percent");
        pct >= 0 ? util_json_int(j, pct) : util_json_null(j);
        util_json_key(j, "max_count");
        count >= 0 ? util_json_int(j, count) : util_json_null(j);
        util_json_kv_bool(j, "default", is_default);
        util_json_object_end(j);
        return;
    }
    FILE *f = l->ctx->out;
    fprintf(f, "  %-10s ", uai ? uai : _("tous"));
    cli_print_padded(f, relais_kind_get(kind)->name, 18);
    th_value(f, pct, " %");
    th_value(f, count, "");
    fprintf(f, "%s\n", is_default ? _("(défaut)") : "");
}

static int th_row(const relais_threshold *t, void *payload)
{
    th_list *l = payload;
    l->n++;
    th_line(l, t->uai, t->kind, t->max_percent, t->max_count, false);
    return 0;
}

static int run_thresholds_list(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos > 0) {
        return cli_usage_error(ctx, _("argument inattendu : %s"), args->pos[0]);
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    util_json j;
    th_list l = {.ctx = ctx};
    if (ctx->json) {
        util_json_init_file(&j, ctx->out, true);
        util_json_array_begin(&j);
        l.j = &j;
    } else {
        fprintf(ctx->out, "%s\n", _("Seuils de sécurité (au-delà, un import est mis en "
                                    "quarantaine au lieu d'être appliqué) :"));
        fprintf(ctx->out, "  %-10s ", _("UAI"));
        cli_print_padded(ctx->out, _("catégorie"), 18);
        fprintf(ctx->out, "%-12s%-12s\n", _("pourcentage max"), _("nombre max"));
    }
    /* The built-in defaults first, unless overridden for every establishment. */
    relais_kind people[2] = {RELAIS_KIND_STUDENT, RELAIS_KIND_GUARDIAN};
    for (size_t i = 0; i < 2 && rc == 0; i++) {
        relais_threshold t;
        rc = relais_store_threshold_get(&t, s, 0, people[i]);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            th_line(&l, NULL, people[i], RELAIS_THRESHOLD_DEFAULT_PERCENT,
                    RELAIS_THRESHOLD_DEFAULT_COUNT, true);
        }
    }
    if (rc == 0) {
        rc = relais_store_threshold_foreach(s, th_row, &l);
    }
    if (ctx->json) {
        util_json_array_end(&j);
        util_json_end(&j);
    }
    relais_store_close(s);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_thresholds_list = {
    .name = "thresholds list",
    .summary = N_("lister les seuils de sécurité des imports"),
    .usage = "",
    .has_json = true,
    .uses_db = true,
    .run = run_thresholds_list,
};

const cli_command cli_cmd_thresholds_set = {
    .name = "thresholds set",
    .summary = N_("régler un seuil de sécurité (par établissement et catégorie)"),
    .usage = "--category CATÉGORIE [--uai UAI] [--max-percent P|off] [--max-count N|off] [--reset]",
    .options = thresholds_set_options,
    .has_json = true,
    .uses_db = true,
    .run = run_thresholds_set,
};
