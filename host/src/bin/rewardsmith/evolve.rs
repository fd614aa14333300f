//! `rewardsmith evolve --env ID` and `rewardsmith report ID`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use rewardsmith::candidate::{Candidate, Status};
use rewardsmith::evolve::run::{self, EvolveRun, Finished, RunError};
use rewardsmith::evolve::{BridgeError, BridgeExecutor, Event, EvolveConfig, Executor, Summary};
use rewardsmith::store::{self, Store};
use serde_json::json;

use crate::common::{Failure, fail};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ExecutorArg {
    Local,
    Ray,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ProposerArg {
    Llm,
    Offline,
}

/// Search for a reward program: propose, compile, train, reflect, repeat (Eureka's loop).
///
/// Each iteration proposes --samples reward programs (an LLM over an OpenAI-compatible API, or
/// the built-in offline evolutionary search), compiles and trains a policy on each in the
/// sandbox, and keeps the best by late-window task fitness. At the end the best reward, the
/// env's human baseline and its sparse reward are retrained on --final-seeds seeds and the
/// human-normalised score is reported. Everything is stored in a SQLite run store;
/// `--resume ID` continues an interrupted run without redoing finished work.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  rewardsmith evolve --env cartpole --proposer offline --iterations 3 --samples 8   # no network
  OPENAI_API_KEY=... rewardsmith evolve --env reacher --proposer llm --model gpt-4o-mini
  OPENAI_BASE_URL=http://127.0.0.1:8080/v1 rewardsmith evolve --env pendulum --proposer llm --model local
  rewardsmith evolve --resume 3
  rewardsmith evolve --env pusher --executor ray --ray-address 10.0.0.5:6379   # candidates as Ray tasks
  rewardsmith report 3")]
pub struct Args {
    /// The env (`rewardsmith envs` lists them). Required unless --resume.
    #[arg(long, required_unless_present = "resume")]
    env: Option<String>,
    /// Iterations of proposing and training.
    #[arg(long, default_value_t = 5)]
    iterations: u32,
    /// Candidates per iteration.
    #[arg(long, default_value_t = 16)]
    samples: u32,
    /// Who writes candidates. Default: `llm` when OPENAI_API_KEY or OPENAI_BASE_URL is set, else `offline`.
    #[arg(long, value_enum)]
    proposer: Option<ProposerArg>,
    /// LLM model name.
    #[arg(long, default_value = run::DEFAULT_MODEL)]
    model: String,
    /// OpenAI-compatible endpoint root (default: OPENAI_BASE_URL, else https://api.openai.com/v1).
    #[arg(long)]
    base_url: Option<String>,
    /// Text from you for the first prompt (LLM proposer).
    #[arg(long)]
    feedback: Option<String>,
    /// Env steps per candidate (default: the env's training budget, docs/training.md).
    #[arg(long)]
    steps: Option<u64>,
    /// Wall-clock seconds per candidate before it is stopped (it keeps what it learned).
    #[arg(long, default_value_t = 600.0)]
    candidate_seconds: f64,
    /// Held-out episodes of each training's best checkpoint (what the playground replays;
    /// selection reads late-window training fitness, never this). 0 skips them, ~13-16 %
    /// less wall time per training.
    #[arg(long, default_value_t = 5, value_name = "N")]
    best_episodes: u32,
    /// Seeds for the final evaluation of the best, human and sparse rewards.
    #[arg(long, default_value_t = 5)]
    final_seeds: u32,
    /// How many of each iteration's best candidates are retrained on more seeds before
    /// one can become the best (a single seed's fitness is partly luck). 0 turns this off.
    #[arg(long, default_value_t = 2)]
    recheck_top: u32,
    /// Extra seeds each of those is retrained on; the selection fitness is the mean over
    /// its search seed and these. Costs recheck-top × recheck-seeds trainings per iteration.
    #[arg(long, default_value_t = 2)]
    recheck_seeds: u32,
    /// Worker threads shared by all trainings. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Where candidates train: `local` (this machine's --threads) or `ray` (one task per
    /// training on a Ray cluster, reached through `python -m rewardsmith.ray_bridge`;
    /// docs/evolve.md). Results are the same bits either way; not stored with the run, so
    /// a run may resume on either.
    #[arg(long, value_enum, default_value = "local")]
    executor: ExecutorArg,
    /// The Ray cluster's address (what `ray start --head` prints). Default: RAY_ADDRESS,
    /// else `auto` (a cluster started on this machine).
    #[arg(long, value_name = "ADDR")]
    ray_address: Option<String>,
    /// CPUs each candidate's Ray task reserves, and its training threads.
    #[arg(long, default_value_t = 1, value_name = "N")]
    ray_cpus_per_task: u32,
    /// Times Ray reruns a candidate whose worker or node died before the run stops (it
    /// then resumes with --resume). A failed candidate is never retried: it is a result.
    #[arg(long, default_value_t = 3, value_name = "N")]
    ray_max_retries: u32,
    /// The Python that has `rewardsmith` (pip install ./python) and `ray` installed.
    /// Default: REWARDSMITH_PYTHON, else python3.
    #[arg(long, value_name = "PATH")]
    ray_python: Option<PathBuf>,
    /// Seed of the proposer and of every training.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The run store.
    #[arg(long, default_value = store::DEFAULT_PATH)]
    store: PathBuf,
    /// Continue run ID (after a crash, kill or Ctrl-C) with its stored settings.
    #[arg(long, value_name = "ID")]
    resume: Option<i64>,
    /// No progress output; only the summary.
    #[arg(long)]
    quiet: bool,
    /// Print the summary as one JSON object; implies --quiet.
    #[arg(long)]
    json: bool,
    /// Compile Rust rewards even where rustc cannot be isolated (no bubblewrap, no
    /// Landlock): the reward's source can then read and write your files. Off by default.
    #[arg(long)]
    allow_unsandboxed: bool,
}

fn run_failure(e: RunError) -> Failure {
    Failure::new(e.kind(), e)
}

pub fn run(args: Args) -> ExitCode {
    let json = args.json;
    match run_inner(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f, json),
    }
}

