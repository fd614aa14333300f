//! How far a candidate's training has got, read from its run folder while it trains: the
//! last line of `metrics.jsonl` (appended and flushed every iteration) and the step budget in
//! `manifest.json`. The live run page shows it on candidates still in training.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

/// Env steps trained so far of the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub steps: u64,
    pub total_steps: u64,
}

/// Bytes read from the end of `metrics.jsonl`: one iteration's line is ~1-2 KB (more with
/// many terms); a longer last line just reads as no progress yet.
const TAIL: u64 = 16 << 10;

/// The progress of the training in run folder `dir`, if it has logged an iteration.
pub fn of_folder(dir: &Path) -> Option<Progress> {
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).ok()?).ok()?;
    let total_steps = manifest.pointer("/config/ppo/total_steps")?.as_u64()?;
    let mut f = std::fs::File::open(dir.join("metrics.jsonl")).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut tail = String::new();
    f.take(TAIL).read_to_string(&mut tail).ok()?;
    // The last complete line (a line being written has no newline yet).
    let complete = &tail[..tail.rfind('\n')?];
    let last = complete.rsplit('\n').next()?;
    let record: serde_json::Value = serde_json::from_str(last).ok()?;
    Some(Progress { steps: record.get("global_step")?.as_u64()?, total_steps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_complete_line_and_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(of_folder(dir.path()), None, "no folder content yet");
        std::fs::write(dir.path().join("manifest.json"), r#"{"config":{"ppo":{"total_steps":150000}}}"#).unwrap();
        std::fs::write(dir.path().join("metrics.jsonl"), "").unwrap();
        assert_eq!(of_folder(dir.path()), None, "no iteration logged yet");
        let line = |step: u64| format!("{{\"iteration\":0,\"global_step\":{step},\"wall_s\":0.1}}\n");
        std::fs::write(dir.path().join("metrics.jsonl"), line(1024) + &line(2048) + "{\"iteration\":2,\"glo").unwrap();
        let want = Some(Progress { steps: 2048, total_steps: 150_000 });
        assert_eq!(of_folder(dir.path()), want, "a half-written line is skipped");
        std::fs::write(dir.path().join("metrics.jsonl"), line(1024) + &line(2048)).unwrap();
        assert_eq!(of_folder(dir.path()), want);
    }
}
