/*
 * cmd_map.c — `relais map set|unset|list`: the correspondences between the
 * timetable's local names and the hub's subjects, teachers, divisions and
 * groups, and the coverage report shared with `relais import timetable`.
 * The work is in src/lib/timetable (map.c, coverage.c).
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include "timetable/timetable.h"

#include <string.h>

/* ------------------------------------------------------------ coverage */

static const char *kind_plural(timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return _("matières");
    case TIMETABLE_STAFF: return _("enseignants");
    case TIMETABLE_DIVISION: return _("divisions");
    default: return _("groupes");
    }
}

static const char *provenance_label(const char *p)
{
    if (util_streq(p, "manual")) {
        return _("manuelle");
    }
    if (util_streq(p, "auto")) {
        return _("auto");
    }
    return p ? p : "";
}

static bool is_matched(const timetable_item *it)
{
    return it->entity > 0 && it->entity_active;
}

static void json_item(util_json *j, const timetable_item *it)
{
    util_json_object_begin(j);
    util_json_kv_string(j, "kind", relais_kind_get(timetable_kind_model(it->kind))->name);
    util_json_kv_string(j, "local", it->local);
    util_json_kv_string(j, "label", it->label);
    util_json_key(j, "entity_id");
    if (it->entity > 0) {
        util_json_int(j, it->entity);
    } else {
        util_json_null(j);
    }
    util_json_kv_string(j, "remote", it->remote);
    util_json_kv_string(j, "remote_label", it->remote_label);
    util_json_kv_bool(j, "remote_active", it->entity_active);
    util_json_kv_string(j, "provenance", it->provenance);
    util_json_kv_bool(j, "ambiguous", it->ambiguous);
    util_json_kv_bool(j, "in_sts", it->in_sts);
    util_json_kv_bool(j, "in_siecle", it->in_siecle);
    util_json_object_end(j);
}

static void text_sources(FILE *f, const timetable_item *it)
{
    if (it->in_sts || it->in_siecle) {
        fprintf(f, " [%s%s%s]", it->in_sts ? "STS-Web" : "",
                it->in_sts && it->in_siecle ? ", " : "", it->in_siecle ? "SIECLE" : "");
    }
}

void cli_print_coverage(cli_ctx *ctx, util_json *j, const timetable_coverage *c, bool all,
                        int only_kind)
{
    if (j) {
        util_json_key(j, "coverage");
        util_json_object_begin(j);
        for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
            if (only_kind >= 0 && k != only_kind) {
                continue;
            }
            util_json_key(j, relais_kind_get(timetable_kind_model((timetable_kind)k))->name);
            util_json_object_begin(j);
            util_json_kv_int(j, "total", (int64_t)timetable_coverage_count(c, (timetable_kind)k));
            util_json_kv_int(j, "matched",
                             (int64_t)timetable_coverage_matched(c, (timetable_kind)k));
            util_json_key(j, "unmatched");
            util_json_array_begin(j);
            for (size_t i = 0; i < timetable_coverage_count(c, (timetable_kind)k); i++) {
                const timetable_item *it = timetable_coverage_item(c, (timetable_kind)k, i);
                if (!is_matched(it)) {
                    json_item(j, it);
                }
            }
            util_json_array_end(j);
            util_json_object_end(j);
        }
        util_json_object_end(j);
        if (all) {
            util_json_key(j, "correspondences");
            util_json_array_begin(j);
            for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
                for (size_t i = 0; (only_kind < 0 || k == only_kind) &&
                                   i < timetable_coverage_count(c, (timetable_kind)k);
                     i++) {
                    json_item(j, timetable_coverage_item(c, (timetable_kind)k, i));
                }
            }
            util_json_array_end(j);
        }
        return;
    }
    FILE *f = ctx->out;
    fprintf(f, "\n%s :\n", _("Correspondances emploi du temps → hub"));
    size_t unmatched = 0;
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        if (only_kind >= 0 && k != only_kind) {
            continue;
        }
        size_t n = timetable_coverage_count(c, (timetable_kind)k);
        size_t m = timetable_coverage_matched(c, (timetable_kind)k);
        fputs("  ", f);
        cli_print_padded(f, kind_plural((timetable_kind)k), 16);
        fprintf(f, _("%5zu apparié(s) sur %zu"), m, n);
        if (n > m) {
            fprintf(f, _(" (%zu non apparié(s))"), n - m);
        }
        fputc('\n', f);
        unmatched += n - m;
    }
    if (all) {
        for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
            size_t n = timetable_coverage_count(c, (timetable_kind)k);
            if ((only_kind >= 0 && k != only_kind) || n == 0) {
                continue;
            }
            fprintf(f, "\n%s :\n", kind_plural((timetable_kind)k));
            for (size_t i = 0; i < n; i++) {
                const timetable_item *it = timetable_coverage_item(c, (timetable_kind)k, i);
                fputs("  ", f);
                cli_print_padded(f, it->local, 20);
                if (it->entity > 0) {
                    fprintf(f, " → %s%s%s%s (%s)", it->remote ? it->remote : "?",
                            it->remote_label ? " " : "", it->remote_label ? it->remote_label : "",
                            it->entity_active ? "" : _(" [désactivé]"),
                            provenance_label(it->provenance));
                    text_sources(f, it);
                } else {
                    fprintf(f, " → %s",
                            it->ambiguous ? _("(plusieurs candidats)") : _("(non apparié)"));
                }
                fputc('\n', f);
            }
        }
        return;
    }
    if (unmatched == 0) {
        return;
    }
    fprintf(f, "%s (%zu) :\n", _("Non appariés, à relier avec « relais map set »"), unmatched);
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        if (only_kind >= 0 && k != only_kind) {
            continue;
        }
        for (size_t i = 0; i < timetable_coverage_count(c, (timetable_kind)k); i++) {
            const timetable_item *it = timetable_coverage_item(c, (timetable_kind)k, i);
            if (is_matched(it)) {
                continue;
            }
            fputs("  ", f);
            cli_print_padded(f, timetable_kind_label((timetable_kind)k), 12);
            fprintf(f, " %s", it->local);
            if (it->label) {
                fprintf(f, " (%s)", it->label);
            }
            if (it->ambiguous) {
                fprintf(f, " — %s", _("plusieurs candidats"));
            } else if (it->entity > 0) {
                fprintf(f, " — %s %s", _("désactivé dans le hub :"), it->remote ? it->remote : "?");
            }
            fputc('\n', f);
        }
    }
}

