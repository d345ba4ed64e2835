/*
 * inputs.c — what is being imported, and whether it may be: the paths given
 * (files, zips, directories searched recursively), the root element and
 * PARAMETRES of each file (read without parsing the rest), their grouping by
 * establishment (UAJ), and every refusal: unknown root, missing PARAMETRES,
 * establishment unknown to the hub, wrong school year, two exports of the same
 * kind, guardians without their students, a structure a student references
 * that Structures does not define. Refusals name the file, the line and the
 * element; they all happen before any record is planned.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HEADER_DONE 1
#define MAX_DIR_DEPTH 4

const char *siecle_type_label(sf_type t)
{
    static const char *const labels[SF_COUNT] = {
        N_("Communs"),       N_("Nomenclatures"), N_("Établissements"),
        N_("Établissements des élèves"), N_("Géographique"), N_("Structures"),
        N_("Élèves"),        N_("Responsables"),
    };
    return (unsigned)t < SF_COUNT ? _(labels[t]) : "?";
}

/* Root element → file type; -1 when not a SIECLE BEE export. */
static int type_of_root(const char *root)
{
    static const struct {
        const char *root;
        sf_type type;
    } roots[] = {
        {"BEE_ELEVES", SF_ELEVES},
        {"BEE_RESPONSABLES", SF_RESPONSABLES},
        {"BEE_STRUCTURES", SF_STRUCTURES},
        {"BEE_STRUCTURE", SF_STRUCTURES},
        {"BEE_NOMENCLATURES", SF_NOMENCLATURE},
        {"BEE_NOMENCLATURE", SF_NOMENCLATURE},
        {"BEE_COMMUN", SF_COMMUN},
        {"BEE_COMMUNS", SF_COMMUN},
        {"BEE_ETABLISSEMENTS", SF_ETABLISSEMENTS},
        {"BEE_ETABLISSEMENT", SF_ETABLISSEMENTS},
        {"BEE_GEOGRAPHIQUE", SF_GEOGRAPHIQUE},
        {"BEE_GEOGRAPHIQUES", SF_GEOGRAPHIQUE},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(roots); i++) {
        if (strcmp(root, roots[i].root) == 0) {
            return (int)roots[i].type;
        }
    }
    /* EtablissementsEleves: root name not documented (BEE_ETABLISSEMENTS_ELEVES…). */
    if (strncmp(root, "BEE_ETAB", 8) == 0 && strstr(root, "ELEVE") != NULL) {
        return SF_ETAB_ELEVES;
    }
    return -1;
}

/* ------------------------------------------------------------- header read */

typedef struct header_ctx {
    sfile *f;
    bool from_dir;
    bool foreign; /* a well-formed XML file that is not a BEE export */
} header_ctx;

static int on_root(const xml_node *n, void *payload)
{
    header_ctx *h = payload;
    sfile *f = h->f;
    const char *name = xml_node_name(n);
    f->root = util_strdup(name);
    const char *v = xml_node_attr(n, "VERSION");
    f->version = v ? util_strdup(v) : NULL;
    if (f->root == NULL || (v && f->version == NULL)) {
        return RELAIS_ENOMEM;
    }
    int t = type_of_root(name);
    if (t >= 0) {
        f->type = (sf_type)t;
        return 0;
    }
    if (h->from_dir) {
        h->foreign = true;
        return HEADER_DONE;
    }
    const char *hint = "";
    if (strcmp(name, "STS_EDT") == 0 || strcmp(name, "EDT_STS") == 0) {
        hint = _(" : c'est un fichier STS-Web ou d'emploi du temps, pas un export SIECLE");
    } else if (strcmp(name, "IMPORT_ELEVES") == 0) {
        hint = _(" : c'est un fichier à déposer dans SIECLE (ELEGROUPE ou logiciel privé), pas "
                 "un export SIECLE");
    }
    relais_error_set(_("%s:%lu : élément %s : racine inconnue, ce n'est pas un export XML de "
                       "SIECLE BEE (BEE_ELEVES, BEE_RESPONSABLES, BEE_STRUCTURES, "
                       "BEE_NOMENCLATURES, BEE_COMMUN, BEE_ETABLISSEMENTS, BEE_GEOGRAPHIQUE "
                       "attendus)%s"),
                     f->name, xml_node_line(n), name, hint);
    return RELAIS_EINVALID;
}

