/*
 * model.c — builds the in-memory model of one fictitious establishment:
 * divisions of 24 to 35 students per level, families (siblings, twins,
 * separated parents, third contacts), students with their options and groups
 * (LV2 groups drawing from pairs of divisions, Latin, lycée specialties in
 * barrettes), teachers whose services cover every division's programme, and a
 * clash-free weekly timetable for those services. The writers then stream it
 * to the files. All randomness comes from the establishment's own PRNG.
 */
#include "internal.h"

#include <string.h>

#define A(e) ((e)->arena)

/* ------------------------------------------------------------ helpers */

static int grow(void **arr, int *cap, int need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    int c = *cap ? *cap : 16;
    while (c < need) {
        c *= 2;
    }
    void *p = util_realloc(*arr, (size_t)c * elem);
    if (p == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    memset((char *)p + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
    *arr = p;
    *cap = c;
    return 0;
}

static util_date date_add(const util_date *d, int days)
{
    util_date r;
    util_date_from_days(util_date_days(d) + days, &r);
    return r;
}

static util_date random_day_of_year(gen_rng *r, int year)
{
    util_date d = {year, 1, 1};
    int len = util_date_valid(year, 2, 29) ? 366 : 365;
    return date_add(&d, (int)gen_rng_below(r, (uint64_t)len));
}

static util_date random_between(gen_rng *r, const util_date *a, const util_date *b)
{
    int64_t da = util_date_days(a), db = util_date_days(b);
    if (db <= da) {
        return *a;
    }
    util_date d;
    util_date_from_days(da + (int64_t)gen_rng_below(r, (uint64_t)(db - da + 1)), &d);
    return d;
}

/* A surname in its usual written form ("Lefèvre", "Le Gall", "D'Aubin"). */
static const char *draw_surname(gen_rng *r, const gen_names *n, util_arena *a)
{
    if (gen_rng_chance(r, 0.25)) {
        return gen_pick(r, &n->surnames);
    }
    const char *root = gen_pick(r, &n->roots);
    const char *end = gen_pick(r, &n->endings);
    const char *part = gen_pick(r, &n->particles);
    bool vowel = strchr("AEIOUaeiou", root[0]) != NULL;
    if (strcmp(part, "-") == 0) {
        return gen_aprintf(a, "%s%s", root, end);
    }
    size_t pl = strlen(part);
    if (pl > 0 && part[pl - 1] == '+') {
        char lower = (char)(root[0] >= 'A' && root[0] <= 'Z' ? root[0] + 32 : root[0]);
        return gen_aprintf(a, "%.*s%c%s%s", (int)(pl - 1), part, lower, root + 1, end);
    }
    if (strcmp(part, "De") == 0 && vowel) {
        return gen_aprintf(a, "D'%s%s", root, end);
    }
    return gen_aprintf(a, "%s %s%s", part, root, end);
}

/* How SIECLE shows a surname: upper case, accents kept or not (per person). */
static const char *siecle_surname(util_arena *a, const char *usual, bool keep_accents)
{
    return gen_upper(a, keep_accents ? usual : gen_strip_accents(a, usual));
}

static const char *draw_first(gen_rng *r, const gen_names *n, int gen, int sex)
{
    return gen_pick(r, &n->first[gen][sex]);
}

/* Fictitious phone numbers: all in 01 99, the range ARCEP keeps for fiction. */
static const char *draw_phone(gen_rng *r, util_arena *a)
{
    return gen_aprintf(a, "+33199%06u", (unsigned)gen_rng_below(r, 1000000));
}

static const char *email_part(util_arena *a, const char *s)
{
    const char *f = gen_strip_accents(a, s);
    size_t n = strlen(f);
    char *out = util_arena_alloc(a, n + 1);
    if (out == NULL) {
        return "x";
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = f[i];
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch + 32);
        }
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            out[k++] = ch;
        } else if ((ch == ' ' || ch == '-' || ch == '\'') && k > 0 && out[k - 1] != '-') {
            out[k++] = '-';
        }
    }
    out[k] = '\0';
    return out;
}

/* E-mails only in the domains reserved for examples (RFC 2606). */
static const char *draw_email(gen_rng *r, util_arena *a, const char *prenom, const char *nom)
{
    static const char *const domains[] = {"example.org", "example.com", "example.net"};
    const char *d = domains[gen_rng_below(r, 3)];
    const char *p = email_part(a, prenom), *n = email_part(a, nom);
    switch (gen_rng_below(r, 4)) {
    case 0: return gen_aprintf(a, "%s.%s@%s", p, n, d);
    case 1: return gen_aprintf(a, "%c%s@%s", p[0] ? p[0] : 'x', n, d);
    case 2: return gen_aprintf(a, "%s.%s%u@%s", p, n, (unsigned)gen_rng_below(r, 100), d);
    default: return gen_aprintf(a, "%s%s@%s", n, p, d);
    }
}

/* ----------------------------------------------------------- addresses */

static int new_address(gen_estab *e, const gen_ctx *c, gen_rng *r, int *out)
{
    if (grow((void **)&e->addresses, &e->cap_addresses, e->n_addresses + 1,
             sizeof *e->addresses) < 0) {
        return RELAIS_ENOMEM;
    }
    gen_address *ad = &e->addresses[e->n_addresses];
    ad->id = e->id_base * 3 + 20000000 + e->n_addresses;
    const gen_names *n = c->names;
    if (gen_rng_chance(r, 0.008)) {
        static const char *const cities[][3] = {{"GENÈVE", "140", "SUISSE"},
                                                {"BRUXELLES", "131", "BELGIQUE"},
                                                {"LONDRES", "132", "ROYAUME-UNI"},
                                                {"MONTRÉAL", "401", "CANADA"}};
        int k = (int)gen_rng_below(r, 4);
        ad->l1 = gen_aprintf(A(e), "%u %s", (unsigned)gen_rng_range(r, 1, 120),
                             k == 2 ? "HIGH STREET" : "RUE DU LAC");
        ad->foreign_city = cities[k][0];
        ad->pays = cities[k][1];
        ad->ll_pays = cities[k][2];
        ad->l2 = ad->l3 = ad->l4 = "";
    } else {
        int ci = (int)gen_rng_pick_cum(r, n->communes.cum, n->communes.n);
        const char *street = gen_pick(r, &n->streets);
        unsigned num = (unsigned)gen_rng_range(r, 1, 180);
        const char *bis = gen_rng_chance(r, 0.04) ? " BIS" : "";
        const char *line = gen_aprintf(A(e), "%u%s %s", num, bis, street);
        /* Most addresses are typed in capitals; some keep the usual case. */
        ad->l1 = gen_rng_chance(r, 0.85) ? gen_upper(A(e), line) : line;
        ad->l2 = gen_rng_chance(r, 0.12)
                     ? gen_aprintf(A(e), "BÂT. %c APPT %u", 'A' + (int)gen_rng_below(r, 6),
                                   (unsigned)gen_rng_range(r, 1, 80))
                     : "";
        ad->l3 = "";
        ad->l4 = "";
        ad->cp = n->commune_cp[ci];
        ad->insee = n->commune_insee[ci];
        ad->commune = n->commune_name[ci];
        ad->dept = gen_aprintf(A(e), "0%.2s", ad->insee);
        ad->pays = "100";
        ad->ll_pays = "FRANCE";
    }
    if (ad->l1 == NULL || ad->l2 == NULL) {
        return RELAIS_ENOMEM;
    }
    *out = e->n_addresses++;
    return 0;
}

