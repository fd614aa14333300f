use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn sq<T: core::ops::Mul<Output = T> + Copy>(x: T) -> T { x * x }
#[inline]
fn clip(x: f32) -> f32 { x.clamp(-1.0, 1.0) }
use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;
fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
let v: Vec<f32> = vec![1.0, 2.0]; let s: f32 = v.iter().map(|x| sq(*x)).sum(); assert!(s > 0.0, "s {}", s); t.add("s", clip(s)) + if next.cart_pos > 0.0 { 1.0 } else { match 3 { 0..=2 => 0.5, _ => 0.0 } }
}

export_reward!(reward);
