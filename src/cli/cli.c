/*
 * cli.c — helpers shared by every command: option lookup, error reporting
 * with the documented exit statuses, year parsing.
 */
#include "cli.h"

#include <relais/store.h>

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

const char *cli_value(const cli_args *args, const char *name)
{
    for (size_t i = 0; i < args->n_options; i++) {
        if (strcmp(args->options[i]->name, name) == 0) {
            return args->values[i];
        }
    }
    return NULL;
}

bool cli_flag(const cli_args *args, const char *name)
{
    return cli_value(args, name) != NULL;
}

int cli_usage_error(cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("relais : ", ctx->err);
    vfprintf(ctx->err, fmt, ap);
    fputc('\n', ctx->err);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_fail(cli_ctx *ctx, int rc)
{
    const char *msg = relais_error_last();
    if (msg[0] == '\0') {
        msg = _("erreur inconnue");
    }
    fprintf(ctx->err, "relais : %s\n", msg);
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "error", relais_error_name(rc));
        util_json_kv_string(&j, "message", msg);
        util_json_object_end(&j);
        util_json_end(&j);
    }
    return CLI_EXIT_FAILED;
}

bool cli_parse_year(const char *s, int *year)
{
    int64_t y;
    size_t len = strlen(s);
    if (len == 9 && s[4] == '-') {
        int64_t y2;
        if (!util_parse_int64(s, 4, &y) || !util_parse_int64(s + 5, 4, &y2) || y2 != y + 1) {
            return false;
        }
    } else if (len != 4 || !util_parse_int64(s, 4, &y)) {
        return false;
    }
    if (y < 1990 || y > 2200) {
        return false;
    }
    *year = (int)y;
    return true;
}

bool cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO) == 1;
}

int cli_open_store(cli_ctx *ctx, relais_store **out, bool must_exist)
{
    int rc = relais_store_open(out, ctx->db_path, must_exist ? 0 : RELAIS_STORE_CREATE);
    if (rc < 0) {
        return rc;
    }
    return 0;
}

int cli_scope_year(cli_ctx *ctx, const cli_args *args, relais_store *s, int *year)
{
    const char *y = cli_value(args, "year");
    if (y) {
        if (!cli_parse_year(y, year)) {
            return cli_usage_error(ctx, _("année scolaire invalide : « %s » (ex. 2025 ou 2025-2026)"),
                                   y);
        }
        return 0;
    }
    int rc = relais_store_current_year(year, s);
    return rc < 0 ? cli_fail(ctx, rc) : 0;
}

int cli_open_hub(cli_ctx *ctx, const cli_args *args, relais_store **s, int *year)
{
    int rc = cli_open_store(ctx, s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    int status = cli_scope_year(ctx, args, *s, year);
    if (status != 0) {
        relais_store_close(*s);
        *s = NULL;
    }
    return status;
}

void cli_print_padded(FILE *f, const char *s, size_t width)
{
    fputs(s, f);
    for (size_t n = util_utf8_length(s); n < width; n++) {
        fputc(' ', f);
    }
}

const char *cli_run_status_label(const char *status)
{
    if (util_streq(status, "applied")) {
        return _("appliquée");
    }
    if (util_streq(status, "quarantined")) {
        return _("en quarantaine");
    }
    if (util_streq(status, "reverted")) {
        return _("annulée");
    }
    return status ? status : "";
}
