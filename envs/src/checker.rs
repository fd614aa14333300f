//! The env checker, after Gymnasium's `env_checker`: one documented function per check,
//! each failure naming the env and showing actual versus expected.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::env::Env;
use crate::registration::Registration;
use crate::space::Space;

/// A failed check: which one, and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{env}: {check}: {detail}")]
pub struct CheckFailure {
    pub env: &'static str,
    pub check: &'static str,
    pub detail: String,
}

fn fail(env: &'static str, check: &'static str, detail: String) -> Result<(), CheckFailure> {
    Err(CheckFailure { env, check, detail })
}

/// Runs every check on the env registered by `reg`.
pub fn check_env(reg: &Registration) -> Result<(), CheckFailure> {
    check_spaces(reg)?;
    check_observations(reg)?;
    check_determinism(reg)?;
    check_not_done_after_one_neutral_step(reg)?;
    check_fitness_range(reg)?;
    check_state_finite(reg)?;
    check_snapshot(reg)?;
    Ok(())
}

/// Spaces are consistent: non-empty, bounds ordered, the observation and state have the
/// declared lengths, and the reward layout matches the SDK's.
pub fn check_spaces(reg: &Registration) -> Result<(), CheckFailure> {
    let (id, spec) = (reg.spec.id, reg.spec);
    for (name, space) in [("observation", (spec.observation_space)()), ("action", (spec.action_space)())] {
        match &space {
            Space::Discrete { n } if *n < 2 => {
                return fail(id, "spaces", format!("{name} space has {n} choices, expected ≥ 2"));
            }
            Space::Box { low, high } if low.is_empty() || low.len() != high.len() => {
                return fail(
                    id,
                    "spaces",
                    format!("{name} space bounds have lengths {} and {}", low.len(), high.len()),
                );
            }
            Space::Box { low, high } => {
                if let Some(i) = (0..low.len()).find(|&i| !(low[i] < high[i])) {
                    return fail(
                        id,
                        "spaces",
                        format!("{name} bound {i}: low {} is not below high {}", low[i], high[i]),
                    );
                }
            }
            Space::Discrete { .. } => {}
        }
    }
    let mut env = reg.make();
    let obs = env.reset(0);
    let dim = (spec.observation_space)().dim();
    if obs.len() != dim {
        return fail(id, "spaces", format!("reset returned {} observation floats, the space has {dim}", obs.len()));
    }
    let layout = env.layout();
    if env.state().len() != layout.state_len || env.sdk_action().len() != layout.action_len {
        return fail(
            id,
            "spaces",
            format!(
                "state/action have {}/{} floats, the SDK layout `{}` has {}/{}",
                env.state().len(),
                env.sdk_action().len(),
                layout.id,
                layout.state_len,
                layout.action_len
            ),
        );
    }
    Ok(())
}

/// Observations stay finite and inside the observation space over random episodes.
pub fn check_observations(reg: &Registration) -> Result<(), CheckFailure> {
    let space = (reg.spec.observation_space)();
    let mut worst = None;
    rollout(reg, 7, 3, |_, obs, _| {
        if worst.is_none() && !space.contains(obs) {
            worst = Some(obs.to_vec());
        }
    });
    match worst {
        Some(obs) => fail(reg.spec.id, "observations", format!("{obs:?} is outside the observation space {space:?}")),
        None => Ok(()),
    }
}

/// The same seed and actions give bit-identical observations and states; another seed
/// gives a different start.
pub fn check_determinism(reg: &Registration) -> Result<(), CheckFailure> {
    let trace = |seed| {
        let mut bits = Vec::new();
        rollout(reg, seed, 2, |env, obs, _| bits.extend(obs.iter().chain(env.state()).map(|v| v.to_bits())));
        bits
    };
    let (a, b) = (trace(11), trace(11));
    if a != b {
        let at = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        return fail(reg.spec.id, "determinism", format!("two runs with seed 11 first differ at float {at}"));
    }
    let (mut e1, mut e2) = (reg.make(), reg.make());
    if e1.reset(1) == e2.reset(2) {
        return fail(reg.spec.id, "determinism", "seeds 1 and 2 gave the same start; starts must be randomised".into());
    }
    Ok(())
}

