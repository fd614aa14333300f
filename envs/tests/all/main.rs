//! rewardsmith-envs integration tests: one module per env (physics sanity) plus the
//! checker and determinism over every registered env.

mod ant;
mod ball_balance;
mod cartpole;
mod pendulum;
mod pusher;
mod reacher;
mod registry;
mod vector;
