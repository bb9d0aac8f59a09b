//! Upsampling of `[N, C, spatial...]` inputs by nearest neighbour (1 to 3 spatial axes) or
//! bilinear interpolation (2 axes), with PyTorch's index arithmetic: `f32` scales, the
//! given `scale_factor` used as `1 / scale` unless recomputed, `align_corners`.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::error::{InitError, Result};

/// The interpolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interp {
    Nearest,
    Bilinear { align_corners: bool },
}

/// PyTorch's `compute_scales_value<float>`: `1 / scale` when a scale is given, else
/// `in / out`.
fn scale_value(scale: Option<f64>, input: usize, output: usize) -> f32 {
    match scale {
        Some(s) if s > 0.0 => (1.0 / s) as f32,
        _ => input as f32 / output as f32,
    }
}

/// PyTorch's `nearest_idx`: the source index of each output index along one axis.
fn nearest(input: usize, output: usize, scale: Option<f64>) -> Vec<usize> {
    let s = scale_value(scale, input, output);
    (0..output)
        .map(|i| {
            if output == input {
                i
            } else if output == 2 * input {
                i >> 1
            } else {
                ((i as f32 * s).floor() as usize).min(input - 1)
            }
        })
        .collect()
}

/// The two source indices and their weights of each output index along one axis (PyTorch's
/// `area_pixel_compute_source_index` and `guard_index_and_lambda`).
fn linear(
    input: usize,
    output: usize,
    scale: Option<f64>,
    align_corners: bool,
) -> Vec<(usize, usize, f32, f32)> {
    let s = if align_corners {
        if output > 1 { (input - 1) as f32 / (output - 1) as f32 } else { 0.0 }
    } else {
        scale_value(scale, input, output)
    };
    (0..output)
        .map(|i| {
            let real =
                if align_corners { s * i as f32 } else { (s * (i as f32 + 0.5) - 0.5).max(0.0) };
            let i0 = (real.floor() as usize).min(input - 1);
            let lambda = (real - i0 as f32).clamp(0.0, 1.0);
            let i1 = if i0 < input - 1 { i0 + 1 } else { i0 };
            (i0, i1, 1.0 - lambda, lambda)
        })
        .collect()
}

/// Upsample `x` (`[N, C, spatial...]`, checked by the layer: non-zero channel and spatial
/// sizes) to the spatial sizes `out` (non-zero), with `scales` the given scale factors (or
/// `None` to use `in / out`).
pub(crate) fn upsample(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    out: &[usize],
    scales: &[Option<f64>],
    interp: Interp,
) -> Result<ArrayD<f32>> {
    let shape = x.shape();
    let spatial = out.len();
    let lead = &shape[..shape.len() - spatial];
    let mut dims = [1; 3];
    dims[3 - spatial..].copy_from_slice(&shape[shape.len() - spatial..]);
    let mut outs = [1; 3];
    outs[3 - spatial..].copy_from_slice(out);
    let mut sc = [None; 3];
    sc[3 - spatial..].copy_from_slice(scales);

    let planes: usize = lead.iter().product();
    let per_plane = outs.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    let total = per_plane.and_then(|p| p.checked_mul(planes));
    let mut dst = Vec::new();
    let reserved = total.map(|t| dst.try_reserve_exact(t));
    let (Some(per_plane), Some(Ok(()))) = (per_plane, reserved) else {
        return Err(InitError::input(
            layer,
            format!("the output of sizes {out:?} for input of shape {shape:?} cannot be allocated"),
        ));
    };
    let x = x.as_standard_layout();
    let src = x.as_slice().expect("standard layout");
    let volume = dims.iter().product::<usize>();
    let [_, h, w] = dims;
    match interp {
        Interp::Nearest => {
            let [zd, zh, zw] = [0, 1, 2].map(|i| nearest(dims[i], outs[i], sc[i]));
            for plane in src.chunks_exact(volume) {
                for &d in &zd {
                    for &r in &zh {
                        let row = &plane[(d * h + r) * w..][..w];
                        dst.extend(zw.iter().map(|&c| row[c]));
                    }
                }
            }
        }
        Interp::Bilinear { align_corners } => {
            let rows = linear(dims[1], outs[1], sc[1], align_corners);
            let cols = linear(dims[2], outs[2], sc[2], align_corners);
            for plane in src.chunks_exact(volume) {
                for &(r0, r1, a0, a1) in &rows {
                    let (top, bottom) = (&plane[r0 * w..][..w], &plane[r1 * w..][..w]);
                    dst.extend(cols.iter().map(|&(c0, c1, b0, b1)| {
                        a0 * (b0 * top[c0] + b1 * top[c1])
                            + a1 * (b0 * bottom[c0] + b1 * bottom[c1])
                    }));
                }
            }
        }
    }
    debug_assert_eq!(dst.len(), planes * per_plane);
    let mut out_shape = lead.to_vec();
    out_shape.extend_from_slice(out);
    ArrayD::from_shape_vec(IxDyn(&out_shape), dst)
        .map_err(|e| InitError::input(layer, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_indices_follow_pytorch() {
        assert_eq!(nearest(3, 6, Some(2.0)), [0, 0, 1, 1, 2, 2]);
        assert_eq!(nearest(2, 5, None), [0, 0, 0, 1, 1]);
        // scale 1.5 on 5 inputs: 7 outputs, source index floor(i / 1.5).
        assert_eq!(nearest(5, 7, Some(1.5)), [0, 0, 1, 2, 2, 3, 4]);
        // 10 inputs, scale 1.15: 11 outputs; the last reads floor(10 / 1.15) = 8, but 9 when
        // the scale is recomputed as in / out = 10 / 11.
        assert_eq!(nearest(10, 11, Some(1.15))[10], 8);
        assert_eq!(nearest(10, 11, None)[10], 9);
        assert_eq!(nearest(4, 2, None), [0, 2]);
    }

    #[test]
    fn linear_weights_follow_pytorch() {
        // align_corners: the corners map onto each other.
        let l = linear(2, 3, None, true);
        assert_eq!(l, [(0, 1, 1.0, 0.0), (0, 1, 0.5, 0.5), (1, 1, 1.0, 0.0)]);
        // Half-pixel centres, clamped at 0 on the left and at the last index on the right.
        let l = linear(2, 4, Some(2.0), false);
        assert_eq!(
            l,
            [(0, 1, 1.0, 0.0), (0, 1, 0.75, 0.25), (0, 1, 0.25, 0.75), (1, 1, 0.75, 0.25)]
        );
    }
}
