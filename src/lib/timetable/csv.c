/*
 * csv.c — reading the timetable CSV that relais defines
 * (docs/formats/timetable-csv.md): UTF-8 (a BOM is skipped), a header line
 * naming the columns in French or English, one course a line, the separator
 * found in the header (";", tab or ","), RFC 4180 quotes.
 *
 * Spreadsheets write such files in many ways; what can be read without
 * guessing is read (8h30, 08:30, 0830; "lundi", "Lun", 1; a duration in
 * minutes or 1h30; weeks as ISO-week numbers "36-51,2-6", Monday dates, or an
 * alternation label "A"). A line that cannot be placed is reported with its
 * number and left out. The file is refused when it is not UTF-8, holds a NUL
 * byte, an unterminated quote, or lacks a required column.
 */
#include "internal.h"

#include <string.h>

#define MAX_FIELDS 64
#define MAX_FIELD_LEN ((size_t)64 << 10)

enum {
    COL_JOUR,
    COL_DEBUT,
    COL_DUREE,
    COL_FIN,
    COL_SEMAINES,
    COL_MATIERE,
    COL_ENSEIGNANTS,
    COL_CLASSES,
    COL_GROUPES,
    COL_SALLE,
    COL_MODALITE,
    COL_N
};

static const struct {
    int col;
    const char *name; /* folded */
} header_names[] = {
    {COL_JOUR, "jour"},
    {COL_JOUR, "day"},
    {COL_DEBUT, "debut"},
    {COL_DEBUT, "heuredebut"},
    {COL_DEBUT, "heure"},
    {COL_DEBUT, "start"},
    {COL_DUREE, "duree"},
    {COL_DUREE, "duration"},
    {COL_FIN, "fin"},
    {COL_FIN, "heurefin"},
    {COL_FIN, "end"},
    {COL_SEMAINES, "semaines"},
    {COL_SEMAINES, "semaine"},
    {COL_SEMAINES, "weeks"},
    {COL_SEMAINES, "alternance"},
    {COL_MATIERE, "matiere"},
    {COL_MATIERE, "subject"},
    {COL_MATIERE, "discipline"},
    {COL_ENSEIGNANTS, "enseignants"},
    {COL_ENSEIGNANTS, "enseignant"},
    {COL_ENSEIGNANTS, "professeurs"},
    {COL_ENSEIGNANTS, "professeur"},
    {COL_ENSEIGNANTS, "profs"},
    {COL_ENSEIGNANTS, "teachers"},
    {COL_ENSEIGNANTS, "teacher"},
    {COL_CLASSES, "classes"},
    {COL_CLASSES, "classe"},
    {COL_CLASSES, "divisions"},
    {COL_CLASSES, "division"},
    {COL_GROUPES, "groupes"},
    {COL_GROUPES, "groupe"},
    {COL_GROUPES, "groups"},
    {COL_GROUPES, "group"},
    {COL_SALLE, "salle"},
    {COL_SALLE, "salles"},
    {COL_SALLE, "room"},
    {COL_SALLE, "rooms"},
    {COL_MODALITE, "modalite"},
    {COL_MODALITE, "codemodcours"},
};

/* ------------------------------------------------------------ parser */

typedef struct csv_parser {
    tt_data *d;
    const char *p, *end;
    unsigned long line; /* line of the next character */
    char sep;
    util_buf field;
    const char *fields[MAX_FIELDS];
    size_t n_fields;
    unsigned long record_line;
} csv_parser;

/*
 * Read one record. Returns 1 with fields set, 0 at the end, or a negative
 * error (unterminated quote, too many fields, a field too long).
 */
