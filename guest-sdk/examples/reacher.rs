//! Human baseline reward for `reacher-v0`: Gymnasium Reacher's distance and control terms,
//! plus a bonus for being within the 2 cm success radius.
//!
//! Check it with `rewardsmith check guest-sdk/examples/reacher.rs --env reacher`.
use rewardsmith_guest::envs::reacher::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let distance = t.add("distance", -next.distance);
    let near = t.add("near", 0.1 * tolerance(next.distance, 0.0, SUCCESS_DISTANCE, 0.05));
    // Gymnasium's weight: the action here is Gymnasium's (torque fractions in [-1, 1]).
    let control = t.add("control", -0.1 * norm_sq(&a.torque));
    distance + near + control
}

export_reward!(reward);
