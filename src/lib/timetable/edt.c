/*
 * edt.c — reading the EDT_STS upload ("remontée des services", sts-web.md
 * §B) that timetable software produces for STS-Web: opening hours,
 * alternations with their weeks, teachers, and per division or group the
 * services with their teachers and the courses attached to them.
 *
 * Times are HHMM with real minute arithmetic (0130 is 90 minutes, 0160 is
 * refused). Every course that cannot be placed is reported with its line and
 * left out; the file itself is refused only when it is not well-formed XML
 * or not an EDT_STS document.
 */
#include "internal.h"

#include "xml/xml.h"

#include <stdlib.h>
#include <string.h>

static const char *copy_text(tt_data *d, const xml_node *n, const char *child)
{
    const xml_node *c = xml_node_child(n, child);
    if (c == NULL || xml_node_text_len(c) == 0) {
        return NULL;
    }
    return util_arena_strndup(d->arena, xml_node_text(c), xml_node_text_len(c));
}

static const char *copy_attr(tt_data *d, const xml_node *n, const char *name)
{
    const char *v = xml_node_attr(n, name);
    if (v == NULL) {
        return NULL;
    }
    size_t len = strlen(v);
    const char *t = util_trim(v, &len);
    return len ? util_arena_strndup(d->arena, t, len) : NULL;
}

