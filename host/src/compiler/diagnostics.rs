//! Compact compiler diagnostics: the first errors with line numbers in the submitted file,
//! not cargo's noise. These texts go back to people and to LLMs.

use serde::Deserialize;

/// One compiler error, located in the submitted file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub level: String,
    /// Error code such as `E0425`, if any.
    pub code: Option<String>,
    /// The main message.
    pub message: String,
    /// 1-based line in the submitted file (0 if the error has no location there).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The primary span's label, if any ("not found in this scope").
    pub label: Option<String>,
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
}

/// Parses rustc's `--error-format=json` stream; keeps errors (not warnings or the
/// "aborting due to" summary), located in `file` where possible.
pub fn parse(stderr: &str, file: &str) -> Vec<Diagnostic> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Raw>(l).ok())
        .filter(|r| r.message_type.as_deref().unwrap_or("diagnostic") == "diagnostic")
        .filter(|r| r.level == "error" && !r.message.starts_with("aborting due to"))
        .map(|r| {
            let span = r.spans.iter().find(|s| s.is_primary && s.file_name.ends_with(file));
            Diagnostic {
                level: r.level,
                code: r.code.map(|c| c.code),
                message: r.message,
                line: span.map_or(0, |s| s.line_start),
                column: span.map_or(0, |s| s.column_start),
                label: span.and_then(|s| s.label.clone()),
            }
        })
        .collect()
}

/// The first `max` diagnostics, one per line, with a count of the rest.
pub fn render(diags: &[Diagnostic], max: usize) -> String {
    let mut out: Vec<String> = diags.iter().take(max).map(ToString::to_string).collect();
    if diags.len() > max {
        out.push(format!("... and {} more errors", diags.len() - max));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
