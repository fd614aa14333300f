//! Policy nets: finite-difference gradient checks, Adam, gradient clipping, determinism,
//! orthogonal init and safetensors round trips.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rewardsmith_policy::*;

fn uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}

fn randv(rng: &mut ChaCha8Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| uniform(rng, lo, hi)).collect()
}

/// Central difference of `f` at `x[i]` with step `h`, evaluated in f64 from f32 values.
fn central<F: FnMut(&[f32]) -> f64>(x: &[f32], i: usize, h: f32, mut f: F) -> f64 {
    let mut p = x.to_vec();
    p[i] = x[i] + h;
    let up = f(&p);
    p[i] = x[i] - h;
    let down = f(&p);
    (up - down) / f64::from((x[i] + h) - (x[i] - h))
}

/// Relative error with a small absolute floor, so gradients near zero (where f32 rounding
/// in the difference dominates) don't fail the check spuriously.
fn rel_err(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(1e-2)
}

/// L = Σ c ⊙ net(x) over a batch, so dL/d(output) = c.
fn check_mlp_grads(sizes: &[usize], init: Init, batch: usize, samples: usize, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let net = Mlp::new(sizes, init, &mut rng).unwrap();
    let x = randv(&mut rng, batch * sizes[0], -1.5, 1.5);
    let c = randv(&mut rng, batch * net.out_dim(), -1.0, 1.0);
    let mut acts = Activations::default();
    net.forward_batch(&x, &mut acts);
    let mut grads = vec![0.0; net.num_params()];
    net.backward(&acts, &c, &mut grads);

    let loss = |p: &[f32]| {
        let n = Mlp::from_params(sizes, p.to_vec()).unwrap();
        let mut a = Activations::default();
        n.forward_batch(&x, &mut a).iter().zip(&c).map(|(&y, &c)| f64::from(y) * f64::from(c)).sum::<f64>()
    };
    let n = net.num_params();
    let idx: Vec<usize> =
        if samples >= n { (0..n).collect() } else { (0..samples).map(|_| rng.next_u32() as usize % n).collect() };
    let mut worst: f64 = 0.0;
    for i in idx {
        let numeric = central(net.params(), i, 1e-2, loss);
        let e = rel_err(f64::from(grads[i]), numeric);
        assert!(e < 1e-2, "param {i}: backward {} vs finite difference {numeric} (rel err {e})", grads[i]);
        worst = worst.max(e);
    }
    worst
}

#[test]
fn mlp_backward_matches_finite_differences_on_every_parameter_of_a_small_net() {
    let worst = check_mlp_grads(&[3, 5, 4, 2], Init::Uniform, 4, usize::MAX, 1);
    assert!(worst < 1e-2);
}

#[test]
fn mlp_backward_matches_finite_differences_on_a_64_wide_net() {
    check_mlp_grads(&[6, 64, 64, 3], Init::cleanrl_critic(), 5, 300, 2);
}

#[test]
fn backward_accumulates_into_the_gradient_buffer() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let net = Mlp::new(&[2, 4, 1], Init::Uniform, &mut rng).unwrap();
    let mut acts = Activations::default();
    net.forward_batch(&[0.3, -0.2, 0.1, 0.5], &mut acts);
    let mut once = vec![0.0; net.num_params()];
    net.backward(&acts, &[1.0, -0.5], &mut once);
    let mut twice = once.clone();
    net.backward(&acts, &[1.0, -0.5], &mut twice);
    // Adds on top (not overwrites): a second pass doubles the gradient, up to rounding.
    assert!(once.iter().any(|&g| g != 0.0));
    assert!(once.iter().zip(&twice).all(|(a, b)| (b - 2.0 * a).abs() <= 1e-6 * a.abs().max(1.0)));
}

