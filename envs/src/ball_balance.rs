//! `ball_balance-v0`: tilt a square plate to keep a rolling ball near its centre.
//!
//! ## Description
//! A square plate (0.5 m half-width, 4 cm thick) pivots about its centre, 0.5 m above the
//! ground, on a gimbal: an outer axis along the world x axis and an inner axis along the
//! plate's own y axis. A solid ball (radius 4 cm, 0.1 kg) rolls on it under gravity, with
//! friction (μ 0.8) and no bounce. Tilt the plate to bring the ball to the centre and keep
//! it there — the task of Isaac Gym's BallBalance, here on a 2-axis gimbal simulated by
//! rapier3d. The plate is position-controlled (a kinematic body moved along the commanded
//! tilt rates, as a servo-driven plate would be), so only the ball is dynamic and the one
//! contact is ball–plate.
//!
//! Tilting about +y by a positive angle lowers the plate's +x edge, so the ball rolls
//! towards +x; tilting about +x by a positive angle raises the +y edge, so the ball rolls
//! towards −y.
//!
//! ## Action Space
//! `Box(-1, 1, (2,))`: the tilt rates about [x, y] as fractions of 2 rad/s. Rewards see
//! `Action { tilt_rate }`, the same fractions. A tilt at its ±0.35 rad limit stays there
//! while the command pushes further.
//!
//! ## Observation and State
//! Observation (8 floats): `[tilt_x, tilt_y, tilt_rate_x, tilt_rate_y, ball_x, ball_y,
//! ball_vx, ball_vy]` — tilts (rad) and their actual rates (rad/s), then the ball's position
//! (m) and velocity (m/s) in the plate's frame, relative to the plate centre (z, along the
//! plate normal, is left out: it is constant while the ball is on the plate). State (what
//! rewards read): `rewardsmith_guest::envs::ball_balance::State` — tilts, rates, the ball's
//! 3-D position and velocity in the plate frame (velocity relative to the plate, i.e. the
//! rate of change of the position), the in-plane distance from the centre, the previous
//! action and `time` (s). A ball resting on the plate has z = 0.06 m (half the plate's
//! thickness plus the radius); a fast-rolling ball sits up to about 2 mm deeper (rapier's
//! contact follows the spinning sphere's surface a little late), and while it rolls on a
//! tilted plate the z velocity carries a few cm/s of solver noise.
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is
//! `guest-sdk/examples/ball_balance.rs` (Isaac Gym's shape: a bonus falling with the
//! distance from the centre and with the ball's speed, minus a small effort cost).
//!
//! ## Starting State
//! Plate level and still; the ball at rest at a uniformly random spot within 0.3 m of the
//! centre.
//!
//! ## Episode End
//! Terminated when the ball falls off: its centre is beyond the plate's edge (|x| or
//! |y| over 0.5 m in the plate frame) or below the plate's mid-plane. Truncated after 500
//! steps (10 s at 0.02 s per step, 2 physics substeps each).
//!
//! ## Fitness
//! Fraction of the 500 steps with the ball within 0.1 m of the centre (0..1); solved at 0.9.
//!
//! ## Version History
//! - v0: initial version.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;
use rewardsmith_guest::envs::ball_balance::{CENTRED_DISTANCE, PLATE_HALF, State};
use rewardsmith_guest::layout::Layout;

use crate::env::TimeLimited;
use crate::registration::Registration;
use crate::snapshot::{Shape, Snapshot};
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;
use crate::world::World;

/// Tilt-rate limit, rad/s (action ±1).
const MAX_RATE: f32 = 2.0;
/// Tilt limit about each axis, rad.
const MAX_TILT: f32 = 0.35;
const PLATE_HALF_THICKNESS: f32 = 0.02;
const PIVOT_HEIGHT: f32 = 0.5;
const BALL_RADIUS: f32 = 0.04;
const BALL_MASS: f32 = 0.1;
/// High enough that the ball rolls without slipping at any tilt the plate reaches
/// (rolling needs μ ≥ (2/7)·tan θ ≈ 0.1 at 0.35 rad, more while the plate accelerates).
const FRICTION: f32 = 0.8;
/// Start spots are drawn within this distance of the centre, m.
const START_RADIUS: f32 = 0.3;
const SUBSTEPS: u32 = 2;

