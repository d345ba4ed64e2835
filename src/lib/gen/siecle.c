/*
 * siecle.c — writes one establishment's SIECLE BEE exports exactly in the
 * shape of the real 2019 files (../shared/formats/siecle-bee.md): one
 * ISO-8859-15 XML per zip, PARAMETRES header, element order of the real
 * ElevesAvecAdresses / ResponsablesAvecAdresses / Nomenclature files, the
 * Structures layout agreed by the peer parsers. Record by record, from the
 * model.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void fr_date(const util_date *d, char out[11])
{
    util_date_fr(d, out);
}

static int open_export(gen_out *o, gen_xml *x, const gen_estab *e, const gen_ctx *c,
                       const char *dir, const char *zip_name, const char *xml_name,
                       const char *root, const char *version)
{
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/%s", dir, zip_name) < 0) {
        relais_error_set(_("%s : chemin trop long"), dir);
        return RELAIS_EINVALID;
    }
    int rc = gen_out_open_zip(o, path, xml_name, &c->export_date, c->export_h, c->export_m,
                              c->export_s);
    if (rc < 0) {
        gen_out_abort(o);
        return rc;
    }
    gen_xml_init(x, o, 2);
    gen_xml_decl(x);
    gen_xml_open1(x, root, "VERSION", version);
    gen_xml_open(x, "PARAMETRES", NULL);
    gen_xml_leaf(x, "UAJ", e->uai);
    gen_xml_leaff(x, "ANNEE_SCOLAIRE", "%d", c->opts->year);
    char d[11];
    fr_date(&c->export_date, d);
    gen_xml_leaf(x, "DATE_EXPORT", d);
    gen_xml_leaff(x, "HORODATAGE", "%s %02d:%02d:%02d", d, c->export_h, c->export_m,
                  c->export_s);
    gen_xml_close(x);
    gen_xml_open(x, "DONNEES", NULL);
    return 0;
}

static int finish_export(gen_out *o, gen_xml *x, uint64_t *bytes)
{
    gen_xml_close(x); /* DONNEES */
    gen_xml_close(x); /* root */
    return gen_out_close(o, bytes);
}

static void write_address(gen_xml *x, const gen_address *a)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    gen_xml_open1(x, "ADRESSE", "ADRESSE_ID", id);
    gen_xml_leaf(x, "LIGNE1_ADRESSE", a->l1);
    gen_xml_leaf(x, "LIGNE2_ADRESSE", a->l2);
    gen_xml_leaf(x, "LIGNE3_ADRESSE", a->l3);
    gen_xml_leaf(x, "LIGNE4_ADRESSE", a->l4);
    gen_xml_leaf(x, "COMMUNE_ETRANGERE", a->foreign_city ? a->foreign_city : "");
    gen_xml_leaf(x, "CODE_POSTAL", a->foreign_city ? "" : a->cp);
    gen_xml_leaf(x, "CODE_PAYS", a->pays);
    if (a->foreign_city) {
        gen_xml_leaf(x, "LL_PAYS", a->ll_pays);
    } else {
        gen_xml_leaf(x, "CODE_COMMUNE_INSEE", a->insee);
        gen_xml_leaf(x, "LL_PAYS", a->ll_pays);
        gen_xml_leaf(x, "CODE_DEPARTEMENT", a->dept);
        gen_xml_leaf(x, "LIBELLE_POSTAL", a->commune);
    }
    gen_xml_close(x);
}

/* Addresses referenced by `used` (flags per address index), in id order. */
static void write_addresses(gen_xml *x, const gen_estab *e, const bool *used)
{
    gen_xml_open(x, "ADRESSES", NULL);
    for (int i = 0; i < e->n_addresses; i++) {
        if (used[i]) {
            write_address(x, &e->addresses[i]);
        }
    }
    gen_xml_close(x);
}

