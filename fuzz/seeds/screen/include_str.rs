//! Tries to compile a host file into the module (kind: refused, before rustc runs).
//! Check it: rewardsmith check tests/fixtures/hostile/include_str.rs --env cartpole   (exit 1)
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
use core::include_str as innocent;

fn reward(_s: &State, _a: &Action, _next: &State, t: &mut Terms) -> f32 {
    t.add("leak", innocent!("/etc/passwd").len() as f32)
}
export_reward!(reward);
