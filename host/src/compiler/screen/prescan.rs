//! A bounded, iterative first pass over the raw source: size and nesting are checked here,
//! before anything recursive (syn's parser, the allow-list walk, dropping the tree) sees
//! the text. 40 KB of `(` once overflowed the screen's stack and took `serve` and `evolve`
//! down with it.
//!
//! Nesting is not only brackets: syn also recurses once per prefix operator (`!!!!x`),
//! generic argument (`B<B<B<u8>>>`), right-associative assignment, `else if`, closure,
//! `return`, `->` and so on. So the pass keeps a *nesting budget* along the current path:
//! every bracket and every token that can open such a level counts, and the count falls
//! back only where Rust ends an expression (`;`, a `,` outside generics and closure
//! parameters, the close of the enclosing bracket, an item after a `}`). The count is an
//! over-estimate of syn's depth, so bounding it bounds the parse; the parse then runs on a
//! thread with room for that depth (`PARSE_STACK`). Comments, strings and char literals
//! are skipped.

use super::Refusal;

/// Largest source the screen reads, bytes (the compiler's own limit, `SOURCE_MAX`).
pub const MAX_BYTES: usize = crate::compiler::SOURCE_MAX;

/// Deepest nesting of `(`, `[` and `{` accepted. Reward programs need a handful of levels.
pub const MAX_DEPTH: usize = 64;

/// Largest nesting budget along one path (brackets plus operators and keywords that open a
/// sub-expression, type or pattern; see the module docs). A long reward statement spends
/// a few dozen.
pub const MAX_NESTING: usize = 256;

/// Punctuation, longest first (so `<=` is not read as `<`), with the nesting each can open
/// in syn's parser: prefix operators, generics, right-associative assignment, ranges,
/// closures, `->`, `=>`, `@` bindings and attributes.
const PUNCT: &[(&str, usize)] = &[
    ("<<=", 1),
    (">>=", 1),
    ("...", 1),
    ("..=", 1),
    ("<<", 2),
    ("&&", 2),
    ("||", 1),
    ("&=", 1),
    ("*=", 1),
    ("-=", 1),
    ("|=", 1),
    ("+=", 1),
    ("/=", 1),
    ("%=", 1),
    ("^=", 1),
    ("..", 1),
    ("->", 1),
    ("=>", 1),
    ("::", 0),
    ("==", 0),
    ("!=", 0),
    ("<=", 0),
    (">=", 0),
    (">>", 0),
    ("<", 1),
    ("&", 1),
    ("*", 1),
    ("!", 1),
    ("-", 1),
    ("|", 1),
    ("=", 1),
    ("@", 1),
    ("#", 1),
    ("+", 0),
    ("/", 0),
    ("%", 0),
    ("^", 0),
    (">", 0),
    (".", 0),
    (",", 0),
    (";", 0),
    (":", 0),
    ("?", 0),
    ("$", 0),
    ("~", 0),
];

/// Keywords that can open a nesting level (a prefix expression, a type or a chain).
const OPENING_KEYWORDS: &[&str] = &[
    "return", "break", "yield", "become", "else", "move", "async", "static", "dyn", "impl", "for", "if", "let",
    "while", "match", "box", "const", "unsafe", "ref", "as", "where", "in", "try", "do",
];

/// Keywords that only start an item or a statement: after a `}` they mean the previous
/// one is over, so the nesting count falls back.
const ITEM_KEYWORDS: &[&str] =
    &["fn", "pub", "struct", "enum", "impl", "trait", "mod", "use", "type", "extern", "let", "const", "static"];

/// The nesting state of one bracket level.
#[derive(Clone, Copy, Default)]
struct Level {
    /// Nesting count (brackets and openers) along the path, including this level's tokens.
    count: usize,
    /// The count where this level's statements start.
    base: usize,
    /// Unclosed `<` in the current statement: a `,` inside generics does not end anything.
    angles: isize,
    /// `|` seen in the current statement: odd inside a closure's parameter list.
    pipes: usize,
}

