//! Finds the Rust toolchain that compiles reward programs and builds the guest SDK with it
//! once per SDK version, into a cache folder.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::CompileError;
use super::process;

include!(concat!(env!("OUT_DIR"), "/sdk_files.rs"));

/// The wasm target reward programs compile to.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// A toolchain with the wasm32 target, used directly (not through rustup's proxies).
#[derive(Clone, Debug)]
pub struct Toolchain {
    pub sysroot: PathBuf,
    pub rustc: PathBuf,
    pub cargo: PathBuf,
    /// `rustc --version`.
    pub version: String,
    /// `rustc -vV` (commit hash, LLVM version, host): part of every module cache key.
    pub verbose_version: String,
}

impl Toolchain {
    /// `REWARDSMITH_SYSROOT` if set, else the toolchain that built this binary, else the
    /// `rustc` on `PATH`.
    pub fn discover() -> Result<Toolchain, CompileError> {
        let sysroot = match std::env::var_os("REWARDSMITH_SYSROOT") {
            Some(s) => PathBuf::from(s),
            None if !BUILD_SYSROOT.is_empty() && Path::new(BUILD_SYSROOT).join("bin/rustc").exists() => {
                PathBuf::from(BUILD_SYSROOT)
            }
            None => {
                let out = Command::new("rustc").args(["--print", "sysroot"]).output().map_err(|e| {
                    CompileError::Toolchain(format!("cannot run `rustc` ({e}); install Rust with rustup"))
                })?;
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            }
        };
        // Mounted into the compiler sandbox as is: no links or `..`.
        let sysroot = sysroot.canonicalize().unwrap_or(sysroot);
        let rustc = sysroot.join("bin/rustc");
        let cargo = sysroot.join("bin/cargo");
        if !rustc.exists() {
            return Err(CompileError::Toolchain(format!("no rustc in {}", sysroot.display())));
        }
        if !sysroot.join("lib/rustlib").join(TARGET).exists() {
            return Err(CompileError::Toolchain(format!(
                "the toolchain at {} lacks the {TARGET} target; run `rustup target add {TARGET}`",
                sysroot.display()
            )));
        }
        let out = Command::new(&rustc).arg("--version").output().map_err(|e| CompileError::Toolchain(e.to_string()))?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = Command::new(&rustc).arg("-vV").output().map_err(|e| CompileError::Toolchain(e.to_string()))?;
        let verbose_version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(Toolchain { sysroot, rustc, cargo, version, verbose_version })
    }
}

/// The guest SDK compiled for wasm32: what `--extern rewardsmith_guest=` points at.
#[derive(Clone, Debug)]
pub struct SdkBuild {
    /// Folder holding the build (read-only to the compiler sandbox).
    pub dir: PathBuf,
    /// `librewardsmith_guest-*.rlib`.
    pub rlib: PathBuf,
    /// Its dependencies' folder (`-L dependency=`).
    pub deps: PathBuf,
    /// Identity of this SDK build (sources + toolchain), part of every module cache key.
    pub hash: String,
}

/// The manifest for the cache copy of the SDK. `libm` is pinned exactly like the workspace,
/// so an offline build resolves to the crate cargo already downloaded for the host.
const MANIFEST: &str = r#"[package]
name = "rewardsmith-guest"
version = "0.1.0"
edition = "2024"

[dependencies]
libm = "=0.2.16"

[profile.release]
panic = "abort"
opt-level = 2
debug = false
codegen-units = 1

[workspace]
"#;

/// Builds the SDK into `cache/sdk-<hash>` unless already built. Safe to call from many
/// processes at once (a file lock serialises the build).
pub fn build_sdk(tc: &Toolchain, cache: &Path, timeout: Duration) -> Result<SdkBuild, CompileError> {
    let mut h = Sha256::new();
    h.update(tc.version.as_bytes());
    h.update(MANIFEST.as_bytes());
    for (path, text) in SDK_FILES {
        h.update(path.as_bytes());
        h.update(text.as_bytes());
    }
    let hash: String = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let io = |what: &str, e: std::io::Error| CompileError::Sdk(format!("{what}: {e}"));
    fs::create_dir_all(cache).map_err(|e| io(&format!("cannot create {}", cache.display()), e))?;
    // An absolute path without `..` or links: it is mounted into the compiler sandbox as is.
    let cache = &cache.canonicalize().map_err(|e| io(&format!("cannot resolve {}", cache.display()), e))?;
    let dir = cache.join(format!("sdk-{hash}"));
    let lock = File::create(cache.join(format!("sdk-{hash}.lock"))).map_err(|e| io("cannot create lock file", e))?;
    lock.lock().map_err(|e| io("cannot lock the SDK build", e))?;
    let deps = dir.join("target").join(TARGET).join("release/deps");
    let done = dir.join("built");
    if !done.exists() {
        for (path, text) in SDK_FILES {
            let p = dir.join(path);
            fs::create_dir_all(p.parent().expect("file has a parent"))
                .map_err(|e| io("cannot write SDK sources", e))?;
            fs::write(&p, text).map_err(|e| io("cannot write SDK sources", e))?;
        }
        fs::write(dir.join("Cargo.toml"), MANIFEST).map_err(|e| io("cannot write SDK manifest", e))?;
        let mut last = String::new();
        // Offline first: the host's own build fetched libm already. Online as a fallback.
        for offline in [true, false] {
            let mut cmd = Command::new(&tc.cargo);
            cmd.current_dir(&dir)
                .args(["build", "--release", "--lib", "--target", TARGET, "--target-dir", "target"])
                .env("RUSTC", &tc.rustc)
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_BUILD_TARGET");
            if offline {
                cmd.arg("--offline");
            }
            let f = process::run(cmd, timeout, process::Rlimits::memory_only(8 << 30))
                .map_err(|e| io("cannot run cargo", e))?;
            if f.status.is_some_and(|s| s.success()) {
                last.clear();
                break;
            }
            last = if f.timed_out { format!("timed out after {timeout:?}") } else { tail(&f.stderr, 20) };
        }
        if !last.is_empty() {
            return Err(CompileError::Sdk(format!("building the guest SDK for {TARGET} failed:\n{last}")));
        }
        fs::write(&done, &tc.version).map_err(|e| io("cannot mark SDK built", e))?;
    }
    let rlib = fs::read_dir(&deps)
        .map_err(|e| io("SDK build output missing", e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("librewardsmith_guest-"))
                && p.extension().is_some_and(|x| x == "rlib")
        })
        .ok_or_else(|| CompileError::Sdk(format!("no librewardsmith_guest rlib in {}", deps.display())))?;
    drop(lock);
    Ok(SdkBuild { dir, rlib, deps, hash })
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// The embedded guest SDK source file at `path` (relative to the SDK crate root, e.g.
/// `src/envs/cartpole.rs`): what prompts quote to show an LLM the env's `State`.
pub fn sdk_source(path: &str) -> Option<&'static str> {
    SDK_FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}
