//! The depth plot of a [`Comparison`] as SVG (the `plot` feature): plotters' SVG backend,
//! one line per candidate, the legend beside the chart.

use std::path::Path;

use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::{Comparison, FlagKind, Series};
use crate::error::{ErrorKind, FileError, InitError, Result};

/// Above this ratio of the largest to the smallest std, the y axis is logarithmic.
pub const LOG_SCALE_RATIO: f64 = 20.0;

const WIDTH: u32 = 1080;
const HEIGHT: u32 = 560;
const LEGEND: u32 = 330;

impl Comparison {
    /// The depth plot as an SVG document: x the depth (the n-th layer with a weight, in
    /// forward order), y the std of its output on the batch, one line (with markers) per
    /// candidate, the legend to the right. The y axis is logarithmic when the largest std is
    /// more than [`LOG_SCALE_RATIO`] times the smallest (then std values of 0 are left out,
    /// and said so in the legend).
    ///
    /// ```
    /// use init_core::{Candidate, Linear, ReLU, Seed, Sequential, compare};
    /// let mut net = Sequential::new().push(Linear::<8, 8>::zeroed()).push(ReLU).push(Linear::<8, 8>::zeroed());
    /// let x = ndarray::ArrayD::from_elem(vec![4, 8], 1.0f32);
    /// let cmp = compare(&mut net, &x, &Seed::new(0), &[Candidate::pytorch_default()])?;
    /// let svg = cmp.svg("two layers")?;
    /// assert!(svg.starts_with("<svg") && svg.contains("two layers") && svg.contains("PyTorch default"));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn svg(&self, title: &str) -> Result<String> {
        let mut out = String::new();
        draw(self, title, &mut out).map_err(|e| {
            InitError::new("", ErrorKind::Report { rule: format!("cannot draw the plot: {e}") })
        })?;
        Ok(out)
    }

    /// [`svg`](Comparison::svg), written to `path` (replaced if it exists). Errors name the
    /// file.
    pub fn write_svg(&self, path: impl AsRef<Path>, title: &str) -> Result<()> {
        let path = path.as_ref();
        let svg = self.svg(title)?;
        std::fs::write(path, svg).map_err(|e| {
            let op = format!("write the plot to {}", path.display());
            let e = FileError::Io { op, kind: e.kind(), message: e.to_string() };
            InitError::from(e).in_file(path)
        })
    }
}

type Fallible<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn draw(cmp: &Comparison, title: &str, out: &mut String) -> Fallible<()> {
    let series: Vec<(String, Vec<f64>)> = cmp
        .series()
        .iter()
        .map(|s| (label(s), s.points().into_iter().map(|(_, v)| v).collect()))
        .collect();
    let depth = series.iter().map(|(_, p)| p.len()).max().unwrap_or(0).max(1);
    let finite = || series.iter().flat_map(|(_, p)| p.iter().copied()).filter(|v| v.is_finite());
    let positive_min = finite().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
    let max = finite().fold(0.0f64, f64::max);
    let log = positive_min.is_finite() && max / positive_min > LOG_SCALE_RATIO;
    let skipped_zero = log && finite().any(|v| v <= 0.0);

    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (chart_area, legend_area) = root.split_horizontally(WIDTH - LEGEND);
    let mut builder = ChartBuilder::on(&chart_area);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80);
    let y_desc =
        if log { "std of the layer's output (log scale)" } else { "std of the layer's output" };
    let colors: Vec<RGBColor> = (0..series.len()).map(color).collect();
    let lines = Lines { depth, y_desc, series: &series, colors: &colors };
    if log {
        let (lo, hi) = (positive_min / 2.0, max * 2.0);
        let y = (lo..hi).log_scale().with_key_points(log_ticks(lo, hi));
        // A log axis cannot show 0: those points are left out (and the legend says so).
        lines.draw(&mut builder, y, Some(&|y: &f64| tick(*y)), |v| v > 0.0)?;
    } else {
        let top = if max > 0.0 { max * 1.1 } else { 1.0 };
        lines.draw(&mut builder, 0.0..top, None, |_| true)?;
    }
    legend(&legend_area, &series, &colors, skipped_zero)?;
    root.present()?;
    Ok(())
}

/// The std-against-depth lines of every series, on a y axis of either scale.
struct Lines<'s> {
    depth: usize,
    y_desc: &'static str,
    series: &'s [(String, Vec<f64>)],
    colors: &'s [RGBColor],
}

