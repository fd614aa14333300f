//! Sparse reward for `cartpole-v0`: 1 for every step the pole is still balanced — the task
//! fitness itself, with no shaping (the baseline of Eureka's human-normalised score).
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    let balanced = abs(next.pole_angle) <= ANGLE_LIMIT && abs(next.cart_pos) <= RAIL_LIMIT;
    t.add("balanced", if balanced { 1.0 } else { 0.0 })
}

export_reward!(reward);
