//! [`InstanceNorm2d`]: normalization of each sample's channels over their own plane.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::channel_norm::ChannelNorm;
use crate::kernels::norm;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::rng::Generator;
use crate::spec::{LayerSpec, ParamTable};

/// Instance normalization, PyTorch's `nn.InstanceNorm2d(C)`: each channel of each sample of
/// `[N, C, H, W]` (or unbatched `[C, H, W]`) is normalized with the mean and biased variance of
/// its own plane.
///
/// PyTorch's defaults: no parameters and no buffers (`affine=False`,
/// `track_running_stats=False`). Settings, PyTorch's keywords:
/// [`with_affine`](InstanceNorm2d::with_affine) adds `weight` (ones) and `bias` (zeros) of shape `[C]`;
/// [`with_track_running_stats`](InstanceNorm2d::with_track_running_stats) adds the buffers
/// `running_mean`, `running_var` and `num_batches_tracked`, as BatchNorm's;
/// [`with_eps`](InstanceNorm2d::with_eps) (default `1e-5`) and [`with_momentum`](InstanceNorm2d::with_momentum)
/// (default `Some(0.1)`; `None` counts as 0 as in PyTorch, so the running statistics do not
/// move).
///
/// * [`Forward::forward`] is **eval mode**: with running statistics it normalizes with them,
///   as batch norm does; without, with each instance's own statistics.
/// * [`forward_train`](InstanceNorm2d::forward_train) is **train mode**: each instance's own statistics;
///   tracked running statistics move towards the batch average of the instance means and
///   unbiased variances (`num_batches_tracked` is not counted, as in PyTorch).
///
/// Using the instance statistics needs more than one element per channel (PyTorch's "Expected more than
/// 1 spatial element when training"). The channel count must be `C`: PyTorch only warns
/// about a mismatch when the layer has no parameters; here it is always an error.
///
/// ```
/// use init_core::{Forward, ModuleExt, InstanceNorm2d, Module};
/// use ndarray::ArrayD;
///
/// let norm = InstanceNorm2d::<2>::new();
/// assert!(norm.named_parameters().is_empty() && norm.named_buffers().is_empty());
/// let x = ArrayD::from_shape_vec(vec![1, 2, 1, 2], vec![1.0, 3.0, 10.0, 30.0]).unwrap();
/// let y = norm.forward(x.view())?; // each channel to mean 0, biased variance 1
/// assert!((y.as_slice().unwrap()[0] + 1.0).abs() < 1e-4 && (y.as_slice().unwrap()[3] - 1.0).abs() < 1e-4);
///
/// let mut tracked = InstanceNorm2d::<2>::new().with_affine().with_track_running_stats().with_momentum(Some(1.0))?;
/// let state = tracked.state_dict();
/// let keys: Vec<&str> = state.keys().collect();
/// assert_eq!(keys, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
/// tracked.forward_train(x.view())?;
/// assert_eq!(tracked.running_mean(), &[2.0, 20.0]);
/// assert_eq!(tracked.running_var(), &[2.0, 200.0]); // unbiased
///
/// let err = InstanceNorm2d::<2>::new().with_momentum(Some(2.0)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "InstanceNorm2d: momentum must be in [0, 1] (or None for a cumulative average), got 2.0"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceNorm2d<const C: usize> {
    inner: ChannelNorm,
}

impl<const C: usize> InstanceNorm2d<C> {
    /// The layer with PyTorch's defaults: no parameters, no running statistics.
    pub fn zeroed() -> Self {
        InstanceNorm2d { inner: ChannelNorm::zeroed(C, false, false) }
    }

    /// The same as [`zeroed`](InstanceNorm2d::zeroed): by default there is nothing to initialize.
    pub fn new() -> Self {
        Self::zeroed()
    }

    /// The same layer with `weight` (ones) and `bias` (zeros) of shape `[C]` (PyTorch's
    /// `affine=True`).
    pub fn with_affine(mut self) -> Self {
        self.inner.set_affine(true);
        self
    }

    /// The same layer with running statistics in their reset state (PyTorch's
    /// `track_running_stats=True`), which eval mode then normalizes with.
    pub fn with_track_running_stats(mut self) -> Self {
        self.inner.set_track_running_stats(true);
        self
    }

