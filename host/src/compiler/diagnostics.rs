//! Compact compiler diagnostics: the first errors with line numbers in the submitted file,
//! with rustc's notes and help (bounded) and the SDK's own hint where rustc has none, not
//! cargo's noise. These texts go back to people and to LLMs, so each one should say what
//! fixes it: the fields that exist, the helpers that exist, the signature to write.

use std::sync::OnceLock;

use serde::Deserialize;

/// Most notes kept per diagnostic, and most characters of each.
const NOTES_MAX: usize = 3;
const NOTE_CHARS: usize = 300;

/// One compiler error, located in the submitted file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub level: String,
    /// Error code such as `E0425`, if any.
    pub code: Option<String>,
    /// The main message.
    pub message: String,
    /// 1-based line in the submitted file (0 if the error has no location there). An error
    /// inside a macro's expansion (`export_reward!`) is placed at the macro's call.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The primary span's label, if any ("not found in this scope").
    pub label: Option<String>,
    /// rustc's `note:`/`help:` lines, prefixed with their level, and the SDK's `hint:`.
    pub notes: Vec<String>,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}:{}: ", self.line, self.column)?;
        }
        write!(f, "{}", self.level)?;
        if let Some(code) = &self.code {
            write!(f, "[{code}]")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(label) = self.label.as_deref().filter(|l| !l.is_empty()) {
            write!(f, " ({label})")?;
        }
        for note in &self.notes {
            write!(f, "\n    {note}")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "$message_type")]
    message_type: Option<String>,
    message: String,
    code: Option<RawCode>,
    level: String,
    #[serde(default)]
    spans: Vec<RawSpan>,
    #[serde(default)]
    children: Vec<RawChild>,
}

#[derive(Deserialize)]
struct RawCode {
    code: String,
}

#[derive(Deserialize)]
struct RawSpan {
    file_name: String,
    line_start: usize,
    column_start: usize,
    is_primary: bool,
    label: Option<String>,
    expansion: Option<Box<RawExpansion>>,
    suggested_replacement: Option<String>,
}

#[derive(Deserialize)]
struct RawExpansion {
    span: RawSpan,
    macro_decl_name: String,
}

#[derive(Deserialize)]
struct RawChild {
    message: String,
    level: String,
    #[serde(default)]
    spans: Vec<RawSpan>,
}

/// Where a span lands in `file`: itself, or the call of the macro it was expanded from; and
/// the outermost macro it came from.
fn locate<'a>(span: &'a RawSpan, file: &str) -> (Option<&'a RawSpan>, Option<&'a str>) {
    let mut at = span;
    let mut macro_name = None;
    // Expansion chains are as deep as the macros nest (serde_json caps the input's depth).
    loop {
        if at.file_name.ends_with(file) && !at.file_name.starts_with('<') {
            return (Some(at), macro_name);
        }
        match &at.expansion {
            Some(e) => {
                macro_name = Some(e.macro_decl_name.as_str());
                at = &e.span;
            }
            None => return (None, macro_name),
        }
    }
}

/// Parses rustc's `--error-format=json` stream; keeps errors (not warnings or the
/// "aborting due to" summary), located in `file` where possible, one per distinct
/// (code, message, place).
pub fn parse(stderr: &str, file: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let raws = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Raw>(l).ok())
        .filter(|r| r.message_type.as_deref().unwrap_or("diagnostic") == "diagnostic")
        .filter(|r| r.level == "error" && !r.message.starts_with("aborting due to"));
    for r in raws {
        let primary = r.spans.iter().find(|s| s.is_primary);
        let (span, from_macro) = primary.map_or((None, None), |p| locate(p, file));
        let code = r.code.map(|c| c.code);
        let mut notes: Vec<String> = r.children.iter().filter_map(|c| note(c, file)).take(NOTES_MAX).collect();
        if let Some(h) = hint(code.as_deref(), &r.message, from_macro) {
            notes.push(format!("hint: {h}"));
        }
        let d = Diagnostic {
            level: r.level,
            code,
            message: r.message,
            line: span.map_or(0, |s| s.line_start),
            column: span.map_or(0, |s| s.column_start),
            label: span.filter(|_| from_macro.is_none()).and_then(|s| s.label.clone()),
            notes,
        };
        let same = |o: &Diagnostic| o.code == d.code && o.message == d.message && o.line == d.line;
        if !out.iter().any(same) {
            out.push(d);
        }
    }
    out
}

