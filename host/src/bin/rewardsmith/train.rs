//! `rewardsmith train --env ID --reward FILE`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use rewardsmith::compiler::{Source, SourceKind};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::{Folder, Hooks, Job, JobError, RunDirError, TrainConfig, TrainResult, metrics, train_into};
use serde_json::json;

use crate::common::{Failure, fail};

/// Train a policy with PPO on an env, every reward computed by the sandboxed reward program.
///
/// Writes a run folder (policy.safetensors and policy-best.safetensors, manifest.json, metrics.jsonl/.csv, result.json,
/// curves.svg, the reward's source and module) and prints the final task fitness. Ctrl-C,
/// --time-limit and the step budget all stop cleanly and save what was learned.
/// Hyperparameters default to the env's row in docs/training.md; change any with --set.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  rewardsmith train --env cartpole --reward guest-sdk/examples/cartpole.rs
  rewardsmith train --env pendulum --reward guest-sdk/examples/pendulum.rs --seed 3 --out runs/pend3
  rewardsmith train --env cartpole --print-config
  rewardsmith train --env cartpole --reward r.rs --set learning_rate=3e-4 --set hidden=[32,32]")]
pub struct Args {
    /// The env: a short name (`cartpole`) or versioned id (`cartpole-v0`). See `rewardsmith envs`.
    #[arg(long)]
    env: String,
    /// The reward program (.rs against the guest SDK, .wat or .wasm; or an LLM answer in
    /// markdown, .md, whose program is extracted as `check` and `evolve` do).
    #[arg(long, required_unless_present = "print_config")]
    reward: Option<PathBuf>,
    /// Env steps to train for (all envs together). Default: the env's budget.
    #[arg(long)]
    steps: Option<u64>,
    /// Seed for the nets, actions, minibatches and episodes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Parallel envs. Default: the env's tuned value.
    #[arg(long)]
    num_envs: Option<usize>,
    /// Worker threads (envs are stepped and gradients computed on these). Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    /// Stop cleanly after this many seconds of training, keeping the policy so far.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Held-out episodes (deterministic actions, seeds 2,000,000..) the policy plays at 10
    /// evenly spaced iterations and at the last; the best by mean task fitness is saved as
    /// policy-best.safetensors beside the last policy. 0: keep no best checkpoint.
    #[arg(long, default_value_t = 5, value_name = "N")]
    best_episodes: u32,
    /// Override a PPO hyperparameter, `key=value` with a JSON value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// The run folder. Default: runs/train/<env>-s<seed>-<unix time>.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the effective hyperparameters as JSON and exit.
    #[arg(long)]
    print_config: bool,
    /// No progress bar; only the final summary.
    #[arg(long)]
    quiet: bool,
    /// Print one JSON object (the summary) instead of text; implies --quiet.
    #[arg(long)]
    json: bool,
    /// Compile Rust rewards even where rustc cannot be isolated (no bubblewrap, no
    /// Landlock): the reward's source can then read and write your files. Off by default.
    #[arg(long)]
    allow_unsandboxed: bool,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn config(args: &Args) -> Result<TrainConfig, Failure> {
    let reg = rewardsmith_envs::registry::find(&args.env).map_err(|e| Failure::new("env", e))?;
    let mut cfg = TrainConfig::new(reg.spec.id);
    cfg.seed = args.seed;
    cfg.best_episodes = args.best_episodes;
    let mut sets = Vec::new();
    if let Some(s) = args.steps {
        sets.push(format!("total_steps={s}"));
    }
    if let Some(n) = args.num_envs {
        sets.push(format!("num_envs={n}"));
    }
    sets.extend(args.sets.iter().cloned());
    cfg.ppo = cfg.ppo.with_overrides(&sets).map_err(|e| Failure::new(e.kind(), e))?;
    cfg.ppo.validate().map_err(|e| Failure::new(e.kind(), e))?;
    if let Some(t) = args.time_limit {
        if !(t.is_finite() && t > 0.0) {
            return Err(Failure::msg("config", format!("--time-limit {t}: give a positive number of seconds")));
        }
        cfg.time_limit = Some(Duration::from_secs_f64(t));
    }
    Ok(cfg)
}

pub fn run(args: Args) -> ExitCode {
    let json = args.json;
    match run_inner(args) {
        Ok(code) => code,
        Err(f) => fail(&f, json),
    }
}

fn run_inner(args: Args) -> Result<ExitCode, Failure> {
    let cfg = config(&args)?;
    if args.print_config {
        let mut v = serde_json::to_value(&cfg.ppo).expect("config serialises");
        v["env"] = json!(cfg.env);
        println!("{}", serde_json::to_string_pretty(&v).expect("json"));
        return Ok(ExitCode::SUCCESS);
    }
    let reward_path = args.reward.clone().expect("clap requires --reward");
    let quiet = args.quiet || args.json;
    // An LLM answer (.md, or a .rs with fences) trains on its extracted program, which is
    // what the run folder keeps as its reward.rs.
    let (source, extracted) = Source::read(&reward_path).map_err(|e| Failure::new(e.kind(), e))?;
    if let Some(ex) = &extracted
        && !quiet
    {
        eprintln!("extracted: {}", ex.description());
    }
    let source_bytes = source.bytes.clone();
    let compiler = crate::common::compiler(args.allow_unsandboxed);
    let rust = source.kind == SourceKind::Rust;
    if !quiet {
        let how =
            if rust { format!(" (compiler isolation: {})", compiler.describe_isolation()) } else { String::new() };
        eprintln!("compiling {}{how} ...", reward_path.display());
    }
    let compiled = compiler.compile(&source).map_err(|e| Failure::new(e.kind(), e))?;
    let sandbox = Sandbox::new(Limits::default()).map_err(|e| Failure::new(e.kind(), e))?;
    let module = sandbox.load(&compiled.wasm).map_err(|e| Failure::new(e.kind(), e))?;
    let reg = rewardsmith_envs::registry::find(&cfg.env).map_err(|e| Failure::new("env", e))?;
    // Checked before the run folder exists, so a wrong reward leaves nothing behind.
    sandbox.instantiate(&module, reg.spec.reward_env).map_err(|e| Failure::new(e.kind(), e))?;

    let created = unix_now();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs/train").join(format!("{}-s{}-{created}", cfg.env, cfg.seed)));
    let ext = if extracted.is_some() { "rs" } else { reward_path.extension().and_then(|e| e.to_str()).unwrap_or("rs") };
    // Refused before anything is built: an existing run is never overwritten.
    if out.join("manifest.json").exists() {
        return Err(Failure::new("run_dir", RunDirError::Exists { path: out.clone() }));
    }

    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Failure::msg("threads", format!("cannot start {threads} threads: {e}")))?,
    );
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // A second Ctrl-C exits at once; the first one stops after the current iteration.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(cfg.ppo.total_steps) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps  {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    if !quiet {
        eprintln!(
            "training {} for {} steps on {threads} threads ({} envs × {} steps per rollout) → {}",
            cfg.env,
            cfg.ppo.total_steps,
            cfg.ppo.num_envs,
            cfg.ppo.num_steps,
            out.display()
        );
    }
    let mut on_iteration = |r: &metrics::Record| {
        bar.set_position(r.global_step);
        let f = |name| r.get(name).map_or("–".to_owned(), |v| format!("{v:.3}"));
        bar.set_message(format!(
            "{:.0} steps/s  return {}  fitness {} (last 100: {})",
            r.get(metrics::SPS).unwrap_or(0.0),
            r.get(metrics::EPISODIC_RETURN).map_or("–".to_owned(), |v| format!("{v:.1}")),
            f(metrics::FITNESS),
            f(metrics::FITNESS_100),
        ));
    };
    let hooks = Hooks { on_iteration: Some(&mut on_iteration), cancel: Some(&cancel) };
    let source_name = format!("reward.{ext}");
    let job = Job {
        config: &cfg,
        source_name: &source_name,
        source: &source_bytes,
        wasm: &compiled.wasm,
        module: &module,
        compiler_isolation: rust.then(|| compiler.describe_isolation()),
        created_unix: Some(created),
        folder: Folder::Required,
    };
    let done = train_into(&out, &job, &sandbox, &pool, hooks);
    bar.finish_and_clear();
    let trained = match done {
        Ok(done) => done.trained,
        Err(JobError::Train(e)) => return Err(Failure::new(e.kind(), e).with_run(&out)),
        Err(e) => return Err(Failure::new(e.kind(), e)),
    };
    let r = &trained.result;
    if args.json {
        println!("{}", summary_json(r, &out));
    } else {
        print_summary(r, &out);
    }
    Ok(ExitCode::SUCCESS)
}

