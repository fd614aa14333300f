//! Single trainings as runs: the run folders of `rewardsmith train` (its default `--out` is
//! `runs/train/<env>-s<seed>-<time>`, beside the default store `runs/rewardsmith.db`) and of
//! the editor (`<store dir>/editor/<n>`), listed under the evolve runs on `/` and each with
//! its own page. Only `<store dir>/{train,editor}/<plain name>` folders holding a manifest
//! are read: kinds are a closed list, names are plain, paths are checked to stay under the
//! store's folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, State};
use axum::response::{Html, Response};

use super::error::PageError;
use super::files::{CANDIDATE_FILES, folder_under, read_named};
use super::runtime::plain_name;
use super::{ApiError, AppState, esc};
use crate::evolve::report::fmt;
use crate::train::{Manifest, RunDir, TrainResult};

/// Where a training came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `rewardsmith train`, in `<store dir>/train/`.
    Train,
    /// The playground editor, in `<store dir>/editor/`.
    Editor,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Train, Kind::Editor];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Train => "train",
            Kind::Editor => "editor",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Most trainings listed on `/` (the newest).
const LIST_MAX: usize = 100;

/// One training's folder, read.
pub struct Training {
    pub kind: Kind,
    pub name: String,
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub result: Option<TrainResult>,
}

fn open(root: &Path, kind: Kind, name: &str) -> Option<Training> {
    if !plain_name(name) {
        return None;
    }
    let dir = folder_under(&root.join(kind.as_str()).join(name), root)?;
    let run = RunDir::open(&dir).ok()?;
    Some(Training { kind, name: name.to_owned(), result: run.result(), manifest: run.manifest().clone(), dir })
}

/// The trainings under `root`, newest first, at most [`LIST_MAX`].
pub fn list(root: &Path) -> Vec<Training> {
    let mut out: Vec<Training> = Vec::new();
    for kind in Kind::ALL {
        let Ok(entries) = std::fs::read_dir(root.join(kind.as_str())) else { continue };
        for e in entries.flatten() {
            if let Some(t) = e.file_name().to_str().and_then(|n| open(root, kind, n)) {
                out.push(t);
            }
        }
    }
    out.sort_by(|a, b| b.manifest.created_unix.cmp(&a.manifest.created_unix).then_with(|| a.name.cmp(&b.name)));
    out.truncate(LIST_MAX);
    out
}

/// The steps trained of the budget, e.g. `8192/8192`.
fn steps(t: &Training) -> String {
    let total = t.manifest.config.pointer("/ppo/total_steps").and_then(serde_json::Value::as_u64);
    let done = t.result.as_ref().map_or(t.manifest.steps, |r| r.steps);
    total.map_or(done.to_string(), |total| format!("{done}/{total}"))
}

/// The trainings section of the runs page (`section[data-trainings-section]`, empty when
/// there are none; the page's live refresh swaps it).
pub fn section(root: &Path) -> String {
    let all = list(root);
    if all.is_empty() {
        return "<section data-trainings-section></section>".into();
    }
    let mut b = String::from(
        "<section data-trainings-section><h2>Trainings</h2><p>Single trainings: <code>rewardsmith train</code> (its default folder, runs/train/, is \
         beside the default store) and the editor's.</p><table data-trainings><thead><tr><th>training</th><th>from</th>\
         <th>env</th><th>status</th><th>steps</th><th>late fitness</th><th>best checkpoint</th><th>created</th></tr>\
         </thead><tbody>",
    );
    for t in &all {
        let late = t.result.as_ref().and_then(|r| r.late_fitness).map(|m| m.mean);
        let best = t.result.as_ref().and_then(|r| r.best.as_ref()).map(|b| b.fitness.mean);
        let _ = write!(
            b,
            "<tr data-training=\"{k}/{n}\"><td><a href=\"/trainings/{k}/{n}\">{n}</a></td><td>{k}</td><td>{}</td>\
             <td data-status>{}</td><td>{}</td><td data-late-fitness>{}</td><td data-best-fitness>{}</td><td>{} UTC</td></tr>",
            esc(&t.manifest.env),
            esc(&t.manifest.status),
            steps(t),
            fmt(late),
            fmt(best),
            crate::store::utc(t.manifest.created_unix as i64),
            k = t.kind.as_str(),
            n = esc(&t.name),
        );
    }
    b.push_str("</tbody></table></section>");
    b
}

fn find(state: &AppState, kind: &str, name: &str) -> Option<Training> {
    open(&state.inner.root, Kind::parse(kind)?, name)
}

/// `/trainings/{kind}/{name}`: what the training was, how it ended, its curves, the replay
/// of its best checkpoint and its reward's source.
pub async fn page(
    State(state): State<AppState>,
    UrlPath((kind, name)): UrlPath<(String, String)>,
) -> Result<Html<String>, PageError> {
    let t = find(&state, &kind, &name).ok_or_else(|| {
        PageError(ApiError::not_found(format!(
            "no training {}/{}",
            super::error::short(&kind),
            super::error::short(&name)
        )))
    })?;
    let (k, n) = (t.kind.as_str(), esc(&t.name));
    let m = &t.manifest;
    let mut b = format!(
        "<main data-training-page=\"{k}/{n}\"><h1>Training {n}</h1><p>{} · from <b>{k}</b> · seed {} · status \
         <b data-status>{}</b> · {} steps</p>",
        esc(&m.env),
        m.seed,
        esc(&m.status),
        steps(&t),
    );
    if let Some(e) = &m.error {
        let _ = write!(b, "<h2>Error</h2><pre data-error-text>{}</pre>", esc(e));
    }
    let files = format!("/api/trainings/{k}/{n}/");
    if let Some(r) = &t.result {
        let late =
            r.late_fitness.map_or("–".into(), |l| format!("{:.3} ± {:.3} over {} episodes", l.mean, l.std, l.n));
        let _ = write!(b, "<p>Late-window fitness <b data-late-fitness>{late}</b>.</p>");
        b.push_str("<h2>Replay</h2>");
        b.push_str(&super::pages::replay(&state, &m.env, &files, Some(r)));
        let _ = write!(
            b,
            "<h2>Training, every iteration</h2><p><a href=\"{files}curves.svg\">Open the figure by itself</a> to read any \
             point's value on hover.</p><img data-train-diagnostics src=\"{files}curves.svg\" alt=\"training curves\">"
        );
    }
    let _ = write!(
        b,
        "<p>Files: {}</p>",
        CANDIDATE_FILES.iter().map(|f| format!("<a href=\"{files}{f}\">{f}</a>")).collect::<Vec<_>>().join(" · ")
    );
    // The reward's source, when it is text.
    if let Ok(source) = std::fs::read_to_string(t.dir.join(&m.reward_file))
        && m.reward_file != "reward.wasm"
    {
        let _ = write!(b, "<h2>Reward ({})</h2>", esc(&m.reward_file));
        b.push_str(&super::pages::numbered(&source, &[]));
    }
    b.push_str("</main>");
    Ok(Html(super::pages::layout(&format!("Training {}", t.name), "training", &b)))
}

/// `/api/trainings/{kind}/{name}/{file}`: a file of the training's folder, by the same
/// allow-list as a candidate's.
pub async fn file(
    State(state): State<AppState>,
    UrlPath((kind, name, file)): UrlPath<(String, String, String)>,
) -> Result<Response, ApiError> {
    let t = find(&state, &kind, &name).ok_or_else(|| ApiError::not_found("no such training"))?;
    read_named(&t.dir, &file)
}
