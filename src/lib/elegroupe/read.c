/*
 * read.c — reading an ELEGROUPE file (the zip to deposit or its XML) for the
 * checks: every student with its groups, and every way the file breaks the
 * deposit rules of elegroupe.md §1–§3, with the line where it does.
 */
#include "elegroupe.h"

#include <stdarg.h>
#include <string.h>

#include "xml/xml.h"

typedef struct read_ctx {
    util_arena *a;
    elegroupe_file *file;
    struct {
        elegroupe_student *items;
        size_t n, cap;
    } students;
    struct {
        elegroupe_violation *items;
        size_t n, cap;
    } viol;
    bool has_parametres;
    int rc;
} read_ctx;

static void violation(read_ctx *c, unsigned long line, const char *element, const char *ids,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void violation(read_ctx *c, unsigned long line, const char *element, const char *ids,
                      const char *fmt, ...)
{
    if (c->viol.n == c->viol.cap) {
        size_t cap = c->viol.cap ? c->viol.cap * 2 : 16;
        elegroupe_violation *items = util_arena_alloc(c->a, cap * sizeof *items);
        if (items == NULL) {
            c->rc = RELAIS_ENOMEM;
            return;
        }
        if (c->viol.n) {
            memcpy(items, c->viol.items, c->viol.n * sizeof *items);
        }
        c->viol.items = items;
        c->viol.cap = cap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->viol.items[c->viol.n++] = (elegroupe_violation){
        line, util_arena_strdup(c->a, element), ids ? util_arena_strdup(c->a, ids) : NULL,
        util_arena_strdup(c->a, msg)};
}

/* Text of a child, NULL when absent; an empty element is kept as "" for the validator. */
static const char *child(read_ctx *c, const xml_node *n, const char *name)
{
    const xml_node *ch = xml_node_child(n, name);
    return ch ? util_arena_strdup(c->a, xml_node_text(ch)) : NULL;
}

/*
 * The children of `n` must appear in the order of `order` (each at most once
 * unless it is the repeated one), and nothing else.
 */
static void check_sequence(read_ctx *c, const xml_node *n, const char *const *order, size_t n_order,
                           const char *repeated, const char *ids)
{
    size_t last = 0;
    bool seen = false;
    for (const xml_node *ch = xml_node_first_child(n); ch; ch = xml_node_next_sibling(ch)) {
        const char *name = xml_node_name(ch);
        size_t k = 0;
        while (k < n_order && strcmp(order[k], name) != 0) {
            k++;
        }
        if (k == n_order) {
            violation(c, xml_node_line(ch), name, ids, _("élément %s inattendu dans %s"), name,
                      xml_node_name(n));
        } else if (seen && k < last) {
            violation(c, xml_node_line(ch), name, ids, _("élément %s hors de sa place dans %s"),
                      name, xml_node_name(n));
        } else if (seen && k == last && !util_streq(repeated, name)) {
            violation(c, xml_node_line(ch), name, ids, _("élément %s répété dans %s"), name,
                      xml_node_name(n));
        } else {
            last = k;
            seen = true;
        }
    }
}

static int on_parametres(const xml_node *n, void *payload)
{
    read_ctx *c = payload;
    static const char *const order[] = {"UAJ", "ANNEE_SCOLAIRE", "DATE_IMPORT", "NUM_ENVOI",
                                        "LOGICIEL"};
    check_sequence(c, n, order, UTIL_ARRAY_LEN(order), NULL, NULL);
    c->has_parametres = true;
    elegroupe_file *f = c->file;
    f->uai = child(c, n, "UAJ");
    f->date_import = child(c, n, "DATE_IMPORT");
    f->logiciel = child(c, n, "LOGICIEL");
    const char *year = child(c, n, "ANNEE_SCOLAIRE"), *num = child(c, n, "NUM_ENVOI");
    int64_t v;
    f->year = year && strlen(year) == 4 && util_parse_int64(year, 4, &v) ? (int)v : 0;
    f->num_envoi = num && util_parse_int64(num, strlen(num), &v) ? (long)v : -1;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(order); i++) {
        if (xml_node_child(n, order[i]) == NULL) {
            violation(c, xml_node_line(n), order[i], NULL, _("%s manquant dans PARAMETRES"),
                      order[i]);
        }
    }
    return c->rc;
}

static int on_eleve(const xml_node *n, void *payload)
{
    read_ctx *c = payload;
    if (c->students.n == c->students.cap) {
        size_t cap = c->students.cap ? c->students.cap * 2 : 64;
        elegroupe_student *items = util_realloc(c->students.items, cap * sizeof *items);
        if (items == NULL) {
            return RELAIS_ENOMEM;
        }
        c->students.items = items;
        c->students.cap = cap;
    }
    elegroupe_student *e = &c->students.items[c->students.n++];
    memset(e, 0, sizeof *e);
    e->line = xml_node_line(n);
    static const char *const ids[] = {"ELEVE_ID", "ID_NATIONAL", "ID_PRV_ELE"};
    size_t n_ids = 0;
    for (int k = 0; k < 3; k++) {
        const char *v = child(c, n, ids[k]);
        if (v) {
            if (n_ids++ == 0) {
                e->id_kind = (elegroupe_id_kind)k;
                e->id = v;
            }
        }
    }
    char who[160];
    snprintf(who, sizeof who, "%s %s", ids[e->id_kind], e->id ? e->id : "?");
    if (n_ids != 1) {
        violation(c, e->line, "ELEVE", who,
                  n_ids ? _("%zu identifiants (ELEVE_ID, ID_NATIONAL, ID_PRV_ELE) : un seul "
                            "attendu")
                        : _("%zu identifiant : ELEVE_ID, ID_NATIONAL ou ID_PRV_ELE attendu"),
                  n_ids);
    }
    static const char *const order[] = {"ELEVE_ID",  "ID_NATIONAL", "ID_PRV_ELE", "NOM_DE_FAMILLE",
                                        "NOM_USAGE", "PRENOM",      "PRENOM2",    "PRENOM3",
                                        "DATE_NAISS", "GROUPES"};
    check_sequence(c, n, order, UTIL_ARRAY_LEN(order), NULL, who);
    e->nom_de_famille = child(c, n, "NOM_DE_FAMILLE");
    e->nom_usage = child(c, n, "NOM_USAGE");
    e->prenom = child(c, n, "PRENOM");
    e->prenom2 = child(c, n, "PRENOM2");
    e->prenom3 = child(c, n, "PRENOM3");
    e->date_naiss = child(c, n, "DATE_NAISS");
    const xml_node *groupes = xml_node_child(n, "GROUPES");
    size_t n_groups = 0;
    for (const xml_node *g = groupes ? xml_node_child(groupes, "GROUPE") : NULL; g;
         g = xml_node_next_named(g)) {
        n_groups++;
    }
    e->links = util_arena_alloc(c->a, (n_groups + 1) * sizeof *e->links);
    if (e->links == NULL) {
        return RELAIS_ENOMEM;
    }
    if (groupes) {
        static const char *const gorder[] = {"GROUPE"};
        check_sequence(c, groupes, gorder, 1, "GROUPE", who);
    }
    for (const xml_node *g = groupes ? xml_node_child(groupes, "GROUPE") : NULL; g;
         g = xml_node_next_named(g)) {
        static const char *const lorder[] = {"CODE_GROUPE", "DATE_DEBUT_GROUPE", "DATE_FIN_GROUPE"};
        check_sequence(c, g, lorder, UTIL_ARRAY_LEN(lorder), NULL, who);
        e->links[e->n_links++] = (elegroupe_link){child(c, g, "CODE_GROUPE"),
                                                  child(c, g, "DATE_DEBUT_GROUPE"),
                                                  child(c, g, "DATE_FIN_GROUPE"), xml_node_line(g)};
    }
    return c->rc;
}

static int on_root(const xml_node *n, void *payload)
{
    (void)payload;
    if (strcmp(xml_node_name(n), "IMPORT_ELEVES") != 0) {
        relais_error_set(_("élément racine %s : un fichier ELEGROUPE commence par IMPORT_ELEVES"),
                         xml_node_name(n));
        return RELAIS_EINVALID;
    }
    return 0;
}

/* Deposit checks 2 and 4: "<UAI>ELEGROUPE<AAAA><AAMMJJhhmmss>" for the zip and its entry. */
static bool base_name_ok(const char *name, size_t len)
{
    if (len != 33) {
        return false;
    }
    for (size_t i = 0; i < 33; i++) {
        char ch = name[i];
        bool digit = ch >= '0' && ch <= '9';
        if ((i < 7 || i >= 17) ? !digit
            : i == 7           ? !(ch >= 'A' && ch <= 'Z')
                               : ch != "ELEGROUPE"[i - 8]) {
            return false;
        }
    }
    return true;
}

static void check_names(read_ctx *c, const char *path, const char *source_name)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *colon = strchr(source_name, ':');
    const char *entry = colon ? colon + 1 : NULL;
    size_t base_len = strlen(base);
    const char *ext = base_len > 4 ? base + base_len - 4 : "";
    size_t stem_len = base_len > 4 ? base_len - 4 : 0;
    if (!base_name_ok(base, stem_len)) {
        violation(c, 0, _("nom du fichier"), NULL,
                  _("« %s » ne suit pas le modèle <UAI>ELEGROUPE<AAAA><AAMMJJhhmmss>.zip"), base);
    }
    if (entry) {
        size_t entry_len = strlen(entry);
        if (entry_len != stem_len + 4 || strncmp(entry, base, stem_len) != 0 ||
            strcmp(entry + stem_len, ".xml") != 0) {
            violation(c, 0, _("nom du fichier"), NULL,
                      _("le XML « %s » doit porter le nom du zip (%.*s.xml)"), entry,
                      (int)stem_len, base);
        }
    } else if (strcmp(ext, ".xml") == 0) {
        violation(c, 0, _("nom du fichier"), NULL, "%s",
                  _("SIECLE attend le fichier zippé (.zip contenant ce XML)"));
    }
    char year[8];
    snprintf(year, sizeof year, "%04d", c->file->year % 10000);
    if (c->file->uai && base_name_ok(base, stem_len) &&
        (strncmp(base, c->file->uai, 8) != 0 || strncmp(base + 17, year, 4) != 0)) {
        violation(c, 0, _("nom du fichier"), NULL,
                  _("le nom « %.*s » ne porte pas l'UAI et l'année du fichier (%s, %s)"),
                  (int)stem_len, base, c->file->uai, year);
    }
}

