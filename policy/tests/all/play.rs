//! The play loop: `Player` steps exactly as the loop written out by hand (the native
//! reference that `rewardsmith rollout` ran before it was shared), in both action modes,
//! owning or borrowing its env and policy; and policies that don't fit an env are refused.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rewardsmith_envs::{Env, EnvError, Space, registry};
use rewardsmith_policy::{ActMode, ActionKind, Init, Mlp, ObsNorm, Player, Policy, check_policy};

/// A random policy for env `id`, with observation statistics (Gaussian with a log-std for
/// continuous envs).
fn policy_for(id: &str, seed: u64) -> Policy {
    let reg = registry::find(id).unwrap();
    let obs = (reg.spec.observation_space)().dim();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (out, log_std) = match (reg.spec.action_space)() {
        Space::Discrete { n } => (n, vec![]),
        Space::Box { low, .. } => (low.len(), vec![-0.5; low.len()]),
    };
    // Uniform init: outputs large enough that actions vary from step to step.
    let actor = Mlp::new(&[obs, 16, 16, out], Init::Uniform, &mut rng).unwrap();
    Policy { actor, log_std, obs_norm: Some(ObsNorm { mean: vec![0.1; obs], var: vec![2.0; obs], clip: 10.0 }) }
}

/// Per step (obs acted on, action, transition), then how the episode ended (terminated,
/// truncated, fitness) if it did.
type Played = (Vec<(Vec<f32>, Vec<f32>, Vec<f32>)>, Option<(bool, bool, f32)>);

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The loop as `host/src/train/eval.rs` had it before `Player`: one episode from `seed`,
/// up to `max_steps` steps.
fn reference(policy: &Policy, env: &mut dyn Env, seed: u64, mode: ActMode, max_steps: usize) -> Played {
    let layout = env.layout();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a11c_e000_0001);
    let mut obs = env.reset(seed);
    let mut action = vec![0.0; policy.action_dim()];
    let mut tr = vec![0.0; layout.transition_len()];
    let mut steps = Vec::new();
    for _ in 0..max_steps {
        match mode {
            ActMode::Deterministic => policy.act_deterministic(&obs, &mut action),
            ActMode::Stochastic => policy.act_sampled(&obs, &mut rng, &mut action),
        }
        layout.split_transition_mut(&mut tr).0.copy_from_slice(env.state());
        let step = env.step(&action).unwrap();
        let (_, sdk_action, next) = layout.split_transition_mut(&mut tr);
        sdk_action.copy_from_slice(env.sdk_action());
        next.copy_from_slice(env.state());
        steps.push((obs.clone(), action.clone(), tr.clone()));
        if step.terminated || step.truncated {
            return (steps, Some((step.terminated, step.truncated, step.fitness)));
        }
        obs = step.obs;
    }
    (steps, None)
}

/// Plays with `player` until the end or `max_steps`, in the shape `reference` returns.
fn played<E, T, P>(player: &mut Player<E, P>, max_steps: usize) -> Played
where
    E: std::ops::DerefMut<Target = T>,
    T: Env + ?Sized,
    P: std::borrow::Borrow<Policy>,
{
    let mut steps = Vec::new();
    for _ in 0..max_steps {
        let obs = player.obs().to_vec();
        let ended = player.step().unwrap();
        assert_eq!(player.obs(), player.env().observation());
        steps.push((obs, player.action().to_vec(), player.transition().to_vec()));
        if ended {
            return (steps, Some((player.terminated(), player.truncated(), player.fitness())));
        }
    }
    (steps, None)
}

fn assert_same(id: &str, what: &str, got: &Played, want: &Played) {
    assert_eq!(got.0.len(), want.0.len(), "{id} {what}: episode length");
    for (t, (g, w)) in got.0.iter().zip(&want.0).enumerate() {
        assert_eq!(bits(&g.0), bits(&w.0), "{id} {what}: obs at step {t}");
        assert_eq!(bits(&g.1), bits(&w.1), "{id} {what}: action at step {t}");
        assert_eq!(bits(&g.2), bits(&w.2), "{id} {what}: transition at step {t}");
    }
    let end = |e: &Option<(bool, bool, f32)>| e.map(|(a, b, f)| (a, b, f.to_bits()));
    assert_eq!(end(&got.1), end(&want.1), "{id} {what}: episode end");
}

