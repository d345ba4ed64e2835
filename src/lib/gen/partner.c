/*
 * partner.c — the identity list a partner application (billing, school life)
 * holds for the people of one establishment, in the partner CSV format of the
 * reconciliation issue, with controlled noise (rates: gen_noise_rates_get and
 * docs/gen.md), and its ground truth: which SIECLE / STS id each partner id
 * stands for, and which noise was applied to it.
 */
#include "internal.h"

#include <string.h>

enum { CAT_ELEVE, CAT_RESP, CAT_PROF, CAT_PERS };
static const char *const cat_names[] = {"eleve", "responsable", "professeur", "personnel"};
static const char cat_prefix[] = {'E', 'R', 'P', 'S'};

typedef struct prow {
    int cat;
    int hub;              /* index in students/guardians/teachers, -1 partner only */
    int64_t siecle_id;    /* 0: partner only */
    char id[32];
    const char *nom, *prenom, *naissance, *nom_usage, *sexe, *ine, *email, *tel, *cp, *classe;
    const char *enfants;
    char noise[96];
} prow;

typedef struct pctx {
    const gen_estab *e;
    const gen_ctx *c;
    gen_rng *r;
    const gen_noise_rates *rates;
    prow *rows;
    int n, cap;
    util_arena *a;
    char (*student_pid)[32]; /* partner id of each student, "" when absent */
} pctx;

static prow *row_new(pctx *p, int cat, int hub, int64_t sid)
{
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 1024;
        prow *nr = util_realloc(p->rows, (size_t)cap * sizeof *nr);
        if (nr == NULL) {
            return NULL;
        }
        p->rows = nr;
        p->cap = cap;
    }
    prow *w = &p->rows[p->n++];
    memset(w, 0, sizeof *w);
    w->cat = cat;
    w->hub = hub;
    w->siecle_id = sid;
    return w;
}

static void tag(prow *w, const char *t)
{
    size_t n = strlen(w->noise);
    snprintf(w->noise + n, sizeof w->noise - n, "%s%s", n ? "," : "", t);
}

