//! A blocking client for the OpenAI-compatible chat-completions protocol, so OpenAI, vLLM,
//! Ollama, llama.cpp's server and the like all work. Several samples per prompt (`n` where the
//! server honours it, parallel single requests otherwise), a concurrency limit, timeouts,
//! retries with exponential backoff and jitter on 408/409/429/5xx/network errors honouring
//! `Retry-After`, and typed errors that say what to fix. The API key is only ever put in the
//! `Authorization` header: never in `Debug` output, errors (server text echoing it is
//! redacted) or [`LlmClient::request_json`]. Credentials in the endpoint URL
//! (`https://user:pass@host/v1`, `?api_key=…`) are used for requests and shown nowhere: errors
//! and `Debug` carry the masked form ([`crate::store::redact_url`]). Credentials in the endpoint URL
//! (`https://user:pass@host/v1`, `?api_key=…`) are used for requests and shown nowhere: errors
//! and `Debug` carry [`redact_url`]'s form.
//!
//! Retry policy: 400/401/403/404 (and other 4xx) are never retried; a 400 answering a request
//! with `n` > 1 is taken as "n unsupported" and the samples are asked for one by one. A 200
//! that is not a chat completion is retried once ([`MALFORMED_RETRIES`]) since a broken proxy
//! may recover but a server that never speaks the protocol should fail fast. A refused
//! connection or failed DNS lookup fails at once with [`LlmError::Unreachable`] until the
//! endpoint has answered once (a wrong `--base-url` should not cost minutes of backoff); after
//! that it is retried like any network error.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::{mask_secrets, redact_url, url_secrets};

/// Used when neither a flag nor `OPENAI_BASE_URL` names an endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// How many times a 200 that is not a chat completion is asked again.
pub const MALFORMED_RETRIES: u32 = 1;

/// Longest server text kept in an error message, characters.
const EXCERPT_MAX: usize = 300;

/// How to reach the model and how patiently.
#[derive(Clone)]
pub struct LlmConfig {
    /// Endpoint root; requests go to `{base_url}/chat/completions`. Credentials in it (user
    /// info, `?key=…`) are sent but never shown.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …`; never printed.
    pub api_key: Option<String>,
    pub model: String,
    pub temperature: f32,
    pub max_tokens: Option<u32>,
    /// Per HTTP request, body included.
    pub timeout: Duration,
    /// Retries per HTTP request after the first try.
    pub max_retries: u32,
    /// Most HTTP requests in flight at once (per client).
    pub concurrency: usize,
    /// Ask for several samples in one request with `n`.
    pub use_n: bool,
    /// First backoff delay; doubles on each retry, with jitter.
    pub backoff_base: Duration,
    /// Largest backoff delay.
    pub backoff_max: Duration,
    /// Largest `Retry-After` honoured.
    pub retry_after_max: Duration,
}

impl LlmConfig {
    /// Defaults for `model`, with the endpoint from `OPENAI_BASE_URL` and the key from
    /// `OPENAI_API_KEY` (empty values count as unset).
    pub fn from_env(model: impl Into<String>) -> LlmConfig {
        let var = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        LlmConfig {
            base_url: var("OPENAI_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            api_key: var("OPENAI_API_KEY"),
            ..LlmConfig::new(model)
        }
    }

    /// Defaults for `model` against [`DEFAULT_BASE_URL`] without a key: temperature 1.0,
    /// 120 s timeout, 4 retries (1 s base backoff, 30 s max, `Retry-After` up to 60 s),
    /// 4 requests at once, `n` used.
    pub fn new(model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            model: model.into(),
            temperature: 1.0,
            max_tokens: None,
            timeout: Duration::from_secs(120),
            max_retries: 4,
            concurrency: 4,
            use_n: true,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            retry_after_max: Duration::from_secs(60),
        }
    }

    /// `{base_url}/chat/completions`, keeping a query of `base_url` at the end
    /// (`https://h/v1?api-version=1` → `https://h/v1/chat/completions?api-version=1`).
    pub fn endpoint(&self) -> String {
        let (root, query) = match self.base_url.split_once('?') {
            Some((root, query)) => (root, Some(query)),
            None => (self.base_url.as_str(), None),
        };
        let path = format!("{}/chat/completions", root.trim_end_matches('/'));
        query.map_or(path.clone(), |q| format!("{path}?{q}"))
    }
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &redact_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("temperature", &self.temperature)
            .field("max_tokens", &self.max_tokens)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("concurrency", &self.concurrency)
            .field("use_n", &self.use_n)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("retry_after_max", &self.retry_after_max)
            .finish()
    }
}

