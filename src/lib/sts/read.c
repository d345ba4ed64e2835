/*
 * read.c — reading an STS_EDT export (sts_emp_<UAI>_<YEAR>.xml) into memory.
 *
 * The xml module streams one record per element path (an INDIVIDU, a
 * DIVISION with its services, a nomenclature list); this file turns each into
 * model records kept in the file's arena, checking values on the way and
 * noting what it cannot use as plan warnings with their line. It is tolerant
 * where producers disagree (sts-web.md §A.6: MEF_APPARTENANCE or MEF inside
 * MEFS_APPARTENANCE, in any order; empty containers; values on indented
 * lines), strict where meaning is at stake (root element, UAI, year).
 */
#include "internal.h"

#include "xml/xml.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

int sts_vec_reserve(void **v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    size_t ncap = *cap ? *cap * 2 : 16;
    void *nv = util_realloc(*v, ncap * elem);
    if (nv == NULL) {
        return RELAIS_ENOMEM;
    }
    *v = nv;
    *cap = ncap;
    return 0;
}

int sts_warn(sts_file *f, relais_severity sev, const char *code, unsigned long line,
             relais_kind kind, const char *ids, const char *fmt, ...)
{
    util_buf msg = UTIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = util_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc == 0) {
        relais_warning w = {sev, code, f->file, line, (int)kind, ids, util_buf_cstr(&msg)};
        rc = relais_plan_warn(f->plan, &w);
    }
    util_buf_free(&msg);
    return rc;
}

/* ------------------------------------------------------------ helpers */

/* Trimmed copy of an attribute, NULL when absent or empty. */
static const char *attr(sts_file *f, const xml_node *n, const char *name)
{
    const char *v = xml_node_attr(n, name);
    if (v == NULL) {
        return NULL;
    }
    size_t len = strlen(v);
    const char *t = util_trim(v, &len);
    return len ? util_arena_strndup(f->arena, t, len) : NULL;
}

/* Copy of a child's text (already trimmed by the reader), NULL when absent or empty. */
static const char *child(sts_file *f, const xml_node *n, const char *name)
{
    const xml_node *c = xml_node_child(n, name);
    if (c == NULL || xml_node_text_len(c) == 0) {
        return NULL;
    }
    return util_arena_strndup(f->arena, xml_node_text(c), xml_node_text_len(c));
}

static unsigned long child_line(const xml_node *n, const char *name)
{
    const xml_node *c = xml_node_child(n, name);
    return c ? xml_node_line(c) : xml_node_line(n);
}

/* Set a text field from a child element's text. */
static int set_child(sts_file *f, relais_record *r, size_t field, const xml_node *n,
                     const char *name)
{
    const xml_node *c = xml_node_child(n, name);
    if (c == NULL) {
        return 0;
    }
    return relais_record_set(r, f->arena, field, xml_node_text(c), xml_node_text_len(c));
}

/* A decimal child (hours) normalised, or NULL with a warning when unreadable. */
static int decimal_child(const char **out, sts_file *f, const xml_node *n, const char *name,
                         relais_kind kind, const char *ids)
{
    *out = NULL;
    const char *v = child(f, n, name);
    if (v == NULL) {
        return 0;
    }
    char buf[32];
    if (!sts_decimal_norm(buf, sizeof buf, v)) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", child_line(n, name), kind,
                        ids, _("élément %s : nombre d'heures invalide « %s », ignoré"), name, v);
    }
    *out = util_arena_strdup(f->arena, buf);
    return *out ? 0 : RELAIS_ENOMEM;
}

/* An integer child (effectifs), or NULL with a warning. */
static int int_child(const char **out, sts_file *f, const xml_node *n, const char *name,
                     relais_kind kind, const char *ids)
{
    *out = NULL;
    const char *v = child(f, n, name);
    int64_t x;
    if (v == NULL) {
        return 0;
    }
    if (!util_parse_int64(v, strlen(v), &x) || x < 0) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", child_line(n, name), kind,
                        ids, _("élément %s : entier invalide « %s », ignoré"), name, v);
    }
    *out = v;
    return 0;
}

static int remember(util_map *m, const char *key, size_t pos)
{
    return util_map_put(m, key, strlen(key), (int64_t)pos);
}

/* Keep a record read under `code`, which `codes` remembers to refuse a second one. */
static int keep_coded(sts_items *vec, util_map *codes, const char *code, relais_record *r,
                      unsigned long line)
{
    sts_item *it = NULL;
    int rc = remember(codes, code, vec->n);
    if (rc == 0) {
        rc = STS_VEC_PUSH(*vec, it);
    }
    if (rc == 0) {
        it->r = r;
        it->line = line;
    }
    return rc;
}

static bool known(const util_map *m, const char *key)
{
    int64_t pos;
    return key && util_map_get(m, key, strlen(key), &pos);
}

static const char *ids_of(sts_file *f, const char *what, const char *code)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_printf(&b, "%s %s", what, code ? code : "?");
    const char *s = b.failed ? NULL : util_arena_strdup(f->arena, util_buf_cstr(&b));
    util_buf_free(&b);
    return s;
}

/* ------------------------------------------------------------- root */

