//! Per-env `State` and `Action` structs: what reward programs read.
//!
//! One module per env, named after it; each holds the env's `State` (rich, named, with
//! units), its `Action`, and `ID`, the versioned env id a reward built against it declares.
//! The envs crate fills these very structs, so they are the single source of truth for
//! what a reward can see. Changing a layout is a new env version.

// `__layout!` implements the unsafe `Layout` trait; these modules hold nothing else unsafe.
#[allow(unsafe_code)]
pub mod ant;
#[allow(unsafe_code)]
pub mod ball_balance;
#[allow(unsafe_code)]
pub mod cartpole;
#[allow(unsafe_code)]
pub mod pendulum;
#[allow(unsafe_code)]
pub mod pusher;
#[allow(unsafe_code)]
pub mod reacher;

use crate::layout::{EnvState, Field, Layout};

/// A description of one env's state and action layouts, for hosts and tools.
#[derive(Clone, Copy, Debug)]
pub struct EnvLayout {
    /// Versioned id, e.g. `"cartpole-v0"`.
    pub id: &'static str,
    /// Short name (the id without its version), e.g. `"cartpole"`.
    pub name: &'static str,
    /// `State` length in floats.
    pub state_len: usize,
    /// `Action` length in floats.
    pub action_len: usize,
    /// `State` fields in memory order.
    pub state_fields: &'static [Field],
    /// `Action` fields in memory order.
    pub action_fields: &'static [Field],
}

impl EnvLayout {
    /// The layout of the env whose state is `S`.
    pub const fn of<S: EnvState>() -> EnvLayout {
        EnvLayout {
            id: S::ENV_ID,
            name: without_version(S::ENV_ID),
            state_len: S::LEN,
            action_len: <S::Action as Layout>::LEN,
            state_fields: S::FIELDS,
            action_fields: <S::Action as Layout>::FIELDS,
        }
    }

    /// Floats in one transition, the record the reward ABI passes: `state`, `action`,
    /// `next_state`, back to back.
    #[inline]
    pub const fn transition_len(&self) -> usize {
        2 * self.state_len + self.action_len
    }

    /// A transition's `(state, action, next_state)`; `tr` is one transition long.
    #[inline]
    pub fn split_transition<'a>(&self, tr: &'a [f32]) -> (&'a [f32], &'a [f32], &'a [f32]) {
        let (state, rest) = tr.split_at(self.state_len);
        let (action, next) = rest.split_at(self.action_len);
        (state, action, next)
    }

    /// [`split_transition`](Self::split_transition), mutable.
    #[inline]
    pub fn split_transition_mut<'a>(&self, tr: &'a mut [f32]) -> (&'a mut [f32], &'a mut [f32], &'a mut [f32]) {
        let (state, rest) = tr.split_at_mut(self.state_len);
        let (action, next) = rest.split_at_mut(self.action_len);
        (state, action, next)
    }
}

/// `"cartpole-v0"` → `"cartpole"`: `id` before its last `-`.
const fn without_version(id: &'static str) -> &'static str {
    let mut i = id.len();
    while i > 0 {
        i -= 1;
        if id.as_bytes()[i] == b'-' {
            return id.split_at(i).0;
        }
    }
    id
}

macro_rules! layouts {
    ($($m:ident),*) => {
        /// Every env's layout, in alphabetical order.
        pub const ALL: &[EnvLayout] = &[$(EnvLayout::of::<$m::State>()),*];
        // Each env's short name is its module's.
        $(const _: () = assert!(crate::layout::str_eq(EnvLayout::of::<$m::State>().name, stringify!($m)));)*
    };
}

layouts!(ant, ball_balance, cartpole, pendulum, pusher, reacher);

/// Looks an env up by versioned id (`"cartpole-v0"`) or short name (`"cartpole"`).
pub fn find(id: &str) -> Option<&'static EnvLayout> {
    ALL.iter().find(|e| e.id == id || e.name == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_is_consistent() {
        for env in ALL {
            let sum: usize = env.state_fields.iter().map(|f| f.len).sum();
            assert_eq!(sum, env.state_len, "{}", env.id);
            let sum: usize = env.action_fields.iter().map(|f| f.len).sum();
            assert_eq!(sum, env.action_len, "{}", env.id);
            assert!(env.id.starts_with(env.name) && env.id[env.name.len()..].starts_with("-v"));
            for f in env.state_fields.iter().chain(env.action_fields) {
                assert!(!f.doc.is_empty() && !f.unit.is_empty(), "{}.{} undocumented", env.id, f.name);
                assert!(f.range.0 < f.range.1, "{}.{} range", env.id, f.name);
            }
        }
        assert_eq!(find("cartpole").map(|e| e.id), Some("cartpole-v0"));
        assert!(find("nope").is_none());
    }

    #[test]
    fn a_transition_is_state_action_next_state() {
        for env in ALL {
            let mut buf = [0.0f32; 512];
            buf.iter_mut().enumerate().for_each(|(i, x)| *x = i as f32);
            let (state, action, next) = env.split_transition(&buf[..env.transition_len()]);
            assert_eq!((state.len(), action.len(), next.len()), (env.state_len, env.action_len, env.state_len));
            assert_eq!(action.first(), Some(&(env.state_len as f32)), "{}", env.id);
            assert_eq!(next.first(), Some(&((env.state_len + env.action_len) as f32)), "{}", env.id);
        }
    }
}
