-- 005_org_partner.sql — the partner application of an organisation: whose
-- crosswalk (relais match --partner NAME) its RAPPROCHEMENT file carries.
-- NULL means the organisation's own name.
ALTER TABLE organisation ADD COLUMN partner TEXT;
