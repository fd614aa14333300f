//! Timing our hand-written `Mlp` + `Adam` (single-threaded by construction).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rewardsmith_policy::{Activations, Adam, Init, Mlp};
use std::hint::black_box;

use crate::cases::{Kind, LR, uniform};
use crate::timing::best_ns;

/// The net every comparison starts from (uniform init: outputs of order 1, unlike the
/// 0.01-gain actor head, so agreement checks are meaningful).
pub fn net(sizes: &[usize]) -> Mlp {
    Mlp::new(sizes, Init::Uniform, &mut ChaCha8Rng::seed_from_u64(7)).expect("valid sizes")
}

/// One training step on `inputs`/`targets` with loss mean((y - t)²).
pub fn train_step(
    net: &mut Mlp,
    adam: &mut Adam,
    acts: &mut Activations,
    grads: &mut [f32],
    d_out: &mut Vec<f32>,
    inputs: &[f32],
    targets: &[f32],
) {
    let y = net.forward_batch(inputs, acts);
    let scale = 2.0 / y.len() as f32;
    d_out.clear();
    d_out.extend(y.iter().zip(targets).map(|(y, t)| scale * (y - t)));
    grads.fill(0.0);
    net.backward(acts, d_out, grads);
    adam.step(net.params_mut(), grads, LR);
}

/// Nanoseconds per op of one case.
pub fn time(sizes: &[usize], kind: Kind, batch: usize, reps: usize) -> f64 {
    let (inp, out) = (sizes[0], sizes[sizes.len() - 1]);
    let mut net = net(sizes);
    let inputs = uniform(batch * inp, 1);
    match (kind, batch) {
        (Kind::Forward, 1) => {
            let mut y = vec![0.0; out];
            best_ns(reps, || {
                net.forward(black_box(&inputs), &mut y);
                black_box(&y);
            })
        }
        (Kind::Forward, _) => {
            let mut acts = Activations::default();
            best_ns(reps, || {
                black_box(net.forward_batch(black_box(&inputs), &mut acts));
            })
        }
        (Kind::Train, _) => {
            let targets = uniform(batch * out, 2);
            let mut adam = Adam::new(net.num_params());
            let (mut acts, mut grads, mut d_out) = (Activations::default(), vec![0.0; net.num_params()], Vec::new());
            best_ns(reps, || {
                train_step(&mut net, &mut adam, &mut acts, &mut grads, &mut d_out, black_box(&inputs), &targets);
            })
        }
    }
}