/// Checks size and nesting without recursion.
pub fn prescan(source: &str) -> Result<(), Refusal> {
    if source.len() > MAX_BYTES {
        return Err(Refusal {
            line: 1,
            column: 1,
            what: format!("a {} byte source", source.len()),
            why: format!("the limit is {MAX_BYTES} bytes; a reward is one short file"),
        });
    }
    if let Some(r) = shebang(source) {
        return Err(r);
    }
    let b = source.as_bytes();
    let mut stack: Vec<Level> = Vec::new();
    let mut cur = Level::default();
    let mut after_close_brace = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let at = i;
        let mut close_brace = false;
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = skip_line(b, i);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i);
                continue;
            }
            c if c.is_ascii_whitespace() || !c.is_ascii() => {
                i += 1;
                continue;
            }
            b'"' => i = skip_string(b, i + 1),
            b'r' if is_raw_string_start(b, i) => i = skip_raw_string(b, i + 1),
            b'b' | b'c' if b.get(i + 1) == Some(&b'r') && is_raw_string_start(b, i + 1) => {
                i = skip_raw_string(b, i + 2)
            }
            b'\'' => i = skip_char_or_lifetime(b, i),
            b'(' | b'[' | b'{' => {
                if stack.len() == MAX_DEPTH {
                    return Err(too_deep(source, at, format!("nesting deeper than {MAX_DEPTH} brackets")));
                }
                stack.push(cur);
                cur.count += 1;
                cur = Level { count: cur.count, base: cur.count, angles: 0, pipes: 0 };
                i += 1;
            }
            b')' | b']' | b'}' => {
                cur = stack.pop().unwrap_or_default();
                close_brace = c == b'}';
                i += 1;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let end = i + b[i..].iter().take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_').count();
                let word = &source[i..end];
                if after_close_brace && ITEM_KEYWORDS.contains(&word) {
                    cur.restart();
                }
                if OPENING_KEYWORDS.contains(&word) {
                    cur.count += 1;
                }
                i = end;
            }
            c if c.is_ascii_digit() => {
                // Digits, letters and `_`; a `.` only when a digit follows (`1.5`, not `1..2`).
                let mut j = i + 1;
                while j < b.len()
                    && (b[j].is_ascii_alphanumeric()
                        || b[j] == b'_'
                        || (b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
                {
                    j += 1;
                }
                i = j;
            }
            _ => {
                let rest = &source[i..];
                let Some(&(p, cost)) = PUNCT.iter().find(|(p, _)| rest.starts_with(p)) else {
                    i += 1;
                    continue;
                };
                if p == "#" && after_close_brace {
                    cur.restart();
                }
                cur.count += cost;
                match p {
                    "<" => cur.angles += 1,
                    "<<" => cur.angles += 2,
                    ">" => cur.angles -= 1,
                    ">>" => cur.angles -= 2,
                    "|" => cur.pipes += 1,
                    // A match arm's body: no generics or closure parameters span it.
                    "=>" => (cur.angles, cur.pipes) = (0, 0),
                    ";" => cur.restart(),
                    "," if cur.angles <= 0 && cur.pipes % 2 == 0 => cur.restart(),
                    _ => {}
                }
                i += p.len();
            }
        }
        after_close_brace = close_brace;
        if cur.count > MAX_NESTING {
            return Err(too_deep(source, at, format!("nesting deeper than {MAX_NESTING} levels")));
        }
    }
    Ok(())
}

