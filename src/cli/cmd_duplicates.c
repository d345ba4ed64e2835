/*
 * cmd_duplicates.c — `relais duplicates [--uai UAI] [--json]`: guardians
 * recorded twice in the hub (one parent under two PERSONNE_IDs), listed as
 * proposals with their score and reasons. Nothing is merged: the fix belongs
 * in SIECLE, where the duplicate was made.
 */
#include "cli.h"

#include <relais/store.h>

#include <string.h>

#include "match/match.h"

static const cli_option duplicates_options[] = {
    {"uai", 'u', "UAI", N_("un seul établissement")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {NULL, 0, NULL, NULL},
};

static void json_person(util_json *j, const match_person *p)
{
    util_json_object_begin(j);
    util_json_kv_int(j, "relais_id", p->relais_id);
    util_json_kv_string(j, "siecle_id", p->id);
    util_json_kv_string(j, "nom", p->nom);
    util_json_kv_string(j, "nom_usage", p->nom_usage);
    util_json_kv_string(j, "prenom", p->prenoms);
    util_json_kv_string(j, "date_naissance", p->date_naissance);
    util_json_object_end(j);
}

static void text_person(FILE *f, const match_person *p)
{
    fprintf(f, "%s %s",
            p->nom_usage ? p->nom_usage
            : p->nom     ? p->nom
                         : "",
            p->prenoms ? p->prenoms : "");
    if (p->nom_usage && p->nom && strcmp(p->nom, p->nom_usage) != 0) {
        fprintf(f, " (%s %s)", _("né(e)"), p->nom);
    }
    fprintf(f, " [PERSONNE_ID %s, n°%lld]", p->id ? p->id : "", (long long)p->relais_id);
}

static int run_duplicates(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos) {
        return cli_usage_error(ctx, _("argument inattendu : « %s »"), args->pos[0]);
    }
    relais_store *s = NULL;
    int year;
    int status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    match_list *hub = NULL;
    match_dup *d = NULL;
    size_t n = 0;
    rc = match_hub_load(&hub, s, year, cli_value(args, "uai"));
    if (rc == 0) {
        rc = match_duplicates(&d, &n, hub, NULL);
    }
    if (rc < 0) {
        match_list_free(hub);
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_int(&j, "year", year);
        util_json_key(&j, "duplicates");
        util_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            const match_person *a = &hub->persons[d[i].a], *b = &hub->persons[d[i].b];
            util_json_object_begin(&j);
            util_json_kv_string(&j, "uai", hub->estabs[a->estab].uai);
            util_json_kv_string(&j, "category", match_category_name(MATCH_GUARDIAN));
            util_json_key(&j, "score");
            util_json_double(&j, d[i].score, 1);
            util_json_key(&j, "reasons");
            util_json_array_begin(&j);
            for (unsigned bit = 0; bit < MATCH_N_REASONS; bit++) {
                if (d[i].reasons & MATCH_R(bit)) {
                    util_json_string(&j, match_reason_code(bit));
                }
            }
            util_json_array_end(&j);
            util_json_key(&j, "persons");
            util_json_array_begin(&j);
            json_person(&j, a);
            json_person(&j, b);
            util_json_array_end(&j);
            util_json_object_end(&j);
        }
        util_json_array_end(&j);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        FILE *f = ctx->out;
        fprintf(f, _("Responsables probablement enregistrés deux fois — %d-%d\n"), year, year + 1);
        fprintf(f, "%s\n", _("(propositions : rien n'est fusionné ; corrigez dans SIECLE)"));
        if (n == 0) {
            fprintf(f, "\n%s\n", _("Aucun doublon probable."));
        }
        for (size_t i = 0; i < n; i++) {
            const match_person *a = &hub->persons[d[i].a], *b = &hub->persons[d[i].b];
            fprintf(f, "\n%zu. %s — %s %.1f\n   ", i + 1, hub->estabs[a->estab].uai, _("score"),
                    d[i].score);
            text_person(f, a);
            fputs("\n   ", f);
            text_person(f, b);
            fprintf(f, "\n   %s : ", _("raisons"));
            bool first = true;
            for (unsigned bit = 0; bit < MATCH_N_REASONS; bit++) {
                match_reasons m = MATCH_R(bit);
                if ((d[i].reasons & m) && m != MATCH_R_SEX_AGREES) {
                    fprintf(f, "%s%s", first ? "" : ", ", match_reason_label(bit));
                    first = false;
                }
            }
            fputc('\n', f);
        }
    }
    util_free(d);
    match_list_free(hub);
    relais_store_close(s);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_duplicates = {
    .name = "duplicates",
    .summary = N_("responsables probablement enregistrés deux fois dans le hub (propositions)"),
    .usage = "[--uai UAI] [--json]",
    .description = N_("Compare les responsables de chaque établissement entre eux (noms, prénoms, "
                      "date de naissance, enfants, adresse, téléphone, courriel) et propose les "
                      "paires qui semblent être une même personne. Rien n'est fusionné."),
    .options = duplicates_options,
    .has_json = true,
    .uses_db = true,
    .run = run_duplicates,
};