/* -------------------------------------------------------------- scope */

static const cli_option map_options[] = {
    {"uai", 'u', "UAI", N_("l'établissement (obligatoire quand le hub en suit plusieurs)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"dry-run", 'n', NULL, N_("simulation : afficher le bilan sans rien écrire")},
    {NULL, 0, NULL, NULL},
};

static const cli_option map_list_options[] = {
    {"uai", 'u', "UAI", N_("l'établissement (obligatoire quand le hub en suit plusieurs)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {NULL, 0, NULL, NULL},
};

typedef struct only_etab {
    char uai[9];
    size_t n;
} only_etab;

static int count_etab(const relais_establishment *e, void *payload)
{
    only_etab *o = payload;
    if (o->n++ == 0) {
        snprintf(o->uai, sizeof o->uai, "%s", e->uai);
    }
    return 0;
}

/* The scope the command works on. Returns 0 or an exit status (message printed). */
static int map_scope(cli_ctx *ctx, const cli_args *args, relais_store *s, relais_scope **scope,
                     util_arena *a)
{
    int year = 0;
    int status = cli_scope_year(ctx, args, s, &year);
    if (status != 0) {
        return status;
    }
    const char *uai = cli_value(args, "uai");
    only_etab o = {{0}, 0};
    if (uai == NULL) {
        int rc = relais_store_establishment_foreach(s, count_etab, &o);
        if (rc < 0) {
            return cli_fail(ctx, rc);
        }
        if (o.n == 0) {
            relais_error_set("%s", _("le hub ne suit aucun établissement : importez d'abord "
                                     "l'export STS-Web (relais import sts)"));
            return cli_fail(ctx, RELAIS_ENOTFOUND);
        }
        if (o.n > 1) {
            return cli_usage_error(ctx, "%s",
                                   _("le hub suit plusieurs établissements : précisez --uai"));
        }
        uai = o.uai;
    }
    int rc = relais_store_scope_find(scope, s, a, uai, year);
    if (rc == RELAIS_ENOTFOUND) {
        relais_error_set(_("le hub n'a aucune donnée de %s pour %d-%d"), uai, year, year + 1);
    }
    return rc < 0 ? cli_fail(ctx, rc) : 0;
}

/* ------------------------------------------------------------ set/unset */

static int run_map_change(cli_ctx *ctx, cli_args *args, bool set)
{
    if (args->n_pos != (set ? 3u : 2u)) {
        return cli_usage_error(ctx, "%s",
                               set ? _("arguments attendus : TYPE NOM_LOCAL CODE_HUB (ex. matiere "
                                       "\"Français\" 020700)")
                                   : _("arguments attendus : TYPE NOM_LOCAL"));
    }
    timetable_kind kind;
    if (!timetable_kind_parse(&kind, args->pos[0])) {
        return cli_usage_error(
            ctx, _("type inconnu « %s » : matiere, enseignant, division ou groupe"), args->pos[0]);
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    util_arena *a = NULL;
    relais_scope *scope = NULL;
    relais_plan *plan = NULL;
    int status = 0;
    rc = util_arena_new(&a, 4096);
    if (rc < 0) {
        status = cli_fail(ctx, rc);
    }
    if (status == 0) {
        status = map_scope(ctx, args, s, &scope, a);
    }
    if (status == 0) {
        relais_scope_spec spec = {.uai = scope->uai, .year = scope->year};
        int64_t scope_ref;
        rc = relais_plan_new(&plan, s, set ? "map set" : "map unset");
        if (rc == 0) {
            rc = relais_plan_scope(&scope_ref, plan, &spec);
        }
        if (rc == 0) {
            rc = set ? timetable_map_set(plan, s, scope->id, kind, args->pos[1], args->pos[2])
                     : timetable_map_unset(plan, s, scope->id, kind, args->pos[1]);
        }
        if (rc < 0) {
            status = cli_fail(ctx, rc);
        } else {
            char title[512];
            if (set) {
                snprintf(title, sizeof title, _("Correspondance manuelle — %s « %s » → %s"),
                         timetable_kind_label(kind), args->pos[1], args->pos[2]);
            } else {
                snprintf(title, sizeof title,
                         _("Correspondance manuelle retirée — %s « %s » (retour à l'automatique)"),
                         timetable_kind_label(kind), args->pos[1]);
            }
            cli_report_opts ro = {.title = title};
            status = cli_apply_plan(ctx, plan, cli_flag(args, "dry-run"), &ro);
        }
    }
    relais_plan_free(plan);
    util_arena_free(a);
    relais_store_close(s);
    return status;
}

static int run_map_set(cli_ctx *ctx, cli_args *args)
{
    return run_map_change(ctx, args, true);
}

static int run_map_unset(cli_ctx *ctx, cli_args *args)
{
    return run_map_change(ctx, args, false);
}

/* ----------------------------------------------------------------- list */

static int run_map_list(cli_ctx *ctx, cli_args *args)
{
    int only = -1;
    if (args->n_pos > 1) {
        return cli_usage_error(ctx, "%s", _("au plus un argument : le TYPE à lister"));
    }
    if (args->n_pos == 1) {
        timetable_kind kind;
        if (!timetable_kind_parse(&kind, args->pos[0])) {
            return cli_usage_error(
                ctx, _("type inconnu « %s » : matiere, enseignant, division ou groupe"),
                args->pos[0]);
        }
        only = (int)kind;
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    util_arena *a = NULL;
    relais_scope *scope = NULL;
    timetable_coverage *cov = NULL;
    int status = 0;
    rc = util_arena_new(&a, 4096);
    if (rc < 0) {
        status = cli_fail(ctx, rc);
    }
    if (status == 0) {
        status = map_scope(ctx, args, s, &scope, a);
    }
    if (status == 0) {
        rc = relais_store_begin_read(s);
        if (rc == 0) {
            rc = timetable_coverage_load(&cov, s, scope->id);
            relais_store_end_read(s);
        }
        if (rc < 0) {
            status = cli_fail(ctx, rc);
        }
    }
    if (status == 0 && ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "uai", scope->uai);
        util_json_kv_int(&j, "year", scope->year);
        cli_print_coverage(ctx, &j, cov, true, only);
        util_json_object_end(&j);
        util_json_end(&j);
    } else if (status == 0) {
        fprintf(ctx->out, _("Correspondances de %s — %d-%d\n"), scope->uai, scope->year,
                scope->year + 1);
        cli_print_coverage(ctx, NULL, cov, true, only);
    }
    timetable_coverage_free(cov);
    util_arena_free(a);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_map_set = {
    .name = "map set",
    .summary = N_("relier à la main un nom local de l'emploi du temps à un enregistrement du hub"),
    .usage = "[--uai UAI] [--year AAAA] [--dry-run] [--json] TYPE NOM_LOCAL CODE_HUB",
    .description = N_("TYPE : matiere, enseignant, division ou groupe. CODE_HUB : code matière "
                      "STS (ou code de gestion), identifiant STS de l'enseignant, code de la "
                      "division ou du groupe. Une correspondance manuelle n'est jamais remplacée "
                      "par l'appariement automatique."),
    .options = map_options,
    .has_json = true,
    .uses_db = true,
    .run = run_map_set,
};

const cli_command cli_cmd_map_unset = {
    .name = "map unset",
    .summary = N_("retirer une correspondance manuelle (retour à l'appariement automatique)"),
    .usage = "[--uai UAI] [--year AAAA] [--dry-run] [--json] TYPE NOM_LOCAL",
    .options = map_options,
    .has_json = true,
    .uses_db = true,
    .run = run_map_unset,
};

const cli_command cli_cmd_map_list = {
    .name = "map list",
    .summary = N_("lister les correspondances de l'emploi du temps et leur couverture"),
    .usage = "[--uai UAI] [--year AAAA] [--json] [TYPE]",
    .options = map_list_options,
    .has_json = true,
    .uses_db = true,
    .run = run_map_list,
};
