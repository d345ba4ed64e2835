/*
 * cmd_status.c — `relais status [--uai UAI] [--year AAAA] [--json]`: per
 * establishment and category, active and inactive counts, and the last run.
 */
#include "cli.h"

#include <relais/store.h>

#include <string.h>

static const cli_option status_options[] = {
    {"uai", 'u', "UAI", N_("un seul établissement")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {NULL, 0, NULL, NULL},
};

/* Order of the human report: people first, then structures, then the rest. */
static const relais_kind display_order[RELAIS_KIND_COUNT] = {
    RELAIS_KIND_STUDENT,        RELAIS_KIND_GUARDIAN,        RELAIS_KIND_STUDENT_GUARDIAN,
    RELAIS_KIND_STAFF,          RELAIS_KIND_DIVISION,        RELAIS_KIND_GROUP,
    RELAIS_KIND_GROUP_DIVISION, RELAIS_KIND_ENROLMENT,       RELAIS_KIND_STUDENT_OPTION,
    RELAIS_KIND_SUBJECT,        RELAIS_KIND_MEF,             RELAIS_KIND_NOMENCLATURE,
    RELAIS_KIND_PROGRAMME,      RELAIS_KIND_MANDATORY_OPTION, RELAIS_KIND_STAFF_DISCIPLINE,
    RELAIS_KIND_SERVICE,        RELAIS_KIND_SERVICE_TEACHER, RELAIS_KIND_COURSE,
    RELAIS_KIND_XREF,           RELAIS_KIND_XREF_REJECTION,
};

/* Kinds always shown, even at zero, in the human report. */
static bool is_main_kind(relais_kind k)
{
    return k == RELAIS_KIND_STUDENT || k == RELAIS_KIND_GUARDIAN || k == RELAIS_KIND_DIVISION ||
           k == RELAIS_KIND_GROUP || k == RELAIS_KIND_STAFF;
}

typedef struct status_state {
    cli_ctx *ctx;
    relais_store *s;
    int year;
    const char *only_uai;
    util_json *j;
    util_arena *arena;
    size_t n_shown;
    int rc;
} status_state;

static void json_run(util_json *j, const relais_run *r)
{
    util_json_object_begin(j);
    util_json_kv_int(j, "id", r->id);
    util_json_kv_string(j, "command", r->command);
    util_json_kv_string(j, "status", r->status);
    util_json_kv_string(j, "started_at", r->started_at);
    util_json_kv_string(j, "finished_at", r->finished_at);
    util_json_object_end(j);
}

static int show_establishment(const relais_establishment *e, void *payload)
{
    status_state *st = payload;
    if (st->only_uai && strcmp(st->only_uai, e->uai) != 0) {
        return 0;
    }
    st->n_shown++;
    util_arena_reset(st->arena);
    relais_scope *scope = NULL;
    int rc = relais_store_scope_find(&scope, st->s, st->arena, e->uai, st->year);
    if (rc < 0 && rc != RELAIS_ENOTFOUND) {
        return rc;
    }
    relais_run *run = NULL;
    if (scope) {
        rc = relais_store_run_last(&run, st->s, st->arena, scope->id);
        if (rc < 0 && rc != RELAIS_ENOTFOUND) {
            return rc;
        }
    }
    FILE *f = st->ctx->out;
    util_json *j = st->j;
    if (j) {
        util_json_object_begin(j);
        util_json_kv_string(j, "uai", e->uai);
        util_json_kv_string(j, "name", e->name);
        util_json_kv_int(j, "year", st->year);
        util_json_key(j, "categories");
        util_json_object_begin(j);
    } else {
        fprintf(f, "\n%s%s%s — %d-%d\n", e->uai, e->name ? " " : "", e->name ? e->name : "",
                st->year, st->year + 1);
        if (scope == NULL) {
            fprintf(f, "  %s\n", _("aucune donnée pour cette année"));
            return 0;
        }
    }
    for (int i = 0; i < RELAIS_KIND_COUNT && scope; i++) {
        relais_kind k = j ? (relais_kind)i : display_order[i];
        size_t active = 0, inactive = 0;
        rc = relais_store_record_count(&active, &inactive, st->s, k, scope->id);
        if (rc < 0) {
            return rc;
        }
        const relais_kind_info *ki = relais_kind_get(k);
        if (j) {
            util_json_key(j, ki->name);
            util_json_object_begin(j);
            util_json_kv_int(j, "active", (int64_t)active);
            util_json_kv_int(j, "inactive", (int64_t)inactive);
            util_json_object_end(j);
        } else if (active || inactive || is_main_kind(k)) {
            fputs("  ", f);
            cli_print_padded(f, _(ki->label), 34);
            fprintf(f, " %8zu %s", active, _("actifs"));
            if (inactive) {
                fprintf(f, ", %zu %s", inactive, _("désactivés"));
            }
            fputc('\n', f);
        }
    }
    if (j) {
        util_json_object_end(j);
        util_json_key(j, "last_run");
        if (run) {
            json_run(j, run);
        } else {
            util_json_null(j);
        }
        util_json_object_end(j);
    } else if (run) {
        char when[32];
        util_timestamp_display(run->finished_at ? run->finished_at : run->started_at, when);
        fprintf(f, "  %s : n°%lld « %s » (%s), %s\n", _("Dernière exécution"), (long long)run->id,
                run->command, cli_run_status_label(run->status), when);
    } else {
        fprintf(f, "  %s\n", _("Aucune exécution pour cette année."));
    }
    return 0;
}

static int run_status(cli_ctx *ctx, cli_args *args)
{
    relais_store *s = NULL;
    int year;
    int status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    status_state st = {.ctx = ctx, .s = s, .only_uai = cli_value(args, "uai"), .year = year};
    int rc = 0;
    char uai[9];
    if (st.only_uai) {
        util_arena *tmp;
        relais_establishment *e;
        rc = util_arena_new(&tmp, 512);
        if (rc == 0) {
            rc = relais_store_establishment_find(&e, s, tmp, st.only_uai);
            if (rc == 0) {
                snprintf(uai, sizeof uai, "%s", e->uai);
                st.only_uai = uai;
            }
            util_arena_free(tmp);
        }
        if (rc < 0) {
            relais_store_close(s);
            return cli_fail(ctx, rc);
        }
    }
    rc = util_arena_new(&st.arena, 4096);
    util_json j;
    if (rc == 0 && ctx->json) {
        st.j = &j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "database", ctx->db_path);
        util_json_kv_int(&j, "schema_version", relais_store_schema_version(s));
        util_json_kv_int(&j, "year", st.year);
        util_json_key(&j, "establishments");
        util_json_array_begin(&j);
    } else if (rc == 0) {
        size_t n = 0;
        rc = relais_store_establishment_count(&n, s);
        fprintf(ctx->out, _("Hub %s (schéma v%d) — année %d-%d — %zu établissement(s)\n"),
                ctx->db_path, relais_store_schema_version(s), st.year, st.year + 1, n);
    }
    if (rc == 0) {
        rc = relais_store_begin_read(s);
        if (rc == 0) {
            rc = relais_store_establishment_foreach(s, show_establishment, &st);
            relais_store_end_read(s);
        }
    }
    if (st.j) {
        util_json_array_end(&j);
        util_json_object_end(&j);
        util_json_end(&j);
    } else if (rc == 0 && st.n_shown == 0) {
        fprintf(ctx->out, "%s\n", _("Aucun établissement : importez un export SIECLE "
                                    "(relais import siecle)."));
    }
    util_arena_free(st.arena);
    relais_store_close(s);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_status = {
    .name = "status",
    .summary = N_("état du hub : effectifs actifs et désactivés par établissement, dernière "
                  "exécution"),
    .usage = "[--uai UAI] [--year AAAA] [--json]",
    .options = status_options,
    .has_json = true,
    .uses_db = true,
    .run = run_status,
};
