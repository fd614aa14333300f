//! `cartpole-v0`: a cart on a rail balances a pole hinged on top of it.
//!
//! Coordinates: x along the rail (m, 0 = centre), angles in radians, 0 = pole upright,
//! positive = pole leaning towards +x. The episode ends when |pole_angle| > 0.2095 rad
//! (12°) or |cart_pos| > 2.4 m, and is truncated after 500 steps (0.02 s each).

/// The env id a reward built against this module declares.
pub const ID: &str = "cartpole-v0";

/// The episode ends when |`pole_angle`| exceeds this (rad, 12°).
pub const ANGLE_LIMIT: f32 = 0.2095;
/// The episode ends when |`cart_pos`| exceeds this (m).
pub const RAIL_LIMIT: f32 = 2.4;

crate::__layout! {
    /// What the reward sees of the cart and pole.
    pub struct State {
        /// Cart position along the rail (0 = centre; the episode ends beyond ±2.4 m).
        cart_pos: f32 => ["m", (-2.4, 2.4)],
        /// Cart velocity along the rail.
        cart_vel: f32 => ["m/s", (-3.0, 3.0)],
        /// Pole angle from upright, positive leaning towards +x (ends beyond ±0.2095 rad).
        pole_angle: f32 => ["rad", (-0.21, 0.21)],
        /// Pole angular velocity, positive rotating towards +x.
        pole_ang_vel: f32 => ["rad/s", (-3.5, 3.5)],
        /// Time since the episode started (0.02 s per step).
        time: f32 => ["s", (0.0, 10.0)],
    }
}

crate::__layout! {
    /// The push on the cart.
    pub struct Action {
        /// Horizontal force on the cart, in [-10, 10]. The discrete variant maps action
        /// 0 to −10 N and 1 to +10 N.
        force: f32 => ["N", (-10.0, 10.0)],
    }
}

crate::__env_state!(State, Action, ID);