static int on_params(const xml_node *n, void *payload)
{
    header_ctx *h = payload;
    sfile *f = h->f;
    f->has_params = true;
    f->params_line = xml_node_line(n);
    const xml_node *c = xml_node_child(n, "UAJ");
    if (c && xml_node_text_len(c) > 0) {
        f->has_uaj = true;
        f->uaj_line = xml_node_line(c);
        snprintf(f->uaj, sizeof f->uaj, "%s", xml_node_text(c));
        for (char *p = f->uaj; *p; p++) {
            if (*p >= 'a' && *p <= 'z') {
                *p = (char)(*p - 'a' + 'A');
            }
        }
        if (xml_node_text_len(c) >= sizeof f->uaj) {
            f->uaj[sizeof f->uaj - 1] = '\0';
        }
    }
    c = xml_node_child(n, "ANNEE_SCOLAIRE");
    if (c && xml_node_text_len(c) > 0) {
        int64_t y;
        f->year_line = xml_node_line(c);
        if (util_parse_int64(xml_node_text(c), xml_node_text_len(c), &y) && y >= 1990 &&
            y <= 2200) {
            f->has_year = true;
            f->year = (int)y;
        } else {
            relais_error_set(_("%s:%lu : élément ANNEE_SCOLAIRE : année « %s » invalide"),
                             f->name, f->year_line, xml_node_text(c));
            return RELAIS_EINVALID;
        }
    }
    c = xml_node_child(n, "DATE_EXPORT");
    util_date d;
    if (c && util_date_parse(xml_node_text(c), xml_node_text_len(c), &d)) {
        util_date_iso(&d, f->date_export);
    }
    c = xml_node_child(n, "HORODATAGE");
    if (c && xml_node_text_len(c) > 0) {
        f->horodatage = util_strdup(xml_node_text(c));
        if (f->horodatage == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    return HEADER_DONE;
}

static int on_first_data(const xml_node *n, void *payload)
{
    (void)n;
    (void)payload;
    return HEADER_DONE; /* data before PARAMETRES: judged by the caller */
}

static int read_header(siecle_run *run, sfile *f, bool from_dir, bool *foreign)
{
    *foreign = false;
    xml_reader *r = NULL;
    xml_source *src = NULL;
    header_ctx h = {f, from_dir, false};
    int rc = xml_reader_new(&r, &run->xo);
    if (rc == 0) {
        rc = xml_reader_on_root(r, on_root, &h);
    }
    if (rc == 0) {
        rc = xml_reader_on_record(r, "/*/PARAMETRES", on_params, &h);
    }
    if (rc == 0) {
        rc = xml_reader_on_record(r, "/*/DONNEES/*/*", on_first_data, &h);
    }
    if (rc == 0) {
        rc = xml_source_open(&src, f->path, &run->xo);
    }
    if (rc == 0) {
        f->name = util_strdup(xml_source_name(src));
        f->is_zip = xml_source_is_zip(src);
        rc = f->name ? 0 : RELAIS_ENOMEM;
    }
    if (rc == 0) {
        rc = xml_reader_parse(r, src);
        f->encoding = xml_reader_encoding(r); /* static strings */
        if (rc == HEADER_DONE) {
            rc = 0;
        }
    }
    if (rc == 0 && h.foreign) {
        *foreign = true;
    } else if (rc == 0 && !f->has_params) {
        relais_error_set(_("%s : élément PARAMETRES absent avant les données : export SIECLE "
                           "incomplet ou modifié"),
                         f->name ? f->name : f->path);
        rc = RELAIS_EINVALID;
    } else if (rc == 0 && !f->has_uaj) {
        relais_error_set(_("%s:%lu : élément PARAMETRES : UAJ absent"), f->name, f->params_line);
        rc = RELAIS_EINVALID;
    } else if (rc == 0 && !f->has_year) {
        relais_error_set(_("%s:%lu : élément PARAMETRES : ANNEE_SCOLAIRE absente"), f->name,
                         f->params_line);
        rc = RELAIS_EINVALID;
    }
    if (rc == 0 && !*foreign) {
        bool ok = strlen(f->uaj) == 8 && f->uaj[7] >= 'A' && f->uaj[7] <= 'Z';
        for (int i = 0; i < 7 && ok; i++) {
            ok = f->uaj[i] >= '0' && f->uaj[i] <= '9';
        }
        if (!ok) {
            relais_error_set(_("%s:%lu : élément UAJ : « %s » n'est pas un UAI (7 chiffres et "
                               "une lettre)"),
                             f->name, f->uaj_line, f->uaj);
            rc = RELAIS_EINVALID;
        }
    }
    xml_source_free(src);
    xml_reader_free(r);
    return rc;
}

/* --------------------------------------------------------------- paths */

static int add_file(siecle_run *run, const char *path, size_t *cap)
{
    for (size_t i = 0; i < run->n_files; i++) {
        if (strcmp(run->files[i].path, path) == 0) {
            return 0; /* the same file named twice */
        }
    }
    if (run->n_files == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        sfile *nf = util_realloc(run->files, ncap * sizeof *nf);
        if (nf == NULL) {
            return RELAIS_ENOMEM;
        }
        run->files = nf;
        *cap = ncap;
    }
    sfile *f = &run->files[run->n_files];
    memset(f, 0, sizeof *f);
    f->path = util_strdup(path);
    if (f->path == NULL) {
        return RELAIS_ENOMEM;
    }
    run->n_files++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Files of `dir` (xml, zip) then of its sub-directories, in name order. */
static int walk_dir(siecle_run *run, const char *dir, int depth, size_t *cap,
                    size_t *n_found)
{
    char **list = NULL;
    size_t n = 0;
    int rc = xml_dir_list(&list, &n, dir);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = add_file(run, list[i], cap);
        (*n_found)++;
    }
    xml_dir_list_free(list, n);
    if (rc < 0 || depth >= MAX_DIR_DEPTH) {
        return rc;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    char **subs = NULL;
    size_t n_subs = 0, cap_subs = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        util_buf b = UTIL_BUF_INIT;
        util_buf_printf(&b, "%s/%s", dir, de->d_name);
        struct stat st;
        if (b.failed) {
            rc = RELAIS_ENOMEM;
        } else if (stat(b.data, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (n_subs == cap_subs) {
                cap_subs = cap_subs ? cap_subs * 2 : 8;
                char **ns = util_realloc(subs, cap_subs * sizeof *ns);
                if (ns == NULL) {
                    rc = RELAIS_ENOMEM;
                    util_buf_free(&b);
                    break;
                }
                subs = ns;
            }
            subs[n_subs++] = util_buf_steal(&b);
        }
        util_buf_free(&b);
    }
    closedir(d);
    if (n_subs > 1) {
        qsort(subs, n_subs, sizeof *subs, cmp_str);
    }
    for (size_t i = 0; i < n_subs; i++) {
        if (rc == 0) {
            rc = walk_dir(run, subs[i], depth + 1, cap, n_found);
        }
        util_free(subs[i]);
    }
    util_free(subs);
    return rc;
}

int siecle_collect_inputs(siecle_run *run, const char *const *paths, size_t n_paths)
{
    size_t cap = 0;
    int rc = 0;
    /* from_dir[i]: the file was found in a directory (foreign roots are then skipped). */
    bool *from_dir = NULL;
    size_t cap_dir = 0;
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        size_t before = run->n_files;
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            relais_error_set(_("%s : fichier introuvable (%s)"), paths[i], strerror(errno));
            rc = errno == ENOENT ? RELAIS_ENOTFOUND : RELAIS_EIO;
        } else if (S_ISDIR(st.st_mode)) {
            size_t found = 0;
            rc = walk_dir(run, paths[i], 1, &cap, &found);
            if (rc == 0 && found == 0) {
                relais_error_set(_("%s : aucun fichier .xml ou .zip dans ce répertoire"),
                                 paths[i]);
                rc = RELAIS_ENOTFOUND;
            }
        } else {
            rc = add_file(run, paths[i], &cap);
        }
        if (rc == 0 && run->n_files > cap_dir) {
            size_t ncap = cap;
            bool *nd = util_realloc(from_dir, ncap * sizeof *nd);
            if (nd == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            from_dir = nd;
            cap_dir = ncap;
        }
        for (size_t k = before; k < run->n_files && rc == 0; k++) {
            from_dir[k] = S_ISDIR(st.st_mode);
        }
    }
    if (rc == 0 && run->n_files == 0) {
        relais_error_set("%s", _("aucun fichier à importer"));
        rc = RELAIS_EINVALID;
    }
    /* Read each header; drop the foreign files found in directories. */
    for (size_t i = 0; i < run->n_files && rc == 0; i++) {
        sfile *f = &run->files[i];
        rc = read_header(run, f, from_dir[i], &f->foreign);
        if (rc == 0 && f->foreign) {
            rc = relais_plan_warnf(run->plan, RELAIS_SEVERITY_INFO, "FICHIER_IGNORE", f->name, 0,
                                   -1, NULL,
                                   _("racine %s : pas un export SIECLE, fichier ignoré"),
                                   f->root ? f->root : "?");
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < run->n_files; i++) {
        sfile *f = &run->files[i];
        if (f->foreign) {
            util_free(f->path);
            util_free(f->name);
            util_free(f->root);
            util_free(f->version);
            util_free(f->horodatage);
            continue;
        }
        run->files[kept++] = *f;
    }
    run->n_files = kept;
    if (rc == 0 && kept == 0) {
        relais_error_set("%s", _("aucun export SIECLE parmi les fichiers donnés"));
        rc = RELAIS_EINVALID;
    }
    util_free(from_dir);
    return rc;
}

/* ---------------------------------------------------------------- groups */

static sgroup *group_for(siecle_run *run, const char *uaj)
{
    for (size_t i = 0; i < run->n_groups; i++) {
        if (strcmp(run->groups[i].uai, uaj) == 0) {
            return &run->groups[i];
        }
    }
    return NULL;
}

static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const sgroup *)a)->uai, ((const sgroup *)b)->uai);
}

