//! The compiler's OS isolation and link guard, each tested alone (the source screen bypassed
//! through `compile_unscreened_for_tests`): Landlock without bubblewrap, refusal with no
//! isolation, host-only linker arguments, and the module cache's keys and limits.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rewardsmith::compiler::{CompileError, Compiler, CompilerOptions, Isolation, Source};
use rewardsmith_tests::*;

/// A reward whose `reward` body is `body`, with `items` at the top level.
fn program(items: &str, body: &str) -> String {
    format!(
        "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n{items}\n\
         fn reward(_s: &State, _a: &Action, _n: &State, t: &mut Terms) -> f32 {{\n{body}\n}}\nexport_reward!(reward);\n"
    )
}

/// A string no earlier run compiled (keeps module-cache hits out of tests that need misses).
fn nonce() -> String {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{t}", std::process::id())
}

/// The shared test compiler's options with `isolation`, no module cache.
fn with_isolation(isolation: Isolation, allow_unsandboxed: bool) -> Compiler {
    Compiler::new(CompilerOptions {
        isolation,
        allow_unsandboxed,
        cache_modules: false,
        ..compiler().options().clone()
    })
}

fn landlock() -> Isolation {
    let iso = Isolation::detect_landlock();
    assert!(
        matches!(iso, Isolation::Landlock { abi } if abi >= 4),
        "this kernel must enforce Landlock ABI 4+ (FACTS.md: ABI 7 here), got {iso:?}"
    );
    iso
}

fn unsandboxed() -> Isolation {
    Isolation::None { reason: "test".into() }
}

/// Every isolation this machine has, plus none (opted in): the link guard must hold in all.
fn every_isolation() -> Vec<Compiler> {
    let mut v = vec![with_isolation(landlock(), false), with_isolation(unsandboxed(), true)];
    if let iso @ Isolation::Bubblewrap { .. } = Isolation::detect() {
        v.push(with_isolation(iso, false));
    }
    v
}

