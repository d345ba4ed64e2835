/*
 * cmd_org.c — organisations and their sync keys:
 *   relais org add ORG --uai UAI[,UAI…]
 *   relais org list [ORG]
 *   relais org pulls ORG [--limit N]
 *   relais org set ORG [--uai …] [--categories …] [--max-uais N] [--up-to-date 204|200]
 *                      [--etab UAI,…] [--sync on|off] [--billing on|off]
 *   relais keys new|rotate|revoke|list --org ORG
 * A key is printed once, when made (with --json: {"org": …, "key": …}).
 */
#include "cli.h"

#include <relais/store.h>

#include <string.h>

#include "org/org.h"

/* ---------------------------------------------------------------- helpers */

static int find_org(cli_ctx *ctx, relais_organisation **org, relais_store *s, util_arena *a,
                    const char *name)
{
    int rc = relais_store_org_find(org, s, a, name);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    return 0;
}

/* The organisation named by the single positional argument. */
static int org_arg(cli_ctx *ctx, const cli_args *args, const char **name)
{
    if (args->n_pos != 1) {
        return cli_usage_error(ctx, "%s", _("nom d'organisation attendu (un seul)"));
    }
    *name = args->pos[0];
    return 0;
}

static int parse_switch(cli_ctx *ctx, const char *opt, const char *v, int *out)
{
    *out = -1;
    if (v == NULL) {
        return 0;
    }
    if (strcmp(v, "on") == 0 || strcmp(v, "oui") == 0) {
        *out = 1;
    } else if (strcmp(v, "off") == 0 || strcmp(v, "non") == 0) {
        *out = 0;
    } else {
        return cli_usage_error(ctx, _("--%s : on ou off attendu"), opt);
    }
    return 0;
}

static const char *yes_no(bool v)
{
    return v ? _("oui") : _("non");
}

/* ------------------------------------------------------------------ org add */

static const cli_option org_add_options[] = {
    {"uai", 'u', "UAI[,UAI…]", N_("établissements de l'organisation (déjà présents dans le hub)")},
    {NULL, 0, NULL, NULL},
};

static int run_org_add(cli_ctx *ctx, cli_args *args)
{
    const char *name = NULL;
    int status = org_arg(ctx, args, &name);
    if (status) {
        return status;
    }
    const char *list = cli_value(args, "uai");
    if (list == NULL) {
        return cli_usage_error(ctx, "%s", _("--uai est obligatoire"));
    }
    char uais[ORG_MAX_UAIS][9];
    size_t n = 0;
    if (org_parse_uais(uais, &n, list, ',', ORG_MAX_UAIS) < 0) {
        return cli_usage_error(ctx, "--uai : %s", relais_error_last());
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    int64_t id = 0;
    if (rc == 0) {
        rc = org_add(&id, s, name, uais, n);
    }
    relais_store_close(s);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "org", name);
        util_json_kv_int(&j, "id", id);
        util_json_key(&j, "uais");
        util_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            util_json_string(&j, uais[i]);
        }
        util_json_array_end(&j);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        fprintf(ctx->out, _("Organisation « %s » créée avec %zu établissement(s).\n"), name, n);
        fprintf(ctx->out, "%s\n", _("Créez sa clé de synchronisation : relais keys new --org NOM"));
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_org_add = {
    .name = "org add",
    .summary = N_("créer une organisation (OGEC, réseau) regroupant des établissements"),
    .usage = "ORG --uai UAI[,UAI…]",
    .options = org_add_options,
    .has_json = true,
    .uses_db = true,
    .run = run_org_add,
};

/* ----------------------------------------------------------------- org list */

typedef struct list_state {
    cli_ctx *ctx;
    relais_store *s;
    util_json *j;
    const char *only;
    size_t n;
    int rc;
} list_state;

static int count_key(const relais_sync_key *k, void *payload)
{
    (void)k;
    (*(size_t *)payload)++;
    return 0;
}