/* One typing error on an ASCII letter: substitution, deletion, transposition or doubling. */
static const char *typo(pctx *p, const char *s)
{
    size_t n = strlen(s);
    int pos[128], np = 0;
    for (size_t i = 0; i < n && np < 128; i++) {
        char ch = s[i];
        if (((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) && i > 0) {
            pos[np++] = (int)i;
        }
    }
    if (np == 0) {
        return s;
    }
    int i = pos[gen_rng_below(p->r, (uint64_t)np)];
    char *out = util_arena_alloc(p->a, n + 2);
    if (out == NULL) {
        return s;
    }
    memcpy(out, s, n + 1);
    switch (gen_rng_below(p->r, 4)) {
    case 0: {
        static const char near[] = "azertyuiopqsdfghjklmwxcvbn";
        char ch = near[gen_rng_below(p->r, 26)];
        if (s[i] >= 'A' && s[i] <= 'Z') {
            ch = (char)(ch - 32);
        }
        if (ch == s[i]) {
            ch = s[i] == 'e' || s[i] == 'E' ? (char)(s[i] + 4) : (char)(s[i] ^ 0x01);
        }
        out[i] = ch;
        break;
    }
    case 1: memmove(out + i, out + i + 1, n - (size_t)i); break;
    case 2:
        if ((size_t)i + 1 < n && (unsigned char)s[i + 1] < 0x80 && s[i + 1] != s[i]) {
            out[i] = s[i + 1];
            out[i + 1] = s[i];
        } else {
            memmove(out + i, out + i + 1, n - (size_t)i);
        }
        break;
    default:
        memmove(out + i + 1, out + i, n - (size_t)i + 1);
        break;
    }
    return out;
}

static const char *fr_date(pctx *p, const util_date *d)
{
    char b[11];
    util_date_fr(d, b);
    return util_arena_strdup(p->a, b);
}

/* Birth date, possibly with day and month swapped. */
static const char *birth_noisy(pctx *p, prow *w, const util_date *d)
{
    if (d->day <= 12 && d->day != d->month && gen_rng_chance(p->r, p->rates->day_month_swapped)) {
        util_date s = {d->year, d->day, d->month};
        tag(w, "jour_mois");
        return fr_date(p, &s);
    }
    return fr_date(p, d);
}

static const char *national_phone(pctx *p, const char *intl)
{
    if (intl == NULL) {
        return NULL;
    }
    return gen_aprintf(p->a, "0%s", intl + 3);
}

/* Name noise common to every category. */
static void names_noisy(pctx *p, prow *w, const char *birth_name, const char *usage,
                        const char *const *prenoms, int n_prenoms)
{
    const gen_noise_rates *q = p->rates;
    w->nom = birth_name;
    w->nom_usage = usage;
    if (usage && strcmp(usage, birth_name) != 0 && gen_rng_chance(p->r, q->usage_name)) {
        w->nom = usage;
        w->nom_usage = NULL;
        tag(w, "nom_usage");
    }
    if (n_prenoms > 1 && gen_rng_chance(p->r, q->first_name_only)) {
        w->prenom = prenoms[0];
        tag(w, "premier_prenom");
    } else if (n_prenoms > 1) {
        w->prenom = n_prenoms == 2 ? gen_aprintf(p->a, "%s %s", prenoms[0], prenoms[1])
                                   : gen_aprintf(p->a, "%s %s %s", prenoms[0], prenoms[1],
                                                 prenoms[2]);
    } else {
        w->prenom = prenoms[0];
    }
    if (gen_rng_chance(p->r, q->accents_dropped) &&
        (gen_has_non_ascii(w->nom) || gen_has_non_ascii(w->prenom))) {
        w->nom = gen_strip_accents(p->a, w->nom);
        w->prenom = gen_strip_accents(p->a, w->prenom);
        tag(w, "accents");
    }
    if (gen_rng_chance(p->r, q->typo)) {
        if (gen_rng_chance(p->r, 0.6)) {
            w->nom = typo(p, w->nom);
        } else {
            w->prenom = typo(p, w->prenom);
        }
        tag(w, "faute_frappe");
    }
}

static int add_students(pctx *p)
{
    const gen_estab *e = p->e;
    for (int i = 0; i < e->n_students; i++) {
        const gen_student *s = &e->students[i];
        p->student_pid[i][0] = '\0';
        if (gen_rng_chance(p->r, p->rates->hub_only)) {
            continue;
        }
        prow *w = row_new(p, CAT_ELEVE, i, s->eleve_id);
        if (w == NULL) {
            return RELAIS_ENOMEM;
        }
        names_noisy(p, w, s->nom, s->nom_usage, s->prenom, s->n_prenoms);
        w->naissance = birth_noisy(p, w, &s->birth);
        w->sexe = s->sexe == 1 ? "M" : "F";
        w->ine = s->ine[0] && gen_rng_chance(p->r, 0.85) ? util_arena_strdup(p->a, s->ine) : NULL;
        w->classe = s->division >= 0 ? e->divisions[s->division].code : NULL;
        w->email = s->mel;
        w->tel = national_phone(p, s->tel_port);
        w->cp = s->address >= 0 ? e->addresses[s->address].cp : NULL;
    }
    return 0;
}

static int add_guardians(pctx *p)
{
    const gen_estab *e = p->e;
    util_buf kids = UTIL_BUF_INIT;
    for (int g = 0; g < e->n_guardians; g++) {
        const gen_guardian *gd = &e->guardians[g];
        if (gd->n_children == 0) {
            continue; /* contacts only: billing software does not hold them */
        }
        bool dropped = gen_rng_chance(p->r, p->rates->hub_only);
        util_buf_reset(&kids);
        for (int l = 0; l < e->n_links; l++) {
            const gen_link *k = &e->links[l];
            if (k->guardian == g && k->niveau <= 2 && p->student_pid[k->student][0]) {
                if (kids.len) {
                    util_buf_putc(&kids, '|');
                }
                util_buf_puts(&kids, p->student_pid[k->student]);
            }
        }
        if (dropped) {
            continue;
        }
        int copies = gen_rng_chance(p->r, p->rates->guardian_twice) ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            prow *w = row_new(p, CAT_RESP, g, gd->id);
            if (w == NULL) {
                util_buf_free(&kids);
                return RELAIS_ENOMEM;
            }
            const char *pr[1] = {gd->prenom};
            names_noisy(p, w, gd->nom, gd->nom_usage, pr, 1);
            if (gen_rng_chance(p->r, p->rates->guardian_no_birth)) {
                w->naissance = NULL;
                tag(w, "sans_date");
            } else {
                w->naissance = birth_noisy(p, w, &gd->birth);
            }
            w->sexe = gd->sexe == 1 ? "M" : "F";
            w->email = c == 0 ? gd->mel : NULL;
            w->tel = national_phone(p, gd->tel_port);
            w->cp = gd->address >= 0 ? e->addresses[gd->address].cp : NULL;
            w->enfants = util_arena_strdup(p->a, util_buf_cstr(&kids));
            if (c == 1) {
                tag(w, "doublon");
            }
        }
    }
    util_buf_free(&kids);
    return 0;
}

