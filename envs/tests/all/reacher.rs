//! Physics sanity for `reacher-v0`: a world that runs is not enough; it must be right.

use rewardsmith_envs::reacher::{ARMATURE, DAMPING, ELBOW_LIMIT, FOREARM, MAX_TORQUE, Reacher, UPPER};
use rewardsmith_envs::{Task, make};

const DT: f32 = 0.02;
const STATE_LEN: usize = 17;

/// States of an arm started at `pos`, `vel` (target at [0.1, 0.1]) and driven by
/// `action(step)` (fractions of the motor limit) for `steps` steps.
fn run(pos: [f32; 2], vel: [f32; 2], steps: u32, action: impl Fn(u32) -> [f32; 2]) -> (Reacher, Vec<[f32; STATE_LEN]>) {
    let mut arm = Reacher::at(pos, vel, [0.1, 0.1]);
    let mut s = [0.0; STATE_LEN];
    arm.write_state(0.0, &[0.0; 2], &mut s);
    let mut states = vec![s];
    for i in 0..steps {
        let a = action(i);
        arm.advance(&a);
        arm.write_state((i + 1) as f32 * DT, &a, &mut s);
        states.push(s);
    }
    (arm, states)
}

/// The fingertip by forward kinematics of the joint angles, [x, y].
fn forward_kinematics(q: &[f32]) -> [f32; 2] {
    let (a, b) = (q[0], q[0] + q[1]);
    [UPPER * a.cos() + FOREARM * b.cos(), UPPER * a.sin() + FOREARM * b.sin()]
}

#[test]
fn without_torque_the_arm_stays_put() {
    // Gravity pulls across the plane of motion; the joints must hold it without any creep.
    let (arm, states) = run([0.7, -1.2], [0.0; 2], 500, |_| [0.0; 2]);
    let s0 = states[0];
    for s in &states {
        let moved = (0..7).map(|i| (s[i] - s0[i]).abs()).fold(0.0, f32::max);
        assert!(moved < 1e-5, "after {} s: joints/fingertip {:?}, started {:?}", s[16], &s[..7], &s0[..7]);
    }
    // The drawn fingertip is the physical one (the state's z is written as 0).
    let tip = arm.snapshot().bodies.iter().find(|b| b.name == "fingertip").unwrap().position;
    assert!(tip[2].abs() < 1e-5, "fingertip sagged to z = {}", tip[2]);
}

#[test]
fn a_shoulder_torque_spins_the_arm_as_the_motor_model_says() {
    // Half torque (100 N·m) on the shoulder from rest, arm straight. The arm's ~0.001 kg·m²
    // is small beside the 1 kg·m² armature, so ω(t) ≈ (τ/c)(1 − e^(−c·t/I)) and
    // θ(t) ≈ (τ/c)(t − (I/c)(1 − e^(−c·t/I))), I = armature, c = damping.
    let (_, states) = run([0.0; 2], [0.0; 2], 10, |_| [0.5, 0.0]);
    let (tau, t, i, c) = (0.5 * MAX_TORQUE, 10.0 * DT, ARMATURE, DAMPING);
    let decay = 1.0 - (-c * t / i).exp();
    let (omega, theta) = (tau / c * decay, tau / c * (t - i / c * decay));
    let s = states[10];
    assert!((s[2] - omega).abs() < 0.02 * omega, "shoulder speed {} rad/s, expected {omega:.3}", s[2]);
    // rapier integrates semi-implicitly (velocity first, then position with the new
    // velocity) in 10 ms substeps, so the angle runs ahead of the exact one by about half a
    // substep of motion (≈ 0.09 rad here, 4%).
    assert!((s[0] - theta).abs() < 0.06 * theta, "shoulder angle {} rad, expected {theta:.3}", s[0]);
    // Against that same scheme, with the damping implicit as rapier makes it, the match is
    // close: what is left is the links' own inertia.
    let h = DT / 2.0;
    let (mut v, mut q) = (0.0f32, 0.0f32);
    for _ in 0..20 {
        v = (v + h * tau / i) / (1.0 + h * c / i);
        q += h * v;
    }
    assert!(
        (s[2] - v).abs() < 0.005 * v && (s[0] - q).abs() < 0.005 * q,
        "shoulder [{}, {}], semi-implicit Euler [{v}, {q}]",
        s[0],
        s[2]
    );
    // Counter-clockwise seen from +z: the fingertip, which started on +x, swings to +y.
    assert!(states[1][5] > 0.0 && states[1][2] > 0.0, "first step: fingertip y {}, ω {}", states[1][5], states[1][2]);
    // The elbow, unpowered, is only dragged by the links' small inertia coupling.
    assert!(s[3].abs() < 0.01 * s[2], "elbow speed {} while the shoulder turns at {}", s[3], s[2]);
}

#[test]
fn an_elbow_torque_turns_the_forearm_not_the_shoulder() {
    // The elbow motor pushes the forearm and, equally and oppositely, the upper arm; the
    // shoulder feels no net torque, only the small inertia coupling.
    let (_, states) = run([0.0; 2], [0.0; 2], 5, |_| [0.0, 0.5]);
    let s = states[5];
    assert!(s[1] > 0.1, "elbow angle {} after 0.1 s of +100 N·m", s[1]);
    assert!(s[0].abs() < 0.01 * s[1], "shoulder moved {} while the elbow turned {}", s[0], s[1]);
}

