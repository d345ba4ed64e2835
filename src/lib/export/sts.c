/*
 * sts.c — the timetable's upload to STS-Web ("remontée des services",
 * EDT_STS, sts-web.md §B), written from the hub: the courses of the timetable
 * resolved through the correspondences (docs/internals/sources.md §3) to
 * STS-Web's subjects, teachers and structures, grouped by service.
 *
 * STS-Web only takes matched items: a course whose subject, a teacher or a
 * structure has no correspondence is left out (and counted); group codes
 * longer than 8 characters or with characters STS-Web refuses are shortened,
 * kept unique, and the renaming is reported.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "check/check.h"

#define MAX_TEACHERS 16

/* One course as the upload sends it. */
typedef struct up_course {
    const relais_record *course;
    const char *alternance; /* code */
    int jour;
    int start, duration; /* minutes */
    const char *salle;
    const relais_record *teachers[MAX_TEACHERS];
    size_t n_teachers;
} up_course;

typedef struct up_service {
    const relais_record *service;
    up_course **courses;
    size_t n, cap;
} up_service;

typedef struct up_alternance {
    const char *code;
    const char *weeks; /* ISO Mondays, space- or |-separated */
} up_alternance;

typedef struct sts_ctx {
    const scope_snapshot *snap;
    util_arena *a;
    util_map *edt; /* "category|local name" -> entity id */
    up_service *services;
    size_t n_services;
    util_map *service_index; /* service id -> index */
    up_alternance *alternances;
    size_t n_alternances, cap_alternances;
    int day_start[8], day_end[8]; /* minutes; -1 unknown */
    util_map *group_codes;        /* group id -> index in codes */
    const char **codes;           /* structure code uploaded */
    export_sts_info *info;
} sts_ctx;

static int64_t resolve(const sts_ctx *c, const char *category, const char *local, size_t len)
{
    char key[512];
    int n = snprintf(key, sizeof key, "%s|%.*s", category, (int)len, local);
    int64_t id;
    if (n < 0 || (size_t)n >= sizeof key ||
        !util_map_get(c->edt, key, (size_t)n, &id)) {
        return 0;
    }
    return id;
}

static int index_correspondences(sts_ctx *c)
{
    int rc = util_map_new(&c->edt);
    const snap_kind *xk = &c->snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n && rc == 0; i++) {
        const relais_record *x = xk->recs[i];
        if (!x->is_active || !util_streq(x->text[RELAIS_XREF_APPLICATION], "edt") ||
            x->ref[RELAIS_XREF_ENTITY] <= 0) {
            continue;
        }
        char key[512];
        int n = snprintf(key, sizeof key, "%s|%s", x->text[RELAIS_XREF_CATEGORY],
                         x->text[RELAIS_XREF_EXTERNAL_ID]);
        if (n > 0 && (size_t)n < sizeof key) {
            rc = util_map_put(c->edt, key, (size_t)n, x->ref[RELAIS_XREF_ENTITY]);
        }
    }
    return rc;
}

static int minutes(const char *hhmm)
{
    int h, m;
    if (hhmm == NULL || sscanf(hhmm, "%d:%d", &h, &m) != 2) {
        return -1;
    }
    return h * 60 + m;
}

static const char *alternance_of(sts_ctx *c, const relais_record *co)
{
    const char *code = co->text[RELAIS_COURSE_ALTERNANCE];
    const char *weeks = co->text[RELAIS_COURSE_SEMAINES];
    for (size_t i = 0; i < c->n_alternances; i++) {
        up_alternance *al = &c->alternances[i];
        if (code ? util_streq(al->code, code) : util_streq(al->weeks, weeks)) {
            return al->code;
        }
    }
    if (c->n_alternances == c->cap_alternances) {
        size_t cap = c->cap_alternances ? c->cap_alternances * 2 : 8;
        up_alternance *v = util_arena_alloc(c->a, cap * sizeof *v);
        if (v == NULL) {
            return NULL;
        }
        if (c->n_alternances) {
            memcpy(v, c->alternances, c->n_alternances * sizeof *v);
        }
        c->alternances = v;
        c->cap_alternances = cap;
    }
    char made[16];
    if (code == NULL) {
        /* A CSV timetable names weeks, not alternations: number them. */
        snprintf(made, sizeof made, "S%zu", c->n_alternances + 1);
        code = util_arena_strdup(c->a, made);
    }
    c->alternances[c->n_alternances++] = (up_alternance){code, weeks};
    return code;
}

