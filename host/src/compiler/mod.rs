//! The reward compiler: reward program → validated-to-be-binary wasm module.
//!
//! Rust sources are screened for compile-time attacks ([`screen`]), then compiled by rustc
//! directly against a prebuilt guest SDK (no cargo, no build scripts, no proc macros) with
//! `-F unsafe_code`, in an OS sandbox ([`Isolation`]: bubblewrap, else Landlock; with neither,
//! Rust is refused unless [`CompilerOptions::allow_unsandboxed`]), linked through a guard that
//! passes only the host's own link arguments (`link_guard.rs`), under a wall-clock timeout that
//! kills the whole process tree and rlimits. `.wat` is assembled; `.wasm` passes through.
//! An LLM answer in markdown (a `.md` file, or text with ``` fences) has its program taken
//! out first ([`answer`], what `evolve` does with every answer).
//! Results are cached by content, compiler, SDK and isolation (`cache.rs`), and
//! [`Compiler::compile_many`] builds in parallel.

pub mod answer;
mod cache;
mod diagnostics;
mod isolation;
mod landlock_rules;
mod link_guard;
mod process;
pub mod screen;
mod toolchain;

pub use answer::{ExtractError, Extracted};
pub use cache::DEFAULT_MAX_BYTES as DEFAULT_CACHE_MAX_BYTES;
pub use diagnostics::{Diagnostic, Located, located};
pub use isolation::{Confined, Isolation};
pub use screen::Refusal;
pub use toolchain::{SdkBuild, Toolchain, sdk_source};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use std::{fs, thread};

use sha2::{Digest, Sha256};

/// Largest reward source accepted, bytes.
pub const SOURCE_MAX: usize = 256 << 10;

/// What a reward program is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Rust against the guest SDK (`.rs`).
    Rust,
    /// WebAssembly text (`.wat`).
    Wat,
    /// A binary module (`.wasm`).
    Wasm,
}

/// A reward program to compile.
#[derive(Clone, Debug)]
pub struct Source {
    pub kind: SourceKind,
    pub bytes: Vec<u8>,
    /// Shown in messages (a path or "candidate 3").
    pub name: String,
    /// Rust the compiler appends after the screened program: a schema env's generated
    /// `mod env` ([`Source::for_schema`]). Not screened: it is generated from validated data.
    pub generated: Option<String>,
}

impl Source {
    /// Rust source text.
    pub fn rust(text: impl Into<String>) -> Source {
        Source { kind: SourceKind::Rust, bytes: text.into().into_bytes(), name: "reward.rs".into(), generated: None }
    }

    /// WebAssembly text.
    pub fn wat(text: impl Into<String>) -> Source {
        Source { kind: SourceKind::Wat, bytes: text.into().into_bytes(), name: "reward.wat".into(), generated: None }
    }

    /// A binary module.
    pub fn wasm(bytes: Vec<u8>) -> Source {
        Source { kind: SourceKind::Wasm, bytes, name: "reward.wasm".into(), generated: None }
    }

    /// Reads a file; the extension (`.rs`, `.wat`, `.wasm`) says what it is, and an answer
    /// (`.md`, `.markdown`, `.txt`, or a `.rs` with ``` fences) gives its extracted program.
    /// [`Source::read`] also says what was extracted.
    pub fn from_path(path: &Path) -> Result<Source, CompileError> {
        Source::read(path).map(|(source, _)| source)
    }

