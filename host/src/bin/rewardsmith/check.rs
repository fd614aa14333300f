//! `rewardsmith check REWARD --env ID`.

use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::check::{CheckError, CheckOptions, CheckReport, States, Stats, check};
use rewardsmith::compiler::{Extracted, Source};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::schema::{Schema, SchemaError};
use rewardsmith::text::for_terminal;

/// Compile a reward, validate it, and run it on seeded random transitions of an env.
///
/// Prints the reward's terms with min/mean/max over the transitions, non-finite counts,
/// and timings. Exits 0 when the reward passes; 1 with a typed error (compile error,
/// refused construct, timeout, memory limit, panic, non-finite value, ...) otherwise.
/// An LLM answer in markdown is taken as `evolve` takes one: its program is extracted
/// (prose dropped, helper blocks joined) and an `extracted:` line says from where.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  rewardsmith check guest-sdk/examples/cartpole.rs --env cartpole\nAn LLM's answer, as it wrote it:\n  rewardsmith check answer.md --env cartpole --print-extracted\nA reward for your own env, described by a schema (docs/schema.md):\n  rewardsmith check python/examples/half_cheetah/reward.md --schema python/examples/half_cheetah/schema.toml"
)]
pub struct Args {
    /// The reward program: a .rs file (Rust against the guest SDK), .wat or .wasm; or an LLM
    /// answer in markdown (.md, .markdown, .txt, or a .rs holding ``` fences), whose reward
    /// program is extracted the way `evolve` extracts it (compile errors then refer to the
    /// lines of the extracted program: see --print-extracted).
    reward: PathBuf,
    /// The env the reward is for: a short name (`cartpole`) or versioned id (`cartpole-v0`).
    /// Not needed with --schema.
    #[arg(long, required_unless_present = "schema")]
    env: Option<String>,
    /// A schema file (.toml or .json, see docs/schema.md) defining your own env's `State` and
    /// `Action`: the reward imports them with `use crate::env::*;` and is checked on states
    /// drawn from the fields' ranges.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,
    /// How many transitions to run the reward on.
    #[arg(long, default_value_t = 4096)]
    transitions: usize,
    /// Transitions per sandbox call.
    #[arg(long, default_value_t = 1024)]
    batch: usize,
    /// Seed for the transitions (same seed, same transitions, same bits).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where transitions come from: `rollout` runs the env under random actions (real
    /// states; the default for built-in envs); `random` draws every state field from its
    /// typical range (the default, and the only choice, with --schema).
    #[arg(long, value_enum)]
    states: Option<StatesArg>,
    /// Print one JSON object instead of text (with an `extracted` object when the reward
    /// came from an answer: description, blocks and lines used, and the program).
    #[arg(long)]
    json: bool,
    /// With --json: also print every transition and its total and term values
    /// (`report.values`), to compare another caller of the reward bit for bit.
    #[arg(long, requires = "json")]
    values: bool,
    /// Print the program extracted from an answer before checking it (text output only).
    #[arg(long)]
    print_extracted: bool,
    /// Compile Rust rewards even where rustc cannot be isolated (no bubblewrap, no
    /// Landlock): the reward's source can then read and write your files. Off by default.
    #[arg(long)]
    allow_unsandboxed: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum StatesArg {
    Rollout,
    Random,
}

pub fn run(args: Args) -> ExitCode {
    let compiler = crate::common::compiler(args.allow_unsandboxed);
    let sandbox = match Sandbox::new(Limits::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let states = match (args.states, &args.schema) {
        (Some(StatesArg::Rollout), _) | (None, None) => States::Rollout,
        (Some(StatesArg::Random), _) | (None, Some(_)) => States::Random,
    };
    let opts = CheckOptions {
        transitions: args.transitions.max(1),
        batch: args.batch.max(1),
        seed: args.seed,
        states,
        keep_values: args.values,
    };
    let (env, schema) = match env_and_schema(&args) {
        Ok(found) => found,
        Err(e) => return fail(&args, &e.to_string(), e.kind()),
    };
    let mut extracted: Option<Extracted> = None;
    let read = Source::read(&args.reward).map(|(source, ex)| match &schema {
        Some(schema) => (source.for_schema(schema), ex),
        None => (source, ex),
    });
    let result = read.map_err(CheckError::from).and_then(|(source, ex)| {
        if let Some(ex) = &ex
            && !args.json
        {
            println!("extracted: {}", ex.description());
            if args.print_extracted {
                print!("{}", for_terminal(&ex.program));
            }
        }
        extracted = ex;
        check(&compiler, &sandbox, &source, &env, opts)
    });
    match (result, args.json) {
        (Ok(report), false) => {
            print_report(&args, &report);
            ExitCode::SUCCESS
        }
        (Ok(report), true) => {
            let mut out = serde_json::json!({ "ok": true, "report": report });
            if let Some(ex) = &extracted {
                out["extracted"] = serde_json::json!(ex);
            }
            println!("{out}");
            ExitCode::SUCCESS
        }
        (Err(e), false) => {
            if let CheckError::Reward { partial: Some(stats), .. } = &e {
                print_stats(stats.iter());
            }
            eprintln!("check failed [{}]: {}", e.kind(), for_terminal(&e.to_string()));
            if extracted.is_some() && !args.print_extracted && matches!(e, CheckError::Compile(_)) {
                eprintln!("(line numbers refer to the program extracted from the answer: --print-extracted shows it)");
            }
            ExitCode::from(1)
        }
        (Err(e), true) => {
            let partial = match &e {
                CheckError::Reward { partial, .. } => partial.clone(),
                _ => None,
            };
            let mut out = serde_json::json!({ "ok": false, "error": { "kind": e.kind(), "message": e.to_string(), "stats": partial } });
            if let Some(ex) = &extracted {
                out["extracted"] = serde_json::json!(ex);
            }
            println!("{out}");
            ExitCode::from(1)
        }
    }
}

/// The env to check for, and the schema defining it (registered) when one was given.
fn env_and_schema(args: &Args) -> Result<(String, Option<Schema>), SchemaError> {
    let Some(path) = &args.schema else {
        return Ok((args.env.clone().unwrap_or_default(), None));
    };
    let schema = Schema::read(path)?;
    if let Some(env) = &args.env
        && env != &schema.id
        && env != schema.name()
    {
        return Err(SchemaError::Invalid {
            at: "id".into(),
            why: format!("--env {env} differs from the schema's id `{}`; leave --env out", schema.id),
        });
    }
    rewardsmith::schema::register(&schema)?;
    Ok((schema.id.clone(), Some(schema)))
}

/// Reports an error found before the check started (a bad schema).
fn fail(args: &Args, message: &str, kind: &str) -> ExitCode {
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "ok": false, "error": { "kind": kind, "message": message, "stats": null } })
        );
    } else {
        eprintln!("check failed [{kind}]: {}", for_terminal(message));
    }
    ExitCode::from(1)
}

