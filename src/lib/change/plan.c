/*
 * plan.c — building and reading plans (include/relais/change.h).
 *
 * A plan is a list of operations kept in a spool in a compact binary form,
 * plus per-scope, per-kind counters and a spool of warnings. Nothing here
 * writes to the store: applying is apply.c.
 *
 * Operation encoding (host byte order, never persisted):
 *   op_header, label bytes, date bytes, then n_values × value:
 *   uint16 field, uint8 is_ref, then either int64 old, int64 new
 *   or uint32 old_len (NULL_LEN for absent) + bytes, uint32 new_len + bytes.
 */
#include "change_internal.h"

#include <stdarg.h>
#include <string.h>

const char *relais_count_name(relais_count c)
{
    static const char *const names[RELAIS_COUNT_N] = {"created",     "updated",  "unchanged",
                                                      "deactivated", "restored", "ignored"};
    return (unsigned)c < RELAIS_COUNT_N ? names[c] : "?";
}

const char *relais_severity_name(relais_severity s)
{
    switch (s) {
    case RELAIS_SEVERITY_INFO: return "info";
    case RELAIS_SEVERITY_WARNING: return "warning";
    case RELAIS_SEVERITY_ERROR: return "error";
    }
    return "?";
}

int relais_plan_new(relais_plan **out, relais_store *s, const char *command)
{
    *out = NULL;
    relais_plan *p = util_calloc(1, sizeof *p);
    if (p == NULL) {
        return RELAIS_ENOMEM;
    }
    p->store = s;
    p->command = util_strdup(command);
    int rc = p->command ? 0 : RELAIS_ENOMEM;
    if (rc == 0) {
        rc = util_spool_new(&p->ops, 8u << 20);
    }
    if (rc == 0) {
        rc = util_spool_new(&p->warnings, 4u << 20);
    }
    if (rc == 0) {
        rc = util_arena_new(&p->scratch, 64 * 1024);
    }
    if (rc == 0) {
        rc = relais_store_change_last_seq(&p->base_seq, s);
    }
    if (rc == 0) {
        rc = util_buf_putc(&p->sources_json, '[');
    }
    if (rc < 0) {
        relais_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static void scope_free(plan_scope *sc)
{
    util_free(sc->uai);
    util_free(sc->name);
    util_free(sc->type);
    util_free(sc->sector);
    util_free(sc->old_name);
    util_free(sc->old_type);
    util_free(sc->old_sector);
    for (int i = 0; i < 4; i++) {
        util_free(sc->calendar[i]);
        util_free(sc->old_calendar[i]);
    }
}

void relais_plan_free(relais_plan *p)
{
    if (p == NULL) {
        return;
    }
    relais_plan_writer_free(p->writer);
    for (size_t i = 0; i < p->n_scopes; i++) {
        scope_free(&p->scopes[i]);
    }
    util_free(p->scopes);
    util_free(p->command);
    util_buf_free(&p->sources_json);
    util_spool_free(p->ops);
    util_spool_free(p->warnings);
    util_arena_free(p->scratch);
    util_free(p);
}

int relais_plan_publish(relais_plan *p)
{
    if (p->writer == NULL) {
        return 0;
    }
    p->published = true;
    p->published_size = util_spool_size(p->ops);
    return plan_writer_publish(p->writer, false);
}

int relais_plan_add_source(relais_plan *p, const char *path)
{
    if (p->n_sources++ > 0) {
        util_buf_putc(&p->sources_json, ',');
    }
    util_json_escape(&p->sources_json, path, strlen(path));
    return p->sources_json.failed ? RELAIS_ENOMEM : 0;
}

/* ---------------------------------------------------------------- scopes */

static bool str_differs(const char *wanted, const char *stored)
{
    return wanted != NULL && !util_streq(wanted, stored);
}

static int dup_opt(char **out, const char *s)
{
    *out = NULL;
    if (s == NULL) {
        return 0;
    }
    *out = util_strdup(s);
    return *out ? 0 : RELAIS_ENOMEM;
}

int relais_plan_scope(int64_t *scope_ref, relais_plan *p, const relais_scope_spec *spec)
{
    char uai[9];
    size_t n = strlen(spec->uai);
    if (n != 8) {
        relais_error_set(_("UAI invalide : « %s » (7 chiffres et une lettre attendus)"),
                         spec->uai);
        return RELAIS_EINVALID;
    }
    for (size_t i = 0; i < 8; i++) {
        char c = spec->uai[i];
        uai[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    uai[8] = '\0';
    if (p->writer && p->published) {
        relais_error_set(_("périmètre %s déclaré après le début de l'écriture"), uai);
        return RELAIS_EINVALID;
    }
    for (size_t i = 0; i < p->n_scopes; i++) {
        if (p->scopes[i].year == spec->year && strcmp(p->scopes[i].uai, uai) == 0) {
            *scope_ref = p->scopes[i].ref;
            return 0;
        }
    }
    if (p->n_scopes == p->cap_scopes) {
        size_t cap = p->cap_scopes ? p->cap_scopes * 2 : 8;
        plan_scope *ns = util_realloc(p->scopes, cap * sizeof *ns);
        if (ns == NULL) {
            return RELAIS_ENOMEM;
        }
        p->scopes = ns;
        p->cap_scopes = cap;
    }
    plan_scope *sc = &p->scopes[p->n_scopes];
    memset(sc, 0, sizeof *sc);
    sc->year = spec->year;
    int rc = dup_opt(&sc->uai, uai);
    util_arena_reset(p->scratch);
    relais_establishment *etab = NULL;
    relais_scope *stored = NULL;
    if (rc == 0) {
        rc = relais_store_establishment_find(&etab, p->store, p->scratch, uai);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            sc->creates_establishment = true;
            sc->creates_year = true;
        }
    }
    if (rc == 0 && etab) {
        sc->establishment_id = etab->id;
        rc = relais_store_scope_find(&stored, p->store, p->scratch, uai, spec->year);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            sc->creates_year = true;
        }
    }
    if (rc == 0) {
        rc = dup_opt(&sc->name, spec->name);
    }
    if (rc == 0) {
        rc = dup_opt(&sc->type, spec->type);
    }
    if (rc == 0) {
        rc = dup_opt(&sc->sector, spec->sector);
    }
    if (rc == 0 && etab &&
        (str_differs(spec->name, etab->name) || str_differs(spec->type, etab->type) ||
         str_differs(spec->sector, etab->sector))) {
        sc->updates_establishment = true;
        rc = dup_opt(&sc->old_name, etab->name);
        if (rc == 0) {
            rc = dup_opt(&sc->old_type, etab->type);
        }
        if (rc == 0) {
            rc = dup_opt(&sc->old_sector, etab->sector);
        }
    }
    if (rc == 0 && spec->calendar) {
        const char *wanted[4] = {spec->calendar->student_start, spec->calendar->student_end,
                                 spec->calendar->staff_start, spec->calendar->staff_end};
        const char *have[4] = {NULL, NULL, NULL, NULL};
        if (stored) {
            have[0] = stored->calendar.student_start;
            have[1] = stored->calendar.student_end;
            have[2] = stored->calendar.staff_start;
            have[3] = stored->calendar.staff_end;
        }
        for (int i = 0; i < 4 && rc == 0; i++) {
            /* An absent value keeps what is stored. */
            rc = dup_opt(&sc->calendar[i], wanted[i] ? wanted[i] : have[i]);
            if (rc == 0) {
                rc = dup_opt(&sc->old_calendar[i], have[i]);
            }
            if (str_differs(wanted[i], have[i])) {
                sc->updates_calendar = true;
            }
        }
    }
    if (rc < 0) {
        scope_free(sc);
        return rc;
    }
    sc->ref = sc->creates_year ? --p->next_scope_ref : stored->id;
    p->n_scopes++;
    if (sc->creates_establishment) {
        p->n_changes++;
    }
    if (sc->creates_year) {
        p->n_changes++;
    }
    if (sc->updates_establishment) {
        p->n_changes++;
    }
    if (sc->updates_calendar && !sc->creates_year) {
        p->n_changes++;
    }
    *scope_ref = sc->ref;
    return 0;
}

size_t relais_plan_n_scopes(const relais_plan *p)
{
    return p->n_scopes;
}

void relais_plan_scope_get(relais_plan_scope_info *out, const relais_plan *p, size_t index)
{
    const plan_scope *sc = &p->scopes[index];
    *out = (relais_plan_scope_info){
        .uai = sc->uai,
        .year = sc->year,
        .scope_ref = sc->ref,
        .creates_establishment = sc->creates_establishment,
        .creates_year = sc->creates_year,
        .updates_establishment = sc->updates_establishment,
        .updates_calendar = sc->updates_calendar,
    };
}

/* The plan scope of a record's scope_id; registers stored scopes on first sight. */
static int scope_index(size_t *index, relais_plan *p, int64_t scope_ref)
{
    for (size_t i = 0; i < p->n_scopes; i++) {
        if (p->scopes[i].ref == scope_ref) {
            *index = i;
            return 0;
        }
    }
    if (scope_ref <= 0) {
        relais_error_set(_("périmètre %lld inconnu du plan"), (long long)scope_ref);
        return RELAIS_EINVALID;
    }
    relais_scope *sc;
    util_arena_reset(p->scratch);
    int rc = relais_store_scope_get(&sc, p->store, p->scratch, scope_ref);
    if (rc < 0) {
        return rc;
    }
    int64_t ref;
    relais_scope_spec spec = {.uai = sc->uai, .year = sc->year};
    rc = relais_plan_scope(&ref, p, &spec);
    if (rc < 0) {
        return rc;
    }
    *index = p->n_scopes - 1;
    return 0;
}

/* --------------------------------------------------------------- counters */

static int bump(relais_plan *p, int64_t scope_ref, relais_kind kind, relais_count c, size_t n)
{
    size_t i;
    int rc = scope_index(&i, p, scope_ref);
    if (rc < 0) {
        return rc;
    }
    p->scopes[i].counters[kind][c] += n;
    return 0;
}

int relais_plan_count(relais_plan *p, int64_t scope_ref, relais_kind kind, relais_count c,
                      size_t n)
{
    if ((unsigned)kind >= RELAIS_KIND_COUNT || (unsigned)c >= RELAIS_COUNT_N) {
        return RELAIS_EINVALID;
    }
    return bump(p, scope_ref, kind, c, n);
}

size_t relais_plan_counter(const relais_plan *p, size_t scope_index_, relais_kind kind,
                           relais_count c)
{
    if (scope_index_ != RELAIS_PLAN_ALL_SCOPES) {
        return scope_index_ < p->n_scopes ? p->scopes[scope_index_].counters[kind][c] : 0;
    }
    size_t total = 0;
    for (size_t i = 0; i < p->n_scopes; i++) {
        total += p->scopes[i].counters[kind][c];
    }
    return total;
}

bool relais_plan_kind_used(const relais_plan *p, relais_kind kind)
{
    for (int c = 0; c < RELAIS_COUNT_N; c++) {
        if (relais_plan_counter(p, RELAIS_PLAN_ALL_SCOPES, kind, (relais_count)c) > 0) {
            return true;
        }
    }
    return false;
}

size_t relais_plan_n_changes(const relais_plan *p)
{
    return p->n_changes;
}

/* ------------------------------------------------------------ operations */

static int put(relais_plan *p, const void *data, size_t len)
{
    return util_spool_write(p->ops, data, len);
}

static int put_str(relais_plan *p, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : NULL_LEN;
    int rc = put(p, &len, sizeof len);
    if (rc == 0 && s) {
        rc = put(p, s, len);
    }
    return rc;
}

/* With a writer, operations are handed over every few megabytes, so that it starts early. */
#define PUBLISH_BYTES ((uint64_t)2 << 20)

static int put_header(relais_plan *p, relais_op op, const relais_record *r, uint16_t n_values,
                      int64_t ordinal, const char *label, const char *date)
{
    /* Every operation before this one is complete: a point where the writer may take them. */
    if (p->writer && util_spool_size(p->ops) - p->published_size >= PUBLISH_BYTES) {
        int rc = relais_plan_publish(p);
        if (rc < 0) {
            return rc;
        }
    }
    op_header h = {
        .op = (uint8_t)op,
        .kind = (uint8_t)r->kind,
        .n_values = n_values,
        .id = r->id,
        .scope_ref = r->scope_id,
        .ordinal = ordinal,
    };
    int rc = put(p, &h, sizeof h);
    if (rc == 0) {
        rc = put_str(p, label);
    }
    if (rc == 0) {
        rc = put_str(p, date);
    }
    return rc;
}

static int put_value(relais_plan *p, const relais_kind_info *ki, size_t f, const relais_record *old,
                     const relais_record *now)
{
    uint16_t field = (uint16_t)f;
    uint8_t is_ref = ki->fields[f].type == RELAIS_FT_REF;
    int rc = put(p, &field, sizeof field);
    if (rc == 0) {
        rc = put(p, &is_ref, sizeof is_ref);
    }
    if (rc == 0 && is_ref) {
        int64_t o = old ? old->ref[f] : 0, n = now->ref[f];
        rc = put(p, &o, sizeof o);
        if (rc == 0) {
            rc = put(p, &n, sizeof n);
        }
    } else if (rc == 0) {
        rc = put_str(p, old ? old->text[f] : NULL);
        if (rc == 0) {
            rc = put_str(p, now->text[f]);
        }
    }
    return rc;
}

static bool value_present(const relais_kind_info *ki, const relais_record *r, size_t f)
{
    return ki->fields[f].type == RELAIS_FT_REF ? r->ref[f] != 0 : r->text[f] != NULL;
}

static int create(int64_t *ref, relais_plan *p, const relais_record *r, const char *inactive_on)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    util_date check;
    if (inactive_on && !util_date_parse(inactive_on, strlen(inactive_on), &check)) {
        relais_error_set(_("date de désactivation invalide : %s"), inactive_on);
        return RELAIS_EINVALID;
    }
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    for (size_t i = 0; i < ki->n_key; i++) {
        size_t f = ki->key[i];
        if (ki->fields[f].type != RELAIS_FT_REF && r->text[f] == NULL) {
            relais_error_set(_("%s : clé %s absente"), ki->name, ki->fields[f].name);
            return RELAIS_EINVALID;
        }
    }
    int rc = bump(p, r->scope_id, r->kind, RELAIS_COUNT_CREATED, 1);
    if (rc < 0) {
        return rc;
    }
    uint16_t n_values = 0;
    for (size_t f = 0; f < ki->n_fields; f++) {
        n_values += value_present(ki, r, f);
    }
    /* A record created inactive (a student who already left) carries its deactivation date. */
    const char *date = NULL;
    char iso[11];
    if (inactive_on) {
        util_date d;
        if (!util_date_parse(inactive_on, strlen(inactive_on), &d)) {
            relais_error_set(_("date de désactivation invalide : %s"), inactive_on);
            return RELAIS_EINVALID;
        }
        util_date_iso(&d, iso);
        date = iso;
    }
    int64_t ordinal = ++p->n_creates;
    util_arena_reset(p->scratch);
    const char *label = relais_record_label(r, p->scratch);
    relais_record probe = *r;
    probe.id = 0;
    rc = put_header(p, RELAIS_OP_CREATE, &probe, n_values, ordinal, label, date);
    for (size_t f = 0; f < ki->n_fields && rc == 0; f++) {
        if (value_present(ki, r, f)) {
            rc = put_value(p, ki, f, NULL, r);
        }
    }
    if (rc < 0) {
        return rc;
    }
    p->n_changes++;
    *ref = -ordinal;
    return 0;
}

int relais_plan_create(int64_t *ref, relais_plan *p, const relais_record *r)
{
    return create(ref, p, r, NULL);
}

int relais_plan_create_inactive(int64_t *ref, relais_plan *p, const relais_record *r,
                                const char *date)
{
    if (date == NULL) {
        relais_error_set(_("date de désactivation invalide : %s"), "(aucune)");
        return RELAIS_EINVALID;
    }
    return create(ref, p, r, date);
}

static int update(bool *changed, relais_plan *p, const relais_record *old,
                  const relais_record *incoming, unsigned groups, const char *inactive_on)
{
    if (changed) {
        *changed = false;
    }
    if (old->kind != incoming->kind || old->id <= 0) {
        relais_error_set("%s", _("mise à jour d'un enregistrement non stocké"));
        return RELAIS_EINVALID;
    }
    const relais_kind_info *ki = relais_kind_get(old->kind);
    uint16_t n_values = 0;
    for (size_t f = 0; f < ki->n_fields; f++) {
        if ((ki->fields[f].group & groups) && ki->fields[f].group != RELAIS_FG_KEY &&
            !relais_record_field_equal(old, incoming, f)) {
            n_values++;
        }
    }
    /*
     * inactive_on: the record must end inactive. A stored inactive record is then
     * only updated (not restored); an active one is updated and deactivated.
     */
    bool stay_inactive = inactive_on != NULL;
    bool restore = !old->is_active && !stay_inactive;
    bool deactivate = old->is_active && stay_inactive;
    relais_count c = restore      ? RELAIS_COUNT_RESTORED
                     : deactivate ? RELAIS_COUNT_DEACTIVATED
                     : n_values   ? RELAIS_COUNT_UPDATED
                                  : RELAIS_COUNT_UNCHANGED;
    if (deactivate) {
        util_date d;
        if (!util_date_parse(inactive_on, strlen(inactive_on), &d)) {
            relais_error_set(_("date de désactivation invalide : %s"), inactive_on);
            return RELAIS_EINVALID;
        }
    }
    int rc = bump(p, old->scope_id, old->kind, c, 1);
    if (rc < 0 || (!restore && n_values == 0 && !deactivate)) {
        return rc;
    }
    if (restore || n_values > 0) {
        util_arena_reset(p->scratch);
        const char *label = relais_record_label(old, p->scratch);
        rc = put_header(p, restore ? RELAIS_OP_RESTORE : RELAIS_OP_UPDATE, old, n_values, 0,
                        label, old->deactivated_on);
        for (size_t f = 0; f < ki->n_fields && rc == 0; f++) {
            if ((ki->fields[f].group & groups) && ki->fields[f].group != RELAIS_FG_KEY &&
                !relais_record_field_equal(old, incoming, f)) {
                rc = put_value(p, ki, f, old, incoming);
            }
        }
        if (rc == 0) {
            p->n_changes++;
        }
    }
    if (rc == 0 && deactivate) {
        util_date d;
        char iso[11];
        util_date_parse(inactive_on, strlen(inactive_on), &d);
        util_date_iso(&d, iso);
        util_arena_reset(p->scratch);
        rc = put_header(p, RELAIS_OP_DEACTIVATE, old, 0, 0, relais_record_label(old, p->scratch),
                        iso);
        if (rc == 0) {
            p->n_changes++;
        }
    }
    if (rc == 0 && changed) {
        *changed = true;
    }
    return rc;
}

int relais_plan_update(bool *changed, relais_plan *p, const relais_record *old,
                       const relais_record *incoming, unsigned groups)
{
    return update(changed, p, old, incoming, groups, NULL);
}

int relais_plan_update_inactive(bool *changed, relais_plan *p, const relais_record *old,
                                const relais_record *incoming, unsigned groups, const char *date)
{
    if (date == NULL) {
        relais_error_set(_("date de désactivation invalide : %s"), "(aucune)");
        return RELAIS_EINVALID;
    }
    return update(changed, p, old, incoming, groups, date);
}

int relais_plan_deactivate(relais_plan *p, const relais_record *old, const char *date)
{
    if (old->id <= 0) {
        relais_error_set("%s", _("désactivation d'un enregistrement non stocké"));
        return RELAIS_EINVALID;
    }
    if (!old->is_active) {
        return 0;
    }
    util_date d;
    if (date == NULL || !util_date_parse(date, strlen(date), &d)) {
        relais_error_set(_("date de désactivation invalide : %s"), date ? date : "(aucune)");
        return RELAIS_EINVALID;
    }
    int rc = bump(p, old->scope_id, old->kind, RELAIS_COUNT_DEACTIVATED, 1);
    if (rc < 0) {
        return rc;
    }
    char iso[11];
    util_date_iso(&d, iso);
    util_arena_reset(p->scratch);
    rc = put_header(p, RELAIS_OP_DEACTIVATE, old, 0, 0, relais_record_label(old, p->scratch), iso);
    if (rc == 0) {
        p->n_changes++;
    }
    return rc;
}

int relais_plan_touch(relais_plan *p, const relais_record *old)
{
    if (old->id <= 0) {
        return RELAIS_EINVALID;
    }
    return put_header(p, RELAIS_OP_TOUCH, old, 0, 0, NULL, NULL);
}

/* ---------------------------------------------------------------- warnings */

static int warn_put_str(relais_plan *p, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : NULL_LEN;
    int rc = util_spool_write(p->warnings, &len, sizeof len);
    if (rc == 0 && s) {
        rc = util_spool_write(p->warnings, s, len);
    }
    return rc;
}

int relais_plan_warn(relais_plan *p, const relais_warning *w)
{
    uint8_t sev = (uint8_t)w->severity;
    int32_t kind = w->kind;
    uint64_t line = w->line;
    int rc = util_spool_write(p->warnings, &sev, sizeof sev);
    if (rc == 0) {
        rc = util_spool_write(p->warnings, &kind, sizeof kind);
    }
    if (rc == 0) {
        rc = util_spool_write(p->warnings, &line, sizeof line);
    }
    const char *strs[] = {w->code, w->file, w->ids, w->message};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(strs) && rc == 0; i++) {
        rc = warn_put_str(p, strs[i]);
    }
    if (rc == 0 && w->severity <= RELAIS_SEVERITY_ERROR) {
        p->n_warnings[w->severity]++;
    }
    return rc;
}

