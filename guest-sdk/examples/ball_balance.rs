//! Human baseline reward for `ball_balance-v0`: Isaac Gym BallBalance's shape — a bonus that
//! falls with the ball's distance from the centre and with its speed.
//!
//! Check it with `rewardsmith check guest-sdk/examples/ball_balance.rs --env ball_balance`.
use rewardsmith_guest::envs::ball_balance::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {
    let centred = t.add("centred", 1.0 / (1.0 + 10.0 * next.ball_dist));
    let speed = norm(&next.ball_vel[..2]);
    let calm = t.add("calm", 0.2 / (1.0 + 2.0 * speed));
    let effort = t.add("effort", -0.01 * norm_sq(&a.tilt_rate));
    centred + calm + effort
}

export_reward!(reward);