/* Split a "|"-joined list of local names. */
static size_t split(const char *s, const char **starts, size_t *lens, size_t max)
{
    size_t n = 0;
    while (s && *s && n < max) {
        size_t len = strcspn(s, "|");
        starts[n] = s;
        lens[n++] = len;
        s += len;
        if (*s == '|') {
            s++;
        }
    }
    return n;
}

static int add_course(sts_ctx *c, const relais_record *co)
{
    const scope_snapshot *snap = c->snap;
    const relais_record *sv = snapshot_get(snap, RELAIS_KIND_SERVICE, co->ref[RELAIS_COURSE_SERVICE]);
    if (sv == NULL || !sv->is_active) {
        c->info->n_without_service++;
        return 0;
    }
    const char *starts[MAX_TEACHERS];
    size_t lens[MAX_TEACHERS];
    size_t n = split(co->text[RELAIS_COURSE_ENSEIGNANTS], starts, lens, MAX_TEACHERS);
    up_course *uc = util_arena_alloc(c->a, sizeof *uc);
    if (uc == NULL) {
        return RELAIS_ENOMEM;
    }
    memset(uc, 0, sizeof *uc);
    for (size_t i = 0; i < n; i++) {
        const relais_record *t =
            snapshot_get(snap, RELAIS_KIND_STAFF, resolve(c, "staff", starts[i], lens[i]));
        if (t == NULL || !t->is_active) {
            c->info->n_unmatched++;
            return 0;
        }
        uc->teachers[uc->n_teachers++] = t;
    }
    int64_t jour;
    const char *j = co->text[RELAIS_COURSE_JOUR];
    uc->course = co;
    uc->start = minutes(co->text[RELAIS_COURSE_HEURE_DEBUT]);
    int64_t d;
    const char *dur = co->text[RELAIS_COURSE_DUREE];
    if (uc->n_teachers == 0 || j == NULL || !util_parse_int64(j, strlen(j), &jour) || jour < 1 ||
        jour > 7 || uc->start < 0 || dur == NULL || !util_parse_int64(dur, strlen(dur), &d)) {
        c->info->n_unmatched++;
        return 0;
    }
    uc->jour = (int)jour;
    uc->duration = (int)d;
    uc->salle = co->text[RELAIS_COURSE_SALLE];
    uc->alternance = alternance_of(c, co);
    if (uc->alternance == NULL) {
        return RELAIS_ENOMEM;
    }
    if (c->day_start[uc->jour] < 0 || uc->start < c->day_start[uc->jour]) {
        c->day_start[uc->jour] = uc->start;
    }
    if (uc->start + uc->duration > c->day_end[uc->jour]) {
        c->day_end[uc->jour] = uc->start + uc->duration;
    }
    int64_t si;
    if (!util_map_get(c->service_index, (const char *)&sv->id, sizeof sv->id, &si)) {
        si = (int64_t)c->n_services++;
        c->services[si] = (up_service){.service = sv};
        int rc = util_map_put(c->service_index, (const char *)&sv->id, sizeof sv->id, si);
        if (rc < 0) {
            return rc;
        }
    }
    up_service *us = &c->services[si];
    if (us->n == us->cap) {
        size_t cap = us->cap ? us->cap * 2 : 4;
        up_course **v = util_arena_alloc(c->a, cap * sizeof *v);
        if (v == NULL) {
            return RELAIS_ENOMEM;
        }
        if (us->n) {
            memcpy(v, us->courses, us->n * sizeof *v);
        }
        us->courses = v;
        us->cap = cap;
    }
    us->courses[us->n++] = uc;
    c->info->n_courses++;
    return 0;
}