/* ------------------------------------------------------------ guardians */

static int new_guardian(gen_estab *e, const gen_ctx *c, gen_rng *r, int sexe, const char *usual,
                        bool accents, int family, int *out)
{
    if (grow((void **)&e->guardians, &e->cap_guardians, e->n_guardians + 1,
             sizeof *e->guardians) < 0) {
        return RELAIS_ENOMEM;
    }
    gen_guardian *g = &e->guardians[e->n_guardians];
    g->id = e->id_base * 3 + 5000000 + e->n_guardians;
    g->sexe = sexe;
    g->nom = siecle_surname(A(e), usual, accents);
    g->nom_usage = NULL;
    const char *p = draw_first(r, c->names, GEN_GEN_ADULT, sexe);
    g->prenom = gen_rng_chance(r, 0.04) ? gen_upper(A(e), p) : p;
    g->birth = random_day_of_year(r, c->opts->year - gen_rng_range(r, 30, 56));
    g->address = -1;
    g->tel_perso = gen_rng_chance(r, 0.3) ? draw_phone(r, A(e)) : NULL;
    g->tel_port = gen_rng_chance(r, 0.9) ? draw_phone(r, A(e)) : NULL;
    g->tel_pro = gen_rng_chance(r, 0.25) ? draw_phone(r, A(e)) : NULL;
    g->mel = gen_rng_chance(r, 0.8) ? draw_email(r, A(e), p, usual) : NULL;
    static const int prof[] = {10, 21, 22, 23, 31, 33, 34, 35, 37, 38, 42, 43, 45, 46, 47,
                               48, 52, 53, 54, 55, 56, 62, 63, 64, 65, 67, 68, 69, 81, 85, 99};
    g->profession = prof[gen_rng_below(r, UTIL_ARRAY_LEN(prof))];
    g->accepte_sms = g->tel_port != NULL && gen_rng_chance(r, 0.7);
    g->communication = gen_rng_chance(r, 0.6);
    g->family = family;
    g->dup_of = -1;
    *out = e->n_guardians++;
    return 0;
}

static int add_link(gen_estab *e, int student, int guardian, int niveau, int parente, bool heberge,
                    bool paie)
{
    if (grow((void **)&e->links, &e->cap_links, e->n_links + 1, sizeof *e->links) < 0) {
        return RELAIS_ENOMEM;
    }
    gen_link *l = &e->links[e->n_links++];
    l->student = student;
    l->guardian = guardian;
    l->niveau = niveau;
    l->parente = parente;
    l->heberge = heberge;
    l->paie = paie;
    l->percoit = paie;
    l->prioritaire = paie;
    if (niveau <= 2) {
        e->guardians[guardian].n_children++;
    }
    return 0;
}

/* --------------------------------------------------------- structures */

static int level_first(const gen_estab *e)
{
    return e->type == GEN_COLLEGE ? 0 : 4;
}

static int level_count(const gen_estab *e)
{
    return e->type == GEN_COLLEGE ? 4 : 3;
}

static void division_code(gen_division *d, int style, const gen_level *lv, int k)
{
    k %= 26;
    char letter = (char)('A' + k);
    switch (style) {
    case 0: snprintf(d->code, sizeof d->code, "%s%c", lv->tag, letter); break;
    case 1: snprintf(d->code, sizeof d->code, "%s %c", lv->tag, letter); break;
    case 2:
        snprintf(d->code, sizeof d->code, "%s%s%d", lv->tag,
                 strcmp(lv->tag, "2") == 0 ? "ND" : (lv->tag[0] >= '3' ? "E" : "G"), k + 1);
        break;
    default: snprintf(d->code, sizeof d->code, "%s%02d", lv->tag, k + 1); break;
    }
    if (style == 2 || style == 3) {
        snprintf(d->libelle, sizeof d->libelle, "%s %d", lv->label, k + 1);
    } else {
        snprintf(d->libelle, sizeof d->libelle, "%s %c", lv->label, letter);
    }
}

static int new_group(gen_estab *e, int level, int subject, int kind, int barrette, int *out)
{
    if (grow((void **)&e->groups, &e->cap_groups, e->n_groups + 1, sizeof *e->groups) < 0) {
        return RELAIS_ENOMEM;
    }
    gen_group *g = &e->groups[e->n_groups];
    g->level = level;
    g->subject = subject;
    g->kind = kind;
    g->barrette = barrette;
    *out = e->n_groups++;
    return 0;
}

static void group_add_student(gen_estab *e, int gi, int si)
{
    gen_group *g = &e->groups[gi];
    gen_student *s = &e->students[si];
    if (s->n_groups < GEN_MAX_GROUPS) {
        s->groups[s->n_groups++] = gi;
    }
    g->n_students++;
    int d = s->division;
    for (int k = 0; k < g->n_divs; k++) {
        if (g->divs[k] == d) {
            g->div_count[k]++;
            return;
        }
    }
    if (g->n_divs < GEN_GROUP_DIVS) {
        g->divs[g->n_divs] = d;
        g->div_count[g->n_divs] = 1;
        g->n_divs++;
    }
}

static void group_names(gen_estab *e, int gi, const char *suffix, int number)
{
    gen_group *g = &e->groups[gi];
    const gen_level *lv = &gen_levels[g->level];
    const gen_subject *sub = &gen_subjects[g->subject];
    snprintf(g->code, sizeof g->code, "%s%s%s%d", lv->tag, sub->short3, suffix, number);
    snprintf(g->libelle, sizeof g->libelle, "%s %s %s%d", lv->label, sub->gestion, suffix,
             number);
}

/* Split the students `idx` (all of one level, already in a group set) into
 * ceil(n / max) groups of near-equal size. */
static int make_groups(gen_estab *e, const int *idx, int n, int level, int subject, int kind,
                       int barrette, const char *suffix, int *counter, int max)
{
    if (n <= 0) {
        return 0;
    }
    int ng = (n + max - 1) / max;
    int first = e->n_groups;
    for (int k = 0; k < ng; k++) {
        int gi;
        if (new_group(e, level, subject, kind, barrette, &gi) < 0) {
            return RELAIS_ENOMEM;
        }
        group_names(e, gi, suffix, ++*counter);
    }
    for (int i = 0; i < n; i++) {
        group_add_student(e, first + i % ng, idx[i]);
    }
    return 0;
}

/* ------------------------------------------------------------ students */

static void draw_ine(gen_rng *r, char out[12])
{
    /* 9 digits + 2 letters like an INE-RNIE; starting with 9 so no real one. */
    out[0] = '9';
    for (int i = 1; i < 9; i++) {
        out[i] = (char)('0' + gen_rng_below(r, 10));
    }
    out[9] = (char)('A' + gen_rng_below(r, 26));
    out[10] = (char)('A' + gen_rng_below(r, 26));
    out[11] = '\0';
}

typedef struct fam {
    const char *father, *mother; /* usual surnames */
    bool accents;
    int kind;     /* 0 couple, 1 separated, 2 mother alone, 3 father alone, 4 tutor/ASE */
    int g[5];     /* guardians: father, mother, contact, tutor, step-parent (-1 none) */
    int addr[2];
    bool married;
    int n_children;
} fam;

