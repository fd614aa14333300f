//! A scripted OpenAI-compatible chat-completions server for tests: it listens on 127.0.0.1
//! (port 0), answers each HTTP/1.1 request with the next reply of its script (a good answer,
//! an error status, a 429 with `Retry-After`, malformed JSON, a slow reply, a dropped
//! connection), and records every request so tests can assert what the client sent. One
//! thread per connection, so parallel requests and slow replies overlap as with a real server.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with a chat.completion holding one choice per string, and usage: 10 prompt
    /// tokens, and one completion token per whitespace-separated word.
    Chat(Vec<String>),
    /// This status with this body (sent as JSON when it parses as JSON).
    Status(u16, String),
    /// 429 with `Retry-After: SECS`.
    RetryAfter(u64),
    /// 200 with a body that is not JSON.
    Malformed,
    /// The reply, after a delay.
    Slow(Duration, Box<Reply>),
    /// Closes the connection without answering.
    Close,
}

impl Reply {
    /// A chat answer with one choice.
    pub fn chat(text: impl Into<String>) -> Reply {
        Reply::Chat(vec![text.into()])
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The parsed JSON body (`Null` when absent or not JSON).
    pub body: serde_json::Value,
}

impl Recorded {
    /// The first header of this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    stop: AtomicBool,
}

/// The server; stops on drop.
#[derive(Debug)]
pub struct ScriptedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Starts serving `replies` in order; once they run out, every request gets 500
    /// "script exhausted".
    pub fn start(replies: Vec<Reply>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared { script: Mutex::new(replies.into()), ..Shared::default() });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let s = s.clone();
                std::thread::spawn(move || handle(stream, &s));
            }
        });
        ScriptedServer { addr, shared, accept: Some(accept) }
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("requests lock").clone()
    }

    /// The most requests that were being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Replies not served yet.
    pub fn remaining(&self) -> usize {
        self.shared.script.lock().expect("script lock").len()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

/// Decrements the in-flight count however the handler ends.
struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handle(stream: TcpStream, s: &Shared) {
    if s.stop.load(Ordering::SeqCst) {
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(r) => r,
        Err(_) => return,
    });
    let Some(recorded) = read_request(&mut reader) else { return };
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let guard = InFlight(s);
    let model = recorded.body.get("model").and_then(|m| m.as_str()).unwrap_or("scripted").to_owned();
    s.requests.lock().expect("requests lock").push(recorded);
    let reply = s
        .script
        .lock()
        .expect("script lock")
        .pop_front()
        .unwrap_or_else(|| Reply::Status(500, r#"{"error":{"message":"script exhausted"}}"#.into()));
    respond(stream, reply, &model, guard);
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    Some(Recorded { method, path, headers, body })
}

/// Answers; the request stops counting as in flight just before the answer is written, so a
/// client that sends its next request on receipt is never seen as overlapping.
fn respond(mut stream: TcpStream, reply: Reply, model: &str, in_flight: InFlight<'_>) {
    let (status, extra, body) = match reply {
        Reply::Slow(delay, inner) => {
            std::thread::sleep(delay);
            return respond(stream, *inner, model, in_flight);
        }
        Reply::Close => {
            drop(in_flight);
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        Reply::Chat(choices) => (200, String::new(), chat_body(&choices, model)),
        Reply::Status(code, body) => (code, String::new(), body),
        Reply::RetryAfter(secs) => {
            (429, format!("Retry-After: {secs}\r\n"), r#"{"error":{"message":"rate limited, slow down"}}"#.into())
        }
        Reply::Malformed => (200, String::new(), r#"{"choices": [ {"message": oops"#.into()),
    };
    let content_type =
        if serde_json::from_str::<serde_json::Value>(&body).is_ok() { "application/json" } else { "text/plain" };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    drop(in_flight);
    // The client may have given up (timeouts): write errors are expected then.
    let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
    let _ = stream.flush();
}

fn chat_body(choices: &[String], model: &str) -> String {
    let completion_tokens: usize = choices.iter().map(|c| c.split_whitespace().count()).sum();
    serde_json::json!({
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": choices.iter().enumerate().map(|(i, c)| serde_json::json!({
            "index": i,
            "message": {"role": "assistant", "content": c},
            "finish_reason": "stop",
        })).collect::<Vec<_>>(),
        "usage": {"prompt_tokens": 10, "completion_tokens": completion_tokens, "total_tokens": 10 + completion_tokens},
    })
    .to_string()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
