//! 2-D pooling over `[N, C, H, W]` or `[C, H, W]` inputs: max, average and adaptive average,
//! as PyTorch computes them with `ceil_mode = False`.
//!
//! Every kernel works plane by plane (one `H × W` plane per `(n, c)`) on a row-major copy of
//! the input (no copy when it already is one). For each output row and column the range of
//! kernel taps that land inside the input is computed once, so the inner loops carry no
//! padding tests.

use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};

use crate::error::{InitError, Result};

/// A pooling window along both spatial axes (square kernels, as the layers' const generics).
#[derive(Clone, Copy, Debug)]
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
    /// The span one window covers: `dilation · (kernel − 1) + 1`.
    fn extent(self) -> usize {
        self.dilation.saturating_mul(self.kernel.saturating_sub(1)).saturating_add(1)
    }
}

/// The kernel taps of one output position along one axis: taps `lo..hi` fall inside the
/// input, tap `k` reads input index `start + k · dilation`.
#[derive(Clone, Copy, Debug)]
struct Taps {
    start: isize,
    lo: usize,
    hi: usize,
}

impl Taps {
    /// The input index of tap `k` (only called for `lo <= k < hi`, where it is in range).
    #[inline(always)]
    fn index(self, k: usize, dilation: usize) -> usize {
        (self.start + (k * dilation) as isize) as usize
    }
}

/// The taps of every output position along an axis of length `len`.
fn taps(len: usize, out: usize, win: Window) -> Vec<Taps> {
    let (len, dil) = (len as isize, win.dilation as isize);
    (0..out)
        .map(|o| {
            let start = (o * win.stride) as isize - win.pad as isize;
            // First tap with start + k·dil >= 0, first tap with start + k·dil >= len.
            let lo = if start < 0 { (-start + dil - 1) / dil } else { 0 };
            let hi = if len > start { (len - start + dil - 1) / dil } else { 0 };
            let lo = (lo as usize).min(win.kernel);
            Taps { start, lo, hi: (hi as usize).clamp(lo, win.kernel) }
        })
        .collect()
}

/// A validated pooling input: its row-major data seen as `planes` planes of `h × w`.
struct Planes<'a> {
    layer: &'static str,
    data: CowArray<'a, f32, IxDyn>,
    shape: Vec<usize>,
    planes: usize,
    h: usize,
    w: usize,
}

impl Planes<'_> {
    fn slice(&self) -> &[f32] {
        self.data.as_slice().expect("standard layout")
    }

    /// The output array: the input's leading axes, then `oh × ow`.
    fn output(&self, oh: usize, ow: usize, data: Vec<f32>) -> Result<ArrayD<f32>> {
        let mut shape = self.shape.clone();
        let n = shape.len();
        shape[n - 2] = oh;
        shape[n - 1] = ow;
        ArrayD::from_shape_vec(IxDyn(&shape), data)
            .map_err(|e| InitError::input(self.layer, e.to_string()))
    }
}

/// Check a `[N, C, H, W]` or `[C, H, W]` input with non-zero `C`, `H`, `W` (`N` may be 0).
fn planes<'a>(layer: &'static str, x: ArrayViewD<'a, f32>) -> Result<Planes<'a>> {
    let shape = x.shape().to_vec();
    if !(3..=4).contains(&shape.len()) {
        return Err(InitError::input(
            layer,
            format!(
                "input of shape {shape:?} must have 3 or 4 dimensions ([C, H, W] or [N, C, H, W])"
            ),
        ));
    }
    let n = shape.len();
    if shape[n - 3..].contains(&0) {
        return Err(InitError::input(
            layer,
            format!("input of shape {shape:?} must have non-zero channel, height and width sizes"),
        ));
    }
    let (h, w) = (shape[n - 2], shape[n - 1]);
    let planes = shape[..n - 2].iter().product();
    let data = if x.is_standard_layout() {
        CowArray::from(x)
    } else {
        CowArray::from(x.as_standard_layout().into_owned())
    };
    Ok(Planes { layer, data, shape, planes, h, w })
}

/// The output length along one axis, or an error when the padded input is shorter than the
/// window.
fn out_len(p: &Planes<'_>, axis: &str, len: usize, win: Window) -> Result<usize> {
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
    Ok((padded - extent) / win.stride + 1)
}

