//! Physics sanity for `ant-v0`: a world that runs is not enough; it must be right.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rewardsmith_envs::ant::{
    ANKLE_LIMITS, Ant, DENSITY, GEAR, HEALTHY_Z, HIP_LIMITS, JOINT_DAMPING, LEG_RADIUS, LOWER_LENGTH, STAND_ANKLE,
    START_Z,
};
use rewardsmith_envs::world::GRAVITY;
use rewardsmith_envs::{Env, Shape, Task, make};
use rewardsmith_guest::Layout;
use rewardsmith_guest::envs::ant::State;

/// Seconds per step.
const DT: f32 = 0.05;
/// Physics steps per step (10 ms each).
const PHYSICS_STEPS: u32 = 5;

const STATE_LEN: usize = State::LEN;

const PI: f32 = std::f32::consts::PI;

/// An ant driven through the task directly: no time limit, no termination, a precise start.
struct Run {
    ant: Ant,
    state: Vec<f32>,
    steps: u32,
}

impl Run {
    /// Torso at rest at the start height; joint angles and velocities as given.
    fn posed(joint_pos: [f32; 8], joint_vel: [f32; 8]) -> Run {
        Run::from(Ant::posed(joint_pos, joint_vel))
    }

    /// The start pose without noise: hips 0, ankles at [`STAND_ANKLE`], all at rest.
    fn standing() -> Run {
        Run::posed(pose(0.0, STAND_ANKLE), [0.0; 8])
    }

    fn from(ant: Ant) -> Run {
        let mut state = vec![0.0; STATE_LEN];
        ant.write_state(0.0, &[0.0; 8], &mut state);
        Run { ant, state, steps: 0 }
    }

    fn step(&mut self, action: [f32; 8]) -> State {
        self.ant.advance(&action);
        self.steps += 1;
        self.ant.write_state(self.steps as f32 * DT, &action, &mut self.state);
        *self.now()
    }

    fn now(&self) -> &State {
        State::from_slice(&self.state)
    }

    /// The whole robot's centre of mass, from the render snapshot: every drawn part is a
    /// ball or capsule of density [`DENSITY`], the torso's fixed stubs included, so this is
    /// exactly the simulated mass distribution.
    fn centre_of_mass(&self) -> [f32; 3] {
        let (mut m, mut c) = (0.0, [0.0f32; 3]);
        for b in self.ant.snapshot().bodies {
            let volume = match b.shape {
                Shape::Ball { radius } => 4.0 / 3.0 * PI * radius.powi(3),
                Shape::Capsule { half_height, radius } => {
                    PI * radius * radius * 2.0 * half_height + 4.0 / 3.0 * PI * radius.powi(3)
                }
                other => panic!("unexpected shape {other:?}"),
            };
            let mass = DENSITY * volume;
            m += mass;
            for i in 0..3 {
                c[i] += mass * b.position[i];
            }
        }
        c.map(|v| v / m)
    }

    /// Height of the lowest point of any part of the robot (negative: below the ground).
    fn lowest_point(&self) -> f32 {
        self.ant
            .snapshot()
            .bodies
            .iter()
            .map(|b| match b.shape {
                Shape::Ball { radius } => b.position[2] - radius,
                Shape::Capsule { half_height, radius } => {
                    // World z of the capsule's axis (its local z): the rotation matrix's [2][2].
                    let [_, x, y, _] = b.rotation;
                    b.position[2] - half_height * (1.0 - 2.0 * (x * x + y * y)).abs() - radius
                }
                other => panic!("unexpected shape {other:?}"),
            })
            .fold(f32::INFINITY, f32::min)
    }
}

