//! The compiler itself: diagnostics, timeouts, isolation, caching, parallel builds.

use std::path::Path;
use std::time::{Duration, Instant};

use rewardsmith::compiler::{CompileError, ExtractError, Source, SourceKind};
use rewardsmith_tests::*;

#[test]
fn diagnostics_are_compact_with_lines_in_the_submitted_file() {
    let src = "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n\n\
               fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32 {\n    \
               t.add(\"x\", next.no_such_field + undefined_var)\n}\nexport_reward!(reward);\n";
    let e = uncached_compiler(Duration::from_secs(60)).compile(&Source::rust(src)).unwrap_err();
    let CompileError::Rustc { diagnostics, rendered } = &e else { panic!("expected rustc errors, got {e:?}") };
    let lines: Vec<usize> = diagnostics.iter().map(|d| d.line).collect();
    assert!(lines.iter().all(|&l| l == 5), "{rendered}");
    assert!(rendered.contains("line 5:") && rendered.contains("no_such_field"), "{rendered}");
    assert!(rendered.contains("undefined_var"), "{rendered}");
    assert!(!rendered.contains("aborting") && !rendered.contains("-->"), "no noise: {rendered}");
}

#[test]
fn compile_timeout_kills_the_compiler_and_the_next_compile_works() {
    let slow = uncached_compiler(Duration::from_millis(50));
    let src = std::fs::read_to_string(example("reacher")).unwrap();
    let start = Instant::now();
    let e = slow.compile(&Source::rust(src.clone())).unwrap_err();
    assert_eq!(e, CompileError::Timeout { secs: 0 });
    assert!(start.elapsed() < Duration::from_secs(5), "killed promptly, took {:?}", start.elapsed());
    uncached_compiler(Duration::from_secs(60)).compile(&Source::rust(src)).expect("a normal compile still works");
}

#[test]
fn compiler_runs_in_bubblewrap_with_nothing_of_the_host() {
    // With REWARDSMITH_NO_BWRAP=1 (CI's second run) this checks the Landlock fallback
    // instead; tests/all/isolation.rs tests Landlock itself.
    let Some(iso) = crate::isolation::bubblewrap_or_landlock_fallback() else { return };
    assert_eq!(iso.mode(), "bubblewrap+landlock", "Landlock's network rules apply under bubblewrap too");
    let work = tempfile::tempdir().unwrap();
    let run = |program: &str, args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = iso.command(Path::new(program), &args, work.path(), &[]).unwrap().output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    // Empty environment but PATH, TMPDIR and bwrap's PWD: no API keys, no HOME.
    let (ok, env) = run("/usr/bin/env", &[]);
    assert!(ok);
    let mut vars: Vec<&str> = env.lines().map(|l| l.split('=').next().unwrap()).collect();
    vars.sort();
    assert_eq!(vars, ["PATH", "PWD", "TMPDIR"]);
    // No network: only the loopback interface exists.
    let (_, dev) = run("/bin/cat", &["/proc/net/dev"]);
    let ifaces: Vec<&str> = dev.lines().skip(2).map(|l| l.split(':').next().unwrap().trim()).collect();
    assert_eq!(ifaces, ["lo"]);
    // The user's home and the project are not visible.
    let (home_visible, _) = run("/bin/ls", &["/root"]);
    assert!(!home_visible, "/root must not be mounted");
    let (project_visible, _) = run("/bin/ls", &[env!("CARGO_MANIFEST_DIR")]);
    assert!(!project_visible, "the source tree must not be mounted");
    // Landlock under bubblewrap: even the sandbox's own loopback refuses TCP with EACCES
    // (bubblewrap alone gives "Connection refused": nothing listens there).
    let connect = ["-c".to_string(), "echo > /dev/tcp/127.0.0.1/9".to_string()];
    let out = iso.command(Path::new("/bin/bash"), &connect, work.path(), &[]).unwrap().output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("connect: Permission denied"), "{out:?}");
}

#[test]
fn cached_modules_are_reused_and_identical() {
    let src = Source::from_path(&example("ball_balance")).unwrap();
    let first = compiler().compile(&src).unwrap();
    let second = compiler().compile(&src).unwrap();
    assert!(second.cached);
    assert_eq!(first.wasm, second.wasm);
    let fresh = uncached_compiler(Duration::from_secs(60)).compile(&src).unwrap();
    assert!(!fresh.cached);
    assert_eq!(fresh.wasm, first.wasm, "rustc output is reproducible");
}

#[test]
fn many_candidates_compile_in_parallel_in_order() {
    let c = uncached_compiler(Duration::from_secs(60));
    let mut sources: Vec<Source> = ENVS.iter().map(|e| Source::from_path(&example(e)).unwrap()).collect();
    sources.push(Source::rust("fn broken( {"));
    sources.push(Source::wat("(module)"));
    let results = c.compile_many(&sources);
    assert_eq!(results.len(), 8);
    for r in &results[..6] {
        assert_eq!(r.as_ref().unwrap().kind, SourceKind::Rust);
    }
    assert!(matches!(results[6], Err(CompileError::Refused(_))), "unlexable source fails closed");
    assert_eq!(results[7].as_ref().unwrap().wasm, wat::parse_str("(module)").unwrap());
}

