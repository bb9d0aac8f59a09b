//! `values`: literal numbers with a shape, copied into a parameter with numpy broadcasting.

use std::fmt;

use ndarray::ArrayD;
use rayon::prelude::*;

use crate::error::{ErrorKind, InitError, Result};
use crate::param::{Param, ParamTarget};

/// Literal values with a shape, as written in `#[init(values = [[0, 0, 0], [1, 1, 1]])]`.
///
/// Every value is finite, the number of values is the product of the shape, and the shape is
/// one a literal can have (at most [`MAX_RANK`](Values::MAX_RANK) dimensions); all are checked
/// when a `Values` is made. Its [`Display`](fmt::Display) reads like the attribute, in time and
/// length proportional to the number of values (at most 64 lists per value, or 64² lists for a
/// literal without numbers).
///
/// ```
/// use init_core::Values;
/// let v = Values::new(vec![2, 3], vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0])?;
/// assert_eq!(v.to_string(), "values = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]");
/// assert!(Values::new(vec![2, 2], vec![1.0; 3]).is_err());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl Values {
    /// The most dimensions a `Values` may have (a literal of more is not a parameter's).
    pub const MAX_RANK: usize = 64;

    /// The most empty innermost lists a `Values` without numbers may hold (`[[], []]` holds 2),
    /// so that its [`Display`](fmt::Display) stays short: a shape such as `[usize::MAX, 0]`
    /// has no elements but could never be written out.
    pub const MAX_EMPTY_LISTS: usize = 64;

    /// Values of the given shape, in row-major order.
    ///
    /// Errors: more than [`MAX_RANK`](Values::MAX_RANK) dimensions
    /// ([`ErrorKind::ValuesRank`]), `data.len()` is not the product of `shape`
    /// ([`ErrorKind::ValuesLen`]), no numbers and more than
    /// [`MAX_EMPTY_LISTS`](Values::MAX_EMPTY_LISTS) empty lists
    /// ([`ErrorKind::ValuesEmptyLists`]), or a value is NaN or infinite
    /// ([`ErrorKind::NonFinite`]).
    ///
    /// ```
    /// use init_core::Values;
    /// let err = Values::new(vec![2, 2], vec![1.0; 3]).unwrap_err();
    /// assert_eq!(err.to_string(), "values: 3 numbers cannot have shape [2, 2]");
    /// let err = Values::new(vec![1], vec![f32::NAN]).unwrap_err();
    /// assert_eq!(err.to_string(), "values: argument `values` must be finite, got NaN");
    /// let err = Values::new(vec![usize::MAX, 0], vec![]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     format!("values: shape [{0}, 0] holds {0} empty lists, more than the 64 accepted", usize::MAX)
    /// );
    /// ```
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Values> {
        if shape.len() > Values::MAX_RANK {
            let kind = ErrorKind::ValuesRank { rank: shape.len(), max: Values::MAX_RANK };
            return Err(InitError::new("", kind));
        }
        // A 0 anywhere makes 0 elements; otherwise a product that overflows matches no length.
        let len = if shape.contains(&0) {
            Some(0)
        } else {
            shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
        };
        if len != Some(data.len()) {
            return Err(InitError::new("", ErrorKind::ValuesLen { len: data.len(), shape }));
        }
        if let Some(zero) = shape.iter().position(|&d| d == 0) {
            // Every list above the first 0 dimension is written out, each one empty.
            let lists = shape[..zero].iter().fold(1usize, |acc, &d| acc.saturating_mul(d));
            if lists > Values::MAX_EMPTY_LISTS {
                let max = Values::MAX_EMPTY_LISTS;
                return Err(InitError::new("", ErrorKind::ValuesEmptyLists { shape, lists, max }));
            }
        }
        if let Some(&bad) = data.iter().find(|x| !x.is_finite()) {
            return Err(InitError::new(
                "",
                ErrorKind::NonFinite { scheme: "values", arg: "values", value: f64::from(bad) },
            ));
        }
        Ok(Values { shape, data })
    }

    /// A single value (shape `[]`), broadcast to every element of a parameter. Errors if it is
    /// NaN or infinite.
    ///
    /// ```
    /// use init_core::Values;
    /// assert_eq!(Values::scalar(0.5)?.to_string(), "values = 0.5");
    /// assert!(Values::scalar(f32::INFINITY).is_err());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn scalar(value: f32) -> Result<Values> {
        Values::new(Vec::new(), vec![value])
    }

    /// The shape.
    ///
    /// ```
    /// let v = init_core::Values::new(vec![3, 1], vec![1.0, 2.0, 3.0])?;
    /// assert_eq!(v.shape(), &[3, 1]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The values in row-major order.
    ///
    /// ```
    /// let v = init_core::Values::new(vec![3, 1], vec![1.0, 2.0, 3.0])?;
    /// assert_eq!(v.data(), &[1.0, 2.0, 3.0]);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn data(&self) -> &[f32] {
        &self.data
    }
}

