//! Sparse reward for `pusher-v0`: 1 while the block is within 5 cm of the goal.
use rewardsmith_guest::envs::pusher::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("placed", if next.block_to_goal < SUCCESS_DISTANCE { 1.0 } else { 0.0 })
}

export_reward!(reward);
