//! The human baseline and sparse rewards of every env, embedded so the final evaluation
//! (and the human-normalised score) works from an installed binary.

/// `(sdk env, human baseline source, sparse source)`.
const BASELINES: &[(&str, &str, &str)] = &[
    (
        "cartpole",
        include_str!("../../../guest-sdk/examples/cartpole.rs"),
        include_str!("../../../guest-sdk/examples/cartpole_sparse.rs"),
    ),
    (
        "pendulum",
        include_str!("../../../guest-sdk/examples/pendulum.rs"),
        include_str!("../../../guest-sdk/examples/pendulum_sparse.rs"),
    ),
    (
        "reacher",
        include_str!("../../../guest-sdk/examples/reacher.rs"),
        include_str!("../../../guest-sdk/examples/reacher_sparse.rs"),
    ),
    (
        "ball_balance",
        include_str!("../../../guest-sdk/examples/ball_balance.rs"),
        include_str!("../../../guest-sdk/examples/ball_balance_sparse.rs"),
    ),
    (
        "pusher",
        include_str!("../../../guest-sdk/examples/pusher.rs"),
        include_str!("../../../guest-sdk/examples/pusher_sparse.rs"),
    ),
    (
        "ant",
        include_str!("../../../guest-sdk/examples/ant.rs"),
        include_str!("../../../guest-sdk/examples/ant_sparse.rs"),
    ),
];

/// `cartpole-v0` → `cartpole`.
fn base(env: &str) -> &str {
    rewardsmith_envs::registry::base_name(env)
}

/// The human baseline reward's source for an SDK env (`cartpole` or `cartpole-v0`).
pub fn human(env: &str) -> Option<&'static str> {
    BASELINES.iter().find(|b| b.0 == base(env)).map(|b| b.1)
}

/// The sparse reward's source (the task's success signal, no shaping).
pub fn sparse(env: &str) -> Option<&'static str> {
    BASELINES.iter().find(|b| b.0 == base(env)).map(|b| b.2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_registered_env_has_both_baselines() {
        for reg in rewardsmith_envs::registry() {
            let env = reg.spec.reward_env;
            assert!(super::human(env).is_some_and(|s| s.contains("export_reward!")), "{env}: no human baseline");
            assert!(super::sparse(env).is_some_and(|s| s.contains("export_reward!")), "{env}: no sparse reward");
        }
    }
}
