//! An [`Executor`] that hands jobs to another process over JSON lines: how the CLI reaches
//! a Ray cluster (`python -m rewardsmith.ray_bridge`, see `docs/evolve.md`) without linking
//! Python into the binary. The protocol, one JSON object per line:
//!
//! - bridge → host, once: `{"ready": {...}}` (what it is connected to), or `{"error": "..."}`;
//! - host → bridge, per batch: `{"jobs": [TrainJob, ...]}`;
//! - bridge → host, per job as it finishes, in any order: `{"outcome": TrainOutcome}` with
//!   the run folder's files packed ([`TrainOutcome::packed`]), or `{"error": "..."}` when a
//!   job is lost for good (its retries spent): the loop stops and the run resumes later;
//! - the host closes the bridge's stdin when the run ends; the bridge then exits.
//!
//! The bridge runs in its own process group (a terminal's Ctrl-C reaches only the host,
//! which stops it) and appends its own messages (Ray's chatter) to a log file rather than
//! writing over the progress bar.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::executor::{Executor, TrainJob, TrainOutcome};
use super::search::EvolveError;

/// Why a bridge could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("cannot start the {name} executor's bridge `{program}`: {source}")]
    Spawn { name: String, program: String, source: std::io::Error },
    #[error("the {name} executor's bridge did not start: {reason} (its log: {})", log.display())]
    Handshake { name: String, reason: String, log: PathBuf },
}

impl BridgeError {
    /// A stable class for `--json` errors: both are the executor's.
    pub fn kind(&self) -> &'static str {
        "executor"
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Message {
    ready: Option<serde_json::Value>,
    outcome: Option<TrainOutcome>,
    error: Option<String>,
}

/// A running bridge process.
pub struct BridgeExecutor {
    name: String,
    child: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
    lines: Mutex<Receiver<String>>,
    artifacts: PathBuf,
    log: PathBuf,
    /// Where this bridge's lines start in its (appended) log.
    log_from: u64,
    cancel: Option<Arc<AtomicBool>>,
    /// What the bridge said it is connected to (its `ready` object).
    pub ready: serde_json::Value,
}

impl std::fmt::Debug for BridgeExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeExecutor").field("name", &self.name).field("ready", &self.ready).finish_non_exhaustive()
    }
}

impl BridgeExecutor {
    /// Starts `command` (its stderr appended to `log`) and waits up to `startup` for its
    /// `ready` line. Outcomes land under `artifacts` (`c<id>`; see [`Self::land_in`]);
    /// `cancel` is checked while waiting for them.
    pub fn start(
        name: &str,
        mut command: Command,
        log: &Path,
        cancel: Option<Arc<AtomicBool>>,
        startup: Duration,
    ) -> Result<Self, BridgeError> {
        let log = log.to_owned();
        let handshake = |reason: String| BridgeError::Handshake { name: name.to_owned(), reason, log: log.clone() };
        if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| handshake(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| handshake(format!("cannot open its log: {e}")))?;
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let _ = writeln!(log_file, "== {name} bridge started at unix time {}: {command:?}", since_epoch.as_secs());
        let start_of_this = log_file.metadata().map_or(0, |m| m.len());
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .map_err(|source| BridgeError::Spawn { name: name.to_owned(), program, source })?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut bridge = BridgeExecutor {
            name: name.to_owned(),
            child: Mutex::new(child),
            stdin: Mutex::new(stdin),
            lines: Mutex::new(rx),
            artifacts: PathBuf::new(),
            log: log.clone(),
            log_from: start_of_this,
            cancel,
            ready: serde_json::Value::Null,
        };
        let deadline = Instant::now() + startup;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match bridge.lines.lock().expect("lines").recv_timeout(left.max(Duration::from_millis(1))) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(handshake(format!("no `ready` line within {} s", startup.as_secs())));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(handshake(format!("it exited ({}){}", bridge.exit_status(), bridge.tail())));
                }
            };
            match serde_json::from_str::<Message>(&line) {
                Ok(Message { ready: Some(r), .. }) => {
                    bridge.ready = r;
                    return Ok(bridge);
                }
                Ok(Message { error: Some(e), .. }) => return Err(handshake(e)),
                // Stray output before the handshake (a library printing): ignored.
                _ => continue,
            }
        }
    }

    /// Where outcomes land: the run's folder (`<artifacts>/c<id>`).
    pub fn land_in(&mut self, artifacts: &Path) {
        self.artifacts = artifacts.to_owned();
    }

    /// The last lines this bridge wrote to its log, for an error message.
    fn tail(&self) -> String {
        let text = std::fs::read(&self.log).unwrap_or_default();
        let text = String::from_utf8_lossy(text.get(self.log_from as usize..).unwrap_or_default());
        let lines: Vec<&str> = text.lines().rev().take(5).collect();
        if lines.is_empty() {
            return String::new();
        }
        let last: Vec<&str> = lines.into_iter().rev().collect();
        format!("; it said: {}", crate::text::for_terminal(&last.join(" | ")))
    }

    fn exit_status(&self) -> String {
        let mut child = self.child.lock().expect("child");
        for _ in 0..50 {
            if let Ok(Some(s)) = child.try_wait() {
                return s.to_string();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        "still running".to_owned()
    }

    fn lost(&self, what: String) -> EvolveError {
        EvolveError::Executor(format!("{} executor: {what} (its log: {})", self.name, self.log.display()))
    }

    fn stop(&self) {
        drop(self.stdin.lock().expect("stdin").take());
        let _ = self.child.lock().expect("child").kill();
    }
}

impl Executor for BridgeExecutor {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(
        &self,
        jobs: Vec<TrainJob>,
        done: &mut dyn FnMut(TrainOutcome) -> Result<(), EvolveError>,
    ) -> Result<(), EvolveError> {
        let mut left = jobs.len();
        if left == 0 {
            return Ok(());
        }
        {
            let mut stdin = self.stdin.lock().expect("stdin");
            let pipe = stdin.as_mut().ok_or_else(|| self.lost("the bridge was stopped".into()))?;
            let mut line = serde_json::to_vec(&serde_json::json!({ "jobs": jobs })).expect("jobs serialise");
            line.push(b'\n');
            pipe.write_all(&line)
                .and_then(|()| pipe.flush())
                .map_err(|e| self.lost(format!("cannot send jobs: {e}")))?;
        }
        let lines = self.lines.lock().expect("lines");
        while left > 0 {
            if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                // Ray cancels a disconnected driver's tasks.
                self.stop();
                return Err(EvolveError::Cancelled);
            }
            let line = match lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.lost(format!("the bridge exited ({}){}", self.exit_status(), self.tail())));
                }
            };
            match serde_json::from_str::<Message>(&line) {
                Ok(Message { outcome: Some(o), .. }) => {
                    left -= 1;
                    done(o.landed(&self.artifacts))?;
                }
                Ok(Message { error: Some(e), .. }) => return Err(self.lost(e)),
                Ok(_) => return Err(self.lost("the bridge sent a line that is neither an outcome nor an error".into())),
                Err(e) => return Err(self.lost(format!("the bridge sent a line that is not protocol JSON: {e}"))),
            }
        }
        Ok(())
    }
}

impl Drop for BridgeExecutor {
    /// Closes the bridge's stdin (it exits), then makes sure it did.
    fn drop(&mut self) {
        drop(self.stdin.lock().map(|mut s| s.take()));
        if let Ok(mut child) = self.child.lock() {
            for _ in 0..100 {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
