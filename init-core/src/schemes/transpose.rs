//! The two copies around [`orthogonal`](super::orthogonal)'s QR: a row-major matrix into a
//! column-major buffer for faer, and the column-major `Q` back into row-major memory with a
//! factor per column.
//!
//! Both walk the matrix in 8 x 8 blocks: eight rows (or columns) of eight contiguous
//! elements in, eight columns (rows) out. The element-by-element tiles these replace stored
//! with a stride of a whole row, and at 2048 columns (8 KiB, a multiple of 4 KiB) every row
//! of a tile fell into the same L1 set: 11 % of the samples of the 2048² orthogonal
//! benchmark in `perf`, 6 % now. Each output is the input (times its factor, one product),
//! so the values do not depend on the blocking or on the split over the rayon pool.

use rayon::prelude::*;

/// Block edge.
const B: usize = 8;

/// `dst[j * m + i] = src[i * n + j]` for the row-major `m x n` matrix `src`: `dst` is its
/// column-major copy (`m * n` elements). Columns go to the rayon pool eight at a time.
pub(super) fn rows_to_cols(src: &[f32], dst: &mut [f32], m: usize, n: usize) {
    dst.par_chunks_mut(B * m).enumerate().for_each(|(t, cols)| {
        let j0 = B * t;
        let w = cols.len() / m;
        let full = if w == B { m - m % B } else { 0 };
        for i0 in (0..full).step_by(B) {
            let mut blk = [[0f32; B]; B];
            for (r, row) in blk.iter_mut().enumerate() {
                row.copy_from_slice(&src[(i0 + r) * n + j0..][..B]);
            }
            for (c, col) in cols.chunks_exact_mut(m).enumerate() {
                for (r, o) in col[i0..i0 + B].iter_mut().enumerate() {
                    *o = blk[r][c];
                }
            }
        }
        // What the blocks left: the last rows, or a last tile narrower than a block.
        for (c, col) in cols.chunks_exact_mut(m).enumerate() {
            for (i, o) in col.iter_mut().enumerate().skip(full) {
                *o = src[i * n + j0 + c];
            }
        }
    });
}

/// `dst[i * n + j] = src[j * m + i] * scale[j]`: the column-major `m x n` matrix `src` back
/// into the row-major `dst`, column `j` times `scale[j]`. Rows go to the rayon pool eight at
/// a time.
pub(super) fn cols_to_rows(src: &[f32], dst: &mut [f32], m: usize, scale: &[f32]) {
    let n = scale.len();
    dst.par_chunks_mut(B * n).enumerate().for_each(|(t, rows)| {
        let i0 = B * t;
        let h = rows.len() / n;
        let full = if h == B { n - n % B } else { 0 };
        for j0 in (0..full).step_by(B) {
            let mut blk = [[0f32; B]; B];
            for (c, col) in blk.iter_mut().enumerate() {
                col.copy_from_slice(&src[(j0 + c) * m + i0..][..B]);
            }
            let s = &scale[j0..j0 + B];
            for (r, row) in rows.chunks_exact_mut(n).enumerate() {
                for (c, o) in row[j0..j0 + B].iter_mut().enumerate() {
                    *o = blk[c][r] * s[c];
                }
            }
        }
        for (r, row) in rows.chunks_exact_mut(n).enumerate() {
            for (j, o) in row.iter_mut().enumerate().skip(full) {
                *o = src[j * m + i0 + r] * scale[j];
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape class: both sides multiples of 8, neither, one, and thin ones.
    #[test]
    fn both_copies_match_the_definition() {
        for (m, n) in [(16, 8), (17, 9), (8, 3), (3, 8), (1, 1), (40, 24), (13, 64), (65, 7)] {
            let src: Vec<f32> = (0..m * n).map(|k| k as f32 * 0.5 - 3.0).collect();
            let mut cols = vec![f32::NAN; m * n];
            rows_to_cols(&src, &mut cols, m, n);
            for i in 0..m {
                for j in 0..n {
                    assert_eq!(
                        cols[j * m + i].to_bits(),
                        src[i * n + j].to_bits(),
                        "{m}x{n} ({i}, {j})"
                    );
                }
            }
            let scale: Vec<f32> = (0..n).map(|j| if j % 3 == 0 { -1.5 } else { 0.25 }).collect();
            let mut back = vec![f32::NAN; m * n];
            cols_to_rows(&cols, &mut back, m, &scale);
            for i in 0..m {
                for j in 0..n {
                    let want = src[i * n + j] * scale[j];
                    assert_eq!(back[i * n + j].to_bits(), want.to_bits(), "{m}x{n} ({i}, {j})");
                }
            }
        }
    }
}
