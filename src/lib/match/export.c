/*
 * export.c — the file handed back to a partner after matching
 * (docs/formats/rapprochement.md): for each of its persons linked in the
 * crosswalk, the partner's id beside the hub's identifiers (relais id,
 * ELEVE_ID / PERSONNE_ID / STS id, INE), so that the partner can attach them
 * to its records. CSV or XML, written to a util_buf so that the command line
 * and the sync server (GET …/RAPPROCHEMENT/{UAIs}/{key}) share it.
 */
#include "match.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct row {
    const char *uai;
    int cat; /* match_category */
    const char *id, *relais_id, *siecle_id, *ine, *nom, *prenom, *decision;
} row;

typedef struct exporter {
    relais_store *s;
    const char *partner;
    const char *uai;
    util_arena *arena; /* rows live here */
    util_arena *scratch;
    row *rows;
    size_t n, cap;
    int year;
    const char *const *uais;
    size_t n_uais;
} exporter;

static const char *dup(util_arena *a, const char *s)
{
    return s ? util_arena_strdup(a, s) : NULL;
}

static int read_xref(const relais_record *r, void *payload)
{
    exporter *x = payload;
    if (!util_streq(relais_record_get(r, RELAIS_XREF_APPLICATION), x->partner)) {
        return 0;
    }
    int kind = relais_kind_by_name(relais_record_get(r, RELAIS_XREF_CATEGORY));
    if (kind != RELAIS_KIND_STUDENT && kind != RELAIS_KIND_GUARDIAN && kind != RELAIS_KIND_STAFF) {
        return 0;
    }
    relais_record *e;
    util_arena_reset(x->scratch);
    int rc = relais_store_record_get(&e, x->s, x->scratch, (relais_kind)kind,
                                     r->ref[RELAIS_XREF_ENTITY]);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 256;
        row *v = util_realloc(x->rows, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        x->rows = v;
        x->cap = cap;
    }
    row *w = &x->rows[x->n];
    memset(w, 0, sizeof *w);
    util_arena *a = x->arena;
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)e->id);
    w->uai = x->uai;
    w->id = dup(a, relais_record_get(r, RELAIS_XREF_EXTERNAL_ID));
    w->relais_id = util_arena_strdup(a, num);
    w->decision = dup(a, relais_record_get(r, RELAIS_XREF_PROVENANCE));
    const char *nom = NULL, *prenom = NULL, *key = NULL;
    switch (kind) {
    case RELAIS_KIND_STUDENT:
        w->cat = MATCH_STUDENT;
        key = relais_record_get(e, RELAIS_STUDENT_ELEVE_ID);
        w->ine = dup(a, relais_record_get(e, RELAIS_STUDENT_INE));
        nom = relais_record_get(e, RELAIS_STUDENT_NOM_DE_FAMILLE);
        prenom = relais_record_get(e, RELAIS_STUDENT_PRENOM);
        break;
    case RELAIS_KIND_GUARDIAN:
        w->cat = MATCH_GUARDIAN;
        key = relais_record_get(e, RELAIS_GUARDIAN_PERSONNE_ID);
        nom = relais_record_get(e, RELAIS_GUARDIAN_NOM_USAGE);
        if (nom == NULL) {
            nom = relais_record_get(e, RELAIS_GUARDIAN_NOM_DE_FAMILLE);
        }
        prenom = relais_record_get(e, RELAIS_GUARDIAN_PRENOM);
        break;
    default:
        w->cat = util_streq(relais_record_get(e, RELAIS_STAFF_FONCTION), "ENS") ? MATCH_TEACHER
                                                                                : MATCH_STAFF;
        key = relais_record_get(e, RELAIS_STAFF_STS_ID);
        nom = relais_record_get(e, RELAIS_STAFF_NOM_USAGE);
        prenom = relais_record_get(e, RELAIS_STAFF_PRENOM);
    }
    w->siecle_id = dup(a, key);
    w->nom = dup(a, nom);
    w->prenom = dup(a, prenom);
    x->n++;
    return 0;
}

static int add_estab(const relais_establishment *e, void *payload)
{
    exporter *x = payload;
    if (x->n_uais) {
        bool wanted = false;
        for (size_t i = 0; i < x->n_uais && !wanted; i++) {
            wanted = strcasecmp(x->uais[i], e->uai) == 0;
        }
        if (!wanted) {
            return 0;
        }
    }
    relais_scope *sc;
    util_arena_reset(x->scratch);
    int rc = relais_store_scope_find(&sc, x->s, x->scratch, e->uai, x->year);
    if (rc == RELAIS_ENOTFOUND) {
        return 0;
    }
    if (rc < 0) {
        return rc;
    }
    int64_t scope_id = sc->id;
    x->uai = util_arena_strdup(x->arena, e->uai);
    return relais_store_record_foreach(x->s, RELAIS_KIND_XREF, scope_id, RELAIS_ACTIVE, read_xref,
                                       x);
}

