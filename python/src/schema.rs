//! Schemas for envs rewardsmith does not simulate: parsed, validated and registered by the
//! host's `schema` module, so the Python half never decides what a valid schema is.

use pyo3::prelude::*;
use rewardsmith::schema::{self, Schema};

use crate::error::ToPy;

/// `text` (a JSON or TOML schema) validated, as canonical JSON (defaults filled in).
#[pyfunction]
pub fn schema_check(py: Python<'_>, text: &str) -> PyResult<String> {
    let schema = Schema::parse(text).py(py)?;
    Ok(serde_json::to_string(&schema).expect("a schema serialises"))
}

/// Registers the schema in `text` for this process (its env id is then known to the sandbox,
/// `spec` and rewards); returns the env id. The same schema again is a no-op; other fields
/// under the same id are refused (`schema_conflict`).
#[pyfunction]
pub fn schema_register(py: Python<'_>, text: &str) -> PyResult<String> {
    let schema = Schema::parse(text).py(py)?;
    schema::register(&schema).py(py)?;
    Ok(schema.id)
}

/// The Rust module a reward for this schema is compiled with (`use crate::env::*;`).
#[pyfunction]
pub fn schema_module(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(schema::codegen::module_source(&Schema::parse(text).py(py)?))
}

/// The task prompt an LLM gets for this schema's env (its task text and module).
#[pyfunction]
pub fn schema_prompt(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(rewardsmith::evolve::prompts::schema_task(&Schema::parse(text).py(py)?, None))
}
