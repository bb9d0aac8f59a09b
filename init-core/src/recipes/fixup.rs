//! [`Fixup`]: residual networks trained without normalization (Zhang, Dauphin & Ma 2019).

use super::{Recipe, at_least_one, glob_rules, globs, labelled};
use crate::error::Result;
use crate::module::Module;
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::{FanAxes, FanMode, Init, ScalingDistribution};

/// Which residual block a Fixup network is built of: `m`, the number of layers in a branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixupBlock {
    /// `FixupBasicBlock`: `conv1`, `conv2` (`m = 2`).
    Basic,
    /// `FixupBottleneck`: `conv1`, `conv2`, `conv3` (`m = 3`).
    Bottleneck,
}

/// Fixup initialization (Zhang, Dauphin & Ma, ICLR 2019, "Fixup Initialization: Residual
/// Learning Without Normalization", section 3), for `L` residual branches of `m` layers:
///
/// 1. the classification layer and the last layer of each residual branch: 0;
/// 2. every other layer of a branch: He initialization scaled by `L^(-1/(2m-2))`, i.e.
///    `normal(0, sqrt(2 / fan_out) · L^(-1/(2m-2)))` (fan-out as in the reference code,
///    `hongyi-zhang/Fixup`, `fixup_resnet_imagenet.py`: `sqrt(2 / (out · k · k)) ·
///    num_layers ** (-0.5)` for a basic block, `** (-0.25)` for a bottleneck);
/// 3. a shortcut's projection (`downsample`): He initialization, unscaled;
/// 4. the scalar biases (`bias1a`, `bias1b`, `bias2a`, `bias2b`, `bias3a`, `bias3b`,
///    `bias4`) 0 and multipliers (`scale`) 1, where the model has them.
///
/// The stem convolution keeps PyTorch's default, as in the reference code. Names are the
/// reference code's; each role has a builder for other names.
///
/// ```
/// use init_core::{Fixup, FixupBlock, Recipe, Sequential};
/// let f = Fixup::new(FixupBlock::Basic, 8);
/// assert_eq!(f.branch_scale(), 8f64.powf(-0.5));
/// let rules = f.rules(&Sequential::new())?;
/// assert_eq!(rules.as_slice()[0].to_string(), "zeros by fixup: last layer of a branch (*.conv2.weight)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Fixup {
    block: FixupBlock,
    num_branches: usize,
    scaled: Vec<String>,
    last: Vec<String>,
    shortcut: Vec<String>,
    classifier: Vec<String>,
}

impl Fixup {
    /// `num_branches` residual branches (`L`, the number of blocks) of `block`, with the
    /// reference code's names.
    pub fn new(block: FixupBlock, num_branches: usize) -> Self {
        let (scaled, last) = match block {
            FixupBlock::Basic => (globs(["*.conv1.weight"]), globs(["*.conv2.weight"])),
            FixupBlock::Bottleneck => {
                (globs(["*.conv1.weight", "*.conv2.weight"]), globs(["*.conv3.weight"]))
            }
        };
        Fixup {
            block,
            num_branches,
            scaled,
            last,
            shortcut: globs(["*.downsample.weight"]),
            classifier: globs(["fc.weight", "fc.bias"]),
        }
    }

    /// The branch layers scaled by [`branch_scale`](Fixup::branch_scale) (all but the last).
    #[must_use]
    pub fn scaled<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.scaled = globs(patterns);
        self
    }

    /// The last layer of each branch (set to 0).
    #[must_use]
    pub fn last<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.last = globs(patterns);
        self
    }

    /// The shortcut projections (He-initialized, unscaled; none matching is allowed).
    #[must_use]
    pub fn shortcut<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.shortcut = globs(patterns);
        self
    }

    /// The classifier's parameters (set to 0).
    #[must_use]
    pub fn classifier<I: IntoIterator<Item = S>, S: Into<String>>(mut self, patterns: I) -> Self {
        self.classifier = globs(patterns);
        self
    }

    /// `m`, the layers in one branch.
    pub fn branch_layers(&self) -> u32 {
        match self.block {
            FixupBlock::Basic => 2,
            FixupBlock::Bottleneck => 3,
        }
    }

    /// `L^(-1/(2m-2))`.
    pub fn branch_scale(&self) -> f64 {
        let exponent = -1.0 / f64::from(2 * self.branch_layers() - 2);
        (self.num_branches as f64).powf(exponent)
    }
}

impl Recipe for Fixup {
    fn name(&self) -> &'static str {
        "fixup"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        at_least_one(name, "num_branches", self.num_branches)?;
        let he = |scale: f64| Init::VarianceScaling {
            scale,
            mode: FanMode::FanOut,
            distribution: ScalingDistribution::Normal,
            axes: FanAxes::TORCH,
        };
        let s = self.branch_scale();
        let (zeros, branch, shortcut) = (Init::Zeros, he(2.0 * s * s), he(2.0));
        let biases =
            ["*.bias1a", "*.bias1b", "*.bias2a", "*.bias2b", "*.bias3a", "*.bias3b", "*.bias4"];
        let rules = glob_rules(&self.last, &zeros, name, "last layer of a branch")
            .chain(glob_rules(&self.classifier, &zeros, name, "classifier"))
            .chain(glob_rules(&self.scaled, &branch, name, "branch layer"))
            .chain(glob_rules(&self.shortcut, &shortcut, name, "shortcut").map(Rule::optional))
            .chain(glob_rules(biases, &zeros, name, "scalar bias").map(Rule::optional))
            .fold(Rules::new(), Rules::rule);
        Ok(rules.rule(
            labelled(Rule::glob("*.scale", Init::Ones), name, "scalar multiplier").optional(),
        ))
    }
}
