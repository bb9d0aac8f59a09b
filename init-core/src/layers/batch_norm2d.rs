//! [`BatchNorm2d`]: batch normalization over the channels of `[N, C, H, W]` input.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::channel_norm::ChannelNorm;
use crate::kernels::norm;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::{LayerSpec, ParamTable};

/// Batch normalization over 4-D input `[N, C, H, W]`, PyTorch's `nn.BatchNorm2d(C)`: the
/// statistics of each channel are taken over `N`, `H` and `W`.
///
/// Parameters `weight` and `bias` of shape `[C]`; buffers `running_mean` `[C]`,
/// `running_var` `[C]` and `num_batches_tracked` (a 0-d `i64`), in PyTorch's order and names.
/// Default initialization (PyTorch's `reset_parameters`, no random draw): weight ones, bias
/// zeros, running mean 0, running variance 1, `num_batches_tracked` 0.
///
/// * [`Forward::forward`] is **eval mode**: `(x − running_mean) / √(running_var + eps) ·
///   weight + bias`, per channel (axis 1).
/// * [`forward_train`](BatchNorm2d::forward_train) is **train mode**: it normalizes with the
///   batch mean and biased variance and updates the running statistics as PyTorch does.
///
/// Configuration: `eps` (default `1e-5`) and `momentum` (default `Some(0.1)`; `None` is
/// PyTorch's `momentum=None`, a cumulative moving average) through
/// [`with_eps`](BatchNorm2d::with_eps) and [`with_momentum`](BatchNorm2d::with_momentum).
/// [`without_affine`](BatchNorm2d::without_affine) is `affine=False` (no weight or bias) and
/// [`without_track_running_stats`](BatchNorm2d::without_track_running_stats) is
/// `track_running_stats=False` (no buffers; both modes use the batch's statistics).
///
/// ```
/// use init_core::{BatchNorm2d, Forward, Module};
/// use ndarray::array;
///
/// let mut bn = BatchNorm2d::<2>::new().with_momentum(Some(0.5))?;
/// let params: Vec<String> = bn.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(params, ["weight", "bias"]);
/// let buffers: Vec<String> = bn.named_buffers().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(buffers, ["running_mean", "running_var", "num_batches_tracked"]);
///
/// // N = 1, H = 1, W = 2: channel 0 holds [1, 3], channel 1 holds [10, 30].
/// let x = array![[[[1.0, 3.0]], [[10.0, 30.0]]]].into_dyn();
/// let y = bn.forward_train(x.view())?; // batch statistics: mean [2, 20], biased var [1, 100]
/// assert!((y[[0, 0, 0, 0]] + 1.0).abs() < 1e-4 && (y[[0, 1, 0, 1]] - 1.0).abs() < 1e-4);
/// // running_mean = 0.5 · 0 + 0.5 · batch mean; running_var uses the unbiased variance [2, 200]
/// assert_eq!(bn.running_mean(), &[1.0, 10.0]);
/// assert_eq!(bn.running_var(), &[1.5, 100.5]);
/// assert_eq!(bn.num_batches_tracked(), 1);
///
/// let y = bn.forward(x.view())?; // eval mode: running statistics
/// assert_eq!(y.shape(), &[1, 2, 1, 2]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm2d<const C: usize> {
    inner: ChannelNorm,
}

impl<const C: usize> BatchNorm2d<C> {
    /// The layer with weight and bias zero, before any initialization, running statistics
    /// in their reset state, PyTorch's eps and momentum. Use it to build a tree, then
    /// initialize the tree once.
    pub fn zeroed() -> Self {
        BatchNorm2d { inner: ChannelNorm::zeroed(C, true, true) }
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
        self.inner.eps = norm::check_eps("BatchNorm2d", eps)?;
        Ok(self)
    }

    /// The same layer with another momentum for the running statistics: `Some(m)` updates
    /// `running = (1 − m) · running + m · batch` (PyTorch's default `Some(0.1)`); `None` keeps
    /// a cumulative moving average (factor `1 / num_batches_tracked`). Error: `m` outside
    /// `[0, 1]` or not finite.
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Result<Self> {
        self.inner.momentum = norm::check_momentum("BatchNorm2d", momentum)?;
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

    /// The running mean, one value per channel.
    pub fn running_mean(&self) -> &[f32] {
        self.inner.running_mean()
    }

    /// The running variance (unbiased batch variances averaged), one value per channel.
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

    /// Train mode: normalize `[N, C, H, W]` input with the batch mean and biased variance of
    /// each channel, then update the running statistics (PyTorch's `model.train();
    /// model(x)`). Errors: a wrong shape, or a single value per channel (`N · H · W = 1`, PyTorch's "Expected more than 1 value per channel when training"); the
    /// layer is unchanged on error.
    pub fn forward_train(&mut self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        let len = self.check(&input)?;
        self.inner.batch_forward_train("BatchNorm2d", &input, len)
    }

    /// `H · W` of a valid input.
    fn check(&self, input: &ArrayViewD<'_, f32>) -> Result<usize> {
        match *input.shape() {
            [_, c, h, w] if c == C => Ok(h * w),
            _ => Err(InitError::input(
                "BatchNorm2d",
                format!(
                    "input of shape {:?} must be [N, C, H, W] with C = {C} (num_features)",
                    input.shape()
                ),
            )),
        }
    }
}

impl<const C: usize> Default for BatchNorm2d<C> {
    /// [`BatchNorm2d::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize> Zeroed for BatchNorm2d<C> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const C: usize> LayerSpec for BatchNorm2d<C> {
    const KIND: LayerKind = LayerKind::BatchNorm2d;
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[C]).with("bias", &[C]);
}

impl<const C: usize> Module for BatchNorm2d<C> {
    fn kind(&self) -> LayerKind {
        LayerKind::BatchNorm2d
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

impl<const C: usize> Forward for BatchNorm2d<C> {
    /// Eval mode, with the running statistics (the batch's without them).
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let len = self.check(&input)?;
            self.inner.batch_forward("BatchNorm2d", &input, len)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const C: usize> Features for BatchNorm2d<C> {
    const IN: Width = Width::Exactly(C);
    const OUT: Width = Width::Exactly(C);
}

super::channel_norm_config::channel_norm_configure!(BatchNorm2d, true, true);
