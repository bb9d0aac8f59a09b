//! Normalization over runtime sizes: layer norm, group norm and RMS norm, and the checks
//! every norm layer shares (batch and instance norm are in `channel_norm.rs`).
//!
//! Statistics are accumulated in `f64` (mean first, then the sum of squared deviations: two
//! passes, no cancellation); the normalized values are rounded to `f32` once. Variances used
//! to normalize are biased (divided by the count), as in PyTorch.

use std::borrow::Cow;

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::error::{InitError, Result};
use crate::spec::settings;

/// The values of `x` in row-major order, borrowed when `x` is already laid out that way.
pub(crate) fn row_major<'a>(x: &'a ArrayViewD<'_, f32>) -> Cow<'a, [f32]> {
    match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// `values` as an array of `shape` (the caller guarantees the lengths agree).
pub(crate) fn shaped(
    layer: &'static str,
    shape: &[usize],
    values: Vec<f32>,
) -> Result<ArrayD<f32>> {
    ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| InitError::input(layer, e.to_string()))
}

/// `Ok` when `input` ends with a layer's normalized shape (LayerNorm, RMSNorm), else the
/// input error naming the layer.
pub(crate) fn check_normalized_shape(
    layer: &'static str,
    input: &[usize],
    shape: &[usize],
) -> Result<()> {
    if input.ends_with(shape) {
        return Ok(());
    }
    Err(InitError::input(
        layer,
        format!("input of shape {input:?} must end with the normalized shape {shape:?}"),
    ))
}

/// The rule on `eps`, for builders and `#[layer(eps = ...)]` alike.
pub(crate) const fn eps_ok(eps: f64) -> bool {
    settings::eps(eps).is_ok()
}

/// The rule on `momentum` (`None`: a cumulative average).
pub(crate) const fn momentum_ok(momentum: Option<f64>) -> bool {
    settings::momentum(momentum).is_ok()
}

/// `eps` if it keeps [`settings::eps`].
pub(crate) fn check_eps(layer: &'static str, eps: f64) -> Result<f64> {
    settings::check(layer, settings::eps(eps), eps).map(|()| eps)
}

/// `momentum` if it keeps [`settings::momentum`] (the message names the inner value).
pub(crate) fn check_momentum(layer: &'static str, momentum: Option<f64>) -> Result<Option<f64>> {
    let shown = momentum.unwrap_or(0.0);
    settings::check(layer, settings::momentum(momentum), shown).map(|()| momentum)
}

/// PyTorch's train-mode rule: more than one value per channel (`N · len > 1`), where `N` is
/// the length of the first axis of `input`.
pub(crate) fn check_train_values(
    layer: &'static str,
    input: &ArrayViewD<'_, f32>,
    len: usize,
) -> Result<()> {
    let n = input.shape().first().copied().unwrap_or(0);
    if n.saturating_mul(len) > 1 {
        Ok(())
    } else {
        Err(InitError::input(
            layer,
            format!(
                "expected more than 1 value per channel when training, got input of shape {:?}",
                input.shape()
            ),
        ))
    }
}

/// Mean and biased variance of `xs`, in `f64`; `(0, 0)` for an empty slice.
pub(crate) fn moments(xs: &[f32]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = xs.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// An optional per-element parameter's value at `i` (`default` when absent).
fn at(p: Option<&[f32]>, i: usize, default: f32) -> f32 {
    p.map_or(default, |p| p[i])
}

/// Layer norm: every run of `inner` consecutive values of `x` (the normalized trailing axes)
/// to zero mean and unit variance, then `· weight[j] + bias[j]` (`weight`, `bias` of length
/// `inner` when present).
pub(crate) fn layer_norm(
    x: &[f32],
    inner: usize,
    weight: Option<&[f32]>,
    bias: Option<&[f32]>,
    eps: f64,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    if inner == 0 {
        return out;
    }
    for row in x.chunks_exact(inner) {
        let (mean, var) = moments(row);
        let rstd = 1.0 / (var + eps).sqrt();
        out.extend(row.iter().enumerate().map(|(j, &v)| {
            let z = ((f64::from(v) - mean) * rstd) as f32;
            z * at(weight, j, 1.0) + at(bias, j, 0.0)
        }));
    }
    out
}

/// Group norm of `x` laid out `[n, channels, spatial]`: the `channels / groups` channels of
/// each group (all their spatial positions) to zero mean and unit variance, then
/// `· weight[c] + bias[c]` per channel. `groups` divides `channels`.
pub(crate) fn group_norm(
    x: &[f32],
    channels: usize,
    groups: usize,
    spatial: usize,
    weight: Option<&[f32]>,
    bias: Option<&[f32]>,
    eps: f64,
) -> Vec<f32> {
    let per_group = channels / groups.max(1);
    let mut out = Vec::with_capacity(x.len());
    if per_group * spatial == 0 {
        return out;
    }
    for (k, group) in x.chunks_exact(per_group * spatial).enumerate() {
        let (mean, var) = moments(group);
        let rstd = 1.0 / (var + eps).sqrt();
        let first = (k % groups) * per_group;
        for (i, plane) in group.chunks_exact(spatial).enumerate() {
            let (w, b) = (at(weight, first + i, 1.0), at(bias, first + i, 0.0));
            out.extend(plane.iter().map(|&v| ((f64::from(v) - mean) * rstd) as f32 * w + b));
        }
    }
    out
}

/// RMS norm: every run of `inner` consecutive values of `x` divided by the root of its mean
/// square plus `eps`, then `· weight[j]` (`weight` of length `inner` when present).
pub(crate) fn rms_norm(x: &[f32], inner: usize, weight: Option<&[f32]>, eps: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    if inner == 0 {
        return out;
    }
    for row in x.chunks_exact(inner) {
        let ms = row.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / inner as f64;
        let rstd = 1.0 / (ms + eps).sqrt();
        out.extend(
            row.iter().enumerate().map(|(j, &v)| (f64::from(v) * rstd) as f32 * at(weight, j, 1.0)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_norm_uses_each_groups_statistics_and_each_channels_affine() {
        // [n = 1, channels = 4, spatial = 1], 2 groups: {0, 2} and {10, 30}.
        let x = [0.0, 2.0, 10.0, 30.0];
        let w = [1.0, 2.0, 3.0, 4.0];
        let b = [0.0, 0.0, 0.0, 1.0];
        let y = group_norm(&x, 4, 2, 1, Some(&w), Some(&b), 0.0);
        assert_eq!(y, [-1.0, 2.0, -3.0, 5.0]);
        let y = layer_norm(&x, 2, None, None, 0.0);
        assert_eq!(y, [-1.0, 1.0, -1.0, 1.0]);
        // Rows [0, 2] and [10, 30]: mean squares 2 and 500.
        let y = rms_norm(&x, 2, Some(&[1.0, 2.0]), 0.0);
        let (a, b) = (2f64.sqrt(), 500f64.sqrt());
        assert_eq!(y, [0.0, (2.0 / a) as f32 * 2.0, (10.0 / b) as f32, (30.0 / b) as f32 * 2.0]);
    }
}
