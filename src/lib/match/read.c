/*
 * read.c — partner person lists: the partner CSV of docs/formats/partner-csv.md
 * and the ENT's identifiers file (ENT-Identifiants.csv), read into a
 * match_list.
 *
 * Both are CSV: quoted fields with "" escapes, separator detected from the
 * header (`;`, `,` or tab), UTF-8 with an optional BOM. A file that is not
 * UTF-8 is read as Windows-1252 (what spreadsheet software writes) with a
 * warning, since refusing it would only send the user to a converter. Rows
 * with problems are skipped or corrected with a warning naming the line; only
 * a file that cannot be a list at all is an error.
 *
 * The ENT file carries a password column: it is never kept.
 */
#include "read_internal.h"

#include <string.h>

#include "text/text.h"

/* ------------------------------------------------------------ encoding */

/* Windows-1252 bytes 0x80–0x9F (the rest of the upper half is Latin-1). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static int cp1252_to_utf8(util_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = c < 0x80 ? c : c < 0xA0 ? cp1252_high[c - 0x80] : c;
        if (cp < 0x80) {
            util_buf_putc(out, (char)cp);
        } else if (cp < 0x800) {
            util_buf_putc(out, (char)(0xC0 | (cp >> 6)));
            util_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
        } else {
            util_buf_putc(out, (char)(0xE0 | (cp >> 12)));
            util_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
            util_buf_putc(out, (char)(0x80 | (cp & 0x3F)));
        }
    }
    return out->failed ? RELAIS_ENOMEM : 0;
}

/* ------------------------------------------------------------------ CSV */

#define MAX_FIELDS 64

typedef struct csv {
    const char *p, *end;
    char sep;
    unsigned long line; /* line of the current record's start */
    unsigned long next_line;
    util_buf field; /* unquoted field text, fields NUL-separated */
    size_t offs[MAX_FIELDS];
    size_t lens[MAX_FIELDS];
    size_t n;
    bool too_many;
} csv;

static void csv_end_field(csv *c, size_t *start)
{
    if (c->n < MAX_FIELDS) {
        c->offs[c->n] = *start;
        c->lens[c->n] = c->field.len - *start;
        c->n++;
    } else {
        c->too_many = true;
    }
    util_buf_putc(&c->field, '\0');
    *start = c->field.len;
}

/* Next record; false at the end of data. Lines of blank fields only are skipped. */
static bool csv_next(csv *c)
{
    for (;;) {
        if (c->p >= c->end) {
            return false;
        }
        c->line = c->next_line;
        util_buf_reset(&c->field);
        c->n = 0;
        c->too_many = false;
        bool in_quotes = false, at_start = true;
        size_t start = 0;
        for (;;) {
            if (c->p >= c->end) {
                csv_end_field(c, &start);
                break;
            }
            char ch = *c->p;
            if (in_quotes) {
                if (ch == '"' && c->p + 1 < c->end && c->p[1] == '"') {
                    util_buf_putc(&c->field, '"');
                    c->p += 2;
                } else if (ch == '"') {
                    in_quotes = false;
                    c->p++;
                } else {
                    c->next_line += ch == '\n';
                    util_buf_putc(&c->field, ch);
                    c->p++;
                }
                continue;
            }
            if (ch == '"' && at_start) {
                in_quotes = true;
                at_start = false;
                c->p++;
            } else if (ch == c->sep) {
                csv_end_field(c, &start);
                at_start = true;
                c->p++;
            } else if (ch == '\r' || ch == '\n') {
                csv_end_field(c, &start);
                c->p += (ch == '\r' && c->p + 1 < c->end && c->p[1] == '\n') ? 2 : 1;
                c->next_line++;
                break;
            } else {
                util_buf_putc(&c->field, ch);
                at_start = false;
                c->p++;
            }
        }
        bool blank = true;
        for (size_t i = 0; i < c->n && blank; i++) {
            size_t len = c->lens[i];
            util_trim(c->field.data + c->offs[i], &len);
            blank = len == 0;
        }
        if (!blank) {
            return true;
        }
    }
}

static const char *csv_get(const csv *c, size_t i, size_t *len)
{
    if (i >= c->n) {
        *len = 0;
        return "";
    }
    *len = c->lens[i];
    return c->field.data + c->offs[i];
}

