//! Human baseline reward for `pusher-v0`: Gymnasium Pusher's terms — bring the fingertip to
//! the block, the block to the goal, and keep control effort small — plus a bonus near the
//! goal. Two changes from Gymnasium's weights and targets (PPO, seed 0, 1M steps):
//! - the fingertip is led to the block's far side from the goal, not to its centre: the
//!   block (a puck) moves along the line from the fingertip through its centre, so that is
//!   where a push towards the goal starts (success 5 % → 40 %);
//! - the control weight is 0.01, not 0.1: pushing the 0.2 kg block against its ~1 N of
//!   static friction takes a sustained 20–30 % of the torque limits, and at 0.1 the policy
//!   settled on weaker torques, leaning on the block without moving it (40 % → 54 %).
//!
//! Check it with `rewardsmith check guest-sdk/examples/pusher.rs --env pusher`.
use rewardsmith_guest::envs::pusher::*;
use rewardsmith_guest::prelude::*;

/// Success radius for the block, m.
const SUCCESS_RADIUS: f32 = 0.05;
/// Fingertip centre to block centre when the fingertip touches the block's side, m.
const CONTACT_OFFSET: f32 = 0.07;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    // Where to push from: just behind the block, on the line from the goal through it.
    let (bx, by) = (next.block_pos[0], next.block_pos[1]);
    let (gx, gy) = (next.goal_pos[0], next.goal_pos[1]);
    let away = max(hypot(bx - gx, by - gy), 1e-6);
    let push_from = [bx + (bx - gx) / away * CONTACT_OFFSET, by + (by - gy) / away * CONTACT_OFFSET];
    let behind = hypot(next.fingertip[0] - push_from[0], next.fingertip[1] - push_from[1]);
    let reach = t.add("reach", -0.5 * behind);
    let push = t.add("push", -next.block_to_goal);
    let placed = t.add("placed", 0.2 * tolerance(next.block_to_goal, 0.0, SUCCESS_RADIUS, 0.1));
    let control = t.add("control", -0.01 * norm_sq(&a.torque));
    reach + push + placed + control
}

export_reward!(reward);
