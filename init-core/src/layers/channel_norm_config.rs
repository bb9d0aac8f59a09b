//! [`ChannelNormConfig`]: the `#[layer(...)]` settings that BatchNorm1d/2d/3d and
//! InstanceNorm1d/2d share, PyTorch's keyword arguments of `nn.BatchNorm*d` and
//! `nn.InstanceNorm*d`.

use crate::kernels::channel_norm::ChannelNorm;
use crate::kernels::norm;
use crate::spec::Msg;
use crate::spec::config::Rules;

/// The settings of a batch or instance normalization for `#[layer(...)]`:
/// `#[layer(eps = 1e-3, momentum = 0.01, affine = false, track_running_stats = false)]`
/// (`momentum = None`: a cumulative average). The defaults are the layer's PyTorch ones:
/// BatchNorm has `affine` and `track_running_stats` on, InstanceNorm off.
///
/// ```
/// use init_core::spec::Configure;
/// use init_core::{BatchNorm2d, InstanceNorm2d, Module};
///
/// let mut config = <InstanceNorm2d<3> as Configure>::DEFAULT;
/// assert!(!config.affine && !config.track_running_stats);
/// config.affine = true;
/// let mut norm = InstanceNorm2d::<3>::new();
/// norm.configure(&config);
/// assert_eq!(norm.named_parameters().len(), 2);
///
/// let mut config = <BatchNorm2d<3> as Configure>::DEFAULT;
/// config.momentum = Some(1.5);
/// assert_eq!(
///     config.verdict().message(),
///     Some("BatchNorm2d: momentum must be in [0, 1] (or None for a cumulative average)")
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelNormConfig {
    /// Added to the variance before its square root (default `1e-5`).
    pub eps: f64,
    /// The running statistics' momentum (default `Some(0.1)`; `None`: a cumulative average).
    pub momentum: Option<f64>,
    /// Whether the layer has `weight` and `bias`.
    pub affine: bool,
    /// Whether the layer keeps running statistics (buffers) and normalizes with them in eval
    /// mode.
    pub track_running_stats: bool,
    layer: &'static str,
}

impl ChannelNormConfig {
    /// PyTorch's defaults of `layer`, with its `affine` and `track_running_stats`.
    pub(crate) const fn defaults(layer: &'static str, affine: bool, track: bool) -> Self {
        ChannelNormConfig {
            eps: 1e-5,
            momentum: Some(0.1),
            affine,
            track_running_stats: track,
            layer,
        }
    }

    /// The rules the layer's `with_eps` and `with_momentum` apply: empty when the settings are
    /// valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new(self.layer)
            .holds(norm::eps_ok(self.eps), "eps must be finite and >= 0")
            .holds(
                norm::momentum_ok(self.momentum),
                "momentum must be in [0, 1] (or None for a cumulative average)",
            )
            .verdict()
    }

    /// Apply the settings to a layer's state; a value the rules refuse is left unchanged.
    pub(crate) fn apply(&self, inner: &mut ChannelNorm) {
        if norm::eps_ok(self.eps) {
            inner.eps = self.eps;
        }
        if norm::momentum_ok(self.momentum) {
            inner.momentum = self.momentum;
        }
        inner.set_affine(self.affine);
        inner.set_track_running_stats(self.track_running_stats);
    }
}

/// `Configure` for a channel norm layer `$ty<C>` with PyTorch's `affine` and
/// `track_running_stats` defaults.
macro_rules! channel_norm_configure {
    ($ty:ident, $affine:expr, $track:expr) => {
        impl<const C: usize> $crate::spec::Configure for $ty<C> {
            type Config = $crate::layers::channel_norm_config::ChannelNormConfig;
            const DEFAULT: Self::Config =
                $crate::layers::channel_norm_config::ChannelNormConfig::defaults(
                    stringify!($ty),
                    $affine,
                    $track,
                );

            fn configure(&mut self, config: &Self::Config) {
                config.apply(&mut self.inner);
            }
        }
    };
}
pub(crate) use channel_norm_configure;
