//! The rewardsmith guest SDK: what a reward program is written against.
//!
//! A reward program is one Rust file compiled to a core WebAssembly module and run inside
//! rewardsmith's sandbox. It imports the prelude and one env module, defines a function
//! and exports it:
//!
//! ```
//! use rewardsmith_guest::prelude::*;          // Terms, shaping helpers, math
//! use rewardsmith_guest::envs::cartpole::*;   // State, Action of this env
//!
//! fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
//!     let upright = t.add("upright", cos(next.pole_angle));
//!     let centred = t.add("centred", -0.1 * next.cart_pos.abs());
//!     upright + centred
//! }
//! export_reward!(reward);
//! # fn main() {}
//! ```
//!
//! The same crate is used natively: the envs crate fills these very `State` structs, and
//! the host reads their field tables to describe envs and to sample test transitions.
//! It is `no_std` (plus `alloc`) and depends only on `libm`, so its math gives the same
//! bits natively and in wasm.
#![no_std]

extern crate alloc;

#[doc(hidden)]
pub mod abi;
mod batch;
pub mod envs;
pub mod layout;
pub mod math;
pub mod prelude;
pub mod shaping;
mod terms;

pub use batch::run_batch;
pub use layout::{EnvState, Field, Layout};
pub use terms::{TermName, Terms};

/// The reward ABI version this SDK emits (`rewardsmith_abi_version`). See `docs/abi.md`.
pub const ABI_VERSION: u32 = 1;

/// The most distinct term names the SDK records. Past this the term count reads
/// `TERM_CAPACITY + 1` (the host reports "too many terms") and further adds are skipped.
pub const TERM_CAPACITY: usize = 64;

/// The signature of a reward function: state, action, next state, terms → total.
pub type RewardFn<S, A> = fn(&S, &A, &S, &mut Terms) -> f32;
