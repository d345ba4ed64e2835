/*
 * defects.c — `--defects`: a few deliberate inconsistencies per establishment,
 * of the kinds the checks (issue 7) must find, each listed with its ids in
 * defects.tsv so a test can assert that it is reported. Applied to the model
 * after it is built and before any file is written.
 */
#include "internal.h"

#include <string.h>

static void add_defect(gen_estab *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>

static void add_defect(gen_estab *e, const char *code, const char *fmt, ...)
{
    if (e->n_defects >= (int)UTIL_ARRAY_LEN(e->defects)) {
        return;
    }
    gen_defect *d = &e->defects[e->n_defects++];
    d->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->detail, sizeof d->detail, fmt, ap);
    va_end(ap);
}

static bool group_has_div(const gen_group *g, int d)
{
    for (int k = 0; k < g->n_divs; k++) {
        if (g->divs[k] == d) {
            return true;
        }
    }
    return false;
}

/* A student moved to another division of his level, keeping an LV2 group of the old one. */
static void moved_student(gen_estab *e)
{
    for (int i = 0; i < e->n_students; i++) {
        gen_student *s = &e->students[i];
        if (s->has_sortie || s->division < 0) {
            continue;
        }
        for (int k = 0; k < s->n_groups; k++) {
            const gen_group *g = &e->groups[s->groups[k]];
            if (g->kind != GEN_K_LV2) {
                continue;
            }
            for (int d = 0; d < e->n_divisions; d++) {
                if (d != s->division && e->divisions[d].level == s->level &&
                    !group_has_div(g, d) && !e->divisions[d].empty_defect) {
                    int old = s->division;
                    e->divisions[old].n_students--;
                    e->divisions[old].n_total--;
                    e->divisions[d].n_students++;
                    e->divisions[d].n_total++;
                    s->division = d;
                    add_defect(e, "groupe_ancienne_division", "%lld;%s;%s;%s",
                               (long long)s->eleve_id, e->divisions[old].code,
                               e->divisions[d].code, g->code);
                    return;
                }
            }
        }
    }
}

static int legal_links(const gen_estab *e, int student, int *out)
{
    int n = 0;
    for (int i = 0; i < e->n_links; i++) {
        if (e->links[i].student == student && e->links[i].niveau == 1 && n < 4) {
            out[n++] = i;
        }
    }
    return n;
}

/* Both legal guardians of one student without address. */
static void guardians_without_address(gen_estab *e)
{
    for (int i = e->n_students - 1; i >= 0; i--) {
        int l[4];
        if (e->students[i].has_sortie || legal_links(e, i, l) != 2) {
            continue;
        }
        gen_guardian *a = &e->guardians[e->links[l[0]].guardian];
        gen_guardian *b = &e->guardians[e->links[l[1]].guardian];
        if (a->address < 0 || b->address < 0 || a->n_children != 1 || b->n_children != 1) {
            continue;
        }
        a->address = -1;
        b->address = -1;
        add_defect(e, "responsables_sans_adresse", "%lld;%lld;%lld",
                   (long long)e->students[i].eleve_id, (long long)a->id, (long long)b->id);
        return;
    }
}

/* A division with no student (kept in Structures and STS-Web, absent from the timetable). */
static void empty_division(gen_estab *e)
{
    const gen_division *last = &e->divisions[e->n_divisions - 1];
    gen_division *d = &e->divisions[e->n_divisions];
    memset(d, 0, sizeof *d);
    d->level = last->level;
    d->pp = -1;
    d->empty_defect = true;
    const gen_level *lv = &gen_levels[d->level];
    snprintf(d->code, sizeof d->code, "%sZ", lv->tag);
    snprintf(d->libelle, sizeof d->libelle, "%s Z", lv->label);
    e->n_divisions++;
    add_defect(e, "division_sans_eleve", "%s", d->code);
}

/* Children of a guardian (legal or contact links) who stay in the establishment: a
 * defect on a leaver would be hidden by his departure. */
static int staying_children(const gen_estab *e, int guardian)
{
    int n = 0;
    for (int i = 0; i < e->n_links; i++) {
        n += e->links[i].guardian == guardian && e->links[i].niveau <= 2 &&
             !e->students[e->links[i].student].has_sortie;
    }
    return n;
}

