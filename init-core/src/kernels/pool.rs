//! Pooling over 1, 2 or 3 spatial axes (`[N, C, L]`, `[N, C, H, W]`, `[N, C, D, H, W]`, each
//! also unbatched): max, average and adaptive average, as PyTorch computes them, `ceil_mode`
//! included.
//!
//! Every kernel works plane by plane (one spatial volume per `(n, c)`) on a row-major copy of
//! the input (no copy when it already is one), seen as `D × H × W` with missing leading axes
//! of length 1. For each output index along each axis the range of kernel taps that land
//! inside the input is computed once, so the inner loops carry no padding tests.

use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};

use crate::error::{InitError, Result};

/// A pooling window along one spatial axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    /// Kernel size.
    pub(crate) kernel: usize,
    /// Step between windows.
    pub(crate) stride: usize,
    /// Implicit padding on each side.
    pub(crate) pad: usize,
    /// Spacing between kernel taps.
    pub(crate) dilation: usize,
}

impl Window {
    /// The window of an axis that is not pooled (a missing leading axis).
    const UNIT: Window = Window { kernel: 1, stride: 1, pad: 0, dilation: 1 };

    /// The span one window covers: `dilation · (kernel − 1) + 1`.
    fn extent(self) -> usize {
        self.dilation.saturating_mul(self.kernel.saturating_sub(1)).saturating_add(1)
    }
}

/// How PyTorch sizes and averages windows: `ceil_mode`, and for average pooling
/// `count_include_pad` and `divisor_override`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct PoolMode {
    pub(crate) ceil_mode: bool,
    pub(crate) count_include_pad: bool,
    pub(crate) divisor_override: Option<usize>,
}

/// The kernel taps of one output index along one axis: taps `lo..hi` fall inside the input,
/// tap `k` reads input index `start + k · dilation`; `padded` counts the taps inside the
/// padded input (PyTorch's average-pool divisor with `count_include_pad`).
#[derive(Clone, Copy, Debug)]
struct Taps {
    start: isize,
    lo: usize,
    hi: usize,
    padded: usize,
}

impl Taps {
    /// The input index of tap `k` (only called for `lo <= k < hi`, where it is in range).
    #[inline(always)]
    fn index(self, k: usize, dilation: usize) -> usize {
        (self.start + (k * dilation) as isize) as usize
    }
}

/// The taps of every output index along an axis of length `len`.
fn taps(len: usize, out: usize, win: Window) -> Vec<Taps> {
    let (len, dil) = (len as isize, win.dilation as isize);
    (0..out)
        .map(|o| {
            let start = (o * win.stride) as isize - win.pad as isize;
            // First tap with start + k·dil >= 0, first tap with start + k·dil >= len.
            let lo = if start < 0 { (-start + dil - 1) / dil } else { 0 };
            let hi = if len > start { (len - start + dil - 1) / dil } else { 0 };
            let lo = (lo as usize).min(win.kernel);
            let padded = (len + win.pad as isize - start).clamp(0, win.kernel as isize) as usize;
            Taps { start, lo, hi: (hi as usize).clamp(lo, win.kernel), padded }
        })
        .collect()
}

/// PyTorch's names of the spatial axes, by their number.
fn axis_names(spatial: usize) -> &'static [&'static str] {
    match spatial {
        1 => &["length"],
        2 => &["height", "width"],
        _ => &["depth", "height", "width"],
    }
}

/// A validated pooling input: its row-major data seen as `planes` volumes of `dims`
/// (`[D, H, W]`, leading ones for fewer spatial axes).
struct Planes<'a> {
    layer: &'static str,
    data: CowArray<'a, f32, IxDyn>,
    shape: Vec<usize>,
    spatial: usize,
    planes: usize,
    dims: [usize; 3],
}

impl Planes<'_> {
    fn slice(&self) -> &[f32] {
        self.data.as_slice().expect("standard layout")
    }

    /// The output array: the input's leading axes, then `out`'s last `spatial` sizes.
    fn output(&self, out: [usize; 3], data: Vec<f32>) -> Result<ArrayD<f32>> {
        let mut shape = self.shape.clone();
        let n = shape.len();
        shape[n - self.spatial..].copy_from_slice(&out[3 - self.spatial..]);
        ArrayD::from_shape_vec(IxDyn(&shape), data)
            .map_err(|e| InitError::input(self.layer, e.to_string()))
    }

    fn volume(&self) -> usize {
        self.dims.iter().product()
    }
}

