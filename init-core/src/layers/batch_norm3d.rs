//! [`BatchNorm3d`]: batch normalization over the channels of `[N, C, D, H, W]` input.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::channel_norm::ChannelNorm;
use crate::kernels::norm;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::{LayerSpec, ParamTable};

/// Batch normalization over 5-D input `[N, C, D, H, W]`, PyTorch's `nn.BatchNorm3d(C)`: the
/// statistics of each channel are taken over `N`, `D`, `H` and `W`.
///
/// Parameters `weight` and `bias` of shape `[C]`; buffers `running_mean` `[C]`,
/// `running_var` `[C]` and `num_batches_tracked` (a 0-d `i64`), in PyTorch's order and names,
/// as [`BatchNorm2d`](crate::BatchNorm2d). Default initialization (PyTorch's
/// `reset_parameters`, no random draw): weight ones, bias zeros, running mean 0, running
/// variance 1, `num_batches_tracked` 0.
///
/// * [`Forward::forward`] is **eval mode**: `(x − running_mean) / √(running_var + eps) ·
///   weight + bias`, per channel (axis 1).
/// * [`forward_train`](BatchNorm3d::forward_train) is **train mode**: it normalizes with the
///   batch mean and biased variance and updates the running statistics as PyTorch does.
///
/// Settings, PyTorch's keywords: [`with_eps`](BatchNorm3d::with_eps) (default `1e-5`),
/// [`with_momentum`](BatchNorm3d::with_momentum) (default `Some(0.1)`; `None` is a cumulative
/// moving average), [`without_affine`](BatchNorm3d::without_affine) (`affine=False`: no weight
/// or bias) and [`without_track_running_stats`](BatchNorm3d::without_track_running_stats)
/// (`track_running_stats=False`: no buffers, and both modes normalize with the batch's
/// statistics).
///
/// ```
/// use init_core::{BatchNorm3d, Forward, Module};
/// use ndarray::ArrayD;
///
/// let mut bn = BatchNorm3d::<2>::new().with_momentum(Some(0.5))?;
/// let keys: Vec<String> = bn.named_buffers().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(keys, ["running_mean", "running_var", "num_batches_tracked"]);
///
/// // N = 1, D = H = 1, W = 2: channel 0 holds [1, 3], channel 1 holds [10, 30].
/// let x = ArrayD::from_shape_vec(vec![1, 2, 1, 1, 2], vec![1.0, 3.0, 10.0, 30.0]).unwrap();
/// let y = bn.forward_train(x.view())?; // batch mean [2, 20], biased variance [1, 100]
/// assert!((y[[0, 0, 0, 0, 0]] + 1.0).abs() < 1e-4);
/// assert_eq!(bn.running_mean(), &[1.0, 10.0]);
/// assert_eq!(bn.forward(x.view())?.shape(), &[1, 2, 1, 1, 2]);
///
/// let plain = BatchNorm3d::<2>::new().without_affine().without_track_running_stats();
/// assert!(plain.named_parameters().is_empty() && plain.named_buffers().is_empty());
/// let err = BatchNorm3d::<2>::new().with_eps(-1.0).unwrap_err();
/// assert_eq!(err.to_string(), "BatchNorm3d: eps must be finite and >= 0, got -1.0");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm3d<const C: usize> {
    inner: ChannelNorm,
}

impl<const C: usize> BatchNorm3d<C> {
    /// The layer with weight and bias zero, before any initialization, running statistics
    /// in their reset state, PyTorch's eps and momentum.
    pub fn zeroed() -> Self {
        BatchNorm3d { inner: ChannelNorm::zeroed(C, true, true) }
    }

    /// The layer with PyTorch's default initialization: weight ones, bias zeros (no random
    /// draw, so no generator is needed).
    pub fn new() -> Self {
        let mut layer = Self::zeroed();
        layer.inner.reset("", &|_| false);
        layer
    }

    /// The same layer with another `eps`, the value added to the variance before its square
    /// root (PyTorch's default `1e-5`). Error: `eps` negative or not finite.
    pub fn with_eps(mut self, eps: f64) -> Result<Self> {
        self.inner.eps = norm::check_eps("BatchNorm3d", eps)?;
        Ok(self)
    }

