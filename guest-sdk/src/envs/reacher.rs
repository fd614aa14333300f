//! `reacher-v0`: a two-link planar arm moves its fingertip to a random target.
//!
//! The arm lies in the z = 0 plane with its base at the origin; links are 0.1 m and
//! 0.11 m, so the reach is 0.21 m. Targets are drawn within 0.2 m. Success is the
//! fingertip within 2 cm of the target at the end. Truncated after 50 steps (0.02 s each).
//! Angles are counter-clockwise seen from +z; the shoulder's is measured from +x, the
//! elbow's from the upper link's direction (0 = arm straight; limited to ±3 rad).

/// The env id a reward built against this module declares.
pub const ID: &str = "reacher-v0";

/// The target counts as reached when `distance` is below this (m).
pub const SUCCESS_DISTANCE: f32 = 0.02;

crate::__layout! {
    /// What the reward sees of the arm and target.
    pub struct State {
        /// Joint angles [shoulder, elbow] (elbow relative to the upper link), wrapped to [-π, π).
        joint_pos: [f32; 2] => ["rad", (-core::f32::consts::PI, core::f32::consts::PI)],
        /// Joint angular velocities [shoulder, elbow] (random actions: 90% within ±13 rad/s).
        joint_vel: [f32; 2] => ["rad/s", (-20.0, 20.0)],
        /// Fingertip position [x, y, z] in the world frame (z is always 0).
        fingertip: [f32; 3] => ["m", (-0.21, 0.21)],
        /// Target position [x, y, z] (z is always 0).
        target: [f32; 3] => ["m", (-0.2, 0.2)],
        /// Vector from fingertip to target, `target − fingertip`.
        to_target: [f32; 3] => ["m", (-0.4, 0.4)],
        /// Distance from fingertip to target, ‖to_target‖ (success: below 0.02 m).
        distance: f32 => ["m", (0.0, 0.4)],
        /// The action applied on the previous step, the one that led to this state (zero
        /// after reset).
        prev_action: [f32; 2] => ["1", (-1.0, 1.0)],
        /// Time since the episode started (0.02 s per step).
        time: f32 => ["s", (0.0, 1.0)],
    }
}

crate::__layout! {
    /// Joint torques.
    pub struct Action {
        /// Torques [shoulder, elbow] as fractions of the motor limit, in [-1, 1].
        torque: [f32; 2] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
