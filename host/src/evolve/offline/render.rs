//! Renders a genome as a real reward program: one `t.add("name", ...)` line per term, with a
//! comment saying what it rewards, against the env's SDK module. The same compile → sandbox →
//! train path as any hand- or LLM-written reward runs it; helpers appear only when used, so
//! the source compiles without warnings.

use std::fmt::Write as _;

use super::genome::{Component, Genome, Part, Shape, round3};

/// A float as a Rust literal (`0.5`, `1e-5`, `-2.0`).
fn lit(x: f32) -> String {
    format!("{x:?}")
}

/// The component read from `state` (`next.pole_angle`, `s.joint_vel[1]`, `norm(&next.to_target)`).
fn read(x: &Component, state: &str) -> String {
    match x.part {
        Part::Scalar => format!("{state}.{}", x.field),
        Part::Index(k) => format!("{state}.{}[{k}]", x.field),
        Part::Norm => format!("norm(&{state}.{})", x.field),
    }
}

/// `x − target`, written without a double minus.
fn minus(x: String, target: f32) -> String {
    if target == 0.0 {
        x
    } else if target > 0.0 {
        format!("({x} - {})", lit(target))
    } else {
        format!("({x} + {})", lit(-target))
    }
}

/// The term's expression and a comment on what it rewards.
fn term(coef: f32, shape: &Shape) -> (String, String) {
    let c = lit(coef);
    let scale = |x: &Component| lit(round3(x.scale()));
    match shape {
        Shape::Tolerance { x, target, width, margin, falloff } => (
            format!(
                "{c} * tolerance_with({}, {}, {}, {}, Sigmoid::{}, 0.1)",
                read(x, "next"),
                lit(round3(target - width)),
                lit(round3(target + width)),
                lit(*margin),
                falloff.sdk_name()
            ),
            format!("1 within {width} of {} = {target}, {falloff:?} fall-off to 0.1 at {margin} outside", x.label()),
        ),
        Shape::Exp { x, target, temperature } => (
            format!("{c} * exp_kernel({}, {})", minus(read(x, "next"), *target), lit(*temperature)),
            format!("exp(−|{} − {target}| / {temperature})", x.label()),
        ),
        Shape::Abs { x, target } if x.part == Part::Norm && *target == 0.0 => (
            format!("-{c} * {} / {}", read(x, "next"), scale(x)),
            format!("penalty on {}, in units of {}", x.label(), scale(x)),
        ),
        Shape::Abs { x, target } => (
            format!("-{c} * abs({}) / {}", minus(read(x, "next"), *target), scale(x)),
            format!("penalty on |{} − {target}|, in units of {}", x.label(), scale(x)),
        ),
        Shape::Square { x, target } => (
            format!("-{c} * sq({} / {})", minus(read(x, "next"), *target), scale(x)),
            format!("penalty on ({} − {target})², in units of {}", x.label(), scale(x)),
        ),
        Shape::Progress { x, target } => (
            format!(
                "{c} * clamp(approach(s, next, abs({}), abs({})) / {}, -3.0, 3.0)",
                minus(read(x, "s"), *target),
                minus(read(x, "next"), *target),
                scale(x)
            ),
            format!("how fast |{} − {target}| shrinks, per second, in units of {}", x.label(), scale(x)),
        ),
        Shape::Linear { x, sign } => {
            let signed = if *sign < 0.0 { format!("-{c}") } else { c };
            let word = if *sign < 0.0 { "less" } else { "more" };
            (
                format!("{signed} * clamp({} / {}, -1.0, 1.0)", read(x, "next"), scale(x)),
                format!("{word} {} is better", x.label()),
            )
        }
        Shape::Alive => (c, "a bonus for every step the episode lasts".into()),
        Shape::Control { field, len, range } => {
            let s = round3(((range.1 - range.0) / 2.0).max(1e-6));
            let expr = if *len == 1 {
                format!("-{c} * sq(a.{field} / {})", lit(s))
            } else {
                format!("-{c} * norm_sq(&a.{field}) / {}", lit(round3(*len as f32 * s * s)))
            };
            (expr, format!("effort: the squared action `{field}`, in units of {}", lit(s)))
        }
    }
}

