//! Variation operators on genomes: perturb a coefficient, a temperature or margin, a target;
//! swap a term's kind or fall-off; add or remove a term; cross two parents. Each operator
//! returns a one-line note of what it changed, so a candidate's history is readable.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::genome::{Falloff, Gene, Genome, Shape, round3};
use super::space::{COEF_RANGE, MAX_TERMS, Space, default_target, normal, zero_in};

/// Applies one random operator to `g` and says what it did.
pub fn mutate_once(g: &mut Genome, space: &Space, rng: &mut ChaCha8Rng) -> String {
    let n = g.terms.len();
    let has_param = g.terms.iter().any(|t| matches!(t.shape, Shape::Tolerance { .. } | Shape::Exp { .. }));
    let has_target = g.terms.iter().any(|t| t.shape.component().is_some());
    let ops: [(u8, f64, bool); 7] = [
        (0, 0.30, n > 0),
        (1, 0.20, has_param),
        (2, 0.12, has_target),
        (3, 0.10, has_target),
        (4, 0.05, g.terms.iter().any(|t| matches!(t.shape, Shape::Tolerance { .. }))),
        (5, 0.13, n < MAX_TERMS),
        (6, 0.10, n > 1),
    ];
    let total: f64 = ops.iter().filter(|o| o.2).map(|o| o.1).sum();
    let mut u = rng.random_range(0.0..total);
    let mut op = 5;
    for &(k, w, ok) in &ops {
        if !ok {
            continue;
        }
        op = k;
        if u < w {
            break;
        }
        u -= w;
    }
    let names = g.term_names();
    match op {
        0 => {
            let i = rng.random_range(0..n);
            let old = g.terms[i].coef;
            let new = round3(old * libm::expf(0.5 * normal(rng))).clamp(COEF_RANGE.0, COEF_RANGE.1);
            g.terms[i].coef = new;
            format!("{} coef {old}→{new}", names[i])
        }
        1 => {
            let i = pick(g, rng, |t| matches!(t.shape, Shape::Tolerance { .. } | Shape::Exp { .. }));
            let scale = g.terms[i].shape.component().map_or(1.0, |c| c.scale());
            let factor = libm::expf(0.5 * normal(rng));
            let bounded = |v: f32| round3((v * factor).clamp(0.01 * scale, 3.0 * scale));
            match &mut g.terms[i].shape {
                Shape::Tolerance { margin, width, .. } => {
                    if *width > 0.0 && rng.random_bool(0.3) {
                        let old = *width;
                        *width = if rng.random_bool(0.3) { 0.0 } else { bounded(old) };
                        format!("{} width {old}→{width}", names[i])
                    } else {
                        let old = *margin;
                        *margin = bounded(old);
                        format!("{} margin {old}→{margin}", names[i])
                    }
                }
                Shape::Exp { temperature, .. } => {
                    let old = *temperature;
                    *temperature = bounded(old);
                    format!("{} temperature {old}→{temperature}", names[i])
                }
                _ => unreachable!("picked a term with a parameter"),
            }
        }
        2 => {
            let i = pick(g, rng, |t| t.shape.component().is_some());
            let x = g.terms[i].shape.component().cloned().expect("picked a term with a component");
            let Some(target) = g.terms[i].shape.target_mut() else {
                // A linear term has no target: flip its direction instead.
                if let Shape::Linear { sign, .. } = &mut g.terms[i].shape {
                    *sign = -*sign;
                }
                return format!("{} direction flipped", names[i]);
            };
            let old = *target;
            *target = if rng.random_bool(0.3) {
                zero_in(&x)
            } else {
                round3((old + 0.15 * x.scale() * normal(rng)).clamp(x.range.0, x.range.1))
            };
            format!("{} target {old}→{target}", names[i])
        }
        3 => {
            let i = pick(g, rng, |t| t.shape.component().is_some());
            let x = g.terms[i].shape.component().cloned().expect("picked a term with a component");
            let target = g.terms[i].shape.clone().target_mut().copied().unwrap_or_else(|| default_target(&x, rng));
            let old = g.terms[i].shape.kind_word();
            let current = kind_of(&g.terms[i].shape);
            let mut kind = current;
            while kind == current {
                kind = rng.random_range(0..6u8);
            }
            g.terms[i].shape = space.shape_of_kind(kind, x, target, rng);
            format!("{} kind {old}→{}", names[i], g.terms[i].shape.kind_word())
        }
        4 => {
            let i = pick(g, rng, |t| matches!(t.shape, Shape::Tolerance { .. }));
            let Shape::Tolerance { falloff, .. } = &mut g.terms[i].shape else { unreachable!("picked a tolerance") };
            let old = *falloff;
            while *falloff == old {
                *falloff = Falloff::ALL[rng.random_range(0..Falloff::ALL.len())];
            }
            format!("{} fall-off {old:?}→{falloff:?}", names[i])
        }
        5 => {
            let has = |g: &Genome, f: fn(&Shape) -> bool| g.terms.iter().any(|t| f(&t.shape));
            let u: f64 = rng.random_range(0.0..1.0);
            let gene = if u < 0.15 && !has(g, |s| matches!(s, Shape::Alive)) {
                Space::alive_gene(rng)
            } else if u < 0.3 && !has(g, |s| matches!(s, Shape::Control { .. })) {
                space.control_gene(rng).unwrap_or_else(|| space.random_shaping_gene(rng))
            } else {
                space.random_shaping_gene(rng)
            };
            g.terms.push(gene);
            let name = g.term_names().pop().expect("a term was added");
            format!("added {name}")
        }
        _ => {
            let i = rng.random_range(0..n);
            g.terms.remove(i);
            format!("removed {}", names[i])
        }
    }
}

