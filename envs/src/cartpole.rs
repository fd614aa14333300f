//! `cartpole-v0`: a cart on a rail balances a pole hinged on top of it.
//!
//! ## Description
//! A cart (1 kg) slides without friction on a rail along x; a pole (0.1 kg, 1 m long) is
//! hinged on top of it and starts nearly upright. Push the cart left or right to keep the
//! pole up and the cart on the rail — Barto, Sutton & Anderson's task, Gymnasium's
//! CartPole-v1, here simulated by rapier3d (a prismatic and a revolute multibody joint).
//!
//! ## Action Space
//! `Discrete(2)`: 0 pushes with −10 N, 1 with +10 N. `cartpole_continuous-v0` takes
//! `Box(-1, 1, (1,))`, the force in units of 10 N. Rewards see `Action { force }` in N.
//!
//! ## Observation and State
//! Observation `[cart_pos, cart_vel, pole_angle, pole_ang_vel]` (m, m/s, rad, rad/s), as
//! Gymnasium's. State (what rewards read): `rewardsmith_guest::envs::cartpole::State` —
//! the same four plus `time` (s).
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is
//! `guest-sdk/examples/cartpole.rs` (alive bonus, uprightness, centring, effort); the
//! sparse reward `guest-sdk/examples/cartpole_sparse.rs` is 1 per balanced step.
//!
//! ## Starting State
//! Every observation component uniform in ±0.05.
//!
//! ## Episode End
//! Terminated when |pole_angle| > 0.2095 rad (12°) or |cart_pos| > 2.4 m; truncated after
//! 500 steps (10 s at 0.02 s per step; rapier integrates it in two 10 ms sub-steps).
//!
//! ## Fitness
//! Fraction of the 500 steps balanced (0..1); solved at 0.95.
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
use crate::world::{World, angle_about_y};

const FORCE: f32 = 10.0;
const CART_MASS: f32 = 1.0;
const POLE_MASS: f32 = 0.1;
const POLE_HALF_LENGTH: f32 = 0.5;
use rewardsmith_guest::envs::cartpole::{ANGLE_LIMIT, RAIL_LIMIT, State};
use rewardsmith_guest::layout::Layout;
const CART_HALF: [f32; 3] = [0.2, 0.15, 0.1];
const POLE_RADIUS: f32 = 0.03;
const SOLVER_ITERATIONS: usize = 2;

fn observation_space() -> Space {
    let big = f32::MAX;
    Space::Box { low: vec![-4.8, -big, -0.42, -big], high: vec![4.8, big, 0.42, big] }
}

const FITNESS_DOC: &str = "fraction of the 500-step episode with the pole balanced (episode not yet ended), 0..1";

/// The discrete cartpole.
pub static SPEC: EnvSpec = EnvSpec {
    id: "cartpole-v0",
    reward_env: "cartpole-v0",
    control_dt: 0.02,
    substeps: 1,
    max_episode_steps: 500,
    observation_space,
    action_space: || Space::Discrete { n: 2 },
    description: "A cart on a frictionless rail carries a 1 m pole on a hinge. Each step (0.02 s) the policy pushes the cart left (-10 N) or right (+10 N). Success means the pole stays within 12 degrees of upright and the cart within 2.4 m of the centre for the whole 500-step episode.",
    fitness: FitnessKind::FractionOfSteps,
    fitness_doc: FITNESS_DOC,
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.95,
};

/// The continuous-action cartpole (same state, same rewards).
pub static SPEC_CONTINUOUS: EnvSpec = EnvSpec {
    id: "cartpole_continuous-v0",
    reward_env: "cartpole-v0",
    control_dt: 0.02,
    substeps: 1,
    max_episode_steps: 500,
    observation_space,
    action_space: || Space::uniform(1, -1.0, 1.0),
    description: "A cart on a frictionless rail carries a 1 m pole on a hinge. Each step (0.02 s) the policy pushes the cart with a force between -10 N and +10 N. Success means the pole stays within 12 degrees of upright and the cart within 2.4 m of the centre for the whole 500-step episode.",
    fitness: FitnessKind::FractionOfSteps,
    fitness_doc: FITNESS_DOC,
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.95,
};

/// Cartpole physics.
#[derive(Debug)]
pub struct Cartpole {
    continuous: bool,
    world: World,
    cart: RigidBodyHandle,
    pole: RigidBodyHandle,
    hinge: MultibodyJointHandle,
}

impl Cartpole {
    /// A cartpole; `continuous` picks the action space.
    pub fn new(continuous: bool) -> Cartpole {
        let (world, cart, pole, hinge) = build([0.0; 4]);
        Cartpole { continuous, world, cart, pole, hinge }
    }
}

