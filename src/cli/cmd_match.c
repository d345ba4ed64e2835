/*
 * cmd_match.c — identity reconciliation with a partner application:
 *   relais match --partner NOM [--uai UAI] [--dry-run] [--json] [--out F] FICHIER
 *   relais match accept|reject PARTENAIRE ID_PARTENAIRE [RELAIS_ID]
 *   relais match export --partner NOM [--uai UAI] [--format csv|xml] [--out F]
 * The report mirrors the table administrators know from PRONOTE's
 * "Rapprochement des identités": per category, persons in the hub and in the
 * partner's list, matched, to review, unmatched on each side.
 */
#include "cli.h"

#include <relais/change.h>
#include <relais/store.h>

#include <string.h>
#include <strings.h>

#include "match/match.h"

static const cli_option match_cli_options[] = {
    {"partner", 'p', "NOM",
     N_("nom de l'application partenaire (agate, pronote, ent…) ; obligatoire")},
    {"uai", 'u', "UAI", N_("un seul établissement")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"format", 'f', "FORMAT",
     N_("format de la liste : csv (partenaire), ent (ENT-Identifiants), aaf ; défaut : détecté")},
    {"dry-run", 'n', NULL, N_("simulation : calculer et afficher, ne rien enregistrer")},
    {"out", 'o', "FICHIER",
     N_("écrire aussi le fichier de rapprochement pour le partenaire (.xml : XML, sinon CSV)")},
    {NULL, 0, NULL, NULL},
};

static const cli_option decision_options[] = {
    {"uai", 'u', "UAI", N_("un seul établissement")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"dry-run", 'n', NULL, N_("simulation : afficher, ne rien enregistrer")},
    {NULL, 0, NULL, NULL},
};

static const cli_option export_options[] = {
    {"partner", 'p', "NOM", N_("nom de l'application partenaire ; obligatoire")},
    {"uai", 'u', "UAI", N_("un seul établissement (répétable sous la forme UAI1,UAI2)")},
    {"year", 'y', "AAAA", N_("année scolaire (défaut : l'année courante du hub)")},
    {"format", 'f', "FORMAT", N_("csv (défaut) ou xml")},
    {"out", 'o', "FICHIER", N_("fichier à écrire (défaut : la sortie standard)")},
    {NULL, 0, NULL, NULL},
};

/* Partner names become crosswalk application names: short, lower case, no dot. */
static int check_partner(cli_ctx *ctx, const char *name, char out[33])
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0) {
        return cli_usage_error(ctx, "%s", _("--partner NOM est obligatoire (ex. --partner agate)"));
    }
    if (n > 32) {
        return cli_usage_error(
            ctx, _("nom de partenaire trop long : « %s » (32 caractères au plus)"), name);
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return cli_usage_error(ctx,
                                   _("nom de partenaire invalide : « %s » (lettres, chiffres, - "
                                     "et _)"),
                                   name);
        }
        out[i] = c;
    }
    out[n] = '\0';
    if (strcmp(out, "siecle") == 0 || strcmp(out, "sts") == 0) {
        return cli_usage_error(ctx, _("« %s » est une source du hub, pas un partenaire"), out);
    }
    return 0;
}

/* ------------------------------------------------------------ warnings */

typedef struct warn_state {
    cli_ctx *ctx;
    size_t n;
} warn_state;

static void print_warning(unsigned long line, const char *code, const char *message, void *payload)
{
    warn_state *w = payload;
    (void)line;
    w->n++;
    if (w->n <= 50) {
        fprintf(w->ctx->err, "relais : %s [%s]\n", message, code);
    } else if (w->n == 51) {
        fprintf(w->ctx->err, "relais : %s\n", _("… autres avertissements non affichés"));
    }
}

/* ------------------------------------------------------------- report */

static const char *const singular[MATCH_N_CATEGORIES] = {N_("élève"), N_("responsable"),
                                                         N_("professeur"), N_("personnel")};

static const char *person_name(const match_person *p)
{
    return p->nom_usage ? p->nom_usage : p->nom ? p->nom : "";
}

