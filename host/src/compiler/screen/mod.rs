//! Screens reward sources before rustc sees them: parse, then allow.
//!
//! Built-in macros and attributes read host files and environment variables at compile
//! time (`include_str!("/etc/passwd")`, `env!("HOME")`, `#[path = ...] mod`), and
//! linker-facing attributes reach rust-lld (`#[link(name = "@file")]`). A list of forbidden
//! spellings lost to the first `macro_rules!` that assembled one, so the screen now allows
//! instead of forbidding:
//!
//! 1. [`prescan`] bounds size and bracket depth in one iterative pass;
//! 2. the source is parsed with `syn` on a thread whose stack holds the deepest tree the
//!    prescan lets through (no input can overflow a stack or panic the caller);
//! 3. [`allow`] walks the tree and refuses every item, attribute and macro not on its
//!    lists, with the line, what was refused and what to write instead (these texts go
//!    back to LLMs).
//!
//! The OS sandbox around rustc (`isolation.rs`) is the second, independent layer.

mod allow;
mod prescan;

pub use prescan::{MAX_BYTES, MAX_DEPTH, MAX_NESTING};

/// Why a source was refused: where, what, and what to do instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line in the submitted file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The construct, e.g. "macro `include_str!`".
    pub what: String,
    /// Why it is refused and what to do instead.
    pub why: String,
}

/// Stack of the thread that parses, walks and drops a source. The prescan bounds the depth
/// of any path to [`MAX_NESTING`] levels; the deepest-costing construct measured (`B<B<…>>`,
/// ~64 KiB a level in a debug build, ~8 KiB in release) needs 16 MiB at that depth, so this
/// leaves a 16× margin. Reserved, not committed: ordinary sources touch a few pages.
const PARSE_STACK: usize = 256 << 20;

/// Checks `source`; returns the first refusal, if any.
pub fn screen(source: &str) -> Result<(), Refusal> {
    prescan::prescan(source)?;
    let owned = source.to_owned();
    let parsed = std::thread::Builder::new()
        .name("rewardsmith-screen".into())
        .stack_size(PARSE_STACK)
        .spawn(move || parse_and_allow(&owned))
        .map_err(|e| internal(format!("cannot start the screen's thread: {e}")))?;
    parsed.join().unwrap_or_else(|_| Err(internal("the screen failed on this source".into())))
}

fn parse_and_allow(source: &str) -> Result<(), Refusal> {
    let file = syn::parse_file(source).map_err(|e| {
        let start = e.span().start();
        Refusal {
            line: start.line.max(1),
            column: start.column + 1,
            what: "source that does not parse as Rust".into(),
            why: format!("{e}; send one complete Rust file (no markdown, no prose)"),
        }
    })?;
    allow::check(&file)
}

/// Fail closed: anything the screen cannot finish is refused.
fn internal(why: String) -> Refusal {
    Refusal { line: 1, column: 1, what: "this source".into(), why }
}

#[cfg(test)]
mod tests;
