//! Named reward terms: what a reward is made of, reported per transition to the host.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::TERM_CAPACITY;

/// The named parts of a reward, recorded for every transition.
///
/// `t.add("upright", v)` records `v` under the name `upright` and returns `v`, so terms
/// read inline: `let r = t.add("upright", u) + t.add("effort", -0.01 * e);`. Names are
/// discovered in the order they are first added; a term not added for some transition is
/// `0.0` there. Adding the same name twice in one transition adds the values.
///
/// Names are string literals (`&'static str`, the fast path: recognised by address) or,
/// for names built at run time, an owned `String` (`t.add(format!("joint_{i}"), v)`).
///
/// The host reports each term's statistics (and the evolve loop feeds them back to the
/// author), so name terms for what they measure. The host limits how many terms there
/// are and how long their names may be (by default 32 terms, 48 bytes).
///
/// Values are written straight into the batch's output (`n` totals, then one row of
/// term values per transition), so recording a term is one compare and one add.
#[derive(Debug, Default)]
pub struct Terms {
    names: Vec<Cow<'static, str>>,
    /// The batch output: `n` totals, then `n × names.len()` values.
    out: Vec<f32>,
    /// Transitions in the current batch.
    n: usize,
    /// The current transition.
    row: usize,
    /// Where the next `add` is expected to land: terms are usually added in the same
    /// order every transition, so the lookup is one address compare.
    cursor: usize,
    /// More than [`TERM_CAPACITY`] names were added: the host will refuse this reward, so
    /// further adds are skipped (keeping a term-name bomb cheap).
    overflow: bool,
}

impl Terms {
    /// An empty term table, ready to record one transition.
    pub const fn new() -> Self {
        Terms { names: Vec::new(), out: Vec::new(), n: 0, row: 0, cursor: 0, overflow: false }
    }

    /// Records `value` under `name` for this transition and returns `value`.
    #[inline]
    pub fn add<N: TermName>(&mut self, name: N, value: f32) -> f32 {
        let c = self.cursor;
        let at = self.n + self.row * self.names.len() + c;
        // Fast path: the name expected next, recognised without comparing bytes.
        match (self.names.get(c), self.out.get_mut(at)) {
            (Some(stored), Some(slot)) if name.is(stored) => {
                *slot += value;
                self.cursor = c + 1;
            }
            _ => self.add_slow(name.into_name(), value),
        }
        value
    }

    /// Records `value` clamped to `[lo, hi]` and returns the clamped value: a guard that
    /// keeps one term from dominating the total (or from being exploited without bound).
    #[inline]
    pub fn add_clipped<N: TermName>(&mut self, name: N, value: f32, lo: f32, hi: f32) -> f32 {
        self.add(name, crate::math::clamp(value, lo, hi))
    }

    /// How many distinct names have been added so far; `TERM_CAPACITY + 1` means "more
    /// than the SDK records".
    #[inline]
    pub fn len(&self) -> usize {
        self.names.len() + self.overflow as usize
    }

    /// Whether no term has been added yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names, in first-added order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(|n| n.as_ref())
    }

    /// The name of term `i`.
    pub fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(|n| n.as_ref())
    }

    /// The current transition's values, one per recorded term.
    pub fn values(&self) -> &[f32] {
        let start = self.n + self.row * self.names.len();
        self.out.get(start..start + self.names.len()).unwrap_or(&[])
    }

    /// Starts a fresh single-transition record (for using `Terms` outside a batch).
    pub fn begin(&mut self) {
        self.start_batch(1);
        self.start_row(0);
    }

    /// Starts a batch of `n` transitions: all totals and values zero.
    pub(crate) fn start_batch(&mut self, n: usize) {
        self.n = n;
        self.out.clear();
        self.out.resize(n * (1 + self.names.len()), 0.0);
    }

    /// Moves to transition `i` of the batch.
    #[inline]
    pub(crate) fn start_row(&mut self, i: usize) {
        self.row = i;
        self.cursor = 0;
    }

    /// Stores transition `i`'s total.
    #[inline]
    pub(crate) fn set_total(&mut self, i: usize, total: f32) {
        if let Some(t) = self.out.get_mut(i) {
            *t = total;
        }
    }

    /// The batch output: `n` totals, then one row of values per transition.
    pub fn output(&self) -> &[f32] {
        &self.out
    }

    /// The slow path: a name out of the usual order, a new name, or an owned one.
    #[cold]
    fn add_slow(&mut self, name: Cow<'static, str>, value: f32) {
        if self.overflow {
            return;
        }
        let index = match self.names.iter().position(|n| n.as_ref() == name.as_ref()) {
            Some(i) => i,
            None if self.names.len() == TERM_CAPACITY => {
                self.overflow = true;
                return;
            }
            None => {
                self.widen();
                self.names.push(name);
                self.names.len() - 1
            }
        };
        let at = self.n + self.row * self.names.len() + index;
        if let Some(slot) = self.out.get_mut(at) {
            *slot += value;
        }
        self.cursor = index + 1;
    }

    /// Makes room for one more column: rows `0..=row` move to the wider stride (new
    /// column zero). Walks backwards so no row overwrites one not yet moved.
    fn widen(&mut self) {
        if self.n == 0 {
            self.start_batch(1);
        }
        let (n, old, new) = (self.n, self.names.len(), self.names.len() + 1);
        self.out.resize(n * (1 + new), 0.0);
        for r in (0..=self.row.min(n - 1)).rev() {
            let (src, dst) = (n + r * old, n + r * new);
            self.out.copy_within(src..src + old, dst);
            self.out[dst + old] = 0.0;
        }
    }
}

/// What can name a term: a string literal (`&'static str`) or an owned `String`.
pub trait TermName {
    /// Whether this is the name `stored`. For a `&'static str` the same address and length
    /// decide without comparing bytes: static strings never change, and a byte compare
    /// costs tens of wasm instructions per term.
    fn is(&self, stored: &Cow<'static, str>) -> bool;
    /// The name to store when it is new.
    fn into_name(self) -> Cow<'static, str>;
}

impl TermName for &'static str {
    #[inline]
    fn is(&self, stored: &Cow<'static, str>) -> bool {
        matches!(stored, Cow::Borrowed(s) if s.as_ptr() == self.as_ptr() && s.len() == self.len())
    }

    fn into_name(self) -> Cow<'static, str> {
        Cow::Borrowed(self)
    }
}

impl TermName for alloc::string::String {
    #[inline]
    fn is(&self, stored: &Cow<'static, str>) -> bool {
        stored.as_ref() == self.as_str()
    }

    fn into_name(self) -> Cow<'static, str> {
        Cow::Owned(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn owned_and_literal_names_are_the_same_term() {
        let mut t = Terms::new();
        t.add("speed", 1.0);
        t.add(String::from("speed"), 2.0);
        assert_eq!(t.len(), 1);
        assert_eq!(t.values(), [3.0]);
    }

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
            t.add(alloc::format!("t{i}"), 1.0);
        }
        assert_eq!(t.len(), TERM_CAPACITY + 1);
        assert_eq!(t.values().len(), TERM_CAPACITY);
    }
}
