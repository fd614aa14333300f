//! `pendulum-v0`: swing a torque-limited pendulum up and hold it upright.
//!
//! ## Description
//! A pole of 1 m and 1 kg hangs from a motorised hinge at the origin that turns about the
//! y axis (z up, so the pole swings in the x–z plane). It starts at a random angle and must
//! be swung up and balanced upright; the motor (at most 2 N·m) is too weak to lift it
//! directly (gravity's torque reaches m·g·L/2 = 4.9 N·m), so the policy has to pump energy.
//! Gymnasium's Pendulum-v1, here simulated by rapier3d (one revolute multibody joint).
//!
//! Dynamics: the pole is a uniform rod, moment of inertia about the hinge I = m·L²/3 =
//! 1/3 kg·m², so θ̈ = 3g/(2L)·sin θ + 3τ/(m·L²) — exactly Gymnasium's equation — except
//! that g = 9.81 m/s² here (Gymnasium uses 10), so gravity is 2% weaker. The hinge has no
//! friction or damping. The angular velocity is clamped to ±8 rad/s at the end of each
//! step, as Gymnasium clamps it. Gymnasium integrates one semi-implicit Euler step of
//! 0.05 s; rapier does the same in 4 substeps of 12.5 ms, closer to the continuous
//! pendulum (small-swing period within 0.01% of theory, energy within 2%).
//!
//! ## Action Space
//! `Box(-1, 1, (1,))`: the hinge torque in units of 2 N·m (positive turns the pole about
//! +y, tilting its top towards +x). Rewards see `Action { torque }` in N·m, in [-2, 2].
//!
//! ## Observation and State
//! Observation `[cos θ, sin θ, θ̇]` (θ from upright, rad/s), as Gymnasium's, in
//! `[-1, -1, -8]..[1, 1, 8]`. State (what rewards read):
//! `rewardsmith_guest::envs::pendulum::State` — `angle` θ wrapped to [-π, π) (0 = upright,
//! ±π = hanging, positive = top towards +x), `ang_vel` (rad/s, within ±8), `tip` = the pole's
//! far end relative to the hinge `[x, z]` = `[sin θ, cos θ]` m, and `time` (s).
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is
//! `guest-sdk/examples/pendulum.rs`, Gymnasium's cost `−(θ² + 0.1·θ̇² + 0.001·τ²)`.
//!
//! ## Starting State
//! θ uniform in [-π, π], θ̇ uniform in [-1, 1] rad/s (Gymnasium's).
//!
//! ## Episode End
//! Never terminated; truncated after 200 steps (10 s at 0.05 s per step).
//!
//! ## Fitness
//! Fraction of the 200 steps with the pole upright, |θ| < 0.5 rad (≈29°): 0..1. Solved at
//! 0.6: the swing-up takes part of the episode (a simple energy-pumping controller with a
//! PD catch gets the pole up within ~2.5 s from any start and then holds it: 0.75–1).
//!
//! ## Version History
//! - v0: initial version.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;

use crate::env::TimeLimited;
use crate::registration::Registration;
use crate::snapshot::{Shape, Snapshot};
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;
use crate::world::World;

/// Torque of a full action, N·m (Gymnasium's `max_torque`).
pub const MAX_TORQUE: f32 = 2.0;
/// Angular speed limit, rad/s (Gymnasium's `max_speed`).
pub const MAX_SPEED: f32 = 8.0;
/// Pole mass, kg.
pub const MASS: f32 = 1.0;
/// Pole length, hinge to tip, m.
pub const LENGTH: f32 = 1.0;
/// Moment of inertia about the hinge, kg·m²: a uniform rod, m·L²/3 (Gymnasium's dynamics).
pub const HINGE_INERTIA: f32 = MASS * LENGTH * LENGTH / 3.0;
/// |θ| below this counts as upright for the fitness, rad.
use rewardsmith_guest::envs::pendulum::{State, UPRIGHT_ANGLE};
use rewardsmith_guest::layout::Layout;
/// Drawn radius of the pole (it has no collider: nothing to touch).
const POLE_RADIUS: f32 = 0.03;
/// Solver iterations per physics step. Each one is an integration substep in rapier, so one
/// 0.05 s control step is 4 substeps of 12.5 ms: enough for the small-oscillation period
/// to be within 0.5% of theory and energy to stay within ~1% (see the tests), cheaper than
/// more physics steps (each step has a fixed pipeline cost).
const SOLVER_ITERATIONS: usize = 4;

const PI: f32 = core::f32::consts::PI;

/// `pendulum-v0`.
pub static SPEC: EnvSpec = EnvSpec {
    id: "pendulum-v0",
    reward_env: "pendulum-v0",
    control_dt: 0.05,
    substeps: 1,
    max_episode_steps: 200,
    observation_space: || Space::Box { low: vec![-1.0, -1.0, -MAX_SPEED], high: vec![1.0, 1.0, MAX_SPEED] },
    action_space: || Space::uniform(1, -1.0, 1.0),
    description: "A 1 m, 1 kg pole hangs from a motorised hinge and starts at a random angle. Each step (0.05 s) the policy sets the hinge torque between -2 and +2 N·m; that is too weak to lift the pole directly, so it must swing back and forth to gain energy, then balance the pole upright. Success means the pole is within 0.5 rad of upright for most of the 200-step episode.",
    fitness: FitnessKind::FractionOfSteps,
    fitness_doc: "fraction of the 200-step episode with the pole within 0.5 rad (29 degrees) of upright: 0..1, solved at 0.6 (the swing-up takes part of the episode)",
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.6,
};

