//! Physics sanity for `cartpole-v0`: a world that runs is not enough; it must be right.

use rewardsmith_envs::make;

/// Pole angle (state index 2) after `steps` of alternating pushes from the seed-`seed` start.
fn run(id: &str, seed: u64, action: impl Fn(u32) -> f32, steps: u32) -> Vec<Vec<f32>> {
    let mut env = make(id).unwrap();
    env.reset(seed);
    let mut states = vec![env.state().to_vec()];
    for i in 0..steps {
        let s = env.step(&[action(i)]).unwrap();
        states.push(env.state().to_vec());
        if s.terminated || s.truncated {
            break;
        }
    }
    states
}

#[test]
fn pole_falls_from_a_small_tilt_without_control() {
    // Continuous variant with zero force: nothing but gravity acts.
    let mut env = make("cartpole_continuous").unwrap();
    env.reset(3);
    let tilt0 = env.state()[2];
    let mut steps = 0;
    loop {
        let s = env.step(&[0.0]).unwrap();
        steps += 1;
        if s.terminated {
            break;
        }
        assert!(steps < 500, "pole never fell");
    }
    let tilt = env.state()[2];
    assert!(tilt.abs() > 0.2095 && tilt.signum() == tilt0.signum(), "fell the way it leaned: {tilt0} -> {tilt}");
    // A 1 m pole falling from ~0.03 rad takes on the order of a second, not a step.
    assert!((20..150).contains(&steps), "fell after {steps} steps");
}

#[test]
fn pushing_right_accelerates_the_cart_as_newton_says() {
    // 10 N on 1.1 kg (cart + pole), ignoring the pole's small swing: a ≈ 9.1 m/s².
    let states = run("cartpole_continuous", 0, |_| 1.0, 5);
    let (v0, v5) = (states[0][1], states[5][1]);
    let a = (v5 - v0) / (5.0 * 0.02);
    assert!((8.0..10.0).contains(&a), "acceleration {a} m/s²");
    // Pushing the cart right makes the pole lean back (towards −x): its angular velocity falls.
    assert!(states[5][3] < states[0][3]);
}

#[test]
fn time_advances_by_the_control_period() {
    let states = run("cartpole", 1, |i| (i % 2) as f32, 3);
    let times: Vec<f32> = states.iter().map(|s| s[4]).collect();
    assert_eq!(times, [0.0, 0.02, 0.04, 0.06]);
}

#[test]
fn reported_velocities_are_current_not_a_physics_step_old() {
    // Regression: multibody link bodies carry velocities one physics step old (a control
    // step is two physics steps). From near rest and upright, a pushed cart whose hinged
    // uniform pole is free to swing accelerates at F / (m_c + m_p − ¾·m_p) = 10 / 1.025 ≈
    // 9.76 m/s²; a stale reading would show about half the gain.
    for seed in 0..5 {
        let states = run("cartpole_continuous", seed, |_| 1.0, 1);
        let gained = (states[1][1] - states[0][1]) / 0.02;
        assert!((9.4..10.1).contains(&gained), "seed {seed}: Δv/Δt = {gained} m/s², expected ≈ 9.76");
    }
}