static int build_family_guardians(gen_estab *e, const gen_ctx *c, gen_rng *r, fam *f, int fi)
{
    int rc = 0;
    for (int k = 0; k < 5; k++) {
        f->g[k] = -1;
    }
    f->addr[0] = f->addr[1] = -1;
    if ((rc = new_address(e, c, r, &f->addr[0])) < 0) {
        return rc;
    }
    if (f->kind == 1 && (rc = new_address(e, c, r, &f->addr[1])) < 0) {
        return rc;
    }
    if (f->kind == 0 || f->kind == 1 || f->kind == 3) {
        if ((rc = new_guardian(e, c, r, 1, f->father, f->accents, fi, &f->g[0])) < 0) {
            return rc;
        }
        e->guardians[f->g[0]].address = f->kind == 1 ? f->addr[1] : f->addr[0];
    }
    if (f->kind == 0 || f->kind == 1 || f->kind == 2) {
        if ((rc = new_guardian(e, c, r, 2, f->mother, f->accents, fi, &f->g[1])) < 0) {
            return rc;
        }
        gen_guardian *m = &e->guardians[f->g[1]];
        m->address = f->addr[0];
        if (f->married) {
            m->nom_usage = e->guardians[f->g[0]].nom;
        }
    }
    if (f->kind == 4) {
        const char *usual = draw_surname(r, c->names, A(e));
        if ((rc = new_guardian(e, c, r, gen_rng_chance(r, 0.7) ? 2 : 1, usual, true, fi,
                               &f->g[3])) < 0) {
            return rc;
        }
        e->guardians[f->g[3]].address = f->addr[0];
    }
    if (f->kind == 1 && gen_rng_chance(r, 0.12)) {
        int sexe = gen_rng_chance(r, 0.8) ? 1 : 2;
        if ((rc = new_guardian(e, c, r, sexe, draw_surname(r, c->names, A(e)), f->accents, fi,
                               &f->g[4])) < 0) {
            return rc;
        }
        e->guardians[f->g[4]].address = f->addr[0];
    }
    /* A third contact (grand-parent, other relative), sometimes without address. */
    if (gen_rng_chance(r, 0.15)) {
        int sexe = gen_rng_chance(r, 0.65) ? 2 : 1;
        const char *usual = gen_rng_chance(r, 0.5) ? f->father : draw_surname(r, c->names, A(e));
        if ((rc = new_guardian(e, c, r, sexe, usual, f->accents, fi, &f->g[2])) < 0) {
            return rc;
        }
        gen_guardian *t = &e->guardians[f->g[2]];
        t->birth = random_day_of_year(r, c->opts->year - gen_rng_range(r, 55, 80));
        if (gen_rng_chance(r, 0.6)) {
            int ad;
            if ((rc = new_address(e, c, r, &ad)) < 0) {
                return rc;
            }
            t->address = ad;
        }
        t->mel = NULL;
        t->communication = false;
    }
    return 0;
}

static int link_child(gen_estab *e, gen_rng *r, fam *f, int si)
{
    gen_student *s = &e->students[si];
    int rc = 0;
    bool lives_with_mother = f->kind != 1 || gen_rng_chance(r, 0.7);
    if (f->g[0] >= 0) {
        bool heb = f->kind != 1 || !lives_with_mother;
        if ((rc = add_link(e, si, f->g[0], 1, 20, heb, gen_rng_chance(r, 0.5))) < 0) {
            return rc;
        }
    }
    if (f->g[1] >= 0) {
        bool heb = f->kind != 1 || lives_with_mother;
        if ((rc = add_link(e, si, f->g[1], 1, 10, heb, f->g[0] < 0 || gen_rng_chance(r, 0.5))) <
            0) {
            return rc;
        }
    }
    if (f->g[3] >= 0) {
        /* A tutor or the child welfare service is the legal guardian. */
        int parente = gen_rng_chance(r, 0.5) ? 50 : 51;
        if ((rc = add_link(e, si, f->g[3], 1, parente, true, true)) < 0) {
            return rc;
        }
    }
    if (f->g[4] >= 0) {
        /* A step-parent living with the child: "personne en charge". */
        if ((rc = add_link(e, si, f->g[4], 2, 90, lives_with_mother, false)) < 0) {
            return rc;
        }
    }
    if (f->g[2] >= 0) {
        int parente = gen_rng_chance(r, 0.7) ? 38 : (gen_rng_chance(r, 0.5) ? 39 : 90);
        if ((rc = add_link(e, si, f->g[2], 3, parente, false, false)) < 0) {
            return rc;
        }
    }
    s->address = f->kind == 1 && !lives_with_mother ? f->addr[1] : f->addr[0];
    return 0;
}

static const char *const motifs[] = {"10", "10", "11", "12", "12", "13", "14", "19",
                                     "24", "27", "40", "42"};

typedef struct birthplace {
    const char *pays, *ville, *nat;
} birthplace;

static const birthplace abroad[] = {
    {"132", "LONDRES", "132"},   {"352", "ALGER", "352"},      {"350", "CASABLANCA", "350"},
    {"351", "TUNIS", "351"},     {"139", "LISBONNE", "139"},   {"134", "MADRID", "134"},
    {"131", "BRUXELLES", "131"}, {"109", "BERLIN", "109"},     {"127", "ROME", "127"},
    {"341", "DAKAR", "341"},     {"401", "MONTRÉAL", "100"},   {"243", "HANOÏ", "100"}};

static const char *const other_births[][2] = {{"075", "75056"}, {"013", "13055"}, {"038", "38185"},
                                              {"042", "42218"}, {"001", "01053"}, {"033", "33063"},
                                              {"059", "59350"}, {"031", "31555"}, {"067", "67482"},
                                              {"044", "44109"}};

