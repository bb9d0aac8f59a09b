//! Softmax and log-softmax along one axis, with PyTorch's choice of axis when none is given.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use crate::error::{InitError, Result};

/// The axis `dim` names for an input of `shape` (negative counts from the end; a 0-d input
/// counts as 1-d), or PyTorch's implicit choice for `None` (`_get_softmax_dim`: axis 0 for
/// 0-, 1- and 3-d inputs, else axis 1).
pub(crate) fn resolve_dim(
    layer: &'static str,
    shape: &[usize],
    dim: Option<isize>,
) -> Result<usize> {
    let rank = shape.len();
    let Some(dim) = dim else {
        return Ok(if matches!(rank, 0 | 1 | 3) { 0 } else { 1 });
    };
    let wrap = rank.max(1) as isize;
    if (-wrap..wrap).contains(&dim) {
        Ok(dim.rem_euclid(wrap) as usize)
    } else {
        Err(InitError::input(
            layer,
            format!(
                "dim {dim} is out of range for input of shape {shape:?} (expected {} to {})",
                -wrap,
                wrap - 1
            ),
        ))
    }
}

/// Softmax (or, with `log`, log-softmax) of `x` along `axis` (a 0-d `x` is one lane):
/// `exp(x − max) / Σ exp(x − max)` or `(x − max) − ln Σ exp(x − max)`, each lane's sum in
/// `f64`. A lane holding NaN or `+∞`, or only `−∞`, gives NaN, as PyTorch.
pub(crate) fn softmax(x: ArrayViewD<'_, f32>, axis: usize, log: bool) -> ArrayD<f32> {
    if x.ndim() == 0 {
        // One value: its softmax is 1 (log-softmax 0), NaN when it is not finite.
        let v = x.iter().next().copied().unwrap_or(0.0);
        let y = match (v.is_finite(), log) {
            (true, false) => 1.0,
            (true, true) => 0.0,
            (false, _) => f32::NAN,
        };
        return ArrayD::from_elem(IxDyn(&[]), y);
    }
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(Axis(axis)) {
        let max = lane.iter().fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        let sum: f64 = lane.iter().map(|&v| (f64::from(v) - f64::from(max)).exp()).sum();
        if log {
            let ln = sum.ln();
            lane.mapv_inplace(|v| ((f64::from(v) - f64::from(max)) - ln) as f32);
        } else {
            lane.mapv_inplace(|v| ((f64::from(v) - f64::from(max)).exp() / sum) as f32);
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn implicit_and_negative_dims_resolve_as_pytorch() {
        let dim = |shape: &[usize], d| resolve_dim("Softmax", shape, d);
        assert_eq!(dim(&[], None).unwrap(), 0);
        assert_eq!(dim(&[3, 4, 5], None).unwrap(), 0);
        assert_eq!(dim(&[3, 4], None).unwrap(), 1);
        assert_eq!(dim(&[2, 3, 4, 5], None).unwrap(), 1);
        assert_eq!(dim(&[3, 4], Some(-1)).unwrap(), 1);
        assert_eq!(dim(&[], Some(-1)).unwrap(), 0);
        assert_eq!(
            dim(&[3, 4], Some(2)).unwrap_err().to_string(),
            "Softmax: dim 2 is out of range for input of shape [3, 4] (expected -2 to 1)"
        );
    }

    #[test]
    fn lanes_sum_to_one_and_degenerate_lanes_are_nan() {
        let x = array![[1.0f32, 2.0, 3.0], [f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY]].into_dyn();
        let y = softmax(x.view(), 1, false);
        assert!((y.row_sum(0) - 1.0).abs() < 1e-6);
        assert_eq!(y[[1, 1]], 1.0);
        let y = softmax(array![[f32::NEG_INFINITY; 2]].into_dyn().view(), 1, false);
        assert!(y.iter().all(|v| v.is_nan()));
        let y = softmax(array![7.0f32].into_dyn().index_axis(Axis(0), 0), 0, true);
        assert_eq!((y.ndim(), y[[]]), (0, 0.0));
    }

    trait RowSum {
        fn row_sum(&self, r: usize) -> f32;
    }

    impl RowSum for ArrayD<f32> {
        fn row_sum(&self, r: usize) -> f32 {
            self.index_axis(Axis(0), r).sum()
        }
    }
}