#[test]
fn gaussian_log_prob_and_entropy_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..20 {
        let mean = randv(&mut rng, 3, -1.0, 1.0);
        let log_std = randv(&mut rng, 3, -1.0, 0.5);
        let action = randv(&mut rng, 3, -2.0, 2.0);
        let (mut dm, mut ds) = (vec![0.25; 3], vec![-0.5; 3]); // accumulation on top of these
        let lp = diag_gaussian_log_prob_grad(&mean, &log_std, &action, 2.0, &mut dm, &mut ds);
        assert_eq!(lp, diag_gaussian_log_prob(&mean, &log_std, &action));
        for i in 0..3 {
            let nm = central(&mean, i, 1e-2, |m| f64::from(diag_gaussian_log_prob(m, &log_std, &action)));
            let ns = central(&log_std, i, 1e-2, |s| f64::from(diag_gaussian_log_prob(&mean, s, &action)));
            assert!(rel_err(f64::from(dm[i] - 0.25) / 2.0, nm) < 1e-2, "d mean {i}: {} vs {nm}", dm[i]);
            assert!(rel_err(f64::from(ds[i] + 0.5) / 2.0, ns) < 1e-2, "d log_std {i}: {} vs {ns}", ds[i]);
        }
        let mut de = vec![0.0; 3];
        let h = diag_gaussian_entropy_grad(&log_std, 1.0, &mut de);
        assert_eq!(h, diag_gaussian_entropy(&log_std));
        for (i, &d) in de.iter().enumerate() {
            let ns = central(&log_std, i, 1e-2, |s| f64::from(diag_gaussian_entropy(s)));
            assert!(rel_err(f64::from(d), ns) < 1e-2);
        }
    }
    // A unit Gaussian at its mean: log p = -0.5 ln 2π per dim; entropy 0.5 ln(2πe) per dim.
    let lp = diag_gaussian_log_prob(&[0.0, 0.0], &[0.0, 0.0], &[0.0, 0.0]);
    assert!((lp + (2.0 * std::f32::consts::PI).ln()).abs() < 1e-6);
    let h = diag_gaussian_entropy(&[0.0]);
    assert!((h - 0.5 * (2.0 * std::f32::consts::PI * std::f32::consts::E).ln()).abs() < 1e-6);
}

#[test]
fn categorical_log_prob_and_entropy_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for trial in 0..20 {
        let logits = randv(&mut rng, 4, -2.0, 2.0);
        let action = trial % 4;
        let mut dl = vec![0.0; 4];
        let lp = categorical_log_prob_grad(&logits, action, 1.0, &mut dl);
        assert_eq!(lp, categorical_log_prob(&logits, action));
        let mut de = vec![0.0; 4];
        let h = categorical_entropy_grad(&logits, 1.0, &mut de);
        assert_eq!(h, categorical_entropy(&logits));
        for i in 0..4 {
            let nl = central(&logits, i, 1e-2, |l| f64::from(categorical_log_prob(l, action)));
            let ne = central(&logits, i, 1e-2, |l| f64::from(categorical_entropy(l)));
            assert!(rel_err(f64::from(dl[i]), nl) < 1e-2, "d logit {i}: {} vs {nl}", dl[i]);
            assert!(rel_err(f64::from(de[i]), ne) < 1e-2, "d entropy {i}: {} vs {ne}", de[i]);
        }
    }
    // Uniform logits: entropy ln n; huge logits don't overflow.
    assert!((categorical_entropy(&[3.0; 4]) - 4f32.ln()).abs() < 1e-6);
    assert!((categorical_log_prob(&[1000.0, 0.0], 0)).abs() < 1e-6);
}

#[test]
fn samplers_are_seeded_and_follow_their_distributions() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let logits = [0.0, 1.0, f32::NEG_INFINITY];
    let mut counts = [0usize; 3];
    for _ in 0..20_000 {
        counts[categorical_sample(&logits, &mut rng)] += 1;
    }
    let p1 = counts[1] as f64 / 20_000.0;
    assert_eq!(counts[2], 0, "a -inf logit is never sampled");
    assert!((p1 - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 0.02, "p(1) = {p1}");

    let (mut sum, mut sq) = (0.0, 0.0);
    let mut out = [0.0];
    for _ in 0..20_000 {
        diag_gaussian_sample(&[1.0], &[0.5f32.ln()], &mut rng, &mut out);
        sum += f64::from(out[0]);
        sq += f64::from(out[0]) * f64::from(out[0]);
    }
    let mean = sum / 20_000.0;
    let std = (sq / 20_000.0 - mean * mean).sqrt();
    assert!((mean - 1.0).abs() < 0.02 && (std - 0.5).abs() < 0.02, "mean {mean}, std {std}");
}

#[test]
fn adam_drives_a_quadratic_to_its_minimum() {
    let scales = [1.0f32, 10.0, 0.1, 3.0];
    let target = [1.0f32, -2.0, 0.5, 3.0];
    let loss =
        |p: &[f32]| p.iter().zip(&scales).zip(&target).map(|((p, a), t)| 0.5 * a * (p - t) * (p - t)).sum::<f32>();
    let mut p = vec![0.0f32; 4];
    let mut adam = Adam::new(4);
    let start = loss(&p);
    let steps = 3000;
    for k in 0..steps {
        let g: Vec<f32> = p.iter().zip(&scales).zip(&target).map(|((p, a), t)| a * (p - t)).collect();
        // Linear annealing as CleanRL does; a constant rate leaves Adam orbiting the minimum.
        let lr = 0.05 * (1.0 - k as f32 / steps as f32);
        let before = p.clone();
        adam.step(&mut p, &g, lr);
        if k == 0 {
            // First step: m̂ = g, v̂ = g², so each parameter moves by lr·g/(|g|+eps) ≈ lr.
            for i in 0..4 {
                let expected = 0.05 * g[i] / (g[i].abs() + 1e-5);
                assert!(((before[i] - p[i]) - expected).abs() < 1e-6);
            }
        }
    }
    assert_eq!(adam.steps(), steps as u64);
    let end = loss(&p);
    assert!(start > 10.0 && end < 1e-6, "loss {start} -> {end}, params {p:?}");
}