#[test]
fn player_steps_exactly_as_the_loop_written_out() {
    let mut ended = [0; 2];
    for reg in registry::registry() {
        let id = reg.spec.id;
        let policy = policy_for(id, 7);
        for (m, mode) in [ActMode::Deterministic, ActMode::Stochastic].into_iter().enumerate() {
            let seed = 3;
            let want = reference(&policy, reg.make().as_mut(), seed, mode, 300);
            ended[m] += usize::from(want.1.is_some());

            // Owning its env and policy, as the browser runtime does.
            let mut owned = Player::new(reg.make(), policy.clone(), seed, mode).unwrap();
            assert_eq!((owned.seed(), owned.mode(), owned.policy()), (seed, mode, &policy));
            assert!(owned.transition().is_empty() && owned.action().iter().all(|&a| a == 0.0));
            assert_same(id, &format!("{mode:?}, owned"), &played(&mut owned, 300), &want);

            // Borrowing them, as `eval` and `rollout` do.
            let mut env = reg.make();
            let mut borrowed = Player::new(env.as_mut(), &policy, seed, mode).unwrap();
            assert_same(id, &format!("{mode:?}, borrowed"), &played(&mut borrowed, 300), &want);

            // A reset starts the same episode over, the stochastic stream included.
            owned.reset(seed);
            assert!(owned.transition().is_empty() && owned.step_count() == 0 && !owned.done());
            assert!(owned.action().iter().all(|&a| a == 0.0));
            assert_same(id, &format!("{mode:?}, after a reset"), &played(&mut owned, 300), &want);
        }
    }
    assert!(ended.iter().all(|&n| n > 0), "no episode ended in some mode: the end went untested ({ended:?})");
}

#[test]
fn stochastic_actions_depend_on_the_seed_and_differ_from_deterministic_ones() {
    let policy = policy_for("pendulum", 1);
    let actions = |seed, mode| {
        let mut p = Player::new(registry::find("pendulum").unwrap().make(), &policy, seed, mode).unwrap();
        let mut out = Vec::new();
        for _ in 0..20 {
            p.step().unwrap();
            out.extend(bits(p.action()));
        }
        out
    };
    assert_eq!(actions(5, ActMode::Stochastic), actions(5, ActMode::Stochastic));
    assert_ne!(actions(5, ActMode::Stochastic), actions(6, ActMode::Stochastic));
    assert_ne!(actions(5, ActMode::Stochastic), actions(5, ActMode::Deterministic));
}

#[test]
fn stepping_after_the_end_needs_a_reset() {
    let policy = policy_for("cartpole", 2);
    let mut p = Player::new(registry::find("cartpole").unwrap().make(), policy, 0, ActMode::Deterministic).unwrap();
    while !p.step().unwrap() {}
    let (steps, transition) = (p.step_count(), p.transition().to_vec());
    assert!(matches!(p.step(), Err(EnvError::NeedsReset { .. })));
    assert_eq!((p.step_count(), p.transition()), (steps, &transition[..]), "a refused step changes nothing");
    p.reset(1);
    assert!(!p.done() && p.step_count() == 0 && p.seed() == 1);
    p.step().unwrap();
    assert_eq!(p.step_count(), 1);
}

#[test]
fn policies_for_other_spaces_are_refused() {
    let cartpole = registry::find("cartpole").unwrap().spec;
    let reacher = registry::find("reacher").unwrap().spec;
    assert_eq!(check_policy(&policy_for("cartpole", 1), cartpole), Ok(()));
    assert_eq!(check_policy(&policy_for("reacher", 1), reacher), Ok(()));

    let e = check_policy(&policy_for("cartpole", 1), reacher).unwrap_err();
    assert_eq!(e.what, "observation size");
    assert!(e.to_string().contains("reacher") && e.to_string().contains("observation size"), "{e}");

    // Same observation size, other action space: only the action check can catch it.
    let obs = (reacher.observation_space)().dim();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let discrete =
        Policy { actor: Mlp::new(&[obs, 8, 2], Init::Uniform, &mut rng).unwrap(), log_std: vec![], obs_norm: None };
    let e = check_policy(&discrete, reacher).unwrap_err();
    assert_eq!(
        e.to_string(),
        "policy action space is 2 discrete actions, but `reacher-v0` has 2 continuous actions; was it trained on another env?"
    );
    let e = Player::new(registry::find("reacher").unwrap().make(), discrete, 0, ActMode::Deterministic).unwrap_err();
    assert_eq!(e.what, "action space");

    assert_eq!(ActionKind::for_space(&Space::Discrete { n: 3 }), ActionKind::Discrete { n: 3 });
    let bx = Space::Box { low: vec![-1.0; 2], high: vec![1.0; 2] };
    assert_eq!(ActionKind::for_space(&bx), ActionKind::Continuous { dim: 2 });
}