/// Joint angles with every hip at `hip` and every ankle at `ankle`.
fn pose(hip: f32, ankle: f32) -> [f32; 8] {
    [hip, ankle, hip, ankle, hip, ankle, hip, ankle]
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn horizontal_distance(a: &State, b: &State) -> f32 {
    norm(&[a.torso_pos[0] - b.torso_pos[0], a.torso_pos[1] - b.torso_pos[1]])
}

/// Torso height of an ant resting on its four feet with every ankle on its 30° limit: the
/// lower leg's far end is L·sin 30° below the ankle (which is at torso-centre height, the
/// hip and ankle axes being horizontal there), plus the capsule radius.
fn rest_height() -> f32 {
    LOWER_LENGTH * ANKLE_LIMITS[0].sin() + LEG_RADIUS
}

#[test]
fn the_ant_falls_freely_until_its_feet_land() {
    // From rest at 0.75 m the feet are ~0.34 m above the ground: the first four steps
    // (0.2 s, 0.2 m of fall) are free fall. rapier integrates semi-implicit Euler in 10 ms
    // physics steps: the velocity is exact, v = −g·t, and after k physics steps the drop is
    // g·h²·k(k+1)/2 (the continuous g·t²/2 plus g·h·t/2).
    let mut run = Run::standing();
    let h = DT / PHYSICS_STEPS as f32;
    for n in 1..=4u32 {
        let s = run.step([0.0; 8]);
        let t = n as f32 * DT;
        let k = (n * PHYSICS_STEPS) as f32;
        let (vz, drop) = (s.torso_vel[2], START_Z - s.torso_pos[2]);
        assert!((vz + GRAVITY * t).abs() < 1e-4, "step {n}: vz {vz} m/s, free fall gives {}", -GRAVITY * t);
        let euler = GRAVITY * h * h * k * (k + 1.0) / 2.0;
        assert!((drop - euler).abs() < 1e-4, "step {n}: dropped {drop} m, semi-implicit Euler gives {euler}");
        assert!(
            (drop - GRAVITY * t * t / 2.0).abs() < 0.011,
            "step {n}: dropped {drop} m, g·t²/2 = {}",
            GRAVITY * t * t / 2.0
        );
        assert!(norm(&s.torso_vel[..2]) < 1e-6 && norm(&s.torso_ang_vel) < 1e-5, "a symmetric drop drifts: {s:?}");
        assert_eq!(s.foot_contact, [0.0; 4], "step {n}: feet touch the ground mid-air");
    }
}

#[test]
fn motors_drive_the_joints_through_armature_and_damping() {
    // Mid-air, a full torque on a joint from rest: the armature (1 kg·m²) dwarfs the leg's
    // own inertia, so J·ω̇ = τ − c·ω with J ≈ 1, c = 1. rapier's implicit damping over five
    // 10 ms steps gives ω = (τ/c)·(1 − (1 + c·h/J)^−5) = 7.28 rad/s (the continuous solution
    // is 7.31); the leg's own inertia may take a few per cent off.
    let h = DT / PHYSICS_STEPS as f32;
    let expected = GEAR / JOINT_DAMPING * (1.0 - (1.0 + JOINT_DAMPING * h).powi(-(PHYSICS_STEPS as i32)));
    for (what, first) in [("hip", 0), ("ankle", 1)] {
        let mut action = [0.0; 8];
        for k in 0..4 {
            action[2 * k + first] = 1.0;
        }
        let mut run = Run::standing();
        let s = run.step(action);
        for k in 0..4 {
            let (driven, other) = (s.joint_vel[2 * k + first], s.joint_vel[2 * k + 1 - first]);
            assert!((driven - expected).abs() < 0.03 * expected, "leg {k} {what}: {driven} rad/s, expected {expected}");
            assert!(other.abs() < 0.05, "leg {k}: driving the {what} moved the other joint at {other} rad/s");
        }
    }
    // The hips' reaction turns the torso the other way (no net torque on the robot); the
    // legs are heavier about the vertical than the torso, so it turns fast.
    let mut run = Run::standing();
    let w = run.step(pose(1.0, 0.0)).torso_ang_vel[2];
    assert!(w < -1.0 && w > -expected, "torso yaw rate {w} rad/s while the hips turn at +{expected}");
}

#[test]
fn internal_torques_leave_momentum_alone() {
    // Mid-air, motor torques are internal: the centre of mass keeps falling straight down
    // at g whatever the legs do, and the total angular momentum stays zero.
    let mut run = Run::standing();
    let c0 = run.centre_of_mass();
    // One leg swings alone for 0.1 s: the torso is pushed sideways, the centre of mass is not.
    for _ in 0..2 {
        run.step([1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }
    let c = run.centre_of_mass();
    let torso_moved = run.now().torso_pos[0].hypot(run.now().torso_pos[1]);
    let com_moved = (c[0] - c0[0]).hypot(c[1] - c0[1]);
    assert!(torso_moved > 0.01, "a swinging leg should push the torso: it moved {torso_moved} m");
    // Exactly zero in continuous time; the 10 ms steps (first-order integration of a leg
    // turning at ~7 rad/s) let it slip by ~6% of the torso's motion (under 1% at 1 ms).
    assert!(
        com_moved < 0.1 * torso_moved,
        "the centre of mass moved {com_moved} m sideways ({c0:?} -> {c:?}), the torso {torso_moved} m"
    );
    let t = 2.0 * DT;
    let (h, k) = (DT / PHYSICS_STEPS as f32, (2 * PHYSICS_STEPS) as f32);
    let drop = c0[2] - c[2];
    let euler = GRAVITY * h * h * k * (k + 1.0) / 2.0;
    assert!((drop - euler).abs() < 1e-3, "centre of mass dropped {drop} m in {t} s, free fall {euler}");

    // All four hips turn the legs counter-clockwise until they hit their +30° limits; the
    // torso turns back meanwhile. Once every hip is stopped, the robot's angular momentum
    // is zero again only if the motor torques were equal and opposite pairs.
    let mut run = Run::standing();
    let pushing = run.step(pose(1.0, 0.0)).torso_ang_vel[2];
    run.step(pose(1.0, 0.0));
    let s = run.step([0.0; 8]);
    for k in 0..4 {
        let hip = s.joint_pos[2 * k];
        assert!(
            (hip - HIP_LIMITS[1]).abs() < 0.05,
            "leg {k}: hip at {hip} rad, expected on its limit {}",
            HIP_LIMITS[1]
        );
    }
    let after = s.torso_ang_vel[2];
    assert!(
        pushing < -1.0 && after.abs() < 0.1,
        "torso yaw rate {pushing} rad/s while pushing, {after} once the hips stop"
    );
    assert_eq!(s.foot_contact, [0.0; 4], "still in the air");
}

#[test]
fn with_zero_torques_the_ant_settles_on_its_ankle_limits_and_stays() {
    let check_rest = |what: &str, start: &State, settled: &State, end: &State| {
        let z = end.torso_pos[2];
        assert!(
            (z - rest_height()).abs() < 0.003,
            "{what}: rests at z = {z} m, expected {} (ankles on 30° limits)",
            rest_height()
        );
        for k in 0..4 {
            let ankle = end.joint_pos[2 * k + 1];
            assert!(
                (ankle - ANKLE_LIMITS[0]).abs() < 0.01,
                "{what}: leg {k} ankle at {ankle} rad, expected its limit {}",
                ANKLE_LIMITS[0]
            );
        }
        assert!(end.upright > 0.999, "{what}: upright {} at rest", end.upright);
        assert_eq!(end.foot_contact, [1.0; 4], "{what}: all four feet on the ground");
        assert!(
            norm(&end.torso_vel) < 0.02 && norm(&end.torso_ang_vel) < 0.05,
            "{what}: still moving at rest: {end:?}"
        );
        assert!(norm(&end.joint_vel) < 0.05, "{what}: joints still moving: {:?}", end.joint_vel);
        // Landing on uneven legs shifts it a few cm (MuJoCo's Ant-v5 slides 11–49 cm in
        // the same test); after that it must not wander.
        let (landing, creep) = (horizontal_distance(settled, start), horizontal_distance(end, settled));
        assert!(landing < 0.15, "{what}: moved {landing} m while landing");
        assert!(creep < 0.02, "{what}: crept {creep} m between steps 100 and 1000 with zero torques");
    };

    // A symmetric drop: every leg the same.
    let mut run = Run::standing();
    let start = *run.now();
    let mut settled = State::default();
    for i in 1..=1000 {
        let s = run.step([0.0; 8]);
        assert!(s.as_slice().iter().all(|v| v.is_finite()), "step {i}: {s:?}");
        assert!(s.torso_pos[2] > 0.3 && s.upright > 0.99, "step {i}: fell over with zero torques: {s:?}");
        if i == 100 {
            settled = s;
        }
    }
    check_rest("symmetric start", &start, &settled, run.now());

    // Drawn starts, through the public env: no episode ends.
    for seed in 0..4 {
        let mut env = make("ant").unwrap();
        env.reset(seed);
        let start = *State::from_slice(env.state());
        let mut settled = State::default();
        for i in 1..=1000 {
            let step = env.step(&[0.0; 8]).unwrap();
            assert!(!step.terminated, "seed {seed}: terminated at step {i} with zero torques: {:?}", env.state());
            if i == 100 {
                settled = *State::from_slice(env.state());
            }
        }
        check_rest(&format!("seed {seed}"), &start, &settled, State::from_slice(env.state()));
    }
}

#[test]
fn random_torques_for_a_whole_episode_stay_bounded() {
    // 1000 steps of uniform random torques with no termination (the ant bounces, may land
    // on its back and flail there): nothing explodes, tunnels or leaves its joint range.
    // MuJoCo's Ant-v5 under random actions peaks at about 4.4 m/s, 10 rad/s of torso spin,
    // 18 rad/s at the joints, 0.17 rad past a limit and 3 cm into the ground.
    for seed in 0..3 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut ant = Ant::new();
        ant.reset(&mut rng);
        let mut run = Run::from(ant);
        let (mut speed, mut spin, mut joint_speed, mut past_limit, mut sunk, mut high) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for i in 1..=1000 {
            let action: [f32; 8] = std::array::from_fn(|_| rng.random_range(-1.0..=1.0));
            let s = run.step(action);
            assert!(s.as_slice().iter().all(|v| v.is_finite()), "seed {seed} step {i}: {s:?}");
            speed = speed.max(norm(&s.torso_vel));
            spin = spin.max(norm(&s.torso_ang_vel));
            joint_speed = joint_speed.max(s.joint_vel.iter().fold(0.0, |m, v| m.max(v.abs())));
            for j in 0..8 {
                let [lo, hi] = if j % 2 == 0 { HIP_LIMITS } else { ANKLE_LIMITS };
                past_limit = past_limit.max(lo - s.joint_pos[j]).max(s.joint_pos[j] - hi);
            }
            sunk = sunk.max(-run.lowest_point());
            high = high.max(s.torso_pos[2]);
        }
        let report = format!(
            "seed {seed}: speed {speed} m/s, spin {spin} rad/s, joints {joint_speed} rad/s, {past_limit} rad past a limit, {sunk} m into the ground, torso up to {high} m"
        );
        assert!(speed < 10.0 && spin < 30.0 && joint_speed < 40.0, "{report}");
        assert!(past_limit < 0.3 && sunk < 0.08 && high < 2.5, "{report}");
    }
}

/// Drives the ant with a 1 Hz trot for `steps` steps: PD control of each joint towards a
/// sinusoid of the episode's time, diagonal legs in phase. In stance (first half-period)
/// the ankle presses the foot down and the hip sweeps it backwards (`direction` = 1) or
/// forwards (−1); in swing the ankle lifts the foot and the hip brings it back.
fn trot(env: &mut dyn Env, direction: f32, steps: u32) {
    // Positive hip angles move the front-left and back-left feet backwards (−x), the
    // right feet forwards.
    let backwards = [1.0f32, -1.0, 1.0, -1.0];
    let phase = [0.0, PI, PI, 0.0];
    for _ in 0..steps {
        let s = *State::from_slice(env.state());
        let mut action = [0.0f32; 8];
        for k in 0..4 {
            let theta = 2.0 * PI * env.elapsed_steps() as f32 * DT + phase[k];
            let hip = -direction * backwards[k] * 0.45 * theta.cos();
            let ankle = 0.85 + 0.3 * theta.sin();
            let (j_hip, j_ankle) = (2 * k, 2 * k + 1);
            action[j_hip] = (hip - s.joint_pos[j_hip] - 0.1 * s.joint_vel[j_hip]).clamp(-1.0, 1.0);
            action[j_ankle] = (ankle - s.joint_pos[j_ankle] - 0.1 * s.joint_vel[j_ankle]).clamp(-1.0, 1.0);
        }
        let step = env.step(&action).unwrap();
        assert!(!step.terminated, "the trot fell at step {}: {s:?}", env.elapsed_steps());
    }
}

#[test]
fn a_trot_walks_forward_and_reversed_walks_back() {
    // Walking needs the feet to grip (friction), the ankles to lift the swinging feet and the
    // hips to sweep the planted ones: a 1 Hz trot covers about 10.5 m in 20 s either way.
    for seed in 0..2 {
        for direction in [1.0f32, -1.0] {
            let mut env = make("ant").unwrap();
            env.reset(seed);
            trot(env.as_mut(), direction, 400);
            let [x, y, _] = State::from_slice(env.state()).torso_pos;
            assert!(
                x * direction > 8.0 && y.abs() < 2.0,
                "seed {seed}, direction {direction}: walked to ({x}, {y}) in 20 s"
            );
            assert!((env.fitness() - x).abs() < 1e-6, "fitness {} is not the progress {x}", env.fitness());
        }
    }
}

#[test]
fn feet_report_ground_contact() {
    // Mid-air at the start, all four down once landed, and a trot lifts each foot in turn.
    let mut env = make("ant").unwrap();
    env.reset(5);
    assert_eq!(State::from_slice(env.state()).foot_contact, [0.0; 4], "feet in contact at the start, 0.3 m up");
    for _ in 0..100 {
        env.step(&[0.0; 8]).unwrap();
    }
    assert_eq!(
        State::from_slice(env.state()).foot_contact,
        [1.0; 4],
        "feet not in contact after settling: {:?}",
        env.state()
    );
    let mut seen = [[false; 2]; 4];
    for _ in 0..40 {
        trot(env.as_mut(), 1.0, 1);
        for k in 0..4 {
            seen[k][State::from_slice(env.state()).foot_contact[k] as usize] = true;
        }
    }
    assert_eq!(seen, [[true; 2]; 4], "over two trot cycles each foot should be both up and down ([up, down] seen)");
}

#[test]
fn episodes_end_exactly_as_the_healthy_range_says() {
    let ant = Ant::new();
    let mut s = State::default();
    ant.write_state(0.0, &[0.0; 8], s.as_mut_slice());
    for (z, upright, ends) in [
        (0.5, 1.0, false),
        (0.2, 1.0, false),
        (1.0, 1.0, false),
        (0.19, 1.0, true),
        (1.01, 1.0, true),
        (0.5, 0.0, false),
        (0.5, -0.01, true),
        (f32::NAN, 1.0, true),
    ] {
        s.torso_pos[2] = z;
        s.upright = upright;
        assert_eq!(ant.terminated(s.as_slice()), ends, "z {z}, upright {upright}");
    }
    // Random torques: every episode that ends early ends on the first unhealthy state.
    let mut env = make("ant").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let healthy = |s: &[f32]| {
        let s = State::from_slice(s);
        (HEALTHY_Z[0]..=HEALTHY_Z[1]).contains(&s.torso_pos[2]) && s.upright >= 0.0
    };
    for seed in 0..5 {
        env.reset(seed);
        loop {
            let before = env.state().to_vec();
            let action: Vec<f32> = (0..8).map(|_| rng.random_range(-1.0..=1.0)).collect();
            let step = env.step(&action).unwrap();
            assert!(healthy(&before), "seed {seed}: stepped from an unhealthy state");
            assert_eq!(step.terminated, !healthy(env.state()), "seed {seed}: state {:?}", env.state());
            if step.terminated || step.truncated {
                break;
            }
        }
    }
}

#[test]
fn state_bookkeeping_matches_the_sdk_layout() {
    let mut env = make("ant").unwrap();
    let obs = env.reset(3);
    assert_eq!((env.state().len(), obs.len()), (STATE_LEN, 27));
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for n in 1..=30 {
        // Out-of-range components are clipped to the action space before the motors see them.
        let action: Vec<f32> = (0..8).map(|_| rng.random_range(-1.5..=1.5)).collect();
        let step = env.step(&action).unwrap();
        let s = State::from_slice(env.state());
        assert_eq!(s.time, n as f32 * DT, "time after {n} steps");
        let clipped: Vec<f32> = action.iter().map(|a| a.clamp(-1.0, 1.0)).collect();
        assert_eq!(s.prev_action.as_slice(), clipped.as_slice(), "prev_action");
        assert_eq!(env.sdk_action(), clipped.as_slice(), "SDK action = torque fractions");
        let q = &s.torso_quat;
        assert!((norm(q) - 1.0).abs() < 1e-5, "quaternion {q:?} is not a unit");
        let up = 1.0 - 2.0 * (q[1] * q[1] + q[2] * q[2]);
        assert!((s.upright - up).abs() < 1e-5, "upright {} vs {up} from the quaternion", s.upright);
        let expected_obs: Vec<f32> =
            [&s.torso_pos[2..], q, &s.joint_pos, &s.torso_vel, &s.torso_ang_vel, &s.joint_vel].concat();
        assert_eq!(
            step.obs, expected_obs,
            "observation = [z, quaternion, joint angles, torso velocities, joint velocities]"
        );
        if step.terminated {
            break;
        }
    }
}

#[test]
fn same_seed_and_actions_give_the_same_bits() {
    let trace = |seed: u64| {
        let mut env = make("ant").unwrap();
        let mut bits: Vec<u32> = env.reset(seed).iter().map(|v| v.to_bits()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        for _ in 0..200 {
            let action: Vec<f32> = (0..8).map(|_| rng.random_range(-1.0..=1.0)).collect();
            let step = env.step(&action).unwrap();
            bits.extend(env.state().iter().chain(&step.obs).map(|v| v.to_bits()));
            if step.terminated || step.truncated {
                env.reset(seed + 1);
            }
        }
        bits
    };
    let (a, b) = (trace(4), trace(4));
    let first_difference = a.iter().zip(&b).position(|(x, y)| x != y);
    assert_eq!(first_difference, None, "two runs with seed 4 differ");
    assert_ne!(trace(4)[..27], trace(5)[..27], "seeds 4 and 5 start alike");
}
