//! The on-disk module cache (`<cache>/modules/<key>.wasm`): modules no larger than the
//! sandbox accepts, the folder capped in bytes, least recently used modules evicted first.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Default cap on the module cache folder: 256 MiB (a few thousand reward modules).
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// A module cache folder.
#[derive(Clone, Debug)]
pub struct ModuleCache {
    dir: PathBuf,
    /// Largest module stored or returned, bytes.
    module_max: u64,
    /// Most bytes of modules the folder holds after a write.
    max_bytes: u64,
}

impl ModuleCache {
    pub fn new(dir: PathBuf, module_max: usize, max_bytes: u64) -> ModuleCache {
        ModuleCache { dir, module_max: module_max as u64, max_bytes }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.wasm"))
    }

    /// The module stored under `key`, if any and within the size limit (a larger file,
    /// planted or left by an older version, is removed). A hit counts as a use.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path(key);
        let len = fs::metadata(&path).ok()?.len();
        if len > self.module_max {
            let _ = fs::remove_file(&path);
            return None;
        }
        let bytes = fs::read(&path).ok().filter(|b| b.len() as u64 <= self.module_max)?;
        touch(&path);
        Some(bytes)
    }

    /// Stores `wasm` under `key` (atomically: a temporary file, then a rename), then evicts
    /// the least recently used modules until the folder is within its cap. Modules over the
    /// size limit are not stored. Failures only cost a recompile later, so they are ignored.
    pub fn put(&self, key: &str, wasm: &[u8]) {
        if wasm.len() as u64 > self.module_max || wasm.len() as u64 > self.max_bytes {
            return;
        }
        let path = self.path(key);
        let tmp = self.dir.join(format!("{key}.{}.tmp", std::process::id()));
        if fs::create_dir_all(&self.dir)
            .and_then(|_| fs::write(&tmp, wasm))
            .and_then(|_| fs::rename(&tmp, &path))
            .is_err()
        {
            let _ = fs::remove_file(&tmp);
            return;
        }
        self.evict();
    }

    /// Removes the least recently used modules until at most `max_bytes` remain.
    fn evict(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let mut modules: Vec<(SystemTime, u64, PathBuf)> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len(), e.path()))
            })
            .collect();
        let mut total: u64 = modules.iter().map(|m| m.1).sum();
        if total <= self.max_bytes {
            return;
        }
        modules.sort();
        for (_, len, path) in modules {
            if total <= self.max_bytes {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// Marks `path` used now (its modification time is the cache's use order).
fn touch(path: &Path) {
    if let Ok(f) = fs::File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    /// Sets `key`'s use time `secs` after the epoch, so the order does not depend on the clock.
    fn age(c: &ModuleCache, key: &str, secs: u64) {
        let f = fs::File::options().append(true).open(c.path(key)).unwrap();
        f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)).unwrap();
    }

    #[test]
    fn cap_evicts_least_recently_used_first() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ModuleCache::new(tmp.path().join("modules"), 100, 250);
        c.put("a", &[1; 100]);
        age(&c, "a", 10);
        c.put("b", &[2; 100]);
        age(&c, "b", 20);
        assert_eq!(names(&c.dir), ["a.wasm", "b.wasm"]);
        // Using `a` makes `b` the least recently used.
        assert_eq!(c.get("a").unwrap(), vec![1; 100]);
        age(&c, "b", 5);
        c.put("c", &[3; 100]);
        assert_eq!(names(&c.dir), ["a.wasm", "c.wasm"], "300 bytes > 250: the oldest use goes");
        assert_eq!(c.get("b"), None);
    }

    #[test]
    fn oversized_modules_are_neither_stored_nor_returned() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ModuleCache::new(tmp.path().to_owned(), 100, 1 << 20);
        c.put("big", &[0; 101]);
        assert_eq!(names(&c.dir), Vec::<String>::new());
        fs::write(c.path("planted"), [0; 101]).unwrap();
        assert_eq!(c.get("planted"), None);
        assert!(!c.path("planted").exists(), "an oversized cache file is removed");
        c.put("ok", &[0; 100]);
        assert_eq!(c.get("ok").unwrap().len(), 100);
    }

    #[test]
    fn a_module_larger_than_the_whole_cap_is_not_stored() {
        let tmp = tempfile::tempdir().unwrap();
        let c = ModuleCache::new(tmp.path().to_owned(), 1000, 50);
        c.put("a", &[0; 60]);
        assert_eq!(names(&c.dir), Vec::<String>::new());
    }
}
