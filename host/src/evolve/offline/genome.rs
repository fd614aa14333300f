//! The offline proposer's genome: a reward program as a list of weighted shaping terms, each
//! reading one number of the env's state (or its action), so it can be mutated, crossed and
//! stored as data, and rendered to Rust source (see `render`).

use serde::{Deserialize, Serialize};

/// A reward program: the sum of its terms. Rendered to Rust by `OfflineProposer::render`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Genome {
    pub terms: Vec<Gene>,
}

/// One term: `coef` times a shaping of one state component (or a bonus, or an effort penalty).
/// `coef` is positive; the shape decides the sign (penalties are negative).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gene {
    pub coef: f32,
    pub shape: Shape,
}

/// Which number of the next state a term reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// The `State` field, e.g. `pole_angle`.
    pub field: String,
    pub part: Part,
    /// The component's typical range (for a norm, `(0, max |component|)`): it scales
    /// penalties and bounds targets.
    pub range: (f32, f32),
}

/// A scalar field, one element of an array field, or an array field's Euclidean norm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    Scalar,
    Index(usize),
    Norm,
}

/// `tolerance_with`'s fall-off shapes (the SDK's `Sigmoid`), as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Falloff {
    Gaussian,
    Hyperbolic,
    LongTail,
    Reciprocal,
    Cosine,
    Linear,
    Quadratic,
    TanhSquared,
}

impl Falloff {
    pub const ALL: [Falloff; 8] = [
        Falloff::Gaussian,
        Falloff::Hyperbolic,
        Falloff::LongTail,
        Falloff::Reciprocal,
        Falloff::Cosine,
        Falloff::Linear,
        Falloff::Quadratic,
        Falloff::TanhSquared,
    ];

    /// The SDK's variant name (`Sigmoid::LongTail`).
    pub fn sdk_name(self) -> &'static str {
        match self {
            Falloff::Gaussian => "Gaussian",
            Falloff::Hyperbolic => "Hyperbolic",
            Falloff::LongTail => "LongTail",
            Falloff::Reciprocal => "Reciprocal",
            Falloff::Cosine => "Cosine",
            Falloff::Linear => "Linear",
            Falloff::Quadratic => "Quadratic",
            Falloff::TanhSquared => "TanhSquared",
        }
    }
}

/// What a term computes. `S` below is the component's scale (half its range).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shape {
    /// `tolerance_with(x, target − width, target + width, margin, falloff, 0.1)`: 1 near the
    /// target, falling to 0.1 at `margin` outside it.
    Tolerance { x: Component, target: f32, width: f32, margin: f32, falloff: Falloff },
    /// `exp_kernel(x − target, temperature)`.
    Exp { x: Component, target: f32, temperature: f32 },
    /// `−|x − target| / S`.
    Abs { x: Component, target: f32 },
    /// `−((x − target) / S)²`.
    Square { x: Component, target: f32 },
    /// How fast `|x − target|` shrinks, per second, over `S`, clamped to ±3 (a velocity term:
    /// reward for approaching).
    Progress { x: Component, target: f32 },
    /// `sign · clamp(x / S, −1, 1)`: more (or less) of `x` is better.
    Linear { x: Component, sign: f32 },
    /// A constant bonus for every step the episode lasts.
    Alive,
    /// `−‖a.field‖² / (len · S²)`: effort on one action field.
    Control { field: String, len: usize, range: (f32, f32) },
}

impl Component {
    /// Half the range: the typical magnitude penalties are measured in.
    pub fn scale(&self) -> f32 {
        ((self.range.1 - self.range.0) / 2.0).max(1e-6)
    }

    /// `pole_angle`, `joint_vel_1`, `to_target_norm`.
    pub fn label(&self) -> String {
        match self.part {
            Part::Scalar => self.field.clone(),
            Part::Index(k) => format!("{}_{k}", self.field),
            Part::Norm => format!("{}_norm", self.field),
        }
    }
}

impl Shape {
    /// The component read, if any.
    pub fn component(&self) -> Option<&Component> {
        match self {
            Shape::Tolerance { x, .. }
            | Shape::Exp { x, .. }
            | Shape::Abs { x, .. }
            | Shape::Square { x, .. }
            | Shape::Progress { x, .. }
            | Shape::Linear { x, .. } => Some(x),
            Shape::Alive | Shape::Control { .. } => None,
        }
    }

    /// The target, for shapes that pull toward one.
    pub fn target_mut(&mut self) -> Option<&mut f32> {
        match self {
            Shape::Tolerance { target, .. }
            | Shape::Exp { target, .. }
            | Shape::Abs { target, .. }
            | Shape::Square { target, .. }
            | Shape::Progress { target, .. } => Some(target),
            _ => None,
        }
    }

    /// A short snake_case word for the kind.
    pub fn kind_word(&self) -> &'static str {
        match self {
            Shape::Tolerance { .. } => "tol",
            Shape::Exp { .. } => "exp",
            Shape::Abs { .. } => "abs",
            Shape::Square { .. } => "sq",
            Shape::Progress { .. } => "approach",
            Shape::Linear { sign, .. } if *sign < 0.0 => "less",
            Shape::Linear { .. } => "more",
            Shape::Alive => "alive",
            Shape::Control { .. } => "effort",
        }
    }
}

impl Gene {
    /// The term's base name before deduplication: `pole_angle_tol`, `alive`, `torque_effort`.
    pub fn base_name(&self) -> String {
        match &self.shape {
            Shape::Alive => "alive".into(),
            Shape::Control { field, .. } => format!("{field}_effort"),
            s => format!("{}_{}", s.component().map(Component::label).unwrap_or_default(), s.kind_word()),
        }
    }
}

impl Genome {
    /// Unique snake_case term names, in term order (`x_tol`, `x_tol_2`, ...).
    pub fn term_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(self.terms.len());
        for g in &self.terms {
            let base = g.base_name();
            let mut name = base.clone();
            let mut k = 2;
            while names.contains(&name) {
                name = format!("{base}_{k}");
                k += 1;
            }
            names.push(name);
        }
        names
    }
}

/// Rounds to 3 significant digits, so sources read cleanly and render exactly the genome.
pub fn round3(x: f32) -> f32 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let m = libm::pow(10.0, 2.0 - libm::floor(libm::log10(x.abs() as f64)));
    ((x as f64 * m).round() / m) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_three_significant_digits() {
        assert_eq!(round3(0.123456), 0.123);
        assert_eq!(round3(-2.0461), -2.05);
        assert_eq!(round3(1234.5), 1230.0);
        assert_eq!(round3(0.0), 0.0);
    }

    #[test]
    fn duplicate_names_get_suffixes() {
        let x = Component { field: "pole_angle".into(), part: Part::Scalar, range: (-0.21, 0.21) };
        let g = Gene { coef: 1.0, shape: Shape::Abs { x, target: 0.0 } };
        let genome = Genome { terms: vec![g.clone(), g, Gene { coef: 0.5, shape: Shape::Alive }] };
        assert_eq!(genome.term_names(), ["pole_angle_abs", "pole_angle_abs_2", "alive"]);
    }
}
