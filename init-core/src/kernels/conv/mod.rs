//! N-d convolution and transposed convolution over runtime sizes: grouped, strided, dilated,
//! padded (zeros on each side, `"same"`, or by a padding mode), with a kernel size, stride,
//! padding and dilation per axis, with or without a batch axis.
//!
//! A convolution is `im2col` (gather every kernel window of the input into the columns of a
//! matrix) followed by one matrix product per group; a transposed convolution is its adjoint:
//! one matrix product per group, then `col2im` (scatter-add the columns back into the
//! output). Both walks share one precomputed [`Walk`](walk::Walk) (`walk.rs`). A padding mode
//! other than zeros first copies the input into a padded one (`pad.rs`).

mod pad;
mod transpose;
mod walk;

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, IxDyn, s};

use crate::error::{InitError, Result};
use crate::param::Param;
use crate::spec::{self, Msg, PaddingMode};
pub(crate) use transpose::conv_transpose;
use walk::{Geometry, Walk};

/// A convolution's padding as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pad {
    /// The same number of elements before and after each axis.
    Explicit([usize; 3]),
    /// PyTorch's `"same"`: the output as large as the input (stride 1), `dilation · (kernel −
    /// 1)` elements per axis, the odd one after.
    Same,
    /// PyTorch's `"valid"`: no padding.
    Valid,
}

/// One convolution layer's configuration. Arrays hold one entry per spatial axis; entries
/// past `dims` are unused (kernel, stride and dilation 1, padding 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConvSpec {
    /// The layer's name in error messages (`"Conv2d"`).
    pub layer: &'static str,
    /// Number of spatial axes (1, 2 or 3).
    pub dims: usize,
    /// A transposed convolution.
    pub transposed: bool,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Number of channel groups; divides both channel counts.
    pub groups: usize,
    /// Kernel size per axis.
    pub kernel: [usize; 3],
    /// Stride per axis.
    pub stride: [usize; 3],
    /// Padding.
    pub padding: Pad,
    /// Dilation per axis.
    pub dilation: [usize; 3],
    /// How the padding is filled.
    pub mode: PaddingMode,
    /// Extra output elements after each axis (transposed convolutions only).
    pub output_padding: [usize; 3],
}

/// `[a, b, c]` with the entries past `dims` set to `rest`.
const fn axes(dims: usize, value: usize, rest: usize) -> [usize; 3] {
    [value, if dims > 1 { value } else { rest }, if dims > 2 { value } else { rest }]
}

impl ConvSpec {
    /// A layer's configuration from its const generics: the kernel per axis, the stride,
    /// padding, dilation and output padding the same on every axis, zero padding.
    #[allow(clippy::too_many_arguments)]
    pub(crate) const fn new(
        layer: &'static str,
        dims: usize,
        transposed: bool,
        (in_channels, out_channels, groups): (usize, usize, usize),
        kernel: [usize; 3],
        stride: usize,
        padding: usize,
        dilation: usize,
        output_padding: usize,
    ) -> Self {
        ConvSpec {
            layer,
            dims,
            transposed,
            in_channels,
            out_channels,
            groups,
            kernel,
            stride: axes(dims, stride, 1),
            padding: Pad::Explicit(axes(dims, padding, 0)),
            dilation: axes(dims, dilation, 1),
            mode: PaddingMode::Zeros,
            output_padding: axes(dims, output_padding, 0),
        }
    }

    /// The verdict on the runtime settings ([`spec::conv_settings`]).
    pub(crate) fn verdict(&self) -> Msg {
        let d = self.dims;
        spec::conv_settings(
            self.layer,
            self.transposed,
            &self.stride[..d],
            self.padding == Pad::Same,
            &self.dilation[..d],
            self.mode,
            &self.output_padding[..d],
        )
    }