/* Separator of the header line: the most frequent of ; , tab outside quotes. */
static char detect_sep(const char *p, const char *end)
{
    size_t n_semi = 0, n_comma = 0, n_tab = 0;
    bool q = false;
    for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"') {
            q = !q;
        } else if (!q) {
            n_semi += *p == ';';
            n_comma += *p == ',';
            n_tab += *p == '\t';
        }
    }
    if (n_tab > n_semi && n_tab > n_comma) {
        return '\t';
    }
    return n_comma > n_semi ? ',' : ';';
}

/* ------------------------------------------------------------- helpers */

void match_reader_warn(reader *r, unsigned long line, const char *code, const char *fmt, ...)
{
    if (r->opt->warn == NULL) {
        return;
    }
    util_buf_reset(&r->msg);
    va_list ap;
    va_start(ap, fmt);
    util_buf_vprintf(&r->msg, fmt, ap);
    va_end(ap);
    r->opt->warn(line, code, util_buf_cstr(&r->msg), r->opt->payload);
}

/* Header name folded to a key: "Date de naissance" → "date_de_naissance". */
static void header_key(char *out, size_t size, const char *s, size_t len)
{
    match_fold_word(out, size, s, len);
}

static const char *field_str(reader *r, const csv *c, int col)
{
    if (col < 0) {
        return NULL;
    }
    size_t len;
    const char *s = csv_get(c, (size_t)col, &len);
    return match_list_str(r->l, s, len);
}

static char parse_sex(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    char k[32];
    header_key(k, sizeof k, s, strlen(s));
    if (strcmp(k, "m") == 0 || strcmp(k, "h") == 0 || strcmp(k, "1") == 0 ||
        strcmp(k, "masculin") == 0 || strcmp(k, "homme") == 0 || strcmp(k, "garcon") == 0) {
        return 'M';
    }
    if (strcmp(k, "f") == 0 || strcmp(k, "2") == 0 || strcmp(k, "feminin") == 0 ||
        strcmp(k, "femme") == 0 || strcmp(k, "fille") == 0) {
        return 'F';
    }
    return '?';
}

/* Register the id of person `index`; false (with a warning) when already used. */
bool match_reader_register(reader *r, uint32_t index, unsigned long line)
{
    match_person *p = &r->l->persons[index];
    util_map *m = r->ids[p->category];
    int64_t prev;
    if (util_map_get(m, p->id, strlen(p->id), &prev)) {
        match_reader_warn(
            r, line, "ID_EN_DOUBLE",
            _("%s:%lu : identifiant « %s » déjà présent ligne %lu (%s) : ligne ignorée"), r->file,
            line, p->id, r->l->persons[prev].line,
            match_category_label((match_category)p->category));
        return false;
    }
    return util_map_put(m, p->id, strlen(p->id), index) == 0;
}

static int add_pending(reader *r, uint32_t guardian, const char *ids, unsigned long line)
{
    if (r->n_pend == r->cap_pend) {
        size_t cap = r->cap_pend ? r->cap_pend * 2 : 64;
        struct pending_children *p = util_realloc(r->pend, cap * sizeof *p);
        if (p == NULL) {
            return RELAIS_ENOMEM;
        }
        r->pend = p;
        r->cap_pend = cap;
    }
    r->pend[r->n_pend++] = (struct pending_children){guardian, ids, line};
    return 0;
}