static int cmp_row(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int c = strcmp(x->uai, y->uai);
    if (c) {
        return c;
    }
    if (x->cat != y->cat) {
        return x->cat < y->cat ? -1 : 1;
    }
    return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

static const char *const csv_categories[MATCH_N_CATEGORIES] = {"eleve", "responsable", "professeur",
                                                               "personnel"};
static const char *const xml_elements[MATCH_N_CATEGORIES] = {"ELEVE", "RESPONSABLE", "PROFESSEUR",
                                                             "PERSONNEL"};

static void xml_attr(util_buf *out, const char *name, const char *s)
{
    if (s == NULL) {
        return;
    }
    util_buf_printf(out, " %s=\"", name);
    for (; *s; s++) {
        switch (*s) {
        case '&': util_buf_puts(out, "&amp;"); break;
        case '<': util_buf_puts(out, "&lt;"); break;
        case '>': util_buf_puts(out, "&gt;"); break;
        case '"': util_buf_puts(out, "&quot;"); break;
        case '\n': util_buf_puts(out, "&#10;"); break;
        default: util_buf_putc(out, *s);
        }
    }
    util_buf_putc(out, '"');
}

int match_export_write(util_buf *out, relais_store *s, const char *partner, int year,
                       const char *const *uais, size_t n_uais, match_export_format fmt)
{
    exporter x = {.s = s, .partner = partner, .year = year, .uais = uais, .n_uais = n_uais};
    int rc = util_arena_new(&x.arena, 64 * 1024);
    if (rc == 0) {
        rc = util_arena_new(&x.scratch, 4096);
    }
    bool reading = false;
    if (rc == 0) {
        rc = relais_store_begin_read(s);
        reading = rc == 0;
    }
    if (rc == 0) {
        rc = relais_store_establishment_foreach(s, add_estab, &x);
    }
    if (reading) {
        relais_store_end_read(s);
    }
    if (rc == 0) {
        if (x.n > 1) {
            qsort(x.rows, x.n, sizeof *x.rows, cmp_row);
        }
        if (fmt == MATCH_EXPORT_CSV) {
            util_buf_puts(out,
                          "uai;categorie;id;relais_id;id_siecle;ine;nom;prenom;rapprochement\r\n");
            for (size_t i = 0; i < x.n; i++) {
                const row *w = &x.rows[i];
                const char *values[] = {w->uai,       csv_categories[w->cat],
                                        w->id,        w->relais_id,
                                        w->siecle_id, w->ine,
                                        w->nom,       w->prenom,
                                        w->decision};
                util_csv_row(out, values, UTIL_ARRAY_LEN(values), ';');
            }
        } else {
            char now[21], years[16];
            util_now_iso(now);
            snprintf(years, sizeof years, "%d-%d", year, year + 1);
            util_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RAPPROCHEMENT");
            xml_attr(out, "version", "1");
            xml_attr(out, "partenaire", partner);
            xml_attr(out, "annee_scolaire", years);
            xml_attr(out, "date", now);
            util_buf_puts(out, ">\n");
            const char *open = NULL;
            for (size_t i = 0; i < x.n; i++) {
                const row *w = &x.rows[i];
                if (open == NULL || strcmp(open, w->uai) != 0) {
                    if (open) {
                        util_buf_puts(out, "  </ETABLISSEMENT>\n");
                    }
                    util_buf_puts(out, "  <ETABLISSEMENT");
                    xml_attr(out, "uai", w->uai);
                    util_buf_puts(out, ">\n");
                    open = w->uai;
                }
                util_buf_printf(out, "    <%s", xml_elements[w->cat]);
                xml_attr(out, "id", w->id);
                xml_attr(out, "relais_id", w->relais_id);
                xml_attr(out, "id_siecle", w->siecle_id);
                xml_attr(out, "ine", w->ine);
                xml_attr(out, "nom", w->nom);
                xml_attr(out, "prenom", w->prenom);
                xml_attr(out, "rapprochement", w->decision);
                util_buf_puts(out, "/>\n");
            }
            if (open) {
                util_buf_puts(out, "  </ETABLISSEMENT>\n");
            }
            util_buf_puts(out, "</RAPPROCHEMENT>\n");
        }
        if (out->failed) {
            rc = RELAIS_ENOMEM;
        }
    }
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    util_free(x.rows);
    util_arena_free(x.arena);
    util_arena_free(x.scratch);
    return rc;
}
