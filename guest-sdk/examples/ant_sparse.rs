//! Sparse reward for `ant-v0`: the forward progress of the torso this step (m) — the
//! fitness (progress over the episode) spread over its steps, with no shaping.
use rewardsmith_guest::envs::ant::*;
use rewardsmith_guest::prelude::*;

fn reward(s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("progress", next.torso_pos[0] - s.torso_pos[0])
}

export_reward!(reward);
