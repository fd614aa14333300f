//! The run store's tables, versioned with SQLite's `PRAGMA user_version` so a later
//! rewardsmith can migrate an old store in place and an old one refuses a newer store.
//!
//! `MIGRATIONS[v]` upgrades a store from version `v` to `v + 1`; append, never edit, once
//! released. The CHECK constraints mirror the status enums in `rows.rs`. A migration that
//! rebuilds a table (SQLite cannot alter a CHECK) runs with foreign keys off, as SQLite's
//! own procedure says; `Store::setup` checks them before it commits.

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// One SQL batch per version step, applied in order inside one transaction each.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3];

const V1: &str = "
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    created_unix  INTEGER NOT NULL,
    env           TEXT NOT NULL,
    proposer      TEXT NOT NULL CHECK (proposer IN ('llm', 'offline')),
    model         TEXT,
    config_json   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
    summary_json  TEXT,
    artifact_dir  TEXT NOT NULL
);

CREATE TABLE iterations (
    run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx                INTEGER NOT NULL,
    attempt            INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('proposing', 'training', 'done', 'all_failed')),
    best_candidate_id  INTEGER REFERENCES candidates(id),
    started_unix       INTEGER NOT NULL,
    finished_unix      INTEGER,
    PRIMARY KEY (run_id, idx, attempt)
);

CREATE TABLE candidates (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration      INTEGER NOT NULL,
    attempt        INTEGER NOT NULL,
    sample         INTEGER NOT NULL,
    origin         TEXT NOT NULL
                   CHECK (origin IN ('llm', 'offline', 'human_baseline', 'sparse_baseline', 'final')),
    parent_id      INTEGER REFERENCES candidates(id),
    source         TEXT NOT NULL,
    genome_json    TEXT,
    module_sha256  TEXT,
    status         TEXT NOT NULL CHECK (status IN
                   ('proposed', 'compiled', 'trained', 'compile_error', 'reward_error', 'train_error', 'no_code')),
    error_kind     TEXT,
    error_text     TEXT,
    result_json    TEXT,
    fitness        REAL,
    policy_path    TEXT,
    seed           INTEGER NOT NULL,
    created_unix   INTEGER NOT NULL,
    finished_unix  INTEGER,
    UNIQUE (run_id, iteration, attempt, sample, origin, seed)
);
CREATE INDEX candidates_by_fitness ON candidates (run_id, status, fitness);

CREATE TABLE llm_calls (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration          INTEGER NOT NULL,
    attempt            INTEGER NOT NULL,
    request_key        TEXT NOT NULL,
    prompt_json        TEXT NOT NULL,
    response_json      TEXT,
    texts_json         TEXT,
    prompt_tokens      INTEGER,
    completion_tokens  INTEGER,
    latency_ms         INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_text         TEXT,
    created_unix       INTEGER NOT NULL,
    UNIQUE (run_id, request_key)
);

CREATE TABLE feedback (
    id                     INTEGER PRIMARY KEY,
    run_id                 INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration              INTEGER NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('text', 'preference')),
    payload_json           TEXT NOT NULL,
    created_unix           INTEGER NOT NULL,
    consumed_by_iteration  INTEGER
);
CREATE INDEX feedback_pending ON feedback (run_id, consumed_by_iteration);
";

/// Version 2: the `recheck` origin (a search candidate retrained on another seed before it
/// can be selected, `crate::selection`). Rebuilds `candidates` with the wider CHECK.
const V2: &str = "
CREATE TABLE candidates_v2 (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration      INTEGER NOT NULL,
    attempt        INTEGER NOT NULL,
    sample         INTEGER NOT NULL,
    origin         TEXT NOT NULL
                   CHECK (origin IN ('llm', 'offline', 'human_baseline', 'sparse_baseline', 'final', 'recheck')),
    parent_id      INTEGER REFERENCES candidates(id),
    source         TEXT NOT NULL,
    genome_json    TEXT,
    module_sha256  TEXT,
    status         TEXT NOT NULL CHECK (status IN
                   ('proposed', 'compiled', 'trained', 'compile_error', 'reward_error', 'train_error', 'no_code')),
    error_kind     TEXT,
    error_text     TEXT,
    result_json    TEXT,
    fitness        REAL,
    policy_path    TEXT,
    seed           INTEGER NOT NULL,
    created_unix   INTEGER NOT NULL,
    finished_unix  INTEGER,
    UNIQUE (run_id, iteration, attempt, sample, origin, seed)
);
INSERT INTO candidates_v2 SELECT * FROM candidates;
DROP TABLE candidates;
ALTER TABLE candidates_v2 RENAME TO candidates;
CREATE INDEX candidates_by_fitness ON candidates (run_id, status, fitness);
";

/// Version 3: what the proposer changed (`note`, one line), so lineage reads as text too.
const V3: &str = "ALTER TABLE candidates ADD COLUMN note TEXT NOT NULL DEFAULT '';";
