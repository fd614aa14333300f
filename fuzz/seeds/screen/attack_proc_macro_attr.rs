use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
#[rewardsmith_guest::x(path = "/etc/passwd")]
fn f() {}
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
