//! Panics on every transition; the message and line reach the host (kind: panicked).
//! Check it: rewardsmith check tests/fixtures/hostile/panic.rs --env cartpole   (exit 1)
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, _t: &mut Terms) -> f32 {
    panic!("cart position {} is not what I expected", next.cart_pos)
}
export_reward!(reward);
