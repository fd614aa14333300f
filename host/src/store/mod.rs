//! The run store: everything an evolve run did, in SQLite (WAL) beside an artifact folder per
//! run, so `rewardsmith evolve --resume ID` can continue after a crash or `kill -9` with no
//! finished candidate retrained and no answered LLM call re-requested.
//!
//! Every write is one IMMEDIATE transaction with `synchronous = FULL`, so the database after a
//! kill is the state after some whole call. Inserts that a resumed run repeats (iterations,
//! candidates, LLM calls) are idempotent on their natural keys and return the stored row.
//! `Store` is `Sync` (one connection behind a mutex): training threads may record results.

mod error;
mod map;
mod redact;
mod rows;
mod schema;
mod time;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::candidate::{Candidate, Status};
use crate::selection::Selection;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::Value;

pub use error::StoreError;
pub use redact::{is_secret_name, mask_secrets, redact_url, scrub, url_secrets};
pub use rows::*;
pub use schema::SCHEMA_VERSION;
pub use time::utc;

use map::*;

/// `PRAGMA application_id` of a rewardsmith store ("RWSM"), telling it from other SQLite files.
pub const APPLICATION_ID: i64 = 0x5257_534d;

/// How long a write waits for another process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The file name `rewardsmith` uses by default, under `runs/`.
pub const DEFAULT_PATH: &str = "runs/rewardsmith.db";

/// An open run store.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    /// The folder holding the database; run artifact folders are relative to it.
    root: PathBuf,
    conn: Mutex<Connection>,
}

/// An error inside a transaction: SQLite's own (mapped with the operation's name) or ours.
enum Fail {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

type Tx<'a> = Transaction<'a>;

impl Store {
    /// Opens the store at `path`, creating it (and its parent folders) if missing, and
    /// migrating an older schema. Refuses a non-SQLite file, another program's database and a
    /// store from a newer rewardsmith.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&root).map_err(|source| StoreError::Io { path: root.clone(), source })?;
        let conn = Connection::open(&path).map_err(|e| sql_error(&path, "opening", e))?;
        let store = Store { path, root, conn: Mutex::new(conn) };
        store.setup()?;
        Ok(store)
    }

