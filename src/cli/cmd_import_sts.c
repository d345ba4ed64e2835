/*
 * cmd_import_sts.c — `relais import sts [--dry-run] [--json] CHEMIN`: the
 * STS-Web export for timetable software (sts_emp_<UAI>_<ANNÉE>.xml) into the
 * hub, through a plan (report, dry run, one transaction). The work is in
 * src/lib/sts; this file is options, messages and exit statuses.
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include "sts/sts.h"

static const cli_option import_sts_options[] = {
    {"dry-run", 'n', NULL, N_("simulation : afficher le bilan sans rien écrire")},
    {"uai", 'u', "UAI",
     N_("l'établissement attendu (obligatoire pour ajouter un établissement à un hub qui en suit "
        "déjà)")},
    {"year", 'y', "AAAA", N_("année scolaire de l'export (défaut : l'année courante du hub)")},
    {NULL, 0, NULL, NULL},
};

static int run_import_sts(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos != 1) {
        return cli_usage_error(
            ctx, "%s", _("un fichier attendu : l'export STS-Web sts_emp_<UAI>_<ANNÉE>.xml"));
    }
    relais_store *s = NULL;
    sts_import_options opts = STS_IMPORT_OPTIONS_INIT;
    opts.path = args->pos[0];
    opts.uai = cli_value(args, "uai");
    int status = cli_open_hub(ctx, args, &s, &opts.year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    relais_plan *plan = NULL;
    sts_import_info info;
    rc = relais_plan_new(&plan, s, "import sts");
    if (rc == 0) {
        rc = sts_import_plan(&info, plan, s, &opts);
    }
    if (rc < 0) {
        status = cli_fail(ctx, rc);
    } else {
        char title[160];
        snprintf(title, sizeof title, _("Import STS-Web — %s, %d-%d"), info.uai, info.year,
                 info.year + 1);
        cli_report_opts ro = {.title = title};
        status = cli_apply_plan(ctx, plan, cli_flag(args, "dry-run"), &ro);
    }
    relais_plan_free(plan);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_import_sts = {
    .name = "import sts",
    .summary = N_("importer l'export STS-Web pour l'emploi du temps (personnels, structures, "
                  "services)"),
    .usage = "[--dry-run] [--uai UAI] [--year AAAA] [--json] CHEMIN",
    .description =
        N_("Lit sts_emp_<UAI>_<ANNÉE>.xml (STS-Web › Exports › Emploi du temps, XML ou zip) : "
           "nomenclatures, individus, divisions, groupes, services et leurs enseignants. Ce que "
           "STS-Web ne liste plus est désactivé, jamais supprimé. Un fichier malformé, d'un autre "
           "établissement ou d'une autre année est refusé sans rien écrire (statut 3)."),
    .options = import_sts_options,
    .has_json = true,
    .uses_db = true,
    .run = run_import_sts,
};