    /// Reads a file as [`Source::from_path`] does, and says what was extracted when the file
    /// was an LLM answer: a `.md`, `.markdown` or `.txt` file, or a `.rs` file with a fence
    /// line ([`answer::is_answer`]). An answer without a program is
    /// [`CompileError::Extract`].
    pub fn read(path: &Path) -> Result<(Source, Option<Extracted>), CompileError> {
        let name = path.display().to_string();
        let ext = path.extension().and_then(|e| e.to_str());
        let (kind, answer) = match ext {
            Some("rs") => (SourceKind::Rust, false),
            Some("wat") => (SourceKind::Wat, false),
            Some("wasm") => (SourceKind::Wasm, false),
            Some("md" | "markdown" | "txt") => (SourceKind::Rust, true),
            _ => return Err(CompileError::UnknownKind { path: name }),
        };
        let bytes = fs::read(path).map_err(|e| CompileError::Io { path: name.clone(), message: e.to_string() })?;
        if kind != SourceKind::Rust {
            return Ok((Source { kind, bytes, name, generated: None }, None));
        }
        if answer || std::str::from_utf8(&bytes).is_ok_and(answer::is_answer) {
            let (program, extracted) = extract_answer(&bytes, Some(&name))?;
            return Ok((Source { kind, bytes: program.into_bytes(), name, generated: None }, Some(extracted)));
        }
        Ok((Source { kind, bytes, name, generated: None }, None))
    }

    /// This program, for schema env `schema`: its generated module (`mod env`, imported with
    /// `use crate::env::*;`) is appended after the program once the program has passed the
    /// screen, so line numbers in diagnostics stay the program's. No effect on `.wat` and
    /// `.wasm`, which declare their env themselves.
    pub fn for_schema(mut self, schema: &crate::schema::Schema) -> Source {
        self.generated = Some(crate::schema::codegen::module_source(schema));
        self
    }

    /// Rust source text, or the program extracted from it when it is an answer with ```
    /// fences ([`answer::is_answer`]): what the playground editor compiles.
    pub fn rust_or_answer(text: impl Into<String>) -> Result<(Source, Option<Extracted>), CompileError> {
        let text = text.into();
        if !answer::is_answer(&text) {
            return Ok((Source::rust(text), None));
        }
        let (program, extracted) = extract_answer(text.as_bytes(), None)?;
        Ok((Source::rust(program), Some(extracted)))
    }
}

/// The program in an answer (no larger than a source may be), and what was extracted.
fn extract_answer(bytes: &[u8], name: Option<&str>) -> Result<(String, Extracted), CompileError> {
    if bytes.len() > SOURCE_MAX {
        return Err(CompileError::SourceTooLarge { size: bytes.len(), limit: SOURCE_MAX });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CompileError::NotUtf8)?;
    let extracted =
        answer::extract(text).map_err(|error| CompileError::Extract { path: name.map(str::to_owned), error })?;
    Ok((extracted.program.clone(), extracted))
}

/// A compiled module and how it was made.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub wasm: Vec<u8>,
    pub kind: SourceKind,
    /// Time spent compiling (zero-ish for cache hits and binary input).
    pub elapsed: Duration,
    /// Whether the module came from the cache.
    pub cached: bool,
}

/// Why a reward program did not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error(
        "{path}: unknown kind of reward program; use .rs (Rust), .wat or .wasm, or .md for an LLM answer in markdown"
    )]
    UnknownKind { path: String },
    /// An answer (markdown, or text with ``` fences) without a reward program in it; the
    /// kind is the [`ExtractError`]'s (`no_code`, `no_export`).
    #[error("{}{}", .path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default(), .error.advice())]
    Extract { path: Option<String>, error: ExtractError },
    #[error("source too large: {size} bytes, the limit is {limit}")]
    SourceTooLarge { size: usize, limit: usize },
    #[error("source is not UTF-8")]
    NotUtf8,
    #[error("refused at line {}:{}: {} is not allowed: {}", .0.line, .0.column, .0.what, .0.why)]
    Refused(Refusal),
    #[error("invalid WebAssembly text: {message}")]
    Wat { message: String },
    #[error("compile error: {rendered}")]
    Rustc { diagnostics: Vec<Diagnostic>, rendered: String },
    #[error("compile timeout: the compiler ran longer than {secs} s and was killed")]
    Timeout { secs: u64 },
    #[error("compile memory limit: the compiler needed more than {limit_mib} MiB of address space")]
    MemoryLimit { limit_mib: u64 },
    #[error("compile output limit: the compiler wrote a file larger than {limit_mib} MiB")]
    OutputLimit { limit_mib: u64 },
    #[error("module too large: {size} bytes, the limit is {limit}")]
    ModuleTooLarge { size: usize, limit: usize },
    #[error(
        "link argument `{argument}` refused: only the host chooses what reaches the linker; remove `#[link]` and similar attributes"
    )]
    LinkRefused { argument: String },
    #[error(
        "no OS isolation for the Rust compiler here ({reason}). Install bubblewrap (`apt-get install bubblewrap`) or use Linux 6.7+ with Landlock enabled; or pass --allow-unsandboxed to compile untrusted Rust without isolation (.wat and .wasm rewards need none)"
    )]
    NoIsolation { reason: String },
    #[error("compiler isolation: {0}")]
    Isolation(String),
    #[error("toolchain: {0}")]
    Toolchain(String),
    #[error("guest SDK: {0}")]
    Sdk(String),
}

