//! [`Walk`]: the index map between an image and its columns, shared by `im2col` (convolution)
//! and `col2im` (transposed convolution).

/// The sizes of one walk, per spatial axis (only the first `img.len()` entries are read).
pub(super) struct Geometry<'a> {
    /// Kernel size per axis.
    pub kernel: &'a [usize],
    /// Stride per axis.
    pub stride: &'a [usize],
    /// Dilation per axis.
    pub dilation: &'a [usize],
    /// Padding before the image, per axis (padding after it only changes the column sizes,
    /// which the caller has computed).
    pub pad: &'a [usize],
}

/// The index map between an image (`[C, *img]`) and its columns (`[C * kp, *col]`, one row
/// per channel and kernel offset): column position `o` of kernel offset `k` on axis `j` reads
/// image position `o * stride[j] + k * dilation[j] - pad[j]`, or zero padding when that is
/// outside the image.
///
/// Positions are grouped in lines along the last axis: for a kernel offset, the in-image part
/// of every column line is the same run `lo..hi`, so a plan holds that run and, for each
/// column line, where its image line starts (`None` when the line is in the padding).
pub(super) struct Walk {
    /// Kernel points, the product of the kernel sizes.
    pub kp: usize,
    /// Elements of one channel of the image.
    pub img_len: usize,
    /// Elements of one row of columns.
    pub col_len: usize,
    /// Length of a column line (the last column axis).
    line: usize,
    /// Stride along the last axis.
    stride: usize,
    /// The convolution reads the image as is (1-point kernel, unit stride, no padding, same
    /// sizes): no columns are needed.
    pub identity: bool,
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
    /// (both of the same length `d >= 1`, every `col` size > 0, every kernel size, stride and
    /// dilation > 0).
    pub(super) fn new(g: &Geometry<'_>, img: &[usize], col: &[usize]) -> Walk {
        let d = img.len();
        let (k, s, dil, p) = (&g.kernel[..d], &g.stride[..d], &g.dilation[..d], &g.pad[..d]);
        let kp = k.iter().product();
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
            let t = o * s[j] + kk * dil[j];
            (t >= p[j] && t - p[j] < img[j]).then(|| t - p[j])
        };
        let (sl, pl, il) = (s[d - 1], p[d - 1], img[d - 1]);
        let mut plans = Vec::with_capacity(kp);
        let mut kk = vec![0usize; d];
        for kidx in 0..kp {
            let mut rem = kidx;
            for j in (0..d).rev() {
                kk[j] = rem % k[j];
                rem /= k[j];
            }
            let kd = kk[d - 1] * dil[d - 1];
            let lo = if kd >= pl { 0 } else { (pl - kd).div_ceil(sl) }.min(line);
            let hi = if kd >= pl + il { 0 } else { (pl + il - kd).div_ceil(sl) };
            let hi = hi.min(line).max(lo);
            let first = (lo * sl + kd).saturating_sub(pl);
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
        let identity = k.iter().all(|&k| k == 1)
            && s.iter().all(|&s| s == 1)
            && p.iter().all(|&p| p == 0)
            && img == col;
        Walk { kp, img_len, col_len, line, stride: sl, identity, plans }
    }

    /// Gather `img` (`[C, *img]`) into `col` (`[C * kp, *col]`), zeros for the padding.
    pub(super) fn im2col(&self, img: &[f32], col: &mut [f32]) {
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
    pub(super) fn col2im(&self, col: &[f32], img: &mut [f32]) {
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
