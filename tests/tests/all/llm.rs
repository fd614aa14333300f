//! The LLM client against a scripted OpenAI-compatible server on 127.0.0.1: samples with and
//! without `n`, the concurrency limit, retries (429 + Retry-After, 5xx, timeouts, dropped
//! connections, malformed JSON), errors that are not retried, an unreachable endpoint, and the
//! API key staying out of everything but the Authorization header.

use std::time::{Duration, Instant};

use rewardsmith::evolve::llm::{ChatMessage, LlmClient, LlmConfig};
use rewardsmith_tests::scripted_llm::{Reply, ScriptedServer};

const KEY: &str = "sk-test-SECRET-1234";

fn config(server: &ScriptedServer) -> LlmConfig {
    LlmConfig {
        base_url: server.url(),
        api_key: Some(KEY.into()),
        timeout: Duration::from_millis(300),
        max_retries: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        ..LlmConfig::new("test-model")
    }
}

fn client(server: &ScriptedServer) -> LlmClient {
    LlmClient::new(config(server)).unwrap()
}

fn messages() -> Vec<ChatMessage> {
    vec![
        ChatMessage { role: "system".into(), content: "You write reward functions.".into() },
        ChatMessage { role: "user".into(), content: "Balance the pole.".into() },
    ]
}

const PROGRAM: &str = "```rust\nfn reward() {}\nexport_reward!(reward);\n```";

#[test]
fn a_good_answer_with_usage_and_the_request_as_sent() {
    let server = ScriptedServer::start(vec![Reply::chat(PROGRAM)]);
    let c = client(&server);
    let got = c.complete(&messages(), 1).unwrap();
    assert_eq!(got.texts, [PROGRAM]);
    assert_eq!(got.prompt_tokens, Some(10));
    assert_eq!(got.completion_tokens, Some(PROGRAM.split_whitespace().count() as u64));
    assert_eq!((got.requests, got.retries), (1, 0));
    assert!(got.failures.is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!((reqs[0].method.as_str(), reqs[0].path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(reqs[0].body, c.request_json(&messages(), 1), "request_json is the body sent");
    assert_eq!(reqs[0].body["model"], "test-model");
    assert_eq!(reqs[0].body["temperature"], 1.0);
    assert_eq!(reqs[0].body["messages"][1]["content"], "Balance the pole.");
    assert!(reqs[0].body.get("n").is_none(), "n is only sent for several samples");
}

#[test]
fn n_honoured_takes_one_request() {
    let server = ScriptedServer::start(vec![Reply::Chat(vec!["a".into(), "b".into(), "c".into()])]);
    let c = client(&server);
    let got = c.complete(&messages(), 3).unwrap();
    assert_eq!(got.texts, ["a", "b", "c"]);
    assert_eq!(got.requests, 1);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].body["n"], 3);
    assert_eq!(reqs[0].body, c.request_json(&messages(), 3));
}

#[test]
fn n_ignored_is_filled_with_single_requests() {
    let server = ScriptedServer::start(vec![Reply::chat("a"), Reply::chat("b"), Reply::chat("c"), Reply::chat("d")]);
    let got = client(&server).complete(&messages(), 4).unwrap();
    let mut texts = got.texts.clone();
    texts.sort();
    assert_eq!(texts, ["a", "b", "c", "d"]);
    assert_eq!(got.requests, 4);
    assert_eq!(got.prompt_tokens, Some(40), "usage summed over requests");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].body["n"], 4);
    assert!(reqs[1..].iter().all(|r| r.body.get("n").is_none()), "fallback requests ask for one sample");
}

#[test]
fn n_rejected_falls_back_and_is_remembered() {
    let server = ScriptedServer::start(vec![
        Reply::Status(400, r#"{"error":{"message":"'n' is not supported"}}"#.into()),
        Reply::chat("a"),
        Reply::chat("b"),
        Reply::chat("c"),
        Reply::chat("d"),
    ]);
    let c = client(&server);
    let got = c.complete(&messages(), 2).unwrap();
    assert_eq!(got.texts.len(), 2);
    assert_eq!(got.requests, 3);
    assert!(c.request_json(&messages(), 2).get("n").is_none(), "later calls do not send n");
    let got = c.complete(&messages(), 2).unwrap();
    assert_eq!(got.requests, 2);
    assert!(server.requests()[3..].iter().all(|r| r.body.get("n").is_none()));
}

#[test]
fn the_concurrency_limit_holds() {
    let slow = || Reply::Slow(Duration::from_millis(150), Box::new(Reply::chat("x")));
    let server = ScriptedServer::start((0..6).map(|_| slow()).collect());
    let c = LlmClient::new(LlmConfig { use_n: false, concurrency: 2, ..config(&server) }).unwrap();
    let start = Instant::now();
    let got = c.complete(&messages(), 6).unwrap();
    assert_eq!(got.texts.len(), 6);
    assert_eq!(server.max_in_flight(), 2, "never more than 2 requests at once, and 2 were used");
    assert!(start.elapsed() >= Duration::from_millis(450), "3 rounds of 150 ms: {:?}", start.elapsed());
}

#[test]
fn rate_limit_honours_retry_after() {
    let server = ScriptedServer::start(vec![Reply::RetryAfter(1), Reply::chat("ok")]);
    let start = Instant::now();
    let got = client(&server).complete(&messages(), 1).unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1), "waited {:?}", start.elapsed());
    assert_eq!(got.texts, ["ok"]);
    assert_eq!((got.requests, got.retries), (2, 1));
}

