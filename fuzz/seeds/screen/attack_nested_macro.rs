use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
macro_rules! a { ($($t:tt)*) => { macro_rules! b { () => { $($t)* } } b!(); } }
a!(#[path = "/x.rs"] mod y;);
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
0.0
}

export_reward!(reward);