fn run_inner(args: Args) -> Result<(), Failure> {
    let quiet = args.quiet || args.json;
    if args.executor != ExecutorArg::Ray && args.ray_address.is_some() {
        return Err(Failure::msg("config", "--ray-address needs --executor ray".into()));
    }
    // Every candidate is Rust: without isolation (and no opt-in) stop before a run is made.
    let compiler = crate::common::compiler(args.allow_unsandboxed);
    compiler.check_isolation().map_err(|e| Failure::new(e.kind(), e))?;
    if !quiet {
        eprintln!("compiler isolation: {}", compiler.describe_isolation());
    }
    let st = Store::open(&args.store).map_err(|e| Failure::new(e.kind(), e))?;
    let cancel = Arc::new(AtomicBool::new(false));
    // Before the run is created: a cluster that cannot be reached leaves no half-made run.
    let mut bridge = match args.executor {
        ExecutorArg::Local => None,
        ExecutorArg::Ray => Some(ray_bridge(&args, &cancel, quiet)?),
    };
    let run = match args.resume {
        Some(id) => {
            let run = EvolveRun::resume(&st, id).map_err(run_failure)?;
            if !quiet {
                eprintln!("resuming run {id} ({}, {} proposer)", run.config().env, run.row().proposer);
            }
            run
        }
        None => {
            let mut cfg = EvolveConfig::new(args.env.as_deref().expect("clap requires --env without --resume"));
            cfg.iterations = args.iterations;
            cfg.samples = args.samples;
            cfg.final_seeds = args.final_seeds;
            cfg.recheck_top = args.recheck_top;
            cfg.recheck_seeds = args.recheck_seeds;
            cfg.steps = args.steps;
            cfg.candidate_seconds = args.candidate_seconds;
            cfg.best_episodes = args.best_episodes;
            cfg.seed = args.seed;
            cfg.feedback = args.feedback.clone();
            if let Some(t) = args.threads {
                cfg.threads = t;
            }
            let proposer = match args.proposer {
                Some(ProposerArg::Llm) => store::Proposer::Llm,
                Some(ProposerArg::Offline) => store::Proposer::Offline,
                None => run::default_proposer(),
            };
            let run = EvolveRun::create(&st, cfg, proposer, Some(args.model.clone())).map_err(|e| match e {
                RunError::Config(_) => {
                    Failure::msg("config", "--iterations, --samples and --final-seeds must be at least 1".into())
                }
                e => run_failure(e),
            })?;
            if !quiet {
                let cfg = run.config();
                let recheck = if cfg.recheck_top > 0 && cfg.recheck_seeds > 0 {
                    format!(", each iteration's top {} retrained on {} more seeds", cfg.recheck_top, cfg.recheck_seeds)
                } else {
                    String::new()
                };
                eprintln!(
                    "evolve run {} on {}: {} iterations × {} candidates{recheck}, {} proposer; store {}",
                    run.id(),
                    cfg.env,
                    cfg.iterations,
                    cfg.samples,
                    proposer,
                    args.store.display()
                );
            }
            run
        }
    };
    if let Some(b) = bridge.as_mut() {
        b.land_in(&run.row().artifact_dir);
    }
    {
        let cancel = cancel.clone();
        // The first Ctrl-C stops between candidates (the run is marked interrupted and
        // resumable); a second one exits at once.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let mut proposer = run.proposer(args.base_url.as_deref()).map_err(run_failure)?;
    let cfg = run.config();
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {prefix} {wide_bar} {pos}/{len}  {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    let mut on_event = |e: Event| match e {
        Event::IterationStarted { iteration, attempt, candidates } => {
            bar.reset();
            bar.set_length(candidates as u64);
            let retry = if attempt > 0 { format!(" (retry {attempt})") } else { String::new() };
            bar.set_prefix(format!("iteration {}/{}{retry}", iteration + 1, cfg.iterations));
        }
        Event::CandidateDone { candidate, reused } => {
            bar.inc(1);
            say(&bar, quiet, candidate_line(&candidate, reused));
        }
        Event::RecheckStarted { iteration, trainings, .. } => {
            bar.reset();
            bar.set_length(trainings as u64);
            bar.set_prefix(format!("iteration {}/{}: rechecking the leaders", iteration + 1, cfg.iterations));
        }
        Event::IterationDone { iteration, best, all_failed, best_so_far, .. } => {
            // The iteration's best and the run's (elitist; ties go to the earlier candidate):
            // both named, so a tie never reads as a change of the best.
            let here = match (&best, all_failed) {
                (Some((b, s)), false) => format!("best here {} fitness {}", b.label(), s.describe()),
                _ => "every candidate failed".to_owned(),
            };
            let so_far = best_so_far
                .as_ref()
                .map_or(String::new(), |(b, s)| format!("; best so far {} fitness {}", b.label(), s.describe()));
            say(&bar, quiet, format!("iteration {}: {here}{so_far}", iteration + 1));
            if let Some((b, s)) = &best_so_far {
                bar.set_message(format!("best so far {} {}", b.label(), s.describe()));
            }
        }
        Event::FinalStarted { trainings } => {
            bar.reset();
            bar.set_length(trainings as u64);
            bar.set_prefix("final evaluation");
        }
        Event::FinalTrained { .. } => {}
    };
    let executor = bridge.as_ref().map(|b| b as &dyn Executor);
    let result = run.execute(&compiler, proposer.as_mut(), executor, &cancel, &mut on_event);
    drop(bridge);
    bar.finish_and_clear();
    let Finished { summary, report } = result.map_err(run_failure)?;
    if args.json {
        let out =
            json!({ "run_id": run.id(), "report": report.html, "report_md": report.markdown, "summary": summary });
        println!("{out}");
    } else {
        print_summary(run.id(), &summary, &report.html);
    }
    Ok(())
}

/// Starts the Ray bridge (`python -m rewardsmith.ray_bridge`), its messages appended to
/// `executor.log` beside the store.
fn ray_bridge(args: &Args, cancel: &Arc<AtomicBool>, quiet: bool) -> Result<BridgeExecutor, Failure> {
    let python = args
        .ray_python
        .clone()
        .or_else(|| std::env::var_os("REWARDSMITH_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let address =
        args.ray_address.clone().or_else(|| std::env::var("RAY_ADDRESS").ok()).unwrap_or_else(|| "auto".into());
    let mut cmd = std::process::Command::new(&python);
    cmd.args(["-m", "rewardsmith.ray_bridge", "--address", &address])
        .arg("--cpus-per-task")
        .arg(args.ray_cpus_per_task.max(1).to_string())
        .arg("--max-retries")
        .arg(args.ray_max_retries.to_string());
    let startup = std::time::Duration::from_secs(120);
    let log = args.store.with_file_name("executor.log");
    let bridge = BridgeExecutor::start("ray", cmd, &log, Some(cancel.clone()), startup).map_err(|e| {
        let hint = match &e {
            BridgeError::Spawn { .. } => format!(
                "; is {} a Python with the package installed? (`pip install ./python ray`, or --ray-python PATH)",
                python.display()
            ),
            BridgeError::Handshake { .. } => String::new(),
        };
        Failure::msg(e.kind(), format!("{e}{hint}"))
    })?;
    if !quiet {
        eprintln!("executor: ray at {address}: {}", bridge.ready);
    }
    Ok(bridge)
}

/// A progress line: above the bar on a terminal, plain stderr otherwise (logs, CI).
fn say(bar: &ProgressBar, quiet: bool, line: String) {
    if quiet {
        return;
    }
    // Lines carry LLM and guest text (errors, labels): escape what a terminal would act on.
    let line = rewardsmith::text::for_terminal(&line);
    if bar.is_hidden() { eprintln!("{line}") } else { bar.println(line) }
}

fn candidate_line(c: &Candidate, reused: bool) -> String {
    let again = if reused { " (done before resume)" } else { "" };
    match c.status {
        Status::Trained => format!(
            "  {} trained: fitness {}{again}",
            c.label(),
            c.fitness.filter(|f| f.is_finite()).map_or("–".into(), |f| format!("{f:.3}"))
        ),
        s => format!(
            "  {} {}: {}{again}",
            c.label(),
            s.as_str(),
            c.error_text.as_deref().unwrap_or("").lines().next().unwrap_or("")
        ),
    }
}

fn print_summary(id: i64, s: &Summary, report: &Path) {
    let f = |x: &rewardsmith::evolve::FinalScore| {
        x.mean_std.map_or("–".to_owned(), |m| format!("{:.3} ± {:.3}", m.mean, m.std))
    };
    println!("evolve run {id} on {}: {} candidates ({} failed)", s.env, s.candidates, s.failed);
    println!(
        "  best found: {} (search fitness {}{})",
        s.best_label.as_deref().unwrap_or("none"),
        s.best_fitness.map_or("–".into(), |v| format!("{v:.3}")),
        s.best_fitness_seeds.filter(|n| *n > 1).map_or(String::new(), |n| format!(", mean of {n} seeds"))
    );
    if s.rechecks > 0 {
        println!("  rechecks: {} trainings of the leading candidates on more seeds", s.rechecks);
    }
    println!("  final evaluation (task fitness over {} seeds):", s.best.fitness.len());
    println!("    best found      {}", f(&s.best));
    println!("    human baseline  {}", f(&s.human));
    println!("    sparse reward   {}", f(&s.sparse));
    println!("  human-normalised score: {}", rewardsmith::evolve::report::hns(s));
    println!("  report: {}", report.display());
}

/// Write a run's report: a self-contained HTML page and markdown.
///
/// Iterations and candidates with status, fitness and errors, the best reward's source,
/// fitness and term curves (SVG), and the final table with the human-normalised score.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  rewardsmith report 3 --out /tmp/report")]
pub struct ReportArgs {
    /// The run's id (`rewardsmith runs` lists them).
    id: i64,
    /// The run store.
    #[arg(long, default_value = store::DEFAULT_PATH)]
    store: PathBuf,
    /// Folder to write report.html and report.md to. Default: the run's artifact folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the paths as JSON.
    #[arg(long)]
    json: bool,
}

pub fn report(args: ReportArgs) -> ExitCode {
    let result = (|| {
        let st = Store::open_existing(&args.store).map_err(|e| Failure::new(e.kind(), e))?;
        let files =
            EvolveRun::open(&st, args.id).and_then(|r| r.write_report(args.out.as_deref())).map_err(run_failure)?;
        if args.json {
            println!("{}", json!({ "report": files.html, "report_md": files.markdown }));
        } else {
            println!("{}\n{}", files.html.display(), files.markdown.display());
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f, args.json),
    }
}
