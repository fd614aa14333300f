//! The reward program in an LLM answer. Answers come as prose around fenced blocks, sometimes
//! with helper functions or constants in blocks of their own before (or after) the one that
//! ends in `export_reward!`; Eureka kept only the reward block and lost the helpers, so the
//! candidate failed to compile for nothing. Here the block with `export_reward!` (the last one,
//! when an answer shows an old and a new version) is joined with every other Rust block that
//! defines an item it uses (transitively), in the answer's order, duplicate `use` lines dropped.
//! An answer without fences that reads as Rust with `export_reward!` is taken as is (prose
//! before and after trimmed). Anything else is a typed error whose text is feedback for the LLM.

use std::collections::BTreeSet;

/// What to ask for instead, appended to every error message.
const ASK: &str = "answer with one ```rust block containing the whole program, ending with export_reward!(reward);";

/// Why no program came out of an answer. The messages are written to be sent back to the LLM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the answer contains no reward program; {ASK}")]
    NoCode,
    #[error("the answer's code never calls export_reward!, so no reward function is exported; {ASK}")]
    NoExport,
}

impl ExtractError {
    /// A short stable name for the error class.
    pub fn kind(&self) -> &'static str {
        match self {
            ExtractError::NoCode => "no_code",
            ExtractError::NoExport => "no_export",
        }
    }
}

/// One fenced block.
#[derive(Debug)]
struct Block {
    /// Labelled rust/rs or unlabelled.
    rust: bool,
    text: String,
}

/// The whole reward program in `text`, ending with a newline.
pub fn extract_program(text: &str) -> Result<String, ExtractError> {
    let (blocks, fenced) = fenced_blocks(text);
    let exporting: Vec<usize> = (0..blocks.len()).filter(|&i| exports(&blocks[i].text)).collect();
    if let Some(&main) = exporting.last() {
        return Ok(assemble(&blocks, main));
    }
    if !fenced && exports(text) {
        return Ok(unfenced(text));
    }
    if blocks.iter().any(|b| b.rust && !b.text.trim().is_empty()) || (!fenced && looks_like_rust(text)) {
        return Err(ExtractError::NoExport);
    }
    Err(ExtractError::NoCode)
}

/// The fenced blocks (``` or ~~~, three or more) and whether there was any fence line. An
/// unclosed block (a truncated answer) runs to the end.
fn fenced_blocks(text: &str) -> (Vec<Block>, bool) {
    let mut blocks = Vec::new();
    let mut fenced = false;
    let mut open: Option<(char, usize, bool, Vec<&str>)> = None;
    for line in text.lines() {
        let t = line.trim();
        match &mut open {
            Some((c, n, _, body)) => {
                let closes = t.len() >= *n && t.chars().all(|x| x == *c);
                if closes {
                    let (_, _, rust, body) = open.take().expect("open block");
                    blocks.push(Block { rust, text: body.join("\n") });
                } else {
                    body.push(line);
                }
            }
            None => {
                let Some(c) = t.chars().next().filter(|c| *c == '`' || *c == '~') else { continue };
                let n = t.chars().take_while(|x| *x == c).count();
                let info = &t[n..];
                if n < 3 || (c == '`' && info.contains('`')) {
                    continue;
                }
                fenced = true;
                let lang = info.trim().split([' ', ',', '{', '\t']).next().unwrap_or("").to_ascii_lowercase();
                let rust = lang.is_empty() || lang == "rs" || lang.starts_with("rust");
                open = Some((c, n, rust, Vec::new()));
            }
        }
    }
    if let Some((_, _, rust, body)) = open {
        blocks.push(Block { rust, text: body.join("\n") });
    }
    (blocks, fenced)
}