static int on_root(const xml_node *n, void *payload)
{
    tt_data *d = payload;
    const char *file = xml_reader_file(d->xr);
    if (file) {
        d->file = util_arena_strdup(d->arena, file);
        if (d->file == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    const char *name = xml_node_name(n);
    if (strcmp(name, "EDT_STS") == 0) {
        return 0;
    }
    if (strcmp(name, "STS_EDT") == 0) {
        relais_error_set(_("%s:%lu : élément racine STS_EDT : ce fichier va dans l'autre sens "
                           "(export de STS-Web vers l'emploi du temps) ; importez-le avec "
                           "« relais import sts »"),
                         d->file, xml_node_line(n));
    } else {
        relais_error_set(_("%s:%lu : élément racine %s : ce n'est pas une remontée d'emploi du "
                           "temps (racine EDT_STS attendue)"),
                         d->file, xml_node_line(n), name);
    }
    return RELAIS_EINVALID;
}

static int on_parametres(const xml_node *n, void *payload)
{
    tt_data *d = payload;
    const char *uai = copy_text(d, n, "UAJ");
    if (uai == NULL) {
        relais_error_set(_("%s:%lu : élément PARAMETRES : UAJ (UAI de l'établissement) absent"),
                         d->file, xml_node_line(n));
        return RELAIS_EINVALID;
    }
    char up[9];
    size_t len = strlen(uai);
    for (size_t i = 0; i < len && i < 8; i++) {
        up[i] = (uai[i] >= 'a' && uai[i] <= 'z') ? (char)(uai[i] - 'a' + 'A') : uai[i];
    }
    up[UTIL_MIN(len, 8)] = '\0';
    if (len != 8 || !sts_uai_valid(up)) {
        relais_error_set(_("%s:%lu : élément UAJ : UAI invalide « %s » (7 chiffres et une lettre "
                           "attendus)"),
                         d->file, xml_node_line(xml_node_child(n, "UAJ")), uai);
        return RELAIS_EINVALID;
    }
    memcpy(d->uai, up, 9);
    d->has_uai = true;
    d->uai_line = xml_node_line(xml_node_child(n, "UAJ"));
    const char *year = copy_text(d, n, "ANNEE_SCOLAIRE");
    int64_t y;
    if (year) {
        if (!util_parse_int64(year, strlen(year), &y) || y < 1990 || y > 2200) {
            relais_error_set(_("%s:%lu : élément ANNEE_SCOLAIRE : année invalide « %s »"), d->file,
                             xml_node_line(xml_node_child(n, "ANNEE_SCOLAIRE")), year);
            return RELAIS_EINVALID;
        }
        d->year = (int)y;
        d->has_year = true;
    }
    return 0;
}

static int on_horaire(const xml_node *n, void *payload)
{
    tt_data *d = payload;
    const char *jour = copy_attr(d, n, "JOUR");
    int64_t j;
    int start, end;
    if (jour == NULL || !util_parse_int64(jour, strlen(jour), &j) || j < 1 || j > 7 ||
        !tt_parse_time(&start, copy_text(d, n, "DEBUT_COURS")) ||
        !tt_parse_time(&end, copy_text(d, n, "FIN_COURS")) || end <= start) {
        return tt_warn(d, RELAIS_SEVERITY_WARNING, "HORAIRE_INVALIDE", xml_node_line(n), -1, NULL,
                       "%s",
                       _("HORAIRE illisible (JOUR 1 à 7, DEBUT_COURS et FIN_COURS en HHMM) : "
                         "ignoré"));
    }
    d->hours_start[j] = start;
    d->hours_end[j] = end;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int on_alternance(const xml_node *n, void *payload)
{
    tt_data *d = payload;
    const char *code = copy_attr(d, n, "CODE");
    if (code == NULL) {
        return tt_warn(d, RELAIS_SEVERITY_WARNING, "CODE_ABSENT", xml_node_line(n), -1, NULL, "%s",
                       _("ALTERNANCE sans CODE, ignorée"));
    }
    const xml_node *sem = xml_node_child(n, "SEMAINES");
    tt_strvec weeks = {0};
    int rc = 0;
    for (const xml_node *w = sem ? xml_node_child(sem, "DATE_DEBUT_SEMAINE") : NULL; w && rc == 0;
         w = xml_node_next_named(w)) {
        char iso[11];
        util_date dt;
        const char *t = xml_node_text(w);
        if (!util_date_parse(t, strlen(t), &dt)) {
            rc = tt_warn(d, RELAIS_SEVERITY_WARNING, "DATE_INVALIDE", xml_node_line(w), -1, NULL,
                         _("ALTERNANCE %s : semaine « %s » illisible, ignorée"), code, t);
            continue;
        }
        util_date_iso(&dt, iso);
        rc = tt_strvec_add(d, &weeks, iso);
    }
    util_buf b = UTIL_BUF_INIT;
    if (rc == 0 && weeks.n > 0) {
        qsort(weeks.v, weeks.n, sizeof *weeks.v, cmp_str);
    }
    for (size_t i = 0; rc == 0 && i < weeks.n; i++) {
        util_buf_printf(&b, i ? " %s" : "%s", weeks.v[i]);
    }
    tt_alternance *a = NULL;
    if (rc == 0) {
        rc = TT_VEC_PUSH(d->alternances, a);
    }
    if (rc == 0) {
        a->code = code;
        a->weeks = b.len ? util_arena_strdup(d->arena, util_buf_cstr(&b)) : NULL;
        rc = b.failed || (b.len && a->weeks == NULL) ? RELAIS_ENOMEM : 0;
    }
    util_buf_free(&b);
    util_free(weeks.v);
    return rc;
}

static int on_individu(const xml_node *n, void *payload)
{
    tt_data *d = payload;
    const char *id = copy_attr(d, n, "ID");
    if (id == NULL) {
        return tt_warn(d, RELAIS_SEVERITY_WARNING, "ID_ABSENT", xml_node_line(n), RELAIS_KIND_STAFF,
                       NULL, "%s", _("INDIVIDU sans ID, ignoré"));
    }
    return tt_name_add(d, TIMETABLE_STAFF, id, NULL, xml_node_line(n));
}

/* One COURS of a teacher of a service. */
static int read_cours(tt_data *d, const xml_node *c, const tt_service *sv, const char *teacher)
{
    unsigned long line = xml_node_line(c);
    const char *jour = copy_text(d, c, "JOUR");
    const char *debut = copy_text(d, c, "HEURE_DEBUT");
    const char *duree = copy_text(d, c, "DUREE");
    int64_t j = 0;
    int start, dur;
    if (jour == NULL || !util_parse_int64(jour, strlen(jour), &j) || j < 1 || j > 7) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       _("JOUR « %s » invalide (1 = lundi … 7) : cours ignoré"), jour ? jour : "");
    }
    if (!tt_parse_time(&start, debut)) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       _("HEURE_DEBUT « %s » invalide (HHMM attendu) : cours ignoré"),
                       debut ? debut : "");
    }
    if (!tt_parse_time(&dur, duree) || dur == 0) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "COURS_INVALIDE", line, RELAIS_KIND_COURSE, NULL,
                       _("DUREE « %s » invalide (HHMM attendu, 0130 = 1 h 30) : cours ignoré"),
                       duree ? duree : "");
    }
    tt_course course = {
        .day = (int)j,
        .start = start,
        .duration = dur,
        .alternance = copy_text(d, c, "CODE_ALTERNANCE"),
        .subject = sv->subject,
        .mod_cours = sv->mod_cours,
        .line = line,
    };
    int rc = tt_strvec_add(d, &course.teachers, teacher);
    if (rc == 0) {
        rc = tt_strvec_add(
            d, sv->structure_kind == TIMETABLE_GROUP ? &course.groups : &course.divisions,
            sv->structure);
    }
    if (rc == 0) {
        rc = tt_strvec_add(d, &course.rooms, copy_text(d, c, "CODE_SALLE"));
    }
    if (rc == 0) {
        rc = tt_course_add(d, &course);
    }
    tt_course_free(&course);
    return rc;
}

