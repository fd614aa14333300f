//! The sandbox's compiled modules, keyed by content hash, with a cap: the least recently
//! used module is dropped when a new one would go over it (a long `serve` or `evolve`
//! compiles thousands of candidates; each compiled module holds its machine code).

use std::collections::HashMap;
use std::sync::Arc;

use super::module::RewardModule;

/// At most `cap` modules; `get` and `insert` count as uses.
#[derive(Debug)]
pub(crate) struct ModuleCache {
    cap: usize,
    /// Module and the tick of its last use.
    entries: HashMap<[u8; 32], (Arc<RewardModule>, u64)>,
    tick: u64,
}

impl ModuleCache {
    pub fn new(cap: usize) -> Self {
        ModuleCache { cap, entries: HashMap::new(), tick: 0 }
    }

    pub fn get(&mut self, hash: &[u8; 32]) -> Option<Arc<RewardModule>> {
        self.tick += 1;
        let tick = self.tick;
        self.entries.get_mut(hash).map(|(m, used)| {
            *used = tick;
            m.clone()
        })
    }

    /// Keeps `module`, first dropping the least recently used when full; with a cap of 0
    /// nothing is kept.
    pub fn insert(&mut self, hash: [u8; 32], module: Arc<RewardModule>) {
        if self.cap == 0 {
            return;
        }
        self.tick += 1;
        while self.entries.len() >= self.cap && !self.entries.contains_key(&hash) {
            // A linear scan: the cap is small (tens to hundreds) and compiling costs far more.
            let oldest = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(h, _)| *h);
            match oldest {
                Some(h) => self.entries.remove(&h),
                None => break,
            };
        }
        self.entries.insert(hash, (module, self.tick));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
