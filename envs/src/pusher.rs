//! `pusher-v0`: a three-joint planar arm pushes a block to a goal on a table.
//!
//! ## Description
//! A planar arm — shoulder, elbow and wrist, each a revolute joint about the vertical axis,
//! links 0.4, 0.3 and 0.15 m long — is mounted on a post 0.15 m above a table (the plane
//! z = 0), so its links pass over the block. A finger hangs 0.1 m down from the wrist
//! link's end; its rounded tip (radius 2 cm) is the only part of the arm that touches
//! anything, and it touches only the block. The block is an upright cylinder (a puck) 10 cm
//! across and 10 cm tall, as Pusher-v5's object, that slides on the table with friction
//! (μ 0.5; 0.2 kg, where Pusher-v5's object is almost massless and viscously damped). Push the block onto the goal, a spot on the table —
//! Gymnasium's Pusher-v5 task, with a planar 3-joint arm in place of its 7-joint one,
//! simulated by rapier3d (multibody joints, contacts only fingertip–block and block–table).
//! The joints are limited to ±2.5 rad, viscously damped (a joint alone at full torque
//! turns at most 4 rad/s) and carry a motor armature, as Pusher-v5's; gravity is carried
//! by the joints, so a still arm under zero torque stays where it is. Pushed anywhere on its
//! side by the low-friction fingertip (μ 0.1; rapier averages the two colliders'
//! coefficients, so 0.3 against the block), the puck moves along the line from the
//! fingertip through its centre. (A cube, as this env first had, moves only along a face's
//! normal: every goal off the block's axes then needs a turn or a second push, and PPO with
//! the baseline reward learned the one easy direction, under 20 % success after 1M steps.)
//!
//! ## Action Space
//! `Box(-1, 1, (3,))`: the torques of [shoulder, elbow, wrist] as fractions of their motor
//! limits, 2.0, 1.0 and 0.4 N·m. Rewards see `Action { torque }`, the same fractions.
//!
//! ## Observation and State
//! Observation (12 floats), as Pusher-v5's (less the constant heights): `[q_shoulder,
//! q_elbow, q_wrist, dq_shoulder, dq_elbow, dq_wrist, tip_x, tip_y, block_x, block_y, goal_x,
//! goal_y]` — joint angles (rad, 0 = links in a straight line along +x, positive
//! counter-clockwise seen from above), joint velocities (rad/s), then positions on the
//! table (m, the arm's base at the origin). State (what rewards read):
//! `rewardsmith_guest::envs::pusher::State` — the same plus the 3-D fingertip, block and
//! goal positions (the fingertip and block centre are 5 cm above the table, the goal on
//! it), the block's velocity, the fingertip-to-block distance (3-D), the block-to-goal
//! distance in the table plane, the previous action and `time` (s).
//!
//! ## Rewards
//! None built in: rewards are programs. The human baseline is `guest-sdk/examples/pusher.rs`
//! (Pusher-v5's terms: fingertip to block, block to goal, control effort, plus a bonus near
//! the goal; the fingertip is led around the block to its side away from the goal, and the
//! block's approach to the goal is paid in the step it happens).
//!
//! ## Starting State
//! The arm folded near its base, clear of the block: joint angles (−0.9, 2.2, 1.4) rad,
//! each ±0.1 uniform, at rest. Block and goal each uniform in the sector 0.4–0.7 m from
//! the base within ±0.7 rad of +x (all reachable, pushable from either side), drawn again
//! until they are at least 0.15 m apart.
//!
//! ## Episode End
//! Never terminated (as Pusher-v5); truncated after 100 steps (5 s at 0.05 s per step,
//! 2 physics substeps each, each integrated by rapier in 2 solver steps: 12.5 ms steps,
//! close to Pusher-v5's 10 ms).
//!
//! ## Fitness
//! Success at the end: 1 if the block's centre is within 5 cm of the goal (in the table
//! plane) in the last state, else 0; solved at 0.8 (80 % of episodes succeed).
//!
//! ## Version History
//! - v0: initial version.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rapier3d::prelude::*;
use rewardsmith_guest::envs::pusher::{SUCCESS_DISTANCE, State};
use rewardsmith_guest::layout::Layout;

