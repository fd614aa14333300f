//! rewardsmith's policies: small hand-written networks for PPO (an MLP with backprop, Adam,
//! the action distributions' log-probs and entropies with their gradients, observation
//! normalisation, safetensors I/O) and [`Player`], the loop that runs a saved [`Policy`] on
//! an env. Training (`rewardsmith train`), evaluation and rollouts (`eval`, `rollout`) and the
//! browser runtime (`web/`, built for wasm32) all use this crate, so they act identically.
//!
//! ```
//! use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
//! use rewardsmith_policy::{Activations, Adam, Init, Mlp};
//!
//! let mut rng = ChaCha8Rng::seed_from_u64(0);
//! let mut net = Mlp::new(&[4, 64, 64, 2], Init::cleanrl_actor(), &mut rng).unwrap();
//! let mut out = [0.0; 2];
//! net.forward(&[0.1, 0.0, -0.2, 0.3], &mut out);
//!
//! // One gradient step on a batch of two observations.
//! let mut acts = Activations::default();
//! net.forward_batch(&[0.1, 0.0, -0.2, 0.3, 0.0, 0.1, 0.0, -0.1], &mut acts);
//! let mut grads = vec![0.0; net.num_params()];
//! net.backward(&acts, &[1.0, 0.0, 0.0, 1.0], &mut grads); // dL/d(output)
//! let mut adam = Adam::new(net.num_params());
//! adam.step(net.params_mut(), &grads, 3e-4);
//! ```
//!
//! Why hand-written (see `docs/architecture.md`, "policy nets"): 64-wide nets on 2 cores are
//! fastest this way, and the same weights must give the same outputs in the browser. So:
//! - all transcendental functions come from `libm` (pure Rust, identical bits on native
//!   and wasm32), never `f32::tanh`/`exp`, whose results depend on the platform's libm;
//! - every sum runs in one fixed order on one thread, so a seed fixes every bit;
//! - parameters and gradients are one flat `Vec<f32>` each, which is all an optimizer, a
//!   gradient clip or a file format needs to see.
//!
//! Weights are saved as safetensors with PyTorch `nn.Sequential(Linear, Tanh, ...)` names
//! (`{prefix}.0.weight`, `{prefix}.2.weight`, ...; weights `[out, in]`), so CleanRL
//! checkpoints and ours are interchangeable.
//!
//! [`Player`] is the one copy of "act on the observation, step the env, record the reward
//! transition" that `rewardsmith rollout` and the browser replay both run, so a browser
//! replay equals the native rollout step for step.

mod adam;
mod agent;
mod gaussian;
mod kernels;
mod mlp;
mod normalize;
mod play;

pub use adam::{Adam, clip_grad_norm};
pub use agent::{ActionKind, Policy, argmax, layer_sizes};
pub use gaussian::{
    categorical_entropy, categorical_entropy_grad, categorical_log_prob, categorical_log_prob_grad, categorical_sample,
    diag_gaussian_entropy, diag_gaussian_entropy_grad, diag_gaussian_log_prob, diag_gaussian_log_prob_grad,
    diag_gaussian_sample, standard_normal,
};
pub use mlp::{Activations, Init, Mlp, NamedTensor, PolicyError, read_safetensors, tanh, write_safetensors};
pub use normalize::{ObsNorm, RunningMeanStd};
pub use play::{ActMode, Player, PolicyMismatch, check_policy};