static void student_identity(gen_estab *e, const gen_ctx *c, gen_rng *r, gen_student *s,
                             const fam *f)
{
    const gen_names *n = c->names;
    int year = c->opts->year;
    s->sexe = gen_rng_chance(r, 0.51) ? 1 : 2;
    double u = gen_rng_unit(r);
    s->n_prenoms = u < 0.25 ? 1 : (u < 0.75 ? 2 : 3);
    for (int k = 0; k < s->n_prenoms; k++) {
        const char *p = NULL;
        for (int tries = 0; tries < 8; tries++) {
            p = draw_first(r, n, k == 0 ? GEN_GEN_STUDENT : (gen_rng_chance(r, 0.5)
                                                                 ? GEN_GEN_STUDENT
                                                                 : GEN_GEN_ADULT),
                           s->sexe);
            bool dup = false;
            for (int j = 0; j < k; j++) {
                dup = dup || strcmp(s->prenom[j], p) == 0;
            }
            if (!dup) {
                break;
            }
        }
        s->prenom[k] = p;
    }
    if (gen_rng_chance(r, 0.03)) {
        s->prenom[0] = gen_upper(A(e), s->prenom[0]);
    }
    /* Birth name: the father's mostly; the mother's alone; both joined by "--". */
    const char *usual;
    if (f->kind == 2 || (f->kind != 3 && gen_rng_chance(r, 0.05))) {
        usual = f->mother;
    } else if (f->kind != 2 && f->kind != 3 && gen_rng_chance(r, 0.07)) {
        usual = gen_aprintf(A(e), "%s--%s", f->father, f->mother);
    } else {
        usual = f->father;
    }
    s->nom = siecle_surname(A(e), usual, f->accents);
    s->nom_usage = NULL;
    if (f->kind <= 1 && strcmp(usual, f->father) == 0 && gen_rng_chance(r, 0.03)) {
        s->nom_usage = siecle_surname(A(e), gen_aprintf(A(e), "%s-%s", f->father, f->mother),
                                      f->accents);
    }
    /* Birth year from the level; ~8 % a year older (some repeating), 1 % a year younger. */
    const gen_level *lv = &gen_levels[s->level];
    int by = year - lv->age;
    double a = gen_rng_unit(r);
    if (a < 0.08) {
        by--;
        s->doublement = gen_rng_chance(r, 0.25);
    } else if (a < 0.09) {
        by++;
    }
    s->birth = random_day_of_year(r, by);
    if (gen_rng_chance(r, 0.95)) {
        s->pays_naiss = "100";
        s->nationalite = gen_rng_chance(r, 0.97) ? "100" : abroad[gen_rng_below(r, 10)].nat;
        if (gen_rng_chance(r, 0.75)) {
            int ci = (int)gen_rng_pick_cum(r, n->communes.cum, n->communes.n);
            s->commune_naiss = n->commune_insee[ci];
            s->dept_naiss = "069";
        } else {
            size_t k = gen_rng_below(r, UTIL_ARRAY_LEN(other_births));
            s->dept_naiss = other_births[k][0];
            s->commune_naiss = other_births[k][1];
        }
        s->ville_naiss = "";
    } else {
        const birthplace *b = &abroad[gen_rng_below(r, UTIL_ARRAY_LEN(abroad))];
        s->pays_naiss = b->pays;
        s->ville_naiss = b->ville;
        s->nationalite = b->nat;
    }
    if (!gen_rng_chance(r, 0.012)) {
        draw_ine(r, s->ine);
        if (gen_rng_chance(r, 0.3)) {
            for (int i = 0; i < 10; i++) {
                s->ine_bea[i] = (char)('0' + gen_rng_below(r, 10));
            }
            s->ine_bea[0] = '9';
            s->ine_bea[10] = (char)('A' + gen_rng_below(r, 26));
            s->ine_bea[11] = '\0';
        }
    }
    if (e->type == GEN_LYCEE || s->level == 3) {
        s->tel_port = gen_rng_chance(r, 0.55) ? draw_phone(r, A(e)) : NULL;
        s->mel = gen_rng_chance(r, 0.3)
                     ? draw_email(r, A(e), s->prenom[0], usual)
                     : NULL;
    }
    s->sms = s->tel_port != NULL && gen_rng_chance(r, 0.5);
    double g = gen_rng_unit(r);
    if (e->type == GEN_COLLEGE) {
        s->regime = g < 0.72 ? 2 : (g < 0.97 ? 0 : 29);
    } else {
        s->regime = g < 0.6 ? 2 : (g < 0.93 ? 0 : (g < 0.98 ? 3 : 29));
    }
    s->transport = gen_rng_chance(r, 0.2);
}

/* Levels' enrolment: split n into the levels with small realistic differences. */
static void split_levels(gen_estab *e, gen_rng *r, int n, int *out)
{
    double w[4] = {1.03, 1.0, 0.99, 0.98};
    double wl[3] = {1.08, 1.0, 0.95};
    int nl = level_count(e);
    double tot = 0, ws[4];
    for (int k = 0; k < nl; k++) {
        ws[k] = (e->type == GEN_COLLEGE ? w[k] : wl[k]) * (0.95 + 0.1 * gen_rng_unit(r));
        tot += ws[k];
    }
    int given = 0;
    for (int k = 0; k < nl; k++) {
        out[k] = (int)(n * ws[k] / tot);
        given += out[k];
    }
    for (int k = 0; given < n; k = (k + 1) % nl) {
        out[k]++;
        given++;
    }
}

static int n_divisions_for(int n)
{
    if (n <= 35) {
        return 1;
    }
    int d = (n + 28) / 29;
    while (d > 1 && n / d < 24) {
        d--;
    }
    while ((n + d - 1) / d > 35) {
        d++;
    }
    return d;
}

/* ---------------------------------------------------------- services */

static int pool_of(int subject)
{
    const char *g = gen_subjects[subject].gestion;
    if (strcmp(g, "EMC") == 0 || strcmp(g, "HGGSP") == 0) {
        return gen_subject_index("HI-GE");
    }
    if (strcmp(g, "G-SCI") == 0) {
        return gen_subject_index("PH-CH");
    }
    if (strcmp(g, "LCALA") == 0) {
        return gen_subject_index("FRANC");
    }
    return subject;
}

static int add_service(gen_estab *e, int subject, bool is_group, int structure, int hours2,
                       int barrette)
{
    if (grow((void **)&e->services, &e->cap_services, e->n_services + 1, sizeof *e->services) <
        0) {
        return RELAIS_ENOMEM;
    }
    gen_service *s = &e->services[e->n_services++];
    s->subject = subject;
    s->is_group = is_group;
    s->structure = structure;
    s->hours2 = hours2;
    s->teacher = -1;
    s->barrette = barrette;
    return 0;
}

static int new_teacher(gen_estab *e, const gen_ctx *c, gen_rng *r, int subject,
                       const char *fonction, int *out)
{
    if (grow((void **)&e->teachers, &e->cap_teachers, e->n_teachers + 1, sizeof *e->teachers) <
        0) {
        return RELAIS_ENOMEM;
    }
    gen_teacher *t = &e->teachers[e->n_teachers];
    t->id = e->id_base / 4 + 9000000 + e->index * 40 + e->n_teachers;
    t->sexe = gen_rng_chance(r, 0.6) ? 2 : 1;
    bool accents = gen_rng_chance(r, 0.6);
    const char *usual = draw_surname(r, c->names, A(e));
    t->nom = siecle_surname(A(e), usual, accents);
    t->nom_usage = t->nom;
    if (t->sexe == 2 && gen_rng_chance(r, 0.45)) {
        t->nom_usage = siecle_surname(A(e), draw_surname(r, c->names, A(e)), accents);
    }
    t->prenom = draw_first(r, c->names, GEN_GEN_ADULT, t->sexe);
    t->birth = random_day_of_year(r, c->opts->year - gen_rng_range(r, 24, 63));
    t->subject = subject;
    t->fonction = fonction;
    double u = gen_rng_unit(r);
    if (strcmp(fonction, "ENS") == 0) {
        if (u < (e->type == GEN_LYCEE ? 0.22 : 0.06)) {
            t->grade = "AGREGE CLN";
            t->capacity2 = 30;
        } else if (u < 0.9) {
            t->grade = u < 0.8 ? "CERT. CL N" : "CERT. HCL";
            t->capacity2 = 36;
        } else {
            t->grade = "CONTRACT.";
            t->capacity2 = gen_rng_chance(r, 0.5) ? 18 : 36;
        }
        if (gen_rng_chance(r, 0.12)) {
            t->capacity2 += 2; /* one overtime hour */
        }
    } else if (strcmp(fonction, "DIR") == 0) {
        t->grade = "PERS.DIR.";
    } else if (strcmp(fonction, "EDU") == 0) {
        t->grade = "CPE CL N";
    } else {
        t->grade = "CERT. CL N";
    }
    snprintf(t->room, sizeof t->room, "%c%d%02d", "ABCD"[e->n_teachers % 4],
             1 + (e->n_teachers / 4) % 3, e->n_teachers % 40);
    *out = e->n_teachers++;
    return 0;
}

