/*
 * write.c — the ELEGROUPE file: validation against the deposit schema
 * (schema_Import_EleGroupes 1.4, elegroupe.md §3) and writing in ISO-8859-15.
 * A file relais writes is always valid: writing refuses what the schema would
 * reject, so SIECLE never refuses a deposit for its form.
 */
#include "elegroupe.h"

#include <string.h>

/* Characters of a UTF-8 string, or -1 when it holds a character Latin-9 cannot encode. */
static long latin9_length(const char *s)
{
    long n = 0;
    uint32_t cp;
    int k;
    while ((k = util_utf8_decode(s, &cp)) > 0) {
        if (util_latin9_byte(cp) < 0 || cp < 0x20) {
            return -1;
        }
        s += k;
        n++;
    }
    return k < 0 ? -1 : n;
}

static bool word_chars(const char *s, size_t len)
{
    if (strlen(s) != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    return true;
}

static bool digits_in_range(const char *s, long min, long max)
{
    int64_t v;
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || strspn(s, "0123456789") != n || !util_parse_int64(s, n, &v)) {
        return false;
    }
    return v >= min && v <= max;
}

static bool iso_date(const char *s)
{
    util_date d;
    return s && strlen(s) == 10 && s[4] == '-' && util_date_parse(s, 10, &d);
}

typedef struct vctx {
    util_arena *a;
    elegroupe_violation *items;
    size_t n, cap;
    int rc;
} vctx;

