//! [`Identity`]: returns its input.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::Result;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Identity()`: the output is the input, whatever its shape. A placeholder
/// where a layer is optional (a ResNet block's shortcut).
///
/// A unit struct with no parameters and no buffers: write `Identity` (or use
/// [`new`](Identity::new) / `Default`); there is nothing to initialize.
///
/// ```
/// use init_core::{Forward, Identity, Module};
/// use ndarray::array;
///
/// let x = array![[1.0f32, -2.0], [3.0, 4.0]].into_dyn();
/// assert_eq!(Identity.forward(x.view())?, x);
/// assert!(Identity.named_parameters().is_empty());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Identity;

impl Identity {
    /// The layer (the same as the unit value `Identity`).
    pub const fn new() -> Self {
        Identity
    }
}

impl Zeroed for Identity {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self
    }
}

impl LayerSpec for Identity {
    const KIND: LayerKind = LayerKind::Identity;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Identity {
    fn kind(&self) -> LayerKind {
        LayerKind::Identity
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Identity {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || Ok(input.to_owned()))
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Identity {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