    /// The same layer with another momentum for the running statistics: `Some(m)` updates
    /// `running = (1 − m) · running + m · batch` (default `Some(0.1)`); `None` keeps a
    /// cumulative moving average. Error: `m` outside `[0, 1]` or not finite.
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Result<Self> {
        self.inner.momentum = norm::check_momentum("BatchNorm3d", momentum)?;
        Ok(self)
    }

    /// The same layer without `weight` and `bias` (PyTorch's `affine=False`).
    pub fn without_affine(mut self) -> Self {
        self.inner.set_affine(false);
        self
    }

    /// The same layer without running statistics (PyTorch's `track_running_stats=False`):
    /// no buffers, and eval mode normalizes with the batch's statistics too.
    pub fn without_track_running_stats(mut self) -> Self {
        self.inner.set_track_running_stats(false);
        self
    }

    /// The value added to the variance before its square root.
    pub fn eps(&self) -> f64 {
        self.inner.eps
    }

    /// The momentum of the running statistics (`None`: cumulative moving average).
    pub fn momentum(&self) -> Option<f64> {
        self.inner.momentum
    }

    /// The running mean, one value per channel (empty without running statistics).
    pub fn running_mean(&self) -> &[f32] {
        self.inner.running_mean()
    }

    /// The running variance, one value per channel (empty without running statistics).
    pub fn running_var(&self) -> &[f32] {
        self.inner.running_var()
    }

    /// How many train-mode batches have updated the running statistics.
    pub fn num_batches_tracked(&self) -> i64 {
        self.inner.num_batches_tracked()
    }

    /// Reset the running statistics (mean 0, variance 1, count 0), as PyTorch's
    /// `reset_running_stats`; weight and bias are kept.
    pub fn reset_running_stats(&mut self) {
        self.inner.reset_running_stats();
    }

    /// Train mode: normalize with the batch mean and biased variance of each channel, then
    /// update the running statistics. Errors: a wrong shape, or a single value per channel
    /// (`N · D · H · W = 1`); the layer is unchanged on error.
    pub fn forward_train(&mut self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        let len = check::<C>(&input)?;
        self.inner.batch_forward_train("BatchNorm3d", &input, len)
    }
}

/// `D · H · W` of a valid input.
fn check<const C: usize>(input: &ArrayViewD<'_, f32>) -> Result<usize> {
    match *input.shape() {
        [_, c, d, h, w] if c == C => Ok(d * h * w),
        _ => Err(InitError::input(
            "BatchNorm3d",
            format!(
                "input of shape {:?} must be [N, C, D, H, W] with C = {C} (num_features)",
                input.shape()
            ),
        )),
    }
}

impl<const C: usize> Default for BatchNorm3d<C> {
    /// [`BatchNorm3d::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize> Zeroed for BatchNorm3d<C> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const C: usize> LayerSpec for BatchNorm3d<C> {
    const KIND: LayerKind = LayerKind::BatchNorm3d;
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[C]).with("bias", &[C]);
}

impl<const C: usize> Module for BatchNorm3d<C> {
    fn kind(&self) -> LayerKind {
        LayerKind::BatchNorm3d
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        self.inner.visit(v);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        self.inner.visit_mut(v);
    }

    /// PyTorch's `reset_parameters`: running statistics reset, weight ones, bias zeros; no
    /// random draw.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        _rng: &mut dyn Generator,
    ) -> Result<()> {
        self.inner.reset(prefix, ruled);
        Ok(())
    }
}

impl<const C: usize> Forward for BatchNorm3d<C> {
    /// Eval mode, with the running statistics (the batch's without them).
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let len = check::<C>(&input)?;
            self.inner.batch_forward("BatchNorm3d", &input, len)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const C: usize> Features for BatchNorm3d<C> {
    const IN: Width = Width::Exactly(C);
    const OUT: Width = Width::Exactly(C);
}

super::channel_norm_config::channel_norm_configure!(BatchNorm3d, true, true);