static int etab_json(const relais_establishment *e, void *payload)
{
    util_json *j = payload;
    util_json_object_begin(j);
    util_json_kv_string(j, "uai", e->uai);
    util_json_kv_string(j, "name", e->name);
    util_json_kv_bool(j, "billing", e->billing_enabled);
    util_json_kv_bool(j, "sync", e->sync_enabled);
    util_json_kv_string(j, "last_sync_at", e->last_sync_at);
    util_json_object_end(j);
    return 0;
}

static int etab_text(const relais_establishment *e, void *payload)
{
    FILE *f = payload;
    char when[32] = "—";
    if (e->last_sync_at) {
        util_timestamp_display(e->last_sync_at, when);
    }
    fprintf(f, "  %-9s ", e->uai);
    cli_print_padded(f, e->name ? e->name : "", 34);
    fputc(' ', f);
    cli_print_padded(f, yes_no(e->billing_enabled), 12);
    fputc(' ', f);
    cli_print_padded(f, yes_no(e->sync_enabled), 16);
    fprintf(f, " %s\n", when);
    return 0;
}

static int show_org(const relais_organisation *o, void *payload)
{
    list_state *st = payload;
    if (st->only && strcmp(st->only, o->name) != 0) {
        return 0;
    }
    st->n++;
    size_t n_keys = 0;
    int rc = relais_store_key_foreach(st->s, o->id, true, count_key, &n_keys);
    if (rc < 0) {
        return rc;
    }
    unsigned mask = 0;
    (void)org_categories_parse(&mask, o->categories);
    if (st->j) {
        util_json *j = st->j;
        util_json_object_begin(j);
        util_json_kv_string(j, "org", o->name);
        util_json_kv_int(j, "id", o->id);
        util_json_key(j, "categories");
        util_json_array_begin(j);
        for (int c = 0; c < ORG_CAT_COUNT; c++) {
            if (mask & ORG_CAT_BIT(c)) {
                util_json_string(j, org_category_name((org_category)c));
            }
        }
        util_json_array_end(j);
        util_json_kv_int(j, "max_uais", o->max_uais);
        util_json_kv_int(j, "up_to_date_status", o->up_to_date_status);
        util_json_kv_string(j, "partner", o->partner ? o->partner : o->name);
        util_json_kv_int(j, "valid_keys", (int64_t)n_keys);
        util_json_key(j, "establishments");
        util_json_array_begin(j);
        rc = relais_store_org_establishments(st->s, o->id, etab_json, j);
        util_json_array_end(j);
        util_json_object_end(j);
        return rc;
    }
    FILE *f = st->ctx->out;
    fprintf(f, _("%s — %zu clé(s) valide(s), %d établissement(s) au plus par URL, « à jour » : %d\n"),
            o->name, n_keys, o->max_uais, o->up_to_date_status);
    fprintf(f, "  %s : ", _("Catégories"));
    if (mask == ORG_CAT_ALL) {
        fputs(_("toutes"), f);
    } else if (mask == 0) {
        fputs(_("aucune"), f);
    } else {
        bool first = true;
        for (int c = 0; c < ORG_CAT_COUNT; c++) {
            if (mask & ORG_CAT_BIT(c)) {
                fprintf(f, "%s%s", first ? "" : ", ", org_category_label((org_category)c));
                first = false;
            }
        }
    }
    fputc('\n', f);
    fprintf(f, "  %-9s ", "UAI");
    cli_print_padded(f, _("Nom"), 34);
    fputc(' ', f);
    cli_print_padded(f, _("Facturation"), 12);
    fputc(' ', f);
    cli_print_padded(f, _("Synchronisation"), 16);
    fprintf(f, " %s\n", _("Dernière synchro"));
    return relais_store_org_establishments(st->s, o->id, etab_text, f);
}