/// Check an input with `spatial` spatial axes, a channel axis and an optional batch axis,
/// with non-zero channel and spatial sizes (the batch may be empty).
fn planes<'a>(layer: &'static str, x: ArrayViewD<'a, f32>, spatial: usize) -> Result<Planes<'a>> {
    let shape = x.shape().to_vec();
    let n = shape.len();
    if n != spatial + 1 && n != spatial + 2 {
        let letters = ["L", "H, W", "D, H, W"][spatial - 1];
        return Err(InitError::input(
            layer,
            format!(
                "input of shape {shape:?} must have {} or {} dimensions ([C, {letters}] or [N, C, {letters}])",
                spatial + 1,
                spatial + 2
            ),
        ));
    }
    if shape[n - spatial - 1..].contains(&0) {
        let names = axis_names(spatial);
        let list = match names.split_last() {
            Some((last, [])) => format!("channel and {last}"),
            Some((last, init)) => format!("channel, {} and {last}", init.join(", ")),
            None => "channel".to_string(),
        };
        return Err(InitError::input(
            layer,
            format!("input of shape {shape:?} must have non-zero {list} sizes"),
        ));
    }
    let mut dims = [1; 3];
    dims[3 - spatial..].copy_from_slice(&shape[n - spatial..]);
    let planes = shape[..n - spatial].iter().product();
    let data = if x.is_standard_layout() {
        CowArray::from(x)
    } else {
        CowArray::from(x.as_standard_layout().into_owned())
    };
    Ok(Planes { layer, data, shape, spatial, planes, dims })
}

/// The output length along one axis (PyTorch's `pooling_output_shape`), or an error when
/// the padded input is shorter than the window.
fn out_len(p: &Planes<'_>, axis: &str, len: usize, win: Window, ceil: bool) -> Result<usize> {
    let padded = len.saturating_add(win.pad.saturating_mul(2));
    let extent = win.extent();
    if padded < extent {
        return Err(InitError::input(
            p.layer,
            format!(
                "input of shape {:?} is too small: padded {axis} {padded} is less than the kernel's extent {extent}",
                p.shape
            ),
        ));
    }
    let span = padded - extent;
    let mut out = if ceil { span.div_ceil(win.stride) } else { span / win.stride } + 1;
    // With ceil_mode, the last window must start inside the input or its left padding.
    if ceil && (out - 1) * win.stride >= len + win.pad {
        out -= 1;
    }
    Ok(out)
}

/// The three axes' windows (unit windows first for fewer spatial axes), output sizes and
/// taps.
struct Layout {
    dilation: [usize; 3],
    out: [usize; 3],
    taps: [Vec<Taps>; 3],
}

fn layout(p: &Planes<'_>, wins: &[Window], ceil: bool) -> Result<Layout> {
    let mut all = [Window::UNIT; 3];
    all[3 - wins.len()..].copy_from_slice(wins);
    let names = axis_names(wins.len());
    let mut out = [1; 3];
    for (i, win) in all.iter().enumerate().skip(3 - wins.len()) {
        out[i] = out_len(p, names[i + wins.len() - 3], p.dims[i], *win, ceil)?;
    }
    let taps = [0, 1, 2].map(|i| taps(p.dims[i], out[i], all[i]));
    Ok(Layout { dilation: all.map(|win| win.dilation), out, taps })
}

/// Max pooling over the last `wins.len()` axes. Padding never wins (it is −∞), a window
/// with no tap inside the input gives −∞, and a NaN in a window makes its output NaN, as in
/// PyTorch.
pub(crate) fn max_pool(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    wins: &[Window],
    ceil_mode: bool,
) -> Result<ArrayD<f32>> {
    let p = planes(layer, x, wins.len())?;
    let Layout { dilation: dil, out, taps: [td, th, tw] } = layout(&p, wins, ceil_mode)?;
    let [_, h, w] = p.dims;
    let per_plane = out.iter().product::<usize>();
    let mut dst = vec![0f32; p.planes * per_plane];
    if per_plane > 0 {
        for (plane, dst) in p.slice().chunks_exact(p.volume()).zip(dst.chunks_exact_mut(per_plane))
        {
            let mut o = dst.iter_mut();
            for d in &td {
                for r in &th {
                    for c in &tw {
                        let mut m = f32::NEG_INFINITY;
                        for kd in d.lo..d.hi {
                            let depth = d.index(kd, dil[0]) * h;
                            for kh in r.lo..r.hi {
                                let row = &plane[(depth + r.index(kh, dil[1])) * w..][..w];
                                for kw in c.lo..c.hi {
                                    let v = row[c.index(kw, dil[2])];
                                    if v > m || v.is_nan() {
                                        m = v;
                                    }
                                }
                            }
                        }
                        *o.next().expect("one output per window") = m;
                    }
                }
            }
        }
    }
    p.output(out, dst)
}