use crate::env::TimeLimited;
use crate::registration::Registration;
use crate::snapshot::{Body, Shape, Snapshot};
use crate::space::Space;
use crate::spec::{EnvSpec, FitnessKind};
use crate::task::Task;
use crate::world::World;

/// Link lengths [upper arm, forearm, hand], m.
const LINKS: [f32; 3] = [0.4, 0.3, 0.15];
const LINK_MASS: [f32; 3] = [0.4, 0.3, 0.1];
/// Half of a link's square cross-section, m.
const LINK_HALF_WIDTH: f32 = 0.02;
/// Height of the arm's plane: the links clear the block's top (0.1 m).
const ARM_Z: f32 = 0.15;
/// Motor limits [shoulder, elbow, wrist], N·m (action ±1).
const TORQUE: [f32; 3] = [2.0, 1.0, 0.4];
/// Viscous joint damping, N·m·s/rad: the torque limit over it bounds each joint's speed
/// when nothing else resists (4 rad/s), which keeps the fingertip below about 2 m/s, under
/// 5 cm per substep, so it cannot pass through the 10 cm block between contact checks.
const DAMPING: [f32; 3] = [0.5, 0.25, 0.1];
/// Per-joint armature (reflected motor inertia), kg·m², as MuJoCo's Pusher has: it keeps
/// the light hand's time constant (inertia over damping) well above a physics step.
const ARMATURE: [f32; 3] = [0.02, 0.01, 0.01];
const JOINT_LIMIT: f32 = 2.5;
/// Motor target speed (rad/s) and gain: far beyond what a joint reaches, so the motor
/// always pushes with its full (capped) torque.
const MOTOR_TARGET: f32 = 1.0e4;
const MOTOR_GAIN: f32 = 1.0e3;
const TIP_RADIUS: f32 = 0.02;
/// The fingertip's centre is level with the block's centre, so it pushes on a side face.
const TIP_Z: f32 = BLOCK_HALF;
const TIP_MASS: f32 = 0.02;
/// The puck's radius and half-height, m.
const BLOCK_HALF: f32 = 0.05;
const BLOCK_MASS: f32 = 0.2;
const TABLE_FRICTION: f32 = 0.5;
const BLOCK_FRICTION: f32 = 0.5;
/// Low, so the fingertip slides along a face it pushes rather than dragging it sideways.
/// Rapier averages the two colliders' coefficients: 0.3 against the block (0.5). Making it
/// the smaller one (0.1), together with a viscously damped, frictionless block as
/// Pusher-v5's, trained worse with the baseline reward (~0.6 against ~0.8, seed 0, 1.5M steps).
const TIP_FRICTION: f32 = 0.1;
/// Start pose of the arm [shoulder, elbow, wrist], rad, and its noise half-width.
const START_POSE: [f32; 3] = [-0.9, 2.2, 1.4];
const START_NOISE: f32 = 0.1;
/// Block and goal are drawn in this sector: radius range, m, and half-angle, rad.
const SECTOR_RADIUS: (f32, f32) = (0.4, 0.7);
const SECTOR_HALF_ANGLE: f32 = 0.7;
const MIN_START_GAP: f32 = 0.15;
const SUBSTEPS: u32 = 2;
/// Rapier's solver steps per substep (TGS: each integrates positions). Two suffice for a
/// chain without loops and light contacts, and halve the cost of the default four.
const SOLVER_STEPS: usize = 2;

fn observation_space() -> Space {
    Space::uniform(12, -f32::MAX, f32::MAX)
}

