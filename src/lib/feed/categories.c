/*
 * categories.c — which kinds and fields of the model each data category of
 * an organisation's settings covers (docs/formats/feed.md has the table).
 *
 * A kind or field listed here is sent when at least one of its categories is
 * on; everything not listed (identities, contacts, links) is always sent,
 * except the identifier crosswalk (xref) and the refused matches
 * (xref_rejection), which are internal to the hub.
 */
#include "feed/feed.h"

#include <pthread.h>
#include <string.h>

#define CIV ORG_CAT_BIT(ORG_CAT_CIVILITE)
#define PROV ORG_CAT_BIT(ORG_CAT_PROVENANCE)
#define NIV ORG_CAT_BIT(ORG_CAT_NIVEAU)
#define CLA ORG_CAT_BIT(ORG_CAT_CLASSE)
#define LIEN ORG_CAT_BIT(ORG_CAT_LIEN_PARENTE)
#define REG ORG_CAT_BIT(ORG_CAT_REGIME)
#define MAT ORG_CAT_BIT(ORG_CAT_MATIERE)
#define PERI ORG_CAT_BIT(ORG_CAT_PERISCOLAIRE)
#define PROF ORG_CAT_BIT(ORG_CAT_PROFESSION)
#define STAT ORG_CAT_BIT(ORG_CAT_STATUT)
#define MEF ORG_CAT_BIT(ORG_CAT_MEF)

typedef struct rule {
    relais_kind kind;
    const char *field; /* NULL: the whole kind */
    unsigned mask;
} rule;

static const rule rules[] = {
    /* whole kinds */
    {RELAIS_KIND_MEF, NULL, MEF | NIV},
    {RELAIS_KIND_DIVISION, NULL, CLA},
    {RELAIS_KIND_GROUP, NULL, CLA},
    {RELAIS_KIND_GROUP_DIVISION, NULL, CLA},
    {RELAIS_KIND_ENROLMENT, NULL, CLA},
    {RELAIS_KIND_SUBJECT, NULL, MAT},
    {RELAIS_KIND_PROGRAMME, NULL, MAT},
    {RELAIS_KIND_MANDATORY_OPTION, NULL, MAT},
    {RELAIS_KIND_STUDENT_OPTION, NULL, MAT},
    {RELAIS_KIND_STAFF_DISCIPLINE, NULL, MAT},
    {RELAIS_KIND_SERVICE, NULL, MAT},
    {RELAIS_KIND_SERVICE_TEACHER, NULL, MAT},
    {RELAIS_KIND_COURSE, NULL, MAT},
    /* MEF: level fields go with "niveau" too, the rest with "mef" only */
    {RELAIS_KIND_MEF, "specialite", MEF},
    {RELAIS_KIND_MEF, "statut_mef", MEF},
    {RELAIS_KIND_MEF, "mef_rattachement", MEF},
    {RELAIS_KIND_MEF, "nb_opt_oblig", MEF},
    {RELAIS_KIND_MEF, "nb_opt_mini", MEF},
    {RELAIS_KIND_MEF, "renforcement_langues", MEF},
    {RELAIS_KIND_MEF, "inscription_etab", MEF},
    {RELAIS_KIND_MEF, "mef_origine", MEF},
    {RELAIS_KIND_MEF, "mef_selectionne", MEF},
    {RELAIS_KIND_MEF, "mef_selorig", MEF},
    {RELAIS_KIND_MEF, "date_ouverture", MEF},
    {RELAIS_KIND_MEF, "date_fermeture", MEF},
    {RELAIS_KIND_DIVISION, "mefs", MEF | NIV},
    {RELAIS_KIND_GROUP, "mefs", MEF | NIV},
    /* students */
    {RELAIS_KIND_STUDENT, "code_mef", MEF | NIV},
    {RELAIS_KIND_STUDENT, "code_regime", REG},
    {RELAIS_KIND_STUDENT, "code_statut", STAT},
    {RELAIS_KIND_STUDENT, "bourses", STAT},
    {RELAIS_KIND_STUDENT, "code_provenance", PROV},
    {RELAIS_KIND_STUDENT, "adhesion_transport", PERI},
    /* guardians and links */
    {RELAIS_KIND_GUARDIAN, "lc_civilite", CIV},
    {RELAIS_KIND_GUARDIAN, "ll_civilite", CIV},
    {RELAIS_KIND_GUARDIAN, "code_profession", PROF},
    {RELAIS_KIND_STUDENT_GUARDIAN, "code_parente", LIEN},
    /* staff */
    {RELAIS_KIND_STAFF, "civilite", CIV},
};

#define MAX_FIELDS 128

static unsigned kind_mask[RELAIS_KIND_COUNT];
static unsigned field_mask[RELAIS_KIND_COUNT][MAX_FIELDS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void build(void)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(rules); i++) {
        const rule *r = &rules[i];
        if (r->field == NULL) {
            kind_mask[r->kind] = r->mask;
            continue;
        }
        int f = relais_field_index(r->kind, r->field);
        if (f >= 0 && f < MAX_FIELDS) {
            field_mask[r->kind][f] = r->mask;
        }
    }
    /* Previous schooling of students (prev_*) is "provenance". */
    const relais_kind_info *ki = relais_kind_get(RELAIS_KIND_STUDENT);
    for (size_t f = 0; f < ki->n_fields && f < MAX_FIELDS; f++) {
        if (ki->fields[f].group == RELAIS_FG_PREVIOUS) {
            field_mask[RELAIS_KIND_STUDENT][f] = PROV;
        }
    }
}

bool feed_kind_sent(relais_kind k, unsigned categories)
{
    if ((unsigned)k >= RELAIS_KIND_COUNT || k == RELAIS_KIND_XREF ||
        k == RELAIS_KIND_XREF_REJECTION) {
        return false;
    }
    pthread_once(&once, build);
    return kind_mask[k] == 0 || (kind_mask[k] & categories) != 0;
}

bool feed_field_sent(relais_kind k, size_t f, unsigned categories)
{
    if ((unsigned)k >= RELAIS_KIND_COUNT || f >= MAX_FIELDS) {
        return false;
    }
    pthread_once(&once, build);
    const relais_kind_info *ki = relais_kind_get(k);
    if (f < ki->n_fields && ki->fields[f].group == RELAIS_FG_KEY) {
        return true; /* keys identify the record */
    }
    return field_mask[k][f] == 0 || (field_mask[k][f] & categories) != 0;
}
