//! The linker rustc runs for rewards (`-C linker=`): a script the host writes that checks
//! every argument against the shapes of rustc's own wasm32 link line and refuses anything
//! else before it execs rust-lld.
//!
//! Why: rust-lld expands `@file` (response files) in any argument and honours
//! `--reproduce=PATH`; a reward's `#[link(name = "@reward.rs", kind = "static", modifiers =
//! "+verbatim")]` reaches it as `-l @reward.rs` and `#[export_name = "@x"]` as `--export @x`,
//! so the reward's own text became linker options (a tar written anywhere). With the guard,
//! what reaches the linker comes from the host by construction, whatever got past the
//! screen. rustc 1.95 links a reward with (`-C link-args=--verbose`, `--print link-args`):
//!
//! ```text
//! -flavor wasm --export NAME... --export=__heap_base --export=__data_end -z stack-size=N
//! --stack-first --allow-undefined --no-demangle --no-entry  reward.*.rcgu.o...
//! <sysroot>/lib/rustlib/wasm32-unknown-unknown/lib/lib*.rlib...  <sdk deps>/lib*.rlib...
//! -L <sysroot>/lib/rustlib/wasm32-unknown-unknown/lib/self-contained -o reward.wasm
//! --gc-sections --no-entry -O2 --strip-all
//! ```
//!
//! Checking rather than linking ourselves keeps rustc's choices (export list, library
//! order, LTO) without copying them; a new rustc flag is refused, not passed, until added here.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::CompileError;
use super::toolchain::{SdkBuild, TARGET, Toolchain};

/// What the guard prints (on stderr, which rustc passes on) before the refused argument.
pub const REFUSED_MARK: &str = "rewardsmith-link-guard: refused link argument: ";

/// A guard script installed for one toolchain and SDK build.
#[derive(Clone, Debug)]
pub struct LinkGuard {
    /// The script (`-C linker=` this).
    pub path: PathBuf,
    /// Its folder, to be visible read-only to the sandbox.
    pub dir: PathBuf,
    /// Hash of the script text (part of module cache keys).
    pub hash: String,
}

/// `rust-lld` in the toolchain (`lib/rustlib/<host>/bin/rust-lld`).
fn find_lld(tc: &Toolchain) -> Result<PathBuf, CompileError> {
    let rustlib = tc.sysroot.join("lib/rustlib");
    fs::read_dir(&rustlib)
        .map_err(|e| CompileError::Toolchain(format!("cannot list {}: {e}", rustlib.display())))?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin/rust-lld")))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CompileError::Toolchain(format!("no rust-lld under {}; reinstall the toolchain", rustlib.display()))
        })
}

/// A shell single-quoted word.
fn quote(p: &Path) -> String {
    format!("'{}'", p.to_string_lossy().replace('\'', r"'\''"))
}