impl CompileError {
    /// A short stable name for the error class, for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            CompileError::Io { .. } => "io",
            CompileError::UnknownKind { .. } => "unknown_kind",
            CompileError::Extract { error, .. } => error.kind(),
            CompileError::SourceTooLarge { .. } => "source_too_large",
            CompileError::NotUtf8 => "not_utf8",
            CompileError::Refused(_) => "refused",
            CompileError::Wat { .. } => "wat",
            CompileError::Rustc { .. } => "rustc",
            CompileError::Timeout { .. } => "compile_timeout",
            CompileError::MemoryLimit { .. } => "compile_memory_limit",
            CompileError::OutputLimit { .. } => "compile_output_limit",
            CompileError::ModuleTooLarge { .. } => "module_too_large",
            CompileError::LinkRefused { .. } => "link_refused",
            CompileError::NoIsolation { .. } => "no_isolation",
            CompileError::Isolation(_) => "isolation",
            CompileError::Toolchain(_) => "toolchain",
            CompileError::Sdk(_) => "sdk",
        }
    }
}

/// How the compiler is set up. Defaults: cache in `$REWARDSMITH_CACHE`, else
/// `$XDG_CACHE_HOME/rewardsmith`, else `~/.cache/rewardsmith`; 60 s timeout; 4 GiB address
/// space; [`Isolation::detect`]; Rust refused without isolation; as many parallel jobs as
/// cores; module cache on, capped at 256 MiB; modules up to the sandbox's 8 MiB.
#[derive(Clone, Debug)]
pub struct CompilerOptions {
    pub cache_dir: PathBuf,
    pub timeout: Duration,
    pub memory_bytes: u64,
    pub isolation: Isolation,
    /// Compile Rust even when `isolation` is [`Isolation::None`] (default false: such
    /// compiles fail with [`CompileError::NoIsolation`]). The CLI's `--allow-unsandboxed`.
    pub allow_unsandboxed: bool,
    pub jobs: usize,
    /// Reuse modules compiled earlier from the same source (default true).
    pub cache_modules: bool,
    /// Most bytes the module cache folder keeps; least recently used modules are evicted
    /// beyond it (default [`DEFAULT_CACHE_MAX_BYTES`], 256 MiB).
    pub cache_max_bytes: u64,
    /// Largest module returned or cached, bytes (default: the sandbox's
    /// [`crate::sandbox::Limits::module_bytes`], 8 MiB).
    pub module_bytes: usize,
}

impl Default for CompilerOptions {
    fn default() -> Self {
        CompilerOptions {
            cache_dir: default_cache_dir(),
            timeout: Duration::from_secs(60),
            memory_bytes: 4 << 30,
            isolation: Isolation::detect(),
            allow_unsandboxed: false,
            jobs: thread::available_parallelism().map_or(2, |n| n.get()),
            cache_modules: true,
            cache_max_bytes: cache::DEFAULT_MAX_BYTES,
            module_bytes: crate::sandbox::Limits::default().module_bytes,
        }
    }
}

/// Largest file rustc may write (`RLIMIT_FSIZE`): its objects for an 8 MiB module fit.
pub const OUTPUT_FILE_MAX: u64 = 64 << 20;

