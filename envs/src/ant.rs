//! `ant-v0`: a four-legged robot learns to walk forward (+x).
//!
//! ## Description
//! Gymnasium's Ant (MuJoCo's `ant.xml`), here simulated by rapier3d on multibody joints. A
//! spherical torso (radius 0.25 m) carries four legs at 45° to the axes; each is a stub
//! fixed to the torso (0.28 m long), a hip, an upper leg (0.28 m), an ankle and a lower
//! leg (0.57 m). Every leg part is a capsule of radius 0.08 m and everything has
//! `ant.xml`'s density of 5 kg/m³, so the masses are MuJoCo's (0.91 kg in all, 0.33 kg of
//! it the torso ball). The hip turns its leg about the torso's vertical axis (±30°); the
//! ankle (the knee, in walking terms) bends the lower leg down below the horizontal
//! (30°..70°). The torso is the free-floating root of one multibody whose eight links are
//! revolute joints with limits, each driven by a torque motor. Walk towards +x.
//!
//! Motors and joints, as `ant.xml`: torque = 150 N·m × action (MuJoCo's `gear = 150`),
//! applied as an equal and opposite pair on the joint's two bodies about the joint's axis,
//! so it is exactly the joint's generalized force and never a net torque on the robot.
//! Every joint has a rotor inertia (MuJoCo's armature) of 1 kg·m² and a damping of
//! 1 N·m·s/rad: with such strong motors on such light legs, the armature is what sets the
//! joints' accelerations (about 150 rad/s² at full torque). Contacts: the torso and every
//! leg part touch the ground (friction 1, MuJoCo's); the robot never touches itself. The
//! stubs only add their mass to the torso: they cannot reach the ground while it is healthy.
//!
//! Coordinates: z up, +x forward. Legs, in the order of every per-leg array:
//! front-left (+x, +y), front-right (+x, −y), back-left (−x, +y), back-right (−x, −y).
//!
//! ## Action Space
//! `Box(-1, 1, (8,))`: the motor torques as fractions of 150 N·m, per leg [hip, ankle] in
//! the leg order above. Rewards see `Action { torque }`, the same fractions. A positive hip
//! torque turns its leg counter-clockwise seen from above; a positive ankle torque pushes
//! the lower leg down (towards 70°), lifting the torso when the foot is on the ground.
//!
//! ## Observation and State
//! Observation (27 floats, Gymnasium Ant-v5's without contact forces, x and y excluded):
//! `[torso z, torso quaternion w x y z, 8 joint angles, torso velocity xyz, torso angular
//! velocity xyz, 8 joint velocities]` (m, 1, rad, m/s, rad/s, rad/s; both torso velocities
//! in the world frame). State (what rewards read): `rewardsmith_guest::envs::ant::State` —
//! torso position and quaternion, `upright` (world z of the torso's up axis), the torso's
//! velocities, joint angles and velocities, `foot_contact` (1 while the lowest point of a
//! lower leg is within 1 cm of the ground), the previous action and `time`.
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is `guest-sdk/examples/ant.rs`,
//! Gymnasium Ant's terms: forward velocity, a healthy bonus, a control cost.
//!
//! ## Starting State
//! Torso at (0, 0, 0.75), upright, at rest; hips at 0 and ankles at 30° + 0.1 rad (so that
//! the noise never starts a joint beyond its limit), plus uniform noise in ±0.1 rad on
//! every joint angle and ±0.1 rad/s on every joint velocity (Gymnasium's noise scale). The
//! feet start about 0.3 m above the ground: the ant drops onto them in the first quarter
//! second. Left alone (zero torques) its legs then splay onto their 30° ankle limits and
//! it rests with the torso at 0.363 m, as Gymnasium's ant does (0.38 m there, MuJoCo
//! keeping a 1 cm contact margin).
//!
//! ## Episode End
//! Terminated when the torso centre's height leaves [0.2, 1.0] m or the torso turns over
//! (`upright` < 0; Gymnasium's ant does not check this); truncated after 1000 steps (50 s
//! at 0.05 s per step). Each step is 5 physics steps of 10 ms, Gymnasium's frame skip and
//! time step. Random actions end most episodes within 10 to 600 steps by bouncing the torso
//! above 1 m, as in Gymnasium's Ant-v5.
//!
//! ## Fitness
//! Forward progress: torso x at the end of the episode minus its start x (0), in metres,
//! declared range −50..300 (random actions: within ±5 m; a strong learned gait can cover
//! hundreds of metres in 50 s). Solved at 10 m: clearly walking forward (0.2 m/s over the
//! whole episode), which random flailing does not reach; a simple hand-tuned trot walks at
//! about 0.5 m/s.
//!
//! ## Version History
//! - v0: initial version.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;
use rewardsmith_guest::envs::ant::State;
use rewardsmith_guest::layout::Layout;

