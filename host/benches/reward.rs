//! The cost of sandboxing a reward: the same reward as native Rust and as sandboxed wasm
//! over the same 1M transitions, batched and per call, under each metering mode; plus
//! module compile and instantiation times. Prints a markdown table (docs/benchmarks.md).
//!
//! Run with `cargo bench -p rewardsmith --bench reward` (add `-- --quick` for a smoke run).

use std::hint::black_box;
use std::time::{Duration, Instant};

use rewardsmith::compiler::{Compiler, CompilerOptions, Source};
use rewardsmith::sandbox::{Limits, Metering, Sandbox};
use rewardsmith_guest::Terms;

#[path = "../../guest-sdk/examples/ant.rs"]
mod ant;
#[path = "../../guest-sdk/examples/cartpole.rs"]
mod cartpole;

type NativeBatch = fn(&[f32], usize, &mut Terms);

struct Case {
    env: &'static str,
    native: NativeBatch,
}

const CASES: &[Case] =
    &[Case { env: "cartpole", native: cartpole::native_batch }, Case { env: "ant", native: ant::native_batch }];

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total: usize = if quick { 100_000 } else { 1_000_000 };
    let reps = if quick { 1 } else { 9 };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let compiler = Compiler::new(CompilerOptions::default());
    println!(
        "transitions per measurement: {total}; fastest of {reps} runs (the least-disturbed; this is a shared 2-core VM); batch = transitions per sandbox call\n"
    );
    println!("| reward | mode | batch | ns/transition | × native | wasm instructions/transition |");
    println!("|---|---|---:|---:|---:|---:|");
    for case in CASES {
        let src = Source::from_path(&root.join(format!("guest-sdk/examples/{}.rs", case.env))).expect("example");
        let wasm = compiler.compile(&src).expect("compiles").wasm;
        let env = rewardsmith_guest::envs::find(case.env).expect("env");
        let stride = env.transition_len();
        let data = rewardsmith::transitions::sample(env, 4096, 1);

        let native = fastest(reps, || {
            let mut terms = Terms::new();
            let start = Instant::now();
            for i in 0..total / 1024 {
                let chunk = &data[(i % 4) * 1024 * stride..((i % 4) + 1) * 1024 * stride];
                (case.native)(black_box(chunk), 1024, &mut terms);
                black_box(terms.output());
            }
            start.elapsed()
        });
        let native_ns = ns(native, total);
        println!("| {} | native Rust (same SDK batch loop) | 1024 | {native_ns:.1} | 1.00 | |", case.env);

        let modes = [
            ("wasm, fuel + epoch (default)", Metering { fuel: true, epoch: true }, true),
            ("wasm, fuel only", Metering { fuel: true, epoch: false }, true),
            ("wasm, epoch only", Metering { fuel: false, epoch: true }, true),
            ("wasm, no metering", Metering { fuel: false, epoch: false }, true),
            ("wasm, no metering, no NaN canonicalisation", Metering { fuel: false, epoch: false }, false),
        ];
        for (name, metering, nan_canonicalization) in modes {
            let sb = Sandbox::new(Limits { metering, nan_canonicalization, ..Limits::default() }).expect("sandbox");
            let module = sb.load(&wasm).expect("loads");
            let default = metering == Metering::default() && nan_canonicalization;
            // (label, batch, copy inputs in?)
            let variants: &[(&str, usize, bool)] = if default {
                &[
                    ("inputs copied in", 1024, true),
                    ("inputs in place", 1024, false),
                    ("one call per transition", 1, true),
                ]
            } else {
                &[("inputs in place", 1024, false)]
            };
            for &(how, batch, copy) in variants {
                let n = if batch == 1 { total / 10 } else { total };
                let mut fuel = 0.0;
                let t = fastest(reps, || {
                    let mut inst = sb.instantiate(&module, case.env).expect("instantiates");
                    inst.run_batch(&data[..1024 * stride]).expect("warm-up");
                    let start = Instant::now();
                    for i in 0..n / batch {
                        let off = (i * batch) % 4096;
                        let chunk = &data[off * stride..(off + batch) * stride];
                        let r = if copy {
                            inst.run_batch(chunk)
                        } else {
                            // The warm-up batch is still in guest memory: time the call alone.
                            inst.run_batch_with(batch, |_| {})
                        };
                        black_box(r.expect("runs").totals);
                    }
                    let elapsed = start.elapsed();
                    fuel = inst.last_run_fuel() as f64 / batch as f64;
                    elapsed
                });
                let w = ns(t, n);
                let fuel = if metering.fuel { format!("{fuel:.0}") } else { String::new() };
                println!("| {} | {name}, {how} | {batch} | {w:.1} | {:.2} | {fuel} |", case.env, w / native_ns);
            }
        }
    }

    println!("\n| step | time |");
    println!("|---|---:|");
    let sb = Sandbox::new(Limits::default()).expect("sandbox");
    let src = Source::from_path(&root.join("guest-sdk/examples/cartpole.rs")).expect("example");
    let wasm = compiler.compile(&src).expect("compiles").wasm;
    let uncached = Compiler::new(CompilerOptions { cache_modules: false, ..CompilerOptions::default() });
    let rustc = fastest(reps, || uncached.compile(&src).expect("compiles").elapsed);
    println!(
        "| rustc: cartpole.rs → wasm ({} bytes), sandboxed ({}) | {:.0} ms |",
        wasm.len(),
        uncached.isolation().describe(),
        rustc.as_secs_f64() * 1e3
    );
    let load = fastest(reps, || {
        let fresh = Sandbox::new(Limits::default()).expect("sandbox");
        let start = Instant::now();
        fresh.load(&wasm).expect("loads");
        start.elapsed()
    });
    println!("| wasmtime compile + validate (Cranelift, first load) | {:.1} ms |", load.as_secs_f64() * 1e3);
    sb.load(&wasm).expect("loads");
    let cached = fastest(reps, || {
        let start = Instant::now();
        for _ in 0..1000 {
            black_box(sb.load(&wasm).expect("cached"));
        }
        start.elapsed() / 1000
    });
    println!("| load again (content-hash cache hit) | {:.1} µs |", cached.as_secs_f64() * 1e6);
    for (how, pool) in [("on demand", 0), ("pooling allocator, 64 slots", 64)] {
        let sb = Sandbox::new(Limits { instance_pool: pool, ..Limits::default() }).expect("sandbox");
        let module = sb.load(&wasm).expect("loads");
        let inst = fastest(reps, || {
            let start = Instant::now();
            for _ in 0..1000 {
                black_box(sb.instantiate(&module, "cartpole").expect("instantiates"));
            }
            start.elapsed() / 1000
        });
        println!("| instantiate, {how} (new store + instance + ABI/env checks) | {:.1} µs |", inst.as_secs_f64() * 1e6);
    }
}

fn ns(d: Duration, n: usize) -> f64 {
    d.as_nanos() as f64 / n as f64
}

fn fastest(reps: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..reps).map(|_| f()).collect();
    v.sort();
    v[0]
}
