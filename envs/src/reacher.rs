//! `reacher-v0`: a two-link planar arm moves its fingertip to a random target.
//!
//! ## Description
//! A two-link arm lies in the z = 0 plane with its shoulder at the origin; both joints turn
//! about z. The upper link is 0.1 m, the fingertip 0.11 m beyond the elbow, so the reach is
//! 0.21 m. A target is drawn anywhere within 0.2 m of the shoulder; move the fingertip onto
//! it. Gymnasium's Reacher-v5 (MuJoCo's `reacher.xml`), here simulated by rapier3d (two
//! revolute multibody joints).
//!
//! Dynamics as MuJoCo's model: each joint has 1 kg·m² of armature (rotor inertia, which
//! dominates the links' own ≈0.03 kg each) and 1 N·m·s/rad of viscous damping, and its
//! motor gives up to 200 N·m; the elbow is limited to ±3 rad, the shoulder turns freely.
//! So a full torque accelerates a joint at ≈200 rad/s² and it coasts to rest over ≈1 s.
//! The links have no colliders (MuJoCo's do not collide either), and gravity (−z) acts
//! across the plane of motion, so it moves nothing.
//!
//! ## Action Space
//! `Box(-1, 1, (2,))`: [shoulder, elbow] torques as fractions of the 200 N·m motor limit
//! (positive turns counter-clockwise seen from +z; the elbow torque acts between the two
//! links). Rewards see `Action { torque }` in the same units.
//!
//! ## Observation and State
//! Observation (10 floats, as Reacher-v5's): `[cos q₁, cos q₂, sin q₁, sin q₂, target x,
//! target y, q̇₁, q̇₂, fingertip x − target x, fingertip y − target y]`. State (what rewards
//! read): `rewardsmith_guest::envs::reacher::State` — `joint_pos` [shoulder from +x, elbow
//! relative to the upper link] wrapped to [-π, π), `joint_vel` (rad/s), `fingertip`,
//! `target`, `to_target` = target − fingertip (m, z = 0), `distance` = ‖to_target‖ (m),
//! `prev_action` (the action that led to this state) and `time` (s).
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is
//! `guest-sdk/examples/reacher.rs`: Gymnasium's `−distance − 0.1·‖action‖²` plus a bonus
//! inside the 2 cm success radius.
//!
//! ## Starting State
//! As Gymnasium's: both joint angles uniform in ±0.1 rad (arm stretched along +x), joint
//! velocities uniform in ±0.005 rad/s, target uniform in the disc of radius 0.2 m.
//!
//! ## Episode End
//! Never terminated; truncated after 50 steps (1 s at 0.02 s per step).
//!
//! ## Fitness
//! Success at the end: 1 if the fingertip is within 0.02 m of the target in the last state,
//! else 0. Solved at 0.9 (averaged over episodes: 90% of targets reached). Every target is
//! within reach: the elbow limit keeps the fingertip at least 0.018 m from the shoulder,
//! inside the success radius of a target there.
//!
//! ## Version History
//! - v0: initial version.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;

use crate::env::TimeLimited;
use crate::registration::Registration;
use crate::snapshot::{Body, Shape, Snapshot};
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;
use crate::world::World;

/// Upper link, shoulder to elbow, m.
pub const UPPER: f32 = 0.1;
/// Elbow to fingertip, m.
pub const FOREARM: f32 = 0.11;
/// Motor torque of a full action, N·m (MuJoCo's `gear`).
pub const MAX_TORQUE: f32 = 200.0;
/// Rotor inertia added to each joint, kg·m² (MuJoCo's `armature`).
pub const ARMATURE: f32 = 1.0;
/// Viscous damping of each joint, N·m·s/rad.
pub const DAMPING: f32 = 1.0;
/// Elbow range, rad (either way from straight).
pub const ELBOW_LIMIT: f32 = 3.0;
/// Targets are drawn within this distance of the shoulder, m.
pub const TARGET_RADIUS: f32 = 0.2;
/// Success radius, m.
pub use rewardsmith_guest::envs::reacher::SUCCESS_DISTANCE;
use rewardsmith_guest::envs::reacher::State;
use rewardsmith_guest::layout::Layout;
/// Link radius, m (drawing and mass: rods of density 1000 kg/m³, as MuJoCo's default).
const LINK_RADIUS: f32 = 0.01;
const DENSITY: f32 = 1000.0;
/// Solver iterations per physics step: each is an integration substep in rapier, so one
/// 0.02 s control step is 2 substeps of 10 ms, MuJoCo's timestep for this model.
const SOLVER_ITERATIONS: usize = 2;

const PI: f32 = core::f32::consts::PI;

