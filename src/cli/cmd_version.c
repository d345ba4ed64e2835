/*
 * cmd_version.c — `relais version` and `relais manpage` (the man page is
 * generated from the command table, so it never drifts from --help).
 */
#include "cli.h"

static int run_version(cli_ctx *ctx, cli_args *args)
{
    (void)args;
    fprintf(ctx->out, "relais %s\n", RELAIS_VERSION);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_version = {
    .name = "version",
    .summary = N_("afficher la version"),
    .usage = "",
    .run = run_version,
};

/* roff needs backslashes and leading dots/quotes escaped. */
static void roff(FILE *f, const char *s)
{
    bool line_start = true;
    for (; *s; s++) {
        if (*s == '\\') {
            fputs("\\e", f);
        } else if (line_start && (*s == '.' || *s == '\'')) {
            fputs("\\&", f);
            fputc(*s, f);
        } else if (*s == '-') {
            fputs("\\-", f);
        } else {
            fputc(*s, f);
        }
        line_start = *s == '\n';
    }
}

static int run_manpage(cli_ctx *ctx, cli_args *args)
{
    (void)args;
    FILE *f = ctx->out;
    fprintf(f, ".TH RELAIS 1 \"\" \"relais %s\" \"Commandes utilisateur\"\n", RELAIS_VERSION);
    fputs(".SH NOM\nrelais \\- ", f);
    roff(f, _("hub de synchronisation des données administratives des établissements scolaires"));
    fputs("\n.SH SYNOPSIS\n.B relais\n[\\-\\-db CHEMIN] COMMANDE [options]\n", f);
    fputs(".SH COMMANDES\n", f);
    for (size_t i = 0; cli_commands[i]; i++) {
        const cli_command *c = cli_commands[i];
        fprintf(f, ".SS \"relais %s ", c->name);
        roff(f, c->usage ? c->usage : "");
        fputs("\"\n", f);
        roff(f, _(c->summary));
        fputc('\n', f);
        if (c->description) {
            fputs(".PP\n", f);
            roff(f, _(c->description));
            fputc('\n', f);
        }
        for (const cli_option *o = c->options; o && o->name; o++) {
            fputs(".TP\n.B \\-\\-", f);
            roff(f, o->name);
            if (o->arg) {
                fputs(" \\fI", f);
                roff(f, o->arg);
                fputs("\\fR", f);
            }
            fputc('\n', f);
            roff(f, _(o->help));
            fputc('\n', f);
        }
    }
    fputs(".SH \"CODES DE SORTIE\"\n", f);
    roff(f, _("0 succès ; 1 la commande a abouti mais les données ont des erreurs que le rapport "
              "liste ; 2 erreur d'utilisation ; 3 refusé ou échoué, rien n'a été écrit."));
    fputs("\n.SH ENVIRONNEMENT\n.TP\n.B RELAIS_DB\n", f);
    roff(f, _("base du hub quand --db n'est pas donné (défaut ./relais.db)."));
    fputs("\n.TP\n.B LANG\n", f);
    roff(f, _("les messages sont en français ; en anglais quand LANG commence par « en »."));
    fputc('\n', f);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_manpage = {
    .name = "manpage",
    .summary = N_("écrire la page de manuel (roff) sur la sortie standard"),
    .usage = "",
    .run = run_manpage,
};