static int next_record(csv_parser *cp)
{
    if (cp->p >= cp->end) {
        return 0;
    }
    cp->n_fields = 0;
    cp->record_line = cp->line;
    for (;;) {
        util_buf_reset(&cp->field);
        bool quoted = false;
        if (cp->p < cp->end && *cp->p == '"') {
            quoted = true;
            cp->p++;
            for (;;) {
                if (cp->p >= cp->end) {
                    relais_error_set(_("%s:%lu : guillemet ouvert jamais fermé"), cp->d->file,
                                     cp->record_line);
                    return RELAIS_EINVALID;
                }
                char c = *cp->p++;
                if (c == '"') {
                    if (cp->p < cp->end && *cp->p == '"') {
                        util_buf_putc(&cp->field, '"');
                        cp->p++;
                        continue;
                    }
                    break;
                }
                if (c == '\n') {
                    cp->line++;
                }
                util_buf_putc(&cp->field, c);
                if (cp->field.len > MAX_FIELD_LEN) {
                    relais_error_set(_("%s:%lu : champ de plus de %zu octets"), cp->d->file,
                                     cp->record_line, MAX_FIELD_LEN);
                    return RELAIS_EINVALID;
                }
            }
        }
        /* Unquoted text (or what follows a closing quote) up to the separator or end of line. */
        while (cp->p < cp->end && *cp->p != cp->sep && *cp->p != '\n' && *cp->p != '\r') {
            if (!quoted || (*cp->p != ' ' && *cp->p != '\t')) {
                util_buf_putc(&cp->field, *cp->p);
            }
            cp->p++;
            if (cp->field.len > MAX_FIELD_LEN) {
                relais_error_set(_("%s:%lu : champ de plus de %zu octets"), cp->d->file,
                                 cp->record_line, MAX_FIELD_LEN);
                return RELAIS_EINVALID;
            }
        }
        if (cp->field.failed) {
            return RELAIS_ENOMEM;
        }
        if (cp->n_fields == MAX_FIELDS) {
            relais_error_set(_("%s:%lu : plus de %d colonnes"), cp->d->file, cp->record_line,
                             MAX_FIELDS);
            return RELAIS_EINVALID;
        }
        size_t len = cp->field.len;
        const char *t = util_trim(util_buf_cstr(&cp->field), &len);
        const char *copy = util_arena_strndup(cp->d->arena, t, len);
        if (copy == NULL) {
            return RELAIS_ENOMEM;
        }
        cp->fields[cp->n_fields++] = copy;
        if (cp->p < cp->end && *cp->p == cp->sep) {
            cp->p++;
            continue;
        }
        if (cp->p < cp->end && *cp->p == '\r') {
            cp->p++;
        }
        if (cp->p < cp->end && *cp->p == '\n') {
            cp->p++;
        }
        cp->line++;
        return 1;
    }
}

/* The separator of the header line: the most frequent of ';', tab and ',' outside quotes. */
static char detect_separator(const char *p, const char *end)
{
    size_t semi = 0, tab = 0, comma = 0;
    bool in_quote = false;
    for (; p < end && (in_quote || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"') {
            in_quote = !in_quote;
        } else if (!in_quote) {
            semi += *p == ';';
            tab += *p == '\t';
            comma += *p == ',';
        }
    }
    if (semi >= tab && semi >= comma && semi > 0) {
        return ';';
    }
    if (tab >= comma && tab > 0) {
        return '\t';
    }
    return ',';
}

/* ----------------------------------------------------------- values */