/// The whole program for env `env_id`, importing `State` and `Action` from `import`
/// (`rewardsmith_guest::envs::cartpole`, or `crate::env` for a schema env).
pub fn render(import: &str, env_id: &str, genome: &Genome) -> String {
    let shapes: Vec<&Shape> = genome.terms.iter().map(|g| &g.shape).collect();
    let uses_s = shapes.iter().any(|s| matches!(s, Shape::Progress { .. }));
    let uses_a = shapes.iter().any(|s| matches!(s, Shape::Control { .. }));
    let uses_sq = shapes.iter().any(|s| matches!(s, Shape::Square { .. } | Shape::Control { len: 1, .. }));
    let mut out = String::new();
    let n = genome.terms.len();
    let plural = if n == 1 { "" } else { "s" };
    let _ =
        writeln!(out, "//! Reward for `{env_id}`, written by rewardsmith's offline proposer (an evolutionary search");
    let _ =
        writeln!(out, "//! over shaping terms): {n} term{plural}, each a coefficient times one shaping of the state.");
    let _ = writeln!(out, "use {import}::*;");
    let _ = writeln!(out, "use rewardsmith_guest::prelude::*;\n");
    if uses_sq {
        let _ = writeln!(out, "fn sq(x: f32) -> f32 {{\n    x * x\n}}\n");
    }
    if uses_s {
        let _ = writeln!(out, "/// How fast a distance shrinks between two states, per second (0 across a reset).");
        let _ = writeln!(out, "fn approach(s: &State, next: &State, before: f32, after: f32) -> f32 {{");
        let _ = writeln!(out, "    let dt = next.time - s.time;");
        let _ = writeln!(out, "    if dt > 0.0 {{ (before - after) / dt }} else {{ 0.0 }}\n}}\n");
    }
    let (s, a, t) = (if uses_s { "s" } else { "_s" }, if uses_a { "a" } else { "_a" }, if n > 0 { "t" } else { "_t" });
    let _ = writeln!(out, "fn reward({s}: &State, {a}: &Action, next: &State, {t}: &mut Terms) -> f32 {{");
    let names = genome.term_names();
    for (g, name) in genome.terms.iter().zip(&names) {
        let (expr, comment) = term(g.coef, &g.shape);
        let _ = writeln!(out, "    // {comment}");
        let line = format!("    let {name} = t.add(\"{name}\", {expr});");
        if line.len() <= 100 {
            let _ = writeln!(out, "{line}");
        } else {
            let _ = writeln!(out, "    let {name} = t.add(\n        \"{name}\",\n        {expr},\n    );");
        }
    }
    let total = if n == 0 { "0.0".to_owned() } else { names.join(" + ") };
    let _ = writeln!(out, "    {total}\n}}\n");
    let _ = writeln!(out, "export_reward!(reward);");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evolve::offline::genome::{Falloff, Gene};

    #[test]
    fn renders_readable_terms() {
        let x = Component { field: "pole_angle".into(), part: Part::Scalar, range: (-0.21, 0.21) };
        let g = Genome {
            terms: vec![
                Gene {
                    coef: 0.8,
                    shape: Shape::Tolerance {
                        x: x.clone(),
                        target: 0.0,
                        width: 0.0,
                        margin: 0.1,
                        falloff: Falloff::Gaussian,
                    },
                },
                Gene { coef: 0.3, shape: Shape::Square { x, target: -0.05 } },
                Gene { coef: 0.5, shape: Shape::Alive },
            ],
        };
        let src = render("rewardsmith_guest::envs::cartpole", "cartpole-v0", &g);
        assert!(src.contains("use rewardsmith_guest::envs::cartpole::*;"), "{src}");
        assert!(src.contains(
            "    let pole_angle_tol = t.add(\n        \"pole_angle_tol\",\n        0.8 * tolerance_with(next.pole_angle, \
             0.0, 0.0, 0.1, Sigmoid::Gaussian, 0.1),\n    );\n"
        ));
        assert!(src.contains("    let alive = t.add(\"alive\", 0.5);\n"), "{src}");
        assert!(src.contains("-0.3 * sq((next.pole_angle + 0.05) / 0.21)"), "{src}");
        assert!(src.contains("fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms)"), "{src}");
        assert!(src.contains("pole_angle_tol + pole_angle_sq + alive\n"), "{src}");
        assert!(!src.contains("fn approach"));
    }
}
