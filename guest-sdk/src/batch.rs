//! The batch loop: N transitions in, N totals and N×T term values out.
//!
//! Shared by the wasm export (`export_reward!`) and native callers (benchmarks, tests), so
//! the sandboxed and native paths run the very same code.

use crate::Terms;
use crate::envs::EnvLayout;
use crate::layout::{EnvState, Layout};

/// Floats per transition: state, action, next state.
pub const fn transition_len<S: EnvState>() -> usize {
    EnvLayout::of::<S>().transition_len()
}

/// Runs `reward` over `n` transitions packed in `input` (each `[state, action, next]`);
/// [`Terms::output`] then holds `n` totals followed by `n × T` term values (row-major),
/// `T` being the term count after the batch. Rows before a term's first appearance hold
/// `0.0` for it. Generic over the function (not a pointer) so each reward is
/// monomorphised and inlined into the loop.
///
/// # Panics
/// If `input` is shorter than `n` transitions.
pub fn run_batch<S: EnvState, F: Fn(&S, &S::Action, &S, &mut Terms) -> f32>(
    reward: F,
    input: &[f32],
    n: usize,
    terms: &mut Terms,
) {
    let layout = const { EnvLayout::of::<S>() };
    let stride = layout.transition_len();
    terms.start_batch(n);
    for (i, tr) in input[..n * stride].chunks_exact(stride).enumerate() {
        let (s, a, next) = layout.split_transition(tr);
        let (s, a, next) = (S::from_slice(s), <S::Action as Layout>::from_slice(a), S::from_slice(next));
        terms.start_row(i);
        let total = reward(s, a, next, terms);
        terms.set_total(i, total);
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
        // cart_pos of `next` in each transition: -1, -2, 3, 4.
        let stride = transition_len::<State>();
        let mut input = alloc::vec![0.0f32; 4 * stride];
        for (tr, pos) in input.chunks_exact_mut(stride).zip([-1.0, -2.0, 3.0, 4.0]) {
            let next = State { cart_pos: pos, ..State::default() };
            EnvLayout::of::<State>().split_transition_mut(tr).2.copy_from_slice(next.as_slice());
        }
        let mut terms = Terms::new();
        run_batch::<State, _>(late_term, &input, 4, &mut terms);
        assert_eq!(terms.output(), [1.0, 1.0, 1.0, 1.0, /* rows */ 1.0, 0.0, 1.0, 0.0, 1.0, 3.0, 1.0, 4.0]);
        // The next batch starts with both columns.
        run_batch::<State, _>(late_term, &input[..2 * stride], 2, &mut terms);
        assert_eq!(terms.output(), [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn a_new_term_mid_row_keeps_the_row_so_far() {
        fn two(_s: &State, _a: &Action, _n: &State, t: &mut Terms) -> f32 {
            t.add("a", 1.0) + t.add("b", 2.0)
        }
        let mut terms = Terms::new();
        run_batch::<State, _>(two, &[0.0; 3 * transition_len::<State>()], 3, &mut terms);
        assert_eq!(terms.output(), [3.0, 3.0, 3.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    }
}
