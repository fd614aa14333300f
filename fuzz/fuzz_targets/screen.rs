//! The reward source screen (`compiler::screen::screen`) on arbitrary text: it must return
//! `Ok` or a `Refusal` with a real position, never panic and never overflow the stack.
//!
//! Two input shapes:
//! - plain: the bytes as (lossy) UTF-8 source text;
//! - amplified (first byte 0x00): `[0x00, count_lo, count_hi, prefix, 0x01, open, 0x01,
//!   middle, 0x01, close, 0x01, suffix]` becomes
//!   `prefix + open × count + middle + close × count + suffix`, so a few bytes reach the
//!   nesting depths and sizes (up to the source limit and past it) that plain inputs of
//!   libFuzzer's `-max_len` cannot.
//!
//! A source the screen accepts must nest brackets no deeper than `MAX_DEPTH` as the Rust
//! lexer sees them: the bounded pre-scan has its own idea of comments and literals, and a
//! disagreement would let deep nesting through to the recursive parser.
//!
//! The screen runs on a thread with a 2 MiB stack, the default for threads Rust spawns
//! (tokio's blocking pool, the evolve workers), not on libFuzzer's 8 MiB main stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proc_macro2::{TokenStream, TokenTree};
use rewardsmith::compiler::screen::{MAX_DEPTH, screen};

const STACK: usize = 2 << 20;
/// Largest amplified source: past the compiler's source limit, so the size check is hit.
const AMPLIFIED_MAX: usize = 2 * rewardsmith::compiler::SOURCE_MAX;

fuzz_target!(|data: &[u8]| {
    let source = match data {
        [0, lo, hi, rest @ ..] => amplify(u16::from_le_bytes([*lo, *hi]) as usize, rest),
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let lines = source.lines().count().max(1);
    let checked = source.clone();
    let result = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || screen(&checked))
        .expect("spawn the screen thread")
        .join()
        .expect("the screen panicked (libFuzzer's hook aborts first)");
    if std::env::var_os("SCREEN_PRINT").is_some() {
        eprintln!("screen: {result:?}");
    }
    if let Err(refusal) = result {
        // proc-macro2 stops tracking positions under `cfg(fuzzing)` (every span is line 0),
        // so only the pre-scan's own positions can be checked from below here; the
        // screen's unit tests check the parser's.
        assert!(refusal.column >= 1, "refusal without a column: {refusal:?}");
        // A line past the end would point an LLM at nothing (a trailing newline adds one).
        assert!(refusal.line <= lines + 1, "refusal at line {} of {lines}: {refusal:?}", refusal.line);
        assert!(!refusal.what.is_empty() && !refusal.why.is_empty(), "empty refusal: {refusal:?}");
    } else {
        let depth = bracket_depth(&source);
        assert!(depth <= MAX_DEPTH, "accepted a source nesting {depth} brackets deep (limit {MAX_DEPTH})");
    }
});

/// Deepest group nesting as the parser sees it (proc_macro2's lexer, after the BOM and
/// shebang line that `syn::parse_file` strips), walked without recursion.
fn bracket_depth(source: &str) -> usize {
    let Ok(tokens) = parsed_part(source).parse::<TokenStream>() else { return 0 };
    let mut deepest = 0;
    let mut stack = vec![(tokens, 0usize)];
    while let Some((tokens, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for tree in tokens {
            if let TokenTree::Group(g) = tree {
                stack.push((g.stream(), depth + 1));
            }
        }
    }
    deepest
}

fn amplify(count: usize, rest: &[u8]) -> String {
    let mut parts = rest.splitn(5, |b| *b == 1).map(String::from_utf8_lossy);
    let mut next = || parts.next().unwrap_or_default();
    let (prefix, open, middle, close, suffix) = (next(), next(), next(), next(), next());
    let mut s = prefix.into_owned();
    for piece in [(&open, count), (&middle, 1), (&close, count), (&suffix, 1)] {
        for _ in 0..piece.1 {
            if s.len() + piece.0.len() > AMPLIFIED_MAX {
                break;
            }
            s.push_str(piece.0);
        }
    }
    s
}

/// What `syn::parse_file` lexes: without a BOM, and without a first line starting `#!` that
/// is not an inner attribute (`#![...]`).
fn parsed_part(source: &str) -> &str {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let Some(rest) = source.strip_prefix("#!") else { return source };
    if skip_whitespace_and_comments(rest).starts_with('[') {
        return source;
    }
    source.find('\n').map_or("", |i| &source[i..])
}

/// syn's `whitespace::skip` (syn 2.0.119, `src/whitespace.rs`), ported: whitespace and
/// comments, but not doc comments (`///`, `//!`, `/**`, `/*!`), which end the skip.
fn skip_whitespace_and_comments(mut s: &str) -> &str {
    'skip: while let Some(&byte) = s.as_bytes().first() {
        if byte == b'/' {
            if s.starts_with("//") && (!s.starts_with("///") || s.starts_with("////")) && !s.starts_with("//!") {
                match s.find('\n') {
                    Some(i) => {
                        s = &s[i + 1..];
                        continue;
                    }
                    None => return "",
                }
            } else if s.starts_with("/**/") {
                s = &s[4..];
                continue;
            } else if s.starts_with("/*") && (!s.starts_with("/**") || s.starts_with("/***")) && !s.starts_with("/*!") {
                let (bytes, mut depth, mut i) = (s.as_bytes(), 0, 0);
                while i + 1 < bytes.len() {
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        depth += 1;
                        i += 1;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        depth -= 1;
                        if depth == 0 {
                            s = &s[i + 2..];
                            continue 'skip;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                return s;
            }
        }
        let ch = s.chars().next().expect("not empty");
        if ch.is_whitespace() || ch == '\u{200e}' || ch == '\u{200f}' {
            s = &s[ch.len_utf8()..];
            continue;
        }
        return s;
    }
    s
}