    /// Opens an existing store; `StoreError::Missing` when there is no file (for read-only
    /// commands such as `rewardsmith runs`, which should not create one).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(StoreError::Missing { path: path.to_path_buf() });
        }
        Store::open(path)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder holding the database and the runs' artifact folders.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `rewardsmith.db.runs` for `runs/rewardsmith.db`: the folder holding this store's
    /// run folders, beside the database.
    fn runs_folder_name(&self) -> String {
        let name = self.path.file_name().map_or_else(|| "store".into(), |n| n.to_string_lossy());
        format!("{name}.runs")
    }

    fn setup(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let path = &self.path;
        let err = |op| move |e| sql_error(path, op, e);
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err("setting the busy timeout"))?;
        // Reading the header first: a non-SQLite file fails here, before anything is written.
        // One read transaction, so the three values come from one snapshot even while another
        // process is creating the schema.
        let (app, version, tables) = {
            let tx = conn.transaction().map_err(err("reading the schema version"))?;
            identify(&tx).map_err(err("reading the schema version"))?
        };
        check_identity(path, app, version, tables)?;
        let mode = enable_wal(&conn).map_err(err("enabling WAL"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal { path: path.clone(), mode });
        }
        // Foreign keys stay off while migrating (a table rebuild drops the table others point
        // at; SQLite's documented procedure) and are checked before the commit.
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA synchronous = FULL;").map_err(err("setting pragmas"))?;
        // Migrate under a write lock, re-reading the version: another process may have just done it.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err("migrating"))?;
        let (app, version, tables) = identify(&tx).map_err(err("migrating"))?;
        check_identity(path, app, version, tables)?;
        for (v, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(err("migrating"))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};", v + 1))
                .map_err(err("migrating"))?;
        }
        let dangling: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
            .map_err(err("checking foreign keys after migrating"))?;
        if dangling > 0 {
            // Dropping the transaction rolls the migration back: the store stays as it was.
            return Err(StoreError::Corrupt {
                path: path.clone(),
                detail: format!("{dangling} rows point at rows that do not exist (found while migrating)"),
            });
        }
        tx.commit().map_err(err("migrating"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;").map_err(err("setting pragmas"))
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic mid-call rolled its transaction back (Transaction's drop): the connection is fine.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction and commits it.
    fn write<T>(&self, op: &'static str, f: impl FnOnce(&Tx<'_>) -> Result<T, Fail>) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.err(op, e))?;
        let value = f(&tx).map_err(|e| self.fail(op, e))?;
        tx.commit().map_err(|e| self.err(op, e))?;
        Ok(value)
    }

    /// Runs `f` on the connection (one statement reads a consistent snapshot).
    fn read<T>(&self, op: &'static str, f: impl FnOnce(&Connection) -> Result<T, Fail>) -> Result<T, StoreError> {
        let conn = self.lock();
        f(&conn).map_err(|e| self.fail(op, e))
    }

    fn err(&self, op: &'static str, e: rusqlite::Error) -> StoreError {
        sql_error(&self.path, op, e)
    }

    fn fail(&self, op: &'static str, e: Fail) -> StoreError {
        match e {
            Fail::Sql(e) => self.err(op, e),
            Fail::Store(e) => e,
        }
    }

    /// Checks the database's pages (`PRAGMA quick_check`); `StoreError::Corrupt` if damaged.
    pub fn integrity_check(&self) -> Result<(), StoreError> {
        let lines: Vec<String> = self.read("checking integrity", |c| {
            let mut st = c.prepare("PRAGMA quick_check")?;
            let lines = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(lines)
        })?;
        if lines.len() == 1 && lines[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt { path: self.path.clone(), detail: lines.join("; ") })
        }
    }

    // ----- runs -----

    /// Creates a run (status `running`) and its artifact folder
    /// `<root>/<store file name>.runs/run-<id>-<env>`: named by its store, so two stores in
    /// one folder never write into each other's runs. (Runs made before keep the folder
    /// they were given, `<root>/run-<id>-<env>`: the path is stored with the run.)
    pub fn create_run(&self, new: &NewRun) -> Result<RunRow, StoreError> {
        let runs = self.runs_folder_name();
        let id = self.write("creating a run", |tx| {
            tx.execute(
                "INSERT INTO runs (created_unix, env, proposer, model, config_json, status, artifact_dir)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running', '')",
                params![now_unix(), new.env, new.proposer, new.model, new.config.to_string()],
            )?;
            let id = tx.last_insert_rowid();
            let rel = format!("{runs}/run-{id:04}-{}", folder_safe(&new.env));
            tx.execute("UPDATE runs SET artifact_dir = ?1 WHERE id = ?2", params![rel, id])?;
            // Inside the transaction: if the folder cannot be made, the run is not recorded.
            let dir = self.root.join(&rel);
            std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir, source })?;
            Ok(id)
        })?;
        self.run(id)
    }

    /// The run with this id.
    pub fn run(&self, id: i64) -> Result<RunRow, StoreError> {
        let root = &self.root;
        self.read("reading a run", |c| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1");
            Ok(c.query_row(&sql, [id], |r| run_from_row(root, r)).optional()?)
        })?
        .ok_or(StoreError::NotFound { what: "run", id })
    }

    /// All runs, newest first.
    pub fn runs(&self) -> Result<Vec<RunRow>, StoreError> {
        let root = &self.root;
        self.read("listing runs", |c| {
            let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY created_unix DESC, id DESC");
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([], |r| run_from_row(root, r))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Sets a run's status and, when given, its summary (`None` keeps the stored summary).
    pub fn set_run_status(&self, id: i64, status: RunStatus, summary: Option<&Value>) -> Result<(), StoreError> {
        self.write("setting a run's status", |tx| {
            let n = tx.execute(
                "UPDATE runs SET status = ?1, summary_json = COALESCE(?2, summary_json) WHERE id = ?3",
                params![status, summary.map(Value::to_string), id],
            )?;
            found(n, "run", id)
        })
    }

    // ----- iterations -----

    /// Starts (or, on resume, finds) attempt `attempt` of iteration `idx`; a new one is `proposing`.
    pub fn begin_iteration(&self, run_id: i64, idx: u32, attempt: u32) -> Result<IterationRow, StoreError> {
        self.write("beginning an iteration", |tx| {
            run_exists(tx, run_id)?;
            tx.execute(
                "INSERT INTO iterations (run_id, idx, attempt, status, started_unix) VALUES (?1, ?2, ?3, 'proposing', ?4)
                 ON CONFLICT (run_id, idx, attempt) DO NOTHING",
                params![run_id, idx, attempt, now_unix()],
            )?;
            Ok(iteration_in(tx, run_id, idx, attempt)?)
        })
    }

    /// Moves an iteration attempt on (e.g. to `training`) without finishing it.
    pub fn set_iteration_status(
        &self,
        run_id: i64,
        idx: u32,
        attempt: u32,
        status: IterationStatus,
    ) -> Result<(), StoreError> {
        self.write("setting an iteration's status", |tx| {
            let n = tx.execute(
                "UPDATE iterations SET status = ?1 WHERE run_id = ?2 AND idx = ?3 AND attempt = ?4",
                params![status, run_id, idx, attempt],
            )?;
            found(n, "iteration of run", run_id)
        })
    }

    /// Finishes an iteration attempt: `done` (with its best candidate) or `all_failed`.
    pub fn finish_iteration(
        &self,
        run_id: i64,
        idx: u32,
        attempt: u32,
        status: IterationStatus,
        best_candidate_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.write("finishing an iteration", |tx| {
            let n = tx.execute(
                "UPDATE iterations SET status = ?1, best_candidate_id = ?2, finished_unix = ?3
                 WHERE run_id = ?4 AND idx = ?5 AND attempt = ?6",
                params![status, best_candidate_id, now_unix(), run_id, idx, attempt],
            )?;
            found(n, "iteration of run", run_id)
        })
    }

    /// A run's iteration attempts, in order.
    pub fn iterations(&self, run_id: i64) -> Result<Vec<IterationRow>, StoreError> {
        self.read("listing iterations", |c| {
            let sql = format!("SELECT {ITERATION_COLUMNS} FROM iterations WHERE run_id = ?1 ORDER BY idx, attempt");
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([run_id], iteration_from_row)?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    // ----- candidates -----

    /// Records a candidate of run `c.run_id`, or returns the stored one with the same
    /// `(run, iteration, attempt, sample, origin, seed)` (whose status tells a resumed run
    /// whether it still needs work). The stored record wins: nothing is overwritten. A new
    /// candidate that is already past `proposed` (an answer without a program is `no_code`
    /// from the start) is saved with that state in the same transaction.
    pub fn insert_candidate(&self, c: &Candidate) -> Result<Candidate, StoreError> {
        let (run_id, k) = (c.run_id, &c.key);
        self.write("recording a candidate", |tx| {
            run_exists(tx, run_id)?;
            let fresh = tx.execute(
                "INSERT INTO candidates (run_id, iteration, attempt, sample, origin, parent_id, source, genome_json,
                                         status, seed, created_unix, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'proposed', ?9, ?10, ?11)
                 ON CONFLICT (run_id, iteration, attempt, sample, origin, seed) DO NOTHING",
                params![
                    run_id,
                    k.iteration,
                    k.attempt,
                    k.sample,
                    k.origin,
                    c.parent_id,
                    c.source,
                    c.genome.as_ref().map(Value::to_string),
                    seed_to_sql(k.seed),
                    now_unix(),
                    c.note
                ],
            )? == 1;
            let sql = format!(
                "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE run_id = ?1 AND iteration = ?2 AND attempt = ?3
                 AND sample = ?4 AND origin = ?5 AND seed = ?6"
            );
            let key = params![run_id, k.iteration, k.attempt, k.sample, k.origin, seed_to_sql(k.seed)];
            let stored = tx.query_row(&sql, key, candidate_from_row)?;
            if !fresh || c.status == Status::Proposed {
                return Ok(stored);
            }
            write_state(tx, &Candidate { id: stored.id, ..c.clone() })?;
            Ok(tx.query_row(&sql, key, candidate_from_row)?)
        })
    }

    /// Saves a candidate's state change: compiled (with its module hash), trained (result,
    /// fitness, run folder) or failed (error kind and text). `Proposed` changes nothing.
    pub fn update_candidate(&self, c: &Candidate) -> Result<(), StoreError> {
        self.write("recording a candidate's state", |tx| write_state(tx, c))
    }

    /// Marks a candidate compiled, with its module's SHA-256 (hex).
    pub fn set_candidate_compiled(&self, id: i64, module_sha256: &str) -> Result<(), StoreError> {
        self.write("marking a candidate compiled", |tx| mark_compiled(tx, id, module_sha256))
    }

    /// Marks a candidate failed. `status` must be a failure status; `error_kind` is the typed
    /// error's `kind()`, `error_text` what is fed back.
    pub fn set_candidate_failed(
        &self,
        id: i64,
        status: Status,
        error_kind: &str,
        error_text: &str,
    ) -> Result<(), StoreError> {
        self.write("marking a candidate failed", |tx| mark_failed(tx, id, status, error_kind, error_text))
    }

    /// Marks a candidate trained with its result, fitness and policy file. A non-finite
    /// fitness is stored as NULL (the candidate is then never selected).
    pub fn set_candidate_trained(&self, id: i64, trained: &Trained) -> Result<(), StoreError> {
        self.write("recording a training result", |tx| mark_trained(tx, id, trained))
    }

    /// The candidate with this id.
    pub fn candidate(&self, id: i64) -> Result<Candidate, StoreError> {
        self.read("reading a candidate", |c| {
            let sql = format!("SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE id = ?1");
            Ok(c.query_row(&sql, [id], candidate_from_row).optional()?)
        })?
        .ok_or(StoreError::NotFound { what: "candidate", id })
    }

    /// A run's candidates (of one iteration, all attempts, when given), by iteration,
    /// attempt, origin, sample, seed.
    pub fn candidates(&self, run_id: i64, iteration: Option<u32>) -> Result<Vec<Candidate>, StoreError> {
        self.read("listing candidates", |c| {
            let sql = format!(
                "SELECT {CANDIDATE_COLUMNS} FROM candidates WHERE run_id = ?1 AND (?2 IS NULL OR iteration = ?2)
                 ORDER BY iteration, attempt, origin, sample, seed, id"
            );
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map(params![run_id, iteration], candidate_from_row)?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Candidate `id` of run `run` (`NotFound` when either does not exist, `NotInRun` when
    /// the candidate belongs to another run).
    pub fn candidate_of_run(&self, run: i64, id: i64) -> Result<Candidate, StoreError> {
        self.run(run)?;
        let c = self.candidate(id)?;
        if c.run_id != run {
            return Err(StoreError::NotInRun { run, candidate: id });
        }
        Ok(c)
    }

    /// The best proposed reward so far and its selection fitness, by the loop's rule
    /// ([`crate::selection`]): baselines and final retrains never count.
    pub fn best_candidate(&self, run_id: i64) -> Result<Option<(Candidate, Selection)>, StoreError> {
        let rows = self.candidates(run_id, None)?;
        Ok(crate::selection::best_of(&rows, Candidate::trial).map(|(c, s)| (c.clone(), s)))
    }

    // ----- LLM calls -----

    /// Records an LLM call after removing credential-named members and bearer tokens from its
    /// JSON (see [`scrub`]). Idempotent on `(run, request_key)`: an answered call is kept as
    /// is; a stored error is replaced by the new record (a resumed run's retry).
    pub fn record_llm_call(&self, call: &NewLlmCall) -> Result<LlmCallRow, StoreError> {
        let mut prompt = call.prompt.clone();
        scrub(&mut prompt);
        let response = call.response.clone().map(|mut r| {
            scrub(&mut r);
            r
        });
        let error_text = call.error_text.as_deref().map(|t| mask_secrets(t).unwrap_or_else(|| t.to_owned()));
        let texts = call.texts.as_ref().map(|t| Value::from(t.clone()).to_string());
        self.write("recording an LLM call", |tx| {
            run_exists(tx, call.run_id)?;
            tx.execute(
                "INSERT INTO llm_calls (run_id, iteration, attempt, request_key, prompt_json, response_json, texts_json,
                                        prompt_tokens, completion_tokens, latency_ms, status, error_text, created_unix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (run_id, request_key) DO UPDATE SET
                     iteration = excluded.iteration, attempt = excluded.attempt, prompt_json = excluded.prompt_json,
                     response_json = excluded.response_json, texts_json = excluded.texts_json,
                     prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                     latency_ms = excluded.latency_ms, status = excluded.status, error_text = excluded.error_text,
                     created_unix = excluded.created_unix
                 WHERE llm_calls.status = 'error'",
                params![
                    call.run_id,
                    call.iteration,
                    call.attempt,
                    call.request_key,
                    prompt.to_string(),
                    response.map(|r| r.to_string()),
                    texts,
                    call.prompt_tokens,
                    call.completion_tokens,
                    call.latency_ms,
                    call.status,
                    error_text,
                    now_unix()
                ],
            )?;
            Ok(llm_call_in(tx, call.run_id, &call.request_key)?.expect("the row was just written"))
        })
    }

    /// The recorded call with this key, if any (a resumed run reuses an `ok` one).
    pub fn llm_call(&self, run_id: i64, request_key: &str) -> Result<Option<LlmCallRow>, StoreError> {
        self.read("reading an LLM call", |c| Ok(llm_call_in(c, run_id, request_key)?))
    }

    /// A run's LLM calls, oldest first.
    pub fn llm_calls(&self, run_id: i64) -> Result<Vec<LlmCallRow>, StoreError> {
        self.read("listing LLM calls", |c| {
            let sql = format!("SELECT {LLM_CALL_COLUMNS} FROM llm_calls WHERE run_id = ?1 ORDER BY id");
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([run_id], llm_call_from_row)?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    // ----- feedback -----

    /// Records a person's feedback on a run, given after iteration `iteration`.
    pub fn add_feedback(
        &self,
        run_id: i64,
        iteration: u32,
        kind: FeedbackKind,
        payload: &Value,
    ) -> Result<FeedbackRow, StoreError> {
        self.add_feedback_once(run_id, iteration, kind, payload).map(|(row, _)| row)
    }

    /// Records feedback unless the same item (run, iteration, kind and payload) is already
    /// stored, in one transaction: a second click is not a second vote. Returns the row and
    /// whether it is new.
    pub fn add_feedback_once(
        &self,
        run_id: i64,
        iteration: u32,
        kind: FeedbackKind,
        payload: &Value,
    ) -> Result<(FeedbackRow, bool), StoreError> {
        self.write("recording feedback", |tx| {
            run_exists(tx, run_id)?;
            let payload = payload.to_string();
            let same = format!(
                "SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE run_id = ?1 AND iteration = ?2 AND kind = ?3 \
                 AND payload_json = ?4 ORDER BY id LIMIT 1"
            );
            let found = tx.query_row(&same, params![run_id, iteration, kind, payload], feedback_from_row);
            match found {
                Ok(row) => return Ok((row, false)),
                Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(e) => return Err(e.into()),
            }
            tx.execute(
                "INSERT INTO feedback (run_id, iteration, kind, payload_json, created_unix) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![run_id, iteration, kind, payload, now_unix()],
            )?;
            let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE id = ?1");
            Ok((tx.query_row(&sql, [tx.last_insert_rowid()], feedback_from_row)?, true))
        })
    }

    /// Feedback no iteration has used yet, oldest first.
    pub fn pending_feedback(&self, run_id: i64) -> Result<Vec<FeedbackRow>, StoreError> {
        self.feedback_where(run_id, "AND consumed_by_iteration IS NULL")
    }

    /// All of a run's feedback, oldest first.
    pub fn feedback(&self, run_id: i64) -> Result<Vec<FeedbackRow>, StoreError> {
        self.feedback_where(run_id, "")
    }

    fn feedback_where(&self, run_id: i64, filter: &str) -> Result<Vec<FeedbackRow>, StoreError> {
        self.read("listing feedback", |c| {
            let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE run_id = ?1 {filter} ORDER BY id");
            let mut st = c.prepare(&sql)?;
            let rows = st.query_map([run_id], feedback_from_row)?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
    }

    /// Marks feedback as used by iteration `iteration`'s prompt, all in one transaction.
    /// Already-consumed items keep their first consumer. Returns how many were marked.
    pub fn mark_feedback_consumed(&self, ids: &[i64], iteration: u32) -> Result<usize, StoreError> {
        self.write("marking feedback consumed", |tx| {
            let mut st = tx.prepare(
                "UPDATE feedback SET consumed_by_iteration = ?1 WHERE id = ?2 AND consumed_by_iteration IS NULL",
            )?;
            let mut marked = 0;
            for &id in ids {
                marked += st.execute(params![iteration, id])?;
            }
            Ok(marked)
        })
    }
}

/// Maps SQLite's "not a database" and "corrupt" codes to their typed errors.
fn sql_error(path: &Path, op: &'static str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path: path.to_path_buf() },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path: path.to_path_buf(), detail: e.to_string() },
        _ => match e {
            rusqlite::Error::FromSqlConversionFailure(_, _, reason) => {
                StoreError::BadValue { path: path.to_path_buf(), op, reason: reason.to_string() }
            }
            e => StoreError::Sql { path: path.to_path_buf(), op, source: e },
        },
    }
}

/// Switches to WAL and returns the journal mode now in force. The switch needs an exclusive
/// lock, and SQLite answers `SQLITE_BUSY` at once (no busy handler) while another connection
/// is opening the same fresh file, so it is retried here for up to `BUSY_TIMEOUT`.
fn enable_wal(c: &Connection) -> rusqlite::Result<String> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// `(application_id, user_version, number of tables)`.
fn identify(c: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let app = c.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables = c.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))?;
    Ok((app, version, tables))
}

fn check_identity(path: &Path, app: i64, version: i64, tables: i64) -> Result<(), StoreError> {
    let fresh = app == 0 && version == 0 && tables == 0;
    if !fresh && app != APPLICATION_ID {
        return Err(StoreError::Foreign { path: path.to_path_buf() });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: path.to_path_buf(), found: version, supported: SCHEMA_VERSION });
    }
    Ok(())
}

fn run_exists(tx: &Connection, id: i64) -> Result<(), Fail> {
    let n: i64 = tx.query_row("SELECT count(*) FROM runs WHERE id = ?1", [id], |r| r.get(0))?;
    found(n as usize, "run", id)
}

fn found(changed: usize, what: &'static str, id: i64) -> Result<(), Fail> {
    if changed == 0 { Err(StoreError::NotFound { what, id }.into()) } else { Ok(()) }
}

/// Writes a candidate's state (the one mapping from [`Status`] to the candidate columns).
fn write_state(tx: &Connection, c: &Candidate) -> Result<(), Fail> {
    match c.status {
        Status::Proposed => Ok(()),
        Status::Compiled => mark_compiled(tx, c.id, c.module_sha256.as_deref().unwrap_or("")),
        Status::Trained => mark_trained(
            tx,
            c.id,
            &Trained {
                result: c.result.clone().unwrap_or(Value::Null),
                fitness: c.fitness,
                policy_path: c.run_dir.as_ref().map(|p| p.display().to_string()),
            },
        ),
        s => mark_failed(
            tx,
            c.id,
            s,
            c.error_kind.as_deref().unwrap_or(s.as_str()),
            c.error_text.as_deref().unwrap_or(""),
        ),
    }
}

fn mark_compiled(tx: &Connection, id: i64, module_sha256: &str) -> Result<(), Fail> {
    let n = tx.execute(
        "UPDATE candidates SET status = 'compiled', module_sha256 = ?1 WHERE id = ?2",
        params![module_sha256, id],
    )?;
    found(n, "candidate", id)
}

fn mark_failed(tx: &Connection, id: i64, status: Status, kind: &str, text: &str) -> Result<(), Fail> {
    if !status.is_failure() {
        return Err(StoreError::NotAFailure { status: status.as_str() }.into());
    }
    let n = tx.execute(
        "UPDATE candidates SET status = ?1, error_kind = ?2, error_text = ?3, finished_unix = ?4 WHERE id = ?5",
        params![status, kind, text, now_unix(), id],
    )?;
    found(n, "candidate", id)
}

/// A non-finite fitness is stored as NULL; a trained NULL reads back as −∞
/// ([`crate::candidate`]).
fn mark_trained(tx: &Connection, id: i64, trained: &Trained) -> Result<(), Fail> {
    let fitness = trained.fitness.filter(|f| f.is_finite());
    let n = tx.execute(
        "UPDATE candidates SET status = 'trained', result_json = ?1, fitness = ?2, policy_path = ?3,
                               error_kind = NULL, error_text = NULL, finished_unix = ?4
         WHERE id = ?5",
        params![trained.result.to_string(), fitness, trained.policy_path, now_unix(), id],
    )?;
    found(n, "candidate", id)
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Seeds are u64; SQLite integers are i64. The bit pattern is kept, so every seed round-trips.
fn seed_to_sql(seed: u64) -> i64 {
    seed as i64
}

/// Keeps `[A-Za-z0-9._-]` of an env id for a folder name.
fn folder_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::{Key, Origin};

    #[test]
    fn another_programs_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let other = Connection::open(&path).unwrap();
        other.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hi');").unwrap();
        drop(other);
        let e = Store::open(&path).unwrap_err();
        assert_eq!(e.kind(), "foreign_database", "{e}");
        assert!(e.to_string().contains("other.db"), "{e}");
        let other = Connection::open(&path).unwrap();
        let mode: String = other.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "delete", "not switched to WAL");
        let tables: i64 = other.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 1, "no tables added");
    }

    #[test]
    fn a_new_store_is_marked_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        assert_eq!(identify(&c).unwrap(), (APPLICATION_ID, SCHEMA_VERSION, 5));
        drop(c);
        // Reopening does not re-run migrations (they would fail on existing tables).
        drop(Store::open(&path).unwrap());
    }

    #[test]
    fn many_openers_of_one_fresh_store_all_succeed() {
        // A watcher (`rewardsmith runs`, a test polling progress) may open the file in the
        // instant after `evolve` created it, before any schema exists: every opener must win.
        for round in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("s.db");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path).map(drop)
                    })
                })
                .collect();
            for h in handles {
                if let Err(e) = h.join().unwrap() {
                    panic!("round {round}: {} — {e}", e.kind());
                }
            }
            let c = Connection::open(&path).unwrap();
            assert_eq!(identify(&c).unwrap(), (APPLICATION_ID, SCHEMA_VERSION, 5));
        }
    }

    /// A version-1 store (before the `recheck` origin and the `note` column) is migrated in
    /// place: its rows and the references between them survive, the new origin and column
    /// are there, foreign keys hold.
    #[test]
    fn a_version_1_store_migrates_keeping_rows_and_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(schema::MIGRATIONS[0]).unwrap();
        c.execute_batch(&format!(
            "PRAGMA user_version = 1; PRAGMA application_id = {APPLICATION_ID};
             INSERT INTO runs VALUES (1, 0, 'cartpole-v0', 'offline', NULL, '{{}}', 'running', NULL, 'a');
             INSERT INTO candidates (id, run_id, iteration, attempt, sample, origin, parent_id, source, status,
                                     fitness, seed, created_unix)
                 VALUES (1, 1, 0, 0, 0, 'offline', NULL, 'one', 'trained', 0.5, 0, 0),
                        (2, 1, 0, 0, 1, 'offline', 1, 'two', 'trained', 0.9, 0, 0);
             INSERT INTO iterations VALUES (1, 0, 0, 'done', 2, 0, 1);"
        ))
        .unwrap();
        assert!(
            c.execute("UPDATE candidates SET origin = 'recheck' WHERE id = 1", []).is_err(),
            "version 1 refuses the new origin"
        );
        drop(c);

        let store = Store::open(&path).unwrap();
        let c = Connection::open(&path).unwrap();
        assert_eq!(identify(&c).unwrap(), (APPLICATION_ID, SCHEMA_VERSION, 5));
        drop(c);
        let rows = store.candidates(1, None).unwrap();
        assert_eq!(
            rows.iter().map(|r| (r.id, r.parent_id, r.fitness, r.note.as_str())).collect::<Vec<_>>(),
            [(1, None, Some(0.5), ""), (2, Some(1), Some(0.9), "")]
        );
        assert_eq!(store.iterations(1).unwrap()[0].best_candidate_id, Some(2));
        let recheck = store
            .insert_candidate(&Candidate {
                run_id: 1,
                note: "recheck".into(),
                ..Candidate::new(
                    Key { iteration: 0, attempt: 0, sample: 1, origin: Origin::Recheck, seed: 1 },
                    "two".into(),
                )
            })
            .unwrap();
        assert_eq!((recheck.key.origin, recheck.note.as_str()), (Origin::Recheck, "recheck"));
        let dangling = store.lock().execute("UPDATE candidates SET parent_id = 999 WHERE id = 2", []);
        assert!(dangling.is_err(), "foreign keys are on again after the migration");
    }

    #[test]
    fn a_broken_json_column_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        let run = store.create_run(&NewRun {
            env: "cartpole-v0".into(),
            proposer: Proposer::Offline,
            model: None,
            config: Value::Null,
        });
        let id = run.unwrap().id;
        store.lock().execute("UPDATE runs SET config_json = '{oops' WHERE id = ?1", [id]).unwrap();
        assert_eq!(store.run(id).unwrap_err().kind(), "bad_value");
        store.lock().execute("UPDATE runs SET config_json = '{}', status = 'paused' WHERE id = ?1", [id]).unwrap_err();
    }
}
