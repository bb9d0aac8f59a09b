//! N-d convolution and transposed convolution over runtime sizes: grouped, strided, dilated,
//! zero-padded, with or without a batch axis.
//!
//! A convolution is `im2col` (gather every kernel window of the input into the columns of a
//! matrix) followed by one matrix product per group; a transposed convolution is its adjoint:
//! one matrix product per group, then `col2im` (scatter-add the columns back into the
//! output). Both walks share one precomputed [`Walk`]: for every kernel offset, which line of
//! the image each line of columns reads, and which contiguous run of that line is inside the
//! image, so the inner loops are plain slice copies with no per-element index checks.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayD, ArrayView2, ArrayViewD, ArrayViewMut2, IxDyn, s};

use crate::error::{InitError, Result};
use crate::param::Param;

/// One convolution layer's configuration, the same on every spatial axis.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvSpec {
    /// The layer's name in error messages (`"Conv2d"`).
    pub layer: &'static str,
    /// Number of spatial axes (1, 2 or 3).
    pub dims: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel size on every spatial axis.
    pub kernel: usize,
    /// Stride on every spatial axis.
    pub stride: usize,
    /// Zero padding on both sides of every spatial axis.
    pub padding: usize,
    /// Dilation on every spatial axis.
    pub dilation: usize,
    /// Number of channel groups; divides both channel counts.
    pub groups: usize,
}

