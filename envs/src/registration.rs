//! One registered env: its spec and its constructor. Its own module so that the env files,
//! which each describe their registrations, and the registry, which lists the env files,
//! do not import each other.

use crate::env::Env;
use crate::spec::EnvSpec;

/// One registered env: its spec and its constructor.
#[derive(Debug)]
pub struct Registration {
    pub spec: &'static EnvSpec,
    make: fn() -> Box<dyn Env>,
}

impl Registration {
    pub(crate) fn new(spec: &'static EnvSpec, make: fn() -> Box<dyn Env>) -> Registration {
        Registration { spec, make }
    }

    /// A new instance of this env.
    pub fn make(&self) -> Box<dyn Env> {
        (self.make)()
    }
}
