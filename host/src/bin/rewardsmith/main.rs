//! The `rewardsmith` command line: a thin layer over the library; one file per command.

mod check;
mod common;
mod envs;
mod eval;
mod evolve;
mod export_demo;
mod rollout;
mod runs;
mod serve;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Write, evolve and safely run reward functions for reinforcement learning.
///
/// Reward programs (Rust against the rewardsmith guest SDK, or any language that emits a
/// core wasm module following docs/abi.md) are compiled to WebAssembly and run sandboxed:
/// no filesystem, network, clock or randomness; fuel, deadlines and memory limits.
#[derive(Parser, Debug)]
#[command(name = "rewardsmith", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(check::Args),
    Envs(envs::Args),
    Train(train::Args),
    Eval(eval::Args),
    Rollout(rollout::Args),
    Evolve(evolve::Args),
    Runs(runs::Args),
    Report(evolve::ReportArgs),
    ExportDemo(export_demo::Args),
    Serve(serve::Args),
}

fn main() -> ExitCode {
    // This binary is also the child that trial-compiles untrusted modules under rlimits.
    if let Some(code) = rewardsmith::sandbox::run_checker_if_asked() {
        return code;
    }
    if let Ok(checker) = rewardsmith::sandbox::CompileChecker::current_exe() {
        rewardsmith::sandbox::set_default_checker(checker);
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Envs(args) => envs::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Rollout(args) => rollout::run(args),
        Command::Evolve(args) => evolve::run(args),
        Command::Runs(args) => runs::run(args),
        Command::Report(args) => evolve::report(args),
        Command::ExportDemo(args) => export_demo::run(args),
        Command::Serve(args) => serve::run(args),
    }
}