static int on_root(const xml_node *n, void *payload)
{
    sts_file *f = payload;
    /* From here on, messages name the document as the reader does ("x.zip:y.xml"). */
    const char *name_for_messages = xml_reader_file(f->xr);
    if (name_for_messages) {
        const char *copy = util_arena_strdup(f->arena, name_for_messages);
        if (copy == NULL) {
            return RELAIS_ENOMEM;
        }
        f->file = copy;
    }
    const char *name = xml_node_name(n);
    if (strcmp(name, "STS_EDT") == 0) {
        return 0;
    }
    if (strcmp(name, "EDT_STS") == 0) {
        relais_error_set(_("%s:%lu : élément racine EDT_STS : ce fichier va dans l'autre sens "
                           "(remontée de l'emploi du temps vers STS-Web) ; importez-le avec "
                           "« relais import timetable », « relais import sts » attend l'export "
                           "sts_emp_<UAI>_<ANNÉE>.xml (racine STS_EDT)"),
                         f->file, xml_node_line(n));
    } else {
        relais_error_set(_("%s:%lu : élément racine %s : ce n'est pas un export STS-Web pour "
                           "l'emploi du temps (racine STS_EDT attendue)"),
                         f->file, xml_node_line(n), name);
    }
    return RELAIS_EINVALID;
}

/* -------------------------------------------------------- PARAMETRES */

static int on_parametres(const xml_node *n, void *payload)
{
    sts_file *f = payload;
    f->has_parametres = true;
    const xml_node *uaj = xml_node_child(n, "UAJ");
    const char *code = uaj ? attr(f, uaj, "CODE") : NULL;
    if (code == NULL) {
        relais_error_set(_("%s:%lu : élément PARAMETRES : UAJ@CODE (UAI de l'établissement) "
                           "absent"),
                         f->file, xml_node_line(n));
        return RELAIS_EINVALID;
    }
    char up[16];
    size_t len = strlen(code);
    for (size_t i = 0; i < len && i < sizeof up - 1; i++) {
        up[i] = (code[i] >= 'a' && code[i] <= 'z') ? (char)(code[i] - 'a' + 'A') : code[i];
    }
    up[UTIL_MIN(len, sizeof up - 1)] = '\0';
    if (!sts_uai_valid(up)) {
        relais_error_set(_("%s:%lu : élément UAJ : UAI invalide « %s » (7 chiffres et une lettre "
                           "attendus)"),
                         f->file, xml_node_line(uaj), code);
        return RELAIS_EINVALID;
    }
    memcpy(f->uai, up, 9);
    f->uai_line = xml_node_line(uaj);
    const char *denom = child(f, uaj, "DENOM_PRINC");
    const char *compl = child(f, uaj, "DENOM_COMPL");
    if (denom && compl ) {
        util_buf b = UTIL_BUF_INIT;
        util_buf_printf(&b, "%s %s", denom, compl );
        f->name = b.failed ? NULL : util_arena_strdup(f->arena, util_buf_cstr(&b));
        util_buf_free(&b);
    } else {
        f->name = denom ? denom : compl ;
    }
    f->sigle = child(f, uaj, "SIGLE");

    const xml_node *an = xml_node_child(n, "ANNEE_SCOLAIRE");
    const char *year = an ? attr(f, an, "ANNEE") : NULL;
    int64_t y = 0;
    if (year == NULL || !util_parse_int64(year, strlen(year), &y) || y < 1990 || y > 2200) {
        relais_error_set(_("%s:%lu : élément ANNEE_SCOLAIRE : attribut ANNEE absent ou invalide "
                           "« %s » (année sur 4 chiffres attendue)"),
                         f->file, an ? xml_node_line(an) : xml_node_line(n), year ? year : "");
        return RELAIS_EINVALID;
    }
    f->year = (int)y;
    return 0;
}

/* ------------------------------------------------------ NOMENCLATURES */

static int read_subject(sts_file *f, const xml_node *m)
{
    const char *code = attr(f, m, "CODE");
    unsigned long line = xml_node_line(m);
    if (code == NULL) {
        return sts_warn(f, RELAIS_SEVERITY_ERROR, "CODE_ABSENT", line, RELAIS_KIND_SUBJECT, NULL,
                        "%s", _("MATIERE sans attribut CODE, ignorée"));
    }
    if (known(f->subject_codes, code)) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "DOUBLON", line, RELAIS_KIND_SUBJECT,
                        ids_of(f, "MATIERE", code), "%s",
                        _("matière déjà lue plus haut dans le fichier, ignorée"));
    }
    relais_record *r = relais_record_new(f->arena, RELAIS_KIND_SUBJECT);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    static const struct {
        size_t field;
        const char *child;
    } map[] = {
        {RELAIS_SUBJECT_CODE_GESTION, "CODE_GESTION"},
        {RELAIS_SUBJECT_LIBELLE_COURT, "LIBELLE_COURT"},
        {RELAIS_SUBJECT_LIBELLE_LONG, "LIBELLE_LONG"},
        {RELAIS_SUBJECT_LIBELLE_EDITION, "LIBELLE_EDITION"},
    };
    int rc = relais_record_set_str(r, f->arena, RELAIS_SUBJECT_CODE_MATIERE, code);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(map) && rc == 0; i++) {
        rc = set_child(f, r, map[i].field, m, map[i].child);
    }
    return rc < 0 ? rc : keep_coded(&f->subjects, f->subject_codes, code, r, line);
}