/// A child diagnostic worth keeping: notes and help about the reward, with a suggested
/// replacement if rustc has one; not pointers into the SDK or rustc's housekeeping.
fn note(c: &RawChild, file: &str) -> Option<String> {
    let noise = ["the full name for the type has been written", "consider using `--verbose`", "function defined here"];
    if !matches!(c.level.as_str(), "note" | "help") || noise.iter().any(|n| c.message.starts_with(n)) {
        return None;
    }
    if !c.spans.is_empty() && !c.spans.iter().any(|s| s.file_name.ends_with(file)) {
        return None;
    }
    let mut text: String = c.message.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let suggestion = c.spans.iter().find_map(|s| s.suggested_replacement.as_deref()).filter(|s| !s.is_empty());
    if let Some(s) = suggestion {
        text.push_str(&format!(": `{}`", s.trim()));
    }
    if text.chars().count() > NOTE_CHARS {
        text = text.chars().take(NOTE_CHARS).collect::<String>() + "…";
    }
    Some(format!("{}: {text}", c.level))
}

/// The signature `export_reward!` expects, for errors raised inside its expansion.
const SIGNATURE: &str = "fn reward(s: &State, a: &Action, next: &State, t: &mut Terms) -> f32";

/// The SDK's advice where rustc gives none.
fn hint(code: Option<&str>, message: &str, from_macro: Option<&str>) -> Option<String> {
    if from_macro == Some("export_reward!") && matches!(code, Some("E0308" | "E0271" | "E0631" | "E0593")) {
        return Some(format!("export_reward!(reward) needs `{SIGNATURE}`"));
    }
    if code == Some("E0609") {
        return field_hint(message);
    }
    if code == Some("E0433") && message.contains("`std`") {
        return Some(
            "in a `#![no_std]` reward write `core::` where you wrote `std::` (`core::f32::consts::PI`), or use the \
             prelude's own `PI`, `TAU`, `E`"
                .into(),
        );
    }
    if code == Some("E0277") && (message.contains("`f64` by `f32`") || message.contains("`f32` by `f64`")) {
        return Some("the reward computes in f32: convert with `as f32` (or write f32 literals, `0.5`)".into());
    }
    // Functions only: a misspelt local variable is not a missing helper.
    let name = ["cannot find function `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next())?;
    // Only functions: a type such as `Sigmoid` would invite `Sigmoid(x)`.
    let is_fn = |h: &&str| h.starts_with(|c: char| c.is_ascii_lowercase());
    let near: Vec<&str> = sdk_helpers().iter().map(String::as_str).filter(is_fn).filter(|h| similar(name, h)).collect();
    let all = sdk_helpers().join(", ");
    Some(match near.as_slice() {
        [] => format!("`{name}` is not in the SDK; its helpers (rewardsmith_guest::prelude) are: {all}"),
        _ => format!(
            "did you mean {}? The SDK's helpers (rewardsmith_guest::prelude) are: {all}",
            near.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ")
        ),
    })
}

/// rustc lists only five of a struct's fields; an env's `State` has up to a dozen, so name
/// them all: `no field `x` on type `&rewardsmith_guest::envs::pusher::State``.
fn field_hint(message: &str) -> Option<String> {
    let ty = message.split("on type `").nth(1)?;
    let env = ty.split("envs::").nth(1)?.split("::").next()?;
    let layout = rewardsmith_guest::envs::find(env)?;
    let (fields, which) =
        if ty.contains("::Action") { (layout.action_fields, "Action") } else { (layout.state_fields, "State") };
    let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
    Some(format!("{}'s {which} has exactly these fields: {}", layout.name, names.join(", ")))
}

/// Functions and types the prelude exports, read from the embedded SDK sources.
fn sdk_helpers() -> &'static Vec<String> {
    static HELPERS: OnceLock<Vec<String>> = OnceLock::new();
    HELPERS.get_or_init(|| {
        let math = super::sdk_source("src/math.rs").unwrap_or("");
        let prelude = super::sdk_source("src/prelude.rs").unwrap_or("");
        let mut names: Vec<String> = Vec::new();
        for line in math.lines().map(str::trim) {
            // `name => libmname;` lines of the `unary!` table, and top-level `pub fn name(`.
            if let Some((name, _)) = line.split_once(" => ").filter(|(n, r)| r.ends_with(';') && is_ident(n)) {
                names.push(name.to_owned());
            } else if let Some(rest) = line.strip_prefix("pub fn ") {
                names.extend(rest.split('(').next().filter(|n| is_ident(n)).map(str::to_owned));
            }
        }
        let shaping = prelude.split("shaping::{").nth(1).and_then(|r| r.split('}').next()).unwrap_or("");
        names.extend(shaping.split(',').map(str::trim).filter(|n| is_ident(n)).map(str::to_owned));
        names
    })
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Same name in another case, one inside the other, or at most two edits apart.
fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.contains(&b) && b.len() >= 3 || b.contains(&a) && a.len() >= 3 || edits(&a, &b) <= 2
}

