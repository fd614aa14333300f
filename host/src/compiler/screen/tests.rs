use super::*;

fn refused(src: &str) -> String {
    screen(src).expect_err(src).what
}

/// A reward file around `items`.
fn reward(items: &str) -> String {
    format!(
        "use rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n{items}\n\
         fn reward(_s: &State, _a: &Action, _n: &State, t: &mut Terms) -> f32 {{ t.add(\"x\", 0.0) }}\n\
         export_reward!(reward);\n"
    )
}

#[test]
fn refuses_every_spelling_of_file_and_env_macros() {
    assert_eq!(refused(r#"const A: &str = include_str!("/etc/passwd");"#), "macro `include_str!`");
    assert_eq!(refused(r##"const A: &str = r#include_str!("/etc/passwd");"##), "macro `include_str!`");
    assert_eq!(refused(r#"const A: &str = core::include_str!("/etc/passwd");"#), "macro `include_str!`");
    assert_eq!(refused(r#"use core::include_bytes as b; const B: &[u8] = b!("/x");"#), "macro `b!`");
    assert_eq!(refused(r#"const H: &str = env!("HOME");"#), "macro `env!`");
    assert_eq!(refused(r#"const H: Option<&str> = option_env!("HOME");"#), "macro `option_env!`");
    assert_eq!(refused(r#"include!("/etc/x.rs");"#), "macro `include!`");
    assert_eq!(refused(r#"#[path = "/etc/x.rs"] mod m {}"#), "attribute `path`");
    assert_eq!(refused(r#"#[path = "/etc/x.rs"] mod m;"#), "`mod m;`");
    assert_eq!(refused(r#"#[cfg_attr(all(), path = "/etc/x.rs")] mod m {}"#), "attribute `cfg_attr`");
    assert_eq!(refused("mod other;"), "`mod other;`");
    assert_eq!(refused("extern crate libm;"), "`extern crate libm`");
    assert_eq!(refused(r#"core::arch::global_asm!("");"#), "macro `global_asm!`");
    assert_eq!(
        refused(r#"#![debugger_visualizer(gdb_script_file = "/etc/passwd")]"#),
        "attribute `debugger_visualizer`"
    );
}

#[test]
fn refuses_macro_rules_and_what_it_could_assemble() {
    // The attack that beat the lexical screen: an attribute passed through a fragment.
    let src = r#"macro_rules! m { ($a:meta, $n:ident) => { #[$a] mod $n; } } m!(path = "/etc/x.rs", leak);"#;
    assert_eq!(refused(src), "macro `macro_rules!`");
    assert!(screen(src).unwrap_err().why.contains("write a function"));
    assert_eq!(refused("m!(path = \"/etc/x.rs\", leak);"), "macro `m!`");
    // Arguments of allowed macros are walked like other code.
    assert_eq!(refused(r#"fn f() -> String { format!("{}", include_str!("/etc/passwd")) }"#), "macro `include_str!`");
    assert_eq!(refused("fn f() -> Vec<u8> { vec![unsafe { core::mem::zeroed() }; 4] }"), "`unsafe`");
    assert_eq!(refused("fn f(x: u8) -> bool { matches!(x, 1 if env!(\"A\").is_empty()) }"), "macro `env!`");
}

#[test]
fn refuses_linker_facing_and_unsafe_constructs() {
    assert_eq!(
        refused(r#"#[link(name = "@reward.rs", kind = "static", modifiers = "+verbatim")] fn f() {}"#),
        "attribute `link`"
    );
    assert_eq!(refused(r#"#[link(name = "@reward.rs")] extern "C" {}"#), "an `extern` block");
    assert_eq!(refused(r#"unsafe extern "C" { fn f(); }"#), "an `extern` block");
    assert_eq!(refused("#[no_mangle] fn f() {}"), "attribute `no_mangle`");
    assert_eq!(refused("#[unsafe(no_mangle)] fn f() {}"), "attribute `unsafe`");
    assert_eq!(refused(r#"#[export_name = "x"] fn f() {}"#), "attribute `export_name`");
    assert_eq!(refused(r#"#[link_section = ".x"] static S: u8 = 0;"#), "attribute `link_section`");
    assert_eq!(refused(r#"extern "C" fn f() {}"#), "an `extern` function");
    assert_eq!(refused("unsafe fn f() {}"), "`unsafe`");
    assert_eq!(refused("fn f() { unsafe {} }"), "`unsafe`");
    assert_eq!(refused("struct S; unsafe impl Send for S {}"), "`unsafe`");
    assert_eq!(refused("static mut X: u8 = 0;"), "`static mut`");
    assert_eq!(refused("union U { a: u32 }"), "`union`");
    assert_eq!(refused("#![feature(asm)]"), "attribute `feature`");
    assert_eq!(refused("#[used] static S: u8 = 0;"), "attribute `used`");
    assert_eq!(refused(r#"#[doc = include_str!("/etc/passwd")] fn f() {}"#), "this form of `#[doc]`");
    assert_eq!(refused("#[derive(Serialize)] struct S;"), "`#[derive(Serialize)]`");
    assert_eq!(refused("use core::include_str as format;"), "`use … as format`");
}

#[test]
fn refusals_name_line_column_and_the_fix() {
    let r = screen("fn f() {}\n  const X: &str = env!(\"HOME\");").unwrap_err();
    assert_eq!((r.line, r.column), (2, 19));
    assert!(r.why.contains("format!") && r.why.contains("export_reward!"), "{}", r.why);
    let r = screen("fn f() {}\n#[link(name = \"x\")]\nfn g() {}").unwrap_err();
    assert_eq!((r.line, r.column, r.what.as_str()), (2, 1, "attribute `link`"));
    assert!(r.why.contains("inline") && r.why.contains("derive"), "{}", r.why);
}

#[test]
fn allows_what_rewards_are_written_with() {
    let src = reward(
        r#"
        // include_str!("/etc/passwd") in a comment is fine
        /* env!("HOME") */
        extern crate core;
        /// A doc comment.
        const S: &str = "include_bytes!(\"x\")";
        #[inline] fn path_len(path: f32) -> f32 { path }
        #[inline(always)] fn clamp01(x: f32) -> f32 { x.clamp(0.0, 1.0) }
        mod inner { pub fn f() {} }
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        #[repr(C)]
        struct W { a: f32 }
        enum E { A, B }
        trait T { fn g(&self) -> f32 { 0.0 } }
        impl T for W {}
        #[cfg(test)] mod tests { #[test] fn t() { assert_eq!(1 + 1, 2); } }
        fn helpers(env: f32, v: &[f32]) -> f32 {
            let env = env * 2.0; // `env` as a name is fine; `env!` is not
            let xs = vec![0.0f32; 3];
            let ys = vec![1.0, 2.0];
            debug_assert!(v.len() < 100, "len {}", v.len());
            let ok = matches!(v.first(), Some(x) if *x > 0.0);
            let s = format!("{env:.2} {}", xs.len() + ys.len());
            if s.is_empty() || !ok { panic!("unreachable {}", 1) }
            let f = |a: f32| a * env;
            std::f32::consts::PI * f(1.0)
        }
        "#,
    );
    assert_eq!(screen(&src), Ok(()));
    assert_eq!(screen("#![no_std]\n#![allow(dead_code)]\nuse core::f32::consts::PI;\nfn f() -> f32 { PI }"), Ok(()));
}

#[test]
fn fails_closed_on_sources_that_do_not_parse() {
    assert_eq!(refused("fn f() { "), "source that does not parse as Rust");
    let r = screen("fn f() {}\nfn g( {}").unwrap_err();
    assert_eq!(r.line, 2);
    assert_eq!(refused("Here is the reward:\n```rust\nfn f() {}\n```"), "source that does not parse as Rust");
}

#[test]
fn nesting_bombs_are_refused_without_overflowing_a_stack() {
    // 40 KB of brackets once overflowed the screen's stack (issue 12).
    for open in ["(", "[", "{"] {
        let bomb = format!("fn f() {{ {} }}", open.repeat(40_000));
        assert!(refused(&bomb).starts_with("nesting deeper than"), "{open}");
    }
}

/// Every recursive construct at the deepest nesting the prescan lets through: parsed,
/// walked and dropped on the screen's thread without overflow (in debug builds too, where
/// frames are largest), and one level more is refused before parsing.
#[test]
fn the_deepest_accepted_nesting_parses_within_the_parse_stack() {
    // `head`, `open` n times, `body`, `close` n times, `tail`.
    let nest = |(head, open, body, close, tail): (&str, &str, &str, &str, &str), n: usize| {
        format!("{head}{}{body}{}{tail}", open.repeat(n), close.repeat(n))
    };
    let cases = [
        ("fn f() -> bool { ", "!", "true", "", " }"),
        ("fn f() -> f32 { ", "-", "1.0", "", " }"),
        ("fn f() { let _x = ", "&", "1", "", "; }"),
        ("fn f() { let _x = ", "&&", "1", "", "; }"),
        ("fn f(x: f32) { let _y = ", "*", "x", "", "; }"),
        ("fn f() { let _c = ", "|a| ", "0", "", "; }"),
        ("fn f() { let _c = ", "|| ", "0", "", "; }"),
        ("fn f() { ", "return ", "0", "", "; }"),
        ("type T = ", "Box<", "u8", ">", ";"),
        ("type T = ", "&", "u8", "", ";"),
        ("type T = ", "fn() -> ", "u8", "", ";"),
        ("fn f(a: bool) { ", "if a {} else ", "{}", "", " }"),
        ("fn f(mut x: f32) { ", "x = ", "1.0", "", "; }"),
        ("fn f(", "&", "x: &u8", "", ") {}"),
        ("fn f() { let _x = ", "(", "1", ")", "; }"),
        ("fn f() { let _x = ", "{", "1", "}", "; }"),
        ("fn f() { let _x = ", "[", "1", "]", "; }"),
        ("fn f() { let _x = ", "{ -", "1", "}", "; }"),
        ("fn f() { ", "match ", "x", " {}", "; }"),
    ];
    for case in cases {
        let accepted = (1..=MAX_NESTING).rev().find(|&n| prescan::prescan(&nest(case, n)).is_ok()).unwrap_or(0);
        assert!(accepted >= MAX_NESTING / 4 || accepted >= MAX_DEPTH - 4, "{}: only {accepted} levels", case.1);
        assert!(refused(&nest(case, accepted + 1)).starts_with("nesting deeper than"), "{}", case.1);
        assert_eq!(screen(&nest(case, accepted)), Ok(()), "{} at {accepted} levels", case.1);
    }
}