static int read_mef(sts_file *f, const xml_node *m)
{
    const char *code = attr(f, m, "CODE");
    unsigned long line = xml_node_line(m);
    if (code == NULL) {
        return sts_warn(f, RELAIS_SEVERITY_ERROR, "CODE_ABSENT", line, RELAIS_KIND_MEF, NULL, "%s",
                        _("MEF sans attribut CODE, ignoré"));
    }
    if (known(f->mef_codes, code)) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "DOUBLON", line, RELAIS_KIND_MEF,
                        ids_of(f, "MEF", code), "%s",
                        _("MEF déjà lu plus haut dans le fichier, ignoré"));
    }
    relais_record *r = relais_record_new(f->arena, RELAIS_KIND_MEF);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    static const struct {
        size_t field;
        const char *child;
    } map[] = {
        {RELAIS_MEF_FORMATION, "FORMATION"},       {RELAIS_MEF_SPECIALITE, "SPECIALITE"},
        {RELAIS_MEF_LIBELLE_LONG, "LIBELLE_LONG"}, {RELAIS_MEF_LIBELLE_EDITION, "LIBELLE_EDITION"},
        {RELAIS_MEF_CODE_MEFSTAT, "MEFSTAT11"},    {RELAIS_MEF_MEFSTAT4, "MEFSTAT4"},
    };
    int rc = relais_record_set_str(r, f->arena, RELAIS_MEF_CODE_MEF, code);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(map) && rc == 0; i++) {
        rc = set_child(f, r, map[i].field, m, map[i].child);
    }
    if (rc == 0 && r->text[RELAIS_MEF_LIBELLE_LONG] == NULL) {
        /* Constructed exports put the long label in LIBELLE_COURT only. */
        rc = set_child(f, r, RELAIS_MEF_LIBELLE_LONG, m, "LIBELLE_COURT");
    }
    return rc < 0 ? rc : keep_coded(&f->mefs, f->mef_codes, code, r, line);
}

static int read_programme(sts_file *f, const xml_node *m)
{
    relais_record *r = relais_record_new(f->arena, RELAIS_KIND_PROGRAMME);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = set_child(f, r, RELAIS_PROGRAMME_CODE_MEF, m, "CODE_MEF");
    if (rc == 0) {
        rc = set_child(f, r, RELAIS_PROGRAMME_CODE_MATIERE, m, "CODE_MATIERE");
    }
    if (rc == 0) {
        rc = set_child(f, r, RELAIS_PROGRAMME_CODE_MODALITE_ELECT, m, "CODE_MODALITE_ELECT");
    }
    const char *h = NULL;
    if (rc == 0) {
        rc = decimal_child(&h, f, m, "HORAIRE", RELAIS_KIND_PROGRAMME, NULL);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, RELAIS_PROGRAMME_HORAIRE, h);
    }
    sts_item *it = NULL;
    if (rc == 0) {
        rc = STS_VEC_PUSH(f->programmes, it);
    }
    if (rc == 0) {
        it->r = r;
        it->line = xml_node_line(m);
    }
    return rc;
}

/* The nomenclature lists kept as NOMENCLATURE records, by container. */
typedef struct list_def {
    const char *container, *entry, *key_attr, *list;
} list_def;

static const list_def generic_lists[] = {
    {"TYPES_AHE", "TYPE_AHE", "CODE", "sts_type_ahe"},
    {"CIVILITES", "CIVILITE", "CODE", "sts_civilite"},
    {"MEFSTATS4", "MEFSTAT4", "CODE", "sts_mefstat4"},
    {"TAUX_PONDS", "TAUX_POND", "TAUX", "sts_taux_pond"},
    {"MODS_COURS", "MOD_COURS", "CODE", "sts_mod_cours"},
    {"CONTRATS", "CONTRAT", NULL, "sts_contrat"},
};

/* Every child that is not a label becomes a key of the JSON `attrs` (sorted). */
static int generic_attrs(const char **out, sts_file *f, const xml_node *e)
{
    *out = NULL;
    const char *names[32];
    size_t n = 0;
    for (const xml_node *c = xml_node_first_child(e); c && n < UTIL_ARRAY_LEN(names);
         c = xml_node_next_sibling(c)) {
        const char *cn = xml_node_name(c);
        if (strcmp(cn, "LIBELLE_COURT") == 0 || strcmp(cn, "LIBELLE_LONG") == 0 ||
            strcmp(cn, "LIBELLE_EDITION") == 0 || strcmp(cn, "CODE") == 0 ||
            xml_node_text_len(c) == 0) {
            continue;
        }
        size_t at = n;
        while (at > 0 && strcmp(names[at - 1], cn) > 0) {
            names[at] = names[at - 1];
            at--;
        }
        names[at] = cn;
        n++;
    }
    if (n == 0) {
        return 0;
    }
    util_buf b = UTIL_BUF_INIT;
    util_json j;
    util_json_init_buf(&j, &b, false);
    util_json_object_begin(&j);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(names[i], names[i - 1]) == 0) {
            continue;
        }
        char key[64];
        size_t k = 0;
        for (const char *p = names[i]; *p && k < sizeof key - 1; p++) {
            key[k++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
        }
        key[k] = '\0';
        util_json_kv_string(&j, key, xml_node_child_text(e, names[i]));
    }
    util_json_object_end(&j);
    *out = b.failed ? NULL : util_arena_strdup(f->arena, util_buf_cstr(&b));
    util_buf_free(&b);
    return *out ? 0 : RELAIS_ENOMEM;
}

