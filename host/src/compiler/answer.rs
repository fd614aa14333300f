//! The reward program in an LLM answer. Answers come as prose around fenced blocks, sometimes
//! with helper functions or constants in blocks of their own before (or after) the one that
//! ends in `export_reward!`; Eureka kept only the reward block and lost the helpers, so the
//! candidate failed to compile for nothing. Here the block with `export_reward!` (the last one,
//! when an answer shows an old and a new version) is joined with every other Rust block that
//! defines an item it uses (transitively), in the answer's order, duplicate `use` lines dropped.
//! An answer without fences that reads as Rust with `export_reward!` is taken as is (prose
//! before and after trimmed). Anything else is a typed error whose text is feedback for the LLM.
//!
//! `evolve` takes every LLM answer through [`extract_program`]; `check` and the playground
//! editor take a markdown answer (or pasted text with fences, [`is_answer`]) through
//! [`extract`], whose [`Extracted`] also says which blocks and lines the program came from.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What to ask for instead, appended to every error message.
const ASK: &str = "answer with one ```rust block containing the whole program, ending with export_reward!(reward);";

/// Why no program came out of an answer. The messages are written to be sent back to the LLM;
/// [`ExtractError::advice`] says the same to a person.
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

    /// What went wrong and what to change, for a person who handed in an answer (`check`,
    /// the editor) rather than for the LLM that wrote it.
    pub fn advice(&self) -> &'static str {
        match self {
            ExtractError::NoCode => {
                "no reward program found in the answer (prose and blocks in other languages are ignored); \
                 put the whole program in a ```rust fenced block ending with export_reward!(reward);"
            }
            ExtractError::NoExport => {
                "the answer's Rust code never calls export_reward!, so no reward function is exported; \
                 end the program's ```rust block with export_reward!(reward);"
            }
        }
    }
}

/// A program taken out of an answer, and where in the answer it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// The whole reward program, ending with a newline (what [`extract_program`] returns).
    pub program: String,
    /// Fenced blocks in the answer (0 for an answer without fences).
    pub blocks_total: usize,
    /// The fenced blocks joined into the program, numbered from 1 in the answer's order
    /// (empty for an answer without fences).
    pub blocks_used: Vec<usize>,
    /// The answer's lines the program came from, 1-based and inclusive, blank lines at the
    /// ends left out: one range per block used, or the one span of an answer without fences.
    pub lines: Vec<(usize, usize)>,
    /// Whether text outside the fenced blocks (or around an unfenced program) was dropped.
    pub prose_dropped: bool,
    /// `use` lines dropped because an earlier block of the program had them already.
    pub duplicate_imports: usize,
}

impl Extracted {
    /// One line on what was taken, e.g. "fenced blocks 2 and 3 of 3 (lines 5–20, 24–41),
    /// prose dropped" or "lines 3–12 of an answer without fences, prose dropped".
    pub fn description(&self) -> String {
        let ranges = self
            .lines
            .iter()
            .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") })
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = if self.blocks_total == 0 {
            format!("lines {ranges} of an answer without fences")
        } else {
            let numbers: Vec<String> = self.blocks_used.iter().map(usize::to_string).collect();
            let which = match numbers.as_slice() {
                [] => String::new(),
                [one] => format!("block {one}"),
                [init @ .., last] => format!("blocks {} and {last}", init.join(", ")),
            };
            let several = self.lines.len() > 1 || self.lines.iter().any(|(a, b)| a != b);
            let plural = if several { "lines" } else { "line" };
            format!("fenced {which} of {} ({plural} {ranges})", self.blocks_total)
        };
        if self.prose_dropped {
            out.push_str(", prose dropped");
        }
        if self.duplicate_imports > 0 {
            let s = if self.duplicate_imports == 1 { "" } else { "s" };
            let _ = write!(out, ", {} duplicate `use` line{s} dropped", self.duplicate_imports);
        }
        out
    }
}