static void scolarite_an_dernier(gen_xml *x, const gen_estab *e, const gen_ctx *c,
                                 const gen_student *s)
{
    if (s->prev_mef == NULL) {
        return;
    }
    gen_xml_open(x, "SCOLARITE_AN_DERNIER", NULL);
    gen_xml_leaf(x, "CODE_MEF", s->prev_mef);
    /* Sometimes only the MEF is known (spec: "sometimes only CODE_MEF"). */
    const gen_estab_info *pi = s->prev_rne ? gen_info_find(c, s->prev_rne) : NULL;
    if (pi != NULL) {
        const gen_names *n = c->names;
        gen_xml_leaf(x, "CODE_STRUCTURE", s->prev_structure);
        gen_xml_leaf(x, "CODE_RNE", pi->uai);
        gen_xml_leaf(x, "CODE_NATURE", gen_nature(pi->type));
        gen_xml_leaf(x, "SIGLE", gen_sigle(pi->type));
        gen_xml_leaf(x, "DENOM_PRINC", gen_denom_princ(pi->type));
        gen_xml_leaf(x, "DENOM_COMPL", pi->denom_compl);
        char l1[96];
        snprintf(l1, sizeof l1, "%u %s", pi->street_number, pi->street);
        gen_xml_leaf(x, "LIGNE1_ADRESSE", l1);
        gen_xml_leaf(x, "BOITE_POSTALE", "");
        char mel[40];
        snprintf(mel, sizeof mel, "ce.%s@example.org", pi->uai);
        gen_xml_leaf(x, "MEL", mel);
        char tel[16];
        snprintf(tel, sizeof tel, "0199%06ld", (long)(strtol(pi->uai, NULL, 10) % 1000000));
        gen_xml_leaf(x, "TELEPHONE", tel);
        gen_xml_leaf(x, "CODE_COMMUNE_INSEE", n->commune_insee[pi->commune]);
        gen_xml_leaf(x, "LL_COMMUNE_INSEE", n->commune_name[pi->commune]);
    }
    (void)e;
    gen_xml_close(x);
}

