//! Keeps secrets out of the run store: LLM prompts and responses are recorded for replay and
//! reports, and a caller that records a raw request by mistake must not leak its API key.
//!
//! Object members named like a credential are dropped, and `Bearer <token>` is masked in
//! every string.

use serde_json::Value;

/// What a masked token is replaced with.
pub const MASK: &str = "[redacted]";

/// Name fragments (lowercase, separators removed) that mark a member as a credential.
const SECRET_PARTS: &[&str] =
    &["apikey", "authorization", "secret", "password", "passwd", "accesstoken", "bearer", "cookie", "credential"];

/// Whole names (lowercase, separators removed) that mark a member as a credential.
const SECRET_NAMES: &[&str] = &["key", "token", "auth", "privatekey"];

/// True when an object member with this name may hold a credential.
pub fn is_secret_name(name: &str) -> bool {
    let n: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    SECRET_NAMES.contains(&n.as_str()) || SECRET_PARTS.iter().any(|p| n.contains(p))
}

/// Removes credential-named members (at any depth) and masks bearer tokens in strings.
pub fn scrub(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !is_secret_name(k));
            map.values_mut().for_each(scrub);
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::String(s) => {
            if let Some(masked) = mask_bearer(s) {
                *s = masked;
            }
        }
        _ => {}
    }
}

/// Masks the token after every `Bearer ` (any case); `None` when there is none.
pub fn mask_bearer(s: &str) -> Option<String> {
    const WORD: &str = "bearer ";
    let lower = s.to_ascii_lowercase();
    if !lower.contains(WORD) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    while let Some(pos) = lower[rest..].find(WORD) {
        let token_start = rest + pos + WORD.len();
        let token_end =
            lower[token_start..].find(|c: char| c.is_whitespace() || c == '"').map_or(s.len(), |e| token_start + e);
        out.push_str(&s[rest..token_start]);
        out.push_str(MASK);
        rest = token_end;
    }
    out.push_str(&s[rest..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        for n in ["api_key", "Authorization", "x-api-key", "OPENAI_API_KEY", "token", "client_secret", "Cookie"] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["model", "messages", "max_tokens", "prompt_tokens", "completion_tokens", "content", "n"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn scrubs_nested_members_and_bearer_strings() {
        let mut v = json!({
            "model": "m",
            "headers": { "Authorization": "Bearer sk-1", "Accept": "application/json" },
            "messages": [{ "role": "user", "content": "hi", "api_key": "sk-2" }],
            "note": "sent with bearer sk-3 and BEARER sk-4\tok",
            "usage": { "prompt_tokens": 3 }
        });
        scrub(&mut v);
        let text = v.to_string();
        assert!(!text.contains("sk-"), "{text}");
        assert_eq!(v["headers"], json!({ "Accept": "application/json" }));
        assert_eq!(v["note"], json!("sent with bearer [redacted] and BEARER [redacted]\tok"));
        assert_eq!(v["usage"]["prompt_tokens"], json!(3));
        assert_eq!(v["messages"][0]["content"], json!("hi"));
    }
}
