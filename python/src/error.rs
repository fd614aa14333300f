//! Native errors as Python exceptions: `rewardsmith.errors.make(kind, message)` picks the
//! exception class of the error's stable kind (the same kinds the CLI's `--json` reports).

use std::fmt::Display;

use pyo3::prelude::*;

/// The Python exception for an error of `kind`.
pub fn error(py: Python<'_>, kind: &str, message: impl Display) -> PyErr {
    let made = py.import("rewardsmith.errors").and_then(|m| m.call_method1("make", (kind, message.to_string())));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        // The Python half is missing (the extension imported on its own): say so.
        Err(e) => e,
    }
}

/// Maps a typed error with a `kind()` to its exception.
pub trait ToPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

macro_rules! kinded {
    ($($t:ty),+) => {$(
        impl<T> ToPy<T> for Result<T, $t> {
            fn py(self, py: Python<'_>) -> PyResult<T> {
                self.map_err(|e| error(py, e.kind(), &e))
            }
        }
    )+};
}

kinded!(
    rewardsmith::compiler::CompileError,
    rewardsmith::sandbox::RewardError,
    rewardsmith::train::TrainError,
    rewardsmith::train::JobError,
    rewardsmith::schema::SchemaError,
    rewardsmith_envs::EnvError
);