fn observation_space() -> Space {
    let big = f32::MAX;
    let reach = UPPER + FOREARM + TARGET_RADIUS;
    Space::Box {
        low: vec![-1.0, -1.0, -1.0, -1.0, -TARGET_RADIUS, -TARGET_RADIUS, -big, -big, -reach, -reach],
        high: vec![1.0, 1.0, 1.0, 1.0, TARGET_RADIUS, TARGET_RADIUS, big, big, reach, reach],
    }
}

/// `reacher-v0`.
pub static SPEC: EnvSpec = EnvSpec {
    id: "reacher-v0",
    reward_env: "reacher-v0",
    control_dt: 0.02,
    substeps: 1,
    max_episode_steps: 50,
    observation_space,
    action_space: || Space::uniform(2, -1.0, 1.0),
    description: "A two-link arm (0.1 m and 0.11 m) lies flat on a table with its shoulder fixed; a target is placed at random within 0.2 m of the shoulder. Each step (0.02 s) the policy sets the shoulder and elbow torques (fractions of the motor limit, -1 to 1). Success means the fingertip is within 2 cm of the target at the end of the 50-step episode.",
    fitness: FitnessKind::SuccessAtEnd,
    fitness_doc: "1 if the fingertip is within 0.02 m of the target in the last state of the 50-step episode, else 0; averaged over episodes, solved at 0.9",
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.9,
};

/// Reacher physics.
#[derive(Debug)]
pub struct Reacher {
    world: World,
    upper: RigidBodyHandle,
    forearm: RigidBodyHandle,
    shoulder: MultibodyJointHandle,
    elbow: MultibodyJointHandle,
    target: [f32; 2],
}

impl Default for Reacher {
    fn default() -> Self {
        Reacher::new()
    }
}

/// A rod of `length` along its local +x from its origin, of radius [`LINK_RADIUS`].
fn rod(length: f32) -> MassProperties {
    let mass = DENSITY * PI * LINK_RADIUS * LINK_RADIUS * length;
    let across = mass * length * length / 12.0;
    MassProperties::new(
        Vector::new(length / 2.0, 0.0, 0.0),
        mass,
        Vector::new(mass * LINK_RADIUS * LINK_RADIUS / 2.0, across, across),
    )
}

impl Reacher {
    /// The arm stretched along +x at rest, target at [0.1, 0.1] (call [`Task::reset`] to draw
    /// a start).
    pub fn new() -> Reacher {
        Reacher::at([0.0; 2], [0.0; 2], [0.1, 0.1])
    }

    /// The arm at `joint_pos` [shoulder, elbow] (rad) turning at `joint_vel` (rad/s), the
    /// target at `target` [x, y] (m): a precise start for physics checks.
    pub fn at(joint_pos: [f32; 2], joint_vel: [f32; 2], target: [f32; 2]) -> Reacher {
        let mut world = World::new(SPEC.control_dt, SPEC.substeps);
        world.physics.integration_parameters.num_solver_iterations = SOLVER_ITERATIONS;
        let p = &mut world.physics;
        let ground = p.insert_body(RigidBodyBuilder::fixed());
        // Each link's frame is at its proximal joint with +x along the link. No colliders:
        // mass properties are given directly, and nothing collides.
        let upper = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).additional_mass_properties(rod(UPPER)));
        let forearm =
            p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).additional_mass_properties(rod(FOREARM)));
        let shoulder =
            p.insert_multibody_joint(ground, upper, RevoluteJointBuilder::new(Vector::Z)).expect("valid multibody");
        let elbow = RevoluteJointBuilder::new(Vector::Z)
            .local_anchor1(Vector::new(UPPER, 0.0, 0.0))
            .limits([-ELBOW_LIMIT, ELBOW_LIMIT]);
        let elbow = p.insert_multibody_joint(upper, forearm, elbow).expect("valid multibody");
        // Joint-space armature and damping, as MuJoCo's (damping is integrated implicitly).
        let (mb, _) = p.multibody_joints.get_mut(elbow).expect("multibody joint exists");
        mb.armature_mut().fill(ARMATURE);
        mb.damping_mut().fill(DAMPING);
        world.set_multibody(elbow, &joint_pos, &joint_vel);
        Reacher { world, upper, forearm, shoulder, elbow, target }
    }

    /// Joint angles (unwrapped) and velocities, from the multibody's coordinates.
    fn joints(&self) -> ([f32; 2], [f32; 2]) {
        let set = &self.world.physics.multibody_joints;
        let read = |h| {
            let (mb, link) = set.get(h).expect("multibody joint exists");
            let link = mb.link(link).expect("link exists");
            // A revolute joint's free axis is its local angular x: coordinate 3.
            (link.joint().coords()[3], mb.joint_velocity(link)[0])
        };
        let (q1, v1) = read(self.shoulder);
        let (q2, v2) = read(self.elbow);
        ([q1, q2], [v1, v2])
    }

    /// The fingertip in the world, from the forearm's pose.
    fn fingertip(&self) -> Vector {
        let f = self.world.body(self.forearm);
        f.translation() + *f.rotation() * Vector::new(FOREARM, 0.0, 0.0)
    }

    /// A link drawn as a capsule along its local +x (snapshot capsules lie along local z).
    fn link_snap(&self, h: RigidBodyHandle, name: &'static str, length: f32, color: [f32; 3]) -> Body {
        let b = self.world.body(h);
        let centre = b.translation() + *b.rotation() * Vector::new(length / 2.0, 0.0, 0.0);
        // +90° about y takes local z onto local x.
        let s = core::f32::consts::FRAC_1_SQRT_2;
        let q = *b.rotation() * Rotation::from_xyzw(0.0, s, 0.0, s);
        Body {
            name,
            shape: Shape::Capsule { half_height: length / 2.0, radius: LINK_RADIUS },
            position: [centre.x, centre.y, centre.z],
            rotation: [q.w, q.x, q.y, q.z],
            color,
        }
    }
}

