//! Physics sanity for `pendulum-v0`: a world that runs is not enough; it must be right.

use std::f32::consts::PI;

use rewardsmith_envs::pendulum::{HINGE_INERTIA, LENGTH, MASS, MAX_SPEED, Pendulum};
use rewardsmith_envs::world::GRAVITY;
use rewardsmith_envs::{Task, make};

const DT: f32 = 0.05;

/// States (`[angle, ang_vel, tip_x, tip_z, time]`) of a pendulum released at `angle`,
/// `ang_vel` and driven by `torque(step, state)` N·m for `steps` steps.
fn run(angle: f32, ang_vel: f32, steps: u32, torque: impl Fn(u32, &[f32]) -> f32) -> Vec<[f32; 5]> {
    let mut p = Pendulum::released_at(angle, ang_vel);
    let mut s = [0.0; 5];
    p.write_state(0.0, &[], &mut s);
    let mut states = vec![s];
    for i in 0..steps {
        p.advance(&[torque(i, &s)]);
        p.write_state((i + 1) as f32 * DT, &[], &mut s);
        states.push(s);
    }
    states
}

/// Kinetic plus potential energy (zero of potential at the hinge height), J.
fn energy(s: &[f32; 5]) -> f32 {
    0.5 * HINGE_INERTIA * s[1] * s[1] + MASS * GRAVITY * LENGTH / 2.0 * s[0].cos()
}

