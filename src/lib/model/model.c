/*
 * model.c — the catalogue of the canonical model (kinds and fields, from the
 * X-macro lists of relais/model.h) and the record helpers every importer and
 * the store use.
 */
#include <relais/model.h>

#include <pthread.h>
#include <string.h>

#include "util/util.h"

#define FIELD_ENTRY(e, col, t, g, r) {col, RELAIS_FT_##t, RELAIS_FG_##g, KIND_REF_##r},
#define KIND_REF_NONE (-1)
#define KIND_REF_MEF RELAIS_KIND_MEF
#define KIND_REF_GROUP RELAIS_KIND_GROUP
#define KIND_REF_DIVISION RELAIS_KIND_DIVISION
#define KIND_REF_STUDENT RELAIS_KIND_STUDENT
#define KIND_REF_GUARDIAN RELAIS_KIND_GUARDIAN
#define KIND_REF_STAFF RELAIS_KIND_STAFF
#define KIND_REF_SERVICE RELAIS_KIND_SERVICE

static const relais_field fields_MEF[] = {RELAIS_FIELDS_MEF(FIELD_ENTRY)};
static const relais_field fields_SUBJECT[] = {RELAIS_FIELDS_SUBJECT(FIELD_ENTRY)};
static const relais_field fields_NOMENCLATURE[] = {RELAIS_FIELDS_NOMENCLATURE(FIELD_ENTRY)};
static const relais_field fields_PROGRAMME[] = {RELAIS_FIELDS_PROGRAMME(FIELD_ENTRY)};
static const relais_field fields_MANDATORY_OPTION[] = {RELAIS_FIELDS_MANDATORY_OPTION(FIELD_ENTRY)};
static const relais_field fields_DIVISION[] = {RELAIS_FIELDS_DIVISION(FIELD_ENTRY)};
static const relais_field fields_GROUP[] = {RELAIS_FIELDS_GROUP(FIELD_ENTRY)};
static const relais_field fields_GROUP_DIVISION[] = {RELAIS_FIELDS_GROUP_DIVISION(FIELD_ENTRY)};
static const relais_field fields_STUDENT[] = {RELAIS_FIELDS_STUDENT(FIELD_ENTRY)};
static const relais_field fields_GUARDIAN[] = {RELAIS_FIELDS_GUARDIAN(FIELD_ENTRY)};
static const relais_field fields_STUDENT_GUARDIAN[] = {RELAIS_FIELDS_STUDENT_GUARDIAN(FIELD_ENTRY)};
static const relais_field fields_ENROLMENT[] = {RELAIS_FIELDS_ENROLMENT(FIELD_ENTRY)};
static const relais_field fields_STUDENT_OPTION[] = {RELAIS_FIELDS_STUDENT_OPTION(FIELD_ENTRY)};
static const relais_field fields_STAFF[] = {RELAIS_FIELDS_STAFF(FIELD_ENTRY)};
static const relais_field fields_STAFF_DISCIPLINE[] = {RELAIS_FIELDS_STAFF_DISCIPLINE(FIELD_ENTRY)};
static const relais_field fields_SERVICE[] = {RELAIS_FIELDS_SERVICE(FIELD_ENTRY)};
static const relais_field fields_SERVICE_TEACHER[] = {RELAIS_FIELDS_SERVICE_TEACHER(FIELD_ENTRY)};
static const relais_field fields_COURSE[] = {RELAIS_FIELDS_COURSE(FIELD_ENTRY)};
static const relais_field fields_XREF[] = {RELAIS_FIELDS_XREF(FIELD_ENTRY)};
static const relais_field fields_XREF_REJECTION[] = {RELAIS_FIELDS_XREF_REJECTION(FIELD_ENTRY)};

