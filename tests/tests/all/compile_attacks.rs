//! Compile time is attack surface: each of these compiled host data into a guest, read or
//! wrote host files through the linker, or crashed the process, when tried by hand
//! (FACTS.md, issue 12). Every one must be refused before rustc runs, with its line, by the
//! parse-then-allow screen. (That rustc's OS sandbox holds on its own, with the screen
//! bypassed, is tested in `isolation.rs`.)

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
    assert_eq!(refused(&src), (5, "macro `include_str!`".into()));
}

#[test]
fn raw_identifier_spelling() {
    let src = program("", "    t.add(\"leak\", r#include_str!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src).1, "macro `include_str!`");
}

#[test]
fn path_qualified_spelling() {
    let src = program("", "    t.add(\"leak\", core::include_bytes!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src).1, "macro `include_bytes!`");
}

#[test]
fn use_alias() {
    let src =
        program("use core::include_str as innocent;", "    t.add(\"leak\", innocent!(\"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src), (5, "macro `innocent!`".into()));
}

#[test]
fn identifier_passed_into_a_macro() {
    let items = "macro_rules! call { ($m:ident, $p:expr) => { $m!($p) }; }";
    let src = program(items, "    t.add(\"leak\", call!(include_str, \"/etc/passwd\").len() as f32)");
    assert_eq!(refused(&src), (3, "macro `macro_rules!`".into()));
}

#[test]
fn concat_path() {
    let src = program("", "    t.add(\"leak\", include_str!(concat!(\"/etc/\", \"passwd\")).len() as f32)");
    assert_eq!(refused(&src).1, "macro `include_str!`");
}

#[test]
fn include_of_rust_code() {
    let src = program("include!(\"/etc/rewardsmith-evil.rs\");", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (3, "macro `include!`".into()));
}

#[test]
fn path_attribute() {
    let src = program("#[path = \"/etc/evil.rs\"]\nmod evil {}", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (3, "attribute `path`".into()));
    let src = program("#[path = \"/etc/evil.rs\"]\nmod evil;", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (4, "`mod evil;`".into()));
    let src = program("#[cfg_attr(all(), path = \"/etc/evil.rs\")]\nmod evil {}", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "attribute `cfg_attr`");
}

#[test]
fn env_and_option_env() {
    let src = program("", "    t.add(\"leak\", env!(\"HOME\").len() as f32)");
    assert_eq!(refused(&src).1, "macro `env!`");
    let src = program("", "    t.add(\"leak\", option_env!(\"OPENAI_API_KEY\").map_or(0, |k| k.len()) as f32)");
    assert_eq!(refused(&src).1, "macro `option_env!`");
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
    assert_eq!(refused(&src).1, "macro `global_asm!`");
    let src = program("", "    unsafe { core::arch::asm!(\"nop\") }; t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "`unsafe`");
    let src = program("", "    core::arch::asm!(\"nop\"); t.add(\"x\", 0.0)");
    assert_eq!(refused(&src).1, "macro `asm!`");
}

#[test]
fn unsafe_code_is_refused() {
    // rustc's `-F unsafe_code` stands behind this too (a reward cannot re-allow it).
    let src = program("", "    let p = &1.0f32 as *const f32;\n    t.add(\"x\", unsafe { *p })");
    assert_eq!(refused(&src), (6, "`unsafe`".into()));
    let src = program("struct S;\nunsafe impl Send for S {}", "    t.add(\"x\", 0.0)");
    assert_eq!(refused(&src), (4, "`unsafe`".into()));
}

#[test]
fn mentions_in_comments_and_strings_are_fine() {
    let src = program(
        "// include_str!(\"/etc/passwd\") would be refused\n/* env!(\"HOME\") */",
        "    t.add(\"include_str!\", 1.0)",
    );
    compiler().compile(&Source::rust(src)).expect("comments and strings are not tokens");
}

// Issue 12: macro-passed attributes got past the lexical screen (it looked for `path`,
// `link` and `debugger_visualizer` only literally inside `#[...]`, and for `mod x;` only with
// `x` spelled out). Without bubblewrap each of these read or wrote host files.

#[test]
fn path_attribute_through_a_meta_fragment() {
    let items = "macro_rules! m { ($a:meta, $n:ident) => { #[$a] mod $n; } }\nm!(path = \"/etc/hostname\", leak);";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")), (3, "macro `macro_rules!`".into()));
    // Without its definition the invocation alone is refused too.
    let items = "m!(path = \"/etc/hostname\", leak);";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")), (3, "macro `m!`".into()));
}

#[test]
fn attributes_through_token_tree_fragments() {
    let items = "macro_rules! m { ($($t:tt)*) => { $($t)* } }\nm!(#[path = \"/etc/hostname\"] mod leak;);";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")).1, "macro `macro_rules!`");
    let items = "macro_rules! m { ($a:meta) => { #[cfg_attr(all(), $a)] mod leak; } }\nm!(path = \"/etc/hostname\");";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")).1, "macro `macro_rules!`");
}

#[test]
fn linker_response_file_through_a_macro() {
    // rust-lld would read reward.rs as a response file and honour `--reproduce=PATH`.
    let items = "// --reproduce=/tmp/rewardsmith-attack.tar\nmacro_rules! l { ($a:meta) => { #[$a] extern \"C\" {} } }\n\
                 l!(link(name = \"@reward.rs\", kind = \"static\", modifiers = \"+verbatim\"));";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")), (4, "macro `macro_rules!`".into()));
    let items = "#[link(name = \"@reward.rs\", kind = \"static\", modifiers = \"+verbatim\")]\nfn f() {}";
    assert_eq!(refused(&program(items, "    t.add(\"x\", 0.0)")), (3, "attribute `link`".into()));
}

#[test]
fn debugger_visualizer_path_oracle() {
    let items = "#![debugger_visualizer(gdb_script_file = \"/etc/hostname\")]";
    let src = format!("{items}\n{}", program("", "    t.add(\"x\", 0.0)"));
    assert_eq!(refused(&src), (1, "attribute `debugger_visualizer`".into()));
}

#[test]
fn refusals_say_what_to_write_instead() {
    let src = program("macro_rules! sq { ($x:expr) => { $x * $x } }", "    t.add(\"x\", sq!(2.0))");
    match compiler().compile(&Source::rust(src)) {
        Err(e @ CompileError::Refused(_)) => {
            let text = e.to_string();
            assert!(text.starts_with("refused at line 3:1: macro `macro_rules!` is not allowed"), "{text}");
            assert!(text.contains("write a function"), "{text}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// Issue 12: 40 KB of nested brackets overflowed the screen's recursive walk and aborted the
// process (one POST killed `serve`; as an LLM answer it aborted `evolve` and every resume).

#[test]
fn nesting_bomb_is_refused_not_a_crash() {
    for bomb in [
        format!("fn f() {{ {} }}", "(".repeat(40_000)),
        format!("fn f() {{ {} }}", "[".repeat(40_000)),
        format!("fn f() -> bool {{ {}true }}", "!".repeat(200_000)),
        format!("type T = {}u8{};", "Box<".repeat(40_000), ">".repeat(40_000)),
    ] {
        let (line, what) = refused(&bomb);
        assert_eq!(line, 1);
        assert!(what.starts_with("nesting deeper than"), "{what}");
    }
    // The compiler is still here and still works.
    compiler().compile(&Source::rust(program("", "    t.add(\"x\", 0.0)"))).expect("a good reward compiles");
}
