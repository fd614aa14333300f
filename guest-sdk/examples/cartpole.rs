//! Human baseline reward for `cartpole-v0`: keep the pole upright and the cart centred.
//!
//! Check it with `rewardsmith check guest-sdk/examples/cartpole.rs --env cartpole`.
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

/// Beyond this angle (rad) the episode ends; scale the upright term to it.
const ANGLE_LIMIT: f32 = 0.2095;
/// Beyond this position (m) the episode ends.
const RAIL_LIMIT: f32 = 2.4;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let alive = t.add("alive", 1.0);
    let upright = t.add("upright", 0.5 * (1.0 - abs(next.pole_angle) / ANGLE_LIMIT));
    let centred = t.add("centred", -0.1 * (next.cart_pos / RAIL_LIMIT) * (next.cart_pos / RAIL_LIMIT));
    let effort = t.add("effort", -0.001 * (a.force / 10.0) * (a.force / 10.0));
    alive + upright + centred + effort
}

export_reward!(reward);