    /// `Ok` when every setting rule holds, else the first broken one.
    pub(crate) fn check(&self) -> Result<()> {
        match spec::conv::config_error(self.layer, &self.verdict()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The extent of each dilated kernel window, `dilation * (kernel - 1) + 1`.
    fn spans(&self) -> Result<[usize; 3]> {
        let mut spans = [1; 3];
        for (j, span) in spans.iter_mut().enumerate().take(self.dims) {
            *span = self.kernel[j]
                .checked_sub(1)
                .and_then(|k| k.checked_mul(self.dilation[j]))
                .and_then(|k| k.checked_add(1))
                .ok_or_else(|| {
                    InitError::config(self.layer, "the dilated kernel size overflows")
                })?;
        }
        Ok(spans)
    }

    /// The padding before and after each axis: `"same"` puts `(span − 1) / 2` before and
    /// the rest after, as PyTorch does.
    fn pads(&self, spans: &[usize; 3]) -> ([usize; 3], [usize; 3]) {
        match self.padding {
            Pad::Explicit(p) => (p, p),
            Pad::Valid => ([0; 3], [0; 3]),
            Pad::Same => {
                let lo = spans.map(|s| (s - 1) / 2);
                let hi = [0, 1, 2].map(|j| spans[j] - 1 - lo[j]);
                (lo, hi)
            }
        }
    }

    fn geometry<'a>(&'a self, pad: &'a [usize]) -> Geometry<'a> {
        Geometry { kernel: &self.kernel, stride: &self.stride, dilation: &self.dilation, pad }
    }

    /// Check the input's rank and channel count; returns the batch size (`None` for an
    /// unbatched input) and the spatial sizes.
    fn split_input<'s>(&self, shape: &'s [usize]) -> Result<(Option<usize>, &'s [usize])> {
        let d = self.dims;
        let (batch, rest) = if shape.len() == d + 2 {
            (Some(shape[0]), &shape[1..])
        } else if shape.len() == d + 1 {
            (None, shape)
        } else {
            let names = axis_names(d);
            return Err(InitError::input(
                self.layer,
                format!(
                    "input of shape {shape:?} must have {} dimensions [N, C, {names}], or {} \
                     [C, {names}] without a batch axis",
                    d + 2,
                    d + 1
                ),
            ));
        };
        if rest[0] != self.in_channels {
            return Err(InitError::input(
                self.layer,
                format!(
                    "input of shape {shape:?} must have {} channels (in_channels) at dimension {}",
                    self.in_channels,
                    shape.len() - d - 1
                ),
            ));
        }
        Ok((batch, &rest[1..]))
    }
}

/// `"L"`, `"H, W"`, `"D, H, W"`.
fn axis_names(dims: usize) -> String {
    match dims {
        1 => "L".to_string(),
        2 => "H, W".to_string(),
        3 => "D, H, W".to_string(),
        d => (1..=d).map(|i| format!("S{i}")).collect::<Vec<_>>().join(", "),
    }
}

/// The number of elements of `shape`, if an `f32` array of it can be addressed.
fn checked_len(layer: &'static str, what: &str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n.checked_mul(size_of::<f32>()).is_some_and(|b| isize::try_from(b).is_ok()))
        .ok_or_else(|| {
            InitError::input(
                layer,
                format!("{what} of shape {shape:?} has more elements than can be addressed"),
            )
        })
}

/// `len` zeros for a buffer of `shape`, or an error naming it when the allocator refuses the
/// memory (instead of an abort).
fn zeros(layer: &'static str, what: &str, shape: &[usize], len: usize) -> Result<Vec<f32>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|e| InitError::input(layer, format!("{what} of shape {shape:?}: {e}")))?;
    v.resize(len, 0.0);
    Ok(v)
}

/// The output shape: the batch axis when there is one, `channels`, then `spatial`.
fn out_shape(batch: Option<usize>, channels: usize, spatial: &[usize]) -> Vec<usize> {
    batch.into_iter().chain([channels]).chain(spatial.iter().copied()).collect()
}

/// A weight of shape `[rows, ...]` as the matrix `[rows, numel / rows]`.
fn weight_matrix<'w>(layer: &'static str, weight: &'w Param) -> Result<ArrayView2<'w, f32>> {
    let rows = weight.shape().first().copied().unwrap_or(0);
    let cols = weight.shape().iter().skip(1).product();
    ArrayView2::from_shape((rows, cols), weight.as_slice())
        .map_err(|e| InitError::input(layer, format!("weight: {e}")))
}

/// Fill each channel's row of `out` (`[channels, len]`, `len > 0`) with its bias, or zero.
fn fill_bias(out: &mut [f32], len: usize, bias: Option<&Param>) {
    match bias {
        Some(b) => {
            for (row, &v) in out.chunks_exact_mut(len).zip(b.as_slice()) {
                row.fill(v);
            }
        }
        None => out.fill(0.0),
    }
}

/// A convolution of `input` (`[N, C_in, *S]` or `[C_in, *S]`) with `weight`
/// (`[C_out, C_in / groups, *K]`) plus `bias` (`[C_out]`).
///
/// Output spatial sizes: `(S + lo + hi - span) / stride + 1` per axis, with `span = dilation
/// * (kernel - 1) + 1` and `lo`, `hi` the padding before and after; an input whose padded size
/// is smaller than `span`, or whose size does not fit the padding mode, is an error.
pub(crate) fn conv(
    spec: &ConvSpec,
    input: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let (layer, d) = (spec.layer, spec.dims);
    let shown = input.shape().to_vec();
    let (batch, spatial) = spec.split_input(&shown)?;
    let spans = spec.spans()?;
    let (lo, hi) = spec.pads(&spans);
    if spec.mode == PaddingMode::Zeros {
        return conv_padded(spec, &shown, input, (batch, spatial), &lo, &hi, weight, bias);
    }
    let fits = spec::conv_padding_fits(layer, spec.mode, &lo[..d], &hi[..d], spatial);
    if let Some(rule) = spec::conv::rule_text(layer, &fits) {
        return Err(InitError::input(layer, format!("input of shape {shown:?}: {rule}")));
    }
    // Every size is > 0 here (each mode's rule); replicate's padding may be any size.
    let padded: Option<Vec<usize>> =
        (0..d).map(|j| spatial[j].checked_add(lo[j])?.checked_add(hi[j])).collect();
    let padded = padded.ok_or_else(|| {
        InitError::input(layer, format!("input of shape {shown:?}: the padded size overflows"))
    })?;
    let pshape = out_shape(batch, spec.in_channels, &padded);
    checked_len(layer, "padded input", &pshape)?;
    let x = input.as_standard_layout();
    let xs = x.as_slice().ok_or_else(|| InitError::input(layer, "input is not contiguous"))?;
    let items = batch.unwrap_or(1) * spec.in_channels;
    let data = pad::pad(spec.mode, xs, items, spatial, &lo[..d], &hi[..d])
        .map_err(|e| InitError::input(layer, format!("padded input of shape {pshape:?}: {e}")))?;
    let x = ArrayD::from_shape_vec(IxDyn(&pshape), data).map_err(shape_err(layer))?;
    let none = [0; 3];
    conv_padded(spec, &shown, x.view(), (batch, &padded), &none, &none, weight, bias)
}

/// [`conv`] of `input` (of spatial sizes `spatial`) with zero padding `lo` before and `hi`
/// after each axis; `shown` is the shape the user passed, for error messages.
#[allow(clippy::too_many_arguments)]
fn conv_padded(
    spec: &ConvSpec,
    shown: &[usize],
    input: ArrayViewD<'_, f32>,
    (batch, spatial): (Option<usize>, &[usize]),
    lo: &[usize; 3],
    hi: &[usize; 3],
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let layer = spec.layer;
    let spans = spec.spans()?;
    let mut out_sp = Vec::with_capacity(spatial.len());
    for (j, &size) in spatial.iter().enumerate() {
        let padded = size.checked_add(lo[j]).and_then(|p| p.checked_add(hi[j]));
        match padded {
            Some(padded) if padded >= spans[j] => {
                out_sp.push((padded - spans[j]) / spec.stride[j] + 1);
            }
            _ => return Err(too_small(spec, shown, spatial, lo, hi, &spans)),
        }
    }
    let shape = out_shape(batch, spec.out_channels, &out_sp);
    let out_len = checked_len(layer, "output", &shape)?;
    let mut out = zeros(layer, "output", &shape, out_len)?;
    if out_len > 0 {
        let walk = Walk::new(&spec.geometry(lo), spatial, &out_sp);
        let x = input.as_standard_layout();
        let xs = x.as_slice().ok_or_else(|| InitError::input(layer, "input is not contiguous"))?;
        let w = weight_matrix(layer, weight)?;
        let (c_in, c_out, kp, ol) = (spec.in_channels, spec.out_channels, walk.kp, walk.col_len);
        let (ig, og) = (c_in / spec.groups, c_out / spec.groups);
        let col_len = checked_len(layer, "column buffer", &[c_in, kp, ol])?;
        let col_shape = [c_in * kp, ol];
        let mut col = if walk.identity {
            Vec::new()
        } else {
            zeros(layer, "column buffer", &col_shape, col_len)?
        };
        let (in_item, out_item) = (c_in * walk.img_len, c_out * ol);
        for b in 0..batch.unwrap_or(1) {
            let x_b = &xs[b * in_item..(b + 1) * in_item];
            let y_b = &mut out[b * out_item..(b + 1) * out_item];
            fill_bias(y_b, ol, bias);
            let cols = if walk.identity {
                x_b
            } else {
                walk.im2col(x_b, &mut col);
                &col[..]
            };
            let cols = ArrayView2::from_shape((c_in * kp, ol), cols).map_err(shape_err(layer))?;
            let mut y = ArrayViewMut2::from_shape((c_out, ol), y_b).map_err(shape_err(layer))?;
            for g in 0..spec.groups {
                let w_g = w.slice(s![g * og..(g + 1) * og, ..]);
                let c_g = cols.slice(s![g * ig * kp..(g + 1) * ig * kp, ..]);
                let mut y_g = y.slice_mut(s![g * og..(g + 1) * og, ..]);
                general_mat_mul(1.0, &w_g, &c_g, 1.0, &mut y_g);
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(shape_err(layer))
}

/// The error for an input smaller than the kernel after padding.
fn too_small(
    spec: &ConvSpec,
    shown: &[usize],
    spatial: &[usize],
    lo: &[usize; 3],
    hi: &[usize; 3],
    spans: &[usize; 3],
) -> InitError {
    let d = spec.dims;
    let padded: Vec<u128> =
        (0..d).map(|j| spatial[j] as u128 + lo[j] as u128 + hi[j] as u128).collect();
    let spans = &spans[..d];
    let kernel = if spans.iter().all(|&s| s == spans[0]) {
        format!("{} on every axis", spans[0])
    } else {
        format!("{spans:?}, axis by axis")
    };
    InitError::input(
        spec.layer,
        format!(
            "input of shape {shown:?} is too small: its padded spatial size {padded:?} must be at \
             least the dilated kernel size {kernel}"
        ),
    )
}

fn shape_err(layer: &'static str) -> impl Fn(ndarray::ShapeError) -> InitError {
    move |e| InitError::input(layer, e.to_string())
}

#[cfg(test)]
mod tests;
