//! Observation and action spaces, as Gymnasium describes them.

use rand::Rng;
use serde::Serialize;

/// A space of values: what a policy observes or may do.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Space {
    /// One of `n` choices, given as a single float holding the index (`0.0`, `1.0`, ...).
    Discrete { n: usize },
    /// A vector with per-component bounds.
    Box { low: Vec<f32>, high: Vec<f32> },
}

impl Space {
    /// A box with the same bounds on every one of `dim` components.
    pub fn uniform(dim: usize, low: f32, high: f32) -> Space {
        Space::Box { low: vec![low; dim], high: vec![high; dim] }
    }

    /// Number of floats a value of this space has (1 for discrete).
    pub fn dim(&self) -> usize {
        match self {
            Space::Discrete { .. } => 1,
            Space::Box { low, .. } => low.len(),
        }
    }

    /// Whether `x` is a member (finite, right length, inside the bounds or a valid index).
    pub fn contains(&self, x: &[f32]) -> bool {
        match self {
            Space::Discrete { n } => x.len() == 1 && x[0] >= 0.0 && x[0].fract() == 0.0 && (x[0] as usize) < *n,
            Space::Box { low, high } => {
                x.len() == low.len() && x.iter().zip(low).zip(high).all(|((v, l), h)| v.is_finite() && v >= l && v <= h)
            }
        }
    }

    /// A uniformly random member (bounds beyond ±1e3 are sampled within ±1e3).
    pub fn sample(&self, rng: &mut impl Rng) -> Vec<f32> {
        match self {
            Space::Discrete { n } => vec![rng.random_range(0..*n) as f32],
            Space::Box { low, high } => {
                low.iter().zip(high).map(|(l, h)| rng.random_range(l.max(-1e3)..=h.min(1e3))).collect()
            }
        }
    }
}