static void describe(FILE *f, const match_person *p)
{
    fprintf(f, "%s", person_name(p));
    if (p->nom_usage && p->nom && strcmp(p->nom, p->nom_usage) != 0) {
        fprintf(f, " (%s %s)", _("né(e)"), p->nom);
    }
    fprintf(f, " %s", p->prenoms ? p->prenoms : "");
    if (p->date_naissance) {
        char fr[11];
        util_iso_to_fr(p->date_naissance, fr);
        fprintf(f, ", %s", fr);
    }
}

static void print_reasons(FILE *f, match_reasons reasons, unsigned n_children)
{
    bool first = true;
    for (unsigned b = 0; b < MATCH_N_REASONS; b++) {
        match_reasons bit = MATCH_R(b);
        if (!(reasons & bit) || bit == MATCH_R_SEX_AGREES) {
            continue;
        }
        fprintf(f, "%s%s", first ? "" : ", ", match_reason_label(b));
        if (bit == MATCH_R_CHILDREN) {
            fprintf(f, " (%u)", n_children);
        }
        first = false;
    }
}

static const char *const row_labels[] = {
    N_("Personnes dans le hub"),
    N_("Personnes du partenaire"),
    N_("Rapprochées"),
    N_("À vérifier"),
    N_("Non rapprochées (partenaire)"),
    N_("Non rapprochées (hub)"),
};

static const size_t *row_values(const match_summary *sum, int row)
{
    switch (row) {
    case 0: return sum->hub;
    case 1: return sum->partner;
    case 2: return sum->matched;
    case 3: return sum->review;
    case 4: return sum->unmatched_partner;
    default: return sum->unmatched_hub;
    }
}

static void print_table(FILE *f, const match_summary *sum)
{
    cli_print_padded(f, "", 32);
    for (int c = 0; c < MATCH_N_CATEGORIES; c++) {
        const char *h = match_category_label((match_category)c);
        for (size_t n = util_utf8_length(h); n < 14; n++) {
            fputc(' ', f);
        }
        fputs(h, f);
    }
    fputc('\n', f);
    for (int r = 0; r < 6; r++) {
        cli_print_padded(f, _(row_labels[r]), 32);
        const size_t *v = row_values(sum, r);
        for (int c = 0; c < MATCH_N_CATEGORIES; c++) {
            fprintf(f, " %13zu", v[c]);
        }
        fputc('\n', f);
    }
}

static void json_link(util_json *j, const match_list *pl, const match_list *hub,
                      const match_link *l)
{
    const match_person *pp = &pl->persons[l->partner];
    const match_person *hp = &hub->persons[l->hub];
    util_json_object_begin(j);
    util_json_kv_string(j, "category", match_category_name((match_category)pp->category));
    util_json_kv_string(j, "partner_id", pp->id);
    util_json_kv_int(j, "relais_id", hp->relais_id);
    util_json_kv_string(j, "siecle_id", hp->id);
    util_json_kv_string(j, "decision", match_decision_name((match_decision)l->decision));
    util_json_key(j, "score");
    util_json_double(j, l->score, 1);
    util_json_key(j, "reasons");
    util_json_array_begin(j);
    for (unsigned b = 0; b < MATCH_N_REASONS; b++) {
        if (l->reasons & MATCH_R(b)) {
            util_json_string(j, match_reason_code(b));
        }
    }
    util_json_array_end(j);
    util_json_object_end(j);
}

static void print_json(cli_ctx *ctx, const char *partner, const match_list *pl,
                       const match_list *hub, const match_result *r, const match_summary *sum)
{
    util_json j;
    util_json_init_file(&j, ctx->out, true);
    util_json_object_begin(&j);
    util_json_kv_string(&j, "partner", partner);
    util_json_key(&j, "summary");
    util_json_object_begin(&j);
    for (int c = 0; c < MATCH_N_CATEGORIES; c++) {
        util_json_key(&j, match_category_name((match_category)c));
        util_json_object_begin(&j);
        util_json_kv_int(&j, "hub", (int64_t)sum->hub[c]);
        util_json_kv_int(&j, "partner", (int64_t)sum->partner[c]);
        util_json_kv_int(&j, "matched", (int64_t)sum->matched[c]);
        util_json_kv_int(&j, "review", (int64_t)sum->review[c]);
        util_json_kv_int(&j, "unmatched_partner", (int64_t)sum->unmatched_partner[c]);
        util_json_kv_int(&j, "unmatched_hub", (int64_t)sum->unmatched_hub[c]);
        util_json_object_end(&j);
    }
    util_json_object_end(&j);
    util_json_key(&j, "links");
    util_json_array_begin(&j);
    for (size_t i = 0; i < r->n_links; i++) {
        json_link(&j, pl, hub, &r->links[i]);
    }
    util_json_array_end(&j);
    util_json_object_end(&j);
    util_json_end(&j);
}

