//! The batch loop: N transitions in, N totals and N×T term values out.
//!
//! Shared by the wasm export (`export_reward!`) and native callers (benchmarks, tests), so
//! the sandboxed and native paths run the very same code.

use alloc::vec::Vec;

use crate::layout::{EnvState, Layout};
use crate::{RewardFn, Terms};

/// Where a batch's results are written, reused across batches to avoid allocation.
#[derive(Debug, Default)]
pub struct BatchOutput {
    /// `n` totals followed by `n × T` term values (row-major, one row per transition),
    /// where `T` is the number of recorded terms after the batch.
    pub values: Vec<f32>,
}

/// Floats per transition: state, action, next state.
pub const fn transition_len<S: EnvState>() -> usize {
    2 * S::LEN + <S::Action as Layout>::LEN
}

/// Runs `reward` over `n` transitions packed in `input` (each `[state, action, next]`)
/// and writes totals and terms to `out.values`. Rows written before a new term first
/// appears get `0.0` for it.
///
/// # Panics
/// If `input` is shorter than `n` transitions.
pub fn run_batch<S: EnvState>(
    reward: RewardFn<S, S::Action>,
    input: &[f32],
    n: usize,
    terms: &mut Terms,
    out: &mut BatchOutput,
) {
    let stride = transition_len::<S>();
    let (sl, al) = (S::LEN, <S::Action as Layout>::LEN);
    let mut width = terms.values().len();
    let values = &mut out.values;
    values.clear();
    values.resize(n * (1 + width), 0.0);
    for (i, tr) in input[..n * stride].chunks_exact(stride).enumerate() {
        let s = S::from_slice(&tr[..sl]);
        let a = <S::Action as Layout>::from_slice(&tr[sl..sl + al]);
        let next = S::from_slice(&tr[sl + al..]);
        terms.begin();
        let total = reward(s, a, next, terms);
        let row = terms.values();
        if row.len() > width {
            widen(values, n, i, width, row.len());
            width = row.len();
        }
        values[i] = total;
        values[n + i * width..n + i * width + row.len()].copy_from_slice(row);
    }
}

/// Re-lays rows `0..done` from `old` to `new` columns (new columns zero), growing the
/// buffer to hold `n` rows of `new`. Walks backwards so rows never overwrite unread rows.
fn widen(values: &mut Vec<f32>, n: usize, done: usize, old: usize, new: usize) {
    values.resize(n * (1 + new), 0.0);
    for r in (0..done).rev() {
        let (src, dst) = (n + r * old, n + r * new);
        values.copy_within(src..src + old, dst);
        values[dst + old..dst + new].iter_mut().for_each(|v| *v = 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envs::cartpole::{Action, State};

    fn late_term(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
        let base = t.add("base", 1.0);
        if next.cart_pos > 0.0 {
            t.add("late", next.cart_pos);
        }
        base
    }

    #[test]
    fn rows_before_a_new_term_are_widened_with_zeros() {
        // cart_pos of `next` (index 6 of each 11-float transition): -1, -2, 3, 4.
        let mut input = alloc::vec![0.0f32; 44];
        for (i, pos) in [-1.0, -2.0, 3.0, 4.0].into_iter().enumerate() {
            input[i * 11 + 6] = pos;
        }
        let (mut terms, mut out) = (Terms::new(), BatchOutput::default());
        run_batch::<State>(late_term, &input, 4, &mut terms, &mut out);
        assert_eq!(out.values, [1.0, 1.0, 1.0, 1.0, /* rows */ 1.0, 0.0, 1.0, 0.0, 1.0, 3.0, 1.0, 4.0]);
        // The next batch starts with both columns.
        run_batch::<State>(late_term, &input[..22], 2, &mut terms, &mut out);
        assert_eq!(out.values, [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
    }
}