impl Values {
    /// Copy the values into a parameter, broadcast by numpy's rules (`np.broadcast_to`): the shapes are
    /// aligned at their last dimension, every dimension of the values must equal the parameter's or
    /// be 1, and the values may have fewer dimensions (but not more) than the parameter.
    ///
    /// So a `[3, 3]` kernel fills every `(out, in)` pair of a `Conv2d(1, 3, 3)` weight of shape
    /// `[3, 1, 3, 3]`, a `[1, 3]` row fills every row and a `[4, 1]` column every column of a
    /// `[4, 3]` matrix. A shape that does not broadcast is an [`ErrorKind::Broadcast`] naming
    /// both shapes, and leaves the parameter unchanged. The parameter's
    /// [`origin`](crate::Param::origin) becomes the literal (`"values = [...]"`).
    ///
    /// ```
    /// use init_core::{Param, Values};
    /// let kernel = Values::new(vec![3, 3], vec![0., 0., 0., 1., 1., 1., 2., 2., 2.])?;
    /// let mut w = Param::zeros(&[3, 1, 3, 3]);
    /// kernel.fill(w.at("conv1.weight"))?;
    /// assert_eq!(&w.as_slice()[18..27], kernel.data());
    /// assert_eq!(w.origin(), Some("values = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]"));
    /// let mut small = Param::zeros(&[3, 1, 2, 2]);
    /// let err = kernel.fill(small.at("conv1.weight")).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "conv1.weight: values of shape [3, 3] cannot be broadcast to the parameter's shape [3, 1, 2, 2]"
    /// );
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn fill(&self, mut param: impl ParamTarget) -> Result<()> {
        let (param, path) = crate::param::target(&mut param);
        fill_values(param, path, self)?;
        param.set_intended_std(super::Init::Values(self.clone()).intended_std(param.shape()));
        param.set_origin(self.to_string());
        Ok(())
    }
}

impl TryFrom<ArrayD<f32>> for Values {
    type Error = InitError;

    /// The array's shape and values (in logical row-major order, whatever its memory layout).
    ///
    /// ```
    /// use init_core::Values;
    /// let v = Values::try_from(ndarray::array![[1.0f32, 2.0], [3.0, 4.0]].into_dyn())?;
    /// assert_eq!(v.to_string(), "values = [[1.0, 2.0], [3.0, 4.0]]");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn try_from(array: ArrayD<f32>) -> Result<Values> {
        Values::new(array.shape().to_vec(), array.iter().copied().collect())
    }
}

impl Values {
    /// The most numbers [`Display`](fmt::Display) writes out; a larger literal (a matrix a
    /// recipe computed, such as ZerO's Hadamard block) prints as its shape, so that a
    /// parameter's [`origin`](crate::Param::origin) stays a line.
    pub const DISPLAY_MAX: usize = 256;
}

impl fmt::Display for Values {
    /// `values = ` and the nested literal, each number with `{:?}` (`1.0`, not `1`); above
    /// [`Values::DISPLAY_MAX`] numbers, `values of shape [..]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.data.len() > Values::DISPLAY_MAX {
            return write!(f, "values of shape {:?}", self.shape);
        }
        f.write_str("values = ")?;
        write_nested(f, &self.shape, &self.data)
    }
}

