//! Server-rendered pages. Every element the browser script or a test needs carries a stable
//! `data-*` hook (listed in docs/web.md); the script (`/static/playground.js`) adds live
//! updates, the editor's check/train buttons and the preference form.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::error::{PageError, parse_id};
use super::files::RUNTIME_HINT;
use super::view::{FeedbackUse, feedback_line, feedback_use, run_summary};
use super::{AppState, esc};
use crate::candidate::{Candidate, Status};
use crate::evolve::Summary;
use crate::evolve::report::{StoredRun, charts, final_evaluation_html, first_line, fmt};
use crate::store::RunRow;
use crate::train::{Checkpoint, Series, TrainResult, render_svg};

/// The style sheet, served at `/static/playground.css` (no inline styles: the CSP allows
/// styles from this server only).
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}\
nav a{margin-right:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\
pre{background:#f6f6f6;padding:.7em;overflow-x:auto}.trained{color:#075}.failed,.compile_error,.reward_error,.train_error,.no_code{color:#a00}\
.hint{background:#fff6d8;padding:.5em}.cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;padding:.5em}\
iframe{border:1px solid #ccc;width:480px;height:360px}.diag{color:#a00;font-weight:bold}textarea{width:100%;font-family:monospace}\
.src td{border:none;padding:0 6px;font-family:monospace;white-space:pre}.src .ln{color:#888;text-align:right}.src tr.err{background:#fde}\
.diff tr.add{background:#e6ffec}.diff tr.del{background:#ffebe9}.diff tr.fold td{color:#888}\
iframe{max-width:100%}svg{max-width:100%;height:auto}\
@media (max-width:700px){body{padding:0 .5em}table{display:block;overflow-x:auto;max-width:100%}.card{width:100%}}\
@media (prefers-color-scheme:dark){body{background:#15181c;color:#dde3ea}a{color:#8ab4f8}td,th,iframe,.card{border-color:#444}\
pre{background:#22262b}.hint{background:#3a3320}.trained{color:#5fd3a1}.failed,.compile_error,.reward_error,.train_error,.no_code,.diag{color:#ff8a8a}\
.src tr.err{background:#4a2530}.diff tr.add{background:#1f3a29}.diff tr.del{background:#4a2530}svg{background:#fff}}";

/// The page frame: nav, style, the script. `page` names the page for the script (`data-page`).
pub fn layout(title: &str, page: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\"><title>{} · rewardsmith</title>\
         <link rel=\"stylesheet\" href=\"/static/playground.css\"><script type=\"module\" src=\"/static/playground.js\"></script></head>\
         <body data-page=\"{page}\"><nav><b>rewardsmith</b> · <a href=\"/\">Runs</a><a href=\"/envs\">Envs</a>\
         <a href=\"/editor\">Editor</a></nav>{body}</body></html>",
        esc(title)
    )
}

fn utc(unix: i64) -> String {
    format!("{} UTC", crate::store::utc(unix))
}

/// `s` with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The replay iframe for a candidate's files, or how to build the runtime. It plays the
/// best checkpoint when the training kept one (`result`'s `best`), as `eval` and
/// `export-demo` do by default, and says which.
pub(super) fn replay(state: &AppState, env: &str, files: &str, result: Option<&TrainResult>) -> String {
    replay_seeded(state, env, files, result, 0)
}

/// [`replay`] playing episode seed `seed` first.
fn replay_seeded(state: &AppState, env: &str, files: &str, result: Option<&TrainResult>, seed: u64) -> String {
    let Some(runtime) = state.runtime() else {
        return format!("<p class=\"hint\" data-runtime-missing>Replay unavailable: {}.</p>", esc(RUNTIME_HINT));
    };
    let best = result.and_then(|r| r.best.as_ref());
    let checkpoint = if best.is_some() { Checkpoint::Best } else { Checkpoint::Last };
    // Under the runtime's content hash: every frame on the page shares one cached download.
    let src = format!(
        "/runtime/{}/index.html?env={}&policy={files}{}&reward={files}reward.wasm&seed={seed}&autoplay=1",
        runtime.version,
        esc(env),
        checkpoint.file_name(),
    );
    let caption = match best {
        Some(b) => {
            format!("best checkpoint: step {}, held-out fitness {:.3} ± {:.3}", b.step, b.fitness.mean, b.fitness.std)
        }
        None => "last policy (no best checkpoint kept)".into(),
    };
    format!(
        "<iframe data-replay src=\"{src}\" title=\"replay\" loading=\"lazy\"></iframe>\
         <p class=\"hint\" data-replay-checkpoint=\"{checkpoint}\">{caption}</p>"
    )
}

pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("playground.js")).into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

// ----- runs list -----

pub async fn runs(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let st = state.store();
    let runs = st.runs()?;
    let mut b = String::from("<h1>Runs</h1>");
    if runs.is_empty() {
        let _ = write!(
            b,
            "<p data-no-runs>No runs in {} yet: start one with <code>rewardsmith evolve --env cartpole --proposer offline</code>.</p>",
            esc(&st.path().display().to_string())
        );
    }
    b.push_str(
        "<table data-runs><thead><tr><th>id</th><th>env</th><th>proposer</th><th>status</th><th>iterations</th>\
         <th>trained</th><th>best fitness (search)</th><th>final (best)</th><th>score</th><th>created</th></tr></thead><tbody>",
    );
    for r in &runs {
        let s = run_summary(st, r)?;
        let planned = s["planned_iterations"].as_u64().map_or(String::new(), |p| format!("/{p}"));
        // The human-normalised score, or "undefined" with the reason on hover.
        let score = match (s["final_score"].as_f64(), s["final_score_undefined"].as_str()) {
            (Some(v), _) => format!("{v:.3}"),
            (None, Some(why)) => format!("<span title=\"{}\">undefined</span>", esc(why)),
            (None, None) => "–".into(),
        };
        let _ = write!(
            b,
            "<tr data-run-id=\"{id}\"><td><a href=\"/runs/{id}\">{id}</a></td><td>{}</td><td>{}</td><td data-status>{}</td>\
             <td>{}{planned}</td><td>{}/{}</td><td>{}</td><td data-final-best>{}</td><td data-score>{score}</td><td>{}</td></tr>",
            esc(&r.env),
            esc(&proposer_text(r)),
            r.status,
            s["iterations"],
            s["trained"],
            s["candidates"],
            fmt(s["best_fitness"].as_f64()),
            fmt(s["final_best"].as_f64()),
            utc(r.created_unix),
            id = r.id,
        );
    }
    b.push_str("</tbody></table>");
    b.push_str(&super::trainings::section(&state.inner.root));
    Ok(Html(layout("Runs", "runs", &b)))
}

fn proposer_text(r: &RunRow) -> String {
    match &r.model {
        Some(m) => format!("{} ({m})", r.proposer),
        None => r.proposer.to_string(),
    }
}

// ----- envs -----

pub async fn envs() -> Html<String> {
    let mut b = String::from("<h1>Environments</h1>");
    for r in rewardsmith_envs::registry() {
        let s = r.spec;
        let _ = write!(
            b,
            "<section data-env=\"{id}\"><h2 id=\"{id}\">{id}</h2><p>{}</p><p><b>Fitness:</b> {} (solved at {})</p>\
             <p>Rewards read <code>rewardsmith_guest::envs::{}::State</code>. \
             <a href=\"/editor?env={id}\">Write a reward</a></p>",
            esc(s.description),
            esc(s.fitness_doc),
            s.solved_fitness,
            esc(rewardsmith_envs::registry::base_name(s.reward_env)),
            id = esc(s.id),
        );
        if let Some(layout) = rewardsmith_guest::envs::find(s.reward_env) {
            b.push_str("<table><tr><th>state field</th><th>len</th><th>unit</th><th>meaning</th></tr>");
            for f in layout.state_fields {
                let _ = write!(
                    b,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(f.name),
                    f.len,
                    esc(f.unit),
                    esc(f.doc.trim())
                );
            }
            b.push_str("</table>");
        }
        b.push_str("</section>");
    }
    Html(layout("Envs", "envs", &b))
}

// ----- one run -----

fn candidate_row(c: &Candidate, run: i64) -> String {
    let detail = match (&c.error_kind, &c.error_text) {
        (Some(k), t) => format!("<b>{}</b> {}", esc(k), esc(&first_line(t.as_deref().unwrap_or(""), 160))),
        _ => String::new(),
    };
    format!(
        "<tr data-candidate-id=\"{id}\" data-status=\"{s}\" data-iteration=\"{}\"><td><input type=\"checkbox\" data-compare-pick=\"{id}\" \
         aria-label=\"compare\"></td><td><a href=\"/runs/{run}/candidates/{id}\">{}</a></td>\
         <td>{}</td><td class=\"{s}\">{s}</td><td data-fitness>{}</td><td>{detail}</td></tr>",
        c.key.iteration,
        esc(&c.label()),
        c.key.origin,
        fmt(c.fitness),
        id = c.id,
        s = c.status,
    )
}

/// The run's plot: candidate fitness by iteration, best so far, and the best's curves (the report's charts).
fn plot(state: &AppState, run: &RunRow) -> Result<String, PageError> {
    Ok(charts(&StoredRun::read(state.store(), run.id)?.data()))
}

pub async fn run_plot(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = parse_id("run id", &id).map_err(PageError)?;
    let run = state.store().run(id)?;
    let svg = plot(&state, &run)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg).into_response())
}

/// `/runs/{id}/report`: the run's report as `rewardsmith report` writes it, from the store now.
pub async fn run_report(State(state): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = parse_id("run id", &id).map_err(PageError)?;
    Ok(Html(crate::evolve::report::html(&StoredRun::read(state.store(), id)?.data())))
}

pub async fn run(State(state): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = parse_id("run id", &id).map_err(PageError)?;
    let st = state.store();
    let run = st.run(id)?;
    let cands = st.candidates(id, None)?;
    let mut b = format!(
        "<main data-run=\"{id}\"><h1>Run {id} — {}</h1><p>Proposer {} · status <b data-run-status>{}</b> · created {} · \
         <span data-live>{}</span></p>",
        esc(&run.env),
        esc(&proposer_text(&run)),
        run.status,
        utc(run.created_unix),
        if run.status == crate::store::RunStatus::Running { "live" } else { "finished" }
    );
    // The answer first: the final evaluation, as in the report (linked).
    let summary = run.summary.clone().and_then(|v| serde_json::from_value::<Summary>(v).ok());
    b.push_str("<section data-final>");
    match &summary {
        Some(s) => {
            let _ = write!(
                b,
                "<h2>Final evaluation</h2>{}<p><a href=\"/runs/{id}/report\" data-report-link>The run's report</a> \
                 (every candidate, curves, the best reward's source).</p>",
                final_evaluation_html(s)
            );
        }
        None => {
            let _ = write!(
                b,
                "<p data-final-pending>The final evaluation (the best reward retrained on new seeds, against the \
                 env's human and sparse rewards) runs after the last iteration. \
                 <a href=\"/runs/{id}/report\" data-report-link>The report so far</a>.</p>"
            );
        }
    }
    b.push_str("</section>");
    b.push_str("<h2>Iterations</h2><ul data-iterations>");
    for it in st.iterations(id)? {
        let _ = write!(
            b,
            "<li data-iteration-key=\"{k}.{a}\">iteration {k}{} — <span data-iteration-status>{}</span> \
             <a href=\"/runs/{id}/iterations/{k}/rank\">rank its candidates</a></li>",
            if it.attempt > 0 { format!(" (retry {})", it.attempt) } else { String::new() },
            it.status,
            k = it.idx,
            a = it.attempt,
        );
    }
    b.push_str("</ul>");
    // Replaced by the live script when the best changes (`data-best-id`).
    let best = st.best_candidate(id)?;
    let _ = write!(b, "<section data-best data-best-id=\"{}\">", best.as_ref().map_or(0, |(c, _)| c.id));
    if let Some((best, selection)) = best {
        let _ = write!(
            b,
            "<h2>Best agent</h2><p data-best-candidate=\"{cid}\"><a href=\"/runs/{id}/candidates/{cid}\">{}</a>, \
             fitness {}</p>",
            esc(&best.label()),
            esc(&selection.describe()),
            cid = best.id,
        );
        let result = TrainResult::from_stored(best.result.as_ref());
        b.push_str(&replay(&state, &run.env, &format!("/api/runs/{id}/candidates/{}/", best.id), result.as_ref()));
    }
    b.push_str("</section>");
    b.push_str("<h2>Fitness</h2><div data-plot>");
    b.push_str(&plot(&state, &run)?);
    b.push_str(
        "</div><h2>Candidates</h2><p><button data-compare-go>Compare the ticked candidates</button> \
         (their curves overlaid, their terms side by side, their sources' differences, on this page)</p>\
         <p><label>Show only rows containing <input type=\"search\" data-candidate-filter \
         placeholder=\"e.g. trained, mutation, compile\"></label> <span data-candidate-count></span></p>\
         <table><thead><tr><th></th><th><button data-sort=\"candidate\">candidate</button></th>\
         <th><button data-sort=\"origin\">origin</button></th><th><button data-sort=\"status\">status</button></th>\
         <th><button data-sort=\"fitness\">fitness</button></th><th>error</th></tr></thead><tbody data-candidates>",
    );
    for c in &cands {
        b.push_str(&candidate_row(c, id));
    }
    let _ = write!(
        b,
        "</tbody></table><section data-compare-inline hidden></section>\
         <h2>Config</h2><pre data-config>{}</pre></main>",
        esc(&serde_json::to_string_pretty(&run.config).unwrap_or_default())
    );
    Ok(Html(layout(&format!("Run {id}"), "run", &b)))
}

// ----- one candidate -----

/// Fitness, episode length and every term over training (checkpoint curves of the result).
fn result_svg(r: &TrainResult, title: &str) -> String {
    let steps: Vec<f64> = r.checkpoint_steps.iter().map(|&s| s as f64).collect();
    let curve = |name: String, values: &[Option<f64>]| {
        Series::curve(name, steps.iter().zip(values).filter_map(|(&x, v)| Some((x, (*v)?))).collect())
    };
    let mut series =
        vec![curve("task fitness".into(), &r.fitness.values), curve("episode length".into(), &r.episode_length.values)];
    series.extend(r.terms.iter().map(|t| curve(format!("term {}", t.name), &t.values)));
    render_svg(title, &series).unwrap_or_default()
}

/// Source with line numbers, and compiler diagnostics under the lines they name (as the
/// editor shows them): the line marked `err`, a `tr[data-diagnostic]` row with the message.
pub(super) fn numbered(source: &str, diags: &[crate::compiler::Located]) -> String {
    let mut s = String::from("<table class=\"src\" data-source>");
    for (i, line) in source.lines().enumerate() {
        let n = i + 1;
        let here: Vec<_> = diags.iter().filter(|d| d.line == n).collect();
        let class = if here.is_empty() { "" } else { " class=\"err\"" };
        let _ = write!(s, "<tr data-line=\"{n}\"{class}><td class=\"ln\">{n}</td><td>{}</td></tr>", esc(line));
        for d in here {
            let _ = write!(
                s,
                "<tr data-diagnostic data-diagnostic-line=\"{n}\"><td class=\"ln\"></td><td class=\"diag\">\
                 <pre>line {n}:{}: {}</pre></td></tr>",
                d.column,
                esc(&d.text)
            );
        }
    }
    s.push_str("</table>");
    s
}

pub async fn candidate(
    State(state): State<AppState>,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let id = parse_id("run id", &id).map_err(PageError)?;
    let cid = parse_id("candidate id", &cid).map_err(PageError)?;
    let st = state.store();
    let c = st.candidate_of_run(id, cid)?;
    let run = st.run(id)?;
    let mut b = format!(
        "<main data-candidate=\"{cid}\"><h1>Candidate {} of <a href=\"/runs/{id}\">run {id}</a></h1>\
         <p>{} · status <b class=\"{s}\" data-status>{s}</b> · fitness <b data-fitness>{}</b></p>",
        esc(&c.label()),
        c.key.origin,
        fmt(c.fitness),
        s = c.status
    );
    // Lineage: the candidate it was derived from, and what the proposer changed.
    let parent = c.parent_id.and_then(|p| st.candidate_of_run(id, p).ok());
    let diff = parent
        .as_ref()
        .filter(|p| p.source != c.source)
        .map(|p| (p.label(), super::diff::diff_table(&p.source, &c.source)));
    if parent.is_some() || !c.note.is_empty() {
        let from = parent.map_or(String::new(), |p| {
            format!(
                "derived from <a href=\"/runs/{id}/candidates/{pid}\" data-parent=\"{pid}\">{}</a>",
                esc(&p.label()),
                pid = p.id
            )
        });
        let sep = if from.is_empty() || c.note.is_empty() { "" } else { ": " };
        let _ = write!(b, "<p data-lineage>{from}{sep}{}</p>", esc(&c.note));
    }
    if c.status.is_failure() {
        let _ = write!(
            b,
            "<h2>Diagnostics</h2><p class=\"diag\" data-error-kind=\"{k}\">{k}</p><pre data-error-text>{}</pre>",
            esc(c.error_text.as_deref().unwrap_or("")),
            k = esc(c.error_kind.as_deref().unwrap_or("")),
        );
    }
    if c.status == Status::Trained {
        let files = format!("/api/runs/{id}/candidates/{cid}/");
        b.push_str("<h2>Replay</h2>");
        let result = TrainResult::from_stored(c.result.as_ref());
        b.push_str(&replay(&state, &run.env, &files, result.as_ref()));
        if let Some(r) = result {
            b.push_str("<h2>Curves</h2><div data-curves>");
            b.push_str(&result_svg(&r, &format!("{} — {}", run.env, c.label())));
            b.push_str("</div>");
        }
        // Every logged iteration of the training, PPO's diagnostics included (value loss,
        // entropy, KL, clip fraction, explained variance): the run folder's own figure.
        if super::files::candidate_dir(&state, id, cid).is_ok_and(|d| d.join("curves.svg").is_file()) {
            let _ = write!(
                b,
                "<h2>Training, every iteration</h2><p>Returns, fitness, episode lengths, every reward term and PPO's \
                 diagnostics, as logged in <a href=\"{files}metrics.jsonl\">metrics.jsonl</a>; long curves smoothed \
                 (TensorBoard's 0.6) over the raw ones. <a href=\"{files}curves.svg\" data-curves-open>Open the figure by \
                 itself</a> to read any point's value on hover.</p>\
                 <img data-train-diagnostics src=\"{files}curves.svg\" alt=\"training curves and PPO diagnostics\">"
            );
        }
        let _ = write!(
            b,
            "<p>Files: {}</p>",
            super::CANDIDATE_FILES
                .iter()
                .map(|f| format!("<a href=\"{files}{f}\">{f}</a>"))
                .collect::<Vec<_>>()
                .join(" · ")
        );
    }
    if let Some(html) = super::conversation::conversation_html(&c, &st.llm_calls(id)?) {
        b.push_str(&html);
    }
    if let Some((from, (removed, added, table))) = diff {
        let _ = write!(
            b,
            "<h2>Changes from {}</h2><p data-diff-summary>{removed} line(s) removed, {added} added.</p>{table}",
            esc(&from)
        );
    }
    b.push_str("<h2>Source</h2>");
    // A compile error's diagnostics marked on the lines they name.
    let located = if c.status == Status::CompileError {
        crate::compiler::located(c.error_text.as_deref().unwrap_or(""))
    } else {
        Vec::new()
    };
    b.push_str(&numbered(&c.source, &located));
    b.push_str("</main>");
    Ok(Html(layout(&format!("Candidate {cid}"), "candidate", &b)))
}

// ----- preference ranking -----

pub async fn rank(
    State(state): State<AppState>,
    Path((id, k)): Path<(String, String)>,
    query: axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Html<String>, PageError> {
    let id = parse_id("run id", &id).map_err(PageError)?;
    let k = parse_id("iteration", &k).map_err(PageError)?;
    let k = u32::try_from(k).map_err(|_| super::ApiError::bad_request("bad_id", "iteration out of range").page())?;
    let st = state.store();
    let run = st.run(id)?;
    let cands: Vec<Candidate> = st
        .candidates(id, Some(k))?
        .into_iter()
        .filter(|c| c.status == Status::Trained && c.key.origin.is_search())
        .collect();
    // Blind mode hides fitness, so it cannot anchor the choice; every card plays one seed.
    let blind = query.get("blind").is_some_and(|v| v == "1");
    let seed: u64 = query.get("seed").and_then(|s| s.parse().ok()).unwrap_or(0);
    let used_by = feedback_use(st, &run)?;
    let mut b = format!(
        "<main data-rank data-run=\"{id}\" data-iteration=\"{k}\" data-blind=\"{}\" data-seed=\"{seed}\">\
         <h1>Rank iteration {k} of <a href=\"/runs/{id}\">run {id}</a></h1>\
         <p>Watch the policies, mark the best and the worst, add words if you like (the LLM proposer reads them in its \
         prompt; the offline proposer breeds from the best and never from the worst). Every replay plays episode seed \
         {seed}. {}</p><p data-feedback-use=\"{}\">{}.</p>",
        u8::from(blind),
        if blind {
            format!("Fitness is hidden. <a href=\"?seed={seed}\" data-blind-toggle>Show it</a>.")
        } else {
            format!("<a href=\"?blind=1&amp;seed={seed}\" data-blind-toggle>Hide fitness</a> while you choose.")
        },
        if matches!(used_by, FeedbackUse::Never(_)) { "never" } else { "next" },
        esc(&capitalised(&used_by.describe(id))),
    );
    if cands.len() < 2 {
        b.push_str("<p data-rank-empty>This iteration has fewer than two trained candidates yet.</p>");
    }
    b.push_str("<div class=\"cards\">");
    for c in &cands {
        let files = format!("/api/runs/{id}/candidates/{}/", c.id);
        let fitness = if blind {
            String::new()
        } else {
            format!(" · fitness <span data-card-fitness>{}</span>", fmt(c.fitness))
        };
        let _ = write!(
            b,
            "<div class=\"card\" data-rank-candidate=\"{cid}\"><h3><a href=\"/runs/{id}/candidates/{cid}\">{}</a>{fitness}</h3>{}\
             <p><label><input type=\"radio\" name=\"best\" value=\"{cid}\" data-best=\"{cid}\"> best</label> \
             <label><input type=\"radio\" name=\"worst\" value=\"{cid}\" data-worst=\"{cid}\"> worst</label></p></div>",
            esc(&c.label()),
            replay_seeded(&state, &run.env, &files, TrainResult::from_stored(c.result.as_ref()).as_ref(), seed),
            cid = c.id,
        );
    }
    b.push_str("</div>");
    if !matches!(used_by, FeedbackUse::Never(_)) {
        b.push_str(
            "<p><textarea data-feedback-text rows=\"3\" placeholder=\"optional: what you saw\"></textarea></p>\
             <p><button data-submit-feedback>Send preference</button> <span data-feedback-result></span></p>",
        );
    }
    // What was chosen here before, and whether an iteration has used it.
    let all = st.feedback(id)?;
    b.push_str("<h2>Choices for this iteration</h2><ul data-past-feedback>");
    for f in all.iter().filter(|f| f.iteration == k) {
        let _ = write!(b, "<li data-feedback-item=\"{}\">{}</li>", f.id, esc(&feedback_line(f)));
    }
    b.push_str("</ul>");
    let pending = all.iter().filter(|f| f.consumed_by_iteration.is_none()).count();
    let _ =
        write!(b, "<p data-feedback-pending=\"{pending}\">{pending} feedback item(s) pending for this run.</p></main>");
    Ok(Html(layout(&format!("Rank iteration {k} of run {id}"), "rank", &b)))
}

// ----- editor -----

pub async fn editor(
    State(state): State<AppState>,
    query: axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Html<String> {
    let want = query.get("env").map(String::as_str).unwrap_or("cartpole");
    let reg = rewardsmith_envs::registry::find(want)
        .or_else(|_| rewardsmith_envs::registry::find("cartpole"))
        .ok()
        .or_else(|| rewardsmith_envs::registry().first());
    let env = reg.map_or("", |r| r.spec.id);
    let source = reg.and_then(|r| crate::evolve::baselines::human(r.spec.reward_env)).unwrap_or("");
    let mut b = String::from("<main data-editor><h1>Reward editor</h1><p>Env <select data-env-picker>");
    let max = state.inner.cfg.editor_max_steps;
    for r in rewardsmith_envs::registry() {
        let id = r.spec.id;
        let _ = write!(
            b,
            "<option value=\"{id}\" data-budget=\"{}\"{}>{id}</option>",
            crate::train::PpoConfig::for_env(id).total_steps,
            if id == env { " selected" } else { "" }
        );
    }
    let _ = write!(
        b,
        "</select> (the example is the env's human baseline reward; an LLM's whole answer in \
         markdown can be pasted too: its program is extracted)</p>\
         <p><textarea data-source-input rows=\"28\" spellcheck=\"false\">{}</textarea></p>\
         <p><button data-check>Check</button> <button data-train>Train</button> steps \
         <input data-steps type=\"number\" min=\"1\" max=\"{max}\" value=\"{def}\"> \
         <span data-budget-note>(the env's budget is {budget}; the editor trains at most {max})</span> \
         <span data-draft-note></span></p>\
         <div data-extracted></div><div data-check-result></div><div data-diagnostics></div><div data-train-status></div>\
         <div data-train-curves></div><div data-train-replay data-runtime=\"{}\"></div>\
         <template data-runtime-hint><p class=\"hint\" data-runtime-missing>Replay unavailable: {}.</p></template></main>",
        esc(source),
        state.runtime().map_or(String::new(), |r| r.version.clone()),
        esc(RUNTIME_HINT),
        def = super::editor::editor_default_steps(env, max),
        budget = crate::train::PpoConfig::for_env(env).total_steps,
    );
    Html(layout("Editor", "editor", &b))
}