int siecle_check_groups(siecle_run *run)
{
    run->groups = util_calloc(run->n_files, sizeof *run->groups);
    if (run->groups == NULL) {
        return RELAIS_ENOMEM;
    }
    int target = run->o.year ? run->o.year : run->hub_year;
    /* Year first: a wrong-year file is the most common mistake. */
    for (size_t i = 0; i < run->n_files; i++) {
        sfile *f = &run->files[i];
        if (f->year != target) {
            if (run->o.year) {
                relais_error_set(_("%s:%lu : élément ANNEE_SCOLAIRE : fichier de l'année %d-%d, "
                                   "--year demande %d-%d"),
                                 f->name, f->year_line, f->year, f->year + 1, target, target + 1);
            } else {
                relais_error_set(_("%s:%lu : élément ANNEE_SCOLAIRE : fichier de l'année %d-%d, "
                                   "l'année courante du hub est %d-%d (pour une autre année : "
                                   "--year %d)"),
                                 f->name, f->year_line, f->year, f->year + 1, target, target + 1,
                                 f->year);
            }
            return RELAIS_EREFUSED;
        }
    }
    for (size_t i = 0; i < run->n_files; i++) {
        sfile *f = &run->files[i];
        sgroup *g = group_for(run, f->uaj);
        if (g == NULL) {
            g = &run->groups[run->n_groups++];
            memcpy(g->uai, f->uaj, 9);
            g->year = f->year;
        }
        if (g->f[f->type]) {
            relais_error_set(_("%s : deux exports %s pour l'établissement %s (%s et %s) : "
                               "donnez-en un seul"),
                             f->name, siecle_type_label(f->type), g->uai, g->f[f->type]->name,
                             f->name);
            return RELAIS_EREFUSED;
        }
        g->f[f->type] = f;
    }
    qsort(run->groups, run->n_groups, sizeof *run->groups, cmp_group);
    /* An académie's files all have the same names: warnings say which establishment. */
    for (size_t i = 0; i < run->n_files; i++) {
        sfile *f = &run->files[i];
        util_buf b = UTIL_BUF_INIT;
        if (run->n_groups > 1) {
            util_buf_printf(&b, "%s %s", f->uaj, f->name);
        } else {
            util_buf_puts(&b, f->name);
        }
        f->label = util_buf_steal(&b);
        if (f->label == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    for (size_t i = 0; i < run->n_groups; i++) {
        for (int t = 0; t < SF_COUNT; t++) {
            if (run->groups[i].f[t]) {
                run->groups[i].f[t]->group = &run->groups[i];
            }
        }
    }

    /* Establishments: known to the hub, or allowed to be created. */
    size_t n_etab = 0;
    int rc = relais_store_establishment_count(&n_etab, run->store);
    if (rc < 0) {
        return rc;
    }
    for (size_t i = 0; i < run->n_groups; i++) {
        sgroup *g = &run->groups[i];
        relais_establishment *e = NULL;
        util_arena_reset(run->arena);
        rc = relais_store_establishment_find(&e, run->store, run->arena, g->uai);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            if (n_etab > 0 && !run->o.new_uai) {
                const sfile *f = NULL;
                for (int t = 0; t < SF_COUNT && f == NULL; t++) {
                    f = g->f[t];
                }
                relais_error_set(_("%s:%lu : élément UAJ : l'établissement %s n'est pas dans le "
                                   "hub : fichier d'un autre établissement ? (pour l'ajouter : "
                                   "--new-uai)"),
                                 f->name, f->uaj_line, g->uai);
                return RELAIS_EREFUSED;
            }
        }
        if (rc < 0) {
            return rc;
        }
    }

    /* Guardians need their students: in the same set, or already in the hub. */
    for (size_t i = 0; i < run->n_groups; i++) {
        sgroup *g = &run->groups[i];
        if (g->f[SF_RESPONSABLES] == NULL || g->f[SF_ELEVES] != NULL) {
            continue;
        }
        relais_scope *sc = NULL;
        util_arena_reset(run->arena);
        rc = relais_store_scope_find(&sc, run->store, run->arena, g->uai, g->year);
        size_t n_students = 0;
        if (rc == 0) {
            rc = relais_store_record_count(&n_students, NULL, run->store, RELAIS_KIND_STUDENT,
                                           sc->id);
        } else if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
        }
        if (rc < 0) {
            return rc;
        }
        if (n_students == 0) {
            relais_error_set(_("%s : export des responsables sans les élèves de %s : le hub n'a "
                               "pas encore d'élèves pour cet établissement, importez aussi "
                               "l'export Élèves"),
                             g->f[SF_RESPONSABLES]->name, g->uai);
            return RELAIS_EREFUSED;
        }
    }
    return 0;
}

