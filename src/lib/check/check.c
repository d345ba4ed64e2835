/*
 * check.c — running the rules on a scope and keeping their findings.
 */
#include "check_internal.h"

#include <stdarg.h>
#include <string.h>

#include "elegroupe/elegroupe.h"

typedef struct finding_list {
    check_finding *items;
    size_t n, cap;
} finding_list;

struct check_report {
    util_arena *arena;
    finding_list *by_rule; /* one list per rule, catalogue order */
    size_t n_rules;
    size_t n_scopes;
    size_t counts[3];
    /* Scope being checked (for findings). */
    const char *uai;
    int year;
};

int check_report_new(check_report **out)
{
    *out = NULL;
    check_report *r = util_calloc(1, sizeof *r);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    check_rules(&r->n_rules);
    r->by_rule = util_calloc(r->n_rules, sizeof *r->by_rule);
    int rc = r->by_rule ? util_arena_new(&r->arena, 256 * 1024) : RELAIS_ENOMEM;
    if (rc < 0) {
        check_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void check_report_free(check_report *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; r->by_rule && i < r->n_rules; i++) {
        util_free(r->by_rule[i].items);
    }
    util_free(r->by_rule);
    util_arena_free(r->arena);
    util_free(r);
}

int check_emit(check_ctx *c, const char *code, const relais_record *rec, const char *ids,
               const char *fmt, ...)
{
    check_report *r = c->report;
    size_t n_rules;
    const check_rule *rules = check_rules(&n_rules);
    const check_rule *rule = check_rule_find(code);
    if (rule == NULL) {
        relais_error_set("règle inconnue : %s", code);
        return RELAIS_EINVALID;
    }
    finding_list *list = &r->by_rule[rule - rules];
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        check_finding *items = util_realloc(list->items, cap * sizeof *items);
        if (items == NULL) {
            return RELAIS_ENOMEM;
        }
        list->items = items;
        list->cap = cap;
    }
    util_buf msg = UTIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    util_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    check_finding *f = &list->items[list->n];
    *f = (check_finding){
        .rule = rule,
        .uai = r->uai,
        .year = r->year,
        .kind = rec ? (int)rec->kind : -1,
        .entity_id = rec ? rec->id : 0,
        .label = rec ? util_arena_strdup(r->arena, relais_record_label(rec, c->scratch)) : NULL,
        .ids = ids ? util_arena_strdup(r->arena, ids) : NULL,
        .message = util_arena_strndup(r->arena, util_buf_cstr(&msg), msg.len),
    };
    bool failed = msg.failed || f->message == NULL;
    util_buf_free(&msg);
    if (failed) {
        return RELAIS_ENOMEM;
    }
    list->n++;
    r->counts[rule->severity]++;
    return 0;
}

/* Load the scope, set the context up, run `fn`, clean up. */
static int run_on_scope(check_report *r, relais_store *s, const relais_scope *scope,
                        const check_options *opts, int (*fn)(check_ctx *, const void *),
                        const void *arg)
{
    scope_snapshot snap;
    int rc = snapshot_load(&snap, s, scope);
    if (rc < 0) {
        return rc;
    }
    r->uai = util_arena_strdup(r->arena, scope->uai);
    r->year = scope->year;
    r->n_scopes++;
    check_ctx c = {.report = r, .snap = &snap, .opts = opts};
    util_date today;
    util_date_today(&today);
    util_date_iso(&today, c.today);
    rc = util_arena_new(&c.scratch, 64 * 1024);
    if (rc == 0) {
        rc = fn(&c, arg);
    }
    util_arena_free(c.scratch);
    snapshot_free(&snap);
    return rc;
}

