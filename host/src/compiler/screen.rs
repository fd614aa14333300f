//! Screens reward sources for compile-time attacks before rustc sees them.
//!
//! Built-in macros and attributes read host files and environment variables at compile
//! time (`include_str!("/etc/passwd")`, `env!("HOME")`, `#[path = ...] mod`), so a reward
//! could smuggle host data into its module. The source is lexed into tokens (comments and
//! string contents are not tokens, macro bodies are) and any token that can name such a
//! feature is refused, however it is spelled: raw identifiers, paths (`core::include_str`),
//! `use ... as` aliases (the original name still appears) and macro bodies all contain the
//! identifier. Sources that do not lex are refused too: fail closed.

use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Why a source was refused: where, what, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line in the submitted file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The construct, e.g. "`include_str`".
    pub what: String,
    /// Why it is refused and what to do instead.
    pub why: &'static str,
}

/// Identifiers that can name a macro reading host data or emitting raw code.
const FORBIDDEN_IDENTS: &[(&str, &str)] = &[
    ("include", "it reads host files at compile time; reward programs are one self-contained file"),
    ("include_str", "it reads host files at compile time; put the data in the source"),
    ("include_bytes", "it reads host files at compile time; put the data in the source"),
    ("env", "it can name the env! macro, which reads host environment variables at compile time; rename it"),
    ("option_env", "it reads host environment variables at compile time"),
    ("asm", "inline assembly is not allowed in reward programs"),
    ("global_asm", "inline assembly is not allowed in reward programs"),
    ("naked_asm", "inline assembly is not allowed in reward programs"),
    ("llvm_asm", "inline assembly is not allowed in reward programs"),
];

/// Attribute names refused anywhere inside `#[...]` / `#![...]` (also under `cfg_attr`).
const FORBIDDEN_ATTRS: &[(&str, &str)] = &[
    ("path", "#[path] loads another file as a module; reward programs are one file"),
    ("debugger_visualizer", "it embeds a host file in the module"),
    ("link", "linking native libraries is not allowed"),
    ("link_name", "linking native symbols is not allowed"),
    ("link_section", "placing data in custom sections is not allowed"),
    ("export_name", "exports are emitted by export_reward! only"),
    ("no_mangle", "exports are emitted by export_reward! only"),
];

/// Crates a reward may name in `extern crate`.
const ALLOWED_CRATES: &[&str] = &["rewardsmith_guest", "core", "alloc", "std"];

/// Checks `source`; returns the first refusal, if any.
pub fn screen(source: &str) -> Result<(), Refusal> {
    let tokens = TokenStream::from_str(source).map_err(|e| {
        let start = e.span().start();
        Refusal {
            line: start.line,
            column: start.column + 1,
            what: "unlexable source".into(),
            why: "the source does not lex as Rust (unbalanced delimiters or an unterminated literal)",
        }
    })?;
    walk(tokens, false)
}

fn walk(tokens: TokenStream, in_attr: bool) -> Result<(), Refusal> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let raw = ident.to_string();
                let name = raw.strip_prefix("r#").unwrap_or(&raw);
                if let Some((_, why)) = FORBIDDEN_IDENTS.iter().find(|(n, _)| *n == name) {
                    return Err(refuse(ident.span(), format!("`{name}`"), why));
                }
                if in_attr && let Some((_, why)) = FORBIDDEN_ATTRS.iter().find(|(n, _)| *n == name) {
                    return Err(refuse(ident.span(), format!("attribute `{name}`"), why));
                }
                if name == "extern" {
                    check_extern_crate(&trees[i + 1..])?;
                }
                if name == "mod" {
                    check_inline_mod(&trees[i + 1..])?;
                }
            }
            TokenTree::Group(group) => {
                // `#[...]` or `#![...]`: the bracket group follows `#` (and maybe `!`).
                let is_attr = group.delimiter() == Delimiter::Bracket && is_attr_start(&trees[..i]);
                walk(group.stream(), in_attr || is_attr)?;
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
    Ok(())
}

