/*
 * cmd_export.c — `relais export KIND --uai UAI --out DIR [--force] [--json]`:
 * write the files an application imports. A kind whose checks find errors
 * (what the receiving application would reject) refuses to write, lists the
 * errors and exits with status 3, unless --force.
 */
#include "cli.h"

#include <relais/store.h>

#include <string.h>

#include "check/check.h"
#include "elegroupe/elegroupe.h"
#include "export/export.h"

typedef struct export_kind {
    const char *name;
    int family; /* check family that guards it, -1 when none */
    const char *what;
} export_kind;

static const export_kind kinds[] = {
    {"elegroupe", CHECK_FAMILY_ELEGROUPE,
     N_("liens élève-groupe pour SIECLE BEE (zip à déposer) et rapport prévisionnel")},
    {"identifiants", CHECK_FAMILY_ENT,
     N_("table de correspondance des identifiants et fichier de publipostage des comptes")},
    {"oneroster", -1, N_("paquet OneRoster 1.2 (CSV) pour les outils internationaux")},
};

static const cli_option export_options[] = {
    {"uai", 'u', "UAI", N_("établissement (obligatoire)")},
    {"out", 'o', "DOSSIER", N_("dossier où écrire les fichiers (créé s'il manque ; obligatoire)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"force", 0, NULL,
     N_("écrire même si les contrôles trouvent des erreurs (le fichier sera en partie rejeté)")},
    {NULL, 0, NULL, NULL},
};

static int print_finding(const check_finding *f, void *payload)
{
    cli_ctx *ctx = payload;
    if (f->rule->severity != RELAIS_SEVERITY_ERROR) {
        return 0;
    }
    if (ctx->json) {
        return 0;
    }
    fprintf(ctx->out, "  %s : %s%s%s\n", f->rule->code, f->ids ? f->ids : "", f->ids ? " : " : "",
            f->message);
    return 0;
}

typedef struct json_findings {
    util_json *j;
} json_findings;

static int json_finding(const check_finding *f, void *payload)
{
    util_json *j = payload;
    if (f->rule->severity != RELAIS_SEVERITY_ERROR) {
        return 0;
    }
    util_json_object_begin(j);
    util_json_kv_string(j, "rule", f->rule->code);
    util_json_kv_string(j, "ids", f->ids);
    util_json_kv_string(j, "message", f->message);
    util_json_object_end(j);
    return 0;
}

static void print_result(cli_ctx *ctx, const export_kind *k, const relais_scope *scope,
                         const export_result *res, check_report *checks, bool forced,
                         const elegroupe_verdict *verdict)
{
    size_t errors = checks ? check_report_count(checks, RELAIS_SEVERITY_ERROR) : 0;
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "kind", k->name);
        util_json_kv_string(&j, "uai", scope->uai);
        util_json_kv_int(&j, "year", scope->year);
        util_json_kv_bool(&j, "written", res != NULL);
        util_json_kv_bool(&j, "forced", forced);
        util_json_kv_int(&j, "check_errors", (int64_t)errors);
        util_json_key(&j, "errors");
        util_json_array_begin(&j);
        if (checks) {
            check_report_foreach(checks, json_finding, &j);
        }
        util_json_array_end(&j);
        util_json_key(&j, "files");
        util_json_array_begin(&j);
        for (size_t i = 0; res && i < res->n_files; i++) {
            util_json_object_begin(&j);
            util_json_kv_string(&j, "path", res->files[i].path);
            util_json_kv_int(&j, "rows", (int64_t)res->files[i].rows);
            util_json_kv_int(&j, "bytes", (int64_t)res->files[i].bytes);
            util_json_object_end(&j);
        }
        util_json_array_end(&j);
        if (res) {
            util_json_kv_int(&j, "persons", (int64_t)res->n_persons);
        }
        if (res && strcmp(k->name, "identifiants") == 0) {
            util_json_kv_int(&j, "persons_without_identifier", (int64_t)res->n_without_identifier);
        }
        if (verdict) {
            util_json_key(&j, "siecle_prediction");
            util_json_object_begin(&j);
            util_json_kv_int(&j, "read", (int64_t)verdict->n_read);
            util_json_kv_int(&j, "complete", (int64_t)verdict->n_complete);
            util_json_kv_int(&j, "partial", (int64_t)verdict->n_partial);
            util_json_kv_int(&j, "rejected", (int64_t)verdict->n_rejected);
            util_json_kv_int(&j, "absent", (int64_t)verdict->n_absent);
            util_json_object_end(&j);
        }
        util_json_object_end(&j);
        util_json_end(&j);
        return;
    }
    FILE *f = ctx->out;
    if (res == NULL) {
        fprintf(f, _("Export %s de %s refusé : les contrôles trouvent %zu erreur(s) que "
                     "l'application rejetterait :\n"),
                k->name, scope->uai, errors);
        check_report_foreach(checks, print_finding, ctx);
        fprintf(f, "%s\n", _("Rien n'a été écrit. Corrigez ces erreurs (relais check) ou "
                             "utilisez --force."));
        return;
    }
    fprintf(f, _("Export %s de %s (%d-%d) : %s\n"), k->name, scope->uai, scope->year,
            scope->year + 1, _(k->what));
    if (forced && errors) {
        fprintf(f, _("Attention : écrit malgré %zu erreur(s) des contrôles (--force).\n"), errors);
    }
    for (size_t i = 0; i < res->n_files; i++) {
        fprintf(f, "  %s (%zu)\n", res->files[i].path, res->files[i].rows);
    }
    if (strcmp(k->name, "identifiants") == 0 && res->n_without_identifier) {
        fprintf(f, _("%zu personne(s) sur %zu n'ont pas encore tous leurs identifiants (« à créer "
                     "» dans le publipostage).\n"),
                res->n_without_identifier, res->n_persons);
    }
    if (verdict) {
        fprintf(f, _("SIECLE devrait lire %zu élève(s) : %zu complet(s), %zu partiel(s), %zu "
                     "rejeté(s), %zu absent(s).\n"),
                verdict->n_read, verdict->n_complete, verdict->n_partial, verdict->n_rejected,
                verdict->n_absent);
    }
}

