//! `rewardsmith runs` and `rewardsmith runs show ID`: what the run store holds, so a person can
//! pick a run to resume, report or inspect without opening SQLite.

use std::path::PathBuf;
use std::process::ExitCode;

use rewardsmith::candidate::{Candidate, Status};
use rewardsmith::serve::view::{iterations_done, run_summary};
use rewardsmith::store::{LlmCallStatus, RunRow, Store, utc};
use rewardsmith::text::for_terminal;
use serde_json::json;

use crate::common::{Failure, fail};

/// List evolve runs (newest first), or show one: iterations, candidates, LLM calls, feedback.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  rewardsmith runs\n  rewardsmith runs show 3\n  rewardsmith runs show 3 --json")]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// The run store (SQLite) to read.
    #[arg(long, global = true, default_value = rewardsmith::store::DEFAULT_PATH)]
    store: PathBuf,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Show one run in full.
    Show {
        /// The run's id (first column of `rewardsmith runs`).
        id: i64,
    },
}

pub fn run(args: Args) -> ExitCode {
    let result =
        Store::open_existing(&args.store).map_err(|e| Failure::new(e.kind(), e)).and_then(|store| match args.command {
            None => list(&store, args.json),
            Some(Sub::Show { id }) => show(&store, id, args.json),
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => fail(&f, args.json),
    }
}

fn store_failure(e: rewardsmith::store::StoreError) -> Failure {
    Failure::new(e.kind(), e)
}

fn list(store: &Store, json: bool) -> Result<(), Failure> {
    let runs = store.runs().map_err(store_failure)?;
    if json {
        // The same summary the playground's /api/runs gives.
        let list = runs.iter().map(|r| run_summary(store, r)).collect::<Result<Vec<_>, _>>().map_err(store_failure)?;
        println!("{}", serde_json::Value::Array(list));
        return Ok(());
    }
    let mut items = Vec::with_capacity(runs.len());
    for r in &runs {
        let cands = store.candidates(r.id, None).map_err(store_failure)?;
        let best = store.best_candidate(r.id).map_err(store_failure)?;
        items.push((r, cands, best));
    }
    if runs.is_empty() {
        println!("no runs in {} yet: start one with `rewardsmith evolve --env cartpole`", store.path().display());
        return Ok(());
    }
    println!(
        "{:>4}  {:<16}  {:<22} {:<18} {:<11} {:>5} {:>11} {:>12}",
        "id", "created (UTC)", "env", "proposer", "status", "iters", "trained", "best fitness"
    );
    for (r, cands, best) in &items {
        let trained = cands.iter().filter(|c| c.status == Status::Trained).count();
        println!(
            "{:>4}  {:<16}  {:<22} {:<18} {:<11} {:>5} {:>11} {:>12}",
            r.id,
            utc(r.created_unix),
            for_terminal(&r.env),
            for_terminal(&proposer_text(r)),
            r.status.as_str(),
            iterations_done(store, r.id),
            format!("{trained}/{}", cands.len()),
            best.as_ref().map(|(_, s)| s.mean).filter(|f| f.is_finite()).map_or("-".into(), |f| format!("{f:.3}")),
        );
    }
    Ok(())
}

fn proposer_text(r: &RunRow) -> String {
    match &r.model {
        Some(m) => format!("{} ({m})", r.proposer),
        None => r.proposer.to_string(),
    }
}

fn show(store: &Store, id: i64, json: bool) -> Result<(), Failure> {
    let run = store.run(id).map_err(store_failure)?;
    let iterations = store.iterations(id).map_err(store_failure)?;
    let candidates = store.candidates(id, None).map_err(store_failure)?;
    let best = store.best_candidate(id).map_err(store_failure)?;
    let calls = store.llm_calls(id).map_err(store_failure)?;
    let feedback = store.feedback(id).map_err(store_failure)?;
    let ok_calls = calls.iter().filter(|c| c.status == LlmCallStatus::Ok).count();
    let prompt_tokens: u64 = calls.iter().filter_map(|c| c.prompt_tokens).sum();
    let completion_tokens: u64 = calls.iter().filter_map(|c| c.completion_tokens).sum();
    let latency_ms: u64 = calls.iter().map(|c| c.latency_ms).sum();
    if json {
        // LLM calls without their prompts and responses (large; read them from the store or the report).
        let call_list: Vec<_> = calls
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "iteration": c.iteration, "attempt": c.attempt, "status": c.status,
                    "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
                    "latency_ms": c.latency_ms, "error_text": c.error_text,
                })
            })
            .collect();
        let v = json!({
            "run": run, "iterations": iterations, "candidates": candidates,
            "best_candidate_id": best.as_ref().map(|(b, _)| b.id),
            "best_selection": best.as_ref().map(|(_, s)| s), "llm_calls": call_list, "feedback": feedback,
        });
        println!("{v}");
        return Ok(());
    }
    // Stored text (errors, LLM sources, feedback) is raw: escape what a terminal would act on.
    let t = |s: &str| for_terminal(s).into_owned();
    println!("run {} · {} · {} · {}", run.id, t(&run.env), t(&proposer_text(&run)), run.status);
    println!("  created    {} UTC", utc(run.created_unix));
    println!("  artifacts  {}", run.artifact_dir.display());
    println!("  config     {}", t(&run.config.to_string()));
    if let Some(s) = &run.summary {
        println!("  summary    {}", t(&s.to_string()));
    }
    println!("\niterations");
    for it in &iterations {
        let took = it.finished_unix.map_or("running".into(), |f| format!("{} s", f - it.started_unix));
        let best = it.best_candidate_id.map_or("-".into(), |b| format!("#{b}"));
        println!("  {:>3}.{:<2} {:<11} best {:<7} {took}", it.idx, it.attempt, it.status.as_str(), best);
    }
    println!("\ncandidates");
    println!(
        "  {:>6} {:>4} {:>3} {:>4}  {:<15} {:<13} {:>10}  error",
        "id", "iter", "att", "smp", "origin", "status", "fitness"
    );
    for c in &candidates {
        println!("  {}", t(candidate_line(c).trim_end()));
    }
    println!(
        "\nLLM calls  {} ({ok_calls} ok) · {prompt_tokens} prompt + {completion_tokens} completion tokens · {:.1} s total",
        calls.len(),
        latency_ms as f64 / 1000.0
    );
    let pending = feedback.iter().filter(|f| f.consumed_by_iteration.is_none()).count();
    println!("feedback   {} ({pending} pending)", feedback.len());
    match &best {
        Some((b, selection)) => {
            println!("\nbest: candidate #{} (iteration {}, fitness {})", b.id, b.key.iteration, selection.describe());
            println!("{}", t(&b.source));
        }
        None => println!("\nbest: none trained yet"),
    }
    Ok(())
}

fn candidate_line(c: &Candidate) -> String {
    let fitness = c.fitness.map_or("-".into(), |f| format!("{f:.3}"));
    let error = match (&c.error_kind, &c.error_text) {
        (Some(k), Some(t)) => {
            let first = t.lines().next().unwrap_or("");
            let short: String = first.chars().take(70).collect();
            format!("[{k}] {short}{}", if short.len() < first.len() { "…" } else { "" })
        }
        (Some(k), None) => format!("[{k}]"),
        _ => String::new(),
    };
    // Lineage: what it was derived from, and what the proposer changed.
    let parent = c.parent_id.map_or(String::new(), |p| format!("from #{p} "));
    let note = if c.note.is_empty() || !error.is_empty() { String::new() } else { c.note.chars().take(70).collect() };
    format!(
        "{:>6} {:>4} {:>3} {:>4}  {:<15} {:<13} {:>10}  {parent}{error}{note}",
        format!("#{}", c.id),
        c.key.iteration,
        c.key.attempt,
        c.key.sample,
        c.key.origin.as_str(),
        c.status.as_str(),
        fitness
    )
}