fn summary_json(r: &TrainResult, out: &Path) -> String {
    json!({
        "run_dir": out,
        "env": r.env,
        "seed": r.seed,
        "stop": r.stop,
        "steps": r.steps,
        "wall_s": r.wall_s,
        "sps": r.sps,
        "final_fitness": r.final_fitness,
        "late_fitness": r.late_fitness.map(|m| m.mean),
        "late_fitness_std": r.late_fitness.map(|m| m.std),
        "solved_fitness": r.solved_fitness,
        "solved_at_step": r.solved_at_step,
        "solved_at_s": r.solved_at_s,
        "reward_share": r.reward_share,
        "reward_ns_per_transition": r.reward_ns_per_transition,
        "best": r.best,
        "result": r,
    })
    .to_string()
}

fn print_summary(r: &TrainResult, out: &Path) {
    let opt = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
    println!(
        "{} seed {}: {:?} after {} steps in {:.1} s ({:.0} steps/s)",
        r.env, r.seed, r.stop, r.steps, r.wall_s, r.sps
    );
    println!(
        "  fitness: last 100 episodes {}, late window {} (solved at {})",
        opt(r.final_fitness),
        r.late_fitness.map_or("–".to_owned(), |m| format!("{:.3} ± {:.3} over {} episodes", m.mean, m.std, m.n)),
        r.solved_fitness
    );
    match (r.solved_at_step, r.solved_at_s) {
        (Some(s), Some(t)) => println!("  solved after {s} steps, {t:.1} s"),
        _ => println!("  not solved (last-100 mean fitness never reached {})", r.solved_fitness),
    }
    println!(
        "  reward: {:.0} ns per transition, {:.1} % of training time",
        r.reward_ns_per_transition,
        100.0 * r.reward_share
    );
    if let Some(b) = &r.best {
        println!(
            "  best checkpoint: iteration {}, step {}, held-out fitness {:.3} ± {:.3} over {} episodes \
             (policy-best.safetensors; eval, rollout and export-demo use it unless --checkpoint last)",
            b.iteration, b.step, b.fitness.mean, b.fitness.std, b.fitness.n
        );
    }
    println!("  run folder: {}", out.display());
    println!("  next: rewardsmith eval --run {}", out.display());
}