/// The main block plus the Rust blocks defining what it (transitively) uses.
fn assemble(blocks: &[Block], main: usize) -> String {
    let main_tokens = tokens(&blocks[main].text);
    let mut defined = definitions(&main_tokens);
    let mut needed: BTreeSet<String> = idents(&main_tokens).into_iter().filter(|i| !defined.contains(i)).collect();
    let mut chosen = BTreeSet::from([main]);
    loop {
        let mut grew = false;
        for (i, b) in blocks.iter().enumerate() {
            if chosen.contains(&i) || !b.rust || exports(&b.text) {
                continue;
            }
            let toks = tokens(&b.text);
            let defs = definitions(&toks);
            if defs.iter().any(|d| needed.contains(d)) {
                chosen.insert(i);
                defined.extend(defs.iter().cloned());
                needed.extend(idents(&toks).into_iter().filter(|x| !defs.contains(x)));
                needed.retain(|x| !defined.contains(x));
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    // Imports shown in a block of their own count when the main block has none.
    if !blocks[main].text.lines().any(|l| is_use(l.trim())) {
        for (i, b) in blocks.iter().enumerate() {
            if b.rust && i < main && b.text.lines().any(|l| is_use(l.trim())) && use_only(&b.text) {
                chosen.insert(i);
            }
        }
    }
    let mut seen_uses = BTreeSet::new();
    let mut out = String::new();
    for &i in &chosen {
        let part: Vec<&str> =
            blocks[i].text.lines().filter(|l| !is_use(l.trim()) || seen_uses.insert(l.trim().to_owned())).collect();
        let part = part.join("\n");
        if part.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(part.trim_matches('\n').trim_end());
    }
    out.push('\n');
    out
}

/// A one-line `use …;`.
fn is_use(t: &str) -> bool {
    (t.starts_with("use ") || t.starts_with("pub use ")) && t.ends_with(';')
}

/// Only imports, attributes and comments.
fn use_only(text: &str) -> bool {
    text.lines().map(str::trim).all(|t| t.is_empty() || is_use(t) || t.starts_with("//") || t.starts_with("#"))
}

/// A line that can start a Rust program.
fn starts_rust(t: &str) -> bool {
    const STARTS: &[&str] = &[
        "fn ",
        "pub ",
        "const ",
        "static ",
        "struct ",
        "enum ",
        "impl ",
        "mod ",
        "type ",
        "#[",
        "#!",
        "//",
        "/*",
        "macro_rules!",
        "export_reward!",
    ];
    STARTS.iter().any(|s| t.starts_with(s)) || (t.starts_with("use ") && (t.ends_with(';') || t.contains("::")))
}

fn looks_like_rust(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("fn ") || t.starts_with("use rewardsmith")
    })
}

/// An unfenced answer: from the first line that starts Rust to the last `export_reward!` line.
fn unfenced(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| starts_rust(l.trim_start())).unwrap_or(0);
    let last = lines.iter().rposition(|l| exports(l)).unwrap_or(lines.len().saturating_sub(1)).max(first);
    let mut out = lines[first..=last].join("\n").trim().to_owned();
    out.push('\n');
    out
}

/// A token: an identifier, or one punctuation character.
#[derive(Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(char),
}

/// Identifiers and punctuation, comments and string/char literals skipped.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            i += 2;
            while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if ch == 'r' && matches!(c.get(i + 1), Some('"' | '#')) && raw_string_end(&c, i + 1).is_some() {
            i = raw_string_end(&c, i + 1).expect("checked");
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if ch == '\'' && c.get(i + 1) == Some(&'\\') {
            // An escaped char literal: '\n', '\'', '\u{..}'.
            i += 3;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if ch == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if ch.is_alphabetic() || ch == '_' {
            let s = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(c[s..i].iter().collect()));
        } else {
            if !ch.is_whitespace() {
                out.push(Tok::Punct(ch));
            }
            i += 1;
        }
    }
    out
}

