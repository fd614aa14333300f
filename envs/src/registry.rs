//! The registry of versioned env ids, apart from the envs themselves (as Gymnasium's
//! `register`). [`make`] is the one way to build an env, so every env gets the same
//! wrapper ([`crate::TimeLimited`]): action checks, time limit, fitness.

use std::sync::OnceLock;

use crate::env::Env;
use crate::error::EnvError;
pub use crate::registration::Registration;

/// Every registered env, in display order (each env file registers its ids).
pub fn registry() -> &'static [Registration] {
    static REGISTRY: OnceLock<Vec<Registration>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut r = Vec::new();
        crate::cartpole::register(&mut r);
        crate::pendulum::register(&mut r);
        crate::reacher::register(&mut r);
        crate::ball_balance::register(&mut r);
        crate::ant::register(&mut r);
        crate::pusher::register(&mut r);
        r
    })
}

/// An env id without its version: `cartpole-v0` → `cartpole` (an id without a `-v<digits>`
/// suffix is returned as it is). The one place that knows how ids are versioned.
pub fn base_name(id: &str) -> &str {
    match id.rsplit_once("-v") {
        Some((name, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => id,
    }
}

/// The registration for a versioned id (`cartpole-v0`) or a bare name (`cartpole`, the
/// latest version).
pub fn find(id: &str) -> Result<&'static Registration, EnvError> {
    registry()
        .iter()
        .rfind(|r| r.spec.id == id || base_name(r.spec.id) == id)
        .ok_or_else(|| EnvError::UnknownEnv { id: id.into(), known: ids().join(", ") })
}

/// Builds the env registered as `id` (see [`find`]).
pub fn make(id: &str) -> Result<Box<dyn Env>, EnvError> {
    Ok(find(id)?.make())
}

/// Every registered id.
pub fn ids() -> Vec<&'static str> {
    registry().iter().map(|r| r.spec.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_name_strips_only_a_version_suffix() {
        assert_eq!(base_name("cartpole-v0"), "cartpole");
        assert_eq!(base_name("cartpole_continuous-v12"), "cartpole_continuous");
        assert_eq!(base_name("cartpole"), "cartpole");
        assert_eq!(base_name("my-viewer"), "my-viewer", "`-v` not followed by digits is part of the name");
        assert_eq!(base_name("x-v"), "x-v");
        assert_eq!(find("cartpole").unwrap().spec.id, "cartpole-v0");
        assert_eq!(find("cartpole_continuous").unwrap().spec.id, "cartpole_continuous-v0");
        assert!(find("cart").is_err());
    }
}