static int add_staff(pctx *p)
{
    const gen_estab *e = p->e;
    for (int t = 0; t < e->n_teachers; t++) {
        const gen_teacher *te = &e->teachers[t];
        if (gen_rng_chance(p->r, p->rates->hub_only)) {
            continue;
        }
        prow *w = row_new(p, te->subject >= 0 ? CAT_PROF : CAT_PERS, t, te->id);
        if (w == NULL) {
            return RELAIS_ENOMEM;
        }
        const char *pr[1] = {te->prenom};
        names_noisy(p, w, te->nom, te->nom_usage, pr, 1);
        w->naissance = birth_noisy(p, w, &te->birth);
        w->sexe = te->sexe == 1 ? "M" : "F";
        w->email = gen_rng_chance(p->r, 0.5)
                       ? gen_aprintf(p->a, "%s.%s@example.edu", gen_strip_accents(p->a, te->prenom),
                                     gen_strip_accents(p->a, te->nom_usage))
                       : NULL;
    }
    return 0;
}

/* People the partner knows and the hub does not (new arrivals, old records). */
static int add_partner_only(pctx *p, int hub_people)
{
    const gen_estab *e = p->e;
    const gen_names *n = p->c->names;
    int extra = 0;
    for (int i = 0; i < hub_people; i++) {
        extra += gen_rng_chance(p->r, p->rates->partner_only);
    }
    for (int k = 0; k < extra; k++) {
        double u = gen_rng_unit(p->r);
        int cat = u < 0.55 ? CAT_ELEVE : (u < 0.95 ? CAT_RESP : CAT_PROF);
        prow *w = row_new(p, cat, -1, 0);
        if (w == NULL) {
            return RELAIS_ENOMEM;
        }
        int sexe = gen_rng_chance(p->r, 0.5) ? 1 : 2;
        const char *usual = gen_pick(p->r, &n->surnames);
        w->nom = gen_upper(p->a, usual);
        w->prenom = gen_pick(p->r, &n->first[cat == CAT_ELEVE ? GEN_GEN_STUDENT : GEN_GEN_ADULT][sexe]);
        int year = p->c->opts->year - (cat == CAT_ELEVE ? gen_rng_range(p->r, 11, 18)
                                                        : gen_rng_range(p->r, 30, 60));
        util_date d = {year, gen_rng_range(p->r, 1, 12), gen_rng_range(p->r, 1, 28)};
        w->naissance = cat == CAT_RESP && gen_rng_chance(p->r, 0.5) ? NULL : fr_date(p, &d);
        w->sexe = sexe == 1 ? "M" : "F";
        if (cat == CAT_ELEVE && e->n_divisions > 0) {
            w->classe = e->divisions[gen_rng_below(p->r, (uint64_t)e->n_divisions)].code;
        }
        tag(w, "partenaire_seul");
    }
    return 0;
}

