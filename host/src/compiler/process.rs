//! Runs a build tool with a wall-clock timeout that kills its whole process tree, resource
//! limits (address space, file size, CPU time, processes, no core dumps), and bounded output
//! capture.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Most bytes kept of each output stream.
const OUTPUT_MAX: usize = 1 << 20;

/// A finished (or killed) process.
#[derive(Debug)]
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub stderr: String,
    pub timed_out: bool,
}

/// Resource limits set in the child before it execs (they bound everything it starts too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimits {
    /// `RLIMIT_AS`, bytes of address space per process.
    pub address_space: u64,
    /// `RLIMIT_FSIZE`, the largest file it may write, bytes (SIGXFSZ beyond).
    pub file_size: u64,
    /// `RLIMIT_CPU`, CPU seconds per process (SIGXCPU, then SIGKILL): a backstop behind the
    /// wall-clock timeout for anything that escapes the process-group kill.
    pub cpu_seconds: u64,
    /// `RLIMIT_NPROC`: processes and threads of the whole user, not only this tree, so it is
    /// set to what the user already runs plus headroom. Root (CAP_SYS_RESOURCE or
    /// CAP_SYS_ADMIN) ignores it: as root this limit is not in force.
    pub processes: u64,
}

impl Rlimits {
    /// Only an address-space limit (for trusted builds such as the guest SDK's).
    pub fn memory_only(address_space: u64) -> Rlimits {
        Rlimits {
            address_space,
            file_size: libc::RLIM_INFINITY,
            cpu_seconds: libc::RLIM_INFINITY,
            processes: libc::RLIM_INFINITY,
        }
    }
}

/// Runs `cmd` in its own process group under `limits` (and `RLIMIT_CORE` 0); after
/// `timeout` the whole group is killed.
pub fn run(mut cmd: Command, timeout: Duration, limits: Rlimits) -> std::io::Result<Finished> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).process_group(0);
    set_rlimits(&mut cmd, limits);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pgid = child.id() as i32;
    let err = capture(child.stderr.take());
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            kill_group(pgid);
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    // Grandchildren that outlived the leader would keep the pipes open: end them too.
    kill_group(pgid);
    Ok(Finished { status, stderr: err.join().unwrap_or_default(), timed_out })
}

fn capture<R: Read + Send + 'static>(stream: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stream {
            let _ = s.take(OUTPUT_MAX as u64).read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

#[allow(unsafe_code)]
fn kill_group(pgid: i32) {
    // SAFETY: kill(2) with a negative pid signals the process group we created; it has no
    // memory-safety preconditions.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Processes and threads the current real user runs now (from `/proc`), for a
/// [`Rlimits::processes`] relative to it. `None` if `/proc` cannot be read.
pub fn user_tasks() -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let uid = real_uid();
    let mut n = 0u64;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if !entry.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // /proc/PID is owned by the process's user; /proc/PID/task has a link per thread.
        match (entry.metadata(), std::fs::metadata(entry.path().join("task"))) {
            (Ok(m), Ok(t)) if m.uid() == uid => n += t.nlink().saturating_sub(2).max(1),
            _ => {}
        }
    }
    Some(n)
}

#[allow(unsafe_code)]
fn real_uid() -> u32 {
    // SAFETY: getuid(2) has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[allow(unsafe_code)]
fn set_rlimits(cmd: &mut Command, l: Rlimits) {
    // SAFETY: the closure runs in the forked child before exec and only calls getrlimit(2)
    // and setrlimit(2), which are async-signal-safe; it allocates nothing (`last_os_error`
    // reads errno).
    unsafe {
        cmd.pre_exec(move || {
            // Never above the hard limit the child inherited: raising it would fail (EPERM).
            let set_soft_hard = |resource, soft: u64, hard: u64| {
                let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
                if libc::getrlimit(resource, &mut lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let hard = hard.min(lim.rlim_max);
                let lim = libc::rlimit { rlim_cur: soft.min(hard), rlim_max: hard };
                if libc::setrlimit(resource, &lim) != 0 { Err(std::io::Error::last_os_error()) } else { Ok(()) }
            };
            let set = |resource, value| set_soft_hard(resource, value, value);
            set(libc::RLIMIT_AS, l.address_space)?;
            set(libc::RLIMIT_FSIZE, l.file_size)?;
            // SIGXCPU at the soft limit (reported as a timeout), SIGKILL a second later.
            set_soft_hard(libc::RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds.saturating_add(1))?;
            set(libc::RLIMIT_NPROC, l.processes)?;
            set(libc::RLIMIT_CORE, 0)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn sh(script: &str, limits: Rlimits) -> Finished {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", script]);
        run(c, Duration::from_secs(120), limits).unwrap()
    }

    fn unlimited() -> Rlimits {
        Rlimits::memory_only(libc::RLIM_INFINITY)
    }

    #[test]
    fn file_size_limit_kills_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big");
        let script = format!("head -c 5000 /dev/zero > '{}'", f.display());
        let small = sh(&script, Rlimits { file_size: 4096, ..unlimited() });
        assert!(!small.timed_out);
        // The shell reports its child `head` killed by SIGXFSZ as exit status 128 + 25.
        assert_eq!(small.status.and_then(|s| s.code()), Some(128 + libc::SIGXFSZ));
        assert_eq!(std::fs::metadata(&f).unwrap().len(), 4096);
        assert!(sh(&script, Rlimits { file_size: 8192, ..unlimited() }).status.unwrap().success());
    }

    #[test]
    fn cpu_limit_kills_a_busy_loop_before_the_wall_clock_timeout() {
        let f = sh("while :; do :; done", Rlimits { cpu_seconds: 1, ..unlimited() });
        assert!(!f.timed_out, "the 120 s timeout is not what stopped it");
        assert_eq!(f.status.and_then(|s| s.signal()), Some(libc::SIGXCPU));
    }

    #[test]
    fn process_limit_and_no_core_dumps_are_in_force() {
        // Root ignores RLIMIT_NPROC, so check it is set rather than hit it.
        let script = "grep -q '^Max processes  *4321  *4321 ' /proc/self/limits \
                      && grep -q '^Max core file size  *0  *0 ' /proc/self/limits";
        let f = sh(script, Rlimits { processes: 4321, ..unlimited() });
        assert!(f.status.unwrap().success(), "{}", f.stderr);
        assert!(user_tasks().is_some_and(|n| n >= 1), "this process is one of the user's");
    }
}
