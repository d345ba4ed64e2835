/*
 * parse.c — reading one SIECLE export (through the xml module's record
 * streaming) into protos: every record becomes one or more compact entries of
 * the temporary store, with values already converted to relais form (ISO
 * dates, "0"/"1" flags) and checked. Value-level warnings are emitted here
 * (invalid date or value, '?' put by SIECLE for a letter it could not export,
 * unknown element); what needs the whole file (duplicates, joins, missing
 * guardians) is decided when the protos are replayed (plan_*.c).
 *
 * Element names map to fields through the model catalogue: a field's column
 * name is, in upper case, the SIECLE element name, with the few exceptions
 * listed here (ID_NATIONAL → ine, NOM → nom_de_famille, …).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Field map entries: slot | type << 8 | flags. */
#define FM_CHECK_Q (1 << 12)  /* text where SIECLE writes '?' for letters it cannot export */
#define FM_FALLBACK (1 << 13) /* old variant: used only when the current one is absent */

typedef struct fmap {
    util_map *m;
} fmap;

/* The address block, in RELAIS_ADDRESS_FIELDS order (slots 0..12 of P_ADDRESS). */
static const char *const addr_elems[] = {
    "ADRESSE_ID",       "LIGNE1_ADRESSE", "LIGNE2_ADRESSE", "LIGNE3_ADRESSE", "LIGNE4_ADRESSE",
    "BOITE_POSTALE",    "COMMUNE_ETRANGERE", "CODE_POSTAL", "CODE_PAYS", "CODE_COMMUNE_INSEE",
    "LL_PAYS",          "CODE_DEPARTEMENT", "LIBELLE_POSTAL",
};

typedef struct pmaps {
    fmap student, prev, guardian, link, option, mef, subject, programme, mandatory, division,
        group, address;
} pmaps;

typedef struct pctx {
    siecle_run *run;
    sworker *w;
    sfile *f;
    pmaps *maps;
    char root[64];
    xml_source *src;
    uint64_t n;
    util_buf scratch;
    util_buf json;
} pctx;

/* ------------------------------------------------------------- field maps */

static int fm_put(fmap *fm, const char *elem, unsigned slot, relais_field_type t, unsigned flags)
{
    return util_map_put(fm->m, elem, strlen(elem), (int64_t)(slot | (unsigned)t << 8 | flags));
}

/* Every field of `kind` whose group is in `groups`, by its upper-case column name. */
static int fm_kind(fmap *fm, relais_kind kind, unsigned groups, const char *prefix)
{
    int rc = util_map_new(&fm->m);
    const relais_kind_info *ki = relais_kind_get(kind);
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t f = 0; f < ki->n_fields && rc == 0; f++) {
        const relais_field *fd = &ki->fields[f];
        if (!(fd->group & groups) || fd->type == RELAIS_FT_REF) {
            continue;
        }
        if (plen && strncmp(fd->name, prefix, plen) != 0) {
            continue;
        }
        char up[64];
        size_t i = 0;
        for (const char *p = fd->name + plen; *p && i + 1 < sizeof up; p++) {
            up[i++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        }
        up[i] = '\0';
        unsigned flags = 0;
        if (fd->type == RELAIS_FT_TEXT && (fd->group & (RELAIS_FG_IDENTITY | RELAIS_FG_CONTACT))) {
            flags |= FM_CHECK_Q;
        }
        rc = fm_put(fm, up, (unsigned)f, fd->type, flags);
    }
    return rc;
}

static void fm_del(fmap *fm, const char *elem)
{
    if (fm->m) {
        util_map_put(fm->m, elem, strlen(elem), -1);
    }
}

static bool fm_get(const fmap *fm, const char *elem, unsigned *slot, relais_field_type *t,
                   unsigned *flags)
{
    int64_t v;
    if (fm->m == NULL || !util_map_get(fm->m, elem, strlen(elem), &v) || v < 0) {
        return false;
    }
    *slot = (unsigned)(v & 0xff);
    *t = (relais_field_type)((v >> 8) & 0xf);
    *flags = (unsigned)v & ~0xfffu;
    return true;
}

static void maps_free(pmaps *m)
{
    fmap *all[] = {&m->student, &m->prev,   &m->guardian, &m->link,     &m->option, &m->mef,
                   &m->subject, &m->programme, &m->mandatory, &m->division, &m->group,
                   &m->address};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all); i++) {
        util_map_free(all[i]->m);
    }
}

static int maps_build(pmaps *m)
{
    memset(m, 0, sizeof *m);
    const unsigned not_key = RELAIS_FG_ALL & ~(RELAIS_FG_KEY | RELAIS_FG_CONSENT);
    int rc = fm_kind(&m->student, RELAIS_KIND_STUDENT, not_key & ~RELAIS_FG_PREVIOUS, NULL);
    if (rc == 0) {
        /* Address lines come from ADRESSE (joined later); only ADRESSE_ID is in ELEVE. */
        for (size_t i = 1; i < UTIL_ARRAY_LEN(addr_elems); i++) {
            fm_del(&m->student, addr_elems[i]);
        }
        fm_del(&m->student, "CODE_PAYS_ADRESSE");
        fm_del(&m->student, "BOURSES");
        rc = fm_put(&m->student, "CODE_PAYS", RELAIS_STUDENT_CODE_PAYS, RELAIS_FT_TEXT, 0);
    }
    if (rc == 0) {
        rc = fm_put(&m->student, "ID_NATIONAL", RELAIS_STUDENT_INE, RELAIS_FT_TEXT, 0);
    }
    if (rc == 0) {
        fm_del(&m->student, "INE");
        rc = fm_put(&m->student, "NOM", RELAIS_STUDENT_NOM_DE_FAMILLE, RELAIS_FT_TEXT,
                    FM_CHECK_Q | FM_FALLBACK);
    }
    if (rc == 0) {
        rc = fm_kind(&m->prev, RELAIS_KIND_STUDENT, RELAIS_FG_PREVIOUS, "prev_");
    }
    if (rc == 0) {
        rc = fm_kind(&m->guardian, RELAIS_KIND_GUARDIAN, not_key, NULL);
    }
    if (rc == 0) {
        for (size_t i = 1; i < UTIL_ARRAY_LEN(addr_elems); i++) {
            fm_del(&m->guardian, addr_elems[i]);
        }
        fm_del(&m->guardian, "CODE_PAYS_ADRESSE");
        fm_del(&m->guardian, "DATE_NAISSANCE"); /* not in SIECLE */
        rc = fm_put(&m->guardian, "NOM", RELAIS_GUARDIAN_NOM_DE_FAMILLE, RELAIS_FT_TEXT,
                    FM_CHECK_Q | FM_FALLBACK);
    }
    if (rc == 0) {
        rc = fm_kind(&m->link, RELAIS_KIND_STUDENT_GUARDIAN, not_key, NULL);
    }
    if (rc == 0) {
        rc = fm_put(&m->link, "PERS_PAIMENT", RELAIS_STUDENT_GUARDIAN_PERS_PAIEMENT,
                    RELAIS_FT_BOOL, FM_FALLBACK);
    }
    if (rc == 0) {
        rc = fm_kind(&m->option, RELAIS_KIND_STUDENT_OPTION, RELAIS_FG_ALL, NULL);
    }
    if (rc == 0) {
        rc = fm_kind(&m->mef, RELAIS_KIND_MEF, not_key, NULL);
    }
    if (rc == 0) {
        rc = fm_kind(&m->subject, RELAIS_KIND_SUBJECT, not_key, NULL);
    }
    if (rc == 0) {
        rc = fm_kind(&m->programme, RELAIS_KIND_PROGRAMME, RELAIS_FG_ALL, NULL);
    }
    if (rc == 0) {
        rc = fm_kind(&m->mandatory, RELAIS_KIND_MANDATORY_OPTION, RELAIS_FG_ALL, NULL);
    }
    if (rc == 0) {
        rc = fm_kind(&m->division, RELAIS_KIND_DIVISION, not_key, NULL);
    }
    if (rc == 0) {
        fm_del(&m->division, "MEFS");
        fm_del(&m->division, "EFFECTIF_PREVU");
        rc = fm_kind(&m->group, RELAIS_KIND_GROUP, not_key, NULL);
    }
    if (rc == 0) {
        fm_del(&m->group, "MEFS");
        fm_del(&m->group, "EFFECTIF_PREVU");
        fm_del(&m->group, "EFFECTIF_MAX");
        rc = util_map_new(&m->address.m);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(addr_elems) && rc == 0; i++) {
        rc = fm_put(&m->address, addr_elems[i], (unsigned)i, RELAIS_FT_TEXT,
                    i > 0 ? FM_CHECK_Q : 0);
    }
    return rc;
}