static int run_org_list(cli_ctx *ctx, cli_args *args)
{
    if (args->n_pos > 1) {
        return cli_usage_error(ctx, "%s", _("une seule organisation à la fois"));
    }
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    util_json j;
    list_state st = {.ctx = ctx, .s = s, .only = args->n_pos ? args->pos[0] : NULL};
    if (ctx->json) {
        util_json_init_file(&j, ctx->out, true);
        util_json_array_begin(&j);
        st.j = &j;
    }
    rc = relais_store_org_foreach(s, show_org, &st);
    if (ctx->json) {
        util_json_array_end(&j);
        util_json_end(&j);
    } else if (rc == 0 && st.n == 0) {
        fprintf(ctx->out, "%s\n", _("Aucune organisation : relais org add ORG --uai UAI"));
    }
    if (rc == 0 && st.only && st.n == 0) {
        relais_error_set(_("organisation « %s » inconnue"), st.only);
        rc = RELAIS_ENOTFOUND;
    }
    relais_store_close(s);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_org_list = {
    .name = "org list",
    .summary = N_("lister les organisations, leurs établissements et leurs réglages"),
    .usage = "[ORG]",
    .has_json = true,
    .uses_db = true,
    .run = run_org_list,
};

/* ------------------------------------------------------------------ org set */

static const cli_option org_set_options[] = {
    {"uai", 'u', "UAI[,UAI…]", N_("remplacer la liste des établissements de l'organisation")},
    {"categories", 'c', "LISTE",
     N_("catégories du flux : all, none, ou parmi civilite, provenance, niveau, classe, "
        "lien_parente, regime, matiere, periscolaire, profession, statut, mef")},
    {"max-uais", 0, "N", N_("établissements par URL : 1 à 3, jusqu'à 6 si le partenaire l'accepte")},
    {"partner", 0, "NOM",
     N_("application partenaire dont le fichier de rapprochement sert les identifiants (relais "
        "match --partner NOM ; défaut : le nom de l'organisation)")},
    {"up-to-date", 0, "204|200",
     N_("réponse « à jour » : 204 sans corps (défaut), ou 200 avec un statut explicite")},
    {"etab", 'e', "UAI[,UAI…]",
     N_("établissements visés par --sync et --billing (défaut : tous ceux de l'organisation)")},
    {"sync", 0, "on|off", N_("synchronisation des établissements visés")},
    {"billing", 0, "on|off", N_("facturation des établissements visés")},
    {NULL, 0, NULL, NULL},
};

typedef struct switch_ctx {
    relais_store *s;
    char (*only)[9];
    size_t n_only;
    int sync, billing;
    size_t n;
} switch_ctx;

static int set_switches(const relais_establishment *e, void *payload)
{
    switch_ctx *c = payload;
    bool wanted = c->n_only == 0;
    for (size_t i = 0; i < c->n_only && !wanted; i++) {
        wanted = strcmp(c->only[i], e->uai) == 0;
    }
    if (!wanted) {
        return 0;
    }
    c->n++;
    return relais_store_establishment_set_switches(c->s, e->id, c->sync, c->billing);
}

static int run_org_set(cli_ctx *ctx, cli_args *args)
{
    const char *name = NULL;
    int status = org_arg(ctx, args, &name);
    if (status) {
        return status;
    }
    char uais[ORG_MAX_UAIS][9], etabs[ORG_MAX_UAIS][9];
    size_t n_uais = 0, n_etabs = 0;
    const char *v;
    if ((v = cli_value(args, "uai")) && org_parse_uais(uais, &n_uais, v, ',', ORG_MAX_UAIS) < 0) {
        return cli_usage_error(ctx, "--uai : %s", relais_error_last());
    }
    if ((v = cli_value(args, "etab")) &&
        org_parse_uais(etabs, &n_etabs, v, ',', ORG_MAX_UAIS) < 0) {
        return cli_usage_error(ctx, "--etab : %s", relais_error_last());
    }
    unsigned mask = 0;
    if ((v = cli_value(args, "categories")) && org_categories_parse(&mask, v) < 0) {
        return cli_usage_error(ctx, "--categories : %s", relais_error_last());
    }
    int64_t max_uais = 0, up = 0;
    if ((v = cli_value(args, "max-uais")) &&
        (!util_parse_int64(v, strlen(v), &max_uais) || max_uais < 1 || max_uais > ORG_MAX_UAIS)) {
        return cli_usage_error(ctx, "%s", _("--max-uais : nombre de 1 à 6 attendu"));
    }
    if ((v = cli_value(args, "up-to-date")) &&
        (!util_parse_int64(v, strlen(v), &up) || (up != 200 && up != 204))) {
        return cli_usage_error(ctx, "%s", _("--up-to-date : 204 ou 200 attendu"));
    }
    int sync, billing;
    if ((status = parse_switch(ctx, "sync", cli_value(args, "sync"), &sync)) ||
        (status = parse_switch(ctx, "billing", cli_value(args, "billing"), &billing))) {
        return status;
    }
    if (n_etabs && sync < 0 && billing < 0) {
        return cli_usage_error(ctx, "%s", _("--etab s'emploie avec --sync ou --billing"));
    }
    relais_store *s = NULL;
    util_arena *a = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = util_arena_new(&a, 1024);
    }
    relais_organisation *org = NULL;
    if (rc == 0) {
        rc = relais_store_org_find(&org, s, a, name);
    }
    if (rc == 0 && n_uais) {
        rc = org_set_establishments(s, org->id, uais, n_uais);
    }
    bool began = false;
    if (rc == 0) {
        rc = relais_store_begin(s);
        began = rc == 0;
    }
    const char *partner = cli_value(args, "partner");
    if (rc == 0 && (cli_value(args, "categories") || max_uais || up || partner)) {
        char cats[256];
        rc = cli_value(args, "categories") ? org_categories_format(cats, sizeof cats, mask) : 0;
        relais_organisation o = *org;
        if (cli_value(args, "categories")) {
            o.categories = cats;
        }
        if (max_uais) {
            o.max_uais = (int)max_uais;
        }
        if (up) {
            o.up_to_date_status = (int)up;
        }
        if (partner) {
            o.partner = partner[0] ? partner : NULL;
        }
        if (rc == 0) {
            rc = relais_store_org_update(s, &o);
        }
    }
    switch_ctx sc = {.s = s, .only = etabs, .n_only = n_etabs, .sync = sync, .billing = billing};
    if (rc == 0 && (sync >= 0 || billing >= 0)) {
        rc = relais_store_org_establishments(s, org->id, set_switches, &sc);
        if (rc == 0 && sc.n < n_etabs) {
            relais_error_set(_("--etab : un établissement n'appartient pas à « %s »"), name);
            rc = RELAIS_EINVALID;
        }
    }
    if (rc == 0) {
        rc = relais_store_commit(s);
        began = false;
    }
    if (began) {
        relais_store_rollback(s);
    }
    relais_store_close(s);
    util_arena_free(a);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "org", name);
        util_json_kv_bool(&j, "updated", true);
        util_json_object_end(&j);
        util_json_end(&j);
    } else {
        fprintf(ctx->out, _("Organisation « %s » mise à jour.\n"), name);
        if (cli_value(args, "categories")) {
            fprintf(ctx->out, "%s\n", _("Les partenaires recevront une nouvelle image complète "
                                        "avec ces catégories."));
        }
    }
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_org_set = {
    .name = "org set",
    .summary = N_("régler une organisation et la synchronisation de ses établissements"),
    .usage = "ORG [options]",
    .options = org_set_options,
    .has_json = true,
    .uses_db = true,
    .run = run_org_set,
};

