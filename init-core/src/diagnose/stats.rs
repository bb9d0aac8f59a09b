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

/// The statistics of a layer's output.
pub(crate) fn of(kind: LayerKind, out: &ArrayD<f32>) -> Stats {
    let owned;
    let values: &[f32] = match out.as_slice() {
        Some(s) => s,
        None => {
            owned = out.iter().copied().collect::<Vec<f32>>();
            &owned
        }
    };
    let (mean, var, non_finite) = mean_var(values);
    let len = values.len().max(1) as f64;
    let zeros = values.iter().filter(|&&v| v == 0.0).count() as f64 / len;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values.iter().filter(|v| v.is_finite()) {
        min = min.min(f64::from(v));
        max = max.max(f64::from(v));
    }
    let saturated = match kind {
        LayerKind::Tanh => Some(values.iter().filter(|v| v.abs() > SATURATED).count() as f64 / len),
        LayerKind::Sigmoid => Some(
            values.iter().filter(|&&v| !(1.0 - SATURATED..=SATURATED).contains(&v)).count() as f64
                / len,
        ),
        _ => None,
    };
    let dead = matches!(kind, LayerKind::ReLU).then(|| dead_units(out)).flatten();
    Stats { mean, std: var.sqrt(), zeros, min, max, non_finite, saturated, dead }
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
