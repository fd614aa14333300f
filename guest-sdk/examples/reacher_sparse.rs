//! Sparse reward for `reacher-v0`: 1 while the fingertip is within the 2 cm success radius.
use rewardsmith_guest::envs::reacher::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("reached", if next.distance < SUCCESS_DISTANCE { 1.0 } else { 0.0 })
}

export_reward!(reward);
