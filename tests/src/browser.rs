//! Real-browser test plumbing: the built browser runtime, node drivers that open pages in
//! Debian's chromium (`web/tests/*.mjs`, playwright-core) and print what they saw as JSON,
//! and a static file server on 127.0.0.1 for exported demos. Rust tests do the asserting.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

const INSTALL_HINT: &str = "browser tests need Debian's chromium, node and web/node_modules: \
     `apt-get install -y chromium mesa-vulkan-drivers libvulkan1 libegl1 libegl-mesa0 libgl1-mesa-dri && npm ci --prefix web` \
     (what .ci/run does); never `playwright install`";

/// Panics with how to install them if chromium, node or playwright-core are missing.
pub fn require_tools() {
    let chromium = std::env::var("REWARDSMITH_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(Path::new(&chromium).exists(), "{chromium} not found; {INSTALL_HINT}");
    assert!(
        repo().join("web/node_modules/playwright-core").is_dir(),
        "web/node_modules/playwright-core not found; {INSTALL_HINT}"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(node.is_ok_and(|o| o.status.success()), "node not found; {INSTALL_HINT}");
}

/// The built browser runtime folder (`target/web-pkg`), built once per test process with
/// `web/build.sh` (its own target folder, so it never waits on this cargo's lock).
pub fn runtime() -> &'static Path {
    static RUNTIME: OnceLock<PathBuf> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        let out = Command::new("bash")
            .arg(repo().join("web/build.sh"))
            .current_dir(repo())
            .output()
            .expect("bash runs web/build.sh");
        assert!(
            out.status.success(),
            "web/build.sh failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        repo().join("target/web-pkg")
    })
}

/// One browser at a time per test process: chromium with SwiftShader is heavy, and parallel
/// instances on 2 cores make page timeouts flaky.
pub fn browser_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `node web/tests/<script> <args>` and returns the JSON object it printed last.
/// Panics with the driver's own error (and stderr) if it failed or timed out.
pub fn drive(script: &str, args: &[&str], timeout: Duration) -> serde_json::Value {
    let _one = browser_lock();
    drive_unlocked(script, args, timeout)
}

/// [`drive`] for a caller that already holds [`browser_lock`] (e.g. a test that must know
/// the browser is free before it starts the work the page watches).
pub fn drive_unlocked(script: &str, args: &[&str], timeout: Duration) -> serde_json::Value {
    require_tools();
    let mut child = Command::new("node")
        .arg(repo().join("web/tests").join(script))
        .args(args)
        .current_dir(repo().join("web"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s).unwrap_or_default()
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s).unwrap_or_default()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let Some(status) = status else {
        panic!("driver {script} {args:?} timed out after {timeout:?}\nstdout:\n{out}\nstderr:\n{err}");
    };
    let last = out.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or("");
    let value: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| {
        panic!("driver {script} printed no JSON ({e}); status {status}\nstdout:\n{out}\nstderr:\n{err}")
    });
    if let Some(e) = value.get("driver_error") {
        panic!("driver {script} {args:?} failed: {}\nstderr:\n{err}", e.as_str().unwrap_or_default());
    }
    assert!(status.success(), "driver {script} exited {status}\nstdout:\n{out}\nstderr:\n{err}");
    value
}

/// A static file server for one folder on 127.0.0.1 (an OS-chosen port), as any static
/// host would serve an exported demo: GET only, files by path, MIME types browsers check
/// for ES modules and wasm.
#[derive(Debug)]
pub struct StaticServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StaticServer {
    pub fn start(root: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let (root, flag) = (root.to_owned(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let root = root.clone();
                    std::thread::spawn(move || {
                        let _ = serve_one(&root, conn);
                    });
                }
            }
        });
        StaticServer { addr, stop, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT/` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn serve_one(root: &Path, mut conn: TcpStream) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let rel = Path::new(path.trim_start_matches('/'));
    let safe = rel.components().all(|c| matches!(c, Component::Normal(_)));
    let mut file = root.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let (status, body, kind) = match (method, safe, std::fs::read(&file)) {
        ("GET", true, Ok(bytes)) => ("200 OK", bytes, mime(&file)),
        ("GET", _, _) => ("404 Not Found", b"not found".to_vec(), "text/plain"),
        _ => ("405 Method Not Allowed", b"GET only".to_vec(), "text/plain"),
    };
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    conn.write_all(&body)?;
    conn.flush()
}