#[test]
fn retry_after_is_capped() {
    let server = ScriptedServer::start(vec![Reply::RetryAfter(3600), Reply::chat("ok")]);
    let c = LlmClient::new(LlmConfig { retry_after_max: Duration::from_millis(100), ..config(&server) }).unwrap();
    let start = Instant::now();
    assert_eq!(c.complete(&messages(), 1).unwrap().texts, ["ok"]);
    let t = start.elapsed();
    assert!(t >= Duration::from_millis(100) && t < Duration::from_secs(5), "{t:?}");
}

#[test]
fn rate_limit_exhausted_is_typed() {
    let server = ScriptedServer::start(vec![Reply::RetryAfter(0), Reply::RetryAfter(0)]);
    let c = LlmClient::new(LlmConfig { max_retries: 1, ..config(&server) }).unwrap();
    let e = c.complete(&messages(), 1).unwrap_err();
    assert_eq!(e.kind(), "rate_limited");
    assert!(e.is_transient());
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn server_error_then_success() {
    let server = ScriptedServer::start(vec![Reply::Status(500, "boom".into()), Reply::chat("ok")]);
    let got = client(&server).complete(&messages(), 1).unwrap();
    assert_eq!(got.texts, ["ok"]);
    assert_eq!((got.requests, got.retries), (2, 1));
}

#[test]
fn server_errors_exhaust_the_retries() {
    let server = ScriptedServer::start(vec![]); // every request: 500 "script exhausted"
    let e = client(&server).complete(&messages(), 1).unwrap_err();
    assert_eq!(e.kind(), "server_error");
    assert!(e.to_string().contains("script exhausted") && e.to_string().contains("4 attempt"), "{e}");
    assert_eq!(server.requests().len(), 4, "1 try + 3 retries");
}

#[test]
fn a_slow_reply_times_out_and_is_retried() {
    let slow = Reply::Slow(Duration::from_millis(1500), Box::new(Reply::chat("late")));
    let server = ScriptedServer::start(vec![slow, Reply::chat("on time")]);
    let got = client(&server).complete(&messages(), 1).unwrap();
    assert_eq!(got.texts, ["on time"]);
    assert_eq!(got.retries, 1);
}

#[test]
fn slow_replies_end_in_a_timeout_error() {
    let slow = || Reply::Slow(Duration::from_millis(1500), Box::new(Reply::chat("late")));
    let server = ScriptedServer::start(vec![slow(), slow()]);
    let c = LlmClient::new(LlmConfig { max_retries: 1, ..config(&server) }).unwrap();
    let start = Instant::now();
    let e = c.complete(&messages(), 1).unwrap_err();
    assert_eq!(e.kind(), "timeout", "{e}");
    assert!(e.to_string().contains("300 ms") && e.to_string().contains("2 attempt"), "{e}");
    assert!(start.elapsed() < Duration::from_millis(1400), "gave up at the timeout: {:?}", start.elapsed());
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_dropped_connection_is_retried() {
    let server = ScriptedServer::start(vec![Reply::chat("first"), Reply::Close, Reply::chat("ok")]);
    let c = client(&server);
    c.complete(&messages(), 1).unwrap();
    let got = c.complete(&messages(), 1).unwrap();
    assert_eq!(got.texts, ["ok"]);
    assert_eq!(got.retries, 1);
}

#[test]
fn malformed_json_is_retried_once_then_typed() {
    let server = ScriptedServer::start(vec![Reply::Malformed, Reply::chat("ok")]);
    assert_eq!(client(&server).complete(&messages(), 1).unwrap().texts, ["ok"]);

    let server = ScriptedServer::start(vec![Reply::Malformed, Reply::Malformed, Reply::chat("never asked")]);
    let e = client(&server).complete(&messages(), 1).unwrap_err();
    assert_eq!(e.kind(), "malformed");
    assert!(e.to_string().contains("invalid JSON") && e.to_string().contains("--base-url"), "{e}");
    assert_eq!(server.requests().len(), 2, "bounded: one retry");

    let server = ScriptedServer::start(vec![Reply::Status(200, r#"{"object":"list","data":[]}"#.into()); 2]);
    assert_eq!(client(&server).complete(&messages(), 1).unwrap_err().kind(), "malformed");
}

#[test]
fn unauthorized_is_not_retried_and_never_shows_the_key() {
    let body = format!(r#"{{"error":{{"message":"Incorrect API key provided: {KEY}"}}}}"#);
    let server = ScriptedServer::start(vec![Reply::Status(401, body), Reply::chat("never asked")]);
    let c = client(&server);
    let e = c.complete(&messages(), 1).unwrap_err();
    assert_eq!(e.kind(), "unauthorized");
    let text = e.to_string();
    assert!(text.contains("check OPENAI_API_KEY"), "{text}");
    assert!(!text.contains("SECRET") && !format!("{e:?}").contains("SECRET"), "the echoed key is redacted: {text}");
    assert_eq!(server.requests().len(), 1, "401 is not retried");
    // The key went where it belongs, and nowhere else.
    assert_eq!(server.requests()[0].header("Authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert!(!format!("{:?}", config(&server)).contains("SECRET"));
    assert!(!format!("{c:?}").contains("SECRET"));
    assert!(!c.request_json(&messages(), 3).to_string().contains("SECRET"));
}

#[test]
fn forbidden_not_found_and_bad_request_are_not_retried() {
    for (status, kind, hint) in [
        (403, "forbidden", "--model"),
        (404, "not_found", "check --base-url and --model"),
        (400, "bad_request", "rejected"),
        (422, "bad_request", "rejected"),
    ] {
        let server = ScriptedServer::start(vec![Reply::Status(status, "nope".into()), Reply::chat("never asked")]);
        let e = client(&server).complete(&messages(), 1).unwrap_err();
        assert_eq!(e.kind(), kind, "{status}: {e}");
        assert!(e.to_string().contains(hint) && e.to_string().contains("nope"), "{e}");
        assert!(!e.is_transient());
        assert_eq!(server.requests().len(), 1, "{status} is not retried");
    }
}

#[test]
fn no_key_sends_no_authorization() {
    let server = ScriptedServer::start(vec![Reply::chat("ok")]);
    let c = LlmClient::new(LlmConfig { api_key: None, ..config(&server) }).unwrap();
    c.complete(&messages(), 1).unwrap();
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn an_unreachable_endpoint_names_the_url_and_the_offline_proposer() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: connections are refused
    let url = format!("http://127.0.0.1:{port}/v1");
    let cfg = LlmConfig {
        base_url: url.clone(),
        api_key: Some(KEY.into()),
        timeout: Duration::from_millis(300),
        ..LlmConfig::new("m")
    };
    let start = Instant::now();
    let e = LlmClient::new(cfg).unwrap().complete(&messages(), 4).unwrap_err();
    assert_eq!(e.kind(), "unreachable", "{e}");
    let text = e.to_string();
    assert!(text.contains(&url) && text.contains("--proposer offline"), "{text}");
    assert!(!text.contains("SECRET"));
    // Default backoff is 1 s: failing fast shows a never-reached endpoint is not retried.
    assert!(start.elapsed() < Duration::from_millis(900), "{:?}", start.elapsed());
}

#[test]
fn some_samples_failing_still_returns_the_rest() {
    let server = ScriptedServer::start(vec![Reply::chat("ok"), Reply::Status(403, "not for you".into())]);
    let c = LlmClient::new(LlmConfig { use_n: false, ..config(&server) }).unwrap();
    let got = c.complete(&messages(), 2).unwrap();
    assert_eq!(got.texts, ["ok"]);
    assert_eq!(got.failures.len(), 1);
    assert!(got.failures[0].contains("403"), "{:?}", got.failures);
}

#[test]
fn answers_extract_to_programs() {
    use rewardsmith::evolve::extract::extract_program;
    let helper = "```rust\nfn k(x: f32) -> f32 { x }\n```\n";
    let main = "```rust\nfn reward() -> f32 { k(1.0) }\nexport_reward!(reward);\n```";
    let server = ScriptedServer::start(vec![Reply::Chat(vec![format!("{helper}Then:\n{main}"), "no code".into()])]);
    let got = client(&server).complete(&messages(), 2).unwrap();
    let program = extract_program(&got.texts[0]).unwrap();
    assert!(program.contains("fn k") && program.contains("export_reward!(reward);"));
    assert_eq!(extract_program(&got.texts[1]).unwrap_err().kind(), "no_code");
}