/// Runs `program args` under `iso` in `work`; (success, stdout).
fn run(iso: &Isolation, work: &Path, program: &str, args: &[&str]) -> (bool, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = iso.command(Path::new(program), &args, work, &[]).unwrap().output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn landlock_confines_what_the_compiler_can_see_write_and_reach() {
    let iso = landlock();
    let work = tempfile::tempdir().unwrap();
    let work = work.path().canonicalize().unwrap();
    let none = unsandboxed();
    // Empty environment but PATH and TMPDIR (the build folder): no API keys, no HOME.
    let (ok, env) = run(&iso, &work, "/usr/bin/env", &[]);
    assert!(ok);
    let mut vars: Vec<&str> = env.lines().map(|l| l.split('=').next().unwrap()).collect();
    vars.sort();
    assert_eq!(vars, ["PATH", "TMPDIR"]);
    // Reads: system libraries yes; the project, home, /etc, /tmp and /proc (other processes'
    // environments) no. (Landlock does not hide whether a path exists: `stat` is not a read.)
    assert!(run(&iso, &work, "/bin/ls", &["/usr/lib"]).0);
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    for dir in [env!("CARGO_MANIFEST_DIR"), &home, "/tmp", "/etc"] {
        assert!(!run(&iso, &work, "/bin/ls", &[dir]).0, "{dir} listable");
        assert!(run(&none, &work, "/bin/ls", &[dir]).0, "control: {dir} is listable unconfined");
    }
    for file in ["/etc/passwd", "/proc/self/environ", concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")] {
        assert!(!run(&iso, &work, "/bin/cat", &[file]).0, "{file} readable");
        assert!(run(&none, &work, "/bin/cat", &[file]).0, "control: {file} is readable unconfined");
    }
    // Writes: only the build folder, and nothing written there runs.
    let outside = std::env::temp_dir().join(format!("rewardsmith-landlock-{}", nonce()));
    let write = format!("echo x > '{}'", outside.display());
    assert!(!run(&iso, &work, "/bin/sh", &["-c", &write]).0);
    assert!(!outside.exists());
    assert!(run(&iso, &work, "/bin/sh", &["-c", "echo x > inside && cp /bin/true ./t"]).0);
    assert_eq!(std::fs::read_to_string(work.join("inside")).unwrap(), "x\n");
    assert!(!run(&iso, &work, "/bin/sh", &["-c", "./t"]).0, "a file the compiler wrote must not execute");
    assert!(run(&none, &work, "/bin/sh", &["-c", "./t"]).0, "control: it runs unconfined");
    // No TCP, not even to loopback.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let connect = format!("echo hi > /dev/tcp/127.0.0.1/{}", listener.local_addr().unwrap().port());
    assert!(!run(&iso, &work, "/bin/bash", &["-c", &connect]).0, "TCP connect must be refused");
    assert!(run(&none, &work, "/bin/bash", &["-c", &connect]).0, "control: the listener accepts");
    // Signals stay inside the domain (ABI 6+): it cannot signal this test process.
    if let Isolation::Landlock { abi: 6.. } = iso {
        let kill = format!("kill -0 {}", std::process::id());
        assert!(!run(&iso, &work, "/bin/sh", &["-c", &kill]).0, "signalling outside the domain must fail");
        assert!(run(&none, &work, "/bin/sh", &["-c", &kill]).0, "control");
    }
}

#[test]
fn rust_is_refused_without_isolation_unless_opted_in() {
    let src = program(&format!("// {}", nonce()), "    t.add(\"x\", 1.0)");
    let refused = with_isolation(Isolation::None { reason: "no bwrap, no Landlock".into() }, false);
    let e = refused.compile(&Source::rust(src.clone())).unwrap_err();
    assert_eq!(e, CompileError::NoIsolation { reason: "no bwrap, no Landlock".into() });
    assert_eq!(e.kind(), "no_isolation");
    let msg = e.to_string();
    assert!(msg.contains("bubblewrap") && msg.contains("Landlock") && msg.contains("--allow-unsandboxed"), "{msg}");
    assert_eq!(refused.compile_unscreened_for_tests(&src).unwrap_err().kind(), "no_isolation");
    assert_eq!(refused.check_isolation().unwrap_err(), e);
    assert!(refused.describe_isolation().contains("refused"));
    // WebAssembly needs no compiler isolation.
    assert!(refused.compile(&Source::wat("(module)")).is_ok());
    // The explicit opt-in compiles, and says so.
    let allowed = with_isolation(unsandboxed(), true);
    assert!(allowed.compile(&Source::rust(src)).is_ok());
    assert!(allowed.describe_isolation().contains("UNSANDBOXED"));
}

#[test]
fn detection_honours_the_off_switches() {
    // The switches are environment variables: set them for a child (this test binary running
    // only `detect_probe`), not in this multi-threaded process.
    let both = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "isolation::detect_probe", "--nocapture", "--include-ignored"])
        .env("REWARDSMITH_NO_BWRAP", "1")
        .env("REWARDSMITH_NO_LANDLOCK", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&both.stdout);
    assert!(out.contains("DETECTED none"), "{out}");
    let bwrap_off = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "isolation::detect_probe", "--nocapture", "--include-ignored"])
        .env("REWARDSMITH_NO_BWRAP", "1")
        .env_remove("REWARDSMITH_NO_LANDLOCK")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&bwrap_off.stdout);
    assert!(out.contains("DETECTED landlock"), "a machine without bubblewrap gets Landlock: {out}");
}

/// Prints what [`Isolation::detect`] finds (run by `detection_honours_the_off_switches` in
/// a child process with its own environment).
#[test]
#[ignore = "run by detection_honours_the_off_switches"]
fn detect_probe() {
    println!("DETECTED {}", Isolation::detect().mode());
}

