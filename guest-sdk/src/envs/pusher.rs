//! `pusher-v0`: a three-joint arm pushes a block to a goal on a table.
//!
//! A planar arm (shoulder, elbow, wrist) above a table at z = 0; the block and goal lie on
//! the table. Success: the block within 5 cm of the goal at the end. Truncated after 100
//! steps (0.05 s each).

/// The env id a reward built against this module declares.
pub const ID: &str = "pusher-v0";

crate::__layout! {
    /// What the reward sees of the arm, block and goal.
    pub struct State {
        /// Joint angles [shoulder, elbow, wrist].
        joint_pos: [f32; 3] => ["rad", (-2.5, 2.5)],
        /// Joint angular velocities [shoulder, elbow, wrist].
        joint_vel: [f32; 3] => ["rad/s", (-10.0, 10.0)],
        /// Fingertip position [x, y, z] in the world.
        fingertip: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Block centre [x, y, z] in the world.
        block_pos: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Block velocity [x, y, z].
        block_vel: [f32; 3] => ["m/s", (-1.0, 1.0)],
        /// Goal position [x, y, z] on the table.
        goal_pos: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Distance from fingertip to block centre.
        tip_to_block: f32 => ["m", (0.0, 1.5)],
        /// Distance from block centre to goal within the table plane (success: < 0.05 m).
        block_to_goal: f32 => ["m", (0.0, 1.5)],
        /// The action applied on the previous step (zero after reset).
        prev_action: [f32; 3] => ["1", (-1.0, 1.0)],
        /// Time since the episode started (0.05 s per step).
        time: f32 => ["s", (0.0, 5.0)],
    }
}

crate::__layout! {
    /// Joint torques.
    pub struct Action {
        /// Torques [shoulder, elbow, wrist] as fractions of the motor limit, in [-1, 1].
        torque: [f32; 3] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
