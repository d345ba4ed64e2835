/*
 * cmd_gen.c — `relais gen`: writes a fictitious académie (SIECLE, STS-Web and
 * timetable files per establishment, optionally a partner identity list with
 * its ground truth and injected defects) for tests, demos and benchmarks.
 */
#include "cli.h"
#include "gen/gen.h"

#include <stdlib.h>
#include <string.h>

static const cli_option gen_options_table[] = {
    {"out", 'o', "REPERTOIRE", N_("répertoire de sortie (créé s'il manque), un sous-répertoire par UAI")},
    {"seed", 0, "N", N_("graine du générateur (défaut 1) : même graine, mêmes fichiers octet pour octet")},
    {"establishments", 0, "K", N_("nombre d'établissements, collèges et lycées (défaut 1)")},
    {"students", 0, "N", N_("nombre total d'élèves de l'académie (défaut 600)")},
    {"year", 0, "AAAA", N_("année scolaire (millésime de la rentrée, défaut 2024)")},
    {"partner", 0, "NOM", N_("écrire aussi la liste d'identités du partenaire NOM et sa vérité terrain")},
    {"noise", 0, "NIVEAU", N_("bruit de la liste partenaire : low, medium (défaut) ou high")},
    {"defects", 0, NULL, N_("injecter les défauts documentés (defects.tsv dans chaque établissement)")},
    {"threads", 0, "N", N_("fils de travail (défaut 2)")},
    {NULL, 0, NULL, NULL},
};

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    int64_t v;
    if (s == NULL || !util_parse_int64(s, strlen(s), &v) || v < lo || v > hi) {
        return false;
    }
    *out = (long)v;
    return true;
}

static int run_gen(cli_ctx *ctx, cli_args *args)
{
    gen_options o = GEN_OPTIONS_INIT;
    const char *v;
    long n;
    o.out_dir = cli_value(args, "out");
    if (o.out_dir == NULL) {
        return cli_usage_error(ctx, "%s", _("--out REPERTOIRE est obligatoire"));
    }
    if ((v = cli_value(args, "seed")) != NULL) {
        int64_t s;
        if (!util_parse_int64(v, strlen(v), &s) || s < 0) {
            return cli_usage_error(ctx, _("graine invalide : %s"), v);
        }
        o.seed = (uint64_t)s;
    }
    if ((v = cli_value(args, "establishments")) != NULL) {
        if (!parse_long(v, 1, 7000, &n)) {
            return cli_usage_error(ctx, _("nombre d'établissements invalide : %s"), v);
        }
        o.n_establishments = (int)n;
    }
    if ((v = cli_value(args, "students")) != NULL) {
        if (!parse_long(v, 1, 20000000, &n)) {
            return cli_usage_error(ctx, _("nombre d'élèves invalide : %s"), v);
        }
        o.n_students = n;
    }
    if ((v = cli_value(args, "year")) != NULL && !cli_parse_year(v, &o.year)) {
        return cli_usage_error(ctx, _("année scolaire invalide : %s"), v);
    }
    if ((v = cli_value(args, "threads")) != NULL) {
        if (!parse_long(v, 1, 64, &n)) {
            return cli_usage_error(ctx, _("nombre de fils invalide : %s"), v);
        }
        o.threads = (int)n;
    }
    o.partner = cli_value(args, "partner");
    if ((v = cli_value(args, "noise")) != NULL) {
        if (o.partner == NULL) {
            return cli_usage_error(ctx, "%s", _("--noise n'a de sens qu'avec --partner"));
        }
        if (!gen_noise_parse(&o.noise, v)) {
            return cli_usage_error(ctx, _("niveau de bruit invalide : %s (low, medium, high)"), v);
        }
    }
    o.defects = cli_flag(args, "defects");

    double t0 = util_monotonic();
    gen_report rep;
    int rc = gen_run(&rep, &o);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    double secs = util_monotonic() - t0;
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "out", o.out_dir);
        util_json_kv_int(&j, "seed", (int64_t)o.seed);
        util_json_kv_int(&j, "year", o.year);
        util_json_kv_int(&j, "establishments", rep.n_establishments);
        util_json_kv_int(&j, "colleges", rep.n_colleges);
        util_json_kv_int(&j, "lycees", rep.n_lycees);
        util_json_kv_int(&j, "students", rep.n_students);
        util_json_kv_int(&j, "leavers", rep.n_leavers);
        util_json_kv_int(&j, "guardians", rep.n_guardians);
        util_json_kv_int(&j, "teachers", rep.n_teachers);
        util_json_kv_int(&j, "staff", rep.n_staff);
        util_json_kv_int(&j, "divisions", rep.n_divisions);
        util_json_kv_int(&j, "groups", rep.n_groups);
        util_json_kv_int(&j, "courses", rep.n_courses);
        util_json_kv_int(&j, "partner_rows", rep.n_partner_rows);
        util_json_kv_int(&j, "files", rep.n_files);
        util_json_kv_int(&j, "bytes", (int64_t)rep.bytes_written);
        util_json_key(&j, "seconds");
        util_json_double(&j, secs, 2);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        fprintf(ctx->out,
                _("%d établissement(s) (%d collège(s), %d lycée(s)) écrit(s) dans %s\n"),
                rep.n_establishments, rep.n_colleges, rep.n_lycees, o.out_dir);
        fprintf(ctx->out, _("  %ld élèves (dont %ld sortis), %ld responsables, %ld enseignants, "
                            "%ld autres personnels\n"),
                rep.n_students, rep.n_leavers, rep.n_guardians, rep.n_teachers, rep.n_staff);
        fprintf(ctx->out, _("  %ld divisions, %ld groupes, %ld cours par semaine\n"),
                rep.n_divisions, rep.n_groups, rep.n_courses);
        if (o.partner) {
            fprintf(ctx->out, _("  liste partenaire « %s » : %ld lignes\n"), o.partner,
                    rep.n_partner_rows);
        }
        fprintf(ctx->out, _("  %ld fichiers, %.1f Mo, %.2f s\n"), rep.n_files,
                (double)rep.bytes_written / 1e6, secs);
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_gen = {
    .name = "gen",
    .summary = N_("générer une académie fictive (SIECLE, STS-Web, emploi du temps, partenaire)"),
    .usage = "--out REPERTOIRE [options]",
    .description = N_(
        "Écrit des établissements fictifs mais réalistes : pour chaque UAI, un répertoire "
        "REPERTOIRE/<UAI>/ avec les exports SIECLE (ExportXML_ElevesAvecAdresses.zip, "
        "ExportXML_ResponsablesAvecAdresses.zip, ExportXML_Structures.zip, "
        "ExportXML_Nomenclature.zip, en ISO-8859-15 comme les vrais), l'export STS-Web "
        "sts_emp_<UAI>_<AAAA>.xml, la remontée d'emploi du temps emp_sts_<UAI>_<AAAA>.xml ; "
        "avec --partner, partner_<NOM>.csv (liste d'identités bruitée) et "
        "partner_<NOM>_truth.csv (vérité terrain) ; avec --defects, defects.tsv. "
        "REPERTOIRE/etablissements.tsv résume l'académie. --students est le total de "
        "l'académie, réparti entre collèges (6e-3e) et lycées (2nde-Tle) de tailles réalistes. "
        "Personne n'est réel : UAI du département 099 inexistant, INE commençant par 9, "
        "téléphones en 01 99 (réservés à la fiction), courriels en example.org. "
        "Détails : docs/gen.md."),
    .options = gen_options_table,
    .has_json = true,
    .run = run_gen,
};