/// Write `data` (of shape `shape`) as nested brackets.
fn write_nested(f: &mut fmt::Formatter<'_>, shape: &[usize], data: &[f32]) -> fmt::Result {
    let Some((&outer, inner)) = shape.split_first() else {
        return data.first().map_or(Ok(()), |x| write!(f, "{x:?}"));
    };
    f.write_str("[")?;
    let step: usize = inner.iter().product();
    for i in 0..outer {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_nested(f, inner, &data[i * step..(i + 1) * step])?;
    }
    f.write_str("]")
}

/// Whether `values` broadcast to `shape` (numpy's rules); the number of leading dimensions
/// of `shape` they repeat over.
pub(crate) fn check_values(path: &str, shape: &[usize], values: &Values) -> Result<usize> {
    let lead = shape.len().checked_sub(values.shape.len());
    let fits = lead.is_some_and(|lead| {
        values.shape.iter().zip(&shape[lead..]).all(|(&v, &t)| v == t || v == 1)
    });
    lead.filter(|_| fits).ok_or_else(|| {
        InitError::new(
            path,
            ErrorKind::Broadcast { values: values.shape.clone(), param: shape.to_vec() },
        )
    })
}

/// Copy `values` into `param`, broadcast (see [`Values::fill`]).
pub(crate) fn fill_values(param: &mut Param, path: &str, values: &Values) -> Result<()> {
    let lead = check_values(path, param.shape(), values)?;
    let target = param.shape();
    if param.numel() == 0 {
        return Ok(());
    }
    // The parameter's `lead` leading dimensions (any number of them) repeat one block of the
    // trailing ones, which has the values' rank (at most `MAX_RANK`, which bounds the
    // recursion of `broadcast_copy`): fill the first block, then copy it.
    let inner = target[lead..].to_vec();
    let out = param.as_slice_mut();
    let block = inner.iter().product();
    broadcast_copy(&mut out[..block], &inner, &values.data, &values.shape);
    repeat_block(out, block);
    Ok(())
}

/// Elements of the pattern [`repeat_block`] copies from: 64 KiB, so each copy is a large
/// `memcpy` whatever the block's size.
const PATTERN: usize = 1 << 14;

/// Fill all of `out` (a whole number of blocks) with copies of its first `block` elements:
/// the block is doubled in place up to about [`PATTERN`] elements, then that pattern is
/// copied over the rest on the rayon pool. One copy per block (the old loop) took 50 ms for a
/// scalar broadcast to 4096² (16.7 M copies of one element), 25x a constant fill.
fn repeat_block(out: &mut [f32], block: usize) {
    let pattern = (block * (PATTERN / block).max(1)).min(out.len());
    let mut done = block;
    while done < pattern {
        let n = done.min(pattern - done);
        out.copy_within(..n, done);
        done += n;
    }
    let (head, rest) = out.split_at_mut(pattern);
    if rest.len() < super::plan::PARALLEL_FILL {
        // Small: not worth a trip through the pool (a bias, a small kernel).
        for c in rest.chunks_mut(pattern) {
            c.copy_from_slice(&head[..c.len()]);
        }
    } else {
        rest.par_chunks_mut(pattern).for_each(|c| c.copy_from_slice(&head[..c.len()]));
    }
}

