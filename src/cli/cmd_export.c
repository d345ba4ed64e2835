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

/*
 * An export kind, the check family that judges it, and the rules of that family
 * whose errors block it: what the receiving application would reject.
 */
typedef struct export_kind {
    const char *name;
    int family; /* -1 when nothing guards it */
    const char *const *blocking;
    const char *what;
} export_kind;

static const char *const elegroupe_blocking[] = {
    "ELEGROUPE_ELEVE_INCONNU",  "ELEGROUPE_ELEVE_EN_DOUBLE", "ELEGROUPE_GROUPE_INCONNU",
    "ELEGROUPE_ELEVE_SANS_MEF", "ELEGROUPE_GROUPE_HORS_MEF", "ELEGROUPE_ANNEE_OU_UAI",
    "ELEGROUPE_FICHIER_INVALIDE", NULL};
/* Unmatched items are not uploaded. A group STS-Web lacks is what the upload creates, and
 * codes it would refuse are shortened by the export: neither blocks it. */
static const char *const sts_blocking[] = {"STS_NON_APPARIE", NULL};
static const char *const no_blocking[] = {NULL};

static const export_kind kinds[] = {
    {"elegroupe", CHECK_FAMILY_ELEGROUPE, elegroupe_blocking,
     N_("liens élève-groupe pour SIECLE BEE (zip à déposer) et rapport prévisionnel")},
    {"sts", CHECK_FAMILY_STS, sts_blocking,
     N_("remontée des services de l'emploi du temps vers STS-Web (EDT_STS)")},
    {"identifiants", CHECK_FAMILY_ENT, no_blocking,
     N_("table de correspondance des identifiants et fichier de publipostage des comptes")},
    {"oneroster", -1, no_blocking, N_("paquet OneRoster 1.2 (CSV) pour les outils internationaux")},
};

static bool blocks(const export_kind *k, const check_rule *rule)
{
    for (size_t i = 0; k->blocking[i]; i++) {
        if (strcmp(k->blocking[i], rule->code) == 0) {
            return rule->severity == RELAIS_SEVERITY_ERROR;
        }
    }
    return false;
}

typedef struct blocking_ctx {
    cli_ctx *ctx;
    const export_kind *kind;
    util_json *j;
    size_t n;
} blocking_ctx;

/* Count (n), print (text) or list (json) the findings that block the export. */
static int on_blocking(const check_finding *f, void *payload)
{
    blocking_ctx *b = payload;
    if (!blocks(b->kind, f->rule)) {
        return 0;
    }
    b->n++;
    if (b->j) {
        util_json_object_begin(b->j);
        util_json_kv_string(b->j, "rule", f->rule->code);
        util_json_kv_string(b->j, "ids", f->ids);
        util_json_kv_string(b->j, "message", f->message);
        util_json_object_end(b->j);
    } else if (b->ctx) {
        fprintf(b->ctx->out, "  %s : %s%s%s\n", f->rule->code, f->ids ? f->ids : "",
                f->ids ? " : " : "", f->message);
    }
    return 0;
}

static size_t count_blocking(const export_kind *k, check_report *checks)
{
    blocking_ctx b = {.kind = k};
    if (checks) {
        check_report_foreach(checks, on_blocking, &b);
    }
    return b.n;
}

