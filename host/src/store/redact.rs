//! Keeps secrets out of the run store: LLM prompts and responses are recorded for replay and
//! reports, and a caller that records a raw request by mistake must not leak its API key.
//!
//! Object members named like a credential are dropped; in every string, `Bearer <token>`,
//! the user-info of URLs (`https://user:pass@host`) and the values of credential-named query
//! parameters (`?api_key=…`) are masked. [`redact_url`] is the same for one URL (an LLM
//! endpoint shown in errors, `Debug` and reports).

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
            if let Some(masked) = mask_secrets(s) {
                *s = masked;
            }
        }
        _ => {}
    }
}

/// Masks bearer tokens, URL user-info and credential query values in free text; `None`
/// when there is nothing to mask.
pub fn mask_secrets(s: &str) -> Option<String> {
    let bearer = mask_bearer(s);
    let text = bearer.as_deref().unwrap_or(s);
    let userinfo = mask_userinfo(text, false);
    let text = userinfo.as_deref().unwrap_or(text);
    mask_query_secrets(text).or(userinfo).or(bearer)
}

/// `url` with its user-info and credential query values masked. Everything between `://`
/// and the last `@` before the query is user-info here (more than a parser would take when
/// a path holds an `@`: safe, and a mistyped URL still has its password masked).
pub fn redact_url(url: &str) -> String {
    let userinfo = mask_userinfo(url, true);
    let text = userinfo.as_deref().unwrap_or(url);
    mask_query_secrets(text).or(userinfo).unwrap_or_else(|| url.to_owned())
}

/// The user-info and credential query values of `url`, raw and percent-decoded: what to
/// mask wherever a library echoes the URL in its own form.
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((start, end)) = userinfo_span(url, 0, true) {
        let info = &url[start..end];
        out.push(info.to_owned());
        // The password alone too; a user name is often a common word, and masking it in
        // free text would mangle messages.
        out.extend(info.split_once(':').map(|(_, pass)| pass.to_owned()));
    }
    for (start, end) in query_secret_spans(url) {
        out.push(url[start..end].to_owned());
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    out.retain(|s| s.len() >= 3);
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// Masks the user-info of every `scheme://user-info@host`.
fn mask_userinfo(s: &str, whole_url: bool) -> Option<String> {
    let mut out = String::new();
    let mut rest = 0;
    while let Some((start, end)) = userinfo_span(s, rest, whole_url) {
        out.push_str(&s[rest..start]);
        out.push_str(MASK);
        rest = end;
    }
    (rest > 0).then(|| out + &s[rest..])
}

/// The byte span of the next URL user-info at or after `from`. In free text the authority
/// ends at `/`, `?`, `#`, whitespace or a quote; for a whole URL only at `?` or `#`.
fn userinfo_span(s: &str, from: usize, whole_url: bool) -> Option<(usize, usize)> {
    let mut at = from;
    while let Some(pos) = s[at..].find("://") {
        let start = at + pos + 3;
        let authority_end = s[start..]
            .find(|c: char| {
                matches!(c, '?' | '#')
                    || (!whole_url && (matches!(c, '/' | '"' | '\'' | '<' | '>') || c.is_whitespace()))
            })
            .map_or(s.len(), |e| start + e);
        if let Some(a) = s[start..authority_end].rfind('@') {
            return Some((start, start + a));
        }
        at = start;
    }
    None
}

/// Masks the values of query parameters named like credentials (`?key=…`, `&token=…`).
fn mask_query_secrets(s: &str) -> Option<String> {
    let spans = query_secret_spans(s);
    if spans.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    for (start, end) in spans {
        out.push_str(&s[rest..start]);
        out.push_str(MASK);
        rest = end;
    }
    out.push_str(&s[rest..]);
    Some(out)
}

/// Byte spans of the values of `?name=value` / `&name=value` where `name` is a credential.
fn query_secret_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut spans = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if c != b'?' && c != b'&' {
            continue;
        }
        let name_start = i + 1;
        let Some(eq) = s[name_start..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')) else {
            continue;
        };
        let eq = name_start + eq;
        if b[eq] != b'=' || eq == name_start || !is_secret_name(&s[name_start..eq]) {
            continue;
        }
        let start = eq + 1;
        let end = s[start..]
            .find(|c: char| matches!(c, '&' | '#' | '"' | '\'' | '<' | '>' | ')') || c.is_whitespace())
            .map_or(s.len(), |e| start + e);
        if end > start {
            spans.push((start, end));
        }
    }
    spans
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn urls_lose_their_user_info_and_credential_parameters() {
        assert_eq!(redact_url("https://user:pa55@llm.example/v1"), "https://[redacted]@llm.example/v1");
        assert_eq!(redact_url("http://u:p@ss/w@127.0.0.1:8/v1?x=1"), "http://[redacted]@127.0.0.1:8/v1?x=1");
        assert_eq!(
            redact_url("https://h/v1?api_key=K1&model=m&token=T2#key=x"),
            "https://h/v1?api_key=[redacted]&model=m&token=[redacted]#key=x"
        );
        assert_eq!(redact_url("https://api.openai.com/v1"), "https://api.openai.com/v1");
        assert_eq!(redact_url("not a url"), "not a url");
        let text = "error sending request for url (https://alice:s3cr%40t@h/v1/chat?key=abc): refused";
        assert_eq!(
            mask_secrets(text).unwrap(),
            "error sending request for url (https://[redacted]@h/v1/chat?key=[redacted]): refused"
        );
        assert_eq!(mask_secrets("mail me at a@b.c, see https://h/v1"), None);
        assert_eq!(
            url_secrets("https://alice:s3cr%40t@h/v1?key=abcd"),
            ["alice:s3cr%40t", "alice:s3cr@t", "s3cr%40t", "s3cr@t", "abcd"]
        );
    }

    #[test]
    fn scrubs_nested_members_and_bearer_strings() {
        let mut v = json!({
            "model": "m",
            "headers": { "Authorization": "Bearer sk-1", "Accept": "application/json" },
            "messages": [{ "role": "user", "content": "hi", "api_key": "sk-2" }],
            "note": "sent with bearer sk-3 and BEARER sk-4\tok",
            "url": "https://u:sk-5@h/v1?api_key=sk-6",
            "usage": { "prompt_tokens": 3 }
        });
        scrub(&mut v);
        let text = v.to_string();
        assert!(!text.contains("sk-"), "{text}");
        assert_eq!(v["headers"], json!({ "Accept": "application/json" }));
        assert_eq!(v["note"], json!("sent with bearer [redacted] and BEARER [redacted]\tok"));
        assert_eq!(v["url"], json!("https://[redacted]@h/v1?api_key=[redacted]"));
        assert_eq!(v["usage"]["prompt_tokens"], json!(3));
        assert_eq!(v["messages"][0]["content"], json!("hi"));
    }
}