/* ------------------------------------------------------------- progress */

void siecle_progress(siecle_run *run, siecle_phase phase, const char *file, uint64_t done,
                     uint64_t total)
{
    if (run->o.progress == NULL) {
        return;
    }
    pthread_mutex_lock(&run->progress_lock);
    double now = util_monotonic();
    if (done == total || now - run->last_progress >= 0.25) {
        run->last_progress = now;
        run->o.progress(phase, file, done, total, run->o.progress_payload);
    }
    pthread_mutex_unlock(&run->progress_lock);
}

/* At the start of each record: scratch memory of the previous one is released. */
static void tick(pctx *x)
{
    util_arena_reset(x->w->arena);
    if ((++x->n & 1023) == 0 && x->run->o.progress) {
        uint64_t done = 0, total = 0;
        xml_source_progress(x->src, &done, &total);
        siecle_progress(x->run, SIECLE_PHASE_READ, x->f->name, done, total);
    }
}

/* --------------------------------------------------------------- warnings */

static int pwarn_v(pctx *x, relais_severity sev, const char *code, unsigned long line, int kind,
                   const char *ids, const char *fmt, va_list ap)
{
    util_buf msg = UTIL_BUF_INIT;
    int rc = util_buf_vprintf(&msg, fmt, ap);
    /* Kept with the file (threads read files in parallel), added to the plan in file order. */
    if (rc == 0) {
        proto_builder *b = &x->w->wpb;
        char sev_s[4], kind_s[16];
        snprintf(sev_s, sizeof sev_s, "%d", (int)sev);
        snprintf(kind_s, sizeof kind_s, "%d", kind);
        pb_begin(b, P_WARNING, line);
        pb_set(b, 0, code, strlen(code), true);
        pb_set(b, 1, ids, ids ? strlen(ids) : 0, true);
        pb_set(b, 2, msg.data ? msg.data : "", msg.len, true);
        pb_set(b, 3, sev_s, strlen(sev_s), true);
        pb_set(b, 4, kind_s, strlen(kind_s), true);
        rc = pb_end(b, x->w->warn, NULL);
    }
    util_buf_free(&msg);
    return rc;
}

static int pwarn(pctx *x, relais_severity sev, const char *code, unsigned long line, int kind,
                 const char *ids, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int pwarn(pctx *x, relais_severity sev, const char *code, unsigned long line, int kind,
                 const char *ids, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pwarn_v(x, sev, code, line, kind, ids, fmt, ap);
    va_end(ap);
    return rc;
}

int siecle_parse_report(siecle_run *run, sfile *f)
{
    int rc = 0;
    for (int k = 0; k < RELAIS_KIND_COUNT && rc == 0; k++) {
        if (f->ignored[k]) {
            rc = relais_plan_count(run->plan, f->group->scope_ref, (relais_kind)k,
                                   RELAIS_COUNT_IGNORED, f->ignored[k]);
        }
    }
    if (rc < 0 || f->store_warn == NULL || f->warn.end == f->warn.start) {
        return rc;
    }
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    rc = preader_open(&rd, f->store_warn, f->warn);
    while (rc == 0 && (rc = preader_next(&rd, &p)) > 0) {
        int64_t sev = 0, kind = -1;
        rc = 0;
        if (p.v[3]) {
            util_parse_int64(p.v[3], p.len[3], &sev);
        }
        if (p.v[4]) {
            util_parse_int64(p.v[4], p.len[4], &kind);
        }
        relais_warning w = {(relais_severity)sev, p.v[0], f->label, p.line, (int)kind,
                            p.v[1] && p.len[1] ? p.v[1] : NULL, p.v[2] ? p.v[2] : ""};
        rc = relais_plan_warn(run->plan, &w);
    }
    preader_close(&rd);
    return rc;
}

/* --------------------------------------------------------- side indexes */

int siecle_side_index(sfile *f)
{
    if (f->store_side == NULL || f->side.end == f->side.start) {
        return 0;
    }
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    int rc = preader_open(&rd, f->store_side, f->side);
    while (rc == 0) {
        uint64_t off = preader_offset(&rd);
        rc = preader_next(&rd, &p);
        if (rc <= 0) {
            break;
        }
        rc = 0;
        int64_t key;
        if (p.v[X_KEY] == NULL || !siecle_id_parse(p.v[X_KEY], p.len[X_KEY], &key)) {
            continue;
        }
        rc = kvarr_push(p.type == P_BOURSE ? &f->bourse_index : &f->side_index, key,
                        (int64_t)off);
    }
    preader_close(&rd);
    kvarr_sort(&f->side_index);
    kvarr_sort(&f->bourse_index);
    return rc;
}

void siecle_side_index_free(sfile *f)
{
    kvarr_free(&f->side_index);
    kvarr_free(&f->bourse_index);
}

/* Report an element the format reference does not list, once per file and path. */
static int unknown(pctx *x, const xml_node *parent, const xml_node *child)
{
    sfile *f = x->f;
    if (f->reported == NULL) {
        int rc = util_map_new(&f->reported);
        if (rc < 0) {
            return rc;
        }
    }
    util_buf *b = &x->scratch;
    b->len = 0;
    if (parent) {
        util_buf_printf(b, "%s/", xml_node_name(parent));
    }
    util_buf_puts(b, xml_node_name(child));
    if (b->failed) {
        return RELAIS_ENOMEM;
    }
    if (util_map_get(f->reported, b->data, b->len, NULL)) {
        return 0;
    }
    int rc = util_map_put(f->reported, b->data, b->len, 1);
    if (rc == 0) {
        char *path = util_arena_strdup(x->w->arena, b->data);
        rc = path ? pwarn(x, RELAIS_SEVERITY_INFO, "ELEMENT_INCONNU", xml_node_line(child), -1,
                          NULL,
                          _("élément %s absent du format de référence : ignoré (signalé une "
                            "seule fois par fichier)"),
                          path)
                  : RELAIS_ENOMEM;
    }
    return rc;
}

/* ------------------------------------------------------------------ values */

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (x != *b) {
            return false;
        }
    }
    return *a == *b;
}

static bool valid_decimal(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    bool dot = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        i++;
    }
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            digits++;
        } else if (s[i] == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    return digits > 0;
}

/*
 * Convert the text of `el` for a field of type t and set it in slot; an
 * invalid value is reported and the stored value kept.
 */
