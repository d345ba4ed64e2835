/*
 * main.c — entry point of the `relais` tool: picks the subcommand from the
 * table below, parses its declared options (plus the global ones), and runs
 * it. Adding a command = one cmd_<name>.c defining a cli_command, one line in
 * the table.
 */
#include "cli.h"

#include <relais/error.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const cli_command cli_cmd_init;
extern const cli_command cli_cmd_import_siecle;
extern const cli_command cli_cmd_status;
extern const cli_command cli_cmd_check;
extern const cli_command cli_cmd_export;
extern const cli_command cli_cmd_version;
extern const cli_command cli_cmd_manpage;
extern const cli_command cli_cmd_gen;
extern const cli_command cli_cmd_import_sts;
extern const cli_command cli_cmd_import_timetable;
extern const cli_command cli_cmd_map_set;
extern const cli_command cli_cmd_map_unset;
extern const cli_command cli_cmd_map_list;
extern const cli_command cli_cmd_serve;
extern const cli_command cli_cmd_org_add;
extern const cli_command cli_cmd_org_list;
extern const cli_command cli_cmd_org_set;
extern const cli_command cli_cmd_org_pulls;
extern const cli_command cli_cmd_keys_new;
extern const cli_command cli_cmd_keys_rotate;
extern const cli_command cli_cmd_keys_revoke;
extern const cli_command cli_cmd_keys_list;
extern const cli_command cli_cmd_runs_list;
extern const cli_command cli_cmd_runs_show;
extern const cli_command cli_cmd_runs_approve;
extern const cli_command cli_cmd_runs_revert;
extern const cli_command cli_cmd_thresholds_list;
extern const cli_command cli_cmd_thresholds_set;
extern const cli_command cli_cmd_match;
extern const cli_command cli_cmd_match_accept;
extern const cli_command cli_cmd_match_reject;
extern const cli_command cli_cmd_match_export;
extern const cli_command cli_cmd_duplicates;

const cli_command *const cli_commands[] = {
    &cli_cmd_init,
    &cli_cmd_import_siecle,
    &cli_cmd_status,
    &cli_cmd_import_sts,
    &cli_cmd_import_timetable,
    &cli_cmd_map_set,
    &cli_cmd_map_unset,
    &cli_cmd_map_list,
    &cli_cmd_check,
    &cli_cmd_export,
    &cli_cmd_serve,
    &cli_cmd_org_add,
    &cli_cmd_org_list,
    &cli_cmd_org_set,
    &cli_cmd_org_pulls,
    &cli_cmd_keys_new,
    &cli_cmd_keys_rotate,
    &cli_cmd_keys_revoke,
    &cli_cmd_keys_list,
    &cli_cmd_runs_list,
    &cli_cmd_runs_show,
    &cli_cmd_runs_approve,
    &cli_cmd_runs_revert,
    &cli_cmd_thresholds_list,
    &cli_cmd_thresholds_set,
    &cli_cmd_version,
    &cli_cmd_manpage,
    &cli_cmd_gen,
    &cli_cmd_match,
    &cli_cmd_match_accept,
    &cli_cmd_match_reject,
    &cli_cmd_match_export,
    &cli_cmd_duplicates,
    NULL,
};

static const cli_option global_db = {"db", 0, "CHEMIN",
                                     N_("base du hub (défaut : $RELAIS_DB, sinon ./relais.db)")};
static const cli_option global_json = {"json", 0, NULL, N_("sortie JSON pour les scripts")};
static const cli_option global_help = {"help", 'h', NULL, N_("afficher cette aide")};

static void print_option(FILE *f, const cli_option *o)
{
    char left[80];
    char shortpart[8] = "    ";
    if (o->short_name) {
        snprintf(shortpart, sizeof shortpart, "-%c, ", o->short_name);
    }
    snprintf(left, sizeof left, "%s--%s%s%s", shortpart, o->name, o->arg ? " " : "",
             o->arg ? o->arg : "");
    fprintf(f, "  %-32s %s\n", left, _(o->help));
}

/* Print the help of one command, generated from its option table. */
static void print_command_help(FILE *f, const cli_command *c)
{
    fprintf(f, "%s : relais %s %s\n", _("Usage"), c->name, c->usage ? c->usage : "");
    fprintf(f, "\n%s\n", _(c->summary));
    if (c->description) {
        fprintf(f, "\n%s\n", _(c->description));
    }
    fprintf(f, "\n%s :\n", _("Options"));
    const cli_option *globals[] = {c->uses_db ? &global_db : NULL,
                                   c->has_json ? &global_json : NULL, &global_help};
    for (const cli_option *o = c->options; o && o->name; o++) {
        print_option(f, o);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(globals); i++) {
        if (globals[i]) {
            print_option(f, globals[i]);
        }
    }
}

static void print_main_help(FILE *f)
{
    fprintf(f, "%s\n\n", _("relais — hub de synchronisation des données administratives des "
                           "établissements scolaires"));
    fprintf(f, "%s : relais [--db CHEMIN] %s [options]\n\n", _("Usage"), _("COMMANDE"));
    fprintf(f, "%s :\n", _("Commandes"));
    for (size_t i = 0; cli_commands[i]; i++) {
        fprintf(f, "  %-20s %s\n", cli_commands[i]->name, _(cli_commands[i]->summary));
    }
    fprintf(f, "\n%s\n", _("« relais COMMANDE --help » décrit chaque commande."));
    fprintf(f, "%s\n", _("Codes de sortie : 0 succès ; 1 données en erreur (voir le rapport) ; "
                         "2 erreur d'utilisation ; 3 refusé ou échoué, rien n'a été écrit."));
}

