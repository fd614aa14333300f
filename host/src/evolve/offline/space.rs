//! The search space of one env, read from its SDK layout: which state components a term can
//! shape (with a prior that favours distances and angles), which action fields an effort
//! penalty can read, and how random terms and genomes are drawn.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rewardsmith_guest::Field;
use rewardsmith_guest::envs::EnvLayout;

use super::genome::{Component, Falloff, Gene, Genome, Part, Shape, round3};

/// Most terms a genome holds (the host allows 32; a handful keeps programs readable).
pub const MAX_TERMS: usize = 8;
/// Coefficients stay in this range.
pub const COEF_RANGE: (f32, f32) = (0.01, 2.0);

/// One env's components, action fields and priors.
#[derive(Clone, Debug)]
pub struct Space {
    pub layout: &'static EnvLayout,
    /// Shapeable components with their prior weights (all positive).
    pub components: Vec<(Component, f64)>,
    /// Action fields: `(name, len, range)`.
    pub actions: Vec<(String, usize, (f32, f32))>,
    /// The state has a `time` field, so per-second terms (`Progress`) can be written.
    pub has_time: bool,
}

/// How much a field is worth shaping, from its name and doc: distances and errors most, then
/// angles, positions, velocities; fields the policy cannot change (targets, goals, the
/// previous action, time) little or not at all.
pub fn prior(f: &Field) -> f64 {
    let name = f.name;
    let doc = f.doc.to_ascii_lowercase();
    let has = |w: &str| name.contains(w);
    if name == "time" {
        0.0
    } else if has("prev_action") || has("quat") || ((has("target") || has("goal")) && !has("to_")) {
        0.2
    } else if has("dist") || has("to_target") || has("_to_") || has("error") || doc.contains("distance") {
        5.0
    } else if has("angle") || has("upright") {
        4.0
    } else if has("pos") || has("tilt") || has("tip") {
        2.0
    } else {
        1.0
    }
}

impl Space {
    /// The space of `layout`. `constant[i]` marks state floats that never change in the
    /// env's rollouts (a planar arm's z): terms on them would be wasted.
    pub fn new(layout: &'static EnvLayout, constant: &[bool]) -> Space {
        let mut components = Vec::new();
        let mut offset = 0;
        for f in layout.state_fields {
            let fixed = |k: usize| constant.get(offset + k).copied().unwrap_or(false);
            let w = prior(f);
            let comp = |part, range| Component { field: f.name.to_owned(), part, range };
            if w <= 0.0 {
                offset += f.len;
                continue;
            }
            if f.len == 1 {
                if !fixed(0) {
                    components.push((comp(Part::Scalar, f.range), w));
                }
            } else {
                let varying: Vec<usize> = (0..f.len).filter(|&k| !fixed(k)).collect();
                for &k in &varying {
                    components.push((comp(Part::Index(k), f.range), w / (varying.len() as f64).sqrt()));
                }
                if !varying.is_empty() {
                    let max = f.range.0.abs().max(f.range.1.abs());
                    components.push((comp(Part::Norm, (0.0, max)), w));
                }
            }
            offset += f.len;
        }
        let actions = layout.action_fields.iter().map(|f| (f.name.to_owned(), f.len, f.range)).collect();
        let has_time = layout.state_fields.iter().any(|f| f.name == "time" && f.len == 1);
        Space { layout, components, actions, has_time }
    }

    /// A component drawn by prior weight.
    pub fn pick_component(&self, rng: &mut ChaCha8Rng) -> Component {
        let total: f64 = self.components.iter().map(|c| c.1).sum();
        let mut u = rng.random_range(0.0..total);
        for (c, w) in &self.components {
            if u < *w {
                return c.clone();
            }
            u -= w;
        }
        self.components.last().expect("a space has components").0.clone()
    }

    /// The components with the highest prior, in layout order.
    pub fn top_components(&self) -> Vec<Component> {
        let best = self.components.iter().map(|c| c.1).fold(0.0, f64::max);
        self.components.iter().filter(|c| c.1 >= best).map(|c| c.0.clone()).collect()
    }

    /// A shaping term on `x` of a random kind, with random parameters.
    pub fn random_shape(&self, x: Component, rng: &mut ChaCha8Rng) -> Shape {
        let target = default_target(&x, rng);
        let kinds: &[(u8, f64)] = &[(0, 0.35), (1, 0.25), (2, 0.15), (3, 0.1), (4, 0.1), (5, 0.05)];
        let total: f64 = kinds.iter().filter(|k| k.0 != 4 || self.has_time).map(|k| k.1).sum();
        let mut u = rng.random_range(0.0..total);
        let mut kind = 0;
        for &(k, w) in kinds.iter().filter(|k| k.0 != 4 || self.has_time) {
            kind = k;
            if u < w {
                break;
            }
            u -= w;
        }
        self.shape_of_kind(kind, x, target, rng)
    }

    /// Kind 0 tolerance, 1 exp kernel, 2 square, 3 abs, 4 progress, 5 linear.
    pub fn shape_of_kind(&self, kind: u8, x: Component, target: f32, rng: &mut ChaCha8Rng) -> Shape {
        let scale = x.scale();
        match kind {
            0 => Shape::Tolerance {
                width: if rng.random_bool(0.6) { 0.0 } else { round3(log_uniform(rng, 0.02, 0.3) * scale) },
                margin: round3(log_uniform(rng, 0.05, 1.5) * scale),
                falloff: Falloff::ALL[rng.random_range(0..Falloff::ALL.len())],
                x,
                target,
            },
            1 => Shape::Exp { temperature: round3(log_uniform(rng, 0.05, 1.5) * scale), x, target },
            2 => Shape::Square { x, target },
            3 => Shape::Abs { x, target },
            4 if self.has_time => Shape::Progress { x, target },
            _ => Shape::Linear { sign: if rng.random_bool(0.5) { 1.0 } else { -1.0 }, x },
        }
    }