static void csv_field(gen_out *o, const char *s)
{
    if (s == NULL) {
        return;
    }
    bool quote = strpbrk(s, ";\"\n") != NULL;
    if (!quote) {
        gen_out_puts(o, s);
        return;
    }
    gen_out_write(o, "\"", 1);
    for (const char *q = s; *q; q++) {
        if (*q == '"') {
            gen_out_write(o, "\"", 1);
        }
        gen_out_write(o, q, 1);
    }
    gen_out_write(o, "\"", 1);
}

static int open_csv(gen_out *o, const char *dir, const char *partner, const char *suffix)
{
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/partner_%s%s.csv", dir, partner, suffix) < 0) {
        relais_error_set(_("%s : chemin trop long"), dir);
        return RELAIS_EINVALID;
    }
    int rc = gen_out_open_file(o, path);
    if (rc < 0) {
        gen_out_abort(o);
    }
    return rc;
}

int gen_write_partner(const gen_estab *e, const gen_ctx *c, gen_rng *r, const char *dir,
                      uint64_t *bytes, long *n_rows)
{
    pctx p;
    memset(&p, 0, sizeof p);
    p.e = e;
    p.c = c;
    p.r = r;
    p.rates = gen_noise_rates_get(c->opts->noise);
    int rc = util_arena_new(&p.a, 256 * 1024);
    int *order = NULL;
    if (rc < 0) {
        return rc;
    }
    p.student_pid = util_calloc((size_t)e->n_students + 1, sizeof *p.student_pid);
    if (p.student_pid == NULL) {
        rc = RELAIS_ENOMEM;
        goto done;
    }
    /* Students get their partner ids first: guardians list them as children. */
    if ((rc = add_students(&p)) < 0) {
        goto done;
    }
    {
        int *perm = util_malloc(((size_t)p.n + 1) * sizeof *perm);
        if (perm == NULL) {
            rc = RELAIS_ENOMEM;
            goto done;
        }
        for (int i = 0; i < p.n; i++) {
            perm[i] = i;
        }
        gen_rng_shuffle(r, perm, (size_t)p.n);
        for (int i = 0; i < p.n; i++) {
            prow *w = &p.rows[perm[i]];
            snprintf(w->id, sizeof w->id, "%c%d%05d", cat_prefix[CAT_ELEVE], e->index + 1, i);
            snprintf(p.student_pid[w->hub], sizeof p.student_pid[0], "%s", w->id);
        }
        util_free(perm);
    }
    int first_other = p.n;
    if ((rc = add_guardians(&p)) < 0 || (rc = add_staff(&p)) < 0 ||
        (rc = add_partner_only(&p, p.n)) < 0) {
        goto done;
    }
    {
        int counters[4] = {0, 0, 0, 0};
        for (int i = 0; i < p.n; i++) {
            if (p.rows[i].cat == CAT_ELEVE && i < first_other) {
                counters[CAT_ELEVE]++;
            }
        }
        int *perm = util_malloc(((size_t)p.n + 1) * sizeof *perm);
        if (perm == NULL) {
            rc = RELAIS_ENOMEM;
            goto done;
        }
        int m = 0;
        for (int i = first_other; i < p.n; i++) {
            perm[m++] = i;
        }
        gen_rng_shuffle(r, perm, (size_t)m);
        for (int i = 0; i < m; i++) {
            prow *w = &p.rows[perm[i]];
            snprintf(w->id, sizeof w->id, "%c%d%05d", cat_prefix[w->cat], e->index + 1,
                     counters[w->cat]++);
        }
        util_free(perm);
    }
    order = util_malloc(((size_t)p.n + 1) * sizeof *order);
    if (order == NULL) {
        rc = RELAIS_ENOMEM;
        goto done;
    }
    for (int i = 0; i < p.n; i++) {
        order[i] = i;
    }
    gen_rng_shuffle(r, order, (size_t)p.n);

    gen_out o;
    if ((rc = open_csv(&o, dir, c->opts->partner, "")) < 0) {
        goto done;
    }
    gen_out_puts(&o, "categorie;id;nom;prenom;date_naissance;nom_usage;sexe;ine;email;telephone;"
                     "code_postal;enfants;classe\n");
    for (int k = 0; k < p.n; k++) {
        const prow *w = &p.rows[order[k]];
        const char *f[] = {cat_names[w->cat], w->id, w->nom, w->prenom, w->naissance,
                           w->nom_usage, w->sexe, w->ine, w->email, w->tel, w->cp,
                           w->enfants, w->classe};
        for (size_t i = 0; i < UTIL_ARRAY_LEN(f); i++) {
            if (i) {
                gen_out_write(&o, ";", 1);
            }
            csv_field(&o, f[i]);
        }
        gen_out_write(&o, "\n", 1);
    }
    if ((rc = gen_out_close(&o, bytes)) < 0) {
        goto done;
    }
    /* Ground truth: every partner row, then the hub people the partner lacks. */
    if ((rc = open_csv(&o, dir, c->opts->partner, "_truth")) < 0) {
        goto done;
    }
    gen_out_puts(&o, "categorie;partner_id;siecle_id;bruit\n");
    for (int k = 0; k < p.n; k++) {
        const prow *w = &p.rows[order[k]];
        gen_out_printf(&o, "%s;%s;", cat_names[w->cat], w->id);
        if (w->siecle_id) {
            gen_out_printf(&o, "%lld", (long long)w->siecle_id);
        }
        gen_out_printf(&o, ";%s\n", w->noise);
    }
    {
        /* Hub people absent from the partner list (hub_only noise). */
        bool *seen_s = util_calloc((size_t)e->n_students + 1, 1);
        bool *seen_g = util_calloc((size_t)e->n_guardians + 1, 1);
        bool *seen_t = util_calloc((size_t)e->n_teachers + 1, 1);
        if (seen_s && seen_g && seen_t) {
            for (int k = 0; k < p.n; k++) {
                const prow *w = &p.rows[k];
                if (w->hub < 0) {
                    continue;
                }
                if (w->cat == CAT_ELEVE) {
                    seen_s[w->hub] = true;
                } else if (w->cat == CAT_RESP) {
                    seen_g[w->hub] = true;
                } else {
                    seen_t[w->hub] = true;
                }
            }
            for (int i = 0; i < e->n_students; i++) {
                if (!seen_s[i]) {
                    gen_out_printf(&o, "eleve;;%lld;hub_seul\n", (long long)e->students[i].eleve_id);
                }
            }
            for (int i = 0; i < e->n_guardians; i++) {
                if (!seen_g[i] && e->guardians[i].n_children > 0) {
                    gen_out_printf(&o, "responsable;;%lld;hub_seul\n",
                                   (long long)e->guardians[i].id);
                }
            }
            for (int i = 0; i < e->n_teachers; i++) {
                if (!seen_t[i]) {
                    gen_out_printf(&o, "%s;;%lld;hub_seul\n",
                                   e->teachers[i].subject >= 0 ? "professeur" : "personnel",
                                   (long long)e->teachers[i].id);
                }
            }
        } else {
            rc = RELAIS_ENOMEM;
        }
        util_free(seen_s);
        util_free(seen_g);
        util_free(seen_t);
        if (rc < 0) {
            gen_out_abort(&o);
            goto done;
        }
    }
    rc = gen_out_close(&o, bytes);
    *n_rows += p.n;
done:
    if (rc == RELAIS_ENOMEM) {
        relais_error_set("%s", _("mémoire insuffisante"));
    }
    util_free(order);
    util_free(p.rows);
    util_free(p.student_pid);
    util_arena_free(p.a);
    return rc;
}
