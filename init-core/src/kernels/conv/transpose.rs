//! The transposed convolution: the adjoint of [`conv`](super::conv) with respect to its
//! input, one matrix product per group, then `col2im`.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, IxDyn, s};

use super::walk::Walk;
use super::{ConvSpec, checked_len, fill_bias, out_shape, shape_err, weight_matrix, zeros};
use crate::error::{InitError, Result};
use crate::param::Param;

/// A transposed convolution (the adjoint of [`conv`] with respect to its input) of `input`
/// (`[N, C_in, *S]` or `[C_in, *S]`) with `weight` (`[C_in, C_out / groups, *K]`) plus
/// `bias` (`[C_out]`).
///
/// Output spatial sizes: `(S - 1) * stride - 2 * padding + span + output_padding` per axis; a
/// size below 1 is an error.
pub(crate) fn conv_transpose(
    spec: &ConvSpec,
    input: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let layer = spec.layer;
    let (batch, spatial) = spec.split_input(input.shape())?;
    let spans = spec.spans()?;
    let (pad, _) = spec.pads(&spans);
    let wide: Vec<i128> = spatial
        .iter()
        .enumerate()
        .map(|(j, &s)| {
            (s as i128 - 1) * spec.stride[j] as i128 - 2 * pad[j] as i128
                + spans[j] as i128
                + spec.output_padding[j] as i128
        })
        .collect();
    if wide.iter().any(|&o| o < 1) {
        return Err(InitError::input(
            layer,
            format!(
                "input of shape {:?} gives an output spatial size of {wide:?}, which must be at \
                 least 1 on every axis",
                input.shape()
            ),
        ));
    }
    let out_sp =
        wide.iter().map(|&o| usize::try_from(o)).collect::<Result<Vec<usize>, _>>().map_err(
            |_| InitError::input(layer, format!("output spatial size {wide:?} overflows")),
        )?;
    let shape = out_shape(batch, spec.out_channels, &out_sp);
    let out_len = checked_len(layer, "output", &shape)?;
    let mut out = zeros(layer, "output", &shape, out_len)?;
    if out_len > 0 {
        // The image side of the walk is the output, the column side the input.
        let walk = Walk::new(&spec.geometry(&pad), &out_sp, spatial);
        let x = input.as_standard_layout();
        let xs = x.as_slice().ok_or_else(|| InitError::input(layer, "input is not contiguous"))?;
        let w = weight_matrix(layer, weight)?;
        let (c_in, c_out, kp) = (spec.in_channels, spec.out_channels, walk.kp);
        let (il, ol) = (walk.col_len, walk.img_len);
        let (ig, og) = (c_in / spec.groups, c_out / spec.groups);
        let col_len = checked_len(layer, "column buffer", &[c_out, kp, il])?;
        let col_shape = [c_out * kp, il];
        let mut col = if walk.identity {
            Vec::new()
        } else {
            zeros(layer, "column buffer", &col_shape, col_len)?
        };
        let (in_item, out_item) = (c_in * il, c_out * ol);
        for b in 0..batch.unwrap_or(1) {
            let x_b = ArrayView2::from_shape((c_in, il), &xs[b * in_item..(b + 1) * in_item])
                .map_err(shape_err(layer))?;
            let y_b = &mut out[b * out_item..(b + 1) * out_item];
            fill_bias(y_b, ol, bias);
            if walk.identity {
                let mut y =
                    ArrayViewMut2::from_shape((c_out, ol), y_b).map_err(shape_err(layer))?;
                for g in 0..spec.groups {
                    let w_g = w.slice(s![g * ig..(g + 1) * ig, ..]);
                    let x_g = x_b.slice(s![g * ig..(g + 1) * ig, ..]);
                    let mut y_g = y.slice_mut(s![g * og..(g + 1) * og, ..]);
                    general_mat_mul(1.0, &w_g.t(), &x_g, 1.0, &mut y_g);
                }
            } else {
                let mut cols = ArrayViewMut2::from_shape((c_out * kp, il), &mut col[..])
                    .map_err(shape_err(layer))?;
                for g in 0..spec.groups {
                    let w_g = w.slice(s![g * ig..(g + 1) * ig, ..]);
                    let x_g = x_b.slice(s![g * ig..(g + 1) * ig, ..]);
                    let mut c_g = cols.slice_mut(s![g * og * kp..(g + 1) * og * kp, ..]);
                    general_mat_mul(1.0, &w_g.t(), &x_g, 0.0, &mut c_g);
                }
                walk.col2im(&col, y_b);
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(shape_err(layer))
}
