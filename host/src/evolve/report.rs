//! The run report: one self-contained HTML page (inline SVG, no scripts, no external
//! files) and the same content as markdown — iterations and candidates with status,
//! fitness and errors, the best reward's source, its fitness and term curves, and the final
//! table with the human-normalised score.

use std::fmt::Write as _;

use super::journal::{Candidate, Origin, Status};
use super::search::{FinalScore, Summary};
use crate::store::{RunRow, Store, StoreError};
use crate::train::{Series, TrainResult, render_svg};

/// What a report is made from.
#[derive(Debug)]
pub struct ReportData<'a> {
    pub run_id: i64,
    pub env: &'a str,
    pub proposer: &'a str,
    /// The evolve config as JSON.
    pub config: &'a serde_json::Value,
    pub candidates: &'a [Candidate],
    /// `None` while the run has not finished its final evaluation.
    pub summary: Option<&'a Summary>,
}

/// A run as the store holds it now: what its report and plot are drawn from.
#[derive(Debug)]
pub struct StoredRun {
    pub row: RunRow,
    /// In id order.
    pub candidates: Vec<Candidate>,
    /// `None` until the run completed (or when its stored summary is unreadable).
    pub summary: Option<Summary>,
}

impl StoredRun {
    pub fn read(store: &Store, run_id: i64) -> Result<StoredRun, StoreError> {
        let row = store.run(run_id)?;
        let mut candidates = store.candidates(run_id, None)?;
        candidates.sort_by_key(|c| c.id);
        let summary = row.summary.clone().and_then(|s| serde_json::from_value(s).ok());
        Ok(StoredRun { row, candidates, summary })
    }

    pub fn data(&self) -> ReportData<'_> {
        ReportData {
            run_id: self.row.id,
            env: &self.row.env,
            proposer: self.row.proposer.as_str(),
            config: &self.row.config,
            candidates: &self.candidates,
            summary: self.summary.as_ref(),
        }
    }
}

/// HTML-escapes text (also used by `rewardsmith serve`).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A fitness for display: three decimals, `–∞` for -∞, `–` when missing.
pub fn fmt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        Some(_) => "–∞".into(),
        None => "–".into(),
    }
}

fn score(s: &FinalScore) -> String {
    s.mean_std.map_or("–".into(), |m| format!("{:.3} ± {:.3} (n={})", m.mean, m.std, m.n))
}

fn search(c: &Candidate) -> bool {
    matches!(c.key.origin, Origin::Llm | Origin::Offline)
}

/// A candidate's fitness, and its selection fitness when it was retrained on more seeds:
/// `0.990 (mean of 3 seeds 0.912 ± 0.055)`.
fn fitness_cell(d: &ReportData<'_>, c: &Candidate) -> String {
    match super::search::selection_of(d.candidates, c.id) {
        Some(s) if s.seeds > 1 => {
            format!("{} (mean of {} seeds {} ± {:.3})", fmt(c.fitness), s.seeds, fmt(Some(s.mean)), s.std)
        }
        _ => fmt(c.fitness),
    }
}

/// The label of the candidate `c` was derived from (lineage), or `–`.
fn parent_label(d: &ReportData<'_>, c: &Candidate) -> String {
    c.parent_id.and_then(|p| d.candidates.iter().find(|x| x.id == p)).map_or("–".to_owned(), Candidate::label)
}

/// How the best was selected, one sentence.
fn selected_on(s: &Summary) -> String {
    match (s.best_fitness, s.best_fitness_seeds) {
        (Some(f), Some(n)) if n > 1 => format!(
            "Selected on its late-window fitness averaged over {n} training seeds: {} ({} recheck trainings in the run).",
            fmt(Some(f)),
            s.rechecks
        ),
        (Some(f), _) => format!("Selected on its late-window fitness on one training seed: {}.", fmt(Some(f))),
        (None, _) => "No candidate trained.".to_owned(),
    }
}