    /// A random shaping term on a component drawn by prior.
    pub fn random_shaping_gene(&self, rng: &mut ChaCha8Rng) -> Gene {
        let x = self.pick_component(rng);
        Gene { coef: random_coef(rng, 0.1, 1.5), shape: self.random_shape(x, rng) }
    }

    /// An alive bonus.
    pub fn alive_gene(rng: &mut ChaCha8Rng) -> Gene {
        Gene { coef: random_coef(rng, 0.1, 1.0), shape: Shape::Alive }
    }

    /// An effort penalty on a random action field.
    pub fn control_gene(&self, rng: &mut ChaCha8Rng) -> Option<Gene> {
        if self.actions.is_empty() {
            return None;
        }
        let (field, len, range) = self.actions[rng.random_range(0..self.actions.len())].clone();
        Some(Gene { coef: random_coef(rng, 0.01, 0.1), shape: Shape::Control { field, len, range } })
    }

    /// A random genome: 1–4 shaping terms, maybe an alive bonus, maybe an effort penalty.
    pub fn random_genome(&self, rng: &mut ChaCha8Rng) -> Genome {
        let mut terms: Vec<Gene> = Vec::new();
        let k = rng.random_range(1..=4);
        let mut tries = 0;
        while terms.len() < k && tries < 50 {
            tries += 1;
            let g = self.random_shaping_gene(rng);
            if !terms.iter().any(|t| t.base_name() == g.base_name()) {
                terms.push(g);
            }
        }
        if rng.random_bool(0.5) {
            terms.push(Self::alive_gene(rng));
        }
        if rng.random_bool(0.4)
            && let Some(g) = self.control_gene(rng)
        {
            terms.push(g);
        }
        Genome { terms }
    }

    /// The prior's best guess: a long-tailed tolerance toward the usual target on each
    /// top-prior component (at most two), an alive bonus and small effort penalties.
    pub fn heuristic_genome(&self) -> Genome {
        let mut terms: Vec<Gene> = self
            .top_components()
            .into_iter()
            .take(2)
            .map(|x| {
                let margin = round3(0.5 * x.scale());
                let target = zero_in(&x);
                Gene {
                    coef: 1.0,
                    shape: Shape::Tolerance { x, target, width: 0.0, margin, falloff: Falloff::LongTail },
                }
            })
            .collect();
        terms.push(Gene { coef: 0.5, shape: Shape::Alive });
        for (field, len, range) in self.actions.iter().take(MAX_TERMS - terms.len()) {
            terms.push(Gene { coef: 0.05, shape: Shape::Control { field: field.clone(), len: *len, range: *range } });
        }
        Genome { terms }
    }
}

/// 0 moved into the component's range: most fields want to be 0 (angles from upright,
/// distances, velocities).
pub fn zero_in(x: &Component) -> f32 {
    round3(0f32.clamp(x.range.0, x.range.1))
}

/// Mostly [`zero_in`]; sometimes a random value in range.
pub fn default_target(x: &Component, rng: &mut ChaCha8Rng) -> f32 {
    let p_zero = if x.part == Part::Norm { 0.85 } else { 0.75 };
    if rng.random_bool(p_zero) { zero_in(x) } else { round3(rng.random_range(x.range.0..=x.range.1)) }
}

/// Log-uniform in `[lo, hi]` (libm, so the same bits on every platform).
pub fn log_uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    let (a, b) = (libm::logf(lo), libm::logf(hi));
    libm::expf(a + rng.random_range(0.0f32..=1.0) * (b - a))
}

/// A coefficient, log-uniform in `[lo, hi]`, rounded, within [`COEF_RANGE`].
pub fn random_coef(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    round3(log_uniform(rng, lo, hi)).clamp(COEF_RANGE.0, COEF_RANGE.1)
}

/// A standard normal draw (Box–Muller), for mutations.
pub fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random_range(0.0..1.0);
    libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(std::f32::consts::TAU * u2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewardsmith_guest::envs;

    #[test]
    fn priors_favour_distances_and_angles_and_skip_time() {
        let reacher = Space::new(envs::find("reacher").unwrap(), &[]);
        let top: Vec<String> = reacher.top_components().iter().map(Component::label).collect();
        assert_eq!(top, ["to_target_norm", "distance"]);
        assert!(reacher.components.iter().all(|c| c.0.field != "time"));
        let cartpole = Space::new(envs::find("cartpole").unwrap(), &[]);
        let top: Vec<String> = cartpole.top_components().iter().map(Component::label).collect();
        assert_eq!(top, ["pole_angle"]);
        let pendulum = Space::new(envs::find("pendulum").unwrap(), &[]);
        assert_eq!(pendulum.top_components()[0].label(), "angle");
    }

    #[test]
    fn constant_floats_are_not_shaped() {
        let layout = envs::find("reacher").unwrap();
        let mut constant = vec![false; layout.state_len];
        constant[4 + 2] = true; // fingertip z
        let space = Space::new(layout, &constant);
        let labels: Vec<String> = space.components.iter().map(|c| c.0.label()).collect();
        assert!(labels.contains(&"fingertip_1".to_owned()) && labels.contains(&"fingertip_norm".to_owned()));
        assert!(!labels.contains(&"fingertip_2".to_owned()));
    }
}
