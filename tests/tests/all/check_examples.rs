//! Every SDK example reward (the envs' human baselines) passes `check` for its env.

use rewardsmith::check::{CheckOptions, States, check};
use rewardsmith::compiler::Source;
use rewardsmith_tests::*;

#[test]
fn every_example_passes_check_for_its_env_on_real_and_random_states() {
    let sb = sandbox();
    for (env, states) in ENVS.iter().flat_map(|e| [(e, States::Rollout), (e, States::Random)]) {
        let src = Source::from_path(&example(env)).unwrap();
        let report = check(
            compiler(),
            &sb,
            &src,
            env,
            CheckOptions { transitions: 2048, batch: 512, seed: 4, states, keep_values: false },
        )
        .unwrap_or_else(|e| panic!("{env} ({states:?}): {e}"));
        assert!(report.env.starts_with(env));
        assert!(report.terms.len() >= 3, "{env} names its terms: {:?}", report.terms);
        assert!(report.terms.iter().all(|t| t.non_finite == 0 && t.min <= t.mean && t.mean <= t.max));
        // The total is the sum of the terms (every example adds its terms up).
        let sum: f32 = report.terms.iter().map(|t| t.mean).sum();
        assert!((sum - report.total.mean).abs() < 1e-3 * (1.0 + sum.abs()), "{env}: {sum} vs {}", report.total.mean);
    }
}

#[test]
fn every_example_is_refused_on_another_env() {
    let sb = sandbox();
    for (i, env) in ENVS.iter().enumerate() {
        let other = ENVS[(i + 1) % ENVS.len()];
        let src = Source::from_path(&example(env)).unwrap();
        let e = check(compiler(), &sb, &src, other, CheckOptions::default()).unwrap_err();
        assert_eq!(e.kind(), "env_mismatch", "{env} on {other}: {e}");
    }
}

#[test]
fn every_sparse_reward_passes_check_and_is_a_single_term() {
    let sb = sandbox();
    for env in ENVS {
        let src = Source::from_path(&sparse_example(env)).unwrap();
        let report = check(
            compiler(),
            &sb,
            &src,
            env,
            CheckOptions { transitions: 1024, batch: 512, seed: 1, states: States::Rollout, keep_values: false },
        )
        .unwrap_or_else(|e| panic!("{env} sparse: {e}"));
        assert_eq!(report.terms.len(), 1, "{env}: {:?}", report.terms);
        assert_eq!(report.terms[0].mean, report.total.mean);
    }
}
