//! Modules that must be refused before they run: one test per class, exact error kinds.

use rewardsmith::sandbox::{Limits, Phase, RewardError, Sandbox};
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