fn is_attr_start(before: &[TokenTree]) -> bool {
    match before {
        [.., TokenTree::Punct(hash), TokenTree::Punct(bang)] if bang.as_char() == '!' => hash.as_char() == '#',
        [.., TokenTree::Punct(hash)] => hash.as_char() == '#',
        _ => false,
    }
}

fn check_extern_crate(after: &[TokenTree]) -> Result<(), Refusal> {
    if let [TokenTree::Ident(kw), TokenTree::Ident(name), ..] = after
        && kw == "crate"
    {
        let raw = name.to_string();
        let n = raw.strip_prefix("r#").unwrap_or(&raw);
        if !ALLOWED_CRATES.contains(&n) {
            return Err(refuse(
                name.span(),
                format!("`extern crate {n}`"),
                "a reward may only use rewardsmith_guest, core, alloc and std",
            ));
        }
    }
    Ok(())
}

fn check_inline_mod(after: &[TokenTree]) -> Result<(), Refusal> {
    if let [TokenTree::Ident(name), TokenTree::Punct(semi), ..] = after
        && semi.as_char() == ';'
    {
        return Err(refuse(
            name.span(),
            format!("`mod {name};`"),
            "out-of-line modules load other files; write `mod name { ... }` inline",
        ));
    }
    Ok(())
}

fn refuse(span: proc_macro2::Span, what: String, why: &'static str) -> Refusal {
    let start = span.start();
    Refusal { line: start.line, column: start.column + 1, what, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(src: &str) -> String {
        screen(src).expect_err(src).what
    }

    #[test]
    fn refuses_every_spelling_of_file_and_env_macros() {
        assert_eq!(refused(r#"const A: &str = include_str!("/etc/passwd");"#), "`include_str`");
        assert_eq!(refused(r#"const A: &str = r#include_str!("/etc/passwd");"#), "`include_str`");
        assert_eq!(refused(r#"const A: &str = core::include_str!("/etc/passwd");"#), "`include_str`");
        assert_eq!(refused("use core::include_bytes as b;"), "`include_bytes`");
        assert_eq!(refused(r#"macro_rules! m { ($i:ident) => { $i!("/x") } } m!(include_str);"#), "`include_str`");
        assert_eq!(refused(r#"const H: &str = env!("HOME");"#), "`env`");
        assert_eq!(refused(r#"const H: Option<&str> = option_env!("HOME");"#), "`option_env`");
        assert_eq!(refused(r#"include!("/etc/x.rs");"#), "`include`");
        assert_eq!(refused(r#"#[path = "/etc/x.rs"] mod m;"#), "attribute `path`");
        assert_eq!(refused(r#"#[cfg_attr(all(), path = "/etc/x.rs")] mod m {}"#), "attribute `path`");
        assert_eq!(refused("mod other;"), "`mod other;`");
        assert_eq!(refused("extern crate libm;"), "`extern crate libm`");
        assert_eq!(refused(r#"core::arch::global_asm!("");"#), "`global_asm`");
        assert_eq!(
            refused(r#"#![debugger_visualizer(gdb_script_file = "/etc/passwd")]"#),
            "attribute `debugger_visualizer`"
        );
    }

    #[test]
    fn reports_line_and_column() {
        let r = screen("fn f() {}\n  const X: &str = env!(\"HOME\");").unwrap_err();
        assert_eq!((r.line, r.column), (2, 19));
    }

    #[test]
    fn allows_comments_strings_and_ordinary_code() {
        let src = r#"
            // include_str!("/etc/passwd") in a comment is fine
            /* env!("HOME") */
            extern crate core;
            const S: &str = "include_bytes!(\"x\")";
            #[inline] fn path_len(path: f32) -> f32 { path }
            mod inner { pub fn f() {} }
        "#;
        assert_eq!(screen(src), Ok(()));
    }

    #[test]
    fn fails_closed_on_unlexable_source() {
        assert_eq!(refused("fn f() { "), "unlexable source");
    }
}
