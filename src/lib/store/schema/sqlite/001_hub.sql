-- 001_hub.sql — the hub: settings, organisations, establishments, school
-- years (scopes), the entity table behind every record of the model, and the
-- journal (runs and the changes they made).

CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A group of establishments sharing partner settings (an OGEC, a network).
CREATE TABLE organisation (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE establishment (
    id INTEGER PRIMARY KEY,
    uai TEXT NOT NULL UNIQUE CHECK (length(uai) = 8),
    name TEXT,
    type TEXT,
    sector TEXT,
    organisation_id INTEGER REFERENCES organisation(id),
    created_at TEXT NOT NULL
);

-- One establishment in one school year (millésime: 2025 = 2025-2026), with its calendar.
CREATE TABLE scope (
    id INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishment(id),
    year INTEGER NOT NULL,
    student_start TEXT,
    student_end TEXT,
    staff_start TEXT,
    staff_end TEXT,
    UNIQUE (establishment_id, year)
);

CREATE TABLE run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    sources TEXT,
    summary TEXT
);

-- Which scopes a run changed, with the run's counters for that scope.
CREATE TABLE run_scope (
    run_id INTEGER NOT NULL REFERENCES run(id),
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    summary TEXT,
    PRIMARY KEY (run_id, scope_id)
);
CREATE INDEX run_scope_scope ON run_scope (scope_id, run_id);

-- Every record of the model has one entity row: a global id that is never
-- reused (AUTOINCREMENT), its kind, scope, and active state. Nothing is
-- deleted by a sync: it is deactivated with a date, and restored with the same id.
CREATE TABLE entity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    scope_id INTEGER NOT NULL REFERENCES scope(id),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    deactivated_on TEXT,
    created_run INTEGER REFERENCES run(id),
    updated_run INTEGER REFERENCES run(id),
    last_seen_run INTEGER REFERENCES run(id)
);
CREATE INDEX entity_scope_kind ON entity (scope_id, kind, is_active);

-- The journal: every change a run made, in a monotonic sequence (the partner
-- feed reads it by seq). entity_id has no foreign key: the journal also
-- records changes to establishments and scopes.
CREATE TABLE change (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES run(id),
    scope_id INTEGER REFERENCES scope(id),
    kind TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('create', 'update', 'deactivate', 'restore')),
    data TEXT
);
CREATE INDEX change_scope ON change (scope_id, seq);
CREATE INDEX change_entity ON change (entity_id, seq);
CREATE INDEX change_run ON change (run_id);