/// Index after a raw string whose `#`s/quote start at `i`, if it is one.
fn raw_string_end(c: &[char], mut i: usize) -> Option<usize> {
    let hashes = c[i..].iter().take_while(|x| **x == '#').count();
    i += hashes;
    if c.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    while i < c.len() {
        if c[i] == '"' && c[i + 1..].iter().take(hashes).filter(|x| **x == '#').count() == hashes {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    Some(c.len())
}

fn idents(toks: &[Tok]) -> BTreeSet<String> {
    toks.iter()
        .filter_map(|t| match t {
            Tok::Ident(s) => Some(s.clone()),
            Tok::Punct(_) => None,
        })
        .collect()
}

/// Names of items defined: fn, const, static, struct, enum, type, trait, mod, union, macro_rules!.
/// The SDK's contract types are left out: a block echoing the prompt's `State` is no helper.
fn definitions(toks: &[Tok]) -> BTreeSet<String> {
    const SDK: &[&str] = &["State", "Action", "Terms"];
    const ITEM: &[&str] = &["fn", "const", "static", "struct", "enum", "type", "trait", "mod", "union"];
    const KEYWORDS: &[&str] = &["fn", "mut", "unsafe", "extern", "async"];
    let ident = |j: usize| match toks.get(j) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut out = BTreeSet::new();
    for i in 0..toks.len() {
        let Some(kw) = ident(i) else { continue };
        let name = if ITEM.contains(&kw) {
            // `static mut X`: skip the `mut`.
            let j = if ident(i + 1) == Some("mut") { i + 2 } else { i + 1 };
            ident(j)
        } else if kw == "macro_rules" && toks.get(i + 1) == Some(&Tok::Punct('!')) {
            ident(i + 2)
        } else {
            None
        };
        if let Some(n) = name.filter(|n| !KEYWORDS.contains(n) && !SDK.contains(n)) {
            out.insert(n.to_owned());
        }
    }
    out
}

/// Calls `export_reward!` outside comments and strings.
fn exports(src: &str) -> bool {
    tokens(src).windows(2).any(|w| w[0] == Tok::Ident("export_reward".into()) && w[1] == Tok::Punct('!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "use rewardsmith_guest::envs::cartpole::*;
use rewardsmith_guest::prelude::*;

fn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {
    t.add(\"upright\", cos(next.pole_angle))
}

export_reward!(reward);
";

    #[test]
    fn takes_a_single_rust_block() {
        let answer = format!("Here is the reward:\n\n```rust\n{PROGRAM}```\n\nIt rewards being upright.");
        assert_eq!(extract_program(&answer).unwrap(), PROGRAM);
    }

    #[test]
    fn accepts_rs_unlabelled_tilde_and_indented_fences() {
        for (open, close) in [("```rs", "```"), ("```", "```"), ("~~~rust", "~~~"), ("  ```Rust", "  ```")] {
            let answer = format!("Sure.\n{open}\n{PROGRAM}{close}\n");
            assert_eq!(extract_program(&answer).unwrap(), PROGRAM, "{open}");
        }
    }

    #[test]
    fn handles_crlf() {
        let answer = format!("x\r\n```rust\r\n{}```\r\n", PROGRAM.replace('\n', "\r\n"));
        assert_eq!(extract_program(&answer).unwrap(), PROGRAM);
    }

    #[test]
    fn prefers_the_exporting_block_and_the_last_of_several() {
        let old = PROGRAM.replace("upright", "old");
        let answer = format!(
            "The state:\n```rust\nstruct State {{ pole_angle: f32 }}\n```\nBefore:\n```rust\n{old}```\nAfter:\n```rust\n{PROGRAM}```\nRun:\n```sh\ncargo run\n```\n"
        );
        // An echoed SDK type is not a helper: the SDK defines `State`.
        let got = extract_program(&answer).unwrap();
        assert_eq!(got, PROGRAM);
        assert!(!got.contains("cargo run"));
    }

    #[test]
    fn joins_helper_blocks_defined_before_and_used() {
        let answer = "First some helpers:\n\n```rust\nconst TEMP: f32 = 0.5;\n\nfn kernel(x: f32) -> f32 {\n    exp(-x / TEMP)\n}\n```\n\nAn unrelated one:\n\n```rust\nfn unused_helper() {}\n```\n\nAnd the reward:\n\n```rust\nuse rewardsmith_guest::envs::cartpole::*;\nuse rewardsmith_guest::prelude::*;\n\nfn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {\n    t.add(\"upright\", kernel(next.pole_angle.abs()))\n}\n\nexport_reward!(reward);\n```\n";
        let got = extract_program(answer).unwrap();
        assert!(got.starts_with("const TEMP: f32 = 0.5;"), "{got}");
        assert!(got.contains("fn kernel") && got.contains("export_reward!(reward);"));
        assert!(!got.contains("unused_helper"), "{got}");
        assert!(got.find("fn kernel").unwrap() < got.find("fn reward").unwrap());
    }

    #[test]
    fn joins_helpers_transitively_and_after_the_main_block() {
        let answer = "```rust\nconst SCALE: f32 = 2.0;\n```\n```rust\nfn shaped(x: f32) -> f32 { x * SCALE }\n```\n```rust\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { t.add(\"a\", shaped(n.x)) + bonus() }\nexport_reward!(reward);\n```\nAlso add:\n```rust\nfn bonus() -> f32 { 1.0 }\n```\n";
        let got = extract_program(answer).unwrap();
        for needle in ["const SCALE", "fn shaped", "fn reward", "fn bonus"] {
            assert!(got.contains(needle), "{needle} missing in {got}");
        }
    }

    #[test]
    fn a_helper_redefined_in_the_main_block_is_not_joined() {
        let answer = "```rust\nfn kernel(x: f32) -> f32 { x }\n```\n```rust\nfn kernel(x: f32) -> f32 { -x }\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { kernel(n.x) }\nexport_reward!(reward);\n```\n";
        let got = extract_program(answer).unwrap();
        assert_eq!(got.matches("fn kernel").count(), 1, "{got}");
        assert!(got.contains("{ -x }"));
    }

    #[test]
    fn a_separate_import_block_is_used_and_duplicate_imports_dropped() {
        let answer = "```rust\nuse rewardsmith_guest::prelude::*;\nuse rewardsmith_guest::envs::cartpole::*;\n```\n```rust\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { 0.0 }\nexport_reward!(reward);\n```\n";
        let got = extract_program(answer).unwrap();
        assert!(got.starts_with("use rewardsmith_guest::prelude::*;"), "{got}");
        let dup = "```rust\nuse rewardsmith_guest::prelude::*;\nconst K: f32 = 1.0;\n```\n```rust\nuse rewardsmith_guest::prelude::*;\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { K }\nexport_reward!(reward);\n```\n";
        let got = extract_program(dup).unwrap();
        assert_eq!(got.matches("use rewardsmith_guest::prelude::*;").count(), 1, "{got}");
        assert!(got.contains("const K"));
    }

    #[test]
    fn export_in_a_comment_or_string_does_not_count() {
        let answer = "```rust\n// remember export_reward!(reward);\nfn reward() -> &'static str { \"export_reward!(x)\" }\n```\n";
        assert_eq!(extract_program(answer).unwrap_err(), ExtractError::NoExport);
    }

    #[test]
    fn unfenced_rust_is_taken_without_the_prose() {
        let answer = format!("Here you go:\n\n{PROGRAM}\nThis should balance the pole.\n");
        assert_eq!(extract_program(&answer).unwrap(), PROGRAM);
        assert_eq!(extract_program(PROGRAM).unwrap(), PROGRAM);
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end() {
        let answer = format!("```rust\n{PROGRAM}");
        assert_eq!(extract_program(&answer).unwrap(), PROGRAM);
    }

    #[test]
    fn a_block_labelled_otherwise_counts_only_when_it_exports() {
        let answer = format!("```python\n{PROGRAM}```\n");
        assert_eq!(extract_program(&answer).unwrap(), PROGRAM);
        assert_eq!(extract_program("```python\nprint(1)\n```\n").unwrap_err(), ExtractError::NoCode);
    }

    #[test]
    fn no_code_and_no_export_are_classified_with_feedback() {
        let e = extract_program("I think the pole should stay upright.").unwrap_err();
        assert_eq!(e.kind(), "no_code");
        assert!(e.to_string().contains("export_reward!(reward);") && e.to_string().contains("```rust"));
        assert_eq!(extract_program("").unwrap_err(), ExtractError::NoCode);
        assert_eq!(extract_program("```rust\n```").unwrap_err(), ExtractError::NoCode);
        let e = extract_program("```rust\nfn reward() -> f32 { 1.0 }\n```").unwrap_err();
        assert_eq!(e.kind(), "no_export");
        assert_eq!(extract_program("fn reward() -> f32 { 1.0 }").unwrap_err().kind(), "no_export");
    }

    #[test]
    fn tokenizer_skips_literals_and_finds_definitions() {
        let toks =
            tokens("const fn f() {} static mut S: u8 = b'\"'; let s = r#\"fn hidden\"#; macro_rules! m {} '\\''");
        let defs = definitions(&toks);
        assert_eq!(defs, BTreeSet::from(["f".to_owned(), "S".to_owned(), "m".to_owned()]));
    }
}
