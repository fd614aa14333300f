//! Where the host finds an env's layout: the SDK's built-in envs, then the schema envs
//! registered in this process.
//!
//! The sandbox keeps `&'static EnvLayout`s (the built-ins are constants), so a registered
//! schema's layout is leaked once: a few kilobytes per distinct schema, and registering the
//! same schema again returns the same layout. An id is bound to one schema for the life of
//! the process; a changed schema is refused ([`SchemaError::Conflict`]), because a module
//! built against the old fields would otherwise be read with the new ones.

use std::sync::Mutex;

use rewardsmith_guest::Field;
use rewardsmith_guest::envs::{self, EnvLayout};

use super::{FieldSpec, Schema, SchemaError};

static REGISTERED: Mutex<Vec<(Schema, &'static EnvLayout)>> = Mutex::new(Vec::new());

/// Registers `schema` (validated again here) and returns its layout.
pub fn register(schema: &Schema) -> Result<&'static EnvLayout, SchemaError> {
    schema.validate()?;
    let mut registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((known, layout)) = registered.iter().find(|(s, _)| s.id == schema.id) {
        return if known == schema { Ok(layout) } else { Err(conflict(schema)) };
    }
    let layout: &'static EnvLayout = Box::leak(Box::new(EnvLayout {
        id: leak(&schema.id),
        name: leak(schema.name()),
        state_len: schema.state_len(),
        action_len: schema.action_len(),
        state_fields: fields(&schema.state),
        action_fields: fields(&schema.action),
    }));
    registered.push((schema.clone(), layout));
    Ok(layout)
}

/// The layout of env `id` (versioned id or short name): a built-in, or a schema
/// registered in this process.
pub fn layout(id: &str) -> Option<&'static EnvLayout> {
    envs::find(id).or_else(|| {
        let registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
        registered.iter().map(|(_, l)| *l).find(|l| l.id == id || l.name == id)
    })
}

/// The schema registered under `id` (versioned id or short name), if any.
pub fn schema(id: &str) -> Option<Schema> {
    let registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    registered.iter().find(|(_, l)| l.id == id || l.name == id).map(|(s, _)| s.clone())
}

/// Every env id a reward may declare here: the built-ins, then the registered schemas.
pub fn known_ids() -> Vec<&'static str> {
    let registered = REGISTERED.lock().unwrap_or_else(|e| e.into_inner());
    envs::ALL.iter().map(|e| e.id).chain(registered.iter().map(|(_, l)| l.id)).collect()
}

fn conflict(schema: &Schema) -> SchemaError {
    let version: u64 = schema.id.rsplit_once("-v").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    SchemaError::Conflict { id: schema.id.clone(), next: format!("{}-v{}", schema.name(), version + 1) }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn fields(specs: &[FieldSpec]) -> &'static [Field] {
    let fields: Vec<Field> = specs
        .iter()
        .map(|f| Field { name: leak(&f.name), len: f.len(), unit: leak(&f.unit), doc: leak(&f.doc), range: f.range() })
        .collect();
    Box::leak(fields.into_boxed_slice())
}