static void print_text(cli_ctx *ctx, const char *partner, const char *file, match_format fmt,
                       int year, const match_list *pl, const match_list *hub, const match_result *r,
                       const match_summary *sum)
{
    FILE *f = ctx->out;
    fprintf(f, _("Rapprochement des identités avec %s — %s (%s) — %d-%d\n\n"), partner, file,
            fmt == MATCH_FORMAT_ENT   ? "ENT-Identifiants"
            : fmt == MATCH_FORMAT_AAF ? _("fichiers AAF")
                                      : _("liste CSV du partenaire"),
            year, year + 1);
    print_table(f, sum);
    size_t n_review = 0, n_unmatched = 0;
    for (size_t i = 0; i < pl->n; i++) {
        n_review += r->partner_outcome[i] == MATCH_OUT_REVIEW;
        n_unmatched += r->partner_outcome[i] == MATCH_OUT_UNMATCHED;
    }
    if (n_review) {
        fprintf(f, "\n%s (%zu) :\n", _("À vérifier"), n_review);
        size_t shown = 0;
        uint32_t current = UINT32_MAX;
        for (size_t i = 0; i < r->n_links; i++) {
            const match_link *l = &r->links[i];
            if (l->decision != MATCH_REVIEW) {
                continue;
            }
            if (l->partner != current) {
                current = l->partner;
                if (++shown > 50) {
                    break;
                }
                const match_person *pp = &pl->persons[l->partner];
                fprintf(f, "  %s %s « ", _(singular[pp->category % MATCH_N_CATEGORIES]), pp->id);
                describe(f, pp);
                if (pp->line) {
                    fprintf(f, " » (%s %lu) :\n", _("ligne"), pp->line);
                } else {
                    fputs(" » :\n", f);
                }
            }
            const match_person *hp = &hub->persons[l->hub];
            fprintf(f, "    n°%lld ", (long long)hp->relais_id);
            describe(f, hp);
            fprintf(f, " [%s] — %s %.1f : ", hp->id ? hp->id : "", _("score"), l->score);
            print_reasons(f, l->reasons, l->n_children);
            fputc('\n', f);
        }
        if (shown > 50) {
            fprintf(f, "    … %s\n", _("liste complète avec --json"));
        }
        fprintf(f,
                _("  Pour décider : relais match accept %s ID_PARTENAIRE RELAIS_ID (ou reject)\n"),
                partner);
    }
    if (n_unmatched) {
        fprintf(f, "\n%s (%zu) :\n", _("Non rapprochées (partenaire)"), n_unmatched);
        size_t shown = 0;
        for (size_t i = 0; i < pl->n && shown < 20; i++) {
            if (r->partner_outcome[i] != MATCH_OUT_UNMATCHED) {
                continue;
            }
            const match_person *pp = &pl->persons[i];
            fprintf(f, "  %s %s « ", _(singular[pp->category % MATCH_N_CATEGORIES]), pp->id);
            describe(f, pp);
            fputs(" »\n", f);
            shown++;
        }
        if (n_unmatched > shown) {
            fprintf(f, "  … %s\n", _("liste complète avec --json"));
        }
    }
}

/* ------------------------------------------------------------ commands */

