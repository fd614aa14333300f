//! The browser's simulation must replay exactly what the native reference does (the play
//! loop of `rewardsmith rollout`, `rewardsmith_policy::Player`): same observations,
//! transitions and episode ends, bit for bit, for every registered env.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rewardsmith_envs::{Space, registry};
use rewardsmith_policy::{Init, Mlp, NamedTensor, ObsNorm, Policy, write_safetensors};
use rewardsmith_web::{DemoError, Player};

/// A random policy for env `id`, saved as a run saves it, critic tensors included.
fn policy_file(id: &str, seed: u64) -> (Policy, Vec<u8>) {
    let reg = registry::find(id).unwrap();
    let obs = (reg.spec.observation_space)().dim();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (out, log_std) = match (reg.spec.action_space)() {
        Space::Discrete { n } => (n, vec![]),
        Space::Box { low, .. } => (low.len(), vec![-0.5; low.len()]),
    };
    // Uniform init: outputs large enough that actions vary from step to step.
    let actor = Mlp::new(&[obs, 16, 16, out], Init::Uniform, &mut rng).unwrap();
    let obs_norm = Some(ObsNorm { mean: vec![0.1; obs], var: vec![2.0; obs], clip: 10.0 });
    let policy = Policy { actor, log_std, obs_norm };
    let mut tensors = policy.to_tensors();
    let critic = Mlp::new(&[obs, 16, 1], Init::cleanrl_critic(), &mut rng).unwrap();
    tensors.extend(critic.to_safetensors("critic"));
    (policy, write_safetensors(&tensors).unwrap())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn player_steps_exactly_as_the_native_reference() {
    let mut episodes_ended = 0;
    for reg in registry::registry() {
        let id = reg.spec.id;
        let (policy, bytes) = policy_file(id, 7);
        let seed = 3;
        let mut player = Player::new(id, &bytes, seed).unwrap();

        // The native loop, written out.
        let mut env = reg.make();
        let layout = env.layout();
        let mut obs = env.reset(seed);
        let mut action = vec![0.0; policy.action_dim()];
        assert_eq!(bits(player.obs()), bits(&obs), "{id}: obs after reset");
        // 120 steps: cartpole and reacher episodes end within it (so the end is checked),
        // and the debug-build physics of ant and pusher stays quick.
        for t in 0..120 {
            policy.act_deterministic(&obs, &mut action);
            let mut tr = env.state().to_vec();
            let step = env.step(&action).unwrap();
            tr.extend_from_slice(env.sdk_action());
            tr.extend_from_slice(env.state());
            assert_eq!(tr.len(), layout.transition_len());

            let ended = player.step().unwrap();
            assert_eq!(bits(player.action()), bits(&action), "{id}: action at step {t}");
            assert_eq!(bits(player.transition()), bits(&tr), "{id}: transition at step {t}");
            assert_eq!(bits(player.obs()), bits(&step.obs), "{id}: obs after step {t}");
            assert_eq!(bits(player.state()), bits(env.state()), "{id}: state after step {t}");
            assert_eq!(player.fitness().to_bits(), step.fitness.to_bits(), "{id}: fitness after step {t}");
            assert_eq!((player.terminated(), player.truncated()), (step.terminated, step.truncated), "{id}: {t}");
            assert_eq!(player.step_count(), env.elapsed_steps());
            assert_eq!(ended, step.terminated || step.truncated);
            if ended {
                episodes_ended += 1;
                assert!(matches!(player.step(), Err(DemoError::EpisodeOver)), "{id}: step after the end");
                break;
            }
            obs = step.obs;
        }

        // A reset starts over exactly as a fresh env does.
        player.reset(seed + 1);
        assert_eq!(bits(player.obs()), bits(&env.reset(seed + 1)), "{id}: obs after reset");
        assert!(player.transition().is_empty() && player.step_count() == 0 && !player.done());
        assert_eq!(player.seed(), seed + 1);
        assert_eq!(player.state_len(), layout.state_len);
        assert_eq!(player.action_len(), layout.action_len);
        assert_eq!(player.control_dt(), reg.spec.control_dt);
        assert_eq!(player.snapshot(), env.snapshot());
    }
    assert!(episodes_ended > 0, "no episode ended: the end of an episode went untested");
}

#[test]
fn bare_names_pick_the_latest_version() {
    let (_, bytes) = policy_file("cartpole", 1);
    assert_eq!(Player::new("cartpole", &bytes, 0).unwrap().env_id(), registry::find("cartpole").unwrap().spec.id);
}

#[test]
fn errors_say_what_is_wrong() {
    let (_, cartpole) = policy_file("cartpole", 1);
    let (_, reacher) = policy_file("reacher", 1);
    let err = |env: &str, bytes: &[u8]| Player::new(env, bytes, 0).unwrap_err().to_string();

    let e = err("no-such-env", &cartpole);
    assert!(e.contains("unknown env `no-such-env`") && e.contains("cartpole-v0"), "{e}");
    let e = err("cartpole", b"not a safetensors file");
    assert!(e.starts_with("policy: safetensors"), "{e}");
    let e = err(
        "cartpole",
        &write_safetensors(&[NamedTensor { name: "x".into(), shape: vec![1], data: vec![0.0] }]).unwrap(),
    );
    assert!(e.contains("`actor.0.weight` is missing"), "{e}");
    let e = err("reacher", &cartpole);
    assert!(e.contains("observation size") && e.contains("reacher"), "{e}");
    // Same observation size, other action space: only the action check can catch it.
    let reg = registry::find("reacher").unwrap();
    let obs = (reg.spec.observation_space)().dim();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let discrete =
        Policy { actor: Mlp::new(&[obs, 8, 2], Init::Uniform, &mut rng).unwrap(), log_std: vec![], obs_norm: None };
    let e = err("reacher", &write_safetensors(&discrete.to_tensors()).unwrap());
    assert!(e.contains("action space is 2 discrete actions"), "{e}");
    assert!(Player::new("reacher", &reacher, 0).is_ok());
}