static int put_value(pctx *x, const xml_node *el, unsigned slot, relais_field_type t,
                     unsigned flags, int kind, const char *ids)
{
    proto_builder *b = &x->w->pb;
    const char *v = xml_node_text(el);
    size_t len = xml_node_text_len(el);
    bool override = !(flags & FM_FALLBACK);
    if (len == 0) {
        return 0;
    }
    const char *name = xml_node_name(el);
    unsigned long line = xml_node_line(el);
    switch (t) {
    case RELAIS_FT_DATE: {
        util_date d;
        if (!util_date_parse(v, len, &d)) {
            pb_keep(b, slot);
            return pwarn(x, RELAIS_SEVERITY_WARNING, "DATE_INVALIDE", line, kind, ids,
                         _("%s : date invalide « %s » (la valeur déjà connue est gardée)"), name,
                         v);
        }
        char *iso = util_arena_alloc(x->w->arena, 11);
        if (iso == NULL) {
            return RELAIS_ENOMEM;
        }
        util_date_iso(&d, iso);
        pb_set(b, slot, iso, 10, override);
        return 0;
    }
    case RELAIS_FT_BOOL:
        if (strcmp(v, "1") == 0 || ascii_ieq(v, "true")) {
            pb_set(b, slot, "1", 1, override);
        } else if (strcmp(v, "0") == 0 || ascii_ieq(v, "false")) {
            pb_set(b, slot, "0", 1, override);
        } else {
            pb_keep(b, slot);
            return pwarn(x, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", line, kind, ids,
                         _("%s : « %s » n'est pas un booléen (0, 1, true, false) : valeur "
                           "ignorée"),
                         name, v);
        }
        return 0;
    case RELAIS_FT_INT: {
        int64_t n;
        if (!util_parse_int64(v, len, &n)) {
            pb_keep(b, slot);
            return pwarn(x, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", line, kind, ids,
                         _("%s : « %s » n'est pas un nombre entier : valeur ignorée"), name, v);
        }
        pb_set(b, slot, v, len, override);
        return 0;
    }
    case RELAIS_FT_DECIMAL:
        if (!valid_decimal(v, len)) {
            pb_keep(b, slot);
            return pwarn(x, RELAIS_SEVERITY_WARNING, "VALEUR_INVALIDE", line, kind, ids,
                         _("%s : « %s » n'est pas un nombre décimal : valeur ignorée"), name, v);
        }
        pb_set(b, slot, v, len, override);
        return 0;
    default:
        pb_set(b, slot, v, len, override);
        if ((flags & FM_CHECK_Q) && memchr(v, '?', len)) {
            return pwarn(x, RELAIS_SEVERITY_WARNING, "CARACTERE_NON_EXPORTE", line, kind, ids,
                         _("%s « %s » : SIECLE a remplacé par « ? » un caractère qu'il n'a pas "
                           "pu exporter ; corrigez la fiche dans SIECLE"),
                         name, v);
        }
        return 0;
    }
}

/* Map the children of n through fm; `special` names are left to the caller. */
static int map_children(pctx *x, const xml_node *n, const fmap *fm, int kind, const char *ids,
                        const char *const *special)
{
    int rc = 0;
    for (const xml_node *c = xml_node_first_child(n); c && rc == 0; c = xml_node_next_sibling(c)) {
        const char *name = xml_node_name(c);
        unsigned slot, flags;
        relais_field_type t;
        if (fm_get(fm, name, &slot, &t, &flags)) {
            rc = put_value(x, c, slot, t, flags, kind, ids);
            continue;
        }
        bool handled = false;
        for (size_t i = 0; special && special[i] && !handled; i++) {
            handled = strcmp(special[i], name) == 0;
        }
        if (!handled) {
            rc = unknown(x, n, c);
        }
    }
    return rc;
}

/* An attribute value, trimmed, in the arena; NULL when absent or empty. */
static const char *attr_trim(pctx *x, const xml_node *n, const char *name, size_t *len)
{
    const char *v = xml_node_attr(n, name);
    if (v == NULL) {
        return NULL;
    }
    size_t l = strlen(v);
    v = util_trim(v, &l);
    if (l == 0) {
        return NULL;
    }
    *len = l;
    return util_arena_strndup(x->w->arena, v, l);
}

/* The key of a record: attribute `name`, else a child of that name. */
static const char *key_of(pctx *x, const xml_node *n, const char *name, size_t *len)
{
    const char *v = attr_trim(x, n, name, len);
    if (v == NULL) {
        const xml_node *c = xml_node_child(n, name);
        if (c && xml_node_text_len(c) > 0) {
            v = xml_node_text(c);
            *len = xml_node_text_len(c);
        }
    }
    return v;
}

static const char *ids_of(pctx *x, const char *what, const char *v)
{
    return siecle_cat(x->w->arena, what, " ", v ? v : "?", NULL);
}

/* A warning whose element is left out: counted as ignored under its kind for the report
 * (the scope is registered before parsing). */
