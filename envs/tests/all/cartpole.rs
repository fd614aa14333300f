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

/// The classic cart-pole equations (Florian 2007; Gymnasium's CartPole): cart mass 1 kg,
/// uniform pole 0.1 kg with half-length 0.5 m, frictionless, integrated with RK4 at 0.1 ms.
/// State `[x, ẋ, θ, θ̇]`, θ positive leaning towards +x, force `f` on the cart.
fn analytic(mut s: [f64; 4], f: f64, seconds: f64) -> [f64; 4] {
    let (g, mc, mp, l) = (9.81, 1.0, 0.1, 0.5);
    let deriv = |s: [f64; 4]| {
        let (sin, cos) = s[2].sin_cos();
        let temp = (f + mp * l * s[3] * s[3] * sin) / (mc + mp);
        let theta_acc = (g * sin - cos * temp) / (l * (4.0 / 3.0 - mp * cos * cos / (mc + mp)));
        let x_acc = temp - mp * l * theta_acc * cos / (mc + mp);
        [s[1], x_acc, s[3], theta_acc]
    };
    let dt = 1e-4;
    for _ in 0..(seconds / dt).round() as usize {
        let k1 = deriv(s);
        let at = |k: [f64; 4], h: f64| std::array::from_fn::<f64, 4, _>(|i| s[i] + h * k[i]);
        let k2 = deriv(at(k1, dt / 2.0));
        let k3 = deriv(at(k2, dt / 2.0));
        let k4 = deriv(at(k3, dt));
        s = std::array::from_fn(|i| s[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]));
    }
    s
}

#[test]
fn motion_matches_the_classic_cartpole_equations() {
    // From each seeded start, 12 steps (0.24 s, before the pole leaves ±12°) of a constant
    // push; compare cart position, pole angle and angular velocity with the analytic model.
    // The env integrates at 10 ms (first order, like Gymnasium's own 20 ms Euler step), so
    // under a push it is within a few percent of the exact solution; unforced, within 0.3 %.
    // A missing joint damping or a wrong inertia was off by 0.01 rad even unforced.
    for (seed, push) in [(0, 0.0), (4, 0.0), (1, 0.5), (3, 0.2), (5, -0.3)] {
        let states = run("cartpole_continuous", seed, |_| push, 12);
        assert_eq!(states.len(), 13, "seed {seed}: the episode must last 12 steps");
        let s0 = &states[0];
        let start = [s0[0] as f64, s0[1] as f64, s0[2] as f64, s0[3] as f64];
        let (end, want) = (&states[12], analytic(start, 10.0 * push as f64, 0.24));
        let scale = if push == 0.0 { 0.1 } else { 1.0 };
        for (i, what, tol) in
            [(0, "cart_pos", 0.012 * scale), (2, "pole_angle", 0.015 * scale), (3, "pole_ang_vel", 0.02 * scale)]
        {
            let err = (end[i] as f64 - want[i]).abs();
            assert!(err < tol, "seed {seed}, push {push}: {what} {} vs analytic {} (error {err:.4})", end[i], want[i]);
        }
    }
}