/* After parsing: every structure the students reference exists in Structures. */
int siecle_check_consistency(siecle_run *run, const sgroup *g)
{
    sfile *el = g->f[SF_ELEVES], *st = g->f[SF_STRUCTURES];
    if (el == NULL || st == NULL || el->struct_refs == NULL) {
        return 0;
    }
    /* Report the reference that comes first in the file. */
    const char *bad = NULL;
    size_t bad_len = 0;
    int64_t bad_line = INT64_MAX;
    size_t pos = 0;
    const char *key;
    size_t key_len;
    int64_t line;
    while (util_map_next(el->struct_refs, &pos, &key, &key_len, &line)) {
        if (key[0] == 'G' && !run->o.groups) {
            continue;
        }
        if (st->struct_defs && util_map_get(st->struct_defs, key, key_len, NULL)) {
            continue;
        }
        if (line < bad_line) {
            bad = key;
            bad_len = key_len;
            bad_line = line;
        }
    }
    if (bad) {
        bool group = bad[0] == 'G';
        if (group) {
            relais_error_set(_("%s:%lld : élément STRUCTURE : le groupe « %.*s » est absent "
                               "de %s : les fichiers ne viennent pas du même export, "
                               "exportez-les à nouveau ensemble"),
                             el->name, (long long)bad_line, (int)(bad_len - 2), bad + 2,
                             st->name);
        } else {
            relais_error_set(_("%s:%lld : élément STRUCTURE : la division « %.*s » est "
                               "absente de %s : les fichiers ne viennent pas du même export, "
                               "exportez-les à nouveau ensemble"),
                             el->name, (long long)bad_line, (int)(bad_len - 2), bad + 2,
                             st->name);
        }
        return RELAIS_EREFUSED;
    }
    return 0;
}

void siecle_files_free(siecle_run *run)
{
    for (size_t i = 0; i < run->n_files; i++) {
        sfile *f = &run->files[i];
        util_free(f->path);
        util_free(f->name);
        util_free(f->label);
        util_free(f->root);
        util_free(f->version);
        util_free(f->horodatage);
        util_free(f->etab_name);
        util_free(f->etab_type);
        util_free(f->etab_sector);
        util_map_free(f->reported);
        util_map_free(f->struct_refs);
        util_map_free(f->struct_defs);
        kvarr_free(&f->side_index);
        kvarr_free(&f->bourse_index);
        util_free(f->parse_error);
    }
    util_free(run->files);
    util_free(run->groups);
    run->files = NULL;
    run->groups = NULL;
    run->n_files = run->n_groups = 0;
}
