//! Dense products: `y = x Wᵀ + b` over the last axis.

use ndarray::{Array2, ArrayD, ArrayViewD, Ix1, Ix2, IxDyn};

use crate::error::{InitError, Result};
use crate::param::Param;

/// `x [..., in] · weight [out, in]ᵀ + bias [out]` for any number of leading axes.
///
/// The caller has checked that the last axis of `x` is `in`.
pub(crate) fn affine(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let shape_err = |e: ndarray::ShapeError| InitError::input(layer, e.to_string());
    let w = weight.view().into_dimensionality::<Ix2>().map_err(shape_err)?;
    let (out_f, in_f) = w.dim();
    let lead = &x.shape()[..x.ndim().saturating_sub(1)];
    let rows: usize = lead.iter().product();
    let x = x.as_standard_layout();
    let x2 = x.view().into_shape_with_order((rows, in_f)).map_err(shape_err)?;
    let mut y: Array2<f32> = x2.dot(&w.t());
    if let Some(b) = bias {
        let b = b.view().into_dimensionality::<Ix1>().map_err(shape_err)?;
        y += &b;
    }
    let mut out_shape = lead.to_vec();
    out_shape.push(out_f);
    y.into_shape_with_order(IxDyn(&out_shape)).map_err(shape_err)
}

/// `bias [out] + x [..., in] · weight [in, out]` for any number of leading axes: PyTorch's
/// `addmm(bias, x, weight)`, the product of Hugging Face's `Conv1D` (its weight transposed
/// against [`affine`]'s).
///
/// The caller has checked that the last axis of `x` is `in`.
pub(crate) fn addmm(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let shape_err = |e: ndarray::ShapeError| InitError::input(layer, e.to_string());
    let w = weight.view().into_dimensionality::<Ix2>().map_err(shape_err)?;
    let (in_f, out_f) = w.dim();
    let lead = &x.shape()[..x.ndim().saturating_sub(1)];
    let rows: usize = lead.iter().product();
    let x = x.as_standard_layout();
    let x2 = x.view().into_shape_with_order((rows, in_f)).map_err(shape_err)?;
    let mut y: Array2<f32> = x2.dot(&w);
    if let Some(b) = bias {
        let b = b.view().into_dimensionality::<Ix1>().map_err(shape_err)?;
        y += &b;
    }
    let mut out_shape = lead.to_vec();
    out_shape.push(out_f);
    y.into_shape_with_order(IxDyn(&out_shape)).map_err(shape_err)
}

/// Check that the last axis of `x` has length `expected`, naming `what` it is.
pub(crate) fn check_last_dim(
    layer: &'static str,
    x: &ArrayViewD<'_, f32>,
    expected: usize,
    what: &str,
) -> Result<()> {
    match x.shape().last() {
        Some(&d) if d == expected => Ok(()),
        _ => Err(InitError::input(
            layer,
            format!("input of shape {:?} must have last dimension {expected} ({what})", x.shape()),
        )),
    }
}
