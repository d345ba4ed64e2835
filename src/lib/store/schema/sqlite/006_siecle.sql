-- 006_siecle.sql — what the SIECLE importer needs beyond the first model.
-- A subject may be a mandatory option at several ranks of one MEF (the real
-- 2019 Nomenclature has 010520 at ranks 3, 4 and 5 of 20110019110): the rank
-- is part of the key.
DROP INDEX mandatory_option_key;
CREATE UNIQUE INDEX mandatory_option_key ON mandatory_option (scope_id, code_mef, code_matiere, rang_option);
