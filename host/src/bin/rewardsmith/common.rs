//! What the commands share: typed failures printed as text or JSON, and small helpers.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rewardsmith::sandbox::{RewardModule, Sandbox};
use rewardsmith::train::{BestInfo, Checkpoint, RunDir};

/// A command's failure: a stable kind (for scripts) and the message (for people).
#[derive(Debug)]
pub struct Failure {
    pub kind: String,
    pub message: String,
    pub run: Option<PathBuf>,
}

impl Failure {
    pub fn new(kind: &str, e: impl Display) -> Self {
        Self { kind: kind.to_owned(), message: e.to_string(), run: None }
    }

    pub fn msg(kind: &str, message: String) -> Self {
        Self { kind: kind.to_owned(), message, run: None }
    }

    /// Notes the run folder that holds what was saved before the failure.
    pub fn with_run(mut self, run: &Path) -> Self {
        self.run = Some(run.to_owned());
        self
    }
}

/// Prints the failure (stderr text, or one JSON object on stdout) and returns exit code 1.
pub fn fail(f: &Failure, json: bool) -> ExitCode {
    if json {
        println!("{}", serde_json::json!({ "error": { "kind": f.kind, "message": f.message, "run_dir": f.run } }));
    } else {
        // Messages carry guest and LLM text: escape what a terminal would act on.
        eprintln!("error [{}]: {}", f.kind, rewardsmith::text::for_terminal(&f.message));
        if let Some(run) = &f.run {
            eprintln!("  (metrics so far are in {})", run.display());
        }
    }
    ExitCode::from(1)
}

/// What `eval` and `rollout` need from a run folder: its env, policy and reward module.
pub struct LoadedRun {
    pub env: String,
    pub policy: rewardsmith_policy::Policy,
    /// Which checkpoint `policy` is, and (for the best) when it was taken.
    pub checkpoint: Checkpoint,
    pub best: Option<BestInfo>,
    pub sandbox: Sandbox,
    pub module: std::sync::Arc<RewardModule>,
}

impl LoadedRun {
    /// One line saying which policy acts, e.g. `checkpoint: best (iteration 41, step
    /// 172,032; held-out fitness 1.000 ± 0.000 over 5 episodes)`.
    pub fn checkpoint_line(&self, wanted: Checkpoint) -> String {
        checkpoint_line(wanted, self.checkpoint, self.best.as_ref())
    }
}

/// See [`LoadedRun::checkpoint_line`].
pub fn checkpoint_line(wanted: Checkpoint, used: Checkpoint, best: Option<&BestInfo>) -> String {
    match (used, best) {
        (Checkpoint::Best, Some(b)) => format!(
            "checkpoint: best (iteration {}, step {}; held-out fitness {:.3} ± {:.3} over {} episodes)",
            b.iteration, b.step, b.fitness.mean, b.fitness.std, b.fitness.n
        ),
        (Checkpoint::Last, _) if wanted == Checkpoint::Best => {
            "checkpoint: last (this run kept no best checkpoint: it trained with best_episodes 0 or before they existed)"
                .into()
        }
        (c, _) => format!("checkpoint: {c}"),
    }
}

/// Opens a run folder, loads the policy of checkpoint `wanted` (see
/// [`RunDir::load_checkpoint`]), and loads its reward module into a fresh sandbox.
pub fn open_run(path: &Path, wanted: Checkpoint) -> Result<LoadedRun, Failure> {
    let dir = RunDir::open(path).map_err(|e| Failure::new("run_dir", e))?;
    let (policy, checkpoint) = dir.load_checkpoint(wanted).map_err(|e| Failure::new("run_dir", e))?;
    let best = if checkpoint == Checkpoint::Best { dir.result().and_then(|r| r.best) } else { None };
    let sandbox = Sandbox::new(rewardsmith::sandbox::Limits::default()).map_err(|e| Failure::new(e.kind(), e))?;
    let wasm = dir.reward_wasm().map_err(|e| Failure::new("run_dir", e))?;
    let module = sandbox.load(&wasm).map_err(|e| Failure::new(e.kind(), e))?;
    Ok(LoadedRun { env: dir.manifest().env.clone(), policy, checkpoint, best, sandbox, module })
}

/// The reward compiler a command uses; `allow_unsandboxed` (`--allow-unsandboxed`) lets it
/// compile Rust where no OS isolation is available.
pub fn compiler(allow_unsandboxed: bool) -> rewardsmith::compiler::Compiler {
    use rewardsmith::compiler::{Compiler, CompilerOptions};
    Compiler::new(CompilerOptions { allow_unsandboxed, ..CompilerOptions::default() })
}

/// `--stochastic` as an action mode.
pub fn act_mode(stochastic: bool) -> rewardsmith::train::ActMode {
    if stochastic { rewardsmith::train::ActMode::Stochastic } else { rewardsmith::train::ActMode::Deterministic }
}