int relais_plan_warnf(relais_plan *p, relais_severity severity, const char *code,
                      const char *file, unsigned long line, int kind, const char *ids,
                      const char *fmt, ...)
{
    util_buf msg = UTIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = util_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc == 0) {
        relais_warning w = {severity, code, file, line, kind, ids, util_buf_cstr(&msg)};
        rc = relais_plan_warn(p, &w);
    }
    util_buf_free(&msg);
    return rc;
}

size_t relais_plan_n_warnings(const relais_plan *p, relais_severity severity)
{
    return severity <= RELAIS_SEVERITY_ERROR ? p->n_warnings[severity] : 0;
}

static int read_str(util_spool_cursor *sp, util_arena *a, const char **out)
{
    uint32_t len;
    int rc = util_spool_cursor_read(sp, &len, sizeof len);
    if (rc < 0) {
        return rc == RELAIS_ENOTFOUND ? RELAIS_EIO : rc;
    }
    if (len == NULL_LEN) {
        *out = NULL;
        return 0;
    }
    char *s = util_arena_alloc(a, (size_t)len + 1);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    rc = util_spool_cursor_read(sp, s, len);
    if (rc < 0) {
        return RELAIS_EIO;
    }
    s[len] = '\0';
    *out = s;
    return 0;
}