/// One message of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

/// The samples of one [`LlmClient::complete`] call and what they cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    /// Each sample's message content (at most `n`; fewer only when some requests failed,
    /// see `failures`).
    pub texts: Vec<String>,
    /// Summed over requests that reported usage; `None` when none did.
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// Wall-clock time of the whole call.
    pub latency_ms: u64,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    pub retries: u32,
    /// Errors of the single-sample requests that failed while others succeeded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
}

/// Why no completion came back. Messages never contain the API key.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error(
        "cannot reach the LLM endpoint {url} ({reason}); check --base-url / OPENAI_BASE_URL and that the server is \
         running, or run without an LLM with --proposer offline"
    )]
    Unreachable { url: String, reason: String },
    #[error("the LLM endpoint URL {url} is invalid ({reason}); check --base-url / OPENAI_BASE_URL")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "the LLM at {url} did not answer within {timeout_ms} ms, {attempts} attempt(s); raise the timeout or check \
         the server's load"
    )]
    Timeout { url: String, timeout_ms: u64, attempts: u32 },
    #[error("network error talking to {url} after {attempts} attempt(s): {reason}")]
    Network { url: String, reason: String, attempts: u32 },
    #[error("the LLM server at {url} refused the API key (401: {message}); check OPENAI_API_KEY")]
    Unauthorized { url: String, message: String },
    #[error(
        "the LLM server at {url} denied access to model {model:?} (403: {message}); check OPENAI_API_KEY and --model"
    )]
    Forbidden { url: String, model: String, message: String },
    #[error("{url} or model {model:?} was not found (404: {message}); check --base-url and --model")]
    NotFound { url: String, model: String, message: String },
    #[error("the LLM server rejected the request ({status}: {message}); check --model and the request options")]
    BadRequest { status: u16, message: String },
    #[error("rate limited by the LLM server after {attempts} attempt(s) (429: {message}); wait or lower --samples")]
    RateLimited { attempts: u32, message: String },
    #[error("the LLM server failed after {attempts} attempt(s) ({status}: {message}); try again later")]
    Server { status: u16, attempts: u32, message: String },
    #[error(
        "the server at {url} answered but not with a chat completion ({what}) after {attempts} attempt(s); check \
         that --base-url points at an OpenAI-compatible /v1 endpoint"
    )]
    Malformed { url: String, what: String, attempts: u32 },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl LlmError {
    /// A short stable name for the error class, for the run store and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::Unreachable { .. } => "unreachable",
            LlmError::InvalidUrl { .. } => "invalid_url",
            LlmError::Timeout { .. } => "timeout",
            LlmError::Network { .. } => "network",
            LlmError::Unauthorized { .. } => "unauthorized",
            LlmError::Forbidden { .. } => "forbidden",
            LlmError::NotFound { .. } => "not_found",
            LlmError::BadRequest { .. } => "bad_request",
            LlmError::RateLimited { .. } => "rate_limited",
            LlmError::Server { .. } => "server_error",
            LlmError::Malformed { .. } => "malformed",
            LlmError::Client(_) => "client",
        }
    }

    /// Whether a later call might succeed without changing anything (for callers deciding
    /// to give up on the LLM).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LlmError::Timeout { .. }
                | LlmError::Network { .. }
                | LlmError::RateLimited { .. }
                | LlmError::Server { .. }
                | LlmError::Malformed { .. }
        )
    }
}

/// A counting semaphore: at most `permits` requests in flight.
#[derive(Debug)]
struct Semaphore {
    free: Mutex<usize>,
    cv: Condvar,
}

struct Permit<'a>(&'a Semaphore);

impl Semaphore {
    fn new(permits: usize) -> Self {
        Semaphore { free: Mutex::new(permits.max(1)), cv: Condvar::new() }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.cv.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.cv.notify_one();
    }
}

/// Counters shared by the requests of one call.
#[derive(Default)]
struct Tally {
    requests: AtomicU32,
    retries: AtomicU32,
}

