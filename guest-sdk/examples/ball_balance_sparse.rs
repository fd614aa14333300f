//! Sparse reward for `ball_balance-v0`: 1 for every step the ball is within 0.1 m of the
//! plate centre (the fitness signal).
use rewardsmith_guest::envs::ball_balance::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("centred", if next.ball_dist < CENTRED_DISTANCE { 1.0 } else { 0.0 })
}

export_reward!(reward);
