/*
 * sts.c — writes the STS-Web side of one establishment
 * (../shared/formats/sts-web.md): the export sts_emp_<UAI>_<YEAR>.xml (root
 * STS_EDT, element order of the implementer DTD) with the same divisions and
 * groups as SIECLE's Structures and the teachers' services, and the timetable
 * upload emp_sts_<UAI>_<YEAR>.xml (root EDT_STS) whose courses add up, per
 * teacher and service, to the service hours.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void iso(const util_date *d, char out[11])
{
    util_date_iso(d, out);
}

static void hours(char *out, size_t size, int hours2)
{
    snprintf(out, size, "%d.%s", hours2 / 2, hours2 % 2 ? "50" : "00");
}

static int open_plain(gen_out *o, gen_xml *x, const char *dir, const char *fmt, const char *uai,
                      int year, int indent)
{
    char path[4096];
    if (util_snprintf(path, sizeof path, fmt, dir, uai, year) < 0) {
        relais_error_set(_("%s : chemin trop long"), dir);
        return RELAIS_EINVALID;
    }
    int rc = gen_out_open_file(o, path);
    if (rc < 0) {
        gen_out_abort(o);
        return rc;
    }
    gen_xml_init(x, o, indent);
    gen_xml_decl(x);
    return 0;
}

/* The name the timetable software gives a structure: its SIECLE / STS code, unless a
 * defect (--defects) gave it the software's own name. Details are "code;name". */
static const char *edt_name(const gen_estab *e, const char *defect, const char *code)
{
    size_t n = strlen(code);
    for (int k = 0; k < e->n_defects; k++) {
        const char *d = e->defects[k].detail;
        if (strcmp(e->defects[k].code, defect) == 0 && strncmp(d, code, n) == 0 && d[n] == ';') {
            return d + n + 1;
        }
    }
    return code;
}

static void write_services(gen_xml *x, const gen_estab *e, bool is_group, int structure,
                           bool with_courses)
{
    char h[16], id[24];
    gen_xml_open(x, "SERVICES", NULL);
    for (int i = 0; i < e->n_services; i++) {
        const gen_service *s = &e->services[i];
        if (s->is_group != is_group || s->structure != structure) {
            continue;
        }
        const char *attrs[] = {"CODE_MATIERE", gen_subjects[s->subject].code, "CODE_MOD_COURS",
                               "CG", NULL};
        gen_xml_open(x, "SERVICE", attrs);
        hours(h, sizeof h, s->hours2);
        gen_xml_leaf(x, "HEURES_STRUCTURE", h);
        gen_xml_leaf(x, "CO_ENS", "false");
        gen_xml_open(x, "ENSEIGNANTS", NULL);
        snprintf(id, sizeof id, "%lld", (long long)e->teachers[s->teacher].id);
        const char *ta[] = {"ID", id, "TYPE", "epp", NULL};
        const char *tb[] = {"TYPE", "epp", "ID", id, NULL};
        gen_xml_open(x, "ENSEIGNANT", with_courses ? tb : ta);
        gen_xml_leaf(x, "HEURES_AGENT", h);
        if (with_courses) {
            gen_xml_open(x, "COURS_RATTACHES", NULL);
            for (int k = 0; k < s->n_courses; k++) {
                const gen_course *co = &s->courses[k];
                char start[5], dur[16];
                gen_hhmm(co->start, start);
                snprintf(dur, sizeof dur, "%02d%02d", co->len / 2, co->len % 2 ? 30 : 0);
                gen_xml_open(x, "COURS", NULL);
                gen_xml_leaf(x, "CODE_ALTERNANCE", "H");
                gen_xml_leaff(x, "JOUR", "%d", co->day);
                gen_xml_leaf(x, "HEURE_DEBUT", start);
                gen_xml_leaf(x, "DUREE", dur);
                gen_xml_leaf(x, "CODE_SALLE", e->teachers[s->teacher].room);
                gen_xml_close(x);
            }
            gen_xml_close(x);
        }
        gen_xml_close(x);
        gen_xml_close(x);
        gen_xml_close(x);
    }
    gen_xml_close(x);
}

