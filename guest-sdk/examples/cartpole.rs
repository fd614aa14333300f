//! Human baseline reward for `cartpole-v0`: keep the pole upright and the cart centred.
//!
//! Check it with `rewardsmith check guest-sdk/examples/cartpole.rs --env cartpole`.
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

// ANGLE_LIMIT and RAIL_LIMIT (where the episode ends) come from the env's SDK module; the
// upright term is scaled to the angle limit.

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let alive = t.add("alive", 1.0);
    let upright = t.add("upright", 0.5 * (1.0 - abs(next.pole_angle) / ANGLE_LIMIT));
    let centred = t.add("centred", -0.1 * (next.cart_pos / RAIL_LIMIT) * (next.cart_pos / RAIL_LIMIT));
    let effort = t.add("effort", -0.001 * (a.force / 10.0) * (a.force / 10.0));
    alive + upright + centred + effort
}

export_reward!(reward);
