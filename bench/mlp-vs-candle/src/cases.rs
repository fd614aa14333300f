//! The benchmark cases and their deterministic inputs, shared by both implementations so
//! they time exactly the same work.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// PPO-sized nets `[obs, 64, 64, out]`: CartPole's actor and an Ant-like actor.
pub const NETS: [(&str, [usize; 4]); 2] = [("cartpole 4-64-64-2", [4, 64, 64, 2]), ("ant 27-64-64-8", [27, 64, 64, 8])];

/// What one case times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Batched forward pass (batch 1 = acting in one env, e.g. in the browser).
    Forward,
    /// Forward + MSE loss gradient + backward + one Adam step on a minibatch.
    Train,
}

pub const CASES: [(Kind, usize); 6] = [
    (Kind::Forward, 1),
    (Kind::Forward, 8),
    (Kind::Forward, 64),
    (Kind::Train, 64),
    (Kind::Train, 256),
    (Kind::Train, 1024),
];

/// The row label of a case, also the key children print their times under.
pub fn label(net: &str, kind: Kind, batch: usize) -> String {
    match kind {
        Kind::Forward => format!("{net} forward b={batch}"),
        Kind::Train => format!("{net} fwd+bwd+Adam b={batch}"),
    }
}

/// `n` values uniform in [-1, 1) from a fixed seed.
pub fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| (rng.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0).collect()
}

/// Learning rate for every Adam step (CleanRL's PPO default).
pub const LR: f32 = 3e-4;