/// Applies 1–3 operators (more are rarer) and joins their notes.
pub fn mutate(g: &mut Genome, space: &Space, rng: &mut ChaCha8Rng) -> String {
    let mut notes = vec![mutate_once(g, space, rng)];
    while notes.len() < 3 && rng.random_bool(0.4) {
        notes.push(mutate_once(g, space, rng));
    }
    notes.join("; ")
}

/// Uniform crossover by term name: a term both parents have comes from either; a term only
/// one has is kept with probability ½. At least one term, at most [`MAX_TERMS`].
pub fn crossover(a: &Genome, b: &Genome, rng: &mut ChaCha8Rng) -> Genome {
    let (na, nb) = (a.term_names(), b.term_names());
    let mut terms: Vec<Gene> = Vec::new();
    for (i, name) in na.iter().enumerate() {
        match nb.iter().position(|m| m == name) {
            Some(j) => terms.push(if rng.random_bool(0.5) { a.terms[i].clone() } else { b.terms[j].clone() }),
            None if rng.random_bool(0.5) => terms.push(a.terms[i].clone()),
            None => {}
        }
    }
    for (j, name) in nb.iter().enumerate() {
        if !na.contains(name) && rng.random_bool(0.5) {
            terms.push(b.terms[j].clone());
        }
    }
    if terms.is_empty() {
        terms.push(a.terms.first().or(b.terms.first()).cloned().expect("parents have terms"));
    }
    terms.truncate(MAX_TERMS);
    Genome { terms }
}

/// A random index among the terms satisfying `f` (callers check one exists).
fn pick(g: &Genome, rng: &mut ChaCha8Rng, f: impl Fn(&Gene) -> bool) -> usize {
    let idx: Vec<usize> = (0..g.terms.len()).filter(|&i| f(&g.terms[i])).collect();
    idx[rng.random_range(0..idx.len())]
}

fn kind_of(s: &Shape) -> u8 {
    match s {
        Shape::Tolerance { .. } => 0,
        Shape::Exp { .. } => 1,
        Shape::Square { .. } => 2,
        Shape::Abs { .. } => 3,
        Shape::Progress { .. } => 4,
        _ => 5,
    }
}