static int write_export(cli_ctx *ctx, relais_store *s, const char *partner, int year,
                        const char *uai_list, const char *format, const char *path)
{
    match_export_format fmt = MATCH_EXPORT_CSV;
    if (format ? strcasecmp(format, "xml") == 0
               : (path && strlen(path) > 4 && strcasecmp(path + strlen(path) - 4, ".xml") == 0)) {
        fmt = MATCH_EXPORT_XML;
    } else if (format && strcasecmp(format, "csv") != 0) {
        return cli_usage_error(ctx, _("format inconnu : « %s » (csv ou xml)"), format);
    }
    const char *uais[16];
    size_t n_uais = 0;
    char buf[256];
    if (uai_list) {
        if (snprintf(buf, sizeof buf, "%s", uai_list) >= (int)sizeof buf) {
            return cli_usage_error(ctx, "%s", _("liste d'UAI trop longue"));
        }
        char *p = buf;
        while (*p && n_uais < UTIL_ARRAY_LEN(uais)) {
            uais[n_uais++] = p;
            char *comma = strchr(p, ',');
            if (comma == NULL) {
                break;
            }
            *comma = '\0';
            p = comma + 1;
        }
    }
    util_buf out = UTIL_BUF_INIT;
    int rc = match_export_write(&out, s, partner, year, uais, n_uais, fmt);
    if (rc == 0) {
        if (path) {
            rc = util_file_write_atomic(path, out.data ? out.data : "", out.len);
        } else if (out.len && fwrite(out.data, 1, out.len, ctx->out) != out.len) {
            relais_error_set("%s", _("écriture impossible sur la sortie standard"));
            rc = RELAIS_EIO;
        }
    }
    util_buf_free(&out);
    return rc < 0 ? cli_fail(ctx, rc) : CLI_EXIT_OK;
}