int relais_plan_foreach_warning(relais_plan *p, relais_warning_cb cb, void *payload)
{
    util_spool_cursor cur;
    int rc = util_spool_cursor_open(&cur, p->warnings);
    util_arena *a = NULL;
    if (rc == 0) {
        rc = util_arena_new(&a, 4096);
    }
    while (rc == 0) {
        uint8_t sev = 0;
        int32_t kind = -1;
        uint64_t line = 0;
        rc = util_spool_cursor_read(&cur, &sev, sizeof sev);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc == 0) {
            rc = util_spool_cursor_read(&cur, &kind, sizeof kind);
        }
        if (rc == 0) {
            rc = util_spool_cursor_read(&cur, &line, sizeof line);
        }
        relais_warning w = {.severity = (relais_severity)sev, .kind = kind, .line = line};
        util_arena_reset(a);
        if (rc == 0) {
            rc = read_str(&cur, a, &w.code);
        }
        if (rc == 0) {
            rc = read_str(&cur, a, &w.file);
        }
        if (rc == 0) {
            rc = read_str(&cur, a, &w.ids);
        }
        if (rc == 0) {
            rc = read_str(&cur, a, &w.message);
        }
        if (rc == 0) {
            rc = cb(&w, payload);
        }
    }
    util_spool_cursor_close(&cur);
    util_arena_free(a);
    return rc;
}

