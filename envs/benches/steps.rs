//! Env throughput: steps/s per env with seeded random actions, single-threaded (one env)
//! and vectorised (16 envs on 2 threads, auto-reset). Prints a markdown table, or JSON with
//! `--json` (used by `bench/envs_vs_gymnasium.sh`).
//!
//! Run with `cargo bench -p rewardsmith-envs --bench steps` (`-- --quick` for a smoke run).

use std::hint::black_box;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rewardsmith_envs::{VecEnv, registry};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let quick = args.iter().any(|a| a == "--quick");
    let steps: u32 = if quick { 2_000 } else { 20_000 };
    let reps = if quick { 1 } else { 3 };
    let mut rows = Vec::new();
    for reg in registry() {
        let space = (reg.spec.action_space)();
        let single = best(reps, || {
            let mut env = reg.make();
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let actions: Vec<Vec<f32>> = (0..1024).map(|_| space.sample(&mut rng)).collect();
            env.reset(0);
            let start = Instant::now();
            let mut episode = 0;
            for i in 0..steps {
                let s = env.step(&actions[i as usize % 1024]).expect("valid");
                black_box(&s.obs);
                if s.terminated || s.truncated {
                    episode += 1;
                    env.reset(episode);
                }
            }
            steps as f64 / start.elapsed().as_secs_f64()
        });
        let vector = best(reps, || {
            let mut v = VecEnv::new(reg.spec.id, 16, 2, 0).expect("vec env");
            let mut rng = ChaCha8Rng::seed_from_u64(0);
            let batches: Vec<Vec<f32>> =
                (0..64).map(|_| (0..16).flat_map(|_| space.sample(&mut rng)).collect()).collect();
            let start = Instant::now();
            for i in 0..steps / 16 {
                v.step(&batches[i as usize % 64]).expect("valid");
                black_box(v.transitions());
            }
            (steps / 16 * 16) as f64 / start.elapsed().as_secs_f64()
        });
        rows.push((reg.spec.id, single, vector));
    }
    if json {
        let items: Vec<String> = rows
            .iter()
            .map(|(id, s, v)| format!("{{\"id\":\"{id}\",\"single\":{s:.0},\"vector_2_threads\":{v:.0}}}"))
            .collect();
        println!("[{}]", items.join(","));
    } else {
        println!("| env | steps/s, 1 env, 1 thread | steps/s, 16 envs, 2 threads |");
        println!("|---|---:|---:|");
        for (id, s, v) in rows {
            println!("| {id} | {s:.0} | {v:.0} |");
        }
    }
}

fn best(reps: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..reps).map(|_| f()).fold(0.0, f64::max)
}