/// The first line of `s` that says something (rustc's error text starts with an empty
/// one), at most `max` characters (then `…`).
pub fn first_line(s: &str, max: usize) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// The best-so-far and every candidate's fitness per iteration, and the best candidate's
/// training curves.
pub fn charts(d: &ReportData<'_>) -> String {
    let mut series = Vec::new();
    let all: Vec<(f64, f64)> = d
        .candidates
        .iter()
        .filter(|c| search(c))
        .filter_map(|c| Some((f64::from(c.key.iteration), c.fitness.filter(|f| f.is_finite())?)))
        .collect();
    // Eureka's summary: every candidate's fitness as a dot per iteration, the best so far as a line.
    let mut summary = Series::by_iteration("candidate fitness", all);
    if let Some(s) = d.summary {
        let best: Vec<(f64, f64)> =
            s.best_per_iteration.iter().enumerate().filter_map(|(i, f)| Some((i as f64, (*f)?))).collect();
        summary = summary.with_line("best so far", best);
    }
    series.push(summary);
    let best = d.summary.and_then(|s| s.best_id).and_then(|id| d.candidates.iter().find(|c| c.id == id));
    if let Some(r) = &best.and_then(|c| TrainResult::from_stored(c.result.as_ref())) {
        let steps: Vec<f64> = r.checkpoint_steps.iter().map(|&s| s as f64).collect();
        let curve = |name: String, values: &[Option<f64>]| {
            Series::curve(name, steps.iter().zip(values).filter_map(|(&x, v)| Some((x, (*v)?))).collect())
        };
        series.push(curve("best: task fitness over training".into(), &r.fitness.values));
        series.push(curve("best: episode length over training".into(), &r.episode_length.values));
        for t in &r.terms {
            series.push(curve(format!("best: term {}", t.name), &t.values));
        }
    }
    render_svg(&format!("{} — evolve run {}", d.env, d.run_id), &series).unwrap_or_default()
}

/// The report as markdown.
pub fn markdown(d: &ReportData<'_>) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# rewardsmith evolve run {} — {}\n", d.run_id, d.env);
    let _ = writeln!(m, "Proposer: {}. Config: `{}`\n", d.proposer, d.config);
    if let Some(s) = d.summary {
        let _ = writeln!(m, "## Final evaluation\n");
        let _ = writeln!(m, "| reward | task fitness (late window, mean ± std over seeds) |\n|---|---|");
        let _ = writeln!(m, "| best found ({}) | {} |", s.best_label.as_deref().unwrap_or("–"), score(&s.best));
        // A schema env's run has no baselines: no rows for them.
        if !s.human.fitness.is_empty() {
            let _ = writeln!(m, "| human baseline | {} |", score(&s.human));
            let _ = writeln!(m, "| sparse | {} |", score(&s.sparse));
        }
        let _ = writeln!(m, "\n{}", selected_on(s));
        let _ = writeln!(m, "\nHuman-normalised score (F − F_sparse) / |F_human − F_sparse|: **{}**\n", hns(s));
        let _ = writeln!(
            m,
            "Best fitness so far after each iteration: {}\n",
            s.best_per_iteration.iter().map(|f| fmt(*f)).collect::<Vec<_>>().join(", ")
        );
    } else {
        let _ = writeln!(m, "The run has not finished its final evaluation yet.\n");
    }
    let _ =
        writeln!(m, "## Candidates\n\n| candidate | from | status | fitness | note / error |\n|---|---|---|---|---|");
    for c in d.candidates.iter().filter(|c| search(c)) {
        let detail = match c.status {
            Status::Trained => c.note.clone(),
            _ => format!(
                "{}: {}",
                c.error_kind.as_deref().unwrap_or(""),
                first_line(c.error_text.as_deref().unwrap_or(""), 120)
            ),
        };
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} |",
            c.label(),
            parent_label(d, c),
            c.status.as_str(),
            fitness_cell(d, c),
            detail.replace('|', "\\|")
        );
    }
    if let Some(best) = d.summary.and_then(|s| s.best_id).and_then(|id| d.candidates.iter().find(|c| c.id == id)) {
        let _ = writeln!(m, "\n## Best reward ({})\n\n```rust\n{}\n```", best.label(), best.source.trim());
    }
    m
}

