//! Runs the compiler inside an OS sandbox (bubblewrap) when the machine has one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the build folder appears inside the sandbox (so no host path leaks into output).
const BUILD_DIR: &str = "/build";

/// Where rustc runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Inside bubblewrap: read-only toolchain and SDK, only the build folder writable,
    /// private /tmp, empty environment, no network, its own PID namespace.
    Bubblewrap(PathBuf),
    /// Directly, with an empty environment; `reason` says why there is no sandbox.
    None { reason: String },
}

impl Isolation {
    /// Bubblewrap if `bwrap` is on `PATH` and can start a sandbox here; otherwise none.
    /// `REWARDSMITH_NO_BWRAP=1` turns it off.
    pub fn detect() -> Isolation {
        if std::env::var_os("REWARDSMITH_NO_BWRAP").is_some_and(|v| v == "1") {
            return Isolation::None { reason: "disabled by REWARDSMITH_NO_BWRAP=1".into() };
        }
        let Some(bwrap) = find_on_path("bwrap") else {
            return Isolation::None {
                reason: "bubblewrap (bwrap) is not installed; install the `bubblewrap` package".into(),
            };
        };
        let probe = Command::new(&bwrap)
            .args(["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        match probe {
            Ok(o) if o.status.success() => Isolation::Bubblewrap(bwrap),
            Ok(o) => Isolation::None {
                reason: format!("bwrap cannot create a sandbox here: {}", String::from_utf8_lossy(&o.stderr).trim()),
            },
            Err(e) => Isolation::None { reason: format!("bwrap failed to start: {e}") },
        }
    }

    /// A one-line description for `check`'s output.
    pub fn describe(&self) -> String {
        match self {
            Isolation::Bubblewrap(_) => "bubblewrap (read-only toolchain, no network, empty environment)".into(),
            Isolation::None { reason } => format!("none ({reason})"),
        }
    }

    /// The command that runs `program args` in `workdir`, with `read_only` paths visible.
    pub fn command(&self, program: &Path, args: &[String], workdir: &Path, read_only: &[&Path]) -> Command {
        match self {
            Isolation::Bubblewrap(bwrap) => {
                let mut c = Command::new(bwrap);
                c.args(["--die-with-parent", "--new-session", "--unshare-all", "--clearenv"]);
                // The private /tmp first: later binds may live under the host's /tmp (a
                // checkout or cache there) and must stay visible on top of it.
                c.args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
                c.args(["--ro-bind", "/usr", "/usr"]);
                for dir in ["/lib", "/lib64", "/bin"] {
                    c.args(["--ro-bind-try", dir, dir]);
                }
                for p in read_only {
                    c.arg("--ro-bind").arg(p).arg(p);
                }
                c.arg("--bind").arg(workdir).arg(BUILD_DIR);
                c.args(["--setenv", "PATH", "/usr/bin:/bin", "--setenv", "TMPDIR", "/tmp"]);
                c.args(["--chdir", BUILD_DIR, "--"]).arg(program).args(args);
                c
            }
            Isolation::None { .. } => {
                let mut c = Command::new(program);
                c.args(args).current_dir(workdir).env_clear().env("PATH", "/usr/bin:/bin");
                c
            }
        }
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}