/* The code a group is uploaded under: its own, or shortened and made unique. */
static const char *upload_code(sts_ctx *c, const relais_record *g)
{
    const char *code = g->text[RELAIS_GROUP_CODE];
    if (snapshot_xref(c->snap, g->id, "sts") || check_sts_group_code_valid(code)) {
        return code;
    }
    char shortened[9];
    check_sts_group_code_shorten(shortened, code);
    char candidate[9];
    snprintf(candidate, sizeof candidate, "%s", shortened[0] ? shortened : "GRP");
    /* Unique among the structure codes of the establishment (divisions and groups). */
    for (int suffix = 2; suffix < 1000; suffix++) {
        bool taken = false;
        const relais_kind kinds[] = {RELAIS_KIND_DIVISION, RELAIS_KIND_GROUP};
        for (size_t k = 0; k < 2 && !taken; k++) {
            const snap_kind *sk = &c->snap->k[kinds[k]];
            for (size_t i = 0; i < sk->n && !taken; i++) {
                taken = sk->recs[i] != g && sk->recs[i]->is_active &&
                        util_streq(sk->recs[i]->text[kinds[k] == RELAIS_KIND_GROUP
                                                         ? RELAIS_GROUP_CODE
                                                         : RELAIS_DIVISION_CODE],
                                   candidate);
            }
        }
        for (size_t i = 0; i < c->info->n_renames && !taken; i++) {
            taken = util_streq(c->info->renames[i].to, candidate);
        }
        if (!taken) {
            break;
        }
        char tail[8];
        int tl = snprintf(tail, sizeof tail, "%d", suffix);
        size_t keep = 8 - (size_t)tl < strlen(shortened) ? 8 - (size_t)tl : strlen(shortened);
        snprintf(candidate, sizeof candidate, "%.*s%s", (int)keep, shortened, tail);
    }
    const char *to = util_arena_strdup(c->a, candidate);
    export_rename *renames =
        util_arena_alloc(c->a, (c->info->n_renames + 1) * sizeof *renames);
    if (to == NULL || renames == NULL) {
        return NULL;
    }
    if (c->info->n_renames) {
        memcpy(renames, c->info->renames, c->info->n_renames * sizeof *renames);
    }
    renames[c->info->n_renames++] = (export_rename){code, to};
    c->info->renames = renames;
    return to;
}

static void hhmm(char out[5], int minutes_)
{
    snprintf(out, 5, "%02u%02u", (unsigned)(minutes_ / 60) % 100, (unsigned)(minutes_ % 60));
}

static void el(util_buf *b, int indent, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    util_buf_printf(b, "%*s<%s>", indent * 2, "", name);
    util_latin9_xml_append(b, value);
    util_buf_printf(b, "</%s>\n", name);
}

static void attr_open(util_buf *b, int indent, const char *name, const char *attr,
                      const char *value)
{
    util_buf_printf(b, "%*s<%s %s=\"", indent * 2, "", name, attr);
    util_latin9_xml_append(b, value);
    util_buf_puts(b, "\">\n");
}

