//! rewardsmith: write, evolve and safely run reward functions for reinforcement learning.
//!
//! - [`sandbox`]: runs reward modules (core wasm) in wasmtime with no ambient authority,
//!   fuel and epoch deadlines, memory/table/stack/size limits and typed errors.
//! - [`compiler`]: turns a reward program (Rust source, `.wat` or `.wasm`) into a module,
//!   screening sources for compile-time attacks and running rustc in an OS sandbox.
//! - [`schema`]: bring your own env: a schema's `State`/`Action` as an SDK module and layout.
//! - [`check`]: compiles, validates and exercises a reward on seeded transitions.
//! - [`demo`]: exports a trained run as a static browser demo folder.
//! - [`train`]: PPO with sandboxed rewards, run folders, and reward-reflection data.
//! - [`candidate`]: the one record of an evolve candidate (loop, store, report, web).
//! - [`evolve`]: the reward search loop, its proposers and a run's lifecycle ([`evolve::run`]).
//! - [`store`]: the SQLite run store; [`serve`]: the local web playground.

mod base64_bytes;
pub mod candidate;
pub mod check;
pub mod compiler;
pub mod demo;
pub mod evolve;
pub mod sandbox;
pub mod schema;
pub mod selection;
pub mod serve;
pub mod store;
pub mod text;
mod text_enum;
pub mod train;
pub mod transitions;