static int read_generic(sts_file *f, const list_def *d, const xml_node *e, util_map *seen)
{
    const char *code = d->key_attr ? attr(f, e, d->key_attr) : child(f, e, "CODE");
    unsigned long line = xml_node_line(e);
    if (code == NULL) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "CODE_ABSENT", line, RELAIS_KIND_NOMENCLATURE,
                        NULL, _("%s sans code, ignoré"), d->entry);
    }
    if (known(seen, code)) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "DOUBLON", line, RELAIS_KIND_NOMENCLATURE,
                        ids_of(f, d->entry, code), "%s",
                        _("entrée de nomenclature déjà lue plus haut, ignorée"));
    }
    relais_record *r = relais_record_new(f->arena, RELAIS_KIND_NOMENCLATURE);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    const char *attrs = NULL;
    int rc = relais_record_set_str(r, f->arena, RELAIS_NOMENCLATURE_LIST, d->list);
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, RELAIS_NOMENCLATURE_CODE, code);
    }
    if (rc == 0) {
        rc = set_child(f, r, RELAIS_NOMENCLATURE_LIBELLE_COURT, e, "LIBELLE_COURT");
    }
    if (rc == 0) {
        rc = set_child(f, r, RELAIS_NOMENCLATURE_LIBELLE_LONG, e, "LIBELLE_LONG");
    }
    if (rc == 0) {
        rc = set_child(f, r, RELAIS_NOMENCLATURE_LIBELLE_EDITION, e, "LIBELLE_EDITION");
    }
    if (rc == 0) {
        rc = generic_attrs(&attrs, f, e);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, RELAIS_NOMENCLATURE_ATTRS, attrs);
    }
    if (rc == 0) {
        rc = remember(seen, code, 0);
    }
    sts_item *it = NULL;
    if (rc == 0) {
        rc = STS_VEC_PUSH(f->nomenclature, it);
    }
    if (rc == 0) {
        it->r = r;
        it->line = line;
    }
    return rc;
}

static int on_nomenclature(const xml_node *n, void *payload)
{
    sts_file *f = payload;
    const char *name = xml_node_name(n);
    int rc = 0;
    if (strcmp(name, "MATIERES") == 0) {
        for (const xml_node *m = xml_node_child(n, "MATIERE"); m && rc == 0;
             m = xml_node_next_named(m)) {
            rc = read_subject(f, m);
        }
        return rc;
    }
    if (strcmp(name, "MEFS") == 0) {
        for (const xml_node *m = xml_node_child(n, "MEF"); m && rc == 0;
             m = xml_node_next_named(m)) {
            rc = read_mef(f, m);
        }
        return rc;
    }
    if (strcmp(name, "PROGRAMMES") == 0) {
        for (const xml_node *m = xml_node_child(n, "PROGRAMME"); m && rc == 0;
             m = xml_node_next_named(m)) {
            rc = read_programme(f, m);
        }
        return rc;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(generic_lists); i++) {
        const list_def *d = &generic_lists[i];
        if (strcmp(name, d->container) != 0) {
            continue;
        }
        util_map *seen;
        rc = util_map_new(&seen);
        for (const xml_node *e = xml_node_child(n, d->entry); e && rc == 0;
             e = xml_node_next_named(e)) {
            rc = read_generic(f, d, e, seen);
        }
        util_map_free(seen);
        const char **slot = NULL;
        if (rc == 0) {
            rc = STS_VEC_PUSH(f->lists_seen, slot);
        }
        if (rc == 0) {
            *slot = d->list;
        }
        return rc;
    }
    /* An unknown list: said once, not an error (the format evolves). */
    return sts_warn(f, RELAIS_SEVERITY_INFO, "ELEMENT_INCONNU", xml_node_line(n), -1, NULL,
                    _("nomenclature %s inconnue, ignorée"), name);
}

/* ---------------------------------------------------------- INDIVIDUS */

/* "|"-joined sorted unique structure codes of PROFS_PRINC. */
static int join_sorted(const char **out, sts_file *f, const char **codes, size_t n)
{
    *out = NULL;
    for (size_t i = 1; i < n; i++) {
        const char *c = codes[i];
        size_t j = i;
        while (j > 0 && strcmp(codes[j - 1], c) > 0) {
            codes[j] = codes[j - 1];
            j--;
        }
        codes[j] = c;
    }
    util_buf b = UTIL_BUF_INIT;
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(codes[i], codes[i - 1]) == 0) {
            continue;
        }
        if (written++ > 0) {
            util_buf_putc(&b, '|');
        }
        util_buf_puts(&b, codes[i]);
    }
    if (written > 0) {
        *out = b.failed ? NULL : util_arena_strdup(f->arena, util_buf_cstr(&b));
        if (*out == NULL) {
            util_buf_free(&b);
            return RELAIS_ENOMEM;
        }
    }
    util_buf_free(&b);
    return 0;
}