static void write_services(sts_ctx *c, util_buf *b, int64_t structure, bool group)
{
    util_buf_printf(b, "%*s<SERVICES>\n", 10, "");
    for (size_t i = 0; i < c->n_services; i++) {
        up_service *us = &c->services[i];
        const relais_record *sv = us->service;
        if ((group ? sv->ref[RELAIS_SERVICE_GROUP] : sv->ref[RELAIS_SERVICE_DIVISION]) != structure) {
            continue;
        }
        const char *mod = sv->text[RELAIS_SERVICE_CODE_MOD_COURS] ? sv->text[RELAIS_SERVICE_CODE_MOD_COURS]
                                                                  : "CG";
        util_buf_printf(b, "%*s<SERVICE CODE_MATIERE=\"", 12, "");
        util_latin9_xml_append(b, sv->text[RELAIS_SERVICE_CODE_MATIERE]);
        util_buf_puts(b, "\" CODE_MOD_COURS=\"");
        util_latin9_xml_append(b, mod);
        util_buf_puts(b, "\">\n");
        /* Weekly hours of the structure: the courses, each once, over a weekly rhythm. */
        int total = 0;
        for (size_t k = 0; k < us->n; k++) {
            total += us->courses[k]->duration;
        }
        char hours[32];
        snprintf(hours, sizeof hours, "%d.%02d", total / 60, (total % 60) * 100 / 60);
        el(b, 7, "HEURES_STRUCTURE",
           sv->text[RELAIS_SERVICE_HEURES_STRUCTURE] ? sv->text[RELAIS_SERVICE_HEURES_STRUCTURE]
                                                    : hours);
        bool co_ens = false;
        for (size_t k = 0; k < us->n; k++) {
            co_ens = co_ens || us->courses[k]->n_teachers > 1;
        }
        el(b, 7, "CO_ENS", co_ens ? "true" : "false");
        util_buf_printf(b, "%*s<ENSEIGNANTS>\n", 14, "");
        /* Each teacher once, with the courses he takes. */
        const relais_record *seen[64];
        size_t n_seen = 0;
        for (size_t k = 0; k < us->n; k++) {
            for (size_t t = 0; t < us->courses[k]->n_teachers; t++) {
                const relais_record *teacher = us->courses[k]->teachers[t];
                bool known = false;
                for (size_t s = 0; s < n_seen; s++) {
                    known = known || seen[s] == teacher;
                }
                if (known || n_seen == 64) {
                    continue;
                }
                seen[n_seen++] = teacher;
                int minutes_ = 0;
                for (size_t q = 0; q < us->n; q++) {
                    for (size_t u = 0; u < us->courses[q]->n_teachers; u++) {
                        minutes_ += us->courses[q]->teachers[u] == teacher ? us->courses[q]->duration : 0;
                    }
                }
                util_buf_printf(b, "%*s<ENSEIGNANT ID=\"", 16, "");
                util_latin9_xml_append(b, teacher->text[RELAIS_STAFF_STS_ID]);
                util_buf_puts(b, "\" TYPE=\"");
                util_latin9_xml_append(b, teacher->text[RELAIS_STAFF_TYPE] ? teacher->text[RELAIS_STAFF_TYPE] : "epp");
                util_buf_puts(b, "\">\n");
                char agent[32];
                snprintf(agent, sizeof agent, "%d.%02d", minutes_ / 60, (minutes_ % 60) * 100 / 60);
                el(b, 9, "HEURES_AGENT", agent);
                util_buf_printf(b, "%*s<COURS_RATTACHES>\n", 18, "");
                for (size_t q = 0; q < us->n; q++) {
                    up_course *uc = us->courses[q];
                    bool mine = false;
                    for (size_t u = 0; u < uc->n_teachers; u++) {
                        mine = mine || uc->teachers[u] == teacher;
                    }
                    if (!mine) {
                        continue;
                    }
                    char jour[8], start[5], duree[5];
                    snprintf(jour, sizeof jour, "%d", uc->jour);
                    hhmm(start, uc->start);
                    hhmm(duree, uc->duration);
                    util_buf_printf(b, "%*s<COURS>\n", 20, "");
                    el(b, 11, "CODE_ALTERNANCE", uc->alternance);
                    el(b, 11, "JOUR", jour);
                    el(b, 11, "HEURE_DEBUT", start);
                    el(b, 11, "DUREE", duree);
                    el(b, 11, "CODE_SALLE", uc->salle);
                    util_buf_printf(b, "%*s</COURS>\n", 20, "");
                }
                util_buf_printf(b, "%*s</COURS_RATTACHES>\n", 18, "");
                util_buf_printf(b, "%*s</ENSEIGNANT>\n", 16, "");
            }
        }
        util_buf_printf(b, "%*s</ENSEIGNANTS>\n", 14, "");
        util_buf_printf(b, "%*s</SERVICE>\n", 12, "");
    }
    util_buf_printf(b, "%*s</SERVICES>\n", 10, "");
}