use crate::env::TimeLimited;
use crate::registration::Registration;
use crate::snapshot::{Body, Shape, Snapshot};
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;
use crate::world::World;

const SQRT_2: f32 = core::f32::consts::SQRT_2;
const DEG: f32 = core::f32::consts::PI / 180.0;

/// Torso (a ball) radius, m.
pub const TORSO_RADIUS: f32 = 0.25;
/// Torso centre height at the start, m.
pub const START_Z: f32 = 0.75;
/// Radius of every leg capsule, m.
pub const LEG_RADIUS: f32 = 0.08;
/// Length of the stub fixed to the torso (torso centre to hip), m: `ant.xml`'s 0.2 × √2.
pub const AUX_LENGTH: f32 = 0.2 * SQRT_2;
/// Upper leg length (hip to ankle), m.
pub const UPPER_LENGTH: f32 = 0.2 * SQRT_2;
/// Lower leg length (ankle to foot, not counting the capsule's end cap), m.
pub const LOWER_LENGTH: f32 = 0.4 * SQRT_2;
/// Density of every part, kg/m³ (MuJoCo's `density = 5`).
pub const DENSITY: f32 = 5.0;
/// Torque of a full action, N·m (MuJoCo's `gear = 150`).
pub const GEAR: f32 = 150.0;
/// Rotor inertia added to every joint, kg·m² (MuJoCo's `armature = 1`).
pub const ARMATURE: f32 = 1.0;
/// Viscous damping of every joint, N·m·s/rad (MuJoCo's `damping = 1`).
pub const JOINT_DAMPING: f32 = 1.0;
/// Hip range, rad (±30°).
pub const HIP_LIMITS: [f32; 2] = [-30.0 * DEG, 30.0 * DEG];
/// Ankle range, rad (30°..70° below horizontal).
pub const ANKLE_LIMITS: [f32; 2] = [30.0 * DEG, 70.0 * DEG];
/// Ankle angle of the start pose before noise, rad: the start noise (±[`NOISE`]) keeps it
/// within the ankle's limits.
pub const STAND_ANKLE: f32 = ANKLE_LIMITS[0] + NOISE;
/// Ground friction coefficient (MuJoCo's default 1).
pub const FRICTION: f32 = 1.0;
/// Healthy torso height range, m.
pub use rewardsmith_guest::envs::ant::HEALTHY_Z;
/// A foot touches the ground when the lowest point of its lower leg is this close, m.
pub const CONTACT_DISTANCE: f32 = 0.01;
/// Uniform start noise on joint angles (rad) and velocities (rad/s), Gymnasium's scale.
pub const NOISE: f32 = 0.1;
/// Solver iterations per physics step. Each is an integration substep in rapier and costs
/// about as much as a physics step (the multibody's mass matrix is rebuilt for each), but
/// contacts are found once per physics step: 5 steps × 1 iteration keeps fast feet from
/// sinking into the ground (worst case ~4 cm under random actions, MuJoCo's ~3 cm), where
/// 1 step × 5 iterations let them sink 20 cm.
const SOLVER_ITERATIONS: usize = 1;

/// Unit horizontal direction of each leg: front-left, front-right, back-left, back-right.
const LEG_DIRS: [[f32; 2]; 4] = [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]];
const LEG_NAMES: [[&str; 3]; 4] = [
    ["hip_front_left", "upper_leg_front_left", "lower_leg_front_left"],
    ["hip_front_right", "upper_leg_front_right", "lower_leg_front_right"],
    ["hip_back_left", "upper_leg_back_left", "lower_leg_back_left"],
    ["hip_back_right", "upper_leg_back_right", "lower_leg_back_right"],
];

fn observation_space() -> Space {
    Space::uniform(27, -f32::MAX, f32::MAX)
}

