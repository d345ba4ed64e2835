-- 002_model.sql — the canonical model: one table per kind of relais/model.h.
-- Every column is TEXT except references: codes keep their leading zeros
-- ("030201", "075"), dates are ISO, booleans "0"/"1", decimals keep their dot.
-- The id of each row is the id of its entity row (global, never reused).

CREATE TABLE mef (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code_mef TEXT,
    formation TEXT,
    specialite TEXT,
    libelle_long TEXT,
    libelle_edition TEXT,
    statut_mef TEXT,
    mef_rattachement TEXT,
    code_mefstat TEXT,
    mefstat4 TEXT,
    nb_opt_oblig TEXT,
    nb_opt_mini TEXT,
    renforcement_langues TEXT,
    inscription_etab TEXT,
    mef_origine TEXT,
    mef_selectionne TEXT,
    mef_selorig TEXT,
    date_ouverture TEXT,
    date_fermeture TEXT
);
CREATE UNIQUE INDEX mef_key ON mef (scope_id, code_mef);

CREATE TABLE subject (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code_matiere TEXT,
    code_gestion TEXT,
    libelle_court TEXT,
    libelle_long TEXT,
    libelle_edition TEXT,
    matiere_etp TEXT,
    code_matiere_nationale TEXT
);
CREATE UNIQUE INDEX subject_key ON subject (scope_id, code_matiere);

CREATE TABLE nomenclature (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    list TEXT,
    code TEXT,
    libelle_court TEXT,
    libelle_long TEXT,
    libelle_edition TEXT,
    tri TEXT,
    attrs TEXT
);
CREATE UNIQUE INDEX nomenclature_key ON nomenclature (scope_id, list, code);

CREATE TABLE programme (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code_mef TEXT,
    code_matiere TEXT,
    code_modalite_elect TEXT,
    horaire TEXT
);
CREATE UNIQUE INDEX programme_key ON programme (scope_id, code_mef, code_matiere, code_modalite_elect);

CREATE TABLE mandatory_option (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code_mef TEXT,
    code_matiere TEXT,
    rang_option TEXT
);
CREATE UNIQUE INDEX mandatory_option_key ON mandatory_option (scope_id, code_mef, code_matiere);

CREATE TABLE division (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code TEXT,
    libelle_long TEXT,
    code_contrat TEXT,
    code_rne TEXT,
    mefs TEXT,
    effectif_prevu TEXT
);
CREATE UNIQUE INDEX division_key ON division (scope_id, code);

CREATE TABLE teaching_group (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    code TEXT,
    libelle_long TEXT,
    mefs TEXT,
    effectif_prevu TEXT,
    effectif_max TEXT
);
CREATE UNIQUE INDEX teaching_group_key ON teaching_group (scope_id, code);

CREATE TABLE group_division (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    group_id INTEGER REFERENCES teaching_group(id),
    division_id INTEGER REFERENCES division(id)
);
CREATE UNIQUE INDEX group_division_key ON group_division (scope_id, COALESCE(group_id, 0), COALESCE(division_id, 0));
CREATE INDEX group_division_division_id ON group_division (division_id);

CREATE TABLE student (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    eleve_id TEXT,
    elenoet TEXT,
    id_eleve_etab TEXT,
    ine TEXT,
    ine_bea TEXT,
    ine_rnie TEXT,
    id_prv_ele TEXT,
    nom_de_famille TEXT,
    nom_usage TEXT,
    prenom TEXT,
    prenom2 TEXT,
    prenom3 TEXT,
    date_naiss TEXT,
    code_sexe TEXT,
    code_pays TEXT,
    code_departement_naiss TEXT,
    code_commune_insee_naiss TEXT,
    ville_naiss TEXT,
    code_pays_nat TEXT,
    tel_personnel TEXT,
    tel_portable TEXT,
    tel_professionnel TEXT,
    mel TEXT,
    accepte_sms TEXT,
    adresse_id TEXT,
    ligne1_adresse TEXT,
    ligne2_adresse TEXT,
    ligne3_adresse TEXT,
    ligne4_adresse TEXT,
    boite_postale TEXT,
    commune_etrangere TEXT,
    code_postal TEXT,
    code_pays_adresse TEXT,
    code_commune_insee TEXT,
    ll_pays TEXT,
    code_departement TEXT,
    libelle_postal TEXT,
    code_mef TEXT,
    code_regime TEXT,
    code_statut TEXT,
    doublement TEXT,
    date_entree TEXT,
    date_sortie TEXT,
    code_motif_sortie TEXT,
    code_provenance TEXT,
    adhesion_transport TEXT,
    bourses TEXT,
    date_modification TEXT,
    prev_code_mef TEXT,
    prev_code_structure TEXT,
    prev_code_rne TEXT,
    prev_code_nature TEXT,
    prev_sigle TEXT,
    prev_denom_princ TEXT,
    prev_denom_compl TEXT,
    prev_ligne1_adresse TEXT,
    prev_ligne2_adresse TEXT,
    prev_ligne3_adresse TEXT,
    prev_ligne4_adresse TEXT,
    prev_boite_postale TEXT,
    prev_commune_etrangere TEXT,
    prev_mel TEXT,
    prev_telephone TEXT,
    prev_code_commune_insee TEXT,
    prev_ll_commune_insee TEXT,
    consent_rgpd TEXT
);
CREATE UNIQUE INDEX student_key ON student (scope_id, eleve_id);

