//! `rewardsmith eval --run DIR`.

use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::train::evaluate;

use rewardsmith::train::Checkpoint;

use crate::common::{Failure, act_mode, fail, open_run};

/// Evaluate a trained policy: task fitness, return and episode length over seeded episodes.
///
/// Episodes are seeded SEED, SEED+1, ...; actions are deterministic (argmax / Gaussian mean)
/// unless --stochastic. Returns are sums of the run's own reward program.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  rewardsmith eval --run runs/train/cartpole-v0-s0-1764230000 --episodes 20")]
pub struct Args {
    /// The run folder `rewardsmith train` wrote.
    #[arg(long)]
    run: PathBuf,
    /// Episodes to run.
    #[arg(long, default_value_t = 10)]
    episodes: u32,
    /// Seed of the first episode.
    #[arg(long, default_value_t = 1_000_000)]
    seed: u64,
    /// Sample actions from the policy instead of taking the most likely one.
    #[arg(long)]
    stochastic: bool,
    /// Which saved policy acts: `best` (the best held-out fitness during training; the last
    /// when the run kept none) or `last` (the policy when training stopped).
    #[arg(long, default_value = "best")]
    checkpoint: Checkpoint,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> ExitCode {
    match run_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f, args.json),
    }
}

fn run_inner(args: &Args) -> Result<(), Failure> {
    let run = open_run(&args.run, args.checkpoint)?;
    let mode = act_mode(args.stochastic);
    let r = evaluate(&run.policy, &run.env, &run.sandbox, &run.module, args.episodes, args.seed, mode)
        .map_err(|e| Failure::new(e.kind(), e))?;
    if args.json {
        let mut v = serde_json::to_value(&r).expect("report serialises");
        v["checkpoint"] = run.checkpoint.as_str().into();
        v["best"] = serde_json::to_value(&run.best).expect("best serialises");
        println!("{v}");
        return Ok(());
    }
    println!(
        "{} · {} episodes · {:?} actions (seeds {}..{})",
        r.env,
        r.episodes.len(),
        r.mode,
        args.seed,
        args.seed + u64::from(args.episodes.max(1)) - 1
    );
    println!("  {}", run.checkpoint_line(args.checkpoint));
    println!(
        "  fitness         {:.3} ± {:.3}  (solved ≥ {}: {:.0} % of episodes)",
        r.fitness.mean,
        r.fitness.std,
        r.solved_fitness,
        100.0 * r.solved_fraction
    );
    println!("  return          {:.2} ± {:.2}", r.episodic_return.mean, r.episodic_return.std);
    println!("  episode length  {:.1} ± {:.1} steps", r.episode_length.mean, r.episode_length.std);
    Ok(())
}