#[test]
fn bad_inputs_to_the_compiler() {
    let c = compiler();
    assert!(matches!(c.compile(&Source::wat("(module (func")), Err(CompileError::Wat { .. })));
    let big = Source::rust("// x\n".repeat(100_000));
    assert!(matches!(c.compile(&big), Err(CompileError::SourceTooLarge { .. })));
    let not_utf8 = Source { kind: SourceKind::Rust, bytes: vec![0xff, 0xfe], name: "x.rs".into(), generated: None };
    assert_eq!(c.compile(&not_utf8).unwrap_err(), CompileError::NotUtf8);
    assert!(matches!(Source::from_path(Path::new("reward.py")), Err(CompileError::UnknownKind { .. })));
    assert!(matches!(Source::from_path(Path::new("/no/such/reward.rs")), Err(CompileError::Io { .. })));
}

#[test]
fn answers_are_read_as_their_extracted_program() {
    let program = std::fs::read_to_string(example("cartpole")).unwrap();
    let answer = format!("Sure, here it is:\n\n```rust\n{program}```\n");
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.md", "a.markdown", "a.txt", "a.rs"] {
        let path = dir.path().join(name);
        std::fs::write(&path, &answer).unwrap();
        let (src, ex) = Source::read(&path).unwrap();
        assert_eq!((src.kind, src.bytes.as_slice()), (SourceKind::Rust, program.as_bytes()), "{name}");
        let ex = ex.unwrap_or_else(|| panic!("{name}: nothing extracted"));
        assert_eq!(ex.program, program);
        assert_eq!((ex.blocks_total, ex.blocks_used.as_slice(), ex.prose_dropped), (1, &[1][..], true));
        assert_eq!(Source::from_path(&path).unwrap().bytes, program.as_bytes());
    }
    // A plain program is read as it is, with nothing extracted.
    let (src, ex) = Source::read(&example("cartpole")).unwrap();
    assert_eq!((src.bytes, ex), (program.clone().into_bytes(), None));
    let (src, ex) = Source::rust_or_answer(program.clone()).unwrap();
    assert_eq!((src.bytes, ex), (program.clone().into_bytes(), None));
    let (src, ex) = Source::rust_or_answer(answer).unwrap();
    assert_eq!((src.bytes, ex.map(|e| e.blocks_used)), (program.into_bytes(), Some(vec![1])));

    let none = dir.path().join("none.md");
    std::fs::write(&none, "Keep the pole up.\n```python\nprint(1)\n```\n").unwrap();
    let e = Source::read(&none).unwrap_err();
    assert_eq!(e.kind(), "no_code");
    assert!(matches!(&e, CompileError::Extract { path: Some(p), .. } if p.ends_with("none.md")), "{e:?}");
    let e = Source::rust_or_answer("```rust\nfn reward() {}\n```").unwrap_err();
    assert_eq!((e.kind(), &e), ("no_export", &CompileError::Extract { path: None, error: ExtractError::NoExport }));
    assert!(e.to_string().starts_with("the answer's Rust code never calls export_reward!"), "{e}");
    let big = format!("```\n{}```\n", "// x\n".repeat(100_000));
    assert!(matches!(Source::rust_or_answer(big), Err(CompileError::SourceTooLarge { .. })));
}

#[test]
fn compile_memory_limit() {
    let options = rewardsmith::compiler::CompilerOptions {
        memory_bytes: 48 << 20,
        cache_modules: false,
        ..compiler().options().clone()
    };
    let tight = rewardsmith::compiler::Compiler::new(options);
    let src = Source::from_path(&example("cartpole")).unwrap();
    assert_eq!(tight.compile(&src).unwrap_err(), CompileError::MemoryLimit { limit_mib: 48 });
    compiler().compile(&src).expect("the default limit compiles it");
}

#[test]
fn regression_cache_under_tmp_with_dots_in_its_path() {
    // CI clones under /tmp: the sandbox's private /tmp once hid a cache living there, and
    // a cache path with `..` was mounted verbatim. Build the SDK afresh in such a place.
    let tmp = tempfile::Builder::new().prefix("rewardsmith-cache-").tempdir_in("/tmp").unwrap();
    std::fs::create_dir(tmp.path().join("a")).unwrap();
    let options = rewardsmith::compiler::CompilerOptions {
        cache_dir: tmp.path().join("a/../cache"),
        ..compiler().options().clone()
    };
    let c = rewardsmith::compiler::Compiler::new(options);
    let wasm = c.compile(&Source::from_path(&example("pendulum")).unwrap()).expect("compiles").wasm;
    assert!(instantiate(&sandbox(), &wasm, "pendulum").is_ok());
}
