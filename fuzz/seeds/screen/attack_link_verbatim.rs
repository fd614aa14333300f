use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
// --reproduce=/tmp/x.tar
macro_rules! m { ($a:meta) => { #[$a] extern "C" {} } }
m!(link(name = "@reward.rs", kind = "static", modifiers = "+verbatim"));
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