/// `ant-v0`.
pub static SPEC: EnvSpec = EnvSpec {
    id: "ant-v0",
    reward_env: "ant-v0",
    control_dt: 0.05,
    substeps: 5,
    max_episode_steps: 1000,
    observation_space,
    action_space: || Space::uniform(8, -1.0, 1.0),
    description: "A four-legged robot (a 0.25 m ball torso with four two-jointed legs, 0.91 kg in all) is dropped onto flat ground. Each step (0.05 s) the policy sets eight joint torques (a hip and an ankle per leg, up to 150 N·m each). The goal is to walk as far as possible in the +x direction without falling: the episode ends if the torso centre drops below 0.2 m, bounces above 1.0 m or the torso turns over. Success means at least 10 m of forward progress by the end of the 1000-step (50 s) episode.",
    fitness: FitnessKind::ProgressAtEnd,
    fitness_doc: "forward progress: torso x at the end of the episode minus its start x, in metres (-50..300; random actions stay within ±5 m); solved at 10 m",
    fitness_range: (-50.0, 300.0),
    solved_fitness: 10.0,
};

/// Handles of one leg.
#[derive(Clone, Copy, Debug)]
struct Leg {
    upper: RigidBodyHandle,
    lower: RigidBodyHandle,
    hip: MultibodyJointHandle,
}

/// Ant physics.
#[derive(Debug)]
pub struct Ant {
    world: World,
    torso: RigidBodyHandle,
    legs: [Leg; 4],
    start_x: f32,
}

impl Default for Ant {
    fn default() -> Self {
        Ant::new()
    }
}

/// A leg's unit horizontal direction.
fn leg_dir(k: usize) -> Vector {
    let [x, y] = LEG_DIRS[k];
    Vector::new(x / SQRT_2, y / SQRT_2, 0.0)
}

/// The rotation taking a body's local z to the horizontal leg direction `d` and its local
/// x to world up; leg capsules lie along their local z.
fn leg_rotation(d: Vector) -> Rotation {
    Rotation::from_mat3(&Matrix::from_cols(Vector::Z, d.cross(Vector::Z), d))
}

/// Mass properties of the torso: the ball and the four stubs fixed to it (the stubs need
/// no colliders of their own: they cannot reach the ground while the ant is healthy).
fn torso_stubs() -> MassProperties {
    let stub = |k| MassProperties::from_capsule(DENSITY, Vector::ZERO, leg_dir(k) * AUX_LENGTH, LEG_RADIUS);
    stub(0) + stub(1) + stub(2) + stub(3)
}

impl Ant {
    /// An ant in the start pose without noise, at rest (call [`Task::reset`] to draw a start).
    pub fn new() -> Ant {
        let mut joints = [0.0; 8];
        for k in 0..4 {
            joints[2 * k + 1] = STAND_ANKLE;
        }
        Ant::posed(joints, [0.0; 8])
    }