static bool parse_day(int *day, tt_data *d, const char *s)
{
    static const struct {
        const char *name;
        int day;
    } days[] = {
        {"lundi", 1},    {"lun", 1}, {"lu", 1}, {"monday", 1},    {"mon", 1},
        {"mardi", 2},    {"mar", 2}, {"ma", 2}, {"tuesday", 2},   {"tue", 2},
        {"mercredi", 3}, {"mer", 3}, {"me", 3}, {"wednesday", 3}, {"wed", 3},
        {"jeudi", 4},    {"jeu", 4}, {"je", 4}, {"thursday", 4},  {"thu", 4},
        {"vendredi", 5}, {"ven", 5}, {"ve", 5}, {"friday", 5},    {"fri", 5},
        {"samedi", 6},   {"sam", 6}, {"sa", 6}, {"saturday", 6},  {"sat", 6},
        {"dimanche", 7}, {"dim", 7}, {"di", 7}, {"sunday", 7},    {"sun", 7},
    };
    int64_t n;
    if (util_parse_int64(s, strlen(s), &n)) {
        if (n < 1 || n > 7) {
            return false;
        }
        *day = (int)n;
        return true;
    }
    const char *f = timetable_fold(d->arena, s);
    for (size_t i = 0; f && i < UTIL_ARRAY_LEN(days); i++) {
        if (strcmp(f, days[i].name) == 0) {
            *day = days[i].day;
            return true;
        }
    }
    return false;
}

/* A duration: whole minutes ("90", "90 min"), or H:MM / HhMM / "1h". */
static bool parse_duration(int *minutes, const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ')) {
        len--;
    }
    size_t unit = 0;
    if (len > 3 && strncmp(s + len - 3, "min", 3) == 0) {
        unit = 3;
    } else if (len > 2 && strncmp(s + len - 2, "mn", 2) == 0) {
        unit = 2;
    }
    size_t num = len - unit;
    while (num > 0 && s[num - 1] == ' ') {
        num--;
    }
    int64_t x;
    if (util_parse_int64(s, num, &x) && s[0] != '-' && s[0] != '+') {
        if (x <= 0 || x > 24 * 60) {
            return false;
        }
        *minutes = (int)x;
        return true;
    }
    if (unit) {
        return false;
    }
    int m;
    /* All-digit values were read as minutes above: "0130" is 130 minutes, not 1 h 30. */
    if (!tt_parse_time(&m, s) || m == 0) {
        return false;
    }
    *minutes = m;
    return true;
}

static int64_t days_of(int y, int m, int dd)
{
    util_date d = {y, m, dd};
    return util_date_days(&d);
}

/* Monday of ISO week w of ISO year y, as days since 1970; -1 when w does not exist. */
static int64_t iso_week_monday(int y, int w)
{
    int64_t jan4 = days_of(y, 1, 4);
    int64_t dow = ((jan4 % 7) + 7 + 3) % 7; /* 0 = Monday; 1970-01-01 was a Thursday */
    int64_t monday = jan4 - dow + 7 * (int64_t)(w - 1);
    util_date thursday;
    util_date_from_days(monday + 3, &thursday);
    return thursday.year == y ? monday : -1;
}

/*
 * Weeks: ISO-week numbers ("36-43, 45", weeks ≥ 32 in the first calendar year
 * of the school year, the others in the next) or Monday dates; written as
 * sorted ISO Mondays. Returns 1 when read as weeks, 0 when it is a label, or
 * -1 with *bad set when it looks like weeks but one is invalid.
 */
