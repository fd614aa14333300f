//! Physics sanity for `pusher-v0`: a still arm and an untouched block stay put, joint
//! torques accelerate the arm as its planar rigid-body dynamics say, pushing moves the
//! block (and can deliver it to the goal), and nothing blows up under random torques.

use rand::SeedableRng;
use rewardsmith_envs::{Env, make};
use rewardsmith_guest::envs::pusher::{SUCCESS_DISTANCE, State};
use rewardsmith_guest::layout::Layout;

const DT: f32 = 0.05;

// The arm as `envs/src/pusher.rs` documents it.
const LINKS: [f32; 3] = [0.4, 0.3, 0.15];
const LINK_MASS: [f32; 3] = [0.4, 0.3, 0.1];
const LINK_HALF_WIDTH: f32 = 0.02;
const TIP_MASS: f32 = 0.02;
const TIP_RADIUS: f32 = 0.02;
const TORQUE: [f32; 3] = [2.0, 1.0, 0.4];
const DAMPING: [f32; 3] = [0.5, 0.25, 0.1];
const ARMATURE: [f32; 3] = [0.02, 0.01, 0.01];
const BLOCK_HALF: f32 = 0.05;

fn env(seed: u64) -> Box<dyn Env> {
    let mut env = make("pusher-v0").unwrap();
    env.reset(seed);
    env
}

