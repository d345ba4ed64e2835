/*
 * html.c — the check report as one self-contained HTML page: counts at the
 * top, one section per family and rule (what it checks, why, how to fix), one
 * sortable table of findings per rule. Styles and script are embedded in the
 * binary (web/check-report.css, web/check-report.js) and inlined in the page,
 * so the file can be mailed or opened offline.
 */
#include "check_internal.h"

#include <string.h>

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

static const char *severity_class(relais_severity s)
{
    return s == RELAIS_SEVERITY_ERROR ? "error" : s == RELAIS_SEVERITY_WARNING ? "warning" : "info";
}

static const char *severity_word(relais_severity s)
{
    return s == RELAIS_SEVERITY_ERROR     ? _("erreur")
           : s == RELAIS_SEVERITY_WARNING ? _("avertissement")
                                          : _("information");
}

typedef struct html_ctx {
    FILE *f;
    const check_rule *rule; /* rule whose rows are being written */
} html_ctx;

static int row(const check_finding *fd, void *payload)
{
    html_ctx *h = payload;
    if (fd->rule != h->rule) {
        return 0;
    }
    FILE *f = h->f;
    fputs("<tr><td>", f);
    esc(f, fd->uai);
    fputs("</td><td>", f);
    esc(f, fd->label ? fd->label : "—");
    fputs("</td><td>", f);
    esc(f, fd->ids ? fd->ids : "");
    fputs("</td><td>", f);
    esc(f, fd->message);
    fputs("</td></tr>\n", f);
    return 0;
}

static void inline_asset(FILE *f, const char *path)
{
    size_t size = 0;
    const unsigned char *data = util_embedded(path, &size);
    if (data) {
        fwrite(data, 1, size, f);
    }
}

int check_report_html(check_report *r, FILE *f, const char *title)
{
    char now[21], when[32];
    util_now_iso(now);
    util_timestamp_display(now, when);
    fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", f);
    esc(f, title);
    fputs("</title>\n<style>\n", f);
    inline_asset(f, "web/check-report.css");
    fputs("</style>\n</head>\n<body>\n<h1>", f);
    esc(f, title);
    fprintf(f, "</h1>\n<p class=\"meta\">%s %s — %zu %s</p>\n", _("Contrôles du"), when,
            check_report_n_scopes(r), _("établissement(s)"));
    fputs("<div class=\"counts\">\n", f);
    const relais_severity order[] = {RELAIS_SEVERITY_ERROR, RELAIS_SEVERITY_WARNING,
                                     RELAIS_SEVERITY_INFO};
    const char *names[] = {_("erreurs"), _("avertissements"), _("informations")};
    for (size_t i = 0; i < 3; i++) {
        fprintf(f, "<div class=\"count %s\" id=\"count-%s\"><strong>%zu</strong>%s</div>\n",
                severity_class(order[i]), severity_class(order[i]),
                check_report_count(r, order[i]), names[i]);
    }
    fputs("</div>\n", f);
    size_t n_rules;
    const check_rule *rules = check_rules(&n_rules);
    html_ctx h = {.f = f};
    for (int fam = 0; fam < CHECK_FAMILY_COUNT; fam++) {
        fprintf(f, "<section class=\"family\" id=\"%s\">\n<h2>",
                check_family_name((check_family)fam));
        esc(f, check_family_title((check_family)fam));
        fputs("</h2>\n", f);
        for (size_t i = 0; i < n_rules; i++) {
            const check_rule *rule = &rules[i];
            if ((int)rule->family != fam) {
                continue;
            }
            size_t n = check_report_rule_count(r, rule->code);
            fprintf(f, "<section class=\"rule\" id=\"%s\" data-count=\"%zu\">\n<h3>", rule->code,
                    n);
            fprintf(f, "<span class=\"badge %s\">%s</span>", severity_class(rule->severity),
                    severity_word(rule->severity));
            esc(f, _(rule->title));
            fprintf(f, " <code>%s</code> (%zu)</h3>\n<p class=\"explain\">", rule->code, n);
            esc(f, _(rule->what));
            fputs(" ", f);
            esc(f, _(rule->why));
            fputs(" <em>", f);
            esc(f, _(rule->fix));
            fputs("</em></p>\n", f);
            if (n == 0) {
                fprintf(f, "<p class=\"none\">%s</p>\n", _("Aucun cas."));
            } else {
                fprintf(f,
                        "<table class=\"sortable\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                        "<th>%s</th></tr></thead>\n<tbody>\n",
                        _("Établissement"), _("Enregistrement"), _("Identifiants"), _("Détail"));
                h.rule = rule;
                check_report_foreach(r, row, &h);
                fputs("</tbody></table>\n", f);
            }
            fputs("</section>\n", f);
        }
        fputs("</section>\n", f);
    }
    fprintf(f, "<footer>relais %s — %s</footer>\n<script>\n", RELAIS_VERSION,
            _("rapport autonome : il peut être enregistré ou envoyé tel quel."));
    inline_asset(f, "web/check-report.js");
    fputs("</script>\n</body>\n</html>\n", f);
    return ferror(f) ? RELAIS_EIO : 0;
}