/// A neutral action (zero force, or the first discrete choice) does not end the episode
/// after one step.
pub fn check_not_done_after_one_neutral_step(reg: &Registration) -> Result<(), CheckFailure> {
    let mut env = reg.make();
    for seed in 0..5 {
        env.reset(seed);
        let neutral = vec![0.0; (reg.spec.action_space)().dim()];
        let step = env.step(&neutral).map_err(|e| CheckFailure {
            env: reg.spec.id,
            check: "neutral step",
            detail: e.to_string(),
        })?;
        if step.terminated || step.truncated {
            return fail(reg.spec.id, "neutral step", format!("seed {seed}: episode ended after one neutral step"));
        }
    }
    Ok(())
}

/// Fitness stays in its declared range throughout random episodes.
pub fn check_fitness_range(reg: &Registration) -> Result<(), CheckFailure> {
    let (lo, hi) = reg.spec.fitness_range;
    let mut bad = None;
    rollout(reg, 5, 3, |env, _, _| {
        let f = env.fitness();
        if bad.is_none() && !(f.is_finite() && f >= lo && f <= hi) {
            bad = Some(f);
        }
    });
    match bad {
        Some(f) => fail(reg.spec.id, "fitness range", format!("fitness {f}, declared range [{lo}, {hi}]")),
        None => Ok(()),
    }
}

/// Every state float stays finite, and `time` advances by `control_dt` per step.
pub fn check_state_finite(reg: &Registration) -> Result<(), CheckFailure> {
    let mut bad = None;
    rollout(reg, 9, 3, |env, _, _| {
        if bad.is_none()
            && let Some(i) = env.state().iter().position(|v| !v.is_finite())
        {
            bad = Some(format!("state float {i} is {}", env.state()[i]));
        }
    });
    if let Some(detail) = bad {
        return fail(reg.spec.id, "state finite", detail);
    }
    let mut env = reg.make();
    env.reset(0);
    let neutral = vec![0.0; (reg.spec.action_space)().dim()];
    let _ = env.step(&neutral);
    let time_index = env.layout().state_fields.iter().take_while(|f| f.name != "time").map(|f| f.len).sum::<usize>();
    let t = env.state().get(time_index).copied().unwrap_or(f32::NAN);
    if (t - reg.spec.control_dt).abs() > 1e-6 {
        return fail(
            reg.spec.id,
            "state finite",
            format!("state.time after one step is {t}, expected {}", reg.spec.control_dt),
        );
    }
    Ok(())
}

/// The render snapshot names every body with a finite pose, a unit quaternion and a
/// positive size.
pub fn check_snapshot(reg: &Registration) -> Result<(), CheckFailure> {
    let mut env = reg.make();
    env.reset(3);
    let snap = env.snapshot();
    if snap.bodies.is_empty() {
        return fail(reg.spec.id, "snapshot", "no bodies".into());
    }
    for b in &snap.bodies {
        let norm: f32 = b.rotation.iter().map(|q| q * q).sum::<f32>().sqrt();
        if b.position.iter().any(|v| !v.is_finite()) || (norm - 1.0).abs() > 1e-3 {
            return fail(
                reg.spec.id,
                "snapshot",
                format!("body `{}` has position {:?}, rotation norm {norm}", b.name, b.position),
            );
        }
        let sizes: Vec<f32> = match b.shape {
            crate::Shape::Cuboid { half } => half.to_vec(),
            crate::Shape::Ball { radius } => vec![radius],
            crate::Shape::Capsule { half_height, radius } | crate::Shape::Cylinder { half_height, radius } => {
                vec![half_height + radius, radius]
            }
        };
        if sizes.iter().any(|s| !(*s > 0.0)) {
            return fail(reg.spec.id, "snapshot", format!("body `{}` has a non-positive size {:?}", b.name, b.shape));
        }
    }
    Ok(())
}

/// Runs `episodes` random-action episodes from `seed`, calling `f(env, obs, step_index)`
/// after reset and after every step.
fn rollout(reg: &Registration, seed: u64, episodes: u64, mut f: impl FnMut(&dyn Env, &[f32], u32)) {
    let mut env = reg.make();
    let space = (reg.spec.action_space)();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for ep in 0..episodes {
        let obs = env.reset(seed * 1000 + ep);
        f(env.as_ref(), &obs, 0);
        for i in 1.. {
            let action = space.sample(&mut rng);
            let step = env.step(&action).expect("a sampled action is valid");
            f(env.as_ref(), &step.obs, i);
            if step.terminated || step.truncated {
                break;
            }
        }
    }
}