int gen_write_eleves(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_export(&o, &x, e, c, dir, "ExportXML_ElevesAvecAdresses.zip",
                         "ElevesAvecAdresses.xml", "BEE_ELEVES", "3.0");
    if (rc < 0) {
        return rc;
    }
    char d[11], id[24], noet[12];
    gen_xml_open(&x, "ELEVES", NULL);
    for (int i = 0; i < e->n_students; i++) {
        const gen_student *s = &e->students[i];
        snprintf(id, sizeof id, "%lld", (long long)s->eleve_id);
        snprintf(noet, sizeof noet, "%d", s->elenoet);
        const char *attrs[] = {"ELEVE_ID", id, s->elenoet ? "ELENOET" : NULL, noet, NULL};
        gen_xml_open(&x, "ELEVE", attrs);
        if (s->ine[0]) {
            gen_xml_leaf(&x, "ID_NATIONAL", s->ine);
            if (s->ine_bea[0]) {
                gen_xml_leaf(&x, "INE_BEA", s->ine_bea);
            }
            gen_xml_leaf(&x, "INE_RNIE", s->ine);
        }
        if (s->elenoet) {
            gen_xml_leaf(&x, "ELENOET", noet);
            gen_xml_leaff(&x, "ID_ELEVE_ETAB", "%05d%.6s", s->elenoet, e->uai + 1);
        }
        gen_xml_leaf(&x, "NOM_DE_FAMILLE", s->nom);
        gen_xml_leaf(&x, "NOM_USAGE", s->nom_usage);
        gen_xml_leaf(&x, "PRENOM", s->prenom[0]);
        if (s->n_prenoms > 1) {
            gen_xml_leaf(&x, "PRENOM2", s->prenom[1]);
        }
        if (s->n_prenoms > 2) {
            gen_xml_leaf(&x, "PRENOM3", s->prenom[2]);
        }
        fr_date(&s->birth, d);
        gen_xml_leaf(&x, "DATE_NAISS", d);
        gen_xml_leaf(&x, "DOUBLEMENT", s->doublement ? "1" : "0");
        gen_xml_leaf(&x, "TEL_PORTABLE", s->tel_port);
        gen_xml_leaf(&x, "CODE_PAYS", s->pays_naiss);
        gen_xml_leaf(&x, "ACCEPTE_SMS", s->sms ? "1" : "0");
        fr_date(&s->modification, d);
        gen_xml_leaf(&x, "DATE_MODIFICATION", d);
        if (s->has_sortie) {
            fr_date(&s->sortie, d);
            gen_xml_leaf(&x, "DATE_SORTIE", d);
        }
        gen_xml_leaf(&x, "MEL", s->mel);
        gen_xml_leaff(&x, "CODE_REGIME", "%d", s->regime);
        fr_date(&s->entree, d);
        gen_xml_leaf(&x, "DATE_ENTREE", d);
        gen_xml_leaf(&x, "VILLE_NAISS", s->ville_naiss);
        if (s->address >= 0) {
            gen_xml_leaff(&x, "ADRESSE_ID", "%lld", (long long)e->addresses[s->address].id);
        }
        if (s->has_sortie) {
            gen_xml_leaf(&x, "CODE_MOTIF_SORTIE", s->motif_sortie);
        }
        gen_xml_leaff(&x, "CODE_SEXE", "%d", s->sexe);
        gen_xml_leaf(&x, "CODE_PAYS_NAT", s->nationalite);
        gen_xml_leaf(&x, "CODE_STATUT", "ST");
        gen_xml_leaf(&x, "CODE_MEF", gen_levels[s->level].mef);
        gen_xml_leaf(&x, "CODE_DEPARTEMENT_NAISS", s->dept_naiss);
        gen_xml_leaf(&x, "CODE_COMMUNE_INSEE_NAISS", s->commune_naiss);
        gen_xml_leaf(&x, "ADHESION_TRANSPORT", s->transport ? "1" : "0");
        gen_xml_leaff(&x, "CODE_PROVENANCE", "%d", s->provenance);
        scolarite_an_dernier(&x, e, c, s);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);

    gen_xml_open(&x, "OPTIONS", NULL);
    for (int i = 0; i < e->n_students; i++) {
        const gen_student *s = &e->students[i];
        if (s->n_options == 0) {
            continue;
        }
        snprintf(id, sizeof id, "%lld", (long long)s->eleve_id);
        snprintf(noet, sizeof noet, "%d", s->elenoet);
        const char *attrs[] = {"ELEVE_ID", id, s->elenoet ? "ELENOET" : NULL, noet, NULL};
        gen_xml_open(&x, "OPTION", attrs);
        for (int k = 0; k < s->n_options; k++) {
            gen_xml_open(&x, "OPTIONS_ELEVE", NULL);
            gen_xml_leaff(&x, "NUM_OPTION", "%d", k + 1);
            gen_xml_leaff(&x, "CODE_MODALITE_ELECT", "%c", s->opt_modalite[k]);
            gen_xml_leaf(&x, "CODE_MATIERE", gen_subjects[s->options[k]].code);
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
    }
    gen_xml_close(&x);

    gen_xml_open(&x, "STRUCTURES", NULL);
    for (int i = 0; i < e->n_students; i++) {
        const gen_student *s = &e->students[i];
        if (s->division < 0 && s->n_groups == 0) {
            continue;
        }
        snprintf(id, sizeof id, "%lld", (long long)s->eleve_id);
        snprintf(noet, sizeof noet, "%d", s->elenoet);
        const char *attrs[] = {"ELEVE_ID", id, s->elenoet ? "ELENOET" : NULL, noet, NULL};
        gen_xml_open(&x, "STRUCTURES_ELEVE", attrs);
        if (s->division >= 0) {
            gen_xml_open(&x, "STRUCTURE", NULL);
            gen_xml_leaf(&x, "CODE_STRUCTURE", e->divisions[s->division].code);
            gen_xml_leaf(&x, "TYPE_STRUCTURE", "D");
            gen_xml_close(&x);
        }
        for (int k = 0; k < s->n_groups; k++) {
            gen_xml_open(&x, "STRUCTURE", NULL);
            gen_xml_leaf(&x, "CODE_STRUCTURE", e->groups[s->groups[k]].code);
            gen_xml_leaf(&x, "TYPE_STRUCTURE", "G");
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_empty(&x, "BOURSES");

    bool *used = util_calloc((size_t)e->n_addresses + 1, sizeof *used);
    if (used == NULL) {
        gen_out_abort(&o);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    for (int i = 0; i < e->n_students; i++) {
        if (e->students[i].address >= 0) {
            used[e->students[i].address] = true;
        }
    }
    write_addresses(&x, e, used);
    util_free(used);
    return finish_export(&o, &x, bytes);
}

int gen_write_responsables(const gen_estab *e, const gen_ctx *c, const char *dir,
                           uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_export(&o, &x, e, c, dir, "ExportXML_ResponsablesAvecAdresses.zip",
                         "ResponsablesAvecAdresses.xml", "BEE_RESPONSABLES", "2.1");
    if (rc < 0) {
        return rc;
    }
    bool *used = util_calloc((size_t)e->n_addresses + 1, sizeof *used);
    bool *linked = util_calloc((size_t)e->n_guardians + 1, sizeof *linked);
    if (used == NULL || linked == NULL) {
        util_free(used);
        util_free(linked);
        gen_out_abort(&o);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    for (int i = 0; i < e->n_links; i++) {
        linked[e->links[i].guardian] = true;
    }
    char id[24];
    gen_xml_open(&x, "PERSONNES", NULL);
    for (int i = 0; i < e->n_guardians; i++) {
        const gen_guardian *g = &e->guardians[i];
        if (!linked[i]) {
            continue;
        }
        snprintf(id, sizeof id, "%lld", (long long)g->id);
        gen_xml_open1(&x, "PERSONNE", "PERSONNE_ID", id);
        gen_xml_leaf(&x, "LC_CIVILITE", g->sexe == 1 ? "M." : "MME");
        gen_xml_leaf(&x, "LL_CIVILITE", g->sexe == 1 ? "MONSIEUR" : "MADAME");
        gen_xml_leaf(&x, "NOM_DE_FAMILLE", g->nom);
        gen_xml_leaf(&x, "NOM_USAGE", g->nom_usage);
        gen_xml_leaf(&x, "PRENOM", g->prenom);
        gen_xml_leaf(&x, "TEL_PERSONNEL", g->tel_perso);
        gen_xml_leaf(&x, "TEL_PORTABLE", g->tel_port);
        gen_xml_leaf(&x, "ACCEPTE_SMS", g->accepte_sms ? "1" : "0");
        gen_xml_leaf(&x, "TEL_PROFESSIONNEL", g->tel_pro);
        gen_xml_leaf(&x, "MEL", g->mel);
        if (g->address >= 0) {
            used[g->address] = true;
            gen_xml_leaf(&x, "COMMUNICATION_ADRESSE", g->communication ? "1" : "0");
            gen_xml_leaff(&x, "ADRESSE_ID", "%lld", (long long)e->addresses[g->address].id);
            gen_xml_leaff(&x, "CODE_PROFESSION", "%d", g->profession);
        }
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "RESPONSABLES", NULL);
    for (int i = 0; i < e->n_links; i++) {
        const gen_link *l = &e->links[i];
        gen_xml_open(&x, "RESPONSABLE_ELEVE", NULL);
        gen_xml_leaff(&x, "ELEVE_ID", "%lld", (long long)e->students[l->student].eleve_id);
        gen_xml_leaff(&x, "PERSONNE_ID", "%lld", (long long)e->guardians[l->guardian].id);
        gen_xml_leaff(&x, "NIVEAU_RESPONSABILITE", "%d", l->niveau);
        gen_xml_leaff(&x, "CODE_PARENTE", "%d", l->parente);
        if (l->niveau <= 2) {
            gen_xml_leaf(&x, "PAIE_FRAIS_SCOLAIRES", l->paie ? "1" : "0");
        }
        if (l->niveau == 1) {
            gen_xml_leaf(&x, "PERCOIT_LES_AIDES", l->percoit ? "true" : "false");
        }
        gen_xml_leaf(&x, "HEBERGE_ELEVE", l->heberge ? "true" : "false");
        gen_xml_leaf(&x, "A_CONTACTER_EN_PRIORITE", l->prioritaire ? "true" : "false");
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    write_addresses(&x, e, used);
    util_free(used);
    util_free(linked);
    return finish_export(&o, &x, bytes);
}

static void mefs_appartenance(gen_xml *x, const char *mef)
{
    gen_xml_open(x, "MEFS_APPARTENANCE", NULL);
    gen_xml_open(x, "MEF_APPARTENANCE", NULL);
    gen_xml_leaf(x, "CODE_MEF", mef);
    gen_xml_close(x);
    gen_xml_close(x);
}

int gen_write_structures(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_export(&o, &x, e, c, dir, "ExportXML_Structures.zip", "Structures.xml",
                         "BEE_STRUCTURES", "2.0");
    if (rc < 0) {
        return rc;
    }
    gen_xml_open(&x, "DIVISIONS", NULL);
    for (int d = 0; d < e->n_divisions; d++) {
        const gen_division *dv = &e->divisions[d];
        gen_xml_open1(&x, "DIVISION", "CODE_STRUCTURE", dv->code);
        gen_xml_leaf(&x, "LIBELLE_LONG", dv->libelle);
        mefs_appartenance(&x, gen_levels[dv->level].mef);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "GROUPES", NULL);
    for (int g = 0; g < e->n_groups; g++) {
        const gen_group *gr = &e->groups[g];
        gen_xml_open1(&x, "GROUPE", "CODE_STRUCTURE", gr->code);
        gen_xml_leaf(&x, "LIBELLE_LONG", gr->libelle);
        mefs_appartenance(&x, gen_levels[gr->level].mef);
        gen_xml_open(&x, "DIVISIONS_APPARTENANCE", NULL);
        for (int k = 0; k < gr->n_divs; k++) {
            gen_xml_open(&x, "DIVISION_APPARTENANCE", NULL);
            gen_xml_leaf(&x, "CODE_STRUCTURE", e->divisions[gr->divs[k]].code);
            gen_xml_close(&x);
        }
        gen_xml_close(&x);
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    return finish_export(&o, &x, bytes);
}

/* Subjects the establishment uses (programmes of its levels). */
static void used_subjects(const gen_estab *e, bool *used)
{
    for (int i = 0; i < e->n_services; i++) {
        used[e->services[i].subject] = true;
    }
    for (int i = 0; i < e->n_students; i++) {
        for (int k = 0; k < e->students[i].n_options; k++) {
            used[e->students[i].options[k]] = true;
        }
    }
}

static void write_mef(gen_xml *x, const gen_level *lv)
{
    gen_xml_open1(x, "MEF", "CODE_MEF", lv->mef);
    gen_xml_leaf(x, "FORMATION", lv->formation);
    gen_xml_leaf(x, "LIBELLE_LONG", lv->libelle);
    gen_xml_leaf(x, "LIBELLE_EDITION", lv->edition);
    gen_xml_leaf(x, "STATUT_MEF", "1");
    gen_xml_leaf(x, "MEF_RATTACHEMENT", lv->mef);
    gen_xml_leaf(x, "CODE_MEFSTAT", lv->mefstat11);
    int opt = lv->n_spe > 0 ? lv->n_spe + 2 : 1;
    for (size_t p = 0; p < lv->n_prog; p++) {
        opt += lv->prog[p].kind == GEN_K_LV2;
    }
    gen_xml_leaff(x, "NB_OPT_OBLIG", "%d", opt);
    gen_xml_leaff(x, "NB_OPT_MINI", "%d", opt);
    gen_xml_leaf(x, "RENFORCEMENT_LANGUES", "0");
    gen_xml_leaf(x, "INSCRIPTION_ETAB", "1");
    gen_xml_leaf(x, "MEF_ORIGINE", "1");
    gen_xml_leaf(x, "MEF_SELECTIONNE", "1");
    gen_xml_leaf(x, "MEF_SELORIG", "1");
    gen_xml_leaf(x, "DATE_OUVERTURE", lv->mef[0] == '1' ? "01/09/2016" : "01/09/2019");
    gen_xml_leaf(x, "DATE_FERMETURE", "31/12/9999");
    gen_xml_close(x);
}

static void write_programme(gen_xml *x, const char *mef, const char *matiere, char modalite,
                            int hours2)
{
    gen_xml_open(x, "PROGRAMME", NULL);
    gen_xml_leaf(x, "CODE_MEF", mef);
    gen_xml_leaf(x, "CODE_MATIERE", matiere);
    gen_xml_leaff(x, "CODE_MODALITE_ELECT", "%c", modalite);
    gen_xml_leaff(x, "HORAIRE", "%d.%s", hours2 / 2, hours2 % 2 ? "50" : "00");
    gen_xml_close(x);
}

int gen_write_nomenclature(const gen_estab *e, const gen_ctx *c, const char *dir,
                           uint64_t *bytes)
{
    gen_out o;
    gen_xml x;
    int rc = open_export(&o, &x, e, c, dir, "ExportXML_Nomenclature.zip", "Nomenclature.xml",
                         "BEE_NOMENCLATURES", "3.1");
    if (rc < 0) {
        return rc;
    }
    int lf = e->type == GEN_COLLEGE ? 0 : 4, nl = e->type == GEN_COLLEGE ? 4 : 3;
    gen_xml_open(&x, "MEFS", NULL);
    if (e->type == GEN_LYCEE) {
        write_mef(&x, &gen_levels[3]); /* previous year's 3e, referenced by SCOLARITE_AN_DERNIER */
    }
    for (int k = 0; k < nl; k++) {
        write_mef(&x, &gen_levels[lf + k]);
    }
    gen_xml_close(&x);
    bool used[64] = {false};
    used_subjects(e, used);
    gen_xml_open(&x, "MATIERES", NULL);
    for (size_t i = 0; i < gen_n_subjects; i++) {
        if (!used[i]) {
            continue;
        }
        const gen_subject *s = &gen_subjects[i];
        gen_xml_open1(&x, "MATIERE", "CODE_MATIERE", s->code);
        gen_xml_leaf(&x, "CODE_GESTION", s->gestion);
        gen_xml_leaf(&x, "LIBELLE_COURT", s->court);
        gen_xml_leaf(&x, "LIBELLE_LONG", s->long_);
        gen_xml_leaf(&x, "LIBELLE_EDITION", s->edition);
        gen_xml_leaf(&x, "MATIERE_ETP", "0");
        gen_xml_close(&x);
    }
    gen_xml_close(&x);
    static const char *const lv2s[] = {"ESP2", "ALL2", "ITA2"};
    gen_xml_open(&x, "PROGRAMMES", NULL);
    for (int k = 0; k < nl; k++) {
        const gen_level *lv = &gen_levels[lf + k];
        for (size_t p = 0; p < lv->n_prog; p++) {
            const gen_prog *pr = &lv->prog[p];
            if (pr->kind == GEN_K_LV2) {
                for (size_t z = 0; z < UTIL_ARRAY_LEN(lv2s); z++) {
                    int si = gen_subject_index(lv2s[z]);
                    if (used[si]) {
                        write_programme(&x, lv->mef, gen_subjects[si].code, 'O', pr->hours2);
                    }
                }
            } else if (used[pr->subject]) {
                write_programme(&x, lv->mef, gen_subjects[pr->subject].code, pr->modalite,
                                pr->hours2);
            }
        }
    }
    gen_xml_close(&x);
    gen_xml_open(&x, "OPTIONS_OBLIGATOIRES", NULL);
    for (int k = 0; k < nl; k++) {
        const gen_level *lv = &gen_levels[lf + k];
        bool has_lv2 = false;
        for (size_t p = 0; p < lv->n_prog; p++) {
            has_lv2 = has_lv2 || lv->prog[p].kind == GEN_K_LV2;
        }
        for (size_t z = 0; z < (has_lv2 ? 4 : 1); z++) {
            const char *g = z == 0 ? "AGL1" : lv2s[z - 1];
            if (!used[gen_subject_index(g)]) {
                continue;
            }
            gen_xml_open(&x, "OPTION_OBLIGATOIRE", NULL);
            gen_xml_leaf(&x, "CODE_MEF", lv->mef);
            gen_xml_leaf(&x, "CODE_MATIERE", gen_subjects[gen_subject_index(g)].code);
            gen_xml_leaf(&x, "RANG_OPTION", z == 0 ? "1" : "2");
            gen_xml_close(&x);
        }
    }
    gen_xml_close(&x);
    /* The national code lists, as in the real 2019 export. */
    size_t size = 0;
    const unsigned char *lists = util_embedded("data/siecle/nomenclature-listes.xml", &size);
    if (lists == NULL) {
        gen_out_abort(&o);
        relais_error_set(_("données embarquées absentes : %s"),
                         "data/siecle/nomenclature-listes.xml");
        return RELAIS_ENOTFOUND;
    }
    gen_xml_raw(&o, (const char *)lists, size);
    return finish_export(&o, &x, bytes);
}
