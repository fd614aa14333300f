//! The JSON API under `/api` (shapes in docs/web.md) and the live-update stream.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::parse_id;
use super::view::{FeedbackUse, candidate_brief, feedback_use, run_summary};
use super::{ApiError, AppState};
use crate::candidate::Status;
use crate::check::{CheckError, CheckOptions, check as run_check};
use crate::compiler::{CompileError, Source};
use crate::store::FeedbackKind;

/// Reads a JSON body: 413 over the size limit, 400 when it is not the expected JSON.
pub fn json_body<T: for<'de> Deserialize<'de>>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body is over the {} KiB limit", super::MAX_BODY_BYTES / 1024),
            )
        } else {
            ApiError::bad_request("bad_body", r.body_text())
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request("bad_json", format!("bad request body: {e}")))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such page or API route (see docs/web.md)")
}

pub async fn runs(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let st = state.store();
    let list = st.runs()?.iter().map(|r| run_summary(st, r)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Value::Array(list)))
}

pub async fn run(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = parse_id("run id", &id)?;
    let st = state.store();
    let run = st.run(id)?;
    let cands: Vec<Value> = st.candidates(id, None)?.iter().map(candidate_brief).collect();
    Ok(Json(json!({
        "run": run, "summary": run_summary(st, &run)?, "iterations": st.iterations(id)?,
        "candidates": cands, "feedback": st.feedback(id)?,
    })))
}

pub async fn candidate(
    State(state): State<AppState>,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (id, cid) = (parse_id("run id", &id)?, parse_id("candidate id", &cid)?);
    let c = state.store().candidate_of_run(id, cid)?;
    let mut v = serde_json::to_value(&c).unwrap_or(Value::Null);
    v["label"] = json!(c.label());
    Ok(Json(v))
}

/// Candidate `cid` of run `id`; 404 when either is unknown or it belongs to another run.
// ----- feedback -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedbackBody {
    /// `preference` (default) or `text`.
    #[serde(default)]
    kind: Option<String>,
    iteration: u32,
    best: Option<i64>,
    worst: Option<i64>,
    #[serde(default)]
    text: String,
}

/// Longest feedback text kept.
const MAX_FEEDBACK_TEXT: usize = 4000;

pub async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let id = parse_id("run id", &id)?;
    let b: FeedbackBody = json_body(body)?;
    let st = state.store();
    let run = st.run(id)?;
    // Only where an iteration will still read it: a finished run's feedback would be lost.
    let used_by = feedback_use(st, &run)?;
    if let FeedbackUse::Never(why) = &used_by {
        return Err(ApiError::new(StatusCode::CONFLICT, "feedback_unused", why.clone()));
    }
    if b.text.chars().count() > MAX_FEEDBACK_TEXT {
        return Err(ApiError::bad_request("bad_feedback", format!("text is over {MAX_FEEDBACK_TEXT} characters")));
    }
    let (row, new) = match b.kind.as_deref().unwrap_or("preference") {
        "text" => {
            if b.text.trim().is_empty() {
                return Err(ApiError::bad_request("bad_feedback", "text feedback needs a non-empty `text`"));
            }
            let payload = json!({ "iteration": b.iteration, "text": b.text });
            st.add_feedback_once(id, b.iteration, FeedbackKind::Text, &payload)?
        }
        "preference" => {
            let (Some(best), Some(worst)) = (b.best, b.worst) else {
                return Err(ApiError::bad_request(
                    "bad_feedback",
                    "a preference needs `best` and `worst` candidate ids",
                ));
            };
            if best == worst {
                return Err(ApiError::bad_request("bad_feedback", "`best` and `worst` must be different candidates"));
            }
            for cid in [best, worst] {
                let ok = st.candidate(cid).ok().is_some_and(|c| {
                    c.run_id == id
                        && c.key.iteration == b.iteration
                        && c.status == Status::Trained
                        && c.key.origin.is_search()
                });
                if !ok {
                    return Err(ApiError::bad_request(
                        "bad_feedback",
                        format!("candidate {cid} is not a trained candidate of run {id}, iteration {}", b.iteration),
                    ));
                }
            }
            // The shape `StoreJournal::take_feedback` parses.
            let payload = json!({ "iteration": b.iteration, "best": best, "worst": worst, "text": b.text });
            st.add_feedback_once(id, b.iteration, FeedbackKind::Preference, &payload)?
        }
        other => {
            return Err(ApiError::bad_request(
                "bad_feedback",
                format!("unknown feedback kind `{}` (preference or text)", super::error::short(other)),
            ));
        }
    };
    // The same item again is the stored one, not a second vote: 200 instead of 201.
    let mut out = serde_json::to_value(&row).expect("a feedback row serialises");
    out["duplicate"] = json!(!new);
    out["used_by"] = json!(used_by.describe(id));
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(out)).into_response())
}

// ----- envs -----

pub async fn envs() -> Json<Value> {
    let list: Vec<Value> = rewardsmith_envs::registry()
        .iter()
        .map(|r| {
            let s = r.spec;
            json!({
                "id": s.id, "reward_env": s.reward_env, "description": s.description,
                "fitness": s.fitness_doc, "solved_fitness": s.solved_fitness, "max_episode_steps": s.max_episode_steps,
                "has_example": crate::evolve::baselines::human(s.reward_env).is_some(),
            })
        })
        .collect();
    Json(Value::Array(list))
}