static int pignore(pctx *x, relais_severity sev, const char *code, unsigned long line,
                   relais_kind kind, const char *ids, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int pignore(pctx *x, relais_severity sev, const char *code, unsigned long line,
                   relais_kind kind, const char *ids, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pwarn_v(x, sev, code, line, (int)kind, ids, fmt, ap);
    va_end(ap);
    if (rc == 0) {
        x->f->ignored[kind]++;
    }
    return rc;
}

/*
 * The numeric id attribute `name` (ELEVE_ID, PERSONNE_ID) of a person's element, and the
 * ids its warnings show. 1 when usable; 0 when absent or not numeric: the element is
 * refused with `refused` (a msgid) and counted as ignored under `kind`.
 */
static int id_attr(pctx *x, const xml_node *n, const char *name, relais_kind kind,
                   const char *code, const char *refused, const char **id, size_t *len,
                   const char **ids)
{
    *len = 0;
    *id = attr_trim(x, n, name, len);
    *ids = ids_of(x, name, *id);
    if (*ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int64_t num;
    if (*id != NULL && siecle_id_parse(*id, *len, &num)) {
        return 1;
    }
    int rc = pignore(x, RELAIS_SEVERITY_ERROR, code, xml_node_line(n), kind, *ids, "%s",
                     _(refused));
    return rc < 0 ? rc : 0;
}

static int end_main(pctx *x)
{
    x->f->n_records++;
    return pb_end(&x->w->pb, x->w->main, NULL);
}

/* ------------------------------------------------------------ Eleves */

static int on_eleve(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t len;
    const char *id, *ids;
    int ok = id_attr(x, n, "ELEVE_ID", RELAIS_KIND_STUDENT, "ELEVE_ID_INVALIDE",
                     N_("élève sans attribut ELEVE_ID numérique : élève refusé"), &id, &len, &ids);
    if (ok <= 0) {
        return ok;
    }
    pb_begin(b, P_STUDENT, xml_node_line(n));
    pb_set(b, RELAIS_STUDENT_ELEVE_ID, id, len, true);
    static const char *const special[] = {"SCOLARITE_AN_DERNIER", NULL};
    int rc = map_children(x, n, &x->maps->student, RELAIS_KIND_STUDENT, ids, special);
    const xml_node *prev = xml_node_child(n, "SCOLARITE_AN_DERNIER");
    if (rc == 0 && prev) {
        rc = map_children(x, prev, &x->maps->prev, RELAIS_KIND_STUDENT, ids, NULL);
    }
    if (rc == 0 && !pb_has(b, RELAIS_STUDENT_ELENOET)) {
        const char *noet = attr_trim(x, n, "ELENOET", &len);
        pb_set(b, RELAIS_STUDENT_ELENOET, noet, len, true);
    }
    /* An ELENOET inherited from the previous school: ID_ELEVE_ETAB ends with another UAJ. */
    if (rc == 0 && pb_has(b, RELAIS_STUDENT_ELENOET) && pb_has(b, RELAIS_STUDENT_ID_ELEVE_ETAB) &&
        b->len[RELAIS_STUDENT_ID_ELEVE_ETAB] == 11 &&
        memcmp(b->v[RELAIS_STUDENT_ID_ELEVE_ETAB] + 5, x->f->uaj + 1, 6) != 0) {
        rc = pwarn(x, RELAIS_SEVERITY_INFO, "ELENOET_HERITE", xml_node_line(n),
                   RELAIS_KIND_STUDENT, ids,
                   _("ID_ELEVE_ETAB %s désigne un autre établissement : le numéro ELENOET %s "
                     "vient de l'établissement précédent et n'est pas repris"),
                   b->v[RELAIS_STUDENT_ID_ELEVE_ETAB], b->v[RELAIS_STUDENT_ELENOET]);
        pb_set(b, RELAIS_STUDENT_ELENOET, "", 0, true);
    }
    return rc < 0 ? rc : end_main(x);
}

static int on_option(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t id_len;
    const char *id, *ids;
    int ok = id_attr(x, n, "ELEVE_ID", RELAIS_KIND_STUDENT_OPTION, "ELEVE_ID_INVALIDE",
                     N_("options sans attribut ELEVE_ID numérique : ignorées"), &id, &id_len,
                     &ids);
    if (ok <= 0) {
        return ok;
    }
    int rc = 0;
    const char *seen[64];
    size_t n_seen = 0;
    for (const xml_node *c = xml_node_first_child(n); c && rc == 0; c = xml_node_next_sibling(c)) {
        if (strcmp(xml_node_name(c), "OPTIONS_ELEVE") != 0) {
            rc = unknown(x, n, c);
            continue;
        }
        pb_begin(b, P_OPTION, xml_node_line(c));
        pb_set(b, X_ELEVE_ID, id, id_len, true);
        rc = map_children(x, c, &x->maps->option, RELAIS_KIND_STUDENT_OPTION, ids, NULL);
        const char *mat = b->v[RELAIS_STUDENT_OPTION_CODE_MATIERE];
        if (rc == 0 && mat == NULL) {
            rc = pignore(x, RELAIS_SEVERITY_WARNING, "OPTION_SANS_MATIERE", xml_node_line(c),
                       RELAIS_KIND_STUDENT_OPTION, ids,
                       "%s", _("option sans CODE_MATIERE : ignorée"));
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < n_seen && !dup; i++) {
            dup = strcmp(seen[i], mat) == 0;
        }
        if (rc == 0 && dup) {
            rc = pignore(x, RELAIS_SEVERITY_WARNING, "OPTION_EN_DOUBLE", xml_node_line(c),
                       RELAIS_KIND_STUDENT_OPTION, ids,
                       _("matière %s donnée deux fois dans les options de l'élève : la "
                         "seconde est ignorée"),
                       mat);
            continue;
        }
        if (rc == 0 && n_seen < UTIL_ARRAY_LEN(seen)) {
            seen[n_seen++] = mat;
        }
        if (rc == 0) {
            rc = end_main(x);
        }
    }
    return rc;
}

static int on_structures_eleve(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    proto_builder *b = &x->w->pb;
    sfile *f = x->f;
    size_t id_len;
    const char *id, *ids;
    int ok = id_attr(x, n, "ELEVE_ID", RELAIS_KIND_ENROLMENT, "ELEVE_ID_INVALIDE",
                     N_("structures sans attribut ELEVE_ID numérique : ignorées"), &id, &id_len,
                     &ids);
    if (ok <= 0) {
        return ok;
    }
    if (f->struct_refs == NULL) {
        int rc = util_map_new(&f->struct_refs);
        if (rc < 0) {
            return rc;
        }
    }
    int rc = 0;
    const char *seen[64];
    size_t n_seen = 0;
    for (const xml_node *c = xml_node_first_child(n); c && rc == 0; c = xml_node_next_sibling(c)) {
        if (strcmp(xml_node_name(c), "STRUCTURE") != 0) {
            rc = unknown(x, n, c);
            continue;
        }
        const char *code = xml_node_child_text(c, "CODE_STRUCTURE");
        const char *type = xml_node_child_text(c, "TYPE_STRUCTURE");
        for (const xml_node *k = xml_node_first_child(c); k && rc == 0;
             k = xml_node_next_sibling(k)) {
            if (strcmp(xml_node_name(k), "CODE_STRUCTURE") != 0 &&
                strcmp(xml_node_name(k), "TYPE_STRUCTURE") != 0) {
                rc = unknown(x, c, k);
            }
        }
        if (rc < 0) {
            break;
        }
        if (code == NULL || code[0] == '\0') {
            rc = pignore(x, RELAIS_SEVERITY_WARNING, "STRUCTURE_SANS_CODE", xml_node_line(c),
                       RELAIS_KIND_ENROLMENT, ids, "%s",
                       _("STRUCTURE sans CODE_STRUCTURE : ignorée"));
            continue;
        }
        if (type == NULL || (strcmp(type, "D") != 0 && strcmp(type, "G") != 0)) {
            rc = pignore(x, RELAIS_SEVERITY_WARNING, "CODE_INCONNU", xml_node_line(c),
                         RELAIS_KIND_ENROLMENT, ids,
                         _("TYPE_STRUCTURE « %s » de la structure %s : D (division) ou G "
                           "(groupe) attendu ; ignorée"),
                         type ? type : "", code);
            continue;
        }
        bool dup = false;
        for (size_t i = 0; i < n_seen && !dup; i++) {
            dup = strcmp(seen[i], code) == 0;
        }
        if (dup) {
            continue; /* the same structure listed twice: one enrolment */
        }
        if (n_seen < UTIL_ARRAY_LEN(seen)) {
            seen[n_seen++] = code;
        }
        siecle_key_buf k = {.heap = UTIL_BUF_INIT};
        rc = siecle_key(&k, type, code);
        if (rc == 0 && !util_map_get(f->struct_refs, k.data, k.len, NULL)) {
            rc = util_map_put(f->struct_refs, k.data, k.len, (int64_t)xml_node_line(c));
        }
        util_buf_free(&k.heap);
        pb_begin(b, P_ENROL, xml_node_line(c));
        pb_set(b, X_ELEVE_ID, id, id_len, true);
        pb_set(b, X_CODE_STRUCTURE, code, strlen(code), true);
        pb_set(b, X_TYPE_STRUCTURE, type, 1, true);
        if (rc == 0) {
            rc = end_main(x);
        }
    }
    return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, de-duplicated, space-separated list of the texts of every `name` under n. */
static const char *collect_codes(pctx *x, const xml_node *n, const char *name)
{
    const char *codes[256];
    size_t count = 0;
    const xml_node *stack[16];
    size_t depth = 0;
    stack[depth++] = n;
    while (depth > 0) {
        const xml_node *cur = stack[--depth];
        for (const xml_node *c = xml_node_first_child(cur); c; c = xml_node_next_sibling(c)) {
            if (strcmp(xml_node_name(c), name) == 0) {
                if (xml_node_text_len(c) > 0 && count < UTIL_ARRAY_LEN(codes)) {
                    codes[count++] = xml_node_text(c);
                }
            } else if (xml_node_first_child(c) && depth < UTIL_ARRAY_LEN(stack)) {
                stack[depth++] = c;
            }
        }
    }
    if (count == 0) {
        return NULL;
    }
    qsort(codes, count, sizeof *codes, cmp_cstr);
    util_buf *b = &x->scratch;
    b->len = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp(codes[i], codes[i - 1]) == 0) {
            continue;
        }
        if (b->len > 0) {
            util_buf_putc(b, ' ');
        }
        util_buf_puts(b, codes[i]);
    }
    return b->failed ? NULL : util_arena_strdup(x->w->arena, b->data);
}

static int on_bourse(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    size_t len = 0;
    const char *id = key_of(x, n, "ELEVE_ID", &len);
    int64_t num;
    if (id == NULL || !siecle_id_parse(id, len, &num)) {
        const char *ids = ids_of(x, "ELEVE_ID", id);
        int rc = ids ? pwarn(x, RELAIS_SEVERITY_WARNING, "ELEVE_ID_INVALIDE", xml_node_line(n),
                             RELAIS_KIND_STUDENT, ids, "%s",
                             _("bourse sans ELEVE_ID numérique : ignorée"))
                     : RELAIS_ENOMEM;
        return rc;
    }
    const char *codes = collect_codes(x, n, "CODE_BOURSE");
    if (codes == NULL) {
        return 0;
    }
    proto_builder *b = &x->w->pb;
    pb_begin(b, P_BOURSE, xml_node_line(n));
    pb_set(b, X_KEY, id, len, true);
    pb_set(b, X_CODES, codes, strlen(codes), true);
    return pb_end(b, x->w->side, NULL);
}

static int on_adresse(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    size_t len = 0;
    const char *id = attr_trim(x, n, "ADRESSE_ID", &len);
    const char *ids = ids_of(x, "ADRESSE_ID", id);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int64_t num;
    if (id == NULL || !siecle_id_parse(id, len, &num)) {
        return pwarn(x, RELAIS_SEVERITY_WARNING, "ADRESSE_ID_INVALIDE", xml_node_line(n), -1, ids,
                     "%s", _("adresse sans attribut ADRESSE_ID numérique : ignorée"));
    }
    x->f->has_addresses = true;
    proto_builder *b = &x->w->pb;
    pb_begin(b, P_ADDRESS, xml_node_line(n));
    pb_set(b, X_KEY, id, len, true);
    pb_set(b, 0, id, len, true);
    int kind = x->f->type == SF_ELEVES ? RELAIS_KIND_STUDENT : RELAIS_KIND_GUARDIAN;
    static const char *const special[] = {"ADRESSE_ID", NULL};
    int rc = map_children(x, n, &x->maps->address, kind, ids, special);
    return rc < 0 ? rc : pb_end(b, x->w->side, NULL);
}

/* ------------------------------------------------------------ Responsables */

static int on_personne(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t len;
    const char *id, *ids;
    int ok = id_attr(x, n, "PERSONNE_ID", RELAIS_KIND_GUARDIAN, "PERSONNE_ID_INVALIDE",
                     N_("personne sans attribut PERSONNE_ID numérique : refusée"), &id, &len,
                     &ids);
    if (ok <= 0) {
        return ok;
    }
    pb_begin(b, P_GUARDIAN, xml_node_line(n));
    pb_set(b, RELAIS_GUARDIAN_PERSONNE_ID, id, len, true);
    int rc = map_children(x, n, &x->maps->guardian, RELAIS_KIND_GUARDIAN, ids, NULL);
    return rc < 0 ? rc : end_main(x);
}

static int on_responsable_eleve(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t el_len = 0, pe_len = 0;
    const char *el = key_of(x, n, "ELEVE_ID", &el_len);
    const char *pe = key_of(x, n, "PERSONNE_ID", &pe_len);
    const char *ids = siecle_cat(x->w->arena, "ELEVE_ID ", el ? el : "?", ", PERSONNE_ID ",
                                 pe ? pe : "?");
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int64_t num;
    if (el == NULL || pe == NULL || !siecle_id_parse(el, el_len, &num) ||
        !siecle_id_parse(pe, pe_len, &num)) {
        return pignore(x, RELAIS_SEVERITY_ERROR, "LIEN_INVALIDE", xml_node_line(n),
                       RELAIS_KIND_STUDENT_GUARDIAN, ids, "%s",
                       _("RESPONSABLE_ELEVE sans ELEVE_ID ou PERSONNE_ID numérique : ignoré"));
    }
    pb_begin(b, P_LINK, xml_node_line(n));
    pb_set(b, X_ELEVE_ID, el, el_len, true);
    pb_set(b, X_PERSONNE_ID, pe, pe_len, true);
    static const char *const special[] = {"ELEVE_ID", "PERSONNE_ID", NULL};
    int rc = map_children(x, n, &x->maps->link, RELAIS_KIND_STUDENT_GUARDIAN, ids, special);
    return rc < 0 ? rc : end_main(x);
}

/* ------------------------------------------------------------- Structures */

static int define_structure(pctx *x, char type, const char *code)
{
    sfile *f = x->f;
    if (f->struct_defs == NULL) {
        int rc = util_map_new(&f->struct_defs);
        if (rc < 0) {
            return rc;
        }
    }
    util_buf *k = &x->scratch;
    k->len = 0;
    util_buf_printf(k, "%c\x1f%s", type, code);
    return k->failed ? RELAIS_ENOMEM : util_map_put(f->struct_defs, k->data, k->len, 1);
}

static int on_structure(pctx *x, const xml_node *n, bool group)
{
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t len = 0;
    const char *code = key_of(x, n, "CODE_STRUCTURE", &len);
    relais_kind kind = group ? RELAIS_KIND_GROUP : RELAIS_KIND_DIVISION;
    const char *ids = ids_of(x, "CODE_STRUCTURE", code);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    if (code == NULL) {
        return pignore(x, RELAIS_SEVERITY_ERROR, "STRUCTURE_SANS_CODE", xml_node_line(n), kind,
                       NULL, _("%s sans CODE_STRUCTURE : ignorée"), xml_node_name(n));
    }
    int rc = define_structure(x, group ? 'G' : 'D', code);
    if (rc < 0) {
        return rc;
    }
    pb_begin(b, group ? P_GROUP : P_DIVISION, xml_node_line(n));
    pb_set(b, RELAIS_DIVISION_CODE, code, len, true); /* CODE is field 0 of both */
    static const char *const special[] = {"CODE_STRUCTURE", "MEFS_APPARTENANCE",
                                          "DIVISIONS_APPARTENANCE", NULL};
    rc = map_children(x, n, group ? &x->maps->group : &x->maps->division, kind, ids, special);
    const xml_node *mefs = xml_node_child(n, "MEFS_APPARTENANCE");
    if (rc == 0 && mefs) {
        const char *list = collect_codes(x, mefs, "CODE_MEF");
        pb_set(b, group ? RELAIS_GROUP_MEFS : RELAIS_DIVISION_MEFS, list, list ? strlen(list) : 0,
               true);
    }
    const xml_node *divs = group ? xml_node_child(n, "DIVISIONS_APPARTENANCE") : NULL;
    if (!group && rc == 0 && xml_node_child(n, "DIVISIONS_APPARTENANCE")) {
        rc = unknown(x, n, xml_node_child(n, "DIVISIONS_APPARTENANCE"));
    }
    if (rc == 0) {
        rc = end_main(x);
    }
    if (rc == 0 && divs) {
        const char *list = collect_codes(x, divs, "CODE_STRUCTURE");
        /* One proto per division; the list is space-separated but codes may hold spaces. */
        (void)list;
        for (const xml_node *d = xml_node_first_child(divs); d && rc == 0;
             d = xml_node_next_sibling(d)) {
            const char *dc = xml_node_child_text(d, "CODE_STRUCTURE");
            if (dc == NULL || dc[0] == '\0') {
                continue;
            }
            pb_begin(b, P_GROUP_DIVISION, xml_node_line(d));
            pb_set(b, X_GROUP, code, len, true);
            pb_set(b, X_DIVISION, dc, strlen(dc), true);
            rc = end_main(x);
        }
    }
    return rc;
}

static int on_division(const xml_node *n, void *payload)
{
    return on_structure(payload, n, false);
}

static int on_groupe(const xml_node *n, void *payload)
{
    return on_structure(payload, n, true);
}

/* ------------------------------------------------------------ Nomenclature */

static int keyed_record(pctx *x, const xml_node *n, uint8_t type, const char *key_attr,
                        unsigned key_slot, const fmap *fm, relais_kind kind)
{
    tick(x);
    proto_builder *b = &x->w->pb;
    size_t len = 0;
    const char *key = key_of(x, n, key_attr, &len);
    const char *ids = ids_of(x, key_attr, key);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    if (key == NULL) {
        return pignore(x, RELAIS_SEVERITY_WARNING, "ENTREE_SANS_CODE", xml_node_line(n), kind,
                       NULL, _("%s sans %s : ignoré"), xml_node_name(n), key_attr);
    }
    pb_begin(b, type, xml_node_line(n));
    pb_set(b, key_slot, key, len, true);
    const char *special[] = {key_attr, NULL};
    int rc = map_children(x, n, fm, kind, ids, special);
    return rc < 0 ? rc : end_main(x);
}

static int on_mef(const xml_node *n, void *payload)
{
    pctx *x = payload;
    return keyed_record(x, n, P_MEF, "CODE_MEF", RELAIS_MEF_CODE_MEF, &x->maps->mef,
                        RELAIS_KIND_MEF);
}

static int on_matiere(const xml_node *n, void *payload)
{
    pctx *x = payload;
    return keyed_record(x, n, P_SUBJECT, "CODE_MATIERE", RELAIS_SUBJECT_CODE_MATIERE,
                        &x->maps->subject, RELAIS_KIND_SUBJECT);
}

/* PROGRAMME and OPTION_OBLIGATOIRE: keys are children. */
static int children_record(pctx *x, const xml_node *n, uint8_t type, const fmap *fm,
                           relais_kind kind)
{
    tick(x);
    proto_builder *b = &x->w->pb;
    pb_begin(b, type, xml_node_line(n));
    const char *mef = xml_node_child_text(n, "CODE_MEF");
    const char *mat = xml_node_child_text(n, "CODE_MATIERE");
    util_buf *s = &x->scratch;
    s->len = 0;
    util_buf_printf(s, "CODE_MEF %s, CODE_MATIERE %s", mef ? mef : "?", mat ? mat : "?");
    const char *ids = s->failed ? NULL : util_arena_strdup(x->w->arena, s->data);
    if (ids == NULL) {
        return RELAIS_ENOMEM;
    }
    int rc = map_children(x, n, fm, kind, ids, NULL);
    const relais_kind_info *ki = relais_kind_get(kind);
    for (size_t i = 0; i < ki->n_key && rc == 0; i++) {
        if (!pb_has(b, (unsigned)ki->key[i])) {
            return pignore(x, RELAIS_SEVERITY_WARNING, "ENTREE_SANS_CODE", xml_node_line(n),
                           kind, ids, _("%s sans %s : ignoré"), xml_node_name(n),
                           ki->fields[ki->key[i]].name);
        }
    }
    return rc < 0 ? rc : end_main(x);
}

static int on_programme(const xml_node *n, void *payload)
{
    pctx *x = payload;
    return children_record(x, n, P_PROGRAMME, &x->maps->programme, RELAIS_KIND_PROGRAMME);
}

static int on_option_obligatoire(const xml_node *n, void *payload)
{
    pctx *x = payload;
    return children_record(x, n, P_MANDATORY, &x->maps->mandatory, RELAIS_KIND_MANDATORY_OPTION);
}

/* ---------------------------------------------------------- code lists */

typedef struct attr_pair {
    const char *key;
    const char *value;
} attr_pair;

static int cmp_pair(const void *a, const void *b)
{
    const attr_pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x < y ? -1 : x > y);
}