/// `max_pool2d(x, kernel, stride, padding, dilation, ceil_mode=False)`. Padding never wins (it
/// is −∞) and a NaN in a window makes its output NaN, as in PyTorch.
pub(crate) fn max_pool2d(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    win: Window,
) -> Result<ArrayD<f32>> {
    let p = planes(layer, x)?;
    let oh = out_len(&p, "height", p.h, win)?;
    let ow = out_len(&p, "width", p.w, win)?;
    let (rows, cols) = (taps(p.h, oh, win), taps(p.w, ow, win));
    let (src, dil) = (p.slice(), win.dilation);
    let mut out = vec![0f32; p.planes * oh * ow];
    if oh * ow > 0 {
        for (plane, dst) in src.chunks_exact(p.h * p.w).zip(out.chunks_exact_mut(oh * ow)) {
            for (r, dst_row) in rows.iter().zip(dst.chunks_exact_mut(ow)) {
                for (c, o) in cols.iter().zip(dst_row.iter_mut()) {
                    let mut m = f32::NEG_INFINITY;
                    for ky in r.lo..r.hi {
                        let row = &plane[r.index(ky, dil) * p.w..][..p.w];
                        for kx in c.lo..c.hi {
                            let v = row[c.index(kx, dil)];
                            if v > m || v.is_nan() {
                                m = v;
                            }
                        }
                    }
                    *o = m;
                }
            }
        }
    }
    p.output(oh, ow, out)
}

/// `avg_pool2d(x, kernel, stride, padding, ceil_mode=False, count_include_pad)`: the mean of
/// each window, dividing by `kernel²` when `count_include_pad` and by the number of taps inside
/// the input otherwise.
pub(crate) fn avg_pool2d(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    win: Window,
    count_include_pad: bool,
) -> Result<ArrayD<f32>> {
    let win = Window { dilation: 1, ..win };
    let p = planes(layer, x)?;
    let oh = out_len(&p, "height", p.h, win)?;
    let ow = out_len(&p, "width", p.w, win)?;
    let (rows, cols) = (taps(p.h, oh, win), taps(p.w, ow, win));
    let src = p.slice();
    let mut out = vec![0f32; p.planes * oh * ow];
    if oh * ow > 0 {
        for (plane, dst) in src.chunks_exact(p.h * p.w).zip(out.chunks_exact_mut(oh * ow)) {
            for (r, dst_row) in rows.iter().zip(dst.chunks_exact_mut(ow)) {
                for (c, o) in cols.iter().zip(dst_row.iter_mut()) {
                    let mut sum = 0f32;
                    for ky in r.lo..r.hi {
                        let row = &plane[r.index(ky, 1) * p.w..][..p.w];
                        sum += (c.lo..c.hi).map(|kx| row[c.index(kx, 1)]).sum::<f32>();
                    }
                    // With ceil_mode = False every window ends inside the padded input, so
                    // PyTorch's pool_size is the full kernel area.
                    let count = if count_include_pad {
                        win.kernel * win.kernel
                    } else {
                        (r.hi - r.lo) * (c.hi - c.lo)
                    };
                    *o = sum / count as f32;
                }
            }
        }
    }
    p.output(oh, ow, out)
}

/// PyTorch's adaptive bins: output `i` of `out` averages input indices
/// `⌊i·len/out⌋ .. ⌈(i+1)·len/out⌉`.
fn bins(len: usize, out: usize) -> Vec<(usize, usize)> {
    (0..out).map(|i| (i * len / out, ((i + 1) * len).div_ceil(out))).collect()
}