pub async fn example(Path(env): Path<String>) -> Result<Json<Value>, ApiError> {
    let reg = rewardsmith_envs::registry::find(&env).map_err(|e| ApiError::not_found(format!("{e}")))?;
    let source = crate::evolve::baselines::human(reg.spec.reward_env)
        .ok_or_else(|| ApiError::not_found(format!("no example reward for {}", reg.spec.id)))?;
    Ok(Json(json!({ "env": reg.spec.id, "source": source })))
}

// ----- check -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    env: String,
    source: String,
}

/// Diagnostics with line numbers, for the editor (empty when the error has no location).
pub fn diagnostics(e: &CheckError) -> Vec<Value> {
    match e {
        CheckError::Compile(CompileError::Rustc { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| {
                json!({ "line": d.line, "column": d.column, "level": d.level, "code": d.code,
                        "message": d.message, "label": d.label, "text": d.to_string() })
            })
            .collect(),
        CheckError::Compile(CompileError::Refused(r)) => vec![json!({
            "line": r.line, "column": r.column, "level": "error", "code": null,
            "message": format!("{} is not allowed: {}", r.what, r.why), "label": null, "text": e.to_string(),
        })],
        _ => Vec::new(),
    }
}

/// Compiles and exercises a reward with the CLI's compiler sandbox and limits (fewer
/// transitions than `rewardsmith check`'s default, for a quick answer). A failing program is
/// a 200 with `ok: false`; only a bad request is a 400; 429 `compile_busy` when every compile
/// slot is taken. Text with ``` fences is an LLM answer: its program is extracted first and
/// the response's `extracted` says what was taken (with the program, which diagnostics'
/// line numbers then refer to); an answer without a program is `ok: false` with kind
/// `no_code` or `no_export`.
pub async fn check(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let b: CheckBody = json_body(body)?;
    let reg =
        rewardsmith_envs::registry::find(&b.env).map_err(|e| ApiError::bad_request("unknown_env", e.to_string()))?;
    let env = reg.spec.id;
    let slot = state.compile_slots().try_take()?;
    let result = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let opts = CheckOptions { transitions: 1024, batch: 1024, ..CheckOptions::default() };
        let (source, extracted) = match Source::rust_or_answer(b.source) {
            Ok(read) => read,
            Err(e) => return (Err(CheckError::from(e)), None),
        };
        (run_check(&state.inner.compiler, &state.inner.sandbox, &source, env, opts), extracted)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let (result, extracted) = result;
    let mut out = match result {
        Ok(report) => json!({ "ok": true, "report": report }),
        Err(e) => json!({
            "ok": false,
            "error": { "kind": e.kind(), "message": e.to_string(), "diagnostics": diagnostics(&e) },
        }),
    };
    if let Some(ex) = extracted {
        out["extracted"] = json!(ex);
    }
    Ok(Json(out))
}

// ----- live updates -----

/// What a poll remembers, to emit only what changed.
#[derive(Default)]
struct Seen {
    status: Option<String>,
    iterations: HashMap<(u32, u32), Value>,
    candidates: HashMap<i64, Value>,
}

/// The events for what changed since `seen` (everything on the first poll).
fn changes(state: &AppState, id: i64, seen: &mut Seen) -> Result<Vec<Event>, ApiError> {
    let st = state.store();
    let mut out = Vec::new();
    let run = st.run(id)?;
    let artifacts = super::files::folder_under(&run.artifact_dir, &state.inner.root);
    for it in st.iterations(id)? {
        let v = serde_json::to_value(&it).unwrap_or(Value::Null);
        if seen.iterations.get(&(it.idx, it.attempt)) != Some(&v) {
            out.push(Event::default().event("iteration").data(v.to_string()));
            seen.iterations.insert((it.idx, it.attempt), v);
        }
    }
    for c in st.candidates(id, None)? {
        let mut v = candidate_brief(&c);
        // A candidate in training: how far it has got, from its run folder.
        if c.status == crate::candidate::Status::Compiled
            && let Some(p) = artifacts.as_ref().and_then(|a| super::progress::of_folder(&a.join(format!("c{}", c.id))))
        {
            v["progress"] = json!(p);
        }
        if seen.candidates.get(&c.id) != Some(&v) {
            out.push(Event::default().event("candidate").data(v.to_string()));
            seen.candidates.insert(c.id, v);
        }
    }
    let status = run.status.as_str().to_owned();
    if seen.status.as_deref() != Some(status.as_str()) {
        let summary = run_summary(st, &run)?;
        out.push(Event::default().event("status").data(json!({ "status": status, "summary": summary }).to_string()));
        seen.status = Some(status);
    }
    Ok(out)
}

/// Server-sent events for a run: `iteration`, `candidate` and `status` (JSON data), first
/// the current state, then every change (the store is polled; the evolve loop may be another
/// process).
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = parse_id("run id", &id)?;
    state.store().run(id)?;
    let poll = state.inner.poll;
    let stream = stream::unfold((state, Seen::default(), true), move |(state, mut seen, first)| async move {
        if !first {
            tokio::time::sleep(poll).await;
        }
        let st = state.clone();
        let (batch, seen) = tokio::task::spawn_blocking(move || {
            let batch = changes(&st, id, &mut seen).unwrap_or_else(|e| {
                vec![Event::default().event("error").data(json!({ "kind": e.kind, "message": e.message }).to_string())]
            });
            (batch, seen)
        })
        .await
        .ok()?;
        Some((stream::iter(batch.into_iter().map(Ok::<Event, Infallible>)), (state, seen, false)))
    })
    .flatten();
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