/// Processes and threads rustc may add to what the user already runs (`RLIMIT_NPROC`).
const PROCESS_HEADROOM: u64 = 1024;

fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("REWARDSMITH_CACHE") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("rewardsmith");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".cache/rewardsmith"),
        None => std::env::temp_dir().join("rewardsmith-cache"),
    }
}

/// Compiles reward programs. Share one per process; it is `Send + Sync`.
#[derive(Debug)]
pub struct Compiler {
    options: CompilerOptions,
    setup: OnceLock<Result<(Toolchain, SdkBuild), CompileError>>,
    guard: OnceLock<Result<link_guard::LinkGuard, CompileError>>,
}

impl Compiler {
    /// A compiler with the given options. The toolchain and SDK are set up on first use.
    pub fn new(options: CompilerOptions) -> Compiler {
        Compiler { options, setup: OnceLock::new(), guard: OnceLock::new() }
    }

    /// The options in force.
    pub fn options(&self) -> &CompilerOptions {
        &self.options
    }

    /// Whether rustc runs inside an OS sandbox.
    pub fn isolation(&self) -> &Isolation {
        &self.options.isolation
    }

    /// Fails with [`CompileError::NoIsolation`] when Rust would be compiled without any
    /// isolation and the options do not allow it: for commands to say so before they start.
    pub fn check_isolation(&self) -> Result<(), CompileError> {
        match &self.options.isolation {
            Isolation::None { reason } if !self.options.allow_unsandboxed => {
                Err(CompileError::NoIsolation { reason: reason.clone() })
            }
            _ => Ok(()),
        }
    }

    /// The isolation in force, and without any whether Rust is refused or compiled anyway:
    /// what start lines and reports print.
    pub fn describe_isolation(&self) -> String {
        let iso = &self.options.isolation;
        match (iso.is_isolated(), self.options.allow_unsandboxed) {
            (true, _) => iso.describe(),
            (false, true) => format!("{}; compiling Rust UNSANDBOXED (--allow-unsandboxed)", iso.describe()),
            (false, false) => format!(
                "{}; Rust rewards are refused (install bubblewrap, use Linux 6.7+ with Landlock, or pass --allow-unsandboxed)",
                iso.describe()
            ),
        }
    }

    /// Finds the toolchain and builds the SDK now (otherwise the first Rust compile does).
    pub fn prepare(&self) -> Result<&(Toolchain, SdkBuild), CompileError> {
        self.setup
            .get_or_init(|| {
                let tc = Toolchain::discover()?;
                let sdk = toolchain::build_sdk(&tc, &self.options.cache_dir, Duration::from_secs(600))?;
                Ok((tc, sdk))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Compiles one program.
    pub fn compile(&self, source: &Source) -> Result<Compiled, CompileError> {
        let start = Instant::now();
        if source.bytes.len() > SOURCE_MAX && source.kind != SourceKind::Wasm {
            return Err(CompileError::SourceTooLarge { size: source.bytes.len(), limit: SOURCE_MAX });
        }
        match source.kind {
            SourceKind::Wasm => {
                Ok(Compiled { wasm: source.bytes.clone(), kind: source.kind, elapsed: start.elapsed(), cached: false })
            }
            SourceKind::Wat => {
                let text = std::str::from_utf8(&source.bytes).map_err(|_| CompileError::NotUtf8)?;
                let wasm = wat::parse_str(text)
                    .map_err(|e| CompileError::Wat { message: e.to_string().replace('\n', " ") })?;
                Ok(Compiled { wasm, kind: source.kind, elapsed: start.elapsed(), cached: false })
            }
            SourceKind::Rust => {
                let text = std::str::from_utf8(&source.bytes).map_err(|_| CompileError::NotUtf8)?;
                self.check_isolation()?;
                screen::screen(text).map_err(CompileError::Refused)?;
                let (tc, sdk) = self.prepare()?;
                match &source.generated {
                    Some(module) => self.compile_rust(&format!("{text}\n{module}"), tc, sdk, start),
                    None => self.compile_rust(text, tc, sdk, start),
                }
            }
        }
    }

    /// Compiles Rust source without the source screen: only the OS isolation and the link
    /// guard stand between it and the host. For tests that prove those layers hold alone.
    #[doc(hidden)]
    pub fn compile_unscreened_for_tests(&self, text: &str) -> Result<Compiled, CompileError> {
        let start = Instant::now();
        self.check_isolation()?;
        let (tc, sdk) = self.prepare()?;
        self.compile_rust(text, tc, sdk, start)
    }

    /// Compiles many programs on up to `jobs` threads; results in input order.
    pub fn compile_many(&self, sources: &[Source]) -> Vec<Result<Compiled, CompileError>> {
        let next = AtomicUsize::new(0);
        let mut results: Vec<Option<Result<Compiled, CompileError>>> = vec![None; sources.len()];
        let slots: Vec<std::sync::Mutex<&mut Option<_>>> = results.iter_mut().map(std::sync::Mutex::new).collect();
        thread::scope(|s| {
            for _ in 0..self.options.jobs.clamp(1, sources.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(src) = sources.get(i) else { break };
                        **slots[i].lock().expect("slot") = Some(self.compile(src));
                    }
                });
            }
        });
        drop(slots);
        results.into_iter().map(|r| r.expect("every source compiled")).collect()
    }