fn dist2(a: &[f32], b: &[f32]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Joint positions, hand-end (fingertip) position and cumulative link angles of the planar
/// arm at joint angles `q` (f64 for a reference independent of the env's f32 math).
fn kinematics(q: [f64; 3]) -> ([[f64; 2]; 3], [f64; 2], [f64; 3]) {
    let mut phi = [0.0; 3];
    let mut joints = [[0.0; 2]; 3];
    let mut p = [0.0, 0.0];
    let mut a = 0.0;
    for i in 0..3 {
        joints[i] = p;
        a += q[i];
        phi[i] = a;
        p = [p[0] + LINKS[i] as f64 * a.cos(), p[1] + LINKS[i] as f64 * a.sin()];
    }
    (joints, p, phi)
}

/// The tip's planar Jacobian (2×3) at `q`.
fn tip_jacobian(q: [f64; 3]) -> [[f64; 3]; 2] {
    let (joints, tip, _) = kinematics(q);
    let mut j = [[0.0; 3]; 2];
    for k in 0..3 {
        j[0][k] = -(tip[1] - joints[k][1]);
        j[1][k] = tip[0] - joints[k][0];
    }
    j
}

/// The joint-space inertia matrix of the arm (links as uniform boxes, the fingertip as a
/// small sphere at the hand's end) plus the armature on the diagonal.
fn mass_matrix(q: [f64; 3]) -> [[f64; 3]; 3] {
    let (joints, tip, phi) = kinematics(q);
    let mut m = [[0.0; 3]; 3];
    let mut add = |link: usize, mass: f64, inertia: f64, p: [f64; 2]| {
        // Velocity Jacobian column k (k ≤ link): z × (p − joint k); rotation: 1 per joint.
        let jv: Vec<[f64; 2]> = (0..3)
            .map(|k| if k <= link { [-(p[1] - joints[k][1]), p[0] - joints[k][0]] } else { [0.0, 0.0] })
            .collect();
        for a in 0..3 {
            for b in 0..3 {
                let w = if a <= link && b <= link { inertia } else { 0.0 };
                m[a][b] += mass * (jv[a][0] * jv[b][0] + jv[a][1] * jv[b][1]) + w;
            }
        }
    };
    for i in 0..3 {
        let (l, mass) = (LINKS[i] as f64, LINK_MASS[i] as f64);
        let w = LINK_HALF_WIDTH as f64;
        let centre = [joints[i][0] + 0.5 * l * phi[i].cos(), joints[i][1] + 0.5 * l * phi[i].sin()];
        add(i, mass, mass * ((0.5 * l).powi(2) + w * w) / 3.0, centre);
    }
    add(2, TIP_MASS as f64, 0.4 * TIP_MASS as f64 * (TIP_RADIUS as f64).powi(2), tip);
    for i in 0..3 {
        m[i][i] += ARMATURE[i] as f64;
    }
    m
}

fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> [f64; 3] {
    // Cramer's rule: fine for a well-conditioned 3×3.
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    let mut x = [0.0; 3];
    for (c, xc) in x.iter_mut().enumerate() {
        let mut mc = m;
        for r in 0..3 {
            mc[r][c] = b[r];
        }
        *xc = det(mc) / d;
    }
    x
}

fn q_of(s: &State) -> [f64; 3] {
    s.joint_pos.map(|q| q as f64)
}

#[test]
fn the_start_is_at_rest_with_block_and_goal_apart_and_the_fingertip_clear() {
    for seed in 0..20 {
        let env = env(seed);
        let s = State::from_slice(env.state());
        assert_eq!(s.joint_vel, [0.0; 3], "seed {seed}: the arm starts still");
        for (name, at) in [("block", s.block_pos), ("goal", s.goal_pos)] {
            let r = dist2(&at, &[0.0, 0.0]);
            let angle = at[1].atan2(at[0]);
            assert!((0.4..=0.7).contains(&r) && angle.abs() <= 0.7, "seed {seed}: {name} at r {r}, angle {angle}");
        }
        assert!(s.block_to_goal >= 0.15, "seed {seed}: block and goal {} m apart", s.block_to_goal);
        assert!(s.tip_to_block > 0.15, "seed {seed}: fingertip {} m from the block centre", s.tip_to_block);
        assert!((s.block_pos[2] - BLOCK_HALF).abs() < 1e-6 && s.goal_pos[2] == 0.0, "block on the table, goal on it");
        // The reported fingertip is where the joint angles put the hand's end.
        let (_, tip, _) = kinematics(q_of(s));
        assert!(dist2(&s.fingertip, &[tip[0] as f32, tip[1] as f32]) < 1e-5, "seed {seed}: fingertip vs kinematics");
        assert!((s.fingertip[2] - 0.05).abs() < 1e-5, "fingertip at the block's mid-height: {}", s.fingertip[2]);
    }
}

#[test]
fn a_still_arm_and_an_untouched_block_stay_put_for_the_whole_episode() {
    for seed in [0, 1, 2] {
        let mut env = env(seed);
        let start = *State::from_slice(env.state());
        for _ in 0..100 {
            let s = env.step(&[0.0; 3]).unwrap();
            assert!(!s.terminated);
        }
        let end = State::from_slice(env.state());
        assert_eq!(end.time, 5.0, "100 steps of 0.05 s");
        let moved = ((end.block_pos[0] - start.block_pos[0]).powi(2)
            + (end.block_pos[1] - start.block_pos[1]).powi(2)
            + (end.block_pos[2] - start.block_pos[2]).powi(2))
        .sqrt();
        assert!(moved < 1e-3, "seed {seed}: the untouched block moved {moved} m (expected < 1 mm)");
        for i in 0..3 {
            let dq = (end.joint_pos[i] - start.joint_pos[i]).abs();
            assert!(dq < 1e-4, "seed {seed}: joint {i} drifted {dq} rad under zero torque");
        }
        assert_eq!(env.fitness(), 0.0, "block and goal start ≥ 0.15 m apart: no success without pushing");
    }
}

#[test]
fn joint_torques_accelerate_the_arm_as_its_mass_matrix_says() {
    // From rest, over one step, M·q̈ = τ − D·q̇ (velocity-squared terms are still negligible),
    // with M the analytic joint-space inertia of the arm. Two references: the exact
    // solution of that ODE (physics: within 6 %, the integrator's error), and the same ODE
    // under the integrator rapier runs, implicit Euler in 4 steps of 12.5 ms per control
    // step (2 substeps × 2 solver steps; within 1.5 %). This catches wrong masses or
    // inertias, torque on the wrong body and a joint torque without its reaction on the
    // parent link.
    for action in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-0.5, 0.8, -1.0]] {
        let mut env = env(4);
        let q = q_of(State::from_slice(env.state()));
        env.step(&action).unwrap();
        let got = State::from_slice(env.state()).joint_vel;
        let m = mass_matrix(q);
        let tau: Vec<f64> = (0..3).map(|i| (action[i] * TORQUE[i]) as f64).collect();
        let mut exact = [0.0f64; 3];
        let n = 1000;
        let h = DT as f64 / n as f64;
        for _ in 0..n {
            let rhs = [0, 1, 2].map(|i| tau[i] - DAMPING[i] as f64 * exact[i]);
            let acc = solve3(m, rhs);
            exact = [0, 1, 2].map(|i| exact[i] + h * acc[i]);
        }
        let mut euler = [0.0f64; 3];
        let h = DT as f64 / 4.0;
        for _ in 0..4 {
            // (M + h·D)·v' = M·v + h·τ
            let mut mh = m;
            for i in 0..3 {
                mh[i][i] += h * DAMPING[i] as f64;
            }
            let rhs = [0, 1, 2].map(|i| (0..3).map(|k| m[i][k] * euler[k]).sum::<f64>() + h * tau[i]);
            euler = solve3(mh, rhs);
        }
        let scale = exact.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        for i in 0..3 {
            let (e1, e2) = ((got[i] as f64 - exact[i]).abs(), (got[i] as f64 - euler[i]).abs());
            assert!(
                e1 < 0.06 * scale && e2 < 0.015 * scale,
                "action {action:?}: joint {i} speed {} rad/s; the dynamics give {:.4} (exact), {:.4} (implicit Euler). All: got {got:?}, exact {exact:?}, Euler {euler:?}",
                got[i],
                exact[i],
                euler[i]
            );
        }
    }
}

