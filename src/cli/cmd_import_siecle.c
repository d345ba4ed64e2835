/*
 * cmd_import_siecle.c — `relais import siecle [options] CHEMIN...`: import
 * SIECLE BEE exports (XML, the ministry's zips, or directories of them) with
 * the options school-life software offers, print the report ("bilan"), and
 * apply it in one transaction unless --dry-run. Refusals exit with status 3
 * and leave the hub untouched.
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include <string.h>

#include "siecle/siecle.h"

static const cli_option import_siecle_options[] = {
    {"dry-run", 'n', NULL, N_("simuler : afficher le bilan sans rien écrire")},
    {"year", 'y', "AAAA",
     N_("année scolaire des fichiers (défaut : l'année courante du hub) ; un fichier d'une autre "
        "année est refusé")},
    {"new-uai", 0, NULL,
     N_("accepter un établissement que le hub ne connaît pas encore (il est créé)")},
    {"no-new-students", 0, NULL, N_("ne pas importer les nouveaux élèves")},
    {"no-identity", 0, NULL, N_("ne pas mettre à jour l'identité des élèves")},
    {"no-contact", 0, NULL, N_("ne pas mettre à jour les coordonnées des élèves")},
    {"no-guardians", 0, NULL, N_("ne pas mettre à jour les responsables des élèves")},
    {"no-schooling", 0, NULL,
     N_("ne pas mettre à jour la scolarité active des élèves (division, MEF, options, régime)")},
    {"no-previous", 0, NULL, N_("ne pas mettre à jour la scolarité précédente des élèves")},
    {"ignore-left-before", 0, "JJ/MM/AAAA",
     N_("ignorer les élèves sortis de l'établissement avant cette date (défaut : début de "
        "l'année scolaire)")},
    {"no-ignore-left", 0, NULL,
     N_("ne pas ignorer les élèves sortis avant le début de l'année : les garder, inactifs")},
    {"no-groups", 0, NULL, N_("ne pas alimenter les groupes depuis SIECLE")},
    {NULL, 0, NULL, NULL},
};

typedef struct progress_state {
    FILE *err;
    double start;
    bool shown;
} progress_state;

static void show_progress(siecle_phase phase, const char *file, uint64_t done, uint64_t total,
                          void *payload)
{
    progress_state *ps = payload;
    if (util_monotonic() - ps->start < 1.0) {
        return; /* short runs print nothing */
    }
    const char *base = file ? strrchr(file, '/') : NULL;
    base = base ? base + 1 : file;
    fputs("\r\033[K", ps->err); /* back to the start of the line, cleared */
    if (phase == SIECLE_PHASE_READ && total > 0) {
        fprintf(ps->err, _("Lecture de %s : %u %%"), base,
                (unsigned)(done * 100 / total));
    } else if (phase == SIECLE_PHASE_READ) {
        fprintf(ps->err, _("Lecture de %s : %llu Mio"), base,
                (unsigned long long)(done >> 20));
    } else if (file) {
        fprintf(ps->err, _("Préparation du bilan : %s (%llu enregistrements)"), base,
                (unsigned long long)done);
    } else {
        fprintf(ps->err, _("Préparation du bilan : établissement %llu sur %llu"),
                (unsigned long long)(done < total ? done + 1 : done),
                (unsigned long long)total);
    }
    fflush(ps->err);
    ps->shown = true;
}

