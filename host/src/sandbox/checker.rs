//! A trial compile of an untrusted module in a child process, under a CPU-time and an
//! address-space limit, before the host compiles the module itself.
//!
//! The shape limits ([`super::precheck`]) bound what is known to make Cranelift blow up;
//! this bounds whatever is not known yet. The child only answers whether compiling
//! finished within the limits: its compiled code never comes back (deserializing compiled
//! code from a process that handled hostile input would trust that process), so the host
//! compiles again, knowing the compile finishes. That doubles compile time; see
//! `docs/abi.md` for what it costs.
//!
//! The child needs an executable whose `main` starts with [`run_checker_if_asked`]: the
//! `rewardsmith` binary registers itself with [`set_default_checker`]. Library users and
//! test binaries get the shape limits only unless they register a checker too (a test
//! harness's `current_exe` is the test runner, which cannot act as the child).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use wasmtime::{Engine, Module};

use super::error::{CompileBound, RewardError};
use super::limits::{Limits, Metering};
use super::module::first_line;

/// The first argument that makes an executable act as the compile checker.
pub const CHECKER_ARG: &str = "__rewardsmith-compile-check";

/// Child exit codes besides 0 (compiled).
const EXIT_USAGE: u8 = 2;
const EXIT_INVALID: u8 = 3;
const EXIT_MEMORY: u8 = 4;

/// Most bytes of the child's stderr kept.
const STDERR_MAX: u64 = 4096;

/// How to start the compile-checking child: `program args… SETTINGS…`, the module on stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileChecker {
    program: PathBuf,
    args: Vec<OsString>,
}

impl CompileChecker {
    /// A checker started as `program args…`; that program must call [`run_checker_if_asked`]
    /// when its first argument is [`CHECKER_ARG`] (pass it in `args`).
    pub fn new(program: impl Into<PathBuf>, args: impl IntoIterator<Item = impl Into<OsString>>) -> Self {
        CompileChecker { program: program.into(), args: args.into_iter().map(Into::into).collect() }
    }

    /// This executable with [`CHECKER_ARG`]: for binaries whose `main` starts with
    /// [`run_checker_if_asked`].
    pub fn current_exe() -> std::io::Result<Self> {
        Ok(CompileChecker::new(std::env::current_exe()?, [CHECKER_ARG]))
    }

    /// Compiles `bytes` in a child under `limits.compile`'s CPU time and memory; `Ok` when it
    /// finished. The child gets no environment and its own process group (a Ctrl-C meant
    /// for the host does not kill it half-way).
    pub(crate) fn trial_compile(&self, bytes: &[u8], limits: &Limits) -> Result<(), RewardError> {
        let c = &limits.compile;
        let cpu_secs = c.cpu_time.as_secs().max(1);
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .args(settings(limits))
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        set_rlimits(&mut cmd, c.memory_bytes, cpu_secs);
        let mut child = cmd.spawn().map_err(|e| {
            RewardError::Setup(format!("cannot start the compile checker {}: {e}", self.program.display()))
        })?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stderr = child.stderr.take().expect("piped stderr");
        // A backstop for a child that sleeps or never gets scheduled: CPU time stops the rest,
        // and a busy machine must not turn a normal compile into a refusal.
        let wall = Duration::from_secs(4 * cpu_secs + 2);
        let (status, err) = thread::scope(|s| {
            // The child may die before reading everything: its exit status tells why.
            s.spawn(move || {
                let _ = stdin.write_all(bytes);
            });
            let err = s.spawn(move || {
                let mut text = String::new();
                let _ = (&mut stderr).take(STDERR_MAX).read_to_string(&mut text);
                text
            });
            let status = wait_or_kill(&mut child, wall);
            (status, err.join().unwrap_or_default())
        });
        match status {
            Ok(Some(status)) => classify(status, &err, limits),
            Ok(None) => {
                Err(RewardError::CompileLimit { bound: CompileBound::WallClock { ms: wall.as_millis() as u64 } })
            }
            Err(e) => Err(RewardError::Setup(format!("cannot wait for the compile checker: {e}"))),
        }
    }
}

