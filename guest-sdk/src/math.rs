//! Float math for reward code that gives the same bits on every platform.
//!
//! Backed by `libm` (a port of musl's libm), so a reward computes identically natively,
//! in the sandbox and in the browser. Prefer these to `f32` methods in code that must
//! match a native computation bit for bit.

pub use core::f32::consts::{E, FRAC_PI_2, FRAC_PI_4, PI, TAU};

macro_rules! unary {
    ($($(#[$m:meta])* $name:ident => $libm:ident;)*) => {$(
        $(#[$m])*
        #[inline]
        pub fn $name(x: f32) -> f32 {
            libm::$libm(x)
        }
    )*};
}

unary! {
    /// Sine (radians).
    sin => sinf;
    /// Cosine (radians).
    cos => cosf;
    /// Tangent (radians).
    tan => tanf;
    /// Arcsine, in `[-π/2, π/2]`.
    asin => asinf;
    /// Arccosine, in `[0, π]`.
    acos => acosf;
    /// Arctangent, in `(-π/2, π/2)`.
    atan => atanf;
    /// Hyperbolic sine.
    sinh => sinhf;
    /// Hyperbolic cosine.
    cosh => coshf;
    /// Hyperbolic tangent, in `(-1, 1)`.
    tanh => tanhf;
    /// `e^x`.
    exp => expf;
    /// `2^x`.
    exp2 => exp2f;
    /// Natural logarithm.
    ln => logf;
    /// Base-2 logarithm.
    log2 => log2f;
    /// Base-10 logarithm.
    log10 => log10f;
    /// Square root (NaN below zero).
    sqrt => sqrtf;
    /// Cube root.
    cbrt => cbrtf;
    /// Absolute value.
    abs => fabsf;
    /// Largest integer not above `x`.
    floor => floorf;
    /// Smallest integer not below `x`.
    ceil => ceilf;
    /// Nearest integer, half away from zero.
    round => roundf;
    /// Integer part.
    trunc => truncf;
}

/// Four-quadrant arctangent of `y / x`, in `(-π, π]`.
#[inline]
pub fn atan2(y: f32, x: f32) -> f32 {
    libm::atan2f(y, x)
}

/// `x^y`.
#[inline]
pub fn pow(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

/// `sqrt(x² + y²)` without overflow.
#[inline]
pub fn hypot(x: f32, y: f32) -> f32 {
    libm::hypotf(x, y)
}

/// `x` limited to `[lo, hi]` (NaN stays NaN, so the host reports it).
#[inline]
pub fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// The smaller of `a` and `b`.
#[inline]
pub fn min(a: f32, b: f32) -> f32 {
    libm::fminf(a, b)
}

/// The larger of `a` and `b`.
#[inline]
pub fn max(a: f32, b: f32) -> f32 {
    libm::fmaxf(a, b)
}

/// An angle wrapped to `[-π, π)`: the signed difference from zero the short way round.
#[inline]
pub fn wrap_angle(x: f32) -> f32 {
    let r = libm::remainderf(x, TAU);
    if r >= PI { r - TAU } else { r }
}

/// Dot product of two equally long vectors (extra components of the longer are ignored).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Euclidean norm `‖v‖`.
#[inline]
pub fn norm(v: &[f32]) -> f32 {
    sqrt(norm_sq(v))
}

/// Squared Euclidean norm `‖v‖²` (cheaper; use for penalties).
#[inline]
pub fn norm_sq(v: &[f32]) -> f32 {
    dot(v, v)
}

/// Euclidean distance `‖a − b‖`.
#[inline]
pub fn dist(a: &[f32], b: &[f32]) -> f32 {
    sqrt(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum())
}

/// Linear interpolation: `a` at `t = 0`, `b` at `t = 1`.
#[inline]
pub fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_angle_takes_the_short_way_round() {
        assert_eq!(wrap_angle(0.0), 0.0);
        assert!((wrap_angle(3.0 * PI / 2.0) - (-PI / 2.0)).abs() < 1e-6);
        assert!((wrap_angle(-3.0 * PI / 2.0) - (PI / 2.0)).abs() < 1e-6);
        assert!(wrap_angle(PI) >= -PI && wrap_angle(PI) < PI);
    }

    #[test]
    fn vector_helpers() {
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert_eq!(dist(&[1.0, 1.0, 1.0], &[1.0, 4.0, 5.0]), 5.0);
        assert_eq!(clamp(5.0, -1.0, 1.0), 1.0);
        assert!(clamp(f32::NAN, -1.0, 1.0).is_nan());
    }
}