static int run_import_siecle(cli_ctx *ctx, cli_args *args)
{
    siecle_options o = SIECLE_OPTIONS_INIT;
    if (args->n_pos == 0) {
        return cli_usage_error(ctx, "%s",
                               _("indiquez au moins un fichier, un zip ou un répertoire à "
                                 "importer"));
    }
    const char *year = cli_value(args, "year");
    if (year && !cli_parse_year(year, &o.year)) {
        return cli_usage_error(ctx, _("année scolaire invalide : « %s » (ex. 2025 ou 2025-2026)"),
                               year);
    }
    o.ignore_left_before = cli_value(args, "ignore-left-before");
    util_date d;
    if (o.ignore_left_before &&
        !util_date_parse(o.ignore_left_before, strlen(o.ignore_left_before), &d)) {
        return cli_usage_error(ctx, _("date invalide pour --ignore-left-before : « %s » "
                                      "(JJ/MM/AAAA)"),
                               o.ignore_left_before);
    }
    if (o.ignore_left_before && cli_flag(args, "no-ignore-left")) {
        return cli_usage_error(ctx, "%s",
                               _("--ignore-left-before et --no-ignore-left s'excluent"));
    }
    o.new_uai = cli_flag(args, "new-uai");
    o.new_students = !cli_flag(args, "no-new-students");
    o.identity = !cli_flag(args, "no-identity");
    o.contact = !cli_flag(args, "no-contact");
    o.guardians = !cli_flag(args, "no-guardians");
    o.schooling = !cli_flag(args, "no-schooling");
    o.previous = !cli_flag(args, "no-previous");
    o.groups = !cli_flag(args, "no-groups");
    o.ignore_left = !cli_flag(args, "no-ignore-left");
    progress_state ps = {ctx->err, util_monotonic(), false};
    if (cli_stderr_is_tty()) {
        o.progress = show_progress;
        o.progress_payload = &ps;
    }

    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    bool dry_run = cli_flag(args, "dry-run");
    relais_plan *plan = NULL;
    rc = relais_plan_new(&plan, s, "import siecle");
    /*
     * Written while read: a second connection applies each establishment's plan
     * while the next one is read, in the same single transaction (committed only
     * once everything is read and the thresholds are checked).
     */
    relais_store *writer_conn = NULL;
    relais_plan_writer *writer = NULL;
    if (rc == 0 && !dry_run) {
        rc = cli_open_store(ctx, &writer_conn, true);
        if (rc == 0) {
            rc = relais_plan_writer_start(&writer, plan, writer_conn);
        }
        /*
         * Page caches sized for the process's memory budget (bench_siecle.sh: 64 MB
         * whatever the size): the planner looks records up one establishment at a
         * time; the writer's inserts stay as fast with 16 MB as with 32 (measured on
         * 300,000 students).
         */
        if (rc == 0) {
            rc = relais_store_set_cache(s, (size_t)8 << 20);
        }
        if (rc == 0) {
            rc = relais_store_set_cache(writer_conn, (size_t)16 << 20);
        }
    }
    if (rc == 0) {
        rc = siecle_plan_import(plan, s, args->pos, args->n_pos, &o);
    }
    if (ps.shown) {
        fputs("\r\033[K", ctx->err);
        fflush(ctx->err);
    }
    int status;
    if (rc < 0) {
        relais_plan_writer_free(writer); /* nothing is written */
        writer = NULL;
        status = cli_fail(ctx, rc);
    } else {
        if (!dry_run && ps.shown) {
            /* Its own line: the report follows, perhaps on the same terminal. */
            fprintf(ctx->err, "%s\n", _("Écriture dans la base…"));
            fflush(ctx->err);
        }
        cli_report_opts ro = {.title = _("Import SIECLE"), .writer = writer};
        status = cli_apply_plan(ctx, plan, dry_run, &ro);
    }
    relais_plan_free(plan); /* frees the writer if still there */
    relais_store_close(writer_conn);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_import_siecle = {
    .name = "import siecle",
    .summary = N_("importer les exports XML de SIECLE (Base Élèves Établissement)"),
    .usage = "[options] CHEMIN...",
    .description = N_("Lit les exports de SIECLE BEE — Élèves, Responsables, Structures, "
                      "Nomenclatures, Communs, Établissements, Géographique — en XML, dans les "
                      "zips du ministère (ExportXML_*.zip) ou dans des répertoires qui les "
                      "contiennent, pour un établissement ou une académie entière. Les fichiers "
                      "sont reconnus à leur contenu, pas à leur nom. Le bilan (créés, modifiés, "
                      "inchangés, désactivés, restaurés, ignorés, puis les avertissements) est "
                      "affiché ; tout est écrit en une seule transaction, ou rien. Un fichier "
                      "d'un autre établissement ou d'une autre année, ou un fichier abîmé, est "
                      "refusé (statut 3) sans rien écrire. Voir docs/siecle-import.md."),
    .options = import_siecle_options,
    .has_json = true,
    .uses_db = true,
    .run = run_import_siecle,
};
