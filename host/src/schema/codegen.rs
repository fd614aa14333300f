//! A schema as the SDK module a reward imports: `mod env { State, Action, ID }`, written
//! with the same `__layout!` definitions as the built-in env modules, so a schema env's
//! structs have the same `repr(C)` layout, field table and compile-time size checks.
//!
//! Every name in the output passed [`super::validate_name`] (identifiers, no keywords) and
//! every text is emitted as a Rust string literal by `{:?}` (quotes, backslashes and
//! anything unprintable escaped), so no schema can inject code.

use std::fmt::Write;

use super::{FieldSpec, Schema};

/// The module's name: rewards for a schema env start with `use crate::env::*;`.
pub const MODULE: &str = "env";

/// The `use` line a reward for a schema env starts with.
pub const IMPORT: &str = "crate::env::*";

/// The Rust source of `schema`'s module, appended after a reward's program.
pub fn module_source(schema: &Schema) -> String {
    let mut out = String::new();
    writeln!(out, "/// The `State` and `Action` of env `{}`, generated from its schema.", schema.id).unwrap();
    writeln!(out, "#[allow(dead_code, non_snake_case)]").unwrap();
    writeln!(out, "pub mod {MODULE} {{").unwrap();
    writeln!(out, "    /// The env id a reward built against this module declares.").unwrap();
    writeln!(out, "    pub const ID: &str = {:?};", schema.id).unwrap();
    write_struct(&mut out, "What the reward sees of the env.", "State", &schema.state);
    write_struct(&mut out, "The action taken.", "Action", &schema.action);
    writeln!(out, "    ::rewardsmith_guest::__env_state!(State, Action, ID);").unwrap();
    writeln!(out, "}}").unwrap();
    out
}

fn write_struct(out: &mut String, doc: &str, name: &str, fields: &[FieldSpec]) {
    writeln!(out, "    ::rewardsmith_guest::__layout! {{").unwrap();
    writeln!(out, "        #[doc = {doc:?}]").unwrap();
    writeln!(out, "        pub struct {name} {{").unwrap();
    for f in fields {
        writeln!(out, "            #[doc = {:?}]", field_doc(f)).unwrap();
        let ty = if f.shape.is_empty() { "f32".to_owned() } else { format!("[f32; {}]", f.len()) };
        let (lo, hi) = f.range();
        writeln!(out, "            {}: {ty} => [{:?}, ({lo:?}, {hi:?})],", f.name, f.unit).unwrap();
    }
    writeln!(out, "        }}").unwrap();
    writeln!(out, "    }}").unwrap();
}

/// The doc line: the schema's text, and the shape when it has more than one dimension
/// (the field is then the flattened, row-major array).
fn field_doc(f: &FieldSpec) -> String {
    let doc = if f.doc.is_empty() { "(no description given)" } else { f.doc.as_str() };
    if f.shape.len() > 1 { format!("{doc} Shape {:?}, flattened row-major.", f.shape) } else { doc.to_owned() }
}