/// Pendulum physics.
#[derive(Debug)]
pub struct Pendulum {
    world: World,
    pole: RigidBodyHandle,
    hinge: MultibodyJointHandle,
}

impl Default for Pendulum {
    fn default() -> Self {
        Pendulum::new()
    }
}

impl Pendulum {
    /// A pendulum hanging at rest (call [`Task::reset`] to draw a start).
    pub fn new() -> Pendulum {
        Pendulum::released_at(PI, 0.0)
    }

    /// A pendulum at `angle` (rad from upright, positive = top towards +x) turning at
    /// `ang_vel` (rad/s): a precise start for physics checks.
    pub fn released_at(angle: f32, ang_vel: f32) -> Pendulum {
        let mut world = World::new(SPEC.control_dt, SPEC.substeps);
        world.physics.integration_parameters.num_solver_iterations = SOLVER_ITERATIONS;
        let p = &mut world.physics;
        let ground = p.insert_body(RigidBodyBuilder::fixed());
        // A uniform rod about its centre: m·L²/12 across it, a thin rod's m·r²/2 along it.
        // No collider: mass properties are given directly, and nothing collides.
        let across = MASS * LENGTH * LENGTH / 12.0;
        let rod = MassProperties::new(
            Vector::ZERO,
            MASS,
            Vector::new(across, across, MASS * POLE_RADIUS * POLE_RADIUS / 2.0),
        );
        let pole = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).additional_mass_properties(rod));
        // The hinge is at the origin; the pole's centre half a pole along its local +z.
        let hinge = RevoluteJointBuilder::new(Vector::Y).local_anchor2(Vector::new(0.0, 0.0, -LENGTH / 2.0));
        let hinge = p.insert_multibody_joint(ground, pole, hinge).expect("valid multibody");
        // rapier gives every angular joint a default damping of 0.1; Gymnasium's hinge has none.
        let (mb, _) = p.multibody_joints.get_mut(hinge).expect("multibody joint exists");
        mb.damping_mut().fill(0.0);
        world.set_multibody(hinge, &[angle], &[ang_vel]);
        Pendulum { world, pole, hinge }
    }

    /// The hinge angle (unwrapped) and angular velocity, from the multibody's coordinates.
    fn hinge_state(&self) -> (f32, f32) {
        let (mb, link) = self.world.physics.multibody_joints.get(self.hinge).expect("multibody joint exists");
        let link = mb.link(link).expect("hinge link exists");
        // A revolute joint's free axis is its local angular x: coordinate 3.
        (link.joint().coords()[3], mb.joint_velocity(link)[0])
    }
}

/// `a` wrapped to [-π, π).
pub fn wrap_angle(a: f32) -> f32 {
    let w = a - 2.0 * PI * libm::floorf((a + PI) / (2.0 * PI));
    // Rounding can land exactly on +π (or a hair outside); fold it back into range.
    if w >= PI {
        w - 2.0 * PI
    } else if w < -PI {
        w + 2.0 * PI
    } else {
        w
    }
}

impl Task for Pendulum {
    fn spec(&self) -> &'static EnvSpec {
        &SPEC
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        let angle = rng.random_range(-PI..=PI);
        let ang_vel = rng.random_range(-1.0f32..=1.0);
        *self = Pendulum::released_at(angle, ang_vel);
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out[0] = MAX_TORQUE * action[0];
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        // A torque on a multibody link becomes the generalized force of its hinge (about y).
        let pole = self.world.body_mut(self.pole);
        pole.reset_torques(true);
        pole.add_torque(Vector::new(0.0, sdk_action[0], 0.0), true);
        self.world.step();
        // Gymnasium's speed limit. The solver derives the body velocities from the
        // generalized ones at the start of the next step, so clamping those is enough.
        let (mb, _) = self.world.physics.multibody_joints.get_mut(self.hinge).expect("multibody joint exists");
        let mut v = mb.generalized_velocity_mut();
        v[0] = v[0].clamp(-MAX_SPEED, MAX_SPEED);
    }

    fn write_state(&self, time: f32, _prev_action: &[f32], out: &mut [f32]) {
        let (angle, ang_vel) = self.hinge_state();
        let pole = self.world.body(self.pole);
        let tip = pole.translation() + *pole.rotation() * Vector::new(0.0, 0.0, LENGTH / 2.0);
        let state = State { angle: wrap_angle(angle), ang_vel, tip: [tip.x, tip.z], time };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        let s = State::from_slice(state);
        out.copy_from_slice(&[libm::cosf(s.angle), libm::sinf(s.angle), s.ang_vel]);
    }

    fn terminated(&self, _state: &[f32]) -> bool {
        false
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        if State::from_slice(state).angle.abs() < UPRIGHT_ANGLE { 1.0 } else { 0.0 }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            bodies: vec![self.world.snap(
                self.pole,
                "pole",
                Shape::Capsule { half_height: LENGTH / 2.0 - POLE_RADIUS, radius: POLE_RADIUS },
                [0.9, 0.6, 0.2],
            )],
        }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(Pendulum::new()))));
}