#[test]
fn full_torque_drives_joints_to_their_limits_and_no_further() {
    let mut env = env(5);
    let mut peak = [0.0f32; 3];
    for _ in 0..100 {
        env.step(&[1.0, 1.0, 1.0]).unwrap();
        let s = State::from_slice(env.state());
        for (i, (&q, &dq)) in s.joint_pos.iter().zip(&s.joint_vel).enumerate() {
            peak[i] = peak[i].max(q);
            // Hitting the limit at speed overshoots a little within a step (softness of the
            // limit constraint, measured ≈ 0.03 rad); it must not go through.
            assert!(q <= 2.5 + 0.05, "joint {i} at {q} rad, past its 2.5 rad limit");
            assert!(dq.abs() <= 10.0, "joint {i} at {dq} rad/s");
        }
    }
    let s = State::from_slice(env.state());
    for i in 0..3 {
        assert!(
            (s.joint_pos[i] - 2.5).abs() < 1e-2 && s.joint_vel[i].abs() < 1e-3,
            "joint {i} rests on its limit: {} rad, {} rad/s",
            s.joint_pos[i],
            s.joint_vel[i]
        );
    }
    assert_eq!(s.prev_action, [1.0; 3]);
}

/// A Cartesian fingertip controller: a spring-damper pulling the tip to `target`, mapped to
/// joint torques through the Jacobian transpose, as action fractions.
fn tip_controller(s: &State, target: [f32; 2]) -> [f32; 3] {
    let q = q_of(s);
    let j = tip_jacobian(q);
    let dq = s.joint_vel.map(|v| v as f64);
    let v = [0, 1].map(|r| (0..3).map(|k| j[r][k] * dq[k]).sum::<f64>());
    let f = [0, 1].map(|r| 80.0 * (target[r] as f64 - s.fingertip[r] as f64) - 8.0 * v[r]);
    [0, 1, 2].map(|k| ((j[0][k] * f[0] + j[1][k] * f[1]) as f32 / TORQUE[k]).clamp(-1.0, 1.0))
}

#[test]
fn pushing_the_block_moves_it_the_way_it_is_pushed() {
    let mut env = env(6);
    let s0 = *State::from_slice(env.state());
    let b0 = [s0.block_pos[0], s0.block_pos[1]];
    // Push radially outwards: come in from the base side, then drive through the block.
    let r = dist2(&b0, &[0.0, 0.0]);
    let u = [b0[0] / r, b0[1] / r];
    let mut min_gap = f32::MAX;
    for step in 0..100 {
        let s = *State::from_slice(env.state());
        let reach = if step < 30 { -0.15 } else { -0.15 + 0.004 * (step - 30) as f32 };
        let target = [b0[0] + reach * u[0], b0[1] + reach * u[1]];
        env.step(&tip_controller(&s, target)).unwrap();
        let s = State::from_slice(env.state());
        min_gap = min_gap.min(s.tip_to_block);
        let z = s.block_pos[2];
        assert!((z - BLOCK_HALF).abs() < 2e-3, "step {step}: block centre at z {z}, it should slide, not tip or lift");
    }
    let s = State::from_slice(env.state());
    let d = [s.block_pos[0] - b0[0], s.block_pos[1] - b0[1]];
    let along = d[0] * u[0] + d[1] * u[1];
    let across = (d[0] * -u[1] + d[1] * u[0]).abs();
    assert!(along > 0.05, "pushed outwards, the block moved {along} m along the push ({d:?})");
    assert!(across < 0.5 * along, "mostly along the push: {across} m across vs {along} m along");
    // The fingertip (radius 2 cm) touches a face 5 cm from the centre: no deep overlap.
    assert!(min_gap > 0.06, "fingertip came within {min_gap} m of the block centre");
    assert!(s.block_vel[..2].iter().all(|v| v.abs() < 1.0), "block velocity {:?}", s.block_vel);
}