/// Fill `out` (shape `target`, non-empty) from `src` (shape `shape`, same rank, each dimension
/// equal to the target's or 1): whole blocks are copied with `copy_from_slice`, a single value
/// with `fill`, and a broadcast dimension by copying its first filled slice.
fn broadcast_copy(out: &mut [f32], target: &[usize], src: &[f32], shape: &[usize]) {
    if shape == target {
        out.copy_from_slice(src);
    } else if let [x] = src {
        out.fill(*x);
    } else if let (Some((&t0, t_rest)), Some((&s0, s_rest))) =
        (target.split_first(), shape.split_first())
    {
        let out_step = out.len() / t0;
        let src_step = src.len() / s0;
        if s0 == t0 {
            for (o, s) in out.chunks_exact_mut(out_step).zip(src.chunks_exact(src_step)) {
                broadcast_copy(o, t_rest, s, s_rest);
            }
        } else {
            let (first, rest) = out.split_at_mut(out_step);
            broadcast_copy(first, t_rest, src, s_rest);
            for o in rest.chunks_exact_mut(out_step) {
                o.copy_from_slice(first);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::Param;

    fn v(shape: &[usize], data: &[f32]) -> Values {
        Values::new(shape.to_vec(), data.to_vec()).unwrap()
    }

    fn fill(shape: &[usize], vals: &Values) -> Vec<f32> {
        let mut p = Param::zeros(shape);
        fill_values(&mut p, "w", vals).unwrap();
        p.as_slice().to_vec()
    }

    #[test]
    fn repeating_a_block_fills_every_length() {
        for block in [1, 3, 7, 64, PATTERN - 1, PATTERN, PATTERN + 5] {
            for copies in [1, 2, 5, 9, 40] {
                let mut out = vec![f32::NAN; block * copies];
                for (i, o) in out[..block].iter_mut().enumerate() {
                    *o = i as f32;
                }
                repeat_block(&mut out, block);
                assert!(
                    out.iter().enumerate().all(|(i, &x)| x == (i % block) as f32),
                    "{block} x {copies}"
                );
            }
        }
        // Large enough for the pool.
        let (block, copies) = (3, super::super::plan::PARALLEL_FILL / 3 + 7);
        let mut out = vec![f32::NAN; block * copies];
        out[..block].copy_from_slice(&[1.0, 2.0, 3.0]);
        repeat_block(&mut out, block);
        assert!(out.iter().enumerate().all(|(i, &x)| x == (i % block + 1) as f32));
    }

    #[test]
    fn broadcast_cases() {
        assert_eq!(fill(&[2, 3], &Values::scalar(0.5).unwrap()), vec![0.5; 6]);
        let kernel = v(&[3, 3], &[0., 0., 0., 1., 1., 1., 2., 2., 2.]);
        assert_eq!(fill(&[3, 1, 3, 3], &kernel), kernel.data().repeat(3));
        assert_eq!(fill(&[4, 3], &v(&[1, 3], &[1., 2., 3.])), [1., 2., 3.].repeat(4));
        assert_eq!(fill(&[4, 3], &v(&[3], &[1., 2., 3.])), [1., 2., 3.].repeat(4));
        assert_eq!(
            fill(&[4, 3], &v(&[4, 1], &[1., 2., 3., 4.])),
            vec![1., 1., 1., 2., 2., 2., 3., 3., 3., 4., 4., 4.]
        );
        assert_eq!(fill(&[2, 2], &v(&[2, 2], &[1., 2., 3., 4.])), vec![1., 2., 3., 4.]);
        // Broadcast in the middle and at both ends: [2, 1, 2] -> [2, 3, 2].
        assert_eq!(
            fill(&[2, 3, 2], &v(&[2, 1, 2], &[1., 2., 3., 4.])),
            vec![1., 2., 1., 2., 1., 2., 3., 4., 3., 4., 3., 4.]
        );
        // [1, 2, 1] -> [2, 2, 3].
        assert_eq!(
            fill(&[2, 2, 3], &v(&[1, 2, 1], &[5., 6.])),
            vec![5., 5., 5., 6., 6., 6., 5., 5., 5., 6., 6., 6.]
        );
        // Size-1 dims may broadcast to 0; an empty parameter takes anything that fits.
        assert_eq!(fill(&[0, 3], &v(&[1, 3], &[1., 2., 3.])), Vec::<f32>::new());
        assert_eq!(fill(&[3, 0], &v(&[0], &[])), Vec::<f32>::new());
    }

    #[test]
    fn broadcast_failures_name_both_shapes() {
        let mut p = Param::zeros(&[4, 3]);
        p.as_slice_mut()[0] = 9.0;
        let cases: [(&[usize], usize, &str); 4] = [
            (&[2, 3], 6, "[2, 3]"),
            (&[1, 4, 3], 12, "[1, 4, 3]"),
            (&[4], 4, "[4]"),
            (&[0], 0, "[0]"),
        ];
        for (shape, len, text) in cases {
            let err = fill_values(&mut p, "fc.weight", &v(shape, &vec![1.0; len])).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "fc.weight: values of shape {text} cannot be broadcast to the parameter's shape [4, 3]"
                )
            );
        }
        assert_eq!(p.as_slice()[0], 9.0);
    }

    #[test]
    fn construction_errors() {
        let err = Values::new(vec![2, 3], vec![1.0; 5]).unwrap_err();
        assert_eq!(err.to_string(), "values: 5 numbers cannot have shape [2, 3]");
        let err = Values::new(vec![usize::MAX, 2], vec![1.0; 2]).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::ValuesLen { len: 2, shape: vec![usize::MAX, 2] });
        let err = Values::new(vec![2], vec![1.0, f32::NEG_INFINITY]).unwrap_err();
        assert_eq!(err.to_string(), "values: argument `values` must be finite, got -inf");
        let err = Values::scalar(f32::NAN).unwrap_err();
        assert_eq!(err.to_string(), "values: argument `values` must be finite, got NaN");
        let ragged = ArrayD::from_shape_vec(vec![2, 2], vec![1.0f32, 2.0, 3.0]);
        assert!(ragged.is_err());
        let err = Values::try_from(ArrayD::from_elem(vec![2], f32::NAN)).unwrap_err();
        assert_eq!(err.to_string(), "values: argument `values` must be finite, got NaN");
    }

    #[test]
    fn shapes_a_literal_cannot_have_are_refused() {
        let err = Values::new(vec![1; 65], vec![1.0]).unwrap_err();
        assert_eq!(err.to_string(), "values: 65 dimensions, more than the 64 accepted");
        assert!(Values::new(vec![1; 64], vec![1.0]).is_ok());
        let err = Values::new(vec![65, 0], vec![]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "values: shape [65, 0] holds 65 empty lists, more than the 64 accepted"
        );
        let err = Values::new(vec![usize::MAX, 2, 0], vec![]).unwrap_err();
        let lists = usize::MAX;
        assert_eq!(
            err.kind(),
            &ErrorKind::ValuesEmptyLists { shape: vec![lists, 2, 0], lists, max: 64 }
        );
        // At the limit, the literal is written out: 1 + 8 + 64 lists.
        let v = v(&[8, 8, 0, 1 << 40], &[]);
        assert_eq!(v.to_string().matches('[').count(), 73);
    }

    #[test]
    fn broadcast_over_many_leading_dimensions_does_not_recurse_over_them() {
        // 100 000 leading dimensions of 1: recursing over each would overflow the stack.
        let mut shape = vec![1; 100_000];
        shape.extend([2, 3]);
        let got = fill(&shape, &v(&[2, 1], &[1., 2.]));
        assert_eq!(got, vec![1., 1., 1., 2., 2., 2.]);
    }

    #[test]
    fn display_reads_like_the_attribute() {
        assert_eq!(
            v(&[2, 3], &[0., 0., 0., 1., 1., 1.]).to_string(),
            "values = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]"
        );
        assert_eq!(Values::scalar(0.5).unwrap().to_string(), "values = 0.5");
        assert_eq!(v(&[3], &[-1.5, 1e-7, 2.0]).to_string(), "values = [-1.5, 1e-7, 2.0]");
        assert_eq!(v(&[1, 2, 1], &[3., 4.]).to_string(), "values = [[[3.0], [4.0]]]");
        assert_eq!(v(&[2, 0], &[]).to_string(), "values = [[], []]");
        assert_eq!(v(&[0], &[]).to_string(), "values = []");
    }

    #[test]
    fn from_array_keeps_logical_order() {
        let a = ndarray::array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]].reversed_axes().into_dyn();
        let vals = Values::try_from(a).unwrap();
        assert_eq!(vals.shape(), &[3, 2]);
        assert_eq!(vals.data(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        assert_eq!(vals.to_string(), "values = [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]");
    }
}
