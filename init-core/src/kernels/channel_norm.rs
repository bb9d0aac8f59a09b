//! Per-channel normalization of input laid out `[N, C, L]`: batch norm (statistics of each
//! channel over `N` and `L`) and instance norm (statistics of each `(n, c)` over `L`), with
//! their optional affine parameters and running statistics.
//!
//! Statistics are accumulated in `f64` (mean first, then the sum of squared deviations); the
//! normalized values are rounded to `f32` once. Variances used to normalize are biased, the
//! ones folded into the running variance unbiased, as in PyTorch.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::module::{Visitor, VisitorMut, join};
use crate::param::{Buffer, BufferMut, Param, ParamSlot};
use crate::schemes::planning::set_constant;

use super::norm::{self, moments};

/// `x[n, c, l] · alpha[n·C + c] + beta[n·C + c]` for `x` laid out `[n, C, len]`, where
/// `alpha`/`beta` hold one value per channel (`C` values, shared by every sample) or one per
/// `(n, c)` plane (`n · C` values).
fn plane_affine(x: &[f32], len: usize, alpha: &[f32], beta: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    if len == 0 || alpha.is_empty() {
        return out;
    }
    let planes = x.chunks_exact(len);
    for (k, plane) in planes.enumerate() {
        let (a, b) = (alpha[k % alpha.len()], beta[k % beta.len()]);
        out.extend(plane.iter().map(|&v| v * a + b));
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

/// The values of an `f32` buffer (always `f32` and contiguous: a [`BufferMut`] can change
/// neither its type nor its shape).
fn f32_slice(b: &Buffer) -> &[f32] {
    b.as_f32().and_then(|a| a.to_slice()).unwrap_or(&[])
}

/// Overwrite an `f32` buffer's values.
fn set_f32(b: &mut Buffer, values: &[f32]) {
    if let Some(mut a) = b.as_f32_mut() {
        a.iter_mut().zip(values).for_each(|(d, &s)| *d = s);
    }
}

/// PyTorch's running statistics: `running_mean`, `running_var`, `num_batches_tracked`.
#[derive(Clone, Debug, PartialEq)]
struct Running {
    mean: Buffer,
    var: Buffer,
    tracked: Buffer,
}

impl Running {
    /// The reset state: mean 0, variance 1, no batch tracked.
    fn new(channels: usize) -> Self {
        Running {
            mean: Buffer::f32_zeros(&[channels]),
            var: Buffer::f32_full(&[channels], 1.0),
            tracked: Buffer::i64_scalar(0),
        }
    }

    fn tracked(&self) -> i64 {
        self.tracked.as_i64().and_then(|a| a.iter().next().copied()).unwrap_or(0)
    }

    /// `(mean, var)` pairs in `f64`.
    fn stats(&self) -> Vec<(f64, f64)> {
        (f32_slice(&self.mean).iter().zip(f32_slice(&self.var)))
            .map(|(&m, &v)| (f64::from(m), f64::from(v)))
            .collect()
    }

    /// `running = factor · new + (1 − factor) · running`, computed in `f64` from `f32`
    /// batch values, as PyTorch's CPU kernel.
    fn update(&mut self, factor: f64, means: &[f32], vars: &[f32]) {
        let blend = |old: &[f32], new: &[f32]| -> Vec<f32> {
            (old.iter().zip(new))
                .map(|(&o, &n)| (factor * f64::from(n) + (1.0 - factor) * f64::from(o)) as f32)
                .collect()
        };
        let mean = blend(f32_slice(&self.mean), means);
        let var = blend(f32_slice(&self.var), vars);
        set_f32(&mut self.mean, &mean);
        set_f32(&mut self.var, &var);
    }
}

/// The state of a per-channel norm layer over `C` channels, whatever its input rank:
/// optional affine parameters, optional running statistics, eps and momentum, with the batch
/// and instance forward passes over input laid out `[N, C, L]`. `BatchNorm1d/2d/3d` and
/// `InstanceNorm1d/2d` are shells around it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChannelNorm {
    channels: usize,
    weight: Option<Param>,
    bias: Option<Param>,
    running: Option<Running>,
    pub(crate) eps: f64,
    pub(crate) momentum: Option<f64>,
}

impl ChannelNorm {
    /// Parameters zero (not initialized) when `affine`; running statistics in their reset
    /// state when `track_running_stats`; PyTorch's eps and momentum.
    pub(crate) fn zeroed(channels: usize, affine: bool, track_running_stats: bool) -> Self {
        ChannelNorm {
            channels,
            weight: affine.then(|| Param::zeros(&[channels])),
            bias: affine.then(|| Param::zeros(&[channels])),
            running: track_running_stats.then(|| Running::new(channels)),
            eps: 1e-5,
            momentum: Some(0.1),
        }
    }

    /// `affine`: weight ones and bias zeros (their PyTorch default, no random draw), or
    /// neither parameter.
    pub(crate) fn set_affine(&mut self, affine: bool) {
        if affine != self.affine() {
            self.weight = affine.then(|| {
                let mut w = Param::zeros(&[self.channels]);
                w.as_slice_mut().fill(1.0);
                w
            });
            self.bias = affine.then(|| Param::zeros(&[self.channels]));
        }
    }

    /// `track_running_stats`: running statistics in their reset state, or none.
    pub(crate) fn set_track_running_stats(&mut self, track: bool) {
        if track != self.tracks_running_stats() {
            self.running = track.then(|| Running::new(self.channels));
        }
    }

    pub(crate) fn affine(&self) -> bool {
        self.weight.is_some()
    }

    pub(crate) fn tracks_running_stats(&self) -> bool {
        self.running.is_some()
    }

    /// PyTorch's `reset_parameters`: `reset_running_stats()`, then weight ones and bias
    /// zeros. No random draw. Parameters for which `ruled(name)` is true are left for their
    /// rule.
    pub(crate) fn reset(&mut self, prefix: &str, ruled: &dyn Fn(&str) -> bool) {
        self.reset_running_stats();
        if let Some(w) = self.weight.as_mut().filter(|_| !ruled("weight")) {
            set_constant(w, &join(prefix, "weight"), 1.0);
        }
        if let Some(b) = self.bias.as_mut().filter(|_| !ruled("bias")) {
            set_constant(b, &join(prefix, "bias"), 0.0);
        }
    }

    /// PyTorch's `reset_running_stats` (nothing without running statistics).
    pub(crate) fn reset_running_stats(&mut self) {
        if let Some(r) = &mut self.running {
            *r = Running::new(self.channels);
        }
    }

    pub(crate) fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        if let Some(w) = &self.weight {
            v.param("weight", w);
        }
        if let Some(b) = &self.bias {
            v.param("bias", b);
        }
        if let Some(r) = &self.running {
            v.buffer("running_mean", &r.mean);
            v.buffer("running_var", &r.var);
            v.buffer("num_batches_tracked", &r.tracked);
        }
    }

    pub(crate) fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        if let Some(w) = &mut self.weight {
            v.param("weight", ParamSlot::from(w));
        }
        if let Some(b) = &mut self.bias {
            v.param("bias", ParamSlot::from(b));
        }
        if let Some(r) = &mut self.running {
            v.buffer("running_mean", BufferMut::from(&mut r.mean));
            v.buffer("running_var", BufferMut::from(&mut r.var));
            v.buffer("num_batches_tracked", BufferMut::from(&mut r.tracked));
        }
    }

    /// The running mean, per channel (empty without running statistics).
    pub(crate) fn running_mean(&self) -> &[f32] {
        self.running.as_ref().map_or(&[], |r| f32_slice(&r.mean))
    }

    /// The running variance, per channel (empty without running statistics).
    pub(crate) fn running_var(&self) -> &[f32] {
        self.running.as_ref().map_or(&[], |r| f32_slice(&r.var))
    }

    /// The number of train-mode batches tracked since the last reset (0 without running
    /// statistics).
    pub(crate) fn num_batches_tracked(&self) -> i64 {
        self.running.as_ref().map_or(0, Running::tracked)
    }

    /// Batch norm's eval-mode forward of `input`, laid out `[N, C, len]` (the layer has
    /// checked its shape): without running statistics it needs more than one value per
    /// channel, as in train mode.
    pub(crate) fn batch_forward(
        &self,
        layer: &'static str,
        input: &ArrayViewD<'_, f32>,
        len: usize,
    ) -> Result<ArrayD<f32>> {
        if self.running.is_none() {
            norm::check_train_values(layer, input, len)?;
        }
        let y = self.batch_eval(&norm::row_major(input), len);
        norm::shaped(layer, input.shape(), y)
    }

    /// Batch norm's train-mode forward of `input`, laid out `[N, C, len]` (the layer has
    /// checked its shape); nothing changes on error.
    pub(crate) fn batch_forward_train(
        &mut self,
        layer: &'static str,
        input: &ArrayViewD<'_, f32>,
        len: usize,
    ) -> Result<ArrayD<f32>> {
        norm::check_train_values(layer, input, len)?;
        let y = self.batch_train(&norm::row_major(input), len);
        norm::shaped(layer, input.shape(), y)
    }

    /// Batch norm in eval mode on `x` laid out `[n, C, len]`: the running statistics, or the
    /// batch's when there are none (PyTorch's `track_running_stats=False`; the caller has
    /// checked there is more than one value per channel).
    pub(crate) fn batch_eval(&self, x: &[f32], len: usize) -> Vec<f32> {
        let stats = match &self.running {
            Some(r) => r.stats(),
            None => self.batch_stats(x, len),
        };
        let (alpha, beta) = self.scale_shift(&stats);
        plane_affine(x, len, &alpha, &beta)
    }

    /// Batch norm in train mode: normalize with the batch mean and biased variance, then
    /// update the running statistics, if any, as PyTorch does (`num_batches_tracked += 1`;
    /// the running variance takes the unbiased batch variance; factor `momentum`, or
    /// `1 / num_batches_tracked` when `momentum` is `None`). `n · len >= 2` (the caller
    /// checks, with PyTorch's error).
    pub(crate) fn batch_train(&mut self, x: &[f32], len: usize) -> Vec<f32> {
        let count = (x.len() / self.channels.max(1)) as f64;
        let sums = channel_moments(x, self.channels, len);
        let batch: Vec<(f64, f64)> = sums.iter().map(|&(m, ss)| (m, ss / count)).collect();
        let (alpha, beta) = self.scale_shift(&batch);
        let y = plane_affine(x, len, &alpha, &beta);
        if let Some(r) = &mut self.running {
            let tracked = r.tracked().saturating_add(1);
            if let Some(mut n) = r.tracked.as_i64_mut() {
                n.fill(tracked);
            }
            let factor = self.momentum.unwrap_or(1.0 / tracked as f64);
            // As PyTorch's CPU kernel: the batch mean and the sum of squared deviations are
            // `f32` tensors, the update itself is computed in double.
            let means: Vec<f32> = sums.iter().map(|&(m, _)| m as f32).collect();
            let vars: Vec<f32> =
                sums.iter().map(|&(_, ss)| (f64::from(ss as f32) / (count - 1.0)) as f32).collect();
            r.update(factor, &means, &vars);
        }
        y
    }

    /// Instance norm in eval mode on `x` laid out `[n, C, len]`: the running statistics when
    /// tracked, else each instance's own (the caller has checked `len > 1`).
    pub(crate) fn instance_eval(&self, x: &[f32], len: usize) -> Vec<f32> {
        match &self.running {
            Some(r) => {
                let (alpha, beta) = self.scale_shift(&r.stats());
                plane_affine(x, len, &alpha, &beta)
            }
            None => self.instance_normalize(x, len).0,
        }
    }

    /// Instance norm in train mode: each `(n, c)` plane with its own mean and biased variance;
    /// the running statistics, if tracked, move towards the batch average of the instance
    /// means and unbiased variances, by `momentum` (`None` counts as 0: PyTorch's
    /// `InstanceNorm` passes `momentum or 0.0`, so the statistics stay put). Unlike batch norm,
    /// `num_batches_tracked` is not counted, as in PyTorch. `len >= 2` (the caller checks).
    pub(crate) fn instance_train(&mut self, x: &[f32], len: usize) -> Vec<f32> {
        let (y, stats) = self.instance_normalize(x, len);
        if let Some(r) = &mut self.running {
            let c = self.channels.max(1);
            let n = stats.len() / c;
            let unbiased = len as f64 / (len as f64 - 1.0);
            let factor = self.momentum.unwrap_or(0.0);
            let average = |f: &dyn Fn(&(f64, f64)) -> f64| -> Vec<f32> {
                (0..c)
                    .map(|ch| {
                        let sum: f64 = (0..n).map(|k| f(&stats[k * c + ch])).sum();
                        (sum / n.max(1) as f64) as f32
                    })
                    .collect()
            };
            let means = average(&|&(m, _)| f64::from(m as f32));
            let vars = average(&|&(_, v)| f64::from((v * unbiased) as f32));
            if n > 0 {
                r.update(factor, &means, &vars);
            }
        }
        y
    }

    /// Each `[len]` plane of `x` normalized with its own mean and biased variance, then the
    /// per-channel affine; also the `(mean, var)` of every plane.
    fn instance_normalize(&self, x: &[f32], len: usize) -> (Vec<f32>, Vec<(f64, f64)>) {
        let stats: Vec<(f64, f64)> = x.chunks_exact(len.max(1)).map(moments).collect();
        let (alpha, beta) = self.scale_shift(&stats);
        (plane_affine(x, len, &alpha, &beta), stats)
    }

    /// The `(mean, biased var)` of each channel over the batch.
    fn batch_stats(&self, x: &[f32], len: usize) -> Vec<(f64, f64)> {
        let count = (x.len() / self.channels.max(1)) as f64;
        let sums = channel_moments(x, self.channels, len);
        sums.iter().map(|&(m, ss)| (m, ss / count)).collect()
    }

    /// For the `k`-th `(mean, var)` pair (channel `k mod C`): `alpha = weight / √(var + eps)`
    /// and `beta = bias − mean · alpha`.
    fn scale_shift(&self, stats: &[(f64, f64)]) -> (Vec<f32>, Vec<f32>) {
        let c = self.channels.max(1);
        let w = |k: usize| self.weight.as_ref().map_or(1.0, |w| f64::from(w.as_slice()[k % c]));
        let b = |k: usize| self.bias.as_ref().map_or(0.0, |b| f64::from(b.as_slice()[k % c]));
        stats
            .iter()
            .enumerate()
            .map(|(k, &(mean, var))| {
                let alpha = w(k) / (var + self.eps).sqrt();
                (alpha as f32, (b(k) - mean * alpha) as f32)
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
    fn instance_statistics_are_per_plane_and_running_stats_average_them() {
        // [n = 2, channels = 1, len = 2]: planes [1, 3] and [10, 30].
        let x = [1.0, 3.0, 10.0, 30.0];
        let mut norm = ChannelNorm::zeroed(1, false, true);
        norm.eps = 0.0;
        norm.momentum = Some(1.0);
        assert_eq!(norm.instance_train(&x, 2), [-1.0, 1.0, -1.0, 1.0]);
        // Means 2 and 20, unbiased variances 2 and 200: averaged over the batch.
        assert_eq!((norm.running_mean(), norm.running_var()), (&[11.0][..], &[101.0][..]));
        assert_eq!(norm.num_batches_tracked(), 0);
        // momentum None: PyTorch's InstanceNorm keeps its running statistics.
        norm.momentum = None;
        norm.instance_train(&[0.0, 8.0], 2);
        assert_eq!(norm.running_mean(), &[11.0]);
    }
}
