//! Reward shaping helpers and guards against reward hacking.
//!
//! - [`tolerance`]: dm_control's bounded reward, 1 inside `[lower, upper]`, falling off
//!   outside over `margin` with a chosen [`Sigmoid`] shape.
//! - [`exp_kernel`]: Eureka's favourite, `exp(−|x| / temperature)`.
//! - Guards: [`crate::Terms::add_clipped`] bounds one term's contribution;
//!   [`all_of`] combines terms by summing log-sigmoids, so the total means "good on all
//!   terms" and no single term can buy back failure on another (Wang et al., 2024,
//!   "Transforming and Combining Rewards for Aligning Large Language Models").

use crate::math::{acos, cosh, exp, ln, sqrt, tanh};

/// The shape of [`tolerance_with`]'s fall-off outside its bounds, as in dm_control.
///
/// Each is 1 at distance 0 and `value_at_margin` at distance `margin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sigmoid {
    /// `exp(−½ (x·s)²)`: smooth, fast decay.
    Gaussian,
    /// `1 / cosh(x·s)`.
    Hyperbolic,
    /// `1 / ((x·s)² + 1)`: slow decay, gradient far from the target.
    LongTail,
    /// `1 / (|x|·s + 1)`.
    Reciprocal,
    /// `(1 + cos(π x·s)) / 2` until 0, then 0.
    Cosine,
    /// `1 − x·s` until 0, then 0.
    Linear,
    /// `1 − (x·s)²` until 0, then 0.
    Quadratic,
    /// `1 − tanh(x·s)²`.
    TanhSquared,
}

impl Sigmoid {
    /// Value at normalised distance `x` (≥ 0) for a curve that equals `value_at_1` at 1.
    ///
    /// `value_at_1` must be in `(0, 1)` (`[0, 1)` for the bounded shapes); out-of-range
    /// values give NaN, which the host reports as a non-finite term.
    pub fn eval(self, x: f32, value_at_1: f32) -> f32 {
        let v = value_at_1;
        match self {
            Sigmoid::Gaussian => {
                let s = sqrt(-2.0 * ln(v));
                exp(-0.5 * (x * s) * (x * s))
            }
            Sigmoid::Hyperbolic => {
                let s = acosh(1.0 / v);
                1.0 / cosh(x * s)
            }
            Sigmoid::LongTail => {
                let s = sqrt(1.0 / v - 1.0);
                1.0 / ((x * s) * (x * s) + 1.0)
            }
            Sigmoid::Reciprocal => {
                let s = 1.0 / v - 1.0;
                1.0 / (x.abs() * s + 1.0)
            }
            Sigmoid::Cosine => {
                let sx = x * acos(2.0 * v - 1.0) / core::f32::consts::PI;
                if sx.abs() < 1.0 { (1.0 + crate::math::cos(core::f32::consts::PI * sx)) / 2.0 } else { 0.0 }
            }
            Sigmoid::Linear => {
                let sx = x * (1.0 - v);
                if sx.abs() < 1.0 { 1.0 - sx } else { 0.0 }
            }
            Sigmoid::Quadratic => {
                let sx = x * sqrt(1.0 - v);
                if sx.abs() < 1.0 { 1.0 - sx * sx } else { 0.0 }
            }
            Sigmoid::TanhSquared => {
                let s = atanh(sqrt(1.0 - v));
                let t = tanh(x * s);
                1.0 - t * t
            }
        }
    }
}

fn acosh(x: f32) -> f32 {
    libm::acoshf(x)
}

fn atanh(x: f32) -> f32 {
    libm::atanhf(x)
}

/// 1 when `x` is in `[lower, upper]`, else a Gaussian fall-off that reaches 0.1 at
/// `margin` outside the bounds (dm_control's defaults). With `margin == 0` it is a hard
/// 0/1 indicator. Example: `tolerance(dist, 0.0, 0.02, 0.1)` is 1 within 2 cm.
pub fn tolerance(x: f32, lower: f32, upper: f32, margin: f32) -> f32 {
    tolerance_with(x, lower, upper, margin, Sigmoid::Gaussian, 0.1)
}

/// [`tolerance`] with a chosen fall-off shape and value at the margin.
pub fn tolerance_with(x: f32, lower: f32, upper: f32, margin: f32, sigmoid: Sigmoid, value_at_margin: f32) -> f32 {
    if x >= lower && x <= upper {
        return 1.0;
    }
    if x.is_nan() {
        return f32::NAN;
    }
    if margin <= 0.0 {
        return 0.0;
    }
    let d = if x < lower { lower - x } else { x - upper } / margin;
    sigmoid.eval(d, value_at_margin)
}

/// `exp(−|x| / temperature)`: 1 at `x = 0`, falling with distance; a smaller temperature
/// makes it sharper. Eureka's rewards use it to turn distances into `(0, 1]` terms.
pub fn exp_kernel(x: f32, temperature: f32) -> f32 {
    exp(-x.abs() / temperature)
}

/// `log σ(x) = −log(1 + e^(−x))`, computed without overflow. Always ≤ 0.
pub fn log_sigmoid(x: f32) -> f32 {
    if x >= 0.0 { -libm::log1pf(exp(-x)) } else { x - libm::log1pf(exp(x)) }
}

/// Combines `(value, reference)` pairs as `Σ log σ(value − reference)`: near 0 only when
/// every value is above its reference, very negative when any one is far below. The
/// references are the "good enough" level of each term.
pub fn all_of(terms: &[(f32, f32)]) -> f32 {
    terms.iter().map(|&(v, r)| log_sigmoid(v - r)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn every_sigmoid_is_one_at_zero_and_value_at_margin_at_one() {
        use Sigmoid::*;
        for s in [Gaussian, Hyperbolic, LongTail, Reciprocal, Cosine, Linear, Quadratic, TanhSquared] {
            assert!(close(s.eval(0.0, 0.1), 1.0), "{s:?} at 0");
            assert!(close(s.eval(1.0, 0.1), 0.1), "{s:?} at 1: {}", s.eval(1.0, 0.1));
            assert!(s.eval(2.0, 0.1) < 0.1, "{s:?} decays");
        }
    }

    #[test]
    fn tolerance_is_one_inside_and_falls_outside() {
        assert_eq!(tolerance(0.5, 0.0, 1.0, 0.5), 1.0);
        assert!(close(tolerance(1.5, 0.0, 1.0, 0.5), 0.1));
        assert!(close(tolerance(-0.5, 0.0, 1.0, 0.5), 0.1));
        assert_eq!(tolerance(1.5, 0.0, 1.0, 0.0), 0.0);
    }

    #[test]
    fn log_sigmoid_combination_punishes_any_failing_term() {
        assert!(close(log_sigmoid(0.0), -core::f32::consts::LN_2));
        assert!(log_sigmoid(100.0) > -1e-6 && log_sigmoid(-100.0) < -99.0);
        let good = all_of(&[(1.0, 0.0), (1.0, 0.0)]);
        let one_bad = all_of(&[(10.0, 0.0), (-5.0, 0.0)]);
        assert!(good > one_bad);
    }

    #[test]
    fn exp_kernel_is_one_at_zero() {
        assert_eq!(exp_kernel(0.0, 0.1), 1.0);
        assert!(close(exp_kernel(0.1, 0.1), (-1.0f32).exp()));
    }
}