    fn link_guard(&self, tc: &Toolchain, sdk: &SdkBuild) -> Result<&link_guard::LinkGuard, CompileError> {
        self.guard.get_or_init(|| link_guard::install(tc, sdk, &self.options.cache_dir)).as_ref().map_err(Clone::clone)
    }

    fn compile_rust(
        &self,
        text: &str,
        tc: &Toolchain,
        sdk: &SdkBuild,
        start: Instant,
    ) -> Result<Compiled, CompileError> {
        let guard = self.link_guard(tc, sdk)?;
        let o = &self.options;
        // A module is reused only if built the same way: same source, flags, compiler, SDK,
        // link guard and isolation (one built without isolation is never served under it).
        let key: String = Sha256::new()
            .chain_update(o.isolation.mode().as_bytes())
            .chain_update(tc.verbose_version.as_bytes())
            .chain_update(sdk.hash.as_bytes())
            .chain_update(guard.hash.as_bytes())
            .chain_update(RUSTC_FLAGS.join(" ").as_bytes())
            .chain_update(text.as_bytes())
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        let cache = cache::ModuleCache::new(o.cache_dir.join("modules"), o.module_bytes, o.cache_max_bytes);
        if let Some(wasm) = o.cache_modules.then(|| cache.get(&key)).flatten() {
            return Ok(Compiled { wasm, kind: SourceKind::Rust, elapsed: start.elapsed(), cached: true });
        }
        // A private build folder (0700, random name): the only place rustc may write.
        let work = tempfile::Builder::new()
            .prefix("rewardsmith-build-")
            .tempdir()
            .map_err(|e| CompileError::Io { path: "temporary build folder".into(), message: e.to_string() })?;
        let dir = work
            .path()
            .canonicalize()
            .map_err(|e| CompileError::Io { path: work.path().display().to_string(), message: e.to_string() })?;
        fs::write(dir.join("reward.rs"), text)
            .map_err(|e| CompileError::Io { path: "reward.rs".into(), message: e.to_string() })?;
        let mut args: Vec<String> = RUSTC_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("-Clinker={}", guard.path.display()));
        args.push("--extern".into());
        args.push(format!("rewardsmith_guest={}", sdk.rlib.display()));
        args.push("-L".into());
        args.push(format!("dependency={}", sdk.deps.display()));
        args.extend(["-o".into(), "reward.wasm".into(), "reward.rs".into()]);
        let cmd = o
            .isolation
            .command(&tc.rustc, &args, &dir, &[&tc.sysroot, &sdk.dir, &guard.dir])
            .map_err(|e| CompileError::Isolation(e.to_string()))?;
        let f = cmd
            .run(o.timeout, self.rlimits())
            .map_err(|e| CompileError::Toolchain(format!("cannot run rustc: {e}")))?;
        if f.timed_out || killed_by(f.status, libc::SIGXCPU) {
            return Err(CompileError::Timeout { secs: o.timeout.as_secs() });
        }
        if killed_by(f.status, libc::SIGXFSZ) {
            return Err(CompileError::OutputLimit { limit_mib: OUTPUT_FILE_MAX >> 20 });
        }
        if !f.status.is_some_and(|s| s.success()) {
            if let Some(argument) = link_guard::refused(&f.stderr) {
                return Err(CompileError::LinkRefused { argument });
            }
            let diagnostics = diagnostics::parse(&f.stderr, "reward.rs");
            if diagnostics.is_empty() && out_of_memory(&f.stderr) {
                return Err(CompileError::MemoryLimit { limit_mib: o.memory_bytes >> 20 });
            }
            if diagnostics.is_empty() {
                // No diagnostics: rustc (or the sandbox around it) failed, not the program.
                return Err(CompileError::Toolchain(format!(
                    "rustc failed ({}) without diagnostics: {}",
                    describe_status(f.status),
                    f.stderr.lines().last().unwrap_or("").trim()
                )));
            }
            let rendered = diagnostics::render(&diagnostics, 5);
            return Err(CompileError::Rustc { diagnostics, rendered });
        }
        let out = dir.join("reward.wasm");
        let size = fs::metadata(&out)
            .map_err(|e| CompileError::Io { path: "reward.wasm".into(), message: e.to_string() })?
            .len();
        if size > o.module_bytes as u64 {
            return Err(CompileError::ModuleTooLarge { size: size as usize, limit: o.module_bytes });
        }
        let wasm =
            fs::read(&out).map_err(|e| CompileError::Io { path: "reward.wasm".into(), message: e.to_string() })?;
        if o.cache_modules {
            cache.put(&key, &wasm);
        }
        Ok(Compiled { wasm, kind: SourceKind::Rust, elapsed: start.elapsed(), cached: false })
    }

    /// rustc's rlimits: the configured address space, [`OUTPUT_FILE_MAX`], CPU time for the
    /// timeout on every core, and [`PROCESS_HEADROOM`] more processes than the user runs now.
    fn rlimits(&self) -> process::Rlimits {
        let cores = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        process::Rlimits {
            address_space: self.options.memory_bytes,
            file_size: OUTPUT_FILE_MAX,
            cpu_seconds: (self.options.timeout.as_secs() + 1) * cores,
            processes: process::user_tasks().map_or(libc::RLIM_INFINITY, |n| n + PROCESS_HEADROOM),
        }
    }
}