/// Levenshtein distance (names are short).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The first `max` diagnostics, each with its notes, and a count of the rest.
pub fn render(diags: &[Diagnostic], max: usize) -> String {
    let mut out: Vec<String> = diags.iter().take(max).map(ToString::to_string).collect();
    if diags.len() > max {
        out.push(format!("... and {} more errors", diags.len() - max));
    }
    out.join("\n")
}

/// A diagnostic's place and text, read back from a stored error text: [`render`]'s
/// `line L:C: ...` lines (with their indented notes) and `CompileError::Refused`'s
/// `refused at line L:C: ...`, after an optional `compile error: ` prefix. The candidate
/// pages mark the source lines with them; [`render`] and this read are tested together, so
/// they cannot drift apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    /// The diagnostic as rendered, from its level on (`error[E0425]: ...`, notes included).
    pub text: String,
}

/// The located diagnostics of `text` (see [`Located`]), in order.
pub fn located(text: &str) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::new();
    let mut open = false;
    for raw in text.lines() {
        if open && raw.starts_with("    ") {
            let last = out.last_mut().expect("open implies one");
            last.text.push('\n');
            last.text.push_str(raw);
            continue;
        }
        let line = raw.strip_prefix("compile error: ").unwrap_or(raw);
        let place = line.strip_prefix("line ").or_else(|| line.strip_prefix("refused at line "));
        let parsed = place.and_then(|p| {
            let (at, rest) = p.split_once(": ")?;
            let (l, c) = at.split_once(':')?;
            Some(Located { line: l.parse().ok()?, column: c.parse().ok()?, text: rest.to_owned() })
        });
        open = parsed.is_some();
        out.extend(parsed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_reads_back_what_render_and_refusals_write() {
        let d = |line, message: &str, notes: Vec<String>| Diagnostic {
            level: "error".into(),
            code: Some("E0425".into()),
            message: message.into(),
            line,
            column: 5,
            label: Some("not found in this scope".into()),
            notes,
        };
        let diags = vec![
            d(
                7,
                "cannot find value `x` in this scope",
                vec!["help: a local variable with a similar name exists".into()],
            ),
            d(0, "no location", vec![]),
            d(12, "mismatched types", vec![]),
        ];
        let text = format!("compile error: {}", render(&diags, 5));
        let got = located(&text);
        assert_eq!(got.iter().map(|l| (l.line, l.column)).collect::<Vec<_>>(), [(7, 5), (12, 5)]);
        assert_eq!(format!("line 7:5: {}", got[0].text), diags[0].to_string(), "notes included");
        let refused = "refused at line 3:9: `std::fs` is not allowed: reward programs cannot touch files";
        assert_eq!(
            located(refused),
            [Located {
                line: 3,
                column: 9,
                text: "`std::fs` is not allowed: reward programs cannot touch files".into()
            }]
        );
        assert!(located("trap: unreachable executed\n    at step 40").is_empty(), "no place, no marks");
    }

    #[test]
    fn keeps_errors_with_locations_and_drops_noise() {
        let stderr = concat!(
            r#"{"$message_type":"diagnostic","message":"cannot find value `x` in this scope","code":{"code":"E0425","explanation":""},"level":"error","spans":[{"file_name":"reward.rs","line_start":7,"column_start":5,"is_primary":true,"label":"not found in this scope"}],"children":[],"rendered":""}"#,
            "\n",
            r#"{"$message_type":"diagnostic","message":"unused variable","code":null,"level":"warning","spans":[],"children":[],"rendered":""}"#,
            "\n",
            r#"{"$message_type":"diagnostic","message":"aborting due to 1 previous error","code":null,"level":"error","spans":[],"children":[],"rendered":""}"#,
            "\n"
        );
        let d = parse(stderr, "reward.rs");
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "line 7:5: error[E0425]: cannot find value `x` in this scope (not found in this scope)"
        );
    }

    fn line(json: &str) -> String {
        json.replace('\n', " ") + "\n"
    }

    #[test]
    fn keeps_rustcs_notes_and_drops_its_housekeeping() {
        let stderr = line(
            r#"{"$message_type":"diagnostic","message":"no field `pole_angle_velocity` on type `&State`","code":{"code":"E0609"},"level":"error","spans":[{"file_name":"reward.rs","line_start":5,"column_start":21,"is_primary":true,"label":"unknown field"}],"children":[{"message":"available fields are: `cart_pos`, `pole_angle`, `pole_ang_vel`","level":"note","spans":[]},{"message":"consider using `--verbose` to print the full type name to the console","level":"note","spans":[]}]}"#,
        );
        let d = parse(&stderr, "reward.rs");
        assert_eq!(
            d[0].to_string(),
            "line 5:21: error[E0609]: no field `pole_angle_velocity` on type `&State` (unknown field)\n    \
             note: available fields are: `cart_pos`, `pole_angle`, `pole_ang_vel`"
        );
    }

    #[test]
    fn errors_inside_export_reward_land_on_its_line_with_the_signature() {
        let one = r#"{"$message_type":"diagnostic","message":"mismatched types","code":{"code":"E0308"},"level":"error","spans":[{"file_name":"src/abi.rs","line_start":131,"column_start":9,"is_primary":true,"label":"expected fn pointer, found fn item","expansion":{"span":{"file_name":"reward.rs","line_start":8,"column_start":1,"is_primary":false,"label":null},"macro_decl_name":"export_reward!"}}],"children":[{"message":"function defined here","level":"note","spans":[{"file_name":"src/abi.rs","line_start":45,"column_start":1,"is_primary":true,"label":null}]}]}"#;
        // rustc reports it once per export; one is enough.
        let d = parse(&(line(one) + &line(one) + &line(one)), "reward.rs");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].column), (8, 1));
        assert_eq!(d[0].notes, vec![format!("hint: export_reward!(reward) needs `{SIGNATURE}`")]);
    }

    #[test]
    fn an_unknown_helper_gets_the_helpers_that_exist() {
        let stderr = line(
            r#"{"$message_type":"diagnostic","message":"cannot find function `sigmoid` in this scope","code":{"code":"E0425"},"level":"error","spans":[{"file_name":"reward.rs","line_start":5,"column_start":13,"is_primary":true,"label":"not found in this scope"}],"children":[]}"#,
        );
        let notes = &parse(&stderr, "reward.rs")[0].notes;
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("hint: did you mean `log_sigmoid`?"), "{notes:?}");
        assert!(notes[0].contains("tolerance") && notes[0].contains("sqrt"), "{notes:?}");
        assert!(
            hint(Some("E0425"), "cannot find function `gaussian` in this scope", None)
                .is_some_and(|h| h.starts_with("`gaussian` is not in the SDK; its helpers"))
        );
    }

    #[test]
    fn the_helper_list_comes_from_the_sdk_sources() {
        let h = sdk_helpers();
        for name in ["sin", "sqrt", "abs", "clamp", "wrap_angle", "norm_sq", "tolerance", "exp_kernel", "Sigmoid"] {
            assert!(h.iter().any(|n| n == name), "{name} missing from {h:?}");
        }
        assert!(!h.iter().any(|n| n == "eval" || n == "sinf"), "{h:?}");
    }

    #[test]
    fn hints_for_fields_no_std_paths_and_mixed_floats() {
        let h = hint(Some("E0609"), "no field `goal` on type `&rewardsmith_guest::envs::pusher::State`", None).unwrap();
        assert!(h.starts_with("pusher's State has exactly these fields: `joint_pos`"), "{h}");
        assert!(h.contains("`goal_pos`"), "{h}");
        let h = hint(Some("E0433"), "cannot find module or crate `std` in this scope", None).unwrap();
        assert!(h.contains("`core::f32::consts::PI`"), "{h}");
        let h = hint(Some("E0277"), "cannot multiply `f64` by `f32`", None).unwrap();
        assert!(h.contains("`as f32`"), "{h}");
    }
}