    /// The same layer with another `eps` (default `1e-5`). Error: negative or not finite.
    pub fn with_eps(mut self, eps: f64) -> Result<Self> {
        self.inner.eps = norm::check_eps("InstanceNorm2d", eps)?;
        Ok(self)
    }

    /// The same layer with another momentum for the running statistics (default
    /// `Some(0.1)`; `None` leaves them where they are, as PyTorch). Error: outside `[0, 1]`
    /// or not finite.
    pub fn with_momentum(mut self, momentum: Option<f64>) -> Result<Self> {
        self.inner.momentum = norm::check_momentum("InstanceNorm2d", momentum)?;
        Ok(self)
    }

    /// Whether the layer has `weight` and `bias`.
    pub fn affine(&self) -> bool {
        self.inner.affine()
    }

    /// Whether the layer has running statistics.
    pub fn track_running_stats(&self) -> bool {
        self.inner.tracks_running_stats()
    }

    /// The value added to the variance before its square root.
    pub fn eps(&self) -> f64 {
        self.inner.eps
    }

    /// The momentum of the running statistics.
    pub fn momentum(&self) -> Option<f64> {
        self.inner.momentum
    }

    /// The running mean, one value per channel (empty when not tracked).
    pub fn running_mean(&self) -> &[f32] {
        self.inner.running_mean()
    }

    /// The running variance, one value per channel (empty when not tracked).
    pub fn running_var(&self) -> &[f32] {
        self.inner.running_var()
    }

    /// Reset the running statistics (mean 0, variance 1, count 0), if any.
    pub fn reset_running_stats(&mut self) {
        self.inner.reset_running_stats();
    }

    /// Train mode: each instance normalized with its own statistics; tracked running
    /// statistics updated. Errors: a wrong shape or a single element per channel; the layer is unchanged
    /// on error.
    pub fn forward_train(&mut self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        let len = check::<C>(&input, true)?;
        let y = self.inner.instance_train(&norm::row_major(&input), len);
        norm::shaped("InstanceNorm2d", input.shape(), y)
    }
}

/// The plane size of a valid input; more than one element when the instance statistics are
/// used.
fn check<const C: usize>(input: &ArrayViewD<'_, f32>, own_stats: bool) -> Result<usize> {
    let shape = input.shape();
    let len = match *shape {
        [_, c, h, w] | [c, h, w] if c == C => h * w,
        _ => {
            return Err(InitError::input(
                "InstanceNorm2d",
                format!(
                    "input of shape {shape:?} must be [N, C, H, W] or [C, H, W] with C = {C} (num_features)"
                ),
            ));
        }
    };
    if own_stats && len <= 1 {
        return Err(InitError::input(
            "InstanceNorm2d",
            format!(
                "expected more than 1 spatial element when training, got input of shape {shape:?}"
            ),
        ));
    }
    Ok(len)
}

impl<const C: usize> Default for InstanceNorm2d<C> {
    /// [`InstanceNorm2d::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize> Zeroed for InstanceNorm2d<C> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const C: usize> LayerSpec for InstanceNorm2d<C> {
    const KIND: LayerKind = LayerKind::InstanceNorm2d;
    /// The parameters [`with_affine`](InstanceNorm2d::with_affine) gives (none by default).
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[C]).with("bias", &[C]);
}

impl<const C: usize> Module for InstanceNorm2d<C> {
    fn kind(&self) -> LayerKind {
        LayerKind::InstanceNorm2d
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

impl<const C: usize> Forward for InstanceNorm2d<C> {
    /// Eval mode: the running statistics when tracked, else each instance's own.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let len = check::<C>(&input, !self.inner.tracks_running_stats())?;
            let y = self.inner.instance_eval(&norm::row_major(&input), len);
            norm::shaped("InstanceNorm2d", input.shape(), y)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const C: usize> Features for InstanceNorm2d<C> {
    const IN: Width = Width::Exactly(C);
    const OUT: Width = Width::Exactly(C);
}

super::channel_norm_config::channel_norm_configure!(InstanceNorm2d, false, false);
