//! An evolve run's lifecycle over the run store: create or resume it, choose its proposer,
//! execute the loop (journaled, cancellable), record how it ended, write its report. The
//! CLI (`rewardsmith evolve`, `rewardsmith report`) and the playground call these; they
//! only parse arguments and show progress.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rewardsmith_envs::registry;
use serde_json::json;

use super::executor::Executor;
use super::llm::{LlmClient, LlmConfig, LlmError};
use super::llm_proposer::LlmProposer;
use super::proposer::{Offline, Proposer};
use super::report::{self, StoredRun};
use super::search::{Event, EvolveConfig, EvolveError, Resources, Summary, evolve};
use super::stored::{StoreJournal, StoreLlmLog};
use super::target::Target;
use crate::compiler::Compiler;
use crate::sandbox::{Limits, RewardError, Sandbox};
use crate::store::{self, NewRun, RunRow, RunStatus, Store, StoreError};
use crate::train::RunDirError;

/// The model an LLM run uses when none is named.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// Why a run could not be created, resumed, executed or reported. Candidate failures are
/// never this: the loop classifies them.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Env(#[from] rewardsmith_envs::EnvError),
    #[error("bad evolve config: {0}")]
    Config(String),
    #[error("run {id}'s stored config is unreadable: {reason}")]
    StoredConfig { id: i64, reason: String },
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    /// The sandbox engine could not be set up.
    Sandbox(#[from] RewardError),
    #[error("cannot start {threads} worker threads: {reason}")]
    Threads { threads: usize, reason: String },
    /// The loop stopped; the run is marked `interrupted` (cancelled: resume it) or `failed`.
    #[error("evolve run {id}: {source}{}", if matches!(source, EvolveError::Cancelled) {
        format!(" (continue with `rewardsmith evolve --resume {id}`)")
    } else {
        String::new()
    })]
    Evolve { id: i64, source: EvolveError },
    #[error("cannot write the report: {0}")]
    Report(#[source] RunDirError),
}

impl RunError {
    /// A stable class for `--json` errors and scripts.
    pub fn kind(&self) -> &'static str {
        match self {
            RunError::Store(e) => e.kind(),
            RunError::Env(_) => "env",
            RunError::Config(_) => "config",
            RunError::StoredConfig { .. } => "store",
            RunError::Llm(e) => e.kind(),
            RunError::Sandbox(e) => e.kind(),
            RunError::Threads { .. } => "threads",
            RunError::Evolve { source, .. } => source.kind(),
            RunError::Report(_) => "io",
        }
    }
}

/// The proposer a new run gets when none is named: the LLM when `OPENAI_API_KEY` or
/// `OPENAI_BASE_URL` is set, else the offline search (no network, no key).
pub fn default_proposer() -> store::Proposer {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
    if set("OPENAI_API_KEY") || set("OPENAI_BASE_URL") { store::Proposer::Llm } else { store::Proposer::Offline }
}

/// An evolve run in the store.
#[derive(Debug)]
pub struct EvolveRun<'s> {
    store: &'s Store,
    row: RunRow,
    config: EvolveConfig,
}

/// How a run ended well: its summary and report files.
#[derive(Clone, Debug)]
pub struct Finished {
    pub summary: Summary,
    pub report: ReportFiles,
}

/// A run's report, as a self-contained HTML page and as markdown.
#[derive(Clone, Debug)]
pub struct ReportFiles {
    pub html: PathBuf,
    pub markdown: PathBuf,
}

impl<'s> EvolveRun<'s> {
    /// Creates a run: checks the env and the config, then stores both (with the model for
    /// an LLM run, [`DEFAULT_MODEL`] when `None`).
    pub fn create(
        store: &'s Store,
        mut config: EvolveConfig,
        proposer: store::Proposer,
        model: Option<String>,
    ) -> Result<Self, RunError> {
        if config.schema.is_none() {
            config.env = registry::find(&config.env)?.spec.id.to_owned();
        }
        config.threads = config.threads.max(1);
        config.check().map_err(|e| RunError::Config(e.to_string()))?;
        // A schema that does not register here (conflicting fields) would fail every resume.
        Target::of(&config).map_err(|e| RunError::Config(e.to_string()))?;
        let new = NewRun {
            env: config.env.clone(),
            proposer,
            model: (proposer == store::Proposer::Llm).then(|| model.unwrap_or_else(|| DEFAULT_MODEL.to_owned())),
            config: serde_json::to_value(&config).expect("an evolve config serialises"),
        };
        let row = store.create_run(&new)?;
        Ok(EvolveRun { store, row, config })
    }

