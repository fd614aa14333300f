//! rewardsmith's environments (rapier3d, Gymnasium-style API): filled in by the envs issue.
//!
//! The per-env `State` and `Action` structs live in the guest SDK, the single source of
//! truth for what reward programs read; this crate re-exports them and will fill them.

pub use rewardsmith_guest::envs::*;