static int read_person(sts_file *f, const xml_node *n, bool is_suppleant)
{
    unsigned long line = xml_node_line(n);
    const char *id = attr(f, n, "ID");
    if (id == NULL) {
        return sts_warn(f, RELAIS_SEVERITY_ERROR, "ID_ABSENT", line, RELAIS_KIND_STAFF, NULL, "%s",
                        _("INDIVIDU sans attribut ID, ignoré"));
    }
    const char *ids = ids_of(f, "INDIVIDU", id);
    if (known(f->staff_ids, id)) {
        if (is_suppleant) {
            return 0; /* a substitute who is also listed among INDIVIDUS */
        }
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "DOUBLON", line, RELAIS_KIND_STAFF, ids, "%s",
                        _("individu déjà lu plus haut dans le fichier, ignoré"));
    }
    relais_record *r = relais_record_new(f->arena, RELAIS_KIND_STAFF);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    static const struct {
        size_t field;
        const char *child;
    } map[] = {
        {RELAIS_STAFF_SEXE, "SEXE"},           {RELAIS_STAFF_CIVILITE, "CIVILITE"},
        {RELAIS_STAFF_NOM_USAGE, "NOM_USAGE"}, {RELAIS_STAFF_NOM_PATRONYMIQUE, "NOM_PATRONYMIQUE"},
        {RELAIS_STAFF_PRENOM, "PRENOM"},       {RELAIS_STAFF_GRADE, "GRADE"},
        {RELAIS_STAFF_FONCTION, "FONCTION"},
    };
    int rc = relais_record_set_str(r, f->arena, RELAIS_STAFF_STS_ID, id);
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, RELAIS_STAFF_TYPE, attr(f, n, "TYPE"));
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(map) && rc == 0; i++) {
        rc = set_child(f, r, map[i].field, n, map[i].child);
    }
    if (rc < 0) {
        return rc;
    }
    if (r->text[RELAIS_STAFF_NOM_USAGE] == NULL && r->text[RELAIS_STAFF_NOM_PATRONYMIQUE] == NULL) {
        rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "NOM_ABSENT", line, RELAIS_KIND_STAFF, ids, "%s",
                      _("individu sans NOM_USAGE ni NOM_PATRONYMIQUE"));
    }
    if (rc == 0 && r->text[RELAIS_STAFF_NOM_USAGE] == NULL) {
        r->text[RELAIS_STAFF_NOM_USAGE] = r->text[RELAIS_STAFF_NOM_PATRONYMIQUE];
    }
    const char *sexe = r->text[RELAIS_STAFF_SEXE];
    if (rc == 0 && sexe && strcmp(sexe, "1") != 0 && strcmp(sexe, "2") != 0) {
        rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", child_line(n, "SEXE"),
                      RELAIS_KIND_STAFF, ids, _("SEXE « %s » inconnu (1 ou 2 attendu), ignoré"),
                      sexe);
        r->text[RELAIS_STAFF_SEXE] = NULL;
    }
    const char *birth = child(f, n, "DATE_NAISSANCE");
    if (rc == 0 && birth) {
        char iso[11];
        if (sts_date_norm(iso, birth)) {
            rc = relais_record_set_str(r, f->arena, RELAIS_STAFF_DATE_NAISSANCE, iso);
        } else {
            rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "DATE_INVALIDE",
                          child_line(n, "DATE_NAISSANCE"), RELAIS_KIND_STAFF, ids,
                          _("date de naissance invalide « %s », ignorée"), birth);
        }
    }
    /* Principal teacher of these structures. */
    const xml_node *pp = xml_node_child(n, "PROFS_PRINC");
    if (rc == 0 && pp) {
        const char *codes[64];
        size_t nc = 0;
        for (const xml_node *p = xml_node_child(pp, "PROF_PRINC"); p && nc < UTIL_ARRAY_LEN(codes);
             p = xml_node_next_named(p)) {
            const char *c = child(f, p, "CODE_STRUCTURE");
            if (c) {
                codes[nc++] = c;
            }
        }
        const char *joined = NULL;
        rc = join_sorted(&joined, f, codes, nc);
        if (rc == 0) {
            rc = relais_record_set_str(r, f->arena, RELAIS_STAFF_PROFS_PRINC, joined);
        }
    }
    sts_person *p = NULL;
    if (rc == 0) {
        rc = remember(f->staff_ids, id, f->staff.n);
    }
    if (rc == 0) {
        rc = STS_VEC_PUSH(f->staff, p);
    }
    if (rc < 0) {
        return rc;
    }
    p->item.r = r;
    p->item.line = line;
    const xml_node *ds = xml_node_child(n, "DISCIPLINES");
    for (const xml_node *d = ds ? xml_node_child(ds, "DISCIPLINE") : NULL; d && rc == 0;
         d = xml_node_next_named(d)) {
        const char *code = attr(f, d, "CODE");
        if (code == NULL) {
            rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "CODE_ABSENT", xml_node_line(d),
                          RELAIS_KIND_STAFF_DISCIPLINE, ids, "%s",
                          _("DISCIPLINE sans attribut CODE, ignorée"));
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < p->disciplines.n; k++) {
            dup =
                dup || util_streq(p->disciplines.v[k].r->text[RELAIS_STAFF_DISCIPLINE_CODE], code);
        }
        if (dup) {
            continue;
        }
        relais_record *dr = relais_record_new(f->arena, RELAIS_KIND_STAFF_DISCIPLINE);
        const char *hours = NULL;
        rc = dr ? relais_record_set_str(dr, f->arena, RELAIS_STAFF_DISCIPLINE_CODE, code)
                : RELAIS_ENOMEM;
        if (rc == 0) {
            rc = set_child(f, dr, RELAIS_STAFF_DISCIPLINE_LIBELLE_COURT, d, "LIBELLE_COURT");
        }
        if (rc == 0) {
            rc = decimal_child(&hours, f, d, "NB_HEURES", RELAIS_KIND_STAFF_DISCIPLINE, ids);
        }
        if (rc == 0) {
            rc = relais_record_set_str(dr, f->arena, RELAIS_STAFF_DISCIPLINE_NB_HEURES, hours);
        }
        sts_item *it = NULL;
        if (rc == 0) {
            rc = STS_VEC_PUSH(p->disciplines, it);
        }
        if (rc == 0) {
            it->r = dr;
            it->line = xml_node_line(d);
        }
    }
    return rc;
}

