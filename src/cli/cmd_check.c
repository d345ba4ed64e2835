/*
 * cmd_check.c — `relais check`: run the rule catalogue on one establishment or
 * all of them, and report in French text, JSON, or a self-contained HTML page.
 * Exit status 1 when a rule of severity "error" found something.
 */
#include "cli.h"

#include <relais/store.h>

#include <errno.h>
#include <string.h>

#include "check/check.h"
#include "elegroupe/elegroupe.h"

static const cli_option check_options_table[] = {
    {"uai", 'u', "UAI", N_("un seul établissement (défaut : tous)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"html", 0, "FICHIER", N_("écrire aussi le rapport en une page HTML autonome")},
    {"application", 'a', "NOMS",
     N_("applications (ENT, partenaires) où chaque personne doit avoir un identifiant, séparées "
        "par des virgules (défaut : celles du hub)")},
    {"elegroupe", 'e', "FICHIER",
     N_("juger ce fichier de liens élève-groupe (zip ou XML d'un logiciel d'emploi du temps ou de "
        "vie scolaire) comme SIECLE le fera, au lieu du hub")},
    {"limit", 0, "N", N_("nombre de cas listés par contrôle dans le texte (défaut : 30)")},
    {"rules", 0, NULL, N_("afficher le catalogue des contrôles (Markdown) et quitter")},
    {NULL, 0, NULL, NULL},
};

typedef struct scope_ctx {
    relais_store *s;
    check_report *report;
    const check_options *opts;
    int year;
    const char *only;
    util_arena *arena;
    int rc;
} scope_ctx;

static int check_establishment(const relais_establishment *e, void *payload)
{
    scope_ctx *sc = payload;
    if (sc->only && strcmp(sc->only, e->uai) != 0) {
        return 0;
    }
    util_arena_reset(sc->arena);
    relais_scope *scope;
    int rc = relais_store_scope_find(&scope, sc->s, sc->arena, e->uai, sc->year);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    return check_run_scope(sc->report, sc->s, scope, sc->opts);
}

typedef struct text_ctx {
    FILE *f;
    const check_rule *rule;
    size_t shown, limit;
} text_ctx;

static int text_finding(const check_finding *fd, void *payload)
{
    text_ctx *t = payload;
    if (fd->rule != t->rule || t->shown++ >= t->limit) {
        return 0;
    }
    fprintf(t->f, "    %s : ", fd->uai);
    if (fd->ids) {
        fprintf(t->f, "%s : ", fd->ids);
    }
    fprintf(t->f, "%s\n", fd->message);
    return 0;
}

static const char *severity_word(relais_severity s)
{
    return s == RELAIS_SEVERITY_ERROR     ? _("erreur")
           : s == RELAIS_SEVERITY_WARNING ? _("avertissement")
                                          : _("information");
}

static void print_text(FILE *f, check_report *r, int year, size_t limit)
{
    fprintf(f, _("Contrôles — année %d-%d — %zu établissement(s)\n"), year, year + 1,
            check_report_n_scopes(r));
    fprintf(f, _("%zu erreur(s), %zu avertissement(s), %zu information(s)\n"),
            check_report_count(r, RELAIS_SEVERITY_ERROR),
            check_report_count(r, RELAIS_SEVERITY_WARNING),
            check_report_count(r, RELAIS_SEVERITY_INFO));
    size_t n_rules;
    const check_rule *rules = check_rules(&n_rules);
    for (int fam = 0; fam < CHECK_FAMILY_COUNT; fam++) {
        fprintf(f, "\n%s\n", check_family_title((check_family)fam));
        for (size_t i = 0; i < n_rules; i++) {
            const check_rule *rule = &rules[i];
            if ((int)rule->family != fam) {
                continue;
            }
            size_t n = check_report_rule_count(r, rule->code);
            fprintf(f, "  %s %-36s %6zu  %s\n", n ? "✗" : "✓", rule->code, n, _(rule->title));
            if (n == 0) {
                continue;
            }
            fprintf(f, "    (%s) %s\n", severity_word(rule->severity), _(rule->fix));
            text_ctx t = {f, rule, 0, limit};
            check_report_foreach(r, text_finding, &t);
            if (n > limit) {
                fprintf(f, _("    … et %zu autre(s) (liste complète avec --json ou --html)\n"),
                        n - limit);
            }
        }
    }
}

static int json_finding(const check_finding *fd, void *payload)
{
    util_json *j = payload;
    util_json_object_begin(j);
    util_json_kv_string(j, "rule", fd->rule->code);
    util_json_kv_string(j, "severity", relais_severity_name(fd->rule->severity));
    util_json_kv_string(j, "uai", fd->uai);
    util_json_kv_string(j, "category", fd->kind >= 0 ? relais_kind_get((relais_kind)fd->kind)->name
                                                     : NULL);
    util_json_key(j, "entity_id");
    if (fd->entity_id > 0) {
        util_json_int(j, fd->entity_id);
    } else {
        util_json_null(j);
    }
    util_json_kv_string(j, "label", fd->label);
    util_json_kv_string(j, "ids", fd->ids);
    util_json_kv_string(j, "message", fd->message);
    util_json_object_end(j);
    return 0;
}

static void print_json(FILE *f, check_report *r, int year)
{
    util_json j;
    util_json_init_file(&j, f, true);
    util_json_object_begin(&j);
    util_json_kv_int(&j, "year", year);
    util_json_kv_int(&j, "establishments", (int64_t)check_report_n_scopes(r));
    util_json_key(&j, "counts");
    util_json_object_begin(&j);
    util_json_kv_int(&j, "error", (int64_t)check_report_count(r, RELAIS_SEVERITY_ERROR));
    util_json_kv_int(&j, "warning", (int64_t)check_report_count(r, RELAIS_SEVERITY_WARNING));
    util_json_kv_int(&j, "info", (int64_t)check_report_count(r, RELAIS_SEVERITY_INFO));
    util_json_object_end(&j);
    util_json_key(&j, "rules");
    util_json_array_begin(&j);
    size_t n_rules;
    const check_rule *rules = check_rules(&n_rules);
    for (size_t i = 0; i < n_rules; i++) {
        util_json_object_begin(&j);
        util_json_kv_string(&j, "code", rules[i].code);
        util_json_kv_string(&j, "severity", relais_severity_name(rules[i].severity));
        util_json_kv_string(&j, "family", check_family_name(rules[i].family));
        util_json_kv_int(&j, "count", (int64_t)check_report_rule_count(r, rules[i].code));
        util_json_object_end(&j);
    }
    util_json_array_end(&j);
    util_json_key(&j, "findings");
    util_json_array_begin(&j);
    check_report_foreach(r, json_finding, &j);
    util_json_array_end(&j);
    util_json_object_end(&j);
    util_json_end(&j);
}

static int write_html(cli_ctx *ctx, check_report *r, const char *path, int year)
{
    char tmp[4096];
    if (util_snprintf(tmp, sizeof tmp, "%s.tmp", path) < 0) {
        return cli_usage_error(ctx, _("chemin trop long : %s"), path);
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        relais_error_set(_("%s : écriture impossible (%s)"), path, strerror(errno));
        return cli_fail(ctx, RELAIS_EIO);
    }
    char title[128];
    snprintf(title, sizeof title, _("relais — contrôles %d-%d"), year, year + 1);
    int rc = check_report_html(r, f, title);
    if (fclose(f) != 0 || rc < 0 || rename(tmp, path) != 0) {
        remove(tmp);
        relais_error_set(_("%s : écriture impossible (%s)"), path, strerror(errno));
        return cli_fail(ctx, RELAIS_EIO);
    }
    return 0;
}

/* `--elegroupe FILE`: the file's own problems, then SIECLE's judgement of its links. */
static int check_file(cli_ctx *ctx, scope_ctx *sc, const char *path, const char *uai_arg,
                      util_arena *a)
{
    (void)ctx;
    elegroupe_file *file;
    elegroupe_violation *violations;
    size_t n_violations;
    int rc = elegroupe_read_file(&file, &violations, &n_violations, a, path);
    if (rc < 0) {
        return rc;
    }
    const char *uai = uai_arg ? uai_arg : file->uai;
    relais_scope *scope;
    rc = uai ? relais_store_scope_find(&scope, sc->s, a, uai, sc->year) : RELAIS_ENOTFOUND;
    if (rc == RELAIS_ENOTFOUND) {
        relais_error_set(_("%s : le hub n'a pas les données SIECLE de %s pour %d-%d : importez "
                           "d'abord ses exports (relais import siecle)"),
                         path, uai ? uai : "?", sc->year, sc->year + 1);
    }
    if (rc == 0) {
        rc = check_report_new(&sc->report);
    }
    if (rc == 0) {
        rc = check_run_elegroupe_file(sc->report, sc->s, scope, file, violations, n_violations,
                                      sc->opts);
    }
    return rc;
}

static int run_check(cli_ctx *ctx, cli_args *args)
{
    if (cli_flag(args, "rules")) {
        return check_rules_markdown(ctx->out) < 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
    }
    size_t limit = 30;
    const char *limit_arg = cli_value(args, "limit");
    if (limit_arg) {
        int64_t v;
        if (!util_parse_int64(limit_arg, strlen(limit_arg), &v) || v < 0) {
            return cli_usage_error(ctx, _("--limit attend un nombre : « %s »"), limit_arg);
        }
        limit = (size_t)v;
    }
    relais_store *s = NULL;
    int year;
    int status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    check_options opts = CHECK_OPTIONS_INIT;
    char apps_buf[512];
    const char *apps[16];
    const char *apps_arg = cli_value(args, "application");
    if (apps_arg) {
        snprintf(apps_buf, sizeof apps_buf, "%s", apps_arg);
        for (char *p = apps_buf; *p && opts.n_applications < 16;) {
            char *comma = strchr(p, ',');
            if (comma) {
                *comma = '\0';
            }
            if (*p) {
                apps[opts.n_applications++] = p;
            }
            if (comma == NULL) {
                break;
            }
            p = comma + 1;
        }
        opts.applications = apps;
    }
    scope_ctx sc = {.s = s, .opts = &opts, .year = year};
    char uai[9];
    util_arena *a = NULL;
    rc = util_arena_new(&a, 4096);
    const char *file_path = cli_value(args, "elegroupe");
    if (rc == 0 && file_path) {
        rc = check_file(ctx, &sc, file_path, cli_value(args, "uai"), a);
        if (rc == 0) {
            goto report;
        }
        util_arena_free(a);
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
    if (rc == 0 && cli_value(args, "uai")) {
        relais_establishment *e;
        rc = relais_store_establishment_find(&e, s, a, cli_value(args, "uai"));
        if (rc == 0) {
            snprintf(uai, sizeof uai, "%s", e->uai);
            sc.only = uai;
            rc = relais_store_scope_find(&(relais_scope *){NULL}, s, a, uai, year);
        }
    }
    sc.arena = a;
    if (rc == 0) {
        rc = check_report_new(&sc.report);
    }
    if (rc == 0) {
        rc = relais_store_establishment_foreach(s, check_establishment, &sc);
    }
    if (rc < 0) {
        check_report_free(sc.report);
        util_arena_free(a);
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
report:
    if (ctx->json) {
        print_json(ctx->out, sc.report, year);
    } else {
        print_text(ctx->out, sc.report, year, limit);
    }
    const char *html = cli_value(args, "html");
    if (html) {
        status = write_html(ctx, sc.report, html, year);
        if (status == 0 && !ctx->json) {
            fprintf(ctx->out, _("\nRapport HTML : %s\n"), html);
        }
    }
    if (status == 0) {
        status = check_report_count(sc.report, RELAIS_SEVERITY_ERROR) > 0 ? CLI_EXIT_DATA_ERRORS
                                                                            : CLI_EXIT_OK;
    }
    check_report_free(sc.report);
    util_arena_free(a);
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_check = {
    .name = "check",
    .summary = N_("contrôler les données avec les règles de SIECLE, STS-Web et de l'ENT"),
    .usage = "[--uai UAI] [--year AAAA] [--json] [--html FICHIER]",
    .description = N_("Juge les liens élève-groupe comme SIECLE le fera, la remontée de l'emploi "
                      "du temps vers STS-Web, la cohérence vue de l'ENT et des partenaires, ce "
                      "qu'il faut vérifier avant une première synchronisation, et les variations "
                      "depuis la dernière exécution. Rien n'est modifié. Code de sortie 1 quand "
                      "une erreur est trouvée. Le catalogue des contrôles : relais check --rules."),
    .options = check_options_table,
    .has_json = true,
    .uses_db = true,
    .run = run_check,
};
