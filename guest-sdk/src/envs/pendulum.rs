//! `pendulum-v0`: swing a torque-limited pendulum up and hold it upright.
//!
//! A 1 m, 1 kg pole (a uniform rod) on a motorised hinge turning about y; angles in
//! radians, 0 = upright, ±π = hanging down, positive counter-clockwise seen from +y (the
//! top towards +x). The motor is too weak to lift the pole directly, so the policy must
//! swing. Truncated after 200 steps (0.05 s each).

/// The env id a reward built against this module declares.
pub const ID: &str = "pendulum-v0";

/// A step counts towards the task fitness when |`angle`| is below this (rad).
pub const UPRIGHT_ANGLE: f32 = 0.5;

crate::__layout! {
    /// What the reward sees of the pendulum.
    pub struct State {
        /// Pole angle from upright, wrapped to [-π, π) (0 = upright, ±π = down).
        angle: f32 => ["rad", (-core::f32::consts::PI, core::f32::consts::PI)],
        /// Angular velocity (the env clamps it to ±8 rad/s).
        ang_vel: f32 => ["rad/s", (-8.0, 8.0)],
        /// Pole tip relative to the hinge, [x, z] (upright = [0, 1]).
        tip: [f32; 2] => ["m", (-1.0, 1.0)],
        /// Time since the episode started (0.05 s per step).
        time: f32 => ["s", (0.0, 10.0)],
    }
}

crate::__layout! {
    /// The motor command.
    pub struct Action {
        /// Torque on the hinge, in [-2, 2].
        torque: f32 => ["N·m", (-2.0, 2.0)],
    }
}

crate::__env_state!(State, Action, ID);