static int on_individu(const xml_node *n, void *payload)
{
    return read_person(payload, n, false);
}

/*
 * SUPPLEANTS is empty in every known export and its content is not documented
 * (sts-web.md §A.2). An entry that carries an ID and names like an INDIVIDU is
 * read as one (the hub knows the substitute); anything else is counted and
 * reported, never guessed.
 */
static int on_suppleants(const xml_node *n, void *payload)
{
    sts_file *f = payload;
    int rc = 0;
    for (const xml_node *c = xml_node_first_child(n); c && rc == 0; c = xml_node_next_sibling(c)) {
        const xml_node *who = c;
        if (xml_node_child(c, "INDIVIDU")) {
            who = xml_node_child(c, "INDIVIDU");
        }
        if (xml_node_attr(who, "ID") &&
            (xml_node_child(who, "NOM_USAGE") || xml_node_child(who, "NOM_PATRONYMIQUE"))) {
            size_t before = f->staff.n;
            rc = read_person(f, who, true);
            f->n_suppleants += f->staff.n - before;
        } else {
            f->n_suppleants_unread++;
        }
    }
    if (rc == 0 && f->n_suppleants_unread > 0) {
        rc = sts_warn(f, RELAIS_SEVERITY_INFO, "SUPPLEANTS_NON_LUS", xml_node_line(n), -1, NULL,
                      _("%zu entrée(s) de SUPPLEANTS de forme inconnue, ignorée(s)"),
                      f->n_suppleants_unread);
    }
    return rc;
}

/* ---------------------------------------------------------- STRUCTURE */

/* The MEF codes of a structure: MEFS_APPARTENANCE/MEF_APPARTENANCE or …/MEF (§A.6). */
static int read_mefs(sts_file *f, relais_record *r, size_t field, const xml_node *n,
                     const char *ids)
{
    const xml_node *ma = xml_node_child(n, "MEFS_APPARTENANCE");
    if (ma == NULL) {
        return 0;
    }
    const char *codes[64];
    size_t nc = 0;
    int rc = 0;
    static const char *const spellings[] = {"MEF_APPARTENANCE", "MEF"};
    for (size_t s = 0; s < UTIL_ARRAY_LEN(spellings) && rc == 0; s++) {
        for (const xml_node *m = xml_node_child(ma, spellings[s]); m && rc == 0;
             m = xml_node_next_named(m)) {
            const char *code = attr(f, m, "CODE");
            if (code == NULL) {
                code = child(f, m, "CODE");
            }
            if (code == NULL) {
                rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "CODE_ABSENT", xml_node_line(m), r->kind,
                              ids, _("%s sans CODE, ignoré"), spellings[s]);
            } else if (nc < UTIL_ARRAY_LEN(codes)) {
                codes[nc++] = code;
            }
        }
    }
    const char *joined = NULL;
    if (rc == 0) {
        rc = join_sorted(&joined, f, codes, nc);
    }
    /* MEF codes never hold spaces: the model keeps them space-separated. */
    if (rc == 0 && joined) {
        char *j = util_arena_strdup(f->arena, joined);
        if (j == NULL) {
            return RELAIS_ENOMEM;
        }
        for (char *p = j; *p; p++) {
            if (*p == '|') {
                *p = ' ';
            }
        }
        joined = j;
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, field, joined);
    }
    return rc;
}