static int run_match(cli_ctx *ctx, cli_args *args)
{
    char partner[33];
    int status = check_partner(ctx, cli_value(args, "partner"), partner);
    if (status) {
        return status;
    }
    if (args->n_pos < 1) {
        return cli_usage_error(ctx, "%s",
                               _("indiquez le fichier de personnes du partenaire (ou "
                                 "les fichiers AAF)"));
    }
    const char *file = args->pos[0];
    bool dry_run = cli_flag(args, "dry-run");
    const char *out_path = cli_value(args, "out");
    if (dry_run && out_path) {
        return cli_usage_error(ctx, "%s",
                               _("--out écrit les liens enregistrés : incompatible "
                                 "avec --dry-run"));
    }
    match_read_options ro = MATCH_READ_OPTIONS_INIT;
    ro.partner = partner;
    const char *format = cli_value(args, "format");
    if (format) {
        if (strcasecmp(format, "csv") == 0) {
            ro.format = MATCH_FORMAT_CSV;
        } else if (strcasecmp(format, "ent") == 0) {
            ro.format = MATCH_FORMAT_ENT;
        } else if (strcasecmp(format, "aaf") == 0) {
            ro.format = MATCH_FORMAT_AAF;
        } else {
            return cli_usage_error(ctx, _("format inconnu : « %s » (csv, ent ou aaf)"), format);
        }
    }
    relais_store *s = NULL;
    match_list *pl = NULL, *hub = NULL;
    match_pin *pins = NULL;
    match_pair *rej = NULL;
    size_t n_pins = 0, n_rej = 0;
    match_result *r = NULL;
    relais_plan *plan = NULL;
    int year = 0;
    status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    warn_state ws = {ctx, 0};
    ro.warn = print_warning;
    ro.payload = &ws;
    match_format fmt = MATCH_FORMAT_CSV;
    rc = match_read_files(&pl, &fmt, args->pos, args->n_pos, &ro);
    if (rc == 0) {
        rc = match_hub_load(&hub, s, year, cli_value(args, "uai"));
    }
    if (rc == 0 && hub->n == 0) {
        relais_error_set(_("aucune personne dans le hub pour %d-%d : importez d'abord SIECLE et "
                           "STS-Web"),
                         year, year + 1);
        rc = RELAIS_ENOTFOUND;
    }
    /* Partner persons that name their establishment are matched within it only. */
    for (size_t i = 0; rc == 0 && i < pl->n; i++) {
        match_person *p = &pl->persons[i];
        if (p->uai == NULL) {
            continue;
        }
        p->estab = (uint32_t)hub->n_estabs; /* nowhere, unless found below */
        for (size_t e = 0; e < hub->n_estabs; e++) {
            if (strcasecmp(hub->estabs[e].uai, p->uai) == 0) {
                p->estab = (uint32_t)e;
            }
        }
    }
    if (rc == 0) {
        rc = match_crosswalk_load(&pins, &n_pins, &rej, &n_rej, s, partner, pl, hub);
    }
    if (rc == 0) {
        rc = match_run(&r, pl, hub, pins, n_pins, rej, n_rej, NULL);
    }
    char command[64];
    snprintf(command, sizeof command, "match %s", partner);
    if (rc == 0) {
        rc = relais_plan_new(&plan, s, command);
    }
    for (size_t i = 0; i < args->n_pos && rc == 0; i++) {
        rc = relais_plan_add_source(plan, args->pos[i]);
    }
    if (rc == 0) {
        rc = match_plan_links(plan, s, partner, pl, hub, r);
    }
    int64_t run_id = 0;
    if (rc == 0 && !dry_run) {
        rc = relais_plan_apply(&run_id, plan);
    }
    if (rc < 0) {
        status = cli_fail(ctx, rc);
        goto done;
    }
    match_summary sum;
    match_summarize(&sum, pl, hub, r);
    if (ctx->json) {
        print_json(ctx, partner, pl, hub, r, &sum);
    } else {
        print_text(ctx, partner, file, fmt, year, pl, hub, r, &sum);
        size_t created = relais_plan_counter(plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_XREF,
                                             RELAIS_COUNT_CREATED);
        size_t updated = relais_plan_counter(plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_XREF,
                                             RELAIS_COUNT_UPDATED) +
                         relais_plan_counter(plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_XREF,
                                             RELAIS_COUNT_RESTORED);
        size_t unchanged = relais_plan_counter(plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_XREF,
                                               RELAIS_COUNT_UNCHANGED);
        size_t removed = relais_plan_counter(plan, RELAIS_PLAN_ALL_SCOPES, RELAIS_KIND_XREF,
                                             RELAIS_COUNT_DEACTIVATED);
        fputc('\n', ctx->out);
        if (dry_run) {
            fprintf(ctx->out,
                    _("Simulation : rien n'a été écrit (liens : %zu à créer, %zu à modifier, %zu à "
                      "retirer, %zu déjà enregistrés).\n"),
                    created, updated, removed, unchanged);
        } else if (relais_plan_n_changes(plan) > 0) {
            fprintf(ctx->out,
                    _("Table de correspondance : %zu lien(s) créé(s), %zu modifié(s), %zu "
                      "retiré(s), %zu inchangé(s) (exécution n°%lld).\n"),
                    created, updated, removed, unchanged, (long long)run_id);
        } else {
            fprintf(ctx->out,
                    _("Aucun changement : les %zu lien(s) étaient déjà enregistrés (exécution "
                      "n°%lld).\n"),
                    unchanged, (long long)run_id);
        }
        size_t n_warn = relais_plan_n_warnings(plan, RELAIS_SEVERITY_WARNING);
        if (n_warn) {
            fprintf(ctx->out, _("%zu lien(s) manuel(s) conservé(s) malgré le calcul.\n"), n_warn);
        }
        if (ws.n) {
            fprintf(ctx->out, _("%zu avertissement(s) sur le fichier (voir ci-dessus).\n"), ws.n);
        }
    }
    status = CLI_EXIT_OK;
    if (out_path) {
        status = write_export(ctx, s, partner, year, cli_value(args, "uai"), NULL, out_path);
    }
done:
    relais_plan_free(plan);
    match_result_free(r);
    util_free(pins);
    util_free(rej);
    match_list_free(pl);
    match_list_free(hub);
    relais_store_close(s);
    return status;
}

static int run_decision(cli_ctx *ctx, cli_args *args, bool accept)
{
    if (args->n_pos < 2 || args->n_pos > 3) {
        return cli_usage_error(ctx, "%s", _("attendu : PARTENAIRE ID_PARTENAIRE [RELAIS_ID]"));
    }
    char partner[33];
    int status = check_partner(ctx, args->pos[0], partner);
    if (status) {
        return status;
    }
    int64_t relais_id = 0;
    if (args->n_pos == 3 &&
        (!util_parse_int64(args->pos[2], strlen(args->pos[2]), &relais_id) || relais_id <= 0)) {
        return cli_usage_error(ctx, _("numéro relais invalide : « %s »"), args->pos[2]);
    }
    relais_store *s = NULL;
    int year;
    status = cli_open_hub(ctx, args, &s, &year);
    if (status != 0) {
        return status;
    }
    int rc = 0;
    relais_plan *plan = NULL;
    char command[64];
    snprintf(command, sizeof command, "match %s %s", accept ? "accept" : "reject", partner);
    rc = relais_plan_new(&plan, s, command);
    if (rc == 0) {
        rc = match_plan_decision(plan, s, partner, args->pos[1], relais_id, accept,
                                 cli_value(args, "uai"), year);
    }
    if (rc < 0) {
        relais_plan_free(plan);
        relais_store_close(s);
        return cli_fail(ctx, rc);
    }
    cli_report_opts opts = {.title =
                                accept ? _("Rapprochement accepté") : _("Rapprochement refusé")};
    status = cli_apply_plan(ctx, plan, cli_flag(args, "dry-run"), &opts);
    relais_plan_free(plan);
    relais_store_close(s);
    return status;
}