static const cli_option export_options[] = {
    {"uai", 'u', "UAI", N_("établissement (obligatoire)")},
    {"out", 'o', "DOSSIER", N_("dossier où écrire les fichiers (créé s'il manque ; obligatoire)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"force", 0, NULL,
     N_("écrire même si les contrôles trouvent des erreurs (le fichier sera en partie rejeté)")},
    {NULL, 0, NULL, NULL},
};

static void print_result(cli_ctx *ctx, const export_kind *k, const relais_scope *scope,
                         const export_result *res, check_report *checks, bool forced,
                         const elegroupe_verdict *verdict, const export_sts_info *sts)
{
    size_t errors = count_blocking(k, checks);
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
        blocking_ctx b = {.kind = k, .j = &j};
        if (checks) {
            check_report_foreach(checks, on_blocking, &b);
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
        if (sts) {
            util_json_key(&j, "sts");
            util_json_object_begin(&j);
            util_json_kv_int(&j, "services", (int64_t)sts->n_services);
            util_json_kv_int(&j, "courses", (int64_t)sts->n_courses);
            util_json_kv_int(&j, "courses_unmatched", (int64_t)sts->n_unmatched);
            util_json_kv_int(&j, "courses_without_service", (int64_t)sts->n_without_service);
            util_json_key(&j, "renamed_groups");
            util_json_array_begin(&j);
            for (size_t i = 0; i < sts->n_renames; i++) {
                util_json_object_begin(&j);
                util_json_kv_string(&j, "from", sts->renames[i].from);
                util_json_kv_string(&j, "to", sts->renames[i].to);
                util_json_object_end(&j);
            }
            util_json_array_end(&j);
            util_json_object_end(&j);
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
        blocking_ctx b = {.ctx = ctx, .kind = k};
        check_report_foreach(checks, on_blocking, &b);
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
    if (sts) {
        fprintf(f, _("%zu service(s), %zu cours remontés"), sts->n_services, sts->n_courses);
        if (sts->n_unmatched || sts->n_without_service) {
            fprintf(f, _(" ; laissés de côté : %zu cours non appariés, %zu cours sur plusieurs "
                         "structures"),
                    sts->n_unmatched, sts->n_without_service);
        }
        fputc('\n', f);
        for (size_t i = 0; i < sts->n_renames; i++) {
            fprintf(f, _("  groupe « %s » remonté sous le code « %s »\n"), sts->renames[i].from,
                    sts->renames[i].to);
        }
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
        return cli_usage_error(ctx, "%s", _("indiquez un type d'export : elegroupe, sts, "
                                            "identifiants ou oneroster"));
    }
    const export_kind *k = NULL;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(kinds); i++) {
        if (strcmp(kinds[i].name, args->pos[0]) == 0) {
            k = &kinds[i];
        }
    }
    if (k == NULL) {
        return cli_usage_error(ctx, _("type d'export inconnu : %s (elegroupe, sts, identifiants, "
                                      "oneroster)"),
                               args->pos[0]);
    }
    const char *uai = cli_value(args, "uai"), *out = cli_value(args, "out");
    if (uai == NULL || out == NULL) {
        return cli_usage_error(ctx, "%s", _("--uai et --out sont obligatoires"));
    }
    relais_store *s = NULL;
    int year;
    int status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
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
    export_sts_info sts_info;
    bool is_sts = strcmp(k->name, "sts") == 0;
    if (rc == 0 && count_blocking(k, checks) > 0 && !force) {
        print_result(ctx, k, scope, NULL, checks, false, NULL, NULL);
        status = CLI_EXIT_FAILED;
    } else if (rc == 0) {
        if (strcmp(k->name, "elegroupe") == 0) {
            rc = export_elegroupe(&res, &snap, out, a, &verdict);
        } else if (is_sts) {
            rc = export_sts(&res, &snap, out, a, &sts_info);
        } else if (strcmp(k->name, "identifiants") == 0) {
            rc = export_identifiants(&res, &snap, out);
        } else {
            rc = export_oneroster(&res, &snap, out);
        }
        if (rc == 0) {
            print_result(ctx, k, scope, &res, checks, force, verdict, is_sts ? &sts_info : NULL);
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
    .summary = N_("écrire les fichiers qu'une application importe (elegroupe, sts, identifiants, "
                  "oneroster)"),
    .usage = "TYPE --uai UAI --out DOSSIER [--force] [--json]",
    .description = N_("elegroupe : le zip des liens élève-groupe à déposer dans SIECLE BEE, "
                      "nommé comme SIECLE l'exige, avec le rapport que SIECLE produira (élèves "
                      "lus, rejetés, importés partiellement avec les valeurs forcées, absents) ; "
                      "refusé tant que les contrôles ELEGROUPE trouvent des erreurs. sts : la remontée des "
                      "services de l'emploi du temps vers STS-Web (EDT_STS) ; seuls les éléments "
                      "appariés sont remontés, les codes de groupe refusés par STS-Web sont "
                      "raccourcis et la liste en est donnée. identifiants "
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
