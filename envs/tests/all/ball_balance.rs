//! Physics sanity for `ball_balance-v0`: a ball at rest stays at rest, a tilted plate rolls
//! it downhill as a rolling solid sphere should, and the plate-frame state is consistent.

use rewardsmith_envs::{Env, make};
use rewardsmith_guest::envs::ball_balance::{CENTRED_DISTANCE, PLATE_HALF, State};
use rewardsmith_guest::layout::Layout;

const DT: f32 = 0.02;
const G: f32 = 9.81;

fn env(seed: u64) -> Box<dyn Env> {
    let mut env = make("ball_balance-v0").unwrap();
    env.reset(seed);
    env
}

/// A seed whose start puts the ball on the `side` (±1) half of the plate along `axis`.
fn seed_with_ball_on(axis: usize, side: f32) -> u64 {
    (0..100).find(|&s| State::from_slice(env(s).state()).ball_pos[axis] * side > 0.1).expect("some start on that side")
}

#[test]
fn a_ball_at_rest_on_the_level_plate_stays_put_for_a_whole_episode() {
    for seed in [0, 1, 2] {
        let mut env = env(seed);
        let start = *State::from_slice(env.state());
        assert_eq!([start.plate_tilt, start.plate_tilt_vel], [[0.0; 2]; 2], "the plate starts level and still");
        assert!(start.ball_dist <= 0.3, "start within 0.3 m of the centre: {}", start.ball_dist);
        let mut steps = 0;
        loop {
            let s = env.step(&[0.0, 0.0]).unwrap();
            steps += 1;
            assert!(!s.terminated, "seed {seed}: a resting ball fell off at step {steps}");
            if s.truncated {
                break;
            }
        }
        assert_eq!(steps, 500, "truncated by the time limit");
        let end = State::from_slice(env.state());
        let drift =
            ((end.ball_pos[0] - start.ball_pos[0]).powi(2) + (end.ball_pos[1] - start.ball_pos[1]).powi(2)).sqrt();
        assert!(drift < 1e-4, "seed {seed}: the ball drifted {drift} m on a level plate (expected < 0.1 mm)");
        // It rests on the surface: half the plate's 4 cm plus the 4 cm radius above the pivot.
        assert!(
            (end.ball_pos[2] - 0.06).abs() < 2e-3,
            "seed {seed}: ball height {} m, expected 0.06 m",
            end.ball_pos[2]
        );
        let speed = (end.ball_vel[0].powi(2) + end.ball_vel[1].powi(2) + end.ball_vel[2].powi(2)).sqrt();
        assert!(speed < 1e-3, "seed {seed}: resting ball moves at {speed} m/s");
        // Centred or not, the fitness counts the steps spent within 0.1 m.
        let expected = if start.ball_dist < CENTRED_DISTANCE { 1.0 } else { 0.0 };
        assert_eq!(env.fitness(), expected, "seed {seed}: ball at {} m", start.ball_dist);
    }
}

/// Tilts the plate about `axis` (0 = x, 1 = y) at `sign`·0.5 rad/s for 16 steps (to
/// ±0.16 rad; slowly, so the ball is not tossed when the plate stops), holds it, and
/// measures the ball's acceleration in the plate frame from its velocity over 15 steps.
/// Returns (acceleration along plate x, along plate y, the tilt reached).
fn roll_on_tilted_plate(seed: u64, axis: usize, sign: f32) -> (f32, f32, f32) {
    let mut env = env(seed);
    let mut action = [0.0; 2];
    action[axis] = 0.25 * sign;
    for _ in 0..16 {
        assert!(!env.step(&action).unwrap().terminated);
    }
    let tilt = State::from_slice(env.state()).plate_tilt[axis];
    assert!((tilt - 0.16 * sign).abs() < 1e-5, "16 steps at 0.5 rad/s tilt the plate 0.16 rad, got {tilt}");
    // One step for the plate's stop to pass through the contact, then measure.
    assert!(!env.step(&[0.0, 0.0]).unwrap().terminated);
    let [vx, vy, _] = State::from_slice(env.state()).ball_vel;
    let v0 = [vx, vy];
    let hold = 15;
    for i in 0..hold {
        let s = env.step(&[0.0, 0.0]).unwrap();
        assert!(!s.terminated, "ball left the plate after {i} held steps");
        let s = State::from_slice(env.state());
        assert_eq!(s.plate_tilt_vel, [0.0, 0.0], "a held plate does not turn");
        assert_eq!(s.plate_tilt[axis], tilt, "a held plate keeps its tilt");
    }
    let [vx, vy, _] = State::from_slice(env.state()).ball_vel;
    let v1 = [vx, vy];
    let t = hold as f32 * DT;
    ((v1[0] - v0[0]) / t, (v1[1] - v0[1]) / t, tilt)
}

#[test]
fn a_tilted_plate_rolls_the_ball_downhill_at_five_sevenths_g_sin_theta() {
    // A solid sphere rolling without slipping: a = (5/7)·g·sin θ (sliding would be g·sin θ,
    // 40 % more, so the tolerance tells the two apart). Measured: within 3 %.
    let expected = |tilt: f32| 5.0 / 7.0 * G * tilt.abs().sin();
    // +tilt about y lowers the +x edge: the ball rolls to +x. Start it on the −x side.
    let (ax, ay, tilt) = roll_on_tilted_plate(seed_with_ball_on(0, -1.0), 1, 1.0);
    assert!((ax / expected(tilt) - 1.0).abs() < 0.05, "about y: a = {ax} m/s², expected {} (±5 %)", expected(tilt));
    assert!(ay.abs() < 0.02 * expected(tilt), "about y: no sideways acceleration, got {ay} m/s²");
    // +tilt about x raises the +y edge: the ball rolls to −y. Start it on the +y side.
    let (ax, ay, tilt) = roll_on_tilted_plate(seed_with_ball_on(1, 1.0), 0, 1.0);
    assert!((-ay / expected(tilt) - 1.0).abs() < 0.05, "about x: a = {ay} m/s², expected {} (±5 %)", -expected(tilt));
    assert!(ax.abs() < 0.02 * expected(tilt), "about x: no sideways acceleration, got {ax} m/s²");
    // The opposite tilt rolls it the other way.
    let (ax, _, tilt) = roll_on_tilted_plate(seed_with_ball_on(0, 1.0), 1, -1.0);
    assert!(
        (-ax / expected(tilt) - 1.0).abs() < 0.05,
        "about y, negative: a = {ax} m/s², expected {}",
        -expected(tilt)
    );
}