impl Lines<'_> {
    /// The axes (x: depth 1 to `depth`; y: `y` with `y_format`, plotters' own labels when
    /// `None`) and each series' points for which `keep(std)` holds.
    fn draw<Y>(
        &self,
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        y: Y,
        y_format: Option<&dyn Fn(&f64) -> String>,
        keep: impl Fn(f64) -> bool,
    ) -> Fallible<()>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let x_range = 0.5f64..self.depth as f64 + 0.5;
        let mut chart = builder.build_cartesian_2d(x_range, y)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc("depth: n-th layer with a weight, in forward order")
            .y_desc(self.y_desc)
            .x_labels(self.depth.min(20))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 14));
        if let Some(f) = y_format {
            mesh.y_label_formatter(f);
        }
        mesh.draw()?;
        for ((_, points), c) in self.series.iter().zip(self.colors) {
            let pts: Vec<(f64, f64)> = line(points).filter(|&(_, v)| keep(v)).collect();
            chart.draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?;
            chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
        }
        Ok(())
    }
}

/// The legend's words for a series: its name and the kinds of its flags.
fn label(s: &Series) -> String {
    let mut tags: Vec<&str> = Vec::new();
    for f in s.report.flags() {
        let tag = match f.kind {
            FlagKind::Vanishing => "vanishing",
            FlagKind::Exploding => "exploding",
            FlagKind::Saturated => "saturated",
            FlagKind::DeadUnits => "dead units",
            FlagKind::Constant => "constant output",
            FlagKind::NonFinite => "NaN/inf",
            _ => continue,
        };
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.is_empty() { s.name.clone() } else { format!("{} ({})", s.name, tags.join(", ")) }
}

/// The y ticks of a log axis on [lo, hi]: 1, 2 and 5 times each power of ten over up to 2
/// decades, 1 and 3 times up to 5, each power of ten up to 12, else every other one.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = last - first;
    let (mantissas, step): (&[f64], i32) = match decades {
        ..=2 => (&[1.0, 2.0, 5.0], 1),
        3..=5 => (&[1.0, 3.0], 1),
        6..=12 => (&[1.0], 1),
        _ => (&[1.0], 2),
    };
    let mut ticks = Vec::new();
    for e in (first..=last).filter(|e| (e - first) % step == 0) {
        for m in mantissas {
            let t = m * 10f64.powi(e);
            if (lo..=hi).contains(&t) {
                ticks.push(t);
            }
        }
    }
    ticks
}

/// A y tick: up to 3 significant digits, plain in [1e-3, 1e4) (`0.05`, `1.5`), else as a
/// power of ten (`1e-7`, `2.5e-7`).
fn tick(y: f64) -> String {
    if y == 0.0 || !y.is_finite() {
        return format!("{y}");
    }
    let mag = y.abs().log10().floor() as i32;
    let text = if (-3..4).contains(&mag) {
        let digits = (2 - mag).max(0) as usize;
        format!("{y:.digits$}")
    } else {
        format!("{y:.2e}")
    };
    // Drop the zeros a fixed number of digits leaves: 0.500 -> 0.5, 2.00e-7 -> 2e-7.
    match text.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        }
        Some(_) => text,
        None if text.contains('.') => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        None => text,
    }
}

/// The points of one series: (depth, std), depth from 1, non-finite values left out.
fn line(points: &[f64]) -> impl Iterator<Item = (f64, f64)> + '_ {
    points.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, &v)| ((i + 1) as f64, v))
}

/// The legend: a coloured line and the candidate's name per series, in order.
fn legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    series: &[(String, Vec<f64>)],
    colors: &[RGBColor],
    skipped_zero: bool,
) -> Fallible<()> {
    let style = ("sans-serif", 15).into_font().color(&BLACK);
    area.draw(&Text::new("scheme", (10, 60), ("sans-serif", 16).into_font().color(&BLACK)))?;
    for (i, ((name, _), c)) in series.iter().zip(colors).enumerate() {
        let y = 90 + 26 * i as i32;
        area.draw(&PathElement::new(vec![(10, y), (40, y)], c.stroke_width(3)))?;
        area.draw(&Circle::new((25, y), 3, c.filled()))?;
        area.draw(&Text::new(name.clone(), (48, y - 8), style.clone()))?;
    }
    if skipped_zero {
        let y = 90 + 26 * series.len() as i32 + 10;
        area.draw(&Text::new("(std 0 not drawn: log scale)", (10, y), style))?;
    }
    Ok(())
}

/// Distinct colours, readable on white (Tableau 10).
fn color(i: usize) -> RGBColor {
    const TABLEAU: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = TABLEAU[i % TABLEAU.len()];
    RGBColor(r, g, b)
}
