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
    /// More than [`TERM_CAPACITY`] names were added: the host will refuse this reward, so
    /// further adds are skipped (keeping a term-name bomb cheap).
    overflow: bool,
}

impl Terms {
    /// An empty term table.
    pub const fn new() -> Self {
        Terms { names: Vec::new(), values: Vec::new(), cursor: 0, overflow: false }
    }

    /// Records `value` under `name` for this transition and returns `value`.
    pub fn add(&mut self, name: &str, value: f32) -> f32 {
        if let Some(index) = self.index_of(name) {
            self.values[index] += value;
        }
        value
    }

    /// Records `value` clamped to `[lo, hi]` and returns the clamped value: a guard that
    /// keeps one term from dominating the total (or from being exploited without bound).
    pub fn add_clipped(&mut self, name: &str, value: f32, lo: f32, hi: f32) -> f32 {
        self.add(name, crate::math::clamp(value, lo, hi))
    }

    /// How many distinct names have been added so far; `TERM_CAPACITY + 1` means "more
    /// than the SDK records".
    pub fn len(&self) -> usize {
        self.names.len() + self.overflow as usize
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

    /// This transition's values, one per recorded term.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Starts a new transition: every value back to zero.
    pub fn begin(&mut self) {
        self.values.iter_mut().for_each(|v| *v = 0.0);
        self.cursor = 0;
    }

    fn index_of(&mut self, name: &str) -> Option<usize> {
        if self.overflow {
            return None;
        }
        let index = match self.names.get(self.cursor) {
            Some(n) if n == name => self.cursor,
            _ => match self.names.iter().position(|n| n == name) {
                Some(i) => i,
                None if self.names.len() == TERM_CAPACITY => {
                    self.overflow = true;
                    return None;
                }
                None => {
                    self.names.push(String::from(name));
                    self.values.push(0.0);
                    self.names.len() - 1
                }
            },
        };
        self.cursor = index + 1;
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_first_added_order_values_summed() {
        let mut t = Terms::new();
        assert_eq!(t.add("a", 1.0), 1.0);
        t.add("b", 2.0);
        t.add("a", 0.5);
        assert_eq!(t.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(t.values(), [1.5, 2.0]);
        t.begin();
        t.add("b", 3.0);
        assert_eq!(t.values(), [0.0, 3.0]);
        assert_eq!(t.add_clipped("a", 9.0, -1.0, 1.0), 1.0);
    }

    #[test]
    fn more_names_than_capacity_overflow_cheaply() {
        let mut t = Terms::new();
        for i in 0..1000 {
            t.add(&alloc::format!("t{i}"), 1.0);
        }
        assert_eq!(t.len(), TERM_CAPACITY + 1);
        assert_eq!(t.values().len(), TERM_CAPACITY);
    }
}
