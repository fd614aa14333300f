//! Human baseline reward for `ant-v0`: Gymnasium Ant's terms — forward velocity, a healthy
//! bonus while upright, and control cost.
//!
//! Check it with `rewardsmith check guest-sdk/examples/ant.rs --env ant`.
use rewardsmith_guest::envs::ant::*;
use rewardsmith_guest::prelude::*;

// HEALTHY_Z (the torso heights outside which the episode ends) comes from the env's SDK module.

fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let dt = next.time - s.time;
    let progress = if dt > 0.0 { (next.torso_pos[0] - s.torso_pos[0]) / dt } else { 0.0 };
    let forward = t.add_clipped("forward", progress, -3.0, 3.0);
    let z = next.torso_pos[2];
    let healthy = z >= HEALTHY_Z[0] && z <= HEALTHY_Z[1] && next.upright > 0.0;
    let alive = t.add("alive", if healthy { 1.0 } else { 0.0 });
    let control = t.add("control", -0.5 * norm_sq(&a.torque) / 8.0);
    forward + alive + control
}

export_reward!(reward);
