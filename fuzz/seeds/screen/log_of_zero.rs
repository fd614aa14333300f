//! A term is -inf whenever the cart is exactly still (kind: non_finite, naming the term).
//! Check it: rewardsmith check tests/fixtures/hostile/log_of_zero.rs --env cartpole   (exit 1)
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add("log_speed", ln(abs(next.cart_vel) * 0.0))
}
export_reward!(reward);