/* --------------------------------------------------------------------- keys */

static const cli_option keys_options[] = {
    {"org", 'o', "ORG", N_("l'organisation")},
    {"id", 0, "N", N_("la clé visée (rotate, revoke ; défaut : la seule clé valide, ou toutes)")},
    {NULL, 0, NULL, NULL},
};

static const cli_option keys_list_options[] = {
    {"org", 'o', "ORG", N_("l'organisation")},
    {NULL, 0, NULL, NULL},
};

typedef struct keys_cmd {
    relais_store *s;
    util_arena *a;
    relais_organisation *org;
    int64_t id;
} keys_cmd;

/* Common start of the keys commands: --org (required), --id, the store. Returns 0 or a status. */
static int keys_open(cli_ctx *ctx, cli_args *args, keys_cmd *k)
{
    memset(k, 0, sizeof *k);
    if (args->n_pos > 0) {
        return cli_usage_error(ctx, _("argument inattendu : %s"), args->pos[0]);
    }
    const char *org = cli_value(args, "org");
    if (org == NULL) {
        return cli_usage_error(ctx, "%s", _("--org est obligatoire"));
    }
    const char *id = cli_value(args, "id");
    if (id && (!util_parse_int64(id, strlen(id), &k->id) || k->id <= 0)) {
        return cli_usage_error(ctx, "%s", _("--id : numéro de clé attendu"));
    }
    int rc = cli_open_store(ctx, &k->s, true);
    if (rc == 0) {
        rc = util_arena_new(&k->a, 1024);
    }
    if (rc < 0) {
        relais_store_close(k->s);
        return cli_fail(ctx, rc);
    }
    int status = find_org(ctx, &k->org, k->s, k->a, org);
    if (status) {
        relais_store_close(k->s);
        util_arena_free(k->a);
    }
    return status;
}