/// `a` wrapped to [-π, π).
fn wrap_angle(a: f32) -> f32 {
    crate::pendulum::wrap_angle(a)
}

impl Task for Reacher {
    fn spec(&self) -> &'static EnvSpec {
        &SPEC
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        let joint_pos = [0; 2].map(|_| rng.random_range(-0.1f32..=0.1));
        let joint_vel = [0; 2].map(|_| rng.random_range(-0.005f32..=0.005));
        // Uniform in the disc, by rejection from the square around it (Gymnasium's way).
        let target = loop {
            let t = [0; 2].map(|_| rng.random_range(-TARGET_RADIUS..=TARGET_RADIUS));
            if t[0] * t[0] + t[1] * t[1] < TARGET_RADIUS * TARGET_RADIUS {
                break t;
            }
        };
        *self = Reacher::at(joint_pos, joint_vel, target);
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out.copy_from_slice(action);
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        // Joint torques as body torques about z: the shoulder's on the upper link, the
        // elbow's on the forearm with its reaction on the upper link. Mapped through the
        // multibody's Jacobian they become exactly the two generalized forces.
        let (shoulder, elbow) = (MAX_TORQUE * sdk_action[0], MAX_TORQUE * sdk_action[1]);
        let upper = self.world.body_mut(self.upper);
        upper.reset_torques(true);
        upper.add_torque(Vector::new(0.0, 0.0, shoulder - elbow), true);
        let forearm = self.world.body_mut(self.forearm);
        forearm.reset_torques(true);
        forearm.add_torque(Vector::new(0.0, 0.0, elbow), true);
        self.world.step();
    }

    fn write_state(&self, time: f32, prev_action: &[f32], out: &mut [f32]) {
        let (pos, vel) = self.joints();
        let tip = self.fingertip();
        let [tx, ty] = self.target;
        let (dx, dy) = (tx - tip.x, ty - tip.y);
        // The arm moves in the z = 0 plane: report the plane exactly.
        let state = State {
            joint_pos: [wrap_angle(pos[0]), wrap_angle(pos[1])],
            joint_vel: vel,
            fingertip: [tip.x, tip.y, 0.0],
            target: [tx, ty, 0.0],
            to_target: [dx, dy, 0.0],
            distance: libm::sqrtf(dx * dx + dy * dy),
            prev_action: [prev_action[0], prev_action[1]],
            time,
        };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        // Gymnasium Reacher's observation: cos and sin of the joints, the target, the joint
        // velocities, and fingertip − target (Gymnasium's sign: the negated `to_target`).
        let s = State::from_slice(state);
        let [q1, q2] = s.joint_pos;
        out.copy_from_slice(&[
            libm::cosf(q1),
            libm::cosf(q2),
            libm::sinf(q1),
            libm::sinf(q2),
            s.target[0],
            s.target[1],
            s.joint_vel[0],
            s.joint_vel[1],
            -s.to_target[0],
            -s.to_target[1],
        ]);
    }

    fn terminated(&self, _state: &[f32]) -> bool {
        false
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        if State::from_slice(state).distance < SUCCESS_DISTANCE { 1.0 } else { 0.0 }
    }

    fn snapshot(&self) -> Snapshot {
        let tip = self.fingertip();
        let ball = |name, position, radius, color| Body {
            name,
            shape: Shape::Ball { radius },
            position,
            rotation: [1.0, 0.0, 0.0, 0.0],
            color,
        };
        Snapshot {
            bodies: vec![
                self.link_snap(self.upper, "upper_arm", UPPER, [0.7, 0.7, 0.0]),
                self.link_snap(self.forearm, "forearm", FOREARM, [0.7, 0.7, 0.0]),
                ball("fingertip", [tip.x, tip.y, tip.z], LINK_RADIUS, [0.0, 0.8, 0.8]),
                ball("target", [self.target[0], self.target[1], 0.0], 0.009, [0.9, 0.2, 0.2]),
            ],
        }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(Reacher::new()))));
}
