//! Every registered env passes the checker and is deterministic; bad input is refused
//! with typed errors and leaves the world untouched.

use rewardsmith_envs::checker::check_env;
use rewardsmith_envs::{EnvError, make, registry};

#[test]
fn every_registered_env_passes_the_checker() {
    assert!(registry().len() >= 2);
    for reg in registry() {
        check_env(reg).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn every_registered_env_is_bit_for_bit_deterministic_over_a_long_run() {
    for reg in registry() {
        let space = (reg.spec.action_space)();
        let run = || {
            let mut env = reg.make();
            let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(5);
            let mut bits: Vec<u32> = env.reset(77).iter().map(|v| v.to_bits()).collect();
            for _ in 0..300 {
                let a = space.sample(&mut rng);
                let s = env.step(&a).unwrap();
                bits.extend(env.state().iter().chain(&s.obs).map(|v| v.to_bits()));
                if s.terminated || s.truncated {
                    env.reset(78);
                }
            }
            bits
        };
        assert_eq!(run(), run(), "{}", reg.spec.id);
    }
}

#[test]
fn unknown_ids_list_the_known_ones() {
    let Err(EnvError::UnknownEnv { id, known }) = make("walker") else { panic!("walker is not registered") };
    assert_eq!(id, "walker");
    assert!(known.contains("cartpole-v0"), "{known}");
    assert_eq!(make("cartpole").unwrap().spec().id, "cartpole-v0");
    assert_eq!(make("cartpole-v0").unwrap().spec().id, "cartpole-v0");
}

#[test]
fn bad_actions_are_typed_errors_and_leave_the_world_untouched() {
    let mut env = make("cartpole").unwrap();
    assert!(matches!(env.step(&[1.0]), Err(EnvError::NeedsReset { .. })), "step before reset");
    env.reset(0);
    let before = env.state().to_vec();
    assert_eq!(env.step(&[1.0, 0.0]), Err(EnvError::ActionLength { env: "cartpole-v0", expected: 1, got: 2 }));
    assert!(matches!(env.step(&[f32::NAN]), Err(EnvError::NonFiniteAction { index: 0, .. })));
    assert!(matches!(env.step(&[2.0]), Err(EnvError::DiscreteOutOfRange { n: 2, .. })));
    assert!(matches!(env.step(&[0.5]), Err(EnvError::DiscreteOutOfRange { .. })));
    assert_eq!(env.state(), before.as_slice(), "refused actions must not move the world");
    assert_eq!(env.elapsed_steps(), 0);

    // Continuous out-of-bounds values are clipped to the space (documented), not refused.
    let mut c = make("cartpole_continuous").unwrap();
    c.reset(0);
    c.step(&[50.0]).unwrap();
    assert_eq!(c.sdk_action(), [10.0]);
    assert!(matches!(c.step(&[f32::INFINITY]), Err(EnvError::NonFiniteAction { .. })));
}

#[test]
fn episodes_end_once_and_then_need_a_reset() {
    let mut env = make("cartpole").unwrap();
    env.reset(4);
    let mut steps = 0;
    loop {
        steps += 1;
        let s = env.step(&[1.0]).unwrap();
        if s.terminated || s.truncated {
            assert!(s.terminated, "always pushing right must topple the pole");
            break;
        }
    }
    assert_eq!(env.elapsed_steps(), steps);
    assert!(matches!(env.step(&[1.0]), Err(EnvError::NeedsReset { .. })));
    // Fitness: the fraction of the 500-step episode that was balanced.
    assert_eq!(env.fitness(), (steps - 1) as f32 / 500.0);
}

#[test]
fn truncation_comes_from_the_time_limit() {
    // Balance by hand: push against the pole's lean (a simple controller keeps cartpole up).
    let mut env = make("cartpole").unwrap();
    env.reset(0);
    let mut last = None;
    for _ in 0..500 {
        let s = env.state().to_vec();
        let push_right = s[2] + 0.3 * s[3] + 0.01 * s[0] + 0.05 * s[1] > 0.0;
        last = Some(env.step(&[if push_right { 1.0 } else { 0.0 }]).unwrap());
        if last.as_ref().unwrap().terminated {
            break;
        }
    }
    let last = last.unwrap();
    assert!(last.truncated && !last.terminated, "the controller should balance 500 steps: {last:?}");
    assert_eq!(env.elapsed_steps(), 500);
    assert_eq!(last.fitness, 1.0);
}
