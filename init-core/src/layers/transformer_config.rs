//! [`TransformerLayerConfig`]: the `#[layer(...)]` settings of `TransformerEncoderLayer` and
//! `TransformerDecoderLayer`, PyTorch's keyword arguments.

use crate::spec::Msg;
use crate::spec::config::{self, Rules};

/// The settings of a transformer layer for `#[layer(...)]`, with PyTorch's defaults:
/// `#[layer(dropout = 0.0, activation = "gelu", layer_norm_eps = 1e-6, batch_first = true,
/// norm_first = true)]`. The rules are the builders' (`dropout`, `activation`,
/// `layer_norm_eps`).
///
/// ```
/// use init_core::spec::Configure;
/// use init_core::TransformerEncoderLayer;
///
/// let mut config = <TransformerEncoderLayer<8, 2, 16> as Configure>::DEFAULT;
/// (config.activation, config.batch_first) = ("gelu", true);
/// let mut layer = TransformerEncoderLayer::<8, 2, 16>::zeroed();
/// layer.configure(&config);
/// assert_eq!((layer.activation_name(), layer.is_batch_first()), ("gelu", true));
///
/// config.dropout = 1.5;
/// assert_eq!(
///     config.verdict().message(),
///     Some("TransformerEncoderLayer: dropout must be in [0, 1]")
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformerLayerConfig {
    /// The dropout probability of every dropout of the layer (default `0.1`).
    pub dropout: f64,
    /// The feed-forward activation by PyTorch's name: `"relu"` (default) or `"gelu"`.
    pub activation: &'static str,
    /// The `eps` of the layer's LayerNorms (default `1e-5`).
    pub layer_norm_eps: f64,
    /// Inputs and outputs `[N, S, E]` (`true`) or `[S, N, E]` (`false`, the default).
    pub batch_first: bool,
    /// Pre-norm (`true`) or post-norm (`false`, the default).
    pub norm_first: bool,
    layer: &'static str,
}

impl TransformerLayerConfig {
    /// PyTorch's defaults, for `layer`.
    pub(crate) const fn defaults(layer: &'static str) -> Self {
        TransformerLayerConfig {
            dropout: 0.1,
            activation: "relu",
            layer_norm_eps: 1e-5,
            batch_first: false,
            norm_first: false,
            layer,
        }
    }

    /// The builders' rules: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new(self.layer)
            .holds(config::probability(self.dropout).is_none(), "dropout must be in [0, 1]")
            .holds(
                config::transformer_activation(self.activation).is_none(),
                "activation must be \"relu\" or \"gelu\"",
            )
            .holds(
                config::eps(self.layer_norm_eps).is_none(),
                "layer_norm_eps must be finite and >= 0",
            )
            .verdict()
    }
}

/// `Configure` for a transformer layer: the builders applied to a copy (its parameters are
/// shared storage, so nothing is copied), kept only when every setting is valid.
macro_rules! transformer_configure {
    ($ty:ident) => {
        impl<
            const D_MODEL: usize,
            const NHEAD: usize,
            const DIM_FEEDFORWARD: usize,
            const BIAS: bool,
        > $crate::spec::Configure for $ty<D_MODEL, NHEAD, DIM_FEEDFORWARD, BIAS>
        {
            type Config = $crate::layers::transformer_config::TransformerLayerConfig;
            const DEFAULT: Self::Config =
                $crate::layers::transformer_config::TransformerLayerConfig::defaults(stringify!(
                    $ty
                ));

            fn configure(&mut self, c: &Self::Config) {
                let built = self
                    .clone()
                    .dropout(c.dropout)
                    .and_then(|l| l.activation(c.activation))
                    .and_then(|l| l.layer_norm_eps(c.layer_norm_eps));
                if let Ok(layer) = built {
                    *self = layer.batch_first(c.batch_first).norm_first(c.norm_first);
                }
            }
        }
    };
}
pub(crate) use transformer_configure;
