//! Compile time is attack surface: each of these compiled host data into a guest when
//! tried by hand (FACTS.md). Every one must be refused before rustc runs, with its line.

use rewardsmith::compiler::{CompileError, Source};
use rewardsmith_tests::*;

/// A complete reward whose `reward` body is `body`, plus `items` at the top level.
fn program(items: &str, body: &str) -> String {
    format!(
        "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n{items}\n\
         fn reward(_s: &State, _a: &Action, _n: &State, t: &mut Terms) -> f32 {{\n{body}\n}}\nexport_reward!(reward);\n"
    )
}

fn refused(src: &str) -> (usize, String) {
    match compiler().compile(&Source::rust(src)) {
        Err(CompileError::Refused(r)) => (r.line, r.what),
        other => panic!("expected a refusal, got {other:?}\n{src}"),
    }
}

#[test]
fn include_str_of_an_absolute_host_file() {
    let src = program("", "    t.add(\"leak\", include_str!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src), (5, "`include_str`".into()));
}

#[test]
fn raw_identifier_spelling() {
    let src = program("", "    t.add(\"leak\", r#include_str!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src).1, "`include_str`");
}

#[test]
fn path_qualified_spelling() {
    let src = program("", "    t.add(\"leak\", core::include_bytes!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src).1, "`include_bytes`");
}

#[test]
fn use_alias() {
    let src =
        program("use core::include_str as innocent;", "    t.add(\"leak\", innocent!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src), (3, "`include_str`".into()));
}

#[test]
fn identifier_passed_into_a_macro() {
    let items = "macro_rules! call { ($m:ident, $p:expr) => { $m!($p) }; }";
    let src = program(items, "    t.add(\"leak\", call!(include_str, \"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src).1, "`include_str`");
}

#[test]
fn concat_path() {
    let src = program("", "    t.add(\"leak\", include_str!(concat!(\"/etc/\", \"passwd\")).len() as f32)");
    assert_eq!(refused(&src).1, "`include_str`");
}

#[test]
fn include_of_rust_code() {
    let src = program("include!(\"/etc/rewardsmith-evil.rs\");", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (3, "`include`".into()));
}

#[test]
fn path_attribute() {
    let src = program("#[path = \"/etc/evil.rs\"]\nmod evil;", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (3, "attribute `path`".into()));
    let src = program("#[cfg_attr(all(), path = \"/etc/evil.rs\")]\nmod evil {}", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "attribute `path`");
}

#[test]
fn env_and_option_env() {
    let src = program("", "    t.add(\"leak\", env!(\"HOME\").len() as f32)");
    assert_eq!(refused(&src).1, "`env`");
    let src = program("", "    t.add(\"leak\", option_env!(\"OPENAI_API_KEY\").map_or(0, |k| k.len()) as f32)");
    assert_eq!(refused(&src).1, "`option_env`");
}

#[test]
fn extern_crate_beyond_the_sdk() {
    let src = program("extern crate libm;", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "`extern crate libm`");
    // The allowed ones compile.
    let ok = program("extern crate alloc;\nextern crate rewardsmith_guest;", "    t.add(\"x\", 0.0)");
    compiler().compile(&Source::rust(ok)).expect("SDK, core, alloc and std are allowed");
}

#[test]
fn inline_and_global_asm() {
    let src = program("core::arch::global_asm!(\".globl x\");", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "`global_asm`");
    let src = program("", "    unsafe { core::arch::asm!(\"nop\") }; t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "`asm`");
}

#[test]
fn unsafe_code_is_forbidden_by_the_compiler() {
    // Not a token the screen refuses: rustc's `-F unsafe_code` does, and a reward cannot
    // re-allow it.
    let src = program("#![allow(unsafe_code)]", "    let p = &1.0f32 as *const f32;\n    t.add(\"x\", unsafe { *p })");
    match uncached_compiler(std::time::Duration::from_secs(60)).compile(&Source::rust(src)) {
        Err(CompileError::Rustc { rendered, .. }) => assert!(rendered.contains("unsafe"), "{rendered}"),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn mentions_in_comments_and_strings_are_fine() {
    let src = program(
        "// include_str!(\"/etc/passwd\") would be refused\n/* env!(\"HOME\") */",
        "    t.add(\"include_str!\", 1.0)",
    );
    compiler().compile(&Source::rust(src)).expect("comments and strings are not tokens");
}
