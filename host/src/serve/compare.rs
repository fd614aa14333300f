//! `/runs/{id}/compare?c=ID&c=ID…`: candidates of one run side by side — their curves over
//! training overlaid (task fitness, episode length, every reward term), their statistics in
//! one table, and the first two sources' differences — without leaving the page.

use std::fmt::Write as _;

use axum::extract::{Path, RawQuery, State};
use axum::response::Html;

use super::diff::diff_table;
use super::error::{PageError, parse_id};
use super::pages::layout;
use super::{ApiError, AppState, esc};
use crate::candidate::Candidate;
use crate::evolve::report::fmt;
use crate::store::Store;
use crate::train::{Curve, Series, TrainResult, render_svg};

/// Most candidates on one page (a legend beyond that is unreadable).
pub const MAX_COMPARED: usize = 8;

/// The candidate ids in `c=` pairs of a query string, in order, without repeats; anything
/// else in it is ignored.
fn compared_ids(query: Option<&str>) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for pair in query.unwrap_or("").split('&') {
        if let Some(v) = pair.strip_prefix("c=") {
            let id = parse_id("candidate id", v)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if ids.len() < 2 || ids.len() > MAX_COMPARED {
        return Err(ApiError::bad_request(
            "bad_compare",
            format!("compare 2 to {MAX_COMPARED} candidates: /runs/ID/compare?c=ID&c=ID (got {})", ids.len()),
        ));
    }
    Ok(ids)
}

pub async fn compare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Html<String>, PageError> {
    let id = parse_id("run id", &id)?;
    let st: &Store = state.store();
    let run = st.run(id)?;
    let cands: Vec<Candidate> =
        compared_ids(query.as_deref())?.into_iter().map(|c| st.candidate_of_run(id, c)).collect::<Result<_, _>>()?;
    let results: Vec<Option<TrainResult>> = cands.iter().map(|c| TrainResult::from_stored(c.result.as_ref())).collect();
    let history = st.candidates(id, None)?;
    let mut b = format!(
        "<main data-compare data-run=\"{id}\"><h1>{} candidates of <a href=\"/runs/{id}\">run {id}</a> compared</h1>",
        cands.len()
    );

    // Statistics side by side.
    b.push_str("<table data-compare-table><tr><th></th>");
    for c in &cands {
        let _ = write!(
            b,
            "<th data-compare-candidate=\"{cid}\"><a href=\"/runs/{id}/candidates/{cid}\">{}</a></th>",
            esc(&c.label()),
            cid = c.id
        );
    }
    b.push_str("</tr>");
    let mut row = |name: &str, key: &str, cell: &dyn Fn(&Candidate, Option<&TrainResult>) -> String| {
        let _ = write!(b, "<tr data-compare-row=\"{}\"><th>{}</th>", esc(key), esc(name));
        for (c, r) in cands.iter().zip(&results) {
            let _ = write!(b, "<td>{}</td>", cell(c, r.as_ref()));
        }
        b.push_str("</tr>");
    };
    row("status", "status", &|c, _| c.status.to_string());
    row("fitness (late window)", "fitness", &|c, _| fmt(c.fitness));
    row("selection fitness", "selection", &|c, _| {
        crate::evolve::search::selection_of(&history, c.id).map_or("–".into(), |s| esc(&s.describe()))
    });
    row("episode length (late window)", "episode_length", &|_, r| {
        fmt(r.and_then(|r| r.late_episode_length).map(|m| m.mean))
    });
    let mut terms: Vec<&str> = results.iter().flatten().flat_map(|r| r.terms.iter().map(|t| t.name.as_str())).collect();
    terms.sort_unstable();
    terms.dedup();
    for t in &terms {
        row(&format!("term {t}: mean (min … max) over training"), &format!("term:{t}"), &|_, r| {
            r.and_then(|r| r.terms.iter().find(|c| c.name == *t))
                .map_or("–".into(), |c| format!("{} ({} … {})", fmt(c.mean), fmt(c.min), fmt(c.max)))
        });
    }
    b.push_str("</table>");

    // Curves overlaid: one panel per quantity, one line per candidate.
    let panel = |name: String, pick: &dyn Fn(&TrainResult) -> Option<&Curve>| {
        cands.iter().zip(&results).fold(Series::curve(name, Vec::new()), |s, (c, r)| {
            let points = r.as_ref().and_then(|r| Some(curve_points(r, pick(r)?))).unwrap_or_default();
            s.with_line(c.label(), points)
        })
    };
    let mut series = vec![
        panel("task fitness over training".into(), &|r| Some(&r.fitness)),
        panel("episode length over training".into(), &|r| Some(&r.episode_length)),
    ];
    for t in &terms {
        series.push(panel(format!("term {t}"), &|r| r.terms.iter().find(|c| c.name == *t)));
    }
    let _ = write!(
        b,
        "<h2>Curves</h2><div data-compare-curves>{}</div>",
        render_svg(&format!("{} — run {id}", run.env), &series).unwrap_or_default()
    );

    // The first two sources' differences.
    let (first, second) = (&cands[0], &cands[1]);
    let (removed, added, table) = diff_table(&first.source, &second.source);
    let _ = write!(
        b,
        "<h2>{} → {}</h2><p data-diff-summary>{removed} line(s) removed, {added} added.</p>{table}</main>",
        esc(&first.label()),
        esc(&second.label())
    );
    Ok(Html(layout(&format!("Compare · run {id}"), "compare", &b)))
}

fn curve_points(r: &TrainResult, c: &Curve) -> Vec<(f64, f64)> {
    r.checkpoint_steps.iter().zip(&c.values).filter_map(|(&x, v)| Some((x as f64, (*v)?))).collect()
}
