//! Runs the compiler in an OS sandbox: bubblewrap where it works, with Landlock's network
//! rules under it; Landlock alone where bubblewrap is missing (any unprivileged process on
//! Linux 6.7+ can use it); or nothing, which [`super::Compiler`] refuses unless opted in.

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::landlock_rules::{self, Rules};

/// Where the build folder appears inside bubblewrap (so no host path leaks into output).
const BUILD_DIR: &str = "/build";

/// How rustc is isolated from the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Inside bubblewrap: read-only toolchain and SDK, only the build folder writable,
    /// private /tmp, empty environment, no network, its own PID namespace. `landlock` is the
    /// kernel's Landlock ABI when a domain with no TCP and scoped signals and abstract
    /// sockets is entered under bubblewrap too (files stay bubblewrap's: Landlock forbids
    /// the mounts bubblewrap makes).
    Bubblewrap { bwrap: PathBuf, landlock: Option<i32> },
    /// Landlock with kernel ABI `abi`: reads only the toolchain, the SDK and system
    /// libraries, writes only its build folder, no TCP, signals and abstract unix sockets
    /// scoped to itself (ABI 6+); plus rlimits and an empty environment.
    Landlock { abi: i32 },
    /// Nothing beyond an empty environment and rlimits; `reason` says why.
    None { reason: String },
}

impl Isolation {
    /// Bubblewrap if `bwrap` is on `PATH` and can start a sandbox here (with Landlock under
    /// it when the kernel has it), else Landlock, else none. `REWARDSMITH_NO_BWRAP=1` and
    /// `REWARDSMITH_NO_LANDLOCK=1` turn either off.
    pub fn detect() -> Isolation {
        let landlock = Isolation::landlock_abi();
        match bubblewrap(landlock.as_ref().ok().copied()) {
            Ok(iso) => iso,
            Err(no_bwrap) => match landlock {
                Ok(abi) => Isolation::Landlock { abi },
                Err(no_landlock) => Isolation::None { reason: format!("{no_bwrap}; {no_landlock}") },
            },
        }
    }

    /// Landlock alone, ignoring bubblewrap (what a machine without it gets), or none.
    pub fn detect_landlock() -> Isolation {
        match Isolation::landlock_abi() {
            Ok(abi) => Isolation::Landlock { abi },
            Err(reason) => Isolation::None { reason },
        }
    }

    /// The kernel's Landlock ABI if a domain is really enforced here (a probe child must be
    /// unable to list `/`), else why not.
    fn landlock_abi() -> Result<i32, String> {
        let abi = landlock_rules::abi()?;
        let probe = Isolation::Landlock { abi };
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a folder to probe Landlock in: {e}"))?;
        let sh = |script: &str| {
            let c = probe.command(Path::new("/bin/sh"), &["-c".into(), script.into()], dir.path(), &[]);
            c.and_then(Confined::output).map(|o| o.status.success())
        };
        // Opening a directory for reading needs READ_DIR: allowed beneath /usr, not at /.
        match (sh("exec 3</usr"), sh("exec 3</")) {
            (Ok(true), Ok(false)) => Ok(abi),
            (Ok(_), Ok(_)) => Err(format!("Landlock ABI {abi} is not enforced here")),
            (Err(e), _) | (_, Err(e)) => Err(format!("Landlock ABI {abi} cannot start a process here: {e}")),
        }
    }

    /// A stable short name: `bubblewrap+landlock`, `bubblewrap`, `landlock` or `none`.
    /// Part of the module cache key.
    pub fn mode(&self) -> &'static str {
        match self {
            Isolation::Bubblewrap { landlock: Some(_), .. } => "bubblewrap+landlock",
            Isolation::Bubblewrap { landlock: None, .. } => "bubblewrap",
            Isolation::Landlock { .. } => "landlock",
            Isolation::None { .. } => "none",
        }
    }

    /// Whether rustc runs confined at all.
    pub fn is_isolated(&self) -> bool {
        !matches!(self, Isolation::None { .. })
    }

    /// A one-line description for start lines and reports.
    pub fn describe(&self) -> String {
        match self {
            Isolation::Bubblewrap { landlock: Some(abi), .. } => {
                format!("bubblewrap + Landlock ABI {abi} (read-only toolchain, no network, empty environment, rlimits)")
            }
            Isolation::Bubblewrap { landlock: None, .. } => {
                "bubblewrap (read-only toolchain, no network, empty environment, rlimits)".into()
            }
            Isolation::Landlock { abi } => format!(
                "Landlock ABI {abi} (reads only toolchain, SDK and system libraries; writes only its build folder; no TCP; empty environment; rlimits)"
            ),
            Isolation::None { reason } => format!("none ({reason})"),
        }
    }

    /// The command that runs `program args` in `workdir` (read-write), with `read_only`
    /// paths (absolute, no links) visible. Fails only if a Landlock ruleset cannot be built.
    pub fn command(
        &self,
        program: &Path,
        args: &[String],
        workdir: &Path,
        read_only: &[&Path],
    ) -> std::io::Result<Confined> {
        match self {
            Isolation::Bubblewrap { bwrap, landlock } => {
                let mut c = bwrap_command(bwrap);
                for p in read_only {
                    c.arg("--ro-bind").arg(p).arg(p);
                }
                c.arg("--bind").arg(workdir).arg(BUILD_DIR);
                c.args(["--setenv", "PATH", "/usr/bin:/bin", "--setenv", "TMPDIR", "/tmp"]);
                c.args(["--chdir", BUILD_DIR, "--"]).arg(program).args(args);
                let ruleset = landlock.map(|abi| landlock_rules::ruleset(abi, Rules::NetworkOnly)).transpose();
                Ok(Confined::new(c, ruleset.map_err(std::io::Error::other)?))
            }
            Isolation::Landlock { abi } => {
                let mut c = Command::new(program);
                c.args(args).current_dir(workdir).env_clear().env("PATH", "/usr/bin:/bin").env("TMPDIR", workdir);
                let rules = Rules::Files { read: read_only, write: &[workdir] };
                let ruleset = landlock_rules::ruleset(*abi, rules).map_err(std::io::Error::other)?;
                Ok(Confined::new(c, Some(ruleset)))
            }
            Isolation::None { .. } => {
                let mut c = Command::new(program);
                c.args(args).current_dir(workdir).env_clear().env("PATH", "/usr/bin:/bin").env("TMPDIR", workdir);
                Ok(Confined::new(c, None))
            }
        }
    }
}