fn observation_space() -> Space {
    let big = f32::MAX;
    Space::Box {
        low: vec![-MAX_TILT, -MAX_TILT, -MAX_RATE, -MAX_RATE, -big, -big, -big, -big],
        high: vec![MAX_TILT, MAX_TILT, MAX_RATE, MAX_RATE, big, big, big, big],
    }
}

/// The plate-and-ball env.
pub static SPEC: EnvSpec = EnvSpec {
    id: "ball_balance-v0",
    reward_env: "ball_balance-v0",
    control_dt: 0.02,
    substeps: SUBSTEPS,
    max_episode_steps: 500,
    observation_space,
    action_space: || Space::uniform(2, -1.0, 1.0),
    description: "A ball rolls on a 1 m square plate that pivots about its centre. Each step (0.02 s) the policy sets the plate's tilt rates about the x and y axes (up to 2 rad/s; tilt limited to 0.35 rad). Success means keeping the ball within 0.1 m of the plate's centre for as much of the 500-step episode as possible; the episode ends early if the ball rolls off the plate.",
    fitness: FitnessKind::FractionOfSteps,
    fitness_doc: "fraction of the 500-step episode with the ball within 0.1 m of the plate centre (episode not yet ended): 0..1, solved at 0.9",
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.9,
};

/// Ball-on-plate physics.
#[derive(Debug)]
pub struct BallBalance {
    world: World,
    plate: RigidBodyHandle,
    ball: RigidBodyHandle,
    /// Gimbal angles [about world x, about the plate's y], rad.
    tilt: [f32; 2],
    /// Their rates during the last physics substep, rad/s.
    tilt_vel: [f32; 2],
}

impl Default for BallBalance {
    fn default() -> Self {
        Self::new()
    }
}

impl BallBalance {
    /// A level plate with the ball resting at its centre (call `reset` for a random start).
    pub fn new() -> BallBalance {
        let (world, plate, ball) = build(0.0, 0.0);
        BallBalance { world, plate, ball, tilt: [0.0; 2], tilt_vel: [0.0; 2] }
    }
}

/// The plate's orientation for gimbal angles `a` (about world x) and `b` (about the plate's
/// y): `Rx(a)·Ry(b)`. Built with libm so native and wasm agree bit for bit.
fn plate_rotation([a, b]: [f32; 2]) -> Rotation {
    let qx = Rotation::from_xyzw(libm::sinf(0.5 * a), 0.0, 0.0, libm::cosf(0.5 * a));
    let qy = Rotation::from_xyzw(0.0, libm::sinf(0.5 * b), 0.0, libm::cosf(0.5 * b));
    qx * qy
}

/// A level plate and a ball resting on it at plate coordinates (`x`, `y`).
fn build(x: f32, y: f32) -> (World, RigidBodyHandle, RigidBodyHandle) {
    let mut world = World::new(SPEC.control_dt, SPEC.substeps);
    let p = &mut world.physics;
    let pivot = Vector::new(0.0, 0.0, PIVOT_HEIGHT);
    let plate = p.insert_body(RigidBodyBuilder::kinematic_position_based().translation(pivot));
    let plate_shape =
        ColliderBuilder::cuboid(PLATE_HALF, PLATE_HALF, PLATE_HALF_THICKNESS).friction(FRICTION).restitution(0.0);
    p.insert_collider(plate_shape, Some(plate));
    let rest = Vector::new(x, y, PIVOT_HEIGHT + PLATE_HALF_THICKNESS + BALL_RADIUS);
    // Rapier caps angular speed at ~45° per substep unless told otherwise; a ball rolling at
    // 3 m/s spins faster than that at 2 substeps of 0.01 s.
    let ball = p.insert_body(RigidBodyBuilder::dynamic().translation(rest).can_sleep(false).allow_fast_rotation(true));
    let ball_shape = ColliderBuilder::ball(BALL_RADIUS).mass(BALL_MASS).friction(FRICTION).restitution(0.0);
    p.insert_collider(ball_shape, Some(ball));
    (world, plate, ball)
}

