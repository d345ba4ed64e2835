/*
 * aaf.c — the académie's AAF person files (ficAlimMENESR: Eleve,
 * PersRelEleve, PersEducNat, and EtabEducNat for the establishments) read as a
 * partner person list, through the xml module (../shared/formats/aaf-ent.md §A).
 *
 * Each addRequest is one person: its jointure is the partner id; students carry
 * their SIECLE ELEVE_ID (ENTEleveStructRattachId) and INE, which are keys.
 * Guardians and students point at each other by jointure
 * (ENTElevePersRelEleve, ENTAuxPersRelEleveEleve), possibly across files, so
 * links are resolved once every file is read. Persons are placed in their
 * establishment when the EtabEducNat file gives the UAI of their structure
 * jointure. A delta delivery (modifyRequest / deleteRequest) is not a person
 * list: its requests are skipped with a warning.
 *
 * The DOCTYPE of AAF files is allowed (never read); entities stay refused.
 */
#include "read_internal.h"

#include <string.h>

#include "xml/xml.h"

/* Values of attribute `name` among the <attr> children of `attrs`. */
static const xml_node *find_attr(const xml_node *attrs, const char *name)
{
    for (const xml_node *a = attrs ? xml_node_child(attrs, "attr") : NULL; a;
         a = xml_node_next_named(a)) {
        const char *n = xml_node_attr(a, "name");
        if (n && strcmp(n, name) == 0) {
            return a;
        }
    }
    return NULL;
}

/* First non-empty value of an attribute, NULL when none. */
static const char *first_value(const xml_node *attrs, const char *name)
{
    const xml_node *a = find_attr(attrs, name);
    for (const xml_node *v = a ? xml_node_child(a, "value") : NULL; v; v = xml_node_next_named(v)) {
        if (xml_node_text_len(v) > 0) {
            return xml_node_text(v);
        }
    }
    return NULL;
}

/* The values of an attribute joined by `sep` into b (b reset first); false when none. */
static bool join_values(util_buf *b, const xml_node *attrs, const char *name, const char *sep,
                        const char *skip)
{
    util_buf_reset(b);
    const xml_node *a = find_attr(attrs, name);
    for (const xml_node *v = a ? xml_node_child(a, "value") : NULL; v; v = xml_node_next_named(v)) {
        const char *t = xml_node_text(v);
        if (xml_node_text_len(v) == 0 || (skip && strcmp(t, skip) == 0)) {
            continue;
        }
        if (b->len) {
            util_buf_puts(b, sep);
        }
        util_buf_puts(b, t);
    }
    return b->len > 0;
}

typedef struct aaf_ctx {
    reader *r;
    util_buf tmp;
    int rc;
} aaf_ctx;

static const char *keep(aaf_ctx *c, const char *s)
{
    return s ? match_list_str(c->r->l, s, strlen(s)) : NULL;
}