/* Match argv words against command names, longest first ("import siecle" before "import"). */
static const cli_command *find_command(int argc, char **argv, int start, int *consumed)
{
    const cli_command *best = NULL;
    size_t best_words = 0;
    for (size_t i = 0; cli_commands[i]; i++) {
        const char *name = cli_commands[i]->name;
        int k = start;
        const char *p = name;
        size_t words = 0;
        bool ok = true;
        while (*p) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (k >= argc || strlen(argv[k]) != len || strncmp(argv[k], p, len) != 0) {
                ok = false;
                break;
            }
            k++;
            words++;
            p += len;
            while (*p == ' ') {
                p++;
            }
        }
        if (ok && words > best_words) {
            best = cli_commands[i];
            best_words = words;
        }
    }
    *consumed = (int)best_words;
    return best;
}

/* Parse the options of `cmd` from argv[first..argc). Returns 0 or an exit status. */
static int parse_options(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int first,
                         cli_args *args, bool *want_help)
{
    struct option longopts[CLI_MAX_OPTIONS + 4];
    char shortopts[CLI_MAX_OPTIONS * 2 + 8];
    size_t n = 0, ns = 0;
    memset(args, 0, sizeof *args);
    shortopts[ns++] = '+';
    shortopts[ns++] = ':';
    for (const cli_option *o = cmd->options; o && o->name; o++) {
        if (n >= CLI_MAX_OPTIONS) {
            break;
        }
        args->options[n] = o;
        longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                      (int)(256 + n)};
        if (o->short_name) {
            shortopts[ns++] = o->short_name;
            if (o->arg) {
                shortopts[ns++] = ':';
            }
        }
        n++;
    }
    args->n_options = n;
    size_t g = n;
    longopts[g++] = (struct option){"help", no_argument, NULL, 'h'};
    if (cmd->uses_db) {
        longopts[g++] = (struct option){"db", required_argument, NULL, 1000};
    }
    if (cmd->has_json) {
        longopts[g++] = (struct option){"json", no_argument, NULL, 1001};
    }
    longopts[g] = (struct option){NULL, 0, NULL, 0};
    shortopts[ns++] = 'h';
    shortopts[ns] = '\0';

    /* getopt works on a contiguous argv: build one with the program name first. */
    int sub_argc = argc - first + 1;
    char **sub_argv = util_calloc((size_t)sub_argc + 1, sizeof *sub_argv);
    if (sub_argv == NULL) {
        return CLI_EXIT_FAILED;
    }
    sub_argv[0] = argv[0];
    for (int i = first; i < argc; i++) {
        sub_argv[i - first + 1] = argv[i];
    }
    int status = 0;
    optind = 1;
    opterr = 0;
    /* Options and positional arguments may be mixed: collect positionals as we go. */
    for (;;) {
        int c = getopt_long(sub_argc, sub_argv, shortopts, longopts, NULL);
        if (c == -1) {
            if (optind < sub_argc) {
                if (args->n_pos >= CLI_MAX_POSITIONAL) {
                    status = cli_usage_error(ctx, "%s", _("trop d'arguments"));
                    break;
                }
                args->pos[args->n_pos++] = sub_argv[optind++];
                continue;
            }
            break;
        }
        if (c == 'h') {
            *want_help = true;
        } else if (c == 1000) {
            ctx->db_path = optarg;
        } else if (c == 1001) {
            ctx->json = true;
        } else if (c >= 256 && c < 256 + (int)n) {
            args->values[c - 256] = args->options[c - 256]->arg ? optarg : "1";
        } else if (c == '?' || c == ':') {
            const char *bad = sub_argv[optind - 1];
            status = cli_usage_error(ctx,
                                     c == ':' ? _("l'option %s demande une valeur")
                                              : _("option inconnue : %s"),
                                     bad);
            break;
        } else {
            /* A short option: find it. */
            for (size_t i = 0; i < n; i++) {
                if (args->options[i]->short_name == c) {
                    args->values[i] = args->options[i]->arg ? optarg : "1";
                }
            }
        }
    }
    util_free(sub_argv);
    return status;
}

int main(int argc, char **argv)
{
    util_i18n_init();
    cli_ctx ctx = {.out = stdout, .err = stderr};
    ctx.db_path = getenv("RELAIS_DB");
    if (ctx.db_path == NULL || ctx.db_path[0] == '\0') {
        ctx.db_path = "relais.db";
    }

    /* Global options before the command: --db PATH, --help, --version. */
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            ctx.db_path = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            ctx.db_path = argv[i] + 5;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_main_help(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("relais %s\n", RELAIS_VERSION);
            return CLI_EXIT_OK;
        } else {
            fprintf(stderr, "relais : %s : %s\n", _("option inconnue"), argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    int consumed = 0;
    const cli_command *cmd = find_command(argc, argv, i, &consumed);
    if (cmd == NULL) {
        fprintf(stderr, "relais : %s : %s\n", _("commande inconnue"), argv[i]);
        fprintf(stderr, "%s\n", _("« relais --help » liste les commandes."));
        return CLI_EXIT_USAGE;
    }
    ctx.command = cmd;
    cli_args args;
    bool want_help = false;
    int status = parse_options(&ctx, cmd, argc, argv, i + consumed, &args, &want_help);
    if (want_help) {
        print_command_help(stdout, cmd);
        return CLI_EXIT_OK;
    }
    if (status != 0) {
        fprintf(stderr, _("« relais %s --help » décrit les options.\n"), cmd->name);
        return status;
    }
    status = cmd->run(&ctx, &args);
    if (fflush(stdout) != 0 && status == CLI_EXIT_OK) {
        status = CLI_EXIT_FAILED;
    }
    return status;
}
