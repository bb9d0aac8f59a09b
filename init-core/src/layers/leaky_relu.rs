//! [`LeakyReLU`]: `x` for positive inputs, `negative_slope · x` elsewhere.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.LeakyReLU(negative_slope=0.01)`: `x` where `x > 0`, `negative_slope · x`
/// elsewhere, elementwise on any shape.
///
/// No parameters and no buffers: build it with [`LeakyReLU::new`] (slope 0.01, also
/// `Default`) or [`LeakyReLU::with_negative_slope`]; there is nothing to initialize. Any
/// slope is accepted, as in PyTorch.
///
/// ```
/// use init_core::{Forward, LeakyReLU};
/// use ndarray::array;
///
/// let x = array![-2.0f32, 3.0].into_dyn();
/// assert_eq!(LeakyReLU::new().forward(x.view())?.as_slice().unwrap(), &[-0.02, 3.0]);
/// let leaky = LeakyReLU::with_negative_slope(0.2);
/// assert_eq!(leaky.negative_slope(), 0.2);
/// assert_eq!(leaky.forward(x.view())?.as_slice().unwrap(), &[-0.4, 3.0]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyReLU {
    negative_slope: f32,
}

impl LeakyReLU {
    /// PyTorch's default slope, 0.01.
    pub const fn new() -> Self {
        LeakyReLU { negative_slope: 0.01 }
    }

    /// The slope applied to inputs `<= 0`.
    pub const fn with_negative_slope(negative_slope: f32) -> Self {
        LeakyReLU { negative_slope }
    }

    /// The slope applied to inputs `<= 0`.
    pub const fn negative_slope(&self) -> f32 {
        self.negative_slope
    }
}

impl Default for LeakyReLU {
    fn default() -> Self {
        Self::new()
    }
}

impl Zeroed for LeakyReLU {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

impl LayerSpec for LeakyReLU {
    const KIND: LayerKind = LayerKind::LeakyReLU;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for LeakyReLU {
    fn kind(&self) -> LayerKind {
        LayerKind::LeakyReLU
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for LeakyReLU {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(activation::leaky_relu(input, self.negative_slope)))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for LeakyReLU {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}

/// The settings of [`LeakyReLU`] for `#[layer(...)]`: `#[layer(negative_slope = 0.2)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyReLUConfig {
    /// The slope applied to inputs `<= 0` (default `0.01`).
    pub negative_slope: f64,
}

impl LeakyReLUConfig {
    /// Any finite slope is accepted, as in PyTorch.
    pub const fn verdict(&self) -> crate::spec::Msg {
        crate::spec::config::Rules::new("LeakyReLU")
            .holds(self.negative_slope.is_finite(), "negative_slope must be finite")
            .verdict()
    }
}

impl crate::spec::Configure for LeakyReLU {
    type Config = LeakyReLUConfig;
    const DEFAULT: LeakyReLUConfig = LeakyReLUConfig { negative_slope: 0.01 };

    fn configure(&mut self, config: &LeakyReLUConfig) {
        self.negative_slope = config.negative_slope as f32;
    }
}