static relais_kind_info kinds[RELAIS_KIND_COUNT] = {
#define KIND_ENTRY(e, nm, tbl, lbl)                                                              \
    {RELAIS_KIND_##e, nm, tbl, lbl, fields_##e, UTIL_ARRAY_LEN(fields_##e), {0}, 0},
    RELAIS_KINDS(KIND_ENTRY)
#undef KIND_ENTRY
};

static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;

static void catalogue_init(void)
{
    for (size_t k = 0; k < RELAIS_KIND_COUNT; k++) {
        relais_kind_info *ki = &kinds[k];
        for (size_t f = 0; f < ki->n_fields && ki->n_key < UTIL_ARRAY_LEN(ki->key); f++) {
            if (ki->fields[f].group == RELAIS_FG_KEY) {
                ki->key[ki->n_key++] = f;
            }
        }
    }
}

const relais_kind_info *relais_kind_get(relais_kind kind)
{
    if ((int)kind < 0 || kind >= RELAIS_KIND_COUNT) {
        return NULL;
    }
    pthread_once(&catalogue_once, catalogue_init);
    return &kinds[kind];
}

int relais_kind_by_name(const char *name)
{
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        if (strcmp(kinds[k].name, name) == 0) {
            return k;
        }
    }
    return -1;
}

int relais_field_index(relais_kind kind, const char *name)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return -1;
    }
    for (size_t f = 0; f < ki->n_fields; f++) {
        if (strcmp(ki->fields[f].name, name) == 0) {
            return (int)f;
        }
    }
    return -1;
}

relais_record *relais_record_new(util_arena *arena, relais_kind kind)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        relais_error_set("type d'enregistrement inconnu (%d)", (int)kind);
        return NULL;
    }
    relais_record *r = util_arena_alloc(arena, sizeof *r);
    const char **text = util_arena_alloc(arena, ki->n_fields * sizeof *text);
    int64_t *ref = util_arena_alloc(arena, ki->n_fields * sizeof *ref);
    if (r == NULL || text == NULL || ref == NULL) {
        return NULL;
    }
    memset(text, 0, ki->n_fields * sizeof *text);
    memset(ref, 0, ki->n_fields * sizeof *ref);
    *r = (relais_record){.kind = kind, .is_active = true, .text = text, .ref = ref};
    return r;
}

relais_record *relais_record_copy(util_arena *arena, const relais_record *src)
{
    relais_record *r = relais_record_new(arena, src->kind);
    if (r == NULL) {
        return NULL;
    }
    const relais_kind_info *ki = relais_kind_get(src->kind);
    r->id = src->id;
    r->scope_id = src->scope_id;
    r->is_active = src->is_active;
    if (src->deactivated_on) {
        r->deactivated_on = util_arena_strdup(arena, src->deactivated_on);
        if (r->deactivated_on == NULL) {
            return NULL;
        }
    }
    for (size_t f = 0; f < ki->n_fields; f++) {
        r->ref[f] = src->ref[f];
        if (src->text[f]) {
            r->text[f] = util_arena_strdup(arena, src->text[f]);
            if (r->text[f] == NULL) {
                return NULL;
            }
        }
    }
    return r;
}

int relais_record_set(relais_record *r, util_arena *arena, size_t field, const char *value,
                      size_t len)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    if (field >= ki->n_fields) {
        relais_error_set("champ %zu hors limites pour %s", field, ki->name);
        return RELAIS_EINVALID;
    }
    if (value == NULL) {
        r->text[field] = NULL;
        return 0;
    }
    value = util_trim(value, &len);
    if (len == 0) {
        r->text[field] = NULL;
        return 0;
    }
    char *copy = util_arena_strndup(arena, value, len);
    if (copy == NULL) {
        return RELAIS_ENOMEM;
    }
    r->text[field] = copy;
    return 0;
}

int relais_record_set_str(relais_record *r, util_arena *arena, size_t field, const char *value)
{
    return relais_record_set(r, arena, field, value, value ? strlen(value) : 0);
}

const char *relais_record_get(const relais_record *r, size_t field)
{
    return r->text[field];
}