#[test]
fn clip_grad_norm_scales_only_above_the_limit_and_returns_the_old_norm() {
    let mut g = vec![3.0, 4.0];
    assert_eq!(clip_grad_norm(&mut g, 10.0), 5.0);
    assert_eq!(g, [3.0, 4.0]);
    assert_eq!(clip_grad_norm(&mut g, 0.5), 5.0);
    assert!((g[0] - 0.3).abs() < 1e-6 && (g[1] - 0.4).abs() < 1e-6);
    let norm: f32 = g.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 0.5).abs() < 1e-6);
    let mut zero = vec![0.0; 3];
    assert_eq!(clip_grad_norm(&mut zero, 0.5), 0.0);
    assert_eq!(zero, [0.0; 3]);
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn a_seed_fixes_every_bit_and_batched_rows_equal_single_passes() {
    let make = |seed| Mlp::new(&[5, 64, 64, 3], Init::cleanrl_actor(), &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
    let (a, b) = (make(7), make(7));
    assert_eq!(bits(a.params()), bits(b.params()));
    assert_ne!(bits(a.params()), bits(make(8).params()));

    let mut rng = ChaCha8Rng::seed_from_u64(9);
    // Small batches take the row-by-row path, larger ones the transposed one: both must
    // equal the single-sample pass bit for bit.
    for rows in [2, 9] {
        let x = randv(&mut rng, rows * 5, -2.0, 2.0);
        let batched = a.forward_batch(&x, &mut Activations::default()).to_vec();
        for (row, xb) in x.chunks_exact(5).enumerate() {
            let mut out = [0.0; 3];
            a.forward(xb, &mut out);
            assert_eq!(bits(&out), bits(&batched[row * 3..row * 3 + 3]), "batch of {rows}, row {row}");
        }
    }
    let x = randv(&mut rng, 4 * 5, -2.0, 2.0);
    let mut acts = Activations::default();
    a.forward_batch(&x, &mut acts);
    let mut acts_b = Activations::default();
    assert_eq!(bits(acts.output()), bits(b.forward_batch(&x, &mut acts_b)));
    let c = randv(&mut rng, 4 * 3, -1.0, 1.0);
    let (mut ga, mut gb) = (vec![0.0; a.num_params()], vec![0.0; b.num_params()]);
    a.backward(&acts, &c, &mut ga);
    b.backward(&acts_b, &c, &mut gb);
    assert_eq!(bits(&ga), bits(&gb));
}

#[test]
fn orthogonal_init_gives_orthogonal_weights_scaled_by_the_gain_and_zero_biases() {
    // [64 -> 64] square, [64 -> 2] wide (rows orthonormal), [2 -> 64] tall (columns orthonormal).
    let net = Mlp::new(
        &[2, 64, 64, 2],
        Init::Orthogonal { hidden_gain: 2.0, output_gain: 0.5 },
        &mut ChaCha8Rng::seed_from_u64(10),
    )
    .unwrap();
    for t in net.to_safetensors("pi") {
        if t.name.ends_with(".bias") {
            assert!(t.data.iter().all(|&b| b == 0.0), "{} is not zero", t.name);
            continue;
        }
        let (rows, cols) = (t.shape[0], t.shape[1]);
        let gain = if t.name == "pi.4.weight" { 0.5 } else { 2.0 };
        // The rows or the columns, whichever are fewer, must be orthogonal with norm gain.
        let vectors: Vec<Vec<f32>> = if rows >= cols {
            (0..cols).map(|c| (0..rows).map(|r| t.data[r * cols + c]).collect()).collect()
        } else {
            t.data.chunks_exact(cols).map(<[f32]>::to_vec).collect()
        };
        let n = vectors.len();
        for i in 0..n {
            for j in 0..n {
                let dot: f32 = vectors[i].iter().zip(&vectors[j]).map(|(a, b)| a * b).sum();
                let want = if i == j { gain * gain } else { 0.0 };
                assert!((dot - want).abs() < 1e-4, "{}: <{i},{j}> = {dot}", t.name);
            }
        }
    }
}

#[test]
fn safetensors_round_trip_keeps_every_bit_and_several_nets_share_a_file() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let actor = Mlp::new(&[4, 16, 2], Init::cleanrl_actor(), &mut rng).unwrap();
    let critic = Mlp::new(&[4, 16, 1], Init::cleanrl_critic(), &mut rng).unwrap();
    let mut tensors = actor.to_safetensors("actor_mean");
    tensors.extend(critic.to_safetensors("critic"));
    tensors.push(NamedTensor { name: "actor_logstd".into(), shape: vec![1, 2], data: vec![-0.5, 0.25] });
    let bytes = write_safetensors(&tensors).unwrap();

    let read = read_safetensors(&bytes).unwrap();
    let names: Vec<&str> = read.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "actor_logstd",
            "actor_mean.0.bias",
            "actor_mean.0.weight",
            "actor_mean.2.bias",
            "actor_mean.2.weight",
            "critic.0.bias",
            "critic.0.weight",
            "critic.2.bias",
            "critic.2.weight"
        ]
    );
    let w = read.iter().find(|t| t.name == "actor_mean.0.weight").unwrap();
    assert_eq!(w.shape, [16, 4], "PyTorch's [out, in]");
    let actor2 = Mlp::from_safetensors(&[4, 16, 2], &read, "actor_mean").unwrap();
    let critic2 = Mlp::from_safetensors(&[4, 16, 1], &read, "critic").unwrap();
    assert_eq!(bits(actor.params()), bits(actor2.params()));
    assert_eq!(bits(critic.params()), bits(critic2.params()));
    assert_eq!(read.iter().find(|t| t.name == "actor_logstd").unwrap().data, [-0.5, 0.25]);
}