/// The child's exit status, or `None` after killing its process group at `wall`. Polls,
/// so that the kill happens before the child is reaped: its id cannot have been reused.
fn wait_or_kill(child: &mut Child, wall: Duration) -> std::io::Result<Option<ExitStatus>> {
    let start = Instant::now();
    let mut nap = Duration::from_micros(500);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if start.elapsed() >= wall {
            kill_group(child.id());
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(10));
    }
}

/// The engine settings that change generated code, as `key=value` arguments.
fn settings(limits: &Limits) -> [String; 4] {
    [
        format!("fuel={}", u8::from(limits.metering.fuel)),
        format!("epoch={}", u8::from(limits.metering.epoch)),
        format!("nan={}", u8::from(limits.nan_canonicalization)),
        format!("stack={}", limits.stack_bytes),
    ]
}

fn classify(status: ExitStatus, stderr: &str, limits: &Limits) -> Result<(), RewardError> {
    let c = &limits.compile;
    let memory = RewardError::CompileLimit { bound: CompileBound::Memory { bytes: c.memory_bytes } };
    let cpu = RewardError::CompileLimit { bound: CompileBound::CpuTime { seconds: c.cpu_time.as_secs().max(1) } };
    match (status.code(), status.signal()) {
        (Some(0), _) => Ok(()),
        (Some(code), _) if code == i32::from(EXIT_INVALID) => {
            Err(RewardError::Malformed { reason: stderr.lines().next().unwrap_or("invalid module").trim().into() })
        }
        (Some(code), _) if code == i32::from(EXIT_MEMORY) => Err(memory),
        // Rust aborts when an allocation fails under RLIMIT_AS.
        (_, Some(libc::SIGABRT)) if stderr.contains("memory allocation of") => Err(memory),
        // SIGXCPU at the soft CPU limit, SIGKILL at the hard one.
        (_, Some(libc::SIGXCPU | libc::SIGKILL)) => Err(cpu),
        (Some(code), _) => {
            let detail = stderr.lines().next().unwrap_or_default().trim();
            Err(RewardError::CompileLimit {
                bound: CompileBound::Crashed { how: format!("exit status {code}: {detail}") },
            })
        }
        (None, signal) => Err(RewardError::CompileLimit {
            bound: CompileBound::Crashed { how: format!("signal {}", signal.unwrap_or_default()) },
        }),
    }
}