impl ConvSpec {
    /// The extent of one dilated kernel window, `dilation * (kernel - 1) + 1`.
    fn span(&self) -> Result<usize> {
        self.kernel
            .checked_sub(1)
            .and_then(|k| k.checked_mul(self.dilation))
            .and_then(|k| k.checked_add(1))
            .ok_or_else(|| InitError::config(self.layer, "the dilated kernel size overflows"))
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
/// (`[C_out, C_in / groups, K, ...]`) plus `bias` (`[C_out]`).
///
/// Output spatial sizes: `(S + 2 * padding - span) / stride + 1` with `span = dilation *
/// (kernel - 1) + 1`; an input whose padded size is smaller than `span` is an error.
pub(crate) fn conv(
    spec: &ConvSpec,
    input: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let layer = spec.layer;
    let (batch, spatial) = spec.split_input(input.shape())?;
    let span = spec.span()?;
    let mut out_sp = Vec::with_capacity(spatial.len());
    for &size in spatial {
        let padded = spec.padding.checked_mul(2).and_then(|p| p.checked_add(size));
        match padded {
            Some(padded) if padded >= span => out_sp.push((padded - span) / spec.stride + 1),
            _ => {
                let padded: Vec<u128> =
                    spatial.iter().map(|&s| s as u128 + 2 * spec.padding as u128).collect();
                return Err(InitError::input(
                    layer,
                    format!(
                        "input of shape {:?} is too small: its padded spatial size {padded:?} \
                         must be at least the dilated kernel size {span} on every axis",
                        input.shape()
                    ),
                ));
            }
        }
    }
    let shape = out_shape(batch, spec.out_channels, &out_sp);
    let out_len = checked_len(layer, "output", &shape)?;
    let mut out = vec![0f32; out_len];
    if out_len > 0 {
        let walk = Walk::new(spec, spatial, &out_sp);
        let x = input.as_standard_layout();
        let xs = x.as_slice().ok_or_else(|| InitError::input(layer, "input is not contiguous"))?;
        let w = weight_matrix(layer, weight)?;
        let (c_in, c_out, kp, ol) = (spec.in_channels, spec.out_channels, walk.kp, walk.col_len);
        let (ig, og) = (c_in / spec.groups, c_out / spec.groups);
        let col_len = checked_len(layer, "column buffer", &[c_in, kp, ol])?;
        let mut col = if walk.identity { Vec::new() } else { vec![0f32; col_len] };
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

/// A transposed convolution (the adjoint of [`conv`] with respect to its input) of `input`
/// (`[N, C_in, *S]` or `[C_in, *S]`) with `weight` (`[C_in, C_out / groups, K, ...]`) plus
/// `bias` (`[C_out]`).
///
/// Output spatial sizes: `(S - 1) * stride - 2 * padding + span + output_padding`; a size
/// below 1 is an error.
pub(crate) fn conv_transpose(
    spec: &ConvSpec,
    output_padding: usize,
    input: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let layer = spec.layer;
    let (batch, spatial) = spec.split_input(input.shape())?;
    let span = spec.span()?;
    let wide: Vec<i128> = spatial
        .iter()
        .map(|&s| {
            (s as i128 - 1) * spec.stride as i128 - 2 * spec.padding as i128
                + span as i128
                + output_padding as i128
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
    let mut out = vec![0f32; out_len];
    if out_len > 0 {
        // The image side of the walk is the output, the column side the input.
        let walk = Walk::new(spec, &out_sp, spatial);
        let x = input.as_standard_layout();
        let xs = x.as_slice().ok_or_else(|| InitError::input(layer, "input is not contiguous"))?;
        let w = weight_matrix(layer, weight)?;
        let (c_in, c_out, kp) = (spec.in_channels, spec.out_channels, walk.kp);
        let (il, ol) = (walk.col_len, walk.img_len);
        let (ig, og) = (c_in / spec.groups, c_out / spec.groups);
        let col_len = checked_len(layer, "column buffer", &[c_out, kp, il])?;
        let mut col = if walk.identity { Vec::new() } else { vec![0f32; col_len] };
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

fn shape_err(layer: &'static str) -> impl Fn(ndarray::ShapeError) -> InitError {
    move |e| InitError::input(layer, e.to_string())
}

/// The index map between an image (`[C, *img]`) and its columns (`[C * kp, *col]`, one row
/// per channel and kernel offset): column position `o` of kernel offset `k` on an axis reads
/// image position `o * stride + k * dilation - padding`, or zero padding when that is
/// outside the image.
///
/// Positions are grouped in lines along the last axis: for a kernel offset, the in-image part
/// of every column line is the same run `lo..hi`, so a plan holds that run and, for each
/// column line, where its image line starts (`None` when the line is in the padding).
struct Walk {
    /// Kernel points, `kernel^dims`.
    kp: usize,
    /// Elements of one channel of the image.
    img_len: usize,
    /// Elements of one row of columns.
    col_len: usize,
    /// Length of a column line (the last column axis).
    line: usize,
    /// Stride along the last axis.
    stride: usize,
    /// The convolution reads the image as is (1-point kernel, unit stride, no padding, same
    /// sizes): no columns are needed.
    identity: bool,
    /// One plan per kernel offset, in row-major order of the kernel's axes.
    plans: Vec<Plan>,
}

struct Plan {
    /// The in-image run `lo..hi` of every column line (empty when `lo == hi`).
    lo: usize,
    hi: usize,
    /// The image index, along the last axis, of column position `lo`.
    first: usize,
    /// Per column line: the offset of its image line in one channel of the image.
    lines: Vec<Option<usize>>,
}

impl Walk {
    /// The walk between an image of spatial sizes `img` and columns of spatial sizes `col`
    /// (both of length `spec.dims >= 1`, every `col` size > 0).
    fn new(spec: &ConvSpec, img: &[usize], col: &[usize]) -> Walk {
        let d = img.len();
        let (k, s, p, dil) = (spec.kernel, spec.stride, spec.padding, spec.dilation);
        let kp = k.pow(d as u32);
        let img_len = img.iter().product();
        let col_len = col.iter().product();
        let line = col[d - 1];
        let outer = &col[..d - 1];
        let n_lines: usize = outer.iter().product();
        // Row-major strides of the image's spatial axes.
        let mut img_strides = vec![1usize; d];
        for j in (0..d - 1).rev() {
            img_strides[j] = img_strides[j + 1] * img[j + 1];
        }
        // The image index of column position `o` for kernel offset `kk` on axis `j`.
        let at = |j: usize, o: usize, kk: usize| {
            let t = o * s + kk * dil;
            (t >= p && t - p < img[j]).then(|| t - p)
        };
        let mut plans = Vec::with_capacity(kp);
        let mut kk = vec![0usize; d];
        for kidx in 0..kp {
            let mut rem = kidx;
            for j in (0..d).rev() {
                kk[j] = rem % k;
                rem /= k;
            }
            let kd = kk[d - 1] * dil;
            let lo = if kd >= p { 0 } else { (p - kd).div_ceil(s) }.min(line);
            let hi = if kd >= p + img[d - 1] { 0 } else { (p + img[d - 1] - kd).div_ceil(s) };
            let hi = hi.min(line).max(lo);
            let first = (lo * s + kd).saturating_sub(p);
            let mut lines = Vec::with_capacity(n_lines);
            let mut o = vec![0usize; d - 1];
            for _ in 0..n_lines {
                let mut offset = Some(0);
                for j in 0..d - 1 {
                    offset = offset.zip(at(j, o[j], kk[j])).map(|(a, i)| a + i * img_strides[j]);
                }
                lines.push(offset);
                // Odometer over the outer column axes.
                for j in (0..d - 1).rev() {
                    o[j] += 1;
                    if o[j] < outer[j] {
                        break;
                    }
                    o[j] = 0;
                }
            }
            plans.push(Plan { lo, hi, first, lines });
        }
        let identity = k == 1 && s == 1 && p == 0 && img == col;
        Walk { kp, img_len, col_len, line, stride: s, identity, plans }
    }

    /// Gather `img` (`[C, *img]`) into `col` (`[C * kp, *col]`), zeros for the padding.
    fn im2col(&self, img: &[f32], col: &mut [f32]) {
        let (il, s) = (self.img_len, self.stride);
        if self.col_len == 0 {
            return;
        }
        for (r, row) in col.chunks_exact_mut(self.col_len).enumerate() {
            let c = r / self.kp;
            let plan = &self.plans[r % self.kp];
            let img_c = &img[c * il..(c + 1) * il];
            for (seg, line) in row.chunks_exact_mut(self.line).zip(&plan.lines) {
                match *line {
                    Some(base) if plan.hi > plan.lo => {
                        let (head, rest) = seg.split_at_mut(plan.lo);
                        let (mid, tail) = rest.split_at_mut(plan.hi - plan.lo);
                        head.fill(0.0);
                        tail.fill(0.0);
                        let src = &img_c[base + plan.first..];
                        if s == 1 {
                            mid.copy_from_slice(&src[..mid.len()]);
                        } else {
                            for (d, v) in mid.iter_mut().zip(src.iter().step_by(s)) {
                                *d = *v;
                            }
                        }
                    }
                    _ => seg.fill(0.0),
                }
            }
        }
    }

    /// Scatter-add `col` (`[C * kp, *col]`) into `img` (`[C, *img]`), dropping the padding.
    fn col2im(&self, col: &[f32], img: &mut [f32]) {
        let (il, s) = (self.img_len, self.stride);
        if self.col_len == 0 {
            return;
        }
        for (r, row) in col.chunks_exact(self.col_len).enumerate() {
            let plan = &self.plans[r % self.kp];
            if plan.hi == plan.lo {
                continue;
            }
            let c = r / self.kp;
            let img_c = &mut img[c * il..(c + 1) * il];
            for (seg, line) in row.chunks_exact(self.line).zip(&plan.lines) {
                if let Some(base) = *line {
                    let dst = &mut img_c[base + plan.first..];
                    let src = &seg[plan.lo..plan.hi];
                    if s == 1 {
                        for (d, v) in dst.iter_mut().zip(src) {
                            *d += *v;
                        }
                    } else {
                        for (d, v) in dst.iter_mut().step_by(s).zip(src) {
                            *d += *v;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Axis;

    /// A small deterministic pseudo-random sequence in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ((x >> 40) as f32 / (1u64 << 23) as f32) - 1.0
            })
            .collect()
    }

    fn param(shape: &[usize], seed: u64) -> Param {
        let n = shape.iter().product();
        Param::from_array(ArrayD::from_shape_vec(IxDyn(shape), values(n, seed)).unwrap())
    }

    /// Row-major multi-indices of `shape`.
    fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
        let mut out = vec![vec![]];
        for &n in shape {
            out = out
                .into_iter()
                .flat_map(|p| (0..n).map(move |i| [p.clone(), vec![i]].concat()))
                .collect();
        }
        out
    }

    /// The image position read by column position `o`, kernel offset `k`, if inside.
    fn source(spec: &ConvSpec, img: &[usize], o: &[usize], k: &[usize]) -> Option<Vec<usize>> {
        (0..img.len())
            .map(|j| {
                let t =
                    (o[j] * spec.stride + k[j] * spec.dilation) as isize - spec.padding as isize;
                (t >= 0 && (t as usize) < img[j]).then_some(t as usize)
            })
            .collect()
    }

    /// Direct convolution, one output element at a time.
    fn naive_conv(spec: &ConvSpec, x: &ArrayD<f32>, w: &Param, b: Option<&Param>) -> ArrayD<f32> {
        let (n, sp) = (x.shape()[0], &x.shape()[2..]);
        let span = spec.dilation * (spec.kernel - 1) + 1;
        let out_sp: Vec<usize> =
            sp.iter().map(|&s| (s + 2 * spec.padding - span) / spec.stride + 1).collect();
        let mut y = ArrayD::zeros(out_shape(Some(n), spec.out_channels, &out_sp));
        let (ig, og) = (spec.in_channels / spec.groups, spec.out_channels / spec.groups);
        let w = w.view();
        let kshape = vec![spec.kernel; sp.len()];
        for bi in 0..n {
            for oc in 0..spec.out_channels {
                let g = oc / og;
                for o in indices(&out_sp) {
                    let mut acc = b.map_or(0.0, |b| b.as_slice()[oc]);
                    for ic in 0..ig {
                        for k in indices(&kshape) {
                            if let Some(i) = source(spec, sp, &o, &k) {
                                let xi: Vec<usize> = [vec![bi, g * ig + ic], i].concat();
                                let wi: Vec<usize> = [vec![oc, ic], k.clone()].concat();
                                acc += x[IxDyn(&xi)] * w[IxDyn(&wi)];
                            }
                        }
                    }
                    y[IxDyn(&[vec![bi, oc], o].concat())] = acc;
                }
            }
        }
        y
    }

    /// Direct transposed convolution: every input element scatters its kernel.
    fn naive_transpose(
        spec: &ConvSpec,
        op: usize,
        x: &ArrayD<f32>,
        w: &Param,
        b: Option<&Param>,
    ) -> ArrayD<f32> {
        let (n, sp) = (x.shape()[0], &x.shape()[2..]);
        let span = spec.dilation * (spec.kernel - 1) + 1;
        let out_sp: Vec<usize> = sp
            .iter()
            .map(|&s| {
                let o = (s as isize - 1) * spec.stride as isize + (span + op) as isize
                    - 2 * spec.padding as isize;
                o as usize
            })
            .collect();
        let mut y = ArrayD::zeros(out_shape(Some(n), spec.out_channels, &out_sp));
        let (ig, og) = (spec.in_channels / spec.groups, spec.out_channels / spec.groups);
        let w = w.view();
        let kshape = vec![spec.kernel; sp.len()];
        for bi in 0..n {
            for oc in 0..spec.out_channels {
                let bias = b.map_or(0.0, |b| b.as_slice()[oc]);
                for o in indices(&out_sp) {
                    y[IxDyn(&[vec![bi, oc], o].concat())] = bias;
                }
            }
            for ic in 0..spec.in_channels {
                let g = ic / ig;
                for i in indices(sp) {
                    for ocg in 0..og {
                        for k in indices(&kshape) {
                            if let Some(o) = source(spec, &out_sp, &i, &k) {
                                let wi: Vec<usize> = [vec![ic, ocg], k.clone()].concat();
                                let xi: Vec<usize> = [vec![bi, ic], i.clone()].concat();
                                y[IxDyn(&[vec![bi, g * og + ocg], o].concat())] +=
                                    x[IxDyn(&xi)] * w[IxDyn(&wi)];
                            }
                        }
                    }
                }
            }
        }
        y
    }

    fn close(a: &ArrayD<f32>, b: &ArrayD<f32>, what: &str) {
        assert_eq!(a.shape(), b.shape(), "{what}");
        let err = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(err < 1e-4, "{what}: max abs error {err}");
    }

    fn spec(
        dims: usize,
        io: (usize, usize),
        k: usize,
        s: usize,
        p: usize,
        dil: usize,
        g: usize,
    ) -> ConvSpec {
        ConvSpec {
            layer: "Conv",
            dims,
            in_channels: io.0,
            out_channels: io.1,
            kernel: k,
            stride: s,
            padding: p,
            dilation: dil,
            groups: g,
        }
    }

    #[test]
    fn conv_matches_direct_convolution() {
        let cases = [
            (spec(1, (4, 6), 3, 2, 1, 1, 2), vec![2, 4, 11]),
            (spec(1, (2, 2), 1, 1, 0, 1, 1), vec![1, 2, 5]),
            (spec(1, (3, 3), 2, 3, 4, 2, 3), vec![2, 3, 2]),
            (spec(2, (3, 4), 3, 1, 0, 1, 1), vec![2, 3, 6, 5]),
            (spec(2, (4, 6), 3, 2, 1, 2, 2), vec![2, 4, 9, 10]),
            (spec(2, (2, 4), 2, 3, 3, 1, 2), vec![1, 2, 1, 4]),
            (spec(2, (2, 2), 1, 1, 2, 1, 1), vec![1, 2, 0, 3]),
            (spec(3, (2, 3), 3, 1, 1, 1, 1), vec![2, 2, 4, 5, 3]),
            (spec(3, (2, 2), 2, 2, 0, 2, 2), vec![1, 2, 5, 6, 7]),
        ];
        for (i, (spec, xs)) in cases.iter().enumerate() {
            let x = param(xs, 10 + i as u64).into_array();
            let mut wshape = vec![spec.out_channels, spec.in_channels / spec.groups];
            wshape.extend(std::iter::repeat_n(spec.kernel, spec.dims));
            let w = param(&wshape, 20 + i as u64);
            let b = param(&[spec.out_channels], 30 + i as u64);
            let ours = conv(spec, x.view(), &w, Some(&b)).unwrap();
            close(&ours, &naive_conv(spec, &x, &w, Some(&b)), &format!("case {i}"));
            let no_bias = conv(spec, x.view(), &w, None).unwrap();
            close(&no_bias, &naive_conv(spec, &x, &w, None), &format!("case {i}, no bias"));
            // Unbatched: the first item alone.
            let y0 = conv(spec, x.index_axis(Axis(0), 0), &w, Some(&b)).unwrap();
            close(&y0, &ours.index_axis(Axis(0), 0).to_owned(), &format!("case {i}, unbatched"));
        }
    }

    #[test]
    fn conv_transpose_matches_direct_scatter() {
        let cases = [
            (spec(2, (4, 6), 3, 2, 1, 1, 2), 1, vec![2, 4, 5, 6]),
            (spec(2, (3, 2), 3, 1, 0, 2, 1), 0, vec![1, 3, 4, 5]),
            (spec(2, (2, 2), 1, 1, 0, 1, 1), 0, vec![2, 2, 3, 3]),
            (spec(2, (2, 2), 1, 1, 0, 2, 2), 1, vec![1, 2, 3, 3]),
            (spec(1, (2, 4), 4, 3, 2, 1, 2), 2, vec![2, 2, 5]),
            (spec(3, (2, 2), 2, 2, 1, 1, 1), 1, vec![1, 2, 3, 2, 4]),
            // An empty input axis: the output is the bias.
            (spec(1, (2, 2), 3, 1, 0, 1, 1), 0, vec![2, 2, 0]),
            (spec(2, (2, 2), 1, 2, 0, 1, 1), 1, vec![1, 2, 3, 1]),
        ];
        for (i, (spec, op, xs)) in cases.iter().enumerate() {
            let x = param(xs, 40 + i as u64).into_array();
            let mut wshape = vec![spec.in_channels, spec.out_channels / spec.groups];
            wshape.extend(std::iter::repeat_n(spec.kernel, spec.dims));
            let w = param(&wshape, 50 + i as u64);
            let b = param(&[spec.out_channels], 60 + i as u64);
            let ours = conv_transpose(spec, *op, x.view(), &w, Some(&b)).unwrap();
            close(&ours, &naive_transpose(spec, *op, &x, &w, Some(&b)), &format!("case {i}"));
        }
    }
}
