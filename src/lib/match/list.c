/*
 * list.c — person lists (match_list) and the names of categories, decisions
 * and reasons shared by the engine, the readers and the reports.
 */
#include "match.h"

#include <string.h>

#include "match_internal.h"

static const char *const category_names[MATCH_N_CATEGORIES] = {"student", "guardian", "teacher",
                                                               "staff"};
static const char *const category_labels[MATCH_N_CATEGORIES] = {
    N_("Élèves"), N_("Responsables"), N_("Professeurs"), N_("Personnels")};

const char *match_category_name(match_category c)
{
    return (unsigned)c < MATCH_N_CATEGORIES ? category_names[c] : "";
}

const char *match_category_label(match_category c)
{
    return (unsigned)c < MATCH_N_CATEGORIES ? _(category_labels[c]) : "";
}

relais_kind match_category_kind(match_category c)
{
    switch (c) {
    case MATCH_STUDENT: return RELAIS_KIND_STUDENT;
    case MATCH_GUARDIAN: return RELAIS_KIND_GUARDIAN;
    default: return RELAIS_KIND_STAFF;
    }
}

/* Base letters of U+00C0..U+00FF (UTF-8 C3 80..C3 BF); '_' for × and ÷. */
static const char *const latin1_base[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "_", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "_", "o", "u", "u", "u", "u", "y", "th", "y",
};

void match_fold_word(char *out, size_t size, const char *s, size_t len)
{
    size_t n = 0;
    bool sep = false;
    for (size_t i = 0; i < len && n + 3 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char one[2] = {0, 0};
        if (c == 0xC3 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0xBF) {
            rep = latin1_base[(unsigned char)s[++i] - 0x80];
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            one[0] = (char)c;
            rep = one;
        } else if (c >= 'A' && c <= 'Z') {
            one[0] = (char)(c - 'A' + 'a');
            rep = one;
        } else if (c >= 0x80 && c < 0xC0) {
            continue; /* continuation byte of a letter we do not know: dropped */
        } else if (c >= 0xC0) {
            continue;
        }
        if (rep == NULL || rep[0] == '_') {
            sep = n > 0;
            continue;
        }
        if (sep) {
            out[n++] = '_';
            sep = false;
        }
        for (; *rep && n + 1 < size; rep++) {
            out[n++] = *rep;
        }
    }
    out[n] = '\0';
}

bool match_category_parse(match_category *out, const char *s, size_t len)
{
    static const struct {
        const char *word;
        match_category c;
    } words[] = {
        {"eleve", MATCH_STUDENT},         {"eleves", MATCH_STUDENT},
        {"student", MATCH_STUDENT},       {"responsable", MATCH_GUARDIAN},
        {"responsables", MATCH_GUARDIAN}, {"parent", MATCH_GUARDIAN},
        {"guardian", MATCH_GUARDIAN},     {"relative", MATCH_GUARDIAN},
        {"persreleleve", MATCH_GUARDIAN}, {"professeur", MATCH_TEACHER},
        {"professeurs", MATCH_TEACHER},   {"enseignant", MATCH_TEACHER},
        {"teacher", MATCH_TEACHER},       {"personnel", MATCH_STAFF},
        {"personnels", MATCH_STAFF},      {"staff", MATCH_STAFF},
        {"perseducnat", MATCH_STAFF},
    };
    char folded[64];
    match_fold_word(folded, sizeof folded, s, len);
    /* "Personnel de direction" → "personnel": the first word decides. */
    char *us = strchr(folded, '_');
    if (us) {
        *us = '\0';
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(words); i++) {
        if (strcmp(folded, words[i].word) == 0) {
            *out = words[i].c;
            return true;
        }
    }
    return false;
}

const char *match_decision_name(match_decision d)
{
    switch (d) {
    case MATCH_KEY: return "key";
    case MATCH_AUTO: return "auto";
    case MATCH_MANUAL: return "manual";
    case MATCH_REVIEW: return "review";
    default: return "";
    }
}

const char *match_format_name(match_format f)
{
    switch (f) {
    case MATCH_FORMAT_CSV: return "csv";
    case MATCH_FORMAT_ENT: return "ent";
    case MATCH_FORMAT_AAF: return "aaf";
    default: return "auto";
    }
}

