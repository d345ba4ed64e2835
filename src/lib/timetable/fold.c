/*
 * fold.c — folded forms of names for matching (timetable.h), and the kinds of
 * local names.
 *
 * Timetable software and STS-Web spell the same subject "Éducation physique
 * et sportive", "EDUCATION PHYSIQUE ET SPORTIVE" or "educ. physique & sport."
 * — the first two must meet, the third is left to a manual correspondence.
 * The text module folds (the same folding identity matching uses); spaces are
 * then dropped, so only letters and digits remain.
 */
#include "timetable.h"

#include <string.h>
#include <strings.h>

#include "text/text.h"

relais_kind timetable_kind_model(timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return RELAIS_KIND_SUBJECT;
    case TIMETABLE_STAFF: return RELAIS_KIND_STAFF;
    case TIMETABLE_DIVISION: return RELAIS_KIND_DIVISION;
    default: return RELAIS_KIND_GROUP;
    }
}

const char *timetable_kind_label(timetable_kind k)
{
    switch (k) {
    case TIMETABLE_SUBJECT: return _("matière");
    case TIMETABLE_STAFF: return _("enseignant");
    case TIMETABLE_DIVISION: return _("division");
    default: return _("groupe");
    }
}

bool timetable_kind_parse(timetable_kind *out, const char *s)
{
    static const struct {
        const char *word;
        timetable_kind kind;
    } words[] = {
        {"subject", TIMETABLE_SUBJECT},   {"matiere", TIMETABLE_SUBJECT},
        {"matieres", TIMETABLE_SUBJECT},  {"staff", TIMETABLE_STAFF},
        {"teacher", TIMETABLE_STAFF},     {"enseignant", TIMETABLE_STAFF},
        {"enseignants", TIMETABLE_STAFF}, {"professeur", TIMETABLE_STAFF},
        {"professeurs", TIMETABLE_STAFF}, {"prof", TIMETABLE_STAFF},
        {"division", TIMETABLE_DIVISION}, {"divisions", TIMETABLE_DIVISION},
        {"classe", TIMETABLE_DIVISION},   {"classes", TIMETABLE_DIVISION},
        {"group", TIMETABLE_GROUP},       {"groupe", TIMETABLE_GROUP},
        {"groupes", TIMETABLE_GROUP},     {"groups", TIMETABLE_GROUP},
    };
    if (s == NULL) {
        return false;
    }
    util_arena *a = NULL;
    if (util_arena_new(&a, 256) < 0) {
        return false;
    }
    const char *folded = timetable_fold(a, s);
    bool found = false;
    for (size_t i = 0; folded && i < UTIL_ARRAY_LEN(words) && !found; i++) {
        if (strcmp(folded, words[i].word) == 0) {
            *out = words[i].kind;
            found = true;
        }
    }
    util_arena_free(a);
    return found;
}

const char *timetable_fold(util_arena *arena, const char *s)
{
    /* The text module's folding (case, accents, ligatures, punctuation → spaces), then
     * without the spaces: "3 A" meets "3A", "Éduc. physique" meets "EDUC PHYSIQUE". */
    size_t len = 0;
    char *folded = text_fold_arena(arena, s ? s : "", s ? strlen(s) : 0, &len);
    if (folded == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (folded[i] != ' ') {
            folded[k++] = folded[i];
        }
    }
    folded[k] = '\0';
    return folded;
}
