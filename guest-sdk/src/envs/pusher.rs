//! `pusher-v0`: a three-joint arm pushes a block to a goal on a table.
//!
//! A planar arm (shoulder, elbow, wrist, turning about the vertical) above a table at
//! z = 0, its base at the origin; its fingertip pushes a block (a puck 10 cm across); the goal is a spot on
//! the table. Success: the block within 5 cm of the goal at the end. Truncated after 100
//! steps (0.05 s each).

/// The env id a reward built against this module declares.
pub const ID: &str = "pusher-v0";

/// The block counts as on the goal when `block_to_goal` is below this (m).
pub const SUCCESS_DISTANCE: f32 = 0.05;

crate::__layout! {
    /// What the reward sees of the arm, block and goal.
    pub struct State {
        /// Joint angles [shoulder, elbow, wrist], each relative to the previous link (0 =
        /// links in a straight line along +x, positive counter-clockwise seen from above),
        /// limited to ±2.5 rad.
        joint_pos: [f32; 3] => ["rad", (-2.5, 2.5)],
        /// Joint angular velocities [shoulder, elbow, wrist].
        joint_vel: [f32; 3] => ["rad/s", (-10.0, 10.0)],
        /// Fingertip centre [x, y, z] in the world (z = 0.05, the block's mid-height).
        fingertip: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Block centre [x, y, z] in the world (z ≈ 0.05 while it rests on the table).
        block_pos: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Block velocity [x, y, z].
        block_vel: [f32; 3] => ["m/s", (-1.0, 1.0)],
        /// Goal position [x, y, z] on the table.
        goal_pos: [f32; 3] => ["m", (-1.0, 1.0)],
        /// Distance from fingertip centre to block centre (0.07 when it touches a face).
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
        /// Torques [shoulder, elbow, wrist] as fractions of the motor limits (2.0, 1.0 and
        /// 0.4 N·m), in [-1, 1].
        torque: [f32; 3] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