#[allow(unsafe_code)]
fn set_rlimits(cmd: &mut Command, memory_bytes: u64, cpu_secs: u64) {
    // SAFETY: the closure runs in the forked child before exec and only calls setrlimit,
    // which is async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let limits = [
                (libc::RLIMIT_AS, memory_bytes, memory_bytes),
                // SIGXCPU at the soft limit, SIGKILL a second later.
                (libc::RLIMIT_CPU, cpu_secs, cpu_secs + 1),
                // No core files from a killed compile.
                (libc::RLIMIT_CORE, 0, 0),
            ];
            for (resource, soft, hard) in limits {
                let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
                if libc::setrlimit(resource, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

#[allow(unsafe_code)]
fn kill_group(pid: u32) {
    // SAFETY: kill(2) on the process group the unreaped child leads; no memory-safety
    // preconditions.
    unsafe {
        libc::kill(-(pid as i32), libc::SIGKILL);
    }
}

static DEFAULT: OnceLock<CompileChecker> = OnceLock::new();

/// Makes `checker` the compile checker of every [`super::Sandbox`] created afterwards in
/// this process with [`super::Sandbox::new`]. Only the first call counts; false after.
pub fn set_default_checker(checker: CompileChecker) -> bool {
    DEFAULT.set(checker).is_ok()
}

pub(crate) fn default_checker() -> Option<CompileChecker> {
    DEFAULT.get().cloned()
}

/// When this process was started as a compile checker (first argument [`CHECKER_ARG`]):
/// reads a module from stdin, compiles it with the settings given as arguments, and
/// returns the exit code for `main` to return. `None` otherwise. Call it first in `main`.
pub fn run_checker_if_asked() -> Option<ExitCode> {
    // `args_os`: a non-UTF-8 argument meant for the normal command line must not panic here.
    let mut args = std::env::args_os().skip(1);
    if args.next()? != CHECKER_ARG {
        return None;
    }
    Some(ExitCode::from(checker_main(args.map(|a| a.to_string_lossy().into_owned()))))
}

fn checker_main(args: impl Iterator<Item = String>) -> u8 {
    let Some(limits) = parse_settings(args) else {
        eprintln!("usage: {CHECKER_ARG} fuel=0|1 epoch=0|1 nan=0|1 stack=BYTES < module.wasm");
        return EXIT_USAGE;
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("cannot read the module: {e}");
        return EXIT_USAGE;
    }
    let result = Engine::new(&super::engine_config(&limits)).and_then(|engine| Module::from_binary(&engine, &bytes));
    match result {
        Ok(_) => 0,
        Err(e) => {
            let text = first_line(&e);
            eprintln!("{text}");
            if text.contains("os error 12") || text.contains("allocat") { EXIT_MEMORY } else { EXIT_INVALID }
        }
    }
}

/// The settings [`settings`] wrote; no instance pool (the child instantiates nothing).
fn parse_settings(args: impl Iterator<Item = String>) -> Option<Limits> {
    let mut limits = Limits { instance_pool: 0, ..Limits::default() };
    let mut metering = Metering::default();
    for arg in args {
        let (key, value) = arg.split_once('=')?;
        match key {
            "fuel" => metering.fuel = value == "1",
            "epoch" => metering.epoch = value == "1",
            "nan" => limits.nan_canonicalization = value == "1",
            "stack" => limits.stack_bytes = value.parse().ok()?,
            _ => return None,
        }
    }
    limits.metering = metering;
    Some(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip() {
        let limits = Limits {
            metering: Metering { fuel: false, epoch: true },
            nan_canonicalization: false,
            stack_bytes: 12345,
            ..Limits::default()
        };
        let parsed = parse_settings(settings(&limits).into_iter()).unwrap();
        assert_eq!((parsed.metering, parsed.nan_canonicalization, parsed.stack_bytes), (limits.metering, false, 12345));
        assert_eq!(parsed.instance_pool, 0);
        assert!(parse_settings(["nope=1".to_string()].into_iter()).is_none());
    }

    #[test]
    fn exit_statuses_are_classified() {
        let limits = Limits::default();
        let st = |raw: i32| ExitStatus::from_raw(raw);
        assert_eq!(classify(st(0), "", &limits), Ok(()));
        assert_eq!(
            classify(st(i32::from(EXIT_INVALID) << 8), "bad magic\nmore", &limits),
            Err(RewardError::Malformed { reason: "bad magic".into() })
        );
        let memory = Err(RewardError::CompileLimit { bound: CompileBound::Memory { bytes: 1 << 30 } });
        assert_eq!(classify(st(libc::SIGABRT), "memory allocation of 4096 bytes failed", &limits), memory);
        assert_eq!(classify(st(i32::from(EXIT_MEMORY) << 8), "", &limits), memory);
        let cpu = Err(RewardError::CompileLimit { bound: CompileBound::CpuTime { seconds: 10 } });
        assert_eq!(classify(st(libc::SIGXCPU), "", &limits), cpu);
        assert_eq!(classify(st(libc::SIGKILL), "", &limits), cpu);
        assert_eq!(
            classify(st(libc::SIGSEGV), "", &limits),
            Err(RewardError::CompileLimit { bound: CompileBound::Crashed { how: "signal 11".into() } })
        );
    }
}