int elegroupe_read_file(elegroupe_file **out, elegroupe_violation **violations,
                        size_t *n_violations, util_arena *arena, const char *path)
{
    read_ctx c = {.a = arena};
    c.file = util_arena_alloc(arena, sizeof *c.file);
    if (c.file == NULL) {
        return RELAIS_ENOMEM;
    }
    memset(c.file, 0, sizeof *c.file);
    xml_reader *r = NULL;
    xml_source *src = NULL;
    int rc = xml_reader_new(&r, NULL);
    if (rc == 0) {
        rc = xml_source_open(&src, path, NULL);
    }
    if (rc == 0) {
        xml_reader_on_root(r, on_root, &c);
        xml_reader_on_record(r, "/IMPORT_ELEVES/PARAMETRES", on_parametres, &c);
        xml_reader_on_record(r, "/IMPORT_ELEVES/DONNEES/ELEVES/ELEVE", on_eleve, &c);
        rc = xml_reader_parse(r, src);
    }
    if (rc == 0) {
        rc = c.rc;
    }
    if (rc == 0) {
        c.file->name = util_arena_strdup(arena, xml_source_name(src));
        c.file->students = c.students.n ? util_arena_alloc(arena, c.students.n * sizeof(elegroupe_student))
                                        : NULL;
        if (c.students.n) {
            if (c.file->students == NULL) {
                rc = RELAIS_ENOMEM;
            } else {
                memcpy(c.file->students, c.students.items, c.students.n * sizeof(elegroupe_student));
            }
        }
        c.file->n_students = c.students.n;
    }
    if (rc == 0) {
        if (!c.has_parametres) {
            violation(&c, 0, "PARAMETRES", NULL, "%s", _("PARAMETRES manquant"));
        }
        check_names(&c, path, c.file->name);
        /* The content rules (lengths, patterns, dates, uniqueness) of the validator. */
        elegroupe_violation *more;
        size_t n_more;
        rc = elegroupe_validate(&more, &n_more, arena, c.file);
        for (size_t i = 0; i < n_more && rc == 0; i++) {
            violation(&c, more[i].line, more[i].element, more[i].ids, "%s", more[i].message);
        }
        rc = rc == 0 ? c.rc : rc;
    }
    util_free(c.students.items);
    xml_source_free(src);
    xml_reader_free(r);
    if (rc < 0) {
        return rc;
    }
    *out = c.file;
    *violations = c.viol.items;
    *n_violations = c.viol.n;
    return 0;
}