static bool teacher_has_barrette(const gen_estab *e, int t, int barrette)
{
    if (barrette < 0) {
        return false;
    }
    for (int i = 0; i < e->n_services; i++) {
        if (e->services[i].teacher == t && e->services[i].barrette == barrette) {
            return true;
        }
    }
    return false;
}

static int assign_teachers(gen_estab *e, const gen_ctx *c, gen_rng *r)
{
    int n_sub = (int)gen_n_subjects;
    for (int pool = 0; pool < n_sub; pool++) {
        int first_t = e->n_teachers;
        for (int i = 0; i < e->n_services; i++) {
            gen_service *s = &e->services[i];
            if (pool_of(s->subject) != pool) {
                continue;
            }
            int chosen = -1;
            for (int t = first_t; t < e->n_teachers && chosen < 0; t++) {
                gen_teacher *tt = &e->teachers[t];
                if (tt->hours2 + s->hours2 <= tt->capacity2 &&
                    !teacher_has_barrette(e, t, s->barrette)) {
                    chosen = t;
                }
            }
            if (chosen < 0) {
                int rc = new_teacher(e, c, r, pool, "ENS", &chosen);
                if (rc < 0) {
                    return rc;
                }
                s = &e->services[i];
            }
            s->teacher = chosen;
            e->teachers[chosen].hours2 += s->hours2;
        }
    }
    return 0;
}

/* ---------------------------------------------------------- timetable */

/* Sessions in half-hours from 08:00: morning [0, 8), afternoon [11, 19);
 * the fallback pass also allows [19, 21) and Wednesday afternoon. */
static bool fits(int day, int start, int len, bool relaxed)
{
    int end = start + len;
    if (start >= 0 && end <= 8) {
        return true;
    }
    if (start >= 11 && end <= (relaxed ? 21 : 19)) {
        return day != 3 || relaxed;
    }
    return false;
}

static uint32_t mask_of(int start, int len)
{
    return ((1u << len) - 1u) << start;
}

static int split_chunks(int hours2, bool big, int *chunks)
{
    int n = 0;
    while (hours2 > 0 && n < 16) {
        int c = (big && hours2 >= 4) ? 4 : (hours2 == 3 ? 3 : (hours2 >= 2 ? 2 : 1));
        chunks[n++] = c;
        hours2 -= c;
    }
    return n;
}

/* Divisions a service occupies: its division, or every division of its group. */
static int service_divs(const gen_estab *e, const gen_service *s, int *out)
{
    if (!s->is_group) {
        out[0] = s->structure;
        return 1;
    }
    const gen_group *g = &e->groups[s->structure];
    for (int k = 0; k < g->n_divs; k++) {
        out[k] = g->divs[k];
    }
    return g->n_divs;
}