/// Average pooling over the last `wins.len()` axes (dilation 1): each window's sum divided
/// by `divisor_override`, else by its taps inside the padded input (`count_include_pad`),
/// else by its taps inside the input; a window with no tap inside the input gives 0, as in
/// PyTorch.
pub(crate) fn avg_pool(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    wins: &[Window],
    mode: PoolMode,
) -> Result<ArrayD<f32>> {
    let p = planes(layer, x, wins.len())?;
    let Layout { out, taps: [td, th, tw], .. } = layout(&p, wins, mode.ceil_mode)?;
    let [_, h, w] = p.dims;
    let per_plane = out.iter().product::<usize>();
    let mut dst = vec![0f32; p.planes * per_plane];
    if per_plane > 0 {
        for (plane, dst) in p.slice().chunks_exact(p.volume()).zip(dst.chunks_exact_mut(per_plane))
        {
            let mut o = dst.iter_mut();
            for d in &td {
                for r in &th {
                    for c in &tw {
                        let inside = (d.hi - d.lo) * (r.hi - r.lo) * (c.hi - c.lo);
                        let mut sum = 0f32;
                        for kd in d.lo..d.hi {
                            let depth = d.index(kd, 1) * h;
                            for kh in r.lo..r.hi {
                                let row = &plane[(depth + r.index(kh, 1)) * w..][..w];
                                sum += (c.lo..c.hi).map(|kw| row[c.index(kw, 1)]).sum::<f32>();
                            }
                        }
                        let divisor = match mode.divisor_override {
                            Some(k) => k,
                            None if mode.count_include_pad => d.padded * r.padded * c.padded,
                            None => inside,
                        };
                        let v = if inside == 0 { 0.0 } else { sum / divisor as f32 };
                        *o.next().expect("one output per window") = v;
                    }
                }
            }
        }
    }
    p.output(out, dst)
}

/// PyTorch's adaptive bins: output `i` of `out` averages input indices
/// `⌊i·len/out⌋ .. ⌈(i+1)·len/out⌉`.
fn bins(len: usize, out: usize) -> Vec<(usize, usize)> {
    (0..out).map(|i| (i * len / out, ((i + 1) * len).div_ceil(out))).collect()
}

/// Adaptive average pooling of the last `out.len()` axes to the sizes `out`.
pub(crate) fn adaptive_avg_pool(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    out: &[usize],
) -> Result<ArrayD<f32>> {
    let p = planes(layer, x, out.len())?;
    let mut sizes = [1; 3];
    sizes[3 - out.len()..].copy_from_slice(out);
    let [bd, bh, bw] = [0, 1, 2].map(|i| bins(p.dims[i], sizes[i]));
    let [_, h, w] = p.dims;
    let per_plane = sizes.iter().product::<usize>();
    let mut dst = vec![0f32; p.planes * per_plane];
    if per_plane > 0 {
        for (plane, dst) in p.slice().chunks_exact(p.volume()).zip(dst.chunks_exact_mut(per_plane))
        {
            let mut o = dst.iter_mut();
            for &(z0, z1) in &bd {
                for &(y0, y1) in &bh {
                    for &(x0, x1) in &bw {
                        let mut sum = 0f32;
                        for z in z0..z1 {
                            for y in y0..y1 {
                                let row = (z * h + y) * w;
                                sum += plane[row + x0..row + x1].iter().sum::<f32>();
                            }
                        }
                        let count = (z1 - z0) * (y1 - y0) * (x1 - x0);
                        *o.next().expect("one output per bin") = sum / count as f32;
                    }
                }
            }
        }
    }
    p.output(sizes, dst)
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
