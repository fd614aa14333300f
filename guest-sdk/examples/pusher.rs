//! Human baseline reward for `pusher-v0`: Gymnasium Pusher's terms — bring the fingertip to
//! the block, the block to the goal, and keep control effort small.
//!
//! Check it with `rewardsmith check guest-sdk/examples/pusher.rs --env pusher`.
use rewardsmith_guest::envs::pusher::*;
use rewardsmith_guest::prelude::*;

/// Success radius for the block, m.
const SUCCESS_RADIUS: f32 = 0.05;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let reach = t.add("reach", -0.5 * next.tip_to_block);
    let push = t.add("push", -next.block_to_goal);
    let placed = t.add("placed", 0.2 * tolerance(next.block_to_goal, 0.0, SUCCESS_RADIUS, 0.1));
    let control = t.add("control", -0.1 * norm_sq(&a.torque));
    reach + push + placed + control
}

export_reward!(reward);