/// The report as one self-contained HTML page.
pub fn html(d: &ReportData<'_>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <title>rewardsmith run {} — {}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}}\
         pre{{background:#f6f6f6;padding:1em;overflow-x:auto}}.trained{{color:#075}}.failed{{color:#a00}}</style></head><body>",
        d.run_id,
        esc(d.env)
    );
    let _ =
        write!(h, "<h1>rewardsmith evolve run {} — {}</h1><p>Proposer: {}.</p>", d.run_id, esc(d.env), esc(d.proposer));
    if let Some(s) = d.summary {
        h.push_str("<h2>Final evaluation</h2>");
        h.push_str(&final_evaluation_html(s));
    } else {
        h.push_str("<p>The run has not finished its final evaluation yet.</p>");
    }
    h.push_str("<h2>Curves</h2>");
    h.push_str(&charts(d));
    h.push_str(
        "<h2>Candidates</h2><table><tr><th>candidate</th><th>from</th><th>status</th><th>fitness</th><th>note / error</th></tr>",
    );
    for c in d.candidates.iter().filter(|c| search(c)) {
        let (class, detail) = match c.status {
            Status::Trained => ("trained", esc(&c.note)),
            _ => (
                "failed",
                format!(
                    "<b>{}</b>: {}",
                    esc(c.error_kind.as_deref().unwrap_or("")),
                    esc(c.error_text.as_deref().unwrap_or(""))
                ),
            ),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.label()),
            esc(&parent_label(d, c)),
            c.status.as_str(),
            esc(&fitness_cell(d, c)),
            detail
        );
    }
    h.push_str("</table>");
    if let Some(best) = d.summary.and_then(|s| s.best_id).and_then(|id| d.candidates.iter().find(|c| c.id == id)) {
        let _ = write!(
            h,
            "<h2>Best reward ({})</h2><pre><code>{}</code></pre>",
            esc(&best.label()),
            esc(best.source.trim())
        );
    }
    let _ = write!(
        h,
        "<h2>Config</h2><pre>{}</pre></body></html>",
        esc(&serde_json::to_string_pretty(d.config).unwrap_or_default())
    );
    h
}

/// The human-normalised score, or why it is undefined.
/// The final evaluation as HTML (the report's and the playground run page's): each reward's
/// fitness over the final seeds (`data-final-row` rows with `data-mean`), how the best was
/// selected, how its final score compares with the human baseline's, and the
/// human-normalised score or why it is undefined.
pub fn final_evaluation_html(s: &Summary) -> String {
    let row = |which: &str, label: String, f: &FinalScore| {
        let seeds: Vec<String> = f.fitness.iter().map(|v| fmt(*v)).collect();
        format!(
            "<tr data-final-row=\"{which}\" data-mean=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            f.mean_std.map_or(String::new(), |m| m.mean.to_string()),
            esc(&label),
            score(f),
            seeds.join(", ")
        )
    };
    let mut t = String::from(
        "<table data-final-evaluation><tr><th>reward</th><th>task fitness (mean ± std over seeds)</th><th>per seed</th></tr>",
    );
    t.push_str(&row("best", format!("best found ({})", s.best_label.as_deref().unwrap_or("–")), &s.best));
    if !s.human.fitness.is_empty() {
        t.push_str(&row("human", "human baseline".into(), &s.human));
        t.push_str(&row("sparse", "sparse".into(), &s.sparse));
    }
    let _ = write!(
        t,
        "</table><p>{}</p>{}<p>Human-normalised score (F − F<sub>sparse</sub>) / |F<sub>human</sub> − \
         F<sub>sparse</sub>|: <b data-score>{}</b></p>",
        esc(&selected_on(s)),
        verdict(s).map_or(String::new(), |v| format!("<p data-verdict>{}</p>", esc(&v))),
        esc(&hns(s))
    );
    t
}

/// How the best's final score compares with its search fitness and the human baseline, in
/// words: the search's best can score lower when retrained on new seeds.
fn verdict(s: &Summary) -> Option<String> {
    let best = s.best.mean_std?;
    let mut v = format!("In the final evaluation the best scored {:.3}", best.mean);
    if let Some(f) = s.best_fitness {
        let _ = write!(v, " (it was selected at {f:.3})");
    }
    if let Some(h) = s.human.mean_std {
        let side = if best.mean < h.mean { "below" } else { "at or above" };
        let _ = write!(v, ", {side} the human baseline's {:.3}", h.mean);
    }
    v.push('.');
    Some(v)
}

pub fn hns(s: &Summary) -> String {
    match (s.human_normalized_score, &s.human_normalized_undefined) {
        (Some(v), _) => format!("{v:.3}"),
        (None, Some(why)) => why.clone(),
        (None, None) => "–".into(),
    }
}
