//! `ant-v0`: a four-legged robot learns to walk forward (+x).
//!
//! A torso with four two-joint legs (hip and ankle), eight motors. World frame: z up,
//! +x forward. The episode ends when the torso leaves the healthy height range
//! [0.2, 1.0] m or turns over; truncated after 1000 steps (0.05 s each). Fitness: forward
//! progress (torso x) per episode.

/// The env id a reward built against this module declares.
pub const ID: &str = "ant-v0";

crate::__layout! {
    /// What the reward sees of the robot.
    pub struct State {
        /// Torso centre [x, y, z] in the world (start: [0, 0, 0.75]).
        torso_pos: [f32; 3] => ["m", (-5.0, 5.0)],
        /// Torso orientation as a unit quaternion [w, x, y, z].
        torso_quat: [f32; 4] => ["1", (-1.0, 1.0)],
        /// World-z component of the torso's up axis (1 = upright, −1 = upside down).
        upright: f32 => ["1", (-1.0, 1.0)],
        /// Torso linear velocity [x, y, z] in the world frame (+x is forward).
        torso_vel: [f32; 3] => ["m/s", (-3.0, 3.0)],
        /// Torso angular velocity [x, y, z] in the world frame.
        torso_ang_vel: [f32; 3] => ["rad/s", (-5.0, 5.0)],
        /// Joint angles [hip, ankle] × [front-left, front-right, back-left, back-right].
        joint_pos: [f32; 8] => ["rad", (-1.2, 1.2)],
        /// Joint angular velocities, same order as `joint_pos`.
        joint_vel: [f32; 8] => ["rad/s", (-10.0, 10.0)],
        /// Foot contact with the ground, 1 or 0, [front-left, front-right, back-left, back-right].
        foot_contact: [f32; 4] => ["1", (0.0, 1.0)],
        /// The action applied on the previous step (zero after reset).
        prev_action: [f32; 8] => ["1", (-1.0, 1.0)],
        /// Time since the episode started (0.05 s per step).
        time: f32 => ["s", (0.0, 50.0)],
    }
}

crate::__layout! {
    /// Motor commands.
    pub struct Action {
        /// Joint torques as fractions of the motor limit, in [-1, 1], order as `joint_pos`.
        torque: [f32; 8] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
