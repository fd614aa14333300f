//! Benchmark behind the policy-net decision: our hand-written `Mlp` vs candle on PPO-sized
//! nets. Prints a markdown table of per-op times (best of several repetitions).
//!
//! Threading is fixed per process (candle reads `RAYON_NUM_THREADS` for gemm's thread count
//! and rayon's pool), so the parent re-runs this binary as children: ours and candle with
//! `RAYON_NUM_THREADS=1`, then candle with its default threading. Before timing, it checks
//! that both compute the same forward pass and Adam steps, so the times compare equal work.
//!
//! Usage: `mlp-vs-candle [--reps N] [--rounds N]` (children: `--child ours|candle`).

mod candle_net;
mod cases;
mod ours;
mod timing;

use std::collections::BTreeMap;
use std::error::Error;
use std::process::Command;

use candle_core::{Device, Tensor};
use cases::{CASES, NETS, label, uniform};
use rewardsmith_policy::{Activations, Adam};

type Res<T> = Result<T, Box<dyn Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Runs every case for one implementation, printing `label\tns` lines.
fn child(which: &str, reps: usize) -> Res<()> {
    println!("#threads\t{}", candle_core::utils::get_num_threads());
    for (name, sizes) in NETS {
        for (kind, batch) in CASES {
            let ns = match which {
                "ours" => ours::time(&sizes, kind, batch, reps),
                "candle" => candle_net::time(&ours::net(&sizes), kind, batch, reps)?,
                other => return Err(format!("unknown child `{other}`").into()),
            };
            println!("{}\t{ns}", label(name, kind, batch));
        }
    }
    Ok(())
}

/// Runs a child and merges its times into `best` (minimum per case); returns its thread count.
fn run_child(which: &str, one_thread: bool, reps: usize, best: &mut BTreeMap<String, f64>) -> Res<String> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--child", which, "--reps", &reps.to_string()]);
    if one_thread {
        cmd.env("RAYON_NUM_THREADS", "1").env("CANDLE_NUM_THREADS", "1");
    } else {
        cmd.env_remove("RAYON_NUM_THREADS").env_remove("CANDLE_NUM_THREADS");
    }
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!("child {which} failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let mut threads = String::new();
    for line in String::from_utf8(out.stdout)?.lines() {
        let (key, value) = line.split_once('\t').ok_or("bad child line")?;
        if key == "#threads" {
            threads = value.to_owned();
        } else {
            let ns: f64 = value.parse()?;
            let e = best.entry(key.to_owned()).or_insert(f64::INFINITY);
            *e = e.min(ns);
        }
    }
    Ok(threads)
}

/// Both implementations must agree (to f32 rounding) on outputs and on three Adam steps.
fn check_agreement() -> Res<()> {
    const TOL: f32 = 1e-5;
    for (name, sizes) in NETS {
        let (inp, out, batch) = (sizes[0], sizes[3], 64);
        let mut ours = ours::net(&sizes);
        let theirs = candle_net::CandleMlp::from_mlp(&ours)?;
        let (inputs, targets) = (uniform(batch * inp, 1), uniform(batch * out, 2));
        let mut acts = Activations::default();
        let y = ours.forward_batch(&inputs, &mut acts).to_vec();
        let yc = candle_net::act(&theirs, &inputs, batch, inp)?;
        let same = y.iter().zip(&yc).filter(|(a, b)| a.to_bits() == b.to_bits()).count();
        let fwd = max_diff(&y, &yc);
        let (mut adam, mut opt) = (Adam::new(ours.num_params()), candle_net::adam(&theirs)?);
        let (mut grads, mut d_out) = (vec![0.0; ours.num_params()], Vec::new());
        let x = Tensor::from_slice(&inputs, (batch, inp), &Device::Cpu)?;
        let t = Tensor::from_slice(&targets, (batch, out), &Device::Cpu)?;
        for _ in 0..3 {
            ours::train_step(&mut ours, &mut adam, &mut acts, &mut grads, &mut d_out, &inputs, &targets);
            candle_net::train_step(&theirs, &mut opt, &x, &t)?;
        }
        let par = max_diff(ours.params(), &theirs.flat_params()?);
        println!(
            "agreement {name}: forward max|Δ| {fwd:.1e} ({same}/{} outputs bit-identical), params after 3 Adam steps max|Δ| {par:.1e}",
            y.len()
        );
        if !(fwd <= TOL && par <= TOL) {
            return Err(format!("{name}: candle and ours disagree beyond {TOL}").into());
        }
    }
    Ok(())
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let reps = arg(&args, "--reps").map_or(Ok(5), |s| s.parse())?;
    if let Some(which) = arg(&args, "--child") {
        return child(&which, reps);
    }
    let rounds: usize = arg(&args, "--rounds").map_or(Ok(2), |s| s.parse())?;
    check_agreement()?;
    let (mut ours, mut c1, mut cdef) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut default_threads = String::new();
    // Interleaved rounds, minimum per case: a slow phase of the machine hits all three alike.
    for _ in 0..rounds {
        run_child("ours", true, reps, &mut ours)?;
        run_child("candle", true, reps, &mut c1)?;
        default_threads = run_child("candle", false, reps, &mut cdef)?;
    }
    println!("\nbest of {rounds} rounds x {reps} repetitions; per-op times in µs\n");
    println!(
        "| case | ours µs | candle µs (1 thread) | candle/ours | candle µs (default, {default_threads} threads) | candle default/ours |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, _) in NETS {
        for (kind, batch) in CASES {
            let key = label(name, kind, batch);
            let (o, a, b) = (ours[&key] / 1e3, c1[&key] / 1e3, cdef[&key] / 1e3);
            println!("| {key} | {o:.2} | {a:.2} | {:.2} | {b:.2} | {:.2} |", a / o, b / o);
        }
    }
    Ok(())
}
