//! Bring your own env: a schema names the `State` and `Action` fields of an env rewardsmith
//! does not simulate (a Gymnasium MuJoCo env, a robot, a game), so rewards for it compile,
//! are screened and run in the sandbox like rewards for the built-in envs.
//!
//! A schema is data (a JSON or TOML file, a Python dict, a Gymnasium `Dict` space): an env
//! id, a task text for the LLM prompt, and the fields with shape, unit, doc and typical
//! range. [`Schema::parse`] checks it against allow-lists (identifier names, printable
//! one-line texts, finite ranges, bounded sizes); [`codegen`] turns it into the SDK module a
//! reward imports (`use crate::env::*;`), appended by the compiler after the screened
//! program; [`registry`] gives the host the env's [`EnvLayout`] so the sandbox can check a
//! module against it. The format is documented in `docs/schema.md`.

pub mod codegen;
pub mod registry;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use registry::{layout, register};

/// Most fields in a `State` or an `Action`.
pub const MAX_FIELDS: usize = 256;
/// Most floats in a `State` (an `Action` has at most [`MAX_ACTION_FLOATS`]).
pub const MAX_STATE_FLOATS: usize = 4096;
/// Most floats in an `Action`.
pub const MAX_ACTION_FLOATS: usize = 1024;
/// Longest field name and env short name, bytes.
pub const MAX_NAME: usize = 64;
/// Longest unit, bytes.
pub const MAX_UNIT: usize = 32;
/// Longest field doc, bytes.
pub const MAX_DOC: usize = 500;
/// Longest task text, bytes.
pub const MAX_TASK: usize = 4000;
/// Largest schema file, bytes.
pub const MAX_FILE: usize = 1 << 20;
/// The range a field without one is sampled from (`check --states random`).
pub const DEFAULT_RANGE: (f32, f32) = (-1.0, 1.0);

/// An env's reward-facing interface, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Versioned env id, `name-vN` (`half_cheetah-v0`): what rewards declare. Changing the
    /// fields is a new version.
    pub id: String,
    /// What the agent should do, for the LLM prompt (a paragraph; may be empty).
    #[serde(default)]
    pub task: String,
    /// The state a reward reads (`state` before the action, `next` after it).
    pub state: Vec<FieldSpec>,
    /// The action taken.
    pub action: Vec<FieldSpec>,
}

/// One field: a scalar (`shape` empty) or an array of `f32` (`shape` `[n]`, or `[n, m]`
/// flattened row-major).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// A Rust identifier (`joint_pos`): how reward code reads it (`next.joint_pos`).
    pub name: String,
    /// Dimensions; empty for a scalar.
    #[serde(default)]
    pub shape: Vec<usize>,
    /// Unit (`m`, `rad/s`, `1` for dimensionless); may be empty.
    #[serde(default)]
    pub unit: String,
    /// What the field means, one line; may be empty.
    #[serde(default)]
    pub doc: String,
    /// Typical `[low, high]` of each component, finite; default [`DEFAULT_RANGE`].
    #[serde(default)]
    pub range: Option<[f32; 2]>,
}

impl FieldSpec {
    /// Floats in this field.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the field has no floats (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The typical range, or [`DEFAULT_RANGE`].
    pub fn range(&self) -> (f32, f32) {
        self.range.map_or(DEFAULT_RANGE, |[lo, hi]| (lo, hi))
    }
}

/// Why a schema was refused: where, and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("cannot read schema {path}: {message}")]
    Io { path: String, message: String },
    #[error("schema is not valid {format}: {message}")]
    Parse { format: &'static str, message: String },
    #[error("schema {at}: {why}")]
    Invalid { at: String, why: String },
    #[error(
        "env `{id}` is already defined in this process with other fields; a changed schema is a new env version (e.g. `{next}`)"
    )]
    Conflict { id: String, next: String },
}

impl SchemaError {
    /// Stable error-class name.
    pub fn kind(&self) -> &'static str {
        match self {
            SchemaError::Io { .. } => "io",
            SchemaError::Parse { .. } | SchemaError::Invalid { .. } => "schema",
            SchemaError::Conflict { .. } => "schema_conflict",
        }
    }
}

fn invalid(at: impl Into<String>, why: impl Into<String>) -> SchemaError {
    SchemaError::Invalid { at: at.into(), why: why.into() }
}

