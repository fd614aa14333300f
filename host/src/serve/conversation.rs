//! What an LLM candidate's model saw and said, from the run's LLM call log: the messages of
//! the request its iteration sent (the system prompt, the task, the reflection on the best so
//! far, failures and feedback) and its own raw answer — so a `no_code` candidate's answer,
//! and why a candidate looks the way it does, can be read on its page. Secrets were scrubbed
//! before the log was written; shown text is masked again on the way out.

use std::fmt::Write as _;

use serde_json::Value;

use super::esc;
use crate::candidate::{Candidate, Origin};
use crate::store::{LlmCallRow, LlmCallStatus, mask_secrets};

/// The conversation section of `c`'s page, or `None` when it is not an LLM candidate or no
/// answered call of its iteration and attempt is logged.
pub fn conversation_html(c: &Candidate, calls: &[LlmCallRow]) -> Option<String> {
    if c.key.origin != Origin::Llm {
        return None;
    }
    let call = calls
        .iter()
        .find(|k| k.iteration == c.key.iteration && k.attempt == c.key.attempt && k.status == LlmCallStatus::Ok)?;
    let shown = |t: &str| esc(&mask_secrets(t).unwrap_or_else(|| t.to_owned()));
    let mut h = String::from("<h2>The LLM conversation</h2>");
    if let Some(answer) = call.texts.as_ref().and_then(|t| t.get(c.key.sample as usize)) {
        let _ = write!(
            h,
            "<details open data-llm-answer><summary>Its answer ({} characters)</summary><pre>{}</pre></details>",
            answer.chars().count(),
            shown(answer)
        );
    }
    let messages: &[Value] = call.prompt.get("messages").and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let tokens = match (call.prompt_tokens, call.completion_tokens) {
        (Some(p), Some(a)) => format!(", {p} prompt and {a} completion tokens for the whole request"),
        _ => String::new(),
    };
    let _ = write!(
        h,
        "<details data-llm-prompt><summary>The prompt: {} message(s), sent with {} sample(s){tokens}</summary>",
        messages.len(),
        call.texts.as_ref().map_or(0, Vec::len)
    );
    for m in messages {
        let role = m.get("role").and_then(Value::as_str).unwrap_or("?");
        let content = m.get("content").and_then(Value::as_str).unwrap_or("");
        let _ = write!(h, "<h3 data-llm-role=\"{}\">{}</h3><pre>{}</pre>", esc(role), esc(role), shown(content));
    }
    h.push_str("</details>");
    Some(h)
}
