//! Training-curve figures as SVG: one small panel per series, so a run's curves can be inspected without any
//! plotting stack. Uses the plotters SVG backend without the `ttf` feature, so no system fonts are needed (text is
//! emitted as `<text>` elements and laid out with plotters' naive size estimate) and the output is deterministic.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One panel's data: `points` (x, y) over env steps, drawn as a curve, or over evolve
/// iterations, drawn as dots (the points of one iteration are separate candidates, not a
/// curve); `lines` are named series on the same axes, each drawn as a line in its own colour
/// (the best so far over the candidates, as in Eureka's summary plot; candidates compared),
/// with a legend when there are several.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub x: XAxis,
    pub lines: Vec<(String, Vec<(f64, f64)>)>,
}

/// What the x axis counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XAxis {
    /// Environment steps (training curves).
    Steps,
    /// Evolve iterations 0, 1, ...: integer ticks only.
    Iteration,
}

impl Series {
    /// A training curve over env steps.
    pub fn curve(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points, x: XAxis::Steps, lines: Vec::new() }
    }

    /// Values per evolve iteration, drawn as dots.
    pub fn by_iteration(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points, x: XAxis::Iteration, lines: Vec::new() }
    }

    /// This series with `points` drawn over it as a line named `name`.
    pub fn with_line(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        self.lines.push((name.into(), points));
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot write plot {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

const COLS: usize = 3;
const PANEL_W: u32 = 300;
const PANEL_H: u32 = 220;
const TITLE_H: u32 = 36;
/// Values are clamped to ±this so axis spans stay finite (plotters' tick search never ends on an infinite span).
const LIMIT: f64 = 1e300;
/// Series with at most this many points also get a dot per point (a single point would otherwise be invisible);
/// longer training curves are drawn faintly with their smoothed curve over them.
const MARKER_MAX: usize = 30;
/// TensorBoard's default smoothing weight (its debiased exponential moving average).
pub const SMOOTHING: f64 = 0.6;
/// The fill of the invisible hover targets, swapped for `<title>`d circles after drawing.
const HOVER: RGBColor = RGBColor(1, 2, 3);
const HOVER_FILL: &str = "fill=\"#010203\"";
const FONT: &str = "sans-serif";
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Draws each series in its own small panel (grid, ~3 columns, ~300×220 px each), titled with the series name,
/// x axis "env steps", and writes the SVG to `path`. Non-finite points are skipped; an empty series draws an empty
/// panel saying "no data". `title` goes on top of the figure.
pub fn write_svg(path: &Path, title: &str, series: &[Series]) -> Result<(), PlotError> {
    let svg = render_svg(title, series).map_err(|e| match e {
        PlotError::Write { reason, .. } => PlotError::Write { path: path.to_path_buf(), reason },
    })?;
    std::fs::write(path, svg).map_err(|e| PlotError::Write { path: path.to_path_buf(), reason: e.to_string() })
}

/// The same figure as an SVG string (write_svg uses it). Handy for tests and for embedding in HTML reports.
/// Rendering into memory cannot really fail; if plotters reports an error anyway, `path` reads `<memory>`.
pub fn render_svg(title: &str, series: &[Series]) -> Result<String, PlotError> {
    let cols = series.len().clamp(1, COLS);
    let rows = series.len().div_ceil(COLS).max(1);
    let size = (PANEL_W * cols as u32, TITLE_H + PANEL_H * rows as u32);
    let mut buf = String::new();
    let mut hover = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw_figure(&root, title, series, (rows, cols), &mut hover)
            .and_then(|()| root.present())
            .map_err(|e| PlotError::Write { path: PathBuf::from("<memory>"), reason: e.to_string() })?;
    }
    Ok(with_titles(&buf, &hover))
}

/// Gives the hover targets, in drawing order, their `<title>` (shown on hover where the
/// SVG is inline or opened by itself).
fn with_titles(svg: &str, titles: &[String]) -> String {
    let mut out = String::with_capacity(svg.len() + titles.iter().map(|t| t.len() + 40).sum::<usize>());
    let mut rest = svg;
    let mut titles = titles.iter();
    while let Some(at) = rest.find("<circle") {
        let end = at + rest[at..].find("/>").map_or(rest.len() - at, |e| e + 2);
        let tag = &rest[at..end];
        out.push_str(&rest[..at]);
        match tag.contains(HOVER_FILL).then(|| titles.next()).flatten() {
            Some(t) => {
                let _ = std::fmt::Write::write_fmt(
                    &mut out,
                    format_args!("{}><title>{}</title></circle>", tag.trim_end_matches("/>").trim_end(), xml_escape(t)),
                );
            }
            None => out.push_str(tag),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// TensorBoard's smoothing: a debiased exponential moving average of the y values.
pub fn smooth(points: &[(f64, f64)], weight: f64) -> Vec<(f64, f64)> {
    let mut last = 0.0;
    let mut debias = 1.0;
    points
        .iter()
        .map(|&(x, y)| {
            last = last * weight + (1.0 - weight) * y;
            debias *= weight;
            (x, last / (1.0 - debias))
        })
        .collect()
}

type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw_figure(
    root: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    series: &[Series],
    grid: (usize, usize),
    hover: &mut Vec<String>,
) -> DrawResult {
    root.fill(&WHITE)?;
    let body = root.titled(title, (FONT, 24))?;
    let panels = body.split_evenly(grid);
    if series.is_empty() {
        return draw_panel(&panels[0], &Series::curve("", Vec::new()), PALETTE[0], hover);
    }
    for (i, (s, panel)) in series.iter().zip(&panels).enumerate() {
        draw_panel(panel, s, PALETTE[i % PALETTE.len()], hover)?;
    }
    Ok(())
}

/// The finite points, clamped to ±[`LIMIT`].
fn finite(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|&(x, y)| (x.clamp(-LIMIT, LIMIT), y.clamp(-LIMIT, LIMIT)))
        .collect()
}

/// One panel: its points, and its lines in the next colours.
fn draw_panel(
    area: &DrawingArea<SVGBackend, Shift>,
    s: &Series,
    color: RGBColor,
    hover: &mut Vec<String>,
) -> DrawResult {
    let points = finite(&s.points);
    let lines: Vec<(&str, Vec<(f64, f64)>)> = s.lines.iter().map(|(n, p)| (n.as_str(), finite(p))).collect();
    let both = || points.iter().chain(lines.iter().flat_map(|(_, l)| l));
    let (x0, x1) = match s.x {
        XAxis::Steps => axis_range(both().map(|p| p.0)),
        // Whole iterations, half a step of room on each side.
        XAxis::Iteration => {
            let (lo, hi) = both().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
            if lo > hi { (-0.5, 0.5) } else { (lo.floor() - 0.5, hi.ceil() + 0.5) }
        }
    };
    let (y0, y1) = axis_range(both().map(|p| p.1));
    let smoothed = s.x == XAxis::Steps && points.len() > MARKER_MAX;
    let name = match lines.as_slice() {
        [(line_name, _)] => format!("{} · line: {line_name}", s.name),
        _ if smoothed => format!("{} · smoothed {SMOOTHING}", s.name),
        _ => s.name.clone(),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(name, (FONT, 17))
        .margin(6)
        .margin_right(14)
        .x_label_area_size(34)
        .y_label_area_size(46)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let x_fmt = |v: &f64| match s.x {
        XAxis::Steps => fmt_tick(*v, x0, x1),
        XAxis::Iteration if (v - v.round()).abs() < 1e-9 => format!("{}", v.round() as i64),
        XAxis::Iteration => String::new(),
    };
    let y_fmt = |v: &f64| fmt_tick(*v, y0, y1);
    let (x_desc, x_labels) = match s.x {
        XAxis::Steps => ("env steps", 4),
        XAxis::Iteration => ("iteration", ((x1 - x0) as usize).clamp(1, 11) + 1),
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_labels(x_labels)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .draw()?;
    if both().next().is_none() {
        let style = TextStyle::from((FONT, 16).into_font()).color(&RGBColor(120, 120, 120));
        let centre = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        chart.plotting_area().draw(&Text::new("no data", centre, style.pos(Pos::new(HPos::Center, VPos::Center))))?;
        return Ok(());
    }
    let at = |x: f64| match s.x {
        XAxis::Steps => format!("step {x}"),
        XAxis::Iteration => format!("iteration {x}"),
    };
    // Invisible hover targets over every data point, titled after drawing.
    let mut targets = |chart: &mut ChartContext<'_, SVGBackend, _>, who: &str, pts: &[(f64, f64)]| -> DrawResult {
        hover.extend(pts.iter().map(|&(x, y)| format!("{who} · {}: {}", at(x), fmt_value(y))));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 5, HOVER.mix(0.004).filled())))?;
        Ok(())
    };
    match s.x {
        XAxis::Steps if smoothed => {
            chart.draw_series(LineSeries::new(points.iter().copied(), color.mix(0.3).stroke_width(1)))?;
            chart.draw_series(LineSeries::new(smooth(&points, SMOOTHING), color.stroke_width(2)))?;
        }
        XAxis::Steps => {
            if points.len() > 1 {
                chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?;
            }
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 2, color.filled())))?;
        }
        XAxis::Iteration => {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.mix(0.6).filled())))?;
        }
    }
    targets(&mut chart, &s.name, &points)?;
    // Lines over points take the colours after the points'; a panel of lines alone (an
    // overlay of candidates) gives line k colour k in every panel, so each candidate keeps
    // its colour across the figure.
    let base = if points.is_empty() { 0 } else { PALETTE.iter().position(|c| *c == color).map_or(0, |i| i + 1) };
    for (k, (line_name, line)) in lines.iter().enumerate().filter(|(_, (_, l))| !l.is_empty()) {
        let other = PALETTE[(base + k) % PALETTE.len()];
        let drawn = chart.draw_series(LineSeries::new(line.iter().copied(), other.stroke_width(2)))?;
        if lines.len() > 1 {
            drawn
                .label(*line_name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], other.stroke_width(2)));
        }
        if line.len() <= MARKER_MAX {
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 2, other.filled())))?;
        }
        targets(&mut chart, line_name, line)?;
    }
    if lines.len() > 1 {
        chart
            .configure_series_labels()
            .label_font((FONT, 11))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}