static int run_accept(cli_ctx *ctx, cli_args *args)
{
    return run_decision(ctx, args, true);
}

static int run_reject(cli_ctx *ctx, cli_args *args)
{
    return run_decision(ctx, args, false);
}

static int run_export(cli_ctx *ctx, cli_args *args)
{
    char partner[33];
    int status = check_partner(ctx, cli_value(args, "partner"), partner);
    if (status) {
        return status;
    }
    if (args->n_pos) {
        return cli_usage_error(ctx, _("argument inattendu : « %s »"), args->pos[0]);
    }
    relais_store *s = NULL;
    int year;
    status = cli_open_hub(ctx, args, &s, &year);
    if (status == 0) {
        status = write_export(ctx, s, partner, year, cli_value(args, "uai"),
                              cli_value(args, "format"), cli_value(args, "out"));
    }
    relais_store_close(s);
    return status;
}

const cli_command cli_cmd_match = {
    .name = "match",
    .summary = N_("rapprocher les identités d'une application partenaire avec le hub"),
    .usage = "--partner NOM [--uai UAI] [--dry-run] [--json] [--out FICHIER] FICHIER...",
    .description = N_("Lit la liste de personnes du partenaire (CSV partenaire, "
                      "ENT-Identifiants.csv, ou fichiers AAF : XML, zip ou répertoire), la "
                      "rapproche des élèves, responsables, professeurs "
                      "et personnels du hub (identifiants d'abord : INE, liens déjà enregistrés ; "
                      "puis noms, prénoms, date de naissance, sexe, coordonnées, enfants), "
                      "enregistre les liens sûrs dans la table de correspondance et liste les cas "
                      "à vérifier. Les décisions manuelles (relais match accept / reject) ne sont "
                      "jamais remises en cause. Relancer sur la même liste ne change rien."),
    .options = match_cli_options,
    .has_json = true,
    .uses_db = true,
    .run = run_match,
};

const cli_command cli_cmd_match_accept = {
    .name = "match accept",
    .summary = N_("rapprocher à la main une personne du partenaire et une personne du hub"),
    .usage = "PARTENAIRE ID_PARTENAIRE [RELAIS_ID]",
    .description = N_("Enregistre le lien comme décision manuelle, que les calculs suivants ne "
                      "remettent jamais en cause. Sans RELAIS_ID, confirme le lien existant."),
    .options = decision_options,
    .has_json = true,
    .uses_db = true,
    .run = run_accept,
};

const cli_command cli_cmd_match_reject = {
    .name = "match reject",
    .summary = N_("refuser un rapprochement (ne plus jamais le proposer)"),
    .usage = "PARTENAIRE ID_PARTENAIRE [RELAIS_ID]",
    .description = N_("Retire le lien s'il existe et retient le refus : les calculs suivants ne "
                      "proposeront plus cette paire. Sans RELAIS_ID, refuse les liens actuels de "
                      "la personne du partenaire."),
    .options = decision_options,
    .has_json = true,
    .uses_db = true,
    .run = run_reject,
};

const cli_command cli_cmd_match_export = {
    .name = "match export",
    .summary = N_("fichier de rapprochement pour le partenaire (identifiants du hub)"),
    .usage = "--partner NOM [--uai UAI] [--format csv|xml] [--out FICHIER]",
    .description = N_("Écrit, pour chaque personne du partenaire rapprochée, son identifiant "
                      "chez le partenaire et ceux du hub (numéro relais, ELEVE_ID, PERSONNE_ID "
                      "ou identifiant STS, INE), en CSV ou en XML."),
    .options = export_options,
    .uses_db = true,
    .run = run_export,
};