#[test]
fn full_rate_reaches_the_tilt_limit_and_stays_there() {
    let mut env = env(0);
    // 0.35 rad at 2 rad/s takes 8.75 steps.
    for step in 1..=12 {
        env.step(&[1.0, -1.0]).unwrap();
        let s = State::from_slice(env.state());
        let expected = (0.04 * step as f32).min(0.35);
        assert!(
            (s.plate_tilt[0] - expected).abs() < 1e-5 && (s.plate_tilt[1] + expected).abs() < 1e-5,
            "step {step}: tilt {:?}",
            s.plate_tilt
        );
        if step >= 10 {
            assert_eq!([s.plate_tilt, s.plate_tilt_vel], [[0.35, -0.35], [0.0, 0.0]], "held at the limit, not turning");
        }
    }
}

#[test]
fn the_ball_velocity_is_the_rate_of_change_of_its_plate_frame_position() {
    // Under a wobbling plate (the frame itself turns at up to 2 rad/s), ball_vel must still
    // be d(ball_pos)/dt: the mean of two velocities times the step matches the position
    // change. The match is not exact: a step change of the tilt rate changes the relative
    // velocity (−ω × r) at once while the position follows smoothly (about 7 % here).
    // Leaving out the frame's rotation would miss by about 40 %.
    let mut env = env(seed_with_ball_on(0, -1.0));
    let (mut err, mut moved, mut worst) = (0.0f32, 0.0f32, 0.0f32);
    for i in 0..40 {
        let before = *State::from_slice(env.state());
        let phase = i as f32 * 0.4;
        let s = env.step(&[phase.sin(), (0.7 * phase).cos()]).unwrap();
        assert!(!s.terminated, "step {i}");
        let after = State::from_slice(env.state());
        for k in 0..2 {
            let dpos = after.ball_pos[k] - before.ball_pos[k];
            let e = (dpos - 0.5 * (after.ball_vel[k] + before.ball_vel[k]) * DT).abs();
            err += e;
            worst = worst.max(e);
            moved += dpos.abs();
        }
    }
    assert!(moved > 0.1, "the wobble must move the ball: {moved} m in all");
    assert!(err < 0.15 * moved, "position changes differ from mean velocity·dt by {err} m over {moved} m of motion");
    assert!(worst < 2e-3, "worst step mismatch {worst} m");
}

#[test]
fn tilt_rates_follow_the_command_and_the_state_records_it() {
    let mut env = env(3);
    env.step(&[0.5, -0.25]).unwrap();
    let s = State::from_slice(env.state());
    assert_eq!(s.plate_tilt_vel, [1.0, -0.5], "rates are fractions of 2 rad/s");
    assert!((s.plate_tilt[0] - 0.02).abs() < 1e-6 && (s.plate_tilt[1] + 0.01).abs() < 1e-6, "tilts {:?}", s.plate_tilt);
    assert_eq!(s.prev_action, [0.5, -0.25]);
    assert_eq!(s.time, DT);
    // Beyond ±1 the action is clipped to the space.
    env.step(&[3.0, -3.0]).unwrap();
    assert_eq!(env.sdk_action(), [1.0, -1.0]);
}

#[test]
fn a_ball_that_rolls_off_ends_the_episode() {
    let mut env = env(seed_with_ball_on(0, 1.0));
    // Tilt towards +x for good: the ball leaves over the +x edge.
    let mut steps = 0;
    let last = loop {
        let s = env.step(&[0.0, 1.0]).unwrap();
        steps += 1;
        if s.terminated || s.truncated {
            break s;
        }
    };
    assert!(last.terminated, "the ball must fall off a fully tilted plate");
    let x = State::from_slice(env.state()).ball_pos[0];
    assert!(x > PLATE_HALF, "left over the +x edge: x = {x}");
    // From ≤ 0.4 m off the edge at ~2.4 m/s² it takes well under 1 s (50 steps).
    assert!(steps < 50, "fell after {steps} steps");
    assert!(env.step(&[0.0, 0.0]).is_err(), "a finished episode needs a reset");
}

#[test]
fn same_seed_and_actions_give_bit_identical_states() {
    let run = || {
        let mut env = env(21);
        let mut bits = Vec::new();
        for i in 0..200 {
            let a = [((i * 7) % 13) as f32 / 6.0 - 1.0, ((i * 5) % 11) as f32 / 5.0 - 1.0];
            let s = env.step(&a).unwrap();
            bits.extend(env.state().iter().chain(&s.obs).map(|v| v.to_bits()));
            if s.terminated || s.truncated {
                env.reset(22);
            }
        }
        bits
    };
    let (a, b) = (run(), run());
    assert_eq!(a.len(), b.len());
    assert!(a == b, "first difference at float {:?}", a.iter().zip(&b).position(|(x, y)| x != y));
}