static int read_services(sts_file *f, const xml_node *n, bool is_group, const char *structure,
                         const char *ids)
{
    const xml_node *ss = xml_node_child(n, "SERVICES");
    int rc = 0;
    for (const xml_node *s = ss ? xml_node_child(ss, "SERVICE") : NULL; s && rc == 0;
         s = xml_node_next_named(s)) {
        unsigned long line = xml_node_line(s);
        const char *matiere = attr(f, s, "CODE_MATIERE");
        const char *mod = attr(f, s, "CODE_MOD_COURS");
        if (matiere == NULL || mod == NULL) {
            rc = sts_warn(f, RELAIS_SEVERITY_ERROR, "SERVICE_INCOMPLET", line, RELAIS_KIND_SERVICE,
                          ids, "%s",
                          _("SERVICE sans CODE_MATIERE ou CODE_MOD_COURS, ignoré avec ses "
                            "enseignants"));
            continue;
        }
        relais_record *r = relais_record_new(f->arena, RELAIS_KIND_SERVICE);
        if (r == NULL) {
            return RELAIS_ENOMEM;
        }
        const char *hours = NULL;
        rc = relais_record_set_str(r, f->arena, RELAIS_SERVICE_CODE_MATIERE, matiere);
        if (rc == 0) {
            rc = relais_record_set_str(r, f->arena, RELAIS_SERVICE_CODE_MOD_COURS, mod);
        }
        if (rc == 0) {
            rc = decimal_child(&hours, f, s, "HEURES_STRUCTURE", RELAIS_KIND_SERVICE, ids);
        }
        if (rc == 0) {
            rc = relais_record_set_str(r, f->arena, RELAIS_SERVICE_HEURES_STRUCTURE, hours);
        }
        const char *co = child(f, s, "CO_ENS");
        if (rc == 0 && co) {
            const char *b = sts_bool_norm(co);
            if (b == NULL) {
                rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE",
                              child_line(s, "CO_ENS"), RELAIS_KIND_SERVICE, ids,
                              _("CO_ENS « %s » n'est pas true/false, ignoré"), co);
            } else {
                rc = relais_record_set_str(r, f->arena, RELAIS_SERVICE_CO_ENS, b);
            }
        }
        sts_service *sv = NULL;
        if (rc == 0) {
            rc = STS_VEC_PUSH(f->services, sv);
        }
        if (rc < 0) {
            return rc;
        }
        sv->item.r = r;
        sv->item.line = line;
        sv->is_group = is_group;
        sv->structure = structure;
        const xml_node *es = xml_node_child(s, "ENSEIGNANTS");
        for (const xml_node *e = es ? xml_node_child(es, "ENSEIGNANT") : NULL; e && rc == 0;
             e = xml_node_next_named(e)) {
            const char *id = attr(f, e, "ID");
            if (id == NULL) {
                rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "ID_ABSENT", xml_node_line(e),
                              RELAIS_KIND_SERVICE_TEACHER, ids, "%s",
                              _("ENSEIGNANT sans attribut ID, ignoré"));
                continue;
            }
            sts_service_teacher *t = NULL;
            rc = STS_VEC_PUSH(sv->teachers, t);
            if (rc == 0) {
                t->id = id;
                t->line = xml_node_line(e);
                rc = decimal_child(&t->heures, f, e, "HEURES_AGENT", RELAIS_KIND_SERVICE_TEACHER,
                                   ids);
            }
            if (rc == 0) {
                rc = decimal_child(&t->taux, f, e, "TAUX_PONDERATION", RELAIS_KIND_SERVICE_TEACHER,
                                   ids);
            }
        }
    }
    return rc;
}

static int read_structure(sts_file *f, const xml_node *n, bool is_group)
{
    unsigned long line = xml_node_line(n);
    relais_kind kind = is_group ? RELAIS_KIND_GROUP : RELAIS_KIND_DIVISION;
    const char *code = attr(f, n, "CODE");
    const char *what = is_group ? "GROUPE" : "DIVISION";
    if (code == NULL) {
        return sts_warn(f, RELAIS_SEVERITY_ERROR, "CODE_ABSENT", line, kind, NULL,
                        _("%s sans attribut CODE, ignoré(e) avec ses services"), what);
    }
    const char *ids = ids_of(f, what, code);
    util_map *codes = is_group ? f->group_codes : f->division_codes;
    if (known(codes, code)) {
        return sts_warn(f, RELAIS_SEVERITY_WARNING, "DOUBLON", line, kind, ids, "%s",
                        _("structure déjà lue plus haut dans le fichier, ignorée"));
    }
    relais_record *r = relais_record_new(f->arena, kind);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    size_t f_code = is_group ? RELAIS_GROUP_CODE : RELAIS_DIVISION_CODE;
    size_t f_label = is_group ? RELAIS_GROUP_LIBELLE_LONG : RELAIS_DIVISION_LIBELLE_LONG;
    size_t f_mefs = is_group ? RELAIS_GROUP_MEFS : RELAIS_DIVISION_MEFS;
    size_t f_eff = is_group ? RELAIS_GROUP_EFFECTIF_PREVU : RELAIS_DIVISION_EFFECTIF_PREVU;
    const char *eff = NULL;
    int rc = relais_record_set_str(r, f->arena, f_code, code);
    if (rc == 0) {
        rc = set_child(f, r, f_label, n, "LIBELLE_LONG");
    }
    if (rc == 0) {
        rc = int_child(&eff, f, n, "EFFECTIF_PREVU", kind, ids);
    }
    if (rc == 0) {
        rc = relais_record_set_str(r, f->arena, f_eff, eff);
    }
    if (rc == 0 && is_group) {
        rc = int_child(&eff, f, n, "EFFECTIF_MAX_EDT", kind, ids);
        /* 0 means "no maximum" in real exports. */
        if (rc == 0 && eff && strcmp(eff, "0") != 0) {
            rc = relais_record_set_str(r, f->arena, RELAIS_GROUP_EFFECTIF_MAX, eff);
        }
    }
    if (rc == 0) {
        rc = read_mefs(f, r, f_mefs, n, ids);
    }
    sts_structure *st = NULL;
    sts_structure_vec *vec = is_group ? &f->groups : &f->divisions;
    if (rc == 0) {
        rc = remember(codes, code, vec->n);
    }
    if (rc == 0) {
        rc = STS_VEC_PUSH(*vec, st);
    }
    if (rc < 0) {
        return rc;
    }
    st->item.r = r;
    st->item.line = line;
    st->is_group = is_group;
    const xml_node *da = is_group ? xml_node_child(n, "DIVISIONS_APPARTENANCE") : NULL;
    for (const xml_node *d = da ? xml_node_child(da, "DIVISION_APPARTENANCE") : NULL; d && rc == 0;
         d = xml_node_next_named(d)) {
        const char *dc = attr(f, d, "CODE");
        if (dc == NULL) {
            rc = sts_warn(f, RELAIS_SEVERITY_WARNING, "CODE_ABSENT", xml_node_line(d),
                          RELAIS_KIND_GROUP_DIVISION, ids, "%s",
                          _("DIVISION_APPARTENANCE sans CODE, ignorée"));
            continue;
        }
        const char **slot = NULL;
        unsigned long *lslot = NULL;
        rc = STS_VEC_PUSH(st->divisions, slot);
        if (rc == 0) {
            *slot = dc;
            rc = STS_VEC_PUSH(st->division_lines, lslot);
        }
        if (rc == 0) {
            *lslot = xml_node_line(d);
        }
    }
    if (rc == 0) {
        rc = read_services(f, n, is_group, code, ids);
    }
    return rc;
}

