//! The two copies around [`orthogonal`](super::orthogonal)'s QR, both one transpose: a
//! row-major matrix into a column-major buffer for faer, and the column-major `Q` back into
//! row-major memory with a factor per column.
//!
//! It walks the matrix in 8 x 8 blocks: eight rows of eight contiguous elements in, eight
//! columns out. The element-by-element tiles these replace stored
//! with a stride of a whole row, and at 2048 columns (8 KiB, a multiple of 4 KiB) every row
//! of a tile fell into the same L1 set: 11 % of the samples of the 2048² orthogonal
//! benchmark in `perf`, 6 % now. Each output is the input (times its factor, one product),
//! so the values do not depend on the blocking or on the split over the rayon pool.

use rayon::prelude::*;

/// Block edge.
const B: usize = 8;

/// `dst = srcᵀ`, both row-major: `src` is `rows x cols`, `dst` is `cols x rows`, and
/// `dst[c * rows + r] = src[r * cols + c] · scale[r]` (the element as it is when `scale` is
/// `None`). Rows of `dst` go to the rayon pool eight at a time.
///
/// Into faer's layout a row-major `m x n` matrix is this with `None` (the column-major copy
/// is the transpose, row-major); back, the column-major `m x n` Q (row-major `n x m`) is
/// this with the sign fix per column of Q as `scale`.
pub(super) fn transpose(
    src: &[f32],
    rows: usize,
    cols: usize,
    dst: &mut [f32],
    scale: Option<&[f32]>,
) {
    let factor = |x: f32, r: usize| match scale {
        Some(s) => x * s[r],
        None => x,
    };
    dst.par_chunks_mut(B * rows).enumerate().for_each(|(t, out)| {
        let c0 = B * t;
        let full = if out.len() / rows == B { rows - rows % B } else { 0 };
        for r0 in (0..full).step_by(B) {
            let mut blk = [[0f32; B]; B];
            for (k, row) in blk.iter_mut().enumerate() {
                row.copy_from_slice(&src[(r0 + k) * cols + c0..][..B]);
            }
            for (dc, o) in out.chunks_exact_mut(rows).enumerate() {
                for (k, o) in o[r0..r0 + B].iter_mut().enumerate() {
                    *o = factor(blk[k][dc], r0 + k);
                }
            }
        }
        // What the blocks left: the last columns of `dst`, or a last tile narrower than a
        // block.
        for (dc, o) in out.chunks_exact_mut(rows).enumerate() {
            for (r, o) in o.iter_mut().enumerate().skip(full) {
                *o = factor(src[r * cols + c0 + dc], r);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape class: both sides multiples of 8, neither, one, and thin ones; with and
    /// without factors.
    #[test]
    fn transposes_match_the_definition() {
        for (rows, cols) in [(16, 8), (17, 9), (8, 3), (3, 8), (1, 1), (40, 24), (13, 64), (65, 7)]
        {
            let src: Vec<f32> = (0..rows * cols).map(|k| k as f32 * 0.5 - 3.0).collect();
            let scale: Vec<f32> = (0..rows).map(|r| if r % 3 == 0 { -1.5 } else { 0.25 }).collect();
            for scale in [None, Some(&scale[..])] {
                let mut dst = vec![f32::NAN; rows * cols];
                transpose(&src, rows, cols, &mut dst, scale);
                for r in 0..rows {
                    for c in 0..cols {
                        let want = src[r * cols + c] * scale.map_or(1.0, |s| s[r]);
                        let got = dst[c * rows + r];
                        assert_eq!(got.to_bits(), want.to_bits(), "{rows}x{cols} ({r}, {c})");
                    }
                }
            }
        }
    }
}
