//! The statistics of one output tensor, in `f64`, summed in row-major order on one thread:
//! the same bits at any thread count.

use ndarray::ArrayD;

use crate::module::LayerKind;

/// |y| above this is a saturated tanh; a sigmoid below `1 - SATURATED` or above it is one.
pub(crate) const SATURATED: f32 = 0.99;

/// What the report keeps of one layer's output.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stats {
    pub(crate) mean: f64,
    pub(crate) std: f64,
    pub(crate) zeros: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) non_finite: usize,
    pub(crate) saturated: Option<f64>,
    pub(crate) dead: Option<(usize, usize)>,
}

/// The mean and population variance of `values` in `f64`, two passes in order, skipping
/// non-finite values (counted apart).
pub(crate) fn mean_var(values: &[f32]) -> (f64, f64, usize) {
    let mut n = 0usize;
    let mut sum = 0.0f64;
    for &v in values {
        if v.is_finite() {
            sum += f64::from(v);
            n += 1;
        }
    }
    if n == 0 {
        return (f64::NAN, f64::NAN, values.len());
    }
    let mean = sum / n as f64;
    let mut sq = 0.0f64;
    for &v in values {
        if v.is_finite() {
            let d = f64::from(v) - mean;
            sq += d * d;
        }
    }
    (mean, sq / n as f64, values.len() - n)
}

/// The statistics of a layer's output: one pass for the counts, min, max and sum, one for
/// the variance (fused: the report runs them on every layer of every candidate).
pub(crate) fn of(kind: LayerKind, out: &ArrayD<f32>) -> Stats {
    let owned;
    let values: &[f32] = match out.as_slice() {
        Some(s) => s,
        None => {
            owned = out.iter().copied().collect::<Vec<f32>>();
            &owned
        }
    };
    let saturated_at: fn(f32) -> bool = match kind {
        LayerKind::Tanh => |v| v.abs() > SATURATED,
        LayerKind::Sigmoid => |v| !(1.0 - SATURATED..=SATURATED).contains(&v),
        _ => |_| false,
    };
    let (mut n, mut sum, mut zeros, mut saturated) = (0usize, 0.0f64, 0usize, 0usize);
    let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in values {
        if v.is_finite() {
            n += 1;
            sum += f64::from(v);
            min = min.min(v);
            max = max.max(v);
        }
        zeros += usize::from(v == 0.0);
        saturated += usize::from(saturated_at(v));
    }
    let mean = if n == 0 { f64::NAN } else { sum / n as f64 };
    let mut sq = 0.0f64;
    for &v in values {
        if v.is_finite() {
            let d = f64::from(v) - mean;
            sq += d * d;
        }
    }
    let var = if n == 0 { f64::NAN } else { sq / n as f64 };
    let len = values.len().max(1) as f64;
    let saturated =
        matches!(kind, LayerKind::Tanh | LayerKind::Sigmoid).then(|| saturated as f64 / len);
    let dead = matches!(kind, LayerKind::ReLU).then(|| dead_units(out)).flatten();
    Stats {
        mean,
        std: var.sqrt(),
        zeros: zeros as f64 / len,
        min: if n == 0 { f64::INFINITY } else { f64::from(min) },
        max: if n == 0 { f64::NEG_INFINITY } else { f64::from(max) },
        non_finite: values.len() - n,
        saturated,
        dead,
    }
}

/// The units (positions of one sample's output: every axis but the first, the batch) that
/// are zero for every sample, and the number of units; `None` for outputs of rank < 2.
fn dead_units(out: &ArrayD<f32>) -> Option<(usize, usize)> {
    if out.ndim() < 2 || out.shape()[0] == 0 {
        return None;
    }
    let units = out.len() / out.shape()[0];
    let mut alive = vec![false; units];
    for sample in out.outer_iter() {
        for (a, &v) in alive.iter_mut().zip(sample.iter()) {
            *a |= v != 0.0;
        }
    }
    Some((alive.iter().filter(|&&a| !a).count(), units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn stats_of_a_small_relu_output() {
        let y = array![[0.0f32, 1.0, 0.0], [0.0, 3.0, 2.0]].into_dyn();
        let s = of(LayerKind::ReLU, &y);
        assert_eq!(s.mean, 1.0);
        assert!((s.std - (4.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.zeros, 0.5);
        assert_eq!((s.min, s.max), (0.0, 3.0));
        assert_eq!(s.dead, Some((1, 3)));
        assert_eq!(s.saturated, None);
        let t = of(LayerKind::Tanh, &array![[0.995f32, -0.999, 0.5, 0.0]].into_dyn());
        assert_eq!(t.saturated, Some(0.5));
    }
}