/// A command and the Landlock ruleset its child enters before exec (kept open until the
/// child has started).
#[derive(Debug)]
pub struct Confined {
    command: Command,
    _ruleset: Option<OwnedFd>,
}

impl Confined {
    #[allow(unsafe_code)]
    fn new(mut command: Command, ruleset: Option<OwnedFd>) -> Confined {
        if let Some(fd) = ruleset.as_ref().map(AsRawFd::as_raw_fd) {
            // SAFETY: `enter` makes two raw syscalls and allocates nothing, as code between
            // fork and exec must; `fd` stays open (owned by the returned value) until the
            // child has been spawned, and is close-on-exec.
            unsafe {
                command.pre_exec(move || landlock_rules::enter(fd));
            }
        }
        Confined { command, _ruleset: ruleset }
    }

    /// Runs it to completion with stdin closed, capturing stdout and stderr.
    pub fn output(mut self) -> std::io::Result<Output> {
        self.command.stdin(Stdio::null()).output()
    }

    /// Runs it under `process::run`'s timeout and limits.
    pub(super) fn run(
        self,
        timeout: std::time::Duration,
        limits: super::process::Rlimits,
    ) -> std::io::Result<super::process::Finished> {
        let Confined { command, _ruleset: ruleset } = self;
        let finished = super::process::run(command, timeout, limits);
        drop(ruleset); // open until the child has entered it
        finished
    }
}

/// bwrap with the fixed part of the sandbox: namespaces, an empty environment, private
/// /proc, /dev and /tmp, read-only system folders.
fn bwrap_command(bwrap: &Path) -> Command {
    let mut c = Command::new(bwrap);
    c.args(["--die-with-parent", "--new-session", "--unshare-all", "--clearenv"]);
    // The private /tmp first: later binds may live under the host's /tmp (a checkout or
    // cache there) and must stay visible on top of it.
    c.args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
    c.args(["--ro-bind", "/usr", "/usr"]);
    for dir in ["/lib", "/lib64", "/bin"] {
        c.args(["--ro-bind-try", dir, dir]);
    }
    c
}

/// `bwrap` on `PATH` if it starts a sandbox here, with Landlock ABI `landlock` under it if
/// it still starts so (a setuid bwrap does not under no_new_privs), else why not.
/// `REWARDSMITH_NO_BWRAP=1` turns it off.
fn bubblewrap(landlock: Option<i32>) -> Result<Isolation, String> {
    if std::env::var_os("REWARDSMITH_NO_BWRAP").is_some_and(|v| v == "1") {
        return Err("bubblewrap disabled by REWARDSMITH_NO_BWRAP=1".into());
    }
    let bwrap = find_on_path("bwrap").ok_or("bubblewrap (bwrap) is not installed; install the `bubblewrap` package")?;
    if landlock.is_some() && probe_bwrap(&bwrap, landlock).is_ok() {
        return Ok(Isolation::Bubblewrap { bwrap, landlock });
    }
    probe_bwrap(&bwrap, None)?;
    Ok(Isolation::Bubblewrap { bwrap, landlock: None })
}

/// Starts `true` in the sandbox the compiler would get (with Landlock ABI `landlock` under it).
fn probe_bwrap(bwrap: &Path, landlock: Option<i32>) -> Result<(), String> {
    let iso = Isolation::Bubblewrap { bwrap: bwrap.to_owned(), landlock };
    let dir = std::env::temp_dir();
    let out = iso.command(Path::new("/bin/true"), &[], &dir, &[]).and_then(Confined::output);
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("bwrap cannot create a sandbox here: {}", String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) => Err(format!("bwrap failed to start: {e}")),
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}