static int all_families(check_ctx *c, const void *arg)
{
    (void)arg;
    /* In check_family order. */
    check_rule_fn families[CHECK_FAMILY_COUNT] = {check_rules_elegroupe, check_rules_sts,
                                                  check_rules_ent, check_rules_preflight,
                                                  check_rules_drift};
    unsigned wanted = c->opts && c->opts->families ? c->opts->families : ~0u;
    int rc = 0;
    for (size_t i = 0; i < CHECK_FAMILY_COUNT && rc == 0; i++) {
        if (wanted & (1u << i)) {
            rc = families[i](c);
            util_arena_reset(c->scratch);
        }
    }
    return rc;
}

typedef struct file_arg {
    const struct elegroupe_file *file;
    const struct elegroupe_violation *violations;
    size_t n_violations;
} file_arg;

static int elegroupe_only(check_ctx *c, const void *arg)
{
    const file_arg *fa = arg;
    int rc = 0;
    for (size_t i = 0; i < fa->n_violations && rc == 0; i++) {
        const elegroupe_violation *v = &fa->violations[i];
        char where[256];
        if (v->line) {
            snprintf(where, sizeof where, "%s:%lu%s%s", fa->file->name ? fa->file->name : "",
                     v->line, v->ids ? " " : "", v->ids ? v->ids : "");
        } else {
            snprintf(where, sizeof where, "%s%s%s", fa->file->name ? fa->file->name : "",
                     v->ids ? " " : "", v->ids ? v->ids : "");
        }
        rc = check_emit(c, "ELEGROUPE_FICHIER_INVALIDE", NULL, where, "%s : %s", v->element,
                        v->message);
    }
    return rc == 0 ? check_elegroupe_file(c, fa->file) : rc;
}

int check_run_scope(check_report *r, relais_store *s, const relais_scope *scope,
                    const check_options *opts)
{
    return run_on_scope(r, s, scope, opts, all_families, NULL);
}

int check_run_elegroupe_file(check_report *r, relais_store *s, const relais_scope *scope,
                             const struct elegroupe_file *file,
                             const struct elegroupe_violation *violations, size_t n_violations,
                             const check_options *opts)
{
    file_arg fa = {file, violations, n_violations};
    return run_on_scope(r, s, scope, opts, elegroupe_only, &fa);
}

size_t check_report_count(const check_report *r, relais_severity severity)
{
    return severity <= RELAIS_SEVERITY_ERROR ? r->counts[severity] : 0;
}

size_t check_report_rule_count(const check_report *r, const char *code)
{
    size_t n_rules;
    const check_rule *rules = check_rules(&n_rules);
    const check_rule *rule = check_rule_find(code);
    return rule ? r->by_rule[rule - rules].n : 0;
}

size_t check_report_n_scopes(const check_report *r)
{
    return r->n_scopes;
}

int check_report_foreach(check_report *r, check_finding_cb cb, void *payload)
{
    for (size_t i = 0; i < r->n_rules; i++) {
        for (size_t j = 0; j < r->by_rule[i].n; j++) {
            int rc = cb(&r->by_rule[i].items[j], payload);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- helpers */

bool check_is_legal_guardian(const relais_record *link)
{
    const char *niveau = link->text[RELAIS_STUDENT_GUARDIAN_NIVEAU_RESPONSABILITE];
    const char *legal = link->text[RELAIS_STUDENT_GUARDIAN_RESP_LEGAL];
    if (niveau) {
        return strcmp(niveau, "1") == 0;
    }
    return legal && (strcmp(legal, "1") == 0 || strcmp(legal, "2") == 0);
}

bool check_has_address(const relais_record *p)
{
    static const char *const fields[] = {"ligne1_adresse", "ligne2_adresse", "ligne3_adresse",
                                         "ligne4_adresse"};
    bool has_line = false;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(fields); i++) {
        int f = relais_field_index(p->kind, fields[i]);
        has_line = has_line || (f >= 0 && !util_str_empty(p->text[f]));
    }
    int cp = relais_field_index(p->kind, "code_postal");
    int ce = relais_field_index(p->kind, "commune_etrangere");
    bool has_place = (cp >= 0 && !util_str_empty(p->text[cp])) ||
                     (ce >= 0 && !util_str_empty(p->text[ce]));
    return has_line && has_place;
}