const char *relais_record_key(const relais_record *r, util_arena *arena)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    util_buf b = UTIL_BUF_INIT;
    for (size_t i = 0; i < ki->n_key; i++) {
        size_t f = ki->key[i];
        if (i > 0) {
            util_buf_putc(&b, '\x1f');
        }
        if (ki->fields[f].type == RELAIS_FT_REF) {
            util_buf_printf(&b, "%lld", (long long)r->ref[f]);
        } else if (r->text[f]) {
            util_buf_puts(&b, r->text[f]);
        }
    }
    const char *key = b.failed ? NULL : util_arena_strndup(arena, util_buf_cstr(&b), b.len);
    util_buf_free(&b);
    return key;
}

/*
 * Fields a label is made of, per kind, resolved once: labels are computed for
 * every planned operation, millions in an académie import.
 */
typedef struct label_fields {
    int surname[3], first[1], title[2];
} label_fields;

static label_fields label_index[RELAIS_KIND_COUNT];
static pthread_once_t label_once = PTHREAD_ONCE_INIT;

static void label_init(void)
{
    static const char *const surnames[3] = {"nom_usage", "nom_de_famille", "nom_patronymique"};
    static const char *const titles[2] = {"libelle_long", "libelle_court"};
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        label_fields *l = &label_index[k];
        for (int i = 0; i < 3; i++) {
            l->surname[i] = relais_field_index((relais_kind)k, surnames[i]);
        }
        l->first[0] = relais_field_index((relais_kind)k, "prenom");
        for (int i = 0; i < 2; i++) {
            l->title[i] = relais_field_index((relais_kind)k, titles[i]);
        }
    }
}

static const char *first_of(const relais_record *r, const int *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fields[i] >= 0 && r->text[fields[i]]) {
            return r->text[fields[i]];
        }
    }
    return NULL;
}

/* A label is built in a fixed buffer; beyond it, it is cut at a character boundary. */
typedef struct label_buf {
    char data[320];
    size_t len;
} label_buf;

static void lab_puts(label_buf *b, const char *s)
{
    size_t n = strlen(s), room = sizeof b->data - 1 - b->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

const char *relais_record_label(const relais_record *r, util_arena *arena)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    pthread_once(&label_once, label_init);
    const label_fields *l = &label_index[r->kind];
    label_buf b;
    b.len = 0;
    b.data[0] = '\0';
    const char *surname = first_of(r, l->surname, 3);
    const char *first = first_of(r, l->first, 1);
    const char *title = first_of(r, l->title, 2);
    if (surname) {
        lab_puts(&b, surname);
        if (first) {
            lab_puts(&b, " ");
            lab_puts(&b, first);
        }
        lab_puts(&b, " (");
    }
    for (size_t i = 0; i < ki->n_key; i++) {
        size_t f = ki->key[i];
        if (i > 0) {
            lab_puts(&b, ", ");
        }
        if (ki->fields[f].type == RELAIS_FT_REF) {
            char num[32];
            if (r->ref[f] == 0) {
                snprintf(num, sizeof num, " -");
            } else {
                snprintf(num, sizeof num, " %lld", (long long)r->ref[f]);
            }
            lab_puts(&b, ki->fields[f].name);
            lab_puts(&b, num);
        } else if (surname) {
            lab_puts(&b, ki->fields[f].name);
            lab_puts(&b, " ");
            lab_puts(&b, r->text[f] ? r->text[f] : "");
        } else {
            lab_puts(&b, r->text[f] ? r->text[f] : "");
        }
    }
    if (surname) {
        lab_puts(&b, ")");
    } else if (title) {
        lab_puts(&b, " (");
        lab_puts(&b, title);
        lab_puts(&b, ")");
    }
    return util_arena_strndup(arena, b.data, b.len);
}

bool relais_record_field_equal(const relais_record *a, const relais_record *b, size_t field)
{
    const relais_kind_info *ki = relais_kind_get(a->kind);
    if (ki->fields[field].type == RELAIS_FT_REF) {
        return a->ref[field] == b->ref[field];
    }
    return util_streq(a->text[field], b->text[field]);
}

bool relais_application_is_source(const char *application)
{
    static const char *const sources[] = {"siecle", "sts", "edt", "ine"};
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) {
        if (application != NULL && strcmp(application, sources[i]) == 0) {
            return true;
        }
    }
    return false;
}
