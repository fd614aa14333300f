//! The offline proposer's programs are real rewards: every generated source compiles against
//! the SDK and passes `check` on every env (real and random states); and (ignored, minutes)
//! a small search trains its candidates and compares the best with the sparse and human
//! baselines.

use std::sync::Arc;

use rewardsmith::check::{CheckOptions, States, check};
use rewardsmith::compiler::Source;
use rewardsmith::evolve::offline::{Genome, OfflineProposer, Proposal};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith::train::{Hooks, TrainConfig, train};
use rewardsmith_tests::*;

/// 20 genomes per env: a first generation and children of it (mutations and crossovers),
/// scored with made-up fitness.
fn twenty(env: &str, seed: u64) -> Vec<Proposal> {
    let mut p = OfflineProposer::new(env, seed).unwrap();
    let mut all = p.initial(10);
    let scored: Vec<(Genome, f64)> =
        all.iter().enumerate().map(|(i, q)| (q.genome.clone(), ((i * 7) % 10) as f64)).collect();
    all.extend(p.next(&scored, 10));
    all
}

#[test]
fn generated_programs_compile_and_pass_check_on_every_env() {
    let sb = sandbox();
    for (e, env) in ENVS.iter().enumerate() {
        let proposals = twenty(env, 11 + e as u64);
        let sources: Vec<Source> = proposals.iter().map(|p| Source::rust(p.source.clone())).collect();
        // Compile all on the compiler's threads first; `check` then hits the module cache.
        for (r, p) in compiler().compile_many(&sources).iter().zip(&proposals) {
            if let Err(err) = r {
                panic!("{env}: generated source does not compile: {err}\n{}", p.source);
            }
        }
        for (i, (src, p)) in sources.iter().zip(&proposals).enumerate() {
            let states = if i % 2 == 0 { States::Rollout } else { States::Random };
            let opts = CheckOptions { seed: i as u64, states, ..CheckOptions::default() };
            let report =
                check(compiler(), &sb, src, env, opts).unwrap_or_else(|err| panic!("{env} #{i}: {err}\n{}", p.source));
            let names: Vec<&str> = report.terms.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, p.genome.term_names(), "{env} #{i}: term names");
            assert!(report.terms.iter().all(|t| t.non_finite == 0), "{env} #{i}");
            let sum: f32 = report.terms.iter().map(|t| t.mean).sum();
            assert!((sum - report.total.mean).abs() < 1e-3 * (1.0 + sum.abs()), "{env} #{i}: total is the sum");
        }
    }
}

/// Late-window fitness of one training run (-∞ for a failed one).
fn fitness(env: &str, source: &str, sb: &Sandbox, pool: &Arc<rayon::ThreadPool>) -> f64 {
    let wasm = match compile_rust(source) {
        Ok(w) => w,
        Err(_) => return f64::NEG_INFINITY,
    };
    let module = sb.load(&wasm).unwrap();
    match train(&TrainConfig::new(env), sb, &module, pool, Hooks::default()) {
        Ok(t) => t.result.late_fitness.map_or(f64::NEG_INFINITY, |f| f.mean),
        Err(_) => f64::NEG_INFINITY,
    }
}

/// A small offline search (`OFFLINE_GENERATIONS` × `OFFLINE_SAMPLES`, default 2 × 8) on
/// cartpole, pendulum and reacher, each candidate trained with the env's default budget on a
/// 2-thread pool, against the sparse and human baselines (seed 0 each). Prints the numbers;
/// asserts the best candidate beats the sparse reward. Minutes:
/// `cargo test --release -p rewardsmith-tests --test all offline_search -- --ignored --nocapture`.
#[test]
#[ignore]
fn offline_search_beats_the_sparse_reward() {
    let number = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (generations, samples) = (number("OFFLINE_GENERATIONS", 2), number("OFFLINE_SAMPLES", 8));
    let envs_var = std::env::var("OFFLINE_ENVS").unwrap_or_else(|_| "cartpole,pendulum,reacher".into());
    let sb = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let mut failures = Vec::new();
    for env in envs_var.split(',') {
        let read = |p: std::path::PathBuf| std::fs::read_to_string(p).unwrap();
        let sparse = fitness(env, &read(sparse_example(env)), &sb, &pool);
        let human = fitness(env, &read(example(env)), &sb, &pool);
        let mut proposer = OfflineProposer::new(env, 0).unwrap();
        let mut scored: Vec<(Genome, f64)> = Vec::new();
        let mut best = (f64::NEG_INFINITY, String::new());
        for g in 0..generations {
            let t = std::time::Instant::now();
            let proposals = if g == 0 { proposer.initial(samples) } else { proposer.next(&scored, samples) };
            let mut line = Vec::new();
            for p in proposals {
                let f = fitness(env, &p.source, &sb, &pool);
                line.push(format!("{f:.3}"));
                if f > best.0 {
                    best = (f, p.source.clone());
                }
                scored.push((p.genome, f));
            }
            println!("{env} generation {g}: [{}] ({:.0} s)", line.join(", "), t.elapsed().as_secs_f64());
        }
        let score = (best.0 - sparse) / (human - sparse).abs();
        println!(
            "{env}: best generated {:.3}, human {human:.3}, sparse {sparse:.3}, human-normalised {score:.2}\n{}",
            best.0, best.1
        );
        if best.0 <= sparse {
            failures.push(env.to_owned());
        }
    }
    assert!(failures.is_empty(), "the best candidate did not beat the sparse reward on {failures:?}");
}
