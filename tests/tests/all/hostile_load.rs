//! Modules that must be refused before they run: one test per class, exact error kinds.

use std::sync::Arc;

use rewardsmith::sandbox::{CompileBound, CompileChecker, CompileLimits, Limits, Phase, RewardError, Sandbox, Shape};
use rewardsmith_tests::*;

fn load_err(sb: &Sandbox, wasm: &[u8]) -> RewardError {
    sb.load(wasm).expect_err("module must be refused")
}

#[test]
fn malformed_bytes() {
    let sb = sandbox();
    let e = load_err(&sb, b"\0asm\x01\0\0\0\xff\xff\xff");
    assert!(matches!(e, RewardError::Malformed { .. }), "{e}");
    let e = load_err(&sb, b"not wasm at all");
    assert!(matches!(&e, RewardError::Malformed { reason } if reason.contains("not a WebAssembly binary")), "{e}");
    let valid = Wat::default().wasm();
    let e = load_err(&sb, &valid[..valid.len() / 2]);
    assert!(matches!(e, RewardError::Malformed { .. }), "truncated module: {e}");
    assert_host_fine(&sb);
}

#[test]
fn oversized_module() {
    let sb = Sandbox::new(Limits::default()).unwrap();
    // A 9 MiB data segment: over the 8 MiB default module limit.
    let big = Wat { extra: format!("(data (i32.const 0) \"{}\")", "\\00".repeat(9 << 20)), ..Wat::default() };
    let e = load_err(&sb, &big.wasm());
    assert!(matches!(e, RewardError::ModuleTooLarge { limit, .. } if limit == 8 << 20), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn wasi_import() {
    let sb = sandbox();
    let wat = Wat {
        imports: r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#.into(),
        ..Wat::default()
    };
    let e = load_err(&sb, &wat.wasm());
    assert_eq!(e, RewardError::ForbiddenImport { module: "wasi_snapshot_preview1".into(), name: "fd_write".into() });
    assert!(e.to_string().contains("no imports"), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn unknown_host_import() {
    let sb = sandbox();
    let wat = Wat { imports: r#"(import "env" "read_host_clock" (func (result i64)))"#.into(), ..Wat::default() };
    let e = load_err(&sb, &wat.wasm());
    assert_eq!(e, RewardError::ForbiddenImport { module: "env".into(), name: "read_host_clock".into() });
    assert_host_fine(&sb);
}

#[test]
fn missing_export() {
    let sb = sandbox();
    let e = load_err(&sb, &Wat { omit: vec!["rewardsmith_run"], ..Wat::default() }.wasm());
    assert!(matches!(e, RewardError::MissingExport { name: "rewardsmith_run", .. }), "{e}");
    let e = load_err(&sb, &Wat { memory: "(memory 1)".into(), ..Wat::default() }.wasm());
    assert!(matches!(e, RewardError::MissingExport { name: "memory", .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn export_with_wrong_signature() {
    let sb = sandbox();
    let wat = Wat {
        omit: vec!["rewardsmith_run"],
        extra: r#"(func (export "rewardsmith_run") (param f32) (result f32) (local.get 0))"#.into(),
        ..Wat::default()
    };
    let e = load_err(&sb, &wat.wasm());
    assert!(
        matches!(&e, RewardError::ExportType { name: "rewardsmith_run", found, .. } if found == "func(f32) -> (f32)"),
        "{e}"
    );
    assert_host_fine(&sb);
}

#[test]
fn wrong_abi_version() {
    let sb = sandbox();
    let e = instantiate(&sb, &Wat { abi_version: 2, ..Wat::default() }.wasm(), "cartpole").unwrap_err();
    assert_eq!(e, RewardError::AbiVersion { found: 2, supported: 1 });
    assert_host_fine(&sb);
}

#[test]
fn wrong_env() {
    let sb = sandbox();
    let wasm = Wat { env_id: "pendulum-v0".into(), layout: (5, 1), ..Wat::default() }.wasm();
    let e = instantiate(&sb, &wasm, "cartpole").unwrap_err();
    assert!(
        matches!(&e, RewardError::EnvMismatch { declared, expected, .. } if declared == "pendulum-v0" && expected == "cartpole-v0"),
        "{e}"
    );
    assert!(e.to_string().contains("rewardsmith_guest::envs::cartpole"), "{e}");
    let e = instantiate(&sb, &Wat { env_id: "walker-v9".into(), ..Wat::default() }.wasm(), "cartpole").unwrap_err();
    assert!(matches!(&e, RewardError::UnknownEnv { declared, .. } if declared == "walker-v9"), "{e}");
    let e = instantiate(&sb, &Wat::default().wasm(), "walker").unwrap_err();
    assert!(
        matches!(&e, RewardError::NoSuchEnv { requested, known } if requested == "walker" && known.contains("cartpole-v0")),
        "{e}"
    );
    assert_host_fine(&sb);
}

#[test]
fn layout_mismatch() {
    let sb = sandbox();
    let e = instantiate(&sb, &Wat { layout: (4, 1), ..Wat::default() }.wasm(), "cartpole").unwrap_err();
    assert!(matches!(e, RewardError::LayoutMismatch { module_state: 4, host_state: 5, .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn threads_and_shared_memory_are_not_available() {
    let sb = sandbox();
    let wat = Wat { memory: r#"(memory (export "memory") 1 1 shared)"#.into(), ..Wat::default() };
    let e = load_err(&sb, &wat.wasm());
    assert!(matches!(e, RewardError::Malformed { .. }), "{e}");
    assert_host_fine(&sb);
}

#[test]
fn huge_data_segment_needs_more_memory_than_allowed() {
    let sb = sandbox();
    // 2,000 pages (125 MiB) of initial memory to hold a segment far out: over 16 MiB.
    let wat = Wat {
        memory: r#"(memory (export "memory") 2000)"#.into(),
        extra: r#"(data (i32.const 130000000) "payload")"#.into(),
        ..Wat::default()
    };
    let e = load_err(&sb, &wat.wasm());
    assert!(
        matches!(e, RewardError::MemoryLimit { requested, limit, phase: Phase::Load } if requested == 2000 * 65536 && limit == 16 << 20),
        "{e}"
    );
    assert_host_fine(&sb);
}

#[test]
fn huge_table() {
    let sb = sandbox();
    let wat = Wat { extra: "(table 5000000 funcref)".into(), ..Wat::default() };
    let e = load_err(&sb, &wat.wasm());
    assert!(matches!(e, RewardError::TableLimit { requested: 5_000_000, limit: 10_000, phase: Phase::Load }), "{e}");
    assert_host_fine(&sb);
}

// ----- Bounded compiling: shape limits before Cranelift, a trial compile in a child -----

/// `n` WAT value types.
fn types(ty: &str, n: usize) -> String {
    vec![ty; n].join(" ")
}

/// The module that drove `check` past 6 GB in 44 s: one function (index 8, after the eight
/// ABI exports) with 50,000 locals read inside 1,000 nested loops (~470 KB).
fn locals_times_loops_bomb() -> Vec<u8> {
    let mut f = format!("(func (local {})\n", types("i32", 50_000));
    f.push_str(&"loop ".repeat(1_000));
    for i in 0..100_000 {
        f.push_str(&format!("local.get {} drop\n", i % 50_000));
    }
    f.push_str(&"end ".repeat(1_000));
    f.push(')');
    Wat { extra: f, ..Wat::default() }.wasm()
}

/// Limits with only the compile limits changed.
fn compile_limits(f: impl FnOnce(&mut CompileLimits)) -> Limits {
    let mut limits = small_limits();
    f(&mut limits.compile);
    limits
}

fn too_complex(sb: &Sandbox, wasm: &[u8]) -> (Shape, u64, u64) {
    match load_err(sb, wasm) {
        RewardError::TooComplex { what, found, limit } => (what, found, limit),
        e => panic!("expected too_complex, got {e}"),
    }
}

#[test]
fn locals_times_blocks_bomb_is_refused_before_compiling() {
    let sb = sandbox();
    let e = load_err(&sb, &locals_times_loops_bomb());
    assert_eq!(e, RewardError::TooComplex { what: Shape::Locals { function: 8 }, found: 50_000, limit: 10_000 });
    assert_eq!(e.kind(), "too_complex");
    assert_eq!(
        e.to_string(),
        "module too complex to compile: function 8 has 50000 locals, the limit is 10000; split large functions \
         and use fewer locals and branches"
    );
    assert_eq!(sb.cached_modules(), 0);
    assert_host_fine(&sb);
}

#[test]
fn blocks_bombs_within_the_locals_limit_hit_the_cost_limit() {
    let sb = sandbox();
    // 10,000 locals (the limit) × 50,000 blocks (350 KB; 50,000 × 100,000 took 17 s, 4 GB).
    let mut seq = format!("(func (local {})\n", types("i32", 10_000));
    for i in 0..50_000 {
        seq.push_str(&format!("block local.get {} drop end\n", i % 10_000));
    }
    seq.push(')');
    // 5,000 `if`s with a result: 13 s of Cranelift time in 55 KB, no locals at all.
    let mut ifs = "(func (param i32) (result i32) i32.const 0\n".to_string();
    ifs.push_str(&"local.get 0 if (result i32) i32.const 1 else i32.const 2 end i32.add\n".repeat(5_000));
    ifs.push(')');
    // 50,000 branches back to one loop header: 40 s.
    let brs = format!("(func (param i32) loop {} end)", "local.get 0 br_if 0 ".repeat(50_000));
    for body in [seq, ifs, brs] {
        let (what, found, limit) = too_complex(&sb, &Wat { extra: body, ..Wat::default() }.wasm());
        assert_eq!((what, limit), (Shape::FunctionCost { function: 8 }, 10_000_000));
        assert!(found > limit, "{found}");
    }
    assert_host_fine(&sb);
}

#[test]
fn each_shape_limit_is_hit_exactly() {
    // The template's eight ABI functions have at most one parameter, no blocks, cost ≤ 16.
    // (limits, a module at the limit, one just over it, the shape, the value found, the limit)
    let cases: Vec<(Limits, String, String, Shape, u64, u64)> = vec![
        (
            compile_limits(|c| c.functions = 10),
            "(func) (func)".into(),
            "(func) (func) (func)".into(),
            Shape::Functions,
            11,
            10,
        ),
        (
            compile_limits(|c| c.locals = 100),
            format!("(func (param i32) (local {}))", types("f32", 99)),
            format!("(func (param i32) (local {}))", types("f32", 100)),
            Shape::Locals { function: 8 },
            101,
            100,
        ),
        (
            // A body of k `nop`s is k + 2 bytes: the locals count and the final `end`.
            compile_limits(|c| c.function_bytes = 1_000),
            format!("(func {})", "nop ".repeat(998)),
            format!("(func {})", "nop ".repeat(999)),
            Shape::FunctionBytes { function: 8 },
            1_001,
            1_000,
        ),
        (
            compile_limits(|c| c.nesting = 5),
            format!("(func {}{})", "block ".repeat(5), "end ".repeat(5)),
            format!("(func {}{})", "block ".repeat(6), "end ".repeat(6)),
            Shape::Nesting { function: 8 },
            6,
            5,
        ),
        (
            // Explicit types come first: the template's signatures follow.
            compile_limits(|c| c.type_arity = 4),
            "(type (func (param i32 i32) (result i32 i32)))".into(),
            "(type (func (param i32 i32 i32) (result i32 i32)))".into(),
            Shape::TypeArity { type_index: 0 },
            5,
            4,
        ),
        (
            // k empty blocks and 10 locals: k(k + 10) + 160; 20 blocks cost 760, 21 cost 811.
            compile_limits(|c| c.function_cost = 760),
            format!("(func (local {}) {})", types("i32", 10), "block end ".repeat(20)),
            format!("(func (local {}) {})", types("i32", 10), "block end ".repeat(21)),
            Shape::FunctionCost { function: 8 },
            811,
            760,
        ),
        (
            // Three one-parameter ABI functions (16 each) and two of 760: 1,568.
            compile_limits(|c| c.module_cost = 1_568),
            format!("(func (local {}) {})", types("i32", 10), "block end ".repeat(20)).repeat(2),
            format!("(func (local {}) {})", types("i32", 10), "block end ".repeat(20))
                + &format!("(func (local {}) {})", types("i32", 10), "block end ".repeat(21)),
            Shape::ModuleCost,
            1_619,
            1_568,
        ),
    ];
    for (limits, at_limit, over_limit, shape, found, limit) in cases {
        let sb = Sandbox::new(limits).unwrap();
        let ok = Wat { extra: at_limit.clone(), ..Wat::default() }.wasm();
        sb.load(&ok).unwrap_or_else(|e| panic!("{shape:?} at the limit must load: {e}\n{at_limit}"));
        let over = Wat { extra: over_limit, ..Wat::default() }.wasm();
        assert_eq!(too_complex(&sb, &over), (shape, found, limit));
        assert_host_fine(&sb);
    }
}

#[test]
fn code_size_limit_is_hit_exactly() {
    let wasm = Wat { extra: format!("(func {})", "nop ".repeat(1_000)), ..Wat::default() }.wasm();
    let (what, size, _) = too_complex(&Sandbox::new(compile_limits(|c| c.code_bytes = 1)).unwrap(), &wasm);
    assert_eq!(what, Shape::CodeBytes);
    assert!(size > 1_000 && size < 1_200, "{size}");
    Sandbox::new(compile_limits(|c| c.code_bytes = size as usize)).unwrap().load(&wasm).expect("at the limit");
    let under = Sandbox::new(compile_limits(|c| c.code_bytes = size as usize - 1)).unwrap();
    assert_eq!(too_complex(&under, &wasm), (Shape::CodeBytes, size, size - 1));
}

#[test]
fn nesting_at_the_default_limit_compiles_on_a_small_thread_stack() {
    // 1,000 nested blocks, compiled on a thread with Rust's default 2 MiB stack (rayon's too).
    let deep = format!("(func {}{})", "block ".repeat(1_000), "end ".repeat(1_000));
    let deeper = format!("(func {}{})", "block ".repeat(1_001), "end ".repeat(1_001));
    let sb = sandbox();
    std::thread::scope(|s| {
        s.spawn(|| sb.load(&Wat { extra: deep, ..Wat::default() }.wasm()).expect("1,000 deep loads")).join().unwrap();
    });
    let e = load_err(&sb, &Wat { extra: deeper, ..Wat::default() }.wasm());
    assert_eq!(e, RewardError::TooComplex { what: Shape::Nesting { function: 8 }, found: 1_001, limit: 1_000 });
    assert_host_fine(&sb);
}

#[test]
fn every_example_reward_loads_under_compile_limits_ten_times_tighter() {
    let d = CompileLimits::default();
    let tight = compile_limits(|c| {
        *c = CompileLimits {
            functions: d.functions / 10,
            locals: d.locals / 10,
            function_bytes: d.function_bytes / 10,
            code_bytes: d.code_bytes / 10,
            nesting: d.nesting / 10,
            type_arity: d.type_arity / 10,
            function_cost: d.function_cost / 10,
            module_cost: d.module_cost / 10,
            ..d
        }
    });
    let sb = Sandbox::new(tight).unwrap();
    for env in ENVS {
        for path in [example(env), sparse_example(env)] {
            let wasm = compile_file(&path);
            sb.load(&wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

// ----- The trial compile in a child process (real bounds: host/tests/cli.rs) -----

/// A sandbox whose compile checker is `sh -c SCRIPT`, with a 1 s CPU budget.
fn fake_checker(script: &str) -> Sandbox {
    let limits = compile_limits(|c| c.cpu_time = std::time::Duration::from_secs(1));
    Sandbox::with_checker(limits, Some(CompileChecker::new("/bin/sh", ["-c", script]))).unwrap()
}

#[test]
fn a_checker_that_hangs_is_killed_at_the_wall_clock_backstop() {
    // The backstop is 4 × the CPU budget + 2 s; a sleeping child uses no CPU. Its whole
    // process group goes (the background `sleep` too, or its stderr would stay open).
    let sb = fake_checker("sleep 60 & sleep 60");
    let e = load_err(&sb, &Wat::default().wasm());
    assert_eq!(e, RewardError::CompileLimit { bound: CompileBound::WallClock { ms: 6_000 } });
    assert_eq!(e.kind(), "compile_limit");
    assert_eq!(sb.cached_modules(), 0);
}

#[test]
fn a_checker_that_crashes_or_fails_refuses_the_module() {
    let e = load_err(&fake_checker("kill -SEGV $$"), &Wat::default().wasm());
    assert_eq!(e, RewardError::CompileLimit { bound: CompileBound::Crashed { how: "signal 11".into() } });
    let e = load_err(&fake_checker("echo 'thread main panicked' >&2; exit 101"), &Wat::default().wasm());
    assert_eq!(
        e,
        RewardError::CompileLimit {
            bound: CompileBound::Crashed { how: "exit status 101: thread main panicked".into() }
        }
    );
    let e = load_err(&fake_checker("cat >/dev/null; echo 'bad opcode 0xff' >&2; exit 3"), &Wat::default().wasm());
    assert_eq!(e, RewardError::Malformed { reason: "bad opcode 0xff".into() });
    let missing = Sandbox::with_checker(small_limits(), Some(CompileChecker::new("/nonexistent/checker", [""; 0])));
    let e = load_err(&missing.unwrap(), &Wat::default().wasm());
    assert!(matches!(&e, RewardError::Setup(m) if m.contains("/nonexistent/checker")), "{e}");
}

#[test]
fn a_checker_that_passes_lets_the_host_compile() {
    // The child reads the module and says it compiled; the host then compiles it itself.
    let sb = fake_checker("cat >/dev/null");
    assert_host_fine(&sb);
    assert_eq!(sb.cached_modules(), 1);
}

// ----- The module cache -----

/// A valid module whose run returns `n` (distinct bytes, distinct hash).
fn distinct(n: u32) -> Vec<u8> {
    Wat { run_body: format!("(i32.const {})", 4096 + 16 * n), ..Wat::default() }.wasm()
}

#[test]
fn the_module_cache_evicts_the_least_recently_used_at_its_cap() {
    let sb = Sandbox::new(Limits { module_cache: 2, ..small_limits() }).unwrap();
    let a = sb.load(&distinct(1)).unwrap();
    let b = sb.load(&distinct(2)).unwrap();
    assert!(Arc::ptr_eq(&a, &sb.load(&distinct(1)).unwrap()), "a cached");
    // a was used last: c pushes b out.
    let _c = sb.load(&distinct(3)).unwrap();
    assert_eq!(sb.cached_modules(), 2);
    assert!(Arc::ptr_eq(&a, &sb.load(&distinct(1)).unwrap()), "a still cached");
    assert!(!Arc::ptr_eq(&b, &sb.load(&distinct(2)).unwrap()), "b was evicted and compiled again");
    assert_eq!(sb.cached_modules(), 2);

    let none = Sandbox::new(Limits { module_cache: 0, ..small_limits() }).unwrap();
    none.load(&distinct(1)).unwrap();
    assert_eq!(none.cached_modules(), 0);
    assert_host_fine(&none);
}

#[test]
fn refused_modules_are_never_cached() {
    let sb = Sandbox::new(Limits { module_bytes: 4096, ..small_limits() }).unwrap();
    let big = Wat { extra: format!("(data (i32.const 0) \"{}\")", "\\00".repeat(5000)), ..Wat::default() };
    assert!(matches!(load_err(&sb, &big.wasm()), RewardError::ModuleTooLarge { limit: 4096, .. }));
    let wasi = Wat { imports: r#"(import "wasi" "x" (func))"#.into(), ..Wat::default() };
    assert!(matches!(load_err(&sb, &wasi.wasm()), RewardError::ForbiddenImport { .. }));
    assert!(matches!(
        load_err(&sb, &Wat { omit: vec!["rewardsmith_run"], ..Wat::default() }.wasm()),
        RewardError::MissingExport { .. }
    ));
    assert_eq!(sb.cached_modules(), 0);
}