impl Task for BallBalance {
    fn spec(&self) -> &'static EnvSpec {
        &SPEC
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        // Uniform over the disc: radius ∝ √u.
        let r = START_RADIUS * libm::sqrtf(rng.random_range(0.0f32..=1.0));
        let phi = rng.random_range(-core::f32::consts::PI..core::f32::consts::PI);
        (self.world, self.plate, self.ball) = build(r * libm::cosf(phi), r * libm::sinf(phi));
        self.tilt = [0.0; 2];
        self.tilt_vel = [0.0; 2];
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out.copy_from_slice(action);
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        let dt = SPEC.control_dt / SPEC.substeps as f32;
        for _ in 0..SPEC.substeps {
            // The servo follows the commanded rate until the tilt limit; the kinematic plate
            // reaches the new pose by the end of the substep, and rapier gives it the matching
            // velocity so the contact carries the motion to the ball.
            for i in 0..2 {
                let rate = MAX_RATE * sdk_action[i];
                let free = self.tilt[i] + rate * dt;
                let next = free.clamp(-MAX_TILT, MAX_TILT);
                // The commanded rate, or the partial move into the limit (never above the
                // command, so rounding cannot leave the observation bounds).
                self.tilt_vel[i] =
                    if next == free { rate } else { ((next - self.tilt[i]) / dt).clamp(-rate.abs(), rate.abs()) };
                self.tilt[i] = next;
            }
            let q = plate_rotation(self.tilt);
            self.world.body_mut(self.plate).set_next_kinematic_rotation(q);
            self.world.physics.step();
        }
    }

    fn write_state(&self, time: f32, prev_action: &[f32], out: &mut [f32]) {
        let plate = self.world.body(self.plate);
        let ball = self.world.body(self.ball);
        let to_plate = plate.rotation().inverse();
        let rel = ball.translation() - plate.translation();
        // The plate's angular velocity from the gimbal rates: ȧ·x + Rx(a)·(ḃ·y).
        let [a, _] = self.tilt;
        let [ra, rb] = self.tilt_vel;
        let omega = Vector::new(ra, rb * libm::cosf(a), rb * libm::sinf(a));
        let pos = to_plate * rel;
        let vel = to_plate * (ball.linvel() - omega.cross(rel));
        let state = State {
            plate_tilt: self.tilt,
            plate_tilt_vel: self.tilt_vel,
            ball_pos: [pos.x, pos.y, pos.z],
            ball_vel: [vel.x, vel.y, vel.z],
            ball_dist: libm::sqrtf(pos.x * pos.x + pos.y * pos.y),
            prev_action: prev_action.try_into().expect("a ball_balance action is 2 tilt rates"),
            time,
        };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        let s = State::from_slice(state);
        out[..2].copy_from_slice(&s.plate_tilt);
        out[2..4].copy_from_slice(&s.plate_tilt_vel);
        out[4..6].copy_from_slice(&s.ball_pos[..2]);
        out[6..8].copy_from_slice(&s.ball_vel[..2]);
    }

    fn terminated(&self, state: &[f32]) -> bool {
        let [x, y, z] = State::from_slice(state).ball_pos;
        x.abs() > PLATE_HALF || y.abs() > PLATE_HALF || z < 0.0
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        if !self.terminated(state) && State::from_slice(state).ball_dist < CENTRED_DISTANCE { 1.0 } else { 0.0 }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            bodies: vec![
                self.world.snap(
                    self.plate,
                    "plate",
                    Shape::Cuboid { half: [PLATE_HALF, PLATE_HALF, PLATE_HALF_THICKNESS] },
                    [0.55, 0.55, 0.6],
                ),
                self.world.snap(self.ball, "ball", Shape::Ball { radius: BALL_RADIUS }, [0.9, 0.3, 0.2]),
            ],
        }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(BallBalance::new()))));
}
