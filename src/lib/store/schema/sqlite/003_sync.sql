-- 003_sync.sql — partner synchronisation and safe automation: organisation
-- and establishment settings, sync keys (stored hashed), feed cursors and the
-- pages of a full picture, the record of every pull, safety thresholds, and
-- what approving or reverting a run needs (the persisted plan of a
-- quarantined run, links between a run and its revert).

-- Per organisation: which data categories its feed carries (comma-separated
-- names, see docs/formats/feed.md), how many establishments one URL may name
-- (3, up to 6 when the partner allows it), and the "up to date" answer
-- (204 without a body, or 200 with an explicit status for clients needing one).
ALTER TABLE organisation ADD COLUMN categories TEXT NOT NULL
    DEFAULT 'civilite,provenance,niveau,classe,lien_parente,regime,matiere,periscolaire,profession,statut,mef';
ALTER TABLE organisation ADD COLUMN max_uais INTEGER NOT NULL DEFAULT 3
    CHECK (max_uais BETWEEN 1 AND 6);
ALTER TABLE organisation ADD COLUMN up_to_date_status INTEGER NOT NULL DEFAULT 204
    CHECK (up_to_date_status IN (200, 204));

-- Per establishment: synchronisation and billing switches, last pull served.
ALTER TABLE establishment ADD COLUMN sync_enabled INTEGER NOT NULL DEFAULT 1
    CHECK (sync_enabled IN (0, 1));
ALTER TABLE establishment ADD COLUMN billing_enabled INTEGER NOT NULL DEFAULT 0
    CHECK (billing_enabled IN (0, 1));
ALTER TABLE establishment ADD COLUMN last_sync_at TEXT;
CREATE INDEX establishment_organisation ON establishment (organisation_id);

-- Sync keys: only a hash is kept (BLAKE2b-256, hex); `hint` is the last four
-- characters, so that a person can tell keys apart. A key is never deleted:
-- it is revoked. `replaces` links a rotated key to the one it replaced.
CREATE TABLE sync_key (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation(id),
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT,
    replaces INTEGER REFERENCES sync_key(id)
);
CREATE INDEX sync_key_organisation ON sync_key (organisation_id);

-- Where one partner (a key) stands in the feed of one set of establishments
-- (sorted UAIs joined by "_") for one school year. Positions in the full
-- picture are encoded as one integer: kind << 56 | scope index << 52 | id.
-- See docs/internals/serve.md for the acknowledgement protocol.
CREATE TABLE feed_cursor (
    id INTEGER PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES sync_key(id),
    uais TEXT NOT NULL,
    year INTEGER NOT NULL,
    categories TEXT NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('full', 'changes')),
    base_seq INTEGER NOT NULL,
    acked_pos INTEGER NOT NULL DEFAULT 0,
    acked_seq INTEGER NOT NULL DEFAULT 0,
    batch INTEGER NOT NULL DEFAULT 0,
    pending INTEGER NOT NULL DEFAULT 0 CHECK (pending IN (0, 1)),
    end_pos INTEGER NOT NULL DEFAULT 0,
    end_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    end_last INTEGER NOT NULL DEFAULT 0,
    n_items INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    delivery INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (key_id, uais, year)
);

-- The acknowledged pages of a full picture: the page ending at end_pos was
-- read when the journal stood at read_seq. Changes to a record of that page
-- with seq <= read_seq were already in it and are not sent again.
CREATE TABLE feed_page (
    cursor_id INTEGER NOT NULL REFERENCES feed_cursor(id),
    end_pos INTEGER NOT NULL,
    read_seq INTEGER NOT NULL,
    PRIMARY KEY (cursor_id, end_pos)
);

-- Every authenticated pull: organisation, time, what was served.
CREATE TABLE pull (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation(id),
    key_id INTEGER REFERENCES sync_key(id),
    uais TEXT NOT NULL,
    at TEXT NOT NULL,
    status INTEGER NOT NULL,
    phase TEXT,
    batch INTEGER,
    n_changes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pull_organisation ON pull (organisation_id, id);

-- Safety thresholds per establishment (NULL: every establishment) and kind;
-- NULL limits mean "no limit". Missing rows fall back to the built-in
-- defaults (students and guardians: 10 %, 200).
CREATE TABLE threshold (
    establishment_id INTEGER REFERENCES establishment(id),
    kind TEXT NOT NULL,
    max_percent INTEGER,
    max_count INTEGER
);
CREATE UNIQUE INDEX threshold_key ON threshold (COALESCE(establishment_id, 0), kind);

-- Runs: why a run was quarantined (JSON), when it was approved, and the
-- links between a run and the run that reverted it.
ALTER TABLE run ADD COLUMN reason TEXT;
ALTER TABLE run ADD COLUMN approved_at TEXT;
ALTER TABLE run ADD COLUMN reverts INTEGER REFERENCES run(id);
ALTER TABLE run ADD COLUMN reverted_by INTEGER REFERENCES run(id);
CREATE INDEX run_status ON run (status, id);

-- The plan of a quarantined run, kept until it is approved (see change.h).
CREATE TABLE run_plan (
    run_id INTEGER PRIMARY KEY REFERENCES run(id),
    base_seq INTEGER NOT NULL,
    plan BLOB NOT NULL
);