static bool has_services(const sts_ctx *c, int64_t structure, bool group)
{
    for (size_t i = 0; i < c->n_services; i++) {
        const relais_record *sv = c->services[i].service;
        if ((group ? sv->ref[RELAIS_SERVICE_GROUP] : sv->ref[RELAIS_SERVICE_DIVISION]) == structure) {
            return true;
        }
    }
    return false;
}

static int write_xml(sts_ctx *c, util_buf *b)
{
    const scope_snapshot *snap = c->snap;
    char year[16];
    snprintf(year, sizeof year, "%d", snap->scope->year);
    util_buf_puts(b, "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<EDT_STS>\n  <PARAMETRES>\n");
    el(b, 2, "UAJ", snap->scope->uai);
    el(b, 2, "ANNEE_SCOLAIRE", year);
    el(b, 2, "APPLICATION_SOURCE", "EDITEUR_PRIVE");
    util_buf_puts(b, "  </PARAMETRES>\n  <DONNEES>\n    <HORAIRES>\n");
    for (int d = 1; d <= 7; d++) {
        if (c->day_start[d] < 0) {
            continue;
        }
        char jour[8], start[5], end[5];
        snprintf(jour, sizeof jour, "%d", d);
        hhmm(start, c->day_start[d]);
        hhmm(end, c->day_end[d]);
        attr_open(b, 3, "HORAIRE", "JOUR", jour);
        el(b, 4, "DEBUT_COURS", start);
        el(b, 4, "FIN_COURS", end);
        util_buf_puts(b, "      </HORAIRE>\n");
    }
    util_buf_puts(b, "    </HORAIRES>\n    <ALTERNANCES>\n");
    for (size_t i = 0; i < c->n_alternances; i++) {
        const up_alternance *al = &c->alternances[i];
        attr_open(b, 3, "ALTERNANCE", "CODE", al->code);
        el(b, 4, "LIBELLE_COURT", al->code);
        el(b, 4, "LIBELLE_LONG", al->code);
        util_buf_puts(b, "        <SEMAINES>\n");
        for (const char *p = al->weeks; p && *p;) {
            size_t n = strcspn(p, " |");
            if (n > 0) {
                char week[16];
                snprintf(week, sizeof week, "%.*s", (int)(n < 15 ? n : 15), p);
                el(b, 5, "DATE_DEBUT_SEMAINE", week);
            }
            p += n;
            p += *p != '\0';
        }
        util_buf_puts(b, "        </SEMAINES>\n      </ALTERNANCE>\n");
    }
    util_buf_puts(b, "    </ALTERNANCES>\n    <INDIVIDUS>\n");
    const snap_kind *tk = &snap->k[RELAIS_KIND_STAFF];
    for (size_t i = 0; i < tk->n; i++) {
        bool teaches = false;
        for (size_t s = 0; s < c->n_services && !teaches; s++) {
            for (size_t k = 0; k < c->services[s].n && !teaches; k++) {
                for (size_t t = 0; t < c->services[s].courses[k]->n_teachers; t++) {
                    teaches = teaches || c->services[s].courses[k]->teachers[t] == tk->recs[i];
                }
            }
        }
        if (teaches) {
            util_buf_printf(b, "      <INDIVIDU ID=\"");
            util_latin9_xml_append(b, tk->recs[i]->text[RELAIS_STAFF_STS_ID]);
            util_buf_puts(b, "\"/>\n");
        }
    }
    util_buf_puts(b, "    </INDIVIDUS>\n    <STRUCTURE>\n      <DIVISIONS>\n");
    const snap_kind *dk = &snap->k[RELAIS_KIND_DIVISION];
    for (size_t i = 0; i < dk->n; i++) {
        if (!has_services(c, dk->recs[i]->id, false)) {
            continue;
        }
        attr_open(b, 4, "DIVISION", "CODE", dk->recs[i]->text[RELAIS_DIVISION_CODE]);
        write_services(c, b, dk->recs[i]->id, false);
        util_buf_puts(b, "        </DIVISION>\n");
    }
    util_buf_puts(b, "      </DIVISIONS>\n      <GROUPES>\n");
    const snap_kind *gk = &snap->k[RELAIS_KIND_GROUP];
    snap_groups gd;
    int rc = snapshot_group(&gd, snap, RELAIS_KIND_GROUP_DIVISION, RELAIS_GROUP_DIVISION_GROUP, true);
    for (size_t i = 0; i < gk->n && rc == 0; i++) {
        const relais_record *g = gk->recs[i];
        if (!has_services(c, g->id, true)) {
            continue;
        }
        const char *code = upload_code(c, g);
        if (code == NULL) {
            rc = RELAIS_ENOMEM;
            break;
        }
        attr_open(b, 4, "GROUPE", "CODE", code);
        el(b, 5, "LIBELLE_LONG", g->text[RELAIS_GROUP_LIBELLE_LONG] ? g->text[RELAIS_GROUP_LIBELLE_LONG]
                                                                    : g->text[RELAIS_GROUP_CODE]);
        const size_t *items;
        size_t n = snapshot_group_get(&gd, g->id, &items);
        if (n) {
            util_buf_puts(b, "          <DIVISIONS_APPARTENANCE>\n");
            for (size_t k = 0; k < n; k++) {
                const relais_record *d = snapshot_get(
                    snap, RELAIS_KIND_DIVISION,
                    snap->k[RELAIS_KIND_GROUP_DIVISION].recs[items[k]]->ref[RELAIS_GROUP_DIVISION_DIVISION]);
                if (d) {
                    util_buf_printf(b, "%*s<DIVISION_APPARTENANCE CODE=\"", 12, "");
                    util_latin9_xml_append(b, d->text[RELAIS_DIVISION_CODE]);
                    util_buf_puts(b, "\"/>\n");
                }
            }
            util_buf_puts(b, "          </DIVISIONS_APPARTENANCE>\n");
        }
        write_services(c, b, g->id, true);
        util_buf_puts(b, "        </GROUPE>\n");
    }
    snapshot_groups_free(&gd);
    util_buf_puts(b, "      </GROUPES>\n    </STRUCTURE>\n  </DONNEES>\n</EDT_STS>\n");
    return rc < 0 ? rc : b->failed ? RELAIS_ENOMEM : 0;
}