fn print_report(args: &Args, r: &CheckReport) {
    println!(
        "{}: ok for {} ({} module, {} bytes, sha256 {})",
        args.reward.display(),
        r.env,
        kind(r),
        r.module_bytes,
        &r.module_sha256[..12]
    );
    println!("compiler sandbox: {}", r.compiler_sandbox);
    let from = match r.states {
        States::Rollout => "from random-action rollouts of the env",
        States::Random => "with state fields drawn from their typical ranges",
    };
    println!("{} seeded transitions {from} (seed {}):", r.transitions, r.seed);
    print_stats(std::iter::once(&r.total).chain(&r.terms));
    println!(
        "timings: compile {:.1} ms{}, load {:.2} ms, instantiate {:.1} µs, {:.1} ns and {:.0} wasm instructions per transition",
        r.compile_ms,
        if r.compile_cached { " (cached)" } else { "" },
        r.load_ms,
        r.instantiate_us,
        r.ns_per_transition,
        r.fuel_per_transition
    );
}

fn kind(r: &CheckReport) -> &'static str {
    match r.source_kind {
        rewardsmith::compiler::SourceKind::Rust => "rust",
        rewardsmith::compiler::SourceKind::Wat => "wat",
        rewardsmith::compiler::SourceKind::Wasm => "wasm",
    }
}

fn print_stats<'a>(stats: impl Iterator<Item = &'a Stats>) {
    println!("  {:<24} {:>12} {:>12} {:>12} {:>10}", "term", "min", "mean", "max", "non-finite");
    for s in stats {
        let name = for_terminal(&s.name);
        println!("  {:<24} {:>12.5} {:>12.5} {:>12.5} {:>10}", name, s.min, s.mean, s.max, s.non_finite);
    }
}