static int push_link(reader *r, const char *guardian, const char *student)
{
    if (r->n_aaf_links == r->cap_aaf_links) {
        size_t cap = r->cap_aaf_links ? r->cap_aaf_links * 2 : 256;
        struct aaf_link *v = util_realloc(r->aaf_links, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        r->aaf_links = v;
        r->cap_aaf_links = cap;
    }
    r->aaf_links[r->n_aaf_links++] = (struct aaf_link){guardian, student};
    return 0;
}

static int push_struct(reader *r, uint32_t person, const char *structure)
{
    if (r->n_aaf_structs == r->cap_aaf_structs) {
        size_t cap = r->cap_aaf_structs ? r->cap_aaf_structs * 2 : 256;
        struct aaf_struct *v = util_realloc(r->aaf_structs, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        r->aaf_structs = v;
        r->cap_aaf_structs = cap;
    }
    r->aaf_structs[r->n_aaf_structs++] = (struct aaf_struct){person, structure};
    return 0;
}

/* "<jointure>$<rest>" → the part before the first '$' (copied). */
static const char *before_dollar(aaf_ctx *c, const char *s)
{
    const char *d = strchr(s, '$');
    return match_list_str(c->r->l, s, d ? (size_t)(d - s) : strlen(s));
}

/* "<jointure>$<code>" → the part after the first '$'. */
static const char *after_dollar(aaf_ctx *c, const char *s)
{
    const char *d = s ? strchr(s, '$') : NULL;
    return d ? keep(c, d + 1) : NULL;
}

static int on_structure(aaf_ctx *c, const xml_node *rec, const xml_node *attrs)
{
    const xml_node *idn = xml_node_find(rec, "identifier/id");
    const char *id = idn ? xml_node_text(idn) : NULL;
    const char *uai = first_value(attrs, "ENTStructureUAI");
    if (uai == NULL) {
        uai = first_value(attrs, "ENTEtablissementUAI");
    }
    if (id == NULL || id[0] == '\0' || uai == NULL) {
        return 0;
    }
    const char *u = keep(c, uai);
    if (u == NULL) {
        return RELAIS_ENOMEM;
    }
    return util_map_put(c->r->structures, id, strlen(id), (int64_t)(intptr_t)u);
}

static char civility_sex(const char *t)
{
    if (t == NULL) {
        return 0;
    }
    char k[16];
    match_fold_word(k, sizeof k, t, strlen(t));
    if (strcmp(k, "m") == 0 || strcmp(k, "monsieur") == 0) {
        return 'M';
    }
    if (strcmp(k, "mme") == 0 || strcmp(k, "mlle") == 0 || strcmp(k, "madame") == 0 ||
        strcmp(k, "mademoiselle") == 0) {
        return 'F';
    }
    return 0;
}

static int on_person(aaf_ctx *c, const xml_node *rec, const xml_node *attrs, const char *category)
{
    reader *r = c->r;
    unsigned long line = xml_node_line(rec);
    match_category cat;
    if (strcmp(category, "Eleve") == 0) {
        cat = MATCH_STUDENT;
    } else if (strcmp(category, "PersRelEleve") == 0) {
        cat = MATCH_GUARDIAN;
    } else if (strcmp(category, "PersEducNat") == 0) {
        /* a teacher has a function ENS in one of his structures */
        cat = MATCH_STAFF;
        const xml_node *f = find_attr(attrs, "ENTPersonFonctions");
        for (const xml_node *v = f ? xml_node_child(f, "value") : NULL; v;
             v = xml_node_next_named(v)) {
            if (strstr(xml_node_text(v), "$ENS$")) {
                cat = MATCH_TEACHER;
            }
        }
    } else {
        match_reader_warn(r, line, "CATEGORIE_INCONNUE", _("%s:%lu : catégorie AAF « %s » ignorée"),
                          r->file, line, category);
        return 0;
    }
    const xml_node *idn = xml_node_find(rec, "identifier/id");
    const char *jointure = idn ? xml_node_text(idn) : NULL;
    if (jointure == NULL || jointure[0] == '\0') {
        match_reader_warn(r, line, "ID_ABSENT", _("%s:%lu : identifiant AAF absent : ignoré"),
                          r->file, line);
        return 0;
    }
    uint32_t idx;
    int rc = match_list_add(&idx, r->l);
    if (rc < 0) {
        return rc;
    }
    match_person *p = &r->l->persons[idx];
    p->category = (uint8_t)cat;
    p->line = line;
    p->id = keep(c, jointure);
    if (p->id == NULL) {
        return RELAIS_ENOMEM;
    }
    if (!match_reader_register(r, idx, line)) {
        r->l->n--;
        return 0;
    }
    if ((rc = util_map_put(r->jointures, p->id, strlen(p->id), idx)) < 0) {
        return rc;
    }
    const char *patro = first_value(attrs, "ENTPersonNomPatro");
    const char *sn = first_value(attrs, "sn");
    if (sn == NULL) {
        sn = first_value(attrs, "ENTPersonNom"); /* 1st degree */
    }
    p->nom = keep(c, patro ? patro : sn);
    p->nom_usage = patro && sn && strcmp(patro, sn) != 0 ? keep(c, sn) : NULL;
    const char *given = first_value(attrs, "givenName");
    if (given == NULL) {
        given = first_value(attrs, "ENTPersonPrenom");
    }
    if (given && join_values(&c->tmp, attrs, "ENTPersonAutresPrenoms", ", ", given)) {
        util_buf other = c->tmp;
        c->tmp = (util_buf)UTIL_BUF_INIT;
        util_buf_printf(&c->tmp, "%s, %s", given, util_buf_cstr(&other));
        util_buf_free(&other);
        p->prenoms = keep(c, util_buf_cstr(&c->tmp));
    } else {
        p->prenoms = keep(c, given);
    }
    const char *date = first_value(attrs, "ENTPersonDateNaissance");
    if (date) {
        util_date d;
        if (util_date_parse(date, strlen(date), &d)) {
            char iso[11];
            util_date_iso(&d, iso);
            p->date_naissance = keep(c, iso);
        } else {
            match_reader_warn(r, line, "DATE_INVALIDE",
                              _("%s:%lu : « %s » : date de naissance invalide « %s », ignorée"),
                              r->file, line, p->id, date);
        }
    }
    const char *title = first_value(attrs, "personalTitle");
    p->sexe = civility_sex(title ? title : first_value(attrs, "ENTPersonCivilite"));
    const char *mail = first_value(attrs, "mail");
    p->email = keep(c, mail ? mail : first_value(attrs, "ENTPersonMail"));
    util_buf phones = UTIL_BUF_INIT;
    static const char *const phone_attrs[] = {"mobile", "homePhone", "telephoneNumber"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(phone_attrs); i++) {
        if (join_values(&c->tmp, attrs, phone_attrs[i], "|", NULL)) {
            util_buf_printf(&phones, "%s%s", phones.len ? "|" : "", util_buf_cstr(&c->tmp));
        }
    }
    p->phones = phones.len ? keep(c, util_buf_cstr(&phones)) : NULL;
    util_buf_free(&phones);
    p->code_postal = keep(c, first_value(attrs, "ENTPersonCodePostal"));
    if (join_values(&c->tmp, attrs, "ENTPersonAdresse", "|", NULL)) {
        for (size_t i = 0; i < c->tmp.len; i++) {
            if (c->tmp.data[i] == '$') {
                c->tmp.data[i] = '|';
            }
        }
        p->adresse = keep(c, util_buf_cstr(&c->tmp));
    }
    if (cat == MATCH_STUDENT) {
        p->ine = keep(c, first_value(attrs, "ENTEleveINE"));
        p->siecle_id = keep(c, first_value(attrs, "ENTEleveStructRattachId"));
        p->classe = after_dollar(c, first_value(attrs, "ENTEleveClasses"));
        const xml_node *rel = find_attr(attrs, "ENTElevePersRelEleve");
        for (const xml_node *v = rel ? xml_node_child(rel, "value") : NULL; v && rc == 0;
             v = xml_node_next_named(v)) {
            if (xml_node_text_len(v)) {
                const char *g = before_dollar(c, xml_node_text(v));
                rc = g ? push_link(r, g, p->id) : RELAIS_ENOMEM;
            }
        }
    } else if (cat == MATCH_GUARDIAN) {
        const xml_node *kids = find_attr(attrs, "ENTAuxPersRelEleveEleve");
        for (const xml_node *v = kids ? xml_node_child(kids, "value") : NULL; v && rc == 0;
             v = xml_node_next_named(v)) {
            if (xml_node_text_len(v)) {
                const char *s = keep(c, xml_node_text(v));
                rc = s ? push_link(r, p->id, s) : RELAIS_ENOMEM;
            }
        }
    }
    const char *st = first_value(attrs, "ENTPersonStructRattach");
    if (rc == 0 && st) {
        const char *s = keep(c, st);
        rc = s ? push_struct(r, idx, s) : RELAIS_ENOMEM;
    }
    if (rc == 0 && (r->l->failed || c->tmp.failed)) {
        rc = RELAIS_ENOMEM;
    }
    return rc;
}

static int on_add(const xml_node *rec, void *payload)
{
    aaf_ctx *c = payload;
    const xml_node *ops = xml_node_child(rec, "operationalAttributes");
    const xml_node *attrs = xml_node_child(rec, "attributes");
    const char *cat = first_value(ops, "categoriePersonne");
    if (cat) {
        return on_person(c, rec, attrs, cat);
    }
    if (first_value(ops, "categorieStructure")) {
        return on_structure(c, rec, attrs);
    }
    return 0; /* subjects, MEFs: not persons */
}

static int on_delta(const xml_node *rec, void *payload)
{
    aaf_ctx *c = payload;
    if (c->r->n_delta++ == 0) {
        match_reader_warn(c->r, xml_node_line(rec), "AAF_DELTA",
                          _("%s:%lu : fichier AAF de mise à jour (Delta) : seules les créations "
                            "(addRequest) sont lues ; utilisez une livraison complète"),
                          c->r->file, xml_node_line(rec));
    }
    return 0;
}

static int parse(reader *r, xml_source *src)
{
    xml_options xo = XML_OPTIONS_INIT;
    xo.allow_doctype = true;
    xml_reader *xr = NULL;
    aaf_ctx c = {.r = r, .tmp = UTIL_BUF_INIT};
    int rc = xml_reader_new(&xr, &xo);
    if (rc == 0) {
        rc = xml_reader_on_record(xr, "/ficAlimMENESR/addRequest", on_add, &c);
    }
    if (rc == 0) {
        rc = xml_reader_on_record(xr, "/ficAlimMENESR/modifyRequest", on_delta, &c);
    }
    if (rc == 0) {
        rc = xml_reader_on_record(xr, "/ficAlimMENESR/deleteRequest", on_delta, &c);
    }
    if (rc == 0) {
        rc = xml_reader_parse(xr, src);
    }
    xml_reader_free(xr);
    util_buf_free(&c.tmp);
    return rc;
}

int match_read_aaf_file(reader *r, const char *path)
{
    xml_options xo = XML_OPTIONS_INIT;
    xo.allow_doctype = true;
    xml_source *src = NULL;
    int rc = xml_source_open(&src, path, &xo);
    if (rc == 0) {
        rc = parse(r, src);
    }
    xml_source_free(src);
    return rc;
}

int match_read_aaf_memory(reader *r, const char *data, size_t len)
{
    xml_options xo = XML_OPTIONS_INIT;
    xo.allow_doctype = true;
    xml_source *src = NULL;
    int rc = xml_source_open_memory(&src, r->file, data, len, &xo);
    if (rc == 0) {
        rc = parse(r, src);
    }
    xml_source_free(src);
    return rc;
}

/* AAF delivery file names: ..._<Type>_<NNNN>.xml; the person and structure types are read. */
static bool wanted_file(const char *path)
{
    static const char *const types[] = {"_Eleve_", "_PersRelEleve_", "_PersEducNat_",
                                        "_EtabEducNat_"};
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(types); i++) {
        if (strstr(base, types[i])) {
            return true;
        }
    }
    return false;
}

int match_read_aaf_dir(reader *r, const char *dir)
{
    char **files = NULL;
    size_t n = 0;
    int rc = xml_dir_list(&files, &n, dir);
    size_t used = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!wanted_file(files[i])) {
            continue;
        }
        r->file = files[i];
        rc = match_read_aaf_file(r, files[i]);
        used++;
    }
    if (rc == 0 && used == 0) {
        relais_error_set(_("%s : aucun fichier AAF de personnes (…_Eleve_0000.xml, "
                           "…_PersRelEleve_…, …_PersEducNat_…)"),
                         dir);
        rc = RELAIS_ENOTFOUND;
    }
    r->file = dir;
    xml_dir_list_free(files, n);
    return rc;
}