/// Whether rustc died of `signal` (bubblewrap passes that on as exit code 128 + signal;
/// rustc itself exits with 0, 1 or 101).
fn killed_by(status: Option<std::process::ExitStatus>, signal: i32) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.is_some_and(|s| s.signal() == Some(signal) || s.code() == Some(128 + signal))
}

/// Whether a failed build's output says it ran out of (address-space-limited) memory.
fn out_of_memory(stderr: &str) -> bool {
    ["memory allocation of", "Cannot allocate memory", "failed to map segment", "out of memory", "std::bad_alloc"]
        .iter()
        .any(|m| stderr.contains(m))
}

fn describe_status(s: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match s {
        Some(s) if s.signal().is_some() => format!("killed by signal {}", s.signal().unwrap_or(0)),
        Some(s) => format!("exit code {}", s.code().unwrap_or(-1)),
        None => "killed".into(),
    }
}

/// rustc flags for every reward: wasm32 cdylib, optimised, no debug info, panics abort
/// (the SDK's hook keeps the message), and `unsafe` forbidden in the reward itself.
const RUSTC_FLAGS: &[&str] = &[
    "--edition=2021",
    "--crate-type=cdylib",
    "--crate-name=reward",
    "--target=wasm32-unknown-unknown",
    "-Copt-level=2",
    "-Cpanic=abort",
    "-Cdebuginfo=0",
    "-Cstrip=symbols",
    "-Funsafe_code",
    "--error-format=json",
];