#[test]
fn a_scripted_push_delivers_the_block_to_the_goal() {
    // The task is solvable. The puck moves along the line from the fingertip through its
    // centre, so take a start whose goal lies along +x from the block: get behind its −x
    // side, then push it until its centre is on the goal.
    let seed = (0..500)
        .find(|&seed| {
            let s = *State::from_slice(env(seed).state());
            s.goal_pos[0] - s.block_pos[0] > 0.15 && (s.goal_pos[1] - s.block_pos[1]).abs() < 0.02
        })
        .expect("a start with the goal along +x from the block");
    let mut env = env(seed);
    let contact = TIP_RADIUS + BLOCK_HALF;
    for step in 0..100 {
        let s = *State::from_slice(env.state());
        // Behind the block first, then where the tip is when the block's centre is on the goal.
        let x = if step < 25 { s.block_pos[0] - contact - 0.08 } else { s.goal_pos[0] - contact };
        env.step(&tip_controller(&s, [x, s.block_pos[1]])).unwrap();
    }
    let s = State::from_slice(env.state());
    assert!(s.block_to_goal < SUCCESS_DISTANCE, "seed {seed}: block ended {} m from the goal", s.block_to_goal);
    assert_eq!(env.fitness(), 1.0, "success at the end");
}

#[test]
fn random_torques_for_whole_episodes_stay_bounded_and_planar() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let space = (make("pusher").unwrap().spec().action_space)();
    let (mut max_dq, mut max_block_speed, mut max_reach) = (0f32, 0f32, 0f32);
    for seed in 0..20 {
        let mut env = env(100 + seed);
        let mut last = None;
        for _ in 0..100 {
            last = Some(env.step(&space.sample(&mut rng)).unwrap());
            let s = State::from_slice(env.state());
            assert!(s.as_slice().iter().all(|v| v.is_finite()), "seed {seed}: {s:?}");
            max_dq = max_dq.max(s.joint_vel.iter().fold(0.0, |a, v| a.max(v.abs())));
            max_block_speed = max_block_speed.max(dist2(&s.block_vel, &[0.0, 0.0]));
            max_reach = max_reach.max(dist2(&s.fingertip, &[0.0, 0.0]));
            // The arm stays in its plane and the block on the table.
            assert!((s.fingertip[2] - 0.05).abs() < 1e-4, "fingertip z {}", s.fingertip[2]);
            assert!((s.block_pos[2] - BLOCK_HALF).abs() < 2e-3, "block z {}", s.block_pos[2]);
            let (_, tip, _) = kinematics(q_of(s));
            assert!(dist2(&s.fingertip, &[tip[0] as f32, tip[1] as f32]) < 1e-4, "links keep their lengths");
        }
        let last = last.unwrap();
        assert!(last.truncated && !last.terminated, "pusher only ends on the time limit");
    }
    // Torque over damping bounds each joint at 4 rad/s when nothing else acts.
    assert!(max_dq < 6.0, "joint speed reached {max_dq} rad/s");
    assert!(max_block_speed < 1.0, "block speed reached {max_block_speed} m/s");
    assert!(max_reach <= 0.85 + 1e-4, "fingertip {max_reach} m from the base, the arm is 0.85 m long");
}

#[test]
fn same_seed_and_actions_give_bit_identical_states() {
    let run = || {
        let mut env = env(31);
        let mut bits = Vec::new();
        for i in 0..250 {
            let a = [0, 1, 2].map(|k| ((i * (3 + 2 * k)) % 17) as f32 / 8.0 - 1.0);
            let s = env.step(&a).unwrap();
            bits.extend(env.state().iter().chain(&s.obs).map(|v| v.to_bits()));
            if s.terminated || s.truncated {
                env.reset(32);
            }
        }
        bits
    };
    let (a, b) = (run(), run());
    assert_eq!(a.len(), b.len());
    assert!(a == b, "first difference at float {:?}", a.iter().zip(&b).position(|(x, y)| x != y));
}

#[test]
fn the_state_follows_the_sdk_layout() {
    let mut env = env(7);
    env.step(&[0.3, -0.2, 0.1]).unwrap();
    assert_eq!(env.state().len(), 24);
    let s = State::from_slice(env.state());
    assert_eq!(s.prev_action, [0.3, -0.2, 0.1]);
    assert_eq!(s.time, DT);
    let (tip, block) = (s.fingertip, s.block_pos);
    let d = ((tip[0] - block[0]).powi(2) + (tip[1] - block[1]).powi(2) + (tip[2] - block[2]).powi(2)).sqrt();
    assert!((s.tip_to_block - d).abs() < 1e-6, "tip_to_block {} vs {d}", s.tip_to_block);
    assert!((s.block_to_goal - dist2(&s.block_pos, &s.goal_pos)).abs() < 1e-6);
    // The observation: joint angles and speeds, then fingertip, block and goal on the table.
    let obs = env.observation();
    let expected: Vec<f32> = s
        .joint_pos
        .iter()
        .chain(&s.joint_vel)
        .chain(&s.fingertip[..2])
        .chain(&s.block_pos[..2])
        .chain(&s.goal_pos[..2])
        .copied()
        .collect();
    assert_eq!(obs, expected.as_slice());
}