/// The arm-block-goal env.
pub static SPEC: EnvSpec = EnvSpec {
    id: "pusher-v0",
    reward_env: "pusher-v0",
    control_dt: 0.05,
    substeps: SUBSTEPS,
    max_episode_steps: 100,
    observation_space,
    action_space: || Space::uniform(3, -1.0, 1.0),
    description: "A three-joint arm (shoulder, elbow, wrist turning in a horizontal plane) above a table has a finger that can push a 10 cm block. Each step (0.05 s) the policy sets the three joint torques. Success means the block's centre ends the 100-step episode within 5 cm of the goal spot on the table; the fingertip has to get behind the block and push it there.",
    fitness: FitnessKind::SuccessAtEnd,
    fitness_doc: "1 if the block's centre is within 5 cm of the goal at the end of the 100-step episode, else 0; solved at 0.8",
    fitness_range: (0.0, 1.0),
    solved_fitness: 0.8,
};

/// Arm, block and goal.
#[derive(Debug)]
pub struct Pusher {
    world: World,
    links: [RigidBodyHandle; 3],
    joints: [MultibodyJointHandle; 3],
    block: RigidBodyHandle,
    goal: [f32; 2],
}

impl Default for Pusher {
    fn default() -> Self {
        Self::new()
    }
}

impl Pusher {
    /// The arm in its nominal start pose, block and goal at fixed spots (call `reset` for a
    /// random start).
    pub fn new() -> Pusher {
        Pusher::build(START_POSE, [0.55, 0.0], [0.55, 0.3])
    }

    fn build(q: [f32; 3], block: [f32; 2], goal: [f32; 2]) -> Pusher {
        let mut world = World::new(SPEC.control_dt, SPEC.substeps);
        let p = &mut world.physics;
        p.integration_parameters.num_solver_iterations = SOLVER_STEPS;
        // Contacts only where the task needs them: table–block and fingertip–block.
        let (table_g, block_g, tip_g) = (Group::GROUP_1, Group::GROUP_2, Group::GROUP_3);
        let groups = |member, filter| InteractionGroups::new(member, filter, InteractionTestMode::And);

        let table = p.insert_body(RigidBodyBuilder::fixed());
        let top = ColliderBuilder::new(SharedShape::halfspace(Vector::Z))
            .friction(TABLE_FRICTION)
            .collision_groups(groups(table_g, block_g));
        p.insert_collider(top, Some(table));

        let block_body =
            RigidBodyBuilder::dynamic().translation(Vector::new(block[0], block[1], BLOCK_HALF)).can_sleep(false);
        let block_h = p.insert_body(block_body);
        // rapier's cylinder stands along y: turn it upright (along z).
        let puck = ColliderBuilder::cylinder(BLOCK_HALF, BLOCK_HALF)
            .rotation(Vector::new(core::f32::consts::FRAC_PI_2, 0.0, 0.0))
            .mass(BLOCK_MASS)
            .friction(BLOCK_FRICTION)
            .collision_groups(groups(block_g, table_g | tip_g));
        p.insert_collider(puck, Some(block_h));

        // The arm: a fixed base at the shoulder, then three links whose bodies sit at the
        // links' centres; each joint is at the parent's far end and the child's near end.
        let base = p.insert_body(RigidBodyBuilder::fixed().translation(Vector::new(0.0, 0.0, ARM_Z)));
        let mut links = [base; 3];
        let mut joints = Vec::with_capacity(3);
        let mut parent = base;
        for i in 0..3 {
            let link = p.insert_body(RigidBodyBuilder::dynamic().can_sleep(false));
            let half = 0.5 * LINKS[i];
            let shape = ColliderBuilder::cuboid(half, LINK_HALF_WIDTH, LINK_HALF_WIDTH)
                .mass(LINK_MASS[i])
                .collision_groups(InteractionGroups::none());
            p.insert_collider(shape, Some(link));
            let anchor1 = if i == 0 { Vector::ZERO } else { Vector::new(0.5 * LINKS[i - 1], 0.0, 0.0) };
            let joint = RevoluteJointBuilder::new(Vector::Z)
                .local_anchor1(anchor1)
                .local_anchor2(Vector::new(-half, 0.0, 0.0))
                .limits([-JOINT_LIMIT, JOINT_LIMIT]);
            joints.push(p.insert_multibody_joint(parent, link, joint).expect("valid multibody"));
            links[i] = link;
            parent = link;
        }
        let tip = ColliderBuilder::ball(TIP_RADIUS)
            .translation(tip_offset())
            .mass(TIP_MASS)
            .friction(TIP_FRICTION)
            .collision_groups(groups(tip_g, block_g));
        p.insert_collider(tip, Some(links[2]));

        let joints = [joints[0], joints[1], joints[2]];
        {
            let (mb, _) = p.multibody_joints.get_mut(joints[2]).expect("multibody joint exists");
            let root = mb.links().next().map_or(0, |l| l.joint().ndofs());
            for i in 0..3 {
                mb.damping_mut()[root + i] = DAMPING[i];
                mb.armature_mut()[root + i] = ARMATURE[i];
            }
        }
        world.set_multibody(joints[2], &q, &[0.0; 3]);
        Pusher { world, links, joints, block: block_h, goal }
    }