    /// An ant whose torso is at rest at (0, 0, [`START_Z`]), upright, with joint angles
    /// `joint_pos` (rad) turning at `joint_vel` (rad/s), both in the state's order: a
    /// precise start for physics checks.
    pub fn posed(joint_pos: [f32; 8], joint_vel: [f32; 8]) -> Ant {
        let mut world = World::new(SPEC.control_dt, SPEC.substeps);
        world.physics.integration_parameters.num_solver_iterations = SOLVER_ITERATIONS;
        let p = &mut world.physics;
        // Two collision groups: the ground touches the ant, the ant's parts not each other.
        let (ground_group, ant_group) = (Group::GROUP_1, Group::GROUP_2);
        let touches_ground = InteractionGroups::new(ant_group, ground_group, InteractionTestMode::And);
        let ground = p.insert_body(RigidBodyBuilder::fixed().translation(Vector::new(0.0, 0.0, -0.5)));
        let floor = ColliderBuilder::cuboid(500.0, 500.0, 0.5)
            .friction(FRICTION)
            .collision_groups(InteractionGroups::new(ground_group, ant_group, InteractionTestMode::And));
        p.insert_collider(floor, Some(ground));

        let torso = p.insert_body(
            RigidBodyBuilder::dynamic()
                .can_sleep(false)
                .translation(Vector::new(0.0, 0.0, START_Z))
                .additional_mass_properties(torso_stubs()),
        );
        let ball =
            ColliderBuilder::ball(TORSO_RADIUS).density(DENSITY).friction(FRICTION).collision_groups(touches_ground);
        p.insert_collider(ball, Some(torso));

        // Bodies are laid out in the zero pose (all legs horizontal, torso at the origin);
        // the joint frames are the same world frame seen from each of the two bodies, so
        // angle 0 is that pose. The multibody then places everything from the torso's pose.
        let legs = core::array::from_fn(|k| {
            let d = leg_dir(k);
            let rot = leg_rotation(d);
            let hip_at = d * AUX_LENGTH;
            let ankle_at = d * (AUX_LENGTH + UPPER_LENGTH);
            let upper_pose = Pose::from_parts(d * (AUX_LENGTH + UPPER_LENGTH / 2.0), rot);
            let lower_pose = Pose::from_parts(d * (AUX_LENGTH + UPPER_LENGTH + LOWER_LENGTH / 2.0), rot);
            let mut part = |pose: Pose, length: f32| {
                let body = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false).pose(pose));
                let shape = ColliderBuilder::capsule_z(length / 2.0, LEG_RADIUS)
                    .density(DENSITY)
                    .friction(FRICTION)
                    .collision_groups(touches_ground);
                p.insert_collider(shape, Some(body));
                (body, pose)
            };
            let (upper, upper_pose) = part(upper_pose, UPPER_LENGTH);
            let (lower, lower_pose) = part(lower_pose, LOWER_LENGTH);
            // Hip: about world z through the hip point. Ankle: about z × d through the ankle
            // point, so a positive angle turns the lower leg from d towards −z (foot down).
            let hip_frame = Pose::from_parts(hip_at, Rotation::from_rotation_arc(Vector::X, Vector::Z));
            let ankle_frame = Pose::from_parts(ankle_at, Rotation::from_rotation_arc(Vector::X, Vector::Z.cross(d)));
            let revolute = |frame: Pose, parent: Pose, child: Pose, limits: [f32; 2]| {
                GenericJointBuilder::new(JointAxesMask::LOCKED_REVOLUTE_AXES)
                    .local_frame1(parent.inverse() * frame)
                    .local_frame2(child.inverse() * frame)
                    .limits(JointAxis::AngX, limits)
                    .contacts_enabled(false)
            };
            let hip = p
                .insert_multibody_joint(torso, upper, revolute(hip_frame, Pose::IDENTITY, upper_pose, HIP_LIMITS))
                .expect("valid multibody");
            p.insert_multibody_joint(upper, lower, revolute(ankle_frame, upper_pose, lower_pose, ANKLE_LIMITS))
                .expect("valid multibody");
            Leg { upper, lower, hip }
        });

        // MuJoCo's joint dynamics: armature and damping on the eight joints, none on the free
        // root (rapier gives every angular degree of freedom a default damping of 0.1).
        let (mb, _) = p.multibody_joints.get_mut(legs[0].hip).expect("multibody joint exists");
        let root_dofs = mb.root().joint().ndofs();
        mb.damping_mut().fill(0.0);
        let n = mb.ndofs();
        mb.damping_mut().rows_mut(root_dofs, n - root_dofs).fill(JOINT_DAMPING);
        mb.armature_mut().rows_mut(root_dofs, n - root_dofs).fill(ARMATURE);
        world.set_multibody(legs[0].hip, &joint_pos, &joint_vel);
        let start_x = world.body(torso).translation().x;
        Ant { world, torso, legs, start_x }
    }

    /// The torso's velocity and angular velocity (world frame), then the joint angles and
    /// velocities in the state's order (per leg: hip, ankle), all from the multibody's
    /// generalized coordinates: rapier copies them to the bodies' velocities only at the
    /// start of the next physics step, so the bodies' are a physics step old. (The torso's
    /// centre of mass is its centre, the root joint's origin, so the root's linear velocity
    /// is the torso's.) Links 1..=8 are the joints in insertion order.
    fn joints(&self) -> ([f32; 6], [f32; 8], [f32; 8]) {
        let (mb, _) = self.world.physics.multibody_joints.get(self.legs[0].hip).expect("multibody joint exists");
        let gv = mb.generalized_velocity();
        let root = core::array::from_fn(|i| gv[i]);
        let (mut pos, mut vel) = ([0.0; 8], [0.0; 8]);
        for j in 0..8 {
            let link = mb.link(j + 1).expect("eight joint links");
            // A revolute joint's free axis is its local angular x: coordinate 3.
            pos[j] = link.joint().coords()[3];
            vel[j] = mb.joint_velocity(link)[0];
        }
        (root, pos, vel)
    }

    /// Applies the motor torques of `action` (fractions of [`GEAR`]) for the next physics
    /// step: each as an equal and opposite pair on the joint's two bodies, about the joint's
    /// current world axis.
    fn apply_torques(&mut self, action: &[f32]) {
        let torso_up = *self.world.body(self.torso).rotation() * Vector::Z;
        let mut on_torso = Vector::ZERO;
        for (k, leg) in self.legs.iter().enumerate() {
            let hip = torso_up * (GEAR * action[2 * k]);
            // The ankle axis z × d is −y in the upper leg's frame (see `leg_rotation`).
            let ankle_axis = *self.world.body(leg.upper).rotation() * Vector::NEG_Y;
            let ankle = ankle_axis * (GEAR * action[2 * k + 1]);
            on_torso -= hip;
            let upper = self.world.body_mut(leg.upper);
            upper.reset_torques(true);
            upper.add_torque(hip - ankle, true);
            let lower = self.world.body_mut(leg.lower);
            lower.reset_torques(true);
            lower.add_torque(ankle, true);
        }
        let torso = self.world.body_mut(self.torso);
        torso.reset_torques(true);
        torso.add_torque(on_torso, true);
    }
}