/* Resolve the children given by partner ids ('|'-separated) into student indices. */
static int resolve_children(reader *r)
{
    uint32_t kids[64];
    for (size_t i = 0; i < r->n_pend; i++) {
        const struct pending_children *pc = &r->pend[i];
        size_t n = 0;
        const char *s = pc->ids;
        while (*s) {
            const char *bar = strchr(s, '|');
            size_t len = bar ? (size_t)(bar - s) : strlen(s);
            const char *t = util_trim(s, &len);
            int64_t idx;
            if (len > 0) {
                if (util_map_get(r->ids[MATCH_STUDENT], t, len, &idx)) {
                    bool dup = false;
                    for (size_t k = 0; k < n; k++) {
                        dup = dup || kids[k] == (uint32_t)idx;
                    }
                    if (!dup && n < UTIL_ARRAY_LEN(kids)) {
                        kids[n++] = (uint32_t)idx;
                    }
                } else {
                    match_reader_warn(r, pc->line, "ENFANT_INCONNU",
                                      _("%s:%lu : enfant « %.*s » absent des élèves de la liste"),
                                      r->file, pc->line, (int)len, t);
                }
            }
            if (bar == NULL) {
                break;
            }
            s = bar + 1;
        }
        int rc = match_list_set_children(r->l, pc->guardian, kids, n);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ partner CSV */

enum {
    COL_CATEGORIE,
    COL_ID,
    COL_NOM,
    COL_PRENOM,
    COL_DATE,
    COL_NOM_USAGE,
    COL_SEXE,
    COL_INE,
    COL_EMAIL,
    COL_TEL,
    COL_CP,
    COL_ENFANTS,
    COL_CLASSE,
    COL_UAI,
    COL_SIECLE_ID,
    COL_UNUSED, /* known, not read: the identifiers export's own columns */
    N_COLS
};

static const struct {
    int col;
    const char *key;
} header_names[] = {
    {COL_CATEGORIE, "categorie"},
    {COL_CATEGORIE, "category"},
    {COL_CATEGORIE, "profil"},
    {COL_ID, "id"},
    {COL_ID, "identifiant"},
    {COL_ID, "id_partenaire"},
    {COL_NOM, "nom"},
    {COL_NOM, "nom_de_famille"},
    {COL_NOM, "nom_de_naissance"},
    {COL_PRENOM, "prenom"},
    {COL_PRENOM, "prenoms"},
    {COL_DATE, "date_naissance"},
    {COL_DATE, "date_de_naissance"},
    {COL_DATE, "naissance"},
    {COL_NOM_USAGE, "nom_usage"},
    {COL_NOM_USAGE, "nom_d_usage"},
    {COL_SEXE, "sexe"},
    {COL_SEXE, "civilite"},
    {COL_INE, "ine"},
    {COL_INE, "numero_national"},
    {COL_EMAIL, "email"},
    {COL_EMAIL, "mail"},
    {COL_EMAIL, "courriel"},
    {COL_EMAIL, "mel"},
    {COL_TEL, "telephone"},
    {COL_TEL, "telephones"},
    {COL_TEL, "tel"},
    {COL_TEL, "portable"},
    {COL_CP, "code_postal"},
    {COL_CP, "cp"},
    {COL_ENFANTS, "enfants"},
    {COL_CLASSE, "classe"},
    {COL_CLASSE, "division"},
    {COL_UAI, "uai"},
    {COL_UAI, "rne"},
    {COL_SIECLE_ID, "siecle_id"},
    {COL_UNUSED, "relais_id"},
    {COL_UNUSED, "sts_id"},
};

static const char *const required_cols[] = {"categorie", "id", "nom", "prenom", "date_naissance"};

static int read_partner_csv(reader *r, csv *c)
{
    int col[N_COLS];
    for (int i = 0; i < N_COLS; i++) {
        col[i] = -1;
    }
    if (!csv_next(c)) {
        relais_error_set(_("%s : fichier vide (une ligne d'en-tête est obligatoire : "
                           "categorie;id;nom;prenom;date_naissance)"),
                         r->file);
        return RELAIS_EINVALID;
    }
    char partner_key[64] = "";
    if (r->opt->partner) {
        header_key(partner_key, sizeof partner_key, r->opt->partner, strlen(r->opt->partner));
    }
    int partner_col = -1;
    for (size_t i = 0; i < c->n; i++) {
        size_t len;
        const char *s = csv_get(c, i, &len);
        char key[64];
        header_key(key, sizeof key, s, len);
        bool known = false;
        if (partner_key[0] && strcmp(key, partner_key) == 0 && partner_col < 0) {
            partner_col = (int)i;
            known = true;
        }
        for (size_t k = 0; k < UTIL_ARRAY_LEN(header_names); k++) {
            if (strcmp(key, header_names[k].key) == 0) {
                if (col[header_names[k].col] < 0) {
                    col[header_names[k].col] = (int)i;
                }
                known = true;
            }
        }
        if (!known && len > 0) {
            match_reader_warn(r, c->line, "COLONNE_INCONNUE",
                              _("%s:%lu : colonne « %.*s » inconnue, ignorée"), r->file, c->line,
                              (int)len, s);
        }
    }
    /*
     * No id column: the column named after the partner holds its ids — the identifiers
     * export (relais export identifiants, one column per application) read back. There an
     * empty cell is a person without an account yet, not a faulty row.
     */
    bool ids_of_partner = col[COL_ID] < 0 && partner_col >= 0;
    if (ids_of_partner) {
        col[COL_ID] = partner_col;
    }
    for (int i = 0; i < 5; i++) {
        if (col[i] < 0) {
            relais_error_set(
                _("%s:%lu : colonne obligatoire « %s » absente de l'en-tête (attendu : "
                  "categorie;id;nom;prenom;date_naissance)"),
                r->file, c->line, required_cols[i]);
            return RELAIS_EINVALID;
        }
    }
    while (csv_next(c)) {
        if (c->field.failed) {
            return RELAIS_ENOMEM;
        }
        unsigned long line = c->line;
        size_t len;
        const char *cat_s = csv_get(c, (size_t)col[COL_CATEGORIE], &len);
        match_category cat;
        if (!match_category_parse(&cat, cat_s, len)) {
            match_reader_warn(
                r, line, "CATEGORIE_INCONNUE",
                _("%s:%lu : catégorie « %.*s » inconnue (eleve, responsable, professeur, "
                  "personnel) : ligne ignorée"),
                r->file, line, (int)len, cat_s);
            continue;
        }
        const char *id = field_str(r, c, col[COL_ID]);
        if (id == NULL && ids_of_partner) {
            continue;
        }
        if (id == NULL) {
            match_reader_warn(r, line, "ID_ABSENT",
                              _("%s:%lu : identifiant absent : ligne ignorée"), r->file, line);
            continue;
        }
        uint32_t idx;
        int rc = match_list_add(&idx, r->l);
        if (rc < 0) {
            return rc;
        }
        match_person *p = &r->l->persons[idx];
        p->category = (uint8_t)cat;
        p->id = id;
        p->line = line;
        if (!match_reader_register(r, idx, line)) {
            r->l->n--; /* drop the row */
            continue;
        }
        p->nom = field_str(r, c, col[COL_NOM]);
        p->nom_usage = field_str(r, c, col[COL_NOM_USAGE]);
        p->prenoms = field_str(r, c, col[COL_PRENOM]);
        if (p->nom == NULL && p->nom_usage == NULL) {
            match_reader_warn(r, line, "NOM_ABSENT", _("%s:%lu : « %s » sans nom"), r->file, line,
                              id);
        }
        const char *date = field_str(r, c, col[COL_DATE]);
        if (date) {
            util_date d;
            if (util_date_parse(date, strlen(date), &d)) {
                char iso[11];
                util_date_iso(&d, iso);
                p->date_naissance = match_list_str(r->l, iso, 10);
            } else {
                match_reader_warn(
                    r, line, "DATE_INVALIDE",
                    _("%s:%lu : « %s » : date de naissance invalide « %s » (JJ/MM/AAAA ou "
                      "AAAA-MM-JJ), ignorée"),
                    r->file, line, id, date);
            }
        } else if (cat == MATCH_STUDENT) {
            match_reader_warn(r, line, "ELEVE_SANS_DATE",
                              _("%s:%lu : élève « %s » sans date de naissance"), r->file, line, id);
        }
        const char *sexe = field_str(r, c, col[COL_SEXE]);
        p->sexe = parse_sex(sexe);
        if (p->sexe == '?') {
            match_reader_warn(r, line, "SEXE_INVALIDE",
                              _("%s:%lu : « %s » : sexe « %s » non reconnu (M ou F)"), r->file,
                              line, id, sexe);
            p->sexe = 0;
        }
        p->ine = field_str(r, c, col[COL_INE]);
        p->email = field_str(r, c, col[COL_EMAIL]);
        p->phones = field_str(r, c, col[COL_TEL]);
        p->code_postal = field_str(r, c, col[COL_CP]);
        p->classe = field_str(r, c, col[COL_CLASSE]);
        p->uai = field_str(r, c, col[COL_UAI]);
        p->siecle_id = field_str(r, c, col[COL_SIECLE_ID]);
        const char *kids = field_str(r, c, col[COL_ENFANTS]);
        if (kids) {
            if (cat != MATCH_GUARDIAN) {
                match_reader_warn(r, line, "ENFANTS_IGNORES",
                                  _("%s:%lu : « %s » n'est pas un responsable : enfants ignorés"),
                                  r->file, line, id);
            } else if ((rc = add_pending(r, idx, kids, line)) < 0) {
                return rc;
            }
        }
        if (r->l->failed) {
            return RELAIS_ENOMEM;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ ENT file */

/* ENT-Identifiants.csv: RNE;UID;Classe;Profil;Prénom;Nom;Login;Mot de passe;Clé de jointure;
 * UID responsable 1;UID responsable 2;UID tuteur 1;UID tuteur 2 (see aaf-ent.md §B). */
enum {
    ENT_RNE,
    ENT_UID,
    ENT_CLASSE,
    ENT_PROFIL,
    ENT_PRENOM,
    ENT_NOM,
    ENT_LOGIN,
    ENT_PASSWORD,
    ENT_JOINTURE,
    ENT_RESP1,
    ENT_RESP2,
    ENT_TUT1,
    ENT_TUT2,
    ENT_N
};

static bool ent_header(const csv *c)
{
    size_t len;
    const char *s = csv_get(c, ENT_UID, &len);
    char k[16];
    header_key(k, sizeof k, s, len);
    return strcmp(k, "uid") == 0;
}

static bool ent_profile(match_category *out, const char *s, size_t len)
{
    char k[32];
    header_key(k, sizeof k, s, len);
    if (strcmp(k, "parent") == 0 || strcmp(k, "relative") == 0 || strcmp(k, "responsable") == 0 ||
        strncmp(k, "persrel", 7) == 0) {
        *out = MATCH_GUARDIAN;
        return true;
    }
    if (strcmp(k, "personnel") == 0 || strcmp(k, "perseducnat") == 0) {
        *out = MATCH_STAFF;
        return true;
    }
    return match_category_parse(out, s, len);
}

static int read_ent_csv(reader *r, csv *c)
{
    /* links student → guardian UIDs, resolved once every row is read */
    typedef struct resp_link {
        uint32_t student;
        const char *uid;
        unsigned long line;
    } resp_link;
    resp_link *links = NULL;
    size_t n_links = 0, cap_links = 0;
    int rc = 0;
    bool first = true;
    while (csv_next(c)) {
        if (c->field.failed) {
            rc = RELAIS_ENOMEM;
            break;
        }
        unsigned long line = c->line;
        if (first) {
            first = false;
            if (ent_header(c)) {
                continue;
            }
        }
        if (c->n < ENT_N) {
            match_reader_warn(r, line, "LIGNE_INCOMPLETE",
                              _("%s:%lu : %zu champs au lieu de 13 : ligne ignorée"), r->file, line,
                              c->n);
            continue;
        }
        size_t len;
        const char *prof = csv_get(c, ENT_PROFIL, &len);
        match_category cat;
        if (!ent_profile(&cat, prof, len)) {
            match_reader_warn(r, line, "PROFIL_INCONNU", _("%s:%lu : profil « %.*s » ignoré"),
                              r->file, line, (int)len, prof);
            continue;
        }
        const char *uid = field_str(r, c, ENT_UID);
        if (uid == NULL) {
            match_reader_warn(r, line, "ID_ABSENT", _("%s:%lu : UID absent : ligne ignorée"),
                              r->file, line);
            continue;
        }
        uint32_t idx;
        if ((rc = match_list_add(&idx, r->l)) < 0) {
            break;
        }
        match_person *p = &r->l->persons[idx];
        p->category = (uint8_t)cat;
        p->id = uid;
        p->line = line;
        if (!match_reader_register(r, idx, line)) {
            r->l->n--;
            continue;
        }
        p->nom = field_str(r, c, ENT_NOM);
        p->prenoms = field_str(r, c, ENT_PRENOM);
        p->login = field_str(r, c, ENT_LOGIN);
        const char *rne = field_str(r, c, ENT_RNE);
        p->uai = rne && strlen(rne) == 8 ? rne : NULL;
        if (cat == MATCH_STUDENT) {
            p->classe = field_str(r, c, ENT_CLASSE);
            for (int k = ENT_RESP1; k <= ENT_TUT2; k++) {
                const char *ru = field_str(r, c, k);
                if (ru == NULL) {
                    continue;
                }
                if (n_links == cap_links) {
                    size_t cap = cap_links ? cap_links * 2 : 256;
                    resp_link *nl = util_realloc(links, cap * sizeof *nl);
                    if (nl == NULL) {
                        rc = RELAIS_ENOMEM;
                        break;
                    }
                    links = nl;
                    cap_links = cap;
                }
                links[n_links++] = (resp_link){idx, ru, line};
            }
        }
        if (rc < 0 || r->l->failed) {
            rc = RELAIS_ENOMEM;
            break;
        }
    }
    /* guardian → children */
    uint32_t *count = NULL;
    if (rc == 0 && n_links > 0) {
        count = util_calloc(r->l->n, sizeof *count);
        uint32_t **kids = util_calloc(r->l->n, sizeof *kids);
        if (count == NULL || kids == NULL) {
            rc = RELAIS_ENOMEM;
        }
        for (size_t i = 0; i < n_links && rc == 0; i++) {
            int64_t g;
            if (!util_map_get(r->ids[MATCH_GUARDIAN], links[i].uid, strlen(links[i].uid), &g)) {
                match_reader_warn(r, links[i].line, "RESPONSABLE_INCONNU",
                                  _("%s:%lu : responsable « %s » absent du fichier"), r->file,
                                  links[i].line, links[i].uid);
                continue;
            }
            uint32_t *k = util_realloc(kids[g], (count[g] + 1) * sizeof *k);
            if (k == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            kids[g] = k;
            k[count[g]++] = links[i].student;
        }
        for (size_t g = 0; kids && g < r->l->n; g++) {
            if (rc == 0 && count[g]) {
                rc = match_list_set_children(r->l, (uint32_t)g, kids[g], count[g]);
            }
            util_free(kids[g]);
        }
        util_free(kids);
    }
    util_free(count);
    util_free(links);
    return rc;
}

/* ------------------------------------------------------------ dispatch */

static match_format detect(const char *data, size_t len, const char *name)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
        i++;
    }
    if (i < len && data[i] == '<') {
        return MATCH_FORMAT_AAF;
    }
    if (name) {
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        if (strncmp(base, "ENT-Identifiants", 16) == 0) {
            return MATCH_FORMAT_ENT;
        }
    }
    /* header "RNE";"UID";…, or 13 ';'-separated fields whose 4th is a profile */
    csv c = {.p = data + i, .end = data + len, .sep = ';', .next_line = 1, .field = UTIL_BUF_INIT};
    match_format f = MATCH_FORMAT_CSV;
    if (csv_next(&c)) {
        size_t l0;
        const char *f3 = csv_get(&c, ENT_PROFIL, &l0);
        match_category cat;
        if (c.n >= ENT_N && (ent_header(&c) || ent_profile(&cat, f3, l0))) {
            f = MATCH_FORMAT_ENT;
        }
    }
    util_buf_free(&c.field);
    return f;
}

int match_reader_init(reader *r, const match_read_options *opt)
{
    memset(r, 0, sizeof *r);
    r->opt = opt;
    r->msg = (util_buf)UTIL_BUF_INIT;
    int rc = match_list_new(&r->l);
    for (int k = 0; k < MATCH_N_CATEGORIES && rc == 0; k++) {
        rc = util_map_new(&r->ids[k]);
    }
    if (rc == 0) {
        rc = util_map_new(&r->jointures);
    }
    if (rc == 0) {
        rc = util_map_new(&r->structures);
    }
    return rc;
}

void match_reader_free(reader *r)
{
    for (int k = 0; k < MATCH_N_CATEGORIES; k++) {
        util_map_free(r->ids[k]);
    }
    util_map_free(r->jointures);
    util_map_free(r->structures);
    util_free(r->pend);
    util_free(r->aaf_links);
    util_free(r->aaf_structs);
    util_buf_free(&r->msg);
    match_list_free(r->l);
}

/* One CSV (partner or ENT) document in memory. */
static int read_csv_data(reader *r, match_format *detected, const char *data, size_t len)
{
    util_buf converted = UTIL_BUF_INIT;
    csv c = {.next_line = 1, .field = UTIL_BUF_INIT};
    int rc = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if (!util_utf8_valid(data, len)) {
        rc = cp1252_to_utf8(&converted, data, len);
        if (rc < 0) {
            goto done;
        }
        match_reader_warn(r, 0, "ENCODAGE_WINDOWS_1252",
                          _("%s : le fichier n'est pas en UTF-8 ; lu comme Windows-1252"), r->file);
        data = converted.data ? converted.data : "";
        len = converted.len;
    }
    match_format f =
        r->opt->format == MATCH_FORMAT_AUTO ? detect(data, len, r->file) : r->opt->format;
    if (detected) {
        *detected = f;
    }
    c.p = data;
    c.end = data + len;
    if (f == MATCH_FORMAT_AAF) {
        rc = match_read_aaf_memory(r, data, len);
    } else if (f == MATCH_FORMAT_ENT) {
        c.sep = ';';
        rc = read_ent_csv(r, &c);
    } else {
        c.sep = detect_sep(data, data + len);
        rc = read_partner_csv(r, &c);
    }
    if (rc == RELAIS_ENOMEM || c.field.failed || r->msg.failed) {
        rc = RELAIS_ENOMEM;
        relais_error_set("%s", _("mémoire insuffisante"));
    }
done:
    util_buf_free(&c.field);
    util_buf_free(&converted);
    return rc;
}

/* Children given by ids, AAF links and structures: once every file is read. */
static int reader_finish(reader *r)
{
    int rc = resolve_children(r);
    if (rc == 0) {
        rc = match_aaf_finish(r);
    }
    if (rc == 0 && r->l->failed) {
        rc = RELAIS_ENOMEM;
    }
    return rc;
}

int match_read_buffer(match_list **out, match_format *detected, const char *data, size_t len,
                      const match_read_options *opt_in)
{
    *out = NULL;
    match_read_options opt = MATCH_READ_OPTIONS_INIT;
    if (opt_in) {
        opt = *opt_in;
    }
    reader r;
    int rc = match_reader_init(&r, &opt);
    r.file = opt.file_name ? opt.file_name : "-";
    if (rc == 0) {
        rc = read_csv_data(&r, detected, data, len);
    }
    if (rc == 0) {
        rc = reader_finish(&r);
    }
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    if (rc == 0) {
        *out = r.l;
        r.l = NULL;
    }
    match_reader_free(&r);
    return rc;
}

/* Does the file start like XML or a zip (AAF), rather than CSV? */
static bool looks_like_xml(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    unsigned char head[64];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        i = 3;
    }
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) {
        i++;
    }
    return (i < n && head[i] == '<') || (n >= 4 && memcmp(head, "PK\3\4", 4) == 0);
}

static int read_one_path(reader *r, match_format *detected, const char *path)
{
    r->file = path;
    if (util_is_dir(path)) {
        if (detected) {
            *detected = MATCH_FORMAT_AAF;
        }
        return match_read_aaf_dir(r, path);
    }
    if (r->opt->format == MATCH_FORMAT_AAF ||
        (r->opt->format == MATCH_FORMAT_AUTO && looks_like_xml(path))) {
        if (detected) {
            *detected = MATCH_FORMAT_AAF;
        }
        return match_read_aaf_file(r, path);
    }
    char *data = NULL;
    size_t len = 0;
    int rc = util_file_read(&data, &len, path);
    if (rc == 0) {
        rc = read_csv_data(r, detected, data, len);
    }
    util_free(data);
    return rc;
}

int match_read_files(match_list **out, match_format *detected, const char *const *paths,
                     size_t n_paths, const match_read_options *opt_in)
{
    *out = NULL;
    match_read_options opt = MATCH_READ_OPTIONS_INIT;
    if (opt_in) {
        opt = *opt_in;
    }
    reader r;
    int rc = match_reader_init(&r, &opt);
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        match_format f = MATCH_FORMAT_CSV;
        rc = read_one_path(&r, &f, paths[i]);
        if (detected && (i == 0 || f == MATCH_FORMAT_AAF)) {
            *detected = f;
        }
    }
    if (rc == 0) {
        rc = reader_finish(&r);
    }
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    if (rc == 0) {
        *out = r.l;
        r.l = NULL;
    }
    match_reader_free(&r);
    return rc;
}

int match_read_file(match_list **out, match_format *detected, const char *path,
                    const match_read_options *opt)
{
    return match_read_files(out, detected, &path, 1, opt);
}
