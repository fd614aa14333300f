//! Training: PPO on vectorised envs with every reward computed by a sandboxed reward
//! program, plus what a run leaves behind (run folder, metrics, plots) and what the evolve
//! loop reads back (reward-reflection data).
//!
//! ```no_run
//! # use std::sync::Arc;
//! use rewardsmith::sandbox::{Limits, Sandbox};
//! use rewardsmith::train::{Hooks, TrainConfig, train};
//! # fn wasm() -> Vec<u8> { Vec::new() }
//! let sandbox = Sandbox::new(Limits::default()).unwrap();
//! let module = sandbox.load(&wasm()).unwrap();
//! let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
//! let trained = train(&TrainConfig::new("cartpole-v0"), &sandbox, &module, &pool, Hooks::default()).unwrap();
//! println!("fitness {:?}", trained.result.late_fitness);
//! ```

mod best;
mod config;
mod error;
mod eval;
mod job;
pub mod metrics;
mod plot;
mod ppo;
mod result;
mod run_dir;
pub mod run_files;

pub use best::{Best, BestInfo, Checkpoint, HELD_OUT_SEED};
pub(crate) use config::default_best_episodes;
pub use config::{DEFAULT_BEST_EPISODES, PpoConfig, TrainConfig};
pub use error::TrainError;
pub use eval::{ActMode, Episode, EvalReport, Frame, Replay, evaluate, rollout};
pub use job::{Done, Folder, Job, JobError, train_into};
pub use plot::{PlotError, Series, XAxis, render_svg, write_svg};
pub use ppo::{Hooks, Trained, train};
pub use result::{Curve, MeanStd, StopReason, TrainResult, checkpoint_indices};
pub use run_dir::{FORMAT, Manifest, RunDir, RunDirError, write_atomic};