static void violation(vctx *v, unsigned long line, const char *element, const char *ids,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void violation(vctx *v, unsigned long line, const char *element, const char *ids,
                      const char *fmt, ...)
{
    if (v->rc < 0) {
        return;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        elegroupe_violation *items = util_arena_alloc(v->a, cap * sizeof *items);
        if (items == NULL) {
            v->rc = RELAIS_ENOMEM;
            return;
        }
        if (v->n) {
            memcpy(items, v->items, v->n * sizeof *items);
        }
        v->items = items;
        v->cap = cap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    v->items[v->n++] = (elegroupe_violation){line, element, ids ? util_arena_strdup(v->a, ids) : NULL,
                                             util_arena_strdup(v->a, msg)};
}

/* A name: 1..max characters, Latin-9, no surrounding spaces. Optional names may be absent. */
static void check_text(vctx *v, unsigned long line, const char *element, const char *ids,
                       const char *value, long max, bool optional)
{
    if (value == NULL) {
        if (!optional) {
            violation(v, line, element, ids, _("%s manquant"), element);
        }
        return;
    }
    long n = latin9_length(value);
    size_t len = strlen(value);
    if (n < 0) {
        violation(v, line, element, ids, _("%s « %s » contient un caractère que l'ISO-8859-15 ne "
                                           "peut pas représenter"),
                  element, value);
    } else if (n == 0) {
        violation(v, line, element, ids, _("%s vide (omettre l'élément)"), element);
    } else if (n > max) {
        violation(v, line, element, ids, _("%s trop long : %ld caractères (%ld au plus)"), element,
                  n, max);
    } else if (value[0] == ' ' || value[len - 1] == ' ') {
        violation(v, line, element, ids, _("%s « %s » commence ou finit par une espace"), element,
                  value);
    }
}

int elegroupe_validate(elegroupe_violation **out, size_t *n_out, util_arena *arena,
                       const elegroupe_file *f)
{
    vctx v = {.a = arena};
    if (f->uai == NULL || !word_chars(f->uai, 8)) {
        violation(&v, 0, "UAJ", NULL, _("UAJ « %s » invalide (8 lettres ou chiffres)"),
                  f->uai ? f->uai : "");
    }
    if (f->year < 1000 || f->year > 9999) {
        violation(&v, 0, "ANNEE_SCOLAIRE", NULL, _("année scolaire %d invalide"), f->year);
    }
    util_date d;
    if (f->date_import == NULL || strlen(f->date_import) != 10 || f->date_import[2] != '/' ||
        !util_date_parse(f->date_import, 10, &d)) {
        violation(&v, 0, "DATE_IMPORT", NULL, _("DATE_IMPORT « %s » invalide (JJ/MM/AAAA)"),
                  f->date_import ? f->date_import : "");
    }
    if (f->num_envoi < 0 || f->num_envoi > 99999) {
        violation(&v, 0, "NUM_ENVOI", NULL, _("NUM_ENVOI %ld hors de 0..99999"), f->num_envoi);
    }
    check_text(&v, 0, "LOGICIEL", NULL, f->logiciel, 10, false);
    if (f->n_students == 0) {
        violation(&v, 0, "ELEVES", NULL, "%s", _("aucun élève : le fichier doit en contenir au moins un"));
    }
    util_map *ids[3];
    for (int k = 0; k < 3; k++) {
        if (util_map_new(&ids[k]) < 0) {
            for (int j = 0; j < k; j++) {
                util_map_free(ids[j]);
            }
            return RELAIS_ENOMEM;
        }
    }
    static const char *const id_element[] = {"ELEVE_ID", "ID_NATIONAL", "ID_PRV_ELE"};
    for (size_t i = 0; i < f->n_students && v.rc == 0; i++) {
        const elegroupe_student *e = &f->students[i];
        char who[160];
        snprintf(who, sizeof who, "%s %s", id_element[e->id_kind], e->id ? e->id : "?");
        const char *el = id_element[e->id_kind];
        bool id_ok = e->id != NULL;
        if (id_ok && e->id_kind == ELEGROUPE_ID_ELEVE_ID) {
            id_ok = digits_in_range(e->id, 0, 4294967295L);
        } else if (id_ok && e->id_kind == ELEGROUPE_ID_INE) {
            id_ok = word_chars(e->id, 11);
        } else if (id_ok) {
            id_ok = digits_in_range(e->id, 0, 99999);
        }
        if (!id_ok) {
            violation(&v, e->line, el, who, _("identifiant %s « %s » invalide"), el,
                      e->id ? e->id : "");
        } else if (util_map_get(ids[e->id_kind], e->id, strlen(e->id), NULL)) {
            violation(&v, e->line, el, who, _("%s %s déjà utilisé par un autre élève du fichier"),
                      el, e->id);
        } else if (util_map_put(ids[e->id_kind], e->id, strlen(e->id), 1) < 0) {
            v.rc = RELAIS_ENOMEM;
        }
        check_text(&v, e->line, "NOM_DE_FAMILLE", who, e->nom_de_famille, 100, false);
        check_text(&v, e->line, "NOM_USAGE", who, e->nom_usage, 100, true);
        check_text(&v, e->line, "PRENOM", who, e->prenom, 100, false);
        check_text(&v, e->line, "PRENOM2", who, e->prenom2, 100, true);
        check_text(&v, e->line, "PRENOM3", who, e->prenom3, 100, true);
        if (!iso_date(e->date_naiss)) {
            violation(&v, e->line, "DATE_NAISS", who, _("date de naissance « %s » invalide "
                                                        "(AAAA-MM-JJ)"),
                      e->date_naiss ? e->date_naiss : "");
        }
        if (e->n_links == 0) {
            violation(&v, e->line, "GROUPES", who, "%s", _("aucun groupe (au moins un requis)"));
        }
        for (size_t k = 0; k < e->n_links; k++) {
            const elegroupe_link *l = &e->links[k];
            unsigned long line = l->line ? l->line : e->line;
            check_text(&v, line, "CODE_GROUPE", who, l->code, 8, false);
            for (size_t j = 0; j < k && l->code; j++) {
                if (util_streq(e->links[j].code, l->code)) {
                    violation(&v, line, "CODE_GROUPE", who, _("groupe %s présent deux fois pour "
                                                              "cet élève"),
                              l->code);
                }
            }
            if (l->debut && !iso_date(l->debut)) {
                violation(&v, line, "DATE_DEBUT_GROUPE", who, _("date « %s » invalide (AAAA-MM-JJ)"),
                          l->debut);
            }
            if (l->fin && !iso_date(l->fin)) {
                violation(&v, line, "DATE_FIN_GROUPE", who, _("date « %s » invalide (AAAA-MM-JJ)"),
                          l->fin);
            }
        }
    }
    for (int k = 0; k < 3; k++) {
        util_map_free(ids[k]);
    }
    *out = v.items;
    *n_out = v.n;
    return v.rc;
}

void elegroupe_base_name(char out[40], const char *uai, int year, const struct tm *t)
{
    snprintf(out, 40, "%.8sELEGROUPE%04u%02u%02u%02u%02u%02u%02u", uai, (unsigned)year % 10000,
             (unsigned)(t->tm_year + 1900) % 100, (unsigned)(t->tm_mon + 1) % 100,
             (unsigned)t->tm_mday % 100, (unsigned)t->tm_hour % 100, (unsigned)t->tm_min % 100,
             (unsigned)t->tm_sec % 100);
}

static void element(util_buf *b, int indent, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    for (int i = 0; i < indent; i++) {
        util_buf_puts(b, "  ");
    }
    util_buf_printf(b, "<%s>", name);
    util_latin9_xml_append(b, value); /* validated: every character is representable */
    util_buf_printf(b, "</%s>\n", name);
}

int elegroupe_write_xml(util_buf *b, const elegroupe_file *f)
{
    util_arena *a;
    int rc = util_arena_new(&a, 16 * 1024);
    if (rc < 0) {
        return rc;
    }
    elegroupe_violation *viol;
    size_t n_viol;
    rc = elegroupe_validate(&viol, &n_viol, a, f);
    if (rc == 0 && n_viol > 0) {
        relais_error_set(_("fichier ELEGROUPE invalide : %s : %s%s%s"), viol[0].element,
                         viol[0].ids ? viol[0].ids : "", viol[0].ids ? " : " : "",
                         viol[0].message);
        rc = RELAIS_EINVALID;
    }
    util_arena_free(a);
    if (rc < 0) {
        return rc;
    }
    static const char *const id_element[] = {"ELEVE_ID", "ID_NATIONAL", "ID_PRV_ELE"};
    char year[8], num[16];
    snprintf(year, sizeof year, "%04d", f->year % 10000);
    snprintf(num, sizeof num, "%ld", f->num_envoi);
    util_buf_puts(b, "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n");
    util_buf_puts(b, "<IMPORT_ELEVES VERSION=\"1.4\">\n  <PARAMETRES>\n");
    element(b, 2, "UAJ", f->uai);
    element(b, 2, "ANNEE_SCOLAIRE", year);
    element(b, 2, "DATE_IMPORT", f->date_import);
    element(b, 2, "NUM_ENVOI", num);
    element(b, 2, "LOGICIEL", f->logiciel);
    util_buf_puts(b, "  </PARAMETRES>\n  <DONNEES>\n    <ELEVES>\n");
    for (size_t i = 0; i < f->n_students; i++) {
        const elegroupe_student *e = &f->students[i];
        util_buf_puts(b, "      <ELEVE>\n");
        element(b, 4, id_element[e->id_kind], e->id);
        element(b, 4, "NOM_DE_FAMILLE", e->nom_de_famille);
        element(b, 4, "NOM_USAGE", e->nom_usage);
        element(b, 4, "PRENOM", e->prenom);
        element(b, 4, "PRENOM2", e->prenom2);
        element(b, 4, "PRENOM3", e->prenom3);
        element(b, 4, "DATE_NAISS", e->date_naiss);
        util_buf_puts(b, "        <GROUPES>\n");
        for (size_t k = 0; k < e->n_links; k++) {
            util_buf_puts(b, "          <GROUPE>\n");
            element(b, 6, "CODE_GROUPE", e->links[k].code);
            element(b, 6, "DATE_DEBUT_GROUPE", e->links[k].debut);
            element(b, 6, "DATE_FIN_GROUPE", e->links[k].fin);
            util_buf_puts(b, "          </GROUPE>\n");
        }
        util_buf_puts(b, "        </GROUPES>\n      </ELEVE>\n");
    }
    util_buf_puts(b, "    </ELEVES>\n  </DONNEES>\n</IMPORT_ELEVES>\n");
    return b->failed ? RELAIS_ENOMEM : 0;
}
