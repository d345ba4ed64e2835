/*
 * model.h — the canonical school model of relais: the kinds of records the hub
 * keeps for each establishment and school year, and the catalogue of their
 * fields.
 *
 * The catalogue is the single description of the model: the store builds its
 * SQL from it (and checks at open that the schema agrees), the change layer
 * diffs records field by field with it, reports and the partner feed name
 * fields with it. Field names are the SQL column names and the JSON keys; most
 * mirror the SIECLE / STS-Web element names in lower case.
 *
 * Every record has a stable internal id (global across kinds, never reused),
 * belongs to one scope (establishment × school year), and is active or
 * deactivated (never deleted by a sync).
 */
#ifndef RELAIS_MODEL_H
#define RELAIS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Field value types. Values are kept as UTF-8 text (NULL = absent) except refs. */
typedef enum relais_field_type {
    RELAIS_FT_TEXT,
    RELAIS_FT_DATE,    /* ISO "YYYY-MM-DD" */
    RELAIS_FT_BOOL,    /* "0" / "1" */
    RELAIS_FT_INT,     /* decimal integer text */
    RELAIS_FT_DECIMAL, /* decimal with a dot: "2.50" */
    RELAIS_FT_REF,     /* internal id of another record */
} relais_field_type;

/*
 * Field groups: which part of a record a field belongs to. Import options act
 * on groups ("update identity", "update contact details", …), and the natural
 * key of a kind is made of its RELAIS_FG_KEY fields.
 */
typedef enum relais_field_group {
    RELAIS_FG_KEY = 1 << 0,       /* natural key within the scope */
    RELAIS_FG_IDENTITY = 1 << 1,  /* names, birth, sex, national ids */
    RELAIS_FG_CONTACT = 1 << 2,   /* phones, e-mail, address */
    RELAIS_FG_SCHOOLING = 1 << 3, /* current schooling: MEF, régime, status, dates */
    RELAIS_FG_PREVIOUS = 1 << 4,  /* previous schooling */
    RELAIS_FG_CONSENT = 1 << 5,   /* RGPD consent */
    RELAIS_FG_DATA = 1 << 6,      /* everything else */
} relais_field_group;

#define RELAIS_FG_ALL 0x7f

/*
 * The kinds, in dependency order (a kind only refers to kinds before it).
 * X(ENUM, name, table, French plural label)
 */
#define RELAIS_KINDS(X)                                                                          \
    X(MEF, "mef", "mef", "MEF")                                                                  \
    X(SUBJECT, "subject", "subject", "matières")                                                 \
    X(NOMENCLATURE, "nomenclature", "nomenclature", "entrées de nomenclature")                   \
    X(PROGRAMME, "programme", "programme", "programmes")                                         \
    X(MANDATORY_OPTION, "mandatory_option", "mandatory_option", "options obligatoires")          \
    X(DIVISION, "division", "division", "divisions")                                             \
    X(GROUP, "group", "teaching_group", "groupes")                                               \
    X(GROUP_DIVISION, "group_division", "group_division", "rattachements groupe-division")       \
    X(STUDENT, "student", "student", "élèves")                                                   \
    X(GUARDIAN, "guardian", "guardian", "responsables")                                          \
    X(STUDENT_GUARDIAN, "student_guardian", "student_guardian", "liens élève-responsable")       \
    X(ENROLMENT, "enrolment", "enrolment", "inscriptions dans les structures")                   \
    X(STUDENT_OPTION, "student_option", "student_option", "options des élèves")                  \
    X(STAFF, "staff", "staff", "personnels")                                                     \
    X(STAFF_DISCIPLINE, "staff_discipline", "staff_discipline", "disciplines des personnels")    \
    X(SERVICE, "service", "service", "services")                                                 \
    X(SERVICE_TEACHER, "service_teacher", "service_teacher", "enseignants des services")         \
    X(COURSE, "course", "course", "cours")                                                       \
    X(XREF, "xref", "xref", "identifiants externes")                                             \
    X(XREF_REJECTION, "xref_rejection", "xref_rejection", "rapprochements refusés")

typedef enum relais_kind {
#define RELAIS_KIND_ENUM(e, name, table, label) RELAIS_KIND_##e,
    RELAIS_KINDS(RELAIS_KIND_ENUM)
#undef RELAIS_KIND_ENUM
        RELAIS_KIND_COUNT
} relais_kind;

