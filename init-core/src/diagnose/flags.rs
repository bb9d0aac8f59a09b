//! The classic failures, in plain words, with their thresholds.

use std::fmt;

use super::LayerRow;
use crate::module::LayerKind;

/// Over the layers with weights, the last one's output std below `1 / DEPTH_RATIO` of the
/// first one's is vanishing, above `DEPTH_RATIO` times exploding.
pub const DEPTH_RATIO: f64 = 10.0;
/// A tanh or sigmoid with at least this fraction of outputs saturated is flagged.
pub const SATURATED_FRACTION: f64 = 0.2;
/// A ReLU with at least this fraction of zero outputs is flagged (a healthy one has about
/// half).
pub const RELU_ZEROS: f64 = 0.6;
/// A ReLU with at least this fraction of its units zero for every sample of the batch is
/// flagged.
pub const DEAD_UNITS: f64 = 0.1;
/// More than this many layers with the same kind of flag are reported in one line (the
/// worst layer's words, with the first and last layer); [`LayerRow`](super::LayerRow)s
/// keep every layer's numbers.
pub const GROUPED: usize = 3;
/// A parameter whose measured std is off its intended std by more than this relative amount
/// (and has at least [`MIN_NUMEL`] elements) is flagged.
pub const PARAM_STD_OFF: f64 = 0.2;
/// Parameters with fewer elements than this are not compared with their intended std.
pub const MIN_NUMEL: usize = 100;

/// What kind of failure a [`Flag`] reports.
///
/// ```
/// use init_core::{FlagKind, Sequential, Tanh, report};
/// let x = ndarray::ArrayD::from_shape_fn(vec![8, 8], |i| if i[1] % 2 == 0 { 5.0 } else { -5.0 });
/// let r = report(&Sequential::new().push(Tanh), &x)?;
/// assert_eq!(r.flags()[0].kind, FlagKind::Saturated);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlagKind {
    /// The std of the layers' outputs falls with depth by more than [`DEPTH_RATIO`].
    Vanishing,
    /// The std of the layers' outputs grows with depth by more than [`DEPTH_RATIO`].
    Exploding,
    /// A tanh or sigmoid with [`SATURATED_FRACTION`] of its outputs saturated.
    Saturated,
    /// A ReLU with [`RELU_ZEROS`] of zeros, or [`DEAD_UNITS`] of its units zero on the
    /// whole batch.
    DeadUnits,
    /// An output whose values are all equal (std 0).
    Constant,
    /// NaN or infinite values in an output.
    NonFinite,
    /// A parameter's std far from the std its scheme intended.
    ParamStd,
}

