//! `ball_balance-v0`: tilt a square plate to keep a rolling ball near its centre.
//!
//! The plate (0.5 m half-width) pivots about its centre at 0.5 m height on a gimbal; the
//! policy sets the tilt rates about the x and y axes. A positive tilt about y lowers the
//! plate's +x edge (the ball rolls to +x); a positive tilt about x raises its +y edge (the
//! ball rolls to −y). Positions are in the plate's frame, m, with z along its normal. The
//! episode ends when the ball falls off; truncated after 500 steps (0.02 s each).
//! Fitness: the fraction of steps with the ball within 0.1 m of centre.

/// The env id a reward built against this module declares.
pub const ID: &str = "ball_balance-v0";

/// Plate half-width (m): the episode ends when |`ball_pos[0]`| or |`ball_pos[1]`| exceeds it.
pub const PLATE_HALF: f32 = 0.5;
/// A step counts towards the task fitness when `ball_dist` is below this (m).
pub const CENTRED_DISTANCE: f32 = 0.1;

crate::__layout! {
    /// What the reward sees of the plate and ball.
    pub struct State {
        /// Plate tilt [about the world x axis, then about the plate's own y axis] (a gimbal;
        /// for small tilts, about world x and y), each limited to ±0.35 rad.
        plate_tilt: [f32; 2] => ["rad", (-0.35, 0.35)],
        /// Plate tilt rates about [x, y] (0 while a tilt is held at its limit).
        plate_tilt_vel: [f32; 2] => ["rad/s", (-2.0, 2.0)],
        /// Ball centre relative to the plate centre, plate frame [x, y, z]; z ≈ 0.06 while
        /// the ball is on the plate (half the plate's thickness plus the ball's radius).
        ball_pos: [f32; 3] => ["m", (-0.5, 0.5)],
        /// Ball velocity relative to the plate (the rate of change of `ball_pos`), plate
        /// frame [x, y, z].
        ball_vel: [f32; 3] => ["m/s", (-2.0, 2.0)],
        /// Ball distance from the plate centre within the plate plane (fitness: < 0.1 m).
        ball_dist: f32 => ["m", (0.0, 0.7)],
        /// The action applied on the previous step (zero after reset).
        prev_action: [f32; 2] => ["1", (-1.0, 1.0)],
        /// Time since the episode started (0.02 s per step).
        time: f32 => ["s", (0.0, 10.0)],
    }
}

crate::__layout! {
    /// Plate tilt-rate command.
    pub struct Action {
        /// Target tilt rates about [x, y] as fractions of the 2 rad/s limit, in [-1, 1].
        tilt_rate: [f32; 2] => ["1", (-1.0, 1.0)],
    }
}

crate::__env_state!(State, Action, ID);