/// `adaptive_avg_pool2d(x, (oh, ow))`.
pub(crate) fn adaptive_avg_pool2d(
    layer: &'static str,
    x: ArrayViewD<'_, f32>,
    oh: usize,
    ow: usize,
) -> Result<ArrayD<f32>> {
    let p = planes(layer, x)?;
    let (rows, cols) = (bins(p.h, oh), bins(p.w, ow));
    let src = p.slice();
    let mut out = vec![0f32; p.planes * oh * ow];
    if oh * ow > 0 {
        for (plane, dst) in src.chunks_exact(p.h * p.w).zip(out.chunks_exact_mut(oh * ow)) {
            for (&(y0, y1), dst_row) in rows.iter().zip(dst.chunks_exact_mut(ow)) {
                for (&(x0, x1), o) in cols.iter().zip(dst_row.iter_mut()) {
                    let mut sum = 0f32;
                    for y in y0..y1 {
                        sum += plane[y * p.w + x0..y * p.w + x1].iter().sum::<f32>();
                    }
                    *o = sum / ((y1 - y0) * (x1 - x0)) as f32;
                }
            }
        }
    }
    p.output(oh, ow, out)
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};

    use super::*;

    fn ramp(shape: &[usize]) -> ArrayD<f32> {
        let n = shape.iter().product::<usize>();
        ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32).collect()).unwrap()
    }

    /// The naive definition: every tap tested against the input bounds.
    fn naive_max(x: &ArrayD<f32>, win: Window) -> Vec<f32> {
        let (h, w) = (x.shape()[2], x.shape()[3]);
        let pad = win.pad as isize;
        let oh = (h + 2 * win.pad - win.extent()) / win.stride + 1;
        let ow = (w + 2 * win.pad - win.extent()) / win.stride + 1;
        let mut out = Vec::new();
        for plane in x.view().into_shape_with_order((x.len() / (h * w), h, w)).unwrap().outer_iter()
        {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut m = f32::NEG_INFINITY;
                    for ky in 0..win.kernel {
                        for kx in 0..win.kernel {
                            let iy = (oy * win.stride + ky * win.dilation) as isize - pad;
                            let ix = (ox * win.stride + kx * win.dilation) as isize - pad;
                            if (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix) {
                                m = m.max(plane[[iy as usize, ix as usize]]);
                            }
                        }
                    }
                    out.push(m);
                }
            }
        }
        out
    }

    #[test]
    fn max_pool_matches_the_naive_loop_over_many_windows() {
        let x = ramp(&[2, 3, 9, 11]).mapv(|v| (v * 0.37).sin());
        for kernel in 1..=4 {
            for stride in 1..=3 {
                for pad in 0..=kernel / 2 {
                    for dilation in 1..=3 {
                        let win = Window { kernel, stride, pad, dilation };
                        if win.extent() > 9 + 2 * pad {
                            assert!(max_pool2d("MaxPool2d", x.view(), win).is_err());
                            continue;
                        }
                        let y = max_pool2d("MaxPool2d", x.view(), win).unwrap();
                        assert_eq!(y.as_slice().unwrap(), &naive_max(&x, win)[..], "{win:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn max_pool_propagates_nan_and_all_padding_windows_are_neg_infinity() {
        let mut x = ramp(&[1, 1, 2, 2]);
        x[[0, 0, 0, 0]] = f32::NAN;
        let win = Window { kernel: 2, stride: 1, pad: 0, dilation: 1 };
        assert!(max_pool2d("MaxPool2d", x.view(), win).unwrap()[[0, 0, 0, 0]].is_nan());
        // H = W = 1, kernel 2, padding 1, dilation 2: taps at -1 and 1, both padding.
        let win = Window { kernel: 2, stride: 1, pad: 1, dilation: 2 };
        let y = max_pool2d("MaxPool2d", ramp(&[1, 1, 1]).view(), win).unwrap();
        assert_eq!(y.shape(), &[1, 1, 1]);
        assert_eq!(y[[0, 0, 0]], f32::NEG_INFINITY);
    }

    #[test]
    fn avg_pool_counts_padding_or_not() {
        let x = ramp(&[1, 3, 3]);
        let win = Window { kernel: 3, stride: 2, pad: 1, dilation: 1 };
        let with = avg_pool2d("AvgPool2d", x.view(), win, true).unwrap();
        let without = avg_pool2d("AvgPool2d", x.view(), win, false).unwrap();
        // Top-left window covers 0, 1, 3, 4 of the input.
        assert_eq!(with[[0, 0, 0]], 8.0 / 9.0);
        assert_eq!(without[[0, 0, 0]], 2.0);
        assert_eq!(with.shape(), &[1, 2, 2]);
    }

    #[test]
    fn adaptive_bins_overlap_as_pytorch() {
        assert_eq!(bins(7, 3), [(0, 3), (2, 5), (4, 7)]);
        assert_eq!(bins(5, 2), [(0, 3), (2, 5)]);
        assert_eq!(bins(4, 4), [(0, 1), (1, 2), (2, 3), (3, 4)]);
        let y = adaptive_avg_pool2d("AdaptiveAvgPool2d", ramp(&[1, 1, 2, 4]).view(), 1, 2).unwrap();
        assert_eq!(
            y.as_slice().unwrap(),
            &[(0.0 + 1.0 + 4.0 + 5.0) / 4.0, (2.0 + 3.0 + 6.0 + 7.0) / 4.0]
        );
    }

    #[test]
    fn empty_batch_and_non_contiguous_inputs() {
        let win = Window { kernel: 2, stride: 2, pad: 0, dilation: 1 };
        let y = max_pool2d("MaxPool2d", ArrayD::<f32>::zeros(IxDyn(&[0, 3, 4, 4])).view(), win)
            .unwrap();
        assert_eq!(y.shape(), &[0, 3, 2, 2]);
        let x = ramp(&[1, 2, 4, 4]);
        let t = x.view().permuted_axes(IxDyn(&[0, 1, 3, 2]));
        let y = max_pool2d("MaxPool2d", t.view(), win).unwrap();
        let want = max_pool2d("MaxPool2d", t.as_standard_layout().view(), win).unwrap();
        assert_eq!(y, want);
        assert_eq!(y[[0, 0, 0, 1]], 13.0);
    }
}