int gen_write_sts(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_plain(&o, &x, dir, "%s/sts_emp_%s_%d.xml", e->uai, c->opts->year, 2);
    if (rc < 0) {
        return rc;
    }
    const gen_names *n = c->names;
    char d1[11], d2[11], h[16], id[24];
    gen_xml_open(&x, "STS_EDT", NULL);
    gen_xml_open(&x, "PARAMETRES", NULL);
    gen_xml_open1(&x, "UAJ", "CODE", e->uai);
    gen_xml_open(&x, "ACADEMIE", NULL);
    gen_xml_leaf(&x, "CODE", "99");
    gen_xml_leaf(&x, "LIBELLE", "FICTIVE");
    gen_xml_close(&x);
    gen_xml_leaf(&x, "SIGLE", gen_sigle(e->type));
    gen_xml_leaf(&x, "DENOM_PRINC", gen_denom_princ(e->type));
    gen_xml_leaf(&x, "DENOM_COMPL", e->info->denom_compl);
    gen_xml_leaf(&x, "CODE_NATURE", gen_nature(e->type));
    gen_xml_leaff(&x, "ADRESSE", "%u %s", e->info->street_number, e->info->street);
    gen_xml_leaf(&x, "COMMUNE", n->commune_name[e->info->commune]);
    gen_xml_leaf(&x, "CODE_POSTAL", n->commune_cp[e->info->commune]);
    gen_xml_leaff(&x, "TELEPHONE", "0199%06ld", strtol(e->uai, NULL, 10) % 1000000);
    gen_xml_close(&x);
    gen_xml_open1(&x, "ANNEE_SCOLAIRE", "ANNEE", gen_aprintf(e->arena, "%d", c->opts->year));
    util_date start = {c->opts->year, 9, 1}, end = {c->opts->year + 1, 8, 31};
    iso(&start, d1);
    iso(&end, d2);
    gen_xml_leaf(&x, "DATE_DEBUT", d1);
    gen_xml_leaf(&x, "DATE_FIN", d2);
    gen_xml_close(&x);
    gen_xml_close(&x);

    int lf = e->type == GEN_COLLEGE ? 0 : 4, nl = e->type == GEN_COLLEGE ? 4 : 3;
    gen_xml_open(&x, "NOMENCLATURES", NULL);
    gen_xml_open(&x, "CIVILITES", NULL);
    gen_xml_open1(&x, "CIVILITE", "CODE", "1");
    gen_xml_leaf(&x, "LIBELLE_COURT", "M.");
    gen_xml_leaf(&x, "LIBELLE_LONG", "MONSIEUR");
    gen_xml_close(&x);
    gen_xml_open1(&x, "CIVILITE", "CODE", "2");
    gen_xml_leaf(&x, "LIBELLE_COURT", "MME");
    gen_xml_leaf(&x, "LIBELLE_LONG", "MADAME");
    gen_xml_close(&x);
    gen_xml_close(&x);
    gen_xml_open(&x, "MEFSTATS4", NULL);
    for (int k = 0; k < nl; k++) {
        const gen_level *lv = &gen_levels[lf + k];
        gen_xml_open1(&x, "MEFSTAT4", "CODE", lv->mefstat4);
        gen_xml_leaf(&x, "LIBELLE_COURT", lv->formation);
        gen_xml_leaf(&x, "LIBELLE_LONG", lv->libelle);
        gen_xml_leaf(&x, "INDEMNITE_PP_AUTORISEE", "true");
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "MODS_COURS", NULL);
    gen_xml_open1(&x, "MOD_COURS", "CODE", "CG");
    gen_xml_leaf(&x, "LIBELLE_COURT", "COURS");
    gen_xml_leaf(&x, "LIBELLE_LONG", "COURS GENERAL");
    gen_xml_leaf(&x, "CO_ENS", "true");
    gen_xml_close(&x);
    gen_xml_close(&x);
    bool used[64] = {false};
    for (int i = 0; i < e->n_services; i++) {
        used[e->services[i].subject] = true;
    }
    gen_xml_open(&x, "MATIERES", NULL);
    for (size_t i = 0; i < gen_n_subjects; i++) {
        if (!used[i]) {
            continue;
        }
        const gen_subject *s = &gen_subjects[i];
        gen_xml_open1(&x, "MATIERE", "CODE", s->code);
        gen_xml_leaf(&x, "CODE_GESTION", s->gestion);
        gen_xml_leaf(&x, "LIBELLE_COURT", s->court);
        gen_xml_leaf(&x, "LIBELLE_LONG", s->long_);
        gen_xml_leaf(&x, "LIBELLE_EDITION", s->edition);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "MEFS", NULL);
    for (int k = 0; k < nl; k++) {
        const gen_level *lv = &gen_levels[lf + k];
        gen_xml_open1(&x, "MEF", "CODE", lv->mef);
        gen_xml_leaf(&x, "FORMATION", lv->formation);
        gen_xml_leaf(&x, "LIBELLE_LONG", lv->libelle);
        gen_xml_leaf(&x, "LIBELLE_EDITION", lv->edition);
        gen_xml_leaf(&x, "MEFSTAT11", lv->mefstat11);
        gen_xml_leaf(&x, "MEFSTAT4", lv->mefstat4);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "PROGRAMMES", NULL);
    for (int k = 0; k < nl; k++) {
        const gen_level *lv = &gen_levels[lf + k];
        for (size_t p = 0; p < lv->n_prog; p++) {
            const gen_prog *pr = &lv->prog[p];
            int subj = pr->subject;
            if (!used[subj]) {
                continue;
            }
            gen_xml_open(&x, "PROGRAMME", NULL);
            gen_xml_leaf(&x, "CODE_MEF", lv->mef);
            gen_xml_leaf(&x, "CODE_MATIERE", gen_subjects[subj].code);
            hours(h, sizeof h, pr->hours2);
            gen_xml_leaf(&x, "HORAIRE", h);
            gen_xml_close(&x);
        }
    }
    gen_xml_close(&x);
    gen_xml_close(&x); /* NOMENCLATURES */

    gen_xml_open(&x, "DONNEES", NULL);
    gen_xml_open(&x, "INDIVIDUS", NULL);
    for (int t = 0; t < e->n_teachers; t++) {
        const gen_teacher *te = &e->teachers[t];
        snprintf(id, sizeof id, "%lld", (long long)te->id);
        const char *attrs[] = {"ID", id, "TYPE", "epp", NULL};
        gen_xml_open(&x, "INDIVIDU", attrs);
        gen_xml_leaff(&x, "SEXE", "%d", te->sexe);
        gen_xml_leaff(&x, "CIVILITE", "%d", te->sexe);
        gen_xml_leaf(&x, "NOM_USAGE", te->nom_usage);
        gen_xml_leaf(&x, "NOM_PATRONYMIQUE", te->nom);
        gen_xml_leaf(&x, "PRENOM", te->prenom);
        iso(&te->birth, d1);
        gen_xml_leaf(&x, "DATE_NAISSANCE", d1);
        gen_xml_leaf(&x, "GRADE", te->grade);
        gen_xml_leaf(&x, "FONCTION", te->fonction);
        bool pp = false;
        for (int d = 0; d < e->n_divisions; d++) {
            pp = pp || e->divisions[d].pp == t;
        }
        if (pp) {
            gen_xml_open(&x, "PROFS_PRINC", NULL);
            for (int d = 0; d < e->n_divisions; d++) {
                if (e->divisions[d].pp == t) {
                    gen_xml_open(&x, "PROF_PRINC", NULL);
                    gen_xml_leaf(&x, "CODE_STRUCTURE", e->divisions[d].code);
                    gen_xml_close(&x);
                }
            }
            gen_xml_close(&x);
        }
        if (te->subject >= 0) {
            const gen_subject *s = &gen_subjects[te->subject];
            gen_xml_open(&x, "DISCIPLINES", NULL);
            gen_xml_open1(&x, "DISCIPLINE", "CODE", s->discipline);
            gen_xml_leaf(&x, "LIBELLE_COURT", s->discipline_label);
            hours(h, sizeof h, te->hours2);
            gen_xml_leaf(&x, "NB_HEURES", h);
            gen_xml_close(&x);
            gen_xml_close(&x);
        } else if (strcmp(te->fonction, "DOC") == 0) {
            gen_xml_open(&x, "DISCIPLINES", NULL);
            gen_xml_open1(&x, "DISCIPLINE", "CODE", "L0080");
            gen_xml_leaf(&x, "LIBELLE_COURT", "DOCUMENTATION");
            gen_xml_close(&x);
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "STRUCTURE", NULL);
    gen_xml_open(&x, "DIVISIONS", NULL);
    for (int d = 0; d < e->n_divisions; d++) {
        const gen_division *dv = &e->divisions[d];
        gen_xml_open1(&x, "DIVISION", "CODE", dv->code);
        gen_xml_leaf(&x, "LIBELLE_LONG", dv->libelle);
        gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", dv->n_students);
        gen_xml_open(&x, "MEFS_APPARTENANCE", NULL);
        gen_xml_open1(&x, "MEF_APPARTENANCE", "CODE", gen_levels[dv->level].mef);
        gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", dv->n_students);
        gen_xml_close(&x);
        gen_xml_close(&x);
        write_services(&x, e, false, d, false);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "GROUPES", NULL);
    for (int g = 0; g < e->n_groups; g++) {
        const gen_group *gr = &e->groups[g];
        gen_xml_open1(&x, "GROUPE", "CODE", gr->code);
        gen_xml_leaf(&x, "LIBELLE_LONG", gr->libelle);
        gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", gr->n_students);
        gen_xml_open(&x, "DIVISIONS_APPARTENANCE", NULL);
        for (int k = 0; k < gr->n_divs; k++) {
            gen_xml_open1(&x, "DIVISION_APPARTENANCE", "CODE", e->divisions[gr->divs[k]].code);
            gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", gr->div_count[k]);
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
        gen_xml_open(&x, "MEFS_APPARTENANCE", NULL);
        gen_xml_empty1(&x, "MEF_APPARTENANCE", "CODE", gen_levels[gr->level].mef);
        gen_xml_close(&x);
        write_services(&x, e, true, g, false);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_close(&x); /* STRUCTURE */
    gen_xml_empty(&x, "SUPPLEANTS");
    gen_xml_close(&x); /* DONNEES */
    gen_xml_close(&x); /* STS_EDT */
    return gen_out_close(&o, bytes);
}

/* Weeks with classes: Mondays from the rentrée to early July, minus the usual
 * holidays (approximate dates, the same every year). */
static bool holiday_week(const util_date *m)
{
    int md = m->month * 100 + m->day;
    return (md >= 1019 && md <= 1102) || md >= 1221 || md <= 104 ||
           (md >= 208 && md < 222) || (md >= 412 && md < 426);
}

int gen_write_edt(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_plain(&o, &x, dir, "%s/emp_sts_%s_%d.xml", e->uai, c->opts->year, 4);
    if (rc < 0) {
        return rc;
    }
    char id[24], d[11];
    gen_xml_open(&x, "EDT_STS", NULL);
    gen_xml_open(&x, "PARAMETRES", NULL);
    gen_xml_leaf(&x, "UAJ", e->uai);
    gen_xml_leaff(&x, "ANNEE_SCOLAIRE", "%d", c->opts->year);
    gen_xml_leaf(&x, "APPLICATION_SOURCE", "EDITEUR_PRIVE");
    gen_xml_close(&x);
    gen_xml_open(&x, "DONNEES", NULL);
    gen_xml_open(&x, "HORAIRES", NULL);
    for (int day = 1; day <= 5; day++) {
        gen_xml_open1(&x, "HORAIRE", "JOUR", gen_aprintf(e->arena, "%d", day));
        gen_xml_leaf(&x, "DEBUT_COURS", "0800");
        gen_xml_leaf(&x, "FIN_COURS", day == 3 ? "1200" : "1730");
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "ALTERNANCES", NULL);
    gen_xml_open1(&x, "ALTERNANCE", "CODE", "H");
    gen_xml_leaf(&x, "LIBELLE_COURT", "Cours Hebd");
    gen_xml_leaf(&x, "LIBELLE_LONG", "Cours Hebdomadaire");
    gen_xml_open(&x, "SEMAINES", NULL);
    {
        int64_t day0 = util_date_days(&c->rentree);
        /* 1970-01-01 was a Thursday: Monday = (days + 3) % 7 == 0. */
        day0 -= ((day0 + 3) % 7 + 7) % 7;
        util_date last = {c->opts->year + 1, 7, 4};
        for (int64_t k = day0; k <= util_date_days(&last); k += 7) {
            util_date m;
            util_date_from_days(k, &m);
            if (!holiday_week(&m)) {
                util_date_iso(&m, d);
                gen_xml_leaf(&x, "DATE_DEBUT_SEMAINE", d);
            }
        }
    }
    gen_xml_close(&x);
    gen_xml_close(&x);
    gen_xml_close(&x);
    gen_xml_open(&x, "SALLES_COURS", NULL);
    for (int t = 0; t < e->n_teachers; t++) {
        if (e->teachers[t].hours2 > 0) {
            gen_xml_open1(&x, "SALLE_COURS", "CODE", e->teachers[t].room);
            gen_xml_leaf(&x, "GROUPE_SALLE", "");
            gen_xml_leaff(&x, "LOCALISATION", "BATIMENT %c", e->teachers[t].room[0]);
            gen_xml_close(&x);
        }
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "INDIVIDUS", NULL);
    for (int t = 0; t < e->n_teachers; t++) {
        const gen_teacher *te = &e->teachers[t];
        if (te->hours2 == 0) {
            continue;
        }
        snprintf(id, sizeof id, "%lld", (long long)te->id);
        gen_xml_open1(&x, "INDIVIDU", "ID", id);
        gen_xml_open(&x, "INDEMNITES", NULL);
        for (int dd = 0; dd < e->n_divisions; dd++) {
            if (e->divisions[dd].pp == t) {
                gen_xml_open(&x, "INDEMNITE", NULL);
                gen_xml_leaf(&x, "CODE_STRUCTURE", e->divisions[dd].code);
                gen_xml_leaf(&x, "MEFSTAT4", gen_levels[e->divisions[dd].level].mefstat4);
                gen_xml_close(&x);
            }
        }
        gen_xml_close(&x);
        gen_xml_empty(&x, "ARES");
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "STRUCTURE", NULL);
    gen_xml_open(&x, "DIVISIONS", NULL);
    for (int dd = 0; dd < e->n_divisions; dd++) {
        if (e->divisions[dd].empty_defect) {
            continue;
        }
        gen_xml_open1(&x, "DIVISION", "CODE",
                      edt_name(e, "libelle_division_different", e->divisions[dd].code));
        write_services(&x, e, false, dd, true);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "GROUPES", NULL);
    for (int g = 0; g < e->n_groups; g++) {
        const gen_group *gr = &e->groups[g];
        gen_xml_open1(&x, "GROUPE", "CODE", edt_name(e, "code_groupe_trop_long", gr->code));
        gen_xml_leaf(&x, "LIBELLE_LONG", gr->libelle);
        gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", gr->n_students);
        gen_xml_leaff(&x, "EFFECTIF_MAX_EDT", "%d", gr->n_students < 35 ? 35 : gr->n_students);
        gen_xml_open(&x, "DIVISIONS_APPARTENANCE", NULL);
        for (int k = 0; k < gr->n_divs; k++) {
            gen_xml_open1(&x, "DIVISION_APPARTENANCE", "CODE",
                          edt_name(e, "libelle_division_different",
                                   e->divisions[gr->divs[k]].code));
            gen_xml_leaff(&x, "EFFECTIF_PREVU", "%d", gr->div_count[k]);
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
        write_services(&x, e, true, g, true);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_close(&x); /* STRUCTURE */
    gen_xml_close(&x); /* DONNEES */
    gen_xml_close(&x); /* EDT_STS */
    return gen_out_close(&o, bytes);
}
