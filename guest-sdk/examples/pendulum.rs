//! Human baseline reward for `pendulum-v0`: Gymnasium's Pendulum cost, as named terms.
//!
//! `−(θ² + 0.1·θ̇² + 0.001·τ²)`, θ wrapped to [-π, π).
//! Check it with `rewardsmith check guest-sdk/examples/pendulum.rs --env pendulum`.
use rewardsmith_guest::envs::pendulum::*;
use rewardsmith_guest::prelude::*;

fn reward(s: &State, a: &Action, _next: &State, t: &mut Terms) -> f32 {
    let angle = wrap_angle(s.angle);
    let upright = t.add("upright", -angle * angle);
    let still = t.add("still", -0.1 * s.ang_vel * s.ang_vel);
    let effort = t.add("effort", -0.001 * a.torque * a.torque);
    upright + still + effort
}

export_reward!(reward);
