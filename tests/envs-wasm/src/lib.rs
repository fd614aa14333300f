//! Runs registered envs under a fixed action sequence and hashes every state and
//! observation bit, and hashes a policy net's outputs. Compiled natively and to wasm32 (exported as `probe`), so a test can
//! check that the browser build of an env computes exactly what the native one does.

use rewardsmith_envs::{Space, registry};

/// FNV-1a over the bits of every observation and state of `steps` steps of env number
/// `index` (registry order) from `seed`, with actions from a fixed LCG; episodes that end
/// are reset with the next seed. Returns 0 for an unknown index.
pub fn trace_hash(index: usize, seed: u64, steps: u32) -> u64 {
    let Some(reg) = registry().get(index) else { return 0 };
    let mut env = reg.make();
    let space = (reg.spec.action_space)();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |v: &[f32]| {
        for x in v {
            for b in x.to_bits().to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
        }
    };
    let mut lcg = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next_unit = || {
        lcg = lcg.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (lcg >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut episode = seed;
    eat(&env.reset(episode));
    for _ in 0..steps {
        let action: Vec<f32> = match &space {
            Space::Discrete { n } => vec![((next_unit() * *n as f32) as usize).min(n - 1) as f32],
            Space::Box { low, high } => low.iter().zip(high).map(|(l, h)| l + (h - l) * next_unit()).collect(),
        };
        let step = env.step(&action).expect("valid action");
        eat(&step.obs);
        eat(env.state());
        if step.terminated || step.truncated {
            episode += 1;
            eat(&env.reset(episode));
        }
    }
    h
}

/// FNV-1a over the bits of a [8, 64, 64, 3] policy net's outputs (CleanRL actor init from
/// `seed`) on `n` inputs from a fixed LCG: the browser must act exactly as training did.
pub fn policy_hash(seed: u64, n: u32) -> u64 {
    use rand::SeedableRng;
    use rewardsmith_policy::{Init, Mlp};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let net = Mlp::new(&[8, 64, 64, 3], Init::cleanrl_actor(), &mut rng).expect("valid sizes");
    let mut lcg = seed | 1;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let (mut input, mut out) = ([0.0f32; 8], [0.0f32; 3]);
    for _ in 0..n {
        for x in &mut input {
            lcg = lcg.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            *x = ((lcg >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 6.0;
        }
        net.forward(&input, &mut out);
        for v in out {
            for b in v.to_bits().to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    h
}

/// wasm export: [`policy_hash`].
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn probe_policy(seed: i64, n: i32) -> i64 {
    policy_hash(seed as u64, n as u32) as i64
}

/// Number of registered envs.
pub fn env_count() -> usize {
    registry().len()
}

/// wasm export: [`trace_hash`] with wasm-friendly types.
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn probe(index: i32, seed: i64, steps: i32) -> i64 {
    trace_hash(index as usize, seed as u64, steps as u32) as i64
}

/// wasm export: [`env_count`].
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn probe_env_count() -> i32 {
    env_count() as i32
}

/// FNV-1a over every action and transition bit of a closed-loop episode: the saved policy in
/// `safetensors` (as `rewardsmith train` writes it) acting deterministically on env number
/// `index` from `seed`, for up to `steps` steps of the shared play loop
/// (`rewardsmith_policy::Player`, what `rewardsmith rollout` and a browser demo run).
/// Returns 0 if the file or index is bad.
pub fn policy_episode_hash(safetensors: &[u8], index: usize, seed: u64, steps: u32) -> u64 {
    use rewardsmith_policy::{ActMode, Player, Policy, read_safetensors};
    let Some(reg) = registry().get(index) else { return 0 };
    let Ok(policy) = read_safetensors(safetensors).and_then(|t| Policy::from_tensors(&t)) else { return 0 };
    let Ok(mut player) = Player::new(reg.make(), policy, seed, ActMode::Deterministic) else { return 0 };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |v: &[f32]| {
        for x in v {
            for b in x.to_bits().to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
        }
    };
    for _ in 0..steps {
        let Ok(ended) = player.step() else { return 0 };
        eat(player.action());
        eat(player.transition()); // state before, SDK action, state after
        if ended {
            break;
        }
    }
    h
}

/// wasm export: room for `len` bytes in this module's memory (for the policy file).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn probe_alloc(len: i32) -> i32 {
    let buf = vec![0u8; len.max(0) as usize].into_boxed_slice();
    Box::leak(buf).as_mut_ptr() as usize as i32
}

/// wasm export: [`policy_episode_hash`] over `len` bytes at `ptr` (from [`probe_alloc`]).
#[unsafe(no_mangle)]
#[allow(unsafe_code)]
pub extern "C" fn probe_policy_episode(ptr: i32, len: i32, index: i32, seed: i64, steps: i32) -> i64 {
    // SAFETY: the host wrote `len` bytes at `ptr`, a buffer probe_alloc leaked for it.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) };
    policy_episode_hash(bytes, index as usize, seed as u64, steps as u32) as i64
}