static int parse_weeks(const char **out, const char **bad, tt_data *d, const char *s, int year)
{
    *out = NULL;
    *bad = NULL;
    bool numeric = true, has_digit = false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            has_digit = true;
        } else if (*p != ',' && *p != ' ' && *p != '-' && *p != '/') {
            numeric = false;
        }
    }
    if (!numeric || !has_digit) {
        return 0;
    }
    tt_strvec weeks = {0};
    int rc = 1;
    char *copy = util_arena_strdup(d->arena, s);
    if (copy == NULL) {
        return RELAIS_ENOMEM;
    }
    char *save = copy;
    while (rc == 1 && save && *save) {
        char *tok = save;
        char *sep = strpbrk(tok, ", ");
        if (sep) {
            *sep = '\0';
            save = sep + 1;
        } else {
            save = NULL;
        }
        if (*tok == '\0') {
            continue;
        }
        util_date dt;
        if (util_date_parse(tok, strlen(tok), &dt)) {
            char iso[11];
            util_date_iso(&dt, iso);
            if (tt_strvec_add(d, &weeks, iso) < 0) {
                rc = RELAIS_ENOMEM;
            }
            continue;
        }
        char *dash = strchr(tok, '-');
        int64_t a, b;
        bool ok = dash ? util_parse_int64(tok, (size_t)(dash - tok), &a) &&
                             util_parse_int64(dash + 1, strlen(dash + 1), &b)
                       : util_parse_int64(tok, strlen(tok), &a);
        if (!dash) {
            b = a;
        }
        if (!ok || a < 1 || a > 53 || b < 1 || b > 53) {
            *bad = util_arena_strdup(d->arena, tok);
            rc = -1;
            break;
        }
        /* A range may wrap the new year: 36-2 is weeks 36…52/53 then 1…2. */
        for (int64_t w = a, guard = 0; guard < 60; guard++) {
            int y = w >= 32 ? year : year + 1;
            int64_t monday = iso_week_monday(y, (int)w);
            if (monday >= 0) {
                util_date md;
                char iso[11];
                util_date_from_days(monday, &md);
                util_date_iso(&md, iso);
                if (tt_strvec_add(d, &weeks, iso) < 0) {
                    rc = RELAIS_ENOMEM;
                    break;
                }
            } else if (a == b) {
                *bad = util_arena_strdup(d->arena, tok);
                rc = -1;
                break;
            }
            if (w == b) {
                break;
            }
            w = w == 53 ? 1 : w + 1;
        }
    }
    if (rc == 1 && weeks.n > 0) {
        /* Sort (insertion: a year has at most 53 weeks). */
        for (size_t i = 1; i < weeks.n; i++) {
            const char *x = weeks.v[i];
            size_t j = i;
            while (j > 0 && strcmp(weeks.v[j - 1], x) > 0) {
                weeks.v[j] = weeks.v[j - 1];
                j--;
            }
            weeks.v[j] = x;
        }
        util_buf b = UTIL_BUF_INIT;
        for (size_t i = 0; i < weeks.n; i++) {
            util_buf_printf(&b, i ? " %s" : "%s", weeks.v[i]);
        }
        *out = b.failed ? NULL : util_arena_strdup(d->arena, util_buf_cstr(&b));
        rc = *out ? 1 : RELAIS_ENOMEM;
        util_buf_free(&b);
    }
    util_free(weeks.v);
    return rc;
}

/* Split a multi-valued cell on commas into the vector (trimmed, empty parts dropped). */
static int split_add(tt_data *d, tt_strvec *v, const char *cell)
{
    int rc = 0;
    const char *p = cell;
    while (p && *p && rc == 0) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *t = util_trim(p, &len);
        if (len > 0) {
            const char *part = util_arena_strndup(d->arena, t, len);
            rc = part ? tt_strvec_add(d, v, part) : RELAIS_ENOMEM;
        }
        p = comma ? comma + 1 : NULL;
    }
    return rc;
}

/* ------------------------------------------------------------- rows */