/// One successful response.
#[derive(Debug)]
struct Answer {
    texts: Vec<String>,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// What one HTTP attempt came to.
enum Attempt {
    Done(Answer),
    /// Worth another try; `after` is the server's `Retry-After`.
    Retry {
        error: LlmError,
        after: Option<Duration>,
        malformed: bool,
    },
    Fail(LlmError),
}

/// The client; share it by reference between threads (the concurrency limit is per client).
pub struct LlmClient {
    cfg: LlmConfig,
    /// The endpoint as errors show it: credentials masked.
    shown_url: String,
    /// Texts masked wherever a server or library echoes them: the key, URL credentials.
    secrets: Vec<String>,
    http: reqwest::blocking::Client,
    auth: Option<HeaderValue>,
    permits: Semaphore,
    /// Set when a 400 answered a request with `n`: later calls ask one sample per request.
    n_rejected: AtomicBool,
    /// Set once the endpoint has answered anything: connection failures are retried after.
    reached: AtomicBool,
    jitter: Mutex<ChaCha8Rng>,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

impl LlmClient {
    pub fn new(cfg: LlmConfig) -> Result<LlmClient, LlmError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(cfg.timeout)
            .build()
            .map_err(|e| LlmError::Client(error_chain(&e)))?;
        let auth = match &cfg.api_key {
            Some(key) => {
                let mut v = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                    LlmError::Client("OPENAI_API_KEY contains characters not allowed in an HTTP header".into())
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            None => None,
        };
        let mut secrets = url_secrets(&cfg.base_url);
        secrets.extend(cfg.api_key.clone().filter(|k| !k.is_empty()));
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Ok(LlmClient {
            permits: Semaphore::new(cfg.concurrency),
            shown_url: redact_url(&cfg.endpoint()),
            secrets,
            cfg,
            http,
            auth,
            n_rejected: AtomicBool::new(false),
            reached: AtomicBool::new(false),
            jitter: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        })
    }

    pub fn config(&self) -> &LlmConfig {
        &self.cfg
    }

    /// Whether a call for `n` samples starts with one request carrying `n`.
    fn asks_n(&self, n: u32) -> bool {
        self.cfg.use_n && n > 1 && !self.n_rejected.load(Ordering::Relaxed)
    }

    fn body(&self, messages: &[ChatMessage], n: Option<u32>) -> Value {
        let mut body = json!({
            "model": self.cfg.model,
            "messages": messages,
            "temperature": self.cfg.temperature,
        });
        if let Some(m) = self.cfg.max_tokens {
            body["max_tokens"] = json!(m);
        }
        if let Some(n) = n {
            body["n"] = json!(n);
        }
        body
    }

    /// The body the first request of `complete(messages, n)` sends (for the run store; the
    /// key travels in a header and is not part of it).
    pub fn request_json(&self, messages: &[ChatMessage], n: u32) -> Value {
        self.body(messages, self.asks_n(n).then_some(n))
    }