impl Task for Ant {
    fn spec(&self) -> &'static EnvSpec {
        &SPEC
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        let mut pos = [0.0; 8];
        for k in 0..4 {
            pos[2 * k + 1] = STAND_ANKLE;
        }
        let pos = pos.map(|q| q + rng.random_range(-NOISE..=NOISE));
        let vel = [0.0f32; 8].map(|_| rng.random_range(-NOISE..=NOISE));
        *self = Ant::posed(pos, vel);
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out.copy_from_slice(action);
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        // The torque axes follow the bodies, so they are refreshed every physics step.
        for _ in 0..SPEC.substeps {
            self.apply_torques(sdk_action);
            self.world.physics.step();
        }
    }

    fn write_state(&self, time: f32, prev_action: &[f32], out: &mut [f32]) {
        let torso = self.world.body(self.torso);
        let (t, q) = (torso.translation(), *torso.rotation());
        let (root, joint_pos, joint_vel) = self.joints();
        let foot_contact = core::array::from_fn(|k| {
            // The lower leg's lowest point: its lower segment end, less the capsule radius.
            let pose = self.world.body(self.legs[k].lower).position();
            let half = Vector::new(0.0, 0.0, LOWER_LENGTH / 2.0);
            let low = pose.transform_point(half).z.min(pose.transform_point(-half).z) - LEG_RADIUS;
            if low <= CONTACT_DISTANCE { 1.0 } else { 0.0 }
        });
        let state = State {
            torso_pos: [t.x, t.y, t.z],
            torso_quat: [q.w, q.x, q.y, q.z],
            upright: (q * Vector::Z).z,
            torso_vel: [root[0], root[1], root[2]],
            torso_ang_vel: [root[3], root[4], root[5]],
            joint_pos,
            joint_vel,
            foot_contact,
            prev_action: prev_action.try_into().expect("an ant action is 8 torques"),
            time,
        };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        let s = State::from_slice(state);
        out[0] = s.torso_pos[2];
        out[1..5].copy_from_slice(&s.torso_quat);
        out[5..13].copy_from_slice(&s.joint_pos);
        out[13..16].copy_from_slice(&s.torso_vel);
        out[16..19].copy_from_slice(&s.torso_ang_vel);
        out[19..27].copy_from_slice(&s.joint_vel);
    }

    fn terminated(&self, state: &[f32]) -> bool {
        let s = State::from_slice(state);
        // Written so that NaN counts as unhealthy.
        !((HEALTHY_Z[0]..=HEALTHY_Z[1]).contains(&s.torso_pos[2]) && s.upright >= 0.0)
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        State::from_slice(state).torso_pos[0] - self.start_x
    }

    fn snapshot(&self) -> Snapshot {
        let mut bodies =
            vec![self.world.snap(self.torso, "torso", Shape::Ball { radius: TORSO_RADIUS }, [0.8, 0.6, 0.4])];
        let torso = *self.world.body(self.torso).position();
        for (k, leg) in self.legs.iter().enumerate() {
            let d = leg_dir(k);
            let stub = torso * Pose::from_parts(d * (AUX_LENGTH / 2.0), leg_rotation(d));
            let (t, q) = (stub.translation, stub.rotation);
            bodies.push(Body {
                name: LEG_NAMES[k][0],
                shape: Shape::Capsule { half_height: AUX_LENGTH / 2.0, radius: LEG_RADIUS },
                position: [t.x, t.y, t.z],
                rotation: [q.w, q.x, q.y, q.z],
                color: [0.8, 0.6, 0.4],
            });
            let upper = Shape::Capsule { half_height: UPPER_LENGTH / 2.0, radius: LEG_RADIUS };
            bodies.push(self.world.snap(leg.upper, LEG_NAMES[k][1], upper, [0.7, 0.5, 0.3]));
            let lower = Shape::Capsule { half_height: LOWER_LENGTH / 2.0, radius: LEG_RADIUS };
            bodies.push(self.world.snap(leg.lower, LEG_NAMES[k][2], lower, [0.6, 0.4, 0.25]));
        }
        Snapshot { bodies }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(Ant::new()))));
}
