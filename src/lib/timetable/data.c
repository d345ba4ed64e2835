/*
 * data.c — the timetable as read, whatever its format (internal.h): local
 * names, services, courses merged by identity, times of day.
 *
 * A course taught by two teachers appears twice in EDT_STS (once under each
 * ENSEIGNANT) and may take two lines of a CSV: both are one course, whose
 * identity is its day, start, alternation (code or weeks), subject and
 * structures. Teachers and rooms of the occurrences are joined; a
 * contradiction (another duration) is reported and the first occurrence kept.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int tt_vec_reserve(void **v, size_t *cap, size_t n, size_t elem)
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

int tt_data_init(tt_data *d, relais_plan *plan)
{
    memset(d, 0, sizeof *d);
    d->plan = plan;
    for (int i = 0; i < 8; i++) {
        d->hours_start[i] = d->hours_end[i] = -1;
    }
    int rc = util_arena_new(&d->arena, 0);
    for (int k = 0; k < TIMETABLE_N_KINDS && rc == 0; k++) {
        rc = util_map_new(&d->name_pos[k]);
    }
    if (rc == 0) {
        rc = util_map_new(&d->course_pos);
    }
    return rc;
}

void tt_course_free(tt_course *c)
{
    util_free(c->teachers.v);
    util_free(c->divisions.v);
    util_free(c->groups.v);
    util_free(c->rooms.v);
}

void tt_data_free(tt_data *d)
{
    for (int k = 0; k < TIMETABLE_N_KINDS; k++) {
        util_free(d->names[k].v);
        util_map_free(d->name_pos[k]);
    }
    for (size_t i = 0; i < d->courses.n; i++) {
        tt_course_free(&d->courses.v[i]);
    }
    util_free(d->courses.v);
    util_free(d->services.v);
    util_free(d->alternances.v);
    util_map_free(d->course_pos);
    util_arena_free(d->arena);
}

int tt_warn(tt_data *d, relais_severity sev, const char *code, unsigned long line, int kind,
            const char *ids, const char *fmt, ...)
{
    util_buf msg = UTIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = util_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc == 0) {
        relais_warning w = {sev, code, d->file, line, kind, ids, util_buf_cstr(&msg)};
        rc = relais_plan_warn(d->plan, &w);
    }
    util_buf_free(&msg);
    return rc;
}

int tt_name_add(tt_data *d, timetable_kind k, const char *code, const char *label,
                unsigned long line)
{
    if (code == NULL || code[0] == '\0') {
        return 0;
    }
    int64_t pos;
    size_t len = strlen(code);
    if (util_map_get(d->name_pos[k], code, len, &pos)) {
        tt_name *n = &d->names[k].v[pos];
        if (n->label == NULL && label) {
            n->label = util_arena_strdup(d->arena, label);
            return n->label ? 0 : RELAIS_ENOMEM;
        }
        return 0;
    }
    tt_name *n = NULL;
    int rc = util_map_put(d->name_pos[k], code, len, (int64_t)d->names[k].n);
    if (rc == 0) {
        rc = TT_VEC_PUSH(d->names[k], n);
    }
    if (rc == 0) {
        n->code = util_arena_strdup(d->arena, code);
        n->label = label ? util_arena_strdup(d->arena, label) : NULL;
        n->line = line;
        if (n->code == NULL || (label && n->label == NULL)) {
            rc = RELAIS_ENOMEM;
        }
    }
    return rc;
}

int tt_strvec_add(tt_data *d, tt_strvec *v, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->v[i], s) == 0) {
            return 0;
        }
    }
    const char **slot = NULL;
    int rc = TT_VEC_PUSH(*v, slot);
    if (rc == 0) {
        *slot = util_arena_strdup(d->arena, s);
        rc = *slot ? 0 : RELAIS_ENOMEM;
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tt_course_identity(util_buf *b, const tt_course *c)
{
    util_buf_printf(b, "%d\x1f%d\x1f%s\x1f%s\x1f%s", c->day, c->start,
                    c->alternance ? c->alternance : "", c->weeks ? c->weeks : "",
                    c->subject ? c->subject : "");
    const tt_strvec *lists[2] = {&c->divisions, &c->groups};
    for (int l = 0; l < 2; l++) {
        const char **sorted = NULL;
        if (lists[l]->n > 0) {
            sorted = util_malloc(lists[l]->n * sizeof *sorted);
            if (sorted == NULL) {
                return RELAIS_ENOMEM;
            }
            memcpy(sorted, lists[l]->v, lists[l]->n * sizeof *sorted);
            qsort(sorted, lists[l]->n, sizeof *sorted, cmp_str);
        }
        util_buf_printf(b, "\x1f%c", l == 0 ? 'D' : 'G');
        for (size_t i = 0; i < lists[l]->n; i++) {
            util_buf_printf(b, "\x1e%s", sorted[i]);
        }
        util_free(sorted);
    }
    return b->failed ? RELAIS_ENOMEM : 0;
}

int tt_course_add(tt_data *d, const tt_course *c)
{
    util_buf id = UTIL_BUF_INIT;
    int rc = tt_course_identity(&id, c);
    int64_t pos;
    if (rc == 0 && util_map_get(d->course_pos, id.data, id.len, &pos)) {
        tt_course *have = &d->courses.v[pos];
        for (size_t i = 0; i < c->teachers.n && rc == 0; i++) {
            rc = tt_strvec_add(d, &have->teachers, c->teachers.v[i]);
        }
        for (size_t i = 0; i < c->rooms.n && rc == 0; i++) {
            rc = tt_strvec_add(d, &have->rooms, c->rooms.v[i]);
        }
        if (rc == 0 && have->duration != c->duration) {
            rc = tt_warn(d, RELAIS_SEVERITY_WARNING, "COURS_CONTRADICTOIRE", c->line,
                         RELAIS_KIND_COURSE, NULL,
                         _("même cours que ligne %lu (jour, heure, semaines, matière, structures) "
                           "avec une autre durée : la première occurrence est gardée"),
                         have->line);
        }
        util_buf_free(&id);
        return rc;
    }
    tt_course *slot = NULL;
    if (rc == 0) {
        rc = util_map_put(d->course_pos, id.data, id.len, (int64_t)d->courses.n);
    }
    util_buf_free(&id);
    if (rc == 0) {
        rc = TT_VEC_PUSH(d->courses, slot);
    }
    if (rc < 0) {
        return rc;
    }
    slot->day = c->day;
    slot->start = c->start;
    slot->duration = c->duration;
    slot->alternance = c->alternance;
    slot->weeks = c->weeks;
    slot->subject = c->subject;
    slot->mod_cours = c->mod_cours;
    slot->line = c->line;
    const tt_strvec *from[4] = {&c->teachers, &c->divisions, &c->groups, &c->rooms};
    tt_strvec *to[4] = {&slot->teachers, &slot->divisions, &slot->groups, &slot->rooms};
    for (int l = 0; l < 4 && rc == 0; l++) {
        for (size_t i = 0; i < from[l]->n && rc == 0; i++) {
            rc = tt_strvec_add(d, to[l], from[l]->v[i]);
        }
    }
    return rc;
}

bool tt_parse_time(int *minutes, const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t len = strlen(s);
    int h = -1, m = 0;
    int64_t x;
    if (len == 4 && util_parse_int64(s, 4, &x) && s[0] != '-' && s[0] != '+') {
        /* HHMM: real minute arithmetic, 1402 is 14:02 and 0160 is invalid. */
        h = (int)(x / 100);
        m = (int)(x % 100);
    } else {
        const char *sep = strpbrk(s, ":hH");
        size_t hl = sep ? (size_t)(sep - s) : len;
        if (hl == 0 || hl > 2 || !util_parse_int64(s, hl, &x) || s[0] == '-' || s[0] == '+') {
            return false;
        }
        h = (int)x;
        if (sep) {
            size_t ml = strlen(sep + 1);
            if (ml == 0 && (*sep == 'h' || *sep == 'H')) {
                m = 0;
            } else if (ml != 2 || !util_parse_int64(sep + 1, 2, &x) || sep[1] == '-' ||
                       sep[1] == '+') {
                return false;
            } else {
                m = (int)x;
            }
        }
    }
    if (h < 0 || h > 23 || m < 0 || m > 59) {
        return false;
    }
    *minutes = h * 60 + m;
    return true;
}