/// One problem the report found, in plain words.
///
/// ```
/// use init_core::{FlagKind, Sequential, Sigmoid, report};
/// let x = ndarray::ArrayD::from_shape_fn(vec![4, 5], |i| if i[1] < 4 { 8.0 } else { 0.0 });
/// let r = report(&Sequential::new().push(Sigmoid), &x)?;
/// let f = &r.flags()[0];
/// assert_eq!((f.kind, f.layer.as_deref()), (FlagKind::Saturated, Some("0")));
/// assert_eq!(f.to_string(), "0: sigmoid: 80% of outputs below 0.01 or above 0.99: saturated");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Flag {
    /// What failed.
    pub kind: FlagKind,
    /// The layer it is about (its path or fallback name), or `None` for the whole network.
    pub layer: Option<String>,
    /// The sentence.
    pub message: String,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.layer {
            Some(layer) => write!(f, "{layer}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every flag of the rows, the per-layer ones in forward order (more than [`GROUPED`] of one
/// kind in one line), then the depth one.
pub(crate) fn flags(rows: &[LayerRow]) -> Vec<Flag> {
    let mut each: Vec<(Flag, f64)> = Vec::new();
    for row in rows {
        layer_flags(row, &mut each);
    }
    let mut out: Vec<Flag> = Vec::new();
    let mut grouped: Vec<FlagKind> = Vec::new();
    for (flag, _) in &each {
        if grouped.contains(&flag.kind) {
            continue;
        }
        let same: Vec<&(Flag, f64)> = each.iter().filter(|(f, _)| f.kind == flag.kind).collect();
        if same.len() <= GROUPED {
            out.push(flag.clone());
            continue;
        }
        grouped.push(flag.kind);
        let worst = same.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map_or(flag, |w| &w.0);
        let name = |f: &Flag| f.layer.clone().unwrap_or_default();
        let message = format!(
            "{} layers, from {} to {}; the worst, {}: {}",
            same.len(),
            name(&same[0].0),
            name(&same[same.len() - 1].0),
            name(worst),
            worst.message
        );
        out.push(Flag { kind: flag.kind, layer: None, message });
    }
    if let Some(f) = depth_flag(rows) {
        out.push(f);
    }
    out
}

fn flag(out: &mut Vec<(Flag, f64)>, kind: FlagKind, row: &LayerRow, message: String, worst: f64) {
    out.push((Flag { kind, layer: Some(row.name.clone()), message }, worst));
}

fn layer_flags(row: &LayerRow, out: &mut Vec<(Flag, f64)>) {
    if row.non_finite > 0 {
        let msg = format!("{} NaN or infinite values in the output", row.non_finite);
        flag(out, FlagKind::NonFinite, row, msg, row.non_finite as f64);
    } else if row.std == 0.0 && row.numel > 1 {
        let msg = format!("every output equals {}: std 0, nothing passes through", num(row.mean));
        flag(out, FlagKind::Constant, row, msg, 0.0);
    }
    if let Some(s) = row.saturated.filter(|&s| s >= SATURATED_FRACTION) {
        let (name, bound) = match row.kind {
            LayerKind::Tanh => ("tanh", "beyond |0.99|"),
            _ => ("sigmoid", "below 0.01 or above 0.99"),
        };
        let msg = format!("{name}: {:.0}% of outputs {bound}: saturated", s * 100.0);
        flag(out, FlagKind::Saturated, row, msg, s);
    }
    if row.kind == LayerKind::ReLU {
        let dead = row.dead.filter(|&(d, units)| d as f64 >= DEAD_UNITS * units as f64);
        if row.zeros >= RELU_ZEROS || dead.is_some() {
            let mut msg = format!("ReLU: {:.0}% zeros", row.zeros * 100.0);
            if let Some((d, units)) = dead {
                msg += &format!("; {d} of {units} units dead on the whole batch");
            }
            let worst = dead.map_or(0.0, |(d, units)| d as f64 / units as f64).max(row.zeros);
            flag(out, FlagKind::DeadUnits, row, msg, worst);
        }
    }
    for p in &row.params {
        let Some(intended) = p.intended else { continue };
        if p.numel < MIN_NUMEL || intended == 0.0 {
            continue;
        }
        let off = (p.std / intended - 1.0).abs();
        if off > PARAM_STD_OFF {
            let msg = format!(
                "{}: std {} where its scheme intended {} ({:.2}x)",
                p.name,
                num(p.std),
                num(intended),
                p.std / intended
            );
            flag(out, FlagKind::ParamStd, row, msg, off);
        }
    }
}

/// Vanishing or exploding: the first and the last output of a layer with weights.
fn depth_flag(rows: &[LayerRow]) -> Option<Flag> {
    let weighted: Vec<&LayerRow> = rows.iter().filter(|r| r.has_weight).collect();
    let (first, last) = (weighted.first()?, weighted.last()?);
    if weighted.len() < 2 || first.std.is_nan() || first.std <= 0.0 || !last.std.is_finite() {
        return None;
    }
    let ratio = last.std / first.std;
    let n = weighted.len();
    let (kind, words) = if ratio < 1.0 / DEPTH_RATIO {
        (FlagKind::Vanishing, format!("falls by {}x", num(1.0 / ratio)))
    } else if ratio > DEPTH_RATIO {
        (FlagKind::Exploding, format!("grows by {}x", num(ratio)))
    } else {
        return None;
    };
    let what = if kind == FlagKind::Vanishing { "vanishing" } else { "exploding" };
    let message = format!(
        "the output std of the layers with weights {words} over {n} layers ({} {} -> {} {}): {what}",
        first.name,
        num(first.std),
        last.name,
        num(last.std)
    );
    Some(Flag { kind, layer: None, message })
}

/// A number in 4 significant digits, scientific outside [1e-3, 1e4).
pub(crate) fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    let mut mag = a.log10().floor() as i32;
    if (a / 10f64.powi(mag - 3)).round() >= 10_000.0 {
        mag += 1; // 0.99996 prints as 1.000, not 1.0000
    }
    if (-3..4).contains(&mag) {
        let digits = (3 - mag).max(0) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(0.57735), "0.5774");
        assert_eq!(num(12.5), "12.50");
        assert_eq!(num(1.0), "1.000");
        assert_eq!(num(4.1e-8), "4.100e-8");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.002), "-0.002000");
        assert_eq!(num(0.99996), "1.000");
        assert_eq!(num(9999.7), "1.000e4");
    }
}