/// `syn::parse_file` drops a first line that starts `#!` but not `#![` (after a BOM,
/// whitespace and non-doc comments), so this pass would scan text the parser never sees the
/// same way — `#!x "` opened a string here and hid every bracket after it, and `#!/*!` (a
/// doc comment, which syn does not skip there) hid a block of them (both found by fuzzing).
/// A reward is not a script: a `#!` not followed by `[` after plain whitespace is refused,
/// comments included, so this pass and the parser cannot disagree about line 1.
fn shebang(source: &str) -> Option<Refusal> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let rest = text.strip_prefix("#!")?;
    if rest.trim_start_matches(|c: char| c.is_ascii_whitespace()).starts_with('[') {
        return None;
    }
    Some(Refusal {
        line: 1,
        column: 1,
        what: "a `#!` line".into(),
        why: "a reward is not a script; remove the first line (inner attributes are written `#![...]`)".into(),
    })
}

impl Level {
    /// A new statement or list element starts at this level's base.
    fn restart(&mut self) {
        *self = Level { count: self.base, base: self.base, angles: 0, pipes: 0 };
    }
}

fn too_deep(source: &str, at: usize, what: String) -> Refusal {
    let (line, column) = position(source, at);
    Refusal {
        line,
        column,
        what,
        why: "split deeply nested expressions, types or `else if` chains into `let` bindings, type aliases or \
              helper functions"
            .into(),
    }
}

fn skip_line(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |n| i + n + 1)
}

/// Block comments nest in Rust; an unterminated one runs to the end (the parser refuses it).
fn skip_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut level = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
            if level == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// From just after an opening `"` to just after the closing one (byte strings too: the `b`
/// before the quote is an ordinary byte).
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// `r"…"` or `r#"…"#` at a token start (`r#ident` is a raw identifier, not a string).
fn is_raw_string_start(b: &[u8], i: usize) -> bool {
    let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
    b.get(i + 1 + hashes) == Some(&b'"')
}

/// From just after `r` to just after the closing quote and hashes.
fn skip_raw_string(b: &[u8], i: usize) -> usize {
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    let mut j = i + hashes + 1;
    while j < b.len() {
        if b[j] == b'"' && b[j + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
            return j + 1 + hashes;
        }
        j += 1;
    }
    j
}

/// `'x'`, `'\n'`, `'\u{..}'` are skipped whole; a lifetime `'a` only by its quote.
fn skip_char_or_lifetime(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        // An escaped char literal: up to the next quote (bounded: escapes are short).
        return b[i + 2..].iter().take(12).position(|&c| c == b'\'').map_or(i + 1, |n| i + 2 + n + 1);
    }
    // One (possibly multi-byte) character followed by a quote is a char literal.
    let len = b.get(i + 1).map_or(1, |&c| utf8_len(c));
    if b.get(i + 1 + len) == Some(&b'\'') { i + 2 + len } else { i + 1 }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// 1-based line and column (in characters) of byte `at`.
