//! [`TorchvisionResNet`]: torchvision's ResNet init, with `zero_init_residual`.

use super::{Recipe, glob_rules, globs, labelled};
use crate::error::Result;
use crate::module::{LayerKind, Module};
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::{FanAxes, FanMode, Init, Nonlinearity};

/// Which residual block a ResNet is built of: it decides which norm ends the branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResNetBlock {
    /// `BasicBlock` (ResNet-18/34): the branch ends with `bn2`.
    Basic,
    /// `Bottleneck` (ResNet-50/101/152): the branch ends with `bn3`.
    Bottleneck,
}

/// torchvision's ResNet initialization (`torchvision/models/resnet.py`, `ResNet.__init__`):
///
/// - every `Conv2d` weight: `kaiming_normal(mode = "fan_out", nonlinearity = "relu")`;
/// - every `BatchNorm2d` and `GroupNorm`: weight 1, bias 0;
/// - with `zero_init_residual` (Goyal et al. 2017, "each residual block's last BN γ = 0"):
///   the last norm of each block's branch (`*.bn2.weight` in a `BasicBlock`,
///   `*.bn3.weight` in a `Bottleneck`) 0, so each block starts as the identity;
/// - the `Linear` classifier keeps PyTorch's default.
///
/// With [`TorchGenerator`](crate::TorchGenerator), PyTorch's defaults at construction and
/// [`Rules::apply_torch`] in `TorchLoop::Modules` order, the values are torchvision's bit for
/// bit (`tests/test_recipes.rs`, against the `resnet18(zero_init_residual=True)` fixture).
///
/// ```
/// use init_core::{Recipe, ResNetBlock, Sequential, TorchvisionResNet};
/// let rules = TorchvisionResNet::new(ResNetBlock::Bottleneck).zero_init_residual(true).rules(&Sequential::new())?;
/// assert_eq!(rules.as_slice()[0].to_string(), "zeros by torchvision_resnet: zero_init_residual (*.bn3.weight)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TorchvisionResNet {
    block: ResNetBlock,
    zero_init_residual: bool,
    last_norms: Option<Vec<String>>,
}

impl TorchvisionResNet {
    /// torchvision's default: `zero_init_residual = False`.
    pub fn new(block: ResNetBlock) -> Self {
        TorchvisionResNet { block, zero_init_residual: false, last_norms: None }
    }

    /// Zero the last norm of each residual branch.
    #[must_use]
    pub fn zero_init_residual(mut self, on: bool) -> Self {
        self.zero_init_residual = on;
        self
    }

    /// The globs naming the last norm weight of each branch, for a model whose blocks do not
    /// use torchvision's names (replacing `*.bn2.weight` / `*.bn3.weight`).
    #[must_use]
    pub fn last_norms<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.last_norms = Some(globs(patterns));
        self
    }
}

impl Recipe for TorchvisionResNet {
    fn name(&self) -> &'static str {
        "torchvision_resnet"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        let mut rules = Rules::new();
        if self.zero_init_residual {
            let default = match self.block {
                ResNetBlock::Basic => "*.bn2.weight",
                ResNetBlock::Bottleneck => "*.bn3.weight",
            };
            let last = self.last_norms.clone().unwrap_or_else(|| vec![default.to_string()]);
            rules =
                glob_rules(last, &Init::Zeros, name, "zero_init_residual").fold(rules, Rules::rule);
        }
        let kaiming = Init::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanOut,
            nonlinearity: Nonlinearity::Relu,
            axes: FanAxes::TORCH,
        };
        rules =
            rules.rule(labelled(Rule::kind(LayerKind::Conv2d, "weight", kaiming), name, "conv"));
        for kind in [LayerKind::BatchNorm2d, LayerKind::GroupNorm] {
            rules = rules
                .rule(labelled(Rule::kind(kind, "weight", Init::Ones), name, "norm").optional())
                .rule(labelled(Rule::kind(kind, "bias", Init::Zeros), name, "norm").optional());
        }
        Ok(rules)
    }
}