static void keys_close(keys_cmd *k)
{
    relais_store_close(k->s);
    util_arena_free(k->a);
}

typedef struct uai_list {
    char text[ORG_MAX_UAIS * 9 + 1];
} uai_list;

static int append_uai(const relais_establishment *e, void *payload)
{
    uai_list *l = payload;
    size_t len = strlen(l->text);
    if (len + 10 < sizeof l->text) {
        snprintf(l->text + len, sizeof l->text - len, "%s%s", len ? "_" : "", e->uai);
    }
    return 0;
}

static void print_new_key(cli_ctx *ctx, keys_cmd *k, const char *key, int64_t key_id,
                          int64_t revoked)
{
    if (ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "org", k->org->name);
        util_json_kv_string(&j, "key", key);
        util_json_kv_int(&j, "id", key_id);
        if (revoked) {
            util_json_kv_int(&j, "revoked", revoked);
        }
        util_json_object_end(&j);
        util_json_end(&j);
        return;
    }
    uai_list l = {.text = ""};
    (void)relais_store_org_establishments(k->s, k->org->id, append_uai, &l);
    fprintf(ctx->out, _("Clé de synchronisation n°%lld de « %s » : %s\n"), (long long)key_id,
            k->org->name, key);
    if (revoked) {
        fprintf(ctx->out, _("La clé n°%lld est révoquée ; le partenaire reprend où il en était "
                            "avec la nouvelle clé.\n"),
                (long long)revoked);
    }
    fprintf(ctx->out, "%s\n", _("Elle n'est affichée qu'une fois : notez-la maintenant."));
    fprintf(ctx->out, _("URL à configurer chez le partenaire : https://SERVEUR/SAPO_API/SYNCH/%s/%s\n"),
            l.text[0] ? l.text : "UAI", key);
}