impl Schema {
    /// Parses and validates a schema in JSON (text starting with `{`) or TOML.
    pub fn parse(text: &str) -> Result<Schema, SchemaError> {
        if text.len() > MAX_FILE {
            return Err(invalid("file", format!("{} bytes; the limit is {MAX_FILE}", text.len())));
        }
        let schema: Schema = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| SchemaError::Parse { format: "JSON", message: e.to_string() })?
        } else {
            toml::from_str(text).map_err(|e| SchemaError::Parse { format: "TOML", message: e.to_string() })?
        };
        schema.validate()?;
        Ok(schema)
    }

    /// Reads and validates a schema file (`.json` or `.toml`).
    pub fn read(path: &Path) -> Result<Schema, SchemaError> {
        let io = |e: std::io::Error| SchemaError::Io { path: path.display().to_string(), message: e.to_string() };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_FILE as u64 {
            return Err(invalid(path.display().to_string(), format!("{size} bytes; the limit is {MAX_FILE}")));
        }
        Schema::parse(&std::fs::read_to_string(path).map_err(io)?)
    }

    /// The id without its version: `half_cheetah-v0` → `half_cheetah`.
    pub fn name(&self) -> &str {
        self.id.rsplit_once("-v").map_or(&self.id, |(name, _)| name)
    }

    /// Floats in the `State`.
    pub fn state_len(&self) -> usize {
        self.state.iter().map(FieldSpec::len).sum()
    }

    /// Floats in the `Action`.
    pub fn action_len(&self) -> usize {
        self.action.iter().map(FieldSpec::len).sum()
    }

    /// Checks every rule; the first broken one is the error.
    pub fn validate(&self) -> Result<(), SchemaError> {
        validate_id(&self.id)?;
        check_text("task", &self.task, MAX_TASK, true)?;
        for (which, fields, max_floats) in
            [("state", &self.state, MAX_STATE_FLOATS), ("action", &self.action, MAX_ACTION_FLOATS)]
        {
            if fields.is_empty() {
                return Err(invalid(which, "has no fields; give at least one"));
            }
            if fields.len() > MAX_FIELDS {
                return Err(invalid(which, format!("has {} fields; the limit is {MAX_FIELDS}", fields.len())));
            }
            let mut floats = 0usize;
            for (i, f) in fields.iter().enumerate() {
                let at = format!("{which}.{}", f.name);
                validate_name(&format!("{which} field {}", i + 1), &f.name)?;
                if fields[..i].iter().any(|g| g.name == f.name) {
                    return Err(invalid(at, "is defined twice; field names must be unique"));
                }
                if f.shape.len() > 4 || f.shape.contains(&0) {
                    return Err(invalid(at, format!("shape {:?}: give up to 4 dimensions, each at least 1", f.shape)));
                }
                let len = f.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).unwrap_or(usize::MAX);
                floats = floats.saturating_add(len);
                if floats > max_floats {
                    return Err(invalid(which, format!("has more than {max_floats} floats")));
                }
                check_text(&format!("{at}.unit"), &f.unit, MAX_UNIT, false)?;
                check_text(&format!("{at}.doc"), &f.doc, MAX_DOC, false)?;
                if let Some([lo, hi]) = f.range
                    && !(lo.is_finite() && hi.is_finite() && lo < hi)
                {
                    return Err(invalid(at, format!("range [{lo}, {hi}]: give finite [low, high] with low < high")));
                }
            }
        }
        Ok(())
    }
}

/// `name-vN`: a lowercase identifier, `-v`, a version number; not a built-in env's name.
fn validate_id(id: &str) -> Result<(), SchemaError> {
    let Some((name, version)) = id.rsplit_once("-v") else {
        return Err(invalid("id", format!("`{}` is not `name-vN` (e.g. `my_robot-v0`)", printable(id))));
    };
    let lower_ident = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let numbered = !version.is_empty() && version.len() <= 6 && version.bytes().all(|b| b.is_ascii_digit());
    if !lower_ident || !numbered {
        return Err(invalid(
            "id",
            format!(
                "`{}` is not `name-vN`: a lowercase name of letters, digits and `_` (at most {MAX_NAME}), then `-v` and a number",
                printable(id)
            ),
        ));
    }
    if rewardsmith_guest::envs::ALL.iter().any(|e| e.name == name) || rewardsmith_envs::registry::find(name).is_ok() {
        return Err(invalid("id", format!("`{name}` is a built-in env; choose another name")));
    }
    Ok(())
}

/// A Rust identifier that is not a keyword: `[A-Za-z_][A-Za-z0-9_]*`.
fn validate_name(at: &str, name: &str) -> Result<(), SchemaError> {
    let ident = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name != "_";
    if !ident {
        return Err(invalid(
            at,
            format!(
                "name `{}` is not an identifier: use letters, digits and `_`, not starting with a digit (at most {MAX_NAME})",
                printable(name)
            ),
        ));
    }
    if KEYWORDS.contains(&name) {
        return Err(invalid(at, format!("name `{name}` is a Rust keyword; rename it (e.g. `{name}_`)")));
    }
    Ok(())
}

/// Rust's strict and reserved keywords (2021 edition), which cannot name a field.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Printable text: no control characters (a newline only where `lines` allows it).
fn check_text(at: &str, text: &str, max: usize, lines: bool) -> Result<(), SchemaError> {
    if text.len() > max {
        return Err(invalid(at, format!("is {} bytes; the limit is {max}", text.len())));
    }
    if let Some(c) = text.chars().find(|&c| c.is_control() && !(lines && c == '\n')) {
        return Err(invalid(
            at,
            format!("holds the control character {c:?}; use printable text{}", if lines { "" } else { " on one line" }),
        ));
    }
    Ok(())
}

/// `s` with control characters escaped, cut to 80 characters: safe to echo in a message.
fn printable(s: &str) -> String {
    s.chars().take(80).flat_map(char::escape_default).collect()
}

#[cfg(test)]
mod tests;
