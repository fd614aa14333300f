use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
#[path = "/etc/passwd"] let x = 1.0; x
}

export_reward!(reward);