    /// Opens stored run `id` with its stored settings and marks it running again.
    pub fn resume(store: &'s Store, id: i64) -> Result<Self, RunError> {
        let run = Self::open(store, id)?;
        store.set_run_status(id, RunStatus::Running, None)?;
        Ok(run)
    }

    /// Opens stored run `id` without changing it (for reports).
    pub fn open(store: &'s Store, id: i64) -> Result<Self, RunError> {
        let row = store.run(id)?;
        let config = serde_json::from_value(row.config.clone())
            .map_err(|e| RunError::StoredConfig { id, reason: e.to_string() })?;
        Ok(EvolveRun { store, row, config })
    }

    pub fn id(&self) -> i64 {
        self.row.id
    }

    pub fn row(&self) -> &RunRow {
        &self.row
    }

    pub fn config(&self) -> &EvolveConfig {
        &self.config
    }

    /// The run's proposer: the offline search, or an LLM client for the run's model
    /// (endpoint and key from the environment, `base_url` overriding the endpoint) whose
    /// calls are logged in the store, so a resumed run asks nothing twice.
    pub fn proposer(&self, base_url: Option<&str>) -> Result<Box<dyn Proposer + 's>, RunError> {
        let target = Target::of(&self.config).map_err(|e| RunError::Config(e.to_string()))?;
        Ok(match self.row.proposer {
            store::Proposer::Offline => Box::new(Offline::new(&target)),
            store::Proposer::Llm => {
                let mut lc = LlmConfig::from_env(self.row.model.clone().unwrap_or_else(|| DEFAULT_MODEL.to_owned()));
                if let Some(u) = base_url {
                    lc.base_url = u.to_owned();
                }
                let log = StoreLlmLog { store: self.store, run_id: self.row.id };
                Box::new(LlmProposer::new(LlmClient::new(lc)?, log))
            }
        })
    }

    /// Runs (or continues) the search and the final evaluation, training on `executor`
    /// (`None`: this machine's `config.threads` threads), then marks the run completed with its summary and writes its report. When
    /// the loop stops, the run is marked `interrupted` if `cancel` was set (resumable) and
    /// `failed` otherwise, with the error in its summary.
    pub fn execute(
        &self,
        compiler: &Compiler,
        proposer: &mut dyn Proposer,
        executor: Option<&dyn Executor>,
        cancel: &Arc<AtomicBool>,
        on_event: &mut (dyn FnMut(Event) + Send),
    ) -> Result<Finished, RunError> {
        // Refused before anything runs, and the run keeps the status it was opened with (a
        // resumed run is marked running by then).
        let target = Target::of(&self.config).map_err(|e| RunError::Config(e.to_string()))?;
        if let Some(why) = target.untrainable_on(executor) {
            self.store.set_run_status(self.row.id, self.row.status, None)?;
            return Err(RunError::Config(why));
        }
        let sandbox = Sandbox::new(Limits::default())?;
        let threads = self.config.threads.max(1);
        let pool = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| RunError::Threads { threads, reason: e.to_string() })?,
        );
        let res = Resources {
            compiler,
            sandbox: &sandbox,
            pool: &pool,
            artifacts: &self.row.artifact_dir,
            cancel: Some(cancel),
            executor,
        };
        let mut journal = StoreJournal { store: self.store, run_id: self.row.id };
        let summary = match evolve(&self.config, proposer, &mut journal, &res, on_event) {
            Ok(s) => s,
            Err(source) => {
                let status = if cancel.load(Ordering::SeqCst) { RunStatus::Interrupted } else { RunStatus::Failed };
                let why = json!({ "error": source.to_string(), "kind": source.kind() });
                // The loop's error is what the caller needs; a store that also fails now
                // leaves the run `running`, which resumes the same way.
                let _ = self.store.set_run_status(self.row.id, status, Some(&why));
                return Err(RunError::Evolve { id: self.row.id, source });
            }
        };
        let stored = serde_json::to_value(&summary).expect("a summary serialises");
        self.store.set_run_status(self.row.id, RunStatus::Completed, Some(&stored))?;
        let report = self.write_report(None)?;
        Ok(Finished { summary, report })
    }

    /// Writes `report.html` and `report.md` into `dir` (default: the run's folder) from
    /// what the store holds now.
    pub fn write_report(&self, dir: Option<&Path>) -> Result<ReportFiles, RunError> {
        let stored = StoredRun::read(self.store, self.row.id)?;
        let data = stored.data();
        let dir = dir.unwrap_or(&stored.row.artifact_dir);
        let files = ReportFiles { html: dir.join("report.html"), markdown: dir.join("report.md") };
        let write =
            |path: &Path, text: String| crate::train::write_atomic(path, text.as_bytes()).map_err(RunError::Report);
        std::fs::create_dir_all(dir)
            .map_err(|source| RunError::Report(RunDirError::Io { path: dir.to_owned(), source }))?;
        write(&files.html, report::html(&data))?;
        write(&files.markdown, report::markdown(&data))?;
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let st = Store::open(dir.path().join("runs.db")).unwrap();
        (dir, st)
    }

    #[test]
    fn create_checks_env_and_config_before_storing_anything() {
        let (_dir, st) = store();
        let e = EvolveRun::create(&st, EvolveConfig::new("nope"), store::Proposer::Offline, None).unwrap_err();
        assert_eq!(e.kind(), "env", "{e}");
        let mut cfg = EvolveConfig::new("cartpole");
        cfg.samples = 0;
        let e = EvolveRun::create(&st, cfg, store::Proposer::Offline, None).unwrap_err();
        assert!(matches!(e, RunError::Config(_)), "{e:?}");
        assert!(st.runs().unwrap().is_empty(), "a refused run is not stored");

        let run = EvolveRun::create(&st, EvolveConfig::new("cartpole"), store::Proposer::Llm, None).unwrap();
        assert_eq!((run.config().env.as_str(), run.row().model.as_deref()), ("cartpole-v0", Some(DEFAULT_MODEL)));
        let offline = EvolveRun::create(&st, EvolveConfig::new("cartpole"), store::Proposer::Offline, Some("m".into()));
        assert_eq!(offline.unwrap().row().model, None, "an offline run has no model");
    }

    #[test]
    fn resume_reads_the_stored_config_and_marks_the_run_running() {
        let (_dir, st) = store();
        let mut cfg = EvolveConfig::new("pendulum");
        cfg.samples = 3;
        let id = EvolveRun::create(&st, cfg.clone(), store::Proposer::Offline, None).unwrap().id();
        st.set_run_status(id, RunStatus::Interrupted, None).unwrap();
        let run = EvolveRun::resume(&st, id).unwrap();
        assert_eq!(run.config(), &EvolveConfig { env: "pendulum-v0".into(), ..cfg });
        assert_eq!(st.run(id).unwrap().status, RunStatus::Running);
        assert_eq!(EvolveRun::resume(&st, id + 1).unwrap_err().kind(), "not_found");
    }

    /// `best_episodes` reaches every candidate's training; a run stored before the field
    /// existed resumes with the default.
    #[test]
    fn best_episodes_reach_the_trainings_and_older_configs_get_the_default() {
        let default = crate::train::TrainConfig::new("cartpole").best_episodes;
        let mut cfg = EvolveConfig::new("cartpole");
        assert_eq!((cfg.best_episodes, cfg.train_config(3).best_episodes), (default, default));
        cfg.best_episodes = 0;
        assert_eq!(cfg.train_config(3).best_episodes, 0);
        let mut stored = serde_json::to_value(&cfg).unwrap();
        stored.as_object_mut().unwrap().remove("best_episodes");
        let back: EvolveConfig = serde_json::from_value(stored).unwrap();
        assert_eq!(back.best_episodes, default);
    }

    #[test]
    fn a_run_with_an_unreadable_config_is_a_typed_error_and_stays_as_it_was() {
        let (_dir, st) = store();
        let new = NewRun {
            env: "cartpole-v0".into(),
            proposer: store::Proposer::Offline,
            model: None,
            config: json!({ "env": "cartpole-v0" }),
        };
        let id = st.create_run(&new).unwrap().id;
        st.set_run_status(id, RunStatus::Interrupted, None).unwrap();
        let e = EvolveRun::resume(&st, id).unwrap_err();
        assert!(matches!(e, RunError::StoredConfig { id: i, .. } if i == id), "{e:?}");
        assert_eq!(st.run(id).unwrap().status, RunStatus::Interrupted);
    }

    #[test]
    fn a_report_is_written_for_a_run_that_has_not_finished() {
        let (dir, st) = store();
        let run = EvolveRun::create(&st, EvolveConfig::new("cartpole"), store::Proposer::Offline, None).unwrap();
        let out = dir.path().join("out");
        let files = run.write_report(Some(&out)).unwrap();
        assert_eq!((files.html.parent(), files.markdown.parent()), (Some(out.as_path()), Some(out.as_path())));
        let md = std::fs::read_to_string(&files.markdown).unwrap();
        assert!(md.contains("cartpole-v0"), "{md}");
        let blocked = dir.path().join("file");
        std::fs::write(&blocked, "").unwrap();
        assert_eq!(run.write_report(Some(&blocked.join("sub"))).unwrap_err().kind(), "io");
    }
}
