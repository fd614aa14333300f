//! Named reward terms: what a reward is made of, reported per transition to the host.

use alloc::string::String;
use alloc::vec::Vec;

use crate::TERM_CAPACITY;

/// The named parts of a reward, recorded for every transition.
///
/// `t.add("upright", v)` records `v` under the name `upright` and returns `v`, so terms
/// read inline: `let r = t.add("upright", u) + t.add("effort", -0.01 * e);`. Names are
/// discovered in the order they are first added; a term not added for some transition is
/// `0.0` there. Adding the same name twice in one transition adds the values.
///
/// The host reports each term's statistics (and the evolve loop feeds them back to the
/// author), so name terms for what they measure. The host limits how many terms there
/// are and how long their names may be (by default 32 terms, 48 bytes).
#[derive(Debug, Default)]
pub struct Terms {
    names: Vec<String>,
    values: Vec<f32>,
    /// Where the next `add` is expected to land: terms are usually added in the same
    /// order every transition, so the lookup is one string compare.
    cursor: usize,
}

impl Terms {
    /// An empty term table.
    pub const fn new() -> Self {
        Terms { names: Vec::new(), values: Vec::new(), cursor: 0 }
    }

    /// Records `value` under `name` for this transition and returns `value`.
    pub fn add(&mut self, name: &str, value: f32) -> f32 {
        let index = self.index_of(name);
        if let Some(slot) = self.values.get_mut(index) {
            *slot += value;
        }
        value
    }

    /// Records `value` clamped to `[lo, hi]` and returns the clamped value: a guard that
    /// keeps one term from dominating the total (or from being exploited without bound).
    pub fn add_clipped(&mut self, name: &str, value: f32, lo: f32, hi: f32) -> f32 {
        self.add(name, crate::math::clamp(value, lo, hi))
    }

    /// How many distinct names have been added so far (may exceed [`TERM_CAPACITY`]).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no term has been added yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names, in first-added order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The name of term `i`.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(String::as_str)
    }

    /// This transition's values, one per recorded term (at most [`TERM_CAPACITY`]).
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Starts a new transition: every value back to zero.
    pub fn begin(&mut self) {
        self.values.iter_mut().for_each(|v| *v = 0.0);
        self.cursor = 0;
    }

    fn index_of(&mut self, name: &str) -> usize {
        let index = match self.names.get(self.cursor) {
            Some(n) if n == name => self.cursor,
            _ => match self.names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    self.names.push(String::from(name));
                    if self.values.len() < TERM_CAPACITY {
                        self.values.push(0.0);
                    }
                    self.names.len() - 1
                }
            },
        };
        self.cursor = index + 1;
        index
    }
}