static int on_division(const xml_node *n, void *payload)
{
    return read_structure(payload, n, false);
}

static int on_groupe(const xml_node *n, void *payload)
{
    return read_structure(payload, n, true);
}

/* ------------------------------------------------------------- entry */

int sts_file_read(sts_file *f, const char *path)
{
    xml_reader *xr = NULL;
    int rc = util_arena_new(&f->arena, 0);
    util_map **maps[] = {&f->subject_codes, &f->mef_codes, &f->staff_ids, &f->division_codes,
                         &f->group_codes};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(maps) && rc == 0; i++) {
        rc = util_map_new(maps[i]);
    }
    if (rc == 0) {
        rc = xml_reader_new(&xr, NULL);
    }
    static const struct {
        const char *path;
        xml_record_fn fn;
    } paths[] = {
        {"/STS_EDT/PARAMETRES", on_parametres},
        {"/STS_EDT/NOMENCLATURES/*", on_nomenclature},
        {"/STS_EDT/DONNEES/INDIVIDUS/INDIVIDU", on_individu},
        {"/STS_EDT/DONNEES/STRUCTURE/DIVISIONS/DIVISION", on_division},
        {"/STS_EDT/DONNEES/STRUCTURE/GROUPES/GROUPE", on_groupe},
        {"/STS_EDT/DONNEES/SUPPLEANTS", on_suppleants},
    };
    if (rc == 0) {
        rc = xml_reader_on_root(xr, on_root, f);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(paths) && rc == 0; i++) {
        rc = xml_reader_on_record(xr, paths[i].path, paths[i].fn, f);
    }
    if (rc == 0) {
        /* The name for messages is known once the source is open: base name of the path. */
        const char *base = strrchr(path, '/');
        f->file = util_arena_strdup(f->arena, base ? base + 1 : path);
        rc = f->file ? 0 : RELAIS_ENOMEM;
    }
    if (rc == 0) {
        f->xr = xr;
        rc = xml_reader_parse_file(xr, path);
        f->xr = NULL;
    }
    if (rc == 0 && !f->has_parametres) {
        relais_error_set(_("%s : élément PARAMETRES absent (UAI et année de l'export)"), f->file);
        rc = RELAIS_EINVALID;
    }
    xml_reader_free(xr);
    return rc;
}

void sts_file_free(sts_file *f)
{
    for (size_t i = 0; i < f->staff.n; i++) {
        util_free(f->staff.v[i].disciplines.v);
    }
    for (size_t i = 0; i < f->divisions.n; i++) {
        util_free(f->divisions.v[i].divisions.v);
        util_free(f->divisions.v[i].division_lines.v);
    }
    for (size_t i = 0; i < f->groups.n; i++) {
        util_free(f->groups.v[i].divisions.v);
        util_free(f->groups.v[i].division_lines.v);
    }
    for (size_t i = 0; i < f->services.n; i++) {
        util_free(f->services.v[i].teachers.v);
    }
    util_free(f->subjects.v);
    util_free(f->mefs.v);
    util_free(f->nomenclature.v);
    util_free(f->programmes.v);
    util_free(f->staff.v);
    util_free(f->divisions.v);
    util_free(f->groups.v);
    util_free(f->services.v);
    util_free(f->lists_seen.v);
    util_map_free(f->subject_codes);
    util_map_free(f->mef_codes);
    util_map_free(f->staff_ids);
    util_map_free(f->division_codes);
    util_map_free(f->group_codes);
    util_arena_free(f->arena);
}
