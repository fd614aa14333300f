//! rewardsmith's environments: rapier3d tasks with a Gymnasium-style API.
//!
//! ```
//! let mut env = rewardsmith_envs::make("cartpole").unwrap();
//! let obs = env.reset(42);
//! let step = env.step(&[1.0]).unwrap();           // push right
//! assert!(!step.terminated && env.state()[4] > 0.0); // state.time advanced
//! # let _ = obs;
//! ```
//!
//! - [`Env`]: `reset(seed) -> obs`, `step(action) -> Step { obs, terminated, truncated,
//!   fitness }`, plus the rich SDK [`Env::state`] that reward programs read and a render
//!   [`Env::snapshot`]. There is no built-in reward: rewards are sandboxed programs.
//! - [`registry`]: versioned ids → constructors, with the time limit applied in one place.
//! - One file per env (`cartpole.rs`, ...), documented in Gymnasium's sections.
//!
//! The state structs live in the guest SDK (`rewardsmith_guest::envs`), the single source
//! of truth for what rewards can read; this crate fills them.

pub mod ant;
pub mod ball_balance;
pub mod cartpole;
pub mod checker;
mod env;
mod error;
pub mod pendulum;
pub mod pusher;
pub mod reacher;
mod registration;
pub mod registry;
mod snapshot;
mod space;
mod spec;
mod task;
mod vector;
pub mod world;

pub use env::{Env, Step, TimeLimited};
pub use error::EnvError;
pub use registry::{Registration, ids, make, registry};
pub use rewardsmith_guest::envs::{ALL as LAYOUTS, EnvLayout};
pub use snapshot::{Body, Shape, Snapshot};
pub use space::Space;
pub use spec::{EnvSpec, FitnessKind};
pub use task::Task;
pub use vector::{EpisodeEnd, VecEnv};