fn position(source: &str, at: usize) -> (usize, usize) {
    let before = &source[..at];
    let line = before.bytes().filter(|&c| c == b'\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_at(src: &str) -> Option<(usize, usize)> {
        prescan(src).err().map(|r| (r.line, r.column))
    }

    #[test]
    fn refuses_bracket_nesting_past_the_limit_at_the_bracket() {
        let ok = format!("fn f() {{ {}1{} }}", "(".repeat(MAX_DEPTH - 1), ")".repeat(MAX_DEPTH - 1));
        assert_eq!(refused_at(&ok), None);
        let deep = format!("fn f() {{\n{}", "(".repeat(MAX_DEPTH));
        assert_eq!(refused_at(&deep), Some((2, MAX_DEPTH)));
        assert!(prescan(&deep).unwrap_err().what.contains("brackets"));
    }

    #[test]
    fn refuses_unbracketed_nesting_past_the_budget() {
        for (open, close) in [("!", ""), ("-", ""), ("B<", ">"), ("&", ""), ("return ", ""), ("|a| ", ""), ("x = ", "")]
        {
            let deep = format!("fn f() {{ {}x{} }}", open.repeat(MAX_NESTING), close.repeat(MAX_NESTING));
            let r = prescan(&deep).expect_err(open);
            assert!(r.what.contains("levels"), "{open}: {}", r.what);
            let ok = format!("fn f() {{ {}x{} }}", open.repeat(MAX_NESTING / 2 - 4), close.repeat(MAX_NESTING / 2 - 4));
            assert_eq!(refused_at(&ok), None, "{open}");
        }
        let chain = format!("fn f(a: bool) {{ {}{{}} }}", "if a {} else ".repeat(MAX_NESTING));
        assert!(prescan(&chain).is_err());
        let assign = format!("fn f() {{ {}{{}}; }}", "a = {} ".repeat(MAX_NESTING));
        assert!(prescan(&assign).is_err());
    }

    #[test]
    fn long_flat_code_spends_no_budget() {
        // Statements, list elements, match arms and items each start again at their level.
        let stmts = "let x = -a * !b - (c << 2) + d[0];\n".repeat(MAX_NESTING * 2);
        let list = format!("const W: [f32; 3] = [{}];", "-0.5, ".repeat(MAX_NESTING * 2));
        let arms =
            format!("fn f(x: u8) -> f32 {{ match x {{ {} _ => -1.0 }} }}", "1 if a < b => -1.0, ".repeat(MAX_NESTING));
        let items = "#[inline] fn g(x: &f32) -> f32 { -*x }\nimpl A for B { fn h(&self) -> Vec<u8> { vec![] } }\n"
            .repeat(MAX_NESTING);
        for src in [format!("fn f() {{ {stmts} }}"), list, arms, items] {
            assert_eq!(refused_at(&src), None, "{}", &src[..80]);
        }
    }

    #[test]
    fn brackets_in_comments_strings_and_chars_do_not_count() {
        let many = "(".repeat(MAX_DEPTH * 2);
        for src in [
            format!("// {many}\nfn f() {{}}"),
            format!("/* /* {many} */ {many} */ fn f() {{}}"),
            format!("const S: &str = \"{many}\\\" {many}\";"),
            format!("const S: &str = r#\"{many}\"#;"),
            format!("const S: &[u8] = br\"{many}\";"),
            "fn f<'a>(x: &'a u8) -> [char; 1] { ['(' ; 1] }\n".repeat(MAX_DEPTH * 2),
            format!("const C: char = '\\u{{28}}'; const D: char = 'é'; {}", "fn g() {}".repeat(4)),
        ] {
            assert_eq!(refused_at(&src), None, "{src}");
        }
    }

    #[test]
    fn a_shebang_line_cannot_hide_what_follows() {
        // Found by fuzzing: syn drops this line, the scan read its `"` as an open string.
        let bypass = format!("#!x \"*;\nfn f() {{ {} }}", "(".repeat(40_000));
        assert_eq!(prescan(&bypass).unwrap_err().what, "a `#!` line");
        assert!(prescan("\u{feff}#!/usr/bin/env x\nfn f() {}").is_err());
        // syn does not skip a doc comment there, and drops the line: so is a block after it.
        let doc = format!("#!/*!\n{}\n*/[\nfn f() {{}}", "(".repeat(40_000));
        assert_eq!(prescan(&doc).unwrap_err().what, "a `#!` line");
        assert!(prescan("#! /* c */ [allow(dead_code)]\nfn f() {}").is_err());
        // An inner attribute is not a shebang, also behind whitespace.
        assert_eq!(refused_at("#![no_std]\nfn f() {}"), None);
        assert_eq!(refused_at("#!\n  [allow(dead_code)]\nfn f() {}"), None);
    }

    #[test]
    fn refuses_oversized_sources() {
        let big = " ".repeat(MAX_BYTES + 1);
        assert!(prescan(&big).unwrap_err().what.contains("byte source"));
    }

    #[test]
    fn raw_identifiers_are_not_raw_strings() {
        let src = format!("fn r#match() {{ let br = 1; let r = br; }} {}", "(".repeat(MAX_DEPTH + 1));
        assert!(refused_at(&src).is_some());
    }
}