#[test]
fn small_oscillations_have_the_uniform_rod_period() {
    // Released 0.05 rad from hanging: the period of a uniform rod on a hinge at one end is
    // 2π·√(2L/3g) = 1.638 s (a point mass at the tip would give 2.006 s).
    let states = run(PI - 0.05, 0.0, 400, |_, _| 0.0);
    // Upward zero crossings of the angular velocity, linearly interpolated between steps.
    let crossings: Vec<f32> = states
        .windows(2)
        .filter(|w| w[0][1] < 0.0 && w[1][1] >= 0.0)
        .map(|w| w[0][4] + DT * (-w[0][1]) / (w[1][1] - w[0][1]))
        .collect();
    assert!(crossings.len() >= 10, "only {} oscillations in 20 s", crossings.len());
    let measured = (crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f32;
    let theory = 2.0 * PI * (2.0 * LENGTH / (3.0 * GRAVITY)).sqrt();
    let err = (measured - theory).abs() / theory;
    assert!(err < 0.01, "period {measured:.4} s, theory {theory:.4} s ({:.2}% off)", err * 100.0);
}

#[test]
fn a_passive_swing_keeps_its_energy() {
    // Released at rest 1 rad from upright (a large swing, below the speed limit): no
    // friction, no damping, so energy must neither grow nor leak over 50 s.
    let states = run(1.0, 0.0, 1000, |_, _| 0.0);
    let e0 = energy(&states[0]);
    let swing = MASS * GRAVITY * LENGTH; // potential difference top to bottom, J
    let worst = states.iter().map(|s| (energy(s) - e0).abs()).fold(0.0, f32::max);
    // The integrator (symplectic Euler, 12.5 ms substeps) makes the energy read at each step
    // wobble within a swing by ~1.5% of m·g·L; it must not exceed 2%...
    assert!(worst < 0.02 * swing, "energy strayed by {worst:.4} J of a {swing:.2} J swing (start {e0:.4} J)");
    // ...nor creep: averaged over the first and the last 10 s (several swings), it agrees
    // to 0.3% of m·g·L.
    let mean = |s: &[[f32; 5]]| s.iter().map(energy).sum::<f32>() / s.len() as f32;
    let (first, last) = (mean(&states[..200]), mean(&states[states.len() - 200..]));
    assert!((last - first).abs() < 0.003 * swing, "mean energy drifted from {first:.4} J to {last:.4} J over 40 s");
    // The swing reaches back to the release angle on the far side (mirror image).
    // (Wrapped angles: from +1 it passes ±π at the bottom and turns back near −1.)
    let far = states.iter().map(|s| s[0]).filter(|a| *a < 0.0).fold(-PI, f32::max);
    assert!((far + 1.0).abs() < 0.03, "swings out to {far:.4} rad, expected −1");
    assert!(states.iter().all(|s| s[1].abs() < MAX_SPEED), "the passive swing never needs the speed limit");
}

#[test]
fn torque_accelerates_as_newton_says() {
    // Hanging at rest, gravity's torque is zero: θ̈ = τ/I = 2 / (1/3) = 6 rad/s², positive.
    let states = run(PI, 0.0, 1, |_, _| 2.0);
    let accel = (states[1][1] - states[0][1]) / DT;
    // Over one step the pole leaves the bottom and gravity starts pulling back a little.
    assert!((accel - 6.0).abs() < 0.2, "angular acceleration {accel:.3} rad/s², expected ≈ 6");
    // A positive torque turns the pole about +y, so the angle grows past π: wrapped, it is
    // just above −π.
    assert!(states[1][0] < -3.0 && states[1][0] > -PI, "angle {} after a positive push from hanging", states[1][0]);
}

#[test]
fn a_constant_torque_settles_where_gravity_balances_it() {
    // τ = m·g·(L/2)·sin φ, φ measured from hanging: φ = asin(1 / 4.905) = 0.205 rad. With no
    // damping the pole oscillates about that angle; its average over whole swings is φ.
    let states = run(PI, 0.0, 400, |_, _| 1.0);
    let phi: Vec<f32> = states.iter().map(|s| PI - s[0].abs()).collect();
    let mean = phi.iter().sum::<f32>() / phi.len() as f32;
    let expected = (1.0 / (MASS * GRAVITY * LENGTH / 2.0)).asin();
    assert!((mean - expected).abs() < 0.02, "mean deflection {mean:.4} rad, expected {expected:.4}");
}

#[test]
fn pumping_energy_swings_it_up_and_the_speed_limit_holds() {
    // Bang-bang pumping (torque along the motion) swings the pole over the top, and keeps
    // accelerating it until the 8 rad/s clamp.
    let states = run(PI, 0.0, 200, |_, s| if s[1] >= 0.0 { 2.0 } else { -2.0 });
    let top = states.iter().map(|s| s[1].abs()).fold(0.0, f32::max);
    assert_eq!(top, MAX_SPEED, "fastest |θ̇| {top}: the clamp should be reached and never passed");
    assert!(states.iter().any(|s| s[0].abs() < 0.1), "never passed near upright");
}

#[test]
fn the_tip_is_where_the_angle_says() {
    let states = run(0.3, 2.0, 100, |i, _| if i % 7 < 3 { 2.0 } else { -1.0 });
    for s in &states {
        let (x, z) = (LENGTH * s[0].sin(), LENGTH * s[0].cos());
        assert!(
            (s[2] - x).abs() < 1e-4 && (s[3] - z).abs() < 1e-4,
            "tip {:?}, expected [{x}, {z}] at angle {}",
            &s[2..4],
            s[0]
        );
        assert!((-PI..PI).contains(&s[0]), "angle {} not wrapped", s[0]);
    }
}

#[test]
fn the_env_maps_actions_observes_and_truncates() {
    let mut env = make("pendulum").unwrap();
    let obs = env.reset(7);
    let s = env.state().to_vec();
    assert!((-PI..PI).contains(&s[0]) && s[1].abs() <= 1.0, "start {s:?}");
    let expected = [s[0].cos(), s[0].sin(), s[1]];
    assert!(obs.iter().zip(&expected).all(|(o, e)| (o - e).abs() < 1e-6), "observation {obs:?}, expected {expected:?}");
    let step = env.step(&[-0.25]).unwrap();
    assert_eq!(env.sdk_action(), &[-0.5], "action −0.25 is −0.5 N·m");
    assert_eq!(env.state()[4], DT);
    let mut last = step;
    for _ in 1..200 {
        assert!(!last.terminated && !last.truncated);
        last = env.step(&[2.0]).unwrap(); // clipped to 1
    }
    assert!(last.truncated && !last.terminated, "truncated after 200 steps");
    assert_eq!(env.sdk_action(), &[2.0]);
}

#[test]
fn same_seed_and_actions_give_bit_identical_states() {
    let trace = |seed: u64| {
        let mut env = make("pendulum").unwrap();
        env.reset(seed);
        let mut bits: Vec<u32> = env.state().iter().map(|v| v.to_bits()).collect();
        for i in 0..200 {
            let a = ((i * 37 % 19) as f32 / 9.0) - 1.0;
            env.step(&[a]).unwrap();
            bits.extend(env.state().iter().map(|v| v.to_bits()));
        }
        bits
    };
    assert_eq!(trace(11), trace(11));
    assert_ne!(trace(11), trace(12), "different seeds start differently");
}

#[test]
fn an_energy_pumping_controller_reaches_the_solved_bar() {
    // Pump energy towards that of resting upright, then catch the pole with a PD law: the
    // 0.6 bar (120 of 200 steps upright) is reachable from every start with 2 N·m.
    let top = MASS * GRAVITY * LENGTH / 2.0;
    let mut env = make("pendulum").unwrap();
    for seed in 0..20 {
        env.reset(seed);
        let mut fitness = 0.0;
        for _ in 0..200 {
            let s = env.state();
            let (angle, ang_vel) = (s[0], s[1]);
            let e = 0.5 * HINGE_INERTIA * ang_vel * ang_vel + top * angle.cos();
            let torque = if angle.abs() < 0.6 {
                -(20.0 * angle + 5.0 * ang_vel)
            } else if e < top {
                2.0 * if ang_vel >= 0.0 { 1.0 } else { -1.0 }
            } else {
                -2.0 * ang_vel.signum()
            };
            fitness = env.step(&[(torque / 2.0).clamp(-1.0, 1.0)]).unwrap().fitness;
        }
        assert!(fitness >= 0.6, "seed {seed}: fitness {fitness}, final state {:?}", env.state());
    }
}