static int read_structure(tt_data *d, const xml_node *n, timetable_kind kind)
{
    const char *code = copy_attr(d, n, "CODE");
    unsigned long line = xml_node_line(n);
    if (code == NULL) {
        return tt_warn(d, RELAIS_SEVERITY_ERROR, "CODE_ABSENT", line,
                       (int)timetable_kind_model(kind), NULL, "%s",
                       _("structure sans CODE : ses services et cours sont ignorés"));
    }
    int rc = tt_name_add(d, kind, code, copy_text(d, n, "LIBELLE_LONG"), line);
    const xml_node *da = xml_node_child(n, "DIVISIONS_APPARTENANCE");
    for (const xml_node *x = da ? xml_node_child(da, "DIVISION_APPARTENANCE") : NULL; x && rc == 0;
         x = xml_node_next_named(x)) {
        rc = tt_name_add(d, TIMETABLE_DIVISION, copy_attr(d, x, "CODE"), NULL, xml_node_line(x));
    }
    const xml_node *ss = xml_node_child(n, "SERVICES");
    for (const xml_node *s = ss ? xml_node_child(ss, "SERVICE") : NULL; s && rc == 0;
         s = xml_node_next_named(s)) {
        tt_service *sv = NULL;
        const char *subject = copy_attr(d, s, "CODE_MATIERE");
        if (subject == NULL) {
            rc = tt_warn(d, RELAIS_SEVERITY_ERROR, "SERVICE_INCOMPLET", xml_node_line(s),
                         RELAIS_KIND_COURSE, NULL, "%s",
                         _("SERVICE sans CODE_MATIERE : ses cours sont ignorés"));
            continue;
        }
        rc = tt_name_add(d, TIMETABLE_SUBJECT, subject, NULL, xml_node_line(s));
        if (rc == 0) {
            rc = TT_VEC_PUSH(d->services, sv);
        }
        if (rc < 0) {
            break;
        }
        sv->structure_kind = kind;
        sv->structure = code;
        sv->subject = subject;
        sv->mod_cours = copy_attr(d, s, "CODE_MOD_COURS");
        sv->line = xml_node_line(s);
        char hours[32];
        const char *h = copy_text(d, s, "HEURES_STRUCTURE");
        if (h && sts_decimal_norm(hours, sizeof hours, h)) {
            sv->heures = util_arena_strdup(d->arena, hours);
        }
        sv->co_ens = sts_bool_norm(copy_text(d, s, "CO_ENS"));
        tt_service copy = *sv; /* d->services may move while courses are added */
        const xml_node *es = xml_node_child(s, "ENSEIGNANTS");
        for (const xml_node *e = es ? xml_node_child(es, "ENSEIGNANT") : NULL; e && rc == 0;
             e = xml_node_next_named(e)) {
            const char *id = copy_attr(d, e, "ID");
            if (id == NULL) {
                rc = tt_warn(d, RELAIS_SEVERITY_WARNING, "ID_ABSENT", xml_node_line(e),
                             RELAIS_KIND_STAFF, NULL, "%s", _("ENSEIGNANT sans ID, ignoré"));
                continue;
            }
            rc = tt_name_add(d, TIMETABLE_STAFF, id, NULL, xml_node_line(e));
            const xml_node *cr = xml_node_child(e, "COURS_RATTACHES");
            for (const xml_node *c = cr ? xml_node_child(cr, "COURS") : NULL; c && rc == 0;
                 c = xml_node_next_named(c)) {
                rc = read_cours(d, c, &copy, id);
            }
        }
    }
    return rc;
}

static int on_division(const xml_node *n, void *payload)
{
    return read_structure(payload, n, TIMETABLE_DIVISION);
}

static int on_groupe(const xml_node *n, void *payload)
{
    return read_structure(payload, n, TIMETABLE_GROUP);
}

int tt_read_edt(tt_data *d, const char *path)
{
    d->format = "EDT_STS";
    xml_reader *xr = NULL;
    int rc = xml_reader_new(&xr, NULL);
    static const struct {
        const char *path;
        xml_record_fn fn;
    } paths[] = {
        {"/EDT_STS/PARAMETRES", on_parametres},
        {"/EDT_STS/DONNEES/HORAIRES/HORAIRE", on_horaire},
        {"/EDT_STS/DONNEES/ALTERNANCES/ALTERNANCE", on_alternance},
        {"/EDT_STS/DONNEES/INDIVIDUS/INDIVIDU", on_individu},
        {"/EDT_STS/DONNEES/STRUCTURE/DIVISIONS/DIVISION", on_division},
        {"/EDT_STS/DONNEES/STRUCTURE/GROUPES/GROUPE", on_groupe},
    };
    if (rc == 0) {
        rc = xml_reader_on_root(xr, on_root, d);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(paths) && rc == 0; i++) {
        rc = xml_reader_on_record(xr, paths[i].path, paths[i].fn, d);
    }
    if (rc == 0) {
        d->xr = xr;
        rc = xml_reader_parse_file(xr, path);
        d->xr = NULL;
    }
    if (rc == 0 && !d->has_uai) {
        relais_error_set(_("%s : élément PARAMETRES/UAJ absent (UAI de l'établissement)"), d->file);
        rc = RELAIS_EINVALID;
    }
    xml_reader_free(xr);
    return rc;
}
