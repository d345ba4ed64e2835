-- hub.sql — a small constructed hub for the match tests (tests/integration/test_match.sh):
-- one collège, school year 2025-2026, students with twins and homonyms, guardians
-- (one recorded twice), staff. Entity ids are fixed so that outputs are stable.
-- Loaded with sqlite3 into a hub made by `relais init --year 2025`.
PRAGMA foreign_keys = ON;
INSERT INTO establishment (id, uai, name, type, sector, created_at)
    VALUES (1, '0999999Z', 'COLLEGE DE DEMONSTRATION', 'CLG', 'PU', '2025-09-01T08:00:00Z');
INSERT INTO scope (id, establishment_id, year) VALUES (1, 1, 2025);
INSERT INTO run (id, command, status, started_at, finished_at, sources, summary)
    VALUES (1, 'import siecle', 'applied', '2025-09-01T08:00:00Z', '2025-09-01T08:00:01Z', '[]', '{}');

-- divisions
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (10, 'division', 1, 1), (11, 'division', 1, 1), (12, 'division', 1, 1);
INSERT INTO division (id, scope_id, code, libelle_long) VALUES
    (10, 1, '5A', '5EME A'), (11, 1, '4B', '4EME B'), (12, 1, '3C', '3EME C');

-- students
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (101, 'student', 1, 1), (102, 'student', 1, 1), (103, 'student', 1, 1), (104, 'student', 1, 1),
    (105, 'student', 1, 1), (106, 'student', 1, 1), (107, 'student', 1, 1), (108, 'student', 1, 1),
    (109, 'student', 1, 1), (110, 'student', 1, 1), (111, 'student', 1, 1), (112, 'student', 1, 1);
INSERT INTO student (id, scope_id, eleve_id, ine, nom_de_famille, nom_usage, prenom, prenom2,
                     prenom3, date_naiss, code_sexe, code_postal) VALUES
    (101, 1, '4001', '070000001AA', 'DUPONT', NULL, 'Léa', 'Marie', NULL, '2012-03-14', '2', '75011'),
    (102, 1, '4002', '070000002BB', 'MARTIN', NULL, 'Lucas', NULL, NULL, '2011-05-02', '1', '75011'),
    (103, 1, '4003', '070000003CC', 'BERNARD', NULL, 'Emma', 'Louise', NULL, '2012-09-10', '2', '75012'),
    (104, 1, '4004', '070000004DD', 'BERNARD', NULL, 'Jules', NULL, NULL, '2012-09-10', '1', '75012'),
    (105, 1, '4005', '070000005EE', 'PETIT', NULL, 'Hugo', NULL, NULL, '2010-01-15', '1', '75020'),
    (106, 1, '4006', '070000006FF', 'PETIT', NULL, 'Hugo', NULL, NULL, '2011-07-20', '1', '93100'),
    (107, 1, '4007', '070000007GG', 'LEFÈVRE', NULL, 'Chloé', NULL, NULL, '2012-11-03', '2', '75011'),
    (108, 1, '4008', '070000008HH', 'GARCIA', NULL, 'Nathan', 'Pierre', NULL, '2011-02-28', '1', '75013'),
    (109, 1, '4009', '070000009JJ', 'THOMAS', NULL, 'Manon', NULL, NULL, '2011-04-04', '2', '75014'),
    (110, 1, '4010', '070000010KK', 'THOMAS', NULL, 'Manon', NULL, NULL, '2013-06-21', '2', '75015'),
    (111, 1, '4011', '070000011LL', 'ROBERT', NULL, 'Zoé', NULL, NULL, '2012-12-01', '2', '75012'),
    (112, 1, '4012', '070000012MM', 'DE LA FONTAINE', NULL, 'Jean-Baptiste', NULL, NULL, '2010-08-08', '1', '75016');
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (201, 'enrolment', 1, 1), (202, 'enrolment', 1, 1), (203, 'enrolment', 1, 1),
    (204, 'enrolment', 1, 1), (205, 'enrolment', 1, 1), (206, 'enrolment', 1, 1),
    (207, 'enrolment', 1, 1), (208, 'enrolment', 1, 1);
INSERT INTO enrolment (id, scope_id, student_id, division_id) VALUES
    (201, 1, 101, 10), (202, 1, 102, 11), (203, 1, 103, 10), (204, 1, 104, 10),
    (205, 1, 105, 12), (206, 1, 107, 10), (207, 1, 108, 11), (208, 1, 112, 12);

-- guardians: 304 is 303 recorded a second time (another family's file)
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (301, 'guardian', 1, 1), (302, 'guardian', 1, 1), (303, 'guardian', 1, 1),
    (304, 'guardian', 1, 1), (305, 'guardian', 1, 1), (306, 'guardian', 1, 1);
INSERT INTO guardian (id, scope_id, personne_id, lc_civilite, nom_de_famille, nom_usage, prenom,
                      date_naissance, tel_portable, mel, ligne1_adresse, code_postal) VALUES
    (301, 1, '5001', 'M.', 'DUPONT', NULL, 'Pierre', NULL, '0611223344', NULL, '3 RUE DES LILAS', '75011'),
    (302, 1, '5002', 'MME', 'LEROY', 'MARTIN', 'Sophie', '1982-02-11', '0622334455', 'sophie.martin@example.fr', '8 AVENUE PARMENTIER', '75011'),
    (303, 1, '5003', 'MME', 'GIRARD', NULL, 'Hélène', NULL, '0633445566', NULL, '12 RUE DE LA PAIX', '75012'),
    (304, 1, '5004', 'MME', 'GIRARD', NULL, 'Helene', NULL, '06 33 44 55 66', NULL, '12 rue de la Paix', '75012'),
    (305, 1, '5005', 'M.', 'BERNARD', NULL, 'Marc', NULL, '0644556677', NULL, '12 RUE DE LA PAIX', '75012'),
    (306, 1, '5006', 'M.', 'THOMAS', NULL, 'Didier', NULL, NULL, NULL, '1 PLACE VERTE', '75014');
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (401, 'student_guardian', 1, 1), (402, 'student_guardian', 1, 1), (403, 'student_guardian', 1, 1),
    (404, 'student_guardian', 1, 1), (405, 'student_guardian', 1, 1), (406, 'student_guardian', 1, 1),
    (407, 'student_guardian', 1, 1);
INSERT INTO student_guardian (id, scope_id, student_id, guardian_id, resp_legal) VALUES
    (401, 1, 101, 301, '1'), (402, 1, 102, 302, '1'), (403, 1, 103, 303, '1'),
    (404, 1, 104, 303, '1'), (405, 1, 111, 304, '1'), (406, 1, 103, 305, '1'),
    (407, 1, 104, 305, '1');

-- staff
INSERT INTO entity (id, kind, scope_id, created_run) VALUES
    (501, 'staff', 1, 1), (502, 'staff', 1, 1), (503, 'staff', 1, 1);
INSERT INTO staff (id, scope_id, sts_id, type, sexe, nom_usage, nom_patronymique, prenom,
                   date_naissance, fonction, mel) VALUES
    (501, 1, '9001', 'epp', '2', 'DURAND', 'DURAND', 'Claire', '1980-04-12', 'ENS', 'claire.durand@ac-test.fr'),
    (502, 1, '9002', 'epp', '1', 'MOREAU', 'MOREAU', 'Paul', '1975-06-30', 'EDU', NULL),
    (503, 1, '9003', 'epp', '1', 'SIMON', 'SIMON', 'Éric', '1969-10-01', 'ENS', NULL);
UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'entity';
INSERT OR IGNORE INTO sqlite_sequence (name, seq) VALUES ('entity', 1000);