impl serde::Serialize for Extracted {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            description: String,
            blocks_total: usize,
            blocks_used: &'a [usize],
            lines: &'a [(usize, usize)],
            prose_dropped: bool,
            duplicate_imports: usize,
            program: &'a str,
        }
        View {
            description: self.description(),
            blocks_total: self.blocks_total,
            blocks_used: &self.blocks_used,
            lines: &self.lines,
            prose_dropped: self.prose_dropped,
            duplicate_imports: self.duplicate_imports,
            program: &self.program,
        }
        .serialize(s)
    }
}

/// Whether `text` is an answer rather than a bare program: it has a fence line (three or
/// more backticks or tildes starting a line). What `check` asks of a `.rs` file and the
/// editor of its text before extracting.
pub fn is_answer(text: &str) -> bool {
    scan(text).fenced
}

/// One fenced block.
#[derive(Debug)]
struct Block {
    /// Labelled rust/rs or unlabelled.
    rust: bool,
    text: String,
    /// The body's first and last non-blank line in the answer, 1-based (`None`: all blank).
    lines: Option<(usize, usize)>,
}

/// The fenced blocks of an answer.
#[derive(Debug)]
struct Scan {
    blocks: Vec<Block>,
    /// Whether there was any fence line.
    fenced: bool,
    /// Whether any non-blank line lies outside every block.
    prose: bool,
}

/// The whole reward program in `text`, ending with a newline.
pub fn extract_program(text: &str) -> Result<String, ExtractError> {
    extract(text).map(|e| e.program)
}

/// The whole reward program in `text` (as [`extract_program`]) and where it came from.
pub fn extract(text: &str) -> Result<Extracted, ExtractError> {
    let Scan { blocks, fenced, prose } = scan(text);
    let exporting: Vec<usize> = (0..blocks.len()).filter(|&i| exports(&blocks[i].text)).collect();
    if let Some(&main) = exporting.last() {
        let (program, used, duplicate_imports) = assemble(&blocks, main);
        return Ok(Extracted {
            program,
            blocks_total: blocks.len(),
            blocks_used: used.iter().map(|i| i + 1).collect(),
            lines: used.iter().filter_map(|&i| blocks[i].lines).collect(),
            prose_dropped: prose,
            duplicate_imports,
        });
    }
    if !fenced && exports(text) {
        let (program, span, prose_dropped) = unfenced(text);
        return Ok(Extracted {
            program,
            blocks_total: 0,
            blocks_used: Vec::new(),
            lines: span.into_iter().collect(),
            prose_dropped,
            duplicate_imports: 0,
        });
    }
    if blocks.iter().any(|b| b.rust && !b.text.trim().is_empty()) || (!fenced && looks_like_rust(text)) {
        return Err(ExtractError::NoExport);
    }
    Err(ExtractError::NoCode)
}

/// The fenced blocks (``` or ~~~, three or more), whether there was any fence line and any
/// prose. An unclosed block (a truncated answer) runs to the end.
fn scan(text: &str) -> Scan {
    // The first and last non-blank line of a body starting at 1-based line `first`.
    let span = |first: usize, body: &[&str]| {
        let a = body.iter().position(|l| !l.trim().is_empty())?;
        let b = body.iter().rposition(|l| !l.trim().is_empty())?;
        Some((first + a, first + b))
    };
    let mut blocks = Vec::new();
    let mut fenced = false;
    let mut prose = false;
    // Fence character and length, rust, first body line (1-based), body.
    let mut open: Option<(char, usize, bool, usize, Vec<&str>)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        match &mut open {
            Some((c, n, _, _, body)) => {
                let closes = t.len() >= *n && t.chars().all(|x| x == *c);
                if closes {
                    let (_, _, rust, first, body) = open.take().expect("open block");
                    blocks.push(Block { rust, text: body.join("\n"), lines: span(first, &body) });
                } else {
                    body.push(line);
                }
            }
            None => {
                let fence = t.chars().next().filter(|c| *c == '`' || *c == '~').and_then(|c| {
                    let n = t.chars().take_while(|x| *x == c).count();
                    let info = &t[n..];
                    (n >= 3 && !(c == '`' && info.contains('`'))).then_some((c, n, info))
                });
                let Some((c, n, info)) = fence else {
                    prose |= !t.is_empty();
                    continue;
                };
                fenced = true;
                let lang = info.trim().split([' ', ',', '{', '\t']).next().unwrap_or("").to_ascii_lowercase();
                let rust = lang.is_empty() || lang == "rs" || lang.starts_with("rust");
                open = Some((c, n, rust, i + 2, Vec::new()));
            }
        }
    }
    if let Some((_, _, rust, first, body)) = open {
        blocks.push(Block { rust, text: body.join("\n"), lines: span(first, &body) });
    }
    Scan { blocks, fenced, prose }
}

