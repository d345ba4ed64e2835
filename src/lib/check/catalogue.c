/*
 * catalogue.c — the rule catalogue: every check relais makes, with its code,
 * severity, family, and what it checks, why it matters and how to fix it.
 * docs/rules.md is generated from this table (`relais check --rules`), and a
 * test keeps the two identical.
 */
#include "check_internal.h"

#include <string.h>

#define E RELAIS_SEVERITY_ERROR
#define W RELAIS_SEVERITY_WARNING
#define I RELAIS_SEVERITY_INFO

static const check_rule rules[] = {
    /* ----------------------------------------------------------- ELEGROUPE */
    {"ELEGROUPE_ELEVE_INCONNU", E, CHECK_FAMILY_ELEGROUPE,
     N_("élève inconnu de SIECLE (REJELEGROUPE_01)"),
     N_("Chaque élève du fichier des liens élève-groupe est cherché dans SIECLE par ELEVE_ID, "
        "puis INE, puis identifiant privé, puis nom, prénom(s) et date de naissance."),
     N_("SIECLE rejette l'élève entier : aucun de ses groupes n'est enregistré."),
     N_("Vérifier l'identité de l'élève et réimporter l'export SIECLE (ElevesSansAdresses) pour "
        "que relais connaisse son ELEVE_ID.")},
    {"ELEGROUPE_ELEVE_EN_DOUBLE", E, CHECK_FAMILY_ELEGROUPE,
     N_("élève présent deux fois (REJELEGROUPE_03)"),
     N_("Deux entrées du fichier désignent le même élève de SIECLE (deux identifiants, ou des "
        "homonymes)."),
     N_("SIECLE garde la première entrée et rejette les suivantes : leurs groupes sont perdus."),
     N_("Supprimer le doublon dans le logiciel d'origine, ou corriger l'identifiant de l'homonyme.")},
    {"ELEGROUPE_GROUPE_INCONNU", E, CHECK_FAMILY_ELEGROUPE,
     N_("groupe inconnu de SIECLE (GROUPE_A_01)"),
     N_("Chaque groupe doit exister dans SIECLE (Structures.xml), où il arrive depuis STS-Web."),
     N_("Le lien élève-groupe est refusé par SIECLE."),
     N_("Faire la remontée des groupes de l'emploi du temps vers STS-Web (synchro n°3), puis "
        "l'export de la structure de STS-Web vers SIECLE (4a), réimporter Structures.xml.")},
    {"ELEGROUPE_ELEVE_SANS_MEF", E, CHECK_FAMILY_ELEGROUPE,
     N_("élève sans MEF (GROUPE_B_01)"),
     N_("Un élève qui a des groupes doit avoir un MEF dans SIECLE."),
     N_("SIECLE refuse tous les liens de l'élève."),
     N_("Saisir le MEF de l'élève dans SIECLE, puis réimporter l'export des élèves.")},
    {"ELEGROUPE_GROUPE_HORS_MEF", E, CHECK_FAMILY_ELEGROUPE,
     N_("groupe non rattaché au MEF de l'élève (GROUPE_B_02)"),
     N_("Le groupe doit être rattaché au MEF de l'élève (MEFS_APPARTENANCE du groupe)."),
     N_("Le lien élève-groupe est refusé par SIECLE."),
     N_("Rattacher le groupe à ce MEF dans STS-Web, ou corriger le groupe de l'élève.")},
    {"ELEGROUPE_DATE_DEBUT_APRES_FIN", W, CHECK_FAMILY_ELEGROUPE,
     N_("date de début après la date de fin (ELEGRP_A_01)"),
     N_("La date de début d'un lien doit précéder sa date de fin."),
     N_("SIECLE importe le lien partiellement et remplace la date de début."),
     N_("Corriger les dates du lien dans le logiciel d'emploi du temps.")},
    {"ELEGROUPE_DATE_DEBUT_HORS_ANNEE", W, CHECK_FAMILY_ELEGROUPE,
     N_("date de début hors de l'année scolaire (ELEGRP_A_02)"),
     N_("La date de début doit être dans l'année scolaire de SIECLE (rentrée et sortie des "
        "élèves)."),
     N_("SIECLE importe le lien partiellement et force la date (date d'entrée de l'élève ou début "
        "de l'année)."),
     N_("Aligner le calendrier du logiciel d'emploi du temps sur celui de SIECLE.")},
    {"ELEGROUPE_DATE_FIN_HORS_ANNEE", W, CHECK_FAMILY_ELEGROUPE,
     N_("date de fin hors de l'année scolaire (ELEGRP_A_03)"),
     N_("La date de fin doit être dans l'année scolaire de SIECLE."),
     N_("SIECLE importe le lien partiellement et force la date (vide, ou date de sortie de "
        "l'élève)."),
     N_("Aligner le calendrier du logiciel d'emploi du temps sur celui de SIECLE.")},
    {"ELEGROUPE_ELEVE_ABSENT", I, CHECK_FAMILY_ELEGROUPE,
     N_("élève sans aucun groupe dans le fichier"),
     N_("Le dépôt remplace tous les liens élève-groupe de l'établissement : un élève absent du "
        "fichier perd tous ses groupes dans SIECLE."),
     N_("Un élève qui ne suit aucun groupe est normal ; s'il en suit, ses groupes disparaissent de "
        "SIECLE."),
     N_("Vérifier la liste et affecter les élèves concernés à leurs groupes avant le dépôt.")},
    {"ELEGROUPE_SORTANT_HISTORIQUE", W, CHECK_FAMILY_ELEGROUPE,
     N_("élève sorti dont l'historique des groupes sera effacé"),
     N_("Un élève sorti en cours d'année qui avait des groupes doit figurer dans le fichier avec "
        "une date de fin, sinon SIECLE efface son historique."),
     N_("L'historique de scolarité de l'élève sorti est perdu dans SIECLE."),
     N_("Garder l'élève sorti dans le fichier, avec la date de fin de ses groupes.")},
    {"ELEGROUPE_ANNEE_OU_UAI", E, CHECK_FAMILY_ELEGROUPE,
     N_("fichier d'une autre année ou d'un autre établissement"),
     N_("L'UAI et le millésime du fichier doivent être ceux de la base SIECLE visée."),
     N_("SIECLE refuse le fichier entier."),
     N_("Régénérer le fichier pour la bonne année (attention à la bascule de mai à septembre).")},
    {"ELEGROUPE_FICHIER_INVALIDE", E, CHECK_FAMILY_ELEGROUPE,
     N_("fichier refusé au dépôt (nom ou schéma)"),
     N_("Le nom du zip et de son XML, l'ordre et le nombre des éléments, un seul identifiant par "
        "élève, les longueurs, les formats de date et l'unicité des identifiants, comme le schéma "
        "de dépôt de SIECLE (IMPORT_ELEVES 1.4)."),
     N_("SIECLE refuse le fichier entier au dépôt : aucun lien n'est importé."),
     N_("Régénérer le fichier avec le logiciel d'origine, ou l'écrire avec relais export "
        "elegroupe.")},
    {"ELEGROUPE_STRUCTURES_ABSENTES", W, CHECK_FAMILY_ELEGROUPE,
     N_("structures de SIECLE inconnues de relais"),
     N_("Pour juger les groupes comme SIECLE, relais a besoin de l'export Structures.xml."),
     N_("Sans lui, les groupes inconnus de SIECLE ne peuvent pas être signalés avant le dépôt."),
     N_("Importer Structures.xml avec les autres exports SIECLE (relais import siecle).")},
    /* ----------------------------------------------------------------- STS */
    {"STS_CODE_GROUPE_INVALIDE", E, CHECK_FAMILY_STS,
     N_("code de groupe refusé par STS-Web"),
     N_("Un code de groupe envoyé à STS-Web a au plus 8 caractères, lettres, chiffres, espace, "
        "point, tiret ou souligné."),
     N_("STS-Web tronque ou refuse le groupe ; il ne correspondra plus à l'emploi du temps."),
     N_("Renommer le groupe dans l'emploi du temps (relais indique le nom qu'il deviendrait).")},
    {"STS_COURS_SANS_ENSEIGNANT", W, CHECK_FAMILY_STS,
     N_("cours sans enseignant"),
     N_("Chaque cours remonté à STS-Web doit avoir au moins un enseignant."),
     N_("Le cours n'est pas exportable : le service n'apparaît pas dans STS-Web."),
     N_("Affecter un enseignant au cours dans l'emploi du temps.")},
    {"STS_COURS_SANS_CLASSE", W, CHECK_FAMILY_STS,
     N_("cours sans classe ni groupe"),
     N_("Chaque cours remonté à STS-Web doit concerner une division ou un groupe."),
     N_("Le cours n'est pas exportable."),
     N_("Affecter une classe ou un groupe au cours dans l'emploi du temps.")},
    {"STS_NON_APPARIE", E, CHECK_FAMILY_STS,
     N_("élément de l'emploi du temps sans correspondance"),
     N_("Chaque matière, enseignant, division et groupe de l'emploi du temps doit correspondre à un "
        "élément de STS-Web ou de SIECLE."),
     N_("Les éléments sans correspondance ne sont pas remontés : leurs services disparaissent."),
     N_("Établir la correspondance (relais map set TYPE LOCAL DISTANT).")},
    {"STS_GROUPE_NOTE_SANS_SERVICE", E, CHECK_FAMILY_STS,
     N_("groupe avec service de notation sans service STS-Web"),
     N_("Tout groupe qui porte un service de notation doit exister dans STS-Web avec un service de "
        "la même matière."),
     N_("Les notes de ce groupe ne remonteront pas (bulletins, LSU)."),
     N_("Créer le groupe et son service dans STS-Web, ou faire la remontée depuis l'emploi du "
        "temps.")},
    /* ----------------------------------------------------------------- ENT */
    {"ENT_GROUPE_ANCIENNE_DIVISION", W, CHECK_FAMILY_ENT,
     N_("élève resté dans un groupe de son ancienne classe"),
     N_("Un élève qui a changé de division ne doit plus être dans les groupes rattachés seulement "
        "à son ancienne division. Sans historique dans le hub (premier import), relais signale "
        "l'élève inscrit dans un groupe dont aucune division de rattachement n'est la sienne."),
     N_("L'ENT montre l'élève aux professeurs de son ancienne classe, et lui cache les siens."),
     N_("Retirer l'élève des groupes de son ancienne classe et l'inscrire dans ceux de la nouvelle.")},
    {"ENT_PROF_DIVISION_FANTOME", W, CHECK_FAMILY_ENT,
     N_("professeur rattaché à une classe sans élève"),
     N_("Un professeur rattaché à une division seulement par un groupe qui ne compte plus aucun "
        "élève de cette division."),
     N_("L'ENT montre au professeur une classe qu'il n'enseigne pas."),
     N_("Mettre à jour les rattachements du groupe (divisions) ou ses élèves.")},
    {"ENT_SANS_IDENTIFIANT", W, CHECK_FAMILY_ENT,
     N_("personne sans identifiant ENT ou partenaire"),
     N_("Chaque élève, responsable et enseignant actif doit avoir un identifiant dans l'ENT et "
        "chez les partenaires (arrivées tardives)."),
     N_("Sans identifiant, la personne ne peut pas se connecter, et la synchronisation peut la "
        "recréer."),
     N_("Importer le fichier d'identifiants de l'ENT ou du partenaire (relais match).")},
    {"ENT_RESPONSABLE_EN_DOUBLE", W, CHECK_FAMILY_ENT,
     N_("responsable probablement en double"),
     N_("Deux fiches de responsable (deux PERSONNE_ID) qui semblent être la même personne : même "
        "nom et prénom, et un enfant, une adresse ou un téléphone en commun."),
     N_("Le parent reçoit deux comptes ; l'un des deux perd ses identifiants à la prochaine "
        "synchronisation."),
     N_("Fusionner les fiches dans SIECLE (relais ne fusionne jamais seul).")},
    /* ----------------------------------------------------------- PREFLIGHT */
    {"PREP_ADRESSES_MANQUANTES", W, CHECK_FAMILY_PREFLIGHT,
     N_("responsables légaux sans adresse"),
     N_("Au moins un représentant légal de l'élève doit avoir une adresse (père et mère "
        "conjointement)."),
     N_("Le courrier et la facturation ne peuvent pas être envoyés."),
     N_("Compléter l'adresse dans SIECLE.")},
    {"PREP_CONSENTEMENT_RGPD", W, CHECK_FAMILY_PREFLIGHT,
     N_("consentement RGPD absent"),
     N_("Élèves et responsables doivent être marqués comme ayant donné leur consentement avant la "
        "synchronisation avec un partenaire."),
     N_("Les données ne doivent pas être transmises au partenaire sans consentement."),
     N_("Recueillir et enregistrer le consentement.")},
    {"PREP_CONSENTEMENT_INCONNU", I, CHECK_FAMILY_PREFLIGHT,
     N_("consentement RGPD non renseigné dans le hub"),
     N_("Aucune personne de l'établissement n'a d'information de consentement."),
     N_("relais ne peut pas vérifier le consentement avant la synchronisation."),
     N_("Importer l'information de consentement du logiciel de gestion.")},
    {"PREP_DIVISION_VIDE", W, CHECK_FAMILY_PREFLIGHT,
     N_("division sans élève"),
     N_("Chaque division active doit compter au moins un élève."),
     N_("Une classe vide crée des comptes et des services inutiles chez les partenaires."),
     N_("Vérifier l'affectation des élèves, ou fermer la division dans STS-Web.")},
    {"PREP_LIBELLE_DIVISION", W, CHECK_FAMILY_PREFLIGHT,
     N_("division nommée autrement dans l'emploi du temps"),
     N_("Les libellés des classes doivent correspondre entre SIECLE et le logiciel d'emploi du "
        "temps."),
     N_("Les correspondances se font à la main et les erreurs de classe passent inaperçues."),
     N_("Renommer la classe dans l'emploi du temps, ou confirmer la correspondance (relais map).")},
    {"PREP_ELEVE_SANS_RESPONSABLE_LEGAL", E, CHECK_FAMILY_PREFLIGHT,
     N_("élève sans responsable légal"),
     N_("Chaque élève actif doit avoir au moins un représentant légal (niveau de responsabilité 1)."),
     N_("Aucun parent ne reçoit de compte ni d'information pour cet élève."),
     N_("Saisir le responsable légal dans SIECLE.")},
    /* --------------------------------------------------------------- DRIFT */
    {"DRIFT_ELEVES", W, CHECK_FAMILY_DRIFT,
     N_("forte variation du nombre d'élèves"),
     N_("Nombre d'élèves actifs comparé à celui d'avant la dernière exécution."),
     N_("Une variation brutale signale souvent un mauvais fichier (autre année, export partiel)."),
     N_("Vérifier le dernier import (relais status, journal) avant toute synchronisation.")},
    {"DRIFT_RESPONSABLES", W, CHECK_FAMILY_DRIFT,
     N_("forte variation du nombre de responsables"),
     N_("Nombre de responsables actifs comparé à celui d'avant la dernière exécution."),
     N_("Des responsables désactivés par erreur perdent leurs comptes chez les partenaires."),
     N_("Vérifier le dernier import avant toute synchronisation.")},
    {"DRIFT_COMPTES_PARTENAIRES", E, CHECK_FAMILY_DRIFT,
     N_("responsables ayant un compte partenaire désactivés"),
     N_("Responsables déjà rapprochés avec un partenaire (compte en service) désactivés par la "
        "dernière exécution."),
     N_("Leur compte sera supprimé puis recréé chez le partenaire : identifiants perdus."),
     N_("Vérifier ces responsables dans SIECLE avant la synchronisation partenaire.")},
    {"DRIFT_EFFECTIF_DIVISION", W, CHECK_FAMILY_DRIFT,
     N_("forte variation de l'effectif d'une division"),
     N_("Nombre d'élèves de chaque division comparé à celui d'avant la dernière exécution."),
     N_("Une classe qui se vide ou double signale un changement de structure à vérifier."),
     N_("Vérifier les affectations dans SIECLE.")},
};

