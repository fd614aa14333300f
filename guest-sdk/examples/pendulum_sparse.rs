//! Sparse reward for `pendulum-v0`: 1 for every step the pole is within 0.5 rad of upright
//! (the fitness signal), nothing else.
use rewardsmith_guest::envs::pendulum::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("upright", if abs(wrap_angle(next.angle)) < UPRIGHT_ANGLE { 1.0 } else { 0.0 })
}

export_reward!(reward);
