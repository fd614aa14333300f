//! A run folder as data: its files packed for a trip to another machine (a candidate trained
//! on a Ray worker comes back with its policy, metrics and curves), and unpacked on the
//! driver under names taken only from the run folder's own list, so an outcome from
//! elsewhere cannot write outside its folder.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::run_dir::{RunDirError, write_atomic};

/// Every file a run folder may hold (`run_dir.rs` documents each).
pub const NAMES: &[&str] = &[
    "manifest.json",
    "reward.rs",
    "reward.wat",
    "reward.wasm",
    "metrics.jsonl",
    "metrics.csv",
    "policy.safetensors",
    "policy-best.safetensors",
    "result.json",
    "curves.svg",
];

/// Largest run folder unpacked, bytes (a 256×256 policy with its critic is ~2 MiB).
pub const MAX_BYTES: usize = 256 << 20;

/// One file of a run folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    pub name: String,
    #[serde(with = "crate::base64_bytes")]
    pub bytes: Vec<u8>,
}

/// The files of the run folder `dir` that are on [`NAMES`], in that order.
pub fn pack(dir: &Path) -> Result<Vec<RunFile>, RunDirError> {
    let mut out = Vec::new();
    for name in NAMES {
        let path = dir.join(name);
        match fs::read(&path) {
            Ok(bytes) => out.push(RunFile { name: (*name).to_owned(), bytes }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(RunDirError::Io { path, source }),
        }
    }
    Ok(out)
}

/// Writes `files` into `dir` (created; files written atomically). Refuses, before writing
/// anything, a name not on [`NAMES`], a name given twice, or more than [`MAX_BYTES`].
pub fn unpack(dir: &Path, files: &[RunFile]) -> Result<(), RunDirError> {
    let refuse = |why: String| RunDirError::Files { path: dir.to_owned(), reason: why };
    let mut total = 0usize;
    for (i, f) in files.iter().enumerate() {
        if !NAMES.contains(&f.name.as_str()) {
            let shown: String = f.name.chars().take(80).flat_map(char::escape_default).collect();
            return Err(refuse(format!("`{shown}` is not a run folder file (allowed: {})", NAMES.join(", "))));
        }
        if files[..i].iter().any(|g| g.name == f.name) {
            return Err(refuse(format!("`{}` is given twice", f.name)));
        }
        total = total.saturating_add(f.bytes.len());
    }
    if total > MAX_BYTES {
        return Err(refuse(format!("{total} bytes; the limit is {MAX_BYTES}")));
    }
    fs::create_dir_all(dir).map_err(|source| RunDirError::Io { path: dir.to_owned(), source })?;
    for f in files {
        write_atomic(&dir.join(&f.name), &f.bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> RunFile {
        RunFile { name: name.into(), bytes: name.as_bytes().to_vec() }
    }

    #[test]
    fn files_round_trip_through_json_and_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file("manifest.json"), file("policy.safetensors"), file("reward.rs")];
        let json = serde_json::to_string(&files).unwrap();
        let back: Vec<RunFile> = serde_json::from_str(&json).unwrap();
        unpack(&dir.path().join("c1"), &back).unwrap();
        let packed = pack(&dir.path().join("c1")).unwrap();
        let names: Vec<&str> = packed.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["manifest.json", "reward.rs", "policy.safetensors"], "in NAMES order");
        assert!(packed.iter().all(|f| f.bytes == f.name.as_bytes()));
    }

    #[test]
    fn names_off_the_list_duplicates_and_oversize_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("c1");
        for bad in ["../escape.json", "/etc/passwd", "sub/result.json", "result.json\0", ".", "", "manifest.json.tmp"] {
            let e = unpack(&target, &[file("result.json"), file(bad)]).unwrap_err();
            assert!(
                matches!(&e, RunDirError::Files { reason, .. } if reason.contains("not a run folder file")),
                "{bad:?}: {e}"
            );
        }
        let e = unpack(&target, &[file("result.json"), file("result.json")]).unwrap_err();
        assert!(e.to_string().contains("given twice"), "{e}");
        let big = RunFile { name: "policy.safetensors".into(), bytes: vec![0; MAX_BYTES + 1] };
        assert!(unpack(&target, &[big]).unwrap_err().to_string().contains("the limit"));
        assert!(!target.exists() && !dir.path().join("escape.json").exists(), "nothing was written");
    }
}