static int read_row(tt_data *d, const csv_parser *cp, const int col[COL_N], int year)
{
    unsigned long line = cp->record_line;
    const char *v[COL_N];
    for (int c = 0; c < COL_N; c++) {
        v[c] = col[c] >= 0 && (size_t)col[c] < cp->n_fields && cp->fields[col[c]][0]
                   ? cp->fields[col[c]]
                   : NULL;
    }
    tt_course course = {.line = line};
    if (v[COL_JOUR] == NULL || !parse_day(&course.day, d, v[COL_JOUR])) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       _("jour « %s » illisible (1 à 7 ou lundi…dimanche) : ligne ignorée"),
                       v[COL_JOUR] ? v[COL_JOUR] : "");
    }
    if (v[COL_DEBUT] == NULL || !tt_parse_time(&course.start, v[COL_DEBUT])) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       _("heure de début « %s » illisible (8:30, 8h30 ou 0830) : ligne ignorée"),
                       v[COL_DEBUT] ? v[COL_DEBUT] : "");
    }
    if (v[COL_DUREE]) {
        if (!parse_duration(&course.duration, v[COL_DUREE])) {
            return tt_warn(
                d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                _("durée « %s » illisible (minutes, ou 1:30, 1h30) : ligne ignorée"), v[COL_DUREE]);
        }
    } else {
        int end;
        if (v[COL_FIN] == NULL || !tt_parse_time(&end, v[COL_FIN]) || end <= course.start) {
            return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE,
                           NULL, "%s",
                           _("ni durée ni heure de fin lisible (après le début) : ligne ignorée"));
        }
        course.duration = end - course.start;
    }
    if (v[COL_MATIERE] == NULL) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       "%s", _("matière absente : ligne ignorée"));
    }
    course.subject = v[COL_MATIERE];
    course.mod_cours = v[COL_MODALITE];
    int rc = 0;
    if (v[COL_SEMAINES]) {
        const char *weeks = NULL, *bad = NULL;
        rc = parse_weeks(&weeks, &bad, d, v[COL_SEMAINES], year);
        if (rc == -1) {
            return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE,
                           NULL,
                           _("semaine « %s » illisible (numéro 1 à 53, plage 36-43 ou date "
                             "AAAA-MM-JJ) : ligne ignorée"),
                           bad ? bad : "");
        }
        if (rc < 0) {
            return rc;
        }
        if (rc == 1) {
            course.weeks = weeks;
        } else {
            course.alternance = v[COL_SEMAINES];
        }
        rc = 0;
    }
    rc = split_add(d, &course.teachers, v[COL_ENSEIGNANTS]);
    if (rc == 0) {
        rc = split_add(d, &course.divisions, v[COL_CLASSES]);
    }
    if (rc == 0) {
        rc = split_add(d, &course.groups, v[COL_GROUPES]);
    }
    if (rc == 0) {
        rc = split_add(d, &course.rooms, v[COL_SALLE]);
    }
    if (rc == 0 && course.divisions.n == 0 && course.groups.n == 0) {
        rc = tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                     "%s", _("ni classe ni groupe : ligne ignorée"));
        tt_course_free(&course);
        return rc;
    }
    if (rc == 0) {
        rc = tt_name_add(d, TIMETABLE_SUBJECT, course.subject, NULL, line);
    }
    const struct {
        const tt_strvec *v;
        timetable_kind k;
    } lists[] = {{&course.teachers, TIMETABLE_STAFF},
                 {&course.divisions, TIMETABLE_DIVISION},
                 {&course.groups, TIMETABLE_GROUP}};
    for (size_t l = 0; l < UTIL_ARRAY_LEN(lists) && rc == 0; l++) {
        for (size_t i = 0; i < lists[l].v->n && rc == 0; i++) {
            rc = tt_name_add(d, lists[l].k, lists[l].v->v[i], NULL, line);
        }
    }
    /* Each structure taught a subject has that service (for groups: a grading service). */
    const tt_strvec *structures[2] = {&course.divisions, &course.groups};
    for (int l = 0; l < 2 && rc == 0; l++) {
        for (size_t i = 0; i < structures[l]->n && rc == 0; i++) {
            tt_service *sv = NULL;
            rc = TT_VEC_PUSH(d->services, sv);
            if (rc == 0) {
                sv->structure_kind = l == 0 ? TIMETABLE_DIVISION : TIMETABLE_GROUP;
                sv->structure = structures[l]->v[i];
                sv->subject = course.subject;
                sv->mod_cours = course.mod_cours;
                sv->line = line;
            }
        }
    }
    if (rc == 0) {
        rc = tt_course_add(d, &course);
    }
    tt_course_free(&course);
    return rc;
}

