//! `rewardsmith rollout --run DIR --seed S --out FILE`.

use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::train::{rollout, write_atomic};

use rewardsmith::train::Checkpoint;

use crate::common::{Failure, act_mode, fail, open_run};

/// Record one episode of a trained policy for replay.
///
/// Writes JSON: env, seed, control_dt (s), term_names, the bodies after reset, per step the
/// observation, action, reward, terms and every body's pose (metres, quaternion w-x-y-z), and
/// the checkpoint that acted (`best` or `last`).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  rewardsmith rollout --run runs/train/cartpole-v0-s0-1764230000 --seed 7 --out replay.json"
)]
pub struct Args {
    /// The run folder `rewardsmith train` wrote.
    #[arg(long)]
    run: PathBuf,
    /// Episode seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the replay (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Sample actions instead of taking the most likely one.
    #[arg(long)]
    stochastic: bool,
    /// Which saved policy acts: `best` (the best held-out fitness during training; the last
    /// when the run kept none) or `last` (the policy when training stopped).
    #[arg(long, default_value = "best")]
    checkpoint: Checkpoint,
    /// Print the summary as JSON.
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
    let replay = rollout(&run.policy, &run.env, &run.sandbox, &run.module, args.seed, mode)
        .map_err(|e| Failure::new(e.kind(), e))?;
    // The replay, and which checkpoint acted (as Python's `rollout` returns it).
    let mut value = serde_json::to_value(&replay).expect("replay serialises");
    value["checkpoint"] = run.checkpoint.as_str().into();
    let text = value.to_string();
    write_atomic(&args.out, text.as_bytes()).map_err(|e| Failure::new("io", e))?;
    if args.json {
        let s = serde_json::json!({"out": args.out, "steps": replay.frames.len(), "fitness": replay.fitness,
            "episodic_return": replay.episodic_return, "checkpoint": run.checkpoint, "best": run.best});
        println!("{s}");
    } else {
        println!(
            "{} seed {}: {} steps, fitness {:.3}, return {:.2} → {}",
            replay.env,
            replay.seed,
            replay.frames.len(),
            replay.fitness,
            replay.episodic_return,
            args.out.display()
        );
        println!("  {}", run.checkpoint_line(args.checkpoint));
    }
    Ok(())
}