const check_rule *check_rules(size_t *n)
{
    *n = UTIL_ARRAY_LEN(rules);
    return rules;
}

const check_rule *check_rule_find(const char *code)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(rules); i++) {
        if (strcmp(rules[i].code, code) == 0) {
            return &rules[i];
        }
    }
    return NULL;
}

const char *check_family_name(check_family f)
{
    static const char *const names[CHECK_FAMILY_COUNT] = {"elegroupe", "sts", "ent", "preflight",
                                                          "drift"};
    return (unsigned)f < CHECK_FAMILY_COUNT ? names[f] : "?";
}

const char *check_family_title(check_family f)
{
    static const char *const titles[CHECK_FAMILY_COUNT] = {
        N_("Liens élève-groupe (jugés comme SIECLE)"),
        N_("Remontée de l'emploi du temps vers STS-Web"),
        N_("Cohérence ENT et partenaires"),
        N_("À vérifier avant une première synchronisation"),
        N_("Variations depuis la dernière exécution"),
    };
    return (unsigned)f < CHECK_FAMILY_COUNT ? _(titles[f]) : "?";
}

static const char *severity_label(relais_severity s)
{
    switch (s) {
    case RELAIS_SEVERITY_ERROR: return _("erreur");
    case RELAIS_SEVERITY_WARNING: return _("avertissement");
    default: return _("information");
    }
}

int check_rules_markdown(FILE *out)
{
    fprintf(out, "# %s\n\n", _("Catalogue des contrôles de relais"));
    fprintf(out, "%s\n", _("Généré par `relais check --rules` : ne pas modifier à la main."));
    for (int f = 0; f < CHECK_FAMILY_COUNT; f++) {
        fprintf(out, "\n## %s\n", check_family_title((check_family)f));
        for (size_t i = 0; i < UTIL_ARRAY_LEN(rules); i++) {
            const check_rule *r = &rules[i];
            if ((int)r->family != f) {
                continue;
            }
            fprintf(out, "\n### `%s` — %s\n\n", r->code, _(r->title));
            fprintf(out, "- **%s** : %s\n", _("Gravité"), severity_label(r->severity));
            fprintf(out, "- **%s** : %s\n", _("Contrôle"), _(r->what));
            fprintf(out, "- **%s** : %s\n", _("Pourquoi"), _(r->why));
            fprintf(out, "- **%s** : %s\n", _("Correction"), _(r->fix));
        }
    }
    return ferror(out) ? RELAIS_EIO : 0;
}