#[test]
fn loading_the_wrong_shape_names_the_tensor_and_leaves_the_net_unchanged() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let saved = Mlp::new(&[4, 16, 2], Init::Uniform, &mut rng).unwrap();
    let read = read_safetensors(&write_safetensors(&saved.to_safetensors("pi")).unwrap()).unwrap();

    let mut other = Mlp::new(&[4, 16, 3], Init::Uniform, &mut rng).unwrap();
    let before = other.clone();
    let err = other.load_safetensors(&read, "pi").unwrap_err();
    match &err {
        PolicyError::ShapeMismatch { name, expected, got } => {
            assert_eq!(name, "pi.2.weight");
            assert_eq!((expected.as_slice(), got.as_slice()), ([3, 16].as_slice(), [2, 16].as_slice()));
        }
        e => panic!("expected a shape mismatch, got {e}"),
    }
    assert!(err.to_string().contains("pi.2.weight"), "{err}");
    assert_eq!(other, before, "a failed load must not change the net");

    let missing = Mlp::from_safetensors(&[4, 16, 2], &read, "vf").unwrap_err();
    assert!(matches!(&missing, PolicyError::MissingTensor { name } if name == "vf.0.weight"), "{missing}");
    let deeper = Mlp::from_safetensors(&[4, 16, 16, 2], &read, "pi").unwrap_err();
    assert!(matches!(&deeper, PolicyError::ShapeMismatch { name, .. } if name == "pi.2.weight"), "{deeper}");

    let mut bad = read.clone();
    bad[0].data[1] = f32::NAN;
    let nan = Mlp::from_safetensors(&[4, 16, 2], &bad, "pi").unwrap_err();
    assert!(matches!(nan, PolicyError::NonFinite { index: 1, .. }), "{nan}");

    assert!(matches!(read_safetensors(b"not a safetensors file"), Err(PolicyError::Format(_))));
    let lying = [NamedTensor { name: "x".into(), shape: vec![2, 2], data: vec![1.0; 3] }];
    assert!(matches!(write_safetensors(&lying), Err(PolicyError::Format(_))));
}

#[test]
fn rational_tanh_stays_within_4e_7_of_the_true_tanh_and_saturates_exactly() {
    let mut worst = 0.0f64;
    for k in -200_000..=200_000 {
        let x = k as f32 * 6e-5; // −12 ..= 12
        let err = (f64::from(rewardsmith_policy::tanh(x)) - f64::from(x).tanh()).abs();
        worst = worst.max(err);
    }
    assert!(worst < 4e-7, "worst error {worst}");
    assert_eq!(rewardsmith_policy::tanh(30.0), 1.0);
    assert_eq!(rewardsmith_policy::tanh(-30.0), -1.0);
    assert_eq!(rewardsmith_policy::tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    assert!(rewardsmith_policy::tanh(f32::NAN).is_nan());
}