static int add_course(gen_estab *e, gen_service *s, int day, int start, int len)
{
    gen_course *nc = util_arena_alloc(A(e), (size_t)(s->n_courses + 1) * sizeof *nc);
    if (nc == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    if (s->n_courses > 0) {
        memcpy(nc, s->courses, (size_t)s->n_courses * sizeof *nc);
    }
    nc[s->n_courses] = (gen_course){day, start, len};
    s->courses = nc;
    s->n_courses++;
    return 0;
}

/* Place one chunk for the services `sv[0..n)` at the same time. */
static int place_chunk(gen_estab *e, gen_rng *r, int *sv, int n, int len, uint32_t subject_days)
{
    int divs[GEN_GROUP_DIVS * 2], nd = 0;
    for (int i = 0; i < n; i++) {
        int tmp[GEN_GROUP_DIVS];
        int k = service_divs(e, &e->services[sv[i]], tmp);
        for (int j = 0; j < k; j++) {
            bool seen = false;
            for (int z = 0; z < nd && !seen; z++) {
                seen = divs[z] == tmp[j];
            }
            if (!seen && nd < (int)UTIL_ARRAY_LEN(divs)) {
                divs[nd++] = tmp[j];
            }
        }
    }
    int days[5] = {1, 2, 3, 4, 5};
    gen_rng_shuffle(r, days, 5);
    for (int pass = 0; pass < 3; pass++) {
        bool relaxed = pass == 2;
        for (int di = 0; di < 5; di++) {
            int day = days[di];
            if (pass == 0 && (subject_days & (1u << day))) {
                continue;
            }
            for (int start = 0; start < 21; start++) {
                if (!fits(day, start, len, relaxed)) {
                    continue;
                }
                uint32_t m = mask_of(start, len);
                bool ok = true;
                for (int k = 0; k < nd && ok; k++) {
                    ok = (e->div_busy[divs[k]][day] & m) == 0;
                }
                for (int i = 0; i < n && ok; i++) {
                    ok = (e->teachers[e->services[sv[i]].teacher].busy[day] & m) == 0;
                }
                if (!ok) {
                    continue;
                }
                for (int k = 0; k < nd; k++) {
                    e->div_busy[divs[k]][day] |= m;
                }
                for (int i = 0; i < n; i++) {
                    gen_service *s = &e->services[sv[i]];
                    e->teachers[s->teacher].busy[day] |= m;
                    int rc = add_course(e, s, day, start, len);
                    if (rc < 0) {
                        return rc;
                    }
                }
                return day;
            }
        }
    }
    for (int i = 0; i < n; i++) {
        e->services[sv[i]].n_unplaced++;
    }
    return 0;
}

static int build_timetable(gen_estab *e, gen_rng *r)
{
    e->div_busy = util_calloc((size_t)e->n_divisions + 1, sizeof *e->div_busy);
    if (e->div_busy == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    int *sv = util_malloc(((size_t)e->n_services + 1) * sizeof *sv);
    if (sv == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    int rc = 0;
    /* Barrettes first: groups taught at the same time, blocking their divisions. */
    for (int b = 0; b < e->n_barrettes && rc >= 0; b++) {
        int n = 0;
        for (int i = 0; i < e->n_services; i++) {
            if (e->services[i].barrette == b) {
                sv[n++] = i;
            }
        }
        if (n == 0) {
            continue;
        }
        const gen_service *s0 = &e->services[sv[0]];
        int chunks[16];
        int nc = split_chunks(s0->hours2, e->groups[s0->structure].kind == GEN_K_SPE, chunks);
        uint32_t daysmask = 0;
        for (int k = 0; k < nc && rc >= 0; k++) {
            rc = place_chunk(e, r, sv, n, chunks[k], daysmask);
            if (rc > 0) {
                daysmask |= 1u << rc;
                rc = 0;
            }
        }
    }
    /* Then division courses, longest chunks first, in a shuffled order. */
    int n = 0;
    for (int i = 0; i < e->n_services; i++) {
        if (e->services[i].barrette < 0) {
            sv[n++] = i;
        }
    }
    gen_rng_shuffle(r, sv, (size_t)n);
    for (int pass = 4; pass >= 1 && rc >= 0; pass--) {
        for (int j = 0; j < n && rc >= 0; j++) {
            gen_service *s = &e->services[sv[j]];
            bool eps = strcmp(gen_subjects[s->subject].gestion, "EPS") == 0;
            int chunks[16];
            int nc = split_chunks(s->hours2, eps, chunks);
            uint32_t daysmask = 0;
            for (int k = 0; k < s->n_courses; k++) {
                daysmask |= 1u << s->courses[k].day;
            }
            for (int k = 0; k < nc && rc >= 0; k++) {
                if (chunks[k] != pass) {
                    continue;
                }
                int one = sv[j];
                rc = place_chunk(e, r, &one, 1, chunks[k], daysmask);
                if (rc > 0) {
                    daysmask |= 1u << rc;
                    rc = 0;
                }
            }
        }
    }
    util_free(sv);
    return rc;
}

/* ------------------------------------------------------------- build */

static int find_unassigned(const int *list, int n, int *cursor, const int *family)
{
    while (*cursor < n && family[list[*cursor]] >= 0) {
        (*cursor)++;
    }
    return *cursor < n ? list[*cursor] : -1;
}

/* Assign barrettes of specialties so that a student's ones are all distinct. */
static void spe_barrettes(const int *spe, int n_spe, int (*cnt)[8], int *out)
{
    static const int perms3[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    static const int perms2[2][3] = {{0, 1, 0}, {1, 0, 0}};
    int np = n_spe == 3 ? 6 : 2;
    int best = 0, best_score = -1000000;
    for (int p = 0; p < np; p++) {
        int score = 0;
        for (int k = 0; k < n_spe; k++) {
            int b = n_spe == 3 ? perms3[p][k] : perms2[p][k];
            int c = cnt[b][spe[k]];
            score += (c % 35 != 0) ? 100 : 0; /* fill an open group first */
            score -= c;                       /* then balance */
        }
        if (score > best_score) {
            best_score = score;
            best = p;
        }
    }
    for (int k = 0; k < n_spe; k++) {
        out[k] = n_spe == 3 ? perms3[best][k] : perms2[best][k];
    }
}

int gen_model_build(gen_estab *e, const gen_ctx *c, gen_rng *r)
{
    int rc = util_arena_new(&e->arena, 256 * 1024);
    if (rc < 0) {
        return rc;
    }
    const gen_options *o = c->opts;
    int n = e->n_target;
    int n_leavers = n >= 50 ? (int)(n * 0.02 + 0.5) : 0;
    int n_unplaced = (n >= 200 && gen_rng_chance(r, 0.5)) ? 1 : 0;
    int n_placed = n - n_leavers - n_unplaced;
    e->students = util_calloc((size_t)n + 1, sizeof *e->students);
    int *family = util_malloc(((size_t)n + 1) * sizeof *family);
    int *order = util_malloc(((size_t)n + 1) * sizeof *order);
    fam *fams = util_calloc((size_t)n + 1, sizeof *fams);
    if (e->students == NULL || family == NULL || order == NULL || fams == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    e->n_students = n;

    /* Levels and divisions. */
    int per_level[4] = {0};
    split_levels(e, r, n_placed, per_level);
    int lf = level_first(e), nl = level_count(e);
    int total_div = 0;
    for (int k = 0; k < nl; k++) {
        total_div += n_divisions_for(per_level[k]);
        if (n_divisions_for(per_level[k]) > GEN_GROUP_DIVS - 4) {
            relais_error_set(_("établissement trop grand (%d élèves) : augmentez --establishments"),
                             n);
            rc = RELAIS_EINVALID;
            goto done;
        }
    }
    e->divisions = util_calloc((size_t)total_div + 2, sizeof *e->divisions);
    if (e->divisions == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    int style = (int)gen_rng_below(r, 4);
    int si = 0;
    int level_div_first[4], level_div_n[4];
    for (int k = 0; k < nl; k++) {
        int nd = n_divisions_for(per_level[k]);
        level_div_first[k] = e->n_divisions;
        level_div_n[k] = nd;
        for (int d = 0; d < nd; d++) {
            gen_division *dv = &e->divisions[e->n_divisions];
            dv->level = lf + k;
            dv->pp = -1;
            division_code(dv, style, &gen_levels[lf + k], d);
            int size = per_level[k] / nd + (d < per_level[k] % nd ? 1 : 0);
            for (int j = 0; j < size; j++) {
                e->students[si].level = lf + k;
                e->students[si].division = e->n_divisions;
                si++;
            }
            dv->n_students = size;
            dv->n_total = size;
            e->n_divisions++;
        }
    }
    /* Leavers keep their division; the unplaced newcomer has none. */
    for (int j = 0; j < n_leavers; j++, si++) {
        int d = (int)gen_rng_below(r, (uint64_t)e->n_divisions);
        e->students[si].level = e->divisions[d].level;
        e->students[si].division = d;
        e->students[si].has_sortie = true;
        e->divisions[d].n_total++;
    }
    for (; si < n; si++) {
        e->students[si].level = lf + (int)gen_rng_below(r, (uint64_t)nl);
        e->students[si].division = -1;
    }

    /* Families: siblings in other levels, twins in the same level. */
    for (int i = 0; i < n; i++) {
        family[i] = -1;
        order[i] = i;
    }
    gen_rng_shuffle(r, order, (size_t)n);
    int *by_level = util_malloc(((size_t)n + 1) * sizeof *by_level);
    if (by_level == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    int lvl_start[8] = {0}, lvl_n[8] = {0}, cursor[8] = {0};
    for (int i = 0; i < n; i++) {
        lvl_n[e->students[order[i]].level - lf]++;
    }
    for (int k = 1; k < nl; k++) {
        lvl_start[k] = lvl_start[k - 1] + lvl_n[k - 1];
    }
    {
        int fill[8] = {0};
        for (int i = 0; i < n; i++) {
            int k = e->students[order[i]].level - lf;
            by_level[lvl_start[k] + fill[k]++] = order[i];
        }
    }
    bool *twin = util_calloc((size_t)n + 1, sizeof *twin);
    if (twin == NULL) {
        util_free(by_level);
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        int s0 = order[i];
        if (family[s0] >= 0) {
            continue;
        }
        int fi = e->n_families++;
        family[s0] = fi;
        fams[fi].n_children = 1;
        int k0 = e->students[s0].level - lf;
        if (gen_rng_chance(r, 0.016)) {
            int t = find_unassigned(by_level + lvl_start[k0], lvl_n[k0], &cursor[k0], family);
            if (t >= 0) {
                family[t] = fi;
                twin[t] = true;
                fams[fi].n_children++;
            }
        }
        double u = gen_rng_unit(r);
        int extra = u < 0.02 ? 2 : (u < 0.11 ? 1 : 0);
        for (int x = 0; x < extra; x++) {
            int k = (k0 + 1 + (int)gen_rng_below(r, (uint64_t)(nl > 1 ? nl - 1 : 1))) % nl;
            int t = find_unassigned(by_level + lvl_start[k], lvl_n[k], &cursor[k], family);
            if (t >= 0) {
                family[t] = fi;
                fams[fi].n_children++;
            }
        }
    }
    util_free(by_level);

    /* Family guardians, then each child's identity and links. */
    for (int fi = 0; fi < e->n_families && rc >= 0; fi++) {
        fam *f = &fams[fi];
        f->father = draw_surname(r, c->names, A(e));
        f->mother = draw_surname(r, c->names, A(e));
        f->accents = gen_rng_chance(r, 0.6);
        double u = gen_rng_unit(r);
        f->kind = u < 0.63 ? 0 : (u < 0.83 ? 1 : (u < 0.95 ? 2 : (u < 0.985 ? 3 : 4)));
        f->married = f->kind == 0 && gen_rng_chance(r, 0.6);
        rc = build_family_guardians(e, c, r, f, fi);
    }
    util_date first_twin_birth[1];
    (void)first_twin_birth;
    for (int i = 0; i < n && rc >= 0; i++) {
        gen_student *s = &e->students[i];
        fam *f = &fams[family[i]];
        s->family = family[i];
        student_identity(e, c, r, s, f);
        rc = link_child(e, r, f, i);
    }
    /* Twins: same birth date (and the same birth place) as a sibling. */
    for (int i = 0; i < n; i++) {
        if (!twin[i]) {
            continue;
        }
        for (int j = 0; j < n; j++) {
            if (j != i && family[j] == family[i] && !twin[j] &&
                e->students[j].level == e->students[i].level) {
                e->students[i].birth = e->students[j].birth;
                e->students[i].pays_naiss = e->students[j].pays_naiss;
                e->students[i].ville_naiss = e->students[j].ville_naiss;
                e->students[i].dept_naiss = e->students[j].dept_naiss;
                e->students[i].commune_naiss = e->students[j].commune_naiss;
                break;
            }
        }
    }
    util_free(twin);
    if (rc < 0) {
        goto done;
    }

    /* Schooling dates, leavers, numbers. */
    {
        int elenoet = 1000 + (int)gen_rng_below(r, 3000);
        for (int i = 0; i < n; i++) {
            gen_student *s = &e->students[i];
            s->eleve_id = e->id_base + 1000000 + i * 3 + (int)gen_rng_below(r, 3);
            int k = s->level - lf;
            util_date rentree_k = {o->year - k, 9, c->rentree.day};
            s->entree = rentree_k;
            s->provenance = 1;
            if (gen_rng_chance(r, 0.06) && k > 0) {
                util_date a = {o->year - k, 9, 5};
                util_date b = {o->year, 6, 30};
                s->entree = random_between(r, &a, &b);
                s->provenance = gen_rng_chance(r, 0.8) ? 1 : 3;
            }
            bool newcomer = s->division < 0 || gen_rng_chance(r, 0.012);
            if (newcomer) {
                util_date a = date_add(&c->rentree, 7);
                util_date b = date_add(&c->export_date, -1);
                s->entree = random_between(r, &a, &b);
                s->provenance = gen_rng_chance(r, 0.5) ? 3 : 7;
                if (gen_rng_chance(r, 0.3)) {
                    s->ine[0] = '\0';
                    s->ine_bea[0] = '\0';
                }
            }
            if (s->ine[0] && !newcomer && s->division >= 0) {
                s->elenoet = elenoet++;
            } else if (gen_rng_chance(r, 0.5)) {
                s->elenoet = elenoet++;
            }
            if (s->has_sortie) {
                util_date a = date_add(&c->rentree, 3);
                util_date b = date_add(&c->export_date, -1);
                s->sortie = gen_rng_chance(r, 0.1) ? date_add(&c->export_date, gen_rng_range(r, 3, 40))
                                                   : random_between(r, &a, &b);
                s->motif_sortie = motifs[gen_rng_below(r, UTIL_ARRAY_LEN(motifs))];
            }
            util_date ma = date_add(&c->rentree, -80);
            util_date mb = c->export_date;
            s->modification = random_between(r, &ma, &mb);
            if (util_date_days(&s->modification) < util_date_days(&s->entree)) {
                s->modification = s->entree;
            }
            /* Previous year: same establishment except the first level. */
            const gen_level *lv = &gen_levels[s->level];
            s->prev_division = -1;
            if (lv->prev_mef && !newcomer) {
                s->prev_mef = s->doublement ? lv->mef : lv->prev_mef;
                if (k == 0 && !s->doublement) {
                    s->prev_rne = e->n_feeders > 0
                                      ? e->feeder_uai[gen_rng_below(r, (uint64_t)e->n_feeders)]
                                      : NULL;
                    s->prev_structure = gen_aprintf(A(e), "%s%c", gen_levels[s->level - 1].tag,
                                                    'A' + (int)gen_rng_below(r, 6));
                } else {
                    s->prev_rne = e->uai;
                    int pk = s->doublement ? k : k - 1;
                    s->prev_structure = gen_aprintf(
                        A(e), "%s%c", gen_levels[lf + (pk < 0 ? 0 : pk)].tag,
                        'A' + (int)gen_rng_below(r, (uint64_t)(level_div_n[pk < 0 ? 0 : pk])));
                }
            }
        }
    }

    /* Options and groups. */
    bool has_ita = gen_rng_chance(r, 0.4), has_latin = gen_rng_chance(r, 0.85);
    bool has_si = e->type == GEN_LYCEE && gen_rng_chance(r, 0.3);
    int i_es = gen_subject_index("ESP2"), i_al = gen_subject_index("ALL2"),
        i_it = gen_subject_index("ITA2");
    int *idx = util_malloc(((size_t)n + 1) * sizeof *idx);
    if (idx == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    for (int k = 0; k < nl && rc >= 0; k++) {
        int L = lf + k;
        const gen_level *lv = &gen_levels[L];
        bool lv2 = false, latin = false;
        const gen_prog *spe[8];
        int n_spe_subj = 0;
        for (size_t p = 0; p < lv->n_prog; p++) {
            lv2 = lv2 || lv->prog[p].kind == GEN_K_LV2;
            latin = latin || lv->prog[p].kind == GEN_K_LATIN;
            if (lv->prog[p].kind == GEN_K_SPE &&
                (has_si || strcmp(gen_subjects[lv->prog[p].subject].gestion, "SC-IG") != 0)) {
                spe[n_spe_subj++] = &lv->prog[p];
            }
        }
        latin = latin && has_latin && (e->type == GEN_COLLEGE || L == 4);
        for (int i = 0; i < n; i++) {
            gen_student *s = &e->students[i];
            if (s->level != L) {
                continue;
            }
            s->lv2 = -1;
            s->spe[0] = s->spe[1] = s->spe[2] = -1;
            s->options[s->n_options] = gen_subject_index("AGL1");
            s->opt_modalite[s->n_options++] = 'O';
            if (lv2) {
                double u = gen_rng_unit(r);
                s->lv2 = u < (has_ita ? 0.66 : 0.76) ? i_es : (u < (has_ita ? 0.86 : 1.0) ? i_al : i_it);
                s->options[s->n_options] = s->lv2;
                s->opt_modalite[s->n_options++] = 'O';
            }
            if (latin && gen_rng_chance(r, e->type == GEN_COLLEGE ? 0.18 : 0.06)) {
                s->latin = true;
                s->options[s->n_options] = gen_subject_index("LCALA");
                s->opt_modalite[s->n_options++] = 'F';
            }
            if (lv->n_spe > 0) {
                /* Weighted draw without replacement (popularity of specialties). */
                static const char *const pop_g[] = {"MATHS", "PH-CH", "SVT", "SES",
                                                    "HGGSP", "NSINF", "SC-IG"};
                static const int pop_w[] = {64, 42, 40, 36, 32, 10, 5};
                int w[8];
                for (int q = 0; q < n_spe_subj; q++) {
                    w[q] = 1;
                    for (size_t z = 0; z < UTIL_ARRAY_LEN(pop_g); z++) {
                        if (strcmp(gen_subjects[spe[q]->subject].gestion, pop_g[z]) == 0) {
                            w[q] = pop_w[z];
                        }
                    }
                }
                for (int m = 0; m < lv->n_spe && m < n_spe_subj; m++) {
                    int tot = 0;
                    for (int q = 0; q < n_spe_subj; q++) {
                        tot += w[q];
                    }
                    int x = (int)gen_rng_below(r, (uint64_t)tot), q = 0;
                    while (x >= w[q]) {
                        x -= w[q];
                        q++;
                    }
                    s->spe[m] = q;
                    w[q] = 0;
                    if (s->n_options < GEN_MAX_OPTIONS) {
                        s->options[s->n_options] = spe[q]->subject;
                        s->opt_modalite[s->n_options++] = 'O';
                    }
                }
            }
        }
        /* LV2 groups: divisions in blocks of two (three for an odd tail). */
        if (lv2) {
            int counters[3] = {0, 0, 0};
            int langs[3] = {i_es, i_al, i_it};
            int d0 = level_div_first[k], nd = level_div_n[k];
            for (int b = 0; b < nd && rc >= 0;) {
                int bn = (nd - b == 3) ? 3 : (nd - b >= 2 ? 2 : 1);
                int barrette = e->n_barrettes++;
                for (int li = 0; li < 3 && rc >= 0; li++) {
                    int m = 0;
                    for (int i = 0; i < n; i++) {
                        const gen_student *s = &e->students[i];
                        if (s->level == L && s->lv2 == langs[li] && s->division >= d0 + b &&
                            s->division < d0 + b + bn) {
                            idx[m++] = i;
                        }
                    }
                    rc = make_groups(e, idx, m, L, langs[li], GEN_K_LV2, barrette, "",
                                     &counters[li], 32);
                }
                b += bn;
            }
        }
        if (latin && rc >= 0) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (e->students[i].level == L && e->students[i].latin &&
                    e->students[i].division >= 0) {
                    idx[m++] = i;
                }
            }
            int counter = 0;
            if (m > 0) {
                rc = make_groups(e, idx, m, L, gen_subject_index("LCALA"), GEN_K_LATIN,
                                 e->n_barrettes++, "", &counter, 30);
            }
        }
        if (lv->n_spe > 0 && rc >= 0) {
            int cnt[3][8];
            memset(cnt, 0, sizeof cnt);
            int *bar = util_calloc((size_t)n * 3 + 3, sizeof *bar);
            if (bar == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            for (int i = 0; i < n; i++) {
                gen_student *s = &e->students[i];
                if (s->level != L || s->division < 0) {
                    continue;
                }
                spe_barrettes(s->spe, lv->n_spe, cnt, bar + i * 3);
                for (int m = 0; m < lv->n_spe; m++) {
                    cnt[bar[i * 3 + m]][s->spe[m]]++;
                }
            }
            for (int b = 0; b < lv->n_spe && rc >= 0; b++) {
                int barrette = e->n_barrettes++;
                for (int q = 0; q < n_spe_subj && rc >= 0; q++) {
                    int m = 0;
                    for (int i = 0; i < n; i++) {
                        gen_student *s = &e->students[i];
                        if (s->level != L || s->division < 0) {
                            continue;
                        }
                        for (int z = 0; z < lv->n_spe; z++) {
                            if (s->spe[z] == q && bar[i * 3 + z] == b) {
                                idx[m++] = i;
                            }
                        }
                    }
                    char suffix[2] = {(char)('A' + b), 0};
                    int counter = 0;
                    rc = make_groups(e, idx, m, L, spe[q]->subject, GEN_K_SPE, barrette, suffix,
                                     &counter, 35);
                }
            }
            for (int i = 0; i < n; i++) {
                gen_student *s = &e->students[i];
                for (int z = 0; z < 3; z++) {
                    if (s->level == L && s->spe[z] >= 0) {
                        s->spe[z] = spe[s->spe[z]]->subject;
                    }
                }
            }
            util_free(bar);
        }
    }
    util_free(idx);
    if (rc < 0) {
        goto done;
    }

    /* Services: each division's programme, each group's subject. */
    for (int d = 0; d < e->n_divisions && rc >= 0; d++) {
        const gen_level *lv = &gen_levels[e->divisions[d].level];
        for (size_t p = 0; p < lv->n_prog && rc >= 0; p++) {
            if (lv->prog[p].kind == GEN_K_DIV) {
                rc = add_service(e, lv->prog[p].subject, false, d, lv->prog[p].hours2, -1);
            }
        }
    }
    for (int g = 0; g < e->n_groups && rc >= 0; g++) {
        const gen_group *gr = &e->groups[g];
        const gen_level *lv = &gen_levels[gr->level];
        int hours2 = 0;
        for (size_t p = 0; p < lv->n_prog; p++) {
            if (lv->prog[p].kind == gr->kind &&
                (gr->kind != GEN_K_SPE || lv->prog[p].subject == gr->subject)) {
                hours2 = lv->prog[p].hours2;
            }
        }
        rc = add_service(e, gr->subject, true, g, hours2, gr->barrette);
    }
    if (rc < 0 || (rc = assign_teachers(e, c, r)) < 0) {
        goto done;
    }
    /* Staff: head, deputy, CPE, librarian. */
    {
        int t;
        const char *f[] = {"DIR", "DIR", "EDU", "EDU", "EDU", "DOC"};
        int want[] = {1, n > 450, 1, n > 700, n > 1400, 1};
        for (size_t k = 0; k < UTIL_ARRAY_LEN(f) && rc >= 0; k++) {
            if (want[k]) {
                rc = new_teacher(e, c, r, -1, f[k], &t);
            }
        }
        if (rc < 0) {
            goto done;
        }
    }
    /* Professeur principal: a teacher of the division, preferably of a core subject. */
    for (int d = 0; d < e->n_divisions; d++) {
        for (int i = 0; i < e->n_services; i++) {
            const gen_service *s = &e->services[i];
            if (!s->is_group && s->structure == d && s->subject != gen_subject_index("EPS")) {
                e->divisions[d].pp = s->teacher;
                if (gen_rng_chance(r, 0.4)) {
                    break;
                }
            }
        }
    }
    rc = build_timetable(e, r);
done:
    util_free(family);
    util_free(order);
    util_free(fams);
    return rc;
}

void gen_model_free(gen_estab *e)
{
    if (e == NULL) {
        return;
    }
    util_free(e->students);
    util_free(e->guardians);
    util_free(e->links);
    util_free(e->addresses);
    util_free(e->divisions);
    util_free(e->groups);
    util_free(e->teachers);
    util_free(e->services);
    util_free(e->div_busy);
    util_arena_free(e->arena);
    e->students = NULL;
    e->guardians = NULL;
    e->links = NULL;
    e->addresses = NULL;
    e->divisions = NULL;
    e->groups = NULL;
    e->teachers = NULL;
    e->services = NULL;
    e->div_busy = NULL;
    e->arena = NULL;
}
