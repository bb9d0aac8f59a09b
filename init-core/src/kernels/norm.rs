//! Normalization over runtime sizes: batch norm (eval and train, with its running
//! statistics), layer norm and group norm.
//!
//! Statistics are accumulated in `f64` (mean first, then the sum of squared deviations: two
//! passes, no cancellation); the normalized values are rounded to `f32` once. Variances used
//! to normalize are biased (divided by the count), as in PyTorch.

use std::borrow::Cow;

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::error::{InitError, Result};
use crate::module::{Visitor, VisitorMut};
use crate::param::{Buffer, BufferMut, Param, ParamSlot};
use crate::spec::config;

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

/// The rule on `eps`, for builders and `#[layer(eps = ...)]` alike.
pub(crate) const fn eps_ok(eps: f64) -> bool {
    config::eps(eps).is_none()
}

/// The rule on `momentum` (`None`: a cumulative average).
#[allow(clippy::manual_range_contains)] // `contains` is not a `const fn`
pub(crate) const fn momentum_ok(momentum: Option<f64>) -> bool {
    match momentum {
        Some(m) => m >= 0.0 && m <= 1.0,
        None => true,
    }
}

/// `eps` if it is finite and `>= 0`.
pub(crate) fn check_eps(layer: &'static str, eps: f64) -> Result<f64> {
    config::check_keyword(layer, "eps", eps, config::eps(eps))?;
    Ok(eps)
}