/* The line of the first byte that is not UTF-8 (or a NUL), 0 when the text is clean. */
static unsigned long first_bad_line(const char *s, size_t len)
{
    unsigned long line = 1;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            if (!util_utf8_valid(s + start, i - start) || memchr(s + start, '\0', i - start)) {
                return line;
            }
            line++;
            start = i + 1;
        }
    }
    return 0;
}

int tt_read_csv(tt_data *d, const char *name, const char *data, size_t len, int year)
{
    d->format = "CSV";
    d->file = util_arena_strdup(d->arena, name);
    if (d->file == NULL) {
        return RELAIS_ENOMEM;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    unsigned long bad = first_bad_line(data, len);
    if (bad) {
        relais_error_set(_("%s:%lu : texte qui n'est pas de l'UTF-8 (ou octet nul) : enregistrez "
                           "le fichier en « CSV UTF-8 »"),
                         d->file, bad);
        return RELAIS_EINVALID;
    }
    csv_parser cp = {.d = d, .p = data, .end = data + len, .line = 1, .field = UTIL_BUF_INIT};
    cp.sep = detect_separator(data, data + len);
    int col[COL_N];
    for (int c = 0; c < COL_N; c++) {
        col[c] = -1;
    }
    int rc = next_record(&cp);
    if (rc == 0) {
        relais_error_set(_("%s : fichier vide (une ligne d'en-tête est attendue)"), d->file);
        rc = RELAIS_EINVALID;
    }
    for (size_t i = 0; rc == 1 && i < cp.n_fields; i++) {
        const char *f = timetable_fold(d->arena, cp.fields[i]);
        bool found = false;
        for (size_t h = 0; f && h < UTIL_ARRAY_LEN(header_names); h++) {
            if (strcmp(f, header_names[h].name) == 0) {
                found = true;
                if (col[header_names[h].col] < 0) {
                    col[header_names[h].col] = (int)i;
                }
            }
        }
        if (!found && cp.fields[i][0]) {
            rc = tt_warn(d, RELAIS_SEVERITY_INFO, "COLONNE_INCONNUE", 1, -1, NULL,
                         _("colonne « %s » inconnue, ignorée"), cp.fields[i]);
            rc = rc < 0 ? rc : 1;
        }
    }
    if (rc == 1) {
        static const struct {
            int col;
            const char *name;
        } required[] = {{COL_JOUR, "jour"}, {COL_DEBUT, "debut"}, {COL_MATIERE, "matiere"}};
        for (size_t r = 0; r < UTIL_ARRAY_LEN(required) && rc == 1; r++) {
            if (col[required[r].col] < 0) {
                relais_error_set(_("%s:1 : colonne « %s » absente de l'en-tête (voir "
                                   "docs/formats/timetable-csv.md)"),
                                 d->file, required[r].name);
                rc = RELAIS_EINVALID;
            }
        }
        if (rc == 1 && col[COL_DUREE] < 0 && col[COL_FIN] < 0) {
            relais_error_set(_("%s:1 : ni colonne « duree » ni colonne « fin » dans l'en-tête"),
                             d->file);
            rc = RELAIS_EINVALID;
        }
        if (rc == 1 && col[COL_CLASSES] < 0 && col[COL_GROUPES] < 0) {
            relais_error_set(_("%s:1 : ni colonne « classes » ni colonne « groupes » dans "
                               "l'en-tête"),
                             d->file);
            rc = RELAIS_EINVALID;
        }
    }
    while (rc == 1) {
        rc = next_record(&cp);
        if (rc != 1) {
            break;
        }
        bool empty = true;
        for (size_t i = 0; i < cp.n_fields; i++) {
            empty = empty && cp.fields[i][0] == '\0';
        }
        if (!empty) {
            rc = read_row(d, &cp, col, year);
            rc = rc < 0 ? rc : 1;
        }
    }
    util_buf_free(&cp.field);
    return rc < 0 ? rc : 0;
}