/// A world with the cart at `x`, moving at `v`, the pole at angle `a` turning at `w`.
fn build([x, v, a, w]: [f32; 4]) -> (World, RigidBodyHandle, RigidBodyHandle, MultibodyJointHandle) {
    let mut world = World::new(SPEC.control_dt, SPEC.substeps);
    // Rapier integrates each solver iteration as a sub-step: two give 10 ms steps, half
    // Gymnasium's 20 ms Euler step, at half rapier's default cost; there are no contacts
    // for more iterations to resolve (`motion_matches_the_classic_cartpole_equations`).
    world.physics.integration_parameters.num_solver_iterations = SOLVER_ITERATIONS;
    let p = &mut world.physics;
    let ground = p.insert_body(RigidBodyBuilder::fixed());
    // Mass properties given directly, no colliders: nothing collides, and the pole is the
    // classic model's uniform rod (m·(2l)²/12 across it).
    let cart_mass = MassProperties::new(Vector::ZERO, CART_MASS, Vector::splat(CART_MASS * 0.01));
    let cart = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).additional_mass_properties(cart_mass));
    let across = POLE_MASS * (2.0 * POLE_HALF_LENGTH) * (2.0 * POLE_HALF_LENGTH) / 12.0;
    let rod = MassProperties::new(
        Vector::ZERO,
        POLE_MASS,
        Vector::new(across, across, POLE_MASS * POLE_RADIUS * POLE_RADIUS / 2.0),
    );
    let pole = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).additional_mass_properties(rod));
    let rail = PrismaticJointBuilder::new(Vector::X);
    p.insert_multibody_joint(ground, cart, rail);
    // The hinge is at the cart's centre; the pole's centre half a pole above it.
    let hinge = RevoluteJointBuilder::new(Vector::Y).local_anchor2(Vector::new(0.0, 0.0, -POLE_HALF_LENGTH));
    let hinge = p.insert_multibody_joint(cart, pole, hinge).expect("valid multibody");
    // rapier damps multibody joints by default; the rail and hinge are frictionless.
    let (mb, _) = p.multibody_joints.get_mut(hinge).expect("multibody joint exists");
    mb.damping_mut().fill(0.0);
    world.set_multibody(hinge, &[x, a], &[v, w]);
    // The multibody moves bodies but sets their velocities only when it steps: set them too,
    // so the state right after reset is the drawn one.
    let (s, c) = (libm::sinf(a), libm::cosf(a));
    world.body_mut(cart).set_linvel(Vector::new(v, 0.0, 0.0), true);
    world.body_mut(pole).set_linvel(Vector::new(v + POLE_HALF_LENGTH * w * c, 0.0, -POLE_HALF_LENGTH * w * s), true);
    world.body_mut(pole).set_angvel(Vector::new(0.0, w, 0.0), true);
    (world, cart, pole, hinge)
}

impl Task for Cartpole {
    fn spec(&self) -> &'static EnvSpec {
        if self.continuous { &SPEC_CONTINUOUS } else { &SPEC }
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        let init = [0; 4].map(|_| rng.random_range(-0.05f32..=0.05));
        (self.world, self.cart, self.pole, self.hinge) = build(init);
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out[0] = if self.continuous {
            FORCE * action[0]
        } else if action[0] >= 1.0 {
            FORCE
        } else {
            -FORCE
        };
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        let cart = self.world.body_mut(self.cart);
        cart.reset_forces(true);
        cart.add_force(Vector::new(sdk_action[0], 0.0, 0.0), true);
        self.world.step();
    }

    fn write_state(&self, time: f32, _prev_action: &[f32], out: &mut [f32]) {
        // Positions from the bodies (the multibody updates them at the end of a step);
        // velocities from the multibody's generalized velocities, because rapier copies
        // those to the bodies only at the start of the next physics step.
        let pole = self.world.body(self.pole);
        let (mb, _) = self.world.physics.multibody_joints.get(self.hinge).expect("multibody joint exists");
        let [cart_vel, pole_ang_vel] =
            [1, 2].map(|link| mb.joint_velocity(mb.link(link).expect("cart and pole links"))[0]);
        let state = State {
            cart_pos: self.world.body(self.cart).translation().x,
            cart_vel,
            pole_angle: angle_about_y(pole.rotation()),
            pole_ang_vel,
            time,
        };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        let s = State::from_slice(state);
        out.copy_from_slice(&[s.cart_pos, s.cart_vel, s.pole_angle, s.pole_ang_vel]);
    }

    fn terminated(&self, state: &[f32]) -> bool {
        let s = State::from_slice(state);
        s.pole_angle.abs() > ANGLE_LIMIT || s.cart_pos.abs() > RAIL_LIMIT
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        if self.terminated(state) { 0.0 } else { 1.0 }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            bodies: vec![
                self.world.snap(self.cart, "cart", Shape::Cuboid { half: CART_HALF }, [0.2, 0.4, 0.8]),
                self.world.snap(
                    self.pole,
                    "pole",
                    Shape::Capsule { half_height: POLE_HALF_LENGTH - POLE_RADIUS, radius: POLE_RADIUS },
                    [0.9, 0.6, 0.2],
                ),
            ],
        }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(Cartpole::new(false)))));
    r.push(Registration::new(&SPEC_CONTINUOUS, || Box::new(TimeLimited::new(Cartpole::new(true)))));
}