    /// Asks for `n` samples. With `use_n`, one request carries `n`; when the server answers
    /// with fewer choices (many local servers ignore `n`) or rejects `n` with a 400, the rest
    /// are asked for with parallel single requests under the concurrency limit. Fails only
    /// when no sample came back; partial failures are listed in `Completion::failures`.
    pub fn complete(&self, messages: &[ChatMessage], n: u32) -> Result<Completion, LlmError> {
        let start = Instant::now();
        let tally = Tally::default();
        let mut answers: Vec<Answer> = Vec::new();
        let mut have = 0u32;
        if self.asks_n(n) {
            match self.send(&self.body(messages, Some(n)), &tally) {
                Ok(a) => {
                    have = a.texts.len() as u32;
                    answers.push(a);
                }
                Err(LlmError::BadRequest { .. }) => self.n_rejected.store(true, Ordering::Relaxed),
                Err(e) => return Err(e),
            }
        }
        let mut failures = Vec::new();
        let missing = n.saturating_sub(have);
        if missing > 0 {
            let single = self.body(messages, None);
            let results: Vec<Result<Answer, LlmError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..missing).map(|_| s.spawn(|| self.send(&single, &tally))).collect();
                handles.into_iter().map(|h| h.join().expect("LLM request thread panicked")).collect()
            });
            let mut first_error = None;
            for r in results {
                match r {
                    Ok(a) => answers.push(a),
                    Err(e) => {
                        failures.push(e.to_string());
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error
                && answers.iter().all(|a| a.texts.is_empty())
            {
                return Err(e);
            }
        }
        let sum = |f: fn(&Answer) -> Option<u64>| -> Option<u64> {
            answers.iter().filter_map(f).fold(None, |acc, v| Some(acc.unwrap_or(0) + v))
        };
        let prompt_tokens = sum(|a| a.prompt_tokens);
        let completion_tokens = sum(|a| a.completion_tokens);
        let mut texts: Vec<String> = answers.into_iter().flat_map(|a| a.texts).collect();
        texts.truncate(n as usize);
        Ok(Completion {
            texts,
            prompt_tokens,
            completion_tokens,
            latency_ms: start.elapsed().as_millis() as u64,
            requests: tally.requests.load(Ordering::Relaxed),
            retries: tally.retries.load(Ordering::Relaxed),
            failures,
        })
    }

    /// One logical request with retries.
    fn send(&self, body: &Value, tally: &Tally) -> Result<Answer, LlmError> {
        let mut malformed = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            tally.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = {
                let _permit = self.permits.acquire();
                self.attempt(body, attempt)
            };
            match outcome {
                Attempt::Done(a) => return Ok(a),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry { error, after, malformed: m } => {
                    malformed += u32::from(m);
                    if attempt > self.cfg.max_retries || (m && malformed > MALFORMED_RETRIES) {
                        return Err(error);
                    }
                    let delay = match after {
                        Some(d) => d.min(self.cfg.retry_after_max),
                        None => self.backoff(attempt),
                    };
                    tally.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Backoff before retry number `attempt` (1-based): base·2^(attempt−1) capped, then
    /// "equal jitter" (half fixed, half random) so parallel requests spread out.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.cfg.backoff_base.saturating_mul(1u32 << (attempt - 1).min(20)).min(self.cfg.backoff_max);
        let half = exp / 2;
        let r: f64 = self.jitter.lock().unwrap_or_else(|p| p.into_inner()).random();
        half + half.mul_f64(r)
    }

    fn attempt(&self, body: &Value, attempt: u32) -> Attempt {
        let mut req = self.http.post(self.cfg.endpoint()).json(body);
        let url = self.shown_url.clone();
        if let Some(auth) = &self.auth {
            req = req.header(AUTHORIZATION, auth.clone());
        }
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => return self.transport_error(&e, &url, attempt),
        };
        self.reached.store(true, Ordering::Relaxed);
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = match resp.text() {
            Ok(t) => t,
            Err(e) => return self.transport_error(&e, &url, attempt),
        };
        if status.is_success() {
            return match parse_completion(&text) {
                Ok(a) => Attempt::Done(a),
                Err(what) => Attempt::Retry {
                    error: LlmError::Malformed { url, what: self.redact(&what), attempts: attempt },
                    after: None,
                    malformed: true,
                },
            };
        }
        let message = self.redact(&server_message(&text));
        let model = self.cfg.model.clone();
        let code = status.as_u16();
        match status {
            StatusCode::UNAUTHORIZED => Attempt::Fail(LlmError::Unauthorized { url, message }),
            StatusCode::FORBIDDEN => Attempt::Fail(LlmError::Forbidden { url, model, message }),
            StatusCode::NOT_FOUND => Attempt::Fail(LlmError::NotFound { url, model, message }),
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                error: LlmError::RateLimited { attempts: attempt, message },
                after: retry_after,
                malformed: false,
            },
            StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT => Attempt::Retry {
                error: LlmError::Server { status: code, attempts: attempt, message },
                after: None,
                malformed: false,
            },
            s if s.is_server_error() => Attempt::Retry {
                error: LlmError::Server { status: code, attempts: attempt, message },
                after: if s == StatusCode::SERVICE_UNAVAILABLE { retry_after } else { None },
                malformed: false,
            },
            _ => Attempt::Fail(LlmError::BadRequest { status: code, message }),
        }
    }

    fn transport_error(&self, e: &reqwest::Error, url: &str, attempt: u32) -> Attempt {
        let reason = self.redact(&error_chain(e));
        let url = url.to_owned();
        if e.is_builder() {
            return Attempt::Fail(LlmError::InvalidUrl { url, reason });
        }
        if e.is_timeout() {
            let timeout_ms = self.cfg.timeout.as_millis() as u64;
            return Attempt::Retry {
                error: LlmError::Timeout { url, timeout_ms, attempts: attempt },
                after: None,
                malformed: false,
            };
        }
        if e.is_connect() {
            let error = LlmError::Unreachable { url, reason };
            if !self.reached.load(Ordering::Relaxed) {
                return Attempt::Fail(error);
            }
            return Attempt::Retry { error, after: None, malformed: false };
        }
        Attempt::Retry { error: LlmError::Network { url, reason, attempts: attempt }, after: None, malformed: false }
    }

    /// Server or library text with the key and URL credentials (if echoed) masked, cut to
    /// [`EXCERPT_MAX`] characters.
    fn redact(&self, text: &str) -> String {
        let mut t = mask_secrets(text).unwrap_or_else(|| text.to_owned());
        for secret in &self.secrets {
            t = t.replace(secret.as_str(), "<redacted>");
        }
        excerpt(&t)
    }
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(EXCERPT_MAX) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

/// A reqwest error with its causes ("error sending request …: connection refused").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let s_text = s.to_string();
        if !parts.iter().any(|p| p.contains(&s_text)) {
            parts.push(s_text);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// The `error.message` of an OpenAI-style error body, else the body itself.
fn server_message(text: &str) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        let e = v.get("error")?;
        e.get("message").and_then(Value::as_str).map(str::to_owned).or_else(|| e.as_str().map(str::to_owned))
    });
    let m = from_json.unwrap_or_else(|| text.to_owned());
    if m.trim().is_empty() { "empty body".to_owned() } else { m }
}

/// A chat.completion body → the choices' contents in `index` order, and usage.
fn parse_completion(text: &str) -> Result<Answer, String> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}; body starts {:?}", excerpt(text)))?;
    let Some(choices) = v.get("choices").and_then(Value::as_array) else {
        if v.get("error").is_some() {
            return Err(format!("an error object: {}", server_message(text)));
        }
        return Err("no `choices` array".to_owned());
    };
    if choices.is_empty() {
        return Err("an empty `choices` array".to_owned());
    }
    let mut indexed = Vec::with_capacity(choices.len());
    for (i, c) in choices.iter().enumerate() {
        let message = c.get("message").ok_or_else(|| format!("choice {i} has no `message`"))?;
        // Content may be null (a refusal or tool call): an empty sample, classified downstream.
        let content = message.get("content").and_then(Value::as_str).unwrap_or_default().to_owned();
        let index = c.get("index").and_then(Value::as_u64).unwrap_or(i as u64);
        indexed.push((index, content));
    }
    indexed.sort_by_key(|(i, _)| *i);
    let usage = |k: &str| v.get("usage").and_then(|u| u.get(k)).and_then(Value::as_u64);
    Ok(Answer {
        texts: indexed.into_iter().map(|(_, c)| c).collect(),
        prompt_tokens: usage("prompt_tokens"),
        completion_tokens: usage("completion_tokens"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_choices_in_index_order_with_usage() {
        let body = r#"{"choices":[{"index":1,"message":{"content":"b"}},{"index":0,"message":{"content":"a"}}],
            "usage":{"prompt_tokens":7,"completion_tokens":3}}"#;
        let a = parse_completion(body).unwrap();
        assert_eq!(a.texts, ["a", "b"]);
        assert_eq!((a.prompt_tokens, a.completion_tokens), (Some(7), Some(3)));
    }

    #[test]
    fn null_content_is_an_empty_sample_and_missing_choices_is_malformed() {
        let a = parse_completion(r#"{"choices":[{"message":{"content":null}}]}"#).unwrap();
        assert_eq!(a.texts, [""]);
        assert_eq!(a.prompt_tokens, None);
        assert!(parse_completion("{oops").unwrap_err().contains("invalid JSON"));
        assert!(parse_completion(r#"{"choices":[]}"#).unwrap_err().contains("empty"));
        assert!(parse_completion(r#"{"error":{"message":"overloaded"}}"#).unwrap_err().contains("overloaded"));
        assert!(parse_completion(r#"{"choices":[{"text":"x"}]}"#).unwrap_err().contains("no `message`"));
    }

    #[test]
    fn debug_and_redaction_hide_the_key() {
        let cfg = LlmConfig { api_key: Some("sk-unit-SECRET".into()), ..LlmConfig::new("m") };
        assert!(!format!("{cfg:?}").contains("SECRET"));
        let client = LlmClient::new(cfg).unwrap();
        assert!(!format!("{client:?}").contains("SECRET"));
        assert_eq!(client.redact("bad key sk-unit-SECRET given"), "bad key <redacted> given");
        assert!(!client.request_json(&[], 2).to_string().contains("SECRET"));
    }

    #[test]
    fn credentials_in_the_base_url_are_never_shown_or_stored() {
        use crate::evolve::llm_proposer::LlmLog;
        use crate::evolve::stored::StoreLlmLog;
        use crate::store::{NewRun, Proposer, Store};

        let cfg = LlmConfig {
            base_url: "http://alice:pa55word@127.0.0.1:1/v1?api_key=k3y-SECRET".into(),
            api_key: Some("sk-unit-SECRET".into()),
            max_retries: 0,
            ..LlmConfig::new("m")
        };
        assert_eq!(cfg.endpoint(), "http://alice:pa55word@127.0.0.1:1/v1/chat/completions?api_key=k3y-SECRET");
        let shown = "http://[redacted]@127.0.0.1:1/v1/chat/completions?api_key=[redacted]";
        let secrets = ["pa55word", "alice:", "k3y-SECRET", "sk-unit-SECRET"];
        let debug = format!("{cfg:?}");
        assert!(debug.contains("http://[redacted]@127.0.0.1:1/v1?api_key=[redacted]"), "{debug}");
        let client = LlmClient::new(cfg).unwrap();
        // Port 1 on loopback refuses the connection: the error names the endpoint, masked.
        let e = client.complete(&[ChatMessage { role: "user".into(), content: "hi".into() }], 1).unwrap_err();
        assert_eq!(e.kind(), "unreachable");
        assert!(matches!(&e, LlmError::Unreachable { url, .. } if url == shown), "{e:?}");
        for text in [e.to_string(), format!("{e:?}"), format!("{client:?}")] {
            for secret in secrets {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }

        // What the run store records of the failed call (and of a request that named the URL).
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("runs.sqlite")).unwrap();
        let new = NewRun { env: "cartpole-v0".into(), proposer: Proposer::Llm, model: None, config: Value::Null };
        let run_id = store.create_run(&new).unwrap().id;
        let request = json!({ "model": "m", "endpoint": "http://alice:pa55word@127.0.0.1:1/v1?api_key=k3y-SECRET" });
        StoreLlmLog { store: &store, run_id }.record("i0a0", 0, 0, &request, &Err(e));
        let row = &store.llm_calls(run_id).unwrap()[0];
        let stored = format!("{} {:?}", row.prompt, row.error_text);
        assert!(stored.contains(shown), "{stored}");
        for secret in secrets {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let cfg = LlmConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..LlmConfig::new("m")
        };
        let c = LlmClient::new(cfg).unwrap();
        for _ in 0..50 {
            let d1 = c.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = c.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            let d30 = c.backoff(30);
            assert!(d30 >= Duration::from_millis(500) && d30 <= Duration::from_millis(1000), "{d30:?}");
        }
    }

    #[test]
    fn request_body_has_n_only_when_asked() {
        let c = LlmClient::new(LlmConfig { max_tokens: Some(64), ..LlmConfig::new("m") }).unwrap();
        let msgs = [ChatMessage { role: "user".into(), content: "hi".into() }];
        let b = c.request_json(&msgs, 3);
        assert_eq!(b["n"], 3);
        assert_eq!(b["model"], "m");
        assert_eq!(b["max_tokens"], 64);
        assert_eq!(b["messages"][0]["content"], "hi");
        assert!(c.request_json(&msgs, 1).get("n").is_none());
        let no_n = LlmClient::new(LlmConfig { use_n: false, ..LlmConfig::new("m") }).unwrap();
        assert!(no_n.request_json(&msgs, 3).get("n").is_none());
    }

    #[test]
    fn excerpts_are_cut_on_char_boundaries() {
        let long = "é".repeat(EXCERPT_MAX + 10);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_MAX + 1);
        assert!(e.ends_with('…'));
    }
}
