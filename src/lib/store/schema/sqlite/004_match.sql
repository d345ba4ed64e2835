-- 004_match.sql — identity matching: the pairs a person refused to link
-- (relais match reject), so that no later run proposes them again. The links
-- themselves are xref rows (002_model.sql).

CREATE TABLE xref_rejection (
    id INTEGER PRIMARY KEY REFERENCES entity(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    application TEXT,
    category TEXT,
    external_id TEXT,
    entity_id INTEGER REFERENCES entity(id)
);
CREATE UNIQUE INDEX xref_rejection_key
    ON xref_rejection (scope_id, application, category, external_id, entity_id);
CREATE INDEX xref_rejection_entity_id ON xref_rejection (entity_id);