/// `momentum` if it is `None` or finite in `[0, 1]`.
pub(crate) fn check_momentum(layer: &'static str, momentum: Option<f64>) -> Result<Option<f64>> {
    match momentum {
        Some(m) if !momentum_ok(momentum) => Err(InitError::config(
            layer,
            format!("momentum must be in [0, 1] (or None for a cumulative average), got {m:?}"),
        )),
        _ => Ok(momentum),
    }
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
fn moments(xs: &[f32]) -> (f64, f64) {
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

/// `x[n, c, l] · alpha[c] + beta[c]` for `x` laid out `[n, alpha.len(), len]`.
fn channel_affine(x: &[f32], len: usize, alpha: &[f32], beta: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    if len == 0 || alpha.is_empty() {
        return out;
    }
    for sample in x.chunks_exact(alpha.len() * len) {
        for ((plane, &a), &b) in sample.chunks_exact(len).zip(alpha).zip(beta) {
            out.extend(plane.iter().map(|&v| v * a + b));
        }
    }
    out
}

/// Per channel of `x` laid out `[n, channels, len]`: the mean and the sum of squared
/// deviations over the `n · len` values.
fn channel_moments(x: &[f32], channels: usize, len: usize) -> Vec<(f64, f64)> {
    let count = (x.len() / channels.max(1)) as f64;
    let planes = |c: usize| x.chunks_exact(len.max(1)).skip(c).step_by(channels.max(1));
    (0..channels)
        .map(|c| {
            let sum: f64 = planes(c).flatten().map(|&v| f64::from(v)).sum();
            let mean = sum / count;
            let ss: f64 = planes(c).flatten().map(|&v| (f64::from(v) - mean).powi(2)).sum();
            (mean, ss)
        })
        .collect()
}

/// The values of an `f32` buffer of BatchNorm (always `f32` and contiguous: a
/// [`BufferMut`] can change neither its type nor its shape).
fn f32_slice(b: &Buffer) -> &[f32] {
    b.as_f32().and_then(|a| a.to_slice()).unwrap_or(&[])
}

/// Overwrite an `f32` buffer's values.
fn set_f32(b: &mut Buffer, values: &[f32]) {
    if let Some(mut a) = b.as_f32_mut() {
        a.iter_mut().zip(values).for_each(|(d, &s)| *d = s);
    }
}

/// The state of a BatchNorm layer over `C` channels, whatever its input rank: parameters,
/// running statistics and configuration, with the eval and train forward passes over input
/// laid out `[N, C, L]`. `BatchNorm1d` and `BatchNorm2d` are shells around it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BatchNorm {
    weight: Param,
    bias: Param,
    running_mean: Buffer,
    running_var: Buffer,
    num_batches_tracked: Buffer,
    pub(crate) eps: f64,
    pub(crate) momentum: Option<f64>,
}

impl BatchNorm {
    /// Parameters zero (not initialized); running statistics in their reset state (mean 0,
    /// variance 1, no batch tracked); PyTorch's eps and momentum.
    pub(crate) fn zeroed(channels: usize) -> Self {
        BatchNorm {
            weight: Param::zeros(&[channels]),
            bias: Param::zeros(&[channels]),
            running_mean: Buffer::f32_zeros(&[channels]),
            running_var: Buffer::f32_full(&[channels], 1.0),
            num_batches_tracked: Buffer::i64_scalar(0),
            eps: 1e-5,
            momentum: Some(0.1),
        }
    }

    /// PyTorch's `reset_parameters`: `reset_running_stats()` (mean 0, variance 1, count 0),
    /// then weight ones and bias zeros. No random draw.
    /// Parameters for which `ruled(name)` is true are left for their rule.
    pub(crate) fn reset(&mut self, ruled: &dyn Fn(&str) -> bool) {
        self.reset_running_stats();
        if !ruled("weight") {
            self.weight.as_slice_mut().fill(1.0);
        }
        if !ruled("bias") {
            self.bias.as_slice_mut().fill(0.0);
        }
    }

    /// PyTorch's `reset_running_stats`.
    pub(crate) fn reset_running_stats(&mut self) {
        if let Some(mut m) = self.running_mean.as_f32_mut() {
            m.fill(0.0);
        }
        if let Some(mut v) = self.running_var.as_f32_mut() {
            v.fill(1.0);
        }
        if let Some(mut n) = self.num_batches_tracked.as_i64_mut() {
            n.fill(0);
        }
    }

    pub(crate) fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("weight", &self.weight);
        v.param("bias", &self.bias);
        v.buffer("running_mean", &self.running_mean);
        v.buffer("running_var", &self.running_var);
        v.buffer("num_batches_tracked", &self.num_batches_tracked);
    }

    pub(crate) fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("weight", ParamSlot::from(&mut self.weight));
        v.param("bias", ParamSlot::from(&mut self.bias));
        v.buffer("running_mean", BufferMut::from(&mut self.running_mean));
        v.buffer("running_var", BufferMut::from(&mut self.running_var));
        v.buffer("num_batches_tracked", BufferMut::from(&mut self.num_batches_tracked));
    }

    /// The running mean, per channel.
    pub(crate) fn running_mean(&self) -> &[f32] {
        f32_slice(&self.running_mean)
    }

    /// The running variance, per channel.
    pub(crate) fn running_var(&self) -> &[f32] {
        f32_slice(&self.running_var)
    }

    /// The number of train-mode batches seen since the last reset.
    pub(crate) fn num_batches_tracked(&self) -> i64 {
        self.num_batches_tracked.as_i64().and_then(|a| a.iter().next().copied()).unwrap_or(0)
    }

    /// Eval mode: `(x − running_mean) / √(running_var + eps) · weight + bias` per channel,
    /// for `x` laid out `[n, C, len]` (the caller has checked the shape).
    pub(crate) fn eval(&self, x: &[f32], len: usize) -> Vec<f32> {
        let stats: Vec<(f64, f64)> = (self.running_mean().iter().zip(self.running_var()))
            .map(|(&m, &v)| (f64::from(m), f64::from(v)))
            .collect();
        let (alpha, beta) = self.scale_shift(&stats);
        channel_affine(x, len, &alpha, &beta)
    }

    /// Train mode on `x` laid out `[n, C, len]`: normalize with the batch mean and biased
    /// variance, then update the running statistics as PyTorch does (`num_batches_tracked +=
    /// 1`; the running variance takes the unbiased batch variance; factor `momentum`, or
    /// `1 / num_batches_tracked` for a cumulative average when `momentum` is `None`).
    ///
    /// `n · len` must be at least 2 (the caller checks, with PyTorch's error).
    pub(crate) fn train(&mut self, x: &[f32], len: usize) -> Vec<f32> {
        let channels = self.weight.numel();
        let count = (x.len() / channels.max(1)) as f64;
        let sums = channel_moments(x, channels, len);
        let batch: Vec<(f64, f64)> = sums.iter().map(|&(m, ss)| (m, ss / count)).collect();
        let (alpha, beta) = self.scale_shift(&batch);
        let y = channel_affine(x, len, &alpha, &beta);

        let tracked = self.num_batches_tracked().saturating_add(1);
        if let Some(mut n) = self.num_batches_tracked.as_i64_mut() {
            n.fill(tracked);
        }
        let factor = self.momentum.unwrap_or(1.0 / tracked as f64);
        let update = |old: f32, new: f64| (factor * new + (1.0 - factor) * f64::from(old)) as f32;
        // As PyTorch's CPU kernel: the batch mean and the sum of squared deviations are `f32`
        // tensors, the update itself is computed in double.
        let mean: Vec<f32> = (self.running_mean().iter().zip(&sums))
            .map(|(&old, &(m, _))| update(old, f64::from(m as f32)))
            .collect();
        let var: Vec<f32> = (self.running_var().iter().zip(&sums))
            .map(|(&old, &(_, ss))| update(old, f64::from(ss as f32) / (count - 1.0)))
            .collect();
        set_f32(&mut self.running_mean, &mean);
        set_f32(&mut self.running_var, &var);
        y
    }

    /// Per channel `alpha = weight / √(var + eps)` and `beta = bias − mean · alpha`, from
    /// `(mean, var)` pairs.
    fn scale_shift(&self, stats: &[(f64, f64)]) -> (Vec<f32>, Vec<f32>) {
        let (w, b) = (self.weight.as_slice(), self.bias.as_slice());
        stats
            .iter()
            .zip(w.iter().zip(b))
            .map(|(&(mean, var), (&w, &b))| {
                let alpha = f64::from(w) / (var + self.eps).sqrt();
                (alpha as f32, (f64::from(b) - mean * alpha) as f32)
            })
            .unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_moments_cover_every_sample_and_position() {
        // [n = 2, channels = 2, len = 2]: channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let m = channel_moments(&x, 2, 2);
        assert_eq!(m, [(3.5, 17.0), (5.5, 17.0)]);
    }

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
    }
}
