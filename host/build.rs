//! Embeds the guest SDK's sources (so an installed `rewardsmith` can build the SDK for
//! wasm32 without the workspace) and the sysroot of the toolchain that built the host (so
//! reward programs compile with the same rustc, which has the wasm32 target installed).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let sdk = manifest.join("../guest-sdk").canonicalize().expect("guest-sdk folder next to host/");
    println!("cargo:rerun-if-changed={}", sdk.join("src").display());
    println!("cargo:rerun-if-changed={}", sdk.join("Cargo.toml").display());
    let mut files = Vec::new();
    collect(&sdk.join("src"), &sdk, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The guest SDK's sources: (path relative to the crate root, contents).\npub const SDK_FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        out.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    out.push_str("];\n");
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    out.push_str(&format!("/// Sysroot of the rustc that built this binary (empty if unknown).\npub const BUILD_SYSROOT: &str = {sysroot:?};\n"));
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("sdk_files.rs");
    fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, root: &Path, files: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.push((rel, path.to_string_lossy().into_owned()));
        }
    }
}