/* The same parent twice: a second PERSONNE_ID spelled without accents, with one child. */
static int duplicate_guardian(gen_estab *e, const gen_ctx *c)
{
    (void)c;
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++) {
        for (int g = 0; g < e->n_guardians; g++) {
            const gen_guardian *p = &e->guardians[g];
            if (staying_children(e, g) >= 2 && (pass == 1 || gen_has_non_ascii(p->prenom))) {
                best = g;
                break;
            }
        }
    }
    if (best < 0) {
        return 0;
    }
    if (e->n_guardians + 1 > e->cap_guardians) {
        int cap = e->cap_guardians * 2 + 1;
        gen_guardian *ng = util_realloc(e->guardians, (size_t)cap * sizeof *ng);
        if (ng == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            return RELAIS_ENOMEM;
        }
        e->guardians = ng;
        e->cap_guardians = cap;
    }
    int dup = e->n_guardians++;
    e->guardians[dup] = e->guardians[best];
    gen_guardian *d = &e->guardians[dup];
    d->id = e->id_base * 3 + 5000000 + dup;
    d->dup_of = best;
    d->prenom = gen_has_non_ascii(d->prenom) ? gen_strip_accents(e->arena, d->prenom)
                                              : gen_upper(e->arena, d->prenom);
    d->n_children = 0;
    /* Move the link of the last child to the duplicate. */
    for (int i = e->n_links - 1; i >= 0; i--) {
        if (e->links[i].guardian == best && e->links[i].niveau <= 2 &&
            !e->students[e->links[i].student].has_sortie) {
            e->links[i].guardian = dup;
            e->guardians[best].n_children--;
            d->n_children++;
            add_defect(e, "responsable_en_double", "%lld;%lld;%lld",
                       (long long)e->guardians[best].id, (long long)d->id,
                       (long long)e->students[e->links[i].student].eleve_id);
            break;
        }
    }
    return 0;
}

/* A student whose only legal guardian was recorded as a mere contact. */
static void student_without_legal_guardian(gen_estab *e)
{
    for (int i = 0; i < e->n_students; i++) {
        int l[4];
        if (e->students[i].has_sortie || legal_links(e, i, l) != 1) {
            continue;
        }
        gen_link *k = &e->links[l[0]];
        if (e->guardians[k->guardian].n_children != 1) {
            continue;
        }
        bool other = false;
        for (int j = 0; j < e->n_links; j++) {
            other = other || (e->links[j].student == i && e->links[j].niveau == 2);
        }
        if (other) {
            continue;
        }
        k->niveau = 3;
        k->parente = 90;
        k->paie = k->percoit = false;
        e->guardians[k->guardian].n_children = 0;
        add_defect(e, "eleve_sans_responsable_legal", "%lld",
                   (long long)e->students[i].eleve_id);
        return;
    }
}

int gen_apply_defects(gen_estab *e, const gen_ctx *c, gen_rng *r)
{
    (void)r;
    moved_student(e);
    guardians_without_address(e);
    int rc = duplicate_guardian(e, c);
    if (rc < 0) {
        return rc;
    }
    student_without_legal_guardian(e);
    if (e->n_divisions > 0) {
        /* The timetable software calls the first division by its long label ("6EME A"). */
        add_defect(e, "libelle_division_different", "%s;%s", e->divisions[0].code,
                   e->divisions[0].libelle);
    }
    for (int g = 0; g < e->n_groups; g++) {
        if (e->groups[g].kind == GEN_K_LV2) {
            const gen_group *gr = &e->groups[g];
            add_defect(e, "code_groupe_trop_long", "%s;%s%s%s", gr->code,
                       gen_levels[gr->level].tag, gen_subjects[gr->subject].long_,
                       gr->code + strlen(gr->code) - 1);
            break;
        }
    }
    empty_division(e);
    return 0;
}

int gen_write_defects(const gen_estab *e, const char *dir, uint64_t *bytes)
{
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/defects.tsv", dir) < 0) {
        relais_error_set(_("%s : chemin trop long"), dir);
        return RELAIS_EINVALID;
    }
    gen_out o;
    int rc = gen_out_open_file(&o, path);
    if (rc < 0) {
        gen_out_abort(&o);
        return rc;
    }
    gen_out_puts(&o, "# Défauts injectés par relais gen --defects (voir docs/gen.md).\n");
    /* The check rule (docs/rules.md) expected to report each defect. */
    static const char *const rules[][2] = {
        {"groupe_ancienne_division", "ENT_GROUPE_ANCIENNE_DIVISION"},
        {"responsables_sans_adresse", "PREP_ADRESSES_MANQUANTES"},
        {"responsable_en_double", "ENT_RESPONSABLE_EN_DOUBLE"},
        {"eleve_sans_responsable_legal", "PREP_ELEVE_SANS_RESPONSABLE_LEGAL"},
        {"libelle_division_different", "PREP_LIBELLE_DIVISION"},
        {"code_groupe_trop_long", "STS_CODE_GROUPE_INVALIDE"},
        {"division_sans_eleve", "PREP_DIVISION_VIDE"}};
    gen_out_puts(&o, "code\tregle\tdetails\n");
    for (int k = 0; k < e->n_defects; k++) {
        const char *rule = "";
        for (size_t i = 0; i < UTIL_ARRAY_LEN(rules); i++) {
            if (strcmp(rules[i][0], e->defects[k].code) == 0) {
                rule = rules[i][1];
            }
        }
        gen_out_printf(&o, "%s\t%s\t%s\n", e->defects[k].code, rule, e->defects[k].detail);
    }
    return gen_out_close(&o, bytes);
}
