use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
macro_rules! m { ($n:ident) => { extern crate $n; } }
m!(proc_macro);
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
