//! [`Flatten`]: merges a range of axes into one.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::error::{InitError, Result};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable};

/// PyTorch's `nn.Flatten(start_dim=1, end_dim=-1)`: axes `start_dim..=end_dim` become one
/// axis, the others are kept (`[N, C, H, W] → [N, C·H·W]` by default).
///
/// No parameters and no buffers: build it with [`Flatten::new`] (or `Default`), or
/// [`Flatten::with_dims`] for other axes; there is nothing to initialize. Negative axes count
/// from the end, as in PyTorch, so they are resolved against each input: an axis the input
/// does not have, or `start_dim` after `end_dim`, is an error of the forward pass. A 0-d
/// input counts as 1-d and becomes `[1]`.
///
/// ```
/// use init_core::{Flatten, Forward};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::<f32>::zeros(vec![2, 3, 4, 5]);
/// assert_eq!(Flatten::new().forward(x.view())?.shape(), &[2, 60]);
/// assert_eq!(Flatten::with_dims(0, -2).forward(x.view())?.shape(), &[24, 5]);
///
/// let err = Flatten::new().forward(ArrayD::zeros(vec![7]).view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Flatten: input of shape [7] must have at least 2 dimensions for start_dim = 1, end_dim = -1"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flatten {
    start_dim: isize,
    end_dim: isize,
}

impl Flatten {
    /// `start_dim = 1`, `end_dim = -1`: everything but the batch axis.
    pub const fn new() -> Self {
        Flatten { start_dim: 1, end_dim: -1 }
    }

    /// Flatten axes `start_dim..=end_dim`; negative values count from the end (`-1` is the
    /// last axis). Checked against each input's rank by the forward pass.
    pub const fn with_dims(start_dim: isize, end_dim: isize) -> Self {
        Flatten { start_dim, end_dim }
    }

    /// The first axis flattened.
    pub const fn start_dim(&self) -> isize {
        self.start_dim
    }

    /// The last axis flattened.
    pub const fn end_dim(&self) -> isize {
        self.end_dim
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Self::new()
    }
}

impl Zeroed for Flatten {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::default()
    }
}

impl LayerSpec for Flatten {
    const KIND: LayerKind = LayerKind::Flatten;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Flatten {
    fn kind(&self) -> LayerKind {
        LayerKind::Flatten
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Flatten {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let shape = flat_shape(input.shape(), self.start_dim, self.end_dim)?;
            input
                .as_standard_layout()
                .into_owned()
                .into_shape_with_order(IxDyn(&shape))
                .map_err(|e| InitError::input("Flatten", e.to_string()))
        })
    }
}

/// The output shape of `torch.flatten(x, start_dim, end_dim)` for an input of `shape`.
fn flat_shape(shape: &[usize], start_dim: isize, end_dim: isize) -> Result<Vec<usize>> {
    // PyTorch wraps dimensions of a 0-d tensor as if it were 1-d.
    let rank = shape.len().max(1);
    // The rank an axis index needs: d + 1 for d >= 0, -d for d < 0.
    let need = |d: isize| if d >= 0 { d.unsigned_abs() + 1 } else { d.unsigned_abs() };
    let needed = need(start_dim).max(need(end_dim));
    if needed > rank {
        return Err(InitError::input(
            "Flatten",
            format!(
                "input of shape {shape:?} must have at least {needed} dimensions for start_dim = {start_dim}, end_dim = {end_dim}"
            ),
        ));
    }
    let wrap = |d: isize| if d >= 0 { d.unsigned_abs() } else { rank - d.unsigned_abs() };
    let (start, end) = (wrap(start_dim), wrap(end_dim));
    if start > end {
        return Err(InitError::input(
            "Flatten",
            format!(
                "start_dim = {start_dim} (axis {start}) must not come after end_dim = {end_dim} (axis {end}) for input of shape {shape:?}"
            ),
        ));
    }
    if shape.is_empty() {
        return Ok(vec![1]);
    }
    let mut out = shape[..start].to_vec();
    out.push(shape[start..=end].iter().product());
    out.extend_from_slice(&shape[end + 1..]);
    Ok(out)
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Flatten {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Any;
}

/// The settings of [`Flatten`] for `#[layer(...)]`: `#[layer(start_dim = 2, end_dim = -1)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlattenConfig {
    /// The first axis flattened (default `1`).
    pub start_dim: isize,
    /// The last axis flattened (default `-1`).
    pub end_dim: isize,
}

impl FlattenConfig {
    /// Every setting is valid here; the forward pass checks them against each input's rank.
    pub const fn verdict(&self) -> crate::spec::Msg {
        crate::spec::config::Rules::new("Flatten").verdict()
    }
}

impl crate::spec::Configure for Flatten {
    type Config = FlattenConfig;
    const DEFAULT: FlattenConfig = FlattenConfig { start_dim: 1, end_dim: -1 };

    fn configure(&mut self, config: &FlattenConfig) {
        *self = Flatten::with_dims(config.start_dim, config.end_dim);
    }
}

#[cfg(test)]
mod tests {
    use super::flat_shape;

    #[test]
    fn shapes_as_torch_flatten() {
        assert_eq!(flat_shape(&[2, 3, 4, 5], 1, -1).unwrap(), [2, 60]);
        assert_eq!(flat_shape(&[2, 3, 4, 5], 0, -1).unwrap(), [120]);
        assert_eq!(flat_shape(&[2, 3, 4, 5], -3, 2).unwrap(), [2, 12, 5]);
        assert_eq!(flat_shape(&[2, 3], 1, 1).unwrap(), [2, 3]);
        assert_eq!(flat_shape(&[2, 0, 4], 1, -1).unwrap(), [2, 0]);
        assert_eq!(flat_shape(&[], 0, -1).unwrap(), [1]);
        assert!(flat_shape(&[], 1, -1).is_err());
        assert_eq!(
            flat_shape(&[2, 3, 4], -1, 1).unwrap_err().to_string(),
            "Flatten: start_dim = -1 (axis 2) must not come after end_dim = 1 (axis 1) for input of shape [2, 3, 4]"
        );
        assert_eq!(
            flat_shape(&[2, 3], -3, -1).unwrap_err().to_string(),
            "Flatten: input of shape [2, 3] must have at least 3 dimensions for start_dim = -3, end_dim = -1"
        );
    }
}