static int run_keys_new(cli_ctx *ctx, cli_args *args)
{
    keys_cmd k;
    int status = keys_open(ctx, args, &k);
    if (status) {
        return status;
    }
    char key[ORG_KEY_LEN + 1];
    int64_t id = 0;
    int rc = org_key_new(key, &id, k.s, k.org->id, 0);
    if (rc == 0) {
        print_new_key(ctx, &k, key, id, 0);
    }
    keys_close(&k);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int run_keys_rotate(cli_ctx *ctx, cli_args *args)
{
    keys_cmd k;
    int status = keys_open(ctx, args, &k);
    if (status) {
        return status;
    }
    char key[ORG_KEY_LEN + 1];
    int64_t id = 0, revoked = 0;
    int rc = org_key_rotate(key, &id, &revoked, k.s, k.org->id, k.id);
    if (rc == 0) {
        print_new_key(ctx, &k, key, id, revoked);
    }
    keys_close(&k);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int run_keys_revoke(cli_ctx *ctx, cli_args *args)
{
    keys_cmd k;
    int status = keys_open(ctx, args, &k);
    if (status) {
        return status;
    }
    size_t n = 0;
    int rc = org_key_revoke(&n, k.s, k.org->id, k.id);
    if (rc == 0 && ctx->json) {
        util_json j;
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "org", k.org->name);
        util_json_kv_int(&j, "revoked", (int64_t)n);
        util_json_object_end(&j);
        util_json_end(&j);
    } else if (rc == 0) {
        fprintf(ctx->out, _("%zu clé(s) révoquée(s) pour « %s ».\n"), n, k.org->name);
    }
    keys_close(&k);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

typedef struct key_list {
    cli_ctx *ctx;
    util_json *j;
    size_t n;
} key_list;

static int list_key(const relais_sync_key *key, void *payload)
{
    key_list *l = payload;
    l->n++;
    if (l->j) {
        util_json *j = l->j;
        util_json_object_begin(j);
        util_json_kv_int(j, "id", key->id);
        util_json_kv_string(j, "hint", key->hint);
        util_json_kv_bool(j, "valid", key->revoked_at == NULL);
        util_json_kv_string(j, "created_at", key->created_at);
        util_json_kv_string(j, "revoked_at", key->revoked_at);
        util_json_kv_string(j, "last_used_at", key->last_used_at);
        util_json_key(j, "replaces");
        if (key->replaces) {
            util_json_int(j, key->replaces);
        } else {
            util_json_null(j);
        }
        util_json_object_end(j);
        return 0;
    }
    char created[32], used[32] = "—", revoked[32];
    util_timestamp_display(key->created_at, created);
    if (key->last_used_at) {
        util_timestamp_display(key->last_used_at, used);
    }
    fprintf(l->ctx->out, "  n°%-4lld …%s  %s %s  ", (long long)key->id, key->hint, _("créée le"),
            created);
    if (key->revoked_at) {
        util_timestamp_display(key->revoked_at, revoked);
        fprintf(l->ctx->out, _("révoquée le %s"), revoked);
    } else {
        fputs(_("valide"), l->ctx->out);
    }
    fprintf(l->ctx->out, "  %s %s\n", _("dernière utilisation :"), used);
    return 0;
}

static int run_keys_list(cli_ctx *ctx, cli_args *args)
{
    keys_cmd k;
    int status = keys_open(ctx, args, &k);
    if (status) {
        return status;
    }
    util_json j;
    key_list l = {.ctx = ctx};
    if (ctx->json) {
        util_json_init_file(&j, ctx->out, true);
        util_json_object_begin(&j);
        util_json_kv_string(&j, "org", k.org->name);
        util_json_key(&j, "keys");
        util_json_array_begin(&j);
        l.j = &j;
    } else {
        fprintf(ctx->out, _("Clés de « %s » (les clés elles-mêmes ne sont pas conservées) :\n"),
                k.org->name);
    }
    int rc = relais_store_key_foreach(k.s, k.org->id, false, list_key, &l);
    if (ctx->json) {
        util_json_array_end(&j);
        util_json_object_end(&j);
        util_json_end(&j);
    } else if (rc == 0 && l.n == 0) {
        fprintf(ctx->out, "  %s\n", _("aucune : relais keys new --org ORG"));
    }
    keys_close(&k);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_keys_new = {
    .name = "keys new",
    .summary = N_("créer une clé de synchronisation (affichée une seule fois)"),
    .usage = "--org ORG",
    .options = keys_list_options,
    .has_json = true,
    .uses_db = true,
    .run = run_keys_new,
};

const cli_command cli_cmd_keys_rotate = {
    .name = "keys rotate",
    .summary = N_("remplacer une clé : la nouvelle reprend où l'ancienne en était"),
    .usage = "--org ORG [--id N]",
    .options = keys_options,
    .has_json = true,
    .uses_db = true,
    .run = run_keys_rotate,
};

const cli_command cli_cmd_keys_revoke = {
    .name = "keys revoke",
    .summary = N_("révoquer une clé (ou toutes celles d'une organisation)"),
    .usage = "--org ORG [--id N]",
    .options = keys_options,
    .has_json = true,
    .uses_db = true,
    .run = run_keys_revoke,
};

const cli_command cli_cmd_keys_list = {
    .name = "keys list",
    .summary = N_("lister les clés d'une organisation (sans les clés elles-mêmes)"),
    .usage = "--org ORG",
    .options = keys_list_options,
    .has_json = true,
    .uses_db = true,
    .run = run_keys_list,
};

/* ---------------------------------------------------------------- org pulls */

static const cli_option org_pulls_options[] = {
    {"limit", 'n', "N", N_("nombre de relevés (défaut 20, 0 : tous)")},
    {NULL, 0, NULL, NULL},
};

typedef struct pull_list {
    cli_ctx *ctx;
    util_json *j;
    size_t n;
} pull_list;

static int show_pull(const relais_pull *p, void *payload)
{
    pull_list *l = payload;
    l->n++;
    if (l->j) {
        util_json *j = l->j;
        util_json_object_begin(j);
        util_json_kv_string(j, "at", p->at);
        util_json_kv_string(j, "uais", p->uais);
        util_json_kv_int(j, "key", p->key_id);
        util_json_kv_int(j, "status", p->status);
        util_json_kv_string(j, "phase", p->phase);
        util_json_kv_int(j, "batch", p->batch);
        util_json_kv_int(j, "changes", p->n_changes);
        util_json_object_end(j);
        return 0;
    }
    char when[32];
    util_timestamp_display(p->at, when);
    fprintf(l->ctx->out, "  %-16s  %-26s  n°%-4lld  %3d  %-8s  %6lld  %6lld\n", when, p->uais,
            (long long)p->key_id, p->status, p->phase ? p->phase : "", (long long)p->batch,
            (long long)p->n_changes);
    return 0;
}

static int run_org_pulls(cli_ctx *ctx, cli_args *args)
{
    const char *name = NULL;
    int status = org_arg(ctx, args, &name);
    if (status) {
        return status;
    }
    int64_t limit = 20;
    const char *v = cli_value(args, "limit");
    if (v && (!util_parse_int64(v, strlen(v), &limit) || limit < 0)) {
        return cli_usage_error(ctx, "%s", _("--limit : nombre attendu"));
    }
    relais_store *s = NULL;
    util_arena *a = NULL;
    int rc = cli_open_store(ctx, &s, true);
    if (rc == 0) {
        rc = util_arena_new(&a, 1024);
    }
    relais_organisation *org = NULL;
    if (rc == 0) {
        rc = relais_store_org_find(&org, s, a, name);
    }
    if (rc < 0) {
        relais_store_close(s);
        util_arena_free(a);
        return cli_fail(ctx, rc);
    }
    util_json j;
    pull_list l = {.ctx = ctx};
    if (ctx->json) {
        util_json_init_file(&j, ctx->out, true);
        util_json_array_begin(&j);
        l.j = &j;
    } else {
        fprintf(ctx->out, _("Derniers relevés de « %s » (date, établissements, clé, statut HTTP, "
                            "phase, lot, éléments) :\n"),
                org->name);
    }
    rc = relais_store_pull_foreach(s, org->id, (size_t)limit, show_pull, &l);
    if (ctx->json) {
        util_json_array_end(&j);
        util_json_end(&j);
    } else if (rc == 0 && l.n == 0) {
        fprintf(ctx->out, "  %s\n", _("aucun"));
    }
    relais_store_close(s);
    util_arena_free(a);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

const cli_command cli_cmd_org_pulls = {
    .name = "org pulls",
    .summary = N_("les derniers relevés du flux par les partenaires d'une organisation"),
    .usage = "ORG [--limit N]",
    .options = org_pulls_options,
    .has_json = true,
    .uses_db = true,
    .run = run_org_pulls,
};