int match_aaf_finish(reader *r)
{
    /* guardian → children, from either side of the link, without duplicates */
    if (r->n_aaf_links) {
        size_t n = r->l->n;
        uint32_t *count = util_calloc(n ? n : 1, sizeof *count);
        uint32_t **kids = util_calloc(n ? n : 1, sizeof *kids);
        int rc = count && kids ? 0 : RELAIS_ENOMEM;
        for (size_t i = 0; i < r->n_aaf_links && rc == 0; i++) {
            int64_t g, s;
            const struct aaf_link *l = &r->aaf_links[i];
            if (!util_map_get(r->jointures, l->guardian, strlen(l->guardian), &g) ||
                !util_map_get(r->jointures, l->student, strlen(l->student), &s) ||
                r->l->persons[g].category != MATCH_GUARDIAN ||
                r->l->persons[s].category != MATCH_STUDENT) {
                continue; /* the other end is in a file not given: no household evidence */
            }
            bool dup = false;
            for (uint32_t k = 0; k < count[g] && !dup; k++) {
                dup = kids[g][k] == (uint32_t)s;
            }
            if (dup) {
                continue;
            }
            uint32_t *v = util_realloc(kids[g], (count[g] + 1) * sizeof *v);
            if (v == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            kids[g] = v;
            v[count[g]++] = (uint32_t)s;
        }
        for (size_t g = 0; kids && g < n; g++) {
            if (rc == 0 && count[g]) {
                rc = match_list_set_children(r->l, (uint32_t)g, kids[g], count[g]);
            }
            util_free(kids[g]);
        }
        util_free(kids);
        util_free(count);
        if (rc < 0) {
            return rc;
        }
    }
    /* establishment of each person, when the structures file was given */
    for (size_t i = 0; i < r->n_aaf_structs; i++) {
        int64_t u;
        const struct aaf_struct *s = &r->aaf_structs[i];
        if (util_map_get(r->structures, s->structure, strlen(s->structure), &u)) {
            r->l->persons[s->person].uai = (const char *)(intptr_t)u;
        }
    }
    return 0;
}