/// The main block plus the Rust blocks defining what it (transitively) uses; the indices of
/// the blocks that went in, and how many duplicate `use` lines were dropped.
fn assemble(blocks: &[Block], main: usize) -> (String, Vec<usize>, usize) {
    let main_tokens = tokens(&blocks[main].text);
    let mut defined = definitions(&main_tokens);
    let mut needed: BTreeSet<String> = idents(&main_tokens).into_iter().filter(|i| !defined.contains(i)).collect();
    let mut chosen = BTreeSet::from([main]);
    // Each candidate helper block's definitions and identifiers, worked out once.
    let helpers: Vec<Option<(BTreeSet<String>, BTreeSet<String>)>> = blocks
        .iter()
        .map(|b| {
            if !b.rust || exports(&b.text) {
                return None;
            }
            let toks = tokens(&b.text);
            Some((definitions(&toks), idents(&toks)))
        })
        .collect();
    loop {
        let mut grew = false;
        for (i, h) in helpers.iter().enumerate() {
            let Some((defs, ids)) = h else { continue };
            if chosen.contains(&i) {
                continue;
            }
            if defs.iter().any(|d| needed.contains(d)) {
                chosen.insert(i);
                defined.extend(defs.iter().cloned());
                needed.extend(ids.iter().filter(|x| !defs.contains(*x)).cloned());
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
    let mut used = Vec::new();
    let mut duplicates = 0;
    for &i in &chosen {
        let part: Vec<&str> = blocks[i]
            .text
            .lines()
            .filter(|l| {
                let keep = !is_use(l.trim()) || seen_uses.insert(l.trim().to_owned());
                duplicates += usize::from(!keep);
                keep
            })
            .collect();
        let part = part.join("\n");
        if part.trim().is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(part.trim_matches('\n').trim_end());
        used.push(i);
    }
    out.push('\n');
    (out, used, duplicates)
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

/// An unfenced answer: from the first line that starts Rust to the last `export_reward!` line;
/// the span's first and last non-blank line (1-based), and whether prose lay outside it.
fn unfenced(text: &str) -> (String, Option<(usize, usize)>, bool) {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| starts_rust(l.trim_start())).unwrap_or(0);
    let last = lines.iter().rposition(|l| exports(l)).unwrap_or(lines.len().saturating_sub(1)).max(first);
    let mut out = lines[first..=last].join("\n").trim().to_owned();
    out.push('\n');
    let blank = |l: &&str| l.trim().is_empty();
    let span = lines[first..=last]
        .iter()
        .position(|l| !blank(l))
        .zip(lines[first..=last].iter().rposition(|l| !blank(l)))
        .map(|(a, b)| (first + a + 1, first + b + 1));
    let prose = lines[..first].iter().chain(&lines[last + 1..]).any(|l| !blank(l));
    (out, span, prose)
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
    fn says_which_blocks_and_lines_it_took() {
        // Lines: 1 prose, 2 blank, 3 fence, 4-5 helper, 6 fence, 7 prose, 8 fence, 9 python,
        // 10 fence, 11 prose, 12 fence, 13.. the reward block.
        let answer = format!(
            "Helpers first:\n\n```rust\nconst K: f32 = 2.0;\nfn kernel(x: f32) -> f32 {{ x * K }}\n```\nNot used:\n```python\nprint(1)\n```\nThe reward:\n```rust\n{}```\nDone.\n",
            PROGRAM.replace("cos(next.pole_angle)", "kernel(next.pole_angle)")
        );
        let e = extract(&answer).unwrap();
        assert_eq!(e.program, extract_program(&answer).unwrap());
        assert_eq!((e.blocks_total, e.blocks_used.clone()), (3, vec![1, 3]));
        let reward_lines = PROGRAM.lines().count();
        assert_eq!(e.lines, vec![(4, 5), (13, 12 + reward_lines)]);
        assert!(e.prose_dropped);
        assert_eq!(e.duplicate_imports, 0);
        assert_eq!(
            e.description(),
            format!("fenced blocks 1 and 3 of 3 (lines 4–5, 13–{}), prose dropped", 12 + reward_lines)
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["description"], e.description());
        assert_eq!(v["blocks_used"], serde_json::json!([1, 3]));
        assert_eq!(v["lines"], serde_json::json!([[4, 5], [13, 12 + reward_lines]]));
        assert_eq!(v["program"], e.program);
    }

    #[test]
    fn describes_a_lone_block_an_unfenced_answer_and_dropped_imports() {
        let bare = format!("```rust\n{PROGRAM}```\n");
        let e = extract(&bare).unwrap();
        let n = PROGRAM.lines().count();
        assert_eq!(e.description(), format!("fenced block 1 of 1 (lines 2–{})", n + 1));
        assert!(!e.prose_dropped);

        let one_line = "```rust\nfn reward(_s: &State, _a: &Action, _n: &State, _t: &mut Terms) -> f32 { 1.0 } export_reward!(reward);\n```";
        assert_eq!(extract(one_line).unwrap().description(), "fenced block 1 of 1 (line 2)");

        let unfenced = format!("Here you go:\n\n{PROGRAM}\nThis should balance the pole.\n");
        let e = extract(&unfenced).unwrap();
        assert_eq!((e.blocks_total, e.blocks_used.len()), (0, 0));
        assert_eq!(e.description(), format!("lines 3–{} of an answer without fences, prose dropped", n + 2));
        assert_eq!(extract(PROGRAM).unwrap().description(), format!("lines 1–{n} of an answer without fences"));

        let dup = "```rust\nuse rewardsmith_guest::prelude::*;\nconst K: f32 = 1.0;\n```\n```rust\nuse rewardsmith_guest::prelude::*;\nfn reward(_s: &State, _a: &Action, n: &State, t: &mut Terms) -> f32 { K }\nexport_reward!(reward);\n```\n";
        assert_eq!(
            extract(dup).unwrap().description(),
            "fenced blocks 1 and 2 of 2 (lines 2–3, 6–8), 1 duplicate `use` line dropped"
        );
    }

    #[test]
    fn an_answer_is_text_with_a_fence_line() {
        assert!(is_answer(&format!("x\n```rust\n{PROGRAM}```\n")));
        assert!(is_answer("~~~\nfn f() {}\n~~~"));
        assert!(!is_answer(PROGRAM));
        // Doc-comment examples and inline code are no fences.
        assert!(!is_answer("/// ```\n/// let x = 1;\n/// ```\nfn f() {}\n"));
        assert!(!is_answer("```inline``` code\n"));
    }

    #[test]
    fn advice_names_the_fix() {
        assert!(ExtractError::NoCode.advice().contains("```rust fenced block"));
        assert!(ExtractError::NoExport.advice().contains("export_reward!(reward);"));
    }

    #[test]
    fn tokenizer_skips_literals_and_finds_definitions() {
        let toks =
            tokens("const fn f() {} static mut S: u8 = b'\"'; let s = r#\"fn hidden\"#; macro_rules! m {} '\\''");
        let defs = definitions(&toks);
        assert_eq!(defs, BTreeSet::from(["f".to_owned(), "S".to_owned(), "m".to_owned()]));
    }
}
