//! `ant-v0`: a four-legged robot learns to walk forward (+x).
//!
//! A ball torso with four two-joint legs (hip and ankle), eight torque motors; Gymnasium's
//! Ant. World frame: z up, +x forward. Legs, in the order of every per-leg array:
//! front-left (+x, +y), front-right (+x, −y), back-left (−x, +y), back-right (−x, −y).
//! The episode ends when the torso centre leaves the healthy height range [0.2, 1.0] m or
//! the torso turns over (`upright` < 0); truncated after 1000 steps (0.05 s each).
//! Fitness: forward progress (torso x at the end, m).

/// The env id a reward built against this module declares.
pub const ID: &str = "ant-v0";

/// The episode ends when the torso centre's height (`torso_pos[2]`) leaves this range (m).
pub const HEALTHY_Z: [f32; 2] = [0.2, 1.0];

crate::__layout! {
    /// What the reward sees of the robot.
    pub struct State {
        /// Torso centre [x, y, z] in the world (start: [0, 0, 0.75]; resting on its feet
        /// with relaxed legs: z ≈ 0.36).
        torso_pos: [f32; 3] => ["m", (-5.0, 5.0)],
        /// Torso orientation as a unit quaternion [w, x, y, z].
        torso_quat: [f32; 4] => ["1", (-1.0, 1.0)],
        /// World-z component of the torso's up axis (1 = upright, −1 = upside down).
        upright: f32 => ["1", (-1.0, 1.0)],
        /// Torso linear velocity [x, y, z] in the world frame (+x is forward).
        torso_vel: [f32; 3] => ["m/s", (-3.0, 3.0)],
        /// Torso angular velocity [x, y, z] in the world frame.
        torso_ang_vel: [f32; 3] => ["rad/s", (-5.0, 5.0)],
        /// Joint angles, per leg [hip, ankle] in leg order: `joint_pos[2 * leg]` is the hip,
        /// `joint_pos[2 * leg + 1]` the ankle. Hip: the leg's turn about the torso's vertical
        /// axis, positive counter-clockwise seen from above, limited to ±0.52 rad (30°).
        /// Ankle: how far the lower leg bends down below horizontal, 0.52..1.22 rad
        /// (30°..70°); with the foot down, larger lifts the torso. Hard hits overshoot a
        /// limit by up to ~0.2 rad.
        joint_pos: [f32; 8] => ["rad", (-0.6, 1.3)],
        /// Joint angular velocities, same order as `joint_pos`.
        joint_vel: [f32; 8] => ["rad/s", (-10.0, 10.0)],
        /// Foot contact with the ground, 1 or 0, in leg order: 1 while the lowest point of the
        /// lower leg is within 1 cm of the ground.
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
        /// Joint torques as fractions of the motor limit (150 N·m), in [-1, 1], order as
        /// `joint_pos`. Positive turns a hip counter-clockwise seen from above and pushes
        /// an ankle's lower leg down.
        torque: [f32; 8] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