/* Address block shared by students and guardians (SIECLE ADRESSE). */
#define RELAIS_ADDRESS_FIELDS(X, P)                                                              \
    X(P##ADRESSE_ID, "adresse_id", TEXT, CONTACT, NONE)                                          \
    X(P##LIGNE1_ADRESSE, "ligne1_adresse", TEXT, CONTACT, NONE)                                  \
    X(P##LIGNE2_ADRESSE, "ligne2_adresse", TEXT, CONTACT, NONE)                                  \
    X(P##LIGNE3_ADRESSE, "ligne3_adresse", TEXT, CONTACT, NONE)                                  \
    X(P##LIGNE4_ADRESSE, "ligne4_adresse", TEXT, CONTACT, NONE)                                  \
    X(P##BOITE_POSTALE, "boite_postale", TEXT, CONTACT, NONE)                                    \
    X(P##COMMUNE_ETRANGERE, "commune_etrangere", TEXT, CONTACT, NONE)                            \
    X(P##CODE_POSTAL, "code_postal", TEXT, CONTACT, NONE)                                        \
    X(P##CODE_PAYS_ADRESSE, "code_pays_adresse", TEXT, CONTACT, NONE)                            \
    X(P##CODE_COMMUNE_INSEE, "code_commune_insee", TEXT, CONTACT, NONE)                          \
    X(P##LL_PAYS, "ll_pays", TEXT, CONTACT, NONE)                                                \
    X(P##CODE_DEPARTEMENT, "code_departement", TEXT, CONTACT, NONE)                              \
    X(P##LIBELLE_POSTAL, "libelle_postal", TEXT, CONTACT, NONE)

/* X(ENUM, column, type, group, referenced kind) per kind. */
#define RELAIS_FIELDS_MEF(X)                                                                     \
    X(CODE_MEF, "code_mef", TEXT, KEY, NONE)                                                     \
    X(FORMATION, "formation", TEXT, DATA, NONE)                                                  \
    X(SPECIALITE, "specialite", TEXT, DATA, NONE)                                                \
    X(LIBELLE_LONG, "libelle_long", TEXT, DATA, NONE)                                            \
    X(LIBELLE_EDITION, "libelle_edition", TEXT, DATA, NONE)                                      \
    X(STATUT_MEF, "statut_mef", TEXT, DATA, NONE)                                                \
    X(MEF_RATTACHEMENT, "mef_rattachement", TEXT, DATA, NONE)                                    \
    X(CODE_MEFSTAT, "code_mefstat", TEXT, DATA, NONE)                                            \
    X(MEFSTAT4, "mefstat4", TEXT, DATA, NONE)                                                    \
    X(NB_OPT_OBLIG, "nb_opt_oblig", INT, DATA, NONE)                                             \
    X(NB_OPT_MINI, "nb_opt_mini", INT, DATA, NONE)                                               \
    X(RENFORCEMENT_LANGUES, "renforcement_langues", TEXT, DATA, NONE)                            \
    X(INSCRIPTION_ETAB, "inscription_etab", TEXT, DATA, NONE)                                    \
    X(MEF_ORIGINE, "mef_origine", TEXT, DATA, NONE)                                              \
    X(MEF_SELECTIONNE, "mef_selectionne", TEXT, DATA, NONE)                                      \
    X(MEF_SELORIG, "mef_selorig", TEXT, DATA, NONE)                                              \
    X(DATE_OUVERTURE, "date_ouverture", DATE, DATA, NONE)                                        \
    X(DATE_FERMETURE, "date_fermeture", DATE, DATA, NONE)

#define RELAIS_FIELDS_SUBJECT(X)                                                                 \
    X(CODE_MATIERE, "code_matiere", TEXT, KEY, NONE)                                             \
    X(CODE_GESTION, "code_gestion", TEXT, DATA, NONE)                                            \
    X(LIBELLE_COURT, "libelle_court", TEXT, DATA, NONE)                                          \
    X(LIBELLE_LONG, "libelle_long", TEXT, DATA, NONE)                                            \
    X(LIBELLE_EDITION, "libelle_edition", TEXT, DATA, NONE)                                      \
    X(MATIERE_ETP, "matiere_etp", BOOL, DATA, NONE)                                              \
    X(CODE_MATIERE_NATIONALE, "code_matiere_nationale", TEXT, DATA, NONE)

/* Every other code list (régimes, liens de parenté, professions, …): `list` names it. */
#define RELAIS_FIELDS_NOMENCLATURE(X)                                                            \
    X(LIST, "list", TEXT, KEY, NONE)                                                             \
    X(CODE, "code", TEXT, KEY, NONE)                                                             \
    X(LIBELLE_COURT, "libelle_court", TEXT, DATA, NONE)                                          \
    X(LIBELLE_LONG, "libelle_long", TEXT, DATA, NONE)                                            \
    X(LIBELLE_EDITION, "libelle_edition", TEXT, DATA, NONE)                                      \
    X(TRI, "tri", TEXT, DATA, NONE)                                                              \
    X(ATTRS, "attrs", TEXT, DATA, NONE) /* other fields, JSON object with sorted keys */

#define RELAIS_FIELDS_PROGRAMME(X)                                                               \
    X(CODE_MEF, "code_mef", TEXT, KEY, NONE)                                                     \
    X(CODE_MATIERE, "code_matiere", TEXT, KEY, NONE)                                             \
    X(CODE_MODALITE_ELECT, "code_modalite_elect", TEXT, KEY, NONE)                               \
    X(HORAIRE, "horaire", DECIMAL, DATA, NONE)

/* The same subject may be offered at several ranks of one MEF (real Nomenclature, 2019). */
#define RELAIS_FIELDS_MANDATORY_OPTION(X)                                                        \
    X(CODE_MEF, "code_mef", TEXT, KEY, NONE)                                                     \
    X(CODE_MATIERE, "code_matiere", TEXT, KEY, NONE)                                             \
    X(RANG_OPTION, "rang_option", INT, KEY, NONE)

#define RELAIS_FIELDS_DIVISION(X)                                                                \
    X(CODE, "code", TEXT, KEY, NONE)                                                             \
    X(LIBELLE_LONG, "libelle_long", TEXT, DATA, NONE)                                            \
    X(CODE_CONTRAT, "code_contrat", TEXT, DATA, NONE)                                            \
    X(CODE_RNE, "code_rne", TEXT, DATA, NONE)                                                    \
    X(MEFS, "mefs", TEXT, DATA, NONE) /* MEF codes, sorted, space-separated */                   \
    X(EFFECTIF_PREVU, "effectif_prevu", INT, DATA, NONE)

#define RELAIS_FIELDS_GROUP(X)                                                                   \
    X(CODE, "code", TEXT, KEY, NONE)                                                             \
    X(LIBELLE_LONG, "libelle_long", TEXT, DATA, NONE)                                            \
    X(MEFS, "mefs", TEXT, DATA, NONE)                                                            \
    X(EFFECTIF_PREVU, "effectif_prevu", INT, DATA, NONE)                                         \
    X(EFFECTIF_MAX, "effectif_max", INT, DATA, NONE)

/* A group draws its students from these divisions. */
#define RELAIS_FIELDS_GROUP_DIVISION(X)                                                          \
    X(GROUP, "group_id", REF, KEY, GROUP)                                                        \
    X(DIVISION, "division_id", REF, KEY, DIVISION)

#define RELAIS_FIELDS_STUDENT(X)                                                                 \
    X(ELEVE_ID, "eleve_id", TEXT, KEY, NONE)                                                     \
    X(ELENOET, "elenoet", TEXT, IDENTITY, NONE)                                                  \
    X(ID_ELEVE_ETAB, "id_eleve_etab", TEXT, IDENTITY, NONE)                                      \
    X(INE, "ine", TEXT, IDENTITY, NONE) /* ID_NATIONAL */                                        \
    X(INE_BEA, "ine_bea", TEXT, IDENTITY, NONE)                                                  \
    X(INE_RNIE, "ine_rnie", TEXT, IDENTITY, NONE)                                                \
    X(ID_PRV_ELE, "id_prv_ele", TEXT, IDENTITY, NONE)                                            \
    X(NOM_DE_FAMILLE, "nom_de_famille", TEXT, IDENTITY, NONE)                                    \
    X(NOM_USAGE, "nom_usage", TEXT, IDENTITY, NONE)                                              \
    X(PRENOM, "prenom", TEXT, IDENTITY, NONE)                                                    \
    X(PRENOM2, "prenom2", TEXT, IDENTITY, NONE)                                                  \
    X(PRENOM3, "prenom3", TEXT, IDENTITY, NONE)                                                  \
    X(DATE_NAISS, "date_naiss", DATE, IDENTITY, NONE)                                            \
    X(CODE_SEXE, "code_sexe", TEXT, IDENTITY, NONE)                                              \
    X(CODE_PAYS, "code_pays", TEXT, IDENTITY, NONE) /* birth country */                          \
    X(CODE_DEPARTEMENT_NAISS, "code_departement_naiss", TEXT, IDENTITY, NONE)                    \
    X(CODE_COMMUNE_INSEE_NAISS, "code_commune_insee_naiss", TEXT, IDENTITY, NONE)                \
    X(VILLE_NAISS, "ville_naiss", TEXT, IDENTITY, NONE)                                          \
    X(CODE_PAYS_NAT, "code_pays_nat", TEXT, IDENTITY, NONE)                                      \
    X(TEL_PERSONNEL, "tel_personnel", TEXT, CONTACT, NONE)                                       \
    X(TEL_PORTABLE, "tel_portable", TEXT, CONTACT, NONE)                                         \
    X(TEL_PROFESSIONNEL, "tel_professionnel", TEXT, CONTACT, NONE)                               \
    X(MEL, "mel", TEXT, CONTACT, NONE)                                                           \
    X(ACCEPTE_SMS, "accepte_sms", BOOL, CONTACT, NONE)                                           \
    RELAIS_ADDRESS_FIELDS(X, )                                                                   \
    X(CODE_MEF, "code_mef", TEXT, SCHOOLING, NONE)                                               \
    X(CODE_REGIME, "code_regime", TEXT, SCHOOLING, NONE)                                         \
    X(CODE_STATUT, "code_statut", TEXT, SCHOOLING, NONE)                                         \
    X(DOUBLEMENT, "doublement", BOOL, SCHOOLING, NONE)                                           \
    X(DATE_ENTREE, "date_entree", DATE, SCHOOLING, NONE)                                         \
    X(DATE_SORTIE, "date_sortie", DATE, SCHOOLING, NONE)                                         \
    X(CODE_MOTIF_SORTIE, "code_motif_sortie", TEXT, SCHOOLING, NONE)                             \
    X(CODE_PROVENANCE, "code_provenance", TEXT, SCHOOLING, NONE)                                 \
    X(ADHESION_TRANSPORT, "adhesion_transport", BOOL, SCHOOLING, NONE)                           \
    X(BOURSES, "bourses", TEXT, SCHOOLING, NONE) /* CODE_BOURSE list, space-separated */         \
    X(DATE_MODIFICATION, "date_modification", DATE, DATA, NONE)                                  \
    X(PREV_CODE_MEF, "prev_code_mef", TEXT, PREVIOUS, NONE)                                      \
    X(PREV_CODE_STRUCTURE, "prev_code_structure", TEXT, PREVIOUS, NONE)                          \
    X(PREV_CODE_RNE, "prev_code_rne", TEXT, PREVIOUS, NONE)                                      \
    X(PREV_CODE_NATURE, "prev_code_nature", TEXT, PREVIOUS, NONE)                                \
    X(PREV_SIGLE, "prev_sigle", TEXT, PREVIOUS, NONE)                                            \
    X(PREV_DENOM_PRINC, "prev_denom_princ", TEXT, PREVIOUS, NONE)                                \
    X(PREV_DENOM_COMPL, "prev_denom_compl", TEXT, PREVIOUS, NONE)                                \
    X(PREV_LIGNE1_ADRESSE, "prev_ligne1_adresse", TEXT, PREVIOUS, NONE)                          \
    X(PREV_LIGNE2_ADRESSE, "prev_ligne2_adresse", TEXT, PREVIOUS, NONE)                          \
    X(PREV_LIGNE3_ADRESSE, "prev_ligne3_adresse", TEXT, PREVIOUS, NONE)                          \
    X(PREV_LIGNE4_ADRESSE, "prev_ligne4_adresse", TEXT, PREVIOUS, NONE)                          \
    X(PREV_BOITE_POSTALE, "prev_boite_postale", TEXT, PREVIOUS, NONE)                            \
    X(PREV_COMMUNE_ETRANGERE, "prev_commune_etrangere", TEXT, PREVIOUS, NONE)                    \
    X(PREV_MEL, "prev_mel", TEXT, PREVIOUS, NONE)                                                \
    X(PREV_TELEPHONE, "prev_telephone", TEXT, PREVIOUS, NONE)                                    \
    X(PREV_CODE_COMMUNE_INSEE, "prev_code_commune_insee", TEXT, PREVIOUS, NONE)                  \
    X(PREV_LL_COMMUNE_INSEE, "prev_ll_commune_insee", TEXT, PREVIOUS, NONE)                      \
    X(CONSENT_RGPD, "consent_rgpd", BOOL, CONSENT, NONE)

#define RELAIS_FIELDS_GUARDIAN(X)                                                                \
    X(PERSONNE_ID, "personne_id", TEXT, KEY, NONE)                                               \
    X(ID_PRV_PER, "id_prv_per", TEXT, IDENTITY, NONE)                                            \
    X(LC_CIVILITE, "lc_civilite", TEXT, IDENTITY, NONE)                                          \
    X(LL_CIVILITE, "ll_civilite", TEXT, IDENTITY, NONE)                                          \
    X(NOM_DE_FAMILLE, "nom_de_famille", TEXT, IDENTITY, NONE)                                    \
    X(NOM_USAGE, "nom_usage", TEXT, IDENTITY, NONE)                                              \
    X(PRENOM, "prenom", TEXT, IDENTITY, NONE)                                                    \
    X(DATE_NAISSANCE, "date_naissance", DATE, IDENTITY, NONE)                                    \
    X(TEL_PERSONNEL, "tel_personnel", TEXT, CONTACT, NONE)                                       \
    X(TEL_PORTABLE, "tel_portable", TEXT, CONTACT, NONE)                                         \
    X(TEL_PROFESSIONNEL, "tel_professionnel", TEXT, CONTACT, NONE)                               \
    X(ACCEPTE_SMS, "accepte_sms", BOOL, CONTACT, NONE)                                           \
    X(MEL, "mel", TEXT, CONTACT, NONE)                                                           \
    X(COMMUNICATION_ADRESSE, "communication_adresse", BOOL, CONTACT, NONE)                       \
    RELAIS_ADDRESS_FIELDS(X, )                                                                   \
    X(CODE_PROFESSION, "code_profession", TEXT, DATA, NONE)                                      \
    X(CONSENT_RGPD, "consent_rgpd", BOOL, CONSENT, NONE)

/* Student–guardian link: both responsibility models of SIECLE (before/after 2018). */
#define RELAIS_FIELDS_STUDENT_GUARDIAN(X)                                                        \
    X(STUDENT, "student_id", REF, KEY, STUDENT)                                                  \
    X(GUARDIAN, "guardian_id", REF, KEY, GUARDIAN)                                               \
    X(NIVEAU_RESPONSABILITE, "niveau_responsabilite", TEXT, DATA, NONE)                          \
    X(CODE_PARENTE, "code_parente", TEXT, DATA, NONE)                                            \
    X(RESP_LEGAL, "resp_legal", TEXT, DATA, NONE)                                                \
    X(PAIE_FRAIS_SCOLAIRES, "paie_frais_scolaires", BOOL, DATA, NONE)                            \
    X(PERCOIT_LES_AIDES, "percoit_les_aides", BOOL, DATA, NONE)                                  \
    X(HEBERGE_ELEVE, "heberge_eleve", BOOL, DATA, NONE)                                          \
    X(A_CONTACTER_EN_PRIORITE, "a_contacter_en_priorite", BOOL, DATA, NONE)                      \
    X(RESP_FINANCIER, "resp_financier", BOOL, DATA, NONE)                                        \
    X(PERS_PAIEMENT, "pers_paiement", BOOL, DATA, NONE)                                          \
    X(PERS_CONTACT, "pers_contact", BOOL, DATA, NONE)

/* A student in a division or a group (exactly one of the two refs is set). */
#define RELAIS_FIELDS_ENROLMENT(X)                                                               \
    X(STUDENT, "student_id", REF, KEY, STUDENT)                                                  \
    X(DIVISION, "division_id", REF, KEY, DIVISION)                                               \
    X(GROUP, "group_id", REF, KEY, GROUP)                                                        \
    X(DATE_DEBUT, "date_debut", DATE, SCHOOLING, NONE)                                           \
    X(DATE_FIN, "date_fin", DATE, SCHOOLING, NONE)

#define RELAIS_FIELDS_STUDENT_OPTION(X)                                                          \
    X(STUDENT, "student_id", REF, KEY, STUDENT)                                                  \
    X(CODE_MATIERE, "code_matiere", TEXT, KEY, NONE)                                             \
    X(NUM_OPTION, "num_option", INT, SCHOOLING, NONE)                                            \
    X(CODE_MODALITE_ELECT, "code_modalite_elect", TEXT, SCHOOLING, NONE)

/* STS-Web INDIVIDU: teachers and other staff. */
#define RELAIS_FIELDS_STAFF(X)                                                                   \
    X(STS_ID, "sts_id", TEXT, KEY, NONE)                                                         \
    X(TYPE, "type", TEXT, IDENTITY, NONE) /* epp | local */                                      \
    X(SEXE, "sexe", TEXT, IDENTITY, NONE)                                                        \
    X(CIVILITE, "civilite", TEXT, IDENTITY, NONE)                                                \
    X(NOM_USAGE, "nom_usage", TEXT, IDENTITY, NONE)                                              \
    X(NOM_PATRONYMIQUE, "nom_patronymique", TEXT, IDENTITY, NONE)                                \
    X(PRENOM, "prenom", TEXT, IDENTITY, NONE)                                                    \
    X(DATE_NAISSANCE, "date_naissance", DATE, IDENTITY, NONE)                                    \
    X(GRADE, "grade", TEXT, DATA, NONE)                                                          \
    X(FONCTION, "fonction", TEXT, DATA, NONE)                                                    \
    X(PROFS_PRINC, "profs_princ", TEXT, DATA, NONE) /* structure codes, sorted, "|"-separated */ \
    X(MEL, "mel", TEXT, CONTACT, NONE)

#define RELAIS_FIELDS_STAFF_DISCIPLINE(X)                                                        \
    X(STAFF, "staff_id", REF, KEY, STAFF)                                                        \
    X(CODE, "code", TEXT, KEY, NONE)                                                             \
    X(LIBELLE_COURT, "libelle_court", TEXT, DATA, NONE)                                          \
    X(NB_HEURES, "nb_heures", DECIMAL, DATA, NONE)

/* A teaching service: subject × division or group × course modality. */
#define RELAIS_FIELDS_SERVICE(X)                                                                 \
    X(DIVISION, "division_id", REF, KEY, DIVISION)                                               \
    X(GROUP, "group_id", REF, KEY, GROUP)                                                        \
    X(CODE_MATIERE, "code_matiere", TEXT, KEY, NONE)                                             \
    X(CODE_MOD_COURS, "code_mod_cours", TEXT, KEY, NONE)                                         \
    X(HEURES_STRUCTURE, "heures_structure", DECIMAL, DATA, NONE)                                 \
    X(CO_ENS, "co_ens", BOOL, DATA, NONE)

#define RELAIS_FIELDS_SERVICE_TEACHER(X)                                                         \
    X(SERVICE, "service_id", REF, KEY, SERVICE)                                                  \
    X(STAFF, "staff_id", REF, KEY, STAFF)                                                        \
    X(HEURES_AGENT, "heures_agent", DECIMAL, DATA, NONE)                                         \
    X(TAUX_PONDERATION, "taux_ponderation", DECIMAL, DATA, NONE)

/*
 * A timetable course; its key is a digest of what identifies it (day, start,
 * alternation or weeks, subject, structures), computed by the importer. The
 * subject, teachers and structures are the timetable's own names: xrefs of
 * application "edt" link them to hub records (docs/timetable-import.md).
 */
#define RELAIS_FIELDS_COURSE(X)                                                                  \
    X(COURSE_KEY, "course_key", TEXT, KEY, NONE)                                                 \
    X(JOUR, "jour", INT, DATA, NONE)                                                             \
    X(HEURE_DEBUT, "heure_debut", TEXT, DATA, NONE) /* HH:MM */                                  \
    X(DUREE, "duree", INT, DATA, NONE)              /* minutes */                                \
    X(ALTERNANCE, "alternance", TEXT, DATA, NONE)                                                \
    X(SEMAINES, "semaines", TEXT, DATA, NONE) /* ISO Mondays, space-separated */                 \
    X(CODE_MATIERE, "code_matiere", TEXT, DATA, NONE)                                            \
    X(ENSEIGNANTS, "enseignants", TEXT, DATA, NONE) /* teacher names, sorted, "|"-separated */  \
    X(STRUCTURES, "structures", TEXT, DATA, NONE)   /* structure codes, sorted, "|"-separated */ \
    X(SALLE, "salle", TEXT, DATA, NONE) /* rooms, sorted, "|"-separated */                       \
    X(SERVICE, "service_id", REF, DATA, SERVICE)

/*
 * The identifier crosswalk: one external identifier of one record in one
 * application ("siecle", "sts", "ent", a partner's name…). First and last
 * seen come from the record's journal (created_run, last_seen_run).
 */
#define RELAIS_FIELDS_XREF(X)                                                                    \
    X(APPLICATION, "application", TEXT, KEY, NONE)                                               \
    X(CATEGORY, "category", TEXT, KEY, NONE) /* kind name of the entity */                       \
    X(EXTERNAL_ID, "external_id", TEXT, KEY, NONE)                                               \
    X(ENTITY, "entity_id", REF, DATA, NONE) /* any kind */                                       \
    X(PROVENANCE, "provenance", TEXT, DATA, NONE) /* import, key, auto, manual */

/*
 * A pair the crosswalk must never link: a person decided that external
 * identifier `external_id` of `application` is not record `entity_id`
 * (relais match reject). Later matching runs never propose the pair again.
 */
#define RELAIS_FIELDS_XREF_REJECTION(X)                                                          \
    X(APPLICATION, "application", TEXT, KEY, NONE)                                               \
    X(CATEGORY, "category", TEXT, KEY, NONE)                                                     \
    X(EXTERNAL_ID, "external_id", TEXT, KEY, NONE)                                               \
    X(ENTITY, "entity_id", REF, KEY, NONE)

/* Field enums: RELAIS_<KIND>_<FIELD>. */
#define RELAIS_DECLARE_FIELDS(KIND, LIST)                                                        \
    enum relais_##KIND##_field { LIST(RELAIS_FIELD_ENUM_##KIND) RELAIS_##KIND##_FIELD_COUNT };

#define RELAIS_FIELD_ENUM_MEF(e, c, t, g, r) RELAIS_MEF_##e,
#define RELAIS_FIELD_ENUM_SUBJECT(e, c, t, g, r) RELAIS_SUBJECT_##e,
#define RELAIS_FIELD_ENUM_NOMENCLATURE(e, c, t, g, r) RELAIS_NOMENCLATURE_##e,
#define RELAIS_FIELD_ENUM_PROGRAMME(e, c, t, g, r) RELAIS_PROGRAMME_##e,
#define RELAIS_FIELD_ENUM_MANDATORY_OPTION(e, c, t, g, r) RELAIS_MANDATORY_OPTION_##e,
#define RELAIS_FIELD_ENUM_DIVISION(e, c, t, g, r) RELAIS_DIVISION_##e,
#define RELAIS_FIELD_ENUM_GROUP(e, c, t, g, r) RELAIS_GROUP_##e,
#define RELAIS_FIELD_ENUM_GROUP_DIVISION(e, c, t, g, r) RELAIS_GROUP_DIVISION_##e,
#define RELAIS_FIELD_ENUM_STUDENT(e, c, t, g, r) RELAIS_STUDENT_##e,
#define RELAIS_FIELD_ENUM_GUARDIAN(e, c, t, g, r) RELAIS_GUARDIAN_##e,
#define RELAIS_FIELD_ENUM_STUDENT_GUARDIAN(e, c, t, g, r) RELAIS_STUDENT_GUARDIAN_##e,
#define RELAIS_FIELD_ENUM_ENROLMENT(e, c, t, g, r) RELAIS_ENROLMENT_##e,
#define RELAIS_FIELD_ENUM_STUDENT_OPTION(e, c, t, g, r) RELAIS_STUDENT_OPTION_##e,
#define RELAIS_FIELD_ENUM_STAFF(e, c, t, g, r) RELAIS_STAFF_##e,
#define RELAIS_FIELD_ENUM_STAFF_DISCIPLINE(e, c, t, g, r) RELAIS_STAFF_DISCIPLINE_##e,
#define RELAIS_FIELD_ENUM_SERVICE(e, c, t, g, r) RELAIS_SERVICE_##e,
#define RELAIS_FIELD_ENUM_SERVICE_TEACHER(e, c, t, g, r) RELAIS_SERVICE_TEACHER_##e,
#define RELAIS_FIELD_ENUM_COURSE(e, c, t, g, r) RELAIS_COURSE_##e,
#define RELAIS_FIELD_ENUM_XREF(e, c, t, g, r) RELAIS_XREF_##e,
#define RELAIS_FIELD_ENUM_XREF_REJECTION(e, c, t, g, r) RELAIS_XREF_REJECTION_##e,

RELAIS_DECLARE_FIELDS(MEF, RELAIS_FIELDS_MEF)
RELAIS_DECLARE_FIELDS(SUBJECT, RELAIS_FIELDS_SUBJECT)
RELAIS_DECLARE_FIELDS(NOMENCLATURE, RELAIS_FIELDS_NOMENCLATURE)
RELAIS_DECLARE_FIELDS(PROGRAMME, RELAIS_FIELDS_PROGRAMME)
RELAIS_DECLARE_FIELDS(MANDATORY_OPTION, RELAIS_FIELDS_MANDATORY_OPTION)
RELAIS_DECLARE_FIELDS(DIVISION, RELAIS_FIELDS_DIVISION)
RELAIS_DECLARE_FIELDS(GROUP, RELAIS_FIELDS_GROUP)
RELAIS_DECLARE_FIELDS(GROUP_DIVISION, RELAIS_FIELDS_GROUP_DIVISION)
RELAIS_DECLARE_FIELDS(STUDENT, RELAIS_FIELDS_STUDENT)
RELAIS_DECLARE_FIELDS(GUARDIAN, RELAIS_FIELDS_GUARDIAN)
RELAIS_DECLARE_FIELDS(STUDENT_GUARDIAN, RELAIS_FIELDS_STUDENT_GUARDIAN)
RELAIS_DECLARE_FIELDS(ENROLMENT, RELAIS_FIELDS_ENROLMENT)
RELAIS_DECLARE_FIELDS(STUDENT_OPTION, RELAIS_FIELDS_STUDENT_OPTION)
RELAIS_DECLARE_FIELDS(STAFF, RELAIS_FIELDS_STAFF)
RELAIS_DECLARE_FIELDS(STAFF_DISCIPLINE, RELAIS_FIELDS_STAFF_DISCIPLINE)
RELAIS_DECLARE_FIELDS(SERVICE, RELAIS_FIELDS_SERVICE)
RELAIS_DECLARE_FIELDS(SERVICE_TEACHER, RELAIS_FIELDS_SERVICE_TEACHER)
RELAIS_DECLARE_FIELDS(COURSE, RELAIS_FIELDS_COURSE)
RELAIS_DECLARE_FIELDS(XREF, RELAIS_FIELDS_XREF)
RELAIS_DECLARE_FIELDS(XREF_REJECTION, RELAIS_FIELDS_XREF_REJECTION)

/** Description of one field. */
typedef struct relais_field {
    const char *name; /* column and JSON key */
    relais_field_type type;
    unsigned group;        /* one relais_field_group bit */
    int ref_kind;          /* for RELAIS_FT_REF: the kind referred to, or -1 for any */
} relais_field;

/** Description of one kind. */
typedef struct relais_kind_info {
    relais_kind kind;
    const char *name;  /* "student" */
    const char *table; /* SQL table */
    const char *label; /* French plural, for reports ("élèves") */
    const relais_field *fields;
    size_t n_fields;
    size_t key[4]; /* indices of the key fields */
    size_t n_key;
} relais_kind_info;

/** The catalogue entry of a kind; NULL when out of range. */
const relais_kind_info *relais_kind_get(relais_kind kind);
/** Find a kind by name ("student"); -1 when unknown. */
int relais_kind_by_name(const char *name);
/** Index of field `name` in `kind`, or -1. */
int relais_field_index(relais_kind kind, const char *name);

/**
 * True for crosswalk applications whose ids come from the sources relais
 * imports ("siecle", "sts", "edt" and the student's "ine"), false for the
 * applications where persons hold accounts (ENT, partners).
 */
bool relais_application_is_source(const char *application);

/**
 * A record of the model, as read from the store or built by an importer.
 * Text values are UTF-8, NULL when absent (an empty element is absent); refs
 * are internal ids (> 0), 0 when absent, or < 0 for a record created earlier
 * in the same plan (see change.h). Values are borrowed from the arena the
 * record was built in.
 */
typedef struct relais_record {
    relais_kind kind;
    int64_t id;       /* internal id, 0 when not stored yet */
    int64_t scope_id; /* establishment × year */
    bool is_active;
    const char *deactivated_on; /* ISO date, NULL while active */
    const char **text;          /* n_fields text values */
    int64_t *ref;               /* n_fields ref values (only REF fields used) */
} relais_record;

struct util_arena;

/** Allocate an empty record of `kind` in `arena` (all values absent, active). NULL on ENOMEM. */
relais_record *relais_record_new(struct util_arena *arena, relais_kind kind);
/** Copy a record (and its strings) into `arena`. */
relais_record *relais_record_copy(struct util_arena *arena, const relais_record *r);
/**
 * Set text field `field` from (value, len), trimmed; an empty value is stored
 * as absent. The string is copied into `arena`. Returns 0 or RELAIS_ENOMEM.
 */
int relais_record_set(relais_record *r, struct util_arena *arena, size_t field, const char *value,
                      size_t len);
/** Same with a NUL-terminated string (NULL = absent). */
int relais_record_set_str(relais_record *r, struct util_arena *arena, size_t field,
                          const char *value);
/** Text value of a field (NULL when absent). */
const char *relais_record_get(const relais_record *r, size_t field);
/**
 * The natural key of a record as one string (key fields joined by U+001F),
 * written into `arena`. Refs are written as decimal ids.
 */
const char *relais_record_key(const relais_record *r, struct util_arena *arena);
/**
 * A short human label for reports: "DUPONT Jean (eleve_id 1234)", "3A (3EME A)",
 * written into `arena`.
 */
const char *relais_record_label(const relais_record *r, struct util_arena *arena);
/** Are values of field `field` equal in a and b? */
bool relais_record_field_equal(const relais_record *a, const relais_record *b, size_t field);

#ifdef __cplusplus
}
#endif
#endif
