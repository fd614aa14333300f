//! Vectorised stepping: auto-reset, transition layout, thread-count independence.

use rewardsmith_envs::{EnvError, VecEnv, make};
use rewardsmith_guest::envs::cartpole::{ANGLE_LIMIT, RAIL_LIMIT, State};
use rewardsmith_guest::layout::Layout;

fn run(threads: usize) -> (Vec<u32>, Vec<(usize, u32)>) {
    let mut v = VecEnv::new("cartpole", 8, threads, 3).unwrap();
    let mut bits = Vec::new();
    let mut ends = Vec::new();
    for t in 0..200u32 {
        let actions: Vec<f32> = (0..8).map(|i| ((t + i) % 2) as f32).collect();
        v.step(&actions).unwrap();
        bits.extend(v.observations().iter().chain(v.transitions()).map(|x| x.to_bits()));
        ends.extend(v.episode_ends().iter().map(|e| (e.env, e.length)));
    }
    (bits, ends)
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
    assert!(!one.1.is_empty(), "alternating pushes end some episodes in 200 steps");
}

#[test]
fn transitions_are_state_action_next_and_auto_reset_keeps_the_final_state() {
    let mut v = VecEnv::new("cartpole", 2, 1, 9).unwrap();
    let layout = v.envs()[0].layout();
    let (stride, sl) = (layout.transition_len(), layout.state_len);
    for _ in 0..300 {
        let before: Vec<f32> = v.envs().iter().flat_map(|e| e.state().to_vec()).collect();
        v.step(&[1.0, 0.0]).unwrap();
        for i in 0..2 {
            let (state, action, next) = layout.split_transition(&v.transitions()[i * stride..(i + 1) * stride]);
            assert_eq!(state, &before[i * sl..(i + 1) * sl], "state before the step");
            assert_eq!(action, [if i == 0 { 10.0 } else { -10.0 }], "the SDK action (force, N)");
            if v.done()[i] {
                // The final state ended the episode; the env has been reset since.
                let s = State::from_slice(next);
                assert!(
                    s.pole_angle.abs() > ANGLE_LIMIT || s.cart_pos.abs() > RAIL_LIMIT,
                    "final state {s:?} is terminal"
                );
                assert_eq!(v.envs()[i].elapsed_steps(), 0);
                assert_eq!(&v.observations()[i * 4..(i + 1) * 4], v.envs()[i].observation());
            } else {
                assert_eq!(next, v.envs()[i].state());
            }
        }
    }
}

#[test]
fn a_bad_action_in_any_row_moves_no_env() {
    let mut v = VecEnv::new("cartpole", 3, 2, 0).unwrap();
    let before = v.transitions().to_vec();
    let obs = v.observations().to_vec();
    assert!(matches!(v.step(&[1.0, 7.0, 0.0]), Err(EnvError::DiscreteOutOfRange { .. })));
    assert!(matches!(v.step(&[1.0, 0.0]), Err(EnvError::ActionLength { expected: 3, got: 2, .. })));
    assert_eq!(v.observations(), obs.as_slice());
    assert_eq!(v.transitions(), before.as_slice());
    assert!(v.envs().iter().all(|e| e.elapsed_steps() == 0));
    let _ = make("cartpole").unwrap();
}
