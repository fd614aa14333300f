//! `rewardsmith._native`: the native half of the `rewardsmith` Python package. Envs and
//! their vector form hand numpy arrays over without per-env Python work; rewards compile
//! and run in the same sandbox as the CLI's; training is the same PPO. The Python half
//! (`python/rewardsmith/`) wraps these in Gymnasium's API and raises one exception class
//! per error kind. Native work runs with the GIL released.

mod env;
mod error;
mod evolve;
mod interrupt;
mod job;
mod policy;
mod reward;
mod schema;
mod train;
mod vector;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<env::NativeEnv>()?;
    m.add_class::<vector::NativeVecEnv>()?;
    m.add_class::<reward::NativeReward>()?;
    m.add_class::<policy::NativePolicy>()?;
    m.add_function(wrap_pyfunction!(env::env_ids, m)?)?;
    m.add_function(wrap_pyfunction!(env::spec_json, m)?)?;
    m.add_function(wrap_pyfunction!(reward::baseline, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_check, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_register, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_module, m)?)?;
    m.add_function(wrap_pyfunction!(schema::schema_prompt, m)?)?;
    m.add_function(wrap_pyfunction!(train::train, m)?)?;
    m.add_function(wrap_pyfunction!(train::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(train::rollout, m)?)?;
    m.add_function(wrap_pyfunction!(job::run_job, m)?)?;
    m.add_function(wrap_pyfunction!(job::train_fn_outcome, m)?)?;
    m.add_function(wrap_pyfunction!(evolve::evolve, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