static char *lower_dup(util_arena *a, const char *prefix, const char *s)
{
    size_t pl = prefix ? strlen(prefix) : 0, n = strlen(s);
    char *out = util_arena_alloc(a, pl + n + 1);
    if (out == NULL) {
        return NULL;
    }
    if (pl) {
        memcpy(out, prefix, pl);
    }
    for (size_t i = 0; i < n; i++) {
        out[pl + i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    }
    out[pl + n] = '\0';
    return out;
}

typedef struct gen_item {
    attr_pair pairs[128];
    size_t n_pairs;
    const char *court, *long_, *edition, *tri;
} gen_item;

/* Flatten the children of n into the item (columns for the labels, attrs for the rest). */
static int flatten(pctx *x, gen_item *it, const xml_node *n, const char *prefix, int depth)
{
    util_arena *a = x->w->arena;
    for (const xml_node *c = xml_node_first_child(n); c; c = xml_node_next_sibling(c)) {
        const char *name = xml_node_name(c);
        if (xml_node_first_child(c)) {
            if (depth < 3) {
                char *p = lower_dup(a, prefix, name);
                size_t pl = p ? strlen(p) : 0;
                char *p2 = p ? util_arena_alloc(a, pl + 2) : NULL;
                if (p2 == NULL) {
                    return RELAIS_ENOMEM;
                }
                memcpy(p2, p, pl);
                p2[pl] = '/';
                p2[pl + 1] = '\0';
                int rc = flatten(x, it, c, p2, depth + 1);
                if (rc < 0) {
                    return rc;
                }
            }
            continue;
        }
        const char *v = xml_node_text(c);
        if (xml_node_text_len(c) == 0) {
            continue;
        }
        if (prefix == NULL) {
            if (it->court == NULL &&
                (strcmp(name, "LIBELLE_COURT") == 0 || strcmp(name, "LIBELLE_COURT_PCS") == 0 ||
                 strncmp(name, "LC_", 3) == 0)) {
                it->court = v;
                continue;
            }
            if (it->long_ == NULL &&
                (strcmp(name, "LIBELLE_LONG") == 0 || strcmp(name, "LIBELLE_LONG_PCS") == 0 ||
                 strncmp(name, "LL_", 3) == 0)) {
                it->long_ = v;
                continue;
            }
            if (it->edition == NULL && strcmp(name, "LIBELLE_EDITION") == 0) {
                it->edition = v;
                continue;
            }
            if (it->tri == NULL && strcmp(name, "TRI") == 0) {
                it->tri = v;
                continue;
            }
        }
        if (it->n_pairs == UTIL_ARRAY_LEN(it->pairs)) {
            continue;
        }
        char *key = lower_dup(a, prefix, name);
        if (key == NULL) {
            return RELAIS_ENOMEM;
        }
        util_date d;
        if (strncmp(name, "DATE_", 5) == 0 && util_date_parse(v, strlen(v), &d)) {
            char *iso = util_arena_alloc(a, 11);
            if (iso == NULL) {
                return RELAIS_ENOMEM;
            }
            util_date_iso(&d, iso);
            v = iso;
        }
        it->pairs[it->n_pairs++] = (attr_pair){key, v};
    }
    return 0;
}

/*
 * One entry of a code list (régimes, professions, communes, établissements…):
 * list = the key attribute's name in lower case (CODE_REGIME → code_regime),
 * else the first CODE_* child; labels in columns, every other value in attrs.
 */
static int code_item(pctx *x, const xml_node *n, const char *list_override, const char *code_ovr)
{
    util_arena *a = x->w->arena;
    gen_item *it = util_arena_alloc(a, sizeof *it);
    if (it == NULL) {
        return RELAIS_ENOMEM;
    }
    memset(it, 0, sizeof *it);
    const char *list = list_override, *code = code_ovr;
    size_t first_attr = 0;
    if (list == NULL && xml_node_attr_count(n) > 0) {
        const xml_attr *at = xml_node_attr_at(n, 0);
        size_t l = at->value_len;
        const char *v = util_trim(at->value, &l);
        list = lower_dup(a, NULL, at->name);
        code = util_arena_strndup(a, v, l);
        first_attr = 1;
    }
    /*
     * Without a key attribute (Etablissements, Geographique: layout not documented),
     * the identifying code among the children: the most specific first (an
     * establishment also names its académie, a commune its département), else the
     * first CODE_* child.
     */
    static const char *const key_children[] = {"CODE_RNE", "CODE_UAJ", "CODE_COMMUNE_INSEE",
                                               "CODE_PAYS", "CODE_DEPARTEMENT", "CODE_ACADEMIE",
                                               NULL};
    for (size_t i = 0; list == NULL && key_children[i]; i++) {
        const xml_node *c = xml_node_child(n, key_children[i]);
        if (c && xml_node_text_len(c) > 0) {
            list = lower_dup(a, NULL, key_children[i]);
            code = xml_node_text(c);
        }
    }
    if (list == NULL) {
        for (const xml_node *c = xml_node_first_child(n); c; c = xml_node_next_sibling(c)) {
            if (strncmp(xml_node_name(c), "CODE_", 5) == 0 && xml_node_text_len(c) > 0) {
                list = lower_dup(a, NULL, xml_node_name(c));
                code = xml_node_text(c);
                break;
            }
        }
    }
    if (list == NULL) {
        /* No code (a closure period…): the dates identify the entry. */
        list = lower_dup(a, NULL, xml_node_name(n));
        const xml_node *deb = xml_node_child(n, "DATE_DEBUT");
        const xml_node *fin = xml_node_child(n, "DATE_FIN");
        util_date d1, d2;
        if (deb && util_date_parse(xml_node_text(deb), xml_node_text_len(deb), &d1)) {
            char *c = util_arena_alloc(a, 22);
            if (c == NULL) {
                return RELAIS_ENOMEM;
            }
            util_date_iso(&d1, c);
            if (fin && util_date_parse(xml_node_text(fin), xml_node_text_len(fin), &d2)) {
                c[10] = '/';
                util_date_iso(&d2, c + 11);
            }
            code = c;
        } else {
            const xml_node *c = xml_node_first_child(n);
            code = c ? xml_node_text(c) : NULL;
        }
    }
    if (list == NULL) {
        return RELAIS_ENOMEM;
    }
    if (code == NULL || code[0] == '\0') {
        return pignore(x, RELAIS_SEVERITY_WARNING, "ENTREE_SANS_CODE", xml_node_line(n),
                       RELAIS_KIND_NOMENCLATURE, NULL,
                       _("%s sans code : entrée de nomenclature ignorée"), xml_node_name(n));
    }
    for (size_t i = first_attr; i < xml_node_attr_count(n); i++) {
        const xml_attr *at = xml_node_attr_at(n, i);
        if (it->n_pairs < UTIL_ARRAY_LEN(it->pairs)) {
            char *k = lower_dup(a, NULL, at->name);
            if (k == NULL) {
                return RELAIS_ENOMEM;
            }
            it->pairs[it->n_pairs++] = (attr_pair){k, at->value};
        }
    }
    int rc = flatten(x, it, n, NULL, 0);
    if (rc < 0) {
        return rc;
    }
    /* The code itself is not repeated in attrs. */
    size_t w = 0;
    for (size_t i = 0; i < it->n_pairs; i++) {
        if (strcmp(it->pairs[i].key, list) == 0 && strcmp(it->pairs[i].value, code) == 0) {
            continue;
        }
        it->pairs[w++] = it->pairs[i];
    }
    it->n_pairs = w;
    const char *attrs = NULL;
    if (it->n_pairs > 0) {
        qsort(it->pairs, it->n_pairs, sizeof *it->pairs, cmp_pair);
        util_buf *j = &x->json;
        j->len = 0;
        util_json jw;
        util_json_init_buf(&jw, j, false);
        util_json_object_begin(&jw);
        for (size_t i = 0; i < it->n_pairs;) {
            size_t k = i + 1;
            while (k < it->n_pairs && strcmp(it->pairs[k].key, it->pairs[i].key) == 0) {
                k++;
            }
            util_json_key(&jw, it->pairs[i].key);
            if (k - i == 1) {
                util_json_string(&jw, it->pairs[i].value);
            } else {
                util_json_array_begin(&jw);
                for (size_t m = i; m < k; m++) {
                    util_json_string(&jw, it->pairs[m].value);
                }
                util_json_array_end(&jw);
            }
            i = k;
        }
        util_json_object_end(&jw);
        if (j->failed) {
            return RELAIS_ENOMEM;
        }
        attrs = util_arena_strndup(a, j->data, j->len);
        if (attrs == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    proto_builder *b = &x->w->pb;
    pb_begin(b, P_NOMENCLATURE, xml_node_line(n));
    pb_set(b, RELAIS_NOMENCLATURE_LIST, list, strlen(list), true);
    pb_set(b, RELAIS_NOMENCLATURE_CODE, code, strlen(code), true);
    pb_set(b, RELAIS_NOMENCLATURE_LIBELLE_COURT, it->court, it->court ? strlen(it->court) : 0,
           true);
    pb_set(b, RELAIS_NOMENCLATURE_LIBELLE_LONG, it->long_, it->long_ ? strlen(it->long_) : 0,
           true);
    pb_set(b, RELAIS_NOMENCLATURE_LIBELLE_EDITION, it->edition,
           it->edition ? strlen(it->edition) : 0, true);
    pb_set(b, RELAIS_NOMENCLATURE_TRI, it->tri, it->tri ? strlen(it->tri) : 0, true);
    pb_set(b, RELAIS_NOMENCLATURE_ATTRS, attrs, attrs ? strlen(attrs) : 0, true);
    return end_main(x);
}

/* An item of a code list block; a wrapper of items is walked one level down. */
static int code_block(pctx *x, const xml_node *n)
{
    bool wrapper = xml_node_attr_count(n) == 0 && xml_node_first_child(n) != NULL;
    for (const xml_node *c = xml_node_first_child(n); c && wrapper; c = xml_node_next_sibling(c)) {
        wrapper = xml_node_first_child(c) != NULL || xml_node_attr_count(c) > 0;
    }
    if (!wrapper) {
        return code_item(x, n, NULL, NULL);
    }
    int rc = 0;
    for (const xml_node *c = xml_node_first_child(n); c && rc == 0; c = xml_node_next_sibling(c)) {
        rc = code_item(x, c, NULL, NULL);
    }
    return rc;
}

static int on_code_item(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    return code_block(x, n);
}

/* ------------------------------------------------------------------ Communs */

static int set_str(char **dst, const char *v)
{
    util_free(*dst);
    *dst = NULL;
    if (v == NULL || v[0] == '\0') {
        return 0;
    }
    *dst = util_strdup(v);
    return *dst ? 0 : RELAIS_ENOMEM;
}

static int on_commun(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    sfile *f = x->f;
    const char *name = xml_node_name(n);
    int rc = 0;
    if (strcmp(name, "UAJ") == 0) {
        const char *princ = xml_node_child_text(n, "DENOM_PRINC");
        const char *compl = xml_node_child_text(n, "DENOM_COMPL");
        util_buf *b = &x->scratch;
        b->len = 0;
        if (princ && princ[0]) {
            util_buf_puts(b, princ);
        }
        if (compl && compl[0]) {
            if (b->len) {
                util_buf_putc(b, ' ');
            }
            util_buf_puts(b, compl);
        }
        rc = set_str(&f->etab_name, b->len ? util_buf_cstr(b) : NULL);
        if (rc == 0) {
            rc = set_str(&f->etab_type, xml_node_child_text(n, "CODE_TYPE_ETAB"));
        }
        if (rc == 0) {
            rc = set_str(&f->etab_sector, xml_node_child_text(n, "SECTEUR_CODE"));
        }
        const char *id = xml_node_child_text(n, "ETAB_UAJ_ID");
        if (rc == 0 && id && id[0] && strcasecmp(id, f->uaj) != 0) {
            rc = pwarn(x, RELAIS_SEVERITY_WARNING, "UAJ_DIFFERENT", xml_node_line(n), -1, NULL,
                       _("ETAB_UAJ_ID %s différent de l'UAJ %s des PARAMETRES"), id, f->uaj);
        }
        return rc < 0 ? rc : code_item(x, n, "commun_uaj", f->uaj);
    }
    if (strcmp(name, "ANNEE_SCOLAIRE") == 0) {
        for (const xml_node *c = xml_node_first_child(n); c; c = xml_node_next_sibling(c)) {
            const char *cn = xml_node_name(c);
            bool eleve = strstr(cn, "ELEVE") != NULL;
            int slot = -1;
            if (strncmp(cn, "DATE_DEB", 8) == 0) {
                slot = eleve ? 0 : 2;
            } else if (strncmp(cn, "DATE_FIN", 8) == 0) {
                slot = eleve ? 1 : 3;
            }
            util_date d;
            if (slot < 0 || xml_node_text_len(c) == 0) {
                continue;
            }
            if (util_date_parse(xml_node_text(c), xml_node_text_len(c), &d)) {
                util_date_iso(&d, f->cal[slot]);
            } else {
                rc = pwarn(x, RELAIS_SEVERITY_WARNING, "DATE_INVALIDE", xml_node_line(c), -1,
                           NULL, _("%s : date invalide « %s » (calendrier inchangé)"), cn,
                           xml_node_text(c));
                if (rc < 0) {
                    return rc;
                }
            }
        }
        return code_item(x, n, "commun_annee_scolaire", "courante");
    }
    if (strcmp(name, "ANNEE_SCOLAIRE_AD") == 0) {
        if (xml_node_first_child(n) == NULL) {
            return 0;
        }
        return code_item(x, n, "commun_annee_scolaire", "precedente");
    }
    return code_block(x, n);
}

/* -------------------------------------------------------------- the parse */

static int on_unknown_block(const xml_node *n, void *payload)
{
    pctx *x = payload;
    tick(x);
    return unknown(x, xml_node_parent(n) ? xml_node_parent(n) : NULL, n);
}

static int reg(xml_reader *r, pctx *x, const char *suffix, xml_record_fn fn)
{
    char path[160];
    int rc = util_snprintf(path, sizeof path, "/%s/DONNEES/%s", x->root, suffix);
    return rc < 0 ? rc : xml_reader_on_record(r, path, fn, x);
}

static int on_skip(const xml_node *n, void *payload)
{
    (void)n;
    (void)payload;
    return 0;
}

int siecle_parse_file(siecle_run *run, sworker *w, sfile *f)
{
    pmaps maps;
    pctx x = {.run = run, .w = w, .f = f, .maps = &maps, .scratch = UTIL_BUF_INIT, .json = UTIL_BUF_INIT};
    snprintf(x.root, sizeof x.root, "%s", f->root);
    xml_reader *r = NULL;
    int rc = maps_build(&maps);
    if (rc == 0) {
        rc = xml_reader_new(&r, &run->xo);
    }
    if (rc == 0) {
        char path[160];
        snprintf(path, sizeof path, "/%s/PARAMETRES", x.root);
        rc = xml_reader_on_record(r, path, on_skip, &x);
    }
    switch (f->type) {
    case SF_ELEVES:
        if (rc == 0) rc = reg(r, &x, "ELEVES/ELEVE", on_eleve);
        if (rc == 0) rc = reg(r, &x, "OPTIONS/OPTION", on_option);
        if (rc == 0) rc = reg(r, &x, "STRUCTURES/STRUCTURES_ELEVE", on_structures_eleve);
        if (rc == 0) rc = reg(r, &x, "BOURSES/*", on_bourse);
        if (rc == 0) rc = reg(r, &x, "ADRESSES/ADRESSE", on_adresse);
        if (rc == 0) rc = reg(r, &x, "*/*", on_unknown_block);
        break;
    case SF_RESPONSABLES:
        if (rc == 0) rc = reg(r, &x, "PERSONNES/PERSONNE", on_personne);
        if (rc == 0) rc = reg(r, &x, "RESPONSABLES/RESPONSABLE_ELEVE", on_responsable_eleve);
        if (rc == 0) rc = reg(r, &x, "ADRESSES/ADRESSE", on_adresse);
        if (rc == 0) rc = reg(r, &x, "*/*", on_unknown_block);
        break;
    case SF_STRUCTURES:
        if (rc == 0) rc = reg(r, &x, "DIVISIONS/DIVISION", on_division);
        if (rc == 0) rc = reg(r, &x, "GROUPES/GROUPE", on_groupe);
        if (rc == 0) rc = reg(r, &x, "*/*", on_unknown_block);
        break;
    case SF_NOMENCLATURE:
        if (rc == 0) rc = reg(r, &x, "MEFS/MEF", on_mef);
        if (rc == 0) rc = reg(r, &x, "MATIERES/MATIERE", on_matiere);
        if (rc == 0) rc = reg(r, &x, "PROGRAMMES/PROGRAMME", on_programme);
        if (rc == 0) rc = reg(r, &x, "OPTIONS_OBLIGATOIRES/OPTION_OBLIGATOIRE",
                              on_option_obligatoire);
        if (rc == 0) rc = reg(r, &x, "*/*", on_code_item);
        break;
    case SF_COMMUN:
        if (rc == 0) rc = reg(r, &x, "*", on_commun);
        break;
    default:
        if (rc == 0) rc = reg(r, &x, "*/*", on_code_item);
        break;
    }
    if (rc == 0) {
        rc = xml_source_open(&x.src, f->path, &run->xo);
    }
    f->store_main = w->main;
    f->store_side = w->side;
    f->store_warn = w->warn;
    f->main.start = stmp_size(w->main);
    f->side.start = stmp_size(w->side);
    f->warn.start = f->warn.end = stmp_size(w->warn);
    if (rc == 0) {
        rc = xml_reader_parse(r, x.src);
    }
    if (rc == 0) {
        uint64_t done = 0, total = 0;
        xml_source_progress(x.src, &done, &total);
        f->bytes = done;
        siecle_progress(run, SIECLE_PHASE_READ, f->name, done, done);
    } else if (rc > 0) {
        rc = RELAIS_EINVALID;
    }
    f->main.end = stmp_size(w->main);
    f->side.end = stmp_size(w->side);
    f->warn.end = stmp_size(w->warn);
    xml_source_free(x.src);
    xml_reader_free(r);
    maps_free(&maps);
    util_buf_free(&x.scratch);
    util_buf_free(&x.json);
    util_arena_reset(w->arena);
    return rc;
}
