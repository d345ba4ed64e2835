/*
 * cmd_import_timetable.c — `relais import timetable [--dry-run] [--json]
 * CHEMIN`: the timetable (EDT_STS upload or relais CSV) into the hub through a
 * plan, then the coverage of the correspondences with STS-Web's and SIECLE's
 * records. The work is in src/lib/timetable.
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include "timetable/timetable.h"

static const cli_option import_timetable_options[] = {
    {"dry-run", 'n', NULL, N_("simulation : afficher le bilan sans rien écrire")},
    {"uai", 'u', "UAI",
     N_("l'établissement (obligatoire pour un CSV quand le hub en suit plusieurs)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {NULL, 0, NULL, NULL},
};

static void print_coverage(cli_ctx *ctx, util_json *j, void *payload)
{
    cli_print_coverage(ctx, j, payload, false, -1);
}

static int run_import_timetable(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos != 1) {
        return cli_usage_error(ctx, "%s",
                               _("un fichier attendu : la remontée EDT_STS (XML) ou un CSV"));
    }
    relais_store *s = NULL;
    timetable_import_options opts = TIMETABLE_IMPORT_OPTIONS_INIT;
    opts.path = args->pos[0];
    opts.uai = cli_value(args, "uai");
    int status = cli_open_hub(ctx, args, &s, &opts.year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    relais_plan *plan = NULL;
    timetable_coverage *cov = NULL;
    timetable_import_info info;
    rc = relais_plan_new(&plan, s, "import timetable");
    if (rc == 0) {
        rc = timetable_import_plan(&info, &cov, plan, s, &opts);
    }
    if (rc < 0) {
        status = cli_fail(ctx, rc);
    } else {
        char title[160];
        snprintf(title, sizeof title, _("Import de l'emploi du temps (%s) — %s, %d-%d"),
                 info.format, info.uai, info.year, info.year + 1);
        cli_report_opts ro = {.title = title, .extra = print_coverage, .extra_payload = cov};
        status = cli_apply_plan(ctx, plan, cli_flag(args, "dry-run"), &ro);
    }
    timetable_coverage_free(cov);
    relais_plan_free(plan);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_import_timetable = {
    .name = "import timetable",
    .summary = N_("importer l'emploi du temps (remontée EDT_STS ou CSV) et apparier ses noms"),
    .usage = "[--dry-run] [--uai UAI] [--year AAAA] [--json] CHEMIN",
    .description =
        N_("Lit la remontée des services EDT_STS produite par le logiciel d'emploi du temps, ou "
           "un CSV au format de docs/formats/timetable-csv.md. Les matières, enseignants, "
           "divisions et groupes de l'emploi du temps sont reliés à ceux du hub (codes, puis noms "
           "sans accents ni ponctuation) ; les correspondances manuelles (relais map set) sont "
           "gardées. Un emploi du temps complet remplace le précédent. Le bilan liste les noms "
           "non appariés et les groupes qui portent un service absent de STS-Web."),
    .options = import_timetable_options,
    .has_json = true,
    .uses_db = true,
    .run = run_import_timetable,
};