int export_sts(export_result *res, const scope_snapshot *snap, const char *out_dir,
               util_arena *arena, export_sts_info *info)
{
    memset(info, 0, sizeof *info);
    sts_ctx c = {.snap = snap, .a = arena, .info = info};
    for (int d = 0; d < 8; d++) {
        c.day_start[d] = -1;
        c.day_end[d] = 0;
    }
    const snap_kind *ck = &snap->k[RELAIS_KIND_COURSE];
    c.services = util_arena_alloc(arena, (ck->n + 1) * sizeof *c.services);
    int rc = c.services ? index_correspondences(&c) : RELAIS_ENOMEM;
    if (rc == 0) {
        rc = util_map_new(&c.service_index);
    }
    for (size_t i = 0; i < ck->n && rc == 0; i++) {
        if (ck->recs[i]->is_active) {
            rc = add_course(&c, ck->recs[i]);
        }
    }
    info->n_services = c.n_services;
    util_buf xml = UTIL_BUF_INIT;
    if (rc == 0 && c.n_services == 0) {
        relais_error_set(_("%s : aucun cours de l'emploi du temps n'est rattaché à un service "
                           "apparié : rien à remonter à STS-Web (relais import timetable, relais "
                           "map)"),
                         snap->scope->uai);
        rc = RELAIS_EREFUSED;
    }
    if (rc == 0) {
        rc = write_xml(&c, &xml);
    }
    if (rc == 0) {
        char name[64];
        snprintf(name, sizeof name, "emp_sts_%s_%d.xml", snap->scope->uai, snap->scope->year);
        rc = export_write_file(res, out_dir, name, xml.data, xml.len, info->n_courses);
    }
    util_buf_free(&xml);
    util_map_free(c.edt);
    util_map_free(c.service_index);
    return rc;
}