#[test]
fn the_elbow_stops_at_its_limit() {
    let (_, states) = run([0.0; 2], [0.0; 2], 50, |_| [0.0, 1.0]);
    let most = states.iter().map(|s| s[1]).fold(f32::MIN, f32::max);
    assert!(most > ELBOW_LIMIT - 0.05 && most < ELBOW_LIMIT + 0.1, "elbow reached {most} rad, limit {ELBOW_LIMIT}");
    let last = states[50][1];
    assert!((last - ELBOW_LIMIT).abs() < 0.05, "held at {last} rad against the limit");
}

#[test]
fn the_fingertip_is_forward_kinematics_of_the_joints() {
    let mut env = make("reacher").unwrap();
    for seed in 0..5 {
        env.reset(seed);
        for i in 0..50u32 {
            let a = [((i * 7 + seed as u32) % 11) as f32 / 5.0 - 1.0, ((i * 3) % 7) as f32 / 3.0 - 1.0];
            env.step(&a).unwrap();
            let s = env.state();
            let [x, y] = forward_kinematics(&s[0..2]);
            assert!(
                (s[4] - x).abs() < 1e-4 && (s[5] - y).abs() < 1e-4,
                "fingertip {:?}, FK [{x}, {y}] at q {:?}",
                &s[4..6],
                &s[0..2]
            );
            let (dx, dy) = (s[7] - s[4], s[8] - s[5]);
            assert_eq!([s[10], s[11], s[12]], [dx, dy, 0.0], "to_target");
            assert!((s[13] - (dx * dx + dy * dy).sqrt()).abs() < 1e-6, "distance");
            assert_eq!(&s[14..16], &a, "prev_action is the action just applied");
        }
    }
}

#[test]
fn starts_are_seeded_and_spread_like_gymnasiums() {
    let mut env = make("reacher").unwrap();
    let mut targets = Vec::new();
    for seed in 0..200 {
        let obs = env.reset(seed);
        let s = env.state();
        assert!(
            s[0].abs() <= 0.1 && s[1].abs() <= 0.1 && s[2].abs() <= 0.005 && s[3].abs() <= 0.005,
            "start {:?}",
            &s[..4]
        );
        assert!(s[7].hypot(s[8]) < 0.2 && s[9] == 0.0, "target {:?}", &s[7..10]);
        assert_eq!(&s[14..17], &[0.0; 3], "no previous action, time 0");
        let expected =
            [s[0].cos(), s[1].cos(), s[0].sin(), s[1].sin(), s[7], s[8], s[2], s[3], s[4] - s[7], s[5] - s[8]];
        assert!(
            obs.iter().zip(&expected).all(|(o, e)| (o - e).abs() < 1e-6),
            "observation {obs:?}, expected {expected:?}"
        );
        targets.push([s[7], s[8]]);
    }
    // Uniform over the disc: a quarter of the targets in each quadrant, and about a quarter
    // (area ratio (0.1/0.2)²) within 0.1 m of the shoulder.
    let quadrant = targets.iter().filter(|t| t[0] > 0.0 && t[1] > 0.0).count();
    let inner = targets.iter().filter(|t| t[0].hypot(t[1]) < 0.1).count();
    assert!(
        (30..70).contains(&quadrant) && (30..70).contains(&inner),
        "{quadrant}/200 in +x+y, {inner}/200 within 0.1 m"
    );
}

#[test]
fn a_joint_space_controller_reaches_every_target() {
    // Inverse kinematics plus a PD law (≈15 rad/s natural frequency, critically damped)
    // must solve the task within the 50 steps: the success bar is reachable, and fitness
    // reads the last state.
    let mut env = make("reacher").unwrap();
    let wrap = |a: f32| (a + std::f32::consts::PI).rem_euclid(2.0 * std::f32::consts::PI) - std::f32::consts::PI;
    for seed in 0..20 {
        env.reset(seed);
        let s = env.state();
        let (tx, ty) = (s[7], s[8]);
        let cos_elbow = (tx * tx + ty * ty - UPPER * UPPER - FOREARM * FOREARM) / (2.0 * UPPER * FOREARM);
        let q2 = cos_elbow.clamp(-1.0, 1.0).acos().min(ELBOW_LIMIT - 0.05);
        let q1 = ty.atan2(tx) - (FOREARM * q2.sin()).atan2(UPPER + FOREARM * q2.cos());
        let mut last = None;
        for _ in 0..50 {
            let s = env.state();
            let a = [0, 1].map(|j| (1.1 * wrap([q1, q2][j] - s[j]) - 0.15 * s[2 + j]).clamp(-1.0, 1.0));
            last = Some(env.step(&a).unwrap());
        }
        let last = last.unwrap();
        assert!(last.truncated && !last.terminated, "seed {seed}: ends by truncation at 50 steps");
        assert_eq!(last.fitness, 1.0, "seed {seed}: ended {} m from the target {:?}", env.state()[13], [tx, ty]);
    }
}

#[test]
fn same_seed_and_actions_give_bit_identical_states() {
    let trace = |seed: u64| {
        let mut env = make("reacher").unwrap();
        env.reset(seed);
        let mut bits: Vec<u32> = env.state().iter().map(|v| v.to_bits()).collect();
        for i in 0..50u32 {
            let a = [((i * 37 % 19) as f32 / 9.0) - 1.0, ((i * 11 % 13) as f32 / 6.0) - 1.0];
            env.step(&a).unwrap();
            bits.extend(env.state().iter().map(|v| v.to_bits()));
        }
        bits
    };
    assert_eq!(trace(5), trace(5));
    assert_ne!(trace(5), trace(6), "different seeds start differently");
}