/// The `#[link]` spellings that once made rust-lld read the reward as a response file.
fn link_attacks(reproduce: &Path) -> Vec<String> {
    let comment = format!("// --reproduce={}", reproduce.display());
    let verbatim = r#"link(name = "@reward.rs", kind = "static", modifiers = "+verbatim")"#;
    [
        format!("{comment}\n#[{verbatim}]\nextern \"C\" {{}}"),
        format!("{comment}\nmacro_rules! m {{ ($a:meta) => {{ #[$a] extern \"C\" {{}} }} }}\nm!({verbatim});"),
        format!("{comment}\nmacro_rules! m {{ ($($t:tt)*) => {{ #[$($t)*] extern \"C\" {{}} }} }}\nm!({verbatim});"),
        format!("{comment}\n#[cfg_attr(all(), {verbatim})]\nextern \"C\" {{}}"),
        format!("{comment}\n#[link(name = \"foo\", kind = \"dylib\")]\nextern \"C\" {{}}"),
    ]
    .into_iter()
    .map(|items| program(&items, "    t.add(\"x\", 1.0)"))
    .collect()
}

#[test]
fn no_link_attribute_reaches_the_linker_in_any_spelling() {
    let tmp = tempfile::Builder::new().prefix("rewardsmith-reproduce-").tempdir_in("/tmp").unwrap();
    let reproduce = tmp.path().join("x.tar");
    for c in every_isolation() {
        for src in link_attacks(&reproduce) {
            let e = c.compile_unscreened_for_tests(&src).unwrap_err();
            assert_eq!(
                e,
                CompileError::LinkRefused { argument: "-l".into() },
                "under {}:\n{src}",
                c.isolation().mode()
            );
            assert!(!reproduce.exists(), "rust-lld wrote {} under {}", reproduce.display(), c.isolation().mode());
        }
        // An export name that would become `--export @reward.rs`: rustc's -F unsafe_code
        // or the guard stops it; either way nothing is written.
        let src = program("#[export_name = \"@reward.rs\"]\npub extern \"C\" fn f() {}", "    t.add(\"x\", 1.0)");
        let e = c.compile_unscreened_for_tests(&src).unwrap_err();
        assert!(matches!(e.kind(), "rustc" | "link_refused"), "{e:?}");
        assert!(!reproduce.exists());
    }
}

/// A host file outside every allowed folder, and programs that pull it in through a macro.
fn secret_file() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::Builder::new().prefix("rewardsmith-secret-").tempdir_in("/tmp").unwrap();
    let secret = format!("SECRET_TOKEN_{}", nonce());
    let path = dir.path().join("secret.rs");
    // A compiler that reads it names the secret in an error ("cannot find value").
    writeln!(std::fs::File::create(&path).unwrap(), "pub fn f() -> u32 {{ {secret} }}").unwrap();
    (dir, path, secret)
}

fn path_attacks(path: &Path) -> Vec<String> {
    let p = path.display();
    vec![
        program(
            &format!("macro_rules! m {{ ($a:meta, $n:ident) => {{ #[$a] mod $n; }} }}\nm!(path = \"{p}\", leak);"),
            "    t.add(\"x\", 1.0)",
        ),
        program("", &format!("    t.add(\"x\", include_str!(\"{p}\").len() as f32)")),
    ]
}

#[test]
fn landlock_keeps_host_files_out_of_the_compiler() {
    let (_dir, path, secret) = secret_file();
    let confined = with_isolation(landlock(), false);
    for src in path_attacks(&path) {
        let e = confined.compile_unscreened_for_tests(&src).unwrap_err();
        assert_eq!(e.kind(), "rustc", "{e}");
        assert!(!format!("{e} {e:?}").contains(&secret), "the secret leaked: {e}");
        assert!(e.to_string().contains("Permission denied"), "{e}");
    }
    // Control: unconfined, the same source does read the file.
    let leak = with_isolation(unsandboxed(), true).compile_unscreened_for_tests(&path_attacks(&path)[0]).unwrap_err();
    assert!(leak.to_string().contains(&secret), "the attack reads the file when nothing stops it: {leak}");
}

