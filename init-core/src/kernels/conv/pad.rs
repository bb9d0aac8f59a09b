//! The non-zero padding modes (`reflect`, `replicate`, `circular`): the input copied into a
//! larger array whose border is read from the input itself, after which the convolution runs
//! with no padding, as PyTorch's `F.pad` followed by `conv` does.

use std::collections::TryReserveError;

use crate::spec::PaddingMode;

/// The input index that padded position `i` (relative to the input's start, so negative in
/// the padding before it) reads on an axis of `n > 0` elements. The caller has checked the
/// mode's size rule (`conv_padding_fits`), so every index lands inside.
fn source(mode: PaddingMode, i: isize, n: usize) -> usize {
    let n = n as isize;
    let j = match mode {
        PaddingMode::Reflect if i < 0 => -i,
        PaddingMode::Reflect if i >= n => 2 * (n - 1) - i,
        PaddingMode::Replicate => i.clamp(0, n - 1),
        PaddingMode::Circular => i.rem_euclid(n),
        _ => i,
    };
    j as usize
}

/// `x` (`items` blocks of spatial sizes `size`) padded by `lo` before and `hi` after each
/// axis in `mode`; returns the padded blocks, of spatial sizes `size + lo + hi`.
///
/// Every `size` is > 0 when any output element exists (the mode's size rule). The memory is
/// reserved before it is written: a size the allocator refuses is an error, not an abort.
pub(super) fn pad(
    mode: PaddingMode,
    x: &[f32],
    items: usize,
    size: &[usize],
    lo: &[usize],
    hi: &[usize],
) -> Result<Vec<f32>, TryReserveError> {
    let d = size.len();
    let out: Vec<usize> = (0..d).map(|j| size[j] + lo[j] + hi[j]).collect();
    let out_item: usize = out.iter().product();
    let in_item: usize = size.iter().product();
    if out_item == 0 || items == 0 {
        return Ok(Vec::new());
    }
    let mut result = Vec::new();
    result.try_reserve_exact(items * out_item)?;
    // Per axis: the input index each padded position reads.
    let mut maps: Vec<Vec<usize>> = Vec::with_capacity(d);
    for j in 0..d {
        let mut map = Vec::new();
        map.try_reserve_exact(out[j])?;
        map.extend((0..out[j]).map(|q| source(mode, q as isize - lo[j] as isize, size[j])));
        maps.push(map);
    }
    let mut strides = vec![1usize; d];
    for j in (0..d - 1).rev() {
        strides[j] = strides[j + 1] * size[j + 1];
    }
    let (last, outer) = (&maps[d - 1], &out[..d - 1]);
    for item in x.chunks_exact(in_item).take(items) {
        let mut o = vec![0usize; d - 1];
        for _ in 0..outer.iter().product::<usize>() {
            let base: usize = (0..d - 1).map(|j| maps[j][o[j]] * strides[j]).sum();
            result.extend(last.iter().map(|&i| item[base + i]));
            for j in (0..d - 1).rev() {
                o[j] += 1;
                if o[j] < outer[j] {
                    break;
                }
                o[j] = 0;
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_reads_the_border_as_pytorch_pads() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let pad1 = |mode, lo, hi| pad(mode, &x, 1, &[4], &[lo], &[hi]).unwrap();
        // F.pad(torch.tensor([[[1., 2, 3, 4]]]), (3, 2), mode=...)
        assert_eq!(pad1(PaddingMode::Reflect, 3, 2), [4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]);
        assert_eq!(
            pad1(PaddingMode::Replicate, 3, 2),
            [1.0, 1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0]
        );
        assert_eq!(
            pad1(PaddingMode::Circular, 3, 2),
            [2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]
        );
        // Two axes, two items: circular by (1, 0) on the rows and (0, 1) on the columns.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let y = pad(PaddingMode::Circular, &x, 2, &[2, 2], &[1, 0], &[0, 1]).unwrap();
        let want = [3.0, 4.0, 3.0, 1.0, 2.0, 1.0, 3.0, 4.0, 3.0];
        let want2 = [7.0, 8.0, 7.0, 5.0, 6.0, 5.0, 7.0, 8.0, 7.0];
        assert_eq!(y, [want, want2].concat());
    }
}