static const struct {
    const char *code;
    const char *label;
} reasons[MATCH_N_REASONS] = {
    {"ine", N_("même INE")},
    {"crosswalk", N_("lien déjà enregistré")},
    {"surname_exact", N_("nom identique")},
    {"surname_usage", N_("nom de naissance d'un côté, nom d'usage de l'autre")},
    {"surname_partial", N_("une partie du nom composé")},
    {"surname_close", N_("nom à une faute de frappe près")},
    {"surname_differs", N_("noms différents")},
    {"first_name_exact", N_("prénom identique")},
    {"first_name_prefix", N_("une partie des prénoms seulement")},
    {"first_name_other", N_("un autre des prénoms")},
    {"first_name_close", N_("prénom à une faute de frappe près")},
    {"birth_date_exact", N_("même date de naissance")},
    {"birth_date_swapped", N_("jour et mois inversés")},
    {"birth_date_typo", N_("date de naissance à un chiffre près")},
    {"birth_date_missing", N_("date de naissance absente")},
    {"sex_differs", N_("sexes différents")},
    {"postcode", N_("même code postal")},
    {"postcode_differs", N_("codes postaux différents")},
    {"email", N_("même courriel")},
    {"phone", N_("même téléphone")},
    {"class", N_("même classe")},
    {"class_differs", N_("classes différentes")},
    {"children", N_("enfants rapprochés en commun")},
    {"children_differ", N_("aucun enfant en commun")},
    {"ine_differs", N_("INE différents")},
    {"category_differs", N_("professeur d'un côté, personnel de l'autre")},
    {"competing", N_("un autre candidat est presque aussi probable")},
    {"duplicate", N_("déjà rapproché d'un doublon probable")},
    {"low_score", N_("score sous le seuil de rapprochement automatique")},
    {"sex_agrees", N_("même sexe")},
    {"address", N_("même adresse")},
    {"first_name_partial", N_("une partie d'un prénom composé")},
    {"siecle_id", N_("même identifiant SIECLE")},
};

const char *match_reason_code(unsigned bit)
{
    return bit < MATCH_N_REASONS ? reasons[bit].code : NULL;
}

const char *match_reason_label(unsigned bit)
{
    return bit < MATCH_N_REASONS ? _(reasons[bit].label) : NULL;
}

/* ------------------------------------------------------------------ lists */

int match_list_new(match_list **out)
{
    *out = NULL;
    match_list *l = util_calloc(1, sizeof *l);
    if (l == NULL || util_arena_new(&l->arena, 256 * 1024) < 0) {
        util_free(l);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    *out = l;
    return 0;
}

void match_list_free(match_list *l)
{
    if (l == NULL) {
        return;
    }
    util_free(l->persons);
    util_free(l->estabs);
    util_arena_free(l->arena);
    util_free(l);
}

int match_list_add(uint32_t *index, match_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        match_person *p = util_realloc(l->persons, cap * sizeof *p);
        if (p == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            return RELAIS_ENOMEM;
        }
        l->persons = p;
        l->cap = cap;
    }
    if (l->n >= UINT32_MAX - 1) {
        relais_error_set("%s", _("liste de personnes trop longue"));
        return RELAIS_EINVALID;
    }
    match_person *p = &l->persons[l->n];
    memset(p, 0, sizeof *p);
    p->estab = MATCH_ANY_ESTAB;
    *index = (uint32_t)l->n++;
    return 0;
}

const char *match_list_str(match_list *l, const char *s, size_t len)
{
    if (s == NULL) {
        return NULL;
    }
    const char *t = util_trim(s, &len);
    if (len == 0) {
        return NULL;
    }
    char *copy = util_arena_strndup(l->arena, t, len);
    if (copy == NULL) {
        l->failed = true;
    }
    return copy;
}

int match_list_set_children(match_list *l, uint32_t guardian, const uint32_t *children, size_t n)
{
    match_person *p = &l->persons[guardian];
    if (n == 0) {
        p->children = NULL;
        p->n_children = 0;
        return 0;
    }
    uint32_t *c = util_arena_alloc(l->arena, n * sizeof *c);
    if (c == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    memcpy(c, children, n * sizeof *c);
    p->children = c;
    p->n_children = (uint32_t)n;
    return 0;
}

int match_list_add_estab(uint32_t *index, match_list *l, const char *uai, int64_t scope_id)
{
    if (l->n_estabs == l->cap_estabs) {
        size_t cap = l->cap_estabs ? l->cap_estabs * 2 : 8;
        match_estab *e = util_realloc(l->estabs, cap * sizeof *e);
        if (e == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            return RELAIS_ENOMEM;
        }
        l->estabs = e;
        l->cap_estabs = cap;
    }
    const char *u = util_arena_strdup(l->arena, uai);
    if (u == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    l->estabs[l->n_estabs] = (match_estab){u, scope_id};
    *index = (uint32_t)l->n_estabs++;
    return 0;
}