/// bubblewrap as detected; with `REWARDSMITH_NO_BWRAP=1` (CI's second run) `None` after
/// checking that the fallback is Landlock.
pub fn bubblewrap_or_landlock_fallback() -> Option<Isolation> {
    match Isolation::detect() {
        iso @ Isolation::Bubblewrap { .. } => Some(iso),
        iso if std::env::var_os("REWARDSMITH_NO_BWRAP").is_some_and(|v| v == "1") => {
            assert_eq!(iso.mode(), "landlock", "without bubblewrap the compiler falls back to Landlock");
            None
        }
        iso => panic!("bubblewrap must be installed (apt-get install bubblewrap; .ci/run does): {iso:?}"),
    }
}

#[test]
fn bubblewrap_keeps_host_files_out_of_the_compiler() {
    let Some(iso) = bubblewrap_or_landlock_fallback() else { return };
    let (_dir, path, secret) = secret_file();
    let confined = with_isolation(iso, false);
    for src in path_attacks(&path) {
        let e = confined.compile_unscreened_for_tests(&src).unwrap_err();
        assert_eq!(e.kind(), "rustc", "{e}");
        assert!(!e.to_string().contains(&secret), "the secret leaked: {e}");
    }
}

#[test]
fn module_cache_key_includes_the_isolation() {
    let src = Source::rust(program(&format!("// {}", nonce()), "    t.add(\"x\", 1.0)"));
    let cached = |iso: Isolation, allow| {
        Compiler::new(CompilerOptions { isolation: iso, allow_unsandboxed: allow, ..compiler().options().clone() })
    };
    let isolated = cached(landlock(), false);
    assert!(!isolated.compile(&src).unwrap().cached);
    assert!(isolated.compile(&src).unwrap().cached);
    let unisolated = cached(unsandboxed(), true);
    assert!(!unisolated.compile(&src).unwrap().cached, "a module built with isolation is not served without");
    assert!(unisolated.compile(&src).unwrap().cached);
}

#[test]
fn oversized_modules_are_refused_and_never_cached() {
    let src = Source::rust(program(&format!("// {}", nonce()), "    t.add(\"x\", 1.0)"));
    let tight = Compiler::new(CompilerOptions { module_bytes: 1024, ..compiler().options().clone() });
    match tight.compile(&src) {
        Err(CompileError::ModuleTooLarge { size, limit: 1024 }) => assert!(size > 1024),
        other => panic!("expected module_too_large, got {other:?}"),
    }
    assert!(!compiler().compile(&src).unwrap().cached, "nothing was cached for it");
}

#[test]
fn compile_output_file_size_limit() {
    // 80 MiB of initialised data: its object file is larger than the 64 MiB a compile may
    // write (a reward never needs more than the 8 MiB module limit).
    let items = "static BIG: [u8; 80 << 20] = [7; 80 << 20];";
    let src = program(items, "    t.add(\"x\", BIG[core::hint::black_box(3)] as f32)");
    let c = Compiler::new(CompilerOptions { timeout: Duration::from_secs(120), ..compiler().options().clone() });
    assert_eq!(c.compile_unscreened_for_tests(&src).unwrap_err(), CompileError::OutputLimit { limit_mib: 64 });
}

#[test]
fn run_manifests_without_the_isolation_field_still_open() {
    use rewardsmith::train::{Manifest, RunDir, TrainConfig};
    let tmp = tempfile::tempdir().unwrap();
    let mut m = Manifest::new(&TrainConfig::new("cartpole-v0"), "reward.rs", b"src", "00");
    m.compiler_isolation = Some("landlock".into());
    let mut v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["compiler_isolation"], "landlock");
    v.as_object_mut().unwrap().remove("compiler_isolation");
    std::fs::write(tmp.path().join("manifest.json"), v.to_string()).unwrap();
    assert_eq!(RunDir::open(tmp.path()).unwrap().manifest().compiler_isolation, None);
}
