//! Runs a build tool with a wall-clock timeout that kills its whole process tree, an
//! address-space limit, and bounded output capture.

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

/// Runs `cmd` in its own process group with address space limited to `memory_bytes`;
/// after `timeout` the whole group is killed.
pub fn run(mut cmd: Command, timeout: Duration, memory_bytes: u64) -> std::io::Result<Finished> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).process_group(0);
    limit_address_space(&mut cmd, memory_bytes);
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

#[allow(unsafe_code)]
fn limit_address_space(cmd: &mut Command, bytes: u64) {
    // SAFETY: the closure runs in the forked child before exec and only calls setrlimit,
    // which is async-signal-safe; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