/* ------------------------------------------------------ reading operations */

int plan_read_op(plan_op *out, util_spool_cursor *sp, util_arena *a)
{
    int rc = util_spool_cursor_read(sp, &out->h, sizeof out->h);
    if (rc < 0) {
        return rc; /* ENOTFOUND at the clean end */
    }
    rc = read_str(sp, a, &out->label);
    if (rc == 0) {
        rc = read_str(sp, a, &out->date);
    }
    out->values = NULL;
    if (rc == 0 && out->h.n_values > 0) {
        out->values = util_arena_alloc(a, out->h.n_values * sizeof *out->values);
        if (out->values == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    for (uint16_t i = 0; i < out->h.n_values && rc == 0; i++) {
        plan_value *v = &out->values[i];
        uint8_t is_ref = 0;
        rc = util_spool_cursor_read(sp, &v->field, sizeof v->field);
        if (rc == 0) {
            rc = util_spool_cursor_read(sp, &is_ref, sizeof is_ref);
        }
        v->is_ref = is_ref != 0;
        v->old_text = v->new_text = NULL;
        v->old_ref = v->new_ref = 0;
        if (rc == 0 && v->is_ref) {
            rc = util_spool_cursor_read(sp, &v->old_ref, sizeof v->old_ref);
            if (rc == 0) {
                rc = util_spool_cursor_read(sp, &v->new_ref, sizeof v->new_ref);
            }
        } else if (rc == 0) {
            rc = read_str(sp, a, &v->old_text);
            if (rc == 0) {
                rc = read_str(sp, a, &v->new_text);
            }
        }
        if (rc == RELAIS_ENOTFOUND) {
            rc = RELAIS_EIO;
        }
    }
    return rc;
}

static const char *ref_text(util_arena *a, int64_t ref)
{
    if (ref == 0) {
        return NULL;
    }
    char tmp[32];
    if (ref < 0) {
        snprintf(tmp, sizeof tmp, "(nouveau #%lld)", (long long)-ref);
    } else {
        snprintf(tmp, sizeof tmp, "%lld", (long long)ref);
    }
    return util_arena_strdup(a, tmp);
}

int relais_plan_foreach_op(relais_plan *p, relais_plan_op_cb cb, void *payload)
{
    util_spool_cursor cur;
    int rc = util_spool_cursor_open(&cur, p->ops);
    util_arena *a = NULL;
    if (rc == 0) {
        rc = util_arena_new(&a, 16 * 1024);
    }
    while (rc == 0) {
        plan_op op;
        util_arena_reset(a);
        rc = plan_read_op(&op, &cur, a);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc < 0 || op.h.op == RELAIS_OP_TOUCH) {
            continue;
        }
        const relais_kind_info *ki = relais_kind_get((relais_kind)op.h.kind);
        relais_plan_field_change *changes = NULL;
        if (op.h.n_values) {
            changes = util_arena_alloc(a, op.h.n_values * sizeof *changes);
            if (changes == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
        }
        for (uint16_t i = 0; i < op.h.n_values; i++) {
            plan_value *v = &op.values[i];
            changes[i].field = ki->fields[v->field].name;
            changes[i].old_value = v->is_ref ? ref_text(a, v->old_ref) : v->old_text;
            changes[i].new_value = v->is_ref ? ref_text(a, v->new_ref) : v->new_text;
        }
        size_t si = 0;
        for (size_t i = 0; i < p->n_scopes; i++) {
            if (p->scopes[i].ref == op.h.scope_ref) {
                si = i;
            }
        }
        relais_plan_op pub = {
            .op = (relais_op)op.h.op,
            .kind = (relais_kind)op.h.kind,
            .id = op.h.id,
            .scope_index = si,
            .label = op.label,
            .date = op.date,
            .n_changes = op.h.n_values,
            .changes = changes,
        };
        rc = cb(&pub, payload);
    }
    util_spool_cursor_close(&cur);
    util_arena_free(a);
    return rc;
}

char *relais_plan_summary_json(const relais_plan *p, size_t scope_index_)
{
    util_buf b = UTIL_BUF_INIT;
    util_json j;
    util_json_init_buf(&j, &b, false);
    util_json_object_begin(&j);
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        bool used = false;
        for (int c = 0; c < RELAIS_COUNT_N && !used; c++) {
            used = relais_plan_counter(p, scope_index_, (relais_kind)k, (relais_count)c) > 0;
        }
        if (!used) {
            continue;
        }
        util_json_key(&j, relais_kind_get((relais_kind)k)->name);
        util_json_object_begin(&j);
        for (int c = 0; c < RELAIS_COUNT_N; c++) {
            util_json_kv_int(&j, relais_count_name((relais_count)c),
                             (int64_t)relais_plan_counter(p, scope_index_, (relais_kind)k,
                                                          (relais_count)c));
        }
        util_json_object_end(&j);
    }
    util_json_object_end(&j);
    if (b.failed) {
        util_buf_free(&b);
        return NULL;
    }
    return util_buf_steal(&b);
}