/// The script text for this toolchain and SDK.
pub fn script(lld: &Path, sysroot: &Path, sdk_deps: &Path) -> String {
    let target_lib = sysroot.join("lib/rustlib").join(TARGET).join("lib");
    format!(
        r#"#!/bin/sh
# Written by rewardsmith: checks rustc's link line for a reward, then runs rust-lld.
# Refuses every argument that is not one of the shapes rustc itself passes.
lld={lld}
target_lib={target_lib}
sdk_deps={sdk_deps}
refuse() {{ printf '{mark}%s\n' "$1" >&2; exit 101; }}
# A plain file name: no slash, not starting with a dot or dash.
name() {{ case $1 in ''|.*|-*|*[!A-Za-z0-9_.-]*) return 1;; esac; }}
symbol() {{ case $1 in ''|[0-9]*|*[!A-Za-z0-9_]*) return 1;; esac; }}
[ "${{1-}}" = -flavor ] && [ "${{2-}}" = wasm ] || refuse "${{1-}}"
shift 2
want=
for a in "$@"; do
  case $want in
    export) symbol "$a" || refuse "$a" ;;
    z) case $a in stack-size=[0-9]*) case ${{a#stack-size=}} in *[!0-9]*) refuse "$a" ;; esac ;; *) refuse "$a" ;; esac ;;
    L) [ "$a" = "$target_lib/self-contained" ] || refuse "$a" ;;
    o) [ "$a" = reward.wasm ] || refuse "$a" ;;
  esac
  if [ -n "$want" ]; then want=; continue; fi
  case $a in
    --export) want=export ;;
    --export=*) symbol "${{a#--export=}}" || refuse "$a" ;;
    -z) want=z ;;
    -L) want=L ;;
    -o) want=o ;;
    --stack-first|--allow-undefined|--no-demangle|--no-entry|--gc-sections|--strip-all|--strip-debug|-O0|-O1|-O2|-O3) ;;
    "$target_lib"/*.rlib) name "${{a#"$target_lib"/}}" || refuse "$a" ;;
    "$sdk_deps"/*.rlib) name "${{a#"$sdk_deps"/}}" || refuse "$a" ;;
    *.o) name "$a" || refuse "$a" ;;
    *) refuse "$a" ;;
  esac
done
[ -z "$want" ] || refuse "(a value is missing after the last option)"
unset LLD_REPRODUCE
exec "$lld" -flavor wasm "$@"
"#,
        lld = quote(lld),
        target_lib = quote(&target_lib),
        sdk_deps = quote(sdk_deps),
        mark = REFUSED_MARK,
    )
}

/// Writes the guard for `tc` and `sdk` under `cache` (once per script text: the folder is
/// named after its hash and never changes once written).
pub fn install(tc: &Toolchain, sdk: &SdkBuild, cache: &Path) -> Result<LinkGuard, CompileError> {
    let text = script(&find_lld(tc)?, &tc.sysroot, &sdk.deps);
    let hash: String = Sha256::digest(text.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect();
    let io = |e: std::io::Error| CompileError::Sdk(format!("cannot write the link guard: {e}"));
    let cache = cache.canonicalize().map_err(io)?;
    let dir = cache.join(format!("link-guard-{hash}"));
    let path = dir.join("wasm-link");
    if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        use std::os::unix::fs::PermissionsExt;
        fs::create_dir_all(&dir).map_err(io)?;
        let tmp = dir.join(format!("wasm-link.{}.tmp", std::process::id()));
        fs::write(&tmp, &text).map_err(io)?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o555)).map_err(io)?;
        fs::rename(&tmp, &path).map_err(io)?;
    }
    Ok(LinkGuard { path, dir, hash })
}

/// The argument the guard refused, from rustc's output (which quotes the linker's stderr),
/// made printable and short; `None` if the guard refused nothing.
pub fn refused(stderr: &str) -> Option<String> {
    let start = stderr.find(REFUSED_MARK)? + REFUSED_MARK.len();
    // rustc's JSON escapes the linker's output: stop at an escaped or real line end.
    let rest = &stderr[start..];
    let end = [rest.find("\\n"), rest.find('\n'), rest.find('"')].into_iter().flatten().min().unwrap_or(rest.len());
    let arg: String =
        rest[..end].chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).take(80).collect();
    Some(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_argument_is_read_from_rustc_json() {
        let stderr = format!(
            r#"{{"message":"linking with `wasm-link` failed","children":[{{"message":"{REFUSED_MARK}@reward.rs\n"}}]}}"#
        );
        assert_eq!(refused(&stderr).as_deref(), Some("@reward.rs"));
        assert_eq!(refused("error: something else"), None);
    }

    /// Runs the guard for a fake toolchain whose "rust-lld" is `echo`; returns (exit code, stderr).
    fn guard(args: &[&str]) -> (i32, String) {
        let dir = tempfile::tempdir().unwrap();
        let script_path = dir.path().join("wasm-link");
        let text = script(Path::new("/bin/echo"), Path::new("/sys root"), Path::new("/sdk/deps"));
        fs::write(&script_path, text).unwrap();
        let out = std::process::Command::new("/bin/sh").arg(&script_path).args(args).output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    const LIB: &str = "/sys root/lib/rustlib/wasm32-unknown-unknown/lib";

    fn rustc_line() -> Vec<String> {
        let mut v: Vec<String> = [
            "-flavor",
            "wasm",
            "--export",
            "rewardsmith_batch",
            "--export=__heap_base",
            "--export=__data_end",
            "-z",
            "stack-size=1048576",
            "--stack-first",
            "--allow-undefined",
            "--no-demangle",
            "--no-entry",
            "reward.reward.b72fe96fc195897d-cgu.0.rcgu.o",
            "reward.6f7l1epzrdz8c0ttlo5piegr7.rcgu.o",
            "/sdk/deps/librewardsmith_guest-0123abcd.rlib",
            "/sdk/deps/liblibm-77.rlib",
        ]
        .map(String::from)
        .to_vec();
        v.push(format!("{LIB}/libcore-e1e3406830aa07ec.rlib"));
        v.extend(["-L".into(), format!("{LIB}/self-contained")]);
        v.extend(["-o", "reward.wasm", "--gc-sections", "--no-entry", "-O2", "--strip-all"].map(String::from));
        v
    }

    #[test]
    fn guard_passes_rustcs_own_link_line_to_lld() {
        let line = rustc_line();
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        assert_eq!(guard(&args), (0, String::new()));
    }

    #[test]
    fn guard_refuses_every_other_shape() {
        let lib = format!("{LIB}/../../../../../etc/x.rlib");
        let cases: &[(&[&str], &str)] = &[
            (&["-l", "@reward.rs"], "-l"),
            (&["@reward.rs"], "@reward.rs"),
            (&["--export", "@reward.rs"], "@reward.rs"),
            (&["--export=a-b"], "--export=a-b"),
            (&["--reproduce=/tmp/x.tar"], "--reproduce=/tmp/x.tar"),
            (&["-L", "/etc"], "/etc"),
            (&["-o", "/tmp/out.wasm"], "/tmp/out.wasm"),
            (&["-z", "stack-size=1;x"], "stack-size=1;x"),
            (&["/etc/passwd.rlib"], "/etc/passwd.rlib"),
            (&[&lib], &lib),
            (&["../x.o"], "../x.o"),
            (&["/abs/x.o"], "/abs/x.o"),
            (&["-lfoo"], "-lfoo"),
            (&["--export"], "(a value is missing after the last option)"),
        ];
        for (extra, refused_arg) in cases {
            let mut args = vec!["-flavor", "wasm", "--no-entry"];
            args.extend_from_slice(extra);
            let (code, stderr) = guard(&args);
            assert_eq!(code, 101, "{extra:?} must be refused");
            assert_eq!(stderr, format!("{REFUSED_MARK}{refused_arg}\n"), "{extra:?}");
        }
        assert_eq!(guard(&["--no-entry"]).0, 101, "rustc always starts with -flavor wasm");
    }

    #[test]
    fn quoting_survives_quotes_in_paths() {
        assert_eq!(quote(Path::new("/a/b'c")), r"'/a/b'\''c'");
    }
}