    /// The fingertip centre in the world.
    fn tip(&self) -> Vector {
        let hand = self.world.body(self.links[2]);
        hand.translation() + *hand.rotation() * tip_offset()
    }
}

/// The fingertip's centre in the hand link's frame: at the link's far end, hanging down to
/// the block's mid-height.
fn tip_offset() -> Vector {
    Vector::new(0.5 * LINKS[2], 0.0, TIP_Z - ARM_Z)
}

/// A uniform point of the start sector (area-uniform: radius² uniform).
fn sector_point(rng: &mut ChaCha8Rng) -> [f32; 2] {
    let (r0, r1) = SECTOR_RADIUS;
    let r = libm::sqrtf(rng.random_range(r0 * r0..=r1 * r1));
    let phi = rng.random_range(-SECTOR_HALF_ANGLE..=SECTOR_HALF_ANGLE);
    [r * libm::cosf(phi), r * libm::sinf(phi)]
}

fn planar_distance(a: [f32; 2], b: [f32; 2]) -> f32 {
    libm::hypotf(a[0] - b[0], a[1] - b[1])
}

impl Task for Pusher {
    fn spec(&self) -> &'static EnvSpec {
        &SPEC
    }

    fn reset(&mut self, rng: &mut ChaCha8Rng) {
        let q = START_POSE.map(|c| c + rng.random_range(-START_NOISE..=START_NOISE));
        let block = sector_point(rng);
        let goal = loop {
            let g = sector_point(rng);
            if planar_distance(g, block) >= MIN_START_GAP {
                break g;
            }
        };
        *self = Pusher::build(q, block, goal);
    }

    fn to_sdk_action(&self, action: &[f32], out: &mut [f32]) {
        out.copy_from_slice(action);
    }

    fn advance(&mut self, sdk_action: &[f32]) {
        // Each joint's torque is a velocity motor that always saturates: it aims at a speed
        // no joint reaches, with its force capped at |torque|. A motor acts on the joint
        // itself (child one way, parent the other) and respects the joint limits. A torque
        // added to a link body acts on that body alone and, in rapier 0.36, piles up in the
        // reported joint and body velocities while the joint rests on a limit.
        let multibodies = &mut self.world.physics.multibody_joints;
        for (i, h) in self.joints.iter().enumerate() {
            let tau = TORQUE[i] * sdk_action[i];
            let (mb, id) = multibodies.get_mut(*h).expect("multibody joint exists");
            let joint = &mut mb.link_mut(id).expect("link exists").joint.data;
            joint.set_motor_velocity(JointAxis::AngX, MOTOR_TARGET.copysign(tau), MOTOR_GAIN);
            joint.set_motor_max_force(JointAxis::AngX, tau.abs());
        }
        self.world.step();
    }

    fn write_state(&self, time: f32, prev_action: &[f32], out: &mut [f32]) {
        let multibodies = &self.world.physics.multibody_joints;
        let (mut joint_pos, mut joint_vel) = ([0.0; 3], [0.0; 3]);
        for (i, h) in self.joints.iter().enumerate() {
            let (mb, id) = multibodies.get(*h).expect("multibody joint exists");
            let link = mb.link(id).expect("link exists");
            // A revolute joint's one free coordinate is its angle about the joint axis.
            joint_pos[i] = link.joint().coords()[3];
            joint_vel[i] = mb.joint_velocity(link)[0];
        }
        let tip = self.tip();
        let block = self.world.body(self.block);
        let (b, v) = (block.translation(), block.linvel());
        let d = tip - b;
        let state = State {
            joint_pos,
            joint_vel,
            fingertip: [tip.x, tip.y, tip.z],
            block_pos: [b.x, b.y, b.z],
            block_vel: [v.x, v.y, v.z],
            goal_pos: [self.goal[0], self.goal[1], 0.0],
            tip_to_block: libm::sqrtf(d.x * d.x + d.y * d.y + d.z * d.z),
            block_to_goal: planar_distance([b.x, b.y], self.goal),
            prev_action: prev_action.try_into().expect("a pusher action is 3 torques"),
            time,
        };
        out.copy_from_slice(state.as_slice());
    }

    fn write_observation(&self, state: &[f32], out: &mut [f32]) {
        let s = State::from_slice(state);
        out[..3].copy_from_slice(&s.joint_pos);
        out[3..6].copy_from_slice(&s.joint_vel);
        out[6..8].copy_from_slice(&s.fingertip[..2]);
        out[8..10].copy_from_slice(&s.block_pos[..2]);
        out[10..12].copy_from_slice(&s.goal_pos[..2]);
    }

    fn terminated(&self, _state: &[f32]) -> bool {
        false
    }

    fn fitness_signal(&self, state: &[f32]) -> f32 {
        if State::from_slice(state).block_to_goal < SUCCESS_DISTANCE { 1.0 } else { 0.0 }
    }

    fn snapshot(&self) -> Snapshot {
        let mut bodies = vec![
            Body {
                name: "table",
                shape: Shape::Cuboid { half: [1.0, 1.0, 0.01] },
                position: [0.3, 0.0, -0.01],
                rotation: [1.0, 0.0, 0.0, 0.0],
                color: [0.6, 0.5, 0.4],
            },
            Body {
                name: "goal",
                shape: Shape::Cylinder { half_height: 0.001, radius: SUCCESS_DISTANCE },
                position: [self.goal[0], self.goal[1], 0.001],
                rotation: [1.0, 0.0, 0.0, 0.0],
                color: [0.2, 0.8, 0.3],
            },
            Body {
                name: "base",
                shape: Shape::Cylinder { half_height: 0.5 * ARM_Z, radius: 0.03 },
                position: [0.0, 0.0, 0.5 * ARM_Z],
                rotation: [1.0, 0.0, 0.0, 0.0],
                color: [0.3, 0.3, 0.3],
            },
            self.world.snap(
                self.block,
                "block",
                Shape::Cylinder { half_height: BLOCK_HALF, radius: BLOCK_HALF },
                [0.8, 0.3, 0.2],
            ),
        ];
        for (i, name) in ["upper_arm", "forearm", "hand"].into_iter().enumerate() {
            let half = [0.5 * LINKS[i], LINK_HALF_WIDTH, LINK_HALF_WIDTH];
            bodies.push(self.world.snap(self.links[i], name, Shape::Cuboid { half }, [0.2, 0.4, 0.8]));
        }
        // The finger: a vertical capsule from the hand's end down to the fingertip.
        let tip = self.tip();
        let q = self.world.body(self.links[2]).rotation();
        let half_height = 0.5 * (ARM_Z - TIP_Z);
        bodies.push(Body {
            name: "finger",
            shape: Shape::Capsule { half_height, radius: TIP_RADIUS },
            position: [tip.x, tip.y, tip.z + half_height],
            rotation: [q.w, q.x, q.y, q.z],
            color: [0.9, 0.7, 0.2],
        });
        Snapshot { bodies }
    }
}

pub(crate) fn register(r: &mut Vec<Registration>) {
    r.push(Registration::new(&SPEC, || Box::new(TimeLimited::new(Pusher::new()))));
}
