//! Action distributions for PPO: a diagonal Gaussian with a state-independent log-std
//! (continuous actions) and a categorical over logits (discrete actions).
//!
//! The `_grad` functions *accumulate* `scale * d(value)/d(input)` into the gradient
//! buffers, where `scale` is dL/d(value) for this sample: the log-std is shared by the whole
//! batch, so its gradient must add up over samples.

use rand::RngCore;

const HALF_LN_2PI: f32 = 0.918_938_5; // 0.5 * ln(2π)

/// A standard normal sample by Box–Muller in f64 with `libm`, so a seed gives the same
/// value on every platform.
pub fn standard_normal<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    // u1 in (0, 1] keeps the log finite.
    let u1 = ((rng.next_u64() >> 11) + 1) as f64 * SCALE;
    let u2 = (rng.next_u64() >> 11) as f64 * SCALE;
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(core::f64::consts::TAU * u2)
}

fn check_gaussian(mean: &[f32], log_std: &[f32], action: &[f32]) {
    assert_eq!(mean.len(), log_std.len(), "mean and log_std lengths differ");
    assert_eq!(mean.len(), action.len(), "mean and action lengths differ");
}

/// log N(action; mean, diag(exp(log_std)²)), summed over dimensions.
pub fn diag_gaussian_log_prob(mean: &[f32], log_std: &[f32], action: &[f32]) -> f32 {
    check_gaussian(mean, log_std, action);
    let mut lp = 0.0;
    for ((&m, &ls), &a) in mean.iter().zip(log_std).zip(action) {
        lp += gaussian_term(m, ls, a).0;
    }
    lp
}

/// One dimension's (log-prob, z, 1/σ); shared so the plain and `_grad` versions agree bit
/// for bit.
fn gaussian_term(mean: f32, log_std: f32, action: f32) -> (f32, f32, f32) {
    let inv_std = 1.0 / libm::expf(log_std);
    let z = (action - mean) * inv_std;
    (-0.5 * z * z - log_std - HALF_LN_2PI, z, inv_std)
}

/// [`diag_gaussian_log_prob`], also accumulating `scale * dlogp/dmean` (= (a-μ)/σ²) into
/// `d_mean` and `scale * dlogp/dlog_std` (= z² - 1) into `d_log_std`.
pub fn diag_gaussian_log_prob_grad(
    mean: &[f32],
    log_std: &[f32],
    action: &[f32],
    scale: f32,
    d_mean: &mut [f32],
    d_log_std: &mut [f32],
) -> f32 {
    check_gaussian(mean, log_std, action);
    assert_eq!(d_mean.len(), mean.len(), "d_mean length differs from mean");
    assert_eq!(d_log_std.len(), mean.len(), "d_log_std length differs from mean");
    let mut lp = 0.0;
    for i in 0..mean.len() {
        let (term, z, inv_std) = gaussian_term(mean[i], log_std[i], action[i]);
        lp += term;
        d_mean[i] += scale * z * inv_std;
        d_log_std[i] += scale * (z * z - 1.0);
    }
    lp
}

/// Entropy of the diagonal Gaussian: Σ (0.5 + 0.5 ln 2π + log_std). Independent of the mean.
pub fn diag_gaussian_entropy(log_std: &[f32]) -> f32 {
    log_std.iter().map(|&ls| 0.5 + HALF_LN_2PI + ls).sum()
}

/// [`diag_gaussian_entropy`], also accumulating `scale` (dH/dlog_std = 1) into `d_log_std`.
pub fn diag_gaussian_entropy_grad(log_std: &[f32], scale: f32, d_log_std: &mut [f32]) -> f32 {
    assert_eq!(d_log_std.len(), log_std.len(), "d_log_std length differs from log_std");
    d_log_std.iter_mut().for_each(|d| *d += scale);
    diag_gaussian_entropy(log_std)
}

/// Samples `mean + exp(log_std) * ε` into `out`, one ε per dimension in order.
pub fn diag_gaussian_sample<R: RngCore + ?Sized>(mean: &[f32], log_std: &[f32], rng: &mut R, out: &mut [f32]) {
    check_gaussian(mean, log_std, out);
    for ((o, &m), &ls) in out.iter_mut().zip(mean).zip(log_std) {
        *o = m + libm::expf(ls) * standard_normal(rng) as f32;
    }
}

/// log-sum-exp with the max subtracted, so large logits don't overflow.
fn log_sum_exp(logits: &[f32]) -> f32 {
    assert!(!logits.is_empty(), "a categorical needs at least one logit");
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|&l| libm::expf(l - max)).sum();
    max + libm::logf(sum)
}

/// `log_softmax(logits)[action]`.
///
/// # Panics
/// If `action` is not an index into `logits`.
pub fn categorical_log_prob(logits: &[f32], action: usize) -> f32 {
    assert!(action < logits.len(), "action {action} out of 0..{}", logits.len());
    logits[action] - log_sum_exp(logits)
}

/// [`categorical_log_prob`], also accumulating `scale * (onehot(action) - softmax)` into
/// `d_logits`.
pub fn categorical_log_prob_grad(logits: &[f32], action: usize, scale: f32, d_logits: &mut [f32]) -> f32 {
    assert_eq!(d_logits.len(), logits.len(), "d_logits length differs from logits");
    let lp = categorical_log_prob(logits, action);
    let lse = logits[action] - lp;
    for (j, (d, &l)) in d_logits.iter_mut().zip(logits).enumerate() {
        let p = libm::expf(l - lse);
        *d += scale * (f32::from(u8::from(j == action)) - p);
    }
    lp
}

/// Entropy −Σ p log p of softmax(logits).
pub fn categorical_entropy(logits: &[f32]) -> f32 {
    let lse = log_sum_exp(logits);
    -logits.iter().map(|&l| libm::expf(l - lse) * (l - lse)).sum::<f32>()
}

/// [`categorical_entropy`], also accumulating `scale * dH/dlogit_k` (= −p_k (log p_k + H))
/// into `d_logits`.
pub fn categorical_entropy_grad(logits: &[f32], scale: f32, d_logits: &mut [f32]) -> f32 {
    assert_eq!(d_logits.len(), logits.len(), "d_logits length differs from logits");
    let lse = log_sum_exp(logits);
    let h = categorical_entropy(logits);
    for (d, &l) in d_logits.iter_mut().zip(logits) {
        let logp = l - lse;
        *d += scale * -libm::expf(logp) * (logp + h);
    }
    h
}

/// Samples an index from softmax(logits) by inverting the CDF with one uniform draw.
pub fn categorical_sample<R: RngCore + ?Sized>(logits: &[f32], rng: &mut R) -> usize {
    let lse = log_sum_exp(logits);
    let u = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    let (mut cdf, mut last_possible) = (0.0, 0);
    for (i, &l) in logits.iter().enumerate() {
        let p = libm::expf(l - lse);
        cdf += p;
        if u < cdf {
            return i;
        }
        if p > 0.0 {
            last_possible = i;
        }
    }
    // Rounding can leave the CDF just under u: the last index that can occur takes the rest.
    last_possible
}