/// Data range with a 5 % margin; a zero-width range (one point, constant series) is widened around its value,
/// and no data gives 0..1. A span below f64 resolution at that magnitude counts as zero: plotters would place its
/// grid lines outside the panel.
fn axis_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > lo.abs().max(hi.abs()) * 1e-9 {
        span * 0.05
    } else if lo != 0.0 {
        lo.abs() * 0.05
    } else {
        1.0
    };
    (lo - pad, hi + pad)
}

/// Compact tick label: scientific (`1.2e4`, `5e-4`) for large or tiny magnitudes, otherwise as few decimals as the
/// axis span needs (`0.95`, `12`); trailing zeros are dropped.
fn fmt_tick(v: f64, lo: f64, hi: f64) -> String {
    // Tick spacing is at least span / 20 for the label counts used here; extra digits are trimmed below.
    let step = match (hi - lo) / 20.0 {
        s if s > 0.0 && s.is_finite() => s,
        _ => lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE),
    };
    if v == 0.0 || v.abs() < step * 1e-6 {
        return "0".to_string();
    }
    let mag = lo.abs().max(hi.abs());
    if !(1e-3..1e4).contains(&mag) {
        let digits = (v.abs().log10().floor() - step.log10().floor()).clamp(0.0, 3.0) as usize;
        let s = format!("{v:.digits$e}");
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        }
    } else {
        let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

/// A value in a hover title: 4 significant digits.
fn fmt_value(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
        format!("{v:.3e}")
    } else {
        let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, points: Vec<(f64, f64)>) -> Series {
        Series::curve(name, points)
    }

    fn curve(name: &str, n: usize) -> Series {
        series(name, (0..n).map(|i| (i as f64 * 1000.0, (i as f64 * 0.3).sin() * 50.0 + i as f64)).collect())
    }

    /// Contents of every `<text>` element (the backend puts them on their own line).
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_string()))
            .collect()
    }

    fn assert_svg(svg: &str) {
        assert!(svg.starts_with("<svg"), "starts with {:?}", &svg[..svg.len().min(40)]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn contains_title_names_and_axis_text() {
        let all = [curve("episode return", 200), curve("policy loss", 50), curve("entropy", 5), curve("kl", 80)];
        let svg = render_svg("ppo on cartpole", &all).unwrap();
        assert_svg(&svg);
        let texts = texts(&svg);
        for text in
            ["ppo on cartpole", "episode return · smoothed 0.6", "policy loss · smoothed 0.6", "entropy", "env steps"]
        {
            assert!(texts.iter().any(|t| t == text), "missing <text> {text} in {texts:?}");
        }
        assert!(svg.contains("<polyline"), "no curve drawn");
        // 4 panels → 3 columns × 2 rows.
        assert!(svg.contains(r#"width="900" height="476""#), "{}", &svg[..120]);
    }

    /// Issue 17: candidate fitness by iteration was one polyline through every candidate,
    /// its axis said "env steps" with ticks at 0/0.5/1, and the best so far had its own
    /// panel zoomed to the third decimal.
    #[test]
    fn iterations_are_dots_with_the_best_so_far_as_a_line_on_whole_iteration_ticks() {
        let candidates = vec![(0.0, 0.2), (0.0, 0.9), (0.0, 0.5), (1.0, 0.95), (1.0, 0.1), (2.0, 0.3)];
        let best = vec![(0.0, 0.9), (1.0, 0.95), (2.0, 0.95)];
        let svg = render_svg("t", &[Series::by_iteration("fitness", candidates.clone())]).unwrap();
        let t = texts(&svg);
        assert!(t.iter().any(|x| x == "iteration") && !t.iter().any(|x| x == "env steps"), "{t:?}");
        // Data lines are the 2-px polylines (grid lines are thinner).
        let lines = |svg: &str| {
            svg.split("<polyline")
                .skip(1)
                .filter(|p| p.split('>').next().unwrap().contains("stroke-width=\"2\""))
                .count()
        };
        assert_eq!(lines(&svg), 0, "no line through the candidates");
        let titled = svg.matches("<title>").count();
        assert_eq!((svg.matches("<circle").count() - titled, titled), (candidates.len(), candidates.len()));
        assert!(svg.contains("<title>fitness · iteration 1: 0.95</title>"), "hover says which and what");
        for tick in ["0", "1", "2"] {
            assert!(t.iter().any(|x| x == tick), "tick {tick}: {t:?}");
        }
        assert!(!t.iter().any(|x| x == "0.5" || x == "1.5"), "whole iterations only: {t:?}");
        let svg =
            render_svg("t", &[Series::by_iteration("fitness", candidates.clone()).with_line("best so far", best)])
                .unwrap();
        assert_eq!(lines(&svg), 1, "the best so far is the one line");
        assert!(texts(&svg).iter().any(|x| x == "fitness · line: best so far"));
        // One y axis for both: the candidates' spread (0.1 .. 0.95) is on it, not only the best's.
        assert!(texts(&svg).iter().any(|x| x == "0.2"), "{:?}", texts(&svg));
    }

    /// Issue 17: training curves had no smoothing and no hover.
    #[test]
    fn long_curves_are_smoothed_and_every_point_has_a_hover_title() {
        let points: Vec<(f64, f64)> = (0..200).map(|i| (f64::from(i) * 100.0, f64::from(i % 7))).collect();
        let svg = render_svg("t", &[series("loss <x>", points.clone())]).unwrap();
        let t = texts(&svg);
        assert!(t.iter().any(|x| x == "loss &lt;x&gt; · smoothed 0.6"), "{t:?}");
        let titles: Vec<&str> = svg.split("<title>").skip(1).map(|x| x.split_once("</title>").unwrap().0).collect();
        assert_eq!(titles.len(), points.len());
        assert_eq!(titles[3], "loss &lt;x&gt; · step 300: 3");
        // The raw curve (faint, 1 px) and the smoothed one (2 px).
        let widths: Vec<&str> = svg
            .split("<polyline")
            .skip(1)
            .filter_map(|p| p.split_once("stroke-width=\"")?.1.split_once('"').map(|w| w.0))
            .collect();
        assert!(widths.contains(&"1") && widths.contains(&"2"), "{widths:?}");
        // A short curve keeps its dots and is not smoothed.
        let svg = render_svg("t", &[curve("r", 10)]).unwrap();
        assert!(!texts(&svg).iter().any(|x| x.contains("smoothed")));
    }

    #[test]
    fn smoothing_is_tensorboards_debiased_average() {
        let s = smooth(&[(0.0, 2.0), (1.0, 2.0), (2.0, 2.0)], 0.6);
        assert!(s.iter().all(|p| (p.1 - 2.0).abs() < 1e-12), "a constant stays itself: {s:?}");
        let s = smooth(&[(0.0, 0.0), (1.0, 1.0)], 0.6);
        assert_eq!(s[0], (0.0, 0.0));
        // (0.6·0.4·0 + 0.4·1) / (1 − 0.36)
        assert!((s[1].1 - 0.4 / 0.64).abs() < 1e-12, "{s:?}");
    }

    /// Overlaid candidates keep one colour each across panels (a candidate without data in
    /// a panel keeps its slot).
    #[test]
    fn overlay_lines_keep_their_colour_in_every_panel() {
        let line = |n: usize| (0..n).map(|i| (i as f64, i as f64)).collect::<Vec<_>>();
        let panel = |name: &str, a: Vec<(f64, f64)>, b: Vec<(f64, f64)>| {
            Series::curve(name, Vec::new()).with_line("a", a).with_line("b", b)
        };
        let stroke_colours = |svg: &str| -> Vec<String> {
            svg.split("<polyline")
                .skip(1)
                .filter(|p| p.split('>').next().unwrap().contains("stroke-width=\"2\""))
                .filter_map(|p| Some(p.split_once("stroke=\"")?.1.split_once('"')?.0.to_owned()))
                .collect()
        };
        let one = render_svg("t", &[panel("x", line(5), line(5))]).unwrap();
        let later = render_svg("t", &[curve("first", 5), panel("x", Vec::new(), line(5))]).unwrap();
        let (a, b) = (stroke_colours(&one)[0].clone(), stroke_colours(&one)[1].clone());
        assert_ne!(a, b);
        assert_eq!(stroke_colours(&later).last(), Some(&b), "b keeps its colour in a later panel without a");
    }

    #[test]
    fn names_are_xml_escaped() {
        let svg = render_svg("a < b & c", &[curve("r<0 & \"x\"", 3)]).unwrap();
        assert!(svg.contains("a &lt; b &amp; c"));
        assert!(!svg.contains("r<0"));
    }

    #[test]
    fn degenerate_series_do_not_panic() {
        let all = [
            series("constant", vec![(0.0, 0.95), (10.0, 0.95), (20.0, 0.95)]),
            series("constant zero", vec![(0.0, 0.0), (10.0, 0.0)]),
            series("single", vec![(5000.0, -3.0)]),
            series("empty", vec![]),
            series("all nan", vec![(f64::NAN, 1.0), (1.0, f64::INFINITY), (2.0, f64::NEG_INFINITY)]),
            series("some nan", vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0)]),
            series("huge", vec![(0.0, -f64::MAX), (1.0, f64::MAX)]),
            series("tiny", vec![(0.0, 1e-300), (1.0, 2e-300)]),
            series("big offset", vec![(0.0, 1e16), (1.0, 1e16 + 2.0)]),
        ];
        let svg = render_svg("degenerate", &all).unwrap();
        assert_svg(&svg);
        let no_data = texts(&svg).iter().filter(|t| *t == "no data").count();
        assert_eq!(no_data, 2, "empty and all-NaN panels say no data");
        let none = render_svg("nothing", &[]).unwrap();
        assert_svg(&none);
        assert!(texts(&none).iter().any(|t| t == "no data"));
    }

    #[test]
    fn same_input_same_bytes() {
        let all = [curve("a", 100), curve("b", 7), series("c", vec![])];
        assert_eq!(render_svg("t", &all).unwrap(), render_svg("t", &all).unwrap());
        assert_ne!(render_svg("t", &all).unwrap(), render_svg("t", &all[..2]).unwrap());
    }

    #[test]
    fn write_svg_writes_render_svg_output() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curves.svg");
        let all = [curve("a", 10)];
        write_svg(&path, "t", &all).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render_svg("t", &all).unwrap());
    }

    #[test]
    fn unwritable_path_is_a_write_error() {
        // A directory cannot be overwritten by a file, even as root.
        let dir = tempfile::tempdir().unwrap();
        match write_svg(dir.path(), "t", &[curve("a", 3)]) {
            Err(PlotError::Write { path, reason }) => {
                assert_eq!(path, dir.path());
                assert!(!reason.is_empty());
            }
            other => panic!("expected PlotError::Write, got {other:?}"),
        }
    }

    #[test]
    fn axis_range_pads_and_widens() {
        assert_eq!(axis_range([0.0, 10.0].into_iter()), (-0.5, 10.5));
        assert_eq!(axis_range([2.0, 2.0].into_iter()), (1.9, 2.1));
        assert_eq!(axis_range([0.0].into_iter()), (-1.0, 1.0));
        assert_eq!(axis_range([1e16, 1e16 + 2.0].into_iter()), (0.95e16, 1.05e16 + 2.0));
        assert_eq!(axis_range(std::iter::empty()), (0.0, 1.0));
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(fmt_tick(12000.0, 0.0, 50000.0), "1.2e4");
        assert_eq!(fmt_tick(250000.0, 0.0, 1e6), "2.5e5");
        assert_eq!(fmt_tick(0.95, 0.0, 1.0), "0.95");
        assert_eq!(fmt_tick(0.2, 0.0, 1.0), "0.2");
        assert_eq!(fmt_tick(12.0, 0.0, 100.0), "12");
        assert_eq!(fmt_tick(-150.0, -500.0, 10.0), "-150");
        assert_eq!(fmt_tick(0.0, -1.0, 1.0), "0");
        assert_eq!(fmt_tick(1e-17, -1.0, 1.0), "0");
        assert_eq!(fmt_tick(5e-4, 0.0, 1e-3 * 0.9), "5e-4");
        assert_eq!(fmt_tick(1.0002, 1.0, 1.0005), "1.0002");
    }
}