CREATE TABLE guardian (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    personne_id TEXT,
    id_prv_per TEXT,
    lc_civilite TEXT,
    ll_civilite TEXT,
    nom_de_famille TEXT,
    nom_usage TEXT,
    prenom TEXT,
    date_naissance TEXT,
    tel_personnel TEXT,
    tel_portable TEXT,
    tel_professionnel TEXT,
    accepte_sms TEXT,
    mel TEXT,
    communication_adresse TEXT,
    adresse_id TEXT,
    ligne1_adresse TEXT,
    ligne2_adresse TEXT,
    ligne3_adresse TEXT,
    ligne4_adresse TEXT,
    boite_postale TEXT,
    commune_etrangere TEXT,
    code_postal TEXT,
    code_pays_adresse TEXT,
    code_commune_insee TEXT,
    ll_pays TEXT,
    code_departement TEXT,
    libelle_postal TEXT,
    code_profession TEXT,
    consent_rgpd TEXT
);
CREATE UNIQUE INDEX guardian_key ON guardian (scope_id, personne_id);

CREATE TABLE student_guardian (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    student_id INTEGER REFERENCES student(id),
    guardian_id INTEGER REFERENCES guardian(id),
    niveau_responsabilite TEXT,
    code_parente TEXT,
    resp_legal TEXT,
    paie_frais_scolaires TEXT,
    percoit_les_aides TEXT,
    heberge_eleve TEXT,
    a_contacter_en_priorite TEXT,
    resp_financier TEXT,
    pers_paiement TEXT,
    pers_contact TEXT
);
CREATE UNIQUE INDEX student_guardian_key ON student_guardian (scope_id, COALESCE(student_id, 0), COALESCE(guardian_id, 0));
CREATE INDEX student_guardian_guardian_id ON student_guardian (guardian_id);

CREATE TABLE enrolment (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    student_id INTEGER REFERENCES student(id),
    division_id INTEGER REFERENCES division(id),
    group_id INTEGER REFERENCES teaching_group(id),
    date_debut TEXT,
    date_fin TEXT
);
CREATE UNIQUE INDEX enrolment_key ON enrolment (scope_id, COALESCE(student_id, 0), COALESCE(division_id, 0), COALESCE(group_id, 0));
CREATE INDEX enrolment_division_id ON enrolment (division_id);
CREATE INDEX enrolment_group_id ON enrolment (group_id);

CREATE TABLE student_option (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    student_id INTEGER REFERENCES student(id),
    code_matiere TEXT,
    num_option TEXT,
    code_modalite_elect TEXT
);
CREATE UNIQUE INDEX student_option_key ON student_option (scope_id, COALESCE(student_id, 0), code_matiere);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    sts_id TEXT,
    type TEXT,
    sexe TEXT,
    civilite TEXT,
    nom_usage TEXT,
    nom_patronymique TEXT,
    prenom TEXT,
    date_naissance TEXT,
    grade TEXT,
    fonction TEXT,
    profs_princ TEXT,
    mel TEXT
);
CREATE UNIQUE INDEX staff_key ON staff (scope_id, sts_id);

CREATE TABLE staff_discipline (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    staff_id INTEGER REFERENCES staff(id),
    code TEXT,
    libelle_court TEXT,
    nb_heures TEXT
);
CREATE UNIQUE INDEX staff_discipline_key ON staff_discipline (scope_id, COALESCE(staff_id, 0), code);

CREATE TABLE service (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    division_id INTEGER REFERENCES division(id),
    group_id INTEGER REFERENCES teaching_group(id),
    code_matiere TEXT,
    code_mod_cours TEXT,
    heures_structure TEXT,
    co_ens TEXT
);
CREATE UNIQUE INDEX service_key ON service (scope_id, COALESCE(division_id, 0), COALESCE(group_id, 0), code_matiere, code_mod_cours);
CREATE INDEX service_group_id ON service (group_id);

CREATE TABLE service_teacher (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    service_id INTEGER REFERENCES service(id),
    staff_id INTEGER REFERENCES staff(id),
    heures_agent TEXT,
    taux_ponderation TEXT
);
CREATE UNIQUE INDEX service_teacher_key ON service_teacher (scope_id, COALESCE(service_id, 0), COALESCE(staff_id, 0));
CREATE INDEX service_teacher_staff_id ON service_teacher (staff_id);

CREATE TABLE course (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    course_key TEXT,
    jour TEXT,
    heure_debut TEXT,
    duree TEXT,
    alternance TEXT,
    semaines TEXT,
    code_matiere TEXT,
    enseignants TEXT,
    structures TEXT,
    salle TEXT,
    service_id INTEGER REFERENCES service(id)
);
CREATE UNIQUE INDEX course_key ON course (scope_id, course_key);
CREATE INDEX course_service_id ON course (service_id);

CREATE TABLE xref (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    application TEXT,
    category TEXT,
    external_id TEXT,
    entity_id INTEGER REFERENCES entity(id),
    provenance TEXT
);
CREATE UNIQUE INDEX xref_key ON xref (scope_id, application, category, external_id);
CREATE INDEX xref_entity_id ON xref (entity_id);
-- The crosswalk as people read it: one external identifier of one record in one
-- application, with when relais first and last saw it.
CREATE VIEW crosswalk AS
SELECT x.scope_id, x.application, x.category, x.external_id, x.entity_id, x.provenance,
       e.is_active, e.deactivated_on,
       (SELECT started_at FROM run WHERE id = e.created_run) AS first_seen,
       (SELECT started_at FROM run WHERE id = e.last_seen_run) AS last_seen
FROM xref x JOIN entity e ON e.id = x.id;
