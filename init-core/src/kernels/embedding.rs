//! Embedding lookup: rows of a `[num, dim]` table gathered by `i64` indices.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::error::{InitError, Result};

/// `table[indices[...], :]` for a row-major `table` of `num` rows of `dim` values: output
/// shape `[..., dim]`. An index outside `0..num` is an error naming it, its position and the
/// valid range.
pub(crate) fn lookup(
    layer: &'static str,
    table: &[f32],
    num: usize,
    dim: usize,
    indices: &ArrayViewD<'_, i64>,
) -> Result<ArrayD<f32>> {
    let mut out = Vec::with_capacity(indices.len().saturating_mul(dim));
    for (k, &i) in indices.iter().enumerate() {
        let row = usize::try_from(i).ok().filter(|&r| r < num).ok_or_else(|| {
            InitError::input(
                layer,
                format!(
                    "index {i} at position {:?} is out of range 0..{num} (num_embeddings = {num})",
                    unravel(k, indices.shape())
                ),
            )
        })?;
        out.extend_from_slice(&table[row * dim..(row + 1) * dim]);
    }
    let mut shape = indices.shape().to_vec();
    shape.push(dim);
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| InitError::input(layer, e.to_string()))
}

/// The multi-index of row-major position `flat` in `shape`.
fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &d) in index.iter_mut().zip(shape).rev() {
        if d > 0 {
            *slot = flat % d;
            flat /= d;
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unravel_is_row_major() {
        assert_eq!(unravel(0, &[3, 5]), [0, 0]);
        assert_eq!(unravel(7, &[3, 5]), [1, 2]);
        assert_eq!(unravel(23, &[2, 3, 4]), [1, 2, 3]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
    }

    #[test]
    fn lookup_gathers_rows_and_names_bad_indices() {
        let table = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        let idx = ndarray::array![[2i64, 0], [1, 1]].into_dyn();
        let y = lookup("Embedding", &table, 3, 2, &idx.view()).unwrap();
        assert_eq!(y.shape(), &[2, 2, 2]);
        assert_eq!(y.as_slice().unwrap(), &[20.0, 21.0, 0.0, 1.0, 10.0, 11.0, 10.0, 11.0]);
        let bad = ndarray::array![[2i64, 0], [3, 1]].into_dyn();
        let err = lookup("Embedding", &table, 3, 2, &bad.view()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Embedding: index 3 at position [1, 0] is out of range 0..3 (num_embeddings = 3)"
        );
    }
}
