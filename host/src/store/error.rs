//! What can go wrong with the run store. Texts name the database file and say what to do,
//! since the usual causes (a wrong `--store` path, a store from a newer rewardsmith, a disk
//! problem) are fixed by the person running the command.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no store at the path (only when opening an existing store).
    #[error("no run store at {}: run `rewardsmith evolve` first, or pass `--store PATH`", .path.display())]
    Missing { path: PathBuf },

    /// The file exists but is not an SQLite database (or its header is destroyed).
    #[error(
        "{} is not a rewardsmith run store (not an SQLite database): move it aside or pass another `--store PATH`",
        .path.display()
    )]
    NotADatabase { path: PathBuf },

    /// An SQLite database that rewardsmith did not create.
    #[error(
        "{} is an SQLite database but not a rewardsmith run store (it has other tables): pass another `--store PATH`",
        .path.display()
    )]
    Foreign { path: PathBuf },

    /// The database's pages are damaged.
    #[error("run store {} is corrupt ({detail}): restore it from a backup or move it aside", .path.display())]
    Corrupt { path: PathBuf, detail: String },

    /// The store was written by a newer rewardsmith.
    #[error(
        "run store {} has schema version {found}, newer than the {supported} this rewardsmith understands: upgrade rewardsmith",
        .path.display()
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },

    /// Creating the store's folder or a run's artifact folder failed.
    #[error("cannot create {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// SQLite failed (disk full, locked for longer than the busy timeout, ...).
    #[error("run store {} failed while {op}: {source}", .path.display())]
    Sql {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// A row the caller named does not exist.
    #[error("no {what} with id {id} in the run store (see `rewardsmith runs`)")]
    NotFound { what: &'static str, id: i64 },

    /// A candidate that exists, asked for under another run.
    #[error("run {run} has no candidate {candidate}")]
    NotInRun { run: i64, candidate: i64 },

    /// A stored value could not be read back (edited by hand, or a bug).
    #[error("run store {} holds a value that cannot be read back ({op}): {reason}", .path.display())]
    BadValue { path: PathBuf, op: &'static str, reason: String },

    /// The file system refused WAL journaling (some network file systems do).
    #[error(
        "run store {} cannot use WAL journaling (journal mode stayed `{mode}`): put it on a local disk",
        .path.display()
    )]
    NoWal { path: PathBuf, mode: String },

    /// `set_candidate_failed` was given a status that is not a failure.
    #[error("`{status}` is not a failure status (use compile_error, reward_error, train_error or no_code)")]
    NotAFailure { status: &'static str },
}

impl StoreError {
    /// A short stable name for the error class (JSON output, tests).
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Missing { .. } => "store_missing",
            StoreError::NotADatabase { .. } => "not_a_database",
            StoreError::Foreign { .. } => "foreign_database",
            StoreError::Corrupt { .. } => "store_corrupt",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::Io { .. } => "store_io",
            StoreError::Sql { .. } => "store_sql",
            StoreError::NotFound { .. } | StoreError::NotInRun { .. } => "not_found",
            StoreError::BadValue { .. } => "bad_value",
            StoreError::NoWal { .. } => "no_wal",
            StoreError::NotAFailure { .. } => "not_a_failure",
        }
    }
}
