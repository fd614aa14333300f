//! Seeded synthetic transitions for exercising a reward before any env runs it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rewardsmith_envs::{EnvError, VecEnv};
use rewardsmith_guest::Field;
use rewardsmith_guest::envs::EnvLayout;

/// `n` transitions `[state, action, next_state]` for `env`, each component drawn uniformly
/// from its field's typical range; the next state is the state moved by up to 5 % of each
/// range, so differences (`next − s`) are small as in a real step. Same seed → same bits.
pub fn sample(env: &EnvLayout, n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * env.transition_len());
    for _ in 0..n {
        let start = out.len();
        push_fields(&mut out, env.state_fields, &mut rng);
        push_fields(&mut out, env.action_fields, &mut rng);
        let mut k = 0;
        for f in env.state_fields {
            for _ in 0..f.len {
                let step = 0.05 * (f.range.1 - f.range.0) * rng.random_range(-1.0f32..=1.0);
                out.push(out[start + k] + step);
                k += 1;
            }
        }
    }
    out
}

fn push_fields(out: &mut Vec<f32>, fields: &[Field], rng: &mut ChaCha8Rng) {
    for f in fields {
        for _ in 0..f.len {
            out.push(rng.random_range(f.range.0..=f.range.1));
        }
    }
}

/// `n` real transitions of env `id` (a registry id or name): 8 envs driven by seeded
/// uniform random actions, auto-resetting, exactly as a trainer's vector step produces
/// them (`[state, sdk action, next state]`). Same seed → same bits.
pub fn rollout(id: &str, n: usize, seed: u64) -> Result<Vec<f32>, EnvError> {
    let mut envs = VecEnv::new(id, 8, 1, seed)?;
    let space = (envs.envs()[0].spec().action_space)();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let stride = envs.envs()[0].layout().transition_len();
    let mut out = Vec::with_capacity(n * stride);
    while out.len() < n * stride {
        let actions: Vec<f32> = (0..envs.len()).flat_map(|_| space.sample(&mut rng)).collect();
        envs.step(&actions)?;
        let take = (n * stride - out.len()).min(envs.transitions().len());
        out.extend_from_slice(&envs.transitions()[..take]);
    }
    Ok(out)
}

/// Names each float of one state (`cart_pos`, `joint_pos[1]`, ...) with its value.
pub fn describe_state(fields: &[Field], values: &[f32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    for f in fields {
        for k in 0..f.len {
            let name = if f.len == 1 { f.name.to_string() } else { format!("{}[{k}]", f.name) };
            parts.push(format!("{name}={}", values.get(i).copied().unwrap_or(f32::NAN)));
            i += 1;
        }
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bits_and_values_in_range() {
        let env = rewardsmith_guest::envs::find("ant").unwrap();
        let a = sample(env, 100, 7);
        assert_eq!(a, sample(env, 100, 7));
        assert_ne!(a, sample(env, 100, 8));
        assert_eq!(a.len(), 100 * env.transition_len());
        let f = &env.state_fields[0];
        assert!(a[0] >= f.range.0 && a[0] <= f.range.1);
    }
}