static int run_export(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos != 1) {
        return cli_usage_error(ctx, "%s", _("indiquez un type d'export : elegroupe, identifiants "
                                            "ou oneroster"));
    }
    const export_kind *k = NULL;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(kinds); i++) {
        if (strcmp(kinds[i].name, args->pos[0]) == 0) {
            k = &kinds[i];
        }
    }
    if (k == NULL) {
        return cli_usage_error(ctx, _("type d'export inconnu : %s (elegroupe, identifiants, "
                                      "oneroster)"),
                               args->pos[0]);
    }
    const char *uai = cli_value(args, "uai"), *out = cli_value(args, "out");
    if (uai == NULL || out == NULL) {
        return cli_usage_error(ctx, "%s", _("--uai et --out sont obligatoires"));
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    int year;
    int status = cli_scope_year(ctx, args, s, &year);
    if (status != 0) {
        relais_store_close(s);
        return status;
    }
    util_arena *a = NULL;
    relais_scope *scope = NULL;
    scope_snapshot snap;
    bool loaded = false;
    check_report *checks = NULL;
    rc = util_arena_new(&a, 64 * 1024);
    if (rc == 0) {
        rc = relais_store_scope_find(&scope, s, a, uai, year);
    }
    if (rc == 0) {
        rc = snapshot_load(&snap, s, scope);
        loaded = rc == 0;
    }
    if (rc == 0 && k->family >= 0) {
        check_options opts = CHECK_OPTIONS_INIT;
        opts.families = 1u << k->family;
        rc = check_report_new(&checks);
        if (rc == 0) {
            rc = check_run_scope(checks, s, scope, &opts);
        }
    }
    bool force = cli_flag(args, "force");
    export_result res = {0};
    elegroupe_verdict *verdict = NULL;
    if (rc == 0 && checks && check_report_count(checks, RELAIS_SEVERITY_ERROR) > 0 && !force) {
        print_result(ctx, k, scope, NULL, checks, false, NULL);
        status = CLI_EXIT_FAILED;
    } else if (rc == 0) {
        if (strcmp(k->name, "elegroupe") == 0) {
            rc = export_elegroupe(&res, &snap, out, a, &verdict);
        } else if (strcmp(k->name, "identifiants") == 0) {
            rc = export_identifiants(&res, &snap, out);
        } else {
            rc = export_oneroster(&res, &snap, out);
        }
        if (rc == 0) {
            print_result(ctx, k, scope, &res, checks, force, verdict);
        }
    }
    if (rc < 0) {
        status = cli_fail(ctx, rc);
    }
    check_report_free(checks);
    if (loaded) {
        snapshot_free(&snap);
    }
    util_arena_free(a);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_export = {
    .name = "export",
    .summary = N_("écrire les fichiers qu'une application importe (elegroupe, identifiants, "
                  "oneroster)"),
    .usage = "TYPE --uai UAI --out DOSSIER [--force] [--json]",
    .description = N_("elegroupe : le zip des liens élève-groupe à déposer dans SIECLE BEE, "
                      "nommé comme SIECLE l'exige, avec le rapport que SIECLE produira (élèves "
                      "lus, rejetés, importés partiellement avec les valeurs forcées, absents) ; "
                      "refusé tant que les contrôles ELEGROUPE trouvent des erreurs. identifiants "
                      ": la table de correspondance des identifiants (SIECLE, STS, ENT, "
                      "partenaires) et le fichier de publipostage des comptes de chaque élève, "
                      "responsable et enseignant, avec les comptes encore à créer. oneroster : un "
                      "paquet OneRoster 1.2 en CSV. Les fichiers sont écrits d'un bloc : jamais à "
                      "moitié."),
    .options = export_options,
    .has_json = true,
    .uses_db = true,
    .run = run_export,
};
