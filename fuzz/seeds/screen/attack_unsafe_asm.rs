use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
unsafe { core::arch::asm!("nop"); } 0.0
}

export_reward!(reward);
