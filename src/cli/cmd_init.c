/*
 * cmd_init.c — `relais init --year YYYY`: create the hub database, or upgrade
 * its schema, and set the current school year; say what was done.
 */
#include "cli.h"

#include <relais/store.h>

static const cli_option init_options[] = {
    {"year", 'y', "AAAA",
     N_("année scolaire courante (millésime : 2025 pour 2025-2026) ; obligatoire à la création")},
    {NULL, 0, NULL, NULL},
};

static void print_year(FILE *f, int year)
{
    fprintf(f, "%d-%d", year, year + 1);
}

static int run_init(cli_ctx *ctx, cli_args *args)
{
    int year = 0;
    const char *year_arg = cli_value(args, "year");
    if (year_arg && !cli_parse_year(year_arg, &year)) {
        return cli_usage_error(ctx, _("année scolaire invalide : « %s » (ex. 2025 ou 2025-2026)"),
                               year_arg);
    }
    relais_store *s = NULL;
    int rc = relais_store_open(&s, ctx->db_path, RELAIS_STORE_CREATE);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    int from = relais_store_schema_version_at_open(s);
    int to = relais_store_schema_version(s);
    int old_year = 0;
    rc = relais_store_current_year(&old_year, s);
    if (rc == RELAIS_ENOTFOUND) {
        old_year = 0;
        rc = 0;
        if (year == 0) {
            relais_store_close(s);
            return cli_usage_error(ctx, "%s",
                                   _("--year est obligatoire pour créer un hub (ex. --year 2025)"));
        }
    }
    if (rc == 0 && year != 0 && year != old_year) {
        char value[16];
        snprintf(value, sizeof value, "%d", year);
        rc = relais_store_begin(s);
        if (rc == 0) {
            rc = relais_store_setting_set(s, "current_year", value);
        }
        if (rc == 0) {
            rc = relais_store_commit(s);
        } else {
            relais_store_rollback(s);
        }
    }
    if (rc < 0) {
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
    int new_year = year ? year : old_year;
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "database", ctx->db_path);
        util_json_kv_string(&j, "backend", relais_store_backend(s));
        util_json_kv_bool(&j, "created", from == 0);
        util_json_key(&j, "schema");
        util_json_object_begin(&j);
        util_json_kv_int(&j, "from", from);
        util_json_kv_int(&j, "to", to);
        util_json_object_end(&j);
        util_json_key(&j, "current_year");
        util_json_object_begin(&j);
        util_json_key(&j, "from");
        if (old_year) {
            util_json_int(&j, old_year);
        } else {
            util_json_null(&j);
        }
        util_json_kv_int(&j, "to", new_year);
        util_json_object_end(&j);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        FILE *f = ctx->out;
        if (from == 0) {
            fprintf(f, _("Base créée : %s (schéma v%d)\n"), ctx->db_path, to);
        } else if (from < to) {
            fprintf(f, _("Base mise à jour : %s (schéma v%d → v%d)\n"), ctx->db_path, from, to);
        } else {
            fprintf(f, _("Base déjà à jour : %s (schéma v%d)\n"), ctx->db_path, to);
        }
        fprintf(f, "%s : ", _("Année scolaire courante"));
        if (old_year && old_year != new_year) {
            print_year(f, old_year);
            fputs(" → ", f);
            print_year(f, new_year);
            fputc('\n', f);
        } else {
            print_year(f, new_year);
            fprintf(f, "%s\n", old_year ? _(" (inchangée)") : "");
        }
    }
    relais_store_close(s);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_init = {
    .name = "init",
    .summary = N_("créer le hub ou mettre à jour son schéma, fixer l'année scolaire courante"),
    .usage = "--year AAAA",
    .description = N_("Crée la base du hub (SQLite) si elle n'existe pas, applique les migrations "
                      "de schéma en attente, et fixe l'année scolaire courante. Sans effet sur "
                      "une base déjà à jour. Les données ne sont jamais effacées."),
    .options = init_options,
    .has_json = true,
    .uses_db = true,
    .run = run_init,
};
