//! Text from guests and LLMs made safe to print on a terminal.
//!
//! Panic messages, term names, env ids, LLM answers and compiler diagnostics can carry raw
//! escape sequences: an OSC 52 sequence writes the user's clipboard, `\r` or an erase-line
//! sequence hides the line before it, and bidi overrides show code in another order than
//! it runs. [`for_terminal`] makes every such character visible as an escape (`\u{1b}`).
//! Only terminal output goes through it: JSON output escapes controls itself, the run store
//! keeps the raw text, and the web playground escapes HTML.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with C0 and C1 control characters (except `\n` and `\t`), DEL, and bidi and
/// invisible format characters replaced by visible escapes such as `\u{1b}`; borrowed
/// unchanged when there is none.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal could act on `c` instead of showing it, or show text in another order.
fn needs_escape(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals).
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        // Arabic letter mark; zero-width space, joiners and LRM/RLM; line and paragraph
        // separators; LRE/RLE/PDF/LRO/RLO; word joiner, invisible operators, LRI/RLI/
        // FSI/PDI and the deprecated shaping controls; the byte-order mark used as a zero-width no-break space.
        '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        let s = "reward.rs:3:5: index out of bounds\n\tnote: é ✓ 中文";
        assert!(matches!(for_terminal(s), Cow::Borrowed(b) if b == s));
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(for_terminal("a\x1b]52;c;aGk=\x07b"), "a\\u{1b}]52;c;aGk=\\u{7}b");
        assert_eq!(for_terminal("secret\r\x1b[2Kshown"), "secret\\u{d}\\u{1b}[2Kshown");
        assert_eq!(for_terminal("\0\x7f\u{85}\u{9b}"), "\\u{0}\\u{7f}\\u{85}\\u{9b}");
    }

    #[test]
    fn bidi_and_invisible_characters_become_visible() {
        assert_eq!(for_terminal("x\u{202e}cba\u{202c}y"), "x\\u{202e}cba\\u{202c}y");
        for c in
            ['\u{61c}', '\u{200b}', '\u{200f}', '\u{2028}', '\u{202a}', '\u{2066}', '\u{2069}', '\u{206f}', '\u{feff}']
        {
            assert_eq!(for_terminal(&c.to_string()), format!("\\u{{{:x}}}", c as u32), "{:x}", c as u32);
        }
        // Neighbours of the ranges stay as they are.
        for c in ['\u{a0}', '\u{2010}', '\u{202f}', '\u{2070}', '\u{fefe}'] {
            assert_eq!(for_terminal(&c.to_string()), c.to_string(), "{:x}", c as u32);
        }
    }
}
